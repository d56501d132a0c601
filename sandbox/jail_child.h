/* Arguments of the jail's first process, prepared entirely by the parent so
 * the child needs no allocation (see jail_child.c). */
#ifndef VERDICT_JAIL_CHILD_H
#define VERDICT_JAIL_CHILD_H

#include "jail_internal.h"

/* Exit status of the jail's first process when a setup step failed (the
 * status pipe carries the details). */
#define JAIL_CHILD_SETUP_EXIT 121

struct jail_child_args {
	bool namespaces;    /* full level: build the root and act as pid 1 */
	bool become_root;   /* take ids 0 inside (mapped to an unprivileged host id) */
	uid_t sweep_uid;    /* seccomp level, dedicated uid: kill every process of it at the end */
	bool sweep_by_uid;  /* otherwise the program's process group is killed */
	bool zygote;	    /* pool worker: exec the warm parent, which keeps the namespace's
			     * privileges to set up each child (see pool.c) */
	const struct jail_root_plan *root;
	const struct jail_privs_plan *privs;
	const struct jail_limits *limits;
	const struct policy *policy;
	const char *exec_path;
	const char *const *argv;
	const char *const *envp;
	const char *workdir; /* chdir target for the program */
	int fd_stdin, fd_stdout, fd_stderr, fd_channel; /* child ends; channel may be -1
							 * (zygote: the control socket) */
	int fd_status; /* write end: jail_report records */
	int fd_sync;   /* read end: one 'G' once the id maps are written */
};

/* Entry point given to clone(). Never returns normally. */
int jail_child_main(void *arg);

#endif
