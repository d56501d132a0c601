/* What every policy probe shares: running a function in a child under a
 * filter, naming what came back, and checking it against an expectation
 * (see policy_probe.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "policy.h"
#include "policy_probe.h"
#include "tap.h"

/* ---- helpers -------------------------------------------------------------- */

const char *errno_name(int e)
{
	const char *n = e ? strerrorname_np(e) : "success";
	return n ? n : "?";
}

const char *sig_name(int sig)
{
	const char *n = sigabbrev_np(sig);
	return n ? n : "?";
}

const char *status_text(int status, char buf[static 64])
{
	if (WIFEXITED(status)) {
		int c = WEXITSTATUS(status);
		if (c == CHILD_SETUP_FAILED)
			snprintf(buf, 64, "child setup failed");
		else
			snprintf(buf, 64, "result %s", errno_name(c));
	} else if (WIFSIGNALED(status)) {
		snprintf(buf, 64, "killed by SIG%s", sig_name(WTERMSIG(status)));
	} else {
		snprintf(buf, 64, "status 0x%x", (unsigned)status);
	}
	return buf;
}

int wait_child(pid_t pid, int *status)
{
	for (;;) {
		if (waitpid(pid, status, 0) == pid)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Leave a probe child with nothing but the exit_group system call. Not
 * _exit(): in sanitizer builds its interceptor runs LeakSanitizer, which
 * needs clone and ptrace. And deliberately not declared noreturn: ASan
 * precedes calls to noreturn functions with a stack check that calls
 * sigaltstack and gettid. Under a filter refusing those, either dies with
 * status 1 and hides the probe's result. */
void child_exit(int code)
{
	syscall(SYS_exit_group, code);
}

/* ---- probes: each returns 0 on success or an errno value ------------------- */

int result(long rc)
{
	return rc < 0 ? errno : 0;
}

/* Set up a child for a probe: no core files from SIGSYS deaths, no hang, no
 * privilege gain, then the filter. Only system calls from here on. */
static void child_enter(const struct policy *p)
{
	struct rlimit no_core = { 0, 0 };

	alarm(PROBE_TIMEOUT_S);
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		child_exit(CHILD_SETUP_FAILED);
	/* A probe dies of the signal the kernel sends (int $0x80 without the
	 * i386 ABI faults): a sanitizer's handler would turn it into an exit. */
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
	for (size_t i = 0; i < ARRAY_LEN(faults); i++)
		if (signal(faults[i], SIG_DFL) == SIG_ERR)
			child_exit(CHILD_SETUP_FAILED);
	if (!p)
		return;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_exit(CHILD_SETUP_FAILED);
	if (policy_install(p) != 0)
		child_exit(CHILD_SETUP_FAILED);
}

/* Run fn in a child under policy p (NULL: unfiltered). */
int run_probe(const struct policy *p, probe_fn fn, int *status)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		child_enter(p);
		child_exit(fn());
	}
	return wait_child(pid, status);
}

/* ---- expectations ---------------------------------------------------------- */

static bool status_matches(int status, enum expect_kind kind, int value)
{
	switch (kind) {
	case EXPECT_OK:
		return WIFEXITED(status) && WEXITSTATUS(status) == 0;
	case EXPECT_ERRNO:
		return WIFEXITED(status) && WEXITSTATUS(status) == value;
	case EXPECT_SIGNAL:
		return WIFSIGNALED(status) && WTERMSIG(status) == value;
	}
	return false;
}

static const char *expect_text(enum expect_kind kind, int value, char buf[static 64])
{
	switch (kind) {
	case EXPECT_OK:
		return "success";
	case EXPECT_ERRNO:
		snprintf(buf, 64, "errno %s", errno_name(value));
		return buf;
	case EXPECT_SIGNAL:
		snprintf(buf, 64, "death by SIG%s", sig_name(value));
		return buf;
	}
	return "?";
}

void check_probe(const struct policy *p, const struct probe *pr)
{
	char sb[64], eb[64];
	int status = 0;
	int rc = run_probe(p, pr->fn, &status);

	if (rc < 0) {
		tap_ok(false, "%s: fork/wait failed: %s", pr->what, strerror(-rc));
		return;
	}
	if (!tap_ok(status_matches(status, pr->kind, pr->value), "%s -> %s", pr->what,
		    expect_text(pr->kind, pr->value, eb)))
		tap_diag("got %s", status_text(status, sb));
}
