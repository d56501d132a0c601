/* Watching a run: feeding stdin, draining stdout, stderr and the result
 * channel with caps, the wall-clock deadline and the output cap (both end
 * the run by killing the jail's pid 1, which takes its whole pid namespace
 * down), the status pipe, and the decision. Shared by one-shot runs
 * (jail_run.c) and the warm pool (pool.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_internal.h"

/* ---------------------------------------------------------------- capture */

static int capture_append(struct jail_capture_state *c, const char *buf, size_t n)
{
	c->out->total += n;
	size_t room = c->keep > c->out->len ? c->keep - c->out->len : 0;
	size_t take = n < room ? n : room;
	if (take) {
		if (c->out->len + take + 1 > c->cap) {
			size_t want = c->cap ? c->cap * 2 : 4096;
			while (want < c->out->len + take + 1)
				want *= 2;
			if (want > c->keep + 1)
				want = c->keep + 1;
			char *grown = realloc(c->out->data, want);
			if (!grown)
				return -ENOMEM;
			c->out->data = grown;
			c->cap = want;
		}
		memcpy(c->out->data + c->out->len, buf, take);
		c->out->len += take;
		c->out->data[c->out->len] = '\0';
	}
	if (take < n)
		c->out->truncated = true;
	/* Keep a rolling tail of the stream. */
	if (n >= JAIL_TAIL_SIZE) {
		memcpy(c->tail, buf + n - JAIL_TAIL_SIZE, JAIL_TAIL_SIZE);
		c->tail_len = JAIL_TAIL_SIZE;
	} else {
		size_t keep_old = c->tail_len + n > JAIL_TAIL_SIZE ? JAIL_TAIL_SIZE - n : c->tail_len;
		memmove(c->tail, c->tail + c->tail_len - keep_old, keep_old);
		memcpy(c->tail + keep_old, buf, n);
		c->tail_len = keep_old + n;
	}
	return 0;
}

/* Read what is available; returns 0, or 1 at EOF, or -errno. */
static int capture_read(struct jail_capture_state *c)
{
	char buf[65536];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return 1;
	return capture_append(c, buf, (size_t)n);
}

static bool tail_contains(const struct jail_capture_state *c, const char *needle)
{
	return memmem(c->tail, c->tail_len, needle, strlen(needle)) != NULL;
}

/* ------------------------------------------------------------------ util */

uint64_t jail_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int jail_pidfd_kill(int pidfd)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

/* CPU time so far of the program (the first child of the jail's init), read
 * before a deadline kill so a timeout can still report it. */
static uint64_t program_cpu_ms(pid_t init_pid)
{
	char path[96], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)init_pid, (int)init_pid);
	autofclose FILE *f = fopen(path, "re");
	int child = 0;
	if (!f || fscanf(f, "%d", &child) != 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", child);
	autofclose FILE *s = fopen(path, "re");
	if (!s || !fgets(buf, sizeof(buf), s))
		return 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	unsigned long long ut = 0, st = 0;
	/* Fields after the command name: state is field 3; utime, stime are 14, 15. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? (ut + st) * 1000u / (unsigned long long)hz : 0;
}

/* ------------------------------------------------------------- the run */

static void read_status(struct jail_watch *st)
{
	struct jail_report rep;
	ssize_t n = read(st->status_fd, &rep, sizeof(rep));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		close(st->status_fd);
		st->status_fd = -1;
		return;
	}
	if (n != (ssize_t)sizeof(rep) || rep.magic != JAIL_REPORT_MAGIC)
		return;
	if (rep.kind == JAIL_REPORT_EXIT && !st->have_exit) {
		st->exit_report = rep;
		st->have_exit = true;
	} else if (rep.kind == JAIL_REPORT_SETUP_ERROR && !st->have_setup_error) {
		st->setup_report = rep;
		st->have_setup_error = true;
	}
}

static void feed_stdin(struct jail_watch *st)
{
	while (st->stdin_off < st->stdin_len) {
		ssize_t n = write(st->stdin_fd, st->stdin_data + st->stdin_off, st->stdin_len - st->stdin_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			break; /* EPIPE: the program closed its stdin */
		}
		st->stdin_off += (size_t)n;
	}
	close(st->stdin_fd);
	st->stdin_fd = -1;
}

static void kill_jail(struct jail_watch *st, enum jail_kill_reason why)
{
	if (st->killed != JAIL_KILL_NONE || st->exited)
		return;
	if (why == JAIL_KILL_DEADLINE && st->pid > 0) {
		st->cpu_at_kill = program_cpu_ms(st->pid);
		/* Before the kill: was the run starved, or waiting by itself? */
		struct jail_sched_sample *to = malloc(sizeof(*to));
		if (to) {
			jail_sched_sample(st->pid, to);
			jail_sched_judge(&st->sched_from, to, &st->sched);
			free(to);
		}
	}
	st->killed = why;
	if (st->kill_program) {
		/* No pid namespace (seccomp level): kill the program's processes
		 * and let init reap and report; init itself goes if it lingers. */
		st->kill_program(st->kill_ctx);
		return;
	}
	jail_pidfd_kill(st->pidfd);
}

void jail_watch_run(struct jail_watch *st, const struct jail_limits *lim, uint64_t start)
{
	uint64_t deadline = start + lim->wall_ms;
	uint64_t sched_at = start + (uint64_t)lim->wall_ms * 3u / 4u;
	uint64_t drain_until = 0;
	/* Until the sample at three quarters, the run's start stands for it. */
	st->sched_from.at_ms = start;
	st->sched_from.n = 0;
	st->sched_from.ok = false;
	st->sched_from_taken = st->pid <= 0; /* nothing to sample without the init's pid */
	for (;;) {
		struct pollfd pf[6];
		int idx[6];
		int n = 0;
		for (int i = 0; i < 3; i++)
			if (st->cap[i].fd >= 0) {
				pf[n] = (struct pollfd){ .fd = st->cap[i].fd, .events = POLLIN };
				idx[n++] = i;
			}
		if (st->status_fd >= 0) {
			pf[n] = (struct pollfd){ .fd = st->status_fd, .events = POLLIN };
			idx[n++] = 3;
		}
		if (st->stdin_fd >= 0) {
			pf[n] = (struct pollfd){ .fd = st->stdin_fd, .events = POLLOUT };
			idx[n++] = 4;
		}
		if (!st->exited) {
			pf[n] = (struct pollfd){ .fd = st->pidfd, .events = POLLIN };
			idx[n++] = 5;
		}
		bool streams_open = st->cap[0].fd >= 0 || st->cap[1].fd >= 0 || st->cap[2].fd >= 0 ||
				    st->status_fd >= 0;
		if (st->exited && !streams_open)
			return;
		uint64_t now = jail_now_ms();
		if (st->exited) {
			/* Every writer is dead once pid 1 of the namespace is; give
			 * the pipes a moment to report EOF, then stop. */
			if (!drain_until)
				drain_until = now + 2000;
			if (now >= drain_until)
				return;
		} else if (now >= deadline) {
			if (st->killed == JAIL_KILL_NONE) {
				kill_jail(st, JAIL_KILL_DEADLINE);
				deadline = now + 5000;
			} else {
				jail_pidfd_kill(st->pidfd);
				deadline = now + 60000;
			}
		}
		if (!st->exited && !st->sched_from_taken && now >= sched_at) {
			jail_sched_sample(st->pid, &st->sched_from);
			st->sched_from_taken = true;
		}
		uint64_t until = st->exited ? drain_until : deadline;
		if (!st->exited && !st->sched_from_taken && sched_at < until)
			until = sched_at;
		int timeout = until > now ? (int)(until - now) : 0;
		int r = poll(pf, (nfds_t)n, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int k = 0; k < n; k++) {
			if (!pf[k].revents)
				continue;
			int which = idx[k];
			if (which < 3) {
				int rc = capture_read(&st->cap[which]);
				if (rc != 0) {
					close(st->cap[which].fd);
					st->cap[which].fd = -1;
				}
				uint64_t total = st->cap[0].out->total + st->cap[1].out->total + st->cap[2].out->total;
				if (total > lim->output_max_bytes)
					kill_jail(st, JAIL_KILL_OUTPUT);
			} else if (which == 3) {
				read_status(st);
			} else if (which == 4) {
				if (pf[k].revents & (POLLERR | POLLHUP)) {
					close(st->stdin_fd);
					st->stdin_fd = -1;
				} else {
					feed_stdin(st);
				}
			} else {
				int ws = 0;
				/* The pool's job init is the warm parent's child, not
				 * ours: only the pidfd tells us it ended. */
				if (st->reap)
					while (waitpid(st->pid, &ws, 0) < 0 && errno == EINTR)
						;
				st->init_wstatus = ws;

				st->exited = true;
				if (st->stdin_fd >= 0) {
					close(st->stdin_fd);
					st->stdin_fd = -1;
				}
			}
		}
	}
}

static void describe_setup_error(const struct jail_watch *st, const struct jail_root_plan *root, struct jail_result *r)
{
	const struct jail_report *rep = &st->setup_report;
	const char *what = "";
	if (rep->stage == JAIL_STAGE_ROOT && root && rep->detail >= 0 && (size_t)rep->detail < root->n_ops)
		what = root->ops[rep->detail].what ? root->ops[rep->detail].what : "";
	snprintf(r->error, sizeof(r->error), "jail setup failed at %s%s%s: %s",
		 jail_stage_name((enum jail_stage)rep->stage), what[0] ? ": " : "", what, strerror(rep->err));
}

void jail_watch_decide(const struct jail_watch *st, const struct jail_limits *lim,
		       const struct jail_root_plan *root, struct jail_result *r)
{
	if (st->have_setup_error) {
		r->status = JAIL_SANDBOX_ERROR;
		describe_setup_error(st, root, r);
		return;
	}
	if (st->killed == JAIL_KILL_OUTPUT) {
		r->status = JAIL_OUTPUT_LIMIT;
		snprintf(r->error, sizeof(r->error), "wrote more than %llu bytes",
			 (unsigned long long)lim->output_max_bytes);
		return;
	}
	if (st->killed == JAIL_KILL_DEADLINE) {
		r->status = JAIL_TIMEOUT;
		r->cpu_ms = st->cpu_at_kill;
		r->sched = st->sched;
		snprintf(r->error, sizeof(r->error), "wall-clock limit of %u ms reached (cpu %llu ms)", lim->wall_ms,
			 (unsigned long long)r->cpu_ms);
		return;
	}
	if (!st->have_exit) {
		if (st->killed == JAIL_KILL_DEADLINE) {
			r->status = JAIL_TIMEOUT;
			r->cpu_ms = st->cpu_at_kill;
			r->sched = st->sched;
			snprintf(r->error, sizeof(r->error), "wall-clock limit of %u ms reached (cpu %llu ms)",
				 lim->wall_ms, (unsigned long long)r->cpu_ms);
			return;
		}
		if (WIFSIGNALED(st->init_wstatus) && WTERMSIG(st->init_wstatus) == SIGKILL) {
			/* Only a process of the jail's own uid can kill its init,
			 * which happens when just one uid could be mapped. */
			r->status = JAIL_SIGNAL;
			r->signal = SIGKILL;
			snprintf(r->error, sizeof(r->error), "the jail's init was killed from inside the jail");
			return;
		}
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "the jail's init ended without a report (wait status 0x%x)",
			 st->init_wstatus);
		return;
	}
	const struct rusage *ru = &st->exit_report.ru;
	r->cpu_ms = (uint64_t)ru->ru_utime.tv_sec * 1000u + (uint64_t)ru->ru_utime.tv_usec / 1000u +
		    (uint64_t)ru->ru_stime.tv_sec * 1000u + (uint64_t)ru->ru_stime.tv_usec / 1000u;
	r->peak_rss_kb = (uint64_t)ru->ru_maxrss;
	int ws = st->exit_report.wstatus;
	bool near_memory = r->peak_rss_kb * 1024u >= lim->memory_bytes / 10u * 9u;
	if (WIFEXITED(ws)) {
		r->exit_code = WEXITSTATUS(ws);
		if (r->exit_code == 0) {
			r->status = JAIL_OK;
		} else if (tail_contains(&st->cap[1], "MemoryError")) {
			r->status = JAIL_MEMORY_LIMIT;
			snprintf(r->error, sizeof(r->error), "allocation refused by the %llu MiB address-space limit",
				 (unsigned long long)(lim->memory_bytes >> 20));
		} else {
			r->status = JAIL_EXIT_NONZERO;
		}
		return;
	}
	if (WIFSIGNALED(ws)) {
		r->signal = WTERMSIG(ws);
		if (r->signal == SIGXCPU || (r->signal == SIGKILL && r->cpu_ms + 50 >= lim->cpu_ms)) {
			r->status = JAIL_CPU_LIMIT;
			snprintf(r->error, sizeof(r->error), "CPU limit of %u ms reached (cpu %llu ms)", lim->cpu_ms,
				 (unsigned long long)r->cpu_ms);
		} else if (near_memory && (r->signal == SIGKILL || r->signal == SIGSEGV || r->signal == SIGABRT ||
					   r->signal == SIGBUS)) {
			r->status = JAIL_MEMORY_LIMIT;
			snprintf(r->error, sizeof(r->error), "killed by signal %d at %llu KiB, near the memory limit",
				 r->signal, (unsigned long long)r->peak_rss_kb);
		} else {
			r->status = JAIL_SIGNAL;
		}
		return;
	}
	r->status = JAIL_SANDBOX_ERROR;
	snprintf(r->error, sizeof(r->error), "unexpected wait status 0x%x", ws);
}


void jail_watch_close(struct jail_watch *w)
{
	for (int i = 0; i < 3; i++)
		if (w->cap[i].fd >= 0) {
			close(w->cap[i].fd);
			w->cap[i].fd = -1;
		}
	if (w->status_fd >= 0) {
		close(w->status_fd);
		w->status_fd = -1;
	}
	if (w->stdin_fd >= 0) {
		close(w->stdin_fd);
		w->stdin_fd = -1;
	}
}
