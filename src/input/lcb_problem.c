/* LiveCodeBench problem records (see lcb_problem.h). */
#include <stdlib.h>

#include "input/lcb_problem.h"
#include "input/lcb_tests.h"

void lcb_problem_free(struct lcb_problem **pp)
{
	struct lcb_problem *p = *pp;
	if (!p)
		return;
	free(p->question_id);
	free(p->title);
	free(p->platform);
	free(p->contest_id);
	free(p->contest_date);
	free(p->difficulty);
	free(p->starter_code);
	free(p->func_name);
	free(p->decode_error);
	lcb_tests_free(&p->tests, p->n_tests);
	free(p);
	*pp = NULL;
}
