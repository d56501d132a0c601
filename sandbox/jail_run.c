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

	if (c->level == JAIL_LEVEL_SECCOMP)
		return jail_run_unshared(c, s, &lim, r);
	if (c->level != JAIL_LEVEL_FULL) {
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "no isolation level is in force");
		return 0;
	}
	/* Plan the root with the merged limits, not the spec's: a zero
	 * tmp_bytes means "the config default", but a tmpfs mounted with
	 * size=0 has no size limit at all, and its pages count against no
	 * rlimit, so /tmp could fill the host's memory. */
	struct jail_spec planned = *s;
	planned.limits = lim;
	struct jail_root_plan root;
	if (jail_root_plan_run(&root, c->root_base, &planned, c->run_uid, c->run_uid) < 0) {
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
	uint64_t start = jail_now_ms();
	pid_t pid;
	char spawn_err[200];
	if (jail_spawn(c, &args, sync[1], &pid, &pidfd, spawn_err, sizeof(spawn_err)) < 0) {
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "%s", spawn_err);
		goto out;
	}
	/* The child holds its ends now. */
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
	close(sync[1]);
	sync[1] = -1;

	struct jail_watch st = {
		.reap = true,
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
		st.cap[i] = (struct jail_capture_state){ .fd = rfd[i], .keep = lim.output_keep_bytes, .out = outs[i] };
	/* The supervisor now owns these descriptors through `st`. */
	status[0] = in[1] = out[0] = errp[0] = chan[0] = -1;
	if (st.stdin_len == 0) {
		close(st.stdin_fd);
		st.stdin_fd = -1;
	}
	jail_watch_run(&st, &lim, start);
	r->wall_ms = jail_now_ms() - start;
	jail_watch_close(&st);
	jail_watch_decide(&st, &lim, &root, r);
out:
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
