/* The legitimate programs that need more than a table row: numpy (where the
 * host has it), 10 MB on stdin, eight runs at a time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <zlib.h>

#include "cleanup.h"
#include "tap.h"
#include "test_jail.h"

/* ------------------------------------------------- the remaining legit */

static bool host_has_numpy(const char *python)
{
	char *const argv[] = { (char *)python, (char *)"-c", (char *)"import numpy", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, python, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return false;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void test_numpy(struct suite *s)
{
	if (!host_has_numpy(s->cfg.python)) {
		if (s->must_work)
			tap_ok(false, "numpy: %s cannot import numpy on this host, but VERDICT_MUST_WORK is set",
			       s->cfg.python);
		else
			tap_skip("numpy: %s cannot import numpy on this host", s->cfg.python);
		return;
	}
	static const struct case_def c = { "numpy matrix product", "legit", "numpy_matmul.py", JAIL_OK,
					   "numpy sum=486 blas=64", NULL, { 0 }, 0, NULL, NULL };
	run_case(s, &c, NULL, 0);
}

void test_stdin(struct suite *s)
{
	autofree unsigned char *data = malloc(STDIN_BYTES);
	if (!data) {
		tap_ok(false, "10 MB stdin: out of memory");
		return;
	}
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < STDIN_BYTES; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	uLong crc = crc32(0L, Z_NULL, 0);
	for (size_t off = 0; off < STDIN_BYTES; off += 1u << 20) {
		uInt chunk = (uInt)(STDIN_BYTES - off < (1u << 20) ? STDIN_BYTES - off : (1u << 20));
		crc = crc32(crc, data + off, chunk);
	}
	char expect[96];
	snprintf(expect, sizeof(expect), "read %u bytes crc32=%08lx", STDIN_BYTES, (unsigned long)crc);
	struct case_def c = { "10 MB stdin read fully", "legit", "stdin_10mb.py", JAIL_OK, expect, NULL, { 0 },
			      0, NULL, NULL };
	run_case(s, &c, data, STDIN_BYTES);
}

struct concurrent_job {
	const struct suite *s;
	char token[32];
	const char *dir, *file;
	struct jail_limits limits;
	struct jail_result r;
	int rc;
};

static void *concurrent_main(void *arg)
{
	struct concurrent_job *j = arg;
	const char *args[1] = { j->token };
	struct run_req q = { .dir = j->dir, .file = j->file, .args = args, .n_args = 1, .limits = j->limits };
	j->rc = run_program(j->s, &q, &j->r);
	return NULL;
}

/* Eight legitimate runs at once, from threads, next to a fork bomb: each
 * must succeed and see only its own /tmp and processes. */
void test_concurrency(struct suite *s)
{
	struct concurrent_job jobs[N_CONCURRENT + 1];
	pthread_t th[N_CONCURRENT + 1];
	bool started[N_CONCURRENT + 1] = { false };
	struct snapshot before;
	snapshot_take(s, &before);
	for (size_t i = 0; i <= N_CONCURRENT; i++) {
		jobs[i] = (struct concurrent_job){ .s = s, .dir = "legit", .file = "concurrent.py" };
		snprintf(jobs[i].token, sizeof(jobs[i].token), "run-%zu-%u", i, (unsigned)(now_ms() % 100000u));
		if (i == N_CONCURRENT) {
			jobs[i].dir = "attacks";
			jobs[i].file = "fork_bomb.py";
			jobs[i].limits.max_procs = 16;
		}
		started[i] = pthread_create(&th[i], NULL, concurrent_main, &jobs[i]) == 0;
	}
	for (size_t i = 0; i <= N_CONCURRENT; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	bool all_ok = true;
	for (size_t i = 0; i < N_CONCURRENT; i++) {
		char expect[160], obs[256] = "";
		snprintf(expect, sizeof(expect), "token=%s tmp=concurrent.py,%s pids=1", jobs[i].token, jobs[i].token);
		bool ok = started[i] && jobs[i].rc == 0 && jobs[i].r.status == JAIL_OK &&
			  observation(&jobs[i].r.out, obs, sizeof(obs)) && strcmp(obs, expect) == 0;
		if (!ok) {
			tap_diag("concurrent run %zu: expected \"%s\"", i, expect);
			if (started[i] && jobs[i].rc == 0)
				diag_result(&jobs[i].r);
			all_ok = false;
		}
	}
	char obs[128] = "";
	bool bomb_ok = started[N_CONCURRENT] && jobs[N_CONCURRENT].rc == 0 &&
		       jobs[N_CONCURRENT].r.status == JAIL_OK && observation(&jobs[N_CONCURRENT].r.out, obs, sizeof(obs)) &&
		       strcmp(obs, "fork refused: EAGAIN") == 0;
	tap_ok(all_ok, "8 concurrent runs: each ok, seeing only its own /tmp file and its own process");
	tap_ok(bomb_ok, "a fork bomb running next to them was stopped at its own limit (%s)", obs);
	char why[1024];
	bool clean = host_clean(s, &before, why, sizeof(why));
	tap_ok(clean, "8 concurrent runs: host side clean");
	if (!clean)
		tap_diag("host side:%s", why);
	if (started[0] && jobs[0].rc == 0)
		summarize("8 concurrent runs (+ a fork bomb)", &jobs[0].r, all_ok && bomb_ok ? "each saw only itself" : "INTERFERENCE",
			  clean);
	for (size_t i = 0; i <= N_CONCURRENT; i++)
		if (started[i] && jobs[i].rc == 0)
			jail_result_free(&jobs[i].r);
	snapshot_free(&before);
}
