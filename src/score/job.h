/* Turning one sample of one problem into a runner job (docs/runner-protocol.md):
 * reasoning handling, the C side of extraction, and the job's fields for
 * the profile. Pure data in, a cJSON object out: no jail here. */
#ifndef VERDICT_JOB_H
#define VERDICT_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "input/problem.h"
#include "score/profile.h"
#include "input/samples.h"
#include "score/score.h"

#include "extract/extract.h"

/* What the model's text becomes before the job is built: the extraction
 * facts of the C side (reasoning removed, fenced blocks, fallback, LCB code). */
struct job_text {
	struct extract_result er;
	unsigned flags; /* VF_* bits derived from the extraction */
	bool changed;	/* reasoning handling changed the text the harness would see */
};

/* Run the C side of extraction on a sample's completion, with reasoning
 * removal and the reasoning_content fallback as asked (both off: the text
 * is the raw completion, as the harness sees it). Returns 0 or -ENOMEM. */
int job_text_prepare(const struct extractor *ex, const struct sample *s, bool strip_reasoning,
		     bool use_reasoning_content, struct job_text *out);
void job_text_free(struct job_text *t);

/* Build the job for `profile` from the prepared text (ignored when the sample
 * carries a full program in s->solution). Returns a new object (caller
 * frees) or NULL with err. */
cJSON *job_build(enum profile profile, const struct problem *p, const struct sample *s, const struct job_text *t,
		 const char *nonce, char *err, size_t errlen);

/* Add the tests of LCB problem `p` (public only, or public then private)
 * and the per-test time limit to an LCB job. Returns 0 or -1 (OOM). */
int job_add_lcb_tests(cJSON *job, const struct problem *p, bool public_only, double time_limit_s);

#endif
