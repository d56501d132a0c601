/* The readiness canary (see http_canary.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_canary.h"

struct canary_case {
	const char *name;
	const char *completion;
	enum sample_status expect;
};

/* Completions of `def verdict_canary(x):`; the test wants x + 1. */
static const struct canary_case cases[] = {
	{ "pass", "    return x + 1\n", ST_PASSED },
	{ "fail", "    return x\n", ST_FAILED },
	{ "timeout", "    while True:\n        pass\n", ST_TIMEOUT },
};

static int add_case(struct sample_set *set, const struct canary_case *c)
{
	struct problem *p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->task_id = strdup(c->name);
	p->prompt = strdup("def verdict_canary(x):\n");
	p->entry_point = strdup("verdict_canary");
	p->test = strdup("def check(candidate):\n    assert candidate(1) == 2\n");
	struct sample s = { .task_id = p->task_id, .completion = (char *)c->completion, .problem = p, .ref_passed = -1 };
	size_t before = set->n;
	if (!p->task_id || !p->prompt || !p->entry_point || !p->test || samples_add(set, &s) < 0) {
		if (set->n == before) {
			problem_clear(p);
			free(p);
		}
		return -1;
	}
	return 0;
}

enum canary_result canary_run(struct scorer *sc, char *detail, size_t detail_len)
{
	struct sample_set set = { .format = SAMPLES_PLAIN };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (add_case(&set, &cases[i]) < 0) {
			samples_free(&set);
			snprintf(detail, detail_len, "out of memory building the canary");
			return CANARY_FAILED;
		}
	struct score_options so;
	score_options_default(&so);
	so.profile = PROFILE_HUMAN_EVAL;
	so.timeout_ms = 1000; /* the timeout case must end quickly */
	so.rerun_timeouts = false; /* a re-run would stall every worker */
	so.compare_harness = false;
	struct score_report rep;
	bool busy = false;
	char err[256];
	enum canary_result res = CANARY_OK;
	if (score_samples(sc, &so, NULL, &set, &rep, &busy, err, sizeof(err)) < 0) {
		snprintf(detail, detail_len, "%s", err);
		res = busy ? CANARY_BUSY : CANARY_FAILED;
	} else {
		snprintf(detail, detail_len, "pass, fail and timeout told apart at isolation %s",
			 jail_level_name(rep.level));
		for (size_t i = 0; i < rep.n; i++) {
			const struct sample_verdict *v = &rep.v[i];
			if (v->status == cases[i].expect)
				continue;
			snprintf(detail, detail_len, "the %s case gave %s, expected %s: %.200s", cases[i].name,
				 sample_status_name(v->status), sample_status_name(cases[i].expect), v->detail);
			res = CANARY_FAILED;
			break;
		}
	}
	score_report_free(&rep);
	samples_free(&set);
	return res;
}
