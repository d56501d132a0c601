/* A worker of the warm pool: a jail started like a one-shot run (jail_spawn)
 * whose program is the warm parent, src/py/verdict_zygote.py, ready when it
 * says so on the control socket; stopped by killing its init. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_child.h"
#include "jail_internal.h"
#include "pool_internal.h"

void pool_worker_stop(struct worker *w)
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

int pool_worker_spawn(struct jail_pool *p, struct worker *w, char *err, size_t errlen)
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
int pool_worker_ready(struct jail_pool *p, struct worker *w, char *err, size_t errlen)
{
	int rc = -1;
	char ready[8];
	ssize_t n = pool_recv_msg(w->ctl, ready, sizeof(ready), NULL, READY_TIMEOUT_MS);
	if (n != 4 || memcmp(ready, "RDY1", 4) != 0) {
		struct jail_report rep;
		bool have = pool_wait_readable(w->status_fd, 100) > 0 && read(w->status_fd, &rep, sizeof(rep)) == sizeof(rep) &&
			    rep.magic == JAIL_REPORT_MAGIC && rep.kind == JAIL_REPORT_SETUP_ERROR;
		if (have)
			snprintf(err, errlen, "worker %d: jail setup failed at %s: %s", w->index,
				 jail_stage_name((enum jail_stage)rep.stage), strerror(rep.err));
		else
			snprintf(err, errlen, "worker %d: the warm parent did not become ready", w->index);
		pool_worker_stop(w);
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

int pool_worker_start(struct jail_pool *p, struct worker *w, char *err, size_t errlen)
{
	if (pool_worker_spawn(p, w, err, errlen) < 0)
		return -1;
	return pool_worker_ready(p, w, err, errlen);
}

uint64_t pool_rss_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	autofclose FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			return strtoull(line + 6, NULL, 10);
	return 0;
}
