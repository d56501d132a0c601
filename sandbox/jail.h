/* The jail: run one untrusted program under namespaces, a seccomp policy, no
 * capabilities and hard limits, and report what happened.
 *
 * Plan, then execute: a process-wide `struct jail_config` is built once at
 * start-up (interpreter, policy compiled to BPF, isolation level probed); each
 * run is a plain `struct jail_spec` (argv, files, stdin, limits) that
 * jail_run() reads and turns into a `struct jail_result`. Nothing here knows
 * about JSON, HTTP or benchmarks. */
#ifndef VERDICT_JAIL_H
#define VERDICT_JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "policy.h"

/* The outcome of one run, decided by the supervisor from what it observed.
 * JAIL_SANDBOX_ERROR is a failure of verdict itself and is never the
 * candidate's fault. */
enum jail_status {
	JAIL_OK,	    /* exited with status 0 */
	JAIL_EXIT_NONZERO,  /* exited with another status */
	JAIL_SIGNAL,	    /* killed by a signal not caused by a limit */
	JAIL_TIMEOUT,	    /* wall-clock deadline passed; supervisor killed it */
	JAIL_CPU_LIMIT,	    /* CPU seconds exhausted */
	JAIL_MEMORY_LIMIT,  /* address-space limit hit (MemoryError, OOM kill) */
	JAIL_OUTPUT_LIMIT,  /* wrote more than the output cap; killed */
	JAIL_SANDBOX_ERROR, /* verdict could not set up or supervise the run */
};

const char *jail_status_name(enum jail_status s);

/* Isolation levels, strongest first. A config never runs below the minimum
 * the operator allowed. */
enum jail_level {
	JAIL_LEVEL_FULL,    /* user+pid+mount+net+ipc+uts namespaces, seccomp, no caps, limits */
	JAIL_LEVEL_SECCOMP, /* seccomp + no_new_privs + rlimits + unprivileged uid, no namespaces */
	JAIL_LEVEL_NONE,    /* not a runnable level: nothing could be set up */
};

const char *jail_level_name(enum jail_level l);
/* Parses "full" / "seccomp" / "auto". "auto" means the strongest level the
 * host allows, at least seccomp; *out is then the minimum (seccomp) and
 * *is_auto is set. Returns 0 or -1 for an unknown name. */
int jail_level_parse(const char *s, enum jail_level *out, bool *is_auto);

/* Per-run limits. Zero means "the config default". */
struct jail_limits {
	uint64_t memory_bytes;	    /* RLIMIT_AS */
	uint32_t cpu_ms;	    /* CPU time; enforced with RLIMIT_CPU (whole seconds) and a supervisor check */
	uint32_t wall_ms;	    /* wall-clock deadline, SIGKILL of the whole pid namespace */
	uint32_t max_procs;	    /* processes + threads of the run's uid (RLIMIT_NPROC) */
	uint64_t file_size_bytes;   /* RLIMIT_FSIZE */
	uint32_t open_files;	    /* RLIMIT_NOFILE */
	uint64_t output_keep_bytes; /* bytes of stdout and of stderr kept in the result */
	uint64_t output_max_bytes;  /* total bytes written past which the run is killed */
	uint64_t tmp_bytes;	    /* size of the private /tmp tmpfs */
	uint64_t stack_bytes;	    /* RLIMIT_STACK */
};

void jail_limits_default(struct jail_limits *l);
/* Fill zero fields of `l` from `defaults`. */
void jail_limits_merge(struct jail_limits *l, const struct jail_limits *defaults);

/* A file placed in the jail's /tmp before the program starts. */
struct jail_file {
	const char *name; /* plain file name, no '/', created in /tmp */
	const void *data;
	size_t len;
};

struct jail_spec {
	/* argv[0] is the program path as seen inside the jail (host paths of the
	 * interpreter are bound at the same place); NULL-terminated. */
	const char *const *argv;
	const struct jail_file *files;
	size_t n_files;
	const void *stdin_data; /* piped to fd 0, then closed */
	size_t stdin_len;
	struct jail_limits limits;
	/* When true, fd 3 in the program is the write end of a pipe whose bytes
	 * land in result.channel (capped by output_keep_bytes). */
	bool want_channel;
	/* Modules the warm pool's parent should have imported before forking
	 * this run (e.g. "numpy"); NULL-terminated, ignored by jail_run(). */
	const char *const *warm_modules;
	/* A JSON object the warm pool passes to its parent verbatim (how the
	 * job may be run faster there, see src/py/verdict_zygote.py); NULL or
	 * ignored elsewhere. */
	const char *warm_hint;
};

struct jail_capture {
	char *data;	/* NUL-terminated, malloc'd, at most keep bytes */
	size_t len;	/* bytes kept */
	uint64_t total; /* bytes written by the program */
	bool truncated;
};

/* What the kernel's scheduler statistics say about a run the wall-clock
 * deadline ended (jail_sched.c), over the last quarter of its wall limit,
 * for the task of the run that wanted a CPU most then: its time on a CPU,
 * waiting for one (run delay) and neither (sleeping, blocked, stopped). */
struct jail_sched {
	bool measured;	    /* false: this kernel gives no /proc/PID/schedstat */
	bool starved;	    /* waited for a CPU at least as long as it slept, and a tenth of the window */
	uint32_t window_ms; /* the span judged */
	uint32_t cpu_ms, wait_ms, sleep_ms;
};

struct jail_result {
	enum jail_status status;
	int exit_code; /* valid when the program exited */
	int signal;    /* valid when it was killed by a signal */
	uint64_t wall_ms;
	uint64_t cpu_ms;
	uint64_t peak_rss_kb;
	struct jail_capture out, err, channel;
	enum jail_level level; /* the isolation the run actually had */
	struct jail_sched sched; /* JAIL_TIMEOUT: starved by the machine, or waiting by itself */
	char error[256];       /* why, for JAIL_SANDBOX_ERROR; also notes for limits */
};

void jail_result_free(struct jail_result *r);

/* One isolation layer as probed on this host. */
enum jail_layer_id {
	JAIL_LAYER_USER_NS,
	JAIL_LAYER_PID_NS,
	JAIL_LAYER_MOUNT_NS,
	JAIL_LAYER_NET_NS,
	JAIL_LAYER_IPC_NS,
	JAIL_LAYER_UTS_NS,
	JAIL_LAYER_SECCOMP,
	JAIL_LAYER_NO_NEW_PRIVS,
	JAIL_LAYER_CAPS,
	JAIL_LAYER_RLIMITS,
	JAIL_LAYER_RUN_UID,
	JAIL_LAYER_CGROUP,
	JAIL_LAYER_COUNT,
};

enum jail_layer_state {
	JAIL_LAYER_ACTIVE,    /* available and used at the configured level */
	JAIL_LAYER_AVAILABLE, /* available on the host but not used at this level */
	JAIL_LAYER_MISSING,   /* not available here; `reason` says why */
};

struct jail_layer {
	enum jail_layer_state state;
	char detail[160]; /* what was checked, or why it is missing */
};

const char *jail_layer_name(enum jail_layer_id id); /* human words */
const char *jail_layer_key(enum jail_layer_id id);  /* JSON key */
const char *jail_layer_state_name(enum jail_layer_state s);

/* Operator choices, from flags/environment, read once at start-up. */
struct jail_options {
	const char *python;	     /* interpreter on the host; default /usr/bin/python3 */
	const char *policy_path;     /* seccomp policy file, or NULL to use policy_text */
	const char *policy_text;     /* policy source held in memory (the built-in one) */
	size_t policy_len;
	const char *policy_label;    /* name of policy_text in messages */
	enum jail_level min_level;   /* weakest level the operator accepts */
	bool min_level_auto;	     /* "auto": strongest available, at least seccomp */
	bool force_seccomp_level;    /* run at the seccomp level even where full is available (tests) */
	const char *const *ro_binds; /* extra host paths bound read-only, NULL-terminated */
	struct jail_limits defaults; /* zero fields take jail_limits_default() */
};

struct jail_root_plan;

/* Process-wide state, read-only once built. */
struct jail_config {
	char python[4096];	  /* interpreter path, absolute, as on the host */
	char python_real[4096];	  /* its realpath */
	char python_prefix[4096]; /* directory bound into the jail when outside /usr */
	struct policy *policy;
	enum jail_level level; /* level every run uses */
	struct jail_layer layers[JAIL_LAYER_COUNT];
	struct jail_limits defaults;
	uid_t outer_uid; /* verdict's own ids */
	gid_t outer_gid;
	uid_t map_base_uid; /* first host id mapped into the jail's user namespace */
	gid_t map_base_gid;
	uint32_t map_count;  /* ids mapped (1 when only our own id can be mapped) */
	uid_t run_uid;	     /* uid the program runs as inside the jail */
	uid_t seccomp_uid;   /* first host uid of the seccomp level's block (verdict root) */
	uint32_t seccomp_ids; /* ids in that block; 0 when verdict is not root */
	char **ro_binds;     /* NULL-terminated, owned */
	char cgroup_base[512]; /* delegated cgroup v2 directory, or "" */
	struct jail_root_plan *root_base; /* the fixed part of the jail's root */
	const char *const *envp;	  /* environment of every program */
};

/* Probe the host, load the policy, pick the level. Returns 0, or -1 with a
 * message naming the missing layer when the operator's minimum cannot be met.
 * The config is filled (layers included) even on failure so `verdict check`
 * can print it; free with jail_config_free. */
int jail_config_init(struct jail_config *c, const struct jail_options *o, char *err, size_t errlen);
void jail_config_free(struct jail_config *c);

/* Run one program. Always fills *r (status JAIL_SANDBOX_ERROR on verdict's own
 * failure) and returns 0, or -1 only when r could not be filled at all. The
 * caller frees r with jail_result_free. Thread-safe: concurrent calls are
 * independent. */
int jail_run(const struct jail_config *c, const struct jail_spec *s, struct jail_result *r);

/* Print the plan of the jail's root filesystem, one step a line. */
void jail_print_root(const struct jail_config *c, FILE *f);

#endif
