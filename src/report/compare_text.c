/* The comparison as text and as Markdown (see compare.h): one table, one
 * row per run in the order given, then what the figures mean, the tasks
 * missing from some run, the incomplete runs, the flips with both statuses
 * and HumanEval+'s base-only figures. Both forms print the same cells. */
#include <stdlib.h>
#include <string.h>

#include "report/compare.h"

#define MAX_COLUMNS (8 + SCORE_MAX_K)
#define CELL 96

struct table {
	size_t n_cols, n_rows;
	char head[MAX_COLUMNS][CELL];
	char (*cells)[MAX_COLUMNS][CELL]; /* n_rows rows */
};

static bool any_base(const struct comparison *c)
{
	for (size_t r = 0; r < c->n_rows; r++)
		if (c->rows[r].plus.available)
			return true;
	return false;
}

static bool several_samples(const struct comparison *c)
{
	for (size_t r = 0; r < c->n_rows; r++)
		if (c->rows[r].samples_max > 1)
			return true;
	return false;
}

static void format_p(char *buf, size_t n, double p)
{
	if (p < 0.0001)
		snprintf(buf, n, "<0.0001");
	else
		snprintf(buf, n, "%.4f", p);
}

static void format_passk(char *buf, size_t n, const struct compare_passk *pk)
{
	if (!pk->tasks)
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%.4f [%.4f, %.4f]", pk->value, pk->ci.lo, pk->ci.hi);
}

static void column(struct table *t, const char *head)
{
	snprintf(t->head[t->n_cols++], CELL, "%s", head);
}

/* The header and the cells of every row. Returns 0 or -1 (out of memory). */
static int build_table(const struct comparison *c, struct table *t)
{
	memset(t, 0, sizeof(*t));
	t->n_rows = c->n_rows;
	t->cells = calloc(c->n_rows, sizeof(*t->cells));
	if (!t->cells)
		return -1;
	char head[CELL];
	column(t, "run");
	column(t, "tasks");
	if (several_samples(c))
		column(t, "samples");
	for (size_t k = 0; k < c->opts.n_ks; k++) {
		snprintf(head, sizeof(head), "pass@%zu [95%% CI]", c->opts.ks[k]);
		column(t, head);
	}
	column(t, "delta pp [95% CI]");
	column(t, "p");
	if (c->holm)
		column(t, "p Holm");
	column(t, "flips -/+");
	if (c->opts.margin > 0) {
		snprintf(head, sizeof(head), "within +-%.1f pp", 100.0 * c->opts.margin);
		column(t, head);
	}
	if (any_base(c)) {
		column(t, "base-only pass@1");
		column(t, "plus drop pp");
	}
	for (size_t r = 0; r < c->n_rows; r++) {
		const struct compare_row *row = &c->rows[r];
		char(*cell)[CELL] = t->cells[r];
		size_t i = 0;
		snprintf(cell[i++], CELL, "%s%s", row->run->name, row->incomplete ? " !" : "");
		snprintf(cell[i++], CELL, "%zu", c->n_shared);
		if (several_samples(c))
			snprintf(cell[i++], CELL, "%zu", row->samples);
		for (size_t k = 0; k < row->n_passk; k++)
			format_passk(cell[i++], CELL, &row->passk[k]);
		if (row->baseline) {
			snprintf(cell[i++], CELL, "baseline");
			i += c->holm ? 3 : 2;
			if (c->opts.margin > 0)
				i++;
		} else {
			snprintf(cell[i++], CELL, "%+.1f [%+.1f, %+.1f]", 100.0 * row->delta, 100.0 * row->delta_ci.lo,
				 100.0 * row->delta_ci.hi);
			format_p(cell[i++], CELL, row->p);
			if (c->holm)
				format_p(cell[i++], CELL, row->p_holm);
			snprintf(cell[i++], CELL, "%zu/%zu", row->n_worse, row->n_better);
			if (c->opts.margin > 0)
				snprintf(cell[i++], CELL, "%s", row->eq.equivalent ? "equivalent" : "not shown");
		}
		if (any_base(c)) {
			if (row->plus.available) {
				snprintf(cell[i++], CELL, "%.4f", row->plus.base_only);
				snprintf(cell[i++], CELL, "%.1f", 100.0 * (row->plus.base_only - row->plus.base_plus));
			} else {
				snprintf(cell[i++], CELL, "n/a");
				snprintf(cell[i++], CELL, "n/a");
			}
		}
	}
	return 0;
}

/* Markdown cells: a | or a line break in a run's name would end the cell. */
static void print_md_cell(FILE *f, const char *s)
{
	fputc(' ', f);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputs(" |", f);
}

static void print_table(FILE *f, const struct table *t, bool markdown)
{
	size_t width[MAX_COLUMNS];
	for (size_t j = 0; j < t->n_cols; j++) {
		width[j] = strlen(t->head[j]);
		for (size_t r = 0; r < t->n_rows; r++)
			if (strlen(t->cells[r][j]) > width[j])
				width[j] = strlen(t->cells[r][j]);
	}
	if (markdown) {
		fputc('|', f);
		for (size_t j = 0; j < t->n_cols; j++)
			print_md_cell(f, t->head[j]);
		fputs("\n|", f);
		for (size_t j = 0; j < t->n_cols; j++)
			fputs(j == 0 ? "---|" : "---:|", f);
		fputc('\n', f);
		for (size_t r = 0; r < t->n_rows; r++) {
			fputc('|', f);
			for (size_t j = 0; j < t->n_cols; j++)
				print_md_cell(f, t->cells[r][j]);
			fputc('\n', f);
		}
		return;
	}
	for (size_t j = 0; j < t->n_cols; j++)
		fprintf(f, j == 0 ? "%-*s" : "  %*s", (int)width[j], t->head[j]);
	fputc('\n', f);
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t j = 0; j < t->n_cols; j++)
			fprintf(f, j == 0 ? "%-*s" : "  %*s", (int)width[j], t->cells[r][j]);
		fputc('\n', f);
	}
}

static const char *test_text(const struct comparison *c)
{
	bool mcnemar = false, exact = false, monte_carlo = false;
	for (size_t r = 0; r < c->n_rows; r++) {
		if (r == c->baseline)
			continue;
		mcnemar |= c->rows[r].test == COMPARE_TEST_MCNEMAR_EXACT;
		exact |= c->rows[r].test == COMPARE_TEST_PERMUTATION_EXACT;
		monte_carlo |= c->rows[r].test == COMPARE_TEST_PERMUTATION_MONTE_CARLO;
	}
	if (mcnemar && !exact && !monte_carlo)
		return "McNemar's exact test on the tasks where the runs disagree (one sample per task)";
	if (!mcnemar && !monte_carlo)
		return "the paired permutation test on per-task pass rates, exact (several samples per task)";
	return "McNemar's exact test where both runs have one sample per task, else the paired permutation test on "
	       "per-task pass rates (exact, or from random sign flips where the exact count is too large)";
}

/* What the figures mean, then everything that limits them. */
static void print_notes(FILE *f, const struct comparison *c, const char *bullet)
{
	const struct compare_options *o = &c->opts;
	fprintf(f, "%spass@k: over the %zu shared tasks; 95%% intervals: Wilson for one sample per task, else a "
		   "percentile bootstrap over tasks\n",
		bullet, c->n_shared);
	fprintf(f, "%sdelta: the run minus the baseline, in points; 95%% paired bootstrap over tasks (%zu resamples, "
		   "seed %llu)\n",
		bullet, o->resamples, (unsigned long long)o->seed);
	fprintf(f, "%sp: %s\n", bullet, test_text(c));
	if (c->holm)
		fprintf(f, "%sp Holm: Holm-adjusted over the %zu comparisons with the baseline%s\n", bullet, c->n_rows - 1,
			o->margin > 0 ? " (the equivalence tests adjusted the same way)" : "");
	if (o->margin > 0)
		fprintf(f, "%swithin +-%.1f pp: two one-sided tests on the paired difference at 5%% each (the 90%% "
			   "bootstrap interval inside the margin); \"not shown\" is not evidence of a difference\n",
			bullet, 100.0 * o->margin);
	fprintf(f, "%sflips -/+: tasks the run passes less often than the baseline / more often\n", bullet);
	if (c->n_union > c->n_shared) {
		fprintf(f, "%s%zu of %zu tasks are not scored in every run and are left out:", bullet,
			c->n_union - c->n_shared, c->n_union);
		for (size_t r = 0; r < c->n_rows; r++) {
			const struct compare_row *row = &c->rows[r];
			if (!row->n_missing)
				continue;
			fprintf(f, " %s lacks %zu (", row->run->name, row->n_missing);
			for (size_t i = 0; i < row->n_missing && i < 10; i++)
				fprintf(f, "%s%s", i ? ", " : "", row->missing[i]);
			fprintf(f, "%s);", row->n_missing > 10 ? ", ..." : "");
		}
		fputc('\n', f);
	}
	for (size_t r = 0; r < c->n_rows; r++) {
		const struct compare_row *row = &c->rows[r];
		const struct compare_run *run = row->run;
		if (row->incomplete)
			fprintf(f, "%s! %s is INCOMPLETE (%zu sandbox_error, %zu invalid, %zu not run, %zu unread lines): "
				   "those samples are not counted\n",
				bullet, run->name, run->sandbox_errors, run->invalid, run->not_run, run->rep.skipped_lines);
	}
	if (c->profiles_differ) {
		fprintf(f, "%sthe runs were scored with different profiles:", bullet);
		for (size_t r = 0; r < c->n_rows; r++)
			fprintf(f, " %s %s;", c->rows[r].run->name,
				c->rows[r].run->rep.profile ? c->rows[r].run->rep.profile : "(none)");
		fputc('\n', f);
	}
	if (c->datasets_differ)
		fprintf(f, "%sthe runs were scored against different dataset files (sha256 differs)\n", bullet);
}

struct transition {
	const char *from, *to;
	size_t n;
};

static int cmp_transition(const void *x, const void *y)
{
	const struct transition *a = x, *b = y;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	int c = strcmp(a->from, b->from);
	return c ? c : strcmp(a->to, b->to);
}

/* "passed→failed 4, passed→timeout 2": the transitions of one list of
 * flips (one sample per task), the most frequent first. */
static void print_transitions(FILE *f, const struct compare_flip *v, size_t n)
{
	struct transition *t = calloc(n ? n : 1, sizeof(*t));
	if (!t)
		return;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *from = v[i].a->statuses[0].status, *to = v[i].b->statuses[0].status;
		size_t j = 0;
		while (j < k && (strcmp(t[j].from, from) != 0 || strcmp(t[j].to, to) != 0))
			j++;
		if (j == k)
			t[k++] = (struct transition){ from, to, 0 };
		t[j].n++;
	}
	qsort(t, k, sizeof(*t), cmp_transition);
	for (size_t j = 0; j < k; j++)
		fprintf(f, "%s%s→%s %zu", j ? ", " : "", t[j].from, t[j].to, t[j].n);
	free(t);
}

static void print_flip_list(FILE *f, const struct compare_flip *v, size_t n, bool markdown)
{
	for (size_t i = 0; i < n; i++) {
		char sa[256], sb[256];
		compare_task_statuses(v[i].a, sa, sizeof(sa));
		compare_task_statuses(v[i].b, sb, sizeof(sb));
		if (markdown) {
			fputc('|', f);
			print_md_cell(f, v[i].a->task_id);
			print_md_cell(f, sa);
			print_md_cell(f, sb);
			fputc('\n', f);
		} else if (v[i].a->n == 1 && v[i].b->n == 1)
			fprintf(f, "    %-20s %s → %s\n", v[i].a->task_id, sa, sb);
		else
			fprintf(f, "    %-20s %zu/%zu → %zu/%zu  (%s → %s)\n", v[i].a->task_id, v[i].a->passed, v[i].a->n,
				v[i].b->passed, v[i].b->n, sa, sb);
	}
}

static void print_flips(FILE *f, const struct comparison *c, const struct compare_row *row, bool markdown)
{
	const char *base = c->rows[c->baseline].run->name;
	bool one_each = row->test == COMPARE_TEST_MCNEMAR_EXACT;
	const struct compare_flip *lists[2] = { row->worse, row->better };
	size_t counts[2] = { row->n_worse, row->n_better };
	const char *names[2] = { "worse", "better" };
	fprintf(f, markdown ? "\n**%s → %s**: " : "\n%s → %s: ", base, row->run->name);
	for (int w = 0; w < 2; w++) {
		fprintf(f, "%s%zu %s", w ? ", " : "", counts[w], names[w]);
		if (one_each && counts[w]) {
			fputs(" (", f);
			print_transitions(f, lists[w], counts[w]);
			fputc(')', f);
		}
	}
	fputs(markdown ? ".\n" : "\n", f);
	if (!row->n_worse && !row->n_better)
		return;
	if (markdown) {
		fputs("\n<details><summary>flipped tasks</summary>\n\n| task |", f);
		print_md_cell(f, base);
		print_md_cell(f, row->run->name);
		fputs("\n|---|---|---|\n", f);
	}
	for (int w = 0; w < 2; w++) {
		if (!markdown && counts[w])
			fprintf(f, "  %s:\n", names[w]);
		print_flip_list(f, lists[w], counts[w], markdown);
	}
	if (markdown)
		fputs("\n</details>\n", f);
}

static void print_plus(FILE *f, const struct comparison *c, const char *bullet)
{
	if (!any_base(c))
		return;
	fprintf(f, "\nHumanEval+ base tests alone against base+plus, over the shared tasks:\n");
	for (size_t r = 0; r < c->n_rows; r++) {
		if (!c->rows[r].plus.available)
			continue;
		fprintf(f, "%s%s: ", bullet, c->rows[r].run->name);
		if (c->rows[r].plus.tasks)
			plus_drop_print(f, &c->rows[r].plus);
		else
			fprintf(f, "no task\n");
	}
}

static void print(FILE *f, const struct comparison *c, bool markdown)
{
	struct table t;
	if (build_table(c, &t) < 0) {
		fprintf(f, "out of memory\n");
		return;
	}
	fprintf(f, "%s%zu runs of %s", markdown ? "**verdict compare**: " : "", c->n_rows,
		c->bench_label ? c->bench_label : c->benchmark);
	if (c->bench_label)
		fprintf(f, " (%s)", c->benchmark);
	fprintf(f, ", %zu task%s shared; baseline %s\n\n", c->n_shared, c->n_shared == 1 ? "" : "s",
		c->rows[c->baseline].run->name);
	print_table(f, &t, markdown);
	free(t.cells);
	fputc('\n', f);
	print_notes(f, c, markdown ? "- " : "");
	for (size_t r = 0; r < c->n_rows; r++)
		if (r != c->baseline)
			print_flips(f, c, &c->rows[r], markdown);
	print_plus(f, c, markdown ? "- " : "  ");
}

void compare_print_text(FILE *f, const struct comparison *c)
{
	print(f, c, false);
}

void compare_print_markdown(FILE *f, const struct comparison *c)
{
	print(f, c, true);
}
