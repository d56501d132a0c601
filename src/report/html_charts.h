/* Inline SVG charts for the report pages: no script draws them, so they
 * show the same with JavaScript off; colours come from the stylesheet's
 * status classes (no style attribute, which the page's policy refuses). */
#ifndef VERDICT_HTML_CHARTS_H
#define VERDICT_HTML_CHARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "report/html_out.h"

/* One segment of a stacked bar. `status` is a name of html_fields'
 * list (its class colours the segment) or any text (class st-other). */
struct chart_segment {
	const char *status;
	double count;
};

/* A 100%-wide bar of segments in proportion to their counts, each with a
 * tooltip "status: count (p%)". Nothing when the total is 0. */
void chart_stacked_bar(struct html_out *o, const struct chart_segment *seg, size_t n, const char *label);

struct chart_series {
	const char *name; /* legend and tooltips (ours, or escaped) */
	const char *cls;  /* a status class, e.g. "st-passed" (ours) */
	const double *values; /* one per bin */
};

/* Columns over bins, the series of a bin side by side; `labels` (escaped)
 * under each bin. ratio: the y axis runs 0..1 and values print as 0.xx;
 * otherwise it is a count from 0 to the largest value. `notes` (optional,
 * escaped) are added to each bin's tooltips, e.g. "12 tasks". */
void chart_columns(struct html_out *o, const char *const *labels, const char *const *notes, size_t n_bins,
		   const struct chart_series *s, size_t n_series, bool ratio, const char *label);

/* A small horizontal meter of a value in 0..1 with an optional interval
 * [lo, hi] drawn as a whisker (lo > hi: none). */
void chart_meter(struct html_out *o, double value, double lo, double hi, const char *cls);

/* A difference around 0 (the comparison's delta): a bar from the centre to
 * `delta`, its interval [lo, hi] as a whisker, both on a scale where
 * +-`scale` reaches the ends; green when the interval lies above 0, red
 * below, grey across it. */
void chart_delta(struct html_out *o, double delta, double lo, double hi, double scale);

#endif
