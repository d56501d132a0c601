/* The scoring options of `verdict audit` and `verdict compare`, and the
 * session that scores samples files with them (see audit_options.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/audit_options.h"
#include "score/cache.h"
#include "score/calibrate.h"

void audit_options_init(struct audit_options *o)
{
	memset(o, 0, sizeof(*o));
	common_opts_init(&o->co);
	score_options_default(&o->so);
	o->fmt = SAMPLES_AUTO;
}

static int parse_ks(const char *arg, struct score_options *o)
{
	o->n_ks = 0;
	char *copy = strdup(arg);
	if (!copy)
		return -1;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end = NULL;
		errno = 0;
		unsigned long k = strtoul(t, &end, 10);
		if (errno || !end || *end || k == 0 || k > 100000 || o->n_ks == SCORE_MAX_K) {
			free(copy);
			return -1;
		}
		o->ks[o->n_ks++] = k;
	}
	free(copy);
	return o->n_ks ? 0 : -1;
}

/* The windows of LiveCodeBench's official releases (all start in May 2023). */
static int parse_release(const char *arg, struct score_options *so)
{
	static const char *const ends[] = { "2024-02-29", "2024-05-31", "2024-07-31",
					    "2024-09-30", "2025-01-31", "2025-04-30" };
	int v = (arg[0] == 'v' && arg[1] >= '1' && arg[1] <= '6' && !arg[2]) ? arg[1] - '1' : -1;
	if (v < 0)
		return -1;
	so->since = "2023-05-01";
	so->until = ends[v];
	return 0;
}

void audit_options_help(FILE *f)
{
	fputs(AUDIT_OPTIONS_HELP, f);
	fputs(COMMON_OPTIONS_HELP, f);
}

int audit_options_parse(struct audit_options *o, int key, const char *arg, char *err, size_t errlen)
{
	struct score_options *so = &o->so;
	int rc = common_opts_parse(&o->co, key, arg, err, errlen);
	if (rc != 0)
		return rc;
	switch (key) {
	case 'd':
		o->dataset_path = arg;
		return 1;
	case 'F':
		if (samples_format_parse(arg, &o->fmt) < 0) {
			snprintf(err, errlen, "unknown --format '%s'", arg);
			return -1;
		}
		return 1;
	case 'P':
		if (profile_parse(arg, &so->profile) < 0) {
			snprintf(err, errlen, "unknown --profile '%s'", arg);
			return -1;
		}
		return 1;
	case AUDIT_OPT_HARNESS:
		if (profile_parse_harness(arg, &so->harness, &so->no_harness) < 0) {
			snprintf(err, errlen, "--harness: expected auto, lm-eval-chat, human-eval, evalplus, lcb or none, got '%s'",
				 arg);
			return -1;
		}
		return 1;
	case AUDIT_OPT_HARNESS_RERUN_ALL:
		so->harness_rerun_all = true;
		return 1;
	case 'k':
		if (parse_ks(arg, so) < 0) {
			snprintf(err, errlen, "-k expects positive integers separated by commas, got '%s'", arg);
			return -1;
		}
		return 1;
	case 'j':
		o->jobs = atoi(arg);
		if (o->jobs < 1 || o->jobs > 1024) {
			snprintf(err, errlen, "-j expects 1..1024, got '%s'", arg);
			return -1;
		}
		return 1;
	case 'N':
		so->exec = false;
		return 1;
	case 'R':
		so->strip_reasoning = false;
		return 1;
	case 'C':
		so->use_reasoning_content = false;
		return 1;
	case 'r':
		so->rerun_timeouts = false;
		return 1;
	case 'G':
		so->forgery_check = false;
		return 1;
	case 'Y':
		so->dedup = false;
		return 1;
	case 'O':
		o->no_pool = true;
		return 1;
	case 'c':
		o->calibrate_now = true;
		return 1;
	case 'D':
		o->cache_dir = arg;
		return 1;
	case 'X':
		o->no_cache = true;
		return 1;
	case 'p':
		so->public_only = true;
		return 1;
	case 'U':
		so->skip_unknown = true;
		return 1;
	case 'V':
		if (strcmp(arg, "master") != 0 && strcmp(arg, "0.3.1") != 0) {
			snprintf(err, errlen, "--evalplus-version: master or 0.3.1, got '%s'", arg);
			return -1;
		}
		so->evalplus_version = arg;
		return 1;
	case 's':
		so->since = arg;
		return 1;
	case 'u':
		so->until = arg;
		return 1;
	case 'L':
		if (parse_release(arg, so) < 0) {
			snprintf(err, errlen, "--release expects v1..v6, got '%s'", arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

void audit_options_finish(struct audit_options *o)
{
	if (o->co.timeout_s > 0)
		o->so.timeout_ms = (uint32_t)(o->co.timeout_s * 1000.0 + 0.5);
	if (o->co.wall_s > 0 && o->co.timeout_s > 0)
		o->so.wall_factor = o->co.wall_s / o->co.timeout_s;
	if (o->co.memory_mb > 0)
		o->so.memory_bytes = (uint64_t)o->co.memory_mb << 20;
}

/* ------------------------------------------------------------ progress */

struct progress {
	const char *label;
	struct timespec start, last;
};

static double seconds_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void progress_cb(void *ctx, size_t done, size_t total)
{
	struct progress *p = ctx;
	if (done < total && seconds_since(&p->last) < 0.1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	double el = seconds_since(&p->start);
	double rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\r  %s%zu/%zu samples  %.1f/s  ETA %.0f s   ", p->label, done, total, rate, eta);
	if (done == total)
		fprintf(stderr, "\n");
}

/* ------------------------------------------------------------ session */

int audit_session_open(struct audit_session *s, struct audit_options *o, const char *prog, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->o = o;
	s->prog = prog;
	s->progress = isatty(STDERR_FILENO);
	if (o->dataset_path && dataset_load(o->dataset_path, &s->ds, err, errlen) < 0)
		return -1;
	if (!o->no_cache && !o->cache_dir && cache_default_dir(s->cache_buf, sizeof(s->cache_buf)) == 0)
		o->cache_dir = s->cache_buf;
	if (o->no_cache)
		o->cache_dir = NULL;
	return 0;
}

int audit_session_load(struct audit_session *s, const char *path, struct sample_set *set, char *err, size_t errlen)
{
	if (samples_load(path, s->o->fmt, set, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < set->n_errors; i++)
		fprintf(stderr, "%s: %s:%zu: %s (skipped)\n", s->prog, path, set->errors[i].line, set->errors[i].message);
	if (s->ds && set->evalplus_hash && strcmp(set->evalplus_hash, s->ds->md5) != 0)
		fprintf(stderr, "%s: warning: %s was scored by evalplus against dataset hash %s, but %s has md5 %s\n",
			s->prog, path, set->evalplus_hash, s->o->dataset_path, s->ds->md5);
	return 0;
}

/* The jail and the scorer, on the first file that needs them. */
static int start_scorer(struct audit_session *s, char *err, size_t errlen)
{
	struct audit_options *o = s->o;
	if (s->sc || !(o->so.exec || o->calibrate_now))
		return 0;
	if (common_opts_jail(&o->co, &s->jc, err, errlen) < 0)
		return -1;
	/* One batch, however large: the queue bound is for the server. */
	struct scorer_options sco = { .jail = &s->jc, .workers = o->jobs, .cache_dir = o->cache_dir,
				      .no_pool = o->no_pool, .max_queued = SIZE_MAX };
	return scorer_create(&sco, &s->sc, err, errlen);
}

int audit_session_score(struct audit_session *s, const char *path, const struct sample_set *set,
			struct score_report *rep, char *err, size_t errlen)
{
	if (start_scorer(s, err, errlen) < 0)
		return -1;
	const char *base = strrchr(path, '/');
	char label[80];
	snprintf(label, sizeof(label), "%.60s: ", base ? base + 1 : path);
	struct progress prog = { .label = label };
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	prog.last = prog.start;
	struct score_options so = s->o->so;
	so.progress = s->progress ? progress_cb : NULL;
	so.progress_ctx = &prog;
	if (score_samples(s->sc, &so, s->ds, set, rep, NULL, err, errlen) < 0)
		return -1;
	if (s->sc && rep->executed)
		calibrate_apply(s->sc, &s->o->so, s->ds, set, rep, s->o->calibrate_now);
	return 0;
}

const struct jail_config *audit_session_jail(const struct audit_session *s)
{
	return s->sc ? &s->jc : NULL;
}

void audit_session_close(struct audit_session *s)
{
	scorer_destroy(&s->sc);
	jail_config_free(&s->jc);
	dataset_free(&s->ds);
}
