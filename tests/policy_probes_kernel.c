/* Probes of the rest of the kernel's interface: tracing, BPF, keys, tty
 * ioctls, mounts, futexes, resource limits, the foreign ABIs. Each makes one
 * system call and returns 0 or errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "policy_probe.h"

int p_ptrace(void)
{
	return result(syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0));
}

int p_process_vm_readv(void)
{
	char buf[8];
	struct iovec local = { buf, sizeof(buf) }, remote = { buf, sizeof(buf) };
	return result(syscall(SYS_process_vm_readv, getppid(), &local, 1, &remote, 1, 0));
}

int p_io_uring_setup(void)
{
	char params[120] = { 0 };
	return result(syscall(SYS_io_uring_setup, 1, params));
}

int p_bpf(void)
{
	return result(syscall(SYS_bpf, 0, NULL, 0));
}

int p_perf_event_open(void)
{
	return result(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
}

int p_userfaultfd(void)
{
	return result(syscall(SYS_userfaultfd, 0));
}

int p_keyctl(void)
{
	return result(syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, "verdict-test"));
}

int p_add_key(void)
{
	return result(syscall(SYS_add_key, "user", "verdict-test", "x", 1, -3 /* session */));
}

/* fd -1: even if a broken policy let these through, nothing is injected. */
int p_ioctl_tiocsti(void)
{
	char c = 'x';
	return result(syscall(SYS_ioctl, -1, (unsigned long)TIOCSTI, &c));
}

int p_ioctl_tiocsti_highbits(void)
{
	char c = 'x';
	return result(syscall(SYS_ioctl, -1, (unsigned long)TIOCSTI | (1UL << 32), &c));
}

int p_ioctl_tioclinux(void)
{
	char c = 2;
	return result(syscall(SYS_ioctl, -1, (unsigned long)TIOCLINUX, &c));
}

int p_ioctl_tiocsetd(void)
{
	int ldisc = 0;
	return result(syscall(SYS_ioctl, -1, (unsigned long)TIOCSETD, &ldisc));
}

int p_ioctl_tiocsctty(void)
{
	return result(syscall(SYS_ioctl, -1, (unsigned long)TIOCSCTTY, 0));
}

static int pipe_ioctl(unsigned long req)
{
	int fds[2];
	char buf[64];

	if (syscall(SYS_pipe2, fds, O_CLOEXEC) < 0)
		return CHILD_SETUP_FAILED;
	return result(syscall(SYS_ioctl, fds[0], req, buf));
}

int p_ioctl_tcgets_pipe(void)
{
	return pipe_ioctl(TCGETS);
}

int p_ioctl_fionread_pipe(void)
{
	return pipe_ioctl(FIONREAD);
}

int p_ioctl_tcgets_highbits(void)
{
	return pipe_ioctl((unsigned long)TCGETS | (1UL << 32));
}

/* Paths that do not exist: harmless even if the filter were missing. */
int p_mount(void)
{
	return result(syscall(SYS_mount, "none", "/nonexistent-verdict", "tmpfs", 0, NULL));
}

int p_umount2(void)
{
	return result(syscall(SYS_umount2, "/nonexistent-verdict", 0));
}

int p_pivot_root(void)
{
	return result(syscall(SYS_pivot_root, "/nonexistent-verdict", "/nonexistent-verdict"));
}

int p_fsopen(void)
{
	return result(syscall(SYS_fsopen, "tmpfs", 0));
}

int p_open_tree(void)
{
	return result(syscall(SYS_open_tree, -1, "/nonexistent-verdict", 0));
}

int p_setns(void)
{
	return result(syscall(SYS_setns, -1, 0));
}

int p_chroot(void)
{
	return result(syscall(SYS_chroot, "/nonexistent-verdict"));
}

int p_personality(void)
{
	return result(syscall(SYS_personality, 0xffffffffUL));
}

int p_open_by_handle_at(void)
{
	return result(syscall(SYS_open_by_handle_at, -1, NULL, 0));
}

int p_init_module(void)
{
	return result(syscall(SYS_init_module, NULL, 0, ""));
}

/* Bad magic: refused by the kernel even for root if the filter failed. */
int p_reboot(void)
{
	return result(syscall(SYS_reboot, 0, 0, 0, NULL));
}

int p_setuid(void)
{
	return result(syscall(SYS_setuid, getuid()));
}

int p_splice(void)
{
	return result(syscall(SYS_splice, -1, NULL, -1, NULL, 1, 0));
}

int p_vmsplice(void)
{
	return result(syscall(SYS_vmsplice, -1, NULL, 0, 0));
}

int p_sendmsg(void)
{
	return result(syscall(SYS_sendmsg, -1, NULL, 0));
}

/* A private futex word nobody waits on: WAKE returns 0, LOCK_PI would take
 * the lock (0 -> tid) if it got through. */
static int futex_op(long op)
{
	static uint32_t word;
	return result(syscall(SYS_futex, &word, op, 1L, NULL, NULL, 0L));
}

int p_futex_wake(void)
{
	return futex_op(FUTEX_WAKE_PRIVATE);
}

int p_futex_lock_pi(void)
{
	return futex_op(FUTEX_LOCK_PI_PRIVATE);
}

int p_futex_lock_pi_highbits(void)
{
	return futex_op((long)FUTEX_LOCK_PI | (1L << 40));
}

int p_futex_cmp_requeue_pi(void)
{
	return futex_op(FUTEX_CMP_REQUEUE_PI_PRIVATE);
}

int p_mknodat(void)
{
	return result(syscall(SYS_mknodat, -1, "/nonexistent-verdict", 0, 0));
}

/* A FIFO passes the filter (the kernel then finds no such directory); a
 * device node does not. */
int p_mknodat_fifo(void)
{
	return result(syscall(SYS_mknodat, AT_FDCWD, "/nonexistent-verdict/fifo", S_IFIFO | 0600, 0));
}

int p_mknod_fifo(void)
{
	return result(syscall(SYS_mknod, "/nonexistent-verdict/fifo", S_IFIFO | 0600, 0));
}

int p_mknodat_chr(void)
{
	return result(syscall(SYS_mknodat, AT_FDCWD, "/nonexistent-verdict/tty", S_IFCHR | 0600, makedev(5, 0)));
}

int p_prlimit_self(void)
{
	struct rlimit r;
	return result(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &r));
}

int p_prlimit_other(void)
{
	struct rlimit r;
	return result(syscall(SYS_prlimit64, 1, RLIMIT_NOFILE, NULL, &r));
}

int p_kill_self0(void)
{
	return result(syscall(SYS_kill, getpid(), 0));
}

int p_getpid(void)
{
	return result(syscall(SYS_getpid));
}

/* x32: the x86_64 `syscall` instruction with bit 30 set in the number;
 * 39 is getpid in the x32 table too. */
int p_x32_getpid(void)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "0"(39L | 0x40000000L) : "rcx", "r11", "memory");
	return ret < 0 ? (int)-ret : 0;
}

/* i386: int $0x80 from a 64-bit process uses the 32-bit table; 20 is getpid
 * there (39 would be mkdir). */
int p_int80_getpid(void)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "0"(20L) : "r8", "r9", "r10", "r11", "memory");
	return ret < 0 ? (int)-ret : 0;
}
