/* Shared options of the commands that run programs (see options.h). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "base/options.h"

void common_opts_init(struct common_opts *o)
{
	memset(o, 0, sizeof(*o));
	const char *env = getenv("VERDICT_PYTHON");
	o->python = env && *env ? env : "/usr/bin/python3";
	env = getenv("VERDICT_POLICY");
	o->policy = env && *env ? env : NULL;
	env = getenv("VERDICT_ISOLATION");
	o->isolation = env && *env ? env : "full";
}

static int parse_seconds(const char *arg, double max, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v <= 0 || v > max)
		return -1;
	*out = v;
	return 0;
}


/* The jail has its own /tmp, /proc and /dev: a path under one of them,
 * bound read-only, would be hidden by the jail's own mount and the program
 * would silently not see it. */
static bool bind_hidden_in_jail(const char *arg, char *err, size_t errlen)
{
	static const char *const own[] = { "/tmp", "/proc", "/dev" };
	char resolved[PATH_MAX];
	const char *path = realpath(arg, resolved) ? resolved : arg;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		size_t n = strlen(own[i]);
		if (strncmp(path, own[i], n) == 0 && (path[n] == '\0' || path[n] == '/')) {
			snprintf(err, errlen,
				 "--bind-ro %s: the jail has its own %s, which would hide it; bind a path outside %s",
				 arg, own[i], own[i]);
			return true;
		}
	}
	return false;
}

int common_opts_parse(struct common_opts *o, int key, const char *arg, char *err, size_t errlen)
{
	switch (key - COMMON_OPT_BASE) {
	case 0:
		o->python = arg;
		return 1;
	case 1:
		o->policy = arg;
		return 1;
	case 2: {
		enum jail_level l;
		bool is_auto;
		if (jail_level_parse(arg, &l, &is_auto) < 0) {
			snprintf(err, errlen, "--isolation: expected full, seccomp or auto, got '%s'", arg);
			return -1;
		}
		o->isolation = arg;
		return 1;
	}
	case 3:
		if (parse_seconds(arg, 3600, &o->timeout_s) < 0) {
			snprintf(err, errlen, "--timeout: expected seconds in (0, 3600], got '%s'", arg);
			return -1;
		}
		return 1;
	case 4:
		if (parse_seconds(arg, 3 * 3600, &o->wall_s) < 0) {
			snprintf(err, errlen, "--wall: expected seconds in (0, 10800], got '%s'", arg);
			return -1;
		}
		return 1;
	case 5: {
		char *end = NULL;
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 16 || v > 1024 * 1024) {
			snprintf(err, errlen, "--memory: expected MB in [16, 1048576], got '%s'", arg);
			return -1;
		}
		o->memory_mb = v;
		return 1;
	}
	case 6:
		if (o->n_binds >= sizeof(o->binds) / sizeof(o->binds[0]) - 1) {
			snprintf(err, errlen, "--bind-ro: at most %zu paths", sizeof(o->binds) / sizeof(o->binds[0]) - 1);
			return -1;
		}
		if (bind_hidden_in_jail(arg, err, errlen))
			return -1;
		o->binds[o->n_binds++] = arg;
		return 1;
	default:
		return 0;
	}
}

void common_opts_limits(const struct common_opts *o, struct jail_limits *l)
{
	memset(l, 0, sizeof(*l));
	if (o->timeout_s > 0)
		l->cpu_ms = (uint32_t)ceil(o->timeout_s * 1000.0);
	if (o->wall_s > 0)
		l->wall_ms = (uint32_t)ceil(o->wall_s * 1000.0);
	else if (o->timeout_s > 0)
		l->wall_ms = (uint32_t)ceil(o->timeout_s * 3000.0);
	if (o->memory_mb > 0)
		l->memory_bytes = (uint64_t)o->memory_mb * 1024u * 1024u;
}

int common_opts_jail(const struct common_opts *o, struct jail_config *c, char *err, size_t errlen)
{
	struct jail_options jo = { 0 };
	bool is_auto = false;
	if (jail_level_parse(o->isolation, &jo.min_level, &is_auto) < 0) {
		snprintf(err, errlen, "unknown isolation level '%s' (expected full, seccomp or auto)", o->isolation);
		return -1;
	}
	jo.min_level_auto = is_auto;
	/* A testing knob: exercise the seccomp level on a host that has more. */
	const char *force = getenv("VERDICT_FORCE_SECCOMP_LEVEL");
	jo.force_seccomp_level = force && strcmp(force, "1") == 0;
	jo.python = o->python;
	jo.ro_binds = o->binds;
	if (o->policy) {
		jo.policy_path = o->policy;
	} else {
		const struct embedded_file *f = embedded_find("policies/python.policy");
		if (!f) {
			snprintf(err, errlen, "no built-in policy in this build; pass --policy FILE");
			return -1;
		}
		jo.policy_text = f->data;
		jo.policy_len = f->len;
		jo.policy_label = "policies/python.policy (built in)";
	}
	common_opts_limits(o, &jo.defaults);
	return jail_config_init(c, &jo, err, errlen);
}
