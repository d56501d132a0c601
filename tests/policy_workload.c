/* Python's real needs under the shipped policy: the interpreter runs
 * fixtures/policies/python_needs.py in a filtered child and must print OK. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"
#include "policy_probe.h"
#include "policy_tests.h"
#include "tap.h"

/* The Python workload's wall-clock budget. */
#define WORKLOAD_TIMEOUT_MS 180000
#define WORKLOAD_OUTPUT_MAX (256 * 1024)

/* ---- the Python workload ---------------------------------------------------- */

struct capture {
	char buf[WORKLOAD_OUTPUT_MAX];
	size_t len;
	bool timed_out;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads fd until EOF or the deadline; keeps the last bytes if it overflows. */
static void read_until_eof(int fd, struct capture *c, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			c->timed_out = true;
			return;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (c->len == sizeof(c->buf)) {
			memmove(c->buf, c->buf + sizeof(c->buf) / 2, sizeof(c->buf) / 2);
			c->len = sizeof(c->buf) / 2;
		}
		ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		c->len += (size_t)n;
	}
}

/* The last non-empty line of the output. */
static void last_line(const struct capture *c, char *out, size_t outlen)
{
	size_t end = c->len;
	while (end > 0 && c->buf[end - 1] == '\n')
		end--;
	size_t start = end;
	while (start > 0 && c->buf[start - 1] != '\n')
		start--;
	snprintf(out, outlen, "%.*s", (int)(end - start), c->buf + start);
}

void test_python_workload(const struct test_env *env)
{
	char script[PATH_BUF];
	int fds[2];
	int status = 0;
	char sb[64], last[256];

	if (access(env->python, X_OK) != 0) {
		tap_skip("no interpreter at %s (set VERDICT_PYTHON)", env->python);
		return;
	}
	snprintf(script, sizeof(script), "%s/fixtures/policies/python_needs.py", env->root);
	/* Prepared before fork: the child only makes system calls. */
	char *const argv[] = { (char *)env->python, "-I", script, NULL };
	char *const envp[] = { "OPENBLAS_NUM_THREADS=1", "PATH=/usr/bin:/bin", "HOME=/tmp",
			       "LC_ALL=C.UTF-8",         "TMPDIR=/tmp",        NULL };
	if (pipe2(fds, O_CLOEXEC) != 0) {
		tap_ok(false, "pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		tap_ok(false, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		if (dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0 ||
		    setrlimit(RLIMIT_CORE, &no_core) != 0)
			child_exit(CHILD_SETUP_FAILED);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    policy_install(env->shipped) != 0)
			child_exit(CHILD_SETUP_FAILED);
		execve(env->python, argv, envp);
		child_exit(CHILD_SETUP_FAILED);
	}
	close(fds[1]);
	struct capture *c = calloc(1, sizeof(*c));
	if (c)
		read_until_eof(fds[0], c, now_ms() + WORKLOAD_TIMEOUT_MS);
	if (!c || c->timed_out)
		kill(pid, SIGKILL);
	close(fds[0]);
	wait_child(pid, &status);
	if (!c) {
		tap_ok(false, "python workload: out of memory");
		return;
	}
	last_line(c, last, sizeof(last));
	bool good = !c->timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    strcmp(last, "OK") == 0;
	if (!tap_ok(
		good,
		"python3 under the shipped policy: stdlib, numpy, threads, files, subprocess, "
		"signals, select, pipes, AF_UNIX, bigints, recursion, time, urandom, rlimits")) {
		tap_diag("%s%s; output ends:", status_text(status, sb),
			 c->timed_out ? ", timed out" : "");
		size_t from = c->len > 2000 ? c->len - 2000 : 0;
		for (char *line = c->buf + from, *e; line < c->buf + c->len; line = e + 1) {
			e = memchr(line, '\n', (size_t)(c->buf + c->len - line));
			if (!e)
				e = c->buf + c->len;
			tap_diag("  %.*s", (int)(e - line), line);
		}
	}
	free(c);
}
