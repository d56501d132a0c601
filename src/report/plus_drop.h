/* Inside one HumanEval+ run: pass@1 on the base tests alone beside pass@1
 * on base + plus, the drop in points, and the tasks that pass base and fail
 * plus. Model cards read the drop as a memorization signal (near 0 on a
 * strong model is suspicious; a few points is the usual band). Computed
 * from the runs' verdicts: the base split's status of each sample. */
#ifndef VERDICT_PLUS_DROP_H
#define VERDICT_PLUS_DROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "input/samples.h"
#include "score/score.h"

/* One task's scored samples: how many, how many passed base + plus, how
 * many passed the base tests alone. */
struct plus_task {
	const char *task_id; /* borrowed */
	size_t n, passed, base_passed;
};

struct plus_drop {
	bool available;	     /* the run carries base statuses (HumanEval+ with base/plus splits) */
	size_t tasks;	     /* tasks with a scored sample */
	size_t samples;	     /* scored samples */
	size_t base_passed;  /* samples that passed the base tests */
	size_t both_passed;  /* samples that passed base + plus */
	double base_only;    /* pass@1 on the base tests alone (mean over tasks) */
	double base_plus;    /* pass@1 on base + plus */
	const char **dropped; /* tasks whose base pass rate exceeds the base + plus one (one sample:
				 passes base, fails plus), in natural order; owned array, borrowed ids */
	size_t n_dropped;
};

/* From tasks already counted (sorted as the caller wants them listed).
 * `available` is the caller's: whether base statuses exist at all.
 * Returns 0, or -1 when out of memory. */
int plus_drop_from_tasks(const struct plus_task *t, size_t n, bool available, struct plus_drop *out);

/* From a finished score report (`verdict audit`): unavailable unless some
 * sample carries base/plus statuses. Returns 0, or -1 when out of memory. */
int plus_drop_from_score(const struct score_report *r, const struct sample_set *set, struct plus_drop *out);

/* The figures on one line (nothing when unavailable), e.g. "base tests
 * alone: pass@1 0.2744 (45/164); base+plus 0.2378 (39/164); drop 3.7 pp;
 * 6 tasks pass base and fail plus: ..."; the caller prints what leads it. */
void plus_drop_print(FILE *f, const struct plus_drop *d);

/* The JSON object of docs/schema.md ("base_vs_plus"), NULL when
 * unavailable or out of memory; the caller owns it. */
cJSON *plus_drop_json(const struct plus_drop *d);

void plus_drop_free(struct plus_drop *d);

#endif
