/* Problems: names of the enums and building a problem from JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_span.h"
#include "input/lcb_problem.h"
#include "input/problem.h"

const char *benchmark_name(enum benchmark b)
{
	switch (b) {
	case BENCH_HUMANEVAL:
		return "humaneval";
	case BENCH_HUMANEVAL_PLUS:
		return "humaneval_plus";
	case BENCH_LIVECODEBENCH:
		return "livecodebench";
	}
	return "unknown";
}

const char *benchmark_label(enum benchmark b)
{
	switch (b) {
	case BENCH_HUMANEVAL:
		return "HumanEval";
	case BENCH_HUMANEVAL_PLUS:
		return "HumanEval+";
	case BENCH_LIVECODEBENCH:
		return "LiveCodeBench";
	}
	return "unknown";
}

int benchmark_parse(const char *s, enum benchmark *out)
{
	static const struct {
		const char *name;
		enum benchmark b;
	} names[] = {
		{ "humaneval", BENCH_HUMANEVAL },	     { "humaneval_plus", BENCH_HUMANEVAL_PLUS },
		{ "humanevalplus", BENCH_HUMANEVAL_PLUS }, { "humaneval+", BENCH_HUMANEVAL_PLUS },
		{ "livecodebench", BENCH_LIVECODEBENCH },  { "lcb", BENCH_LIVECODEBENCH },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].b;
			return 0;
		}
	return -1;
}

const char *dataset_form_name(enum dataset_form f)
{
	switch (f) {
	case FORM_HUMANEVAL:
		return "humaneval";
	case FORM_EVALPLUS:
		return "evalplus";
	case FORM_EVALPLUS_LMEVAL:
		return "evalplus-lm-eval";
	case FORM_LCB:
		return "livecodebench";
	}
	return "unknown";
}

static int take_string(const cJSON *obj, const char *key, char **out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "field '%s' must be a string", key);
		return -1;
	}
	*out = strdup(v->valuestring);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int take_raw(const char *raw, size_t raw_len, const char *key, char **out, char *err, size_t errlen)
{
	struct span s;
	int rc = json_span_member(raw, raw_len, key, &s);
	if (rc == 1)
		return 0;
	if (rc < 0) {
		snprintf(err, errlen, "malformed JSON around field '%s'", key);
		return -1;
	}
	*out = strndup(s.p, s.n);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int problem_from_json(struct problem *p, const cJSON *obj, const char *raw, size_t raw_len, char *err,
		      size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "a problem must be a JSON object");
		return -1;
	}
	if (take_string(obj, "task_id", &p->task_id, err, errlen) < 0 ||
	    take_string(obj, "prompt", &p->prompt, err, errlen) < 0 ||
	    take_string(obj, "entry_point", &p->entry_point, err, errlen) < 0 ||
	    take_string(obj, "canonical_solution", &p->canonical_solution, err, errlen) < 0 ||
	    take_string(obj, "test", &p->test, err, errlen) < 0 ||
	    take_string(obj, "contract", &p->contract, err, errlen) < 0)
		goto fail;
	if (raw && cJSON_GetObjectItemCaseSensitive(obj, "base_input")) {
		if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(obj, "base_input"))) {
			snprintf(err, errlen, "field 'base_input' must be a list of argument lists");
			goto fail;
		}
		if (take_raw(raw, raw_len, "base_input", &p->base_input, err, errlen) < 0 ||
		    take_raw(raw, raw_len, "plus_input", &p->plus_input, err, errlen) < 0 ||
		    take_raw(raw, raw_len, "atol", &p->atol, err, errlen) < 0)
			goto fail;
	}
	return 0;
fail:
	problem_clear(p);
	return -1;
}

void problem_clear(struct problem *p)
{
	free(p->task_id);
	free(p->prompt);
	free(p->entry_point);
	free(p->canonical_solution);
	free(p->test);
	free(p->base_input);
	free(p->plus_input);
	free(p->atol);
	free(p->contract);
	lcb_problem_free(&p->lcb);
	memset(p, 0, sizeof(*p));
}
