/* Was a run that reached its wall-clock deadline starved, or waiting by
 * itself? The kernel keeps, per task, the time it ran on a CPU and the time
 * it waited on a run queue for one (/proc/PID/task/TID/schedstat: "cpu_ns
 * run_delay_ns timeslices", CONFIG_SCHED_INFO); whatever else of its life
 * it slept, blocked or was stopped. A run slowed by the machine's load waits
 * for a CPU; a program that sleeps, blocks on a read or stops itself does
 * not, and running it again only doubles its time.
 *
 * The supervisor samples every task of the run (the tree under the run's
 * init) at three quarters of the wall limit and again at the deadline, and
 * judges the last quarter by the task that wanted a CPU most in it (the
 * largest time running plus waiting): starved when it waited for a CPU at
 * least as long as it slept, and for at least a tenth of that window. The
 * window leaves out the start-up, whose waits on a loaded machine say
 * nothing about why the run did not end. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jail_internal.h"

#define MAX_PROCESSES 256

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n;
	do {
		n = read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static void add_task(struct jail_sched_sample *s, pid_t pid, pid_t tid)
{
	char path[96], buf[128];
	unsigned long long cpu, wait;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || sscanf(buf, "%llu %llu", &cpu, &wait) != 2)
		return;
	s->ok = true;
	if (s->n < JAIL_SCHED_TASKS)
		s->t[s->n++] = (struct jail_sched_task){ .tid = tid, .cpu_ns = cpu, .wait_ns = wait };
}

/* The child processes of task `tid` of `pid`, appended to queue[*n..cap). */
static void add_children(pid_t pid, pid_t tid, pid_t *queue, size_t *n, size_t cap)
{
	char path[96], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)tid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return;
	char *p = buf, *end;
	for (;;) {
		long v = strtol(p, &end, 10);
		if (end == p)
			return;
		if (v > 0 && *n < cap)
			queue[(*n)++] = (pid_t)v;
		p = end;
	}
}

void jail_sched_sample(pid_t init, struct jail_sched_sample *s)
{
	s->at_ms = monotonic_ms();
	s->n = 0;
	s->ok = false;
	pid_t queue[MAX_PROCESSES];
	size_t head = 0, tail = 0;
	if (init > 0)
		queue[tail++] = init;
	while (head < tail) {
		pid_t pid = queue[head++];
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		DIR *d = opendir(path);
		if (!d)
			continue; /* ended meanwhile */
		struct dirent *e;
		while ((e = readdir(d))) {
			pid_t tid = (pid_t)atoi(e->d_name);
			if (tid <= 0)
				continue;
			add_task(s, pid, tid);
			add_children(pid, tid, queue, &tail, MAX_PROCESSES);
		}
		closedir(d);
	}
}

static const struct jail_sched_task *find(const struct jail_sched_sample *s, pid_t tid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].tid == tid)
			return &s->t[i];
	return NULL;
}

void jail_sched_judge(const struct jail_sched_sample *from, const struct jail_sched_sample *to, struct jail_sched *out)
{
	*out = (struct jail_sched){ 0 };
	if (!to->ok)
		return;
	out->measured = true;
	uint64_t window_ms = to->at_ms > from->at_ms ? to->at_ms - from->at_ms : 0;
	uint64_t best_cpu = 0, best_wait = 0;
	for (size_t i = 0; i < to->n; i++) {
		/* A task born within the window counts from zero. */
		const struct jail_sched_task *a = find(from, to->t[i].tid), *b = &to->t[i];
		uint64_t cpu = b->cpu_ns - (a && a->cpu_ns <= b->cpu_ns ? a->cpu_ns : 0);
		uint64_t wait = b->wait_ns - (a && a->wait_ns <= b->wait_ns ? a->wait_ns : 0);
		if (cpu + wait > best_cpu + best_wait) {
			best_cpu = cpu;
			best_wait = wait;
		}
	}
	uint64_t cpu_ms = best_cpu / 1000000u, wait_ms = best_wait / 1000000u;
	uint64_t busy = cpu_ms + wait_ms;
	out->window_ms = (uint32_t)window_ms;
	out->cpu_ms = (uint32_t)cpu_ms;
	out->wait_ms = (uint32_t)wait_ms;
	out->sleep_ms = (uint32_t)(window_ms > busy ? window_ms - busy : 0);
	out->starved = wait_ms >= out->sleep_ms && wait_ms * 10 >= window_ms && wait_ms > 0;
}
