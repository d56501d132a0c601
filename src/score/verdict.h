/* The verdict of one sample: a status from a fixed taxonomy plus the facts
 * that led to it. Statuses are either the candidate's outcome or an error of
 * verdict itself (sandbox_error) or of the input (invalid); the last two are
 * never counted as the model failing. */
#ifndef VERDICT_VERDICT_H
#define VERDICT_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

enum sample_status {
	ST_PASSED,
	ST_FAILED,	  /* an assertion or a wrong output */
	ST_ERROR,	  /* an exception (type in detail) */
	ST_SYNTAX_ERROR,
	ST_TIMEOUT,	  /* CPU limit, wall cap or a per-test limit */
	ST_MEMORY_LIMIT,
	ST_OUTPUT_LIMIT,
	ST_EMPTY,	  /* the raw completion is empty after stripping whitespace */
	ST_NO_CODE,	  /* nothing to run could be extracted */
	ST_SANDBOX_ERROR, /* verdict failed: not the model's fault, reported apart */
	ST_INVALID,	  /* the input is wrong (unknown task id, missing problem): not scored */
};
#define ST_COUNT (ST_INVALID + 1)

const char *sample_status_name(enum sample_status s);
/* Counted in pass@k (everything but sandbox_error and invalid). */
bool sample_status_scored(enum sample_status s);

/* Where a verdict came from when the sample did not run itself. */
enum sample_reuse {
	REUSE_NONE,
	REUSE_CACHE,	 /* the run cache: the same job ran before (this call or an earlier one) */
	REUSE_DUPLICATE, /* an identical sample of the same call ran */
};

/* "cache", "duplicate"; NULL for REUSE_NONE. */
const char *sample_reuse_name(enum sample_reuse r);

/* Flags, a bit each; names in verdict_flag_name(). */
enum verdict_flag {
	VF_FROM_REASONING = 1u << 0,	 /* code taken from reasoning_content */
	VF_TRUNCATED_REASONING = 1u << 1, /* reasoning never closed: no answer */
	VF_REASONING_STRIPPED = 1u << 2, /* reasoning was removed before extraction */
	VF_UNTERMINATED_FENCE = 1u << 3,
	VF_FLAKY = 1u << 4,		 /* starved at the wall limit, then passed when re-run alone */
	VF_RERUN = 1u << 5,		 /* starved of CPU at the wall limit, so re-run alone */
	VF_OUTPUT_TRUNCATED = 1u << 6,
	VF_EXTRACTION_BUDGET = 1u << 7,	 /* parse-trim gave up on a huge block */
	VF_REASONING_CHANGED = 1u << 8,	 /* the verdict differs without reasoning removal */
	VF_UNPASSABLE_TASK = 1u << 9,	 /* calibration: no solution can pass this task here */
	VF_PUBLIC_ONLY = 1u << 10,	 /* LCB: only public tests were run */
	VF_FORGED_RESULT = 1u << 11,	 /* passed only through a forged answer (verdict_forgery.py) */
};
#define VF_COUNT 12
const char *verdict_flag_name(unsigned bit_index);

#endif
