/* Counters and histograms of the HTTP service, rendered in the Prometheus
 * text exposition format (version 0.0.4) for GET /metrics. Thread-safe: every
 * connection thread records into one shared struct metrics. Gauges that live
 * elsewhere (queue depth, readiness) are passed in at render time. */
#ifndef VERDICT_HTTP_METRICS_H
#define VERDICT_HTTP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "score/verdict.h"

enum metrics_endpoint {
	METRICS_EP_SCORE,
	METRICS_EP_HEALTHZ,
	METRICS_EP_READYZ,
	METRICS_EP_INFO,
	METRICS_EP_METRICS,
	METRICS_EP_OTHER, /* unknown paths */
};
#define METRICS_EP_COUNT (METRICS_EP_OTHER + 1)

/* The label value: "score", "healthz", ... */
const char *metrics_endpoint_name(enum metrics_endpoint e);

/* Status recorded for a request whose client went away before the answer
 * (nginx's convention; never sent on the wire). */
#define METRICS_CLIENT_GONE 499

enum metrics_canary {
	METRICS_CANARY_OK,
	METRICS_CANARY_FAILED,
	METRICS_CANARY_BUSY, /* the queue was full: not run, readiness unchanged */
};

struct metrics;

/* Returns 0 or -ENOMEM. Free with metrics_free. */
int metrics_create(struct metrics **out);
void metrics_free(struct metrics **m);

void metrics_count_request(struct metrics *m, enum metrics_endpoint ep, int status);
/* Add a finished report's status counts (sandbox_error feeds the jail
 * failure counter, memory_limit the OOM counter). */
void metrics_count_samples(struct metrics *m, const size_t counts[ST_COUNT]);
void metrics_observe_scoring(struct metrics *m, double seconds);
void metrics_add_in_flight(struct metrics *m, long delta);
void metrics_count_canary(struct metrics *m, enum metrics_canary result);

/* Values owned by other parts of the server, sampled when rendering. */
struct metrics_gauges {
	size_t queued;	      /* samples waiting in the scheduler */
	size_t running;	      /* samples running now */
	size_t queue_bound;
	int workers;
	size_t requests_active; /* HTTP requests being handled */
	size_t connections_waiting; /* in the gate, their head not arrived */
	size_t connections_serving; /* handed on to libmicrohttpd */
	const char *isolation; /* the isolation level in force */
	bool ready;
	bool draining;
	/* Counters of the scorer, sampled too: its jailed runs and their CPU
	 * (measured inside the jail), samples answered without a run. */
	unsigned long long runs, program_cpu_ms, from_cache, duplicates;
};

/* New NUL-terminated text (caller frees), NULL when out of memory. */
char *metrics_render(struct metrics *m, const struct metrics_gauges *g);

#endif
