/* The host side of the jail suite: what the host looks like before a run
 * (mounts, descriptors, temporary files), the canaries, the loopback
 * listener and the sentinel process the attacks aim at, and the check after
 * every run that nothing escaped. Each looks only at what this test or
 * verdict could have made. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "tap.h"
#include "test_jail.h"

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

void snapshot_take(const struct suite *s, struct snapshot *sn)
{
	list_mounts(&sn->mounts, &sn->n_mounts);
	sn->fds = count_fds();
	list_tmp(s, &sn->tmp, &sn->n_tmp);
}

void snapshot_free(struct snapshot *sn)
{
	free_list(sn->mounts, sn->n_mounts);
	sn->mounts = NULL;
	sn->n_mounts = 0;
	free_list(sn->tmp, sn->n_tmp);
	sn->tmp = NULL;
	sn->n_tmp = 0;
}

/* ------------------------------------------------------ host-side state */

int make_canary(struct canary *c, const char *parent)
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

void remove_canary(struct canary *c)
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

int open_listener(int *port)
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
bool listener_touched(int fd, int timeout_ms)
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
pid_t start_sentinel(uid_t uid, gid_t gid)
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

bool sentinel_alive(pid_t pid)
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
bool host_clean(struct suite *s, const struct snapshot *before, char *why, size_t n)
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
