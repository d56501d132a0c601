/* The policy file parser: text in, validated `struct policy_plan` out.
 *
 * The grammar is line-based (see policies/README.md):
 *
 *   default <action>
 *   foreign-abi <action>
 *   @group = name name @other ...      @group += name ...
 *   <action> <syscall|@group> [if argN <op> <value> [and ...]]
 *
 * Everything libseccomp would accept silently but compile into something else
 * than the text says is refused here with "file:line: reason": a conditional
 * rule next to an unconditional one for the same system call (libseccomp keeps
 * only the unconditional one), and two rules whose conditions can both match
 * the same call (libseccomp gives no order between different actions, and
 * leaks memory merging equal ones). Every call matches at most one rule. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "policy_internal.h"

/* A slice of the input; the parser never copies text it does not keep. */
struct span {
	const char *p;
	size_t n;
};

enum tok_kind {
	TOK_END,
	TOK_WORD,
	TOK_EQ,     /* == */
	TOK_NE,     /* != */
	TOK_LT,     /* <  */
	TOK_LE,     /* <= */
	TOK_GT,     /* >  */
	TOK_GE,     /* >= */
	TOK_AND,    /* &  */
	TOK_OR,     /* |  */
	TOK_ASSIGN, /* =  */
	TOK_APPEND, /* += */
};

struct token {
	enum tok_kind kind;
	struct span s;
};

/* A named set of system calls, valid until the end of the parse. */
struct group {
	struct span name; /* without the '@' */
	unsigned line;
	int *nrs;
	size_t n;
	size_t cap;
};

struct parser {
	const char *name; /* for messages */
	unsigned line;
	const char *pos; /* cursor in the current line */
	const char *eol; /* end of the current line, comment stripped */
	char *err;
	size_t errlen;
	struct policy_plan *plan;
	struct group *groups;
	size_t n_groups;
	size_t cap_groups;
	bool have_default;
	bool have_foreign;
	unsigned foreign_line;
};

/* Longest source text quoted into a message: enough to recognise a token,
 * bounded because the text may be hostile (the fuzzer is). */
#define QUOTE_SRC_MAX 40
#define QUOTE_BUF (QUOTE_SRC_MAX * 4 + 8)

/* Writes `s` as a quoted, escaped string into buf. */
static const char *quote(struct span s, char buf[static QUOTE_BUF])
{
	size_t o = 0;
	size_t n = s.n < QUOTE_SRC_MAX ? s.n : QUOTE_SRC_MAX;

	buf[o++] = '\'';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\x%02x", c);
	}
	buf[o++] = '\'';
	if (n < s.n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

__attribute__((format(printf, 2, 3))) static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->errlen == 0)
		return -1;
	n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->name, ps->line);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool span_is(struct span s, const char *word)
{
	return strlen(word) == s.n && memcmp(s.p, word, s.n) == 0;
}

/* Character classes by hand: <ctype.h> depends on the locale. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_word(char c)
{
	return is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '@' || c == '-';
}

/* ---- lexer ---------------------------------------------------------------- */

static int lex(struct parser *ps, struct token *t)
{
	const char *p = ps->pos;
	const char *e = ps->eol;
	char qb[QUOTE_BUF];

	while (p < e && is_space(*p))
		p++;
	t->s.p = p;
	t->s.n = 0;
	if (p == e) {
		t->kind = TOK_END;
		ps->pos = p;
		return 0;
	}
	if (is_word(*p)) {
		while (p < e && is_word(*p))
			p++;
		t->kind = TOK_WORD;
		t->s.n = (size_t)(p - t->s.p);
		ps->pos = p;
		return 0;
	}

	bool next_eq = p + 1 < e && p[1] == '=';
	size_t n = next_eq ? 2 : 1;
	switch (*p) {
	case '=':
		t->kind = next_eq ? TOK_EQ : TOK_ASSIGN;
		break;
	case '!':
		if (!next_eq)
			return fail(ps, "syntax error: '!' must be followed by '='");
		t->kind = TOK_NE;
		break;
	case '<':
		t->kind = next_eq ? TOK_LE : TOK_LT;
		break;
	case '>':
		t->kind = next_eq ? TOK_GE : TOK_GT;
		break;
	case '+':
		if (!next_eq)
			return fail(ps, "syntax error: '+' must be followed by '='");
		t->kind = TOK_APPEND;
		break;
	case '&':
		/* One character: "&=" is not an operator of this language. */
		t->kind = TOK_AND;
		n = 1;
		break;
	case '|':
		t->kind = TOK_OR;
		n = 1;
		break;
	default:
		return fail(ps, "syntax error: unexpected character %s",
			    quote((struct span){ p, 1 }, qb));
	}
	t->s.n = n;
	ps->pos = p + n;
	return 0;
}

static int peek(struct parser *ps, struct token *t)
{
	const char *saved = ps->pos;
	int rc = lex(ps, t);

	ps->pos = saved;
	return rc;
}

static const char *describe(const struct token *t, char buf[static QUOTE_BUF])
{
	if (t->kind == TOK_END)
		return "end of line";
	return quote(t->s, buf);
}

static int expect_end(struct parser *ps, const char *after)
{
	struct token t;
	char qb[QUOTE_BUF];

	if (lex(ps, &t) < 0)
		return -1;
	if (t.kind != TOK_END)
		return fail(ps, "syntax error: unexpected %s after %s", describe(&t, qb), after);
	return 0;
}

/* ---- names and numbers ---------------------------------------------------- */

static int resolve_syscall(struct parser *ps, struct span s, int *nr)
{
	char name[64];
	char qb[QUOTE_BUF];

	if (s.n == 0 || s.n >= sizeof(name))
		return fail(ps, "unknown syscall %s", quote(s, qb));
	for (size_t i = 0; i < s.n; i++) {
		if (!is_lower(s.p[i]) && !is_digit(s.p[i]) && s.p[i] != '_')
			return fail(ps, "unknown syscall %s", quote(s, qb));
	}
	memcpy(name, s.p, s.n);
	name[s.n] = '\0';
	*nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
	if (*nr == __NR_SCMP_ERROR)
		return fail(ps, "unknown syscall %s", quote(s, qb));
	/* libseccomp knows names of other architectures and answers with a
	 * negative pseudo number (socketcall, mmap2, ...); a rule for one would
	 * never match here. */
	if (*nr < 0)
		return fail(ps, "unknown syscall %s on this architecture", quote(s, qb));
	return 0;
}

/* For messages about rules that came from a group: the member's name. */
static const char *syscall_name(int nr, char buf[static 64])
{
	autofree char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	snprintf(buf, 64, "%s", name ? name : "?");
	return buf;
}

/* Decimal without leading zeros, or 0x hex; 64 bits. */
static int parse_number(struct parser *ps, struct span s, uint64_t *out)
{
	char qb[QUOTE_BUF];
	uint64_t v = 0;
	size_t i = 0;

	if (s.n >= 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		if (s.n == 2)
			return fail(ps, "bad number %s", quote(s, qb));
		for (i = 2; i < s.n; i++) {
			char c = s.p[i];
			unsigned d;
			if (is_digit(c))
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				return fail(ps, "bad number %s", quote(s, qb));
			if (v > UINT64_MAX >> 4)
				return fail(ps, "number %s does not fit in 64 bits", quote(s, qb));
			v = v << 4 | d;
		}
		*out = v;
		return 0;
	}
	/* A leading zero would mean octal in C; refuse rather than guess. */
	if (s.n > 1 && s.p[0] == '0')
		return fail(ps, "bad number %s (octal is not supported; use 0x)", quote(s, qb));
	for (i = 0; i < s.n; i++) {
		if (!is_digit(s.p[i]))
			return fail(ps, "bad number %s", quote(s, qb));
		unsigned d = (unsigned)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return fail(ps, "number %s does not fit in 64 bits", quote(s, qb));
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* value := term ('|' term)*, term := number | CONSTANT */
static int parse_value(struct parser *ps, uint64_t *out)
{
	struct token t;
	char qb[QUOTE_BUF];
	uint64_t acc = 0;

	for (;;) {
		uint64_t v;
		if (lex(ps, &t) < 0)
			return -1;
		if (t.kind != TOK_WORD)
			return fail(ps, "syntax error: expected a number or constant, got %s",
				    describe(&t, qb));
		if (is_digit(t.s.p[0])) {
			if (parse_number(ps, t.s, &v) < 0)
				return -1;
		} else if (t.s.p[0] == '-') {
			return fail(ps,
				    "bad number %s (arguments are unsigned 64-bit; write 0x...)",
				    quote(t.s, qb));
		} else if (!policy_const_lookup(t.s.p, t.s.n, &v)) {
			return fail(ps, "unknown constant %s", quote(t.s, qb));
		}
		acc |= v;
		if (peek(ps, &t) < 0)
			return -1;
		if (t.kind != TOK_OR)
			break;
		(void)lex(ps, &t);
	}
	*out = acc;
	return 0;
}

/* ---- actions -------------------------------------------------------------- */

/* SECCOMP_RET_DATA holds 16 bits, but libc reads only -4095..-1 as errors
 * and libseccomp 2.5 refuses 4095 itself (its check is `>= MAX_ERRNO`). */
#define MAX_ERRNO_VALUE 4094

static int parse_action(struct parser *ps, struct span word, uint32_t *action)
{
	struct token t;
	char qb[QUOTE_BUF];
	int e;

	if (span_is(word, "allow")) {
		*action = SCMP_ACT_ALLOW;
	} else if (span_is(word, "kill")) {
		/* The whole process: killing one thread of a multi-threaded
		 * interpreter would leave the rest running in an odd state. */
		*action = SCMP_ACT_KILL_PROCESS;
	} else if (span_is(word, "trap")) {
		*action = SCMP_ACT_TRAP;
	} else if (span_is(word, "log")) {
		*action = SCMP_ACT_LOG;
	} else if (span_is(word, "errno")) {
		if (lex(ps, &t) < 0)
			return -1;
		if (t.kind != TOK_WORD)
			return fail(
			    ps,
			    "syntax error: expected an errno name or number after 'errno', got %s",
			    describe(&t, qb));
		if (is_digit(t.s.p[0])) {
			uint64_t v;
			if (parse_number(ps, t.s, &v) < 0)
				return -1;
			/* errno 0 makes a call "succeed" without running; too
			 * surprising for a policy to do by accident. */
			if (v == 0 || v > MAX_ERRNO_VALUE)
				return fail(ps, "errno value %s out of range (1..%d)",
					    quote(t.s, qb), MAX_ERRNO_VALUE);
			e = (int)v;
		} else if (!policy_errno_lookup(t.s.p, t.s.n, &e)) {
			return fail(ps, "unknown errno name %s", quote(t.s, qb));
		}
		*action = SCMP_ACT_ERRNO((uint32_t)e);
	} else {
		return fail(ps, "unknown action %s (expected allow, kill, trap, log or errno)",
			    quote(word, qb));
	}
	return 0;
}

/* ---- directives ----------------------------------------------------------- */

static int parse_default(struct parser *ps)
{
	struct token t;
	char qb[QUOTE_BUF];

	if (ps->have_default)
		return fail(ps, "duplicate 'default' (first at line %u)", ps->plan->default_line);
	if (lex(ps, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD)
		return fail(ps, "syntax error: expected an action after 'default', got %s",
			    describe(&t, qb));
	if (parse_action(ps, t.s, &ps->plan->default_action) < 0 ||
	    expect_end(ps, "the action") < 0)
		return -1;
	ps->have_default = true;
	ps->plan->default_line = ps->line;
	return 0;
}

static int parse_foreign(struct parser *ps)
{
	struct token t;
	char qb[QUOTE_BUF];
	uint32_t action;

	if (ps->have_foreign)
		return fail(ps, "duplicate 'foreign-abi' (first at line %u)", ps->foreign_line);
	if (lex(ps, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD)
		return fail(ps, "syntax error: expected an action after 'foreign-abi', got %s",
			    describe(&t, qb));
	if (parse_action(ps, t.s, &action) < 0 || expect_end(ps, "the action") < 0)
		return -1;
	/* Rules are compiled for x86_64 only; an i386 (int 0x80) or x32 call
	 * that ran would have passed no rule at all. */
	if (action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG)
		return fail(
		    ps,
		    "foreign-abi must refuse: i386 and x32 system calls would bypass every rule");
	ps->plan->foreign_action = action;
	ps->have_foreign = true;
	ps->foreign_line = ps->line;
	return 0;
}

static struct group *find_group(struct parser *ps, struct span name)
{
	for (size_t i = 0; i < ps->n_groups; i++) {
		if (ps->groups[i].name.n == name.n &&
		    memcmp(ps->groups[i].name.p, name.p, name.n) == 0)
			return &ps->groups[i];
	}
	return NULL;
}

/* `word` is "@name"; finds the group or fails with "unknown group". */
static int lookup_group(struct parser *ps, struct span word, struct group **g)
{
	char qb[QUOTE_BUF];

	*g = find_group(ps, (struct span){ word.p + 1, word.n - 1 });
	if (!*g)
		return fail(ps, "unknown group %s", quote(word, qb));
	return 0;
}

static int group_add(struct parser *ps, struct group *g, int nr, struct span via)
{
	char nb[64];
	char qb[QUOTE_BUF];

	for (size_t i = 0; i < g->n; i++) {
		if (g->nrs[i] == nr)
			return fail(ps, "duplicate syscall '%s' in @%.*s%s%s", syscall_name(nr, nb),
				    (int)g->name.n, g->name.p, via.n ? " via " : "",
				    via.n ? quote(via, qb) : "");
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		int *nrs = reallocarray(g->nrs, cap, sizeof(*nrs));
		if (!nrs)
			return fail(ps, "out of memory");
		g->nrs = nrs;
		g->cap = cap;
	}
	g->nrs[g->n++] = nr;
	return 0;
}

static int parse_group_def(struct parser *ps, struct span word)
{
	struct span name = { word.p + 1, word.n - 1 };
	struct token t;
	char qb[QUOTE_BUF], qb2[QUOTE_BUF];
	struct group *g;

	if (name.n == 0)
		return fail(ps, "syntax error: '@' must be followed by a group name");
	for (size_t i = 0; i < name.n; i++) {
		if (!is_lower(name.p[i]) && !is_digit(name.p[i]) && name.p[i] != '_' &&
		    name.p[i] != '-')
			return fail(ps, "bad group name %s (use a-z, 0-9, '_' and '-')",
				    quote(word, qb));
	}
	if (lex(ps, &t) < 0)
		return -1;
	g = find_group(ps, name);
	if (t.kind == TOK_ASSIGN) {
		if (g)
			return fail(ps, "group %s already defined at line %u (use += to extend it)",
				    quote(word, qb), g->line);
		if (ps->n_groups == ps->cap_groups) {
			size_t cap = ps->cap_groups ? ps->cap_groups * 2 : 8;
			struct group *gs = reallocarray(ps->groups, cap, sizeof(*gs));
			if (!gs)
				return fail(ps, "out of memory");
			ps->groups = gs;
			ps->cap_groups = cap;
		}
		g = &ps->groups[ps->n_groups++];
		*g = (struct group){ .name = name, .line = ps->line };
	} else if (t.kind == TOK_APPEND) {
		if (!g)
			return fail(ps, "unknown group %s (define it with '=' first)",
				    quote(word, qb));
	} else {
		return fail(ps, "syntax error: expected '=' or '+=' after %s, got %s",
			    quote(word, qb), describe(&t, qb2));
	}

	size_t before = g->n;
	for (;;) {
		if (lex(ps, &t) < 0)
			return -1;
		if (t.kind == TOK_END)
			break;
		if (t.kind != TOK_WORD)
			return fail(ps, "syntax error: expected syscall names, got %s",
				    describe(&t, qb));
		if (t.s.p[0] == '@') {
			struct group *member;
			if (lookup_group(ps, t.s, &member) < 0)
				return -1;
			/* A group cannot contain itself: it is not complete yet. */
			if (member == g)
				return fail(ps, "group %s cannot include itself", quote(word, qb));
			for (size_t i = 0; i < member->n; i++) {
				if (group_add(ps, g, member->nrs[i], t.s) < 0)
					return -1;
			}
		} else {
			int nr;
			if (resolve_syscall(ps, t.s, &nr) < 0 ||
			    group_add(ps, g, nr, (struct span){ 0 }) < 0)
				return -1;
		}
	}
	if (g->n == before)
		return fail(ps, "syntax error: expected syscall names after %s", quote(word, qb));
	return 0;
}

/* ---- conditions ----------------------------------------------------------- */

static int parse_arg_index(struct parser *ps, struct span s, unsigned *arg)
{
	char qb[QUOTE_BUF];
	unsigned v = 0;

	if (s.n < 4 || memcmp(s.p, "arg", 3) != 0)
		return fail(ps, "syntax error: expected argN (arg0..arg5), got %s", quote(s, qb));
	for (size_t i = 3; i < s.n; i++) {
		if (!is_digit(s.p[i]))
			return fail(ps, "syntax error: expected argN (arg0..arg5), got %s",
				    quote(s, qb));
		v = v * 10 + (unsigned)(s.p[i] - '0');
		if (v >= POLICY_MAX_ARGS)
			return fail(ps, "argument index out of range in %s (arg0..arg5)",
				    quote(s, qb));
	}
	*arg = v;
	return 0;
}

static int parse_cond(struct parser *ps, struct policy_cond *c)
{
	struct token t;
	char qb[QUOTE_BUF];

	if (lex(ps, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD)
		return fail(ps, "syntax error: expected argN, got %s", describe(&t, qb));
	if (parse_arg_index(ps, t.s, &c->arg) < 0 || lex(ps, &t) < 0)
		return -1;
	c->mask = 0;
	switch (t.kind) {
	case TOK_EQ:
		c->op = SCMP_CMP_EQ;
		break;
	case TOK_NE:
		c->op = SCMP_CMP_NE;
		break;
	case TOK_LT:
		c->op = SCMP_CMP_LT;
		break;
	case TOK_LE:
		c->op = SCMP_CMP_LE;
		break;
	case TOK_GT:
		c->op = SCMP_CMP_GT;
		break;
	case TOK_GE:
		c->op = SCMP_CMP_GE;
		break;
	case TOK_AND:
		c->op = SCMP_CMP_MASKED_EQ;
		if (parse_value(ps, &c->mask) < 0 || lex(ps, &t) < 0)
			return -1;
		if (t.kind != TOK_EQ)
			return fail(
			    ps,
			    "syntax error: a masked comparison is 'argN & MASK == VALUE', got %s",
			    describe(&t, qb));
		break;
	case TOK_END:
	case TOK_WORD:
	case TOK_OR:
	case TOK_ASSIGN:
	case TOK_APPEND:
		return fail(ps, "syntax error: expected a comparison (== != < <= > >= &), got %s",
			    describe(&t, qb));
	}
	if (parse_value(ps, &c->value) < 0)
		return -1;

	/* Conditions that can never be true are mistakes, not policy. */
	if (c->op == SCMP_CMP_MASKED_EQ && c->mask == 0)
		return fail(ps, "mask is zero: the condition on arg%u is always true", c->arg);
	if (c->op == SCMP_CMP_MASKED_EQ && (c->value & ~c->mask) != 0)
		return fail(ps,
			    "value has bits outside the mask: the condition on arg%u never matches",
			    c->arg);
	if ((c->op == SCMP_CMP_LT && c->value == 0) ||
	    (c->op == SCMP_CMP_GT && c->value == UINT64_MAX))
		return fail(ps,
			    "the condition on arg%u never matches (arguments are unsigned 64-bit)",
			    c->arg);
	/* Refused too, so a rule without a condition on an argument is
	 * exactly the rule that accepts every value there. */
	if ((c->op == SCMP_CMP_GE && c->value == 0) ||
	    (c->op == SCMP_CMP_LE && c->value == UINT64_MAX))
		return fail(ps,
			    "the condition on arg%u is always true (arguments are unsigned 64-bit)",
			    c->arg);
	return 0;
}

/* ---- overlap analysis ----------------------------------------------------- */

/* Every condition is a set of 64-bit values of one shape. */
enum shape_kind {
	SHAPE_RANGE,  /* lo <= x <= hi (==, <, <=, >, >=) */
	SHAPE_EXCEPT, /* x != v */
	SHAPE_MASKED, /* (x & m) == v */
};

struct shape {
	enum shape_kind kind;
	uint64_t lo, hi; /* SHAPE_RANGE */
	uint64_t m, v;   /* SHAPE_EXCEPT uses v */
};

/* parse_cond() has refused the empty ranges (< 0, > max), so no underflow. */
static struct shape shape_of(const struct policy_cond *c)
{
	struct shape s = { .kind = SHAPE_RANGE, .lo = 0, .hi = UINT64_MAX };

	switch (c->op) {
	case SCMP_CMP_EQ:
		s.lo = s.hi = c->value;
		break;
	case SCMP_CMP_LT:
		s.hi = c->value - 1;
		break;
	case SCMP_CMP_LE:
		s.hi = c->value;
		break;
	case SCMP_CMP_GT:
		s.lo = c->value + 1;
		break;
	case SCMP_CMP_GE:
		s.lo = c->value;
		break;
	case SCMP_CMP_NE:
		s.kind = SHAPE_EXCEPT;
		s.v = c->value;
		break;
	case SCMP_CMP_MASKED_EQ:
		s.kind = SHAPE_MASKED;
		s.m = c->mask;
		s.v = c->value;
		break;
	case _SCMP_CMP_MIN:
	case _SCMP_CMP_MAX:
		break;
	}
	return s;
}

/* Is there an x in [lo, hi] with (x & m) == v? The smallest x >= lo with the
 * pattern either is lo itself or agrees with lo above some bit i where lo has
 * 0 and x has 1, and is minimal below it; the lowest usable i gives the
 * smallest x. */
static bool masked_meets_range(uint64_t m, uint64_t v, uint64_t lo, uint64_t hi)
{
	if ((lo & m) == v)
		return true;
	for (unsigned i = 0; i < 64; i++) {
		uint64_t bit = UINT64_C(1) << i;
		uint64_t above = i == 63 ? 0 : ~((bit << 1) - 1);
		if (lo & bit)
			continue;
		if ((m & bit) && !(v & bit))
			continue;
		if ((lo & above & m) != (v & above))
			continue;
		return ((lo & above) | bit | (v & (bit - 1))) <= hi;
	}
	return false;
}

static bool shapes_meet(const struct shape *a, const struct shape *b)
{
	if (a->kind > b->kind) {
		const struct shape *t = a;
		a = b;
		b = t;
	}
	switch (a->kind) {
	case SHAPE_RANGE:
		switch (b->kind) {
		case SHAPE_RANGE:
			return (a->lo > b->lo ? a->lo : b->lo) <= (a->hi < b->hi ? a->hi : b->hi);
		case SHAPE_EXCEPT:
			return !(a->lo == a->hi && a->lo == b->v);
		case SHAPE_MASKED:
			return masked_meets_range(b->m, b->v, a->lo, a->hi);
		}
		break;
	case SHAPE_EXCEPT:
		if (b->kind == SHAPE_EXCEPT)
			return true;
		/* The masked set has one element only when the mask is full. */
		return b->m != UINT64_MAX || b->v != a->v;
	case SHAPE_MASKED:
		return ((a->v ^ b->v) & a->m & b->m) == 0;
	}
	return true;
}

/* Can one system call (one argument vector) match both rules? Arguments are
 * independent and each rule constrains an argument at most once. */
static bool rules_overlap(const struct policy_rule *a, const struct policy_rule *b)
{
	for (unsigned i = 0; i < a->n_conds; i++) {
		for (unsigned j = 0; j < b->n_conds; j++) {
			if (a->conds[i].arg != b->conds[j].arg)
				continue;
			struct shape sa = shape_of(&a->conds[i]);
			struct shape sb = shape_of(&b->conds[j]);
			if (!shapes_meet(&sa, &sb))
				return false;
		}
	}
	return true;
}

/* Is every value of `a` also a value of `b`? */
static bool shape_within(const struct shape *a, const struct shape *b)
{
	switch (a->kind) {
	case SHAPE_RANGE:
		switch (b->kind) {
		case SHAPE_RANGE:
			return b->lo <= a->lo && a->hi <= b->hi;
		case SHAPE_EXCEPT:
			return b->v < a->lo || b->v > a->hi;
		case SHAPE_MASKED: {
			/* Below the highest bit where lo and hi differ, a range
			 * takes every bit both ways; above it, lo's bits. */
			uint64_t diff = a->lo ^ a->hi;
			uint64_t varying = 0;
			while (diff) {
				varying = (varying << 1) | 1;
				diff >>= 1;
			}
			return (b->m & varying) == 0 && (a->lo & b->m) == b->v;
		}
		}
		break;
	case SHAPE_EXCEPT:
		switch (b->kind) {
		case SHAPE_RANGE:
			return b->lo <= (a->v == 0 ? 1 : 0) &&
			       b->hi >= (a->v == UINT64_MAX ? UINT64_MAX - 1 : UINT64_MAX);
		case SHAPE_EXCEPT:
			return a->v == b->v;
		case SHAPE_MASKED:
			return false; /* a non-zero mask excludes at least half */
		}
		break;
	case SHAPE_MASKED:
		switch (b->kind) {
		case SHAPE_RANGE:
			return b->lo <= a->v && (a->v | ~a->m) <= b->hi;
		case SHAPE_EXCEPT:
			return (b->v & a->m) != a->v;
		case SHAPE_MASKED:
			return (b->m & ~a->m) == 0 && (a->v & b->m) == b->v;
		}
		break;
	}
	return false;
}

/* Does every call matching rule `a` also match rule `b`? A condition of `b`
 * on an argument `a` leaves free is never satisfied by all values, because
 * always-true conditions are refused by parse_cond(). */
static bool rule_within(const struct policy_rule *a, const struct policy_rule *b)
{
	for (unsigned j = 0; j < b->n_conds; j++) {
		bool found = false;
		for (unsigned i = 0; i < a->n_conds && !found; i++) {
			if (a->conds[i].arg != b->conds[j].arg)
				continue;
			struct shape sa = shape_of(&a->conds[i]);
			struct shape sb = shape_of(&b->conds[j]);
			if (!shape_within(&sa, &sb))
				return false;
			found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

static bool same_conds(const struct policy_rule *a, const struct policy_rule *b)
{
	if (a->n_conds != b->n_conds)
		return false;
	for (unsigned i = 0; i < a->n_conds; i++) {
		const struct policy_cond *x = &a->conds[i], *y = &b->conds[i];
		if (x->arg != y->arg || x->op != y->op || x->mask != y->mask ||
		    x->value != y->value)
			return false;
	}
	return true;
}

/* ---- rules ---------------------------------------------------------------- */

static int check_against(struct parser *ps, const struct policy_rule *r,
			 const struct policy_rule *old)
{
	char nb[64];
	const char *name = syscall_name(r->nr, nb);

	if (same_conds(r, old))
		return fail(ps, "duplicate rule for '%s' (same conditions at line %u)", name,
			    old->line);
	if (r->n_conds == 0 || old->n_conds == 0) {
		/* libseccomp keeps the unconditional rule and drops the other
		 * without an error, whatever the actions. */
		if (r->action == old->action)
			return fail(
			    ps,
			    "redundant rule for '%s': line %u already has an unconditional rule",
			    name, old->line);
		return fail(
		    ps,
		    "conflicting rules for '%s' (line %u): libseccomp drops conditional rules "
		    "of a syscall that also has an unconditional one; state the exception "
		    "in the conditions",
		    name, old->line);
	}
	if (!rules_overlap(r, old))
		return 0;
	if (r->action != old->action)
		return fail(
		    ps,
		    "conflicting rules for '%s': conditions overlap line %u with a different "
		    "action and libseccomp does not define which wins",
		    name, old->line);
	/* Same action: harmless in meaning, but libseccomp 2.5.4 leaks tree
	 * nodes when it merges overlapping rules (found by fuzzing), and a
	 * policy where each call matches at most one rule reads better. */
	if (rule_within(r, old))
		return fail(
		    ps, "redundant rule for '%s': line %u already matches every call this one does",
		    name, old->line);
	if (rule_within(old, r))
		return fail(
		    ps, "redundant rule for '%s' at line %u: this rule matches every call it does",
		    name, old->line);
	return fail(ps,
		    "overlapping rules for '%s' (line %u): make the conditions disjoint so each "
		    "call matches one rule",
		    name, old->line);
}

static int add_rule(struct parser *ps, const struct policy_rule *r)
{
	struct policy_plan *plan = ps->plan;

	for (size_t i = 0; i < plan->n_rules; i++) {
		if (plan->rules[i].nr == r->nr && check_against(ps, r, &plan->rules[i]) < 0)
			return -1;
	}
	if (plan->n_rules == plan->cap_rules) {
		size_t cap = plan->cap_rules ? plan->cap_rules * 2 : 64;
		struct policy_rule *rs = reallocarray(plan->rules, cap, sizeof(*rs));
		if (!rs)
			return fail(ps, "out of memory");
		plan->rules = rs;
		plan->cap_rules = cap;
	}
	plan->rules[plan->n_rules++] = *r;
	return 0;
}

static int parse_conditions(struct parser *ps, struct policy_rule *r)
{
	struct token t;
	char qb[QUOTE_BUF];

	for (;;) {
		struct policy_cond c;
		unsigned i;
		if (parse_cond(ps, &c) < 0)
			return -1;
		for (i = 0; i < r->n_conds; i++) {
			if (r->conds[i].arg == c.arg)
				return fail(
				    ps,
				    "arg%u is compared twice: libseccomp allows one comparison per "
				    "argument in a rule (split it into two rules)",
				    c.arg);
		}
		/* Keep them sorted by argument so equal sets compare equal. */
		for (i = r->n_conds; i > 0 && r->conds[i - 1].arg > c.arg; i--)
			r->conds[i] = r->conds[i - 1];
		r->conds[i] = c;
		r->n_conds++;
		if (lex(ps, &t) < 0)
			return -1;
		if (t.kind == TOK_END)
			return 0;
		if (t.kind != TOK_WORD || !span_is(t.s, "and"))
			return fail(ps, "syntax error: expected 'and' or end of line, got %s",
				    describe(&t, qb));
	}
}

static int parse_rule(struct parser *ps, struct span action_word)
{
	struct policy_rule r = { .line = ps->line };
	struct token target, t;
	char qb[QUOTE_BUF], qb2[QUOTE_BUF];

	if (parse_action(ps, action_word, &r.action) < 0 || lex(ps, &target) < 0)
		return -1;
	if (target.kind != TOK_WORD)
		return fail(ps,
			    "syntax error: expected a syscall or @group after the action, got %s",
			    describe(&target, qb));
	if (lex(ps, &t) < 0)
		return -1;
	if (t.kind == TOK_WORD && span_is(t.s, "if")) {
		if (parse_conditions(ps, &r) < 0)
			return -1;
	} else if (t.kind != TOK_END) {
		return fail(ps,
			    "syntax error: expected 'if' or end of line after %s, got %s "
			    "(one syscall or @group per rule)",
			    quote(target.s, qb), describe(&t, qb2));
	}

	if (target.s.p[0] == '@') {
		struct group *g;
		if (lookup_group(ps, target.s, &g) < 0)
			return -1;
		for (size_t i = 0; i < g->n; i++) {
			r.nr = g->nrs[i];
			if (add_rule(ps, &r) < 0)
				return -1;
		}
	} else {
		if (resolve_syscall(ps, target.s, &r.nr) < 0 || add_rule(ps, &r) < 0)
			return -1;
	}
	ps->plan->n_rule_lines++;
	return 0;
}

/* ---- lines ---------------------------------------------------------------- */

static int parse_line(struct parser *ps)
{
	struct token t;
	char qb[QUOTE_BUF];

	if (lex(ps, &t) < 0)
		return -1;
	if (t.kind == TOK_END)
		return 0;
	if (t.kind != TOK_WORD)
		return fail(ps, "syntax error: expected a rule, group or directive, got %s",
			    describe(&t, qb));
	if (span_is(t.s, "default"))
		return parse_default(ps);
	/* The default comes first so a reader knows what everything else is
	 * an exception to. */
	if (!ps->have_default)
		return fail(ps,
			    "missing 'default <action>': it must be the first line of the policy");
	if (t.s.p[0] == '@')
		return parse_group_def(ps, t.s);
	if (span_is(t.s, "foreign-abi"))
		return parse_foreign(ps);
	return parse_rule(ps, t.s);
}

static void free_groups(struct parser *ps)
{
	for (size_t i = 0; i < ps->n_groups; i++)
		free(ps->groups[i].nrs);
	free(ps->groups);
	ps->groups = NULL;
	ps->n_groups = ps->cap_groups = 0;
}

static int parse_lines(struct parser *ps, const char *text, size_t len)
{
	const char *p = text;
	const char *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(eol - p));

		ps->line++;
		if (memchr(p, '\0', (size_t)(eol - p)))
			return fail(ps, "NUL byte in policy text");
		ps->pos = p;
		ps->eol = hash ? hash : eol;
		if (parse_line(ps) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	if (!ps->have_default) {
		if (ps->line == 0)
			ps->line = 1;
		return fail(ps, "missing 'default <action>' line");
	}
	return 0;
}

int policy_plan_parse(const char *name, const char *text, size_t len, struct policy_plan *plan,
		      char *err, size_t errlen)
{
	struct parser ps = {
		.name = name ? name : "<policy>",
		.err = err,
		.errlen = errlen,
		.plan = plan,
	};
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	*plan = (struct policy_plan){ .foreign_action = SCMP_ACT_KILL_PROCESS };
	if (len > POLICY_MAX_BYTES) {
		ps.line = 1;
		return fail(&ps, "policy is larger than %d bytes", POLICY_MAX_BYTES);
	}
	rc = parse_lines(&ps, text, len);
	free_groups(&ps);
	if (rc < 0)
		policy_plan_clear(plan);
	return rc;
}

void policy_plan_clear(struct policy_plan *plan)
{
	free(plan->rules);
	*plan = (struct policy_plan){ 0 };
}
