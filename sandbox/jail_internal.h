/* Private interfaces between the files of sandbox/. Nothing outside sandbox/
 * includes this header. */
#ifndef VERDICT_JAIL_INTERNAL_H
#define VERDICT_JAIL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "jail.h"

/* ---- limits (jail_limits.c) ---- */

/* Apply every rlimit of `l` to the calling process. Async-signal-safe.
 * Returns 0 or -errno with *failed_resource set. */
int jail_limits_apply(const struct jail_limits *l, int *failed_resource);

/* ---- the root filesystem plan (jail_root.c) ---- */

enum jail_op_kind {
	JAIL_OP_MKDIR,	  /* dst: create directory (mode) */
	JAIL_OP_TOUCH,	  /* dst: create empty file, a bind target */
	JAIL_OP_SYMLINK,  /* dst -> src */
	JAIL_OP_BIND_RO,  /* bind src at dst recursively, then read-only, nosuid, nodev all the way down */
	JAIL_OP_BIND_DEV, /* bind the device node src at dst (read-write, nosuid, noexec) */
	JAIL_OP_TMPFS,	  /* mount a tmpfs at dst with options src */
	JAIL_OP_PROC,	  /* mount a proc for the jail's pid namespace at dst */
	JAIL_OP_WRITE,	  /* write data/len to dst with mode */
	JAIL_OP_REMOUNT_RO, /* remount the tmpfs at dst read-only */
};

struct jail_op {
	enum jail_op_kind kind;
	const char *src;
	const char *dst; /* absolute host path under the staging directory */
	const void *data;
	size_t len;
	unsigned mode;
	unsigned long flags; /* locked mount flags of a bind source (MS_NOSUID, ...) */
	const char *what;    /* short description for error messages, e.g. "bind /usr" */
	bool chown;	     /* JAIL_OP_WRITE: give the file to owner/group */
	uid_t owner;
	gid_t group;
};

/* All ops that build the jail's root, in order. Strings live in `arena`. */
struct jail_root_plan {
	char stage[256]; /* host directory the staging tmpfs is mounted on (in the jail's mount ns) */
	struct jail_op *ops;
	size_t n_ops;
	size_t cap_ops;
	char **strings; /* every string the ops point to, freed with the plan */
	size_t n_strings;
	size_t cap_strings;
	bool failed;
};

/* The fixed part of the root (shared by all runs): /usr, /lib*, /etc, /dev,
 * /proc, the interpreter's prefix, extra read-only binds. */
int jail_root_plan_base(struct jail_root_plan *p, const struct jail_config *c, char *err,
			size_t errlen);
/* Per-run part: /tmp tmpfs of the run's size with the run's files, then the
 * read-only remounts of the root. */
int jail_root_plan_run(struct jail_root_plan *p, const struct jail_root_plan *base,
		       const struct jail_spec *s, uid_t owner, gid_t group);
/* A pool worker's root: the base plus a read-only /verdict holding the warm
 * parent, the modules it preloads and the compiled seccomp filter. The
 * workers' /tmp is mounted afresh for every run by the run's own init. */
int jail_root_plan_worker(struct jail_root_plan *p, const struct jail_root_plan *base, const struct jail_file *files,
			  size_t n_files);
void jail_root_plan_free(struct jail_root_plan *p);
/* Print the plan, one op a line (for `verdict run --plan` and tests). */
void jail_root_plan_print(const struct jail_root_plan *p, FILE *f);

/* Execute the ops and pivot into the new root. Runs in the jail's first
 * process; async-signal-safe. On failure returns -errno and sets *failed_op
 * (index, or -1 for the pivot step). */
int jail_root_enter(const struct jail_root_plan *p, int *failed_op);

/* ---- read-only binds (jail_readonly.c) ---- */

/* Make the mount at `path` and every mount under it read-only, nosuid and
 * nodev: mount_setattr(AT_RECURSIVE), else a remount of each submount found
 * in /proc/self/mountinfo, then checked (`locked`: the flags the top mount
 * must keep). Returns 0 or -errno (-EPERM: a submount stayed writable).
 * Async-signal-safe. */
int jail_readonly_tree(const char *path, unsigned long locked);
/* Whether this kernel (and the seccomp profile verdict runs under) has
 * mount_setattr(2); otherwise each submount is remounted on its own. */
bool jail_readonly_has_setattr(void);

/* ---- privileges (jail_privs.c) ---- */

struct jail_privs_plan {
	uid_t uid; /* the run's uid/gid in the namespace the child lives in */
	gid_t gid;
	bool change_ids;   /* false when the process already has the right ids */
	bool bounding_best_effort; /* no CAP_SETPCAP (unprivileged, seccomp level): keep going */
	void *empty_caps;  /* a libcap cap_t prepared in the parent */
	int last_cap;	   /* highest capability number the kernel knows */
};

int jail_privs_plan_init(struct jail_privs_plan *p, uid_t uid, gid_t gid, bool change_ids);
void jail_privs_plan_free(struct jail_privs_plan *p);
/* Drop every capability (bounding, ambient, effective, permitted,
 * inheritable), switch ids, set no_new_privs. Async-signal-safe. Returns 0 or
 * -errno with *stage set to a short name of the failing step. */
int jail_privs_drop(const struct jail_privs_plan *p, const char **stage);
/* Drop capabilities only (no id change, no no_new_privs): for the jail's
 * init once it has forked the program. */
int jail_privs_drop_caps(const struct jail_privs_plan *p);

/* ---- records on the status pipe (child -> supervisor) ---- */

enum jail_stage {
	JAIL_STAGE_NONE,
	JAIL_STAGE_SYNC,
	JAIL_STAGE_SETSID,
	JAIL_STAGE_ROOT,
	JAIL_STAGE_PIVOT,
	JAIL_STAGE_HOSTNAME,
	JAIL_STAGE_FORK,
	JAIL_STAGE_FDS,
	JAIL_STAGE_LIMITS,
	JAIL_STAGE_PRIVS,
	JAIL_STAGE_SECCOMP,
	JAIL_STAGE_EXEC,
	JAIL_STAGE_WAIT,
};

const char *jail_stage_name(enum jail_stage s);

#define JAIL_REPORT_MAGIC 0x76647274u /* "vdrt" */

enum jail_report_kind {
	JAIL_REPORT_SETUP_ERROR = 1, /* a step of the jail failed: verdict's fault */
	JAIL_REPORT_EXIT = 2,	     /* the program ended: wait status + rusage */
};

struct jail_report {
	uint32_t magic;
	int32_t kind;
	int32_t stage;	/* enum jail_stage */
	int32_t detail; /* op index, rlimit resource, ... */
	int32_t err;	/* errno */
	int32_t wstatus;
	struct rusage ru;
};

/* ---- starting a jail (jail_spawn.c) ---- */

struct jail_child_args;
/* Clone args' first process into fresh namespaces, write its id maps and
 * OOM score, and release it by writing to sync_w. Returns 0 with the pid and
 * a pidfd (caller closes), or -1 with err (the child is reaped). */
int jail_spawn(const struct jail_config *c, struct jail_child_args *args, int sync_w, pid_t *pid, int *pidfd,
	       char *err, size_t errlen);

/* ---- the seccomp level: no namespaces (jail_unshared.c) ---- */

int jail_run_unshared(const struct jail_config *c, const struct jail_spec *s, const struct jail_limits *lim,
		      struct jail_result *r);

/* ---- scheduler statistics of a run (jail_sched.c) ---- */

#define JAIL_SCHED_TASKS 128

struct jail_sched_task {
	pid_t tid;
	uint64_t cpu_ns, wait_ns;
};

/* Every task of a run at one moment (the first JAIL_SCHED_TASKS). */
struct jail_sched_sample {
	uint64_t at_ms; /* CLOCK_MONOTONIC, as jail_now_ms() */
	bool ok; /* at least one schedstat was read */
	size_t n;
	struct jail_sched_task t[JAIL_SCHED_TASKS];
};

/* Read the schedstat of every task under the run's init `init` (host pid). */
void jail_sched_sample(pid_t init, struct jail_sched_sample *s);
/* Judge the span between two samples (see jail_sched.c). */
void jail_sched_judge(const struct jail_sched_sample *from, const struct jail_sched_sample *to,
		      struct jail_sched *out);

/* ---- watching a run (jail_watch.c) ---- */

#define JAIL_TAIL_SIZE 4096

struct jail_capture_state {
	int fd; /* read end, -1 once at EOF */
	size_t keep;
	struct jail_capture *out;
	size_t cap;
	char tail[JAIL_TAIL_SIZE]; /* the last bytes written, for status decisions */
	size_t tail_len;
};

enum jail_kill_reason { JAIL_KILL_NONE, JAIL_KILL_DEADLINE, JAIL_KILL_OUTPUT };

/* Everything the supervisor watches during one run. The descriptors are
 * owned by the watch (closed by jail_watch_close). */
struct jail_watch {
	pid_t pid;  /* the run's pid 1 (host pid), for CPU time at a deadline; 0 if unknown */
	int pidfd;  /* of the run's pid 1: exit notification and SIGKILL */
	bool reap;  /* pid is our child: waitpid it once it ends */
	void (*kill_program)(void *ctx); /* how a deadline or output kill is done; NULL: SIGKILL pid */
	void *kill_ctx;
	int status_fd;
	int stdin_fd;
	const char *stdin_data;
	size_t stdin_len, stdin_off;
	struct jail_capture_state cap[3]; /* stdout, stderr, channel */
	struct jail_report exit_report;
	bool have_exit;
	struct jail_report setup_report;
	bool have_setup_error;
	bool exited;
	int init_wstatus;
	enum jail_kill_reason killed;
	uint64_t cpu_at_kill;
	struct jail_sched_sample sched_from; /* at three quarters of the wall limit */
	bool sched_from_taken;
	struct jail_sched sched; /* judged at the deadline */
};

uint64_t jail_now_ms(void);
int jail_pidfd_kill(int pidfd);
/* Feed, drain and enforce until the run's pid 1 has ended and its pipes are
 * at EOF. */
void jail_watch_run(struct jail_watch *w, const struct jail_limits *lim, uint64_t start);
void jail_watch_close(struct jail_watch *w);
/* Decide the status from what was observed. `root` names failing setup
 * steps in messages (may be NULL). */
void jail_watch_decide(const struct jail_watch *w, const struct jail_limits *lim, const struct jail_root_plan *root,
		       struct jail_result *r);

/* ---- probing the host (jail_probe.c) ---- */

void jail_probe_layers(struct jail_config *c);

#endif
