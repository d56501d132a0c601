/* The jail's two inside processes.
 *
 * init (pid 1 of the jail's pid namespace): waits for the supervisor to
 * write the id maps, builds the root and pivots into it, forks the program,
 * then only reaps children and reports the program's wait status and
 * resource usage on the status pipe. When init exits the kernel kills every
 * process left in the namespace, so nothing the program started survives.
 *
 * program (pid 2): moves its pipes to fds 0-3, closes everything else,
 * applies limits, drops every privilege, installs the seccomp filter and
 * execs the interpreter.
 *
 * Both run between clone() and execve() of a possibly multi-threaded parent:
 * only system calls on memory prepared by the parent, no malloc, no stdio,
 * and no libc wrapper that takes a lock or talks to other threads (set*id,
 * fork): those use raw system calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jail_child.h"

static void report(int fd, enum jail_report_kind kind, enum jail_stage stage, int detail, int err,
		   int wstatus, const struct rusage *ru)
{
	struct jail_report r;
	memset(&r, 0, sizeof(r));
	r.magic = JAIL_REPORT_MAGIC;
	r.kind = kind;
	r.stage = stage;
	r.detail = detail;
	r.err = err;
	r.wstatus = wstatus;
	if (ru)
		r.ru = *ru;
	/* One write of less than PIPE_BUF bytes is atomic. */
	ssize_t n;
	do {
		n = write(fd, &r, sizeof(r));
	} while (n < 0 && errno == EINTR);
}

static __attribute__((noreturn)) void fail(const struct jail_child_args *a, enum jail_stage stage, int detail,
					   int err)
{
	report(a->fd_status, JAIL_REPORT_SETUP_ERROR, stage, detail, err < 0 ? -err : err, 0, NULL);
	_exit(JAIL_CHILD_SETUP_EXIT);
}

/* Close every descriptor not in keep[] (which is sorted ascending). */
static int close_all_but(const int *keep, size_t n)
{
	unsigned lo = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned)keep[i] > lo && syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0) != 0)
			return -errno;
		lo = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0) != 0)
		return -errno;
	return 0;
}

static void sort_fds(int *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* Signals the server blocked or ignored must not be inherited: an ignored
 * SIGPIPE or a blocked SIGALRM changes how the program behaves. */
static int reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		return -errno;
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* Real-time signals reserved by libc fail with EINVAL: fine. */
		sigaction(sig, &dfl, NULL);
	}
	return 0;
}

/* Place the pipes at 0, 1, 2 (and 3 for the result channel); keep the status
 * pipe at 4 with close-on-exec so only this setup code can write to it. */
static int arrange_fds(const struct jail_child_args *a, int *status_fd)
{
	int src[4] = { a->fd_stdin, a->fd_stdout, a->fd_stderr, a->fd_channel };
	int moved[5];
	/* First lift everything above 10 so the dup2 targets below are free. */
	for (int i = 0; i < 4; i++) {
		moved[i] = -1;
		if (src[i] < 0)
			continue;
		moved[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10);
		if (moved[i] < 0)
			return -errno;
	}
	moved[4] = fcntl(a->fd_status, F_DUPFD_CLOEXEC, 10);
	if (moved[4] < 0)
		return -errno;
	for (int i = 0; i < 4; i++) {
		if (moved[i] < 0)
			continue;
		if (dup2(moved[i], i) < 0)
			return -errno;
	}
	if (dup3(moved[4], 4, O_CLOEXEC) < 0)
		return -errno;
	*status_fd = 4;
	int keep[5] = { 0, 1, 2, a->fd_channel >= 0 ? 3 : -1, 4 };
	sort_fds(keep, 5);
	return close_all_but(keep, 5);
}

static __attribute__((noreturn)) void program_main(struct jail_child_args *a)
{
	int status_fd = a->fd_status;
	int rc = arrange_fds(a, &status_fd);
	if (rc < 0)
		fail(a, JAIL_STAGE_FDS, 0, rc);
	a->fd_status = status_fd;
	if ((rc = reset_signals()) < 0)
		fail(a, JAIL_STAGE_FDS, 1, rc);
	if (a->workdir && chdir(a->workdir) != 0)
		fail(a, JAIL_STAGE_FDS, 2, errno);
	int resource = 0;
	if ((rc = jail_limits_apply(a->limits, &resource)) < 0)
		fail(a, JAIL_STAGE_LIMITS, resource, rc);
	const char *stage = NULL;
	if ((rc = jail_privs_drop(a->privs, &stage)) < 0)
		fail(a, JAIL_STAGE_PRIVS, 0, rc);
	/* No privilege is held from here on. */
	if ((rc = policy_install(a->policy)) < 0)
		fail(a, JAIL_STAGE_SECCOMP, 0, rc);
	execve(a->exec_path, (char *const *)a->argv, (char *const *)a->envp);
	fail(a, JAIL_STAGE_EXEC, 0, errno);
}

/* A pool worker's warm parent: the pipes are arranged like a program's
 * (fd 3 is the control socket), but it keeps uid 0 of the namespace and its
 * capabilities there, which it needs to give each child a pid and mount
 * namespace of its own before dropping everything in that child. It never
 * runs candidate code. */
static __attribute__((noreturn)) void zygote_main(struct jail_child_args *a)
{
	int status_fd = a->fd_status;
	int rc = arrange_fds(a, &status_fd);
	if (rc < 0)
		fail(a, JAIL_STAGE_FDS, 0, rc);
	a->fd_status = status_fd;
	if ((rc = reset_signals()) < 0)
		fail(a, JAIL_STAGE_FDS, 1, rc);
	if (chdir("/") != 0)
		fail(a, JAIL_STAGE_FDS, 2, errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fail(a, JAIL_STAGE_PRIVS, 7, errno);
	execve(a->exec_path, (char *const *)a->argv, (char *const *)a->envp);
	fail(a, JAIL_STAGE_EXEC, 0, errno);
}

/* At the seccomp level there is no pid namespace to take everything down:
 * init is a child subreaper, and once the program has ended it kills what
 * the program left (every process of its dedicated uid, or its process
 * group) and reaps it all before reporting. */
static void sweep(const struct jail_child_args *a, pid_t program)
{
	for (int pass = 0; pass < 50; pass++) {
		if (a->sweep_by_uid) {
			pid_t h = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
			if (h == 0) {
				if (syscall(SYS_setresgid, a->sweep_uid, a->sweep_uid, a->sweep_uid) != 0 ||
				    syscall(SYS_setresuid, a->sweep_uid, a->sweep_uid, a->sweep_uid) != 0)
					_exit(2);
				_exit(kill(-1, SIGKILL) == 0 ? 0 : 1);
			}
		} else {
			kill(-program, SIGKILL);
		}
		/* Reap whatever is dead; stop once no child is left. */
		int st;
		pid_t got;
		bool any = false;
		while ((got = waitpid(-1, &st, WNOHANG)) > 0)
			any = true;
		if (got < 0 && errno == ECHILD)
			return;
		if (!any) {
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
	}
}

static __attribute__((noreturn)) void init_wait(struct jail_child_args *a, pid_t program)
{
	for (;;) {
		int st = 0;
		struct rusage ru;
		pid_t pid = wait4(-1, &st, 0, &ru);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			fail(a, JAIL_STAGE_WAIT, 0, errno);
		}
		if (pid == program) {
			if (!a->namespaces)
				sweep(a, program);
			report(a->fd_status, JAIL_REPORT_EXIT, JAIL_STAGE_NONE, 0, 0, st, &ru);
			/* Exiting pid 1 makes the kernel kill whatever the program
			 * left running in the namespace. */
			_exit(0);
		}
		/* Otherwise an orphan reparented to us: reaped, nothing else. */
	}
}

int jail_child_main(void *arg)
{
	struct jail_child_args *a = arg;
	int keep[7] = { a->fd_stdin, a->fd_stdout, a->fd_stderr, a->fd_channel, a->fd_status, a->fd_sync, -1 };
	sort_fds(keep, 7);
	/* The parent may be a threaded server with other runs' pipes open:
	 * holding them would delay their end-of-file and leak them into this
	 * jail. */
	if (close_all_but(keep, 7) < 0)
		fail(a, JAIL_STAGE_FDS, 0, errno);
	/* If verdict dies, the jail dies with it (pid 1 exiting takes the
	 * whole namespace down). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		fail(a, JAIL_STAGE_SYNC, 0, errno);
	char go = 0;
	ssize_t n;
	do {
		n = read(a->fd_sync, &go, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1 || go != 'G')
		_exit(JAIL_CHILD_SETUP_EXIT); /* the supervisor gave up on us */
	close(a->fd_sync);
	a->fd_sync = -1;
	if (setsid() < 0)
		fail(a, JAIL_STAGE_SETSID, 0, errno);
	/* Our credentials still carry the host ids, which the new namespace
	 * does not map: files we create would fail with EOVERFLOW. Take the
	 * namespace's id 0, i.e. the unprivileged host id the map names. */
	if (a->become_root && (syscall(SYS_setresgid, 0, 0, 0) != 0 || syscall(SYS_setresuid, 0, 0, 0) != 0))
		fail(a, JAIL_STAGE_SYNC, 1, errno);
	int failed_op = -1;
	if (!a->namespaces) {
		/* Orphans of the program come to us, not to the host's init. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
			fail(a, JAIL_STAGE_SETSID, 1, errno);
		goto fork_program;
	}

	int rc = jail_root_enter(a->root, &failed_op);
	if (rc < 0)
		fail(a, failed_op >= 0 ? JAIL_STAGE_ROOT : JAIL_STAGE_PIVOT, failed_op, rc);
	/* Podman's default seccomp profile refuses sethostname without
	 * CAP_SYS_ADMIN of the host, even in a new uts namespace: the jail
	 * then keeps the container's name (the namespace is still its own). */
	if (sethostname("verdict", 7) != 0 && errno != EPERM)
		fail(a, JAIL_STAGE_HOSTNAME, 0, errno);
fork_program:;
	/* init holds a copy of the supervisor's memory and environment. When
	 * verdict is not root, init and the program share one uid, and a
	 * dumpable init lets the program read /proc/1/environ and open
	 * /proc/1/mem read-write (ptrace access rules, which the seccomp ban
	 * on ptrace(2) does not cover). Non-dumpable, that needs
	 * CAP_SYS_PTRACE over the host's user namespace. (As root, the switch
	 * to the namespace's uid 0 above already cleared the flag.) Only now:
	 * the supervisor had to open /proc/<init>/uid_map as its owner. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fail(a, JAIL_STAGE_SYNC, 2, errno);
	/* The raw system call: glibc's fork() takes malloc and stdio locks
	 * that another thread of the server may have held when we were
	 * cloned. */
	pid_t program = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (program < 0)
		fail(a, JAIL_STAGE_FORK, 0, errno);
	if (program == 0) {
		if (a->zygote)
			zygote_main(a);
		program_main(a);
	}
	/* init keeps only the status pipe. */
	int fds[4] = { a->fd_stdin, a->fd_stdout, a->fd_stderr, a->fd_channel };
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (jail_privs_drop_caps(a->privs) < 0)
		fail(a, JAIL_STAGE_PRIVS, 1, errno);
	init_wait(a, program);
}
