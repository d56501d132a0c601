/* POST /score bodies: JSON text in, a validated plan out (a sample_set and
 * the score_options for the scoring call), or one error naming the field
 * that is wrong ("samples[3].completion"). Nothing here knows about HTTP
 * connections or the jail: the plan can be built and printed in a unit test.
 * The wire format is described in docs/api.md and docs/openapi.yaml. */
#ifndef VERDICT_HTTP_REQUEST_H
#define VERDICT_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input/problem.h"
#include "input/samples.h"
#include "score/score.h"

/* A dataset the server loaded at start-up, addressable by name. */
struct request_dataset {
	char name[64];		  /* "humaneval", or the NAME of --dataset NAME=PATH */
	const struct dataset *ds; /* borrowed; outlives every request */
};

/* What every request is checked against: read-only, built at start-up. */
struct request_config {
	const struct request_dataset *datasets;
	size_t n_datasets;
	size_t max_samples;	     /* samples per request (after expanding `completions`) */
	size_t max_completion_chars; /* code points per completion, solution or reasoning text */
	/* Limits a request gets when it names none (0: the profile's default),
	 * and the most it may ask for. */
	uint32_t timeout_ms, max_timeout_ms;
	uint32_t wall_ms, max_wall_ms; /* wall_ms 0: 3x the CPU limit */
	uint64_t memory_bytes, max_memory_bytes;
};

/* The least a request's `limits` may ask for: below them the interpreter
 * cannot start, and every sample would "time out" or run out of memory. */
#define REQUEST_MIN_TIMEOUT_MS 500
#define REQUEST_MIN_WALL_MS 1000
#define REQUEST_MIN_MEMORY_MB 64

/* What the private tests of a request's inline LiveCodeBench problems may
 * decompress to, all together (base64+zlib: a few bytes can stand for
 * hundreds of megabytes). */
#define REQUEST_LCB_DECODED_BUDGET ((size_t)256 << 20)

/* Why a body was refused: the HTTP status (400 bad input, 413 over a size
 * cap, 500 out of memory), the field at fault ("" for the body as a whole)
 * and a sentence for the client. */
struct request_error {
	int status;
	char field[128];
	char message[384];
};

/* A validated request. Owns `set` (samples, inline problems). */
struct score_request {
	struct sample_set set;
	struct score_options so; /* progress callback unset */
	const struct dataset *ds; /* the named dataset, NULL when every sample carries its problem */
	const char *dataset_name; /* borrowed from the config, or NULL */
	enum benchmark bench;
	bool include_programs;
};

/* Parse and validate `body` (len bytes, need not be NUL-terminated). On
 * success returns 0 and fills *out (free it with request_free). On failure
 * returns -1, fills *err and leaves *out empty (nothing to free). */
int request_parse(const char *body, size_t len, const struct request_config *cfg, struct score_request *out,
		  struct request_error *err);

/* Frees what *r owns and zeroes it; safe on a zeroed struct. */
void request_free(struct score_request *r);

/* The dataset called `name` (a configured name first, then a benchmark name
 * or alias such as "humaneval+"), or NULL. *bench is set whenever the name
 * is a known benchmark, even with no dataset loaded for it. Returns 0, or -1
 * when the name is neither. */
int request_find_dataset(const struct request_config *cfg, const char *name, const struct request_dataset **out,
			 enum benchmark *bench);

#endif
