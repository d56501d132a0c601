/* Probes of sockets, namespaces and clone: what the shipped policy must
 * refuse (a network, new namespaces) and the forms it must let through
 * (AF_UNIX, a plain fork). Each makes one system call and returns 0 or errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "policy_probe.h"

int p_socket_inet(void)
{
	return result(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
}

int p_socket_inet6(void)
{
	return result(syscall(SYS_socket, AF_INET6, SOCK_DGRAM, 0));
}

int p_socket_netlink(void)
{
	return result(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0));
}

int p_socket_packet(void)
{
	return result(syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0));
}

/* The kernel reads the domain as an int; seccomp sees all 64 bits. */
int p_socket_unix_highbits(void)
{
	return result(syscall(SYS_socket, (long)AF_UNIX | (1L << 32), SOCK_STREAM, 0));
}

int p_socket_unix(void)
{
	return result(syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0));
}

int p_socketpair_unix(void)
{
	int sv[2];
	return result(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
}

int p_socketpair_inet(void)
{
	int sv[2];
	return result(syscall(SYS_socketpair, AF_INET, SOCK_STREAM, 0, sv));
}

int p_connect(void)
{
	return result(syscall(SYS_connect, -1, NULL, 0));
}

int p_unshare_user(void)
{
	return result(syscall(SYS_unshare, CLONE_NEWUSER));
}

int p_unshare_net(void)
{
	return result(syscall(SYS_unshare, CLONE_NEWNET));
}

/* Raw clone without a new stack behaves like fork; a child that got through
 * exits at once so a broken policy shows up as "success", not as chaos. */
static int clone_with(unsigned long flags)
{
	long rc = syscall(SYS_clone, flags | SIGCHLD, 0L, 0L, 0L, 0L);
	int status;

	if (rc == 0)
		child_exit(0);
	if (rc < 0)
		return errno;
	wait_child((pid_t)rc, &status);
	return 0;
}

int p_clone_newns(void)
{
	return clone_with(CLONE_NEWNS);
}

int p_clone_newuser(void)
{
	return clone_with(CLONE_NEWUSER);
}

int p_clone_newnet(void)
{
	return clone_with(CLONE_NEWNET);
}

int p_clone_newpid_user(void)
{
	return clone_with(CLONE_NEWPID | CLONE_NEWUSER);
}

/* Namespace bits in the upper half of the flags are ignored by the kernel
 * (it reads the low 32 bits) and by the masked rule alike: still a fork. */
int p_clone_fork(void)
{
	return clone_with(0);
}

int p_clone3(void)
{
	uint64_t args[11] = { 0 };
	long rc = syscall(SYS_clone3, args, sizeof(args));

	if (rc == 0)
		child_exit(0);
	return result(rc);
}
