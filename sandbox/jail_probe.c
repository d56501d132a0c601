/* Probing which isolation layers this host allows, by trying each one in a
 * throw-away child process. Real hosts differ: Docker's default seccomp
 * profile refuses unshare, some kernels disable unprivileged user
 * namespaces, most pods have no cgroup v2 delegation. Each layer gets a
 * state and a one-line reason that `verdict check` prints. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_internal.h"

enum probe_slot {
	PROBE_USER,
	PROBE_PID,
	PROBE_MOUNT,
	PROBE_NET,
	PROBE_IPC,
	PROBE_UTS,
	PROBE_HOSTNAME,
	PROBE_SECCOMP,
	PROBE_NNP,
	PROBE_BOUNDING,
	PROBE_COUNT,
};

static void set_layer(struct jail_config *c, enum jail_layer_id id, enum jail_layer_state s, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_layer(struct jail_config *c, enum jail_layer_id id, enum jail_layer_state s, const char *fmt, ...)
{
	va_list ap;
	c->layers[id].state = s;
	va_start(ap, fmt);
	vsnprintf(c->layers[id].detail, sizeof(c->layers[id].detail), fmt, ap);
	va_end(ap);
}

/* In a forked child: try every layer, write one errno (0 = worked) per slot. */
static __attribute__((noreturn)) void probe_child(int fd)
{
	int res[PROBE_COUNT];
	for (int i = 0; i < PROBE_COUNT; i++)
		res[i] = ENOTSUP;
	res[PROBE_USER] = unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
	static const struct {
		int slot, flag;
	} ns[] = {
		{ PROBE_PID, CLONE_NEWPID },   { PROBE_MOUNT, CLONE_NEWNS }, { PROBE_NET, CLONE_NEWNET },
		{ PROBE_IPC, CLONE_NEWIPC },   { PROBE_UTS, CLONE_NEWUTS },
	};
	for (size_t i = 0; i < ARRAY_LEN(ns); i++)
		res[ns[i].slot] = unshare(ns[i].flag) == 0 ? 0 : errno;
	/* Some runtimes' profiles refuse sethostname even in a uts namespace
	 * of our own; the jail tolerates that, the report says it. */
	if (res[PROBE_UTS] == 0)
		res[PROBE_HOSTNAME] = sethostname("verdict", 7) == 0 ? 0 : errno;
	res[PROBE_NNP] = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : errno;
	res[PROBE_BOUNDING] = 0;
	for (int cap = 0; cap <= (int)cap_max_bits() - 1; cap++)
		if (cap_drop_bound((cap_value_t)cap) != 0 && errno != EINVAL) {
			res[PROBE_BOUNDING] = errno;
			break;
		}
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };
	res[PROBE_SECCOMP] = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : errno;
	ssize_t n = write(fd, res, sizeof(res));
	_exit(n == (ssize_t)sizeof(res) ? 0 : 1);
}

static int run_probe(int res[PROBE_COUNT])
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		probe_child(p[1]);
	}
	close(p[1]);
	ssize_t n;
	do {
		n = read(p[0], res, sizeof(int) * PROBE_COUNT);
	} while (n < 0 && errno == EINTR);
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return n == (ssize_t)(sizeof(int) * PROBE_COUNT) ? 0 : -EIO;
}

static void read_sysctl(const char *path, char *buf, size_t n)
{
	buf[0] = '\0';
	autofclose FILE *f = fopen(path, "re");
	if (f && fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = '\0';
}

static void user_ns_reason(int err, char *buf, size_t n)
{
	char v[64];
	read_sysctl("/proc/sys/user/max_user_namespaces", v, sizeof(v));
	if (strcmp(v, "0") == 0) {
		snprintf(buf, n, "disabled: sysctl user.max_user_namespaces = 0");
		return;
	}
	read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", v, sizeof(v));
	if (strcmp(v, "0") == 0 && geteuid() != 0) {
		snprintf(buf, n, "disabled: sysctl kernel.unprivileged_userns_clone = 0");
		return;
	}
	read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", v, sizeof(v));
	if (strcmp(v, "1") == 0 && geteuid() != 0) {
		snprintf(buf, n, "refused by AppArmor (kernel.apparmor_restrict_unprivileged_userns = 1)");
		return;
	}
	snprintf(buf, n, "unshare(CLONE_NEWUSER): %s (a container seccomp profile refusing unshare/clone, "
			 "or a missing CAP_SYS_ADMIN)", strerror(err));
}

/* Seccomp mode already applied to verdict itself by a container runtime. */
static int own_seccomp_mode(void)
{
	autofclose FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp:", 8) == 0)
			return atoi(line + 8);
	return -1;
}

/* A writable cgroup v2 directory of our own with the memory and pids
 * controllers enabled for children is what a per-run cgroup needs. */
static void probe_cgroup(struct jail_config *c)
{
	char mnt[512] = "", line[1024];
	{
		autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
		while (f && fgets(line, sizeof(line), f)) {
			char *sep = strstr(line, " - cgroup2 ");
			if (!sep)
				continue;
			char point[512];
			if (sscanf(line, "%*s %*s %*s %*s %511s", point) == 1) {
				snprintf(mnt, sizeof(mnt), "%s", point);
				break;
			}
		}
	}
	if (!mnt[0]) {
		set_layer(c, JAIL_LAYER_CGROUP, JAIL_LAYER_MISSING, "no cgroup v2 hierarchy mounted; relying on rlimits");
		return;
	}
	char self[512] = "";
	{
		autofclose FILE *f = fopen("/proc/self/cgroup", "re");
		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "0::", 3) == 0) {
				snprintf(self, sizeof(self), "%s", line + 3);
				self[strcspn(self, "\n")] = '\0';
			}
	}
	char dir[1100], controllers[256] = "";
	snprintf(dir, sizeof(dir), "%s%s", mnt, strcmp(self, "/") == 0 ? "" : self);
	char path[1200];
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	read_sysctl(path, controllers, sizeof(controllers));
	if (!strstr(controllers, "memory") || !strstr(controllers, "pids")) {
		set_layer(c, JAIL_LAYER_CGROUP, JAIL_LAYER_MISSING,
			  "%s has controllers '%s', not memory+pids: no delegation; relying on rlimits", dir,
			  controllers);
		return;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (access(dir, W_OK) != 0 || access(path, W_OK) != 0) {
		set_layer(c, JAIL_LAYER_CGROUP, JAIL_LAYER_MISSING, "%s is not writable: no delegation; relying on rlimits",
			  dir);
		return;
	}
	/* Delegation exists but per-run cgroups are not wired in yet. */
	set_layer(c, JAIL_LAYER_CGROUP, JAIL_LAYER_AVAILABLE, "%s delegated (memory, pids); not used yet", dir);
}

void jail_probe_layers(struct jail_config *c)
{
	int res[PROBE_COUNT];
	int rc = run_probe(res);
	if (rc < 0)
		for (int i = 0; i < PROBE_COUNT; i++)
			res[i] = -rc;

	char why[160];
	if (res[PROBE_USER] == 0)
		set_layer(c, JAIL_LAYER_USER_NS, JAIL_LAYER_AVAILABLE, "program runs as uid %u inside, host uid %u",
			  (unsigned)c->run_uid, (unsigned)(c->map_count > 1 ? c->map_base_uid + 1 : c->outer_uid));
	else {
		user_ns_reason(res[PROBE_USER], why, sizeof(why));
		set_layer(c, JAIL_LAYER_USER_NS, JAIL_LAYER_MISSING, "%s", why);
	}
	static const struct {
		int slot;
		enum jail_layer_id id;
		const char *what;
	} ns[] = {
		{ PROBE_PID, JAIL_LAYER_PID_NS, "own processes only; all killed when the run ends" },
		{ PROBE_MOUNT, JAIL_LAYER_MOUNT_NS, "minimal root via pivot_root, private /tmp" },
		{ PROBE_NET, JAIL_LAYER_NET_NS, "no network interface up" },
		{ PROBE_IPC, JAIL_LAYER_IPC_NS, "private SysV IPC and POSIX queues" },
		{ PROBE_UTS, JAIL_LAYER_UTS_NS, "hostname 'verdict'" },
	};
	for (size_t i = 0; i < ARRAY_LEN(ns); i++) {
		int e = res[ns[i].slot];
		if (res[PROBE_USER] != 0)
			set_layer(c, ns[i].id, JAIL_LAYER_MISSING, "needs the user namespace, which is missing");
		else if (e == 0 && ns[i].slot == PROBE_UTS && res[PROBE_HOSTNAME] != 0)
			set_layer(c, ns[i].id, JAIL_LAYER_AVAILABLE,
				  "own uts namespace; sethostname refused (%s), so it keeps the host's name",
				  strerror(res[PROBE_HOSTNAME]));
		else if (e == 0 && ns[i].slot == PROBE_MOUNT)
			set_layer(c, ns[i].id, JAIL_LAYER_AVAILABLE, "%s; binds read-only, nosuid, nodev, submounts too (%s)",
				  ns[i].what,
				  jail_readonly_has_setattr() ? "mount_setattr" : "each remounted: no mount_setattr here");
		else if (e == 0)
			set_layer(c, ns[i].id, JAIL_LAYER_AVAILABLE, "%s", ns[i].what);
		else
			set_layer(c, ns[i].id, JAIL_LAYER_MISSING, "unshare: %s", strerror(e));
	}
	int mode = own_seccomp_mode();
	if (res[PROBE_SECCOMP] == 0)
		set_layer(c, JAIL_LAYER_SECCOMP, JAIL_LAYER_AVAILABLE, "policy %s (%zu rules)%s",
			  policy_name(c->policy), policy_rule_count(c->policy),
			  mode == 2 ? "; verdict itself already runs under a runtime filter" : "");
	else
		set_layer(c, JAIL_LAYER_SECCOMP, JAIL_LAYER_MISSING, "installing a filter failed: %s",
			  strerror(res[PROBE_SECCOMP]));
	if (res[PROBE_NNP] == 0)
		set_layer(c, JAIL_LAYER_NO_NEW_PRIVS, JAIL_LAYER_AVAILABLE, "set before exec; setuid bits ignored");
	else
		set_layer(c, JAIL_LAYER_NO_NEW_PRIVS, JAIL_LAYER_MISSING, "prctl: %s", strerror(res[PROBE_NNP]));
	if (res[PROBE_BOUNDING] == 0)
		set_layer(c, JAIL_LAYER_CAPS, JAIL_LAYER_AVAILABLE,
			  "bounding, ambient, permitted, effective, inheritable sets emptied");
	else if (res[PROBE_USER] == 0)
		set_layer(c, JAIL_LAYER_CAPS, JAIL_LAYER_AVAILABLE,
			  "all sets emptied inside the jail's user namespace (the bounding set only there)");
	else if (geteuid() != 0)
		set_layer(c, JAIL_LAYER_CAPS, JAIL_LAYER_AVAILABLE,
			  "verdict holds no capability; the bounding set cannot be cleared without CAP_SETPCAP");
	else
		set_layer(c, JAIL_LAYER_CAPS, JAIL_LAYER_MISSING, "cannot clear the bounding set: %s",
			  strerror(res[PROBE_BOUNDING]));
	set_layer(c, JAIL_LAYER_RLIMITS, JAIL_LAYER_AVAILABLE, "address space, CPU, processes, file size, files, core");
	if (c->map_count > 1)
		set_layer(c, JAIL_LAYER_RUN_UID, JAIL_LAYER_AVAILABLE, "ids %u..%u of the host reserved for runs",
			  (unsigned)c->map_base_uid, (unsigned)(c->seccomp_uid + c->seccomp_ids - 1));
	else
		set_layer(c, JAIL_LAYER_RUN_UID, JAIL_LAYER_MISSING,
			  "verdict is not root: only its own uid %u can be mapped, so runs share it",
			  (unsigned)c->outer_uid);
	probe_cgroup(c);
}
