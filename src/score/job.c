/* Building runner jobs (see job.h and docs/runner-protocol.md): the text a
 * job is built from, and the fields every job has; each profile's own
 * fields are in job_<profile>.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/job_internal.h"
#include "score/verdict.h"

static void flags_from(struct job_text *out)
{
	const struct extract_result *er = &out->er;
	if (er->reasoning & REASONING_REMOVED) {
		out->flags |= VF_REASONING_STRIPPED;
		out->changed = true;
	}
	if (er->reasoning & REASONING_TRUNCATED) {
		out->flags |= VF_TRUNCATED_REASONING;
		out->changed = true;
	}
	if (er->flags & EXTRACT_F_FROM_REASONING) {
		out->flags |= VF_FROM_REASONING;
		out->changed = true;
	}
	if (er->flags & EXTRACT_F_UNTERMINATED_FENCE)
		out->flags |= VF_UNTERMINATED_FENCE;
}

int job_text_prepare(const struct extractor *ex, const struct sample *s, bool strip_reasoning,
		     bool use_reasoning_content, struct job_text *out)
{
	memset(out, 0, sizeof(*out));
	const char *raw = s->completion ? s->completion : "";
	struct extract_opts opts = { .strip_reasoning = strip_reasoning };
	int rc;
	if (use_reasoning_content && s->reasoning)
		rc = extract_run_with_reasoning(ex, raw, strlen(raw), s->reasoning, strlen(s->reasoning), &opts, &out->er);
	else
		rc = extract_run(ex, raw, strlen(raw), &opts, &out->er);
	if (rc < 0)
		return rc;
	flags_from(out);
	return 0;
}

int job_text_prepare_verdict(const struct extractor *ex, const struct sample *s, bool strip_reasoning,
			     bool want_raw, struct job_text *out)
{
	memset(out, 0, sizeof(*out));
	const char *raw = s->completion ? s->completion : "";
	struct extract_opts opts = { .strip_reasoning = strip_reasoning };
	int rc = extract_run(ex, raw, strlen(raw), &opts, &out->er);
	if (rc < 0)
		return rc;
	flags_from(out);
	/* Only the C side's reasoning facts count here; the runner's
	 * extraction reports the rest (from_reasoning, unterminated fence). */
	out->flags &= VF_REASONING_STRIPPED | VF_TRUNCATED_REASONING;
	if (want_raw && s->completion) {
		const struct extract_opts keep = { .strip_reasoning = false };
		if ((rc = extract_run(ex, raw, strlen(raw), &keep, &out->raw)) < 0) {
			job_text_free(out);
			return rc;
		}
		out->has_raw = true;
	}
	return 0;
}

void job_text_free(struct job_text *t)
{
	extract_result_clear(&t->er);
	extract_result_clear(&t->raw);
	memset(t, 0, sizeof(*t));
}

enum job_family job_family(enum profile profile, const struct problem *p)
{
	switch (profile) {
	case PROFILE_LCB:
		return JOB_LCB;
	case PROFILE_EVALPLUS:
		return JOB_EVALPLUS;
	case PROFILE_VERDICT:
		return p->lcb ? JOB_LCB : p->base_input ? JOB_EVALPLUS : JOB_ASSERT;
	case PROFILE_AUTO:
	case PROFILE_HUMAN_EVAL:
	case PROFILE_LM_EVAL_CHAT:
		break;
	}
	return JOB_ASSERT;
}

cJSON *job_build(enum profile profile, const struct problem *p, const struct sample *s, const struct job_text *t,
		 const struct job_verdict_options *vo, const char *nonce, char *err, size_t errlen)
{
	err[0] = '\0';
	cJSON *job = cJSON_CreateObject();
	if (!job || !cJSON_AddStringToObject(job, "nonce", nonce) ||
	    !cJSON_AddStringToObject(job, "profile", profile_name(profile))) {
		cJSON_Delete(job);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	bool ok = false;
	switch (profile) {
	case PROFILE_AUTO:
	case PROFILE_HUMAN_EVAL:
		ok = job_build_human_eval(job, p, s, t);
		break;
	case PROFILE_LM_EVAL_CHAT:
		ok = job_build_lm_eval_chat(job, p, s, t);
		break;
	case PROFILE_EVALPLUS:
		ok = job_build_evalplus(job, p, s, t);
		break;
	case PROFILE_LCB:
		ok = job_build_lcb(job, p, s, t, err, errlen);
		break;
	case PROFILE_VERDICT: {
		const struct job_verdict_options none = { .harness = PROFILE_AUTO };
		ok = job_build_verdict(job, p, s, t, vo ? vo : &none, err, errlen);
		break;
	}
	}
	enum job_family fam = job_family(profile, p);
	if (ok && fam == JOB_ASSERT)
		ok = job_add_str(job, "test", p->test) && job_add_str(job, "entry_point", p->entry_point);
	if (ok && fam == JOB_EVALPLUS)
		ok = job_add_str(job, "entry_point", p->entry_point) && job_add_str(job, "contract", p->contract ? p->contract : "");
	if (!ok) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		cJSON_Delete(job);
		return NULL;
	}
	return job;
}
