/* Presenting a score report: the readable table of `verdict audit` and the
 * JSON object that `verdict audit --json` prints and `POST /score` returns
 * (one schema, docs/schema.md). */
#ifndef VERDICT_REPORT_H
#define VERDICT_REPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "jail.h"
#include "input/problem.h"
#include "input/samples.h"
#include "score/score.h"

struct report_context {
	const char *source;	       /* samples file path, or "request" */
	const struct dataset *ds;      /* may be NULL */
	const struct sample_set *set;
	const struct jail_config *jail;
	const struct score_options *opts;
	bool include_programs;	       /* samples[].program */
	bool include_completions;      /* samples[].completion and .reasoning (the HTML page shows them) */
};

/* The benchmark label of the table, e.g. "HumanEval-164". */
void report_bench_label(const struct report_context *c, const struct score_report *r, char *buf, size_t n);

void report_print_table(FILE *f, const struct report_context *c, const struct score_report *r);
/* With --explain: every sample's verdict and extracted program. */
void report_print_explain(FILE *f, const struct report_context *c, const struct score_report *r);

/* New JSON object (caller frees), NULL when out of memory. */
cJSON *report_json(const struct report_context *c, const struct score_report *r);

/* Remove the long texts (completion, reasoning, program) from every record
 * of a report object's samples[]. */
void report_json_drop_texts(cJSON *report);

#endif
