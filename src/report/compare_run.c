/* One run of a comparison: a report's records grouped by task (see
 * compare.h). */
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "report/compare.h"

static int cmp_sample_ptr(const void *x, const void *y)
{
	const struct saved_sample *a = *(const struct saved_sample *const *)x;
	const struct saved_sample *b = *(const struct saved_sample *const *)y;
	int c = text_natural_cmp(a->task_id, b->task_id);
	/* Records of one task stay in file order. */
	return c ? c : (a > b) - (a < b);
}

static int cmp_status_count(const void *x, const void *y)
{
	const struct compare_status_count *a = x, *b = y;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->status, b->status);
}

/* Count one sample into its task. Returns 0 or -1 (out of memory). */
static int tally(struct compare_task *t, const struct saved_sample *s)
{
	t->n++;
	t->passed += s->passed;
	t->base_passed += s->base_status && strcmp(s->base_status, "passed") == 0;
	for (size_t i = 0; i < t->n_statuses; i++)
		if (strcmp(t->statuses[i].status, s->status) == 0) {
			t->statuses[i].n++;
			return 0;
		}
	struct compare_status_count *g = realloc(t->statuses, (t->n_statuses + 1) * sizeof(*g));
	if (!g)
		return -1;
	t->statuses = g;
	t->statuses[t->n_statuses++] = (struct compare_status_count){ s->status, 1 };
	return 0;
}

static void count_unscored(struct compare_run *r, const struct saved_sample *s)
{
	if (strcmp(s->status, "sandbox_error") == 0)
		r->sandbox_errors++;
	else if (strcmp(s->status, "invalid") == 0)
		r->invalid++;
	else if (strcmp(s->status, "not_run") == 0)
		r->not_run++;
	/* "skipped": outside a date window or not in the dataset, by request. */
}

int compare_run_init(struct compare_run *r, const char *name, const char *source, bool from_report,
		     struct saved_report *rep, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->rep = *rep;
	memset(rep, 0, sizeof(*rep));
	r->from_report = from_report;
	r->name = strdup(name);
	r->source = strdup(source);
	const struct saved_sample **order = calloc(r->rep.n ? r->rep.n : 1, sizeof(*order));
	r->tasks = calloc(r->rep.n ? r->rep.n : 1, sizeof(*r->tasks));
	if (!r->name || !r->source || !order || !r->tasks)
		goto oom;
	size_t n = 0;
	for (size_t i = 0; i < r->rep.n; i++) {
		const struct saved_sample *s = &r->rep.v[i];
		if (!saved_sample_scored(s)) {
			count_unscored(r, s);
			continue;
		}
		order[n++] = s;
		r->has_base |= s->base_status != NULL;
	}
	qsort(order, n, sizeof(*order), cmp_sample_ptr);
	for (size_t i = 0; i < n; i++) {
		if (!r->n_tasks || strcmp(r->tasks[r->n_tasks - 1].task_id, order[i]->task_id) != 0)
			r->tasks[r->n_tasks++].task_id = order[i]->task_id;
		if (tally(&r->tasks[r->n_tasks - 1], order[i]) < 0)
			goto oom;
	}
	for (size_t t = 0; t < r->n_tasks; t++)
		qsort(r->tasks[t].statuses, r->tasks[t].n_statuses, sizeof(*r->tasks[t].statuses), cmp_status_count);
	free(order);
	return 0;
oom:
	free(order);
	snprintf(err, errlen, "%s: out of memory", source);
	compare_run_free(r);
	return -1;
}

const char *compare_task_statuses(const struct compare_task *t, char *buf, size_t n)
{
	if (n)
		buf[0] = '\0';
	if (t->n == 1 && t->n_statuses == 1) {
		snprintf(buf, n, "%s", t->statuses[0].status);
		return buf;
	}
	size_t used = 0;
	for (size_t i = 0; i < t->n_statuses && used < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%s %zu", i ? ", " : "", t->statuses[i].status, t->statuses[i].n);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

void compare_run_free(struct compare_run *r)
{
	for (size_t t = 0; r->tasks && t < r->n_tasks; t++)
		free(r->tasks[t].statuses);
	free(r->tasks);
	free(r->name);
	free(r->source);
	saved_report_free(&r->rep);
	memset(r, 0, sizeof(*r));
}
