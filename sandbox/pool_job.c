/* One run on a worker of the warm pool: we create its pipes and a memfd
 * holding the job (argv, limits, uid, files), send them with SCM_RIGHTS,
 * receive a pidfd of the run's init (pid 1 of the run's own pid namespace),
 * watch it exactly as a one-shot run (jail_watch.c), and read the "done"
 * message. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_internal.h"
#include "pool_internal.h"

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
enum attempt pool_run_on(struct jail_pool *p, struct worker *w, const struct jail_spec *s,
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
	if (pool_send_fds(w->ctl, "JOB1", 4, fds, 6) < 0) {
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
	ssize_t n = pool_recv_msg(w->ctl, &started, sizeof(started), &pidfd, STARTED_TIMEOUT_MS);
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
	n = pool_recv_msg(w->ctl, &done, sizeof(done), NULL, DONE_TIMEOUT_MS);
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
