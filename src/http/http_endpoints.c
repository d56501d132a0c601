/* GET /healthz, /readyz, /v1/info and /metrics (see docs/api.md). */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "http/http_gate.h"
#include "http/http_metrics.h"
#include "http/http_server_internal.h"
#include "score/jail_json.h"
#include "score/scheduler.h"

static bool is_ready(struct server *s, char *detail, size_t n)
{
	pthread_mutex_lock(&s->mu);
	bool ready = s->ready && !s->draining;
	if (detail)
		snprintf(detail, n, "%s",
			 s->draining	     ? "the server is stopping"
			 : !s->canary_runs ? "the start-up canary has not finished yet"
					   : s->canary_detail);
	pthread_mutex_unlock(&s->mu);
	return ready;
}

static cJSON *canary_json(struct server *s)
{
	cJSON *c = cJSON_CreateObject();
	if (!c)
		return NULL;
	pthread_mutex_lock(&s->mu);
	cJSON_AddBoolToObject(c, "passed", s->ready);
	cJSON_AddNumberToObject(c, "runs", (double)s->canary_runs);
	cJSON_AddStringToObject(c, "detail", s->canary_runs ? s->canary_detail : "not run yet");
	if (s->canary_runs) {
		char t[32];
		struct tm tm;
		gmtime_r(&s->canary_at, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(c, "last_run", t);
	} else {
		cJSON_AddNullToObject(c, "last_run");
	}
	cJSON_AddNumberToObject(c, "interval_s", s->cfg.canary_interval_s);
	pthread_mutex_unlock(&s->mu);
	return c;
}

enum MHD_Result do_healthz(struct exchange *x)
{
	cJSON *o = cJSON_CreateObject();
	if (o)
		cJSON_AddStringToObject(o, "status", "ok");
	return send_json(x, 200, o, (struct reply){ 0 });
}

enum MHD_Result do_readyz(struct exchange *x)
{
	char detail[256];
	bool ready = is_ready(x->srv, detail, sizeof(detail));
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddBoolToObject(o, "ready", ready);
		cJSON_AddStringToObject(o, "detail", detail);
		cJSON_AddItemToObject(o, "canary", canary_json(x->srv));
	}
	return send_json(x, ready ? 200 : 503, o, (struct reply){ .retry_after = ready ? 0 : 1 });
}

static cJSON *limits_json(const struct request_config *rc)
{
	cJSON *l = cJSON_CreateObject();
	if (!l)
		return NULL;
	double t = rc->timeout_ms ? rc->timeout_ms : 3000;
	cJSON_AddNumberToObject(l, "timeout_s", t / 1000.0);
	cJSON_AddNumberToObject(l, "max_timeout_s", rc->max_timeout_ms / 1000.0);
	cJSON_AddNumberToObject(l, "wall_s", (rc->wall_ms ? rc->wall_ms : fmin(3 * t, rc->max_wall_ms)) / 1000.0);
	cJSON_AddNumberToObject(l, "max_wall_s", rc->max_wall_ms / 1000.0);
	cJSON_AddNumberToObject(l, "memory_mb", (double)(rc->memory_bytes >> 20));
	cJSON_AddNumberToObject(l, "max_memory_mb", (double)(rc->max_memory_bytes >> 20));
	cJSON_AddNumberToObject(l, "min_timeout_s", REQUEST_MIN_TIMEOUT_MS / 1000.0);
	cJSON_AddNumberToObject(l, "min_wall_s", REQUEST_MIN_WALL_MS / 1000.0);
	cJSON_AddNumberToObject(l, "min_memory_mb", REQUEST_MIN_MEMORY_MB);
	return l;
}

static cJSON *layers_in_state(const struct jail_config *jc, enum jail_layer_state st)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < JAIL_LAYER_COUNT; i++)
		if (jc->layers[i].state == st)
			cJSON_AddItemToArray(a, cJSON_CreateString(jail_layer_key((enum jail_layer_id)i)));
	return a;
}

enum MHD_Result do_info(struct exchange *x)
{
	const struct server_config *c = &x->srv->cfg;
	const struct request_config *rc = c->requests;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return send_json(x, 500, NULL, (struct reply){ 0 });
	cJSON_AddStringToObject(o, "verdict_version", VERDICT_VERSION);
	cJSON *iso = jail_json_isolation(c->jail);
	if (iso) {
		cJSON_AddItemToObject(iso, "active", layers_in_state(c->jail, JAIL_LAYER_ACTIVE));
		cJSON_AddItemToObject(iso, "available_unused", layers_in_state(c->jail, JAIL_LAYER_AVAILABLE));
		cJSON_AddItemToObject(iso, "missing", layers_in_state(c->jail, JAIL_LAYER_MISSING));
		cJSON_AddItemToObject(o, "isolation", iso);
	}
	cJSON_AddItemToObject(o, "limits", limits_json(rc));
	cJSON *caps = cJSON_AddObjectToObject(o, "caps");
	if (caps) {
		cJSON_AddNumberToObject(caps, "max_body_bytes", (double)c->max_body_bytes);
		cJSON_AddNumberToObject(caps, "max_samples", (double)rc->max_samples);
		cJSON_AddNumberToObject(caps, "max_completion_chars", (double)rc->max_completion_chars);
		cJSON_AddNumberToObject(caps, "max_connections", c->max_connections);
		cJSON_AddNumberToObject(caps, "max_connections_per_client", c->max_per_client);
		cJSON_AddNumberToObject(caps, "header_timeout_s", c->header_timeout_s);
		cJSON_AddNumberToObject(caps, "min_body_rate", (double)c->min_body_rate);
		cJSON_AddNumberToObject(caps, "idle_timeout_s", c->idle_timeout_s);
		cJSON_AddNumberToObject(caps, "queue_bound", (double)c->queue_bound);
		cJSON_AddNumberToObject(caps, "workers", scheduler_workers(scorer_scheduler(c->scorer)));
		cJSON_AddBoolToObject(caps, "warm_pool", scorer_uses_pool(c->scorer));
	}
	cJSON *profiles = cJSON_AddArrayToObject(o, "profiles");
	for (int p = PROFILE_AUTO; profiles && p <= PROFILE_LAST; p++)
		cJSON_AddItemToArray(profiles, cJSON_CreateString(profile_name((enum profile)p)));
	cJSON *benches = cJSON_AddArrayToObject(o, "benchmarks");
	for (int b = BENCH_HUMANEVAL; benches && b <= BENCH_LIVECODEBENCH; b++)
		cJSON_AddItemToArray(benches, cJSON_CreateString(benchmark_name((enum benchmark)b)));
	cJSON *ds = cJSON_AddArrayToObject(o, "datasets");
	for (size_t i = 0; ds && i < rc->n_datasets; i++) {
		const struct dataset *d = rc->datasets[i].ds;
		cJSON *e = cJSON_CreateObject();
		if (!e)
			break;
		char label[128];
		dataset_label(d, label, sizeof(label));
		cJSON_AddStringToObject(e, "name", rc->datasets[i].name);
		cJSON_AddStringToObject(e, "benchmark", benchmark_name(d->bench));
		cJSON_AddStringToObject(e, "label", label);
		cJSON_AddStringToObject(e, "form", dataset_form_name(d->form));
		cJSON_AddNumberToObject(e, "tasks", (double)d->n);
		cJSON_AddStringToObject(e, "sha256", d->sha256);
		cJSON_AddStringToObject(e, "md5", d->md5);
		cJSON_AddItemToArray(ds, e);
	}
	char detail[256];
	cJSON_AddBoolToObject(o, "ready", is_ready(x->srv, detail, sizeof(detail)));
	cJSON_AddItemToObject(o, "canary", canary_json(x->srv));
	return send_json(x, 200, o, (struct reply){ 0 });
}

enum MHD_Result do_metrics(struct exchange *x)
{
	struct server *s = x->srv;
	struct scheduler *sch = scorer_scheduler(s->cfg.scorer);
	struct metrics_gauges g = {
		.queued = scheduler_queued(sch),
		.running = scheduler_running(sch),
		.queue_bound = s->cfg.queue_bound,
		.workers = scheduler_workers(sch),
		.isolation = jail_level_name(s->cfg.jail->level),
	};
	struct scorer_stats st;
	scorer_stats(s->cfg.scorer, &st);
	g.runs = st.runs;
	g.program_cpu_ms = st.program_cpu_ms;
	g.from_cache = st.from_cache;
	g.duplicates = st.duplicates;
	pthread_mutex_lock(&s->mu);
	g.requests_active = s->active;
	g.draining = s->draining;
	g.ready = s->ready && !s->draining;
	pthread_mutex_unlock(&s->mu);
	gate_counts(s->gate, &g.connections_waiting, &g.connections_serving);
	char *text = metrics_render(s->metrics, &g);
	if (!text)
		return send_error(x, 500, NULL, "out of memory", (struct reply){ 0 });
	struct reply r = {
		.status = 200,
		.body = text,
		.len = strlen(text),
		.content_type = "text/plain; version=0.0.4; charset=utf-8",
	};
	return send_reply(x, &r);
}
