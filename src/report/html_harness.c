/* The harness block of a report page: what the faithful harness profile
 * would report beside verdict's own score, and the samples whose two
 * verdicts differ, grouped by cause (docs/schema.md, `harness`).
 *
 * The block is {"profile", "pass_at_k", "passed", "scored", "differ" (a
 * count), "causes": [{"cause", "label", "count", "samples": [row numbers
 * into samples[]]}]}, and each sample may carry its own "harness" record
 * ({"status", "cause", "label", "detail", ...}). Read tolerantly all the
 * same: a group may list samples as objects ({"task_id", "index",
 * "status", "harness_status"}) or task ids, and the groups may come as an
 * object keyed by cause; each sample links to its row in the list. */
#include <stdio.h>
#include <string.h>

#include "report/html.h"
#include "report/html_fields.h"

/* The row number of a sample in the report's list, or -1. */
static long sample_row(const cJSON *samples, const char *task, double index)
{
	long i = 0;
	for (const cJSON *s = samples ? samples->child : NULL; s; s = s->next, i++) {
		const char *t = field_str(s, "task_id");
		if (t && strcmp(t, task) == 0 && field_num_or(s, "index", 0) == index)
			return i;
	}
	return -1;
}

static void status_badge(struct html_out *o, const char *status)
{
	if (!status) {
		html_raw(o, "<span class=\"muted\">?</span>");
		return;
	}
	html_fmt(o, "<span class=\"badge %s\">", field_status_class(status));
	html_text(o, status);
	html_raw(o, "</span>");
}

static void differing_sample(struct html_out *o, const cJSON *samples, const cJSON *d)
{
	long row = -1;
	const cJSON *rec = NULL; /* the sample's own record */
	if (cJSON_IsNumber(d) && d->valuedouble >= 0 && d->valuedouble < (double)cJSON_GetArraySize(samples)) {
		row = (long)d->valuedouble;
		rec = cJSON_GetArrayItem(samples, (int)row);
	} else {
		const char *task = cJSON_IsString(d) ? d->valuestring : field_str(d, "task_id");
		if (!task)
			return;
		row = sample_row(samples, task, field_num_or(d, "index", 0));
		rec = row >= 0 ? cJSON_GetArrayItem(samples, (int)row) : NULL;
		if (!rec) {
			html_raw(o, "<tr><td class=\"task\">");
			html_text(o, task);
			html_raw(o, "</td><td></td><td></td><td></td></tr>\n");
			return;
		}
	}
	const char *task = field_str(rec, "task_id");
	double index = field_num_or(rec, "index", 0);
	html_fmt(o, "<tr><td class=\"task\"><a href=\"#s-%ld\">", row);
	html_text(o, task);
	if (index > 0)
		html_fmt(o, " #%.0f", index);
	html_raw(o, "</a></td><td>");
	const cJSON *h = field_obj(rec, "harness");
	const char *mine = cJSON_IsObject(d) && field_str(d, "status") ? field_str(d, "status") : field_str(rec, "status");
	status_badge(o, mine);
	html_raw(o, "</td><td>");
	const char *theirs = cJSON_IsObject(d) ? field_str(d, "harness_status") : NULL;
	status_badge(o, theirs ? theirs : field_str(h, "status"));
	html_raw(o, "</td><td>");
	html_text(o, field_str(h, "detail"));
	html_raw(o, "</td></tr>\n");
}

static void cause_group(struct html_out *o, const cJSON *samples, const char *cause, const cJSON *list, double count)
{
	int n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
	html_raw(o, "<div class=\"diffcause\"><h3>");
	html_text(o, cause ? cause : "other");
	html_fmt(o, " <span class=\"muted\">(%.0f)</span></h3>\n", count >= 0 ? count : (double)n);
	if (n == 0) {
		html_raw(o, "</div>\n");
		return;
	}
	html_raw(o, "<table class=\"fixed\"><thead><tr><th>sample</th><th>verdict</th><th>harness</th><th></th></tr></thead>"
		    "<tbody>\n");
	for (const cJSON *d = list->child; d; d = d->next)
		differing_sample(o, samples, d);
	html_raw(o, "</tbody></table></div>\n");
}

static const cJSON *first_member(const cJSON *o, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, keys[i]) : NULL;
		if (v)
			return v;
	}
	return NULL;
}

void html_harness_section(struct html_out *o, const cJSON *r)
{
	const cJSON *h = field_obj(r, "harness");
	if (!h)
		return;
	const cJSON *samples = field_arr(r, "samples");
	const char *profile = field_str(h, "profile");
	html_raw(o, "<section id=\"harness\">\n<h2>What the harness would report</h2>\n<p><b>");
	html_text(o, profile ? profile : "the harness");
	html_raw(o, "</b> would report ");
	const cJSON *p1 = field_obj(field_obj(h, "pass_at_k"), "1");
	double v, passed, n;
	if (field_num(p1, "value", &v)) {
		html_raw(o, "pass@1 <b data-fig=\"harness-pass1\">");
		html_ratio(o, v);
		html_raw(o, "</b>");
	} else {
		html_raw(o, "no pass@1");
	}
	if (field_num(h, "passed", &passed) && (field_num(h, "scored", &n) || field_num(h, "n", &n)))
		html_fmt(o, " (%.0f/%.0f)", passed, n);
	double own;
	if (field_num(field_obj(field_obj(field_obj(r, "summary"), "pass_at_k"), "1"), "value", &own)) {
		html_raw(o, " where verdict's score is ");
		html_ratio(o, own);
	}
	double differ, runs;
	if (field_num(h, "differ", &differ))
		html_fmt(o, "; %.0f sample%s differ%s", differ, differ == 1 ? "" : "s", differ == 1 ? "s" : "");
	if (field_num(h, "faithful_runs", &runs))
		html_fmt(o, " (the harness's own job ran for %.0f)", runs);
	html_raw(o, ".</p>\n");
	static const char *const diff_keys[] = { "causes", "differences", "by_cause", "differ" };
	const cJSON *diff = first_member(h, diff_keys, sizeof(diff_keys) / sizeof(diff_keys[0]));
	size_t groups = 0;
	if (cJSON_IsArray(diff)) {
		for (const cJSON *g = diff->child; g; g = g->next) {
			if (!cJSON_IsObject(g))
				continue;
			const char *label = field_str(g, "label") ? field_str(g, "label") : field_str(g, "cause");
			cause_group(o, samples, label, field_arr(g, "samples"), field_num_or(g, "count", -1));
			groups++;
		}
	} else if (cJSON_IsObject(diff)) {
		for (const cJSON *g = diff->child; g; g = g->next, groups++) {
			if (cJSON_IsArray(g))
				cause_group(o, samples, g->string, g, -1);
			else if (cJSON_IsObject(g))
				cause_group(o, samples, g->string, field_arr(g, "samples"), field_num_or(g, "count", -1));
			else if (cJSON_IsNumber(g))
				cause_group(o, samples, g->string, NULL, g->valuedouble);
		}
	}
	if (!groups)
		html_raw(o, "<p class=\"muted\">No sample's verdict differs between the two.</p>\n");
	html_raw(o, "</section>\n");
}
