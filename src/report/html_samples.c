/* The sample list of a report page: one <details> per sample (a row that
 * opens on the raw completion, the program that ran and the detail), and
 * the filter bar the page's script shows. */
#include <stdio.h>
#include <string.h>

#include "report/html.h"
#include "report/html_fields.h"

#define MAX_LISTED_NAMES 64

struct names {
	const char *name[MAX_LISTED_NAMES];
	double count[MAX_LISTED_NAMES];
	size_t n;
};

static void names_add(struct names *nm, const char *name)
{
	for (size_t i = 0; i < nm->n; i++)
		if (strcmp(nm->name[i], name) == 0) {
			nm->count[i]++;
			return;
		}
	if (nm->n < MAX_LISTED_NAMES) {
		nm->name[nm->n] = name;
		nm->count[nm->n++] = 1;
	}
}

/* Flags are matched by their number in the list ("f3"), never by their
 * text: a flag is any string in a saved report, spaces included. */
static void list_flags(const cJSON *samples, struct names *fl)
{
	fl->n = 0;
	for (const cJSON *s = samples->child; s; s = s->next) {
		const cJSON *flags = field_arr(s, "flags");
		for (const cJSON *f = flags ? flags->child : NULL; f; f = f->next)
			if (cJSON_IsString(f))
				names_add(fl, f->valuestring);
	}
}

static long flag_number(const struct names *fl, const char *flag)
{
	for (size_t i = 0; i < fl->n; i++)
		if (strcmp(fl->name[i], flag) == 0)
			return (long)i;
	return -1;
}

static void filter_bar(struct html_out *o, const cJSON *samples, const struct names *fl, size_t total)
{
	struct names st = { .n = 0 };
	/* Known statuses first, in the schema's order, then others as found. */
	for (size_t i = 0; i < field_n_statuses; i++)
		for (const cJSON *s = samples->child; s; s = s->next)
			if (field_str(s, "status") && strcmp(field_str(s, "status"), field_statuses[i]) == 0)
				names_add(&st, field_statuses[i]);
	for (const cJSON *s = samples->child; s; s = s->next) {
		const char *status = field_str(s, "status");
		if (status && strcmp(field_status_class(status), "st-other") == 0)
			names_add(&st, status);
	}
	/* Hidden until the script runs: without it there is nothing to filter with. */
	html_raw(o, "<div id=\"filters\" hidden>\n<span class=\"muted\">status</span>\n");
	for (size_t i = 0; i < st.n; i++) {
		html_fmt(o, "<label class=\"%s\"><input type=\"checkbox\" checked data-status=\"", field_status_class(st.name[i]));
		html_attr(o, st.name[i]);
		html_raw(o, "\"> <span class=\"sw\"></span>");
		html_text(o, st.name[i]);
		html_fmt(o, " (%.0f)</label>\n", st.count[i]);
	}
	html_raw(o, "<button type=\"button\" data-all>all</button><button type=\"button\" data-none>none</button>\n");
	html_raw(o, "<label><span class=\"muted\">flag</span> <select id=\"flag-filter\"><option value=\"\">any</option>");
	for (size_t i = 0; i < fl->n; i++) {
		html_fmt(o, "<option value=\"f%zu\">", i);
		html_attr(o, fl->name[i]); /* <option> holds text only */
		html_fmt(o, " (%.0f)</option>", fl->count[i]);
	}
	html_raw(o, "</select></label>\n<label><span class=\"muted\">task</span> <input type=\"search\" id=\"task-filter\" "
		    "placeholder=\"task id contains\"></label>\n");
	html_fmt(o, "<span class=\"shown\"><span id=\"shown-count\">%zu</span> of %zu shown</span>\n</div>\n", total, total);
}

static void fact(struct html_out *o, const char *label, const char *value)
{
	if (!value)
		return;
	html_fmt(o, "<span>%s <b>", label);
	html_text(o, value);
	html_raw(o, "</b></span>");
}

static void facts(struct html_out *o, const cJSON *s)
{
	html_raw(o, "<div class=\"facts\">");
	double v;
	if (field_num(s, "line", &v))
		html_fmt(o, "<span>line <b>%.0f</b></span>", v);
	const cJSON *ex = field_obj(s, "extraction");
	fact(o, "profile", field_str(ex, "profile"));
	fact(o, "extracted", field_str(ex, "path"));
	if (field_num(s, "cpu_ms", &v)) {
		html_raw(o, "<span>CPU <b>");
		html_ms(o, v);
		html_raw(o, "</b></span>");
	}
	if (field_num(s, "wall_ms", &v)) {
		html_raw(o, "<span>wall <b>");
		html_ms(o, v);
		html_raw(o, "</b></span>");
	}
	if (field_num(s, "peak_rss_kb", &v) && v > 0)
		html_fmt(o, "<span>memory <b>%.1f MiB</b></span>", v / 1024.0);
	double cl, wl;
	if (field_num(s, "cpu_limit_ms", &cl) && field_num(s, "wall_limit_ms", &wl))
		html_fmt(o, "<span>limits <b>%.1f s CPU, %.1f s wall</b></span>", cl / 1000.0, wl / 1000.0);
	fact(o, "base", field_str(s, "base_status"));
	fact(o, "plus", field_str(s, "plus_status"));
	if (field_num(s, "lcb_error_code", &v))
		html_fmt(o, "<span>LiveCodeBench code <b>%.0f</b></span>", v);
	const cJSON *harness = field_obj(s, "harness");
	if (field_str(harness, "status")) {
		html_raw(o, "<span>");
		html_text(o, field_str(harness, "profile") ? field_str(harness, "profile") : "the harness");
		html_raw(o, " would say <b>");
		html_text(o, field_str(harness, "status"));
		html_raw(o, "</b>");
		const char *why = field_str(harness, "label") ? field_str(harness, "label") : field_str(harness, "cause");
		if (field_true(harness, "differs") && why) {
			html_raw(o, " <span class=\"chip bad\">");
			html_text(o, why);
			html_raw(o, "</span>");
		}
		html_raw(o, "</span>");
	}
	const cJSON *ref = field_obj(s, "reference");
	if (ref) {
		html_raw(o, "<span>the file's verdict <b>");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(ref, "passed");
		html_raw(o, !cJSON_IsBool(p) ? "" : cJSON_IsTrue(p) ? "passed" : "failed");
		if (field_str(ref, "base_status")) {
			html_raw(o, " (base ");
			html_text(o, field_str(ref, "base_status"));
			if (field_str(ref, "plus_status")) {
				html_raw(o, ", plus ");
				html_text(o, field_str(ref, "plus_status"));
			}
			html_raw(o, ")");
		}
		html_raw(o, "</b></span>");
		const cJSON *ag = cJSON_GetObjectItemCaseSensitive(ref, "agrees");
		if (cJSON_IsBool(ag))
			html_raw(o, cJSON_IsTrue(ag) ? "<span class=\"chip ok\">agrees</span>"
						     : "<span class=\"chip bad\">disagrees</span>");
	}
	html_raw(o, "</div>\n");
}

static void text_pane(struct html_out *o, const char *cls, const char *title, const char *text, const char *missing)
{
	html_fmt(o, "<div class=\"pane\"><h4>%s</h4>", title);
	if (text) {
		html_fmt(o, "<pre class=\"%s\">", cls);
		html_text_block(o, text);
		html_raw(o, "</pre>");
	} else {
		html_fmt(o, "<p class=\"muted\">%s</p>", missing);
	}
	html_raw(o, "</div>\n");
}

/* The official LiveCodeBench runner's record of the failing test. */
static void lcb_metadata(struct html_out *o, const cJSON *md)
{
	static const char *const keys[] = { "error_message", "inputs", "expected", "output" };
	static const char *const titles[] = { "error", "failing test's input", "expected output", "the program's output" };
	bool any = false;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, keys[i]);
		if (!v)
			continue;
		if (!any)
			html_raw(o, "<div class=\"panes\">");
		any = true;
		html_fmt(o, "<div class=\"pane\"><h4>%s</h4><pre>", titles[i]);
		if (cJSON_IsString(v)) {
			html_text_block(o, v->valuestring);
		} else {
			char *t = cJSON_PrintUnformatted(v);
			html_text_block(o, t);
			cJSON_free(t);
		}
		html_raw(o, "</pre></div>\n");
	}
	if (any)
		html_raw(o, "</div>\n");
}

static void sample_row(struct html_out *o, const cJSON *s, size_t i, const struct names *fl, bool many_per_task)
{
	const char *status = field_str(s, "status"), *task = field_str(s, "task_id");
	const cJSON *flags = field_arr(s, "flags");
	html_fmt(o, "<details class=\"sample\" id=\"s-%zu\" data-status=\"", i);
	html_attr(o, status);
	html_raw(o, "\" data-flags=\"");
	const char *sep = "";
	for (const cJSON *f = flags ? flags->child : NULL; f; f = f->next) {
		long k = cJSON_IsString(f) ? flag_number(fl, f->valuestring) : -1;
		if (k >= 0) {
			html_fmt(o, "%sf%ld", sep, k);
			sep = " ";
		}
	}
	html_raw(o, "\" data-task=\"");
	html_attr(o, task);
	html_raw(o, "\">\n<summary><span class=\"task\">");
	html_text(o, task);
	double idx;
	if (many_per_task && field_num(s, "index", &idx))
		html_fmt(o, " <span class=\"muted\">#%.0f</span>", idx);
	html_fmt(o, "</span><span><span class=\"badge %s\">", field_status_class(status));
	html_text(o, status);
	html_raw(o, "</span></span><span class=\"chips\">");
	for (const cJSON *f = flags ? flags->child : NULL; f; f = f->next)
		if (cJSON_IsString(f)) {
			html_raw(o, "<span class=\"chip\">");
			html_text(o, f->valuestring);
			html_raw(o, "</span>");
		}
	html_raw(o, "</span><span class=\"n\">");
	double v;
	if (field_num(s, "wall_ms", &v) && v > 0)
		html_ms(o, v);
	html_raw(o, "</span><span class=\"n\">");
	if (field_num(s, "chars", &v))
		html_fmt(o, "%.0f", v);
	html_raw(o, "</span></summary>\n<div class=\"body\">\n");
	facts(o, s);
	const char *detail = field_str(s, "detail");
	if (detail && detail[0]) {
		html_raw(o, "<h4>detail</h4><pre class=\"detail\">");
		html_text_block(o, detail);
		html_raw(o, "</pre>\n");
	}
	const cJSON *md = field_obj(s, "lcb_metadata");
	if (md)
		lcb_metadata(o, md);
	html_raw(o, "<div class=\"panes\">\n");
	text_pane(o, "completion", "raw completion", field_str(s, "completion"),
		  "not in this report (saved without --explain)");
	text_pane(o, "program", "program that ran", field_str(s, "program"),
		  "not in this report (saved without --explain, or nothing ran)");
	html_raw(o, "</div>\n");
	const char *reasoning = field_str(s, "reasoning");
	if (reasoning) {
		html_raw(o, "<details><summary>reasoning_content</summary><pre>");
		html_text_block(o, reasoning);
		html_raw(o, "</pre></details>\n");
	}
	html_raw(o, "</div>\n</details>\n");
}

void html_samples_section(struct html_out *o, const cJSON *r)
{
	const cJSON *samples = field_arr(r, "samples");
	size_t total = (size_t)cJSON_GetArraySize(samples);
	html_fmt(o, "<section id=\"samples\">\n<h2>Samples (%zu)</h2>\n", total);
	if (!total) {
		html_raw(o, "<p class=\"muted\">No samples.</p>\n</section>\n");
		return;
	}
	bool many = false;
	for (const cJSON *s = samples->child; s && !many; s = s->next)
		many = field_num_or(s, "index", 0) > 0;
	struct names fl;
	list_flags(samples, &fl);
	filter_bar(o, samples, &fl, total);
	html_raw(o, "<div class=\"rowhead\"><span>task</span><span>status</span><span>flags</span>"
		    "<span class=\"n\">wall time</span><span class=\"n\">chars</span></div>\n<div id=\"sample-list\">\n");
	size_t i = 0;
	for (const cJSON *s = samples->child; s; s = s->next, i++)
		sample_row(o, s, i, &fl, many);
	html_raw(o, "</div>\n</section>\n");
}
