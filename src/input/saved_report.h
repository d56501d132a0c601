/* A report read back: the JSON object `verdict audit --json` prints and
 * `POST /score` returns (docs/schema.md), saved to a file. Only what a
 * comparison needs is taken out (the benchmark, the summary's flags and
 * every sample's task, status and pass); the whole parsed object stays
 * available in `json` for a reader that wants more. Fields this reader does
 * not know are ignored, so newer reports still load. */
#ifndef VERDICT_SAVED_REPORT_H
#define VERDICT_SAVED_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* One record of `samples[]`. The strings are borrowed from `json`. */
struct saved_sample {
	const char *task_id;
	const char *status; /* "passed", "failed", "timeout", ..., "skipped", "not_run" */
	bool passed;
	const char *base_status; /* HumanEval+: the base tests alone, or NULL */
	const char *plus_status; /* HumanEval+: the plus tests, or NULL */
	const cJSON *record;	 /* the whole record (detail, program, ...), borrowed from json */
};

struct saved_report {
	cJSON *json;		   /* the whole object, owned */
	const char *benchmark;	   /* "humaneval", "humaneval_plus", "livecodebench" */
	const char *bench_label;   /* "HumanEval-164", or NULL */
	const char *profile;	   /* or NULL */
	const char *dataset_sha256; /* or NULL */
	bool executed;		   /* false for `audit --no-exec`: there are no verdicts */
	bool complete;		   /* summary.complete */
	size_t skipped_lines;	   /* summary.skipped_lines */
	struct saved_sample *v;	   /* owned array; strings borrowed from json */
	size_t n;
};

/* True when a sample with this status counts in pass@k (everything but
 * sandbox_error, invalid, skipped and not_run). */
bool saved_sample_scored(const struct saved_sample *s);

/* Read the report in `path` (.gz too). Returns 1 with *out filled, 0 when
 * the file is JSON but not a verdict report (no `verdict_version` and
 * `samples`: a samples file, say; *out untouched), or -1 with err naming the
 * file and the field when it cannot be read or is a malformed report. */
int saved_report_load(const char *path, struct saved_report *out, char *err, size_t errlen);

/* The same from a parsed object, which is taken over (*root becomes NULL,
 * freed on error too). `source` names it in messages. Returns 0 or -1. */
int saved_report_from_json(cJSON **root, const char *source, struct saved_report *out, char *err, size_t errlen);

void saved_report_free(struct saved_report *r);

#endif
