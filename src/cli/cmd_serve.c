/* `verdict serve`: the HTTP front end of the scoring call. Start-up builds
 * the read-only state (jail config, datasets, scorer, request limits), may
 * die() with a message; after the server starts nothing exits: SIGTERM or
 * SIGINT drains the requests in flight and returns 0. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/cache.h"
#include "cli/commands.h"
#include "http/http_request.h"
#include "http/http_server.h"
#include "base/options.h"
#include "score/scheduler.h"
#include "score/score.h"

#define MAX_DATASETS 16

static void usage(FILE *f)
{
	fprintf(f,
		"usage: verdict serve [options]\n"
		"Score samples over HTTP (POST /score; GET /healthz, /readyz, /v1/info, /metrics; docs/api.md).\n\n"
		"  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080; port 0 picks a free one;\n"
		"                       [::1]:PORT for IPv6). Anything but loopback is an explicit choice:\n"
		"                       whoever reaches the port can run code in the jail.\n"
		"  --port-file PATH     write the port actually bound to PATH once listening\n"
		"  --dataset [NAME=]PATH  load problems at start-up, addressable as NAME (default: the\n"
		"                       benchmark name, e.g. humaneval, humaneval_plus); repeatable\n"
		"  -j, --workers N      programs run in parallel (default: number of cores)\n"
		"  --queue N            samples queued at most over all requests (with the HumanEval+ canonical\n"
		"                       outputs being computed for them); 503 past it (default 100000)\n"
		"  --max-samples N      samples per request (default 20000, at most --queue)\n"
		"  --max-body SIZE      request body cap, e.g. 64M (default 64M); 413 past it\n"
		"  --max-completion-chars N  characters per completion, solution or reasoning (default 2000000)\n"
		"  --max-connections N  requests served at once (default 64); past it 503 with Retry-After\n"
		"                       (GET endpoints have a reserve of 8 more)\n"
		"  --max-connections-per-client N  requests of one client address at once (default 32;\n"
		"                       0: no cap); past it 503\n"
		"  --header-timeout S   a request head must arrive within S seconds of connecting (default 10)\n"
		"  --min-body-rate N    a body must arrive at N bytes/s or more after that grace (default 65536)\n"
		"  --idle-timeout S     close a connection whose body stalls this long (default 15)\n"
		"  --max-timeout S, --max-wall S, --max-memory MB\n"
		"                       the most a request's `limits` may ask for (default: the configured\n"
		"                       --timeout/--wall/--memory, else 3 s CPU, 3x that wall, 1024 MB)\n"
		"  --canary-interval S  re-run the readiness canary every S seconds (default 60; 0: start-up only)\n"
		"  --shutdown-deadline S  on SIGTERM/SIGINT, let requests finish this long, then cancel (default 30)\n"
		"  --log-format F       text (default) or json: one line per request on stderr\n"
		"  --cache-dir DIR      canonical outputs, calibrations and the run cache (default\n"
		"                       $XDG_CACHE_HOME/verdict; requests may turn reuse off: \"dedup\": false)\n"
		"  --no-cache           neither read nor write the cache\n" COMMON_OPTIONS_HELP);
}

struct serve_opts {
	struct common_opts co;
	char host[64];
	unsigned port;
	const char *port_file;
	const char *datasets[MAX_DATASETS];
	size_t n_datasets;
	int workers;
	size_t queue, max_samples, max_body, max_chars;
	unsigned max_connections, max_per_client, header_timeout_s, idle_timeout_s, canary_interval_s, shutdown_deadline_s;
	size_t min_body_rate;
	double max_timeout_s, max_wall_s;
	long max_memory_mb;
	bool log_json, no_cache;
	const char *cache_dir;
};

static int parse_listen(const char *arg, struct serve_opts *o)
{
	const char *colon = strrchr(arg, ':');
	if (!colon || colon == arg)
		return -1;
	const char *h = arg;
	size_t hl = (size_t)(colon - arg);
	if (h[0] == '[') {
		if (hl < 3 || h[hl - 1] != ']')
			return -1;
		h++;
		hl -= 2;
	}
	if (hl >= sizeof(o->host))
		return -1;
	memcpy(o->host, h, hl);
	o->host[hl] = '\0';
	if (strcmp(o->host, "localhost") == 0)
		snprintf(o->host, sizeof(o->host), "127.0.0.1");
	char *end = NULL;
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p > 65535)
		return -1;
	o->port = (unsigned)p;
	return 0;
}

static int parse_count(const char *arg, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi || arg[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* "64M", "1G", "65536" */
static int parse_size(const char *arg, size_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-')
		return -1;
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || v == 0 || v > (1ull << 40) >> shift)
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

static int parse_secs(const char *arg, double lo, double hi, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_LISTEN = 1,
	OPT_PORT_FILE,
	OPT_DATASET,
	OPT_QUEUE,
	OPT_MAX_SAMPLES,
	OPT_MAX_BODY,
	OPT_MAX_CHARS,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_PER_CLIENT,
	OPT_HEADER_TIMEOUT,
	OPT_MIN_BODY_RATE,
	OPT_IDLE_TIMEOUT,
	OPT_MAX_TIMEOUT,
	OPT_MAX_WALL,
	OPT_MAX_MEMORY,
	OPT_CANARY,
	OPT_DEADLINE,
	OPT_LOG_FORMAT,
	OPT_CACHE_DIR,
	OPT_NO_CACHE,
};

/* Returns 0, 1 for --help, -1 on a usage error (already reported). */
static int parse_args(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONG_OPTIONS,
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "port-file", required_argument, NULL, OPT_PORT_FILE },
		{ "dataset", required_argument, NULL, OPT_DATASET },
		{ "workers", required_argument, NULL, 'j' },
		{ "queue", required_argument, NULL, OPT_QUEUE },
		{ "max-samples", required_argument, NULL, OPT_MAX_SAMPLES },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "max-completion-chars", required_argument, NULL, OPT_MAX_CHARS },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
		{ "max-connections-per-client", required_argument, NULL, OPT_MAX_PER_CLIENT },
		{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
		{ "min-body-rate", required_argument, NULL, OPT_MIN_BODY_RATE },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ "max-timeout", required_argument, NULL, OPT_MAX_TIMEOUT },
		{ "max-wall", required_argument, NULL, OPT_MAX_WALL },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "canary-interval", required_argument, NULL, OPT_CANARY },
		{ "shutdown-deadline", required_argument, NULL, OPT_DEADLINE },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
		{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	char err[512];
	int key;
	unsigned long long v = 0; /* read below even when a parse failed (bad is set then) */
	double d = 0;
	optind = 1;
	while ((key = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
		int rc = common_opts_parse(&o->co, key, optarg, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "verdict serve: %s\n", err);
			return -1;
		}
		if (rc == 1)
			continue;
		const char *bad = NULL;
		switch (key) {
		case OPT_LISTEN:
			if (parse_listen(optarg, o) < 0)
				bad = "--listen expects HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:0)";
			break;
		case OPT_PORT_FILE:
			o->port_file = optarg;
			break;
		case OPT_DATASET:
			if (o->n_datasets == MAX_DATASETS)
				bad = "--dataset: too many datasets";
			else
				o->datasets[o->n_datasets++] = optarg;
			break;
		case 'j':
			if (parse_count(optarg, 1, 1024, &v) < 0)
				bad = "--workers expects 1..1024";
			o->workers = (int)v;
			break;
		case OPT_QUEUE:
			if (parse_count(optarg, 1, 100000000, &v) < 0)
				bad = "--queue expects 1..100000000";
			o->queue = (size_t)v;
			break;
		case OPT_MAX_SAMPLES:
			if (parse_count(optarg, 1, 100000000, &v) < 0)
				bad = "--max-samples expects 1..100000000";
			o->max_samples = (size_t)v;
			break;
		case OPT_MAX_BODY:
			if (parse_size(optarg, &o->max_body) < 0)
				bad = "--max-body expects a size such as 65536, 512K, 64M or 1G";
			break;
		case OPT_MAX_CHARS:
			if (parse_count(optarg, 1, 1ull << 32, &v) < 0)
				bad = "--max-completion-chars expects a positive number";
			o->max_chars = (size_t)v;
			break;
		case OPT_MAX_CONNECTIONS:
			if (parse_count(optarg, 1, 10000, &v) < 0)
				bad = "--max-connections expects 1..10000";
			o->max_connections = (unsigned)v;
			break;
		case OPT_MAX_PER_CLIENT:
			if (parse_count(optarg, 0, 10000, &v) < 0)
				bad = "--max-connections-per-client expects 0..10000";
			o->max_per_client = (unsigned)v;
			break;
		case OPT_HEADER_TIMEOUT:
			if (parse_count(optarg, 1, 3600, &v) < 0)
				bad = "--header-timeout expects 1..3600 seconds";
			o->header_timeout_s = (unsigned)v;
			break;
		case OPT_MIN_BODY_RATE:
			if (parse_count(optarg, 1, 1ull << 40, &v) < 0)
				bad = "--min-body-rate expects bytes per second (1 or more)";
			o->min_body_rate = (size_t)v;
			break;
		case OPT_IDLE_TIMEOUT:
			if (parse_count(optarg, 1, 86400, &v) < 0)
				bad = "--idle-timeout expects 1..86400 seconds";
			o->idle_timeout_s = (unsigned)v;
			break;
		case OPT_MAX_TIMEOUT:
			if (parse_secs(optarg, 0.001, 3600, &o->max_timeout_s) < 0)
				bad = "--max-timeout expects seconds in (0, 3600]";
			break;
		case OPT_MAX_WALL:
			if (parse_secs(optarg, 0.001, 10800, &o->max_wall_s) < 0)
				bad = "--max-wall expects seconds in (0, 10800]";
			break;
		case OPT_MAX_MEMORY:
			if (parse_count(optarg, 16, 1024 * 1024, &v) < 0)
				bad = "--max-memory expects MB in [16, 1048576]";
			o->max_memory_mb = (long)v;
			break;
		case OPT_CANARY:
			if (parse_count(optarg, 0, 86400, &v) < 0)
				bad = "--canary-interval expects 0..86400 seconds";
			o->canary_interval_s = (unsigned)v;
			break;
		case OPT_DEADLINE:
			if (parse_secs(optarg, 0, 3600, &d) < 0)
				bad = "--shutdown-deadline expects 0..3600 seconds";
			o->shutdown_deadline_s = (unsigned)ceil(d);
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0)
				o->log_json = true;
			else if (strcmp(optarg, "text") != 0)
				bad = "--log-format expects text or json";
			break;
		case OPT_CACHE_DIR:
			o->cache_dir = optarg;
			break;
		case OPT_NO_CACHE:
			o->no_cache = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "verdict serve: %s (got '%s')\n", bad, optarg);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Load every --dataset, named NAME or by its benchmark. */
static int load_datasets(const struct serve_opts *o, struct dataset **ds, struct request_dataset *named)
{
	char err[512];
	for (size_t i = 0; i < o->n_datasets; i++) {
		const char *arg = o->datasets[i], *eq = strchr(arg, '='), *path = eq ? eq + 1 : arg;
		if (eq && (eq == arg || (size_t)(eq - arg) >= sizeof(named[i].name) ||
			   strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-") !=
				   (size_t)(eq - arg))) {
			fprintf(stderr, "verdict serve: --dataset NAME=PATH: NAME must be 1-63 of [A-Za-z0-9_+.-]\n");
			return -1;
		}
		if (dataset_load(path, &ds[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "verdict serve: %s\n", err);
			return -1;
		}
		if (eq)
			snprintf(named[i].name, sizeof(named[i].name), "%.*s", (int)(eq - arg), arg);
		else
			snprintf(named[i].name, sizeof(named[i].name), "%s", benchmark_name(ds[i]->bench));
		named[i].ds = ds[i];
		for (size_t j = 0; j < i; j++)
			if (strcmp(named[j].name, named[i].name) == 0) {
				fprintf(stderr, "verdict serve: two datasets are named '%s': name them with --dataset NAME=PATH\n",
					named[i].name);
				return -1;
			}
	}
	return 0;
}

/* The limits every request starts from and the most it may ask for. */
static int build_limits(const struct serve_opts *o, const struct jail_config *jc, struct request_config *rc)
{
	const struct common_opts *co = &o->co;
	rc->timeout_ms = co->timeout_s > 0 ? (uint32_t)ceil(co->timeout_s * 1000) : 0;
	rc->max_timeout_ms = o->max_timeout_s > 0 ? (uint32_t)ceil(o->max_timeout_s * 1000)
			     : rc->timeout_ms	  ? rc->timeout_ms
						  : 3000;
	rc->wall_ms = co->wall_s > 0 ? (uint32_t)ceil(co->wall_s * 1000) : 0;
	rc->max_wall_ms = o->max_wall_s > 0 ? (uint32_t)ceil(o->max_wall_s * 1000)
			  : rc->wall_ms	    ? rc->wall_ms
					    : 3 * rc->max_timeout_ms;
	rc->memory_bytes = co->memory_mb > 0 ? (uint64_t)co->memory_mb << 20 : jc->defaults.memory_bytes;
	rc->max_memory_bytes = o->max_memory_mb > 0 ? (uint64_t)o->max_memory_mb << 20 : rc->memory_bytes;
	const char *bad = rc->timeout_ms > rc->max_timeout_ms ? "--timeout is above --max-timeout"
			  : rc->wall_ms > rc->max_wall_ms     ? "--wall is above --max-wall"
			  : rc->memory_bytes > rc->max_memory_bytes ? "--memory is above --max-memory"
								    : NULL;
	if (bad) {
		fprintf(stderr, "verdict serve: %s\n", bad);
		return -1;
	}
	return 0;
}

static bool is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

/* Signals are taken synchronously by the main thread: block them before any
 * thread starts so every thread inherits the mask. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct serve_state {
	struct dataset *ds[MAX_DATASETS];
	struct request_dataset named[MAX_DATASETS];
	struct jail_config jc;
	struct scorer *sc;
	struct server *srv;
};

static void state_free(struct serve_state *st, size_t n_datasets)
{
	scorer_destroy(&st->sc);
	jail_config_free(&st->jc);
	for (size_t i = 0; i < n_datasets; i++)
		dataset_free(&st->ds[i]);
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = {
		.port = 8080,
		.queue = 100000,
		.max_samples = 20000,
		.max_body = (size_t)64 << 20,
		.max_chars = 2000000,
		.max_connections = 64,
		.max_per_client = 32,
		.header_timeout_s = 10,
		.min_body_rate = 65536,
		.idle_timeout_s = 15,
		.canary_interval_s = 60,
		.shutdown_deadline_s = 30,
	};
	snprintf(o.host, sizeof(o.host), "127.0.0.1");
	common_opts_init(&o.co);
	int prc = parse_args(argc, argv, &o);
	if (prc != 0)
		return prc > 0 ? 0 : 2;
	if (o.max_samples > o.queue)
		o.max_samples = o.queue; /* a request past the bound could never be queued */

	sigset_t sigs;
	block_signals(&sigs);
	static struct serve_state st; /* zeroed; lives until return */
	memset(&st, 0, sizeof(st));
	char err[512];
	if (load_datasets(&o, st.ds, st.named) < 0) {
		state_free(&st, o.n_datasets);
		return 2;
	}
	if (common_opts_jail(&o.co, &st.jc, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict serve: %s\n", err);
		state_free(&st, o.n_datasets);
		return 2;
	}
	struct request_config rc = {
		.datasets = st.named,
		.n_datasets = o.n_datasets,
		.max_samples = o.max_samples,
		.max_completion_chars = o.max_chars,
	};
	char cache_buf[4096];
	const char *cache_dir = o.cache_dir;
	if (!o.no_cache && !cache_dir && cache_default_dir(cache_buf, sizeof(cache_buf)) == 0)
		cache_dir = cache_buf;
	struct scorer_options sco = {
		.jail = &st.jc, .workers = o.workers, .max_queued = o.queue, .cache_dir = o.no_cache ? NULL : cache_dir,
	};
	if (build_limits(&o, &st.jc, &rc) < 0) {
		state_free(&st, o.n_datasets);
		return 2;
	}
	if (scorer_create(&sco, &st.sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict serve: %s\n", err);
		state_free(&st, o.n_datasets);
		return 2;
	}
	struct server_config cfg = {
		.host = o.host,
		.port = o.port,
		.port_file = o.port_file,
		.max_body_bytes = o.max_body,
		.max_connections = o.max_connections,
		.max_per_client = o.max_per_client,
		.header_timeout_s = o.header_timeout_s,
		.min_body_rate = o.min_body_rate,
		.idle_timeout_s = o.idle_timeout_s,
		.canary_interval_s = o.canary_interval_s,
		.log_json = o.log_json,
		.scorer = st.sc,
		.jail = &st.jc,
		.requests = &rc,
		.queue_bound = o.queue,
	};
	if (server_start(&cfg, &st.srv, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict serve: %s\n", err);
		state_free(&st, o.n_datasets);
		return 2;
	}
	/* From here on: no exit() and no die(); errors are answers or log lines. */
	if (!is_loopback(o.host))
		server_log(st.srv, "warning: listening on %s, not loopback: whoever reaches this port can run code in "
				   "the jail",
			   o.host);
	for (size_t i = 0; i < o.n_datasets; i++)
		server_log(st.srv, "dataset %s: %s, %zu tasks, sha256 %s", st.named[i].name, st.ds[i]->path, st.ds[i]->n,
			   st.ds[i]->sha256);
	server_log(st.srv, "isolation %s, %d workers, queue bound %zu, limits %.1f s CPU (max %.1f), %llu MiB (max %llu)",
		   jail_level_name(st.jc.level), scheduler_workers(scorer_scheduler(st.sc)), o.queue,
		   (rc.timeout_ms ? rc.timeout_ms : 3000) / 1000.0, rc.max_timeout_ms / 1000.0,
		   (unsigned long long)(rc.memory_bytes >> 20), (unsigned long long)(rc.max_memory_bytes >> 20));
	int sig = 0;
	while (sigwait(&sigs, &sig) != 0)
		;
	server_log(st.srv, "received %s: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	server_stop(&st.srv, o.shutdown_deadline_s * 1000);
	state_free(&st, o.n_datasets);
	return 0;
}
