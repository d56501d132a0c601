/* The comparison page (`verdict compare --html`): the sweep table with each
 * interval drawn as a bar, the flips as a grid of tasks x runs coloured by
 * status, and for each flipped cell the two programs side by side. Rendered
 * from a finished `struct comparison` (compare.h): every figure is decided
 * there; this file only draws it. Every string from a run's report goes
 * through html_out's escaping. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/compare.h"
#include "report/html.h"
#include "report/html_charts.h"
#include "report/html_fields.h"
#include "report/html_page.h"

static void pp(struct html_out *o, double v)
{
	html_fmt(o, "%+.1f", 100.0 * v);
}

static void p_value(struct html_out *o, double p)
{
	if (p < 0.0001)
		html_raw(o, "&lt;0.0001");
	else
		html_fmt(o, "%.4f", p);
}

static void header(struct html_out *o, const struct comparison *c)
{
	const struct compare_row *base = &c->rows[c->baseline];
	html_raw(o, "<header class=\"top\">\n<div>\n<h1>Comparison: ");
	html_text(o, c->bench_label ? c->bench_label : c->benchmark);
	html_fmt(o, "</h1>\n<p class=\"sub\">%zu runs on the %zu tasks they all scored (of %zu); baseline <b>", c->n_rows,
		 c->n_shared, c->n_union);
	html_text(o, base->run->name);
	html_fmt(o, "</b>; 95%% intervals; bootstrap of %zu resamples, seed %llu%s</p>\n</div>\n</header>\n",
		 c->opts.resamples, (unsigned long long)c->opts.seed, c->holm ? "; p-values Holm-adjusted" : "");
	if (c->profiles_differ || c->datasets_differ)
		html_fmt(o, "<p class=\"warnline\">The runs were scored %s%s%s: a difference may come from that, not "
			    "from the models.</p>\n",
			 c->profiles_differ ? "with different profiles" : "", c->profiles_differ && c->datasets_differ ? " and " : "",
			 c->datasets_differ ? "on different datasets" : "");
	bool incomplete = false;
	for (size_t r = 0; r < c->n_rows; r++)
		incomplete |= c->rows[r].incomplete;
	if (incomplete) {
		html_raw(o, "<p class=\"warnline\">Incomplete runs (verdict's own errors, invalid or unread samples: not "
			    "counted):");
		for (size_t r = 0; r < c->n_rows; r++)
			if (c->rows[r].incomplete) {
				html_raw(o, " <b>");
				html_text(o, c->rows[r].run->name);
				html_raw(o, "</b>");
			}
		html_raw(o, "</p>\n");
	}
}

/* The largest |bound| of the deltas' intervals: the scale of their bars. */
static double delta_scale(const struct comparison *c)
{
	double m = 0.01;
	for (size_t r = 0; r < c->n_rows; r++) {
		if (r == c->baseline)
			continue;
		m = fmax(m, fmax(fabs(c->rows[r].delta_ci.lo), fabs(c->rows[r].delta_ci.hi)));
		m = fmax(m, fabs(c->rows[r].delta));
	}
	return m;
}

static void sweep_table(struct html_out *o, const struct comparison *c)
{
	bool plus = false;
	for (size_t r = 0; r < c->n_rows; r++)
		plus |= c->rows[r].plus.available;
	html_raw(o, "<section id=\"sweep\">\n<h2>The runs</h2>\n<table class=\"sweep\"><thead><tr><th>run</th>"
		    "<th class=\"n\">tasks</th>");
	for (size_t k = 0; k < c->opts.n_ks; k++)
		html_fmt(o, "<th class=\"n\">pass@%zu</th><th>95%% interval</th>", c->opts.ks[k]);
	html_raw(o, "<th class=\"n\">Δ pp</th><th>Δ 95% interval</th><th class=\"n\">p</th>");
	if (c->holm)
		html_raw(o, "<th class=\"n\">p Holm</th>");
	html_raw(o, "<th class=\"n\">flips −/+</th>");
	if (c->opts.margin > 0)
		html_fmt(o, "<th>within ±%.1f pp</th>", 100.0 * c->opts.margin);
	if (plus)
		html_raw(o, "<th class=\"n\">base only</th>");
	html_raw(o, "</tr></thead>\n<tbody>\n");
	double scale = delta_scale(c);
	for (size_t r = 0; r < c->n_rows; r++) {
		const struct compare_row *row = &c->rows[r];
		html_fmt(o, "<tr data-run=\"%zu\"><td><b>", r);
		html_text(o, row->run->name);
		html_raw(o, "</b>");
		if (row->baseline)
			html_raw(o, " <span class=\"chip\">baseline</span>");
		if (row->incomplete)
			html_raw(o, " <span class=\"chip bad\">incomplete</span>");
		html_fmt(o, "<br><span class=\"muted mono\">");
		html_text(o, row->run->source);
		html_fmt(o, "</span></td><td class=\"n\">%zu</td>", c->n_shared);
		for (size_t k = 0; k < row->n_passk; k++) {
			const struct compare_passk *pk = &row->passk[k];
			if (!pk->tasks) {
				html_raw(o, "<td class=\"n\">n/a</td><td></td>");
				continue;
			}
			html_raw(o, "<td class=\"n\" data-fig=\"passk\">");
			html_ratio(o, pk->value);
			html_raw(o, "</td><td><span class=\"ci mono\">[");
			html_ratio(o, pk->ci.lo);
			html_raw(o, ", ");
			html_ratio(o, pk->ci.hi);
			html_raw(o, "]</span>");
			chart_meter(o, pk->value, pk->ci.lo, pk->ci.hi, row->baseline ? "meter-base" : "meter-accent");
			html_raw(o, "</td>");
		}
		if (row->baseline) {
			html_raw(o, "<td class=\"n\">—</td><td></td><td class=\"n\">—</td>");
			if (c->holm)
				html_raw(o, "<td class=\"n\">—</td>");
			html_raw(o, "<td class=\"n\">—</td>");
		} else {
			html_raw(o, "<td class=\"n\" data-fig=\"delta\">");
			pp(o, row->delta);
			html_raw(o, "</td><td><span class=\"ci mono\">[");
			pp(o, row->delta_ci.lo);
			html_raw(o, ", ");
			pp(o, row->delta_ci.hi);
			html_raw(o, "]</span>");
			chart_delta(o, row->delta, row->delta_ci.lo, row->delta_ci.hi, scale);
			html_raw(o, "</td><td class=\"n\" data-fig=\"p\">");
			p_value(o, row->p);
			html_raw(o, "</td>");
			if (c->holm) {
				html_raw(o, "<td class=\"n\">");
				p_value(o, row->p_holm);
				html_raw(o, "</td>");
			}
			html_fmt(o, "<td class=\"n\" data-fig=\"flips\"><a href=\"#flips\">−%zu / +%zu</a></td>", row->n_worse,
				 row->n_better);
		}
		if (c->opts.margin > 0) {
			if (row->has_equivalence)
				html_fmt(o, "<td>%s <span class=\"muted\">(p %.4f)</span></td>",
					 row->eq.equivalent ? "<span class=\"chip ok\">equivalent</span>"
							    : "<span class=\"chip\">not shown</span>",
					 c->holm ? row->eq.p_holm : row->eq.p);
			else
				html_raw(o, "<td></td>");
		}
		if (plus) {
			html_raw(o, "<td class=\"n\">");
			if (row->plus.available)
				html_ratio(o, row->plus.base_only);
			html_raw(o, "</td>");
		}
		html_raw(o, "</tr>\n");
	}
	html_raw(o, "</tbody></table>\n<p class=\"sub\">Bars: the value with its 95% interval as a whisker; Δ is "
		    "each run's pass rate minus the baseline's, averaged over the shared tasks, drawn around 0.</p>\n");
	for (size_t r = 0; r < c->n_rows; r++)
		if (c->rows[r].n_missing) {
			html_raw(o, "<p class=\"muted\">");
			html_text(o, c->rows[r].run->name);
			html_fmt(o, " lacks %zu task(s) other runs scored; they are left out of every figure.</p>\n",
				 c->rows[r].n_missing);
		}
	html_raw(o, "</section>\n");
}

/* The tasks that flipped in any run, in the comparison's task order. */
static size_t flipped_tasks(const struct comparison *c, const char ***out)
{
	*out = NULL;
	const char **ids = calloc(c->n_shared ? c->n_shared : 1, sizeof(*ids));
	if (!ids)
		return 0;
	size_t n = 0;
	for (size_t t = 0; t < c->n_shared; t++) {
		bool flipped = false;
		for (size_t r = 0; r < c->n_rows && !flipped; r++) {
			const struct compare_row *row = &c->rows[r];
			for (size_t i = 0; i < row->n_worse && !flipped; i++)
				flipped = strcmp(row->worse[i].a->task_id, c->shared[t]) == 0;
			for (size_t i = 0; i < row->n_better && !flipped; i++)
				flipped = strcmp(row->better[i].a->task_id, c->shared[t]) == 0;
		}
		if (flipped)
			ids[n++] = c->shared[t];
	}
	*out = ids;
	return n;
}

static const struct compare_task *run_task(const struct compare_run *run, const char *task_id)
{
	for (size_t i = 0; i < run->n_tasks; i++)
		if (strcmp(run->tasks[i].task_id, task_id) == 0)
			return &run->tasks[i];
	return NULL;
}

/* -1 worse than the baseline, +1 better, 0 neither. */
static int direction(const struct compare_row *row, const char *task_id)
{
	for (size_t i = 0; i < row->n_worse; i++)
		if (strcmp(row->worse[i].a->task_id, task_id) == 0)
			return -1;
	for (size_t i = 0; i < row->n_better; i++)
		if (strcmp(row->better[i].a->task_id, task_id) == 0)
			return 1;
	return 0;
}

static void status_title(struct html_out *o, const struct compare_task *t)
{
	char buf[256];
	html_attr(o, compare_task_statuses(t, buf, sizeof(buf)));
}

static void flips_grid(struct html_out *o, const struct comparison *c, const char **ids, size_t n)
{
	html_fmt(o, "<section id=\"flips\">\n<h2>Flips (%zu task%s)</h2>\n", n, n == 1 ? "" : "s");
	if (!n) {
		html_raw(o, "<p class=\"muted\">No task's pass rate differs between the baseline and any run.</p>\n"
			    "</section>\n");
		return;
	}
	html_raw(o, "<p class=\"sub\">Tasks whose pass rate differs from the baseline's in some run, coloured by "
		    "status (▼ worse, ▲ better than the baseline). A cell opens the two programs side by side.</p>\n"
		    "<div class=\"grid-wrap\"><table class=\"flips\"><thead><tr><th>task</th>");
	for (size_t r = 0; r < c->n_rows; r++) {
		html_raw(o, "<th>");
		html_text(o, c->rows[r].run->name);
		html_raw(o, "</th>");
	}
	html_raw(o, "</tr></thead>\n<tbody>\n");
	for (size_t t = 0; t < n; t++) {
		html_raw(o, "<tr><td class=\"task\">");
		html_text(o, ids[t]);
		html_raw(o, "</td>");
		for (size_t r = 0; r < c->n_rows; r++) {
			const struct compare_task *ct = run_task(c->rows[r].run, ids[t]);
			const char *st = ct && ct->n_statuses ? ct->statuses[0].status : NULL;
			int dir = r == c->baseline ? 0 : direction(&c->rows[r], ids[t]);
			html_raw(o, "<td class=\"gcell\">");
			/* The baseline's cell opens its pair with the first run that flipped. */
			size_t other = r;
			if (r == c->baseline)
				for (size_t q = 0; q < c->n_rows; q++)
					if (q != c->baseline && direction(&c->rows[q], ids[t])) {
						other = q;
						break;
					}
			if (other != c->baseline)
				html_fmt(o, "<a class=\"cell %s\" href=\"#pair-%zu-%zu\" title=\"", field_status_class(st), t, other);
			else
				html_fmt(o, "<span class=\"cell %s\" title=\"", field_status_class(st));
			if (ct)
				status_title(o, ct);
			html_raw(o, "\">");
			html_raw(o, dir < 0 ? "▼ " : dir > 0 ? "▲ " : "");
			html_text(o, st ? st : "—");
			html_raw(o, other != c->baseline ? "</a>" : "</span>");
			html_raw(o, "</td>");
		}
		html_raw(o, "</tr>\n");
	}
	html_raw(o, "</tbody></table></div>\n</section>\n");
}

/* One side of a pair: every sample of the task in that run's report. */
static void pair_side(struct html_out *o, const struct compare_run *run, const char *task_id, bool baseline)
{
	html_raw(o, "<div class=\"pane\"><h3>");
	html_text(o, run->name);
	html_raw(o, baseline ? " (baseline)" : "");
	html_raw(o, "</h3>\n");
	const cJSON *samples = field_arr(run->rep.json, "samples");
	size_t shown = 0;
	for (const cJSON *s = samples ? samples->child : NULL; s; s = s->next) {
		const char *tid = field_str(s, "task_id");
		if (!tid || strcmp(tid, task_id) != 0)
			continue;
		const char *st = field_str(s, "status");
		html_fmt(o, "<p><span class=\"badge %s\">", field_status_class(st));
		html_text(o, st);
		html_fmt(o, "</span> <span class=\"muted\">sample #%.0f</span></p>\n", field_num_or(s, "index", 0));
		const char *detail = field_str(s, "detail");
		if (detail && detail[0]) {
			html_raw(o, "<pre class=\"detail\">");
			html_text_block(o, detail);
			html_raw(o, "</pre>\n");
		}
		const char *program = field_str(s, "program"), *completion = field_str(s, "completion");
		if (program || completion) {
			html_fmt(o, "<h4>%s</h4><pre class=\"%s\">", program ? "program that ran" : "raw completion",
				 program ? "program" : "completion");
			html_text_block(o, program ? program : completion);
			html_raw(o, "</pre>\n");
		} else {
			html_raw(o, "<p class=\"muted\">No program in this run's report (save it with `audit --json "
				    "--explain`).</p>\n");
		}
		shown++;
	}
	if (!shown)
		html_raw(o, "<p class=\"muted\">No sample of this task in the run.</p>\n");
	html_raw(o, "</div>\n");
}

static void pairs(struct html_out *o, const struct comparison *c, const char **ids, size_t n)
{
	const struct compare_run *base = c->rows[c->baseline].run;
	for (size_t t = 0; t < n; t++)
		for (size_t r = 0; r < c->n_rows; r++) {
			if (r == c->baseline || !direction(&c->rows[r], ids[t]))
				continue;
			html_fmt(o, "<section class=\"pair\" id=\"pair-%zu-%zu\">\n<h2>", t, r);
			html_text(o, ids[t]);
			html_raw(o, ": ");
			html_text(o, base->name);
			html_raw(o, " against ");
			html_text(o, c->rows[r].run->name);
			html_raw(o, " <a class=\"muted\" href=\"#flips\">back to the flips</a></h2>\n<div class=\"panes\">\n");
			pair_side(o, base, ids[t], true);
			pair_side(o, c->rows[r].run, ids[t], false);
			html_raw(o, "</div>\n</section>\n");
		}
}

int html_compare_page(struct html_out *o, const struct comparison *c)
{
	char title[256];
	snprintf(title, sizeof(title), "verdict compare: %.200s", c->bench_label ? c->bench_label : c->benchmark);
	if (html_page_begin(o, title) < 0)
		return -1;
	header(o, c);
	sweep_table(o, c);
	const char **ids = NULL;
	size_t n = flipped_tasks(c, &ids);
	flips_grid(o, c, ids, n);
	pairs(o, c, ids, n);
	free(ids);
	cJSON *data = compare_json(c);
	if (data) {
		html_raw(o, "<script type=\"application/json\" id=\"report-data\">");
		html_json(o, data);
		html_raw(o, "</script>\n");
		cJSON_Delete(data);
	}
	html_page_end(o);
	return 0;
}

int html_compare_write(const char *path, const struct comparison *c, char *err, size_t errlen)
{
	struct html_out o;
	if (html_out_open(&o, path, err, errlen) < 0)
		return -1;
	if (html_compare_page(&o, c) < 0) {
		snprintf(err, errlen, "the page's stylesheet and script are missing from this build");
		html_out_close(&o, false, NULL, 0);
		return -1;
	}
	return html_out_close(&o, true, err, errlen);
}
