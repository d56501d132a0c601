/* Names of the jail's enums, one switch each with no default so that the
 * compiler reports a value added to an enum but not named here. */
#include <string.h>

#include "jail.h"
#include "jail_internal.h"

const char *jail_status_name(enum jail_status s)
{
	switch (s) {
	case JAIL_OK:
		return "ok";
	case JAIL_EXIT_NONZERO:
		return "exit_nonzero";
	case JAIL_SIGNAL:
		return "signal";
	case JAIL_TIMEOUT:
		return "timeout";
	case JAIL_CPU_LIMIT:
		return "cpu_limit";
	case JAIL_MEMORY_LIMIT:
		return "memory_limit";
	case JAIL_OUTPUT_LIMIT:
		return "output_limit";
	case JAIL_SANDBOX_ERROR:
		return "sandbox_error";
	}
	return "unknown";
}

const char *jail_level_name(enum jail_level l)
{
	switch (l) {
	case JAIL_LEVEL_FULL:
		return "full";
	case JAIL_LEVEL_SECCOMP:
		return "seccomp";
	case JAIL_LEVEL_NONE:
		return "none";
	}
	return "unknown";
}

int jail_level_parse(const char *s, enum jail_level *out, bool *is_auto)
{
	*is_auto = false;
	if (strcmp(s, "full") == 0) {
		*out = JAIL_LEVEL_FULL;
		return 0;
	}
	if (strcmp(s, "seccomp") == 0) {
		*out = JAIL_LEVEL_SECCOMP;
		return 0;
	}
	if (strcmp(s, "auto") == 0) {
		*out = JAIL_LEVEL_SECCOMP;
		*is_auto = true;
		return 0;
	}
	return -1;
}

const char *jail_layer_name(enum jail_layer_id id)
{
	switch (id) {
	case JAIL_LAYER_USER_NS:
		return "user namespace";
	case JAIL_LAYER_PID_NS:
		return "pid namespace";
	case JAIL_LAYER_MOUNT_NS:
		return "mount namespace";
	case JAIL_LAYER_NET_NS:
		return "network namespace";
	case JAIL_LAYER_IPC_NS:
		return "ipc namespace";
	case JAIL_LAYER_UTS_NS:
		return "uts namespace";
	case JAIL_LAYER_SECCOMP:
		return "seccomp";
	case JAIL_LAYER_NO_NEW_PRIVS:
		return "no_new_privs";
	case JAIL_LAYER_CAPS:
		return "capabilities dropped";
	case JAIL_LAYER_RLIMITS:
		return "rlimits";
	case JAIL_LAYER_RUN_UID:
		return "unprivileged run uid";
	case JAIL_LAYER_CGROUP:
		return "cgroup v2";
	case JAIL_LAYER_COUNT:
		break;
	}
	return "unknown";
}

const char *jail_layer_key(enum jail_layer_id id)
{
	switch (id) {
	case JAIL_LAYER_USER_NS:
		return "user_ns";
	case JAIL_LAYER_PID_NS:
		return "pid_ns";
	case JAIL_LAYER_MOUNT_NS:
		return "mount_ns";
	case JAIL_LAYER_NET_NS:
		return "net_ns";
	case JAIL_LAYER_IPC_NS:
		return "ipc_ns";
	case JAIL_LAYER_UTS_NS:
		return "uts_ns";
	case JAIL_LAYER_SECCOMP:
		return "seccomp";
	case JAIL_LAYER_NO_NEW_PRIVS:
		return "no_new_privs";
	case JAIL_LAYER_CAPS:
		return "caps";
	case JAIL_LAYER_RLIMITS:
		return "rlimits";
	case JAIL_LAYER_RUN_UID:
		return "run_uid";
	case JAIL_LAYER_CGROUP:
		return "cgroup";
	case JAIL_LAYER_COUNT:
		break;
	}
	return "unknown";
}

const char *jail_layer_state_name(enum jail_layer_state s)
{
	switch (s) {
	case JAIL_LAYER_ACTIVE:
		return "active";
	case JAIL_LAYER_AVAILABLE:
		return "available";
	case JAIL_LAYER_MISSING:
		return "missing";
	}
	return "unknown";
}

const char *jail_stage_name(enum jail_stage s)
{
	switch (s) {
	case JAIL_STAGE_NONE:
		return "none";
	case JAIL_STAGE_SYNC:
		return "synchronising with the supervisor";
	case JAIL_STAGE_SETSID:
		return "setsid";
	case JAIL_STAGE_ROOT:
		return "building the root";
	case JAIL_STAGE_PIVOT:
		return "pivot_root";
	case JAIL_STAGE_HOSTNAME:
		return "sethostname";
	case JAIL_STAGE_FORK:
		return "fork of the program";
	case JAIL_STAGE_FDS:
		return "arranging file descriptors";
	case JAIL_STAGE_LIMITS:
		return "setrlimit";
	case JAIL_STAGE_PRIVS:
		return "dropping privileges";
	case JAIL_STAGE_SECCOMP:
		return "installing the seccomp filter";
	case JAIL_STAGE_EXEC:
		return "execve of the interpreter";
	case JAIL_STAGE_WAIT:
		return "waiting for the program";
	}
	return "unknown stage";
}
