/* Seccomp policies: load a policy file, compile it with libseccomp into a
 * classic-BPF program once at start-up, and install that prepared program in
 * the jailed child.
 *
 * Parsing and validation live in policy_parse.c; this file only turns a
 * validated plan into BPF, in a child process with a deadline (see
 * compile_plan), and installs it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "cleanup.h"
#include "policy.h"
#include "policy_internal.h"

/* The kernel refuses longer classic-BPF programs (BPF_MAXINSNS). */
#define POLICY_MAX_INSNS 4096

/* Compiling the shipped policy takes milliseconds; see compile_plan() for
 * why there is a deadline at all. */
#define POLICY_COMPILE_TIMEOUT_MS 10000

struct policy {
	char *name;
	struct sock_filter *insns;
	/* Built at load time so policy_install() only passes a pointer. */
	struct sock_fprog prog;
	size_t n_rule_lines;
};

static void cleanup_seccomp(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static void cleanup_plan(struct policy_plan *plan)
{
	policy_plan_clear(plan);
}

static void cleanup_policy(struct policy **p)
{
	policy_free(p);
}

#define autoseccomp __attribute__((cleanup(cleanup_seccomp)))
#define autoplan __attribute__((cleanup(cleanup_plan)))
#define autopolicy __attribute__((cleanup(cleanup_policy)))

__attribute__((format(printf, 3, 4))) static int set_err(char *err, size_t errlen, const char *fmt,
							 ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Add the plan's rules to a fresh filter. A rule whose action is the default
 * action is not passed on: libseccomp refuses it (-EACCES), and since the
 * parser proved no rule with another action overlaps it, falling through to
 * the default does exactly what the line says. */
static int build_filter(const char *name, const struct policy_plan *plan, scmp_filter_ctx *out,
			char *err, size_t errlen)
{
	autoseccomp scmp_filter_ctx ctx = seccomp_init(plan->default_action);
	int rc;

	if (!ctx)
		return set_err(err, errlen, "%s:%u: libseccomp refused the default action", name,
			       plan->default_line);
	/* Filters are built for the native ABI only. The BPF checks the
	 * architecture word first and, for x86_64, also the x32 bit
	 * (nr & 0x40000000); both mismatches take this action. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, plan->foreign_action);
	if (rc < 0)
		return set_err(err, errlen, "%s: libseccomp refused the foreign-abi action: %s",
			       name, strerror(-rc));
	/* A binary search over syscall numbers instead of a linear chain: a
	 * policy of ~150 syscalls otherwise costs up to ~150 compares per call. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc < 0)
		return set_err(err, errlen, "%s: libseccomp cannot optimise the filter: %s", name,
			       strerror(-rc));

	for (size_t i = 0; i < plan->n_rules; i++) {
		const struct policy_rule *r = &plan->rules[i];
		struct scmp_arg_cmp cmp[POLICY_MAX_ARGS];

		if (r->action == plan->default_action)
			continue;
		for (unsigned j = 0; j < r->n_conds; j++) {
			const struct policy_cond *c = &r->conds[j];
			cmp[j] = (struct scmp_arg_cmp){
				.arg = c->arg,
				.op = c->op,
				.datum_a = c->op == SCMP_CMP_MASKED_EQ ? c->mask : c->value,
				.datum_b = c->op == SCMP_CMP_MASKED_EQ ? c->value : 0,
			};
		}
		/* _exact: refuse rather than let libseccomp rewrite a rule. */
		rc = seccomp_rule_add_exact_array(ctx, r->action, r->nr, r->n_conds, cmp);
		if (rc < 0) {
			autofree char *sys =
			    seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r->nr);
			return set_err(err, errlen,
				       "%s:%u: libseccomp refused the rule for '%s': %s", name,
				       r->line, sys ? sys : "?", strerror(-rc));
		}
	}
	*out = steal_pointer(&ctx);
	return 0;
}

/* Child side of compile_plan(): build, export into bpf_fd, or write the
 * reason into msg_fd. Never returns. */
static __attribute__((noreturn)) void
compile_child(const char *name, const struct policy_plan *plan, int bpf_fd, int msg_fd)
{
	char msg[512];
	scmp_filter_ctx ctx = NULL;
	int rc;

	if (build_filter(name, plan, &ctx, msg, sizeof(msg)) == 0) {
		rc = seccomp_export_bpf(ctx, bpf_fd);
		if (rc == 0)
			_exit(0);
		snprintf(msg, sizeof(msg), "%s: seccomp_export_bpf: %s", name, strerror(-rc));
	}
	/* Best effort: the parent reports "no reason given" otherwise. */
	if (write(msg_fd, msg, strnlen(msg, sizeof(msg))) < 0)
		_exit(2);
	_exit(1);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* waitpid with a deadline, by polling: compiling takes a few milliseconds,
 * and polling needs neither a SIGCHLD handler nor a pidfd. Returns 0, or
 * -ETIMEDOUT after killing and reaping the child, or -errno. */
static int wait_deadline(pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = now_ms() + timeout_ms;
	long nap_ns = 100 * 1000;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		struct timespec nap = { 0, nap_ns };
		nanosleep(&nap, NULL);
		if (nap_ns < 20 * 1000 * 1000)
			nap_ns *= 2;
	}
}

/* Reads up to len bytes from the start of fd. */
static ssize_t read_all_at(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The exported program, read back from the memfd into memory p owns. */
static int read_bpf(const char *name, int fd, struct policy *p, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int e = errno;
		return set_err(err, errlen, "%s: fstat(memfd): %s", name, strerror(e));
	}
	size_t size = (size_t)st.st_size;
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return set_err(err, errlen, "%s: libseccomp exported %zu bytes, not a BPF program",
			       name, size);
	size_t n = size / sizeof(struct sock_filter);
	if (n > POLICY_MAX_INSNS)
		return set_err(err, errlen,
			       "%s: the filter has %zu instructions, the kernel takes %d", name, n,
			       POLICY_MAX_INSNS);

	autofree struct sock_filter *insns = calloc(n, sizeof(*insns));
	if (!insns)
		return set_err(err, errlen, "%s: out of memory", name);
	ssize_t got = read_all_at(fd, insns, size);
	if (got != (ssize_t)size) {
		int e = got < 0 ? errno : EIO;
		return set_err(err, errlen, "%s: reading back the BPF: %s", name, strerror(e));
	}
	p->insns = steal_pointer(&insns);
	p->prog.len = (unsigned short)n;
	p->prog.filter = p->insns;
	return 0;
}

/* Compile the plan with libseccomp in a child process with a deadline.
 *
 * libseccomp 2.5.4 loops forever adding some sets of disjoint conditional
 * rules (three rules for one syscall, two sharing a `!=` or range comparison
 * on a lower argument than the one that tells them apart; found by fuzzing),
 * and leaks memory on others. Compiling in a child turns a hang into a
 * start-up error and keeps libseccomp's heap out of verdict's. The child is
 * forked from the thread that loads the policy; glibc keeps malloc usable
 * across fork, which is all libseccomp needs. Export goes through a memfd:
 * libseccomp 2.5 has no seccomp_export_bpf_mem (2.6 does). */
static int compile_plan(const char *name, const struct policy_plan *plan, int timeout_ms,
			struct policy *p, char *err, size_t errlen)
{
	autoclose int bpf_fd = memfd_create("verdict-policy-bpf", MFD_CLOEXEC);
	autoclose int msg_fd = memfd_create("verdict-policy-msg", MFD_CLOEXEC);
	int status = 0;

	if (bpf_fd < 0 || msg_fd < 0) {
		int e = errno;
		return set_err(err, errlen, "%s: memfd_create: %s", name, strerror(e));
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		return set_err(err, errlen, "%s: fork: %s", name, strerror(e));
	}
	if (pid == 0)
		compile_child(name, plan, bpf_fd, msg_fd);

	int rc = wait_deadline(pid, timeout_ms, &status);
	if (rc == -ETIMEDOUT)
		return set_err(err, errlen,
			       "%s: libseccomp did not finish compiling in %d ms (libseccomp 2.5 "
			       "can loop on some combinations of conditional rules; see "
			       "policies/README.md)",
			       name, timeout_ms);
	if (rc < 0)
		return set_err(err, errlen, "%s: waiting for the compiler: %s", name,
			       strerror(-rc));
	if (WIFSIGNALED(status))
		return set_err(err, errlen,
			       "%s: libseccomp crashed compiling the policy (signal %d)", name,
			       WTERMSIG(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return read_bpf(name, bpf_fd, p, err, errlen);

	/* The child's reason already reads "name:line: ...". */
	char msg[512];
	ssize_t n = read_all_at(msg_fd, msg, sizeof(msg) - 1);
	if (n <= 0)
		return set_err(err, errlen, "%s: libseccomp failed (no reason given)", name);
	msg[n] = '\0';
	return set_err(err, errlen, "%s", msg);
}

int policy_load_text_deadline(const char *name, const char *text, size_t len, int timeout_ms,
			      struct policy **out, char *err, size_t errlen)
{
	autoplan struct policy_plan plan = { 0 };
	autopolicy struct policy *p = NULL;

	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if (!name)
		name = "<policy>";
	if (policy_plan_parse(name, text, len, &plan, err, errlen) < 0)
		return -1;

	p = calloc(1, sizeof(*p));
	if (!p)
		return set_err(err, errlen, "%s: out of memory", name);
	p->name = strdup(name);
	if (!p->name)
		return set_err(err, errlen, "%s: out of memory", name);
	p->n_rule_lines = plan.n_rule_lines;
	if (compile_plan(name, &plan, timeout_ms, p, err, errlen) < 0)
		return -1;
	*out = steal_pointer(&p);
	return 0;
}

int policy_load_text(const char *name, const char *text, size_t len, struct policy **out, char *err,
		     size_t errlen)
{
	return policy_load_text_deadline(name, text, len, POLICY_COMPILE_TIMEOUT_MS, out, err,
					 errlen);
}

int policy_load_file(const char *path, struct policy **out, char *err, size_t errlen)
{
	autoclose int fd = -1;
	autofree char *buf = NULL;
	struct stat st;
	size_t got = 0;

	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		return set_err(err, errlen, "%s: cannot open: %s", path, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		return set_err(err, errlen, "%s: fstat: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		return set_err(err, errlen, "%s: not a regular file", path);
	if (st.st_size > POLICY_MAX_BYTES)
		return set_err(err, errlen, "%s: larger than %d bytes", path, POLICY_MAX_BYTES);

	/* +1 so an empty file still gets a buffer, and so growth past the
	 * stat size (a file being rewritten) is noticed. */
	size_t cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf)
		return set_err(err, errlen, "%s: out of memory", path);
	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			return set_err(err, errlen, "%s: read: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == cap)
			return set_err(err, errlen, "%s: file changed while being read", path);
	}
	return policy_load_text(path, buf, got, out, err, errlen);
}

const void *policy_bpf(const struct policy *p, size_t *n_instructions)
{
	*n_instructions = p->prog.len;
	return p->insns;
}

size_t policy_rule_count(const struct policy *p)
{
	return p->n_rule_lines;
}

const char *policy_name(const struct policy *p)
{
	return p->name;
}

/* Runs between fork and execve: one system call on memory prepared by
 * policy_load_*, no allocation, no stdio, errno read once. */
int policy_install(const struct policy *p)
{
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->prog, 0, 0) != 0)
		return -errno;
	return 0;
}

void policy_free(struct policy **p)
{
	if (!p || !*p)
		return;
	free((*p)->insns);
	free((*p)->name);
	free(*p);
	*p = NULL;
}
