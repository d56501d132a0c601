/* `verdict compare`: runs on the same problems compared with paired
 * statistics. Plan, then render: compare_build() turns the runs into a
 * `struct comparison` (every figure decided: tasks shared, pass@k with
 * intervals, the paired difference with its bootstrap interval, McNemar's
 * exact test or the paired permutation test, the flips with both statuses,
 * the equivalence test, Holm's adjustment); the renderers (text, Markdown,
 * JSON; HTML later) only print it. docs/schema.md describes the JSON. */
#ifndef VERDICT_COMPARE_H
#define VERDICT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "base/stats.h"
#include "input/saved_report.h"
#include "report/plus_drop.h"
#include "score/score.h"

/* ------------------------------------------------------------ one run */

struct compare_status_count {
	const char *status; /* borrowed from the run's report */
	size_t n;
};

/* One task of a run: its scored samples. */
struct compare_task {
	const char *task_id; /* borrowed from the run's report */
	size_t n, passed;    /* scored samples, of which passed */
	size_t base_passed;  /* of them, passed HumanEval+'s base tests alone */
	struct compare_status_count *statuses; /* most frequent first, then by name; owned */
	size_t n_statuses;
};

struct compare_run {
	char *name;	  /* NAME= as given, or from the file name; owned */
	char *source;	  /* the file; owned */
	bool from_report; /* a saved report (nothing re-run); false: a samples file scored now */
	struct saved_report rep;    /* owned */
	struct compare_task *tasks; /* tasks with a scored sample, sorted by id; owned */
	size_t n_tasks;
	/* Samples that are not counted: verdict's own errors, bad input, not run. */
	size_t sandbox_errors, invalid, not_run;
	bool has_base; /* some sample carries base_status (HumanEval+) */
};

/* Group a report's records by task. Takes over *rep (also on error).
 * Returns 0, or -1 with err. */
int compare_run_init(struct compare_run *r, const char *name, const char *source, bool from_report,
		     struct saved_report *rep, char *err, size_t errlen);
/* The run's status summary of one task: "timeout" for one sample, "passed
 * 7, failed 3" for several. Returns buf. */
const char *compare_task_statuses(const struct compare_task *t, char *buf, size_t n);
void compare_run_free(struct compare_run *r);

/* ------------------------------------------------------------ the comparison */

struct compare_options {
	const char *baseline; /* a run's name; NULL: the first run */
	uint64_t seed;	      /* of every resampling */
	size_t resamples;     /* bootstrap resamples (default 10000) */
	size_t mc_draws;      /* permutation test, when not exact: sign flips drawn (default 100000) */
	double margin;	      /* equivalence margin as a fraction (0.01 = 1 pp); 0: no equivalence test */
	size_t ks[SCORE_MAX_K];
	size_t n_ks; /* default {1} */
};

void compare_options_default(struct compare_options *o);

enum compare_interval_method {
	COMPARE_CI_WILSON,    /* one sample per task */
	COMPARE_CI_BOOTSTRAP, /* several: percentile bootstrap over tasks */
};

enum compare_test_method {
	COMPARE_TEST_MCNEMAR_EXACT,		/* one sample per task in both runs */
	COMPARE_TEST_PERMUTATION_EXACT,		/* several: paired sign flips, counted exactly */
	COMPARE_TEST_PERMUTATION_MONTE_CARLO,	/* several, too many for the exact count */
};

const char *compare_interval_method_name(enum compare_interval_method m);
const char *compare_test_method_name(enum compare_test_method m);

struct compare_passk {
	size_t k;
	size_t tasks; /* shared tasks with at least k samples; 0: not computable */
	double value;
	struct stats_interval ci;
	enum compare_interval_method method;
};

/* A task whose pass rate differs between the baseline (a) and the run (b). */
struct compare_flip {
	const struct compare_task *a, *b; /* borrowed from the runs */
};

struct compare_equivalence {
	double margin;
	struct stats_interval ci90; /* the paired bootstrap's 90% interval */
	double p;		    /* two one-sided tests: max(P*(d <= -margin), P*(d >= margin)) */
	double p_holm;		    /* when the comparison is Holm-adjusted, else = p */
	bool equivalent;	    /* p_holm < 0.05: equivalent within +-margin at 95% */
};

struct compare_row {
	const struct compare_run *run; /* borrowed */
	bool baseline;
	bool incomplete;	       /* sandbox errors, invalid or unread samples, or the report says so */
	size_t samples;		       /* scored samples over the shared tasks */
	size_t samples_min, samples_max; /* per shared task */
	struct compare_passk passk[SCORE_MAX_K];
	size_t n_passk;
	struct plus_drop plus; /* over the shared tasks */
	const char **missing;  /* tasks other runs have and this one lacks; owned array, borrowed ids */
	size_t n_missing;
	/* Against the baseline; zero in the baseline's own row. */
	double delta; /* mean over shared tasks of (this run's pass rate - the baseline's) */
	struct stats_interval delta_ci;
	enum compare_test_method test;
	double p, p_holm; /* p_holm = p unless the comparison is Holm-adjusted */
	struct compare_flip *worse, *better; /* owned arrays, in task order */
	size_t n_worse, n_better;
	bool has_equivalence;
	struct compare_equivalence eq;
};

struct comparison {
	const char *benchmark;	 /* borrowed from the baseline's report */
	const char *bench_label; /* or NULL */
	struct compare_row *rows; /* one per run, in the order given; owned */
	size_t n_rows;
	size_t baseline;
	const char **shared; /* task ids every run scored, sorted; owned array, borrowed ids */
	size_t n_shared;
	size_t n_union; /* tasks any run scored */
	bool holm;	/* more than one comparison: p-values Holm-adjusted */
	bool profiles_differ, datasets_differ;
	struct compare_options opts;
};

/* Build the comparison of runs[0..n) (n >= 2; the runs must outlive it).
 * Returns 0, or -1 with err: runs of different benchmarks, an unknown
 * baseline, a report that was never executed, no task shared by all. */
int compare_build(const struct compare_run *runs, size_t n, const struct compare_options *o, struct comparison *out,
		  char *err, size_t errlen);
void comparison_free(struct comparison *c);

/* The renderers (compare_text.c, compare_json.c). */
void compare_print_text(FILE *f, const struct comparison *c);
void compare_print_markdown(FILE *f, const struct comparison *c);
/* New object (caller frees), NULL when out of memory. */
cJSON *compare_json(const struct comparison *c);

#endif
