/* Dropping privilege in the jailed child: every capability (bounding,
 * ambient, inheritable, permitted, effective), the ids, and no_new_privs.
 * The libcap objects are prepared in the parent; the child only makes the
 * system calls, so this is safe between fork and execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail_internal.h"

int jail_privs_plan_init(struct jail_privs_plan *p, uid_t uid, gid_t gid, bool change_ids)
{
	cap_t empty = cap_init(); /* all sets clear */
	if (!empty)
		return -errno;
	*p = (struct jail_privs_plan){
		.uid = uid,
		.gid = gid,
		.change_ids = change_ids,
		.empty_caps = empty,
		.last_cap = (int)cap_max_bits() - 1,
	};
	return 0;
}

void jail_privs_plan_free(struct jail_privs_plan *p)
{
	if (p->empty_caps)
		cap_free(p->empty_caps);
	p->empty_caps = NULL;
}

int jail_privs_drop_caps(const struct jail_privs_plan *p)
{
	if (cap_set_proc((cap_t)p->empty_caps) != 0)
		return -errno;
	return 0;
}

int jail_privs_drop(const struct jail_privs_plan *p, const char **stage)
{
	/* The bounding set caps what any later execve can ever regain (file
	 * capabilities); clearing it needs CAP_SETPCAP, so it comes first. */
	*stage = "bounding set";
	for (int cap = 0; cap <= p->last_cap; cap++) {
		if (cap_drop_bound((cap_value_t)cap) != 0 && errno != EINVAL) {
			/* Without CAP_SETPCAP (an unprivileged service) nothing can
			 * be dropped, and nothing needs to be: no capability is
			 * held and no_new_privs keeps it so. */
			if (p->bounding_best_effort && errno == EPERM)
				break;
			return -errno;
		}
	}
	*stage = "ambient set";
	if (cap_reset_ambient() != 0 && errno != EINVAL)
		return -errno;
	if (p->change_ids) {
		/* setgroups is denied in the jail's user namespace (written
		 * "deny" by the supervisor) so supplementary groups were cleared
		 * before the namespace was made; only the primary ids change. */
		/* Raw system calls: glibc's set*id() wrappers broadcast the
		 * change to every thread the parent had, and in a clone()
		 * child of a threaded server those threads do not exist, so
		 * the wrapper would wait for them forever. */
		*stage = "setresgid";
		if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) != 0)
			return -errno;
		*stage = "setresuid";
		if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) != 0)
			return -errno;
	}
	/* Changing from uid 0 clears the permitted and effective sets already;
	 * this also clears them when the ids did not change. */
	*stage = "capset";
	if (cap_set_proc((cap_t)p->empty_caps) != 0)
		return -errno;
	*stage = "no_new_privs";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	/* From here the process holds no privilege and can never gain one. */
	*stage = NULL;
	return 0;
}
