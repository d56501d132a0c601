/* The comparison of runs on the same problems: every figure decided here,
 * printed by compare_text.c and compare_json.c (see compare.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "base/text.h"
#include "report/compare.h"
#include "score/passk.h"

/* 95% intervals; the equivalence test's one-sided tests at 5% each, which
 * is the 90% interval inside the margin. */
#define LEVEL 0.95
#define EQUIVALENCE_LEVEL 0.90
#define ALPHA 0.05

void compare_options_default(struct compare_options *o)
{
	memset(o, 0, sizeof(*o));
	o->resamples = 10000;
	o->mc_draws = 100000;
	o->ks[0] = 1;
	o->n_ks = 1;
}

const char *compare_interval_method_name(enum compare_interval_method m)
{
	switch (m) {
	case COMPARE_CI_WILSON:
		return "wilson";
	case COMPARE_CI_BOOTSTRAP:
		return "bootstrap";
	}
	return "unknown";
}

const char *compare_test_method_name(enum compare_test_method m)
{
	switch (m) {
	case COMPARE_TEST_MCNEMAR_EXACT:
		return "mcnemar_exact";
	case COMPARE_TEST_PERMUTATION_EXACT:
		return "permutation_exact";
	case COMPARE_TEST_PERMUTATION_MONTE_CARLO:
		return "permutation_monte_carlo";
	}
	return "unknown";
}

/* Tasks in natural order (HumanEval/9 before HumanEval/10): the order of
 * every list printed and of the tasks the bootstrap resamples. */
static int cmp_task_id(const void *a, const void *b)
{
	return text_natural_cmp(*(const char *const *)a, *(const char *const *)b);
}

static const struct compare_task *find_task(const struct compare_run *r, const char *id)
{
	size_t lo = 0, hi = r->n_tasks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = text_natural_cmp(id, r->tasks[mid].task_id);
		if (c == 0)
			return &r->tasks[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Checks that need no figure: names, baseline, benchmark, verdicts present. */
static int check_runs(const struct compare_run *runs, size_t n, const struct compare_options *o, size_t *baseline,
		      char *err, size_t errlen)
{
	if (n < 2) {
		snprintf(err, errlen, "a comparison needs at least two runs");
		return -1;
	}
	*baseline = 0;
	bool found = !o->baseline;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(runs[i].name, runs[j].name) == 0) {
				snprintf(err, errlen, "two runs are named '%s' (%s and %s): name them with NAME=PATH",
					 runs[i].name, runs[j].source, runs[i].source);
				return -1;
			}
		if (o->baseline && strcmp(runs[i].name, o->baseline) == 0) {
			*baseline = i;
			found = true;
		}
		if (!runs[i].rep.executed) {
			snprintf(err, errlen, "%s: the report has no verdicts (scored with --no-exec): nothing to compare",
				 runs[i].source);
			return -1;
		}
		if (strcmp(runs[i].rep.benchmark, runs[0].rep.benchmark) != 0) {
			snprintf(err, errlen, "the runs are of different benchmarks: %s is %s, %s is %s", runs[0].name,
				 runs[0].rep.benchmark, runs[i].name, runs[i].rep.benchmark);
			return -1;
		}
	}
	if (!found) {
		snprintf(err, errlen, "--baseline '%s' is not the name of a run", o->baseline);
		return -1;
	}
	return 0;
}

/* The union of the runs' tasks (sorted, unique) and the tasks all share. */
static int match_tasks(const struct compare_run *runs, size_t n, struct comparison *c)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += runs[i].n_tasks;
	autofree const char **all = malloc((total ? total : 1) * sizeof(*all));
	c->shared = malloc((total ? total : 1) * sizeof(*c->shared));
	if (!all || !c->shared)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < runs[i].n_tasks; t++)
			all[k++] = runs[i].tasks[t].task_id;
	qsort(all, k, sizeof(*all), cmp_task_id);
	for (size_t i = 0; i < k; i++) {
		if (i && strcmp(all[i], all[i - 1]) == 0)
			continue;
		c->n_union++;
		bool everywhere = true;
		for (size_t r = 0; r < n && everywhere; r++)
			everywhere = find_task(&runs[r], all[i]) != NULL;
		if (everywhere) {
			c->shared[c->n_shared++] = all[i];
			continue;
		}
		for (size_t r = 0; r < n; r++) {
			struct compare_row *row = &c->rows[r];
			if (find_task(&runs[r], all[i]))
				continue;
			if (!row->missing && !(row->missing = malloc(total * sizeof(*row->missing))))
				return -1;
			row->missing[row->n_missing++] = all[i];
		}
	}
	return 0;
}

/* pass@k of one run over the shared tasks, with its 95% interval. */
static int run_passk(const struct comparison *c, const struct compare_task *const *t, size_t k,
		     struct compare_passk *out)
{
	memset(out, 0, sizeof(*out));
	out->k = k;
	autofree double *x = malloc(c->n_shared * sizeof(*x));
	if (!x)
		return -1;
	size_t m = 0, passed = 0;
	bool one_each = true;
	double sum = 0.0;
	for (size_t j = 0; j < c->n_shared; j++) {
		if (!passk_estimate(t[j]->n, t[j]->passed, k, &x[m]))
			continue;
		sum += x[m++];
		passed += t[j]->passed;
		one_each &= t[j]->n == 1;
	}
	out->tasks = m;
	if (!m)
		return 0;
	out->value = sum / (double)m;
	if (one_each && k == 1) {
		out->method = COMPARE_CI_WILSON;
		out->ci = stats_wilson(passed, m, STATS_Z95);
		return 0;
	}
	autofree double *means = malloc(c->opts.resamples * sizeof(*means));
	if (!means)
		return -1;
	stats_bootstrap_means(x, m, c->opts.seed, c->opts.resamples, means);
	out->method = COMPARE_CI_BOOTSTRAP;
	out->ci = stats_percentile_interval(means, c->opts.resamples, LEVEL);
	return 0;
}

static int row_figures(const struct comparison *c, struct compare_row *row, const struct compare_task *const *t)
{
	row->samples_min = SIZE_MAX;
	for (size_t j = 0; j < c->n_shared; j++) {
		row->samples += t[j]->n;
		if (t[j]->n < row->samples_min)
			row->samples_min = t[j]->n;
		if (t[j]->n > row->samples_max)
			row->samples_max = t[j]->n;
	}
	const struct compare_run *r = row->run;
	row->incomplete = r->sandbox_errors || r->invalid || r->not_run || r->rep.skipped_lines || !r->rep.complete;
	for (size_t i = 0; i < c->opts.n_ks; i++)
		if (run_passk(c, t, c->opts.ks[i], &row->passk[row->n_passk++]) < 0)
			return -1;
	autofree struct plus_task *pt = malloc(c->n_shared * sizeof(*pt));
	if (!pt)
		return -1;
	for (size_t j = 0; j < c->n_shared; j++)
		pt[j] = (struct plus_task){ t[j]->task_id, t[j]->n, t[j]->passed, t[j]->base_passed };
	return plus_drop_from_tasks(pt, c->n_shared, r->has_base, &row->plus);
}

static double rate(const struct compare_task *t)
{
	return (double)t->passed / (double)t->n;
}

/* The run against the baseline: the difference with its paired bootstrap
 * interval, the paired test, the flips, the equivalence test. */
static int row_against(const struct comparison *c, struct compare_row *row, const struct compare_task *const *a,
		       const struct compare_task *const *b)
{
	size_t m = c->n_shared, B = c->opts.resamples;
	autofree double *d = malloc(m * sizeof(*d));
	autofree double *means = malloc(B * sizeof(*means));
	autofree struct stats_pair *pairs = malloc(m * sizeof(*pairs));
	row->worse = malloc(m * sizeof(*row->worse));
	row->better = malloc(m * sizeof(*row->better));
	if (!d || !means || !pairs || !row->worse || !row->better)
		return -1;
	bool one_each = true;
	double sum = 0.0;
	for (size_t j = 0; j < m; j++) {
		d[j] = rate(b[j]) - rate(a[j]);
		sum += d[j];
		one_each &= a[j]->n == 1 && b[j]->n == 1;
		pairs[j] = (struct stats_pair){ a[j]->n, a[j]->passed, b[j]->n, b[j]->passed };
		/* Compared as integers: c_b / n_b against c_a / n_a. */
		size_t lhs = b[j]->passed * a[j]->n, rhs = a[j]->passed * b[j]->n;
		if (lhs < rhs)
			row->worse[row->n_worse++] = (struct compare_flip){ a[j], b[j] };
		else if (lhs > rhs)
			row->better[row->n_better++] = (struct compare_flip){ a[j], b[j] };
	}
	row->delta = sum / (double)m;
	if (one_each) {
		row->test = COMPARE_TEST_MCNEMAR_EXACT;
		row->p = stats_mcnemar_exact(row->n_worse, row->n_better);
	} else {
		enum stats_permutation_method pm;
		row->p = stats_permutation_paired(pairs, m, c->opts.seed, c->opts.mc_draws, &pm);
		row->test = pm == STATS_PERMUTATION_EXACT ? COMPARE_TEST_PERMUTATION_EXACT
							  : COMPARE_TEST_PERMUTATION_MONTE_CARLO;
	}
	row->p_holm = row->p;
	stats_bootstrap_means(d, m, c->opts.seed, B, means);
	row->delta_ci = stats_percentile_interval(means, B, LEVEL);
	if (c->opts.margin > 0) {
		struct compare_equivalence *e = &row->eq;
		row->has_equivalence = true;
		e->margin = c->opts.margin;
		e->ci90 = stats_percentile_interval(means, B, EQUIVALENCE_LEVEL);
		e->p = fmax(stats_fraction_at_most(means, B, -e->margin), stats_fraction_at_least(means, B, e->margin));
		e->p_holm = e->p;
	}
	return 0;
}

/* More than one comparison against the baseline: Holm's adjustment within
 * each family (the difference tests; the equivalence tests). */
static int adjust(struct comparison *c)
{
	size_t m = c->n_rows - 1;
	c->holm = m > 1;
	autofree double *p = malloc(m * sizeof(*p));
	autofree double *q = malloc(m * sizeof(*q));
	if (!p || !q)
		return -1;
	for (int family = 0; family < 2 && c->holm; family++) {
		size_t k = 0;
		for (size_t r = 0; r < c->n_rows; r++)
			if (r != c->baseline)
				p[k++] = family ? c->rows[r].eq.p : c->rows[r].p;
		stats_holm(p, m, q);
		k = 0;
		for (size_t r = 0; r < c->n_rows; r++) {
			if (r == c->baseline)
				continue;
			if (family)
				c->rows[r].eq.p_holm = q[k++];
			else
				c->rows[r].p_holm = q[k++];
		}
	}
	for (size_t r = 0; r < c->n_rows; r++)
		c->rows[r].eq.equivalent = c->rows[r].has_equivalence && c->rows[r].eq.p_holm < ALPHA;
	return 0;
}

int compare_build(const struct compare_run *runs, size_t n, const struct compare_options *o, struct comparison *out,
		  char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (check_runs(runs, n, o, &out->baseline, err, errlen) < 0)
		return -1;
	out->opts = *o;
	if (!out->opts.resamples)
		out->opts.resamples = 1;
	out->benchmark = runs[out->baseline].rep.benchmark;
	out->bench_label = runs[out->baseline].rep.bench_label;
	out->n_rows = n;
	out->rows = calloc(n, sizeof(*out->rows));
	const struct compare_task **matrix = NULL;
	if (!out->rows)
		goto oom;
	for (size_t r = 0; r < n; r++) {
		out->rows[r].run = &runs[r];
		out->rows[r].baseline = r == out->baseline;
		const char *p0 = runs[0].rep.profile, *pr = runs[r].rep.profile;
		out->profiles_differ |= (p0 || pr) && (!p0 || !pr || strcmp(p0, pr) != 0);
		const char *d0 = runs[0].rep.dataset_sha256, *dr = runs[r].rep.dataset_sha256;
		out->datasets_differ |= d0 && dr && strcmp(d0, dr) != 0;
	}
	if (match_tasks(runs, n, out) < 0)
		goto oom;
	if (!out->n_shared) {
		snprintf(err, errlen, "no task has a scored sample in every run (%zu tasks in all)", out->n_union);
		comparison_free(out);
		return -1;
	}
	/* matrix[r * m + j]: run r's record of shared task j. */
	size_t m = out->n_shared;
	matrix = malloc(n * m * sizeof(*matrix));
	if (!matrix)
		goto oom;
	for (size_t r = 0; r < n; r++)
		for (size_t j = 0; j < m; j++)
			matrix[r * m + j] = find_task(&runs[r], out->shared[j]);
	for (size_t r = 0; r < n; r++) {
		if (row_figures(out, &out->rows[r], matrix + r * m) < 0)
			goto oom;
		if (r != out->baseline &&
		    row_against(out, &out->rows[r], matrix + out->baseline * m, matrix + r * m) < 0)
			goto oom;
	}
	if (adjust(out) < 0)
		goto oom;
	free(matrix);
	return 0;
oom:
	free(matrix);
	comparison_free(out);
	snprintf(err, errlen, "out of memory");
	return -1;
}

void comparison_free(struct comparison *c)
{
	for (size_t r = 0; c->rows && r < c->n_rows; r++) {
		struct compare_row *row = &c->rows[r];
		free(row->missing);
		free(row->worse);
		free(row->better);
		plus_drop_free(&row->plus);
	}
	free(c->rows);
	free(c->shared);
	memset(c, 0, sizeof(*c));
}
