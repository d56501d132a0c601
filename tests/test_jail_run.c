/* Running one program of tests/attacks or tests/legit in the jail (or the
 * warm pool), the arguments every attack gets, and the diagnostics of a run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>

#include "cleanup.h"
#include "tap.h"
#include "test_jail.h"

/* ------------------------------------------------------------ running */

/* Runs tests/DIR/FILE as /tmp/FILE in the jail. Returns 0 with *r filled
 * (free with jail_result_free), or -errno when the program or the helper
 * could not be read. */
int run_program(const struct suite *s, const struct run_req *q, struct jail_result *r)
{
	char path[PATH_BUF];
	snprintf(path, sizeof(path), "%s/tests/%s/%s", s->root, q->dir, q->file);
	autofree char *program = NULL, *helper = NULL;
	size_t program_len = 0, helper_len = 0;
	int rc = read_file(path, &program, &program_len);
	if (rc < 0)
		return rc;
	struct jail_file files[2] = { { .name = q->file, .data = program, .len = program_len } };
	size_t n_files = 1;
	if (q->flags & RUN_HELPER) {
		if (!s->helper_path)
			return -ENOENT;
		rc = read_file(s->helper_path, &helper, &helper_len);
		if (rc < 0)
			return rc;
		files[n_files++] = (struct jail_file){ .name = "jail_helper_abi", .data = helper, .len = helper_len };
	}
	char jail_path[PATH_BUF];
	snprintf(jail_path, sizeof(jail_path), "/tmp/%s", q->file);
	const char *argv[4 + MAX_SECRETS + 4];
	size_t k = 0;
	argv[k++] = s->cfg.python;
	argv[k++] = jail_path;
	for (size_t i = 0; i < q->n_args && k + 1 < ARRAY_LEN(argv); i++)
		argv[k++] = q->args[i];
	argv[k] = NULL;
	struct jail_spec spec = {
		.argv = argv,
		.files = files,
		.n_files = n_files,
		.stdin_data = q->stdin_data,
		.stdin_len = q->stdin_len,
		.limits = q->limits,
		.want_channel = (q->flags & RUN_CHANNEL) != 0,
	};
	if (s->pool)
		jail_pool_run(s->pool, &spec, r);
	else
		jail_run(&s->cfg, &spec, r);
	return 0;
}

/* The arguments every attack gets: the listener's port, the two canary
 * paths, then host strings that must be invisible in the jail. */
size_t attack_args(const struct suite *s, const char **args, size_t cap)
{
	size_t n = 0;
	args[n++] = s->port_arg;
	args[n++] = s->canary[0].path;
	args[n++] = s->canary[1].path;
	for (size_t i = 0; i < s->n_secrets && n < cap; i++)
		args[n++] = s->secrets[i];
	return n;
}

void diag_result(const struct jail_result *r)
{
	char buf[700];
	tap_diag("status %s exit %d signal %d wall %llu ms cpu %llu ms rss %llu KiB%s%s", jail_status_name(r->status),
		 r->exit_code, r->signal, (unsigned long long)r->wall_ms, (unsigned long long)r->cpu_ms,
		 (unsigned long long)r->peak_rss_kb, r->error[0] ? ": " : "", r->error);
	tap_diag("stdout: %s", printable(r->out.data, r->out.len, buf, sizeof(buf)));
	size_t from = r->err.len > 600 ? r->err.len - 600 : 0;
	tap_diag("stderr (tail): %s", printable(r->err.data ? r->err.data + from : NULL, r->err.len - from, buf,
						  sizeof(buf)));
}
