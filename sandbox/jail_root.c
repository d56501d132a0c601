/* The jail's root filesystem: planned in the parent as a list of plain ops
 * (bubblewrap's SetupOp idea), executed in the jail's first process, then
 * entered with pivot_root. The root holds only what the interpreter needs:
 * /usr and the /lib* and /bin links read-only, a generated /etc, a /dev with
 * four device nodes, a fresh /proc for the jail's pid namespace and a private
 * size-capped /tmp. Nothing of the host's /root, /home, /var, /run or
 * verdict's own files (datasets, other candidates' programs) is reachable. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_internal.h"

/* ------------------------------------------------------------------ plan */

static const char *plan_str(struct jail_root_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *plan_str(struct jail_root_plan *p, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		p->failed = true;
		return NULL;
	}
	if (p->n_strings == p->cap_strings) {
		size_t cap = p->cap_strings ? p->cap_strings * 2 : 32;
		char **grown = realloc(p->strings, cap * sizeof(*grown));
		if (!grown) {
			free(s);
			p->failed = true;
			return NULL;
		}
		p->strings = grown;
		p->cap_strings = cap;
	}
	p->strings[p->n_strings++] = s;
	return s;
}

static struct jail_op *plan_add(struct jail_root_plan *p, enum jail_op_kind kind, const char *dst)
{
	if (p->failed || !dst)
		return NULL;
	if (p->n_ops == p->cap_ops) {
		size_t cap = p->cap_ops ? p->cap_ops * 2 : 32;
		struct jail_op *grown = realloc(p->ops, cap * sizeof(*grown));
		if (!grown) {
			p->failed = true;
			return NULL;
		}
		p->ops = grown;
		p->cap_ops = cap;
	}
	struct jail_op *op = &p->ops[p->n_ops++];
	*op = (struct jail_op){ .kind = kind, .dst = dst, .mode = 0755 };
	return op;
}

/* Flags of the mount holding `path` that a bind remount inside a user
 * namespace must keep (the kernel locks them: MNT_LOCK_*), plus the atime
 * flags, which must match exactly. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) != 0)
		return MS_NOSUID | MS_NODEV;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (!(f & (MS_NOATIME | MS_RELATIME)))
		f |= MS_STRICTATIME;
	return f;
}

/* mkdir every missing component of `rel` (absolute jail path) under stage. */
static void plan_mkdirs(struct jail_root_plan *p, const char *rel)
{
	char buf[PATH_MAX];
	size_t n = strlen(rel);
	if (n >= sizeof(buf)) {
		p->failed = true;
		return;
	}
	memcpy(buf, rel, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char saved = buf[i];
		buf[i] = '\0';
		/* Skip components already planned. */
		const char *dst = plan_str(p, "%s%s", p->stage, buf);
		bool seen = false;
		for (size_t k = 0; dst && k < p->n_ops; k++)
			if (p->ops[k].kind == JAIL_OP_MKDIR && strcmp(p->ops[k].dst, dst) == 0)
				seen = true;
		if (!seen) {
			struct jail_op *op = plan_add(p, JAIL_OP_MKDIR, dst);
			if (op)
				op->what = plan_str(p, "mkdir %s", buf);
		}
		buf[i] = saved;
	}
}

/* Bind a host path read-only at the same path in the jail. */
static void plan_bind_ro(struct jail_root_plan *p, const char *host_path)
{
	struct stat st;
	if (stat(host_path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		plan_mkdirs(p, host_path);
	} else {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", host_path);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			plan_mkdirs(p, parent);
		}
		struct jail_op *t = plan_add(p, JAIL_OP_TOUCH, plan_str(p, "%s%s", p->stage, host_path));
		if (t)
			t->what = plan_str(p, "create %s", host_path);
	}
	struct jail_op *op = plan_add(p, JAIL_OP_BIND_RO, plan_str(p, "%s%s", p->stage, host_path));
	if (op) {
		op->src = plan_str(p, "%s", host_path);
		op->flags = locked_flags(host_path);
		op->what = plan_str(p, "bind %s read-only, every mount under it too", host_path);
	}
}

/* Top-level entries that hold the interpreter and its libraries. On merged-usr
 * systems /bin, /lib, ... are symlinks into /usr and are recreated as such. */
static void plan_system_dirs(struct jail_root_plan *p)
{
	static const char *const dirs[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		struct stat st;
		if (lstat(dirs[i], &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(dirs[i], target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			struct jail_op *op = plan_add(p, JAIL_OP_SYMLINK, plan_str(p, "%s%s", p->stage, dirs[i]));
			if (op) {
				op->src = plan_str(p, "%s", target);
				op->what = plan_str(p, "symlink %s -> %s", dirs[i], target);
			}
		} else if (S_ISDIR(st.st_mode)) {
			plan_bind_ro(p, dirs[i]);
		}
	}
}

static void plan_write(struct jail_root_plan *p, const char *jail_path, const char *content, unsigned mode)
{
	struct jail_op *op = plan_add(p, JAIL_OP_WRITE, plan_str(p, "%s%s", p->stage, jail_path));
	if (!op)
		return;
	op->data = plan_str(p, "%s", content);
	op->len = op->data ? strlen(op->data) : 0;
	op->mode = mode;
	op->what = plan_str(p, "write %s", jail_path);
}

/* A generated /etc: only the names the interpreter may look up. No host
 * passwd, shadow, hosts or resolv.conf. */
static void plan_etc(struct jail_root_plan *p, uid_t run_uid)
{
	char passwd[512], group[256];
	snprintf(passwd, sizeof(passwd),
		 "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
		 "sandbox:x:%u:%u:verdict sandbox:/tmp:/usr/sbin/nologin\n"
		 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		 (unsigned)run_uid, (unsigned)run_uid);
	snprintf(group, sizeof(group), "root:x:0:\nsandbox:x:%u:\nnogroup:x:65534:\n", (unsigned)run_uid);
	plan_mkdirs(p, "/etc");
	plan_write(p, "/etc/passwd", passwd, 0644);
	plan_write(p, "/etc/group", group, 0644);
	plan_write(p, "/etc/hostname", "verdict\n", 0644);
	plan_write(p, "/etc/hosts", "127.0.0.1 localhost verdict\n::1 localhost\n", 0644);
	plan_write(p, "/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n", 0644);
	/* The loader cache is not sensitive and spares a search of every
	 * library directory at each start. */
	if (access("/etc/ld.so.cache", R_OK) == 0)
		plan_bind_ro(p, "/etc/ld.so.cache");
	/* Debian resolves shared libraries such as libblas.so.3 (numpy) through
	 * symlinks in /etc/alternatives; the directory holds only symlinks. */
	if (access("/etc/alternatives", R_OK) == 0)
		plan_bind_ro(p, "/etc/alternatives");
}

static void plan_dev(struct jail_root_plan *p)
{
	static const char *const nodes[] = { "null", "zero", "random", "urandom" };
	plan_mkdirs(p, "/dev");
	struct jail_op *op = plan_add(p, JAIL_OP_TMPFS, plan_str(p, "%s/dev", p->stage));
	if (op) {
		op->src = "mode=0755,size=64k,nr_inodes=64";
		op->what = "tmpfs /dev";
	}
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++) {
		const char *dst = plan_str(p, "%s/dev/%s", p->stage, nodes[i]);
		struct jail_op *t = plan_add(p, JAIL_OP_TOUCH, dst);
		if (t)
			t->what = plan_str(p, "create /dev/%s", nodes[i]);
		struct jail_op *b = plan_add(p, JAIL_OP_BIND_DEV, dst);
		if (b) {
			b->src = plan_str(p, "/dev/%s", nodes[i]);
			b->flags = locked_flags("/dev/null");
			b->what = plan_str(p, "bind /dev/%s", nodes[i]);
		}
	}
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
		/* POSIX semaphores and shared memory (sem_open, shm_open: what
		 * multiprocessing's locks and queues are made of) live in
		 * /dev/shm; glibc >= 2.34 uses that path unconditionally. The
		 * run's own private /tmp tmpfs serves, so nothing is shared
		 * between runs and the /tmp size cap bounds it. */
		{ "shm", "/tmp" },
	};
	for (size_t i = 0; i < ARRAY_LEN(links); i++) {
		struct jail_op *l = plan_add(p, JAIL_OP_SYMLINK, plan_str(p, "%s/dev/%s", p->stage, links[i][0]));
		if (l) {
			l->src = links[i][1];
			l->what = plan_str(p, "symlink /dev/%s", links[i][0]);
		}
	}
}

/* The staging directory must not hide a path we bind from the host, since
 * the staging tmpfs is mounted over it inside the jail's mount namespace. */
static bool stage_hides(const char *stage, const struct jail_config *c)
{
	size_t n = strlen(stage);
	const char *paths[4] = { c->python_real, c->python_prefix, c->python, NULL };
	for (size_t i = 0; paths[i]; i++)
		if (strncmp(paths[i], stage, n) == 0 && (paths[i][n] == '/' || paths[i][n] == '\0'))
			return true;
	for (size_t i = 0; c->ro_binds && c->ro_binds[i]; i++)
		if (strncmp(c->ro_binds[i], stage, n) == 0 &&
		    (c->ro_binds[i][n] == '/' || c->ro_binds[i][n] == '\0'))
			return true;
	return false;
}

int jail_root_plan_base(struct jail_root_plan *p, const struct jail_config *c, char *err, size_t errlen)
{
	static const char *const stages[] = { "/tmp", "/mnt", "/run", "/var/tmp", "/media", "/srv", "/opt" };
	*p = (struct jail_root_plan){ 0 };
	for (size_t i = 0; i < ARRAY_LEN(stages); i++) {
		struct stat st;
		if (lstat(stages[i], &st) == 0 && S_ISDIR(st.st_mode) && !stage_hides(stages[i], c)) {
			snprintf(p->stage, sizeof(p->stage), "%s", stages[i]);
			break;
		}
	}
	if (!p->stage[0]) {
		snprintf(err, errlen, "no directory to stage the jail's root on (tried /tmp, /mnt, /run, ...)");
		return -1;
	}
	struct jail_op *root = plan_add(p, JAIL_OP_TMPFS, plan_str(p, "%s", p->stage));
	if (root) {
		root->src = "mode=0755,size=16m,nr_inodes=1024";
		root->what = "tmpfs for the new root";
	}
	plan_system_dirs(p);
	if (c->python_prefix[0])
		plan_bind_ro(p, c->python_prefix);
	for (size_t i = 0; c->ro_binds && c->ro_binds[i]; i++)
		plan_bind_ro(p, c->ro_binds[i]);
	plan_etc(p, c->run_uid);
	plan_dev(p);
	plan_mkdirs(p, "/proc");
	struct jail_op *proc = plan_add(p, JAIL_OP_PROC, plan_str(p, "%s/proc", p->stage));
	if (proc)
		proc->what = "mount /proc for the jail's pid namespace";
	plan_mkdirs(p, "/tmp");
	if (p->failed) {
		snprintf(err, errlen, "out of memory while planning the jail's root");
		jail_root_plan_free(p);
		return -1;
	}
	return 0;
}

int jail_root_plan_run(struct jail_root_plan *p, const struct jail_root_plan *base,
		       const struct jail_spec *s, uid_t owner, gid_t group)
{
	*p = (struct jail_root_plan){ 0 };
	memcpy(p->stage, base->stage, sizeof(p->stage));
	/* Ops of the base plan point into the base's strings, which outlive
	 * every run; only the per-run strings are owned here. */
	for (size_t i = 0; i < base->n_ops; i++) {
		struct jail_op *op = plan_add(p, base->ops[i].kind, base->ops[i].dst);
		if (op)
			*op = base->ops[i];
	}
	struct jail_op *tmp = plan_add(p, JAIL_OP_TMPFS, plan_str(p, "%s/tmp", p->stage));
	if (tmp) {
		tmp->src = plan_str(p, "mode=1777,size=%llu,nr_inodes=4096",
				    (unsigned long long)s->limits.tmp_bytes);
		tmp->what = "tmpfs /tmp";
	}
	for (size_t i = 0; i < s->n_files; i++) {
		struct jail_op *op = plan_add(p, JAIL_OP_WRITE, plan_str(p, "%s/tmp/%s", p->stage, s->files[i].name));
		if (!op)
			break;
		op->data = s->files[i].data;
		op->len = s->files[i].len;
		op->mode = 0644;
		/* The program owns its files, so a runner can delete its job
		 * file before running candidate code. */
		op->chown = true;
		op->owner = owner;
		op->group = group;
		op->what = plan_str(p, "write /tmp/%s", s->files[i].name);
	}
	struct jail_op *dev = plan_add(p, JAIL_OP_REMOUNT_RO, plan_str(p, "%s/dev", p->stage));
	if (dev)
		dev->what = "remount /dev read-only";
	struct jail_op *root = plan_add(p, JAIL_OP_REMOUNT_RO, plan_str(p, "%s", p->stage));
	if (root)
		root->what = "remount / read-only";
	if (p->failed) {
		jail_root_plan_free(p);
		return -1;
	}
	return 0;
}

int jail_root_plan_worker(struct jail_root_plan *p, const struct jail_root_plan *base, const struct jail_file *files,
			  size_t n_files)
{
	*p = (struct jail_root_plan){ 0 };
	memcpy(p->stage, base->stage, sizeof(p->stage));
	for (size_t i = 0; i < base->n_ops; i++) {
		struct jail_op *op = plan_add(p, base->ops[i].kind, base->ops[i].dst);
		if (op)
			*op = base->ops[i];
	}
	plan_mkdirs(p, "/verdict");
	for (size_t i = 0; i < n_files; i++) {
		struct jail_op *op = plan_add(p, JAIL_OP_WRITE, plan_str(p, "%s/verdict/%s", p->stage, files[i].name));
		if (!op)
			break;
		op->data = files[i].data;
		op->len = files[i].len;
		op->mode = 0444;
		op->what = plan_str(p, "write /verdict/%s", files[i].name);
	}
	struct jail_op *dev = plan_add(p, JAIL_OP_REMOUNT_RO, plan_str(p, "%s/dev", p->stage));
	if (dev)
		dev->what = "remount /dev read-only";
	struct jail_op *root = plan_add(p, JAIL_OP_REMOUNT_RO, plan_str(p, "%s", p->stage));
	if (root)
		root->what = "remount / read-only";
	if (p->failed) {
		jail_root_plan_free(p);
		return -1;
	}
	return 0;
}

void jail_root_plan_free(struct jail_root_plan *p)
{
	for (size_t i = 0; i < p->n_strings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(p->ops);
	*p = (struct jail_root_plan){ 0 };
}

static const char *op_kind_name(enum jail_op_kind k)
{
	switch (k) {
	case JAIL_OP_MKDIR:
		return "mkdir";
	case JAIL_OP_TOUCH:
		return "touch";
	case JAIL_OP_SYMLINK:
		return "symlink";
	case JAIL_OP_BIND_RO:
		return "bind-ro";
	case JAIL_OP_BIND_DEV:
		return "bind-dev";
	case JAIL_OP_TMPFS:
		return "tmpfs";
	case JAIL_OP_PROC:
		return "proc";
	case JAIL_OP_WRITE:
		return "write";
	case JAIL_OP_REMOUNT_RO:
		return "remount-ro";
	}
	return "?";
}

void jail_root_plan_print(const struct jail_root_plan *p, FILE *f)
{
	size_t sl = strlen(p->stage);
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct jail_op *op = &p->ops[i];
		const char *dst = op->dst;
		if (strncmp(dst, p->stage, sl) == 0)
			dst = dst[sl] ? dst + sl : "/";
		fprintf(f, "%-10s %s", op_kind_name(op->kind), dst);
		if (op->kind == JAIL_OP_WRITE)
			fprintf(f, " (%zu bytes)", op->len);
		else if (op->src)
			fprintf(f, " <- %s", op->src);
		fputc('\n', f);
	}
	fprintf(f, "pivot_root into the new root; the host root is detached\n");
}

/* -------------------------------------------------------------- execute */

static int write_all_fd(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int run_op(const struct jail_op *op)
{
	switch (op->kind) {
	case JAIL_OP_MKDIR:
		if (mkdir(op->dst, op->mode) != 0 && errno != EEXIST)
			return -errno;
		return 0;
	case JAIL_OP_TOUCH: {
		int fd = open(op->dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	}
	case JAIL_OP_SYMLINK:
		if (symlink(op->src, op->dst) != 0 && errno != EEXIST)
			return -errno;
		return 0;
	case JAIL_OP_BIND_RO:
		if (mount(op->src, op->dst, NULL, MS_BIND | MS_REC, NULL) != 0)
			return -errno;
		/* Read-only, nosuid, nodev: the bind and every mount under it. */
		return jail_readonly_tree(op->dst, op->flags);
	case JAIL_OP_BIND_DEV:
		if (mount(op->src, op->dst, NULL, MS_BIND, NULL) != 0)
			return -errno;
		if (mount(NULL, op->dst, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC | op->flags, NULL) != 0)
			return -errno;
		return 0;
	case JAIL_OP_TMPFS:
		if (mount("tmpfs", op->dst, "tmpfs", MS_NOSUID | MS_NODEV, op->src) != 0)
			return -errno;
		return 0;
	case JAIL_OP_PROC:
		/* A proc of the jail's own pid namespace: the program sees only
		 * its own processes. hidepid=2 hides the jail's init too: it is a
		 * clone of the supervisor that never calls execve, so its
		 * /proc/1/cmdline (readable by anyone, whatever the uid or
		 * dumpable flag) shows the service's command line, paths of the
		 * host included. */
		if (mount("proc", op->dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") == 0)
			return 0;
		/* Container runtimes that mask parts of their /proc make the
		 * kernel refuse a new one inside a user namespace (EPERM,
		 * "mount_too_revealing"): the jail then has no /proc at all,
		 * which the interpreter does without. */
		if (errno == EPERM || errno == EACCES)
			return 0;
		return -errno;
	case JAIL_OP_WRITE: {
		int fd = open(op->dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, op->mode);
		if (fd < 0)
			return -errno;
		int rc = write_all_fd(fd, op->data, op->len);
		if (rc == 0 && op->chown && fchown(fd, op->owner, op->group) != 0)
			rc = -errno;
		close(fd);
		return rc;
	}
	case JAIL_OP_REMOUNT_RO:
		if (mount(NULL, op->dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
			return -errno;
		return 0;
	}
	return -EINVAL;
}

int jail_root_enter(const struct jail_root_plan *p, int *failed_op)
{
	/* Nothing we mount may propagate back to the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		*failed_op = -1;
		return -errno;
	}
	for (size_t i = 0; i < p->n_ops; i++) {
		int rc = run_op(&p->ops[i]);
		if (rc < 0) {
			*failed_op = (int)i;
			return rc;
		}
	}
	/* pivot_root(".", ".") stacks the old root on top of the new one; the
	 * lazy unmount then detaches the whole host tree from this namespace
	 * (the trick documented in pivot_root(2)), with no directory needed
	 * to park the old root in. */
	*failed_op = -1;
	if (chdir(p->stage) != 0)
		return -errno;
	if (syscall(SYS_pivot_root, ".", ".") != 0)
		return -errno;
	if (umount2(".", MNT_DETACH) != 0)
		return -errno;
	if (chdir("/") != 0)
		return -errno;
	return 0;
}

void jail_print_root(const struct jail_config *c, FILE *f)
{
	if (!c->root_base) {
		fprintf(f, "no root is built at isolation level %s\n", jail_level_name(c->level));
		return;
	}
	jail_root_plan_print(c->root_base, f);
}
