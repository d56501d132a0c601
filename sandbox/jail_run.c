/* jail_run(): the supervisor side of one run. It prepares every buffer the
 * child needs, clones the child into fresh namespaces, writes the id maps,
 * then watches: it feeds stdin, drains stdout/stderr/the result channel with
 * caps, enforces the wall-clock deadline and the output cap by killing the
 * jail's pid 1 (which takes the whole pid namespace down), and decides the
 * status from what it observed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_child.h"
#include "jail_internal.h"

#define CHILD_STACK_SIZE (256 * 1024)
#define TAIL_SIZE 4096

const char *jail_stage_name(enum jail_stage s)
{
	switch (s) {
	case JAIL_STAGE_NONE:
		return "none";
	case JAIL_STAGE_SYNC:
		return "synchronising with the supervisor";
	case JAIL_STAGE_SETSID:
		return "setsid";
	case JAIL_STAGE_ROOT:
		return "building the root";
	case JAIL_STAGE_PIVOT:
		return "pivot_root";
	case JAIL_STAGE_HOSTNAME:
		return "sethostname";
	case JAIL_STAGE_FORK:
		return "fork of the program";
	case JAIL_STAGE_FDS:
		return "arranging file descriptors";
	case JAIL_STAGE_LIMITS:
		return "setrlimit";
	case JAIL_STAGE_PRIVS:
		return "dropping privileges";
	case JAIL_STAGE_SECCOMP:
		return "installing the seccomp filter";
	case JAIL_STAGE_EXEC:
		return "execve of the interpreter";
	case JAIL_STAGE_WAIT:
		return "waiting for the program";
	}
	return "unknown stage";
}

/* ---------------------------------------------------------------- capture */

struct capture {
	int fd; /* read end, -1 once at EOF */
	size_t keep;
	struct jail_capture *out;
	size_t cap;
	char tail[TAIL_SIZE]; /* the last bytes written, for status decisions */
	size_t tail_len;
};

static int capture_append(struct capture *c, const char *buf, size_t n)
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
	if (n >= TAIL_SIZE) {
		memcpy(c->tail, buf + n - TAIL_SIZE, TAIL_SIZE);
		c->tail_len = TAIL_SIZE;
	} else {
		size_t keep_old = c->tail_len + n > TAIL_SIZE ? TAIL_SIZE - n : c->tail_len;
		memmove(c->tail, c->tail + c->tail_len - keep_old, keep_old);
		memcpy(c->tail + keep_old, buf, n);
		c->tail_len = keep_old + n;
	}
	return 0;
}

/* Read what is available; returns 0, or 1 at EOF, or -errno. */
static int capture_read(struct capture *c)
{
	char buf[65536];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return 1;
	return capture_append(c, buf, (size_t)n);
}

static bool tail_contains(const struct capture *c, const char *needle)
{
	return memmem(c->tail, c->tail_len, needle, strlen(needle)) != NULL;
}

/* ------------------------------------------------------------------ util */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int write_file(const char *path, const char *text)
{
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		return -errno;
	return 0;
}

static int write_id_maps(const struct jail_config *c, pid_t pid, char *err, size_t errlen)
{
	char path[64], map[256];
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	/* Denying setgroups keeps the program from dropping a group that a
	 * file's permissions deny access to (CVE-2014-8989). */
	int rc = write_file(path, "deny");
	if (rc < 0 && rc != -ENOENT) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(-rc));
		return -1;
	}
	const char *which[2] = { "uid_map", "gid_map" };
	unsigned base[2] = { c->map_base_uid, c->map_base_gid };
	for (int i = 0; i < 2; i++) {
		if (c->map_count > 1)
			snprintf(map, sizeof(map), "0 %u 1\n%u %u %u\n", base[i], (unsigned)c->run_uid, base[i] + 1,
				 c->map_count - 1);
		else
			snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)c->run_uid, base[i]);
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which[i]);
		rc = write_file(path, map);
		if (rc < 0) {
			snprintf(err, errlen, "writing %s: %s", path, strerror(-rc));
			return -1;
		}
	}
	return 0;
}

static int pidfd_kill(int pidfd)
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

enum kill_reason { KILL_NONE, KILL_DEADLINE, KILL_OUTPUT };

struct run_state {
	pid_t pid;
	int pidfd;
	int status_fd;
	int stdin_fd;
	const char *stdin_data;
	size_t stdin_len, stdin_off;
	struct capture cap[3]; /* stdout, stderr, channel */
	struct jail_report exit_report;
	bool have_exit;
	struct jail_report setup_report;
	bool have_setup_error;
	bool exited;
	int init_wstatus;
	enum kill_reason killed;
	uint64_t cpu_at_kill;
};

static void read_status(struct run_state *st)
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

static void feed_stdin(struct run_state *st)
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

static void kill_jail(struct run_state *st, enum kill_reason why)
{
	if (st->killed != KILL_NONE || st->exited)
		return;
	if (why == KILL_DEADLINE)
		st->cpu_at_kill = program_cpu_ms(st->pid);
	st->killed = why;
	pidfd_kill(st->pidfd);
}

static void supervise(struct run_state *st, const struct jail_limits *lim, uint64_t start)
{
	uint64_t deadline = start + lim->wall_ms;
	uint64_t drain_until = 0;
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
		uint64_t now = now_ms();
		if (st->exited) {
			/* Every writer is dead once pid 1 of the namespace is; give
			 * the pipes a moment to report EOF, then stop. */
			if (!drain_until)
				drain_until = now + 2000;
			if (now >= drain_until)
				return;
		} else if (now >= deadline) {
			kill_jail(st, KILL_DEADLINE);
			deadline = now + 60000;
		}
		uint64_t until = st->exited ? drain_until : deadline;
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
					kill_jail(st, KILL_OUTPUT);
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

static void describe_setup_error(const struct run_state *st, const struct jail_root_plan *root, struct jail_result *r)
{
	const struct jail_report *rep = &st->setup_report;
	const char *what = "";
	if (rep->stage == JAIL_STAGE_ROOT && root && rep->detail >= 0 && (size_t)rep->detail < root->n_ops)
		what = root->ops[rep->detail].what ? root->ops[rep->detail].what : "";
	snprintf(r->error, sizeof(r->error), "jail setup failed at %s%s%s: %s",
		 jail_stage_name((enum jail_stage)rep->stage), what[0] ? ": " : "", what, strerror(rep->err));
}

static void decide(const struct run_state *st, const struct jail_limits *lim, const struct jail_root_plan *root,
		   struct jail_result *r)
{
	if (st->have_setup_error) {
		r->status = JAIL_SANDBOX_ERROR;
		describe_setup_error(st, root, r);
		return;
	}
	if (st->killed == KILL_OUTPUT) {
		r->status = JAIL_OUTPUT_LIMIT;
		snprintf(r->error, sizeof(r->error), "wrote more than %llu bytes",
			 (unsigned long long)lim->output_max_bytes);
		return;
	}
	if (!st->have_exit) {
		if (st->killed == KILL_DEADLINE) {
			r->status = JAIL_TIMEOUT;
			r->cpu_ms = st->cpu_at_kill;
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

static bool valid_file_name(const char *name)
{
	return name && name[0] && name[0] != '.' && !strchr(name, '/') && strlen(name) < 200;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			close(p[i]);
			p[i] = -1;
		}
}

static void sandbox_error(struct jail_result *r, const char *what, int err)
{
	r->status = JAIL_SANDBOX_ERROR;
	snprintf(r->error, sizeof(r->error), "%s: %s", what, strerror(err));
}

int jail_run(const struct jail_config *c, const struct jail_spec *s, struct jail_result *r)
{
	memset(r, 0, sizeof(*r));
	r->level = c->level;
	struct jail_limits lim = s->limits;
	jail_limits_merge(&lim, &c->defaults);
	if (c->level != JAIL_LEVEL_FULL) {
		/* The seccomp level is wired in with the container work. */
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "isolation level %s cannot run programs in this build",
			 jail_level_name(c->level));
		return 0;
	}
	if (!s->argv || !s->argv[0]) {
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "empty argv");
		return 0;
	}
	for (size_t i = 0; i < s->n_files; i++)
		if (!valid_file_name(s->files[i].name)) {
			r->status = JAIL_SANDBOX_ERROR;
			snprintf(r->error, sizeof(r->error), "invalid file name for the jail");
			return 0;
		}

	struct jail_root_plan root;
	if (jail_root_plan_run(&root, c->root_base, s, c->run_uid, c->run_uid) < 0) {
		sandbox_error(r, "planning the root", ENOMEM);
		return 0;
	}
	struct jail_privs_plan privs;
	int rc = jail_privs_plan_init(&privs, c->run_uid, c->run_uid, c->map_count > 1);
	if (rc < 0) {
		jail_root_plan_free(&root);
		sandbox_error(r, "preparing capabilities", -rc);
		return 0;
	}

	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, chan[2] = { -1, -1 };
	int status[2] = { -1, -1 }, sync[2] = { -1, -1 };
	int pidfd = -1;
	void *stack = MAP_FAILED;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) ||
	    (s->want_channel && pipe2(chan, O_CLOEXEC)) || pipe2(status, O_CLOEXEC) || pipe2(sync, O_CLOEXEC)) {
		sandbox_error(r, "pipe", errno);
		goto out;
	}
	/* Large stdin (10 MB test inputs) is written as the program reads it. */
	if (fcntl(in[1], F_SETFL, O_NONBLOCK) != 0) {
		sandbox_error(r, "fcntl", errno);
		goto out;
	}
	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		sandbox_error(r, "mmap", errno);
		goto out;
	}
	struct jail_child_args args = {
		.namespaces = true,
		.become_root = c->map_count > 1,
		.root = &root,
		.privs = &privs,
		.limits = &lim,
		.policy = c->policy,
		.exec_path = s->argv[0],
		.argv = s->argv,
		.envp = c->envp,
		.workdir = "/tmp",
		.fd_stdin = in[0],
		.fd_stdout = out[1],
		.fd_stderr = errp[1],
		.fd_channel = chan[1],
		.fd_status = status[1],
		.fd_sync = sync[0],
	};
	int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
		    CLONE_NEWCGROUP | CLONE_PIDFD | SIGCHLD;
	uint64_t start = now_ms();
	pid_t pid = clone(jail_child_main, (char *)stack + CHILD_STACK_SIZE, flags, &args, &pidfd);
	if (pid < 0) {
		sandbox_error(r, "clone", errno);
		goto out;
	}
	/* The child runs on its own copy of the stack. */
	munmap(stack, CHILD_STACK_SIZE);
	stack = MAP_FAILED;
	close(in[0]);
	in[0] = -1;
	close(out[1]);
	out[1] = -1;
	close(errp[1]);
	errp[1] = -1;
	if (chan[1] >= 0) {
		close(chan[1]);
		chan[1] = -1;
	}
	close(status[1]);
	status[1] = -1;
	close(sync[0]);
	sync[0] = -1;

	char maperr[200] = "";
	if (write_id_maps(c, pid, maperr, sizeof(maperr)) < 0) {
		pidfd_kill(pidfd);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "%s", maperr);
		goto out;
	}
	/* If the host runs out of memory despite the limits, the kernel should
	 * kill a jailed process first, never the service; the score is
	 * inherited by everything the jail forks. */
	snprintf(maperr, sizeof(maperr), "/proc/%d/oom_score_adj", (int)pid);
	int oom_rc = write_file(maperr, "1000");
	if (oom_rc < 0) {
		pidfd_kill(pidfd);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		sandbox_error(r, "writing oom_score_adj", -oom_rc);
		goto out;
	}
	if (write(sync[1], "G", 1) != 1) {
		pidfd_kill(pidfd);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		sandbox_error(r, "releasing the jail", errno);
		goto out;
	}
	close(sync[1]);
	sync[1] = -1;

	struct run_state st = {
		.pid = pid,
		.pidfd = pidfd,
		.status_fd = status[0],
		.stdin_fd = in[1],
		.stdin_data = s->stdin_data,
		.stdin_len = s->stdin_len,
	};
	struct jail_capture *outs[3] = { &r->out, &r->err, &r->channel };
	int rfd[3] = { out[0], errp[0], chan[0] };
	for (int i = 0; i < 3; i++)
		st.cap[i] = (struct capture){ .fd = rfd[i], .keep = lim.output_keep_bytes, .out = outs[i] };
	/* The supervisor now owns these descriptors through `st`. */
	status[0] = in[1] = out[0] = errp[0] = chan[0] = -1;
	if (st.stdin_len == 0) {
		close(st.stdin_fd);
		st.stdin_fd = -1;
	}
	supervise(&st, &lim, start);
	r->wall_ms = now_ms() - start;
	for (int i = 0; i < 3; i++)
		if (st.cap[i].fd >= 0)
			close(st.cap[i].fd);
	if (st.status_fd >= 0)
		close(st.status_fd);
	if (st.stdin_fd >= 0)
		close(st.stdin_fd);
	decide(&st, &lim, &root, r);
out:
	if (stack != MAP_FAILED)
		munmap(stack, CHILD_STACK_SIZE);
	if (pidfd >= 0)
		close(pidfd);
	close_pair(in);
	close_pair(out);
	close_pair(errp);
	close_pair(chan);
	close_pair(status);
	close_pair(sync);
	jail_privs_plan_free(&privs);
	jail_root_plan_free(&root);
	return 0;
}

void jail_result_free(struct jail_result *r)
{
	free(r->out.data);
	free(r->err.data);
	free(r->channel.data);
	r->out = r->err = r->channel = (struct jail_capture){ 0 };
}
