/* How samples files are scored from the command line: the options of
 * `verdict audit` (dataset, format, profile, limits, pool, cache, windows)
 * and the session that scores one or several files with them. `verdict
 * compare` scores its samples files with the same options and the same code. */
#ifndef VERDICT_AUDIT_OPTIONS_H
#define VERDICT_AUDIT_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/options.h"
#include "input/problem.h"
#include "input/samples.h"
#include "score/score.h"

struct audit_options {
	struct common_opts co;
	struct score_options so;
	const char *dataset_path; /* or NULL: the samples carry their problems */
	const char *cache_dir;	  /* or NULL: the default */
	enum samples_format fmt;
	bool no_cache, calibrate_now, no_pool;
	int jobs; /* 0: number of cores */
};

/* getopt_long keys of the scoring options; a command's own options use
 * other keys (below 'A' or from AUDIT_OPT_OWN). */
#define AUDIT_OPT_OWN 2000
#define AUDIT_OPT_HARNESS 1900
#define AUDIT_OPT_HARNESS_RERUN_ALL 1901
#define AUDIT_SHORT_OPTIONS "k:j:"
#define AUDIT_LONG_OPTIONS                                                          \
	COMMON_LONG_OPTIONS, { "dataset", required_argument, NULL, 'd' },           \
		{ "format", required_argument, NULL, 'F' },                         \
		{ "profile", required_argument, NULL, 'P' },                        \
		{ "harness", required_argument, NULL, AUDIT_OPT_HARNESS },          \
		{ "harness-rerun-all", no_argument, NULL, AUDIT_OPT_HARNESS_RERUN_ALL }, \
		{ "no-exec", no_argument, NULL, 'N' },                              \
		{ "keep-reasoning", no_argument, NULL, 'R' },                       \
		{ "no-reasoning-content", no_argument, NULL, 'C' },                 \
		{ "no-rerun", no_argument, NULL, 'r' },                             \
		{ "no-forgery-check", no_argument, NULL, 'G' },                     \
		{ "no-pool", no_argument, NULL, 'O' },                              \
		{ "no-dedup", no_argument, NULL, 'Y' },                             \
		{ "calibrate", no_argument, NULL, 'c' },                            \
		{ "cache-dir", required_argument, NULL, 'D' },                      \
		{ "no-cache", no_argument, NULL, 'X' },                             \
		{ "public-only", no_argument, NULL, 'p' },                          \
		{ "skip-unknown", no_argument, NULL, 'U' },                         \
		{ "evalplus-version", required_argument, NULL, 'V' },               \
		{ "since", required_argument, NULL, 's' },                          \
		{ "until", required_argument, NULL, 'u' },                          \
		{ "release", required_argument, NULL, 'L' }

#define AUDIT_OPTIONS_HELP                                                                                  \
	"  --dataset PATH       problems (.jsonl or .jsonl.gz); not needed for lm-eval samples\n"             \
	"  --format F           auto (default), lm-eval, evalplus, evalplus-results, plain, lcb\n"            \
	"  --profile P          verdict (default): the program the model meant, run as real Python with\n"  \
	"                       the benchmark's own tests (docs/verdict-profile.md); or a faithful\n"        \
	"                       profile, reproducing a harness exactly: lm-eval-chat, human-eval,\n"         \
	"                       evalplus, lcb, or auto (the faithful one that fits the input)\n"             \
	"  --harness H          with --profile verdict, the harness verdict reported beside the score:\n"    \
	"                       auto (default: lm-eval-chat for chat answers, human-eval for raw\n"          \
	"                       continuations, evalplus for HumanEval+, lcb for LiveCodeBench), one of\n"    \
	"                       those by name, or none\n"                                                     \
	"  --harness-rerun-all  run the harness's own job for every sample, even where this run's\n"         \
	"                       verdict is provably its verdict (to check that shortcut)\n"                  \
	"  -k K[,K...]          pass@k values (default 1)\n"                                                  \
	"  -j N                 programs run in parallel (default: number of cores)\n"                        \
	"  --keep-reasoning     do not remove <think>/harmony/Gemma reasoning before extraction\n"            \
	"  --no-reasoning-content  never take code from reasoning_content\n"                                  \
	"                       (under a faithful profile both are improvements over the harness,\n"        \
	"                       whose own verdict is reported beside when they change the text)\n"          \
	"  --no-forgery-check   let answers whose class rewrites == (and the like) or a program that\n"       \
	"                       rebinds builtins pass, as the harnesses do (default: such a sample\n"         \
	"                       fails, flagged forged_result)\n"                                               \
	"  --no-rerun           do not re-run alone the samples the wall-clock limit ended while\n"         \
	"                       starved of CPU (one that slept or blocked is never re-run)\n"               \
	"  --no-pool            one fresh jailed interpreter per program instead of the warm pool\n"          \
	"  --calibrate          run the dataset self-check now if it is not cached\n"                         \
	"  --cache-dir DIR      canonical outputs, calibrations and the run cache (default\n"                 \
	"                       $XDG_CACHE_HOME/verdict)\n"                                                   \
	"  --no-cache           neither read nor write the cache\n"                                           \
	"  --no-dedup           run every sample: identical samples each run, and the run cache\n"           \
	"                       (final verdicts of earlier runs of the same job) is neither read\n"          \
	"                       nor written (default: each distinct job runs once)\n"                        \
	"  --skip-unknown       skip (and count) samples whose task is not in --dataset\n"                    \
	"  --evalplus-version V evalplus semantics: master (default; HumanEval/32 checked by its\n"           \
	"                       polynomial), or 0.3.1 (the release that wrote mid-2024 result files,\n"       \
	"                       where HumanEval/32 can never pass)\n"                                          \
	"  --public-only        LiveCodeBench: run only the public tests (reported as such)\n"                \
	"  --since DATE, --until DATE   LiveCodeBench: contest_date window (YYYY-MM-DD)\n"                    \
	"  --release vN         LiveCodeBench: the window of release v1..v6 (contest dates up to\n"           \
	"                       2024-02, 2024-05, 2024-07, 2024-09, 2025-01, 2025-04); the rows carry\n"      \
	"                       no release field, so a release's own list may differ by a few problems\n"

/* Print AUDIT_OPTIONS_HELP and the common options' help (two strings: one
 * would pass the 4095 characters a C compiler must accept in a literal). */
void audit_options_help(FILE *f);

void audit_options_init(struct audit_options *o);

/* Handle one getopt_long result. Returns 1 if `key` was a scoring option
 * (consumed), 0 if not, -1 on a bad value (message in err). */
int audit_options_parse(struct audit_options *o, int key, const char *arg, char *err, size_t errlen);

/* Once every option is parsed: the limits given on the command line into
 * the score options. */
void audit_options_finish(struct audit_options *o);

/* The dataset, the jail and the scorer, set up once for any number of
 * samples files. */
struct audit_session {
	struct audit_options *o; /* borrowed */
	const char *prog;	 /* "verdict audit", for messages */
	struct dataset *ds;
	struct jail_config jc;
	struct scorer *sc; /* NULL when nothing runs (--no-exec) */
	char cache_buf[4096];
	bool progress; /* a progress line on stderr (a terminal only) */
};

/* Load the dataset (when given). Returns 0, or -1 with err. The jail and
 * the scorer start with the first file scored. */
int audit_session_open(struct audit_session *s, struct audit_options *o, const char *prog, char *err, size_t errlen);

/* Read one samples file; its unreadable lines are printed to stderr (and
 * kept in set). Returns 0 (free set with samples_free), or -1 with err. */
int audit_session_load(struct audit_session *s, const char *path, struct sample_set *set, char *err, size_t errlen);

/* Score a loaded samples file: the report filled, the calibration attached
 * when cached (or computed with --calibrate). Returns 0 (free rep with
 * score_report_free), or -1 with err (the jail could not start, ...). */
int audit_session_score(struct audit_session *s, const char *path, const struct sample_set *set,
			struct score_report *rep, char *err, size_t errlen);

/* The jail configuration in force (for the report), or NULL. */
const struct jail_config *audit_session_jail(const struct audit_session *s);

void audit_session_close(struct audit_session *s);

#endif
