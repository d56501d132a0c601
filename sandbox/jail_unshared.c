/* Runs at the `seccomp` isolation level: no namespaces (an unprivileged
 * container whose runtime refuses unshare and clone with namespace flags).
 * What remains: the seccomp filter, no_new_privs, rlimits, capabilities
 * dropped, and, when verdict is root, a dedicated unprivileged uid per run,
 * which also lets the supervisor kill every process the run left behind.
 * The program's files live in a private 0700 directory under $TMPDIR that
 * is removed after the run. docs/trust-boundary.md says what this level
 * does not guarantee. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_child.h"
#include "jail_internal.h"

#define CHILD_STACK_SIZE (256 * 1024)

/* Claim a host uid of the seccomp level's block that no other run, in this
 * or another verdict process of this host, is using: the claim is an
 * abstract unix socket named after the uid, bound for the run's duration
 * (the kernel drops it when the descriptor closes, even on a crash, and
 * leaves no file behind). Returns the socket (to close after the run) and
 * the uid, or -1 when the block is exhausted. */
static int claim_uid(const struct jail_config *c, uid_t *uid)
{
	unsigned start;
	if (getrandom(&start, sizeof(start), 0) != sizeof(start))
		start = (unsigned)getpid();
	for (unsigned i = 0; i < c->seccomp_ids; i++) {
		uid_t u = c->seccomp_uid + (start + i) % c->seccomp_ids;
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "verdict-run-uid-%u", (unsigned)u);
		if (bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) == 0) {
			*uid = u;
			return fd;
		}
		close(fd);
	}
	return -1;
}

/* After a deadline or output kill, init died before it could sweep: kill
 * whatever the program left from here (every process of its dedicated uid,
 * or its process group, whose id is init's pid). */
static void sweep_after_kill(bool by_uid, uid_t uid, pid_t pgid)
{
	if (!by_uid) {
		kill(-pgid, SIGKILL);
		return;
	}
	for (int pass = 0; pass < 50; pass++) {
		pid_t h = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
		if (h == 0) {
			if (syscall(SYS_setresgid, uid, uid, uid) != 0 || syscall(SYS_setresuid, uid, uid, uid) != 0)
				_exit(2);
			_exit(kill(-1, SIGKILL) == 0 ? 0 : 1);
		}
		if (h < 0)
			return;
		int st = 0;
		while (waitpid(h, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return; /* ESRCH: nothing of that uid is left */
		usleep(2000);
	}
}

struct sweep_ctx {
	bool by_uid;
	uid_t uid;
	pid_t pgid;
};

static void sweep_cb(void *arg)
{
	struct sweep_ctx *x = arg;
	sweep_after_kill(x->by_uid, x->uid, x->pgid);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static char *translate(const char *arg, const char *dir)
{
	if (strncmp(arg, "/tmp/", 5) != 0)
		return strdup(arg);
	size_t n = strlen(dir) + strlen(arg);
	char *r = malloc(n + 1);
	if (r)
		snprintf(r, n + 1, "%s/%s", dir, arg + 5);
	return r;
}

static int write_files(const struct jail_spec *s, const char *dir, bool chown_to, uid_t uid)
{
	for (size_t i = 0; i < s->n_files; i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s", dir, s->files[i].name);
		autoclose int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return -errno;
		const char *p = s->files[i].data;
		size_t left = s->files[i].len;
		while (left) {
			ssize_t w = write(fd, p, left);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			p += w;
			left -= (size_t)w;
		}
		if (chown_to && fchown(fd, uid, uid) != 0)
			return -errno;
	}
	return 0;
}

int jail_run_unshared(const struct jail_config *c, const struct jail_spec *s, const struct jail_limits *lim,
		      struct jail_result *r)
{
	bool root = geteuid() == 0 && c->seccomp_ids > 0;
	uid_t uid = geteuid();
	autoclose int claim = -1;
	if (root && (claim = claim_uid(c, &uid)) < 0) {
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "no free run uid in the seccomp level's block");
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/verdict-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		r->status = JAIL_SANDBOX_ERROR;
		snprintf(r->error, sizeof(r->error), "mkdtemp %s: %s", dir, strerror(errno));
		return 0;
	}
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, chan[2] = { -1, -1 };
	int status[2] = { -1, -1 }, sync[2] = { -1, -1 };
	int pidfd = -1;
	void *stack = MAP_FAILED;
	size_t argc = 0;
	while (s->argv[argc])
		argc++;
	char **argv = calloc(argc + 1, sizeof(*argv));
	char **envp = NULL;
	struct jail_privs_plan privs = { 0 };
	int rc = -1;
	if (!argv)
		goto fail_msg;
	for (size_t i = 0; i < argc; i++)
		if (!(argv[i] = translate(s->argv[i], dir)))
			goto fail_msg;
	size_t envc = 0;
	while (c->envp[envc])
		envc++;
	envp = calloc(envc + 1, sizeof(*envp));
	if (!envp)
		goto fail_msg;
	for (size_t i = 0; i < envc; i++) {
		const char *e = c->envp[i];
		if (strncmp(e, "TMPDIR=", 7) == 0 || strncmp(e, "HOME=", 5) == 0) {
			size_t n = strlen(dir) + 8;
			envp[i] = malloc(n);
			if (envp[i])
				snprintf(envp[i], n, "%s%s", e[0] == 'T' ? "TMPDIR=" : "HOME=", dir);
		} else {
			envp[i] = strdup(e);
		}
		if (!envp[i])
			goto fail_msg;
	}
	if (chmod(dir, 0700) != 0 || (root && chown(dir, uid, uid) != 0)) {
		snprintf(r->error, sizeof(r->error), "preparing %s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((rc = write_files(s, dir, root, uid)) < 0) {
		snprintf(r->error, sizeof(r->error), "writing the program's files: %s", strerror(-rc));
		goto fail;
	}
	if (jail_privs_plan_init(&privs, uid, uid, root) < 0)
		goto fail_msg;
	privs.bounding_best_effort = !root;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) ||
	    (s->want_channel && pipe2(chan, O_CLOEXEC)) || pipe2(status, O_CLOEXEC) || pipe2(sync, O_CLOEXEC) ||
	    fcntl(in[1], F_SETFL, O_NONBLOCK) != 0) {
		snprintf(r->error, sizeof(r->error), "pipe: %s", strerror(errno));
		goto fail;
	}
	struct jail_child_args args = {
		.namespaces = false,
		.privs = &privs,
		.limits = lim,
		.policy = c->policy,
		.exec_path = argv[0],
		.argv = (const char *const *)argv,
		.envp = (const char *const *)envp,
		.workdir = dir,
		.fd_stdin = in[0],
		.fd_stdout = out[1],
		.fd_stderr = errp[1],
		.fd_channel = chan[1],
		.fd_status = status[1],
		.fd_sync = sync[0],
		.sweep_uid = uid,
		.sweep_by_uid = root,
	};
	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		goto fail_msg;
	uint64_t start = jail_now_ms();
	pid_t pid = clone(jail_child_main, (char *)stack + CHILD_STACK_SIZE, CLONE_PIDFD | SIGCHLD, &args, &pidfd);
	int clone_errno = errno;
	munmap(stack, CHILD_STACK_SIZE);
	stack = MAP_FAILED;
	if (pid < 0) {
		snprintf(r->error, sizeof(r->error), "clone: %s", strerror(clone_errno));
		goto fail;
	}
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	if (chan[1] >= 0)
		close(chan[1]);
	close(status[1]);
	close(sync[0]);
	in[0] = out[1] = errp[1] = chan[1] = status[1] = sync[0] = -1;
	if (write(sync[1], "G", 1) != 1) {
		jail_pidfd_kill(pidfd);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		snprintf(r->error, sizeof(r->error), "releasing the program: %s", strerror(errno));
		goto fail;
	}
	struct sweep_ctx sweep = { .by_uid = root, .uid = uid, .pgid = pid };
	struct jail_watch w = {
		.pid = pid,
		.pidfd = pidfd,
		.reap = true,
		.kill_program = sweep_cb,
		.kill_ctx = &sweep,
		.status_fd = status[0],
		.stdin_fd = in[1],
		.stdin_data = s->stdin_data,
		.stdin_len = s->stdin_len,
	};
	struct jail_capture *outs[3] = { &r->out, &r->err, &r->channel };
	int rfd[3] = { out[0], errp[0], chan[0] };
	for (int i = 0; i < 3; i++)
		w.cap[i] = (struct jail_capture_state){ .fd = rfd[i], .keep = lim->output_keep_bytes, .out = outs[i] };
	status[0] = in[1] = out[0] = errp[0] = chan[0] = -1;
	if (w.stdin_len == 0) {
		close(w.stdin_fd);
		w.stdin_fd = -1;
	}
	jail_watch_run(&w, lim, start);
	r->wall_ms = jail_now_ms() - start;
	jail_watch_close(&w);
	if (w.killed != JAIL_KILL_NONE || !w.have_exit)
		sweep_after_kill(root, uid, pid);
	jail_watch_decide(&w, lim, NULL, r);
	rc = 0;
	goto done;
fail_msg:
	if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "out of memory");
fail:
	r->status = JAIL_SANDBOX_ERROR;
done:
	if (stack != MAP_FAILED)
		munmap(stack, CHILD_STACK_SIZE);
	if (pidfd >= 0)
		close(pidfd);
	int *pairs[] = { in, out, errp, chan, status, sync };
	for (size_t i = 0; i < ARRAY_LEN(pairs); i++)
		for (int k = 0; k < 2; k++)
			if (pairs[i][k] >= 0)
				close(pairs[i][k]);
	jail_privs_plan_free(&privs);
	for (size_t i = 0; argv && i < argc; i++)
		free(argv[i]);
	free(argv);
	for (size_t i = 0; envp && envp[i]; i++)
		free(envp[i]);
	free(envp);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	(void)rc;
	return 0;
}
