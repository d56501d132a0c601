/* The groups of test_policy's checks, in the order main runs them. */
#ifndef VERDICT_TESTS_POLICY_TESTS_H
#define VERDICT_TESTS_POLICY_TESTS_H

#include <stdbool.h>

struct test_env;

/* The text alone (policy_parse_tests.c). test_shipped_loads sets
 * env->shipped, which main frees. */
void test_shipped_loads(struct test_env *env);
void test_fixtures(const struct test_env *env);
void test_grammar(void);
void test_overlap_against_brute_force(void);
void test_cover_against_brute_force(void);
void test_api(const struct test_env *env);

/* Filters in real children (policy_filter_tests.c). probe_seccomp: can this
 * host install a filter at all? */
bool probe_seccomp(void);
void test_libseccomp_loop_deadline(void);
void test_semantics(void);
void test_libseccomp_pitfalls(void);
void test_attacks(const struct test_env *env);
void test_foreign_abi(const struct test_env *env);

/* Python under the shipped policy (policy_workload.c). */
void test_python_workload(const struct test_env *env);

#endif
