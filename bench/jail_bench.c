/* jail_bench: the cost of the jail, measured in one process on one machine.
 *
 * For each of two programs (`python3 -I -S -c pass`, and the same without
 * -S, i.e. with the site import), N runs bare (posix_spawn + wait, output to
 * /dev/null) and N runs through jail_run() with the built-in policy, the way
 * `verdict run` configures it. Bare and jailed runs alternate so a change of
 * load on the machine hits both alike; a few warm-up runs are discarded.
 * Times are wall-clock around the whole call, so the jailed figure includes
 * clone, the namespaces, the root, the policy, the supervisor's teardown.
 *
 * Usage: jail_bench [N [PYTHON]]   (default 50, /usr/bin/python3)
 * Not a test: bench/jail_bench.sh builds and runs it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/embedded.h"
#include "jail.h"

#define WARMUP 3
#define MAX_RUNS 10000

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* One bare run; its wall time in ms, or a negative value on failure. */
static double bare_run(const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	double t0 = now_ms();
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	double t = now_ms() - t0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? t : -1;
}

/* One jailed run; its wall time in ms, or a negative value on failure. */
static double jailed_run(const struct jail_config *c, const char *const *argv, char *err, size_t errlen)
{
	struct jail_spec spec = { .argv = argv };
	struct jail_result r;
	double t0 = now_ms();
	jail_run(c, &spec, &r);
	double t = now_ms() - t0;
	bool ok = r.status == JAIL_OK;
	if (!ok)
		snprintf(err, errlen, "status %s: %s", jail_status_name(r.status), r.error);
	jail_result_free(&r);
	return ok ? t : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *sorted, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);
	return sorted[i];
}

static int bench(const struct jail_config *c, const char *label, const char *const *argv, int n)
{
	double *bare = calloc((size_t)n, sizeof(double)), *jailed = calloc((size_t)n, sizeof(double));
	char err[400] = "";
	int rc = 0;
	if (!bare || !jailed) {
		fprintf(stderr, "jail_bench: out of memory\n");
		rc = -1;
		goto out;
	}
	for (int i = -WARMUP; i < n; i++) {
		double b = bare_run(argv);
		double j = jailed_run(c, argv, err, sizeof(err));
		if (b < 0 || j < 0) {
			fprintf(stderr, "jail_bench: %s run failed%s%s\n", b < 0 ? "bare" : "jailed", j < 0 ? ": " : "",
				j < 0 ? err : "");
			rc = -1;
			goto out;
		}
		if (i >= 0) {
			bare[i] = b;
			jailed[i] = j;
		}
	}
	qsort(bare, (size_t)n, sizeof(double), cmp_double);
	qsort(jailed, (size_t)n, sizeof(double), cmp_double);
	double mb = pct(bare, n, 0.5), mj = pct(jailed, n, 0.5);
	printf("program: %s\n", label);
	printf("  bare     median %7.1f ms   (p10 %6.1f, p90 %6.1f)\n", mb, pct(bare, n, 0.1), pct(bare, n, 0.9));
	printf("  jailed   median %7.1f ms   (p10 %6.1f, p90 %6.1f)\n", mj, pct(jailed, n, 0.1), pct(jailed, n, 0.9));
	printf("  ratio    %.2fx            (jail overhead %+.1f ms a run)\n", mj / mb, mj - mb);
out:
	free(bare);
	free(jailed);
	return rc;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	const char *python = argc > 2 ? argv[2] : "/usr/bin/python3";
	if (n < 1 || n > MAX_RUNS) {
		fprintf(stderr, "usage: jail_bench [N (1..%d) [PYTHON]]\n", MAX_RUNS);
		return 2;
	}
	const struct embedded_file *policy = embedded_find("policies/python.policy");
	if (!policy) {
		fprintf(stderr, "jail_bench: no built-in policy in this build\n");
		return 1;
	}
	struct jail_options o = {
		.python = python,
		.policy_text = policy->data,
		.policy_len = policy->len,
		.policy_label = "policies/python.policy (built in)",
		.min_level = JAIL_LEVEL_FULL,
	};
	struct jail_config c;
	char err[512] = "";
	if (jail_config_init(&c, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "jail_bench: %s\n", err);
		jail_config_free(&c);
		return 1;
	}
	double load[3] = { 0 };
	getloadavg(load, 3);
	printf("verdict jail benchmark: %d runs each, %s, %ld cores online (load %.2f %.2f %.2f), isolation %s\n", n,
	       c.python, sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2], jail_level_name(c.level));
	const char *no_site[] = { c.python, "-I", "-S", "-c", "pass", NULL };
	const char *site[] = { c.python, "-I", "-c", "pass", NULL };
	int rc = bench(&c, "python3 -I -S -c pass", no_site, n);
	if (rc == 0)
		rc = bench(&c, "python3 -I -c pass   (site import)", site, n);
	jail_config_free(&c);
	return rc == 0 ? 0 : 1;
}
