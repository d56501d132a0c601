/* HumanEval+ base tests alone against base + plus (see plus_drop.h). */
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "report/plus_drop.h"

static int cmp_task_id(const void *a, const void *b)
{
	return text_natural_cmp(*(const char *const *)a, *(const char *const *)b);
}

int plus_drop_from_tasks(const struct plus_task *t, size_t n, bool available, struct plus_drop *out)
{
	memset(out, 0, sizeof(*out));
	out->available = available;
	if (!available)
		return 0;
	out->dropped = calloc(n ? n : 1, sizeof(*out->dropped));
	if (!out->dropped)
		return -1;
	double base_sum = 0.0, both_sum = 0.0;
	for (size_t i = 0; i < n; i++) {
		if (t[i].n == 0)
			continue;
		out->tasks++;
		out->samples += t[i].n;
		out->base_passed += t[i].base_passed;
		out->both_passed += t[i].passed;
		base_sum += (double)t[i].base_passed / (double)t[i].n;
		both_sum += (double)t[i].passed / (double)t[i].n;
		if (t[i].base_passed > t[i].passed)
			out->dropped[out->n_dropped++] = t[i].task_id;
	}
	qsort(out->dropped, out->n_dropped, sizeof(*out->dropped), cmp_task_id);
	if (out->tasks) {
		out->base_only = base_sum / (double)out->tasks;
		out->base_plus = both_sum / (double)out->tasks;
	}
	return 0;
}

int plus_drop_from_score(const struct score_report *r, const struct sample_set *set, struct plus_drop *out)
{
	memset(out, 0, sizeof(*out));
	bool available = false;
	for (size_t i = 0; i < r->n && !available; i++)
		available = r->v[i].has_splits;
	if (!available || !r->executed)
		return 0;
	/* r->tasks is sorted by id and counts scored samples and passes; the
	 * base passes are counted here, per sample, into the same order. */
	struct plus_task *t = calloc(r->n_tasks ? r->n_tasks : 1, sizeof(*t));
	if (!t)
		return -1;
	for (size_t i = 0; i < r->n_tasks; i++)
		t[i] = (struct plus_task){ r->tasks[i].task_id, r->tasks[i].scored, r->tasks[i].passed, 0 };
	for (size_t i = 0; i < r->n; i++) {
		const struct sample_verdict *v = &r->v[i];
		if (v->skipped || !sample_status_scored(v->status) || !v->has_splits || v->base != ST_PASSED)
			continue;
		for (size_t lo = 0, hi = r->n_tasks; lo < hi;) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(set->v[i].task_id, t[mid].task_id);
			if (c == 0) {
				t[mid].base_passed++;
				break;
			}
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	int rc = plus_drop_from_tasks(t, r->n_tasks, true, out);
	free(t);
	return rc;
}

void plus_drop_print(FILE *f, const struct plus_drop *d)
{
	if (!d->available || !d->tasks)
		return;
	fprintf(f, "base tests alone: pass@1 %.4f (%zu/%zu); base+plus %.4f (%zu/%zu); drop %.1f pp", d->base_only,
		d->base_passed, d->samples, d->base_plus, d->both_passed, d->samples, 100.0 * (d->base_only - d->base_plus));
	if (d->n_dropped) {
		fprintf(f, "; %zu task%s pass%s base and fail%s plus:", d->n_dropped, d->n_dropped == 1 ? "" : "s",
			d->n_dropped == 1 ? "es" : "", d->n_dropped == 1 ? "s" : "");
		for (size_t i = 0; i < d->n_dropped; i++)
			fprintf(f, " %s", d->dropped[i]);
	}
	fprintf(f, "\n");
}

cJSON *plus_drop_json(const struct plus_drop *d)
{
	if (!d->available)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "tasks", (double)d->tasks);
	cJSON_AddNumberToObject(o, "samples", (double)d->samples);
	cJSON_AddNumberToObject(o, "base_passed", (double)d->base_passed);
	cJSON_AddNumberToObject(o, "base_plus_passed", (double)d->both_passed);
	cJSON_AddNumberToObject(o, "base_only_pass_at_1", d->base_only);
	cJSON_AddNumberToObject(o, "base_plus_pass_at_1", d->base_plus);
	cJSON_AddNumberToObject(o, "drop", d->base_only - d->base_plus);
	cJSON *ids = cJSON_AddArrayToObject(o, "tasks_base_not_plus");
	for (size_t i = 0; ids && i < d->n_dropped; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(d->dropped[i]));
	return o;
}

void plus_drop_free(struct plus_drop *d)
{
	free(d->dropped);
	memset(d, 0, sizeof(*d));
}
