/* The lcb profile's job: LiveCodeBench's code between the last two fence
 * lines (or code_list when the sample carries it as its program), with the
 * problem's tests (public, then private). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/lcb_problem.h"
#include "input/lcb_tests.h"
#include "score/job_internal.h"

bool job_build_lcb(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t, char *err,
		   size_t errlen)
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
		char *code = strndup(t->er.lcb.p ? t->er.lcb.p : "", t->er.lcb.n);
		ok = code && cJSON_AddStringToObject(job, "program", code);
		free(code);
	}
	return ok;
}

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
