/* The histogram of completion lengths on the audit page: the raw answers'
 * lengths in code points (samples[].chars), passed and failed apart. */
#include <stdio.h>
#include <string.h>

#include "report/html.h"
#include "report/html_charts.h"
#include "report/html_fields.h"

/* Completion lengths in bins of 1-2-5 steps: lengths run from empty to tens
 * of thousands of characters, and the empty ones matter most. */
static const double length_edges[] = { 0, 1, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000 };
#define N_LENGTH_BINS (sizeof(length_edges) / sizeof(length_edges[0]))

static size_t length_bin(double chars)
{
	size_t b = 0;
	while (b + 1 < N_LENGTH_BINS && chars >= length_edges[b + 1])
		b++;
	return b;
}

static void bin_label(size_t b, char *buf, size_t n)
{
	double lo = length_edges[b];
	if (b == 0) {
		snprintf(buf, n, "empty");
		return;
	}
	char a[16], z[16];
	snprintf(a, sizeof(a), lo >= 1000 ? "%.0fk" : "%.0f", lo >= 1000 ? lo / 1000 : lo);
	if (b + 1 == N_LENGTH_BINS) {
		snprintf(buf, n, "%s+", a);
		return;
	}
	double hi = length_edges[b + 1];
	snprintf(z, sizeof(z), hi >= 1000 ? "%.0fk" : "%.0f", hi >= 1000 ? hi / 1000 : hi - 1);
	snprintf(buf, n, "%s–%s", a, z);
}

void html_lengths_section(struct html_out *o, const cJSON *r)
{
	double passed[N_LENGTH_BINS] = { 0 }, failed[N_LENGTH_BINS] = { 0 }, other[N_LENGTH_BINS] = { 0 };
	size_t seen = 0, last = 0;
	bool any_pass = false, any_fail = false, any_other = false;
	const cJSON *samples = field_arr(r, "samples");
	for (const cJSON *s = samples ? samples->child : NULL; s; s = s->next) {
		double chars;
		if (!field_num(s, "chars", &chars))
			continue;
		const char *st = field_str(s, "status");
		if (st && strcmp(st, "skipped") == 0)
			continue;
		size_t b = length_bin(chars);
		seen++;
		if (b > last)
			last = b;
		if (st && strcmp(st, "passed") == 0)
			any_pass = true, passed[b]++;
		else if (field_status_failed(st))
			any_fail = true, failed[b]++;
		else
			any_other = true, other[b]++;
	}
	html_raw(o, "<section id=\"lengths\">\n<h2>Completion lengths</h2>\n");
	if (!seen) {
		html_raw(o, "<p class=\"muted\">This report records no completion lengths (samples[].chars).</p>\n</section>\n");
		return;
	}
	html_raw(o, "<p class=\"sub\">Characters (code points) of each raw completion, as the audit counts them; "
		    "scored samples that passed and that did not, apart.</p>\n");
	char labels_buf[N_LENGTH_BINS][24];
	const char *labels[N_LENGTH_BINS];
	for (size_t b = 0; b <= last; b++) {
		bin_label(b, labels_buf[b], sizeof(labels_buf[b]));
		labels[b] = labels_buf[b];
	}
	struct chart_series s[3];
	size_t ns = 0;
	if (any_pass)
		s[ns++] = (struct chart_series){ "passed", "st-passed", passed };
	if (any_fail)
		s[ns++] = (struct chart_series){ "did not pass", "st-failed", failed };
	if (any_other)
		s[ns++] = (struct chart_series){ "no verdict (not run, invalid, sandbox error)", "st-not_run", other };
	chart_columns(o, labels, NULL, last + 1, s, ns, false, "completion lengths, passed and failed apart");
	html_raw(o, "</section>\n");
}
