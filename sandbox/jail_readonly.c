/* Read-only all the way down. A recursive bind (MS_BIND | MS_REC) copies every
 * mount under its source, but MS_RDONLY on the remount that follows reaches
 * the top mount only: a mount under a bound path (a volume over site-packages
 * or /usr/local, as pods, dev containers and read-only-root images have)
 * stayed writable in the jail, where a candidate could leave a
 * sitecustomize.py for every later interpreter to import.
 *
 * mount_setattr(2) with AT_RECURSIVE (Linux 5.12) sets read-only, nosuid and
 * nodev on the whole tree in one step. Where the kernel lacks it (ENOSYS), or
 * a container runtime's seccomp profile predates it (EPERM), every submount is
 * remounted on its own from /proc/self/mountinfo, as bubblewrap's bind-mount.c
 * does, and then every mount point under the path is checked read-only,
 * nosuid and nodev with statvfs(2): one that is not fails the set-up (never a
 * silent downgrade). Mounts hidden under another mount are not reachable from
 * the jail and are left alone.
 *
 * Runs in the jail's first process, before pivot_root: system calls on
 * buffers of its own stack only (no malloc, no stdio). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail_internal.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442 /* the same number on every architecture */
#endif

/* <linux/mount.h>, which cannot be included beside <sys/mount.h> here. */
#define RO_MOUNT_ATTR_RDONLY 0x00000001ULL
#define RO_MOUNT_ATTR_NOSUID 0x00000002ULL
#define RO_MOUNT_ATTR_NODEV 0x00000004ULL
#define RO_AT_RECURSIVE 0x8000

struct ro_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

static int setattr_tree(const char *path)
{
	struct ro_mount_attr attr = {
		.attr_set = RO_MOUNT_ATTR_RDONLY | RO_MOUNT_ATTR_NOSUID | RO_MOUNT_ATTR_NODEV,
	};
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, RO_AT_RECURSIVE, &attr, sizeof(attr)) != 0)
		return -errno;
	return 0;
}

bool jail_readonly_has_setattr(void)
{
	/* A size below the first version of the struct: EINVAL from a kernel
	 * that has the call, and nothing changed. */
	long rc = syscall(SYS_mount_setattr, -1, "", 0, NULL, 0);
	return !(rc != 0 && (errno == ENOSYS || errno == EPERM));
}

/* Flags a bind remount inside a user namespace must keep (the kernel locks
 * them: MNT_LOCK_*), plus the atime flags, which must match exactly. */
static unsigned long kept_flags(const struct statvfs *sv)
{
	unsigned long f = 0;
	if (sv->f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv->f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv->f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv->f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (!(f & (MS_NOATIME | MS_RELATIME)))
		f |= MS_STRICTATIME;
	return f;
}

/* ------------------------------------------------------- /proc/self/mountinfo */

struct mountinfo {
	int fd;
	char buf[8192];
	size_t len, off;
};

static int mountinfo_open(struct mountinfo *m)
{
	m->fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	m->len = m->off = 0;
	return m->fd < 0 ? -errno : 0;
}

/* The next line, NUL-terminated, in `line`. Returns 1, 0 at the end, or
 * -errno (-ENAMETOOLONG for a line longer than `cap`). */
static int mountinfo_line(struct mountinfo *m, char *line, size_t cap)
{
	size_t n = 0;
	for (;;) {
		if (m->off == m->len) {
			ssize_t got;
			do {
				got = read(m->fd, m->buf, sizeof(m->buf));
			} while (got < 0 && errno == EINTR);
			if (got < 0)
				return -errno;
			if (got == 0) {
				line[n] = '\0';
				return n ? 1 : 0;
			}
			m->len = (size_t)got;
			m->off = 0;
		}
		char c = m->buf[m->off++];
		if (c == '\n') {
			line[n] = '\0';
			return 1;
		}
		if (n + 1 >= cap)
			return -ENAMETOOLONG;
		line[n++] = c;
	}
}

/* The mount point of a mountinfo line (its fifth field), unescaped (the
 * kernel writes space, tab, newline and backslash as \ooo) into `out`. */
static int mount_point(const char *line, char *out, size_t cap)
{
	const char *p = line;
	for (int field = 0; field < 4; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	size_t n = 0;
	while (*p && *p != ' ') {
		char c = *p++;
		if (c == '\\' && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
			c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
			p += 3;
		}
		if (n + 1 >= cap)
			return -ENAMETOOLONG;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

static bool under(const char *mp, const char *path, size_t path_len)
{
	return strncmp(mp, path, path_len) == 0 && mp[path_len] == '/';
}

/* Either pass over the mount points strictly under `path`: remount each
 * (remount) or check each (!remount). */
static int each_submount(const char *path, bool remount)
{
	struct mountinfo m;
	char line[PATH_MAX * 4 + 512], mp[PATH_MAX];
	size_t path_len = strlen(path);
	int rc = mountinfo_open(&m);
	if (rc < 0)
		return rc;
	while ((rc = mountinfo_line(&m, line, sizeof(line))) > 0) {
		if ((rc = mount_point(line, mp, sizeof(mp))) < 0)
			break;
		if (!under(mp, path, path_len))
			continue;
		struct statvfs sv;
		if (statvfs(mp, &sv) != 0) {
			/* Unreachable from here (a directory we may not search),
			 * so unreachable from the jail too. */
			if (errno == EACCES || errno == ENOENT)
				continue;
			rc = -errno;
			break;
		}
		if (!remount) {
			unsigned long need = ST_RDONLY | ST_NOSUID | ST_NODEV;
			if ((sv.f_flag & need) != need) {
				rc = -EPERM;
				break;
			}
			continue;
		}
		if (mount(NULL, mp, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | kept_flags(&sv),
			  NULL) != 0 &&
		    errno != EINVAL && errno != EACCES) {
			/* EINVAL: no mount at that path any more (hidden under a
			 * later one); the check pass decides what is reachable. */
			rc = -errno;
			break;
		}
	}
	close(m.fd);
	return rc < 0 ? rc : 0;
}

int jail_readonly_tree(const char *path, unsigned long locked)
{
	int rc = setattr_tree(path);
	if (rc == 0 || (rc != -ENOSYS && rc != -EPERM))
		return rc;
	/* A bind mount ignores MS_RDONLY on creation; the remount applies it,
	 * keeping the flags the kernel locked on the source. */
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | locked, NULL) != 0)
		return -errno;
	if ((rc = each_submount(path, true)) < 0)
		return rc;
	struct statvfs sv;
	if (statvfs(path, &sv) != 0)
		return -errno;
	if ((sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV)) != (ST_RDONLY | ST_NOSUID | ST_NODEV))
		return -EPERM;
	return each_submount(path, false);
}
