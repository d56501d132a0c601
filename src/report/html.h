/* Self-contained HTML pages of reports (`verdict audit --html`, `verdict
 * report --html`): one file with inline CSS, SVG and a little script, no
 * network needed to view it, every string from the report escaped
 * (html_out.h). The page is rendered from the report's JSON object
 * (docs/schema.md), so a page of a saved report and a page written by the
 * audit itself are the same page. */
#ifndef VERDICT_HTML_H
#define VERDICT_HTML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "report/html_out.h"

/* Write the audit page of `report` to `path` ("-": stdout). Returns 0, or
 * -1 with err (nothing is left at `path` then). */
int html_audit_write(const char *path, const cJSON *report, char *err, size_t errlen);

struct comparison;
/* The comparison page of `verdict compare --html` (html_compare.c): the
 * sweep table with its intervals drawn, the flips as a grid of tasks x
 * runs, and each flipped cell's two programs side by side. Returns 0, or
 * -1 with err (nothing is left at `path` then). */
int html_compare_write(const char *path, const struct comparison *c, char *err, size_t errlen);
int html_compare_page(struct html_out *o, const struct comparison *c);

/* The same page written to `o`; -1 when the page's assets are missing. */
int html_audit_page(struct html_out *o, const cJSON *report);

/* The sections, for pages that combine them. */
void html_audit_sections(struct html_out *o, const cJSON *report);
void html_samples_section(struct html_out *o, const cJSON *report);
void html_lengths_section(struct html_out *o, const cJSON *report);
/* LiveCodeBench's pass@1 by difficulty, platform and month, when present. */
void html_groups_section(struct html_out *o, const cJSON *report);
/* The `harness` block (docs/schema.md), when the report has one. */
void html_harness_section(struct html_out *o, const cJSON *report);

#endif
