/* The warm pool: N workers, each a jail (user, pid, mount, net, ipc and uts
 * namespaces, the minimal root) entered once, running a warm Python parent
 * that has imported the runner and the standard library. Each run is a
 * fresh child of that parent, in its own pid and mount namespaces, with its
 * own uid, limits, no capabilities and the seccomp filter applied before
 * anything of the job runs. The parent never runs candidate code and no
 * process is reused. The supervisor (this file's caller) still owns the
 * pipes, the wall deadline and the kill.
 *
 * jail_pool_run() takes the same spec and gives the same result as
 * jail_run(); the program is run as `python3 argv[1] ...` would run it. */
#ifndef VERDICT_POOL_H
#define VERDICT_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "jail.h"

struct jail_pool;

struct jail_pool_options {
	int workers;			   /* default: 2 */
	const struct jail_file *preload;   /* Python modules placed in the workers' /verdict and imported warm */
	size_t n_preload;
	const char *zygote;		   /* source of the warm parent (verdict_zygote.py); the module it
					      imports, verdict_zygote_run.py, must be in preload */
	size_t zygote_len;
	uint64_t max_worker_rss_kb;	   /* recycle a worker whose parent grows past this (default 1 GiB) */
};

struct jail_pool_stats {
	uint64_t runs;
	uint64_t worker_starts;	  /* including the first start of each worker */
	uint64_t worker_failures; /* workers that died or misbehaved and were replaced */
	uint64_t retries;	  /* runs retried on a fresh worker */
	int workers;
	int busy;
};

/* Start the workers (each ready: runner imported). Requires the full
 * isolation level. Returns 0, or -1 with a message. */
int jail_pool_create(const struct jail_config *c, const struct jail_pool_options *o, struct jail_pool **out,
		     char *err, size_t errlen);

/* Run one program on a free worker (blocks while all are busy). The spec's
 * argv[0] must be the configured interpreter and argv[1] a file of the spec
 * placed in /tmp. Thread-safe. Always fills *r; a worker that fails is
 * replaced and the run retried once, then reported as JAIL_SANDBOX_ERROR. */
int jail_pool_run(struct jail_pool *p, const struct jail_spec *s, struct jail_result *r);

void jail_pool_stats(struct jail_pool *p, struct jail_pool_stats *out);

/* Tests and operations: kill worker i's warm parent (as a crash would).
 * The worker is replaced at its next run. Returns 0 or -1. */
int jail_pool_kill_worker(struct jail_pool *p, int i);

/* Tests: kill what worker i's warm parent forked and keeps (its forker, and
 * its extractor when it has one; docs/pool.md), as a crash would. The
 * worker is replaced at its next run. Returns how many were killed, or -1. */
int jail_pool_kill_helpers(struct jail_pool *p, int i);

/* Stop every worker (their jails die with them); frees *p. */
void jail_pool_destroy(struct jail_pool **p);

#endif
