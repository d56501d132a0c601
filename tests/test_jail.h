/* Shared by the files of test_jail (the jail's attack suite, see test_jail.c):
 * the suite's state, what the host looked like before a run, a run request,
 * a case of the table, and the functions the files call across. */
#ifndef VERDICT_TESTS_TEST_JAIL_H
#define VERDICT_TESTS_TEST_JAIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "jail.h"
#include "pool.h"

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


/* ---- helpers (test_jail_util.c) ---- */
uint64_t now_ms(void);
void sleep_ms(unsigned ms);
int read_file(const char *path, char **out, size_t *len);
const char *printable(const char *data, size_t len, char *buf, size_t n);
bool observation(const struct jail_capture *out, char *buf, size_t n);
long detail(const struct jail_result *r, const char *key);
void appendf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- host-side state and its checks (test_jail_host.c) ---- */
void snapshot_take(const struct suite *s, struct snapshot *sn);
void snapshot_free(struct snapshot *sn);
int make_canary(struct canary *c, const char *parent);
void remove_canary(struct canary *c);
int open_listener(int *port);
bool listener_touched(int fd, int timeout_ms);
pid_t start_sentinel(uid_t uid, gid_t gid);
bool sentinel_alive(pid_t pid);
bool host_clean(struct suite *s, const struct snapshot *before, char *why, size_t n);

/* ---- running a program in the jail (test_jail_run.c) ---- */
int run_program(const struct suite *s, const struct run_req *q, struct jail_result *r);
size_t attack_args(const struct suite *s, const char **args, size_t cap);
void diag_result(const struct jail_result *r);

/* ---- the table (test_jail.c) ---- */
extern const struct case_def attacks[];
extern const size_t n_attacks;
const char *case_observed(const struct suite *s, const struct case_def *c);
/* One line a case for the summary printed at the end. */
struct summary_row {
	char name[64];
	char status[24];
	char observed[480];
	bool host_ok;
};
/* The next free row of the summary, or NULL when it is full. */
struct summary_row *summary_next(void);
void summarize(const char *name, const struct jail_result *r, const char *obs, bool host_ok);
void run_case(struct suite *s, const struct case_def *c, const void *in, size_t in_len);
const struct case_def *find_attack(const char *file);

/* ---- the checks beyond the table ---- */
/* test_jail_legit.c */
void test_numpy(struct suite *s);
void test_stdin(struct suite *s);
void test_concurrency(struct suite *s);
/* test_jail_unpriv.c */
void test_unprivileged(struct suite *s);
/* test_jail_pool.c; pool_start: a pool on the suite's config, 0 or -1 with a message */
int pool_start(struct suite *s, int workers, struct jail_pool **out, char *err, size_t errlen);
void test_pool_state(struct suite *s);
void test_pool_worker_failure(struct suite *s);

/* ---- set-up and tear-down (test_jail_setup.c) ---- */
int suite_config(struct suite *s, char *err, size_t errlen);
int suite_host_side(struct suite *s, char *err, size_t errlen);
void suite_free(struct suite *s);

#endif
