/* Reading samples files (see samples.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "base/file_io.h"
#include "base/json_span.h"
#include "base/jsonl.h"
#include "input/samples.h"
#include "input/samples_lcb.h"

#define MAX_SAMPLES_BYTES ((size_t)4096 << 20)

const char *samples_format_name(enum samples_format f)
{
	switch (f) {
	case SAMPLES_AUTO:
		return "auto";
	case SAMPLES_LM_EVAL:
		return "lm-eval";
	case SAMPLES_EVALPLUS:
		return "evalplus";
	case SAMPLES_EVALPLUS_RESULTS:
		return "evalplus-results";
	case SAMPLES_PLAIN:
		return "plain";
	case SAMPLES_LCB:
		return "lcb";
	}
	return "unknown";
}

int samples_format_parse(const char *s, enum samples_format *out)
{
	for (int f = SAMPLES_AUTO; f <= SAMPLES_LCB; f++)
		if (strcmp(s, samples_format_name((enum samples_format)f)) == 0) {
			*out = (enum samples_format)f;
			return 0;
		}
	return -1;
}

static const char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum samples_format detect_line(const cJSON *o)
{
	if (cJSON_GetObjectItemCaseSensitive(o, "doc") && cJSON_GetObjectItemCaseSensitive(o, "resps"))
		return SAMPLES_LM_EVAL;
	if (cJSON_GetObjectItemCaseSensitive(o, "question_id") ||
	    (cJSON_GetObjectItemCaseSensitive(o, "output_list") && cJSON_GetObjectItemCaseSensitive(o, "code_list")))
		return SAMPLES_LCB;
	if (cJSON_GetObjectItemCaseSensitive(o, "solution"))
		return SAMPLES_EVALPLUS;
	return SAMPLES_PLAIN;
}

static void read_lm_eval(struct sample_set *set, const cJSON *o, const char *line, size_t len, size_t line_no)
{
	const cJSON *doc = cJSON_GetObjectItemCaseSensitive(o, "doc");
	const cJSON *resps = cJSON_GetObjectItemCaseSensitive(o, "resps");
	const cJSON *filtered = cJSON_GetObjectItemCaseSensitive(o, "filtered_resps");
	if (!cJSON_IsObject(doc) || !cJSON_IsArray(resps)) {
		samples_add_error(set, line_no, "lm-eval sample needs 'doc' (object) and 'resps' (list)");
		return;
	}
	/* resps is [[generation, ...]] (one list per request; HumanEval tasks
	 * make one request per doc). */
	const cJSON *gens = cJSON_GetArrayItem(resps, 0);
	if (!cJSON_IsArray(gens)) {
		samples_add_error(set, line_no, "'resps' must be a list of lists of strings");
		return;
	}
	const cJSON *fgens = cJSON_IsArray(filtered) ? cJSON_GetArrayItem(filtered, 0) : NULL;
	struct span docspan;
	const char *raw_doc = NULL;
	size_t raw_doc_len = 0;
	if (json_span_member(line, len, "doc", &docspan) == 0) {
		raw_doc = docspan.p;
		raw_doc_len = docspan.n;
	}
	char why[256];
	struct problem prob;
	if (problem_from_json(&prob, doc, raw_doc, raw_doc_len, why, sizeof(why)) < 0) {
		samples_add_error(set, line_no, "doc: %s", why);
		return;
	}
	if (!prob.task_id || !prob.prompt || !prob.test || !prob.entry_point) {
		samples_add_error(set, line_no, "doc needs task_id, prompt, test and entry_point");
		problem_clear(&prob);
		return;
	}
	const cJSON *metric = cJSON_GetObjectItemCaseSensitive(o, "pass@1");
	int n_gens = cJSON_GetArraySize(gens);
	for (int i = 0; i < n_gens; i++) {
		const cJSON *g = cJSON_GetArrayItem(gens, i);
		if (!cJSON_IsString(g)) {
			samples_add_error(set, line_no, "resps[0][%d] is not a string", i);
			continue;
		}
		const cJSON *fg = fgens ? (cJSON_IsArray(fgens) ? cJSON_GetArrayItem(fgens, i) : (i == 0 ? fgens : NULL)) : NULL;
		struct problem *pp = calloc(1, sizeof(*pp));
		if (!pp || problem_from_json(pp, doc, raw_doc, raw_doc_len, why, sizeof(why)) < 0) {
			free(pp);
			samples_add_error(set, line_no, "out of memory");
			continue;
		}
		struct sample s = {
			.task_id = prob.task_id,
			.line = line_no,
			.completion = g->valuestring,
			.problem = pp,
			.ref_passed = n_gens == 1 && cJSON_IsNumber(metric) ? (metric->valuedouble > 0.5) : -1,
			.ref_program = cJSON_IsString(fg) ? fg->valuestring : NULL,
		};
		if (samples_add(set, &s) < 0)
			samples_add_error(set, line_no, "out of memory");
	}
	problem_clear(&prob);
}

static void read_simple(struct sample_set *set, const cJSON *o, size_t line_no)
{
	const char *task_id = get_str(o, "task_id");
	if (!task_id) {
		samples_add_error(set, line_no, "missing string field 'task_id'");
		return;
	}
	const char *solution = get_str(o, "solution");
	const char *completion = get_str(o, "completion");
	if (!solution && !completion) {
		/* A null completion is a generation that produced nothing. */
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "completion");
		if (c && cJSON_IsNull(c))
			completion = "";
		else {
			samples_add_error(set, line_no, "needs a string 'completion' or 'solution'");
			return;
		}
	}
	struct sample s = {
		.task_id = (char *)task_id,
		.line = line_no,
		.completion = (char *)completion,
		.solution = solution && !completion ? (char *)solution : NULL,
		.reasoning = (char *)get_str(o, "reasoning_content"),
		.ref_passed = -1,
	};
	const cJSON *passed = cJSON_GetObjectItemCaseSensitive(o, "passed");
	if (cJSON_IsBool(passed))
		s.ref_passed = cJSON_IsTrue(passed);
	if (samples_add(set, &s) < 0)
		samples_add_error(set, line_no, "out of memory");
}

/* evalplus eval_results.json: {hash, eval: {task_id: [{solution, base_status, plus_status}]}} */
static int read_evalplus_results(struct sample_set *set, const char *data, size_t len, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(data, len);
	if (!root) {
		snprintf(err, errlen, "not valid JSON");
		return -1;
	}
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "eval");
	if (!cJSON_IsObject(ev)) {
		cJSON_Delete(root);
		snprintf(err, errlen, "no 'eval' object: not an evalplus eval_results.json");
		return -1;
	}
	const char *hash = get_str(root, "hash");
	set->evalplus_hash = hash ? strdup(hash) : NULL;
	const cJSON *task;
	cJSON_ArrayForEach(task, ev)
	{
		if (!cJSON_IsArray(task)) {
			samples_add_error(set, 1, "eval['%s'] is not a list", task->string ? task->string : "?");
			continue;
		}
		const cJSON *r;
		cJSON_ArrayForEach(r, task)
		{
			const char *solution = get_str(r, "solution");
			const char *task_id = get_str(r, "task_id");
			if (!task_id)
				task_id = task->string;
			if (!solution || !task_id) {
				samples_add_error(set, 1, "eval['%s'] entry without 'solution'", task->string ? task->string : "?");
				continue;
			}
			struct sample s = {
				.task_id = (char *)task_id,
						.line = 1,
				.solution = (char *)solution,
				.ref_passed = -1,
				.ref_base = (char *)get_str(r, "base_status"),
				.ref_plus = (char *)get_str(r, "plus_status"),
			};
			if (s.ref_base && s.ref_plus)
				s.ref_passed = strcmp(s.ref_base, "pass") == 0 && strcmp(s.ref_plus, "pass") == 0;
			if (samples_add(set, &s) < 0)
				samples_add_error(set, 1, "out of memory");
		}
	}
	cJSON_Delete(root);
	return 0;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

int samples_load(const char *path, enum samples_format fmt, struct sample_set *set, char *err, size_t errlen)
{
	memset(set, 0, sizeof(*set));
	autofree char *data = NULL;
	size_t len = 0;
	if (file_read_all(path, MAX_SAMPLES_BYTES, &data, &len, err, errlen) < 0)
		return -1;
	const char *first = skip_ws(data, data + len);
	if (first == data + len) {
		snprintf(err, errlen, "%s: empty file", path);
		return -1;
	}
	char why[256];
	/* Whole-file JSON documents first: evalplus results, LCB arrays. */
	if (fmt == SAMPLES_EVALPLUS_RESULTS || fmt == SAMPLES_AUTO) {
		cJSON *root = *first == '{' ? cJSON_ParseWithLength(first, (size_t)(data + len - first)) : NULL;
		bool whole = root && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "eval"));
		cJSON_Delete(root);
		if (whole || fmt == SAMPLES_EVALPLUS_RESULTS) {
			set->format = SAMPLES_EVALPLUS_RESULTS;
			if (jsonl_check(data, len, true, why, sizeof(why)) < 0 ||
			    read_evalplus_results(set, data, len, why, sizeof(why)) < 0) {
				snprintf(err, errlen, "%s: %s", path, why);
				return -1;
			}
			return samples_number(set);
		}
	}
	if (*first == '[') {
		set->format = SAMPLES_LCB;
		if (jsonl_check(data, len, true, why, sizeof(why)) < 0 ||
		    samples_lcb_read_array(set, first, (size_t)(data + len - first), why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			return -1;
		}
		return samples_number(set);
	}
	struct jsonl_iter it;
	jsonl_iter_init(&it, data, len);
	const char *line;
	size_t n;
	set->format = fmt;
	while (jsonl_next(&it, &line, &n)) {
		/* Strict first: a NUL or a raw control character in a string is
		 * this line's error, never a text cut short. */
		if (jsonl_check(line, n, false, why, sizeof(why)) < 0) {
			samples_add_error(set, it.line_no, "not valid JSON: %s", why);
			continue;
		}
		cJSON *o = cJSON_ParseWithLength(line, n);
		if (!o || !cJSON_IsObject(o)) {
			cJSON_Delete(o);
			samples_add_error(set, it.line_no, "not a JSON object");
			continue;
		}
		enum samples_format f = fmt == SAMPLES_AUTO ? detect_line(o) : fmt;
		if (set->format == SAMPLES_AUTO)
			set->format = f;
		switch (f) {
		case SAMPLES_LM_EVAL:
			read_lm_eval(set, o, line, n, it.line_no);
			break;
		case SAMPLES_LCB:
			samples_lcb_read_object(set, o, it.line_no);
			break;
		case SAMPLES_EVALPLUS:
		case SAMPLES_PLAIN:
		case SAMPLES_AUTO:
		case SAMPLES_EVALPLUS_RESULTS:
			read_simple(set, o, it.line_no);
			break;
		}
		cJSON_Delete(o);
	}
	if (set->format == SAMPLES_AUTO)
		set->format = SAMPLES_PLAIN;
	if (samples_number(set) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	return 0;
}
