/* jail_helper_abi: makes one system call through a foreign ABI, for the
 * jail's attack suite (tests/attacks/foreign_abi.py runs it in the jail).
 *
 *   jail_helper_abi native   getpid through the x86_64 `syscall` entry
 *   jail_helper_abi x32      getpid with the x32 bit (0x40000000) set
 *   jail_helper_abi int80    getpid through the i386 `int $0x80` entry
 *
 * It prints "trying MODE" first, then the call's result if it survives, and
 * exits 0 (native) or 3 (a foreign call returned: the filter let it through).
 * The seccomp policy kills the process on a foreign ABI, so the caller sees
 * SIGSYS instead.
 *
 * No libc: the program is placed in the jail's /tmp as a plain file and must
 * not depend on anything but the kernel, and it must stay free of the
 * sanitizer runtime (built with -nostdlib -static, see tests/meson.build).
 * x86_64 only. */

#define NR_WRITE 1
#define NR_GETPID 39
#define NR_EXIT_GROUP 231
#define X32_SYSCALL_BIT 0x40000000L
#define I386_NR_GETPID 20

long helper_main(long *sp);

/* The kernel enters here with argc at the top of the stack; keep the ABI's
 * 16-byte alignment for the call. */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call helper_main\n"
	"	hlt\n");

static long sys3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static long sys_int80(long nr)
{
	long ret;
	/* The i386 entry takes eax/ebx/ecx/edx; getpid needs no argument. */
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

static __attribute__((noreturn)) void leave(int code)
{
	for (;;)
		sys3(NR_EXIT_GROUP, code, 0, 0);
}

static unsigned long length(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys3(NR_WRITE, 1, (long)s, (long)length(s));
}

static void say_number(long v)
{
	char buf[24];
	int i = (int)sizeof(buf) - 1;
	int neg = v < 0;
	unsigned long u = neg ? (unsigned long)-v : (unsigned long)v;
	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u && i > 1);
	if (neg)
		buf[--i] = '-';
	say(buf + i);
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

long helper_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	if (argc != 2) {
		say("usage: jail_helper_abi native|x32|int80\n");
		leave(2);
	}
	const char *mode = argv[1];
	long ret;
	say("trying ");
	say(mode);
	say("\n");
	if (same(mode, "native"))
		ret = sys3(NR_GETPID, 0, 0, 0);
	else if (same(mode, "x32"))
		ret = sys3(X32_SYSCALL_BIT | NR_GETPID, 0, 0, 0);
	else if (same(mode, "int80"))
		ret = sys_int80(I386_NR_GETPID);
	else
		leave(2);
	say("returned ");
	say_number(ret);
	say("\n");
	leave(same(mode, "native") ? 0 : 3);
}
