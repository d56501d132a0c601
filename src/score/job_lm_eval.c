/* The lm-eval-chat profile's job: lm-eval's chat extractor (the C side found
 * and dedented the fenced blocks; the runner parse-trims them with CPython's
 * parser) and HF code_eval's check(entry_point). */
#include "score/job_internal.h"

bool job_build_lm_eval_chat(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t)
{
	if (!cJSON_AddStringToObject(job, "kind", "assert") || !cJSON_AddStringToObject(job, "guard", "human-eval"))
		return false;
	if (s->solution)
		return cJSON_AddStringToObject(job, "program", s->solution) != NULL;
	cJSON *e = extract_json_lm_eval_chat(&t->er, p->prompt ? p->prompt : "");
	return e && cJSON_AddItemToObject(job, "extract", e);
}
