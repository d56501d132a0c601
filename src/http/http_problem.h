/* The inline problem a sample of a POST /score body may carry: HumanEval's
 * form, HumanEval+'s native form (its inputs forwarded as raw text), or a
 * LiveCodeBench row. Every member is checked on its own (a mistyped one is
 * named: samples[3].problem.prompt), the entry point must be an identifier
 * (it is pasted into the test code), and a LiveCodeBench row's compressed
 * tests decode within what is left of the request's budget. */
#ifndef VERDICT_HTTP_PROBLEM_H
#define VERDICT_HTTP_PROBLEM_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/json_span.h"
#include "http/http_request.h"
#include "input/problem.h"

struct inline_problem_ctx {
	enum benchmark bench;	   /* the request's: LiveCodeBench rows or HumanEval forms */
	size_t *lcb_budget;	   /* bytes LiveCodeBench tests may still decode to; lowered */
	struct request_error *err; /* set when NULL is returned */
};

/* Build the problem `pobj` of samples[idx] (elem: that sample's raw text,
 * for the members forwarded byte for byte) for `task_id`. Returns a new
 * problem (the caller frees it: problem_clear, then free), or NULL with
 * *c->err set. */
struct problem *inline_problem_build(struct inline_problem_ctx *c, size_t idx, const cJSON *pobj, struct span elem,
				     const char *task_id);

#endif
