/* The policy text on its own, no child: the shipped policy loads, the
 * fixtures load or are refused at the line they name, the grammar's edge
 * cases, the overlap analysis against brute force, the API's corners. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "policy.h"
#include "policy_internal.h"
#include "policy_probe.h"
#include "policy_tests.h"
#include "tap.h"

/* ---- shipped policy --------------------------------------------------------- */

void test_shipped_loads(struct test_env *env)
{
	char path[PATH_BUF];
	char err[512];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/policies/python.policy", env->root);
	int rc = policy_load_file(path, &env->shipped, err, sizeof(err));
	if (!tap_ok(rc == 0 && env->shipped, "shipped policy %s loads", path)) {
		tap_diag("%s", err);
		return;
	}
	const struct sock_filter *f = policy_bpf(env->shipped, &n);
	tap_ok(f && n > 0 && n <= BPF_MAXINSNS, "shipped policy compiles to %zu BPF instructions",
	       n);
	/* Every seccomp program libseccomp writes starts by loading the
	 * architecture word of struct seccomp_data. */
	tap_ok(f && f[0].code == (BPF_LD | BPF_W | BPF_ABS) &&
		   f[0].k == offsetof(struct seccomp_data, arch),
	       "the program starts by checking the architecture");
	tap_ok(policy_rule_count(env->shipped) > 50, "shipped policy has %zu rule lines",
	       policy_rule_count(env->shipped));
	tap_ok(strcmp(policy_name(env->shipped), path) == 0, "policy_name is the path");
}

/* ---- fixtures --------------------------------------------------------------- */

static int is_policy_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 7 && strcmp(d->d_name + n - 7, ".policy") == 0;
}

/* First line: "# expect: ok [rules=N]" or "# expect: LINE: reason substring". */
static void check_fixture(const char *path)
{
	autofclose FILE *f = fopen(path, "re");
	char first[512];
	char err[512];
	struct policy *p = NULL;

	if (!f || !fgets(first, sizeof(first), f)) {
		tap_ok(false, "%s: cannot read", path);
		return;
	}
	first[strcspn(first, "\n")] = '\0';
	if (!has_prefix(first, "# expect: ")) {
		tap_ok(false, "%s: first line must be '# expect: ...'", path);
		return;
	}
	const char *want = first + strlen("# expect: ");
	int rc = policy_load_file(path, &p, err, sizeof(err));

	if (has_prefix(want, "ok")) {
		const char *rules = strstr(want, "rules=");
		bool good = rc == 0 && p;
		if (good && rules)
			good = policy_rule_count(p) == strtoul(rules + 6, NULL, 10);
		if (!tap_ok(good, "%s loads (%s)", path, want))
			tap_diag("%s", rc == 0 ? "wrong rule count" : err);
		policy_free(&p);
		return;
	}
	char *end;
	unsigned long line = strtoul(want, &end, 10);
	if (end == want || strncmp(end, ": ", 2) != 0) {
		tap_ok(false, "%s: bad expectation '%s'", path, want);
		return;
	}
	const char *reason = end + 2;
	char prefix[PATH_BUF + 32];
	int plen = snprintf(prefix, sizeof(prefix), "%s:%lu: ", path, line);
	if (plen < 0 || (size_t)plen >= sizeof(prefix)) {
		tap_ok(false, "%s: path too long", path);
		return;
	}
	bool good = rc == -1 && !p && has_prefix(err, prefix) && strstr(err, reason);
	if (!tap_ok(good, "%s refused at line %lu: %s", path, line, reason))
		tap_diag("got: %s", rc == 0 ? "(loaded)" : err);
	policy_free(&p);
}

void test_fixtures(const struct test_env *env)
{
	char dir[PATH_BUF];
	struct dirent **names = NULL;
	int n;
	int bad = 0;

	snprintf(dir, sizeof(dir), "%s/fixtures/policies", env->root);
	n = scandir(dir, &names, is_policy_file, alphasort);
	if (!tap_ok(n >= 10, "fixtures found in %s (%d)", dir, n))
		return;
	for (int i = 0; i < n; i++) {
		char path[PATH_BUF];
		autofclose FILE *f = NULL;
		char first[64] = "";
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (len < 0 || (size_t)len >= sizeof(path)) {
			tap_ok(false, "fixture path too long: %s", names[i]->d_name);
			free(names[i]);
			continue;
		}
		f = fopen(path, "re");
		if (f && fgets(first, sizeof(first), f) && !has_prefix(first, "# expect: ok"))
			bad++;
		check_fixture(path);
		free(names[i]);
	}
	free(names);
	tap_ok(bad >= 8, "at least 8 broken fixtures (%d)", bad);
}

/* ---- grammar --------------------------------------------------------------- */

struct grammar_case {
	const char *text;
	unsigned line; /* 0: must load */
	const char *reason;
};

#define D "default errno ENOSYS\n"

static const struct grammar_case grammar_cases[] = {
	{ "default kill", 0, NULL }, /* no newline at the end */
	{ "default kill\r\nallow read\r\n", 0, NULL },
	{ "\n\n  # only a comment\n\t default\tkill  # trailing\n", 0, NULL },
	{ D "allow read# no space before the comment\n", 0, NULL },
	{ D "allow dup if arg0<5\n", 0, NULL },
	{ D "allow mmap if arg2&PROT_EXEC==0\n", 0, NULL },
	{ D "allow clone if arg0 & CLONE_NEWNS | CLONE_NEWUSER == 0\n", 0, NULL },
	{ D "allow dup if arg0 == 0X1f\n", 0, NULL },
	{ D "allow dup if arg0 < 18446744073709551615\n", 0, NULL },
	{ D "allow dup if arg0 == 0x0000000000000000001\n", 0, NULL },
	{ D "errno 4094 dup\n", 0, NULL },
	{ D "@w = write pwrite64\nallow @w if arg0 == 1\n", 0, NULL },
	{ D "@a = read\n@b = @a write\n@b += close\nallow @b\n", 0, NULL },
	{ D "foreign-abi trap\n", 0, NULL },
	{ D "foreign-abi errno EPERM\n", 0, NULL },
	{ "default allow\nallow read\nerrno EPERM bpf\n", 0, NULL },
	{ D "errno ENOSYS bpf\n", 0, NULL },
	/* disjoint conditional rules with different actions */
	{ D "allow dup if arg0 < 0x5400\nerrno EPERM dup if arg0 & 0xff00 == 0x5400\n", 0, NULL },
	{ D "allow dup if arg0 != 5\nerrno EPERM dup if arg0 == 5\n", 0, NULL },
	{ D "allow dup if arg0 != 5\nerrno EPERM dup if arg0 & 0xffffffffffffffff == 5\n", 0,
	  NULL },
	{ D "allow dup if arg0 > 10\nerrno EPERM dup if arg0 <= 10\n", 0, NULL },
	{ D "allow mmap if arg2 == 3 and arg3 == 4\nerrno EPERM mmap if arg2 == 3 and arg3 == 5\n",
	  0, NULL },
	{ D "allow dup if arg0 & 1 == 1\nerrno EPERM dup if arg0 & 3 == 2\n", 0, NULL },
	/* the same action must not overlap either */
	{ D "allow dup if arg0 < 10\nallow dup if arg0 < 20\n", 3,
	  "redundant rule for 'dup' at line 2" },
	{ D "allow dup if arg0 < 20\nallow dup if arg0 < 10\n", 3,
	  "line 2 already matches every call" },
	{ D "allow dup if arg0 < 20\nallow dup if arg0 > 10\n", 3,
	  "overlapping rules for 'dup' (line 2)" },
	{ D "allow dup if arg0 < 20\nallow dup if arg0 >= 20\n", 0, NULL },
	/* overlapping with different actions */
	{ D "allow dup if arg0 > 0x5400\nerrno EPERM dup if arg0 & 0xff00 == 0x5400\n", 3,
	  "overlap line 2" },
	{ D "allow dup if arg0 <= 0x5400\nerrno EPERM dup if arg0 & 0xff00 == 0x5400\n", 3,
	  "overlap" },
	{ D "allow dup if arg0 != 5\nerrno EPERM dup if arg0 & 0xff == 5\n", 3, "overlap" },
	{ D "allow dup if arg0 != 5\nerrno EPERM dup if arg0 != 6\n", 3, "overlap" },
	{ D "allow mmap if arg2 == 3 and arg3 == 4\nerrno EPERM mmap if arg2 == 3\n", 3,
	  "overlap" },
	{ D "allow dup if arg0 & 1 == 1\nerrno EPERM dup if arg0 & 3 == 3\n", 3, "overlap" },
	{ D "allow dup if arg0 >= 10\nerrno EPERM dup if arg0 <= 10\n", 3, "overlap" },
	{ D "allow dup if arg1 == 1\nerrno EPERM dup if arg0 == 1\n", 3, "overlap" },
	/* the unconditional + conditional combination, in both orders */
	{ D "allow ioctl\nerrno EPERM ioctl if arg1 == TIOCSTI\n", 3,
	  "conflicting rules for 'ioctl' (line 2)" },
	{ D "errno EPERM ioctl if arg1 == TIOCSTI\nallow ioctl\n", 3, "conflicting rules" },
	{ D "allow ioctl\nerrno EPERM ioctl\n", 3, "duplicate rule" },
	{ D "allow read read\n", 2, "one syscall or @group per rule" },
	/* syntax */
	{ D "allow\n", 2, "expected a syscall or @group" },
	{ D "allow read if\n", 2, "expected argN" },
	{ D "allow read if arg0\n", 2, "expected a comparison" },
	{ D "allow read if arg0 ==\n", 2, "expected a number or constant" },
	{ D "allow read if arg0 == 1 and\n", 2, "expected argN" },
	{ D "allow read if arg0 == 1 or arg1 == 2\n", 2, "expected 'and'" },
	{ D "allow read if argx == 1\n", 2, "expected argN" },
	{ D "allow read if arg10 == 1\n", 2, "argument index out of range" },
	{ D "allow read if arg0 & 4 != 0\n", 2, "masked comparison" },
	{ D "allow read if arg0 ! 1\n", 2, "'!' must be followed by '='" },
	{ D "allow read if arg0 == 1 |\n", 2, "expected a number or constant" },
	{ D "allow read if arg0 == af_unix\n", 2, "unknown constant 'af_unix'" },
	{ D "allow read; allow write\n", 2, "unexpected character ';'" },
	{ D "allow r\xc3\xa9\x61\x64\n", 2, "unexpected character '\\xc3'" },
	{ D
	  "allow readxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	  2, "xxxx'..." },
	{ D "allow READ\n", 2, "unknown syscall 'READ'" },
	{ D "@g + read\n", 2, "'+' must be followed by '='" },
	{ D "@g = read |\n", 2, "expected syscall names, got '|'" },
	{ D "== read\n", 2, "expected a rule, group or directive, got '=='" },
	{ D "foreign-abi\n", 2, "expected an action after 'foreign-abi'" },
	{ D "allow dup if ar0 == 1\n", 2, "expected argN (arg0..arg5), got 'ar0'" },
	{ D "allow dup if arg0 == 0xABCDEF\n", 0, NULL },
	{ D "allow dup if arg0 == 0xZZ\n", 2, "bad number '0xZZ'" },
	{ D "permit read\n", 2, "unknown action 'permit'" },
	{ "default\n", 1, "expected an action" },
	{ "default bogus\n", 1, "unknown action 'bogus'" },
	{ "default kill extra\n", 1, "unexpected 'extra'" },
	{ "allow read\ndefault kill\n", 1, "missing 'default" },
	{ "", 1, "missing 'default" },
	{ "@g = read\ndefault kill\n", 1, "missing 'default" },
	{ D "foreign-abi log\n", 2, "foreign-abi must refuse" },
	{ D "foreign-abi kill\nforeign-abi trap\n", 3,
	  "duplicate 'foreign-abi' (first at line 2)" },
	/* numbers */
	{ D "allow dup if arg0 == 0x\n", 2, "bad number '0x'" },
	{ D "allow dup if arg0 == 0x10000000000000000\n", 2, "does not fit" },
	{ D "allow dup if arg0 == 18446744073709551616\n", 2, "does not fit" },
	{ D "allow dup if arg0 == 08\n", 2, "octal" },
	{ D "allow dup if arg0 == 12ab\n", 2, "bad number" },
	{ D "allow dup if arg0 == -1\n", 2, "bad number" },
	{ D "allow dup if arg0 < 0\n", 2, "never matches" },
	{ D "allow dup if arg0 > 0xffffffffffffffff\n", 2, "never matches" },
	{ D "allow dup if arg0 & 0 == 0\n", 2, "mask is zero" },
	{ D "allow dup if arg0 >= 0\n", 2, "always true" },
	{ D "allow dup if arg0 <= 0xffffffffffffffff\n", 2, "always true" },
	{ D "errno 0 dup\n", 2, "out of range" },
	{ D "errno 4095 dup\n", 2, "out of range (1..4094)" },
	{ D "errno\n", 2, "expected an errno name" },
	{ D "errno eperm dup\n", 2, "unknown errno name 'eperm'" },
	/* groups */
	{ D "@g =\n", 2, "expected syscall names" },
	{ D "@ = read\n", 2, "'@' must be followed by a group name" },
	{ D "@G = read\n", 2, "bad group name '@G'" },
	{ D "@g read\n", 2, "expected '=' or '+='" },
	{ D "@g += read\n", 2, "unknown group '@g'" },
	{ D "@g = read @g\n", 2, "cannot include itself" },
	{ D "@g = read read\n", 2, "duplicate syscall 'read' in @g" },
	{ D "@a = read\n@b = @a read\n", 3, "duplicate syscall 'read' in @b" },
	{ D "@a = read\n@b = write @a\n@b += @a\n", 4, "via '@a'" },
	{ D "@a = read\nallow @a\nallow read\n", 4,
	  "duplicate rule for 'read' (same conditions at line 3)" },
	{ D "@a = read\nallow @b\n", 3, "unknown group '@b'" },
	{ D "allow @\n", 2, "unknown group '@'" },
	{ D "allow read\n\0allow write\n", 3, "NUL byte" },
};

void test_grammar(void)
{
	for (size_t i = 0; i < ARRAY_LEN(grammar_cases); i++) {
		const struct grammar_case *c = &grammar_cases[i];
		struct policy *p = NULL;
		char err[512];
		char prefix[32];
		/* The NUL case needs its true length. */
		size_t len = strlen(c->text);
		if (c->reason && strcmp(c->reason, "NUL byte") == 0)
			len += 1 + strlen(c->text + len + 1);
		int rc = policy_load_text("t", c->text, len, &p, err, sizeof(err));
		if (c->line == 0) {
			if (!tap_ok(rc == 0 && p, "grammar case %zu loads", i))
				tap_diag("%s", err);
		} else {
			snprintf(prefix, sizeof(prefix), "t:%u: ", c->line);
			bool good =
			    rc == -1 && !p && has_prefix(err, prefix) && strstr(err, c->reason);
			if (!tap_ok(good, "grammar case %zu refused at line %u: %s", i, c->line,
				    c->reason))
				tap_diag("got: %s", rc == 0 ? "(loaded)" : err);
		}
		policy_free(&p);
	}
}

/* A small deterministic PRNG for the property tests below. */
static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The loader's set analysis against brute force: whether two rules with
 * different actions overlap ("conflicting"), and whether a rule lies inside
 * another with the same action ("redundant") or only overlaps it. Conditions
 * are drawn from four shapes whose sets brute force can decide over 0..255:
 * ranges (==, <, <=) below 256; masks covering every bit above 7 (values
 * below 256); 8-bit masks, which repeat every 256 values; != below 256. The
 * last two reach past 255, which brute_within/brute_overlap account for. */
struct brute_cond {
	char text[96];
	int kind; /* 0 range, 1 bounded mask, 2 periodic mask, 3 != */
	unsigned op, v, m, w;
};

static void brute_random(struct brute_cond *c, uint64_t *seed)
{
	static const char *const ops[] = { "==", "<", "<=" };

	c->kind = (int)(xorshift(seed) % 4);
	c->op = (unsigned)(xorshift(seed) % 3);
	c->v = (unsigned)(xorshift(seed) % 255) + 1;
	/* Few mask bits, so containment happens often enough to be tested. */
	c->m = (unsigned)(xorshift(seed) & xorshift(seed) & 0xff);
	if (c->m == 0)
		c->m = 1u << (xorshift(seed) % 8);
	c->w = (unsigned)xorshift(seed) & c->m;
	if (c->kind == 0)
		snprintf(c->text, sizeof(c->text), "arg0 %s %u", ops[c->op], c->v);
	else if (c->kind == 1)
		snprintf(c->text, sizeof(c->text), "arg0 & 0xffffffffffffff%02x == %u", c->m, c->w);
	else if (c->kind == 2)
		snprintf(c->text, sizeof(c->text), "arg0 & %u == %u", c->m, c->w);
	else
		snprintf(c->text, sizeof(c->text), "arg0 != %u", c->v);
}

/* Periodic masks and != reach past 255. */
static bool brute_unbounded(const struct brute_cond *c)
{
	return c->kind >= 2;
}

static bool brute_has(const struct brute_cond *c, unsigned x)
{
	if (c->kind == 0)
		return c->op == 0 ? x == c->v : c->op == 1 ? x < c->v : x <= c->v;
	if (c->kind == 3)
		return x != c->v;
	return (x & c->m) == c->w;
}

static bool brute_within(const struct brute_cond *a, const struct brute_cond *b)
{
	if (brute_unbounded(a) && !brute_unbounded(b))
		return false;
	for (unsigned x = 0; x < 256; x++) {
		if (brute_has(a, x) && !brute_has(b, x))
			return false;
	}
	return true;
}

static bool brute_overlap(const struct brute_cond *a, const struct brute_cond *b)
{
	/* Both reach past 255, where != excludes nothing. */
	if (brute_unbounded(a) && brute_unbounded(b) && (a->kind == 3 || b->kind == 3))
		return true;
	for (unsigned x = 0; x < 256; x++) {
		if (brute_has(a, x) && brute_has(b, x))
			return true;
	}
	return false;
}

void test_overlap_against_brute_force(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int wrong = 0, overlaps = 0;
	const int rounds = 2000;

	for (int i = 0; i < rounds; i++) {
		struct brute_cond a, b;
		char text[512], err[512];
		struct policy_plan plan = { 0 };
		brute_random(&a, &seed);
		brute_random(&b, &seed);
		snprintf(text, sizeof(text), D "allow dup if %s\nerrno EPERM dup if %s\n", a.text,
			 b.text);
		bool want = brute_overlap(&a, &b) || strcmp(a.text, b.text) == 0;
		int rc = policy_plan_parse("t", text, strlen(text), &plan, err, sizeof(err));
		bool said = rc < 0 && (strstr(err, "overlap") || strstr(err, "duplicate rule"));
		if ((said != want || (rc < 0 && !said)) && wrong++ < 3)
			tap_diag("disagree: %s-> %s", text, rc == 0 ? "parsed" : err);
		overlaps += want;
		policy_plan_clear(&plan);
	}
	tap_ok(wrong == 0, "overlap analysis agrees with brute force on %d rule pairs (%d overlap)",
	       rounds, overlaps);
}

/* Same action: containment is "redundant", partial overlap "overlapping". */
void test_cover_against_brute_force(void)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	int wrong = 0, contained = 0;
	const int rounds = 2000;

	for (int i = 0; i < rounds; i++) {
		struct brute_cond a, b;
		char text[512], err[512];
		struct policy_plan plan = { 0 };
		brute_random(&a, &seed);
		brute_random(&b, &seed);
		if (strcmp(a.text, b.text) == 0)
			continue; /* a duplicate rule, tested elsewhere */
		snprintf(text, sizeof(text), D "allow dup if %s\nallow dup if %s\n", a.text,
			 b.text);
		const char *want = NULL;
		if (brute_within(&b, &a))
			want = "line 2 already matches every call";
		else if (brute_within(&a, &b))
			want = "at line 2: this rule matches every call";
		else if (brute_overlap(&a, &b))
			want = "overlapping rules";
		int rc = policy_plan_parse("t", text, strlen(text), &plan, err, sizeof(err));
		bool good = want ? rc < 0 && strstr(err, want) : rc == 0;
		if (!good && wrong++ < 3)
			tap_diag("disagree: %s-> %s, want %s", text, rc == 0 ? "parsed" : err,
				 want ? want : "parsed");
		contained += want && !strstr(want, "overlapping");
		policy_plan_clear(&plan);
	}
	tap_ok(wrong == 0,
	       "containment analysis agrees with brute force on %d rule pairs (%d contained)",
	       rounds, contained);
}

/* ---- API corners ------------------------------------------------------------ */

void test_api(const struct test_env *env)
{
	struct policy *p = (struct policy *)1;
	char err[512];
	int rc;

	rc = policy_load_file("/nonexistent/verdict.policy", &p, err, sizeof(err));
	tap_ok(rc == -1 && !p && has_prefix(err, "/nonexistent/verdict.policy: cannot open"),
	       "missing file: %s", err);
	rc = policy_load_file(env->root, &p, err, sizeof(err));
	tap_ok(rc == -1 && !p && strstr(err, "not a regular file"), "directory refused: %s", err);

	rc = policy_load_text("t", "bogus", 5, &p, NULL, 0);
	tap_ok(rc == -1 && !p, "errlen 0 is honoured");
	err[0] = 'x';
	rc = policy_load_text("t", "bogus", 5, &p, err, 1);
	tap_ok(rc == -1 && err[0] == '\0', "errlen 1 gives an empty string");
	memset(err, 'x', sizeof(err));
	rc = policy_load_text("a-rather-long-name", "bogus", 5, &p, err, 12);
	tap_ok(rc == -1 && strlen(err) == 11, "message truncated to errlen");

	/* Only `len` bytes are read: what follows must not matter. */
	static const char buf[] = "default kill\nallow read\n!!garbage that does not parse";
	rc = policy_load_text("t", buf, strlen("default kill\nallow read\n"), &p, err, sizeof(err));
	tap_ok(rc == 0 && p && policy_rule_count(p) == 1, "text need not be NUL-terminated");
	policy_free(&p);
	tap_ok(p == NULL, "policy_free sets the pointer to NULL");
	policy_free(&p);
	policy_free(NULL);
	tap_ok(true, "policy_free accepts NULL and *p == NULL");

	/* Size limits, for text and for files (a sparse 2 MiB file). */
	autofree char *big = malloc(POLICY_MAX_BYTES + 1);
	if (big) {
		memset(big, ' ', POLICY_MAX_BYTES + 1);
		rc = policy_load_text("big", big, POLICY_MAX_BYTES + 1, &p, err, sizeof(err));
		tap_ok(rc == -1 && strstr(err, "larger than"), "text over 1 MiB refused: %s", err);
	}
	char tmp[] = "/tmp/verdict-policy-XXXXXX";
	autoclose int fd = mkstemp(tmp);
	if (fd >= 0 && ftruncate(fd, 2 * POLICY_MAX_BYTES) == 0) {
		rc = policy_load_file(tmp, &p, err, sizeof(err));
		tap_ok(rc == -1 && strstr(err, "larger than"), "file over 1 MiB refused: %s", err);
	} else {
		tap_ok(false, "cannot create a temporary file: %s", strerror(errno));
	}
	if (fd >= 0)
		unlink(tmp);

	rc = policy_load_text(NULL, "x", 1, &p, err, sizeof(err));
	tap_ok(rc == -1 && has_prefix(err, "<policy>:1: "), "a NULL name reads <policy>: %s", err);
}
