/* Running one runner job in the jail and reading its records back: the
 * glue between the scorer and sandbox/ (see docs/runner-protocol.md). */
#ifndef VERDICT_RUNNER_CHANNEL_H
#define VERDICT_RUNNER_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "jail.h"
#include "base/json_span.h"

struct scorer;

/* The records of one run, as the supervisor accepted them. */
struct runner_outcome {
	struct jail_result jail;
	cJSON *extraction; /* the extraction record, or NULL */
	cJSON *result;	   /* the result record, or NULL */
	char *result_line; /* its raw text (for fields forwarded byte for byte) */
	bool runner_error; /* the runner itself failed: verdict's fault */
	char runner_error_msg[200];
};

/* A fresh random nonce (32 hex characters). */
void runner_nonce(char out[33]);

/* Run `job` (its "nonce" member must be set to `nonce`) with `stdin_data`.
 * Limits come from `limits` (zero fields: the jail defaults). Always fills
 * *out; free with runner_outcome_free. */
void runner_run(struct scorer *sc, const cJSON *job, const char *nonce, const struct jail_limits *limits,
		const void *stdin_data, size_t stdin_len, struct runner_outcome *out);

void runner_outcome_free(struct runner_outcome *o);

#endif
