/* Run a command as if the kernel had no mount_setattr(2) (Linux before 5.12,
 * or a container runtime whose seccomp profile predates it): a seccomp
 * filter makes the call fail with ENOSYS for the command and everything it
 * starts. The jail must then make every submount read-only another way.
 *
 * usage: no_mount_setattr COMMAND [ARG...] */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no_mount_setattr COMMAND [ARG...]\n");
		return 2;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int nr = seccomp_syscall_resolve_name("mount_setattr");
	if (!ctx || nr == __NR_SCMP_ERROR || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0) != 0 ||
	    seccomp_load(ctx) != 0) {
		fprintf(stderr, "no_mount_setattr: cannot install the filter\n");
		return 1;
	}
	seccomp_release(ctx);
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
