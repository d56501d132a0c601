/* The warm pool (see pool.h and docs/pool.md).
 *
 * Each worker is started like a one-shot jail (jail_spawn) whose program is
 * the warm parent, src/py/verdict_zygote.py, talking to us over a
 * SOCK_SEQPACKET pair. A run: we create its pipes and a memfd holding the
 * job (argv, limits, uid, files), send them with SCM_RIGHTS, receive a
 * pidfd of the run's init (pid 1 of the run's own pid namespace), watch it
 * exactly as a one-shot run (jail_watch.c), and read the "done" message. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_child.h"
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

/* ------------------------------------------------------------- messages */

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	for (;;) {
		int r = poll(&pf, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

/* Receive one datagram (and at most one descriptor) with a timeout. Returns
 * its length, 0 at EOF, -1 on error or timeout. */
static ssize_t recv_msg(int sock, void *buf, size_t len, int *fd, int timeout_ms)
{
	if (fd)
		*fd = -1;
	if (wait_readable(sock, timeout_ms) <= 0)
		return -1;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	ssize_t n;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(got));
			if (fd && *fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	return n;
}

static int send_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = CMSG_SPACE(sizeof(int) * n_fds) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	ssize_t n;
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* ------------------------------------------------------------- workers */

static void worker_stop(struct worker *w)
{
	if (w->init_pidfd >= 0) {
		jail_pidfd_kill(w->init_pidfd);
		while (waitpid(w->init_pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(w->init_pidfd);
	}
	if (w->ctl >= 0)
		close(w->ctl);
	if (w->status_fd >= 0)
		close(w->status_fd);
	w->init_pidfd = w->ctl = w->status_fd = -1;
	w->alive = false;
	w->warm[0] = '\0';
}

static pid_t first_child(pid_t pid)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	autofclose FILE *f = fopen(path, "re");
	int child = 0;
	if (!f || fscanf(f, "%d", &child) != 1)
		return 0;
	return child;
}

static int worker_spawn(struct jail_pool *p, struct worker *w, char *err, size_t errlen)
{
	int sv[2] = { -1, -1 }, status[2] = { -1, -1 }, sync[2] = { -1, -1 };
	int devnull = -1, logfd = -1;
	int rc = -1;
	w->init_pidfd = w->ctl = w->status_fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 || pipe2(status, O_CLOEXEC) != 0 ||
	    pipe2(sync, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "worker %d: socket/pipe: %s", w->index, strerror(errno));
		goto out;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* The warm parent's own stderr goes to ours: it only ever prints when
	 * it fails. Jobs get pipes of their own. */
	logfd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (devnull < 0 || logfd < 0) {
		snprintf(err, errlen, "worker %d: %s", w->index, strerror(errno));
		goto out;
	}
	const char *argv[] = { p->c->python, "/verdict/verdict_zygote.py", NULL };
	struct jail_child_args args = {
		.namespaces = true,
		.become_root = p->c->map_count > 1,
		.zygote = true,
		.root = &p->root,
		.privs = &p->privs,
		.limits = &p->c->defaults,
		.policy = p->c->policy,
		.exec_path = p->c->python,
		.argv = argv,
		.envp = p->c->envp,
		.workdir = "/",
		.fd_stdin = devnull,
		.fd_stdout = logfd,
		.fd_stderr = logfd,
		.fd_channel = sv[1],
		.fd_status = status[1],
		.fd_sync = sync[0],
	};
	if (jail_spawn(p->c, &args, sync[1], &w->init_pid, &w->init_pidfd, err, errlen) < 0)
		goto out;
	close(sv[1]);
	sv[1] = -1;
	w->ctl = sv[0];
	sv[0] = -1;
	w->status_fd = status[0];
	status[0] = -1;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (status[i] >= 0)
			close(status[i]);
		if (sync[i] >= 0)
			close(sync[i]);
	}
	if (devnull >= 0)
		close(devnull);
	if (logfd >= 0)
		close(logfd);
	return rc;
}

/* Wait for a spawned worker's warm parent to have imported everything. */
static int worker_ready(struct jail_pool *p, struct worker *w, char *err, size_t errlen)
{
	int rc = -1;
	char ready[8];
	ssize_t n = recv_msg(w->ctl, ready, sizeof(ready), NULL, READY_TIMEOUT_MS);
	if (n != 4 || memcmp(ready, "RDY1", 4) != 0) {
		struct jail_report rep;
		bool have = wait_readable(w->status_fd, 100) > 0 && read(w->status_fd, &rep, sizeof(rep)) == sizeof(rep) &&
			    rep.magic == JAIL_REPORT_MAGIC && rep.kind == JAIL_REPORT_SETUP_ERROR;
		if (have)
			snprintf(err, errlen, "worker %d: jail setup failed at %s: %s", w->index,
				 jail_stage_name((enum jail_stage)rep.stage), strerror(rep.err));
		else
			snprintf(err, errlen, "worker %d: the warm parent did not become ready", w->index);
		worker_stop(w);
		goto out;
	}
	w->parent_pid = first_child(w->init_pid);
	w->alive = true;
	w->warm[0] = '\0';
	__atomic_add_fetch(&p->stats.worker_starts, 1, __ATOMIC_RELAXED);
	rc = 0;
out:
	return rc;
}

static int worker_start(struct jail_pool *p, struct worker *w, char *err, size_t errlen)
{
	if (worker_spawn(p, w, err, errlen) < 0)
		return -1;
	return worker_ready(p, w, err, errlen);
}

static uint64_t rss_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	autofclose FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			return strtoull(line + 6, NULL, 10);
	return 0;
}

/* ---------------------------------------------------------------- jobs */

static bool is_preloaded(const struct jail_pool *p, const struct jail_file *f)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (strcmp(p->files[i].name, f->name) == 0 && p->files[i].len == f->len &&
		    memcmp(p->files[i].data, f->data, f->len) == 0)
			return true;
	return false;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *q = data;
	while (len) {
		ssize_t n = write(fd, q, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Append s as a JSON string (the job header is small and plain). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* The job as the warm parent reads it: u32 header length, JSON header,
 * then the bytes of every file not already in /verdict. */
static int job_memfd(const struct jail_pool *p, const struct worker *w, const struct jail_spec *s,
		     const struct jail_limits *lim, uint64_t id)
{
	char *hdr = NULL;
	size_t hlen = 0;
	FILE *f = open_memstream(&hdr, &hlen);
	if (!f)
		return -1;
	unsigned uid = (unsigned)(p->c->run_uid + (unsigned)w->index * UIDS_PER_WORKER + (unsigned)(w->runs % UIDS_PER_WORKER));
	if (p->c->map_count <= 1)
		uid = 0; /* the one mapped id: root inside, without capabilities for the run */
	fprintf(f, "{\"id\": %llu, \"uid\": %u, \"channel\": %s, \"argv\": [", (unsigned long long)id, uid,
		s->want_channel ? "true" : "false");
	for (size_t i = 0; s->argv[i]; i++) {
		if (i)
			fputc(',', f);
		json_str(f, s->argv[i]);
	}
	fprintf(f, "], \"limits\": {\"cpu_ms\": %u, \"memory\": %llu, \"nproc\": %u, \"fsize\": %llu, \"nofile\": %u, "
		   "\"stack\": %llu, \"tmp\": %llu}, \"preload\": [",
		lim->cpu_ms, (unsigned long long)lim->memory_bytes, lim->max_procs,
		(unsigned long long)lim->file_size_bytes, lim->open_files, (unsigned long long)lim->stack_bytes,
		(unsigned long long)lim->tmp_bytes);
	for (size_t i = 0; s->warm_modules && s->warm_modules[i]; i++) {
		if (i)
			fputc(',', f);
		json_str(f, s->warm_modules[i]);
	}
	fprintf(f, "], \"hint\": %s, \"files\": [", s->warm_hint ? s->warm_hint : "null");
	bool first = true;
	for (size_t i = 0; i < s->n_files; i++) {
		if (is_preloaded(p, &s->files[i]))
			continue;
		if (!first)
			fputc(',', f);
		first = false;
		fputc('[', f);
		json_str(f, s->files[i].name);
		fprintf(f, ", %zu]", s->files[i].len);
	}
	fprintf(f, "]}");
	if (fclose(f) != 0) {
		free(hdr);
		return -1;
	}
	int fd = memfd_create("verdict-job", MFD_CLOEXEC);
	uint32_t n = (uint32_t)hlen;
	int rc = fd < 0 ? -1 : write_all(fd, &n, sizeof(n));
	if (rc == 0)
		rc = write_all(fd, hdr, hlen);
	for (size_t i = 0; rc == 0 && i < s->n_files; i++)
		if (!is_preloaded(p, &s->files[i]))
			rc = write_all(fd, s->files[i].data, s->files[i].len);
	free(hdr);
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static pid_t pidfd_pid(int pidfd)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	autofclose FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Pid:", 4) == 0)
			return (pid_t)atoi(line + 4);
	return 0;
}

enum attempt { ATTEMPT_DONE, ATTEMPT_WORKER_FAILED };

static void close_pair(int v[2])
{
	for (int i = 0; i < 2; i++)
		if (v[i] >= 0) {
			close(v[i]);
			v[i] = -1;
		}
}

/* One attempt of a run on worker w. ATTEMPT_WORKER_FAILED means the run
 * never really happened because the worker broke: retry elsewhere. */
static enum attempt run_on(struct jail_pool *p, struct worker *w, const struct jail_spec *s,
			   const struct jail_limits *lim, struct jail_result *r)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, chan[2] = { -1, -1 };
	int status[2] = { -1, -1 };
	int memfd = -1, pidfd = -1;
	enum attempt result = ATTEMPT_WORKER_FAILED;
	uint64_t id = __atomic_add_fetch(&p->stats.runs, 1, __ATOMIC_RELAXED);
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) || pipe2(chan, O_CLOEXEC) ||
	    pipe2(status, O_CLOEXEC) || fcntl(in[1], F_SETFL, O_NONBLOCK) != 0) {
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "pipe: %s", strerror(errno));
		result = ATTEMPT_DONE;
		goto out;
	}
	memfd = job_memfd(p, w, s, lim, id);
	if (memfd < 0) {
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "preparing the job: %s", strerror(errno));
		result = ATTEMPT_DONE;
		goto out;
	}
	int fds[6] = { memfd, in[0], out[1], errp[1], chan[1], status[1] };
	uint64_t start = jail_now_ms();
	if (send_fds(w->ctl, "JOB1", 4, fds, 6) < 0) {
		if (getenv("VERDICT_POOL_DEBUG"))
			fprintf(stderr, "pool: worker %d: sending run %llu: %s\n", w->index, (unsigned long long)id,
				strerror(errno));
		goto out;
	}
	w->runs++;
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	close(chan[1]);
	close(status[1]);
	in[0] = out[1] = errp[1] = chan[1] = status[1] = -1;
	struct {
		char tag[4];
		int32_t id;
		int32_t pid;
	} started;
	ssize_t n = recv_msg(w->ctl, &started, sizeof(started), &pidfd, STARTED_TIMEOUT_MS);
	if (n != (ssize_t)sizeof(started) || memcmp(started.tag, "STRT", 4) != 0 || started.id != (int32_t)id) {
		if (getenv("VERDICT_POOL_DEBUG"))
			fprintf(stderr, "pool: worker %d: no start message (n=%zd id=%d want %llu)\n", w->index, n,
				n >= 8 ? started.id : -1, (unsigned long long)id);
		goto out;
	}
	if (pidfd < 0) {
		if (getenv("VERDICT_POOL_DEBUG"))
			fprintf(stderr, "pool: worker %d: run %llu started without a pidfd (pid %d)\n", w->index,
				(unsigned long long)id, started.pid);
		/* The parent could not fork: the reason is on the status pipe. */
		struct jail_report rep;
		if (read(status[0], &rep, sizeof(rep)) == (ssize_t)sizeof(rep) && rep.magic == JAIL_REPORT_MAGIC)
			snprintf(r->error, sizeof(r->error), "warm parent: %s: %s",
				 jail_stage_name((enum jail_stage)rep.stage), strerror(rep.err));
		goto out;
	}
	struct jail_watch watch = {
		.pid = pidfd_pid(pidfd),
		.pidfd = pidfd,
		.reap = false,
		.status_fd = status[0],
		.stdin_fd = in[1],
		.stdin_data = s->stdin_data,
		.stdin_len = s->stdin_len,
	};
	struct jail_capture *outs[3] = { &r->out, &r->err, &r->channel };
	int rfd[3] = { out[0], errp[0], s->want_channel ? chan[0] : -1 };
	for (int i = 0; i < 3; i++)
		watch.cap[i] = (struct jail_capture_state){ .fd = rfd[i], .keep = lim->output_keep_bytes, .out = outs[i] };
	/* The watch owns these now. */
	status[0] = in[1] = out[0] = errp[0] = -1;
	if (s->want_channel)
		chan[0] = -1;
	if (watch.stdin_len == 0) {
		close(watch.stdin_fd);
		watch.stdin_fd = -1;
	}
	jail_watch_run(&watch, lim, start);
	r->wall_ms = jail_now_ms() - start;
	jail_watch_close(&watch);
	struct {
		char tag[4];
		int32_t id;
		int32_t wstatus;
	} done;
	n = recv_msg(w->ctl, &done, sizeof(done), NULL, DONE_TIMEOUT_MS);
	bool parent_ok = n == (ssize_t)sizeof(done) && memcmp(done.tag, "DONE", 4) == 0 && done.id == (int32_t)id;
	if (!watch.have_exit && !watch.have_setup_error && watch.killed == JAIL_KILL_NONE) {
		/* The run's init died without a word: the worker broke under
		 * it (its parent was killed, say). Not the program's doing: no
		 * process of the program's uid can signal the init. */
		if (getenv("VERDICT_POOL_DEBUG"))
			fprintf(stderr, "pool: worker %d: run %llu ended without a report\n", w->index, (unsigned long long)id);
		jail_result_free(r);
		memset(r, 0, sizeof(*r));
		goto out;
	}
	if (!parent_ok && getenv("VERDICT_POOL_DEBUG"))
		fprintf(stderr, "pool: worker %d: no done message for run %llu (n=%zd)\n", w->index, (unsigned long long)id, n);
	jail_watch_decide(&watch, lim, NULL, r);
	result = ATTEMPT_DONE;
	if (!parent_ok)
		w->alive = false; /* out of step with the parent: replace the worker */
out:
	if (result == ATTEMPT_WORKER_FAILED)
		w->alive = false;
	if (memfd >= 0)
		close(memfd);
	if (pidfd >= 0)
		close(pidfd);
	close_pair(in);
	close_pair(out);
	close_pair(errp);
	close_pair(chan);
	close_pair(status);
	return result;
}

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
	if (w->alive && w->parent_pid && p->max_rss_kb && rss_kb(w->parent_pid) > p->max_rss_kb)
		w->alive = false;
	if (w->alive)
		return 0;
	if (w->init_pidfd >= 0 || w->ctl >= 0) {
		worker_stop(w);
		__atomic_add_fetch(&p->stats.worker_failures, 1, __ATOMIC_RELAXED);
	}
	return worker_start(p, w, err, errlen);
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
		if (run_on(p, w, s, &lim, r) == ATTEMPT_DONE)
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
		if (worker_spawn(p, &p->w[i], err, errlen) < 0) {
			jail_pool_destroy(&p);
			return -1;
		}
	for (int i = 0; i < p->n; i++)
		if (worker_ready(p, &p->w[i], err, errlen) < 0) {
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
		worker_stop(&p->w[i]);
	jail_root_plan_free(&p->root);
	jail_privs_plan_free(&p->privs);
	free(p->files);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->free_cv);
	free(p);
	*pp = NULL;
}
