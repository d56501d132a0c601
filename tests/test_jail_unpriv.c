/* Attacks rerun with verdict itself unprivileged (when the suite runs as
 * root): a child drops root and runs them with a config of its own. */
#define _GNU_SOURCE
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "tap.h"
#include "test_jail.h"

/* ------------------------------------------- an unprivileged verdict */

/* Cases rerun with verdict unprivileged: only its own uid can be mapped, so
 * the jail's init (a copy of the supervisor) and the program share one uid,
 * and uid checks no longer keep the program away from init. */
static const char *const unprivileged_cases[] = { "proc_snoop.py", "ptrace.py", "read_canary.py", "kill_all.py" };

struct unpriv_record {
	int32_t index;	/* into attacks[], or -1: set-up failed, `text` says why */
	int32_t status; /* enum jail_status */
	char text[480]; /* the observation */
};


static void unpriv_send(int fd, int32_t index, int32_t status, const char *text)
{
	struct unpriv_record rec = { .index = index, .status = status };
	snprintf(rec.text, sizeof(rec.text), "%s", text);
	/* One write below PIPE_BUF: atomic. */
	if (write(fd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
		syscall(SYS_exit_group, 3);
}

/* In a child that dropped root: a config of its own, the cases, one record
 * each on `fd`. Leaves with _exit: the parent's state is not ours to free. */
static __attribute__((noreturn)) void unprivileged_child(struct suite *s, int fd, uid_t uid)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) {
		unpriv_send(fd, -1, 0, "dropping root failed");
		_exit(1);
	}
	/* Changing uid cleared the dumpable flag; a verdict started by an
	 * ordinary user is dumpable, and its jails' init inherits the flag
	 * until it clears it itself (jail_child.c). Without it the supervisor
	 * could not write the id maps of its own child. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	char err[512] = "";
	/* The parent's config stays allocated in this copy; _exit below. */
	if (suite_config(s, err, sizeof(err)) < 0) {
		unpriv_send(fd, -1, 0, err);
		_exit(0);
	}
	for (size_t i = 0; i < ARRAY_LEN(unprivileged_cases); i++) {
		const struct case_def *c = find_attack(unprivileged_cases[i]);
		if (!c)
			_exit(2); /* a name above that is not in attacks[] */
		const char *args[4 + MAX_SECRETS];
		struct run_req q = { .dir = c->dir, .file = c->file, .args = args,
				     .n_args = attack_args(s, args, ARRAY_LEN(args)), .limits = c->limits };
		struct jail_result r;
		char obs[512] = "(nothing)";
		if (run_program(s, &q, &r) < 0) {
			unpriv_send(fd, (int32_t)(c - attacks), JAIL_SANDBOX_ERROR, "could not read the program");
			continue;
		}
		if (r.status == JAIL_SANDBOX_ERROR)
			snprintf(obs, sizeof(obs), "sandbox error: %s", r.error);
		else
			observation(&r.out, obs, sizeof(obs));
		unpriv_send(fd, (int32_t)(c - attacks), (int32_t)r.status, obs);
		jail_result_free(&r);
	}
	_exit(0);
}

void test_unprivileged(struct suite *s)
{
	if (getuid() != 0) {
		tap_skip("unprivileged verdict: the suite itself runs unprivileged, the cases above covered it");
		return;
	}
	struct snapshot before;
	snapshot_take(s, &before);
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		tap_ok(false, "unprivileged verdict: pipe: %s", strerror(errno));
		snapshot_free(&before);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		unprivileged_child(s, p[1], 65534);
	}
	close(p[1]);
	struct unpriv_record rec;
	size_t got = 0;
	bool skipped = false;
	ssize_t n;
	while ((n = read(p[0], &rec, sizeof(rec))) == (ssize_t)sizeof(rec)) {
		rec.text[sizeof(rec.text) - 1] = '\0';
		char buf[600];
		if (rec.index < 0 || (size_t)rec.index >= n_attacks) {
			if (s->must_work)
				tap_ok(false, "unprivileged verdict (uid 65534): no jail, but VERDICT_MUST_WORK is set: %s",
				       printable(rec.text, strlen(rec.text), buf, sizeof(buf)));
			else
				tap_skip("unprivileged verdict (uid 65534): no jail on this host: %s",
					 printable(rec.text, strlen(rec.text), buf, sizeof(buf)));
			skipped = true;
			continue;
		}
		const struct case_def *c = &attacks[rec.index];
		got++;
		tap_ok(rec.status == (int32_t)c->status, "%s, verdict unprivileged: status %s", c->name,
		       jail_status_name((enum jail_status)rec.status));
		bool same = strcmp(rec.text, case_observed(s, c)) == 0;
		tap_ok(same, "%s, verdict unprivileged: observed \"%s\"", c->name,
		       printable(rec.text, strlen(rec.text), buf, sizeof(buf)));
		if (!same)
			tap_diag("expected \"%s\"", case_observed(s, c));
		struct summary_row *row = summary_next();
		if (row) {
			snprintf(row->name, sizeof(row->name), "%s (verdict as uid 65534)", c->name);
			snprintf(row->status, sizeof(row->status), "%s", jail_status_name((enum jail_status)rec.status));
			printable(rec.text, strlen(rec.text), row->observed, sizeof(row->observed));
			row->host_ok = true;
		}
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!skipped)
		tap_ok(got == ARRAY_LEN(unprivileged_cases) && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "unprivileged verdict: every case ran (%zu of %zu)", got, ARRAY_LEN(unprivileged_cases));
	char why[1024];
	bool clean = host_clean(s, &before, why, sizeof(why));
	tap_ok(clean, "unprivileged verdict: host side clean");
	if (!clean)
		tap_diag("host side:%s", why);
	snapshot_free(&before);
}
