/* The suite's set-up and tear-down: the jail config the way `verdict`
 * builds it, the host-side state the attacks aim at, and its removal. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/embedded.h"
#include "test_jail.h"

/* --------------------------------------------------------------- setup */

int suite_config(struct suite *s, char *err, size_t errlen)
{
	const struct embedded_file *policy = embedded_find("policies/python.policy");
	if (!policy) {
		snprintf(err, errlen, "no built-in policy in this build");
		return -1;
	}
	const char *python = getenv("VERDICT_PYTHON");
	struct jail_options o = {
		.python = python && *python ? python : "/usr/bin/python3",
		.policy_text = policy->data,
		.policy_len = policy->len,
		.policy_label = "policies/python.policy (built in)",
		.min_level = JAIL_LEVEL_FULL,
		.defaults = {
			.cpu_ms = 2000,
			/* Generous: on a loaded machine a run waits for a CPU, and
			 * no case but those that set their own wall limit is
			 * about the wall clock. */
			.wall_ms = 60000,
			.memory_bytes = 1024 * MIB,
			.max_procs = 64,
			.tmp_bytes = 16 * MIB,
			.output_keep_bytes = 256 * 1024,
			.output_max_bytes = 8 * MIB,
		},
	};
	return jail_config_init(&s->cfg, &o, err, errlen);
}

static void add_secret(struct suite *s, const char *v)
{
	if (!v || !*v || s->n_secrets == MAX_SECRETS)
		return;
	snprintf(s->secret_buf[s->n_secrets], sizeof(s->secret_buf[0]), "%s", v);
	s->secrets[s->n_secrets] = s->secret_buf[s->n_secrets];
	s->n_secrets++;
}

int suite_host_side(struct suite *s, char *err, size_t errlen)
{
	/* verdict's own host-side files (the seccomp level's run directories)
	 * go where TMPDIR says: here, a directory only this suite uses. */
	snprintf(s->own_tmp, sizeof(s->own_tmp), "/tmp/verdict-jail-test.XXXXXX");
	if (!mkdtemp(s->own_tmp) || setenv("TMPDIR", s->own_tmp, 1) != 0) {
		snprintf(err, errlen, "temporary directory: %s", strerror(errno));
		s->own_tmp[0] = '\0';
		return -1;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd))) {
		snprintf(err, errlen, "getcwd: %s", strerror(errno));
		return -1;
	}
	int rc = make_canary(&s->canary[0], "/tmp");
	if (rc == 0)
		rc = make_canary(&s->canary[1], cwd);
	if (rc < 0) {
		snprintf(err, errlen, "creating the canary files: %s", strerror(-rc));
		return -1;
	}
	s->listen_fd = open_listener(&s->listen_port);
	if (s->listen_fd < 0) {
		snprintf(err, errlen, "loopback listener: %s", strerror(-s->listen_fd));
		return -1;
	}
	snprintf(s->port_arg, sizeof(s->port_arg), "%d", s->listen_port);
	/* write_id_maps() maps the jail's run uid to the id after the base
	 * (the base itself is the jail's root, init). */
	s->program_host_uid = s->cfg.map_count > 1 ? s->cfg.map_base_uid + 1 : getuid();
	gid_t gid = s->cfg.map_count > 1 ? s->cfg.map_base_gid + 1 : getgid();
	s->sentinel = start_sentinel(s->program_host_uid, gid);
	if (s->sentinel < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (!realpath(s->cfg.python, s->python_real) || stat(s->python_real, &s->python_st) != 0) {
		snprintf(err, errlen, "%s: %s", s->cfg.python, strerror(errno));
		return -1;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	add_secret(s, s->root);
	add_secret(s, cwd);
	add_secret(s, exe);
	add_secret(s, s->canary[0].dir);
	add_secret(s, s->canary[1].dir);
	add_secret(s, s->helper_path);
	return 0;
}

void suite_free(struct suite *s)
{
	if (s->sentinel > 0) {
		kill(s->sentinel, SIGKILL);
		while (waitpid(s->sentinel, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	for (int i = 0; i < 2; i++)
		remove_canary(&s->canary[i]);
	jail_pool_destroy(&s->pool);
	if (s->own_tmp[0])
		rmdir(s->own_tmp); /* empty: every run's check said so */
	jail_config_free(&s->cfg);
}
