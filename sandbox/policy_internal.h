/* Private to the policy module: the parsed, validated plan of a policy file
 * (policy_parse.c), the constant tables it uses (policy_consts.c), and the
 * compiler that turns a plan into BPF (policy.c).
 *
 * Plan, then execute: the parser proves every rule is well-formed and that no
 * two rules for one system call disagree; the compiler then hands the plan to
 * libseccomp without further decisions. */
#ifndef VERDICT_POLICY_INTERNAL_H
#define VERDICT_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seccomp.h>

struct policy;

/* seccomp_data carries six syscall arguments. libseccomp accepts at most one
 * comparison per argument in a rule (it returns -EINVAL otherwise), so a rule
 * has at most six conditions. */
#define POLICY_MAX_ARGS 6

/* Policy files are small and written by people; anything larger is a mistake
 * (or an attack on the loader) and is refused before parsing. */
#define POLICY_MAX_BYTES (1024 * 1024)

/* One comparison of a 64-bit syscall argument. */
struct policy_cond {
	unsigned arg;		/* 0..5 */
	enum scmp_compare op;	/* SCMP_CMP_NE .. SCMP_CMP_MASKED_EQ */
	uint64_t mask;		/* SCMP_CMP_MASKED_EQ only: (arg & mask) == value */
	uint64_t value;
};

/* One rule for one system call: a line naming a group becomes one rule per
 * member, all carrying that line number. */
struct policy_rule {
	int nr;		 /* native syscall number, >= 0 */
	uint32_t action; /* SCMP_ACT_* */
	unsigned line;
	unsigned n_conds;
	struct policy_cond conds[POLICY_MAX_ARGS]; /* sorted by arg, one per arg */
};

/* The whole file, validated. Owns `rules`; release with policy_plan_clear. */
struct policy_plan {
	uint32_t default_action;
	uint32_t foreign_action; /* SCMP_FLTATR_ACT_BADARCH: i386, x32, anything not x86_64 */
	unsigned default_line;
	struct policy_rule *rules;
	size_t n_rules;
	size_t cap_rules;
	size_t n_rule_lines; /* lines with an action, for policy_rule_count() */
};

/* Parse `text` (len bytes, need not be NUL-terminated) into *plan, which the
 * caller zero-initialises. On failure returns -1, leaves *plan empty and
 * writes "name:line: reason" into err. */
int policy_plan_parse(const char *name, const char *text, size_t len, struct policy_plan *plan,
		      char *err, size_t errlen);

/* Frees the rules; the plan may be parsed into again. */
void policy_plan_clear(struct policy_plan *plan);

/* policy_load_text() with the deadline for libseccomp's compilation given
 * (policy_load_text uses 10 s). Tests and the fuzzer use a short one. */
int policy_load_text_deadline(const char *name, const char *text, size_t len, int timeout_ms,
			      struct policy **out, char *err, size_t errlen);

/* Symbolic constants usable as condition values (AF_UNIX, CLONE_NEWUSER,
 * TIOCSTI, ...). `name` is `n` bytes, not NUL-terminated. */
bool policy_const_lookup(const char *name, size_t n, uint64_t *value);

/* errno names for the `errno` action (EPERM, ENOSYS, ...). */
bool policy_errno_lookup(const char *name, size_t n, int *value);

/* policy_overlap.c: can some call match both rules (same system call);
 * is every call matching `a` also matching `b`; are the two condition
 * lists the same. */
bool policy_rules_overlap(const struct policy_rule *a, const struct policy_rule *b);
bool policy_rule_within(const struct policy_rule *a, const struct policy_rule *b);
bool policy_same_conds(const struct policy_rule *a, const struct policy_rule *b);

#endif
