/* Turning one sample of one problem into a runner job (docs/runner-protocol.md):
 * reasoning handling, the C side of extraction, and the job's fields for
 * the profile (one file each: job_human_eval.c, job_lm_eval.c,
 * job_evalplus.c, job_lcb.c, job_verdict.c). Pure data in, a cJSON object
 * out: no jail here. */
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
	struct extract_result er;  /* the text the profile works on */
	struct extract_result raw; /* verdict profile: the raw completion, as the harness beside sees it */
	bool has_raw;
	unsigned flags; /* VF_* bits derived from the extraction */
	bool changed;	/* reasoning handling changed the text the harness would see */
};

/* Run the C side of extraction on a sample's completion, with reasoning
 * removal and the reasoning_content fallback as asked (both off: the text
 * is the raw completion, as the harness sees it). Returns 0 or -ENOMEM. */
int job_text_prepare(const struct extractor *ex, const struct sample *s, bool strip_reasoning,
		     bool use_reasoning_content, struct job_text *out);
/* The verdict profile's text: the completion with reasoning markup removed
 * when strip_reasoning (reasoning_content is handed to the runner's
 * extraction as it is: it decides when to use it), and with want_raw also
 * the raw completion's facts, for the harness's program. 0 or -ENOMEM. */
int job_text_prepare_verdict(const struct extractor *ex, const struct sample *s, bool strip_reasoning,
			     bool want_raw, struct job_text *out);
void job_text_free(struct job_text *t);

/* The verdict profile's job options. */
struct job_verdict_options {
	enum profile harness;	    /* the faithful profile beside (its program is compared); PROFILE_AUTO: none */
	bool use_reasoning_content; /* hand the sample's reasoning_content to the extraction */
};

/* Build the job for `profile` from the prepared text (ignored when the sample
 * carries a full program in s->solution). `vo` is read by the verdict profile
 * only (may be NULL otherwise). Returns a new object (caller frees) or NULL
 * with err. */
cJSON *job_build(enum profile profile, const struct problem *p, const struct sample *s, const struct job_text *t,
		 const struct job_verdict_options *vo, const char *nonce, char *err, size_t errlen);

/* Add the tests of LCB problem `p` (public only, or public then private)
 * and the per-test time limit to an LCB job. Returns 0 or -1 (OOM). */
int job_add_lcb_tests(cJSON *job, const struct problem *p, bool public_only, double time_limit_s);

/* Which tests a job runs, hence its limits and attachments: HumanEval's
 * check() (assert), evalplus's differential tests, or LiveCodeBench's. The
 * verdict profile runs the tests of the problem's own form. */
enum job_family { JOB_ASSERT, JOB_EVALPLUS, JOB_LCB };
enum job_family job_family(enum profile profile, const struct problem *p);

#endif
