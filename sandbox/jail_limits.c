/* Per-run resource limits: defaults, merging, and applying them as rlimits in
 * the jailed child. jail_limits_apply() runs between fork and execve, so it
 * only issues setrlimit calls on values computed beforehand. */
#include <errno.h>
#include <sys/resource.h>

#include "jail.h"
#include "jail_internal.h"

#define MIB (1024ULL * 1024ULL)

void jail_limits_default(struct jail_limits *l)
{
	*l = (struct jail_limits){
		.memory_bytes = 1024 * MIB,
		.cpu_ms = 10000,
		.wall_ms = 30000,
		.max_procs = 64,
		.file_size_bytes = 64 * MIB,
		.open_files = 256,
		.output_keep_bytes = 1 * MIB,
		.output_max_bytes = 64 * MIB,
		.tmp_bytes = 64 * MIB,
		.stack_bytes = 8 * MIB,
	};
}

void jail_limits_merge(struct jail_limits *l, const struct jail_limits *d)
{
#define MERGE(f)             \
	do {                 \
		if (!l->f)   \
			l->f = d->f; \
	} while (0)
	MERGE(memory_bytes);
	MERGE(cpu_ms);
	MERGE(wall_ms);
	MERGE(max_procs);
	MERGE(file_size_bytes);
	MERGE(open_files);
	MERGE(output_keep_bytes);
	MERGE(output_max_bytes);
	MERGE(tmp_bytes);
	MERGE(stack_bytes);
#undef MERGE
}

static int set_one(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit r = { .rlim_cur = soft, .rlim_max = hard };
	return setrlimit(resource, &r) == 0 ? 0 : -errno;
}

int jail_limits_apply(const struct jail_limits *l, int *failed_resource)
{
	/* CPU: the soft limit delivers SIGXCPU (reported as cpu_limit), the hard
	 * limit one second later is SIGKILL for programs that ignore it. */
	rlim_t cpu_s = (l->cpu_ms + 999) / 1000;
	const struct {
		int resource;
		rlim_t soft, hard;
	} table[] = {
		{ RLIMIT_AS, l->memory_bytes, l->memory_bytes },
		{ RLIMIT_CPU, cpu_s, cpu_s + 1 },
		{ RLIMIT_NPROC, l->max_procs, l->max_procs },
		{ RLIMIT_FSIZE, l->file_size_bytes, l->file_size_bytes },
		{ RLIMIT_NOFILE, l->open_files, l->open_files },
		{ RLIMIT_STACK, l->stack_bytes, l->stack_bytes },
		/* No core files: they would fill /tmp and leak memory contents. */
		{ RLIMIT_CORE, 0, 0 },
		/* Locked memory and message queues are not needed by benchmark code
		 * and are host-wide resources. */
		{ RLIMIT_MEMLOCK, 64 * 1024, 64 * 1024 },
		{ RLIMIT_MSGQUEUE, 0, 0 },
		{ RLIMIT_RTPRIO, 0, 0 },
		{ RLIMIT_NICE, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int rc = set_one(table[i].resource, table[i].soft, table[i].hard);
		if (rc < 0) {
			*failed_resource = table[i].resource;
			return rc;
		}
	}
	return 0;
}
