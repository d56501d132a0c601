/* The dataset self-check: run every canonical solution under the chosen
 * profile and limits and list the tasks no solution can pass here (a test
 * that rejects its own canonical solution, or one needing more CPU than the
 * limit). Cached per (problem set, profile, limits); every audit of the same
 * problems then names those tasks and reports the score with and without
 * them. */
#ifndef VERDICT_CALIBRATE_H
#define VERDICT_CALIBRATE_H

#include <stdbool.h>

#include "input/problem.h"
#include "input/samples.h"
#include "score/score.h"

struct calibration {
	char key[65];
	size_t n_tasks;
	char **unpassable; /* task ids */
	size_t n_unpassable;
	char **details; /* one per unpassable task: status and why */
	bool cached;	/* read from the cache rather than computed */
	bool not_applicable; /* LiveCodeBench: no canonical solutions */
	bool incomplete;     /* the run had sandbox errors: not cached */
};

/* Compute (or read from the cache) the calibration of the problems of `ds`,
 * or of the problems the samples carry when ds is NULL. With refresh, the
 * cache is not read (but is written). Returns 0, or -1 (with
 * compute_if_missing false: -1 when nothing is cached). */
int calibrate_run(struct scorer *sc, const struct score_options *so, const struct dataset *ds,
		  const struct sample_set *set, bool compute_if_missing, bool refresh, struct calibration *out,
		  char *err, size_t errlen);
void calibration_free(struct calibration *c);

/* Attach the calibration (from the cache; computed first when
 * compute_if_missing) to a report. Failures leave rep->calibrated false. */
void calibrate_apply(struct scorer *sc, const struct score_options *so, const struct dataset *ds,
		     const struct sample_set *set, struct score_report *rep, bool compute_if_missing);

#endif
