/* What expected.c (the canonical outputs a job carries) and
 * expected_compute.c (computing the missing ones in the jail) share. */
#ifndef VERDICT_EXPECTED_INTERNAL_H
#define VERDICT_EXPECTED_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "score/expected.h"
#include "score/scheduler.h"

struct expected_task {
	const struct problem *p;
	char name[512];	  /* cache file name, relative to the cache directory */
	char *raw;	  /* the record, when there is no cache */
	char error[300];  /* computing it failed */
	double cost_ms;	  /* estimated cost of one job of this task (0: unknown) */
	bool batchable;	  /* from a dataset file: may share a run with its other tasks */
	long run;	  /* its index in expected_set.runs, or -1: nothing to compute */
};

/* Where a run of canonical computations stands. A run is claimed once, by
 * the first worker that reaches it: its own item in the set's batch, or a
 * sample that needs one of its tasks. */
enum compute_state { COMPUTE_TODO, COMPUTE_RUNNING, COMPUTE_DONE };

/* The tasks of one run: a range of expected_set.todo, indexes into v. */
struct compute_run {
	size_t first, n;
	enum compute_state state;
};

struct expected_set {
	struct scorer *sc;
	const char *cache_dir;
	struct expected_task *v;
	size_t n;
	uint64_t runs, cpu_ms; /* canonical runs made (atomic adds) */
	/* What the cache lacked, planned in runs (expected_plan_missing). */
	size_t *todo;
	struct compute_run *compute;
	size_t n_compute;
	pthread_mutex_t mu; /* guards compute[].state */
	pthread_cond_t computed;
	struct batch batch; /* one item per run, when `started` */
	bool started;
};

/* {"name": name, "inputs": raw_inputs, byte for byte}, or NULL. */
cJSON *expected_split_obj(const char *name, const char *raw_inputs);

/* Plan the records the cache lacks (all of them without a cache) in runs
 * (expected_start queues them). Returns 0, or -1 with err (out of memory). */
int expected_compute_plan(struct expected_set *e, char *err, size_t errlen);

/* Return once the record of task t is there (or its error is): computed by
 * this thread if nobody has started its run, else waited for, computing
 * other runs nobody has started meanwhile. */
void expected_compute_ensure(struct expected_set *e, struct expected_task *t);

#endif
