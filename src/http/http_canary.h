/* The readiness canary: three tiny problems through the real scoring call
 * and the real jail (a known pass, a known fail, a known timeout). It proves
 * that programs run on this host right now and that verdicts are told
 * apart, which a liveness probe cannot. */
#ifndef VERDICT_HTTP_CANARY_H
#define VERDICT_HTTP_CANARY_H

#include <stddef.h>

#include "score/score.h"

enum canary_result {
	CANARY_OK,
	CANARY_FAILED, /* a verdict was not the expected one: `detail` says which */
	CANARY_BUSY,   /* the scheduler's queue was full: nothing ran */
};

/* Run the three problems (about 1.5 s of wall time). Fills `detail` with a
 * sentence either way. */
enum canary_result canary_run(struct scorer *sc, char *detail, size_t detail_len);

#endif
