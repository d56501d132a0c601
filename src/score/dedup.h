/* Identical samples of one scoring call: the same task, problem (the same
 * dataset row, or inline problems with the same content), profile and text
 * (completion, solution, reasoning). They would build the same job, so the
 * first of each group (its leader) runs and the others take its verdict
 * when it is final (dedup_reusable). Users score n samples per task and
 * sweeps of nearby models, where many answers are byte-identical. */
#ifndef VERDICT_DEDUP_H
#define VERDICT_DEDUP_H

#include <stdbool.h>
#include <stddef.h>

#include "input/problem.h"
#include "input/samples.h"
#include "score/profile.h"
#include "score/score.h"

/* leader[i] = the first sample identical to sample i (i itself when there
 * is none before it); samples with eligible[i] false are their own leader
 * and nobody's. Returns 0, or -1 (out of memory; leader[] is then the
 * identity). */
int dedup_leaders(const struct sample_set *set, const struct problem *const *probs, const enum profile *profiles,
		  const bool *eligible, size_t *leader);

/* A verdict another sample may take: final, not a timeout, a sandbox
 * error, an invalid input, or a re-run's (flaky) outcome. */
bool dedup_reusable(const struct sample_verdict *v);

/* Make *dst a copy of the leader's verdict (strings duplicated), marked as
 * answered by a duplicate. Returns 0, or -1 (out of memory; *dst is then a
 * sandbox error saying so). */
int dedup_copy(struct sample_verdict *dst, const struct sample_verdict *leader);

#endif
