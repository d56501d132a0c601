/* The scoring call shared by `verdict audit` and `POST /score`: samples and
 * problems in, one verdict per sample, pass@k and audits out. Data flows one
 * way: sample -> reasoning removal -> extraction -> job -> jail -> verdict ->
 * pass@k -> report. */
#ifndef VERDICT_SCORE_H
#define VERDICT_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "score/audit.h"
#include "score/harness.h"
#include "jail.h"
#include "input/problem.h"
#include "score/profile.h"
#include "input/samples.h"
#include "score/verdict.h"

#define SCORE_MAX_K 8

struct scorer; /* process-wide: jail config, workers, runner files, caches */

struct scorer_options {
	const struct jail_config *jail; /* borrowed; outlives the scorer */
	int workers;			/* parallel programs (default: cores) */
	size_t max_queued;		/* bound on queued samples (HTTP 503 past it) */
	const char *cache_dir;		/* canonical outputs and calibrations; NULL = no cache */
	bool no_pool;			/* one fresh interpreter per program instead of the warm pool */
};

int scorer_create(const struct scorer_options *o, struct scorer **out, char *err, size_t errlen);
void scorer_destroy(struct scorer **s);
struct scheduler *scorer_scheduler(struct scorer *s);
/* Warm-pool counters (all zero when the pool is off). */
struct jail_pool_stats;
void scorer_pool_stats(struct scorer *s, struct jail_pool_stats *out);
bool scorer_uses_pool(const struct scorer *s);
const struct jail_config *scorer_jail(const struct scorer *s);

/* What the scorer's jailed programs cost since it started, over every
 * caller: the runs it made and their CPU (measured where each run's
 * processes are reaped, inside the jail, and carried back), and the samples
 * answered without a run. */
struct scorer_stats {
	uint64_t runs;		 /* jailed runs made (samples, re-runs, canonical outputs, canaries) */
	uint64_t program_cpu_ms; /* their CPU, user + system */
	uint64_t from_cache;	 /* samples answered from the run cache */
	uint64_t duplicates;	 /* samples answered by an identical sample of the same call */
};
void scorer_stats(struct scorer *s, struct scorer_stats *out);

struct score_options {
	enum benchmark bench;
	enum profile profile;	    /* default PROFILE_VERDICT; PROFILE_AUTO: the faithful one for the input */
	bool strip_reasoning;	    /* remove <think>, harmony analysis, Gemma thoughts (default on) */
	bool use_reasoning_content; /* take code from reasoning_content when the answer has none (default on) */
	/* The harness verdict beside each sample (harness.h): the faithful
	 * profile `harness` (PROFILE_AUTO: the one that fits the input) on the
	 * raw completion, unless no_harness. Under a faithful profile it is the
	 * same profile without reasoning handling. compare_harness false is
	 * no_harness (the older option's name). harness_rerun_all: run the
	 * faithful job for every sample, even where this run's verdict is
	 * provably its verdict (a check of that shortcut). */
	enum profile harness;
	bool no_harness;
	bool compare_harness;
	bool harness_rerun_all;
	bool forgery_check;	    /* forged answers fail (verdict_forgery.py; default on) */
	uint32_t timeout_ms;	    /* CPU per program (0: profile default: 3000; LCB 6000 per test) */
	double wall_factor;	    /* wall cap = factor x CPU limit (default 3) */
	uint64_t memory_bytes;	    /* 0: the jail default */
	size_t ks[SCORE_MAX_K];
	size_t n_ks; /* default {1} */
	bool exec;   /* false: audits only, nothing runs */
	bool keep_programs;
	bool public_only; /* LCB: public tests only (reported as such) */
	bool rerun_timeouts; /* re-run once a sample the wall-clock cap ended while starved of CPU (default on) */
	bool rerun_alone;    /* ... with nothing else running (CLI default; a server re-runs in place) */
	bool skip_unknown;   /* samples of tasks not in the dataset are skipped (counted), not invalid */
	/* Never run the same thing twice (default on): identical samples of one
	 * call run once, and a final verdict is kept in the run cache (the
	 * scorer's cache directory) for later calls. Off: every sample runs. */
	bool dedup;
	const char *evalplus_version; /* "master" (default: HumanEval/32 fixed) or "0.3.1" */
	/* LCB contamination windows on contest_date (inclusive, "YYYY-MM-DD"), or NULL. */
	const char *since;
	const char *until;
	/* Called by workers after each sample (serialised by the scorer). */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
};

void score_options_default(struct score_options *o);

struct sample_verdict {
	enum sample_status status;
	bool passed;
	bool harness_passed; /* the harness verdict beside (harness.passed), or passed when there is none */
	struct harness_verdict harness;
	char *notes;	     /* verdict profile: the extraction's choices, a JSON array of strings (owned) */
	unsigned flags;	     /* enum verdict_flag bits */
	enum profile profile;
	char path[48];	     /* extraction path */
	uint64_t wall_ms, cpu_ms, peak_rss_kb;
	uint32_t cpu_limit_ms, wall_limit_ms;
	bool timeout_wall; /* the wall-clock cap, not a CPU limit, ended the run */
	struct jail_sched sched; /* then: starved by the machine, or waiting by itself */
	char rerun_reason[200]; /* then: whether the sample was run again, and why */
	char detail[400];    /* bounded: exception type and message, line, ... */
	char *program;	     /* extracted program when keep_programs */
	/* evalplus: statuses of the base and plus tests */
	bool has_splits;
	enum sample_status base, plus;
	/* LCB: the official error code (0 pass, -2 wrong, -3 time, -4 runtime) and metadata */
	int lcb_error_code;
	char *lcb_metadata; /* JSON text */
	/* Agreement with the harness verdict recorded in the samples file. */
	int ref_agrees; /* -1 unknown, 0, 1 */
	enum sample_reuse reused; /* answered without a run of its own */
	bool skipped;	/* filtered out (LCB date window): no verdict, not counted */
};

struct passk_value {
	size_t k;
	double value;		  /* mean over computable tasks */
	size_t tasks_computable;  /* tasks with at least k samples */
	size_t tasks_total;
};

struct task_summary {
	const char *task_id; /* borrowed from the samples */
	const struct problem *problem; /* borrowed; NULL when invalid */
	size_t n, passed, scored;
	double pass_at_1;
};

/* pass@1 over the tasks of one group (LCB: by difficulty, by platform). */
struct group_summary {
	char dimension[16]; /* "difficulty" or "platform" */
	char value[32];
	size_t n_tasks;
	double pass_sum; /* sum of per-task pass@1; mean = pass_sum / n_tasks */
};

/* The harness block of a report: the faithful profile's pass@k over the
 * same samples, and the samples whose verdicts differ, by cause. */
struct harness_cause_count {
	enum harness_cause cause;
	char label[64];
	size_t n;
};

struct harness_summary {
	bool on;
	enum profile profile;
	struct passk_value passk[SCORE_MAX_K];
	size_t n_passk;
	size_t passed, scored;	/* samples the harness passes, of those scored */
	size_t ran;		/* faithful jobs run (the others were this run's) */
	size_t differ;		/* samples whose two verdicts differ */
	struct harness_cause_count *causes; /* by count, then label */
	size_t n_causes;
};

struct score_report {
	enum benchmark bench;
	enum profile profile;
	enum jail_level level;
	struct sample_verdict *v; /* one per sample, in sample order */
	size_t n;
	size_t counts[ST_COUNT];
	struct passk_value passk[SCORE_MAX_K];
	size_t n_passk;
	struct task_summary *tasks;
	size_t n_tasks;
	struct group_summary *groups;
	size_t n_groups;
	struct audit audit;
	struct harness_summary harness;
	size_t reasoning_changed; /* verdicts that differ from the harness's by reasoning handling */
	size_t flaky;
	size_t forged; /* samples failed for a forged answer (VF_FORGED_RESULT) */
	size_t ref_known, ref_agree; /* agreement with recorded harness verdicts */
	size_t skipped;		     /* samples outside the date window or of unknown tasks (skip_unknown) */
	bool complete;		     /* no sandbox_error and nothing invalid */
	bool per_input_limits;	     /* evalplus's tests ran: limits per input from the canonical times */
	bool executed;
	/* calibration: tasks no solution can pass under this profile and limits */
	char **unpassable;
	size_t n_unpassable;
	bool calibrated;
	double pass_at_1_excl_unpassable;
	uint32_t cpu_limit_ms, wall_limit_ms;
	uint64_t memory_bytes;
	/* What this call cost: its jailed runs (samples, harness comparisons,
	 * re-runs, canonical outputs) and their CPU; samples answered without
	 * a run. */
	uint64_t runs;
	uint64_t program_cpu_ms;
	size_t from_cache, duplicates;
	bool dedup; /* the option in force */
};

/* Score every sample of `set` (problems from the samples themselves or from
 * `ds`, which may be NULL). `sc` may be NULL when o->exec is false (audits
 * only). Always fills `out` for every sample (invalid
 * input becomes ST_INVALID with the reason); returns 0, or -1 with err for a
 * failure that prevented scoring at all (-EBUSY style overload: err says so
 * and *busy is set). */
int score_samples(struct scorer *sc, const struct score_options *o, const struct dataset *ds,
		  const struct sample_set *set, struct score_report *out, bool *busy, char *err, size_t errlen);

/* The same in steps, for a caller that must watch something else while the
 * samples run (the HTTP server watches its client's socket):
 * score_start queues the work (or fails with *busy when the queue is full);
 * score_wait returns true once every sample has run, false after
 * timeout_ms (-1: no timeout); score_cancel drops the samples not started
 * (they become sandbox_error "cancelled"); score_finish waits for the rest,
 * re-runs timeouts, fills the summary and frees the job. Every started job
 * must be finished. */
struct score_job;
int score_start(struct scorer *sc, const struct score_options *o, const struct dataset *ds,
		const struct sample_set *set, struct score_report *out, struct score_job **job, bool *busy, char *err,
		size_t errlen);
bool score_wait(struct score_job *job, int timeout_ms);
void score_cancel(struct score_job *job);
void score_finish(struct score_job **job);

void score_report_free(struct score_report *r);

#endif
