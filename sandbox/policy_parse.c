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
#include "policy_lex.h"

/* ---- actions -------------------------------------------------------------- */

/* SECCOMP_RET_DATA holds 16 bits, but libc reads only -4095..-1 as errors
 * and libseccomp 2.5 refuses 4095 itself (its check is `>= MAX_ERRNO`). */
#define MAX_ERRNO_VALUE 4094

static int parse_action(struct parser *ps, struct span word, uint32_t *action)
{
	struct token t;
	char qb[QUOTE_BUF];
	int e;

	if (policy_lex_span_is(word, "allow")) {
		*action = SCMP_ACT_ALLOW;
	} else if (policy_lex_span_is(word, "kill")) {
		/* The whole process: killing one thread of a multi-threaded
		 * interpreter would leave the rest running in an odd state. */
		*action = SCMP_ACT_KILL_PROCESS;
	} else if (policy_lex_span_is(word, "trap")) {
		*action = SCMP_ACT_TRAP;
	} else if (policy_lex_span_is(word, "log")) {
		*action = SCMP_ACT_LOG;
	} else if (policy_lex_span_is(word, "errno")) {
		if (policy_lex_next(ps, &t) < 0)
			return -1;
		if (t.kind != TOK_WORD)
			return policy_lex_fail(
			    ps,
			    "syntax error: expected an errno name or number after 'errno', got %s",
			    policy_lex_describe(&t, qb));
		if (policy_lex_is_digit(t.s.p[0])) {
			uint64_t v;
			if (policy_lex_number(ps, t.s, &v) < 0)
				return -1;
			/* errno 0 makes a call "succeed" without running; too
			 * surprising for a policy to do by accident. */
			if (v == 0 || v > MAX_ERRNO_VALUE)
				return policy_lex_fail(ps, "errno value %s out of range (1..%d)",
					    policy_lex_quote(t.s, qb), MAX_ERRNO_VALUE);
			e = (int)v;
		} else if (!policy_errno_lookup(t.s.p, t.s.n, &e)) {
			return policy_lex_fail(ps, "unknown errno name %s", policy_lex_quote(t.s, qb));
		}
		*action = SCMP_ACT_ERRNO((uint32_t)e);
	} else {
		return policy_lex_fail(ps, "unknown action %s (expected allow, kill, trap, log or errno)",
			    policy_lex_quote(word, qb));
	}
	return 0;
}

/* ---- directives ----------------------------------------------------------- */

static int parse_default(struct parser *ps)
{
	struct token t;
	char qb[QUOTE_BUF];

	if (ps->have_default)
		return policy_lex_fail(ps, "duplicate 'default' (first at line %u)", ps->plan->default_line);
	if (policy_lex_next(ps, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD)
		return policy_lex_fail(ps, "syntax error: expected an action after 'default', got %s",
			    policy_lex_describe(&t, qb));
	if (parse_action(ps, t.s, &ps->plan->default_action) < 0 ||
	    policy_lex_expect_end(ps, "the action") < 0)
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
		return policy_lex_fail(ps, "duplicate 'foreign-abi' (first at line %u)", ps->foreign_line);
	if (policy_lex_next(ps, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD)
		return policy_lex_fail(ps, "syntax error: expected an action after 'foreign-abi', got %s",
			    policy_lex_describe(&t, qb));
	if (parse_action(ps, t.s, &action) < 0 || policy_lex_expect_end(ps, "the action") < 0)
		return -1;
	/* Rules are compiled for x86_64 only; an i386 (int 0x80) or x32 call
	 * that ran would have passed no rule at all. */
	if (action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG)
		return policy_lex_fail(
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
/* The group `word` ("@name") names, or NULL after reporting it unknown. The
 * pointer is the only result, so no caller can use a group that was not
 * found (gcc -O3 -Wnull-dereference follows this; it could not see that an
 * error code always came with a null out-parameter). */
static struct group *lookup_group(struct parser *ps, struct span word)
{
	char qb[QUOTE_BUF];

	struct group *g = find_group(ps, (struct span){ word.p + 1, word.n - 1 });
	if (!g)
		policy_lex_fail(ps, "unknown group %s", policy_lex_quote(word, qb));
	return g;
}

static int group_add(struct parser *ps, struct group *g, int nr, struct span via)
{
	char nb[64];
	char qb[QUOTE_BUF];

	for (size_t i = 0; i < g->n; i++) {
		if (g->nrs[i] == nr)
			return policy_lex_fail(ps, "duplicate syscall '%s' in @%.*s%s%s", policy_lex_syscall_name(nr, nb),
				    (int)g->name.n, g->name.p, via.n ? " via " : "",
				    via.n ? policy_lex_quote(via, qb) : "");
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		int *nrs = reallocarray(g->nrs, cap, sizeof(*nrs));
		if (!nrs)
			return policy_lex_fail(ps, "out of memory");
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
		return policy_lex_fail(ps, "syntax error: '@' must be followed by a group name");
	for (size_t i = 0; i < name.n; i++) {
		if (!policy_lex_is_lower(name.p[i]) && !policy_lex_is_digit(name.p[i]) && name.p[i] != '_' &&
		    name.p[i] != '-')
			return policy_lex_fail(ps, "bad group name %s (use a-z, 0-9, '_' and '-')",
				    policy_lex_quote(word, qb));
	}
	if (policy_lex_next(ps, &t) < 0)
		return -1;
	g = find_group(ps, name);
	if (t.kind == TOK_ASSIGN) {
		if (g)
			return policy_lex_fail(ps, "group %s already defined at line %u (use += to extend it)",
				    policy_lex_quote(word, qb), g->line);
		if (ps->n_groups == ps->cap_groups) {
			size_t cap = ps->cap_groups ? ps->cap_groups * 2 : 8;
			struct group *gs = reallocarray(ps->groups, cap, sizeof(*gs));
			if (!gs)
				return policy_lex_fail(ps, "out of memory");
			ps->groups = gs;
			ps->cap_groups = cap;
		}
		g = &ps->groups[ps->n_groups++];
		*g = (struct group){ .name = name, .line = ps->line };
	} else if (t.kind == TOK_APPEND) {
		if (!g)
			return policy_lex_fail(ps, "unknown group %s (define it with '=' first)",
				    policy_lex_quote(word, qb));
	} else {
		return policy_lex_fail(ps, "syntax error: expected '=' or '+=' after %s, got %s",
			    policy_lex_quote(word, qb), policy_lex_describe(&t, qb2));
	}

	size_t before = g->n;
	for (;;) {
		if (policy_lex_next(ps, &t) < 0)
			return -1;
		if (t.kind == TOK_END)
			break;
		if (t.kind != TOK_WORD)
			return policy_lex_fail(ps, "syntax error: expected syscall names, got %s",
				    policy_lex_describe(&t, qb));
		if (t.s.p[0] == '@') {
			struct group *member = lookup_group(ps, t.s);
			if (!member)
				return -1;
			/* A group cannot contain itself: it is not complete yet. */
			if (member == g)
				return policy_lex_fail(ps, "group %s cannot include itself", policy_lex_quote(word, qb));
			for (size_t i = 0; i < member->n; i++) {
				if (group_add(ps, g, member->nrs[i], t.s) < 0)
					return -1;
			}
		} else {
			int nr;
			if (policy_lex_syscall(ps, t.s, &nr) < 0 ||
			    group_add(ps, g, nr, (struct span){ 0 }) < 0)
				return -1;
		}
	}
	if (g->n == before)
		return policy_lex_fail(ps, "syntax error: expected syscall names after %s", policy_lex_quote(word, qb));
	return 0;
}

/* ---- conditions ----------------------------------------------------------- */

static int parse_arg_index(struct parser *ps, struct span s, unsigned *arg)
{
	char qb[QUOTE_BUF];
	unsigned v = 0;

	if (s.n < 4 || memcmp(s.p, "arg", 3) != 0)
		return policy_lex_fail(ps, "syntax error: expected argN (arg0..arg5), got %s", policy_lex_quote(s, qb));
	for (size_t i = 3; i < s.n; i++) {
		if (!policy_lex_is_digit(s.p[i]))
			return policy_lex_fail(ps, "syntax error: expected argN (arg0..arg5), got %s",
				    policy_lex_quote(s, qb));
		v = v * 10 + (unsigned)(s.p[i] - '0');
		if (v >= POLICY_MAX_ARGS)
			return policy_lex_fail(ps, "argument index out of range in %s (arg0..arg5)",
				    policy_lex_quote(s, qb));
	}
	*arg = v;
	return 0;
}

static int parse_cond(struct parser *ps, struct policy_cond *c)
{
	struct token t;
	char qb[QUOTE_BUF];

	if (policy_lex_next(ps, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD)
		return policy_lex_fail(ps, "syntax error: expected argN, got %s", policy_lex_describe(&t, qb));
	if (parse_arg_index(ps, t.s, &c->arg) < 0 || policy_lex_next(ps, &t) < 0)
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
		if (policy_lex_value(ps, &c->mask) < 0 || policy_lex_next(ps, &t) < 0)
			return -1;
		if (t.kind != TOK_EQ)
			return policy_lex_fail(
			    ps,
			    "syntax error: a masked comparison is 'argN & MASK == VALUE', got %s",
			    policy_lex_describe(&t, qb));
		break;
	case TOK_END:
	case TOK_WORD:
	case TOK_OR:
	case TOK_ASSIGN:
	case TOK_APPEND:
		return policy_lex_fail(ps, "syntax error: expected a comparison (== != < <= > >= &), got %s",
			    policy_lex_describe(&t, qb));
	}
	if (policy_lex_value(ps, &c->value) < 0)
		return -1;

	/* Conditions that can never be true are mistakes, not policy. */
	if (c->op == SCMP_CMP_MASKED_EQ && c->mask == 0)
		return policy_lex_fail(ps, "mask is zero: the condition on arg%u is always true", c->arg);
	if (c->op == SCMP_CMP_MASKED_EQ && (c->value & ~c->mask) != 0)
		return policy_lex_fail(ps,
			    "value has bits outside the mask: the condition on arg%u never matches",
			    c->arg);
	if ((c->op == SCMP_CMP_LT && c->value == 0) ||
	    (c->op == SCMP_CMP_GT && c->value == UINT64_MAX))
		return policy_lex_fail(ps,
			    "the condition on arg%u never matches (arguments are unsigned 64-bit)",
			    c->arg);
	/* Refused too, so a rule without a condition on an argument is
	 * exactly the rule that accepts every value there. */
	if ((c->op == SCMP_CMP_GE && c->value == 0) ||
	    (c->op == SCMP_CMP_LE && c->value == UINT64_MAX))
		return policy_lex_fail(ps,
			    "the condition on arg%u is always true (arguments are unsigned 64-bit)",
			    c->arg);
	return 0;
}

/* ---- rules ---------------------------------------------------------------- */

static int check_against(struct parser *ps, const struct policy_rule *r,
			 const struct policy_rule *old)
{
	char nb[64];
	const char *name = policy_lex_syscall_name(r->nr, nb);

	if (policy_same_conds(r, old))
		return policy_lex_fail(ps, "duplicate rule for '%s' (same conditions at line %u)", name,
			    old->line);
	if (r->n_conds == 0 || old->n_conds == 0) {
		/* libseccomp keeps the unconditional rule and drops the other
		 * without an error, whatever the actions. */
		if (r->action == old->action)
			return policy_lex_fail(
			    ps,
			    "redundant rule for '%s': line %u already has an unconditional rule",
			    name, old->line);
		return policy_lex_fail(
		    ps,
		    "conflicting rules for '%s' (line %u): libseccomp drops conditional rules "
		    "of a syscall that also has an unconditional one; state the exception "
		    "in the conditions",
		    name, old->line);
	}
	if (!policy_rules_overlap(r, old))
		return 0;
	if (r->action != old->action)
		return policy_lex_fail(
		    ps,
		    "conflicting rules for '%s': conditions overlap line %u with a different "
		    "action and libseccomp does not define which wins",
		    name, old->line);
	/* Same action: harmless in meaning, but libseccomp 2.5.4 leaks tree
	 * nodes when it merges overlapping rules (found by fuzzing), and a
	 * policy where each call matches at most one rule reads better. */
	if (policy_rule_within(r, old))
		return policy_lex_fail(
		    ps, "redundant rule for '%s': line %u already matches every call this one does",
		    name, old->line);
	if (policy_rule_within(old, r))
		return policy_lex_fail(
		    ps, "redundant rule for '%s' at line %u: this rule matches every call it does",
		    name, old->line);
	return policy_lex_fail(ps,
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
			return policy_lex_fail(ps, "out of memory");
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
				return policy_lex_fail(
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
		if (policy_lex_next(ps, &t) < 0)
			return -1;
		if (t.kind == TOK_END)
			return 0;
		if (t.kind != TOK_WORD || !policy_lex_span_is(t.s, "and"))
			return policy_lex_fail(ps, "syntax error: expected 'and' or end of line, got %s",
				    policy_lex_describe(&t, qb));
	}
}

static int parse_rule(struct parser *ps, struct span action_word)
{
	struct policy_rule r = { .line = ps->line };
	struct token target, t;
	char qb[QUOTE_BUF], qb2[QUOTE_BUF];

	if (parse_action(ps, action_word, &r.action) < 0 || policy_lex_next(ps, &target) < 0)
		return -1;
	if (target.kind != TOK_WORD)
		return policy_lex_fail(ps,
			    "syntax error: expected a syscall or @group after the action, got %s",
			    policy_lex_describe(&target, qb));
	if (policy_lex_next(ps, &t) < 0)
		return -1;
	if (t.kind == TOK_WORD && policy_lex_span_is(t.s, "if")) {
		if (parse_conditions(ps, &r) < 0)
			return -1;
	} else if (t.kind != TOK_END) {
		return policy_lex_fail(ps,
			    "syntax error: expected 'if' or end of line after %s, got %s "
			    "(one syscall or @group per rule)",
			    policy_lex_quote(target.s, qb), policy_lex_describe(&t, qb2));
	}

	if (target.s.p[0] == '@') {
		struct group *g = lookup_group(ps, target.s);
		if (!g)
			return -1;
		for (size_t i = 0; i < g->n; i++) {
			r.nr = g->nrs[i];
			if (add_rule(ps, &r) < 0)
				return -1;
		}
	} else {
		if (policy_lex_syscall(ps, target.s, &r.nr) < 0 || add_rule(ps, &r) < 0)
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

	if (policy_lex_next(ps, &t) < 0)
		return -1;
	if (t.kind == TOK_END)
		return 0;
	if (t.kind != TOK_WORD)
		return policy_lex_fail(ps, "syntax error: expected a rule, group or directive, got %s",
			    policy_lex_describe(&t, qb));
	if (policy_lex_span_is(t.s, "default"))
		return parse_default(ps);
	/* The default comes first so a reader knows what everything else is
	 * an exception to. */
	if (!ps->have_default)
		return policy_lex_fail(ps,
			    "missing 'default <action>': it must be the first line of the policy");
	if (t.s.p[0] == '@')
		return parse_group_def(ps, t.s);
	if (policy_lex_span_is(t.s, "foreign-abi"))
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
			return policy_lex_fail(ps, "NUL byte in policy text");
		ps->pos = p;
		ps->eol = hash ? hash : eol;
		if (parse_line(ps) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	if (!ps->have_default) {
		if (ps->line == 0)
			ps->line = 1;
		return policy_lex_fail(ps, "missing 'default <action>' line");
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
		return policy_lex_fail(&ps, "policy is larger than %d bytes", POLICY_MAX_BYTES);
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
