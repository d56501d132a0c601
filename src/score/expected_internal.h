/* What expected.c (the canonical outputs a job carries) and
 * expected_compute.c (computing the missing ones in the jail) share. */
#ifndef VERDICT_EXPECTED_INTERNAL_H
#define VERDICT_EXPECTED_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "score/expected.h"

struct expected_task {
	const struct problem *p;
	char name[512];	  /* cache file name, relative to the cache directory */
	char *raw;	  /* the record, when there is no cache */
	char error[300];  /* computing it failed */
	double cost_ms;	  /* estimated cost of one job of this task (0: unknown) */
	bool batchable;	  /* from a dataset file: may share a run with its other tasks */
};

struct expected_set {
	struct scorer *sc;
	const char *cache_dir;
	struct expected_task *v;
	size_t n;
	uint64_t runs, cpu_ms; /* canonical runs made (atomic adds) */
};

/* {"name": name, "inputs": raw_inputs, byte for byte}, or NULL. */
cJSON *expected_split_obj(const char *name, const char *raw_inputs);

/* Compute the records the cache lacks (all of them without a cache), in
 * parallel on the scorer's workers. A task that cannot be computed gets its
 * error. Returns 0, or -1 with err when nothing could be started. */
int expected_compute_missing(struct expected_set *e, char *err, size_t errlen);

#endif
