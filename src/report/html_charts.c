/* Inline SVG charts (see html_charts.h). Coordinates are in a fixed
 * viewBox; the stylesheet scales the <svg> to the page's width. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/html_charts.h"
#include "report/html_fields.h"

void chart_stacked_bar(struct html_out *o, const struct chart_segment *seg, size_t n, const char *label)
{
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += seg[i].count > 0 ? seg[i].count : 0;
	if (total <= 0)
		return;
	html_raw(o, "<svg class=\"stacked\" viewBox=\"0 0 1000 34\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"");
	html_attr(o, label);
	html_raw(o, "\">\n");
	double x = 0;
	for (size_t i = 0; i < n; i++) {
		if (seg[i].count <= 0)
			continue;
		double w = 1000.0 * seg[i].count / total;
		html_fmt(o, "<rect class=\"seg %s\" x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"34\"><title>",
			 field_status_class(seg[i].status), x, w);
		html_attr(o, seg[i].status);
		html_fmt(o, ": %.0f (", seg[i].count);
		html_percent(o, seg[i].count, total);
		html_raw(o, ")</title></rect>\n");
		x += w;
	}
	html_raw(o, "</svg>\n");
}

/* The smallest of 1, 2, 5 x 10^k at or above v / 4: four or five grid lines. */
static double nice_step(double max)
{
	if (max <= 4)
		return 1;
	double raw = max / 4, p = pow(10, floor(log10(raw)));
	for (int i = 0; i < 3; i++) {
		double m = (double[]){ 1, 2, 5 }[i] * p;
		if (m >= raw)
			return m;
	}
	return 10 * p;
}

void chart_columns(struct html_out *o, const char *const *labels, const char *const *notes, size_t n_bins,
		   const struct chart_series *s, size_t n_series, bool ratio, const char *label)
{
	if (n_bins == 0 || n_series == 0)
		return;
	const double W = 1000, H = 240, left = 44, right = 8, top = 18;
	/* Many bins get slanted labels, which need more room below. */
	bool slant = n_bins > 14;
	double bottom = slant ? 58 : 34;
	double max = ratio ? 1 : 0;
	for (size_t b = 0; b < n_bins; b++)
		for (size_t k = 0; k < n_series; k++)
			if (!ratio && s[k].values[b] > max)
				max = s[k].values[b];
	double step = ratio ? 0.25 : nice_step(max);
	double top_value = ratio ? 1 : ceil(max / step) * step;
	if (top_value <= 0)
		top_value = 1;
	double plot_h = H - top - bottom, plot_w = W - left - right;
	html_fmt(o, "<svg class=\"columns\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, H);
	html_attr(o, label);
	html_raw(o, "\">\n");
	for (double v = 0; v <= top_value + 1e-9; v += step) {
		double y = top + plot_h * (1 - v / top_value);
		html_fmt(o, "<line class=\"%s\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>", v == 0 ? "axis" : "grid",
			 left, W - right, y, y);
		html_fmt(o, ratio ? "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n"
				  : "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
			 left - 6, y + 4, v);
	}
	double slot = plot_w / (double)n_bins, gap = slot * 0.18;
	/* Few bins: columns of a readable width, centred in their slot. */
	double bar_w = (slot - gap) / (double)n_series;
	if (bar_w > 64)
		bar_w = 64;
	for (size_t b = 0; b < n_bins; b++) {
		double x0 = left + slot * ((double)b + 0.5) - bar_w * (double)n_series / 2;
		for (size_t k = 0; k < n_series; k++) {
			double v = s[k].values[b] > 0 ? s[k].values[b] : 0;
			double h = plot_h * v / top_value;
			double x = x0 + bar_w * (double)k, y = top + plot_h - h;
			html_fmt(o, "<rect class=\"bar %s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"><title>",
				 s[k].cls, x, y, bar_w > 1.5 ? bar_w - 1 : bar_w, h);
			html_attr(o, s[k].name);
			html_raw(o, ", ");
			html_attr(o, labels[b]);
			html_fmt(o, ratio ? ": %.4f" : ": %.0f", v);
			if (notes && notes[b]) {
				html_raw(o, " (");
				html_attr(o, notes[b]);
				html_raw(o, ")");
			}
			html_raw(o, "</title></rect>");
			/* The value over its column, where there is room for it. */
			if (v > 0 && bar_w >= 14)
				html_fmt(o, ratio ? "<text class=\"val\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%.2f</text>"
						  : "<text class=\"val\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%.0f</text>",
					 x + bar_w / 2, y - 4, v);
			html_raw(o, "\n");
		}
		double cx = left + slot * ((double)b + 0.5), ly = H - bottom + 16;
		if (slant)
			html_fmt(o, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\" transform=\"rotate(-40 %.2f %.2f)\">", cx + 4,
				 ly, cx + 4, ly);
		else
			html_fmt(o, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", cx, ly);
		html_attr(o, labels[b]);
		html_raw(o, "</text>\n");
	}
	html_raw(o, "</svg>\n");
	if (n_series > 1) {
		html_raw(o, "<ul class=\"legend\">");
		for (size_t k = 0; k < n_series; k++) {
			html_fmt(o, "<li class=\"%s\"><span class=\"sw\"></span>", s[k].cls);
			html_text(o, s[k].name);
			html_raw(o, "</li>");
		}
		html_raw(o, "</ul>\n");
	}
}

void chart_meter(struct html_out *o, double value, double lo, double hi, const char *cls)
{
	const double W = 220, H = 14;
	if (!(value >= 0))
		value = 0;
	if (value > 1)
		value = 1;
	html_fmt(o, "<svg class=\"meter %s\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" aria-hidden=\"true\">",
		 cls, W, H, W, H);
	html_fmt(o, "<rect class=\"track\" x=\"0\" y=\"2\" width=\"%.0f\" height=\"10\" rx=\"3\"/>", W);
	html_fmt(o, "<rect class=\"bar\" x=\"0\" y=\"2\" width=\"%.2f\" height=\"10\" rx=\"3\"/>", W * value);
	if (lo <= hi && lo >= 0 && hi <= 1)
		html_fmt(o,
			 "<line class=\"ci\" x1=\"%.2f\" x2=\"%.2f\" y1=\"7\" y2=\"7\"/>"
			 "<line class=\"ci\" x1=\"%.2f\" x2=\"%.2f\" y1=\"2\" y2=\"12\"/>"
			 "<line class=\"ci\" x1=\"%.2f\" x2=\"%.2f\" y1=\"2\" y2=\"12\"/>",
			 W * lo, W * hi, W * lo, W * lo, W * hi, W * hi);
	html_raw(o, "</svg>");
}

void chart_delta(struct html_out *o, double delta, double lo, double hi, double scale)
{
	const double W = 220, H = 14, mid = W / 2;
	if (!(scale > 0))
		scale = 1;
	double x = mid + mid * fmax(-1, fmin(1, delta / scale));
	double xl = mid + mid * fmax(-1, fmin(1, lo / scale)), xh = mid + mid * fmax(-1, fmin(1, hi / scale));
	html_fmt(o, "<svg class=\"meter delta %s\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" aria-hidden=\"true\">",
		 lo > 0 ? "st-passed" : hi < 0 ? "st-failed" : "st-not_run", W, H, W, H);
	html_fmt(o, "<rect class=\"track\" x=\"0\" y=\"2\" width=\"%.0f\" height=\"10\" rx=\"3\"/>", W);
	html_fmt(o, "<rect class=\"bar\" x=\"%.2f\" y=\"2\" width=\"%.2f\" height=\"10\"/>", fmin(x, mid), fabs(x - mid));
	html_fmt(o, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"14\"/>", mid, mid);
	html_fmt(o,
		 "<line class=\"ci\" x1=\"%.2f\" x2=\"%.2f\" y1=\"7\" y2=\"7\"/>"
		 "<line class=\"ci\" x1=\"%.2f\" x2=\"%.2f\" y1=\"2\" y2=\"12\"/>"
		 "<line class=\"ci\" x1=\"%.2f\" x2=\"%.2f\" y1=\"2\" y2=\"12\"/>",
		 xl, xh, xl, xl, xh, xh);
	html_raw(o, "</svg>");
}
