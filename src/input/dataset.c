/* Loading problem files (.jsonl / .jsonl.gz): HumanEval, HumanEval+ in
 * evalplus's native form and in the form lm-eval reads. LiveCodeBench rows
 * are decoded by lcb_dataset.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "input/dataset_lcb.h"
#include "base/digest.h"
#include "base/file_io.h"
#include "base/jsonl.h"
#include "input/problem.h"

#define MAX_DATASET_BYTES ((size_t)2048 << 20)

static int cmp_by_id(const void *a, const void *b)
{
	const struct problem *const *x = a, *const *y = b;
	return strcmp((*x)->task_id, (*y)->task_id);
}

static int grow_problems(struct dataset *d, size_t *cap)
{
	if (d->n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 256;
	struct problem *g = realloc(d->problems, c * sizeof(*g));
	if (!g)
		return -1;
	d->problems = g;
	*cap = c;
	return 0;
}

/* lm-eval's HumanEval+ test fields are self-contained scripts with their
 * own comparison helper and the inputs inline. */
static bool looks_lmeval_plus(const struct problem *p)
{
	return p->test && strstr(p->test, "def assertion(") && strstr(p->test, "inputs = ");
}

static int index_problems(struct dataset *d, char *err, size_t errlen)
{
	d->by_id = malloc((d->n ? d->n : 1) * sizeof(*d->by_id));
	if (!d->by_id) {
		snprintf(err, errlen, "%s: out of memory", d->path);
		return -1;
	}
	for (size_t i = 0; i < d->n; i++)
		d->by_id[i] = &d->problems[i];
	qsort(d->by_id, d->n, sizeof(*d->by_id), cmp_by_id);
	for (size_t i = 1; i < d->n; i++)
		if (strcmp(d->by_id[i - 1]->task_id, d->by_id[i]->task_id) == 0) {
			snprintf(err, errlen, "%s: task id '%s' appears twice", d->path, d->by_id[i]->task_id);
			return -1;
		}
	return 0;
}

static int load_humaneval_rows(struct dataset *d, const char *data, size_t len, char *err, size_t errlen)
{
	struct jsonl_iter it;
	jsonl_iter_init(&it, data, len);
	const char *line;
	size_t n, cap = 0;
	while (jsonl_next(&it, &line, &n)) {
		cJSON *obj = cJSON_ParseWithLength(line, n);
		if (!obj) {
			snprintf(err, errlen, "%s:%zu: not valid JSON", d->path, it.line_no);
			return -1;
		}
		if (grow_problems(d, &cap) < 0) {
			cJSON_Delete(obj);
			snprintf(err, errlen, "%s: out of memory", d->path);
			return -1;
		}
		char why[256];
		struct problem *p = &d->problems[d->n];
		int rc = problem_from_json(p, obj, line, n, why, sizeof(why));
		cJSON_Delete(obj);
		if (rc < 0) {
			snprintf(err, errlen, "%s:%zu: %s", d->path, it.line_no, why);
			return -1;
		}
		d->n++;
		const char *missing = !p->task_id ? "task_id" : !p->prompt ? "prompt" : !p->entry_point ? "entry_point" : !p->test ? "test" : NULL;
		if (missing) {
			snprintf(err, errlen, "%s:%zu: missing field '%s'", d->path, it.line_no, missing);
			return -1;
		}
		if (d->n == 1) {
			d->form = p->base_input ? FORM_EVALPLUS : looks_lmeval_plus(p) ? FORM_EVALPLUS_LMEVAL : FORM_HUMANEVAL;
		} else if ((d->form == FORM_EVALPLUS) != (p->base_input != NULL)) {
			snprintf(err, errlen, "%s:%zu: rows mix the HumanEval and evalplus forms", d->path, it.line_no);
			return -1;
		}
		if (d->form == FORM_EVALPLUS && (!p->plus_input || !p->canonical_solution)) {
			snprintf(err, errlen, "%s:%zu: evalplus row without plus_input or canonical_solution", d->path,
				 it.line_no);
			return -1;
		}
	}
	d->bench = d->form == FORM_HUMANEVAL ? BENCH_HUMANEVAL : BENCH_HUMANEVAL_PLUS;
	return 0;
}

/* Is the first line a LiveCodeBench row? */
static bool is_lcb(const char *data, size_t len)
{
	struct jsonl_iter it;
	jsonl_iter_init(&it, data, len);
	const char *line;
	size_t n;
	if (!jsonl_next(&it, &line, &n))
		return false;
	cJSON *obj = cJSON_ParseWithLength(line, n);
	bool yes = obj && cJSON_GetObjectItemCaseSensitive(obj, "question_id") &&
		   cJSON_GetObjectItemCaseSensitive(obj, "public_test_cases");
	cJSON_Delete(obj);
	return yes;
}

int dataset_load(const char *path, struct dataset **out, char *err, size_t errlen)
{
	autofree char *data = NULL;
	size_t len = 0;
	if (file_read_all(path, MAX_DATASET_BYTES, &data, &len, err, errlen) < 0)
		return -1;
	struct dataset *d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	digest_sha256_hex(data, len, d->sha256);
	digest_md5_hex(data, len, d->md5);
	int rc;
	if (is_lcb(data, len)) {
		d->form = FORM_LCB;
		d->bench = BENCH_LIVECODEBENCH;
		rc = dataset_lcb_load_rows(d, data, len, err, errlen);
	} else {
		rc = load_humaneval_rows(d, data, len, err, errlen);
	}
	if (rc == 0 && d->n == 0) {
		snprintf(err, errlen, "%s: no problems in the file", path);
		rc = -1;
	}
	if (rc == 0)
		rc = index_problems(d, err, errlen);
	if (rc < 0) {
		dataset_free(&d);
		return -1;
	}
	*out = d;
	return 0;
}

const struct problem *dataset_find(const struct dataset *d, const char *task_id)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->by_id[mid]->task_id, task_id);
		if (c == 0)
			return d->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void dataset_label(const struct dataset *d, char *buf, size_t n)
{
	/* Benchmarks keep their usual names; other problem sets (our own
	 * fixtures, private sets in HumanEval's format) are named after their
	 * file. */
	bool known = d->n && (strncmp(d->problems[0].task_id, "HumanEval/", 10) == 0 || d->bench == BENCH_LIVECODEBENCH);
	if (known) {
		snprintf(buf, n, "%s-%zu", benchmark_label(d->bench), d->n);
		return;
	}
	const char *base = strrchr(d->path, '/');
	base = base ? base + 1 : d->path;
	size_t len = strcspn(base, ".");
	snprintf(buf, n, "%.*s-%zu", (int)(len < 60 ? len : 60), base, d->n);
}

void dataset_free(struct dataset **dp)
{
	struct dataset *d = *dp;
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		problem_clear(&d->problems[i]);
	free(d->problems);
	free(d->by_id);
	free(d->path);
	free(d);
	*dp = NULL;
}
