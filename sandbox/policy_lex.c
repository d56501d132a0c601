/* The policy file's lexer: tokens of one line, names, numbers and values
 * (see policy_lex.h). Every message quotes the hostile text bounded. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "cleanup.h"
#include "policy_lex.h"

/* Writes `s` as a quoted, escaped string into buf. */
const char *policy_lex_quote(struct span s, char buf[static QUOTE_BUF])
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

int policy_lex_fail(struct parser *ps, const char *fmt, ...)
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

bool policy_lex_span_is(struct span s, const char *word)
{
	return strlen(word) == s.n && memcmp(s.p, word, s.n) == 0;
}

/* Character classes by hand: <ctype.h> depends on the locale. */
static bool policy_lex_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool policy_lex_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool policy_lex_is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool policy_lex_is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool policy_lex_is_word(char c)
{
	return policy_lex_is_lower(c) || policy_lex_is_upper(c) || policy_lex_is_digit(c) || c == '_' || c == '@' || c == '-';
}

/* ---- lexer ---------------------------------------------------------------- */

int policy_lex_next(struct parser *ps, struct token *t)
{
	const char *p = ps->pos;
	const char *e = ps->eol;
	char qb[QUOTE_BUF];

	while (p < e && policy_lex_is_space(*p))
		p++;
	t->s.p = p;
	t->s.n = 0;
	if (p == e) {
		t->kind = TOK_END;
		ps->pos = p;
		return 0;
	}
	if (policy_lex_is_word(*p)) {
		while (p < e && policy_lex_is_word(*p))
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
			return policy_lex_fail(ps, "syntax error: '!' must be followed by '='");
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
			return policy_lex_fail(ps, "syntax error: '+' must be followed by '='");
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
		return policy_lex_fail(ps, "syntax error: unexpected character %s",
			    policy_lex_quote((struct span){ p, 1 }, qb));
	}
	t->s.n = n;
	ps->pos = p + n;
	return 0;
}

static int policy_lex_peek(struct parser *ps, struct token *t)
{
	const char *saved = ps->pos;
	int rc = policy_lex_next(ps, t);

	ps->pos = saved;
	return rc;
}

const char *policy_lex_describe(const struct token *t, char buf[static QUOTE_BUF])
{
	if (t->kind == TOK_END)
		return "end of line";
	return policy_lex_quote(t->s, buf);
}

int policy_lex_expect_end(struct parser *ps, const char *after)
{
	struct token t;
	char qb[QUOTE_BUF];

	if (policy_lex_next(ps, &t) < 0)
		return -1;
	if (t.kind != TOK_END)
		return policy_lex_fail(ps, "syntax error: unexpected %s after %s", policy_lex_describe(&t, qb), after);
	return 0;
}

/* ---- names and numbers ---------------------------------------------------- */

int policy_lex_syscall(struct parser *ps, struct span s, int *nr)
{
	char name[64];
	char qb[QUOTE_BUF];

	if (s.n == 0 || s.n >= sizeof(name))
		return policy_lex_fail(ps, "unknown syscall %s", policy_lex_quote(s, qb));
	for (size_t i = 0; i < s.n; i++) {
		if (!policy_lex_is_lower(s.p[i]) && !policy_lex_is_digit(s.p[i]) && s.p[i] != '_')
			return policy_lex_fail(ps, "unknown syscall %s", policy_lex_quote(s, qb));
	}
	memcpy(name, s.p, s.n);
	name[s.n] = '\0';
	*nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
	if (*nr == __NR_SCMP_ERROR)
		return policy_lex_fail(ps, "unknown syscall %s", policy_lex_quote(s, qb));
	/* libseccomp knows names of other architectures and answers with a
	 * negative pseudo number (socketcall, mmap2, ...); a rule for one would
	 * never match here. */
	if (*nr < 0)
		return policy_lex_fail(ps, "unknown syscall %s on this architecture", policy_lex_quote(s, qb));
	return 0;
}

/* For messages about rules that came from a group: the member's name. */
const char *policy_lex_syscall_name(int nr, char buf[static 64])
{
	autofree char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	snprintf(buf, 64, "%s", name ? name : "?");
	return buf;
}

/* Decimal without leading zeros, or 0x hex; 64 bits. */
int policy_lex_number(struct parser *ps, struct span s, uint64_t *out)
{
	char qb[QUOTE_BUF];
	uint64_t v = 0;
	size_t i = 0;

	if (s.n >= 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		if (s.n == 2)
			return policy_lex_fail(ps, "bad number %s", policy_lex_quote(s, qb));
		for (i = 2; i < s.n; i++) {
			char c = s.p[i];
			unsigned d;
			if (policy_lex_is_digit(c))
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				return policy_lex_fail(ps, "bad number %s", policy_lex_quote(s, qb));
			if (v > UINT64_MAX >> 4)
				return policy_lex_fail(ps, "number %s does not fit in 64 bits", policy_lex_quote(s, qb));
			v = v << 4 | d;
		}
		*out = v;
		return 0;
	}
	/* A leading zero would mean octal in C; refuse rather than guess. */
	if (s.n > 1 && s.p[0] == '0')
		return policy_lex_fail(ps, "bad number %s (octal is not supported; use 0x)", policy_lex_quote(s, qb));
	for (i = 0; i < s.n; i++) {
		if (!policy_lex_is_digit(s.p[i]))
			return policy_lex_fail(ps, "bad number %s", policy_lex_quote(s, qb));
		unsigned d = (unsigned)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return policy_lex_fail(ps, "number %s does not fit in 64 bits", policy_lex_quote(s, qb));
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* value := term ('|' term)*, term := number | CONSTANT */
int policy_lex_value(struct parser *ps, uint64_t *out)
{
	struct token t;
	char qb[QUOTE_BUF];
	uint64_t acc = 0;

	for (;;) {
		uint64_t v;
		if (policy_lex_next(ps, &t) < 0)
			return -1;
		if (t.kind != TOK_WORD)
			return policy_lex_fail(ps, "syntax error: expected a number or constant, got %s",
				    policy_lex_describe(&t, qb));
		if (policy_lex_is_digit(t.s.p[0])) {
			if (policy_lex_number(ps, t.s, &v) < 0)
				return -1;
		} else if (t.s.p[0] == '-') {
			return policy_lex_fail(ps,
				    "bad number %s (arguments are unsigned 64-bit; write 0x...)",
				    policy_lex_quote(t.s, qb));
		} else if (!policy_const_lookup(t.s.p, t.s.n, &v)) {
			return policy_lex_fail(ps, "unknown constant %s", policy_lex_quote(t.s, qb));
		}
		acc |= v;
		if (policy_lex_peek(ps, &t) < 0)
			return -1;
		if (t.kind != TOK_OR)
			break;
		(void)policy_lex_next(ps, &t);
	}
	*out = acc;
	return 0;
}
