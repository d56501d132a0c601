/* The human-eval profile's job: openai human-eval and lm-eval's base
 * HumanEval task run prompt + completion with check(entry_point). */
#include <stdlib.h>
#include <string.h>

#include "score/job_internal.h"

bool job_build_human_eval(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t)
{
	const char *prompt = p->prompt ? p->prompt : "";
	char *program = s->solution ? strdup(s->solution) : job_concat(prompt, t->er.content, t->er.content_len);
	bool ok = program && cJSON_AddStringToObject(job, "kind", "assert") &&
		  cJSON_AddStringToObject(job, "guard", "human-eval") && cJSON_AddStringToObject(job, "program", program);
	free(program);
	return ok;
}
