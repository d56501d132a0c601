/* Samples files: what a model answered, in the formats harnesses write.
 * Formats are detected from fields (overridable): lm-eval `samples_*.jsonl`,
 * evalplus samples (`solution` or `completion`), evalplus
 * `eval_results.json`, plain JSONL `{task_id, completion}`, and LiveCodeBench
 * outputs. A bad line becomes an entry in `errors` with its line number; the
 * other lines are still read. */
#ifndef VERDICT_SAMPLES_H
#define VERDICT_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>

#include "input/problem.h"

enum samples_format {
	SAMPLES_AUTO,
	SAMPLES_LM_EVAL,	  /* lm-eval --log_samples */
	SAMPLES_EVALPLUS,	  /* {task_id, solution | completion} */
	SAMPLES_EVALPLUS_RESULTS, /* evalplus eval_results.json */
	SAMPLES_PLAIN,		  /* {task_id, completion} */
	SAMPLES_LCB,		  /* LiveCodeBench official output (JSON array) or JSONL */
};

const char *samples_format_name(enum samples_format f);
int samples_format_parse(const char *s, enum samples_format *out);

struct sample {
	char *task_id;
	size_t index; /* sample number within its task, 0-based */
	size_t line;  /* source line, 1-based (0 when not from a file) */
	char *completion; /* raw model output, or NULL when `solution` is given */
	char *solution;	  /* a full program (evalplus `solution`, LCB `code_list`) */
	char *reasoning;  /* vLLM reasoning_content, optional */
	struct problem *problem; /* inline problem (lm-eval doc, HTTP), owned; NULL = from the dataset */
	/* What the harness that wrote the file decided, when it says. */
	int ref_passed;	     /* -1 unknown, 0, 1 */
	char *ref_program;   /* lm-eval filtered_resps: the exact program it ran */
	char *ref_base;	     /* evalplus base_status */
	char *ref_plus;	     /* evalplus plus_status */
	char *ref_metadata;  /* LCB metadata JSON text */
};

struct samples_error {
	size_t line;
	char *message;
};

struct sample_set {
	enum samples_format format;
	struct sample *v;
	size_t n;
	struct samples_error *errors;
	size_t n_errors;
	char *evalplus_hash; /* dataset md5 recorded by evalplus, if any */
};

/* Read a samples file. Returns 0 (even with per-line errors, which are in
 * set->errors), or -1 when the file cannot be read at all. */
int samples_load(const char *path, enum samples_format fmt, struct sample_set *set, char *err, size_t errlen);

/* Append one sample (copies the strings). Returns 0 or -1 (out of memory). */
int samples_add(struct sample_set *set, const struct sample *s);
int samples_add_error(struct sample_set *set, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Number the samples of each task 0, 1, 2 ... in set order (samples_load
 * does it; callers building a set by hand call it once at the end).
 * Returns 0 or -1 (out of memory). */
int samples_number(struct sample_set *set);

void samples_free(struct sample_set *set);

#endif
