/* LiveCodeBench samples (see samples_lcb.h): the official output file, a
 * JSON array of problems each with output_list (raw generations), code_list
 * (the code the official extractor took), graded_list (official verdicts)
 * and metadata (one JSON string per generation); and JSONL lines
 * {question_id | task_id, completion}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/samples_lcb.h"

static const char *str_at(const cJSON *list, int i)
{
	const cJSON *v = cJSON_IsArray(list) ? cJSON_GetArrayItem(list, i) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void read_problem(struct sample_set *set, const cJSON *o, size_t line_no, size_t item)
{
	const cJSON *qid = cJSON_GetObjectItemCaseSensitive(o, "question_id");
	const cJSON *outs = cJSON_GetObjectItemCaseSensitive(o, "output_list");
	const cJSON *codes = cJSON_GetObjectItemCaseSensitive(o, "code_list");
	const cJSON *graded = cJSON_GetObjectItemCaseSensitive(o, "graded_list");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	if (!cJSON_IsString(qid)) {
		samples_add_error(set, line_no, "item %zu: missing string 'question_id'", item);
		return;
	}
	if (!cJSON_IsArray(outs) && !cJSON_IsArray(codes)) {
		samples_add_error(set, line_no, "item %zu (%s): needs 'output_list' or 'code_list'", item, qid->valuestring);
		return;
	}
	int n = cJSON_IsArray(outs) ? cJSON_GetArraySize(outs) : cJSON_GetArraySize(codes);
	for (int i = 0; i < n; i++) {
		const char *raw = str_at(outs, i);
		const char *code = str_at(codes, i);
		if (!raw && !code) {
			samples_add_error(set, line_no, "item %zu (%s): generation %d is not a string", item,
					  qid->valuestring, i);
			continue;
		}
		const cJSON *g = cJSON_IsArray(graded) ? cJSON_GetArrayItem(graded, i) : NULL;
		struct sample s = {
			.task_id = qid->valuestring,
			.line = line_no,
			.completion = (char *)(raw ? raw : NULL),
			.solution = (char *)(raw ? NULL : code),
			.ref_passed = cJSON_IsBool(g) ? cJSON_IsTrue(g) : -1,
			.ref_program = (char *)code,
			.ref_metadata = (char *)str_at(meta, i),
		};
		if (samples_add(set, &s) < 0)
			samples_add_error(set, line_no, "out of memory");
	}
}

int samples_lcb_read_array(struct sample_set *set, const char *text, size_t len, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		snprintf(err, errlen, "not a JSON array of LiveCodeBench problems");
		return -1;
	}
	size_t item = 0;
	const cJSON *o;
	cJSON_ArrayForEach(o, root)
	{
		if (cJSON_IsObject(o))
			read_problem(set, o, 1, item);
		else
			samples_add_error(set, 1, "item %zu is not an object", item);
		item++;
	}
	cJSON_Delete(root);
	return 0;
}

void samples_lcb_read_object(struct sample_set *set, const cJSON *o, size_t line_no)
{
	if (cJSON_GetObjectItemCaseSensitive(o, "output_list") || cJSON_GetObjectItemCaseSensitive(o, "code_list")) {
		read_problem(set, o, line_no, 0);
		return;
	}
	const cJSON *qid = cJSON_GetObjectItemCaseSensitive(o, "question_id");
	if (!cJSON_IsString(qid))
		qid = cJSON_GetObjectItemCaseSensitive(o, "task_id");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "completion");
	if (!cJSON_IsString(qid) || !cJSON_IsString(c)) {
		samples_add_error(set, line_no, "needs 'question_id' (or 'task_id') and 'completion' strings");
		return;
	}
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "reasoning_content");
	struct sample s = {
		.task_id = qid->valuestring,
		.line = line_no,
		.completion = c->valuestring,
		.reasoning = cJSON_IsString(r) ? r->valuestring : NULL,
		.ref_passed = -1,
	};
	if (samples_add(set, &s) < 0)
		samples_add_error(set, line_no, "out of memory");
}
