/* Shared by the files of test_policy: the test environment, the probe
 * children (each probe makes one system call under a filter and exits with
 * its errno) and the expectations they are checked against. */
#ifndef VERDICT_TESTS_POLICY_PROBE_H
#define VERDICT_TESTS_POLICY_PROBE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct policy;

/* Exit code of a probe child whose setup (before the probe) failed. */
#define CHILD_SETUP_FAILED 250
/* A probe child is killed by SIGALRM if it hangs. */
#define PROBE_TIMEOUT_S 20
/* Room for a path under the source root. */
#define PATH_BUF (PATH_MAX + 512)

struct test_env {
	char root[PATH_MAX];
	const char *python;
	struct policy *shipped;
	bool can_filter; /* this host installs seccomp filters */
	bool must_work;
};

/* ---- helpers (policy_probe.c) ---------------------------------------------- */

const char *errno_name(int e);
const char *sig_name(int sig);
const char *status_text(int status, char buf[static 64]);
int wait_child(pid_t pid, int *status);
bool has_prefix(const char *s, const char *prefix);
/* Leave a probe child with nothing but exit_group (see policy_probe.c for
 * why not _exit and why not noreturn). */
void child_exit(int code);

typedef int (*probe_fn)(void);

/* A probe's return value: 0 if rc is not negative, else errno. */
int result(long rc);
/* Run fn in a child under policy p (NULL: unfiltered). */
int run_probe(const struct policy *p, probe_fn fn, int *status);

/* ---- expectations ---------------------------------------------------------- */

enum expect_kind {
	EXPECT_OK,
	EXPECT_ERRNO,
	EXPECT_SIGNAL,
};

struct probe {
	const char *what;
	probe_fn fn;
	enum expect_kind kind;
	int value; /* errno or signal */
};

/* One TAP line: pr run under p ended as pr expects. */
void check_probe(const struct policy *p, const struct probe *pr);

/* ---- the probes: 0 on success or an errno value ------------------------------ */

/* Sockets, namespaces and clone (policy_probes_ns.c). */
int p_socket_inet(void);
int p_socket_inet6(void);
int p_socket_netlink(void);
int p_socket_packet(void);
int p_socket_unix_highbits(void);
int p_socket_unix(void);
int p_socketpair_unix(void);
int p_socketpair_inet(void);
int p_connect(void);
int p_unshare_user(void);
int p_unshare_net(void);
int p_clone_newns(void);
int p_clone_newuser(void);
int p_clone_newnet(void);
int p_clone_newpid_user(void);
int p_clone_fork(void);
int p_clone3(void);

/* The rest of the kernel's interface (policy_probes_kernel.c). */
int p_ptrace(void);
int p_process_vm_readv(void);
int p_io_uring_setup(void);
int p_bpf(void);
int p_perf_event_open(void);
int p_userfaultfd(void);
int p_keyctl(void);
int p_add_key(void);
int p_ioctl_tiocsti(void);
int p_ioctl_tiocsti_highbits(void);
int p_ioctl_tioclinux(void);
int p_ioctl_tiocsetd(void);
int p_ioctl_tiocsctty(void);
int p_ioctl_tcgets_pipe(void);
int p_ioctl_fionread_pipe(void);
int p_ioctl_tcgets_highbits(void);
int p_mount(void);
int p_umount2(void);
int p_pivot_root(void);
int p_fsopen(void);
int p_open_tree(void);
int p_setns(void);
int p_chroot(void);
int p_personality(void);
int p_open_by_handle_at(void);
int p_init_module(void);
int p_reboot(void);
int p_setuid(void);
int p_splice(void);
int p_vmsplice(void);
int p_sendmsg(void);
int p_futex_wake(void);
int p_futex_lock_pi(void);
int p_futex_lock_pi_highbits(void);
int p_futex_cmp_requeue_pi(void);
int p_mknodat(void);
int p_mknodat_fifo(void);
int p_mknod_fifo(void);
int p_mknodat_chr(void);
int p_prlimit_self(void);
int p_prlimit_other(void);
int p_kill_self0(void);
int p_getpid(void);
int p_x32_getpid(void);
int p_int80_getpid(void);

#endif
