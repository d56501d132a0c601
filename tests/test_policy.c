/* The seccomp policy module, tested on its own: the shipped policy loads, the
 * broken fixtures are refused at the right line, the grammar's edge cases
 * behave, and the compiled filters do what the text says when a real child
 * installs them — Python's legitimate needs pass, attacks are refused.
 *
 * Usage: test_policy [SOURCE_ROOT]
 *   SOURCE_ROOT (or env VERDICT_SOURCE_ROOT) holds policies/ and fixtures/.
 *   VERDICT_PYTHON: interpreter for the workload (default /usr/bin/python3).
 *   VERDICT_SECCOMP_MUST_WORK=1: fail instead of skipping the child tests
 *   when this host cannot install a seccomp filter.
 *
 * The checks live in policy_*.c by topic (policy_tests.h lists them); the
 * probes and their helpers in policy_probe.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "policy_probe.h"
#include "policy_tests.h"
#include "tap.h"

/* ---- main --------------------------------------------------------------------- */

static int find_root(struct test_env *env, int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : getenv("VERDICT_SOURCE_ROOT");
	char probe[PATH_BUF];

	if (!root || !*root)
		root = ".";
	snprintf(env->root, sizeof(env->root), "%s", root);
	snprintf(probe, sizeof(probe), "%s/policies/python.policy", env->root);
	return access(probe, R_OK);
}

int main(int argc, char **argv)
{
	struct test_env env = { 0 };
	const char *must = getenv("VERDICT_SECCOMP_MUST_WORK");

	tap_plan_lazy();
	if (find_root(&env, argc, argv) != 0) {
		printf("Bail out! policies/python.policy not found under '%s' "
		       "(pass the source root as argv[1] or VERDICT_SOURCE_ROOT)\n",
		       env.root);
		return 1;
	}
	env.python = getenv("VERDICT_PYTHON");
	if (!env.python || !*env.python)
		env.python = "/usr/bin/python3";
	env.must_work = must && *must && strcmp(must, "0") != 0;

	test_shipped_loads(&env);
	test_fixtures(&env);
	test_grammar();
	test_overlap_against_brute_force();
	test_cover_against_brute_force();
	test_api(&env);
	test_libseccomp_loop_deadline();

	env.can_filter = probe_seccomp();
	if (!env.can_filter && env.must_work) {
		tap_ok(
		    false,
		    "seccomp filters cannot be installed here, but VERDICT_SECCOMP_MUST_WORK is set");
	} else if (!env.can_filter) {
		tap_skip("seccomp filters cannot be installed on this host: child tests skipped");
	} else if (env.shipped) {
		test_semantics();
		test_libseccomp_pitfalls();
		test_attacks(&env);
		test_foreign_abi(&env);
		test_python_workload(&env);
	}
	policy_free(&env.shipped);
	return tap_done();
}
