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
#include "test_jail.h"
#include "tap.h"

/* The suite's other parts are test_jail_*.c, sharing test_jail.h. */

/* ------------------------------------------------------------ the table */

/* The foreign-ABI attack (the one RUN_HELPER case) where the kernel has no
 * IA-32 emulation (CONFIG_IA32_EMULATION off, or ia32_emulation=0): int $0x80
 * raises SIGSEGV before any system call is made, so seccomp is never asked
 * and the call is refused all the same. */
static const char NO_IA32_OBSERVED[] = "native=exit0 x32=SIGSYS int80=SIGSEGV";

/* What the program must print on this host. */
const char *case_observed(const struct suite *s, const struct case_def *c)
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
const struct case_def attacks[] = {
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
	  "dev=fd,null,random,shm,stderr,stdin,stdout,urandom,zero sys=absent",
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

static struct summary_row summary[ARRAY_LEN(attacks) + ARRAY_LEN(legit) + 4];
static size_t n_summary;

struct summary_row *summary_next(void)
{
	return n_summary < ARRAY_LEN(summary) ? &summary[n_summary++] : NULL;
}

void summarize(const char *name, const struct jail_result *r, const char *obs, bool host_ok)
{
	if (n_summary == ARRAY_LEN(summary))
		return;
	struct summary_row *row = &summary[n_summary++];
	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(row->status, sizeof(row->status), "%s", jail_status_name(r->status));
	printable(obs, strlen(obs), row->observed, sizeof(row->observed));
	row->host_ok = host_ok;
}

void run_case(struct suite *s, const struct case_def *c, const void *in, size_t in_len)
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

const size_t n_attacks = ARRAY_LEN(attacks);

const struct case_def *find_attack(const char *file)
{
	for (size_t i = 0; i < ARRAY_LEN(attacks); i++)
		if (strcmp(attacks[i].file, file) == 0)
			return &attacks[i];
	return NULL;
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
