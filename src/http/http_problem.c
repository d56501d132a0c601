/* Inline problems of a POST /score body (see http_problem.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "http/http_body.h"
#include "http/http_problem.h"
#include "input/dataset_lcb.h"
#include "input/lcb_problem.h"
#include "input/lcb_tests.h"

/* An inline LiveCodeBench problem: one row of code_generation_lite, as in
 * the dataset files. Unlike a dataset row, whose samples get an error status
 * when its private tests cannot be decoded, an inline one is refused: the
 * caller sent it and can fix it. Takes `p` (zeroed). */
static struct problem *inline_lcb_problem(struct inline_problem_ctx *c, size_t idx, const cJSON *pobj,
					  const char *task_id, struct problem *p)
{
	char field[128], why[400];
	struct lcb_tests_limits lim = { .max_encoded = LCB_TESTS_MAX_ENCODED_DEFAULT, .max_decoded = *c->lcb_budget };
	if (lcb_problem_from_row_limits(p, pobj, &lim, why, sizeof(why)) < 0) {
		const char *at = strstr(why, "question_id") ? "question_id" : "public_test_cases";
		snprintf(field, sizeof(field), "samples[%zu].problem.%s", idx, at);
		request_fail(c->err, 400, field, "%s", why);
		free(p);
		return NULL;
	}
	size_t decoded = 0;
	for (size_t i = 0; i < p->lcb->n_tests; i++)
		decoded += strlen(p->lcb->tests[i].input) + strlen(p->lcb->tests[i].output);
	*c->lcb_budget = decoded < *c->lcb_budget ? *c->lcb_budget - decoded : 0;
	if (p->lcb->decode_error) {
		snprintf(field, sizeof(field), "samples[%zu].problem.private_test_cases", idx);
		request_fail(c->err, 400, field, "%s", p->lcb->decode_error);
	} else if (strcmp(p->lcb->question_id, task_id) != 0) {
		snprintf(field, sizeof(field), "samples[%zu].problem.question_id", idx);
		request_fail(c->err, 400, field,
			     "the problem's question_id '%.100s' differs from the sample's task_id '%.100s'",
			     p->lcb->question_id, task_id);
	} else if (p->lcb->n_tests == 0) {
		snprintf(field, sizeof(field), "samples[%zu].problem.public_test_cases", idx);
		request_fail(c->err, 400, field, "the problem has no tests");
	} else {
		return p;
	}
	problem_clear(p);
	free(p);
	return NULL;
}

/* The members of an inline problem that must be strings (or null), by
 * form, and those that must be lists. */
static const char *const humaneval_strings[] = { "task_id", "prompt",  "entry_point", "canonical_solution",
						 "test",    "contract" };
static const char *const humaneval_lists[] = { "base_input", "plus_input" };
static const char *const lcb_strings[] = { "question_id",	"question_title",    "question_content", "platform",
					   "contest_id",	"contest_date",	     "difficulty",	 "starter_code",
					   "public_test_cases", "private_test_cases" };

/* Each mistyped member is named on its own: samples[i].problem.prompt. */
static int check_problem_types(struct inline_problem_ctx *c, size_t idx, const cJSON *pobj)
{
	bool lcb = c->bench == BENCH_LIVECODEBENCH;
	const char *const *strings = lcb ? lcb_strings : humaneval_strings;
	size_t n_strings = lcb ? ARRAY_LEN(lcb_strings) : ARRAY_LEN(humaneval_strings);
	char field[128];
	for (size_t i = 0; i < n_strings; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(pobj, strings[i]);
		snprintf(field, sizeof(field), "samples[%zu].problem.%s", idx, strings[i]);
		if (v && !cJSON_IsString(v) && !cJSON_IsNull(v))
			return request_fail(c->err, 400, field, "'%s' must be a string", strings[i]);
	}
	for (size_t i = 0; !lcb && i < ARRAY_LEN(humaneval_lists); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(pobj, humaneval_lists[i]);
		snprintf(field, sizeof(field), "samples[%zu].problem.%s", idx, humaneval_lists[i]);
		if (v && !cJSON_IsArray(v))
			return request_fail(c->err, 400, field, "'%s' must be a list of argument lists",
					    humaneval_lists[i]);
	}
	return 0;
}

/* Python's keywords but the constants None, True and False: an entry
 * point is pasted as check(NAME), where a constant is an expression (the
 * lm-eval hook sends None with a no-op check) and any other keyword a
 * syntax error blamed on every sample. */
static bool py_keyword(const char *s)
{
	static const char *const kw[] = {
		"and",	  "as",	  "assert", "async",  "await",	"break",   "class",    "continue",
		"def",	  "del",  "elif",   "else",   "except", "finally", "for",      "from",
		"global", "if",	  "import", "in",     "is",	"lambda",  "nonlocal", "not",
		"or",	  "pass", "raise",  "return", "try",	"while",   "with",     "yield",
	};
	for (size_t i = 0; i < ARRAY_LEN(kw); i++)
		if (strcmp(s, kw[i]) == 0)
			return true;
	return false;
}

/* The entry point is pasted into the test harness text ("check(NAME)"):
 * anything but a plain identifier would rewrite that code. ASCII only, as
 * every benchmark's entry points are. */
static bool py_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (const char *c = s + 1; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	return !py_keyword(s);
}

struct problem *inline_problem_build(struct inline_problem_ctx *c, size_t idx, const cJSON *pobj, struct span elem,
				     const char *task_id)
{
	char field[96], why[256];
	snprintf(field, sizeof(field), "samples[%zu].problem", idx);
	if (!cJSON_IsObject(pobj)) {
		request_fail(c->err, 400, field, "'problem' must be an object");
		return NULL;
	}
	if (check_problem_types(c, idx, pobj) < 0)
		return NULL;
	/* HumanEval+ inputs are forwarded from the problem's own text. */
	struct span raw;
	if (json_span_member(elem.p, elem.n, "problem", &raw) != 0) {
		request_fail(c->err, 500, field, "the problem object could not be found again in the body");
		return NULL;
	}
	struct problem *p = calloc(1, sizeof(*p));
	if (!p) {
		request_fail(c->err, 500, "", "out of memory while reading the request");
		return NULL;
	}
	if (c->bench == BENCH_LIVECODEBENCH)
		return inline_lcb_problem(c, idx, pobj, task_id, p);
	if (problem_from_json(p, pobj, raw.p, raw.n, why, sizeof(why)) < 0) {
		free(p);
		request_fail(c->err, 400, field, "%s", why);
		return NULL;
	}
	const char *missing = !p->entry_point ? "entry_point" : (!p->test && !p->base_input) ? "test" : NULL;
	if (missing) {
		snprintf(field, sizeof(field), "samples[%zu].problem.%s", idx, missing);
		request_fail(
			c->err, 400, field,
			"an inline problem needs 'entry_point' and 'test' (HumanEval form) or 'base_input' (HumanEval+ "
			"native form)");
		goto bad;
	}
	if (!py_identifier(p->entry_point)) {
		snprintf(field, sizeof(field), "samples[%zu].problem.entry_point", idx);
		request_fail(c->err, 400, field,
			     "'entry_point' must be a Python identifier (ASCII letters, digits and _, not starting "
			     "with a digit, "
			     "not a keyword but None, True, False): it is pasted into the test code");
		goto bad;
	}
	if (p->task_id && strcmp(p->task_id, task_id) != 0) {
		snprintf(field, sizeof(field), "samples[%zu].problem.task_id", idx);
		request_fail(c->err, 400, field, "the problem's task_id '%.100s' differs from the sample's '%.100s'",
			     p->task_id, task_id);
		goto bad;
	}
	if (!p->task_id && !(p->task_id = strdup(task_id))) {
		request_fail(c->err, 500, "", "out of memory while reading the request");
		goto bad;
	}
	return p;
bad:
	problem_clear(p);
	free(p);
	return NULL;
}
