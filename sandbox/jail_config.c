/* Building the process-wide jail configuration once at start-up: resolve the
 * interpreter, compile the policy, choose the ids the jail maps, probe the
 * host's isolation layers and pick the level every run will use. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_internal.h"

/* ids needed inside the jail: 0 for init (and later the warm pool parent),
 * then a block of run ids starting at JAIL_RUN_UID. */
#define JAIL_RUN_UID 1000
#define JAIL_RUN_IDS 4096
/* Preferred first host id of the mapping: far above ordinary users and the
 * usual /etc/subuid ranges, so no host account owns these ids. */
#define JAIL_PREFERRED_BASE 2000000000u

/* Every program sees exactly this environment: nothing of the service's.
 * Math libraries are pinned to one thread so that memory limits (address
 * space) and process limits hold for numpy as for plain Python. */
static const char *const jail_environment[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"HOME=/tmp",
	"TMPDIR=/tmp",
	"USER=sandbox",
	"LOGNAME=sandbox",
	"LANG=C.UTF-8",
	"LC_ALL=C.UTF-8",
	"PYTHONDONTWRITEBYTECODE=1",
	"OPENBLAS_NUM_THREADS=1",
	"OMP_NUM_THREADS=1",
	"MKL_NUM_THREADS=1",
	"NUMEXPR_NUM_THREADS=1",
	NULL,
};

static bool under_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static bool in_system_dirs(const char *path)
{
	static const char *const dirs[] = { "/usr", "/bin", "/sbin", "/lib", "/lib64" };
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++)
		if (under_dir(path, dirs[i]))
			return true;
	return false;
}

static int resolve_python(struct jail_config *c, const char *python, char *err, size_t errlen)
{
	if (!python || !*python)
		python = "/usr/bin/python3";
	if (python[0] != '/') {
		snprintf(err, errlen, "interpreter path must be absolute: %s", python);
		return -1;
	}
	snprintf(c->python, sizeof(c->python), "%s", python);
	if (!realpath(python, c->python_real)) {
		snprintf(err, errlen, "interpreter %s: %s", python, strerror(errno));
		return -1;
	}
	if (access(c->python_real, X_OK) != 0) {
		snprintf(err, errlen, "interpreter %s is not executable: %s", c->python_real, strerror(errno));
		return -1;
	}
	c->python_prefix[0] = '\0';
	if (!in_system_dirs(c->python_real)) {
		/* e.g. /opt/python3.11/bin/python3.11 -> bind /opt/python3.11 so
		 * the interpreter finds its stdlib at the same path. */
		char tmp[PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s", c->python_real);
		char *slash = strrchr(tmp, '/');
		if (slash)
			*slash = '\0';
		slash = strrchr(tmp, '/');
		if (slash && slash != tmp)
			*slash = '\0';
		snprintf(c->python_prefix, sizeof(c->python_prefix), "%s", tmp);
	}
	if (!in_system_dirs(c->python) && !under_dir(c->python, c->python_prefix[0] ? c->python_prefix : "/usr")) {
		/* The path as given lives elsewhere (a symlink farm): run the
		 * resolved binary instead. */
		snprintf(c->python, sizeof(c->python), "%s", c->python_real);
	}
	return 0;
}

/* Find `need` consecutive ids that the current user namespace maps (first
 * column of uid_map), excluding `own`. Returns 0 and the base, or -1. */
static int find_id_range(const char *map_path, unsigned own, unsigned need, unsigned *base)
{
	autofclose FILE *f = fopen(map_path, "re");
	if (!f)
		return -1;
	unsigned inside, outside, count;
	bool found = false;
	while (fscanf(f, "%u %u %u", &inside, &outside, &count) == 3) {
		unsigned long long lo = inside, hi = (unsigned long long)inside + count; /* [lo, hi) */
		/* Prefer the conventional high base when this extent covers it. */
		if (JAIL_PREFERRED_BASE >= lo && (unsigned long long)JAIL_PREFERRED_BASE + need <= hi &&
		    !(own >= JAIL_PREFERRED_BASE && own < JAIL_PREFERRED_BASE + need)) {
			*base = JAIL_PREFERRED_BASE;
			return 0;
		}
		/* Otherwise the top of the extent, above our own id. */
		if (hi - lo >= need) {
			unsigned long long b = hi - need;
			if (own >= b && own < hi) {
				if (own >= lo + need)
					b = own - need;
				else
					continue;
			}
			if (!found || b > *base) {
				*base = (unsigned)b;
				found = true;
			}
		}
	}
	return found ? 0 : -1;
}

static void choose_ids(struct jail_config *c)
{
	c->outer_uid = geteuid();
	c->outer_gid = getegid();
	c->run_uid = JAIL_RUN_UID;
	/* One block for the jails' user namespaces (0 and the run ids), a
	 * second, disjoint one for the seccomp level's runs, whose ids live
	 * in the host's namespace and are swept with kill(-1) as that id. */
	unsigned need = 1 + 2 * JAIL_RUN_IDS;
	unsigned ubase = 0, gbase = 0;
	/* Writing a map of other ids needs CAP_SETUID/CAP_SETGID in our own
	 * namespace, which in practice means running as root. */
	if (c->outer_uid == 0 && find_id_range("/proc/self/uid_map", 0, need, &ubase) == 0 &&
	    find_id_range("/proc/self/gid_map", 0, need, &gbase) == 0) {
		c->map_base_uid = ubase;
		c->map_base_gid = gbase;
		c->map_count = 1 + JAIL_RUN_IDS;
		c->seccomp_uid = ubase + 1 + JAIL_RUN_IDS;
		c->seccomp_ids = JAIL_RUN_IDS;
	} else {
		/* Unprivileged: only our own id can be mapped, and it becomes the
		 * run uid inside. */
		c->map_base_uid = c->outer_uid;
		c->map_base_gid = c->outer_gid;
		c->map_count = 1;
	}
	if (c->map_count <= 1) {
		c->seccomp_uid = c->outer_uid;
		c->seccomp_ids = 0;
	}
}

static char **copy_strv(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	char **out = calloc(n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			for (size_t k = 0; k < i; k++)
				free(out[k]);
			free(out);
			return NULL;
		}
	}
	return out;
}

static bool full_layers_available(const struct jail_config *c, enum jail_layer_id *missing)
{
	static const enum jail_layer_id need[] = {
		JAIL_LAYER_USER_NS, JAIL_LAYER_PID_NS, JAIL_LAYER_MOUNT_NS, JAIL_LAYER_NET_NS,
		JAIL_LAYER_IPC_NS,  JAIL_LAYER_UTS_NS, JAIL_LAYER_SECCOMP,  JAIL_LAYER_NO_NEW_PRIVS,
		JAIL_LAYER_CAPS,    JAIL_LAYER_RLIMITS,
	};
	for (size_t i = 0; i < ARRAY_LEN(need); i++)
		if (c->layers[need[i]].state == JAIL_LAYER_MISSING) {
			*missing = need[i];
			return false;
		}
	return true;
}

static bool seccomp_layers_available(const struct jail_config *c, enum jail_layer_id *missing)
{
	static const enum jail_layer_id need[] = { JAIL_LAYER_SECCOMP, JAIL_LAYER_NO_NEW_PRIVS, JAIL_LAYER_RLIMITS };
	for (size_t i = 0; i < ARRAY_LEN(need); i++)
		if (c->layers[need[i]].state == JAIL_LAYER_MISSING) {
			*missing = need[i];
			return false;
		}
	return true;
}

/* Mark which available layers the chosen level actually uses. */
static void mark_active(struct jail_config *c)
{
	for (int i = 0; i < JAIL_LAYER_COUNT; i++) {
		if (c->layers[i].state == JAIL_LAYER_MISSING)
			continue;
		bool used;
		switch ((enum jail_layer_id)i) {
		case JAIL_LAYER_USER_NS:
		case JAIL_LAYER_PID_NS:
		case JAIL_LAYER_MOUNT_NS:
		case JAIL_LAYER_NET_NS:
		case JAIL_LAYER_IPC_NS:
		case JAIL_LAYER_UTS_NS:
			used = c->level == JAIL_LEVEL_FULL;
			break;
		case JAIL_LAYER_SECCOMP:
		case JAIL_LAYER_NO_NEW_PRIVS:
		case JAIL_LAYER_CAPS:
		case JAIL_LAYER_RLIMITS:
		case JAIL_LAYER_RUN_UID:
			used = c->level != JAIL_LEVEL_NONE;
			break;
		case JAIL_LAYER_CGROUP:
			used = false; /* not used yet: see jail_probe.c */
			break;
		case JAIL_LAYER_COUNT:
		default:
			used = false;
			break;
		}
		c->layers[i].state = used ? JAIL_LAYER_ACTIVE : JAIL_LAYER_AVAILABLE;
	}
}

/* Can we hand a file to a uid of the seccomp level's block and become that
 * uid? Tried in a throw-away child on a throw-away directory. */
static bool can_use_seccomp_uid(const struct jail_config *c)
{
	char dir[] = "/tmp/verdict-uid-probe-XXXXXX";
	if (!mkdtemp(dir))
		return false;
	bool ok = chown(dir, c->seccomp_uid, c->seccomp_uid) == 0;
	rmdir(dir);
	if (!ok)
		return false;
	pid_t pid = fork();
	if (pid == 0)
		_exit(setresgid(c->seccomp_uid, c->seccomp_uid, c->seccomp_uid) == 0 &&
			      setresuid(c->seccomp_uid, c->seccomp_uid, c->seccomp_uid) == 0
		      ? 0
		      : 1);
	if (pid < 0)
		return false;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void set_missing(struct jail_config *c, enum jail_layer_id id, const char *why)
{
	c->layers[id].state = JAIL_LAYER_MISSING;
	snprintf(c->layers[id].detail, sizeof(c->layers[id].detail), "a jailed test run failed: %s", why);
}

/* Run the interpreter on nothing in the jail: the full level works here
 * only if this passes. */
static int self_test(struct jail_config *c, char *why, size_t n)
{
	const char *argv[] = { c->python, "-I", "-S", "-c", "pass", NULL };
	struct jail_spec s = { .argv = argv };
	s.limits.cpu_ms = 10000;
	s.limits.wall_ms = 30000;
	struct jail_result r;
	jail_run(c, &s, &r);
	int rc = 0;
	if (r.status != JAIL_OK) {
		snprintf(why, n, "%s%s%.150s", jail_status_name(r.status), r.error[0] ? ": " : "", r.error);
		rc = -1;
	}
	jail_result_free(&r);
	return rc;
}

/* The second line of a start-up refusal: the container or host setting that
 * gives the missing layer back (docs/containers.md has the whole story). */
static const char *missing_hint(enum jail_layer_id id)
{
	switch (id) {
	case JAIL_LAYER_USER_NS:
	case JAIL_LAYER_PID_NS:
	case JAIL_LAYER_MOUNT_NS:
	case JAIL_LAYER_NET_NS:
	case JAIL_LAYER_IPC_NS:
	case JAIL_LAYER_UTS_NS:
		return "hint: allow namespaces: Docker/Podman --security-opt seccomp=verdict-full.json "
		       "(deploy/seccomp/make_profile.py) or seccomp=unconfined; Kubernetes "
		       "securityContext.seccompProfile Localhost or Unconfined, hostUsers: false; sysctl "
		       "user.max_user_namespaces > 0; docs/containers.md";
	case JAIL_LAYER_CAPS:
		return "hint: as root verdict needs CAP_SETPCAP to empty the bounding set (--cap-add SETPCAP), "
		       "or run it as a non-root user; docs/containers.md";
	case JAIL_LAYER_SECCOMP:
	case JAIL_LAYER_NO_NEW_PRIVS:
	case JAIL_LAYER_RLIMITS:
	case JAIL_LAYER_RUN_UID:
	case JAIL_LAYER_CGROUP:
	case JAIL_LAYER_COUNT:
		break;
	}
	return "hint: docs/containers.md";
}

int jail_config_init(struct jail_config *c, const struct jail_options *o, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->level = JAIL_LEVEL_NONE;
	jail_limits_default(&c->defaults);
	jail_limits_merge(&c->defaults, &(struct jail_limits){ 0 });
	if (o) {
		struct jail_limits d = o->defaults;
		jail_limits_merge(&d, &c->defaults);
		c->defaults = d;
	}
	/* A program that closes its stdin early must not kill the service with
	 * SIGPIPE when the supervisor writes more input. */
	signal(SIGPIPE, SIG_IGN);
	if (resolve_python(c, o ? o->python : NULL, err, errlen) < 0)
		return -1;
	c->ro_binds = copy_strv(o ? o->ro_binds : NULL);
	if (!c->ro_binds) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; c->ro_binds[i]; i++) {
		if (c->ro_binds[i][0] != '/' || access(c->ro_binds[i], R_OK) != 0) {
			snprintf(err, errlen, "read-only bind %s: must be an existing absolute path", c->ro_binds[i]);
			return -1;
		}
	}
	if (o && o->policy_path) {
		if (policy_load_file(o->policy_path, &c->policy, err, errlen) < 0)
			return -1;
	} else if (o && o->policy_text) {
		if (policy_load_text(o->policy_label ? o->policy_label : "built-in policy", o->policy_text,
				     o->policy_len, &c->policy, err, errlen) < 0)
			return -1;
	} else {
		snprintf(err, errlen, "no seccomp policy given");
		return -1;
	}
	choose_ids(c);
	/* Supplementary groups of a root service (gid 0 among them) would
	 * follow the program into the jail, where setgroups is denied. */
	if (geteuid() == 0 && setgroups(0, NULL) != 0) {
		snprintf(err, errlen, "setgroups: %s\nhint: as root verdict needs CAP_SETUID and CAP_SETGID "
			 "(--cap-add SETUID --cap-add SETGID), or run it as a non-root user", strerror(errno));
		return -1;
	}
	jail_probe_layers(c);
	if (c->seccomp_ids > 0 && !can_use_seccomp_uid(c)) {
		/* Root without CAP_SETUID/CAP_SETGID/CAP_CHOWN (a container that
		 * dropped them): the seccomp level cannot give each run its own
		 * uid, so runs share verdict's. */
		c->seccomp_ids = 0;
		c->seccomp_uid = c->outer_uid;
	}

	enum jail_level min = o ? o->min_level : JAIL_LEVEL_FULL;
	enum jail_layer_id missing = JAIL_LAYER_COUNT;
	if (o && o->force_seccomp_level && seccomp_layers_available(c, &missing)) {
		c->level = JAIL_LEVEL_SECCOMP;
	} else if (full_layers_available(c, &missing)) {
		c->level = JAIL_LEVEL_FULL;
	} else if (min == JAIL_LEVEL_SECCOMP && seccomp_layers_available(c, &missing)) {
		c->level = JAIL_LEVEL_SECCOMP;
	} else {
		mark_active(c);
		snprintf(err, errlen, "isolation level '%s' cannot be met: %s is missing (%s)\n%s", jail_level_name(min),
			 jail_layer_name(missing), c->layers[missing].detail, missing_hint(missing));
		return -1;
	}
	if (c->level == JAIL_LEVEL_SECCOMP && c->seccomp_ids == 0) {
		c->layers[JAIL_LAYER_RUN_UID].state = JAIL_LAYER_MISSING;
		snprintf(c->layers[JAIL_LAYER_RUN_UID].detail, sizeof(c->layers[JAIL_LAYER_RUN_UID].detail),
			 "runs share verdict's uid %u (no root, or no CAP_SETUID/CAP_SETGID/CAP_CHOWN)",
			 (unsigned)c->outer_uid);
	}
	mark_active(c);
	c->envp = jail_environment;
	if (c->level == JAIL_LEVEL_FULL) {
		c->root_base = calloc(1, sizeof(*c->root_base));
		if (!c->root_base || jail_root_plan_base(c->root_base, c, err, errlen) < 0) {
			free(c->root_base);
			c->root_base = NULL;
			if (!err[0])
				snprintf(err, errlen, "out of memory");
			return -1;
		}
		/* Namespaces can be creatable and still not usable (a runtime
		 * that forbids mounts inside them): prove the level with a real
		 * run before relying on it. */
		char why[200];
		if (self_test(c, why, sizeof(why)) < 0) {
			set_missing(c, JAIL_LAYER_MOUNT_NS, why);
			jail_root_plan_free(c->root_base);
			free(c->root_base);
			c->root_base = NULL;
			if (min != JAIL_LEVEL_SECCOMP || !seccomp_layers_available(c, &missing)) {
				c->level = JAIL_LEVEL_NONE;
				mark_active(c);
				snprintf(err, errlen,
					 "isolation level 'full' cannot be met: a jailed test run failed: %s\n"
					 "hint: the runtime refuses mount, pivot_root or sethostname in the namespaces: "
					 "Docker/Podman --security-opt seccomp=verdict-full.json "
					 "(deploy/seccomp/make_profile.py) or "
					 "seccomp=unconfined, apparmor=unconfined on AppArmor hosts; Kubernetes "
					 "seccompProfile Localhost or Unconfined; docs/containers.md",
					 why);
				return -1;
			}
			c->level = JAIL_LEVEL_SECCOMP;
			mark_active(c);
		}
	}
	return 0;
}

void jail_config_free(struct jail_config *c)
{
	policy_free(&c->policy);
	if (c->root_base) {
		jail_root_plan_free(c->root_base);
		free(c->root_base);
		c->root_base = NULL;
	}
	for (size_t i = 0; c->ro_binds && c->ro_binds[i]; i++)
		free(c->ro_binds[i]);
	free(c->ro_binds);
	c->ro_binds = NULL;
}
