/* The evalplus profile's job: evalplus sanitizes prompt + "\n" + completion
 * for `completion` samples (evalplus/sanitize.py) and runs its differential
 * tests; the canonical outputs are attached later (expected.c). */
#include <stdlib.h>

#include "score/job_internal.h"

bool job_build_evalplus(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t)
{
	if (!cJSON_AddStringToObject(job, "kind", "evalplus") || !cJSON_AddStringToObject(job, "guard", "evalplus"))
		return false;
	if (s->solution)
		return cJSON_AddStringToObject(job, "program", s->solution) != NULL;
	char *with_nl = job_concat(p->prompt ? p->prompt : "", "\n", 1);
	char *program = with_nl ? job_concat(with_nl, t->er.content, t->er.content_len) : NULL;
	free(with_nl);
	cJSON *e = cJSON_AddObjectToObject(job, "extract");
	bool ok = program && e && cJSON_AddStringToObject(e, "mode", "evalplus-sanitize") &&
		  cJSON_AddStringToObject(e, "code", program) && job_add_str(e, "entry_point", p->entry_point);
	free(program);
	return ok;
}
