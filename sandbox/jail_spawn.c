/* Starting a jail: clone into fresh namespaces, write the id maps, raise
 * the OOM score, release the child. Shared by one-shot runs (jail_run.c)
 * and pool workers (pool.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "jail_child.h"
#include "jail_internal.h"

#define CHILD_STACK_SIZE (256 * 1024)

static int write_file(const char *path, const char *text)
{
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		return -errno;
	return 0;
}

static int write_id_maps(const struct jail_config *c, pid_t pid, bool map_root, char *err, size_t errlen)
{
	char path[64], map[256];
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	/* Denying setgroups keeps the program from dropping a group that a
	 * file's permissions deny access to (CVE-2014-8989). */
	int rc = write_file(path, "deny");
	if (rc < 0 && rc != -ENOENT) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(-rc));
		return -1;
	}
	const char *which[2] = { "uid_map", "gid_map" };
	unsigned base[2] = { c->map_base_uid, c->map_base_gid };
	for (int i = 0; i < 2; i++) {
		if (c->map_count > 1)
			snprintf(map, sizeof(map), "0 %u 1\n%u %u %u\n", base[i], (unsigned)c->run_uid, base[i] + 1,
				 c->map_count - 1);
		else
			/* Only our own id can be mapped (verdict is not root). A pool
			 * worker needs it as uid 0 inside, which keeps the warm
			 * parent's capabilities in its namespace across execve; a
			 * one-shot program gets the unprivileged run uid. */
			snprintf(map, sizeof(map), "%u %u 1\n", map_root ? 0u : (unsigned)c->run_uid, base[i]);
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which[i]);
		rc = write_file(path, map);
		if (rc < 0) {
			snprintf(err, errlen, "writing %s: %s", path, strerror(-rc));
			return -1;
		}
	}
	return 0;
}

static void abandon(pid_t pid, int pidfd)
{
	jail_pidfd_kill(pidfd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(pidfd);
}

int jail_spawn(const struct jail_config *c, struct jail_child_args *args, int sync_w, pid_t *pid_out, int *pidfd_out,
	       char *err, size_t errlen)
{
	void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return -1;
	}
	int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
		    CLONE_NEWCGROUP | CLONE_PIDFD | SIGCHLD;
	int pidfd = -1;
	pid_t pid = clone(jail_child_main, (char *)stack + CHILD_STACK_SIZE, flags, args, &pidfd);
	int clone_errno = errno;
	/* The child runs on its own copy of the stack. */
	munmap(stack, CHILD_STACK_SIZE);
	if (pid < 0) {
		snprintf(err, errlen, "clone: %s", strerror(clone_errno));
		return -1;
	}
	if (write_id_maps(c, pid, args->zygote, err, errlen) < 0) {
		abandon(pid, pidfd);
		return -1;
	}
	/* If the host runs out of memory despite the limits, the kernel should
	 * kill a jailed process first, never the service; the score is
	 * inherited by everything the jail forks. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	int rc = write_file(path, "1000");
	if (rc < 0) {
		snprintf(err, errlen, "writing oom_score_adj: %s", strerror(-rc));
		abandon(pid, pidfd);
		return -1;
	}
	if (write(sync_w, "G", 1) != 1) {
		snprintf(err, errlen, "releasing the jail: %s", strerror(errno));
		abandon(pid, pidfd);
		return -1;
	}
	*pid_out = pid;
	*pidfd_out = pidfd;
	return 0;
}
