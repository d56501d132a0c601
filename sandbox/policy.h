/* Seccomp policies: a readable text file in policies/ compiled once, at
 * start-up, into a BPF program held in memory. The jailed child only installs
 * the prepared program (no parsing, no allocation after fork). */
#ifndef VERDICT_POLICY_H
#define VERDICT_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct policy;

/* Parse and compile the policy file at `path`. On success returns 0 and sets
 * *out (caller frees with policy_free). On failure returns -1 and writes a
 * one-line reason "path:line: message" into err (always NUL-terminated). */
int policy_load_file(const char *path, struct policy **out, char *err, size_t errlen);

/* Same as policy_load_file for text already in memory; `name` is used as the
 * file name in error messages. `text` need not be NUL-terminated. */
int policy_load_text(const char *name, const char *text, size_t len, struct policy **out,
		     char *err, size_t errlen);

/* The compiled classic-BPF program: an array of `struct sock_filter`
 * (8 bytes each), owned by the policy. */
const void *policy_bpf(const struct policy *p, size_t *n_instructions);

/* Number of rules (lines with an action) in the source, for reports. */
size_t policy_rule_count(const struct policy *p);

/* Path or name the policy was loaded from (owned by the policy). */
const char *policy_name(const struct policy *p);

/* Install the compiled program on the calling thread. Async-signal-safe: it
 * only issues prctl/seccomp system calls on memory prepared by policy_load_*,
 * so it may run between fork() and execve(). The caller must have set
 * no_new_privs (or hold CAP_SYS_ADMIN). Returns 0 or -errno. */
int policy_install(const struct policy *p);

/* Frees the policy and sets *p to NULL. Accepts NULL and *p == NULL. */
void policy_free(struct policy **p);

#endif
