/* The audit page: what was scored, pass@k, the model-card audit and the
 * statuses; then the completion lengths (html_lengths.c), LiveCodeBench
 * groups (html_groups.c), the harness block (html_harness.c), the input
 * errors and every sample (html_samples.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/html_charts.h"
#include "report/html_fields.h"
#include "report/html_page.h"
#include "report/report.h"

static void kpi(struct html_out *o, const char *cls, const char *label)
{
	html_fmt(o, "<div class=\"kpi %s\"><div class=\"l\">", cls);
	html_text(o, label);
	html_raw(o, "</div><div class=\"v\">");
}

static int cmp_k(const void *a, const void *b)
{
	double x = atof((*(const cJSON *const *)a)->string), y = atof((*(const cJSON *const *)b)->string);
	return x < y ? -1 : x > y;
}

static void pass_at_k_kpis(struct html_out *o, const cJSON *summary)
{
	const cJSON *pk = field_obj(summary, "pass_at_k");
	size_t n = (size_t)cJSON_GetArraySize(pk);
	const cJSON **ks = n ? calloc(n, sizeof(*ks)) : NULL;
	size_t m = 0;
	for (const cJSON *e = pk ? pk->child : NULL; ks && e; e = e->next)
		if (cJSON_IsObject(e) && e->string)
			ks[m++] = e;
	if (ks)
		qsort(ks, m, sizeof(*ks), cmp_k);
	for (size_t i = 0; i < m; i++) {
		const cJSON *e = ks[i];
		char label[64];
		snprintf(label, sizeof(label), "pass@%.20s", e->string);
		kpi(o, i == 0 ? "main" : "", label);
		double v;
		if (field_num(e, "value", &v))
			html_ratio(o, v);
		else
			html_raw(o, "n/a");
		html_raw(o, "</div>");
		double comp, total;
		if (field_num(e, "tasks_computable", &comp) && field_num(e, "tasks_total", &total) && comp != total)
			html_fmt(o, "<div class=\"l\">over %.0f of %.0f tasks</div>", comp, total);
		html_raw(o, "</div>\n");
	}
	free(ks);
	if (m == 0) {
		kpi(o, "main", "pass@1");
		html_raw(o, field_true(summary, "executed") ? "n/a" : "not run");
		html_raw(o, "</div></div>\n");
	}
}

static void header(struct html_out *o, const cJSON *r)
{
	const cJSON *summary = field_obj(r, "summary");
	const char *label = field_str(r, "bench_label");
	html_raw(o, "<header class=\"top\">\n<div>\n<h1>");
	html_text(o, label ? label : field_str(r, "benchmark") ? field_str(r, "benchmark") : "verdict report");
	html_raw(o, "</h1>\n<p class=\"sub\">");
	const char *profile = field_str(r, "profile");
	html_raw(o, "profile <b>");
	html_text(o, profile ? profile : "unknown");
	html_raw(o, "</b>");
	const cJSON *iso = field_obj(r, "isolation");
	if (field_str(iso, "level")) {
		html_raw(o, " · isolation <b>");
		html_text(o, field_str(iso, "level"));
		html_raw(o, "</b>");
	}
	html_raw(o, " · ");
	html_text(o, field_str(r, "created") ? field_str(r, "created") : "date not recorded");
	html_raw(o, "</p>\n</div>\n<div class=\"kpis\">\n");
	pass_at_k_kpis(o, summary);
	const cJSON *counts = field_obj(summary, "counts");
	double n, tasks, passed;
	if (field_num(summary, "n_samples", &n)) {
		kpi(o, "", "samples");
		html_fmt(o, "%.0f</div>", n);
		if (field_num(summary, "n_tasks", &tasks))
			html_fmt(o, "<div class=\"l\">%.0f tasks</div>", tasks);
		html_raw(o, "</div>\n");
	}
	if (field_true(summary, "executed") && field_num(counts, "passed", &passed)) {
		kpi(o, "", "passed");
		html_fmt(o, "%.0f</div></div>\n", passed);
	}
	const cJSON *ag = field_obj(summary, "reference_agreement");
	double agree, known;
	if (field_num(ag, "agree", &agree) && field_num(ag, "known", &known)) {
		kpi(o, "", "agrees with the file's verdicts");
		html_fmt(o, "%.0f/%.0f</div></div>\n", agree, known);
	}
	if (summary && !field_true(summary, "complete")) {
		kpi(o, "warn", "run");
		html_raw(o, "incomplete</div></div>\n");
	}
	html_raw(o, "</div>\n</header>\n");
	if (summary && !field_true(summary, "complete"))
		html_fmt(o, "<p class=\"warnline\">This run is <b>incomplete</b>: %.0f sandbox error(s), %.0f invalid "
			    "sample(s), %.0f input line(s) skipped. They are not counted against the model, and pass@k "
			    "covers only what was scored.</p>\n",
			 field_num_or(counts, "sandbox_error", 0), field_num_or(counts, "invalid", 0),
			 field_num_or(summary, "skipped_lines", 0));
}

static void meta_row(struct html_out *o, const char *dt, const char *dd)
{
	if (!dd)
		return;
	html_fmt(o, "<dt>%s</dt><dd>", dt);
	html_text(o, dd);
	html_raw(o, "</dd>\n");
}

static void isolation_row(struct html_out *o, const cJSON *iso)
{
	if (!iso)
		return;
	html_raw(o, "<dt>Isolation</dt><dd>");
	html_text(o, field_str(iso, "level") ? field_str(iso, "level") : "unknown");
	const cJSON *layers = field_obj(iso, "layers");
	if (layers) {
		html_raw(o, "<div class=\"chips\">");
		for (const cJSON *l = layers->child; l; l = l->next) {
			const char *state = field_str(l, "state");
			bool active = state && strcmp(state, "active") == 0;
			html_fmt(o, "<span class=\"chip %s\" title=\"", active ? "ok" : "bad");
			html_attr(o, field_str(l, "detail"));
			html_raw(o, "\">");
			html_text(o, l->string);
			if (!active) {
				html_raw(o, ": ");
				html_text(o, state ? state : "?");
			}
			html_raw(o, "</span>");
		}
		html_raw(o, "</div>");
	}
	html_raw(o, "</dd>\n");
	meta_row(o, "Interpreter", field_str(iso, "interpreter"));
}

static void what_was_scored(struct html_out *o, const cJSON *r)
{
	html_raw(o, "<section id=\"scored\">\n<h2>What was scored</h2>\n<dl class=\"meta\">\n");
	meta_row(o, "Samples file", field_str(r, "source"));
	meta_row(o, "Benchmark", field_str(r, "benchmark"));
	const cJSON *ds = field_obj(r, "dataset");
	if (ds) {
		html_raw(o, "<dt>Dataset</dt><dd>");
		html_text(o, field_str(ds, "path"));
		if (field_str(ds, "form")) {
			html_raw(o, " <span class=\"muted\">(");
			html_text(o, field_str(ds, "form"));
			html_raw(o, ")</span>");
		}
		html_raw(o, "<br><span class=\"mono\">sha256 ");
		html_text(o, field_str(ds, "sha256"));
		html_raw(o, "</span><br><span class=\"mono muted\">md5 ");
		html_text(o, field_str(ds, "md5"));
		html_raw(o, "</span></dd>\n");
	} else {
		html_raw(o, "<dt>Dataset</dt><dd class=\"muted\">problems came with the samples</dd>\n");
	}
	meta_row(o, "Profile", field_str(r, "profile"));
	isolation_row(o, field_obj(r, "isolation"));
	const cJSON *lim = field_obj(r, "limits");
	double cpu, wall, mem;
	if (field_num(lim, "timeout_s", &cpu) && field_num(lim, "wall_s", &wall) && field_num(lim, "memory_mb", &mem))
	{
		const char *profile = field_str(r, "profile");
		if (profile && strcmp(profile, "evalplus") == 0)
			/* evalplus sets its own limits per test input */
			html_raw(o, "<dt>Limits</dt><dd>per test input max(1 s, 4 × the canonical solution's time) of CPU "
				    "(wall 3×), 4096 MiB memory</dd>\n");
		else
			html_fmt(o, "<dt>Limits</dt><dd>%.1f s CPU%s, %.1f s wall, %.0f MiB memory</dd>\n", cpu,
				 profile && strcmp(profile, "lcb") == 0 ? " per test" : "", wall, mem);
	}
	meta_row(o, "verdict", field_str(r, "verdict_version"));
	meta_row(o, "Created", field_str(r, "created"));
	const cJSON *cal = field_obj(field_obj(r, "summary"), "calibration");
	if (field_true(cal, "done")) {
		const cJSON *ul = field_arr(cal, "unpassable_tasks");
		html_raw(o, "<dt>Calibration</dt><dd>");
		if (cJSON_GetArraySize(ul) > 0) {
			html_fmt(o, "%d task(s) no solution can pass here:", cJSON_GetArraySize(ul));
			for (const cJSON *t = ul->child; t; t = t->next)
				if (cJSON_IsString(t)) {
					html_raw(o, " <span class=\"mono\">");
					html_text(o, t->valuestring);
					html_raw(o, "</span>");
				}
			double ex;
			if (field_num(cal, "pass_at_1_excluding_unpassable", &ex)) {
				html_raw(o, "; pass@1 without them ");
				html_ratio(o, ex);
			}
		} else {
			html_raw(o, "every canonical solution passes under these limits");
		}
		html_raw(o, "</dd>\n");
	}
	html_raw(o, "</dl>\n</section>\n");
}

/* Statuses as the sample list holds them (skipped and not_run included),
 * in the schema's order, then any other text. */
struct tally {
	const char *status;
	double count;
};

static size_t tally_statuses(const cJSON *samples, struct tally *t, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < field_n_statuses && n < cap; i++)
		t[n++] = (struct tally){ field_statuses[i], 0 };
	for (const cJSON *s = samples ? samples->child : NULL; s; s = s->next) {
		const char *st = field_str(s, "status");
		if (!st)
			continue;
		size_t i = 0;
		while (i < n && strcmp(t[i].status, st) != 0)
			i++;
		if (i == n && n < cap)
			t[n++] = (struct tally){ st, 0 };
		if (i < n)
			t[i].count++;
	}
	return n;
}

/* HumanEval+: pass@1 on the base tests alone beside base + plus, and the
 * tasks that pass base and fail plus (summary.base_vs_plus). */
static void base_vs_plus(struct html_out *o, const cJSON *b)
{
	double base, both, drop;
	if (!field_num(b, "base_only_pass_at_1", &base) || !field_num(b, "base_plus_pass_at_1", &both))
		return;
	drop = field_num_or(b, "drop", base - both);
	html_raw(o, "<p class=\"facts\" id=\"base-vs-plus\"><span>base tests alone: pass@1 <b data-fig=\"base-only\">");
	html_ratio(o, base);
	html_fmt(o, "</b> (%.0f/%.0f)</span><span>base + plus <b>", field_num_or(b, "base_passed", 0),
		 field_num_or(b, "samples", 0));
	html_ratio(o, both);
	html_fmt(o, "</b> (%.0f/%.0f)</span><span>drop <b>%.1f pp</b></span>", field_num_or(b, "base_plus_passed", 0),
		 field_num_or(b, "samples", 0), 100.0 * drop);
	const cJSON *ids = field_arr(b, "tasks_base_not_plus");
	if (cJSON_GetArraySize(ids) > 0) {
		html_fmt(o, "<span>%d task(s) pass base and fail plus:", cJSON_GetArraySize(ids));
		for (const cJSON *t = ids->child; t; t = t->next)
			if (cJSON_IsString(t)) {
				html_raw(o, " <span class=\"mono\">");
				html_text(o, t->valuestring);
				html_raw(o, "</span>");
			}
		html_raw(o, "</span>");
	}
	html_raw(o, "</p>\n");
}

static void audit_card(struct html_out *o, const cJSON *r)
{
	const cJSON *a = field_obj(r, "audit"), *summary = field_obj(r, "summary");
	const cJSON *ch = field_obj(a, "chars");
	html_raw(o, "<section id=\"audit\">\n<h2>Audit</h2>\n<table class=\"cardtable\"><thead><tr><th>Bench</th>"
		    "<th class=\"n\">n</th><th class=\"n\">score</th><th class=\"n\">empty</th><th class=\"n\">fenced</th>"
		    "<th class=\"n\">chars p10/p50/p90</th><th>verbatim-canonical-in-gen</th></tr></thead>\n<tbody><tr><td>");
	html_text(o, field_str(r, "bench_label"));
	html_fmt(o, "</td><td class=\"n\" data-fig=\"n\">%.0f</td><td class=\"n\" data-fig=\"score\">", field_num_or(a, "n", 0));
	double score;
	if (field_true(summary, "executed") && field_num(field_obj(field_obj(summary, "pass_at_k"), "1"), "value", &score))
		html_ratio(o, score);
	else
		html_raw(o, field_true(summary, "executed") ? "n/a" : "not run");
	html_fmt(o, "</td><td class=\"n\" data-fig=\"empty\">%.0f</td><td class=\"n\" data-fig=\"fenced\">%.0f</td>"
		    "<td class=\"n\" data-fig=\"chars\">%.0f / %.0f / %.0f</td><td data-fig=\"verbatim\">",
		 field_num_or(a, "empty", 0), field_num_or(a, "fenced", 0), field_num_or(ch, "p10", 0),
		 field_num_or(ch, "p50", 0), field_num_or(ch, "p90", 0));
	const char *vt = field_str(field_obj(a, "verbatim_canonical"), "text");
	html_text(o, vt ? vt : "n/a");
	html_raw(o, "</td></tr></tbody></table>\n<div class=\"facts\">");
	static const char *const audit_facts[] = { "from_reasoning", "truncated_reasoning", "unterminated_fence", "no_code" };
	for (size_t i = 0; i < sizeof(audit_facts) / sizeof(audit_facts[0]); i++)
		html_fmt(o, "<span>%s <b>%.0f</b></span>", audit_facts[i], field_num_or(a, audit_facts[i], 0));
	static const char *const summary_facts[] = { "reasoning_changed", "flaky", "forged", "skipped_samples",
						     "skipped_lines" };
	for (size_t i = 0; i < sizeof(summary_facts) / sizeof(summary_facts[0]); i++)
		html_fmt(o, "<span>%s <b>%.0f</b></span>", summary_facts[i], field_num_or(summary, summary_facts[i], 0));
	html_raw(o, "</div>\n");

	base_vs_plus(o, field_obj(summary, "base_vs_plus"));

	struct tally t[64];
	size_t n = tally_statuses(field_arr(r, "samples"), t, sizeof(t) / sizeof(t[0]));
	struct chart_segment seg[64];
	for (size_t i = 0; i < n; i++)
		seg[i] = (struct chart_segment){ t[i].status, t[i].count };
	html_raw(o, "<h3>Statuses</h3>\n");
	chart_stacked_bar(o, seg, n, "samples by status");
	html_raw(o, "<ul class=\"legend\" id=\"status-legend\">");
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += t[i].count;
	for (size_t i = 0; i < n; i++) {
		if (t[i].count <= 0)
			continue;
		html_fmt(o, "<li class=\"%s\" data-status=\"", field_status_class(t[i].status));
		html_attr(o, t[i].status);
		html_raw(o, "\"><a href=\"#samples\" data-only-status=\"");
		html_attr(o, t[i].status);
		html_raw(o, "\"><span class=\"sw\"></span>");
		html_text(o, t[i].status);
		html_fmt(o, " <b class=\"count\">%.0f</b> <span class=\"muted\">", t[i].count);
		html_percent(o, t[i].count, total);
		html_raw(o, "</span></a></li>");
	}
	html_raw(o, "</ul>\n</section>\n");
}

static void errors_section(struct html_out *o, const cJSON *r)
{
	const cJSON *errors = field_arr(r, "errors");
	if (!errors || !errors->child)
		return;
	html_fmt(o, "<section id=\"errors\">\n<h2>Input lines that could not be read (%d)</h2>\n"
		    "<table class=\"narrowfirst\"><thead><tr><th class=\"n\">line</th><th>error</th></tr></thead><tbody>\n",
		 cJSON_GetArraySize(errors));
	for (const cJSON *e = errors->child; e; e = e->next) {
		html_fmt(o, "<tr><td class=\"n\">%.0f</td><td>", field_num_or(e, "line", 0));
		html_text(o, field_str(e, "error"));
		html_raw(o, "</td></tr>\n");
	}
	html_raw(o, "</tbody></table>\n</section>\n");
}

void html_audit_sections(struct html_out *o, const cJSON *r)
{
	header(o, r);
	what_was_scored(o, r);
	audit_card(o, r);
	html_lengths_section(o, r);
	html_groups_section(o, r);
	html_harness_section(o, r);
	errors_section(o, r);
}

/* The report's figures as data for programs reading the page back: the
 * report without the long texts (completion, reasoning, program), which
 * the sample list shows. */
static void page_data(struct html_out *o, const cJSON *r)
{
	cJSON *copy = cJSON_Duplicate(r, true);
	if (!copy)
		return;
	report_json_drop_texts(copy);
	html_raw(o, "<script type=\"application/json\" id=\"report-data\">");
	html_json(o, copy);
	html_raw(o, "</script>\n");
	cJSON_Delete(copy);
}

int html_audit_page(struct html_out *o, const cJSON *r)
{
	const char *label = field_str(r, "bench_label");
	char title[256];
	snprintf(title, sizeof(title), "verdict audit: %.200s", label ? label : "report");
	if (html_page_begin(o, title) < 0)
		return -1;
	html_audit_sections(o, r);
	html_samples_section(o, r);
	page_data(o, r);
	html_page_end(o);
	return 0;
}

int html_audit_write(const char *path, const cJSON *r, char *err, size_t errlen)
{
	struct html_out o;
	if (html_out_open(&o, path, err, errlen) < 0)
		return -1;
	if (html_audit_page(&o, r) < 0) {
		snprintf(err, errlen, "the page's stylesheet and script are missing from this build");
		html_out_close(&o, false, NULL, 0);
		return -1;
	}
	return html_out_close(&o, true, err, errlen);
}
