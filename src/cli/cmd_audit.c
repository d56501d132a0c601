/* `verdict audit`: score a samples file from the command line and print the
 * audit table (or the report JSON). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "score/cache.h"
#include "score/calibrate.h"
#include "cli/commands.h"
#include "base/options.h"
#include "report/report.h"
#include "score/score.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: verdict audit [options] SAMPLES\n"
		"Score a samples file (lm-eval samples_*.jsonl, evalplus samples or eval_results.json,\n"
		"LiveCodeBench output, plain JSONL {task_id, completion}) in the jail and print pass@k with\n"
		"the audits (empty, fenced, completion length percentiles, verbatim canonical solutions).\n\n"
		"  --dataset PATH       problems (.jsonl or .jsonl.gz); not needed for lm-eval samples\n"
		"  --format F           auto (default), lm-eval, evalplus, evalplus-results, plain, lcb\n"
		"  --profile P          auto (default), lm-eval-chat, human-eval, evalplus, lcb\n"
		"  -k K[,K...]          pass@k values (default 1)\n"
		"  -j N                 programs run in parallel (default: number of cores)\n"
		"  --json               print the report as JSON (docs/schema.md)\n"
		"  --explain            print every sample's verdict and extracted program\n"
		"  --no-exec            audits only: run nothing\n"
		"  --keep-reasoning     do not remove <think>/harmony/Gemma reasoning before extraction\n"
		"  --no-reasoning-content  never take code from reasoning_content\n"
		"  --no-forgery-check   let answers whose class rewrites == (and the like) or a program that\n"
		"                       rebinds builtins pass, as the harnesses do (default: such a sample\n"
		"                       fails, flagged forged_result)\n"
		"  --no-rerun           do not re-run timed-out samples alone\n"
		"  --no-pool            one fresh jailed interpreter per program instead of the warm pool\n"
		"  --calibrate          run the dataset self-check now if it is not cached\n"
		"  --cache-dir DIR      canonical outputs, calibrations and the run cache (default\n"
		"                       $XDG_CACHE_HOME/verdict)\n"
		"  --no-cache           neither read nor write the cache\n"
		"  --no-dedup           run every sample: identical samples each run, and the run cache\n"
		"                       (final verdicts of earlier runs of the same job) is neither read\n"
		"                       nor written (default: each distinct job runs once)\n"
		"  --skip-unknown       skip (and count) samples whose task is not in --dataset\n"
		"  --evalplus-version V evalplus semantics: master (default; HumanEval/32 checked by its\n"
		"                       polynomial), or 0.3.1 (the release that wrote mid-2024 result files,\n"
		"                       where HumanEval/32 can never pass)\n"
		"  --public-only        LiveCodeBench: run only the public tests (reported as such)\n"
		"  --since DATE, --until DATE   LiveCodeBench: contest_date window (YYYY-MM-DD)\n"
		"  --release vN         LiveCodeBench: the window of release v1..v6 (contest dates up to\n"
		"                       2024-02, 2024-05, 2024-07, 2024-09, 2025-01, 2025-04); the rows carry\n"
		"                       no release field, so a release's own list may differ by a few problems\n" COMMON_OPTIONS_HELP
		"\nExit status: 0 scored, 1 scored but incomplete (sandbox errors, invalid samples or skipped\n"
		"lines), 2 usage or input error.\n");
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

struct progress {
	bool tty;
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
	if (!p->tty)
		return;
	if (done < total && seconds_since(&p->last) < 0.1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	double el = seconds_since(&p->start);
	double rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\r  %zu/%zu samples  %.1f/s  ETA %.0f s   ", done, total, rate, eta);
	if (done == total)
		fprintf(stderr, "\n");
}

int cmd_audit(int argc, char **argv)
{
	struct common_opts co;
	common_opts_init(&co);
	struct score_options so;
	score_options_default(&so);
	const char *dataset_path = NULL, *cache_dir = NULL;
	enum samples_format fmt = SAMPLES_AUTO;
	bool json = false, explain = false, no_cache = false, calibrate_now = false, no_pool = false;
	int jobs = 0;
	static const struct option longopts[] = {
		COMMON_LONG_OPTIONS,
		{ "dataset", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "profile", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "explain", no_argument, NULL, 'E' },
		{ "no-exec", no_argument, NULL, 'N' },
		{ "keep-reasoning", no_argument, NULL, 'R' },
		{ "no-reasoning-content", no_argument, NULL, 'C' },
		{ "no-rerun", no_argument, NULL, 'r' },
		{ "no-forgery-check", no_argument, NULL, 'G' },
		{ "no-pool", no_argument, NULL, 'O' },
		{ "no-dedup", no_argument, NULL, 'Y' },
		{ "calibrate", no_argument, NULL, 'c' },
		{ "cache-dir", required_argument, NULL, 'D' },
		{ "no-cache", no_argument, NULL, 'X' },
		{ "public-only", no_argument, NULL, 'p' },
		{ "skip-unknown", no_argument, NULL, 'U' },
		{ "evalplus-version", required_argument, NULL, 'V' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "release", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	char err[512];
	int key;
	optind = 1;
	while ((key = getopt_long(argc, argv, "k:j:h", longopts, NULL)) != -1) {
		int rc = common_opts_parse(&co, key, optarg, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "verdict audit: %s\n", err);
			return 2;
		}
		if (rc == 1)
			continue;
		switch (key) {
		case 'd':
			dataset_path = optarg;
			break;
		case 'F':
			if (samples_format_parse(optarg, &fmt) < 0) {
				fprintf(stderr, "verdict audit: unknown --format '%s'\n", optarg);
				return 2;
			}
			break;
		case 'P':
			if (profile_parse(optarg, &so.profile) < 0) {
				fprintf(stderr, "verdict audit: unknown --profile '%s'\n", optarg);
				return 2;
			}
			break;
		case 'k':
			if (parse_ks(optarg, &so) < 0) {
				fprintf(stderr, "verdict audit: -k expects positive integers separated by commas, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > 1024) {
				fprintf(stderr, "verdict audit: -j expects 1..1024, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'J':
			json = true;
			break;
		case 'E':
			explain = true;
			so.keep_programs = true;
			break;
		case 'N':
			so.exec = false;
			break;
		case 'R':
			so.strip_reasoning = false;
			break;
		case 'C':
			so.use_reasoning_content = false;
			break;
		case 'r':
			so.rerun_timeouts = false;
			break;
		case 'G':
			so.forgery_check = false;
			break;
		case 'O':
			no_pool = true;
			break;
		case 'Y':
			so.dedup = false;
			break;
		case 'c':
			calibrate_now = true;
			break;
		case 'D':
			cache_dir = optarg;
			break;
		case 'X':
			no_cache = true;
			break;
		case 'p':
			so.public_only = true;
			break;
		case 'U':
			so.skip_unknown = true;
			break;
		case 'V':
			if (strcmp(optarg, "master") != 0 && strcmp(optarg, "0.3.1") != 0) {
				fprintf(stderr, "verdict audit: --evalplus-version: master or 0.3.1, got '%s'\n", optarg);
				return 2;
			}
			so.evalplus_version = optarg;
			break;
		case 's':
			so.since = optarg;
			break;
		case 'u':
			so.until = optarg;
			break;
		case 'L': {
			/* The windows of the official releases (all start in May 2023). */
			static const char *const ends[] = { "2024-02-29", "2024-05-31", "2024-07-31",
							    "2024-09-30", "2025-01-31", "2025-04-30" };
			int v = (optarg[0] == 'v' && optarg[1] >= '1' && optarg[1] <= '6' && !optarg[2]) ? optarg[1] - '1' : -1;
			if (v < 0) {
				fprintf(stderr, "verdict audit: --release expects v1..v6, got '%s'\n", optarg);
				return 2;
			}
			so.since = "2023-05-01";
			so.until = ends[v];
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	const char *samples_path = argv[optind];
	if (co.timeout_s > 0)
		so.timeout_ms = (uint32_t)(co.timeout_s * 1000.0 + 0.5);
	if (co.wall_s > 0 && co.timeout_s > 0)
		so.wall_factor = co.wall_s / co.timeout_s;
	if (co.memory_mb > 0)
		so.memory_bytes = (uint64_t)co.memory_mb << 20;

	struct dataset *ds = NULL;
	if (dataset_path && dataset_load(dataset_path, &ds, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict audit: %s\n", err);
		return 2;
	}
	struct sample_set set;
	if (samples_load(samples_path, fmt, &set, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict audit: %s\n", err);
		dataset_free(&ds);
		return 2;
	}
	for (size_t i = 0; i < set.n_errors; i++)
		fprintf(stderr, "verdict audit: %s:%zu: %s (skipped)\n", samples_path, set.errors[i].line,
			set.errors[i].message);
	if (ds && set.evalplus_hash && strcmp(set.evalplus_hash, ds->md5) != 0)
		fprintf(stderr,
			"verdict audit: warning: %s was scored by evalplus against dataset hash %s, but %s has md5 %s\n",
			samples_path, set.evalplus_hash, dataset_path, ds->md5);

	struct jail_config jc;
	memset(&jc, 0, sizeof(jc));
	struct scorer *sc = NULL;
	int status = 2;
	char cache_buf[4096];
	if (!no_cache && !cache_dir && cache_default_dir(cache_buf, sizeof(cache_buf)) == 0)
		cache_dir = cache_buf;
	if (no_cache)
		cache_dir = NULL;
	if (so.exec || calibrate_now) {
		if (common_opts_jail(&co, &jc, err, sizeof(err)) < 0) {
			fprintf(stderr, "verdict audit: %s\n", err);
			goto out;
		}
		/* One batch, however large: the queue bound is for the server. */
		struct scorer_options sco = { .jail = &jc, .workers = jobs, .cache_dir = cache_dir, .no_pool = no_pool,
					      .max_queued = SIZE_MAX };
		if (scorer_create(&sco, &sc, err, sizeof(err)) < 0) {
			fprintf(stderr, "verdict audit: %s\n", err);
			goto out;
		}
	}
	struct progress prog = { .tty = isatty(STDERR_FILENO) && !json };
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	prog.last = prog.start;
	so.progress = progress_cb;
	so.progress_ctx = &prog;
	struct score_report rep;
	if (score_samples(sc, &so, ds, &set, &rep, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict audit: %s\n", err);
		goto out;
	}
	if (sc && rep.executed)
		calibrate_apply(sc, &so, ds, &set, &rep, calibrate_now);
	struct report_context ctx = {
		.source = samples_path, .ds = ds, .set = &set, .jail = sc ? &jc : NULL, .opts = &so,
		.include_programs = explain,
	};
	if (json) {
		cJSON *j = report_json(&ctx, &rep);
		char *text = j ? cJSON_PrintUnformatted(j) : NULL;
		if (text)
			printf("%s\n", text);
		free(text);
		cJSON_Delete(j);
	} else {
		if (explain)
			report_print_explain(stdout, &ctx, &rep);
		report_print_table(stdout, &ctx, &rep);
	}
	status = rep.complete ? 0 : 1;
	score_report_free(&rep);
out:
	scorer_destroy(&sc);
	jail_config_free(&jc);
	samples_free(&set);
	dataset_free(&ds);
	return status;
}
