/* LiveCodeBench rows of a dataset file: the official code_generation_lite
 * format (see dataset_lcb.h). Public tests come first, then the private ones
 * decoded by lcb_tests.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/dataset_lcb.h"
#include "base/jsonl.h"
#include "input/lcb_problem.h"
#include "input/lcb_tests.h"

static char *dup_field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

/* metadata is a JSON string holding an object with func_name for
 * functional (LeetCode) problems. */
static char *func_name_of(const cJSON *row)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(row, "metadata");
	cJSON *meta = NULL;
	if (cJSON_IsString(m))
		meta = cJSON_Parse(m->valuestring);
	else if (cJSON_IsObject(m))
		meta = cJSON_Duplicate(m, true);
	const cJSON *fn = meta ? cJSON_GetObjectItemCaseSensitive(meta, "func_name") : NULL;
	char *r = cJSON_IsString(fn) ? strdup(fn->valuestring) : NULL;
	cJSON_Delete(meta);
	return r;
}

int lcb_problem_from_row(struct problem *p, const cJSON *row, char *err, size_t errlen)
{
	return lcb_problem_from_row_limits(p, row, NULL, err, errlen);
}

int lcb_problem_from_row_limits(struct problem *p, const cJSON *row, const struct lcb_tests_limits *lim, char *err,
				size_t errlen)
{
	memset(p, 0, sizeof(*p));
	struct lcb_problem *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->lcb = l;
	l->question_id = dup_field(row, "question_id");
	if (!l->question_id) {
		snprintf(err, errlen, "missing string field 'question_id'");
		problem_clear(p);
		return -1;
	}
	p->task_id = strdup(l->question_id);
	p->prompt = dup_field(row, "question_content");
	l->title = dup_field(row, "question_title");
	l->platform = dup_field(row, "platform");
	l->contest_id = dup_field(row, "contest_id");
	l->contest_date = dup_field(row, "contest_date");
	l->difficulty = dup_field(row, "difficulty");
	l->starter_code = dup_field(row, "starter_code");
	l->func_name = func_name_of(row);
	const cJSON *pub = cJSON_GetObjectItemCaseSensitive(row, "public_test_cases");
	const cJSON *priv = cJSON_GetObjectItemCaseSensitive(row, "private_test_cases");
	char why[300];
	if (!cJSON_IsString(pub)) {
		snprintf(err, errlen, "'public_test_cases' must be a JSON string");
		problem_clear(p);
		return -1;
	}
	if (lcb_tests_parse(pub->valuestring, strlen(pub->valuestring), &l->tests, &l->n_tests, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "public_test_cases: %s", why);
		problem_clear(p);
		return -1;
	}
	l->n_public = l->n_tests;
	if (cJSON_IsString(priv) && priv->valuestring[0]) {
		if (lcb_tests_parse_private(priv->valuestring, strlen(priv->valuestring), lim, &l->tests, &l->n_tests, why,
					    sizeof(why)) < 0) {
			/* The row stays: its samples get a clear error, the rest of
			 * the file is still scored. */
			char msg[400];
			snprintf(msg, sizeof(msg), "private_test_cases of %s cannot be decoded: %s", l->question_id, why);
			l->decode_error = strdup(msg);
		}
	} else if (priv && !cJSON_IsString(priv) && !cJSON_IsNull(priv)) {
		l->decode_error = strdup("private_test_cases must be a string");
	}
	return 0;
}

int dataset_lcb_load_rows(struct dataset *d, const char *data, size_t len, char *err, size_t errlen)
{
	struct jsonl_iter it;
	jsonl_iter_init(&it, data, len);
	const char *line;
	size_t n, cap = 0;
	while (jsonl_next(&it, &line, &n)) {
		cJSON *row = cJSON_ParseWithLength(line, n);
		if (!row || !cJSON_IsObject(row)) {
			cJSON_Delete(row);
			snprintf(err, errlen, "%s:%zu: not a JSON object", d->path, it.line_no);
			return -1;
		}
		if (d->n == cap) {
			size_t c = cap ? cap * 2 : 256;
			struct problem *g = realloc(d->problems, c * sizeof(*g));
			if (!g) {
				cJSON_Delete(row);
				snprintf(err, errlen, "%s: out of memory", d->path);
				return -1;
			}
			d->problems = g;
			cap = c;
		}
		char why[400];
		int rc = lcb_problem_from_row(&d->problems[d->n], row, why, sizeof(why));
		cJSON_Delete(row);
		if (rc < 0) {
			snprintf(err, errlen, "%s:%zu: %s", d->path, it.line_no, why);
			return -1;
		}
		d->n++;
	}
	return 0;
}
