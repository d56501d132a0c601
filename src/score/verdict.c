/* Names of sample statuses and flags: one switch, no default, so a new
 * status without a name does not compile silently. */
#include <stddef.h>

#include "score/verdict.h"

const char *sample_status_name(enum sample_status s)
{
	switch (s) {
	case ST_PASSED:
		return "passed";
	case ST_FAILED:
		return "failed";
	case ST_ERROR:
		return "error";
	case ST_SYNTAX_ERROR:
		return "syntax_error";
	case ST_TIMEOUT:
		return "timeout";
	case ST_MEMORY_LIMIT:
		return "memory_limit";
	case ST_OUTPUT_LIMIT:
		return "output_limit";
	case ST_EMPTY:
		return "empty";
	case ST_NO_CODE:
		return "no_code";
	case ST_SANDBOX_ERROR:
		return "sandbox_error";
	case ST_INVALID:
		return "invalid";
	}
	return "unknown";
}

bool sample_status_scored(enum sample_status s)
{
	return s != ST_SANDBOX_ERROR && s != ST_INVALID;
}

const char *verdict_flag_name(unsigned bit)
{
	static const char *const names[VF_COUNT] = {
		"from_reasoning", "truncated_reasoning", "reasoning_stripped", "unterminated_fence",
		"flaky",	  "rerun",		 "output_truncated",	 "extraction_budget",
		"reasoning_changed", "unpassable_task",	 "public_only",	 "forged_result",
	};
	return bit < VF_COUNT ? names[bit] : "unknown";
}

const char *sample_reuse_name(enum sample_reuse r)
{
	switch (r) {
	case REUSE_NONE:
		return NULL;
	case REUSE_CACHE:
		return "cache";
	case REUSE_DUPLICATE:
		return "duplicate";
	}
	return NULL;
}
