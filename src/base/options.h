/* Options shared by every subcommand that runs programs: the interpreter,
 * the policy, the isolation level and the default limits. Parsed from flags
 * and environment once, then turned into the read-only jail configuration. */
#ifndef VERDICT_OPTIONS_H
#define VERDICT_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "jail.h"

struct common_opts {
	const char *python;    /* --python, $VERDICT_PYTHON; default /usr/bin/python3 */
	const char *policy;    /* --policy FILE; default: the built-in policies/python.policy */
	const char *isolation; /* --isolation full|seccomp|auto; default full */
	double timeout_s;      /* --timeout: CPU seconds per program */
	double wall_s;	       /* --wall: wall-clock seconds (default 3x timeout) */
	long memory_mb;	       /* --memory */
	const char *binds[16]; /* --bind-ro PATH (repeatable) */
	size_t n_binds;
};

/* Long options understood by common_opts_parse, to splice into a command's
 * own table. Values start at COMMON_OPT_BASE. */
#define COMMON_OPT_BASE 1000
#define COMMON_LONG_OPTIONS                                                  \
	{ "python", required_argument, NULL, COMMON_OPT_BASE + 0 },          \
		{ "policy", required_argument, NULL, COMMON_OPT_BASE + 1 },  \
		{ "isolation", required_argument, NULL, COMMON_OPT_BASE + 2 }, \
		{ "timeout", required_argument, NULL, COMMON_OPT_BASE + 3 }, \
		{ "wall", required_argument, NULL, COMMON_OPT_BASE + 4 },    \
		{ "memory", required_argument, NULL, COMMON_OPT_BASE + 5 },  \
		{ "bind-ro", required_argument, NULL, COMMON_OPT_BASE + 6 }

#define COMMON_OPTIONS_HELP                                                                              \
	"  --python PATH        interpreter run in the jail (default $VERDICT_PYTHON or /usr/bin/python3)\n" \
	"  --policy FILE        seccomp policy (default: the built-in policies/python.policy)\n"           \
	"  --isolation LEVEL    weakest isolation accepted: full (default), seccomp, auto\n"              \
	"  --timeout S          CPU seconds per program\n"                                                 \
	"  --wall S             wall-clock seconds per program (default 3x --timeout)\n"                   \
	"  --memory MB          address-space limit per program (default 1024)\n"                          \
	"  --bind-ro PATH       also bind a host path read-only into the jail (repeatable;\n"              \
	"                       not under /tmp, /proc or /dev: the jail has its own)\n"

void common_opts_init(struct common_opts *o);

/* Handle one getopt_long result. Returns 1 if `key` was a common option
 * (consumed), 0 if not, -1 on a bad value (message in err). */
int common_opts_parse(struct common_opts *o, int key, const char *arg, char *err, size_t errlen);

/* Fill jail limits from the options (zero where not given). */
void common_opts_limits(const struct common_opts *o, struct jail_limits *l);

/* Build the jail configuration: policy (file or built-in), interpreter,
 * isolation level. Returns 0, or -1 with a message. */
int common_opts_jail(const struct common_opts *o, struct jail_config *c, char *err, size_t errlen);

#endif
