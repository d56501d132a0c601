/* The jail's attack suite (meson suite `jail`, TAP).
 *
 * Real hostile Python programs (tests/attacks/NAME.py, one forbidden thing each)
 * run in the real jail, built the way `verdict` builds it (the built-in
 * policy, jail_config_init, jail_run). Each program prints the line
 * "observed: ..." with what it saw; the table below states the status the
 * supervisor must report and the observation. After every run the host side
 * is checked too: the canary files are untouched, the loopback listener got
 * no connection, a host process of the program's own host uid survived, no
 * process of the jail's ids is left, the test has no unreaped child, no
 * mount appeared under /tmp (where the jail stages its root), nothing was
 * left in the test's own temporary directory (verdict's TMPDIR here) and
 * nothing owned by a jail id appeared in the host's /tmp, and the test holds
 * the same number of descriptors. Each check looks only at what this test or
 * verdict could have made, so other programs on the machine cannot fail it.
 *
 * Legitimate programs (tests/legit/NAME.py) must keep working, alone and eight
 * at a time.
 *
 * Usage: test_jail HELPER
 *   HELPER: the static jail_helper_abi binary (foreign system call ABIs).
 * Environment: VERDICT_SOURCE_ROOT (tests/attacks, tests/legit),
 *   VERDICT_PYTHON (default /usr/bin/python3), VERDICT_MUST_WORK=1 to fail
 *   instead of skipping when the host lacks a layer (CI sets it). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cleanup.h"
#include "base/embedded.h"
#include "jail.h"
#include "base/embedded.h"
#include "pool.h"
#include "tap.h"

#define MIB (1024ULL * 1024ULL)
#define PATH_BUF (PATH_MAX + 64)
#define MAX_SECRETS 8 /* host strings handed to the attacks (see suite_host_side) */
#define MAX_TMP_ENTRIES 4096
#define STDIN_BYTES (10u * 1000u * 1000u)
#define N_CONCURRENT 8

extern char **environ;

/* ------------------------------------------------------------ the suite */

struct canary {
	char dir[PATH_BUF];
	char path[PATH_BUF];
	char content[128];
	struct stat st;
};

struct suite {
	struct jail_config cfg;
	struct jail_pool *pool; /* pool mode: every run goes through the warm pool */
	char root[PATH_MAX]; /* source root: tests/attacks, tests/legit */
	const char *helper_path;
	char own_tmp[PATH_BUF]; /* the suite's temporary directory, verdict's TMPDIR */
	bool no_ia32; /* the kernel has no IA-32 emulation: int $0x80 faults (SIGSEGV) */
	bool must_work;
	struct canary canary[2]; /* under the host's /tmp, under the test's cwd */
	int listen_fd;
	int listen_port;
	pid_t sentinel;		/* a host process of the program's host uid */
	uid_t program_host_uid; /* the id the jail's uid maps to on the host */
	struct stat python_st;	/* the host's interpreter, which /usr binds */
	char python_real[PATH_MAX];
	const char *secrets[MAX_SECRETS]; /* host strings invisible in the jail */
	char secret_buf[MAX_SECRETS][PATH_BUF];
	size_t n_secrets;
	char port_arg[16];
};

/* What the host looked like before a run. */
struct snapshot {
	char **mounts; /* "ID MOUNTPOINT" of /proc/self/mountinfo under /tmp, sorted */
	size_t n_mounts;
	size_t fds;
	char **tmp; /* entries of the suite's own temporary directory, and of
		     * the host's /tmp owned by a jail id, sorted */
	size_t n_tmp;
};

/* ------------------------------------------------------------- helpers */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int read_file(const char *path, char **out, size_t *len)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			free(buf);
			return -e;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* Untrusted text for a diagnostic line: bounded, control bytes escaped. */
static const char *printable(const char *data, size_t len, char *buf, size_t n)
{
	size_t o = 0, i = 0;
	/* Room for the longest escape (4), "..." and the NUL. */
	for (; data && i < len && o + 8 < n; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	if (data && i < len)
		o += (size_t)snprintf(buf + o, n - o, "...");
	buf[o] = '\0';
	return buf;
}

/* The text after the last "observed: " line start, up to the newline. */
static bool observation(const struct jail_capture *out, char *buf, size_t n)
{
	static const char key[] = "observed: ";
	const char *found = NULL;
	for (const char *p = out->data; p && (p = strstr(p, key)) != NULL; p++)
		if (p == out->data || p[-1] == '\n')
			found = p + strlen(key);
	if (!found)
		return false;
	size_t len = strcspn(found, "\n");
	if (len >= n)
		len = n - 1;
	memcpy(buf, found, len);
	buf[len] = '\0';
	return true;
}

/* "detail: KEY=NUMBER" printed by an attack, or -1. */
static long detail(const struct jail_result *r, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "detail: %s=", key);
	const char *p = r->out.data ? strstr(r->out.data, pat) : NULL;
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static int cmp_str(const void *a, const void *b);

/* The host's mounts as "ID MOUNTPOINT" strings, sorted: a mount that
 * appears has an ID not seen before (IDs are not reused while a mount
 * lives; one removed meanwhile by someone else is no leak of ours). */
static void list_mounts(char ***out, size_t *n)
{
	size_t cap = 256;
	*out = calloc(cap, sizeof(char *));
	*n = 0;
	autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	while (*out && f && fgets(line, sizeof(line), f)) {
		unsigned id = 0;
		char point[2048];
		if (sscanf(line, "%u %*u %*s %*s %2047s", &id, point) != 2)
			continue;
		/* The jail stages its root over /tmp in its own mount namespace;
		 * a mount that leaked to ours would show there. */
		if (strcmp(point, "/tmp") != 0 && strncmp(point, "/tmp/", 5) != 0)
			continue;
		if (*n == cap) {
			char **grown = realloc(*out, cap * 2 * sizeof(char *));
			if (!grown)
				break;
			*out = grown;
			cap *= 2;
		}
		char *entry = NULL;
		if (asprintf(&entry, "%u %s", id, point) >= 0)
			(*out)[(*n)++] = entry;
	}
	if (*out)
		qsort(*out, *n, sizeof(char *), cmp_str);
}

static size_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n ? n - 1 : 0; /* the directory's own descriptor */
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds "PREFIX/NAME" for each entry of dir that `keep` accepts. */
static void list_dir(const char *dir, const char *prefix, bool (*keep)(const struct suite *, const char *),
		     const struct suite *s, char **out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL && *n < MAX_TMP_ENTRIES) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[PATH_BUF];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (keep && !keep(s, path))
			continue;
		char *entry = NULL;
		if (asprintf(&entry, "%s/%s", prefix, e->d_name) >= 0)
			out[(*n)++] = entry;
	}
	if (d)
		closedir(d);
}

/* Was path made by a process of the jail's host ids? (a jailed program
 * that reached the host's /tmp: no other program runs as those ids). */
static bool owned_by_jail(const struct suite *s, const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return false;
	return s->cfg.map_count > 1 && st.st_uid >= s->cfg.map_base_uid &&
	       st.st_uid < s->cfg.map_base_uid + s->cfg.map_count;
}

/* What verdict or a jailed program could have left: every entry of the
 * suite's own temporary directory (verdict's TMPDIR), and the entries of
 * the host's /tmp that a jail id owns. Other programs' files are not
 * looked at, so they cannot fail the suite. */
static void list_tmp(const struct suite *s, char ***out, size_t *n)
{
	*out = calloc(MAX_TMP_ENTRIES, sizeof(char *));
	*n = 0;
	if (!*out)
		return;
	if (s->own_tmp[0])
		list_dir(s->own_tmp, "(test's TMPDIR)", NULL, s, *out, n);
	list_dir("/tmp", "/tmp", owned_by_jail, s, *out, n);
	qsort(*out, *n, sizeof(char *), cmp_str);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void snapshot_take(const struct suite *s, struct snapshot *sn)
{
	list_mounts(&sn->mounts, &sn->n_mounts);
	sn->fds = count_fds();
	list_tmp(s, &sn->tmp, &sn->n_tmp);
}

static void snapshot_free(struct snapshot *sn)
{
	free_list(sn->mounts, sn->n_mounts);
	sn->mounts = NULL;
	sn->n_mounts = 0;
	free_list(sn->tmp, sn->n_tmp);
	sn->tmp = NULL;
	sn->n_tmp = 0;
}

static void appendf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t n, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, n - used, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------ host-side state */

static int make_canary(struct canary *c, const char *parent)
{
	snprintf(c->dir, sizeof(c->dir), "%s/verdict-canary.XXXXXX", parent);
	if (!mkdtemp(c->dir))
		return -errno;
	snprintf(c->path, sizeof(c->path), "%s/canary", c->dir);
	snprintf(c->content, sizeof(c->content), "verdict canary of pid %d at %llu\n", (int)getpid(),
		 (unsigned long long)now_ms());
	autoclose int fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(c->content);
	if (write(fd, c->content, len) != (ssize_t)len)
		return -EIO;
	if (fstat(fd, &c->st) != 0)
		return -errno;
	return 0;
}

static void remove_canary(struct canary *c)
{
	if (c->path[0])
		unlink(c->path);
	if (c->dir[0])
		rmdir(c->dir);
}

static bool canary_intact(const struct canary *c)
{
	autofree char *data = NULL;
	size_t len = 0;
	struct stat st;
	if (stat(c->path, &st) != 0 || read_file(c->path, &data, &len) != 0)
		return false;
	return len == strlen(c->content) && memcmp(data, c->content, len) == 0 && st.st_ino == c->st.st_ino &&
	       st.st_mode == c->st.st_mode && st.st_uid == c->st.st_uid &&
	       st.st_mtim.tv_sec == c->st.st_mtim.tv_sec && st.st_mtim.tv_nsec == c->st.st_mtim.tv_nsec &&
	       st.st_ctim.tv_sec == c->st.st_ctim.tv_sec && st.st_ctim.tv_nsec == c->st.st_ctim.tv_nsec;
}

static int open_listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Returns true when a connection reached the listener within timeout_ms
 * (and takes it off the queue, so the next check starts clean). */
static bool listener_touched(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;
	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (r <= 0)
		return false;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c >= 0)
		close(c);
	return true;
}

/* A host process running as the host id the jailed program maps to: if
 * anything inside could signal outside its pid namespace, it would die. */
static pid_t start_sentinel(uid_t uid, gid_t gid)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		syscall(SYS_exit_group, 0);
	if (getuid() == 0 && uid != 0) {
		syscall(SYS_setgroups, 0, NULL);
		syscall(SYS_setresgid, gid, gid, gid);
		syscall(SYS_setresuid, uid, uid, uid);
	}
	for (;;)
		pause();
}

static bool sentinel_alive(pid_t pid)
{
	int st;
	return pid > 0 && kill(pid, 0) == 0 && waitpid(pid, &st, WNOHANG) == 0;
}

/* After a sentinel died (reported once), reap it and start another so one
 * event fails one check, not every check after it. */
static void sentinel_restart(struct suite *s)
{
	int st = 0;
	if (s->sentinel > 0 && waitpid(s->sentinel, &st, WNOHANG) == s->sentinel && WIFSIGNALED(st))
		tap_diag("the host process %d of uid %u was killed by signal %d", (int)s->sentinel,
			 (unsigned)s->program_host_uid, WTERMSIG(st));
	gid_t gid = s->cfg.map_count > 1 ? s->cfg.map_base_gid + 1 : getgid();
	s->sentinel = start_sentinel(s->program_host_uid, gid);
}

/* The parent of `pid` from /proc/PID/stat, or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	autofclose FILE *f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		return -1;
	const char *p = strrchr(buf, ')');
	int ppid = -1;
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* The test is a child subreaper (see main), so a process of one of its
 * jails that survived the run, daemon or escapee, would still be its
 * descendant: it cannot be reparented past us. Other engineers' runs on a
 * shared host use the same id range but are not our descendants. */
static bool descends_from_us(pid_t pid)
{
	for (int depth = 0; pid > 1 && depth < 128; depth++) {
		pid = parent_of(pid);
		if (pid == getpid())
			return true;
	}
	return false;
}

/* Processes left by this test's runs: every live descendant but the
 * sentinel, reported with its ids; those in the jail's id range [map_base_uid,
 * map_base_uid + map_count) are the ones the jail must have killed. Returns
 * the count; `others` gets the number of in-range processes of other runs on
 * this host. */
static size_t leftover_processes(const struct suite *s, size_t *others, char *why, size_t n)
{
	const struct jail_config *c = &s->cfg;
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t found = 0;
	*others = 0;
	while (d && (e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid() || pid == s->sentinel)
			continue;
		char path[64], line[256];
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		autofclose FILE *f = fopen(path, "re");
		unsigned long ids[4] = { 0 };
		bool have = false;
		char comm[64] = "?";
		while (f && fgets(line, sizeof(line), f)) {
			if (strncmp(line, "Name:", 5) == 0)
				sscanf(line + 5, " %63s", comm);
			if (strncmp(line, "Uid:", 4) == 0)
				have = sscanf(line + 4, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) == 4;
		}
		if (!have)
			continue; /* gone meanwhile */
		/* The warm pool's workers (its jail's init and warm parent, uid 0
		 * inside, the base id outside) live from run to run by design. */
		if (s->pool && ids[0] == c->map_base_uid)
			continue;
		bool in_range = false;
		for (int i = 0; i < 4; i++)
			if (ids[i] >= c->map_base_uid && ids[i] < (unsigned long)c->map_base_uid + c->map_count)
				in_range = true;
		if (descends_from_us((pid_t)pid)) {
			found++;
			appendf(why, n, " process %ld (%s, uid %lu%s) left;", pid, comm, ids[0],
				in_range ? ", the jail's range" : "");
		} else if (in_range && c->map_count > 1) {
			(*others)++;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* Is a host file's owner one of the jail's ids? */
/* Entries of list_tmp() missing from `before`: left behind by the run. */
static size_t new_tmp_entries(const struct suite *s, const struct snapshot *before, char *why, size_t n)
{
	char **now;
	size_t n_now, fresh = 0;
	list_tmp(s, &now, &n_now);
	char names[512] = "";
	for (size_t i = 0; now && i < n_now; i++)
		if (!bsearch(&now[i], before->tmp, before->n_tmp, sizeof(char *), cmp_str)) {
			fresh++;
			appendf(names, sizeof(names), " %s", now[i]);
		}
	free_list(now, n_now);
	if (fresh)
		appendf(why, n, " left behind:%s;", names);
	return fresh;
}

/* Every host-side check; false with the reasons in `why`. */
static bool host_clean(struct suite *s, const struct snapshot *before, char *why, size_t n)
{
	why[0] = '\0';
	for (int i = 0; i < 2; i++)
		if (!canary_intact(&s->canary[i]))
			appendf(why, n, " canary %s changed;", s->canary[i].path);
	if (listener_touched(s->listen_fd, 0))
		appendf(why, n, " the loopback listener got a connection;");
	if (!sentinel_alive(s->sentinel)) {
		appendf(why, n, " the host process of uid %u died;", (unsigned)s->program_host_uid);
		sentinel_restart(s);
	}
	size_t others = 0;
	leftover_processes(s, &others, why, n);
	if (others)
		tap_diag("%zu processes of the jail's id range belong to other runs on this host (not our descendants)",
			 others);
	int st;
	pid_t z = waitpid(-1, &st, WNOHANG);
	if (z > 0)
		appendf(why, n, " unreaped child %d;", (int)z);
	else if (z < 0 && errno != ECHILD)
		appendf(why, n, " waitpid: %s;", strerror(errno));
	char **mounts;
	size_t n_mounts;
	list_mounts(&mounts, &n_mounts);
	for (size_t i = 0; mounts && i < n_mounts; i++) {
		if (!bsearch(&mounts[i], before->mounts, before->n_mounts, sizeof(char *), cmp_str))
			appendf(why, n, " new host mount %s;", mounts[i]);
	}
	free_list(mounts, n_mounts);
	new_tmp_entries(s, before, why, n);
	size_t fds = count_fds();
	if (fds != before->fds)
		appendf(why, n, " descriptors %zu -> %zu;", before->fds, fds);
	return why[0] == '\0';
}

static int suite_config(struct suite *s, char *err, size_t errlen);

/* ------------------------------------------------------------ running */

enum run_flag {
	RUN_CHANNEL = 1u << 0, /* fd 3 is a result channel */
	RUN_HELPER = 1u << 1,  /* /tmp/jail_helper_abi is placed in the jail */
};

struct run_req {
	const char *dir;  /* "attacks" or "legit" */
	const char *file; /* NAME.py */
	const char *const *args;
	size_t n_args;
	struct jail_limits limits;
	unsigned flags;
	const void *stdin_data;
	size_t stdin_len;
};

/* Runs tests/DIR/FILE as /tmp/FILE in the jail. Returns 0 with *r filled
 * (free with jail_result_free), or -errno when the program or the helper
 * could not be read. */
static int run_program(const struct suite *s, const struct run_req *q, struct jail_result *r)
{
	char path[PATH_BUF];
	snprintf(path, sizeof(path), "%s/tests/%s/%s", s->root, q->dir, q->file);
	autofree char *program = NULL, *helper = NULL;
	size_t program_len = 0, helper_len = 0;
	int rc = read_file(path, &program, &program_len);
	if (rc < 0)
		return rc;
	struct jail_file files[2] = { { .name = q->file, .data = program, .len = program_len } };
	size_t n_files = 1;
	if (q->flags & RUN_HELPER) {
		if (!s->helper_path)
			return -ENOENT;
		rc = read_file(s->helper_path, &helper, &helper_len);
		if (rc < 0)
			return rc;
		files[n_files++] = (struct jail_file){ .name = "jail_helper_abi", .data = helper, .len = helper_len };
	}
	char jail_path[PATH_BUF];
	snprintf(jail_path, sizeof(jail_path), "/tmp/%s", q->file);
	const char *argv[4 + MAX_SECRETS + 4];
	size_t k = 0;
	argv[k++] = s->cfg.python;
	argv[k++] = jail_path;
	for (size_t i = 0; i < q->n_args && k + 1 < ARRAY_LEN(argv); i++)
		argv[k++] = q->args[i];
	argv[k] = NULL;
	struct jail_spec spec = {
		.argv = argv,
		.files = files,
		.n_files = n_files,
		.stdin_data = q->stdin_data,
		.stdin_len = q->stdin_len,
		.limits = q->limits,
		.want_channel = (q->flags & RUN_CHANNEL) != 0,
	};
	if (s->pool)
		jail_pool_run(s->pool, &spec, r);
	else
		jail_run(&s->cfg, &spec, r);
	return 0;
}

/* The arguments every attack gets: the listener's port, the two canary
 * paths, then host strings that must be invisible in the jail. */
static size_t attack_args(const struct suite *s, const char **args, size_t cap)
{
	size_t n = 0;
	args[n++] = s->port_arg;
	args[n++] = s->canary[0].path;
	args[n++] = s->canary[1].path;
	for (size_t i = 0; i < s->n_secrets && n < cap; i++)
		args[n++] = s->secrets[i];
	return n;
}

static void diag_result(const struct jail_result *r)
{
	char buf[700];
	tap_diag("status %s exit %d signal %d wall %llu ms cpu %llu ms rss %llu KiB%s%s", jail_status_name(r->status),
		 r->exit_code, r->signal, (unsigned long long)r->wall_ms, (unsigned long long)r->cpu_ms,
		 (unsigned long long)r->peak_rss_kb, r->error[0] ? ": " : "", r->error);
	tap_diag("stdout: %s", printable(r->out.data, r->out.len, buf, sizeof(buf)));
	size_t from = r->err.len > 600 ? r->err.len - 600 : 0;
	tap_diag("stderr (tail): %s", printable(r->err.data ? r->err.data + from : NULL, r->err.len - from, buf,
						  sizeof(buf)));
}

/* ------------------------------------------------------------ the table */

struct case_def;
typedef bool (*extra_fn)(const struct suite *s, const struct case_def *c, const struct jail_result *r);

struct case_def {
	const char *name; /* what the TAP lines call it */
	const char *dir;
	const char *file;
	enum jail_status status; /* what the supervisor must report */
	const char *observed;	 /* the program's "observed: " line */
	const char *exact_stdout;
	struct jail_limits limits; /* zero fields: the suite's defaults */
	unsigned flags;
	extra_fn extra;
	const char *extra_what;
};

/* The foreign-ABI attack (the one RUN_HELPER case) where the kernel has no
 * IA-32 emulation (CONFIG_IA32_EMULATION off, or ia32_emulation=0): int $0x80
 * raises SIGSEGV before any system call is made, so seccomp is never asked
 * and the call is refused all the same. */
static const char NO_IA32_OBSERVED[] = "native=exit0 x32=SIGSYS int80=SIGSEGV";

/* What the program must print on this host. */
static const char *case_observed(const struct suite *s, const struct case_def *c)
{
	return s->no_ia32 && (c->flags & RUN_HELPER) ? NO_IA32_OBSERVED : c->observed;
}

/* Does the kernel run int $0x80 at all? The helper's int80 mode, outside
 * any jail and filter: SIGSEGV means there is no IA-32 entry to filter. */
static bool host_lacks_ia32(const char *helper)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execl(helper, helper, "int80", (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

static bool x_forks(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	long n = detail(r, "forks");
	return n >= 0 && n < (long)c->limits.max_procs;
}

static bool x_threads(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	long n = detail(r, "threads");
	return n > 0 && n < (long)c->limits.max_procs;
}

static bool x_memory(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	long mib = detail(r, "mib");
	return mib >= 0 && (uint64_t)mib * MIB <= c->limits.memory_bytes &&
	       r->peak_rss_kb * 1024u <= c->limits.memory_bytes;
}

static bool x_sigxcpu(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	/* RLIMIT_CPU is checked at the scheduler's tick and the reported CPU
	 * is what the reaper's rusage says; on a loaded virtual machine they
	 * differ by some ticks. What matters: SIGXCPU, near the limit. */
	return r->signal == SIGXCPU && r->cpu_ms + 250 >= c->limits.cpu_ms;
}

static bool x_hard_cpu(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	return r->signal == SIGKILL && r->cpu_ms > c->limits.cpu_ms;
}

static bool x_deadline(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	/* It sleeps an hour: ending within seconds of the deadline (slack for a
	 * loaded machine) means the deadline ended it. */
	return r->wall_ms >= c->limits.wall_ms && r->wall_ms < c->limits.wall_ms + 20000u;
}

static bool x_output(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	return r->out.truncated && r->out.len <= c->limits.output_keep_bytes &&
	       r->out.total > c->limits.output_max_bytes;
}

static bool x_outside_absent(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	static const char *const paths[] = { "/usr/verdict-attack", "/etc/verdict-attack", "/verdict-attack",
					     "/usr/lib/verdict-attack" };
	for (size_t i = 0; i < ARRAY_LEN(paths); i++)
		if (access(paths[i], F_OK) == 0)
			return false;
	return true;
}

static bool x_tmp_cap(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	uint64_t cap = c->limits.tmp_bytes ? c->limits.tmp_bytes : s->cfg.defaults.tmp_bytes;
	long kib = detail(r, "written_kib");
	return kib > 0 && (uint64_t)kib * 1024u <= cap;
}

static bool x_no_connection(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	return !listener_touched(s->listen_fd, 300);
}

static bool x_sentinel(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	return sentinel_alive(s->sentinel) && kill(getpid(), 0) == 0;
}

static bool x_quick(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	/* The daemon sleeps 30 s and the wall cap is 60 s: a run held by it
	 * would last 30 s or more; slack for a loaded machine below that. */
	return r->wall_ms < 15000 && detail(r, "daemon_pid") > 0;
}

static bool x_exit0(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	return r->exit_code == 0 && r->signal == 0;
}

static bool x_channel(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	return r->channel.len == 3 && memcmp(r->channel.data, "fd3", 3) == 0;
}

static bool x_usr_unchanged(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	struct stat st;
	return stat(s->python_real, &st) == 0 && st.st_mode == s->python_st.st_mode &&
	       st.st_mtim.tv_sec == s->python_st.st_mtim.tv_sec &&
	       st.st_ctim.tv_sec == s->python_st.st_ctim.tv_sec &&
	       st.st_ctim.tv_nsec == s->python_st.st_ctim.tv_nsec && access("/usr/lib/verdict-attack", F_OK) != 0;
}

static bool x_rss_200(const struct suite *s, const struct case_def *c, const struct jail_result *r)
{
	return r->peak_rss_kb >= 200u * 1024u;
}

/* Limits are small so the suite stays fast: the defaults of the suite's
 * config are 2 s CPU, 5 s wall, 1 GiB, 64 processes, 16 MiB /tmp. The CPU
 * cases get a long wall deadline, which only a starved machine reaches:
 * their verdict must come from the CPU limit. */
static const struct case_def attacks[] = {
	{ "fork bomb", "attacks", "fork_bomb.py", JAIL_OK, "fork refused: EAGAIN", NULL,
	  { .max_procs = 16 }, 0, x_forks, "forks stopped below RLIMIT_NPROC (16)" },
	{ "thread bomb", "attacks", "thread_bomb.py", JAIL_OK, "thread refused: RuntimeError", NULL,
	  { .max_procs = 32 }, 0, x_threads, "threads stopped below RLIMIT_NPROC (32)" },
	{ "memory bomb (malloc)", "attacks", "memory_bomb_malloc.py", JAIL_MEMORY_LIMIT,
	  "allocation refused: MemoryError", NULL, { .memory_bytes = 256 * MIB }, 0, x_memory,
	  "allocated and peak RSS within 256 MiB" },
	{ "memory bomb (mmap)", "attacks", "memory_bomb_mmap.py", JAIL_OK, "mmap 4 GiB: ENOMEM; growing: ENOMEM",
	  NULL, { .memory_bytes = 256 * MIB }, 0, x_memory, "mapped and peak RSS within 256 MiB" },
	{ "infinite loop", "attacks", "infinite_loop.py", JAIL_CPU_LIMIT, "spinning", NULL,
	  { .cpu_ms = 1000, .wall_ms = 20000 }, 0, x_sigxcpu, "SIGXCPU after 1 s of CPU" },
	{ "infinite loop ignoring SIGXCPU", "attacks", "infinite_loop_ignore_xcpu.py", JAIL_CPU_LIMIT,
	  "spinning with SIGXCPU ignored", NULL, { .cpu_ms = 1000, .wall_ms = 20000 }, 0, x_hard_cpu,
	  "SIGKILL at the hard limit, past the soft one" },
	{ "sleep past the deadline, signals blocked", "attacks", "sleep_blocked.py", JAIL_TIMEOUT,
	  "sleeping with every signal blocked", NULL, { .wall_ms = 1000 }, 0, x_deadline,
	  "killed at the 1 s wall deadline" },
	{ "huge stdout", "attacks", "huge_stdout.py", JAIL_OUTPUT_LIMIT, "flooding stdout", NULL,
	  { .output_max_bytes = 1 * MIB, .output_keep_bytes = 64 * 1024 }, 0, x_output,
	  "kept 64 KiB, killed past 1 MiB" },
	{ "write outside /tmp (/usr, /etc, /)", "attacks", "write_outside_tmp.py", JAIL_OK,
	  "usr=EROFS etc=EROFS root=EROFS", NULL, { 0 }, 0, x_outside_absent, "nothing created on the host" },
	{ "fill /tmp (8 MiB cap in the spec)", "attacks", "fill_tmp.py", JAIL_OK, "write stopped: ENOSPC", NULL,
	  { .tmp_bytes = 8 * MIB }, 0, x_tmp_cap, "stopped within the 8 MiB cap" },
	{ "fill /tmp (config default cap)", "attacks", "fill_tmp.py", JAIL_OK, "write stopped: ENOSPC", NULL,
	  { 0 }, 0, x_tmp_cap, "stopped within the 16 MiB default cap" },
	{ "read host canary files", "attacks", "read_canary.py", JAIL_OK,
	  "canary_tmp=ENOENT canary_cwd=ENOENT via_init_root=ENOENT host_root_home=ENOENT", NULL, { 0 }, 0, NULL,
	  NULL },
	{ "connect to a host loopback listener", "attacks", "connect_loopback.py", JAIL_OK,
	  /* sendto with an address is allowed by the policy; the network
	   * namespace's private abstract names leave nothing to reach. */
	  "AF_INET=EAFNOSUPPORT AF_INET6=EAFNOSUPPORT AF_NETLINK=EAFNOSUPPORT AF_PACKET=EAFNOSUPPORT "
	  "unix_connect=EPERM unix_sendto=EPERM",
	  NULL, { 0 }, 0, x_no_connection, "the listener accepted nothing within 300 ms" },
	{ "ptrace (own child, init, self)", "attacks", "ptrace.py", JAIL_OK,
	  "child=EPERM init=EPERM traceme=EPERM vm_readv=EPERM init_mem=ENOENT", NULL, { 0 }, 0, NULL, NULL },
	{ "unshare and mount", "attacks", "unshare_mount.py", JAIL_OK,
	  "unshare_user=EPERM unshare_mnt=EPERM clone_newuser=EPERM setns=EPERM mount=EPERM umount=EPERM "
	  "chroot=EPERM pivot_root=EPERM open_tree=EPERM fsopen=EPERM",
	  NULL, { 0 }, 0, NULL, NULL },
	{ "raise rlimits", "attacks", "raise_rlimits.py", JAIL_OK,
	  "as=EPERM cpu=EPERM nproc=EPERM nofile=EPERM fsize=EPERM core=EPERM prlimit_init=ENOSYS "
	  "oom_score_adj=EACCES",
	  NULL, { 0 }, 0, NULL, NULL },
	{ "kill(-1, SIGKILL)", "attacks", "kill_all.py", JAIL_OK, "init_survived=yes kill_all=ok child=SIGKILL", NULL,
	  { 0 }, 0, x_sentinel, "the host process of the program's host uid and the supervisor survived" },
	{ "daemonize to outlive the run", "attacks", "daemonize.py", JAIL_OK, "daemon started", NULL, { 0 }, 0,
	  x_quick, "the run ended at once, the daemon did not hold it" },
	{ "os._exit(0) before the assertions", "attacks", "early_exit.py", JAIL_OK,
	  "leaving before the assertions", "observed: leaving before the assertions\n", { 0 }, 0, x_exit0,
	  "reported as exit 0 with exactly the printed text" },
	{ "fake success markers", "attacks", "fake_success.py", JAIL_OK, "printing fake success markers",
	  "observed: printing fake success markers\nPASS\nAll tests passed\n{\"status\": \"passed\", \"passed\": true}\n",
	  { 0 }, 0, x_exit0, "reported as exit 0 with exactly the printed text" },
	{ "x32 and int 0x80 system calls", "attacks", "foreign_abi.py", JAIL_OK,
	  "native=exit0 x32=SIGSYS int80=SIGSYS", NULL, { 0 }, RUN_HELPER, NULL, NULL },
	{ "/proc/1/environ, cmdline, mountinfo", "attacks", "proc_snoop.py", JAIL_OK,
	  "init_environ=ENOENT init_cmdline=ENOENT init_status=ENOENT other_pids=none self_mountinfo=readable "
	  "self_mounts=readable self_cgroup=readable self_environ=readable",
	  NULL, { 0 }, 0, NULL, NULL },
	{ "host devices", "attacks", "devices.py", JAIL_OK,
	  "sda=ENOENT vda=ENOENT nvme0n1=ENOENT mem=ENOENT kmem=ENOENT port=ENOENT kmsg=ENOENT tty=ENOENT "
	  "console=ENOENT fuse=ENOENT net/tun=ENOENT mknod=ENOSYS "
	  "dev=fd,null,random,stderr,stdin,stdout,urandom,zero sys=absent",
	  NULL, { 0 }, 0, NULL, NULL },
	{ "TIOCSTI on stdin", "attacks", "tiocsti.py", JAIL_OK, "plain=EPERM high_bits=EPERM", NULL, { 0 }, 0, NULL,
	  NULL },
	{ "setuid and capability tricks", "attacks", "setuid_caps.py", JAIL_OK,
	  "CapInh=0000000000000000 CapPrm=0000000000000000 CapEff=0000000000000000 CapBnd=0000000000000000 "
	  "CapAmb=0000000000000000 NoNewPrivs=1 setuid0=EPERM setresuid0=EPERM setgid0=EPERM setgroups=EPERM "
	  "capset=EPERM usr_nosuid=yes",
	  NULL, { 0 }, 0, NULL, NULL },
	{ "write to fd 3..20 (no channel)", "attacks", "fds.py", JAIL_OK, "writable=none", NULL, { 0 }, 0, NULL,
	  NULL },
	{ "write to fd 3..20 (channel on fd 3)", "attacks", "fds.py", JAIL_OK, "writable=3", NULL, { 0 },
	  RUN_CHANNEL, x_channel, "the channel holds exactly what fd 3 got" },
	{ "bind-mounted /usr is read-only", "attacks", "usr_readonly.py", JAIL_OK,
	  "create=EROFS open_write=EACCES chmod=EROFS utime=EROFS rename=EROFS remount_rw=EPERM", NULL, { 0 }, 0,
	  x_usr_unchanged, "the host's interpreter is unchanged" },
	{ "/etc/shadow and host accounts", "attacks", "etc_shadow.py", JAIL_OK,
	  "/etc/shadow=ENOENT /etc/gshadow=ENOENT /etc/sudoers=ENOENT /etc/ssh=ENOENT /etc/resolv.conf=ENOENT "
	  "passwd=root,sandbox,nobody etc=alternatives,group,hostname,hosts,ld.so.cache,nsswitch.conf,passwd",
	  NULL, { 0 }, 0, NULL, NULL },
	{ "hostname", "attacks", "hostname.py", JAIL_OK,
	  "hostname=verdict uname=verdict sethostname=EPERM sysctl=EACCES", NULL, { 0 }, 0, NULL, NULL },
	{ "network interfaces", "attacks", "interfaces.py", JAIL_OK,
	  "interfaces=lo routes=0 if_nameindex=EAFNOSUPPORT", NULL, { 0 }, 0, NULL, NULL },
	{ "host-wide /proc knobs", "attacks", "proc_sensitive.py", JAIL_OK,
	  "sysrq=ENOENT kcore=ENOENT kmsg=EACCES core_pattern=EACCES drop_caches=EACCES uid_map=EPERM", NULL,
	  { 0 }, 0, NULL, NULL },
	{ "core dump", "attacks", "core_dump.py", JAIL_OK, "child=SIGABRT cores=none", NULL, { 0 }, 0, NULL, NULL },
};

static const struct case_def legit[] = {
	{ "recursion depth 10,000", "legit", "recursion.py", JAIL_OK, "depth 10000", NULL, { 0 }, 0, NULL, NULL },
	{ "200 MB allocation under 1 GiB", "legit", "alloc.py", JAIL_OK, "allocated 200 MiB", NULL, { 0 }, 0,
	  x_rss_200, "peak RSS above 200 MiB: the memory was real" },
	{ "16 threads", "legit", "threads.py", JAIL_OK, "16 threads ok", NULL, { 0 }, 0, NULL, NULL },
	{ "/tmp files", "legit", "tmp_files.py", JAIL_OK, "tmp files ok (101)", NULL, { 0 }, 0, NULL, NULL },
	{ "subprocess of sys.executable", "legit", "subprocess_python.py", JAIL_OK, "child printed 1", NULL, { 0 }, 0,
	  NULL, NULL },
	{ "big integers", "legit", "bigint.py", JAIL_OK, "mod7=4 digits=4000", NULL, { 0 }, 0, NULL, NULL },
	{ "benchmark stdlib imports", "legit", "stdlib.py", JAIL_OK, "stdlib 19/19", NULL, { 0 }, 0, NULL, NULL },
};

/* One line a case for the summary printed at the end. */
struct summary_row {
	char name[64];
	char status[24];
	char observed[480];
	bool host_ok;
};

static struct summary_row summary[ARRAY_LEN(attacks) + ARRAY_LEN(legit) + 4];
static size_t n_summary;

static void summarize(const char *name, const struct jail_result *r, const char *obs, bool host_ok)
{
	if (n_summary == ARRAY_LEN(summary))
		return;
	struct summary_row *row = &summary[n_summary++];
	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(row->status, sizeof(row->status), "%s", jail_status_name(r->status));
	printable(obs, strlen(obs), row->observed, sizeof(row->observed));
	row->host_ok = host_ok;
}

static void run_case(struct suite *s, const struct case_def *c, const void *in, size_t in_len)
{
	const char *args[4 + MAX_SECRETS];
	struct run_req q = {
		.dir = c->dir,
		.file = c->file,
		.args = args,
		.n_args = attack_args(s, args, ARRAY_LEN(args)),
		.limits = c->limits,
		.flags = c->flags,
		.stdin_data = in,
		.stdin_len = in_len,
	};
	struct snapshot before;
	snapshot_take(s, &before);
	struct jail_result r;
	int rc = run_program(s, &q, &r);
	if (rc < 0) {
		tap_ok(false, "%s: could not read the program: %s", c->name, strerror(-rc));
		snapshot_free(&before);
		return;
	}
	char obs[512] = "", buf[600];
	bool have_obs = observation(&r.out, obs, sizeof(obs));
	bool ok = tap_ok(r.status == c->status, "%s: status %s (expected %s)", c->name, jail_status_name(r.status),
			 jail_status_name(c->status));
	const char *want = case_observed(s, c);
	ok &= tap_ok(have_obs && strcmp(obs, want) == 0, "%s: observed \"%s\"", c->name,
		     have_obs ? printable(obs, strlen(obs), buf, sizeof(buf)) : "(nothing)");
	if (!have_obs || strcmp(obs, want) != 0)
		tap_diag("expected \"%s\"", want);
	if (c->exact_stdout)
		ok &= tap_ok(r.out.data && strcmp(r.out.data, c->exact_stdout) == 0 && !r.out.truncated,
			     "%s: stdout is exactly what the program printed", c->name);
	if (c->extra)
		ok &= tap_ok(c->extra(s, c, &r), "%s: %s", c->name, c->extra_what);
	char why[1024];
	bool clean = host_clean(s, &before, why, sizeof(why));
	ok &= tap_ok(clean, "%s: host side clean (canaries, listener, host process, no leftover process, "
			    "no zombie, no mount, nothing in /tmp, descriptors)",
		     c->name);
	if (!clean)
		tap_diag("host side:%s", why);
	if (!ok)
		diag_result(&r);
	summarize(c->name, &r, have_obs ? obs : "(nothing)", clean);
	jail_result_free(&r);
	snapshot_free(&before);
}

/* ------------------------------------------------- the remaining legit */

static bool host_has_numpy(const char *python)
{
	char *const argv[] = { (char *)python, (char *)"-c", (char *)"import numpy", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, python, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return false;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void test_numpy(struct suite *s)
{
	if (!host_has_numpy(s->cfg.python)) {
		if (s->must_work)
			tap_ok(false, "numpy: %s cannot import numpy on this host, but VERDICT_MUST_WORK is set",
			       s->cfg.python);
		else
			tap_skip("numpy: %s cannot import numpy on this host", s->cfg.python);
		return;
	}
	static const struct case_def c = { "numpy matrix product", "legit", "numpy_matmul.py", JAIL_OK,
					   "numpy sum=486 blas=64", NULL, { 0 }, 0, NULL, NULL };
	run_case(s, &c, NULL, 0);
}

static void test_stdin(struct suite *s)
{
	autofree unsigned char *data = malloc(STDIN_BYTES);
	if (!data) {
		tap_ok(false, "10 MB stdin: out of memory");
		return;
	}
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < STDIN_BYTES; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	uLong crc = crc32(0L, Z_NULL, 0);
	for (size_t off = 0; off < STDIN_BYTES; off += 1u << 20) {
		uInt chunk = (uInt)(STDIN_BYTES - off < (1u << 20) ? STDIN_BYTES - off : (1u << 20));
		crc = crc32(crc, data + off, chunk);
	}
	char expect[96];
	snprintf(expect, sizeof(expect), "read %u bytes crc32=%08lx", STDIN_BYTES, (unsigned long)crc);
	struct case_def c = { "10 MB stdin read fully", "legit", "stdin_10mb.py", JAIL_OK, expect, NULL, { 0 },
			      0, NULL, NULL };
	run_case(s, &c, data, STDIN_BYTES);
}

struct concurrent_job {
	const struct suite *s;
	char token[32];
	const char *dir, *file;
	struct jail_limits limits;
	struct jail_result r;
	int rc;
};

static void *concurrent_main(void *arg)
{
	struct concurrent_job *j = arg;
	const char *args[1] = { j->token };
	struct run_req q = { .dir = j->dir, .file = j->file, .args = args, .n_args = 1, .limits = j->limits };
	j->rc = run_program(j->s, &q, &j->r);
	return NULL;
}

/* Eight legitimate runs at once, from threads, next to a fork bomb: each
 * must succeed and see only its own /tmp and processes. */
static void test_concurrency(struct suite *s)
{
	struct concurrent_job jobs[N_CONCURRENT + 1];
	pthread_t th[N_CONCURRENT + 1];
	bool started[N_CONCURRENT + 1] = { false };
	struct snapshot before;
	snapshot_take(s, &before);
	for (size_t i = 0; i <= N_CONCURRENT; i++) {
		jobs[i] = (struct concurrent_job){ .s = s, .dir = "legit", .file = "concurrent.py" };
		snprintf(jobs[i].token, sizeof(jobs[i].token), "run-%zu-%u", i, (unsigned)(now_ms() % 100000u));
		if (i == N_CONCURRENT) {
			jobs[i].dir = "attacks";
			jobs[i].file = "fork_bomb.py";
			jobs[i].limits.max_procs = 16;
		}
		started[i] = pthread_create(&th[i], NULL, concurrent_main, &jobs[i]) == 0;
	}
	for (size_t i = 0; i <= N_CONCURRENT; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	bool all_ok = true;
	for (size_t i = 0; i < N_CONCURRENT; i++) {
		char expect[160], obs[256] = "";
		snprintf(expect, sizeof(expect), "token=%s tmp=concurrent.py,%s pids=1", jobs[i].token, jobs[i].token);
		bool ok = started[i] && jobs[i].rc == 0 && jobs[i].r.status == JAIL_OK &&
			  observation(&jobs[i].r.out, obs, sizeof(obs)) && strcmp(obs, expect) == 0;
		if (!ok) {
			tap_diag("concurrent run %zu: expected \"%s\"", i, expect);
			if (started[i] && jobs[i].rc == 0)
				diag_result(&jobs[i].r);
			all_ok = false;
		}
	}
	char obs[128] = "";
	bool bomb_ok = started[N_CONCURRENT] && jobs[N_CONCURRENT].rc == 0 &&
		       jobs[N_CONCURRENT].r.status == JAIL_OK && observation(&jobs[N_CONCURRENT].r.out, obs, sizeof(obs)) &&
		       strcmp(obs, "fork refused: EAGAIN") == 0;
	tap_ok(all_ok, "8 concurrent runs: each ok, seeing only its own /tmp file and its own process");
	tap_ok(bomb_ok, "a fork bomb running next to them was stopped at its own limit (%s)", obs);
	char why[1024];
	bool clean = host_clean(s, &before, why, sizeof(why));
	tap_ok(clean, "8 concurrent runs: host side clean");
	if (!clean)
		tap_diag("host side:%s", why);
	if (started[0] && jobs[0].rc == 0)
		summarize("8 concurrent runs (+ a fork bomb)", &jobs[0].r, all_ok && bomb_ok ? "each saw only itself" : "INTERFERENCE",
			  clean);
	for (size_t i = 0; i <= N_CONCURRENT; i++)
		if (started[i] && jobs[i].rc == 0)
			jail_result_free(&jobs[i].r);
	snapshot_free(&before);
}

/* ------------------------------------------- an unprivileged verdict */

/* Cases rerun with verdict unprivileged: only its own uid can be mapped, so
 * the jail's init (a copy of the supervisor) and the program share one uid,
 * and uid checks no longer keep the program away from init. */
static const char *const unprivileged_cases[] = { "proc_snoop.py", "ptrace.py", "read_canary.py", "kill_all.py" };

struct unpriv_record {
	int32_t index;	/* into attacks[], or -1: set-up failed, `text` says why */
	int32_t status; /* enum jail_status */
	char text[480]; /* the observation */
};

static const struct case_def *find_attack(const char *file)
{
	for (size_t i = 0; i < ARRAY_LEN(attacks); i++)
		if (strcmp(attacks[i].file, file) == 0)
			return &attacks[i];
	return NULL;
}

static void unpriv_send(int fd, int32_t index, int32_t status, const char *text)
{
	struct unpriv_record rec = { .index = index, .status = status };
	snprintf(rec.text, sizeof(rec.text), "%s", text);
	/* One write below PIPE_BUF: atomic. */
	if (write(fd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
		syscall(SYS_exit_group, 3);
}

/* In a child that dropped root: a config of its own, the cases, one record
 * each on `fd`. Leaves with _exit: the parent's state is not ours to free. */
static __attribute__((noreturn)) void unprivileged_child(struct suite *s, int fd, uid_t uid)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) {
		unpriv_send(fd, -1, 0, "dropping root failed");
		_exit(1);
	}
	/* Changing uid cleared the dumpable flag; a verdict started by an
	 * ordinary user is dumpable, and its jails' init inherits the flag
	 * until it clears it itself (jail_child.c). Without it the supervisor
	 * could not write the id maps of its own child. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	char err[512] = "";
	/* The parent's config stays allocated in this copy; _exit below. */
	if (suite_config(s, err, sizeof(err)) < 0) {
		unpriv_send(fd, -1, 0, err);
		_exit(0);
	}
	for (size_t i = 0; i < ARRAY_LEN(unprivileged_cases); i++) {
		const struct case_def *c = find_attack(unprivileged_cases[i]);
		if (!c)
			_exit(2); /* a name above that is not in attacks[] */
		const char *args[4 + MAX_SECRETS];
		struct run_req q = { .dir = c->dir, .file = c->file, .args = args,
				     .n_args = attack_args(s, args, ARRAY_LEN(args)), .limits = c->limits };
		struct jail_result r;
		char obs[512] = "(nothing)";
		if (run_program(s, &q, &r) < 0) {
			unpriv_send(fd, (int32_t)(c - attacks), JAIL_SANDBOX_ERROR, "could not read the program");
			continue;
		}
		if (r.status == JAIL_SANDBOX_ERROR)
			snprintf(obs, sizeof(obs), "sandbox error: %s", r.error);
		else
			observation(&r.out, obs, sizeof(obs));
		unpriv_send(fd, (int32_t)(c - attacks), (int32_t)r.status, obs);
		jail_result_free(&r);
	}
	_exit(0);
}

static void test_unprivileged(struct suite *s)
{
	if (getuid() != 0) {
		tap_skip("unprivileged verdict: the suite itself runs unprivileged, the cases above covered it");
		return;
	}
	struct snapshot before;
	snapshot_take(s, &before);
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		tap_ok(false, "unprivileged verdict: pipe: %s", strerror(errno));
		snapshot_free(&before);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		unprivileged_child(s, p[1], 65534);
	}
	close(p[1]);
	struct unpriv_record rec;
	size_t got = 0;
	bool skipped = false;
	ssize_t n;
	while ((n = read(p[0], &rec, sizeof(rec))) == (ssize_t)sizeof(rec)) {
		rec.text[sizeof(rec.text) - 1] = '\0';
		char buf[600];
		if (rec.index < 0 || (size_t)rec.index >= ARRAY_LEN(attacks)) {
			if (s->must_work)
				tap_ok(false, "unprivileged verdict (uid 65534): no jail, but VERDICT_MUST_WORK is set: %s",
				       printable(rec.text, strlen(rec.text), buf, sizeof(buf)));
			else
				tap_skip("unprivileged verdict (uid 65534): no jail on this host: %s",
					 printable(rec.text, strlen(rec.text), buf, sizeof(buf)));
			skipped = true;
			continue;
		}
		const struct case_def *c = &attacks[rec.index];
		got++;
		tap_ok(rec.status == (int32_t)c->status, "%s, verdict unprivileged: status %s", c->name,
		       jail_status_name((enum jail_status)rec.status));
		bool same = strcmp(rec.text, case_observed(s, c)) == 0;
		tap_ok(same, "%s, verdict unprivileged: observed \"%s\"", c->name,
		       printable(rec.text, strlen(rec.text), buf, sizeof(buf)));
		if (!same)
			tap_diag("expected \"%s\"", case_observed(s, c));
		if (n_summary < ARRAY_LEN(summary)) {
			struct summary_row *row = &summary[n_summary++];
			snprintf(row->name, sizeof(row->name), "%s (verdict as uid 65534)", c->name);
			snprintf(row->status, sizeof(row->status), "%s", jail_status_name((enum jail_status)rec.status));
			printable(rec.text, strlen(rec.text), row->observed, sizeof(row->observed));
			row->host_ok = true;
		}
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!skipped)
		tap_ok(got == ARRAY_LEN(unprivileged_cases) && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "unprivileged verdict: every case ran (%zu of %zu)", got, ARRAY_LEN(unprivileged_cases));
	char why[1024];
	bool clean = host_clean(s, &before, why, sizeof(why));
	tap_ok(clean, "unprivileged verdict: host side clean");
	if (!clean)
		tap_diag("host side:%s", why);
	snapshot_free(&before);
}

/* --------------------------------------------------------------- setup */

static int suite_config(struct suite *s, char *err, size_t errlen)
{
	const struct embedded_file *policy = embedded_find("policies/python.policy");
	if (!policy) {
		snprintf(err, errlen, "no built-in policy in this build");
		return -1;
	}
	const char *python = getenv("VERDICT_PYTHON");
	struct jail_options o = {
		.python = python && *python ? python : "/usr/bin/python3",
		.policy_text = policy->data,
		.policy_len = policy->len,
		.policy_label = "policies/python.policy (built in)",
		.min_level = JAIL_LEVEL_FULL,
		.defaults = {
			.cpu_ms = 2000,
			/* Generous: on a loaded machine a run waits for a CPU, and
			 * no case but those that set their own wall limit is
			 * about the wall clock. */
			.wall_ms = 60000,
			.memory_bytes = 1024 * MIB,
			.max_procs = 64,
			.tmp_bytes = 16 * MIB,
			.output_keep_bytes = 256 * 1024,
			.output_max_bytes = 8 * MIB,
		},
	};
	return jail_config_init(&s->cfg, &o, err, errlen);
}

static void add_secret(struct suite *s, const char *v)
{
	if (!v || !*v || s->n_secrets == MAX_SECRETS)
		return;
	snprintf(s->secret_buf[s->n_secrets], sizeof(s->secret_buf[0]), "%s", v);
	s->secrets[s->n_secrets] = s->secret_buf[s->n_secrets];
	s->n_secrets++;
}

static int suite_host_side(struct suite *s, char *err, size_t errlen)
{
	/* verdict's own host-side files (the seccomp level's run directories)
	 * go where TMPDIR says: here, a directory only this suite uses. */
	snprintf(s->own_tmp, sizeof(s->own_tmp), "/tmp/verdict-jail-test.XXXXXX");
	if (!mkdtemp(s->own_tmp) || setenv("TMPDIR", s->own_tmp, 1) != 0) {
		snprintf(err, errlen, "temporary directory: %s", strerror(errno));
		s->own_tmp[0] = '\0';
		return -1;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd))) {
		snprintf(err, errlen, "getcwd: %s", strerror(errno));
		return -1;
	}
	int rc = make_canary(&s->canary[0], "/tmp");
	if (rc == 0)
		rc = make_canary(&s->canary[1], cwd);
	if (rc < 0) {
		snprintf(err, errlen, "creating the canary files: %s", strerror(-rc));
		return -1;
	}
	s->listen_fd = open_listener(&s->listen_port);
	if (s->listen_fd < 0) {
		snprintf(err, errlen, "loopback listener: %s", strerror(-s->listen_fd));
		return -1;
	}
	snprintf(s->port_arg, sizeof(s->port_arg), "%d", s->listen_port);
	/* write_id_maps() maps the jail's run uid to the id after the base
	 * (the base itself is the jail's root, init). */
	s->program_host_uid = s->cfg.map_count > 1 ? s->cfg.map_base_uid + 1 : getuid();
	gid_t gid = s->cfg.map_count > 1 ? s->cfg.map_base_gid + 1 : getgid();
	s->sentinel = start_sentinel(s->program_host_uid, gid);
	if (s->sentinel < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (!realpath(s->cfg.python, s->python_real) || stat(s->python_real, &s->python_st) != 0) {
		snprintf(err, errlen, "%s: %s", s->cfg.python, strerror(errno));
		return -1;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	add_secret(s, s->root);
	add_secret(s, cwd);
	add_secret(s, exe);
	add_secret(s, s->canary[0].dir);
	add_secret(s, s->canary[1].dir);
	add_secret(s, s->helper_path);
	return 0;
}

static void suite_free(struct suite *s)
{
	if (s->sentinel > 0) {
		kill(s->sentinel, SIGKILL);
		while (waitpid(s->sentinel, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	for (int i = 0; i < 2; i++)
		remove_canary(&s->canary[i]);
	jail_pool_destroy(&s->pool);
	if (s->own_tmp[0])
		rmdir(s->own_tmp); /* empty: every run's check said so */
	jail_config_free(&s->cfg);
}

/* ------------------------------------------------------ the warm pool */

static int pool_start(struct suite *s, int workers, struct jail_pool **out, char *err, size_t errlen)
{
	const struct embedded_file *z = embedded_find("py/verdict_zygote.py");
	if (!z) {
		snprintf(err, errlen, "no embedded warm parent");
		return -1;
	}
	struct jail_pool_options o = { .workers = workers, .zygote = z->data, .zygote_len = z->len };
	return jail_pool_create(&s->cfg, &o, out, err, errlen);
}

static bool run_pool_file(struct suite *s, const char *dir, const char *file, const char *arg, char *obs, size_t n,
			  struct jail_result *r)
{
	const char *args[1] = { arg };
	struct run_req q = { .dir = dir, .file = file, .args = args, .n_args = arg ? 1 : 0 };
	q.limits.cpu_ms = 5000;
	q.limits.wall_ms = 15000;
	if (run_program(s, &q, r) < 0)
		return false;
	return observation(&r->out, obs, n);
}

/* Each sample starts from the same clean state: an honest sample, a hostile
 * one that tries to leave state behind and to reach its warm parent, then
 * the honest one again, all on one worker. */
static void test_pool_state(struct suite *s)
{
	struct jail_pool *one = NULL;
	char err[256];
	if (pool_start(s, 1, &one, err, sizeof(err)) < 0) {
		tap_ok(false, "a pool of one worker starts: %s", err);
		return;
	}
	struct jail_pool *saved = s->pool;
	s->pool = one;
	struct snapshot before;
	snapshot_take(s, &before);
	char a[4096] = "", h[1024] = "", b[4096] = "";
	struct jail_result ra, rh, rb;
	bool oka = run_pool_file(s, "pool", "state_probe.py", "same-args", a, sizeof(a), &ra);
	bool okh = run_pool_file(s, "pool", "hostile_state.py", NULL, h, sizeof(h), &rh);
	bool okb = run_pool_file(s, "pool", "state_probe.py", "same-args", b, sizeof(b), &rb);
	tap_ok(oka && okb && ra.status == JAIL_OK && rb.status == JAIL_OK, "honest samples before and after ran");
	bool same = oka && okb && strcmp(a, b) == 0;
	tap_ok(same, "the sample after a hostile one starts from exactly the same state as the one before");
	if (!same) {
		tap_diag("before: %s", a);
		tap_diag("after:  %s", b);
	}
	const char *want = "kill_ppid=EPERM kill_1=EPERM ptrace_1=EPERM read_1_mem=ENOENT read_1_environ=ENOENT "
			   "visible_pids=1 tmp=hostile_state.py fds=3";
	bool hostile_ok = okh && strcmp(h, want) == 0;
	tap_ok(hostile_ok, "the hostile sample cannot signal, trace or read its init or warm parent, sees no other "
			   "process, no other sample's file and no descriptor beyond its own");
	if (!hostile_ok) {
		tap_diag("expected: %s", want);
		diag_result(&rh);
	}
	char why[1024];
	bool clean = host_clean(s, &before, why, sizeof(why));
	tap_ok(clean, "pool, hostile sample between honest ones: host side clean (its thread and daemon are gone)");
	if (!clean)
		tap_diag("host side:%s", why);
	summarize("pool: hostile between two honest", &rh, hostile_ok && same ? "same clean state" : "STATE LEAKED", clean);
	if (oka)
		jail_result_free(&ra);
	if (okh)
		jail_result_free(&rh);
	if (okb)
		jail_result_free(&rb);
	snapshot_free(&before);
	s->pool = saved;
	jail_pool_destroy(&one);
}

struct pool_bg {
	struct suite *s;
	struct jail_result r;
	char obs[256];
	bool ok;
};

static void *pool_bg_main(void *arg)
{
	struct pool_bg *b = arg;
	b->ok = run_pool_file(b->s, "pool", "slow_honest.py", NULL, b->obs, sizeof(b->obs), &b->r);
	return NULL;
}

/* A worker whose warm parent dies (between runs, or under a run) is
 * replaced; the run in flight is retried once on the fresh worker. */
static void test_pool_worker_failure(struct suite *s)
{
	struct jail_pool *one = NULL;
	char err[256];
	if (pool_start(s, 1, &one, err, sizeof(err)) < 0) {
		tap_ok(false, "a pool of one worker starts: %s", err);
		return;
	}
	struct jail_pool *saved = s->pool;
	s->pool = one;
	struct jail_result r;
	char obs[512];
	tap_ok(jail_pool_kill_worker(one, 0) == 0, "the warm parent of worker 0 was killed");
	sleep_ms(100);
	bool ran = run_pool_file(s, "legit", "tmp_files.py", NULL, obs, sizeof(obs), &r);
	struct jail_pool_stats st;
	jail_pool_stats(one, &st);
	tap_ok(ran && r.status == JAIL_OK && st.worker_failures == 1,
	       "the next run succeeds on a replacement worker (failures %llu, starts %llu)",
	       (unsigned long long)st.worker_failures, (unsigned long long)st.worker_starts);
	if (ran)
		jail_result_free(&r);
	/* Now under a run: a slow job, and its worker killed mid-way. */
	struct pool_bg bg = { .s = s };
	pthread_t th;
	bool started = pthread_create(&th, NULL, pool_bg_main, &bg) == 0;
	sleep_ms(300);
	jail_pool_kill_worker(one, 0);
	if (started)
		pthread_join(th, NULL);
	jail_pool_stats(one, &st);
	bool retried = started && bg.ok && bg.r.status == JAIL_OK && st.retries >= 1;
	bool reported = started && bg.r.status == JAIL_SANDBOX_ERROR;
	(void)reported;
	tap_ok(retried, "a run whose worker dies under it is retried once on a fresh worker (status %s, retries %llu)",
	       started ? jail_status_name(bg.r.status) : "-", (unsigned long long)st.retries);
	if (!retried && started)
		diag_result(&bg.r);
	if (started && bg.ok)
		jail_result_free(&bg.r);
	s->pool = saved;
	jail_pool_destroy(&one);
}

static void print_summary(void)
{
	tap_diag("%-44s %-13s %-5s %s", "case", "status", "host", "observed");
	for (size_t i = 0; i < n_summary; i++)
		tap_diag("%-44s %-13s %-5s %s", summary[i].name, summary[i].status, summary[i].host_ok ? "clean" : "DIRTY",
			 summary[i].observed);
}

int main(int argc, char **argv)
{
	static struct suite s = { .listen_fd = -1 };
	const char *must = getenv("VERDICT_MUST_WORK");
	s.must_work = must && *must && strcmp(must, "0") != 0;
	const char *root = getenv("VERDICT_SOURCE_ROOT");
	snprintf(s.root, sizeof(s.root), "%s", root && *root ? root : ".");
	s.helper_path = argc > 1 ? argv[1] : NULL;
	s.no_ia32 = s.helper_path && host_lacks_ia32(s.helper_path);
	if (s.no_ia32)
		tap_diag("this kernel has no IA-32 emulation: int $0x80 faults before any system call (SIGSEGV)");

	char err[512] = "";
	if (suite_config(&s, err, sizeof(err)) < 0) {
		jail_config_free(&s.cfg);
		if (s.must_work) {
			tap_plan(1);
			tap_ok(false, "the full jail cannot run here, but VERDICT_MUST_WORK is set: %s", err);
			return 1;
		}
		return tap_skip_all("the full jail cannot run on this host: %s", err);
	}
	tap_plan_lazy();
	const char *pool_env = getenv("VERDICT_JAIL_POOL");
	bool pool_mode = pool_env && strcmp(pool_env, "1") == 0;
	if (pool_mode && pool_start(&s, 2, &s.pool, err, sizeof(err)) < 0) {
		tap_ok(false, "the warm pool starts: %s", err);
		suite_free(&s);
		return tap_done();
	}
	/* Whatever our jails leave behind stays our descendant and can be
	 * found and reaped (see descends_from_us). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
		tap_ok(false, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
		suite_free(&s);
		return tap_done();
	}
	if (suite_host_side(&s, err, sizeof(err)) < 0) {
		tap_ok(false, "host-side set-up: %s", err);
		suite_free(&s);
		return tap_done();
	}
	tap_diag("jail: level %s, host ids %u..%u, program's host uid %u, python %s", jail_level_name(s.cfg.level),
		 (unsigned)s.cfg.map_base_uid, (unsigned)(s.cfg.map_base_uid + s.cfg.map_count - 1),
		 (unsigned)s.program_host_uid, s.cfg.python);
	uint64_t start = now_ms();
	for (size_t i = 0; i < ARRAY_LEN(attacks); i++) {
		if ((attacks[i].flags & RUN_HELPER) && !s.helper_path) {
			if (s.must_work)
				tap_ok(false, "%s: no helper binary given (argv[1])", attacks[i].name);
			else
				tap_skip("%s: no helper binary given (argv[1])", attacks[i].name);
			continue;
		}
		run_case(&s, &attacks[i], NULL, 0);
	}
	for (size_t i = 0; i < ARRAY_LEN(legit); i++)
		run_case(&s, &legit[i], NULL, 0);
	test_numpy(&s);
	test_stdin(&s);
	test_concurrency(&s);
	if (pool_mode) {
		test_pool_state(&s);
		test_pool_worker_failure(&s);
	} else {
		test_unprivileged(&s);
	}
	tap_diag("suite ran in %llu ms", (unsigned long long)(now_ms() - start));
	print_summary();
	suite_free(&s);
	return tap_done();
}
