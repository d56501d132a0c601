/* Building runner jobs (see job.h and docs/runner-protocol.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/job.h"
#include "input/lcb_problem.h"
#include "input/lcb_tests.h"
#include "score/verdict.h"

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
	return 0;
}

void job_text_free(struct job_text *t)
{
	extract_result_clear(&t->er);
	memset(t, 0, sizeof(*t));
}

static bool add_str(cJSON *o, const char *k, const char *v)
{
	return v == NULL || cJSON_AddStringToObject(o, k, v) != NULL;
}

static char *concat(const char *a, const char *b, size_t blen)
{
	size_t al = strlen(a);
	char *r = malloc(al + blen + 1);
	if (!r)
		return NULL;
	memcpy(r, a, al);
	memcpy(r + al, b, blen);
	r[al + blen] = '\0';
	return r;
}

/* LiveCodeBench: the code between the last two fence lines (or code_list
 * when the sample carries it as its program), with the problem's tests. */
static bool add_lcb(cJSON *job, const struct problem *p, const struct sample *s, const struct extract_result *er,
		    char *err, size_t errlen)
{
	const struct lcb_problem *l = p->lcb;
	if (!l) {
		snprintf(err, errlen, "task %s is not a LiveCodeBench problem", p->task_id);
		return false;
	}
	bool ok = cJSON_AddStringToObject(job, "kind", l->func_name ? "lcb_functional" : "lcb_stdin") &&
		  cJSON_AddStringToObject(job, "guard", "lcb");
	if (ok && l->func_name)
		ok = cJSON_AddStringToObject(job, "func_name", l->func_name) != NULL;
	if (ok && s->solution) {
		ok = cJSON_AddStringToObject(job, "program", s->solution) != NULL;
	} else if (ok) {
		char *code = strndup(er->lcb.p ? er->lcb.p : "", er->lcb.n);
		ok = code && cJSON_AddStringToObject(job, "program", code);
		free(code);
	}
	return ok;
}

/* The tests of an LCB job: public only, or public then private. */
int job_add_lcb_tests(cJSON *job, const struct problem *p, bool public_only, double time_limit_s)
{
	const struct lcb_problem *l = p->lcb;
	cJSON *tests = cJSON_AddArrayToObject(job, "tests");
	if (!tests || !cJSON_AddNumberToObject(job, "time_limit_s", time_limit_s))
		return -1;
	size_t n = public_only ? l->n_public : l->n_tests;
	for (size_t i = 0; i < n; i++) {
		cJSON *t = cJSON_CreateObject();
		if (!t || !cJSON_AddStringToObject(t, "input", l->tests[i].input) ||
		    !cJSON_AddStringToObject(t, "output", l->tests[i].output) || !cJSON_AddItemToArray(tests, t)) {
			cJSON_Delete(t);
			return -1;
		}
	}
	return 0;
}

cJSON *job_build(enum profile profile, const struct problem *p, const struct sample *s, const struct job_text *t,
		 const char *nonce, char *err, size_t errlen)
{
	err[0] = '\0';
	cJSON *job = cJSON_CreateObject();
	if (!job || !cJSON_AddStringToObject(job, "nonce", nonce) ||
	    !cJSON_AddStringToObject(job, "profile", profile_name(profile))) {
		cJSON_Delete(job);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	const struct extract_result *er = &t->er;
	const char *prompt = p->prompt ? p->prompt : "";
	bool ok = true;
	char *program = NULL;
	switch (profile) {
	case PROFILE_AUTO:
	case PROFILE_HUMAN_EVAL:
		/* openai human-eval and lm-eval's base task: prompt + completion. */
		program = s->solution ? strdup(s->solution) : concat(prompt, er->content, er->content_len);
		ok = program && cJSON_AddStringToObject(job, "kind", "assert") &&
		     cJSON_AddStringToObject(job, "guard", "human-eval") && cJSON_AddStringToObject(job, "program", program);
		break;
	case PROFILE_LM_EVAL_CHAT:
		ok = cJSON_AddStringToObject(job, "kind", "assert") && cJSON_AddStringToObject(job, "guard", "human-eval");
		if (ok && s->solution) {
			ok = cJSON_AddStringToObject(job, "program", s->solution) != NULL;
		} else if (ok) {
			/* The C side found and dedented the fenced blocks; the runner
			 * parse-trims them with CPython's parser. */
			cJSON *e = extract_json_lm_eval_chat(er, prompt);
			ok = e && cJSON_AddItemToObject(job, "extract", e);
		}
		break;
	case PROFILE_EVALPLUS:
		ok = cJSON_AddStringToObject(job, "kind", "evalplus") && cJSON_AddStringToObject(job, "guard", "evalplus");
		if (ok && s->solution) {
			ok = cJSON_AddStringToObject(job, "program", s->solution) != NULL;
		} else if (ok) {
			/* evalplus sanitizes prompt + "\n" + completion for
			 * `completion` samples (evalplus/sanitize.py). */
			char *with_nl = concat(prompt, "\n", 1);
			program = with_nl ? concat(with_nl, er->content, er->content_len) : NULL;
			free(with_nl);
			cJSON *e = cJSON_AddObjectToObject(job, "extract");
			ok = program && e && cJSON_AddStringToObject(e, "mode", "evalplus-sanitize") &&
			     cJSON_AddStringToObject(e, "code", program) && add_str(e, "entry_point", p->entry_point);
		}
		break;
	case PROFILE_LCB:
		ok = add_lcb(job, p, s, er, err, errlen);
		break;
	}
	free(program);
	if (ok && profile != PROFILE_EVALPLUS && profile != PROFILE_LCB)
		ok = add_str(job, "test", p->test) && add_str(job, "entry_point", p->entry_point);
	if (ok && profile == PROFILE_EVALPLUS)
		ok = add_str(job, "entry_point", p->entry_point) && add_str(job, "contract", p->contract ? p->contract : "");
	if (!ok) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		cJSON_Delete(job);
		return NULL;
	}
	return job;
}
