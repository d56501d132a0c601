/* The warm pool (see pool.h and docs/pool.md).
 *
 * Each worker is started like a one-shot jail (jail_spawn) whose program is
 * the warm parent, src/py/verdict_zygote.py, talking to us over a
 * SOCK_SEQPACKET pair. A run: we create its pipes and a memfd holding the
 * job (argv, limits, uid, files), send them with SCM_RIGHTS, receive a
 * pidfd of the run's init (pid 1 of the run's own pid namespace), watch it
 * exactly as a one-shot run (jail_watch.c), and read the "done" message.
 *
 * This file owns the pool: workers handed out one run at a time, a broken
 * worker replaced and its run retried once. The rest: pool_worker.c,
 * pool_job.c, pool_msg.c (pool_internal.h). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "jail_internal.h"
#include "pool.h"
#include "pool_internal.h"

static struct worker *acquire(struct jail_pool *p)
{
	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (int i = 0; i < p->n; i++)
			if (!p->w[i].busy) {
				p->w[i].busy = true;
				p->stats.busy++;
				pthread_mutex_unlock(&p->mu);
				return &p->w[i];
			}
		pthread_cond_wait(&p->free_cv, &p->mu);
	}
}

static void release(struct jail_pool *p, struct worker *w)
{
	pthread_mutex_lock(&p->mu);
	w->busy = false;
	p->stats.busy--;
	pthread_cond_signal(&p->free_cv);
	pthread_mutex_unlock(&p->mu);
}

/* Make sure w has a live parent; replace it if it died or grew too big. */
static int ensure_worker(struct jail_pool *p, struct worker *w, char *err, size_t errlen)
{
	if (w->alive && w->parent_pid && p->max_rss_kb && pool_rss_kb(w->parent_pid) > p->max_rss_kb)
		w->alive = false;
	if (w->alive)
		return 0;
	if (w->init_pidfd >= 0 || w->ctl >= 0) {
		pool_worker_stop(w);
		__atomic_add_fetch(&p->stats.worker_failures, 1, __ATOMIC_RELAXED);
	}
	return pool_worker_start(p, w, err, errlen);
}

int jail_pool_run(struct jail_pool *p, const struct jail_spec *s, struct jail_result *r)
{
	memset(r, 0, sizeof(*r));
	r->level = p->c->level;
	if (!s->argv || !s->argv[0] || !s->argv[1]) {
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "the pool runs `python3 FILE`: argv needs the file");
		return 0;
	}
	struct jail_limits lim = s->limits;
	jail_limits_merge(&lim, &p->c->defaults);
	struct worker *w = acquire(p);
	for (int attempt = 0; attempt < 2; attempt++) {
		char err[256];
		if (ensure_worker(p, w, err, sizeof(err)) < 0) {
			if (getenv("VERDICT_POOL_DEBUG"))
				fprintf(stderr, "pool: %s\n", err);
			r->status = JAIL_SANDBOX_ERROR;
			snprintf(r->error, sizeof(r->error), "%s", err);
			continue;
		}
		if (attempt > 0) {
			__atomic_add_fetch(&p->stats.retries, 1, __ATOMIC_RELAXED);
			jail_result_free(r);
			memset(r, 0, sizeof(*r));
			r->level = p->c->level;
		}
		if (pool_run_on(p, w, s, &lim, r) == ATTEMPT_DONE)
			break;
		jail_result_free(r);
		memset(r, 0, sizeof(*r));
		r->level = p->c->level;
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "worker %d failed during the run (retried once on a fresh worker)",
			 w->index);
	}
	release(p, w);
	return 0;
}

int jail_pool_create(const struct jail_config *c, const struct jail_pool_options *o, struct jail_pool **out,
		     char *err, size_t errlen)
{
	if (c->level != JAIL_LEVEL_FULL || !c->root_base) {
		snprintf(err, errlen, "the warm pool needs the full isolation level");
		return -1;
	}
	struct jail_pool *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->c = c;
	p->n = o->workers > 0 ? o->workers : 2;
	if (p->n > POOL_MAX_WORKERS)
		p->n = POOL_MAX_WORKERS;
	p->max_rss_kb = o->max_worker_rss_kb ? o->max_worker_rss_kb : 1024 * 1024;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->free_cv, NULL);
	for (int i = 0; i < p->n; i++)
		p->w[i] = (struct worker){ .index = i, .init_pidfd = -1, .ctl = -1, .status_fd = -1 };
	/* /verdict: the warm parent, the modules it imports, the filter. */
	p->files = calloc(o->n_preload + 2, sizeof(*p->files));
	size_t nbpf = 0;
	const void *bpf = policy_bpf(c->policy, &nbpf);
	if (!p->files || !o->zygote) {
		snprintf(err, errlen, !p->files ? "out of memory" : "no warm parent source");
		jail_pool_destroy(&p);
		return -1;
	}
	for (size_t i = 0; i < o->n_preload; i++)
		p->files[p->n_files++] = o->preload[i];
	p->files[p->n_files++] = (struct jail_file){ .name = "verdict_zygote.py", .data = o->zygote, .len = o->zygote_len };
	p->files[p->n_files++] = (struct jail_file){ .name = "policy.bpf", .data = bpf, .len = nbpf * 8 };
	if (jail_root_plan_worker(&p->root, c->root_base, p->files, p->n_files) < 0 ||
	    jail_privs_plan_init(&p->privs, 0, 0, false) < 0) {
		snprintf(err, errlen, "out of memory planning the workers");
		jail_pool_destroy(&p);
		return -1;
	}
	/* Spawn every worker first, then wait: the warm parents import in
	 * parallel. */
	for (int i = 0; i < p->n; i++)
		if (pool_worker_spawn(p, &p->w[i], err, errlen) < 0) {
			jail_pool_destroy(&p);
			return -1;
		}
	for (int i = 0; i < p->n; i++)
		if (pool_worker_ready(p, &p->w[i], err, errlen) < 0) {
			jail_pool_destroy(&p);
			return -1;
		}
	*out = p;
	return 0;
}

int jail_pool_kill_worker(struct jail_pool *p, int i)
{
	if (i < 0 || i >= p->n || !p->w[i].parent_pid)
		return -1;
	return kill(p->w[i].parent_pid, SIGKILL);
}

int jail_pool_kill_helpers(struct jail_pool *p, int i)
{
	if (i < 0 || i >= p->n || !p->w[i].parent_pid)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)p->w[i].parent_pid, (int)p->w[i].parent_pid);
	autofclose FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int killed = 0, pid;
	while (fscanf(f, "%d", &pid) == 1)
		if (pid > 0 && kill(pid, SIGKILL) == 0)
			killed++;
	return killed;
}

void jail_pool_stats(struct jail_pool *p, struct jail_pool_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->stats;
	out->workers = p->n;
	pthread_mutex_unlock(&p->mu);
}

void jail_pool_destroy(struct jail_pool **pp)
{
	struct jail_pool *p = *pp;
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		pool_worker_stop(&p->w[i]);
	jail_root_plan_free(&p->root);
	jail_privs_plan_free(&p->privs);
	free(p->files);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->free_cv);
	free(p);
	*pp = NULL;
}
