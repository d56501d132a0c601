/* `verdict compare`: runs on the same problems, compared with paired
 * statistics. Each run is a saved report (read back, nothing re-run) or a
 * samples file (scored now, with audit's options). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/audit_options.h"
#include "cli/commands.h"
#include "input/saved_report.h"
#include "report/compare.h"
#include "report/html.h"
#include "report/report.h"

#define PROG "verdict compare"
/* Seeds are written to JSON as numbers: below 2^53 they stay exact. */
#define MAX_SEED ((1ull << 53) - 1)

enum compare_key {
	KEY_BASELINE = AUDIT_OPT_OWN,
	KEY_SEED,
	KEY_MARGIN,
	KEY_RESAMPLES,
	KEY_JSON,
	KEY_MARKDOWN,
	KEY_HTML,
	KEY_HELP,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: verdict compare [options] RUN RUN [RUN...]\n"
		"Compare runs of one benchmark on the tasks they share, with paired statistics: pass@k of each\n"
		"run with a 95%% interval (Wilson for one sample per task, else a bootstrap over tasks), the\n"
		"difference from the baseline with a paired bootstrap interval, McNemar's exact test (one\n"
		"sample per task) or the paired permutation test (several), the tasks that flipped with\n"
		"both statuses, an equivalence test with --margin, Holm-adjusted p-values for more than two\n"
		"runs, and HumanEval+'s base-only pass@1 beside base+plus.\n\n"
		"RUN is [NAME=]PATH: a report saved from `verdict audit --json` or POST /score (read back,\n"
		"nothing re-run), or a samples file that `verdict audit` reads (scored now, with the options\n"
		"below). NAME defaults to the file name without its extensions.\n\n"
		"  --baseline NAME      the run the others are compared with (default: the first)\n"
		"  --margin PP          also test equivalence within +-PP percentage points (two one-sided\n"
		"                       tests on the paired difference at 5%% each)\n"
		"  --seed N             seed of the bootstrap and of sampled permutations (default 0;\n"
		"                       identical input and seed give identical output)\n"
		"  --resamples N        bootstrap resamples (default 10000)\n"
		"  -k K[,K...]          pass@k values shown for every run (default 1)\n"
		"  --markdown           print a Markdown table (for a model card)\n"
		"  --json               print the comparison as JSON (docs/schema.md)\n"
		"  --html FILE          also write the comparison as one self-contained HTML page: the runs\n"
		"                       with their intervals drawn, the flips as a grid of tasks x runs, each\n"
		"                       flip opening the two programs side by side (reports saved with\n"
		"                       `audit --json --explain` hold the programs)\n");
	fprintf(f, "\nScoring options, for RUNs that are samples files (as in `verdict audit`):\n" AUDIT_OPTIONS_HELP
		"\nExit status: 0 compared, 1 compared but a run is incomplete (sandbox errors, invalid\n"
		"samples or unread lines: marked in the output), 2 usage or input error.\n");
}

struct run_spec {
	char name[256];
	const char *path;
};

/* NAME=PATH, or PATH (an existing file whose name holds '=' stays a path). */
static void parse_spec(const char *arg, struct run_spec *r)
{
	const char *eq = strchr(arg, '=');
	FILE *probe = eq ? fopen(arg, "rb") : NULL;
	if (probe)
		fclose(probe);
	if (eq && eq != arg && !probe && !memchr(arg, '/', (size_t)(eq - arg))) {
		snprintf(r->name, sizeof(r->name), "%.*s", (int)(eq - arg), arg);
		r->path = eq + 1;
		return;
	}
	r->path = arg;
	const char *base = strrchr(arg, '/');
	snprintf(r->name, sizeof(r->name), "%s", base ? base + 1 : arg);
	static const char *const exts[] = { ".gz", ".jsonl", ".json" };
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t n = strlen(r->name), e = strlen(exts[i]);
		if (n > e && strcmp(r->name + n - e, exts[i]) == 0)
			r->name[n - e] = '\0';
	}
}

static int parse_number(const char *arg, double lo, double hi, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_seed(const char *arg, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > MAX_SEED)
		return -1;
	*out = v;
	return 0;
}

/* The compare options; returns 1 consumed, 0 not ours, -1 bad value. */
static int parse_own(int key, const char *arg, struct compare_options *co, int *form, char *err, size_t errlen)
{
	double v;
	switch (key) {
	case KEY_BASELINE:
		co->baseline = arg;
		return 1;
	case KEY_SEED:
		if (parse_seed(arg, &co->seed) < 0) {
			snprintf(err, errlen, "--seed expects an integer in [0, 2^53), got '%s'", arg);
			return -1;
		}
		return 1;
	case KEY_MARGIN:
		if (parse_number(arg, 0, 100, &v) < 0 || v <= 0) {
			snprintf(err, errlen, "--margin expects percentage points in (0, 100], got '%s'", arg);
			return -1;
		}
		co->margin = v / 100.0;
		return 1;
	case KEY_RESAMPLES:
		if (parse_number(arg, 100, 1000000, &v) < 0 || v != floor(v)) {
			snprintf(err, errlen, "--resamples expects an integer in [100, 1000000], got '%s'", arg);
			return -1;
		}
		co->resamples = (size_t)v;
		return 1;
	case KEY_JSON:
	case KEY_MARKDOWN:
		*form = key;
		return 1;
	default:
		return 0;
	}
}

/* One run into runs[i]: a saved report, or a samples file scored now. */
static int load_run(struct audit_session *s, const struct run_spec *spec, struct compare_run *run, char *err,
		    size_t errlen)
{
	struct saved_report rep;
	int rc = saved_report_load(spec->path, &rep, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return compare_run_init(run, spec->name, spec->path, true, &rep, err, errlen);
	struct sample_set set;
	if (audit_session_load(s, spec->path, &set, err, errlen) < 0)
		return -1;
	struct score_report sr;
	if (audit_session_score(s, spec->path, &set, &sr, err, errlen) < 0) {
		samples_free(&set);
		return -1;
	}
	/* The report as `audit --json` would have written it, read back the
	 * same way as a saved one: one path for both kinds of run. */
	/* The HTML page shows the programs of runs scored now (keep_programs is
	 * set for it). */
	bool texts = s->o->so.keep_programs;
	struct report_context ctx = { .source = spec->path, .ds = s->ds, .set = &set, .jail = audit_session_jail(s),
				      .opts = &s->o->so, .include_programs = texts, .include_completions = texts };
	cJSON *json = report_json(&ctx, &sr);
	score_report_free(&sr);
	samples_free(&set);
	if (!json) {
		snprintf(err, errlen, "%s: out of memory", spec->path);
		return -1;
	}
	if (saved_report_from_json(&json, spec->path, &rep, err, errlen) < 0)
		return -1;
	return compare_run_init(run, spec->name, spec->path, false, &rep, err, errlen);
}

static void print_comparison(const struct comparison *c, int form)
{
	if (form == KEY_JSON) {
		cJSON *j = compare_json(c);
		char *text = j ? cJSON_PrintUnformatted(j) : NULL;
		if (text)
			printf("%s\n", text);
		else
			fprintf(stderr, PROG ": out of memory\n");
		free(text);
		cJSON_Delete(j);
	} else if (form == KEY_MARKDOWN) {
		compare_print_markdown(stdout, c);
	} else {
		compare_print_text(stdout, c);
	}
}

static int compare_runs(struct audit_options *ao, const struct compare_options *co, int form, const char *html_path,
			const struct run_spec *specs, size_t n)
{
	char err[512];
	struct audit_session session;
	if (audit_session_open(&session, ao, PROG, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return 2;
	}
	struct compare_run *runs = calloc(n, sizeof(*runs));
	int status = 2;
	size_t loaded = 0;
	if (!runs) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	for (; loaded < n; loaded++)
		if (load_run(&session, &specs[loaded], &runs[loaded], err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			goto out;
		}
	struct comparison c;
	if (compare_build(runs, n, co, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto out;
	}
	if (html_path && html_compare_write(html_path, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		comparison_free(&c);
		goto out;
	}
	if (!(html_path && strcmp(html_path, "-") == 0))
		print_comparison(&c, form);
	status = 0;
	for (size_t r = 0; r < c.n_rows; r++)
		if (c.rows[r].incomplete)
			status = 1;
	comparison_free(&c);
out:
	for (size_t i = 0; runs && i < loaded; i++)
		compare_run_free(&runs[i]);
	free(runs);
	audit_session_close(&session);
	return status;
}

int cmd_compare(int argc, char **argv)
{
	struct audit_options ao;
	audit_options_init(&ao);
	struct compare_options co;
	compare_options_default(&co);
	int form = 0;
	const char *html_path = NULL;
	static const struct option longopts[] = {
		AUDIT_LONG_OPTIONS,
		{ "baseline", required_argument, NULL, KEY_BASELINE },
		{ "seed", required_argument, NULL, KEY_SEED },
		{ "margin", required_argument, NULL, KEY_MARGIN },
		{ "resamples", required_argument, NULL, KEY_RESAMPLES },
		{ "json", no_argument, NULL, KEY_JSON },
		{ "markdown", no_argument, NULL, KEY_MARKDOWN },
		{ "html", required_argument, NULL, KEY_HTML },
		{ "help", no_argument, NULL, KEY_HELP },
		{ 0, 0, 0, 0 },
	};
	char err[512];
	int key;
	optind = 1;
	while ((key = getopt_long(argc, argv, AUDIT_SHORT_OPTIONS "h", longopts, NULL)) != -1) {
		int rc = audit_options_parse(&ao, key, optarg, err, sizeof(err));
		if (rc == 0)
			rc = parse_own(key, optarg, &co, &form, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return 2;
		}
		if (rc == 1)
			continue;
		if (key == KEY_HTML) {
			html_path = optarg;
			ao.so.keep_programs = true;
			continue;
		}
		if (key == 'h' || key == KEY_HELP) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	if (!ao.so.exec) {
		fprintf(stderr, PROG ": --no-exec: a comparison needs verdicts\n");
		return 2;
	}
	size_t n = (size_t)(argc - optind);
	if (n < 2) {
		fprintf(stderr, PROG ": expected at least two runs, got %zu\n", n);
		usage(stderr);
		return 2;
	}
	audit_options_finish(&ao);
	memcpy(co.ks, ao.so.ks, sizeof(co.ks));
	co.n_ks = ao.so.n_ks;
	struct run_spec *specs = calloc(n, sizeof(*specs));
	if (!specs) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	for (size_t i = 0; i < n; i++)
		parse_spec(argv[optind + (int)i], &specs[i]);
	if (html_path && strcmp(html_path, "-") == 0 && form) {
		fprintf(stderr, PROG ": --html - and --%s would both write to stdout\n", form == KEY_JSON ? "json" : "markdown");
		free(specs);
		return 2;
	}
	int status = compare_runs(&ao, &co, form, html_path, specs, n);
	free(specs);
	return status;
}
