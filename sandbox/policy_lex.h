/* The policy file's lexer and the values it reads (names, numbers,
 * syscall names), shared by policy_lex.c and policy_parse.c. Internal to
 * sandbox/. */
#ifndef VERDICT_POLICY_LEX_H
#define VERDICT_POLICY_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The source text `s`, quoted and escaped into buf, for messages. */
const char *policy_lex_quote(struct span s, char buf[static QUOTE_BUF]);
/* "file:line: " and the message into the parser's err; returns -1. */
__attribute__((format(printf, 2, 3))) int policy_lex_fail(struct parser *ps, const char *fmt, ...);
bool policy_lex_span_is(struct span s, const char *word);
/* Character classes by hand: <ctype.h> depends on the locale. */
bool policy_lex_is_digit(char c);
bool policy_lex_is_lower(char c);
/* The next token of the current line (TOK_END at its end); -1 on a bad one. */
int policy_lex_next(struct parser *ps, struct token *t);
/* A token as the messages name it. */
const char *policy_lex_describe(const struct token *t, char buf[static QUOTE_BUF]);
/* Nothing may follow on the line after `after`. */
int policy_lex_expect_end(struct parser *ps, const char *after);
/* A system call name of the native ABI to its number (an unknown name is an
 * error naming file:line), and back for messages. */
int policy_lex_syscall(struct parser *ps, struct span s, int *nr);
const char *policy_lex_syscall_name(int nr, char buf[static 64]);
/* A number (decimal, 0x hex, 0 octal) or a named constant, as a uint64. */
int policy_lex_number(struct parser *ps, struct span s, uint64_t *out);
/* A value: a number or `CONST | CONST ...`. */
int policy_lex_value(struct parser *ps, uint64_t *out);

#endif
