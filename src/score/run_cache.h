/* The run cache: the outcome of a jailed run (the jail's facts and the
 * runner's records), kept on disk beside the canonical outputs and keyed by
 * a digest of everything the outcome depends on: the job's whole content
 * (profile, program or completion, tests, expected outputs; not its nonce),
 * the limits, and the scorer's identity (verdict's version, the runner's
 * files, the seccomp policy, the interpreter, the isolation level). A later
 * run of the same key, in this call or another (CLI runs, HTTP requests),
 * is answered from the file and decided again like a fresh outcome.
 *
 * Only final outcomes are kept (run_cache_final): never a timeout, a
 * sandbox error, a runner error or a run killed from outside. Re-runs of
 * timed-out samples never read or write it. */
#ifndef VERDICT_RUN_CACHE_H
#define VERDICT_RUN_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "jail.h"
#include "score/runner_channel.h"

struct run_cache;

/* Open the cache under <dir>/runs (created on the first store). The
 * identity is digested from the running binary (/proc/self/exe), the jail
 * config (policy, interpreter, level) and the files every run gets
 * (`files`, and `extra`: the warm parent, which runs some jobs itself).
 * Returns 0 (with *out NULL when the binary cannot be read: no run cache),
 * or -1 (out of memory). Free with run_cache_free. */
int run_cache_open(const char *dir, const struct jail_config *jail, const struct jail_file *files, size_t n_files,
		   const void *extra, size_t extra_len, struct run_cache **out);
void run_cache_free(struct run_cache **c);

/* The key of `job` run under `lim`: 64 hex characters. The job's "nonce"
 * is left out (it is detached while the job is printed, then put back).
 * Returns 0, or -1 (out of memory). */
int run_cache_key(const struct run_cache *c, cJSON *job, const struct jail_limits *lim, char key[65]);

/* Whether an outcome may be kept: the jail and the runner ended it
 * themselves, with no timeout, sandbox error or runner error. */
bool run_cache_final(const struct runner_outcome *o);

/* Fill *out (free with runner_outcome_free) from the entry of `key`.
 * Returns 0, or 1 when there is no usable entry (absent, unreadable or
 * malformed: the caller runs the job). */
int run_cache_load(struct run_cache *c, const char *key, struct runner_outcome *out);

/* Keep a final outcome under `key` (nothing happens for another).
 * Returns 0 or -1 (the cache could not be written; the verdict stands). */
int run_cache_store(struct run_cache *c, const char *key, const struct runner_outcome *o);

#endif
