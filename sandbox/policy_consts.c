/* The fixed tables of names a policy file may use: symbolic constants for
 * argument conditions and errno names for the `errno` action.
 *
 * The values come from the system headers this file is compiled against, so a
 * policy says `TIOCSTI` and never a number someone copied by hand. The tables
 * are closed on purpose: a name outside them is a load error, not a guess. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "policy_internal.h"

/* glibc 2.36 has these, older headers may not; the values are kernel ABI. */
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

struct named_value {
	const char *name;
	uint64_t value;
};

#define NV(x) { #x, (uint64_t)(x) }

static const struct named_value consts[] = {
	/* socket(2) and socketpair(2) domains and types. */
	NV(AF_UNSPEC), NV(AF_UNIX), NV(AF_LOCAL), NV(AF_INET), NV(AF_INET6), NV(AF_NETLINK),
	NV(AF_PACKET), NV(AF_ALG), NV(AF_VSOCK), NV(AF_BLUETOOTH), NV(AF_KEY),
	NV(SOCK_STREAM), NV(SOCK_DGRAM), NV(SOCK_SEQPACKET), NV(SOCK_RAW), NV(SOCK_NONBLOCK),
	NV(SOCK_CLOEXEC),
	/* clone(2) and unshare(2) flags. */
	NV(CSIGNAL), NV(CLONE_VM), NV(CLONE_FS), NV(CLONE_FILES), NV(CLONE_SIGHAND),
	NV(CLONE_PIDFD), NV(CLONE_PTRACE), NV(CLONE_VFORK), NV(CLONE_PARENT), NV(CLONE_THREAD),
	NV(CLONE_NEWNS), NV(CLONE_SYSVSEM), NV(CLONE_SETTLS), NV(CLONE_PARENT_SETTID),
	NV(CLONE_CHILD_CLEARTID), NV(CLONE_DETACHED), NV(CLONE_UNTRACED), NV(CLONE_CHILD_SETTID),
	NV(CLONE_NEWCGROUP), NV(CLONE_NEWUTS), NV(CLONE_NEWIPC), NV(CLONE_NEWUSER),
	NV(CLONE_NEWPID), NV(CLONE_NEWNET), NV(CLONE_IO), NV(CLONE_NEWTIME),
	/* ioctl(2) requests: terminal injection and line disciplines, plus the
	 * harmless ones libc and CPython issue. */
	NV(TIOCSTI), NV(TIOCLINUX), NV(TIOCSETD), NV(TIOCGETD), NV(TIOCCONS), NV(TIOCSCTTY),
	NV(TIOCNOTTY), NV(TIOCGPGRP), NV(TIOCSPGRP), NV(TIOCGWINSZ), NV(TIOCSWINSZ), NV(TCGETS),
	NV(TCSETS), NV(TCSETSW), NV(TCSETSF), NV(FIONREAD), NV(FIONBIO), NV(FIOCLEX),
	NV(FIONCLEX), NV(FIOASYNC),
	/* mmap(2)/mprotect(2). */
	NV(PROT_NONE), NV(PROT_READ), NV(PROT_WRITE), NV(PROT_EXEC), NV(MAP_SHARED),
	NV(MAP_PRIVATE), NV(MAP_FIXED), NV(MAP_ANONYMOUS), NV(MAP_GROWSDOWN), NV(MAP_NORESERVE),
	NV(MAP_STACK),
	/* prctl(2) options. */
	NV(PR_SET_PDEATHSIG), NV(PR_GET_PDEATHSIG), NV(PR_GET_DUMPABLE), NV(PR_SET_DUMPABLE),
	NV(PR_SET_NAME), NV(PR_GET_NAME), NV(PR_GET_SECCOMP), NV(PR_SET_SECCOMP),
	NV(PR_CAPBSET_READ), NV(PR_CAPBSET_DROP), NV(PR_SET_MM), NV(PR_SET_PTRACER),
	NV(PR_SET_NO_NEW_PRIVS), NV(PR_GET_NO_NEW_PRIVS), NV(PR_SET_THP_DISABLE),
	NV(PR_GET_THP_DISABLE), NV(PR_SET_VMA),
	/* personality(2). */
	NV(PER_LINUX), NV(ADDR_NO_RANDOMIZE), NV(READ_IMPLIES_EXEC), NV(MMAP_PAGE_ZERO),
	/* open(2) flags and *at(2) conventions. */
	NV(O_RDONLY), NV(O_WRONLY), NV(O_RDWR), NV(O_ACCMODE), NV(O_CREAT), NV(O_EXCL),
	NV(O_TRUNC), NV(O_APPEND), NV(O_NONBLOCK), NV(O_DIRECTORY), NV(O_NOFOLLOW), NV(O_CLOEXEC),
	NV(O_PATH), NV(O_TMPFILE), NV(AT_EMPTY_PATH), NV(AT_SYMLINK_NOFOLLOW), NV(AT_REMOVEDIR),
	NV(S_IFMT), NV(S_IFIFO),
	/* fcntl(2) commands. */
	NV(F_DUPFD), NV(F_DUPFD_CLOEXEC), NV(F_GETFD), NV(F_SETFD), NV(F_GETFL), NV(F_SETFL),
	NV(F_GETLK), NV(F_SETLK), NV(F_SETLKW), NV(F_SETOWN), NV(F_SETSIG), NV(F_SETLEASE),
	NV(F_NOTIFY),
	/* futex(2) operations and flags (the op is arg1). */
	NV(FUTEX_WAIT), NV(FUTEX_WAKE), NV(FUTEX_REQUEUE), NV(FUTEX_CMP_REQUEUE),
	NV(FUTEX_WAKE_OP), NV(FUTEX_LOCK_PI), NV(FUTEX_UNLOCK_PI), NV(FUTEX_TRYLOCK_PI),
	NV(FUTEX_WAIT_BITSET), NV(FUTEX_WAKE_BITSET), NV(FUTEX_WAIT_REQUEUE_PI),
	NV(FUTEX_CMP_REQUEUE_PI), NV(FUTEX_LOCK_PI2), NV(FUTEX_PRIVATE_FLAG),
	NV(FUTEX_CLOCK_REALTIME),
	/* Signals, for kill(2)-style conditions. */
	NV(SIGKILL), NV(SIGTERM), NV(SIGSTOP), NV(SIGCHLD), NV(SIGALRM), NV(SIGUSR1),
	NV(SIGUSR2), NV(SIGSYS),
};

static const struct named_value errnos[] = {
	NV(EPERM), NV(ENOENT), NV(ESRCH), NV(EINTR), NV(EIO), NV(ENXIO), NV(E2BIG),
	NV(ENOEXEC), NV(EBADF), NV(ECHILD), NV(EAGAIN), NV(ENOMEM), NV(EACCES), NV(EFAULT),
	NV(EBUSY), NV(EEXIST), NV(EXDEV), NV(ENODEV), NV(ENOTDIR), NV(EISDIR), NV(EINVAL),
	NV(ENFILE), NV(EMFILE), NV(ENOTTY), NV(EFBIG), NV(ENOSPC), NV(ESPIPE), NV(EROFS),
	NV(EMLINK), NV(EPIPE), NV(ERANGE), NV(EDEADLK), NV(ENAMETOOLONG), NV(ENOLCK),
	NV(ENOSYS), NV(ENOTEMPTY), NV(ELOOP), NV(ENOMSG), NV(ENODATA), NV(ENOSTR), NV(ETIME),
	NV(EOVERFLOW), NV(EILSEQ), NV(ENOTSOCK), NV(EDESTADDRREQ), NV(EMSGSIZE), NV(EPROTOTYPE),
	NV(ENOPROTOOPT), NV(EPROTONOSUPPORT), NV(ESOCKTNOSUPPORT), NV(EOPNOTSUPP),
	NV(ENOTSUP), NV(EPFNOSUPPORT), NV(EAFNOSUPPORT), NV(EADDRINUSE), NV(EADDRNOTAVAIL),
	NV(ENETDOWN), NV(ENETUNREACH), NV(ECONNABORTED), NV(ECONNRESET), NV(ENOBUFS),
	NV(EISCONN), NV(ENOTCONN), NV(ETIMEDOUT), NV(ECONNREFUSED), NV(EHOSTUNREACH),
	NV(EALREADY), NV(EINPROGRESS), NV(ECANCELED), NV(EOWNERDEAD), NV(EKEYREJECTED),
	NV(ENOKEY), NV(ENOMEDIUM), NV(EDQUOT),
};

static bool lookup(const struct named_value *table, size_t count, const char *name, size_t n,
		   uint64_t *value)
{
	for (size_t i = 0; i < count; i++) {
		if (strlen(table[i].name) == n && memcmp(table[i].name, name, n) == 0) {
			*value = table[i].value;
			return true;
		}
	}
	return false;
}

bool policy_const_lookup(const char *name, size_t n, uint64_t *value)
{
	return lookup(consts, ARRAY_LEN(consts), name, n, value);
}

bool policy_errno_lookup(const char *name, size_t n, int *value)
{
	uint64_t v;

	if (!lookup(errnos, ARRAY_LEN(errnos), name, n, &v))
		return false;
	*value = (int)v;
	return true;
}
