/* LiveCodeBench's groups on the audit page: pass@1 by difficulty and by
 * platform as tables with meters, by contest month as columns in date
 * order (docs/schema.md, `groups`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/html_charts.h"
#include "report/html_fields.h"

static int cmp_member_name(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static void group_table(struct html_out *o, const cJSON *dim)
{
	html_raw(o, "<table class=\"groups\"><thead><tr><th></th><th class=\"n\">tasks</th><th class=\"n\">pass@1</th>"
		    "<th></th></tr></thead><tbody>\n");
	for (const cJSON *g = dim->child; g; g = g->next) {
		double p = field_num_or(g, "pass_at_1", 0);
		html_raw(o, "<tr><td>");
		html_text(o, g->string);
		html_fmt(o, "</td><td class=\"n\">%.0f</td><td class=\"n\">", field_num_or(g, "tasks", 0));
		html_ratio(o, p);
		html_raw(o, "</td><td>");
		chart_meter(o, p, 1, 0, "meter-accent");
		html_raw(o, "</td></tr>\n");
	}
	html_raw(o, "</tbody></table>\n");
}

static void month_chart(struct html_out *o, const cJSON *dim)
{
	size_t n = (size_t)cJSON_GetArraySize(dim);
	const cJSON **m = calloc(n ? n : 1, sizeof(*m));
	double *v = calloc(n ? n : 1, sizeof(*v));
	const char **labels = calloc(n ? n : 1, sizeof(*labels));
	const char **notes = calloc(n ? n : 1, sizeof(*notes));
	char (*note_buf)[32] = calloc(n ? n : 1, sizeof(*note_buf));
	if (m && v && labels && notes && note_buf) {
		size_t k = 0;
		for (const cJSON *g = dim->child; g; g = g->next)
			if (g->string)
				m[k++] = g;
		qsort(m, k, sizeof(*m), cmp_member_name);
		for (size_t i = 0; i < k; i++) {
			v[i] = field_num_or(m[i], "pass_at_1", 0);
			labels[i] = m[i]->string;
			snprintf(note_buf[i], sizeof(note_buf[i]), "%.0f tasks", field_num_or(m[i], "tasks", 0));
			notes[i] = note_buf[i];
		}
		struct chart_series s = { "pass@1", "meter-accent", v };
		chart_columns(o, labels, notes, k, &s, 1, true, "pass@1 by contest month");
	}
	free(m);
	free(v);
	free(labels);
	free(notes);
	free(note_buf);
}

void html_groups_section(struct html_out *o, const cJSON *r)
{
	const cJSON *groups = field_obj(r, "groups");
	if (!groups || !groups->child)
		return;
	html_raw(o, "<section id=\"groups\">\n<h2>pass@1 by group</h2>\n<div class=\"twocol\">\n");
	for (const cJSON *dim = groups->child; dim; dim = dim->next) {
		if (!cJSON_IsObject(dim) || !dim->string || strcmp(dim->string, "month") == 0)
			continue;
		html_raw(o, "<div><h3>by ");
		html_text(o, dim->string);
		html_raw(o, "</h3>\n");
		group_table(o, dim);
		html_raw(o, "</div>\n");
	}
	html_raw(o, "</div>\n");
	const cJSON *month = field_obj(groups, "month");
	if (month && month->child) {
		html_raw(o, "<h3>by contest month</h3>\n<p class=\"sub\">A model that passes the problems published "
			    "before its training cut-off and fails the later ones was trained on the earlier ones.</p>\n");
		month_chart(o, month);
	}
	html_raw(o, "</section>\n");
}
