/* The warm pool's parts, shared by its files (pool.h is the interface):
 * pool.c      the pool: create, hand out workers, run with one retry, destroy
 * pool_worker.c  a worker: its jail and warm parent, started and stopped
 * pool_job.c  one run on a worker: the job sent, the run watched, the result
 * pool_msg.c  the control socket's messages (SOCK_SEQPACKET, SCM_RIGHTS) */
#ifndef VERDICT_POOL_INTERNAL_H
#define VERDICT_POOL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jail_internal.h"
#include "pool.h"

#define POOL_MAX_WORKERS 64
#define UIDS_PER_WORKER 64 /* JAIL_RUN_IDS (4096) / POOL_MAX_WORKERS */
#define READY_TIMEOUT_MS 60000
#define STARTED_TIMEOUT_MS 20000
#define DONE_TIMEOUT_MS 10000

struct worker {
	int index;
	bool alive;
	bool busy;
	pid_t init_pid;
	int init_pidfd;
	int ctl;       /* our end of the control socket */
	int status_fd; /* the worker init's status pipe (reports the parent's death) */
	pid_t parent_pid; /* host pid of the warm parent, for its RSS */
	uint64_t runs;
	char warm[256];	  /* modules the parent imported on request, "|numpy|..." */
};

struct jail_pool {
	const struct jail_config *c;
	struct jail_root_plan root;
	struct jail_privs_plan privs;
	struct jail_file *files; /* /verdict: zygote, preloaded modules, policy.bpf */
	size_t n_files;
	uint64_t max_rss_kb;
	pthread_mutex_t mu;
	pthread_cond_t free_cv;
	struct worker w[POOL_MAX_WORKERS];
	int n;
	struct jail_pool_stats stats;
};

enum attempt { ATTEMPT_DONE, ATTEMPT_WORKER_FAILED };

/* ---- messages (pool_msg.c) ---- */

/* poll() for POLLIN, retried on EINTR: >0 readable, 0 timeout, <0 error. */
int pool_wait_readable(int fd, int timeout_ms);
/* Receive one datagram (and at most one descriptor) with a timeout. Returns
 * its length, 0 at EOF, -1 on error or timeout. */
ssize_t pool_recv_msg(int sock, void *buf, size_t len, int *fd, int timeout_ms);
/* Send buf with n_fds descriptors (1 to 8). Returns 0 or -1. */
int pool_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds);

/* ---- workers (pool_worker.c) ---- */

/* Kill w's jail and close our ends; w can be started again. */
void pool_worker_stop(struct worker *w);
/* Start w's jail and warm parent without waiting for it. 0, or -1 with a
 * message. */
int pool_worker_spawn(struct jail_pool *p, struct worker *w, char *err, size_t errlen);
/* Wait for a spawned worker's warm parent to have imported everything. */
int pool_worker_ready(struct jail_pool *p, struct worker *w, char *err, size_t errlen);
/* Spawn, then wait until ready. */
int pool_worker_start(struct jail_pool *p, struct worker *w, char *err, size_t errlen);
/* The resident memory of a host process, in KiB (0 if unknown). */
uint64_t pool_rss_kb(pid_t pid);

/* ---- one run (pool_job.c) ---- */

/* One attempt of a run on worker w. ATTEMPT_WORKER_FAILED means the run
 * never really happened because the worker broke: retry elsewhere. */
enum attempt pool_run_on(struct jail_pool *p, struct worker *w, const struct jail_spec *s,
			 const struct jail_limits *lim, struct jail_result *r);

#endif
