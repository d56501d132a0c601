/* Service metrics (see http_metrics.h). One mutex guards everything: the
 * counters are touched a few times per request, never per byte. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_metrics.h"

/* Status codes the server answers with, in label order; anything else is
 * counted under "other". */
static const int known_codes[] = { 200, 400, 404, 405, 413, 415, 499, 500, 503 };
#define N_CODES (sizeof(known_codes) / sizeof(known_codes[0]) + 1)

/* Upper bounds of the scoring latency buckets, in seconds (+Inf implied). */
static const double latency_bounds[] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600 };
#define N_BUCKETS (sizeof(latency_bounds) / sizeof(latency_bounds[0]))

struct metrics {
	pthread_mutex_t mu;
	unsigned long long requests[METRICS_EP_COUNT][N_CODES];
	unsigned long long samples[ST_COUNT];
	unsigned long long latency_buckets[N_BUCKETS]; /* non-cumulative; summed when rendered */
	unsigned long long latency_count;
	double latency_sum;
	long in_flight;
	unsigned long long canary[3];
};

const char *metrics_endpoint_name(enum metrics_endpoint e)
{
	switch (e) {
	case METRICS_EP_SCORE:
		return "score";
	case METRICS_EP_HEALTHZ:
		return "healthz";
	case METRICS_EP_READYZ:
		return "readyz";
	case METRICS_EP_INFO:
		return "info";
	case METRICS_EP_METRICS:
		return "metrics";
	case METRICS_EP_OTHER:
		return "other";
	}
	return "other";
}

static const char *canary_name(enum metrics_canary c)
{
	switch (c) {
	case METRICS_CANARY_OK:
		return "ok";
	case METRICS_CANARY_FAILED:
		return "failed";
	case METRICS_CANARY_BUSY:
		return "busy";
	}
	return "failed";
}

int metrics_create(struct metrics **out)
{
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->mu, NULL);
	*out = m;
	return 0;
}

void metrics_free(struct metrics **mp)
{
	struct metrics *m = *mp;
	if (!m)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m);
	*mp = NULL;
}

static size_t code_slot(int status)
{
	for (size_t i = 0; i < N_CODES - 1; i++)
		if (known_codes[i] == status)
			return i;
	return N_CODES - 1;
}

void metrics_count_request(struct metrics *m, enum metrics_endpoint ep, int status)
{
	pthread_mutex_lock(&m->mu);
	m->requests[ep][code_slot(status)]++;
	pthread_mutex_unlock(&m->mu);
}

void metrics_count_samples(struct metrics *m, const size_t counts[ST_COUNT])
{
	pthread_mutex_lock(&m->mu);
	for (int s = 0; s < ST_COUNT; s++)
		m->samples[s] += counts[s];
	pthread_mutex_unlock(&m->mu);
}

void metrics_observe_scoring(struct metrics *m, double seconds)
{
	pthread_mutex_lock(&m->mu);
	size_t b = 0;
	while (b < N_BUCKETS && seconds > latency_bounds[b])
		b++;
	if (b < N_BUCKETS)
		m->latency_buckets[b]++;
	m->latency_count++;
	m->latency_sum += seconds;
	pthread_mutex_unlock(&m->mu);
}

void metrics_add_in_flight(struct metrics *m, long delta)
{
	pthread_mutex_lock(&m->mu);
	m->in_flight += delta;
	pthread_mutex_unlock(&m->mu);
}

void metrics_count_canary(struct metrics *m, enum metrics_canary result)
{
	pthread_mutex_lock(&m->mu);
	m->canary[result]++;
	pthread_mutex_unlock(&m->mu);
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_locked(FILE *f, const struct metrics *m, const struct metrics_gauges *g)
{
	head(f, "verdict_build_info", "gauge", "Version of the running server.");
	fprintf(f, "verdict_build_info{version=\"%s\"} 1\n", VERDICT_VERSION);
	head(f, "verdict_http_requests_total", "counter",
	     "HTTP requests by endpoint and status code (499: the client went away first).");
	for (int e = 0; e < METRICS_EP_COUNT; e++)
		for (size_t c = 0; c < N_CODES; c++) {
			if (!m->requests[e][c])
				continue;
			char code[16];
			if (c < N_CODES - 1)
				snprintf(code, sizeof(code), "%d", known_codes[c]);
			else
				snprintf(code, sizeof(code), "other");
			fprintf(f, "verdict_http_requests_total{endpoint=\"%s\",code=\"%s\"} %llu\n",
				metrics_endpoint_name((enum metrics_endpoint)e), code, m->requests[e][c]);
		}
	head(f, "verdict_samples_total", "counter", "Scored samples by status.");
	for (int s = 0; s < ST_COUNT; s++)
		fprintf(f, "verdict_samples_total{status=\"%s\"} %llu\n", sample_status_name((enum sample_status)s),
			m->samples[s]);
	head(f, "verdict_jail_failures_total", "counter", "Samples that ended in sandbox_error (verdict's own failure).");
	fprintf(f, "verdict_jail_failures_total %llu\n", m->samples[ST_SANDBOX_ERROR]);
	head(f, "verdict_oom_kills_total", "counter", "Samples that hit the memory limit.");
	fprintf(f, "verdict_oom_kills_total %llu\n", m->samples[ST_MEMORY_LIMIT]);
	head(f, "verdict_scoring_duration_seconds", "histogram", "Time to score one POST /score request.");
	unsigned long long cum = 0;
	for (size_t b = 0; b < N_BUCKETS; b++) {
		cum += m->latency_buckets[b];
		fprintf(f, "verdict_scoring_duration_seconds_bucket{le=\"%g\"} %llu\n", latency_bounds[b], cum);
	}
	fprintf(f, "verdict_scoring_duration_seconds_bucket{le=\"+Inf\"} %llu\n", m->latency_count);
	fprintf(f, "verdict_scoring_duration_seconds_sum %.6f\n", m->latency_sum);
	fprintf(f, "verdict_scoring_duration_seconds_count %llu\n", m->latency_count);
	head(f, "verdict_queue_depth", "gauge", "Samples queued and not started, over all requests.");
	fprintf(f, "verdict_queue_depth %zu\n", g->queued);
	head(f, "verdict_queue_bound", "gauge", "Queued samples past which POST /score answers 503.");
	fprintf(f, "verdict_queue_bound %zu\n", g->queue_bound);
	head(f, "verdict_samples_running", "gauge", "Samples running in the jail now.");
	fprintf(f, "verdict_samples_running %zu\n", g->running);
	head(f, "verdict_samples_in_flight", "gauge", "Samples of the requests being scored (queued or running).");
	fprintf(f, "verdict_samples_in_flight %ld\n", m->in_flight);
	head(f, "verdict_workers", "gauge", "Programs run in parallel.");
	fprintf(f, "verdict_workers %d\n", g->workers);
	head(f, "verdict_http_requests_active", "gauge", "HTTP requests being handled.");
	fprintf(f, "verdict_http_requests_active %zu\n", g->requests_active);
	head(f, "verdict_http_connections_waiting", "gauge", "Connections whose request head has not arrived yet.");
	fprintf(f, "verdict_http_connections_waiting %zu\n", g->connections_waiting);
	head(f, "verdict_http_connections_serving", "gauge", "Connections whose request is being served.");
	fprintf(f, "verdict_http_connections_serving %zu\n", g->connections_serving);
	head(f, "verdict_isolation_level", "gauge", "The isolation level every program runs at (label), always 1.");
	fprintf(f, "verdict_isolation_level{level=\"%s\"} 1\n", g->isolation);
	head(f, "verdict_ready", "gauge", "1 when the start-up canary passed and the server is not stopping.");
	fprintf(f, "verdict_ready %d\n", g->ready ? 1 : 0);
	head(f, "verdict_draining", "gauge", "1 while the server finishes its requests before exiting.");
	fprintf(f, "verdict_draining %d\n", g->draining ? 1 : 0);
	head(f, "verdict_program_runs_total", "counter", "Jailed runs made (samples, re-runs, canonical outputs, canaries).");
	fprintf(f, "verdict_program_runs_total %llu\n", g->runs);
	head(f, "verdict_program_cpu_seconds_total", "counter",
	     "CPU time (user + system) of the jailed programs, measured where the jail reaps them.");
	fprintf(f, "verdict_program_cpu_seconds_total %.3f\n", (double)g->program_cpu_ms / 1000.0);
	head(f, "verdict_samples_reused_total", "counter",
	     "Samples answered without a run: from the run cache, or by an identical sample of the same request.");
	fprintf(f, "verdict_samples_reused_total{source=\"cache\"} %llu\n", g->from_cache);
	fprintf(f, "verdict_samples_reused_total{source=\"duplicate\"} %llu\n", g->duplicates);
	head(f, "verdict_canary_runs_total", "counter", "Canary runs (a known pass, fail and timeout) by result.");
	for (int c = 0; c < 3; c++)
		fprintf(f, "verdict_canary_runs_total{result=\"%s\"} %llu\n", canary_name((enum metrics_canary)c),
			m->canary[c]);
}

char *metrics_render(struct metrics *m, const struct metrics_gauges *g)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	pthread_mutex_lock(&m->mu);
	render_locked(f, m, g);
	pthread_mutex_unlock(&m->mu);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
