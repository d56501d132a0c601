/* Audits computed without running anything: the figures people use to tell
 * a real score from a broken run (empty rate, fence rate, completion length
 * percentiles, verbatim canonical solutions), defined exactly as the
 * published model-card audits compute them. */
#ifndef VERDICT_AUDIT_H
#define VERDICT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

struct audit_item {
	const char *raw; /* raw completion as the model wrote it ("" when none) */
	size_t raw_len;
	const char *canonical; /* the task's canonical solution, or NULL */
	bool from_reasoning, truncated_reasoning, unterminated_fence, no_code;
};

struct audit {
	size_t n;
	size_t empty;  /* raw.strip() == "" */
	size_t fenced; /* "```" in raw */
	/* Completion length in code points: sorted[n // 10], int(median),
	 * sorted[n * 9 // 10]. */
	size_t chars_p10, chars_p50, chars_p90;
	bool verbatim_available; /* false when no sample had a canonical solution */
	size_t verbatim;	 /* canonical.strip() in raw */
	size_t verbatim_n;	 /* samples with a canonical solution */
	size_t from_reasoning, truncated_reasoning, unterminated_fence, no_code;
};

/* Returns 0, or -1 when out of memory. */
int audit_compute(const struct audit_item *items, size_t n, struct audit *out);

#endif
