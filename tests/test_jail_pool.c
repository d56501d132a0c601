/* The attacks the warm pool invites: state left behind for the next sample,
 * a warm parent that dies between runs or under one. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "cleanup.h"
#include "tap.h"
#include "test_jail.h"

/* ------------------------------------------------------ the warm pool */

/* The warm parent with the module it needs (verdict_zygote_run.py) and its
 * forker (src/py/verdict_forker.py), as the scorer starts it: the forker
 * forks every run, so the attacks meet it too. */
int pool_start(struct suite *s, int workers, struct jail_pool **out, char *err, size_t errlen)
{
	static const char *const modules[] = { "verdict_zygote_run.py", "verdict_fork.py", "verdict_forker.py" };
	struct jail_file preload[ARRAY_LEN(modules)];
	const struct embedded_file *z = embedded_find("py/verdict_zygote.py");
	if (!z) {
		snprintf(err, errlen, "no embedded warm parent");
		return -1;
	}
	for (size_t i = 0; i < ARRAY_LEN(modules); i++) {
		char name[64];
		snprintf(name, sizeof(name), "py/%s", modules[i]);
		const struct embedded_file *f = embedded_find(name);
		if (!f) {
			snprintf(err, errlen, "no embedded %s", modules[i]);
			return -1;
		}
		preload[i] = (struct jail_file){ .name = modules[i], .data = f->data, .len = f->len };
	}
	struct jail_pool_options o = { .workers = workers, .zygote = z->data, .zygote_len = z->len,
				       .preload = preload, .n_preload = ARRAY_LEN(preload) };
	return jail_pool_create(&s->cfg, &o, out, err, errlen);
}

static bool run_pool_file(struct suite *s, const char *dir, const char *file, const char *arg, char *obs, size_t n,
			  struct jail_result *r)
{
	const char *args[1] = { arg };
	struct run_req q = { .dir = dir, .file = file, .args = args, .n_args = arg ? 1 : 0 };
	q.limits.cpu_ms = 5000;
	q.limits.wall_ms = 15000;
	if (run_program(s, &q, r) < 0)
		return false;
	return observation(&r->out, obs, n);
}

/* Each sample starts from the same clean state: an honest sample, a hostile
 * one that tries to leave state behind and to reach its warm parent, then
 * the honest one again, all on one worker. */
void test_pool_state(struct suite *s)
{
	struct jail_pool *one = NULL;
	char err[256];
	if (pool_start(s, 1, &one, err, sizeof(err)) < 0) {
		tap_ok(false, "a pool of one worker starts: %s", err);
		return;
	}
	struct jail_pool *saved = s->pool;
	s->pool = one;
	struct snapshot before;
	snapshot_take(s, &before);
	char a[4096] = "", h[1024] = "", b[4096] = "";
	struct jail_result ra, rh, rb;
	bool oka = run_pool_file(s, "pool", "state_probe.py", "same-args", a, sizeof(a), &ra);
	bool okh = run_pool_file(s, "pool", "hostile_state.py", NULL, h, sizeof(h), &rh);
	bool okb = run_pool_file(s, "pool", "state_probe.py", "same-args", b, sizeof(b), &rb);
	tap_ok(oka && okb && ra.status == JAIL_OK && rb.status == JAIL_OK, "honest samples before and after ran");
	bool same = oka && okb && strcmp(a, b) == 0;
	tap_ok(same, "the sample after a hostile one starts from exactly the same state as the one before");
	if (!same) {
		tap_diag("before: %s", a);
		tap_diag("after:  %s", b);
	}
	const char *want = "kill_ppid=EPERM kill_1=EPERM ptrace_1=EPERM read_1_mem=ENOENT read_1_environ=ENOENT "
			   "visible_pids=1 tmp=hostile_state.py fds=3";
	bool hostile_ok = okh && strcmp(h, want) == 0;
	tap_ok(hostile_ok, "the hostile sample cannot signal, trace or read its init or warm parent, sees no other "
			   "process, no other sample's file and no descriptor beyond its own");
	if (!hostile_ok) {
		tap_diag("expected: %s", want);
		diag_result(&rh);
	}
	char why[1024];
	bool clean = host_clean(s, &before, why, sizeof(why));
	tap_ok(clean, "pool, hostile sample between honest ones: host side clean (its thread and daemon are gone)");
	if (!clean)
		tap_diag("host side:%s", why);
	summarize("pool: hostile between two honest", &rh, hostile_ok && same ? "same clean state" : "STATE LEAKED", clean);
	if (oka)
		jail_result_free(&ra);
	if (okh)
		jail_result_free(&rh);
	if (okb)
		jail_result_free(&rb);
	snapshot_free(&before);
	s->pool = saved;
	jail_pool_destroy(&one);
}

struct pool_bg {
	struct suite *s;
	struct jail_result r;
	char obs[256];
	bool ok;
};

static void *pool_bg_main(void *arg)
{
	struct pool_bg *b = arg;
	b->ok = run_pool_file(b->s, "pool", "slow_honest.py", NULL, b->obs, sizeof(b->obs), &b->r);
	return NULL;
}

/* Who dies: the warm parent itself, or its forker (src/py/verdict_forker.py,
 * the parent of every run). Each kill returns how many processes it hit. */
struct pool_victim {
	const char *name;
	int (*kill)(struct jail_pool *p, int i);
};

static int kill_warm_parent(struct jail_pool *p, int i)
{
	return jail_pool_kill_worker(p, i) == 0 ? 1 : -1;
}

static const struct pool_victim pool_victims[] = {
	{ "warm parent", kill_warm_parent },
	{ "forker", jail_pool_kill_helpers },
};

/* A worker whose warm parent or forker dies (between runs, or under a run)
 * is replaced; the run in flight is retried once on the fresh worker. */
void test_pool_worker_failure(struct suite *s)
{
	struct jail_pool *one = NULL;
	char err[256];
	if (pool_start(s, 1, &one, err, sizeof(err)) < 0) {
		tap_ok(false, "a pool of one worker starts: %s", err);
		return;
	}
	struct jail_pool *saved = s->pool;
	s->pool = one;
	for (size_t v = 0; v < ARRAY_LEN(pool_victims); v++) {
		const struct pool_victim *victim = &pool_victims[v];
		struct jail_pool_stats st;
		jail_pool_stats(one, &st);
		unsigned long long failures = st.worker_failures, retries = st.retries;
		struct jail_result r;
		char obs[512];
		tap_ok(victim->kill(one, 0) == 1, "the %s of worker 0 was killed", victim->name);
		sleep_ms(100);
		bool ran = run_pool_file(s, "legit", "tmp_files.py", NULL, obs, sizeof(obs), &r);
		jail_pool_stats(one, &st);
		tap_ok(ran && r.status == JAIL_OK && st.worker_failures == failures + 1,
		       "%s killed: the next run succeeds on a replacement worker (failures %llu, starts %llu)",
		       victim->name, (unsigned long long)st.worker_failures, (unsigned long long)st.worker_starts);
		if (ran)
			jail_result_free(&r);
		/* Now under a run: a slow job, and the victim killed mid-way. */
		struct pool_bg bg = { .s = s };
		pthread_t th;
		bool started = pthread_create(&th, NULL, pool_bg_main, &bg) == 0;
		sleep_ms(300);
		victim->kill(one, 0);
		if (started)
			pthread_join(th, NULL);
		jail_pool_stats(one, &st);
		bool retried = started && bg.ok && bg.r.status == JAIL_OK && st.retries >= retries + 1;
		tap_ok(retried, "%s killed under a run: the run is retried once on a fresh worker (status %s, retries %llu)",
		       victim->name, started ? jail_status_name(bg.r.status) : "-", (unsigned long long)st.retries);
		if (!retried && started)
			diag_result(&bg.r);
		if (started && bg.ok)
			jail_result_free(&bg.r);
	}
	s->pool = saved;
	jail_pool_destroy(&one);
}
