/* The verdict profile's job (docs/verdict-profile.md): the runner extracts
 * what the model meant (verdict_meant.py) from the completion with its
 * reasoning markup removed, runs it as real Python with the benchmark's own
 * tests (verdict_kind_real.py), and compares it with the program the
 * faithful harness beside would take from the raw completion, described
 * here as that harness's extraction material. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/lcb_problem.h"
#include "score/job_internal.h"

static const char *kind_of(const struct problem *p)
{
	if (p->lcb)
		return p->lcb->func_name ? "real_lcb_functional" : "real_lcb_stdin";
	return p->base_input ? "real_evalplus" : "real_assert";
}

static const char *task_of(const struct problem *p)
{
	if (p->lcb)
		return p->lcb->func_name ? "lcb_functional" : "lcb_stdin";
	return "humaneval";
}

/* The guard of the harness beside: what its run would have broken. */
static const char *harness_guard(enum profile harness)
{
	switch (harness) {
	case PROFILE_EVALPLUS:
		return "evalplus";
	case PROFILE_LCB:
		return "lcb";
	case PROFILE_AUTO:
	case PROFILE_HUMAN_EVAL:
	case PROFILE_LM_EVAL_CHAT:
	case PROFILE_VERDICT:
		break;
	}
	return "human-eval";
}

static bool add_program_material(cJSON *h, const char *program, size_t len, const char *path)
{
	char *text = strndup(program, len);
	bool ok = text && cJSON_AddStringToObject(h, "mode", "program") && cJSON_AddStringToObject(h, "program", text) &&
		  cJSON_AddStringToObject(h, "path", path);
	free(text);
	return ok;
}

/* How the harness beside takes its program from the raw completion (the
 * same steps as its own job builder). */
static cJSON *harness_material(enum profile harness, const struct problem *p, const struct extract_result *raw)
{
	const char *prompt = p->prompt ? p->prompt : "";
	cJSON *h = NULL;
	bool ok = false;
	switch (harness) {
	case PROFILE_LM_EVAL_CHAT:
		h = extract_json_lm_eval_chat(raw, prompt);
		ok = h != NULL;
		break;
	case PROFILE_HUMAN_EVAL: {
		h = cJSON_CreateObject();
		char *prog = job_concat(prompt, raw->content, raw->content_len);
		ok = h && prog && add_program_material(h, prog, strlen(prog), "prompt+completion");
		free(prog);
		break;
	}
	case PROFILE_EVALPLUS: {
		h = cJSON_CreateObject();
		char *with_nl = job_concat(prompt, "\n", 1);
		char *code = with_nl ? job_concat(with_nl, raw->content, raw->content_len) : NULL;
		ok = h && code && cJSON_AddStringToObject(h, "mode", "evalplus-sanitize") &&
		     cJSON_AddStringToObject(h, "code", code) && job_add_str(h, "entry_point", p->entry_point);
		free(with_nl);
		free(code);
		break;
	}
	case PROFILE_LCB:
		h = cJSON_CreateObject();
		ok = h && add_program_material(h, raw->lcb.p ? raw->lcb.p : "", raw->lcb_found ? raw->lcb.n : 0,
					       raw->lcb_found ? "fenced last pair" : "none");
		break;
	case PROFILE_AUTO:
	case PROFILE_VERDICT:
		break;
	}
	if (ok && !cJSON_AddStringToObject(h, "profile", profile_name(harness)))
		ok = false;
	if (!ok) {
		cJSON_Delete(h);
		return NULL;
	}
	return h;
}

static bool add_extract(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t,
			const struct job_verdict_options *vo)
{
	cJSON *e = cJSON_AddObjectToObject(job, "extract");
	const char *prompt = p->lcb ? p->lcb->starter_code : p->prompt;
	const char *func = p->lcb ? p->lcb->func_name : NULL;
	bool ok = e && cJSON_AddStringToObject(e, "mode", "verdict") &&
		  cJSON_AddStringToObject(e, "content", t->er.content ? t->er.content : "") &&
		  cJSON_AddBoolToObject(e, "truncated_reasoning", (t->er.reasoning & REASONING_TRUNCATED) != 0) &&
		  cJSON_AddStringToObject(e, "prompt", prompt ? prompt : "") &&
		  cJSON_AddStringToObject(e, "task", task_of(p)) && job_add_str(e, "entry_point", p->entry_point) &&
		  job_add_str(e, "func_name", func);
	if (ok && vo->use_reasoning_content && s->reasoning)
		ok = cJSON_AddStringToObject(e, "reasoning", s->reasoning) != NULL;
	else if (ok)
		ok = cJSON_AddNullToObject(e, "reasoning") != NULL;
	if (ok && vo->harness != PROFILE_AUTO && t->has_raw) {
		cJSON *h = harness_material(vo->harness, p, &t->raw);
		ok = h && cJSON_AddItemToObject(e, "harness", h);
	}
	return ok;
}

bool job_build_verdict(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t,
		       const struct job_verdict_options *vo, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	bool ok = cJSON_AddStringToObject(job, "kind", kind_of(p)) &&
		  cJSON_AddStringToObject(job, "harness_guard", harness_guard(vo->harness));
	if (ok && p->lcb && p->lcb->func_name)
		ok = cJSON_AddStringToObject(job, "func_name", p->lcb->func_name) != NULL;
	if (ok && s->solution)
		ok = cJSON_AddStringToObject(job, "program", s->solution) != NULL;
	else if (ok)
		ok = add_extract(job, p, s, t, vo);
	return ok;
}
