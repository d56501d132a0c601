/* Canonical outputs for evalplus's differential testing: the expected value
 * of every base and plus input, computed by running the canonical solution
 * in the jail once per dataset and cached by the dataset's hash, with the
 * per-input times that set each input's time limit. */
#ifndef VERDICT_EXPECTED_H
#define VERDICT_EXPECTED_H

#include <cjson/cJSON.h>

#include "input/problem.h"
#include "score/profile.h"
#include "input/samples.h"
#include "score/score.h"

struct scorer;
struct expected_set;

/* Find the canonical outputs of every task scored with the evalplus
 * profile in the cache, and plan computing the others (expected_attach
 * computes a task's, or waits for the worker computing it). *out is NULL
 * when no sample needs them. Returns 0, or -1 with err. */
int expected_prepare(struct scorer *sc, const struct dataset *ds, const struct sample_set *set,
		     const struct problem **probs, const enum profile *profiles, struct expected_set **out, char *err,
		     size_t errlen);

/* Add both splits of `p` (raw inputs, expected outputs, per-input time
 * limits) and atol to an evalplus job, once they are computed. *budget_s is
 * evalplus's process budget summed over the splits; *job_bytes the size of
 * what was added. */
int expected_attach(struct expected_set *e, const struct problem *p, const char *evalplus_version, cJSON *job,
		    double *budget_s, size_t *job_bytes, char *err, size_t errlen);

/* The estimated cost of one job of `p` in milliseconds (0 when unknown):
 * the scorer starts the longest jobs first. */
double expected_cost_ms(const struct expected_set *e, const struct problem *p);

/* Read the per-split statuses of an evalplus result record into v. */
void expected_read_splits(const cJSON *result, struct sample_verdict *v);

/* The runs made to compute canonical outputs for this set, and their CPU
 * (zero when everything came from the cache; e may be NULL). */
void expected_run_totals(const struct expected_set *e, uint64_t *runs, uint64_t *cpu_ms);

/* Queue the planned computations on the scorer's workers, beside the
 * samples that need them, so that each is under way before its samples
 * ask. Queued after the samples: a full queue then refuses only these,
 * and the samples compute what they need themselves. e may be NULL. */
void expected_start(struct expected_set *e);
/* Computations not started yet will not start (a sample that needs one
 * still computes it); returns at once. e may be NULL. */
void expected_cancel(struct expected_set *e);
/* expected_cancel, then wait for the computations in flight: after it the
 * run totals are final. e may be NULL. */
void expected_stop(struct expected_set *e);

void expected_free(struct expected_set **e);

#endif
