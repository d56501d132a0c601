/* The sample set: the container every samples format is read into (see
 * samples.h). Kept apart from the readers so that each format's reader
 * uses the set without the readers depending on each other. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/samples.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int samples_add(struct sample_set *set, const struct sample *s)
{
	struct sample *g = realloc(set->v, (set->n + 1) * sizeof(*g));
	if (!g)
		return -1;
	set->v = g;
	struct sample *d = &set->v[set->n];
	*d = *s;
	d->task_id = dup_or_null(s->task_id);
	d->completion = dup_or_null(s->completion);
	d->solution = dup_or_null(s->solution);
	d->reasoning = dup_or_null(s->reasoning);
	d->ref_program = dup_or_null(s->ref_program);
	d->ref_base = dup_or_null(s->ref_base);
	d->ref_plus = dup_or_null(s->ref_plus);
	d->ref_metadata = dup_or_null(s->ref_metadata);
	set->n++;
	if (!d->task_id || (s->completion && !d->completion) || (s->solution && !d->solution))
		return -1;
	return 0;
}

int samples_add_error(struct sample_set *set, size_t line, const char *fmt, ...)
{
	struct samples_error *g = realloc(set->errors, (set->n_errors + 1) * sizeof(*g));
	if (!g)
		return -1;
	set->errors = g;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	set->errors[set->n_errors].line = line;
	set->errors[set->n_errors].message = strdup(buf);
	set->n_errors++;
	return 0;
}

/* Sample numbers within each task (0, 1, 2 ... in file order), assigned
 * once the whole file is read: sorting keeps this O(n log n) however many
 * tasks and samples there are. */
struct index_ref {
	const char *task_id;
	size_t pos;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct index_ref *x = a, *y = b;
	int c = strcmp(x->task_id, y->task_id);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

int samples_number(struct sample_set *set)
{
	if (set->n == 0)
		return 0;
	struct index_ref *r = malloc(set->n * sizeof(*r));
	if (!r)
		return -1;
	for (size_t i = 0; i < set->n; i++)
		r[i] = (struct index_ref){ set->v[i].task_id, i };
	qsort(r, set->n, sizeof(*r), cmp_ref);
	size_t k = 0;
	for (size_t i = 0; i < set->n; i++) {
		k = (i > 0 && strcmp(r[i].task_id, r[i - 1].task_id) == 0) ? k + 1 : 0;
		set->v[r[i].pos].index = k;
	}
	free(r);
	return 0;
}

void samples_free(struct sample_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct sample *s = &set->v[i];
		free(s->task_id);
		free(s->completion);
		free(s->solution);
		free(s->reasoning);
		free(s->ref_program);
		free(s->ref_base);
		free(s->ref_plus);
		free(s->ref_metadata);
		if (s->problem) {
			problem_clear(s->problem);
			free(s->problem);
		}
	}
	free(set->v);
	for (size_t i = 0; i < set->n_errors; i++)
		free(set->errors[i].message);
	free(set->errors);
	free(set->evalplus_hash);
	memset(set, 0, sizeof(*set));
}
