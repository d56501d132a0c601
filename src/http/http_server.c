/* The HTTP server (see http_server.h).
 *
 * Each request is one struct exchange, created on the first call of the
 * access handler, stored in libmicrohttpd's req_cls and freed in the
 * completion callback, which also writes the request's log line and
 * metrics. POST /score runs in the connection's own thread: parse, queue the
 * samples as one scheduler batch (the scheduler serves batches round-robin,
 * so a big request does not starve a small one), then wait in slices of
 * 200 ms, cancelling the batch when the client hangs up or the shutdown
 * deadline passes. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "score/calibrate.h"
#include "cleanup.h"
#include "http/http_canary.h"
#include "http/http_metrics.h"
#include "http/http_server.h"
#include "score/jail_json.h"
#include "report/report.h"
#include "score/scheduler.h"

#define WAIT_SLICE_MS 200
#define MAX_LOGGED_PATH 200

enum route {
	ROUTE_NONE,
	ROUTE_SCORE,
	ROUTE_HEALTHZ,
	ROUTE_READYZ,
	ROUTE_INFO,
	ROUTE_METRICS,
};

struct server {
	struct server_config cfg;
	struct MHD_Daemon *mhd;
	unsigned port;
	struct metrics *metrics;
	char id_prefix[9];

	pthread_mutex_t mu;
	pthread_cond_t changed; /* active, canary_stop */
	size_t active;		/* exchanges alive */
	bool draining;		/* stop accepting; /readyz answers 503 */
	bool cancel_all;	/* the shutdown deadline passed */
	unsigned long next_id;
	double sample_s_mean; /* wall seconds per sample, for Retry-After */

	/* readiness canary */
	pthread_t canary_thread;
	bool canary_started, canary_stop, ready;
	unsigned long canary_runs;
	char canary_detail[256];
	time_t canary_at;
};

/* One HTTP request, owned by its connection (req_cls). */
struct exchange {
	struct server *srv;
	struct MHD_Connection *conn;
	enum route route;
	char id[72];
	char method[16];
	char path[MAX_LOGGED_PATH + 1];
	struct timespec start;
	char *body;
	size_t body_len, body_cap, bytes_in;
	int status; /* answered with; 0 while none */
	bool early; /* answering before the announced body was read */
	bool discarding; /* the body went over the cap: dropping the rest */
	size_t n_samples;
	char error[160]; /* the error sent, for the log line */
};

/* ------------------------------------------------------------ logging */

static void now_iso(char *buf, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

/* Printable ASCII only, bounded: what reaches a log line from a client. */
static void sanitize(const char *in, char *out, size_t n)
{
	size_t o = 0;
	for (const unsigned char *c = (const unsigned char *)in; *c && o + 5 < n; c++) {
		if (*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\')
			out[o++] = (char)*c;
		else
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", *c);
	}
	out[o] = '\0';
}

static void emit_json(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	if (text)
		fprintf(stderr, "%s\n", text);
	free(text);
}

void server_log(const struct server *s, const char *fmt, ...)
{
	int saved = errno;
	char msg[768], t[40];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	now_iso(t, sizeof(t));
	if (s && s->cfg.log_json) {
		cJSON *o = cJSON_CreateObject();
		if (o && cJSON_AddStringToObject(o, "time", t) && cJSON_AddStringToObject(o, "msg", msg))
			emit_json(o);
		cJSON_Delete(o);
	} else {
		fprintf(stderr, "%s verdict: %s\n", t, msg);
	}
	errno = saved;
}

static double ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1000.0 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

static void log_request(const struct exchange *x)
{
	char t[40];
	now_iso(t, sizeof(t));
	double ms = ms_since(&x->start);
	if (x->srv->cfg.log_json) {
		cJSON *o = cJSON_CreateObject();
		if (!o)
			return;
		cJSON_AddStringToObject(o, "time", t);
		cJSON_AddStringToObject(o, "event", "request");
		cJSON_AddStringToObject(o, "request_id", x->id);
		cJSON_AddStringToObject(o, "method", x->method);
		cJSON_AddStringToObject(o, "path", x->path);
		cJSON_AddNumberToObject(o, "status", x->status);
		cJSON_AddNumberToObject(o, "ms", round(ms * 10) / 10);
		cJSON_AddNumberToObject(o, "bytes_in", (double)x->bytes_in);
		cJSON_AddNumberToObject(o, "samples", (double)x->n_samples);
		if (x->error[0])
			cJSON_AddStringToObject(o, "error", x->error);
		emit_json(o);
		cJSON_Delete(o);
		return;
	}
	char path[4 * MAX_LOGGED_PATH + 8], error[4 * sizeof(x->error)];
	sanitize(x->path, path, sizeof(path));
	sanitize(x->error, error, sizeof(error));
	fprintf(stderr, "%s request id=%s method=%s path=\"%s\" status=%d ms=%.1f bytes_in=%zu samples=%zu%s%s%s\n", t,
		x->id, x->method, path, x->status, ms, x->bytes_in, x->n_samples, error[0] ? " error=\"" : "", error,
		error[0] ? "\"" : "");
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	server_log(cls, "libmicrohttpd: %s", msg);
}

/* ---------------------------------------------------------- responses */

static enum metrics_endpoint route_endpoint(enum route r)
{
	switch (r) {
	case ROUTE_SCORE:
		return METRICS_EP_SCORE;
	case ROUTE_HEALTHZ:
		return METRICS_EP_HEALTHZ;
	case ROUTE_READYZ:
		return METRICS_EP_READYZ;
	case ROUTE_INFO:
		return METRICS_EP_INFO;
	case ROUTE_METRICS:
		return METRICS_EP_METRICS;
	case ROUTE_NONE:
		break;
	}
	return METRICS_EP_OTHER;
}

struct reply {
	int status;
	char *body; /* malloc'd; handed to libmicrohttpd */
	size_t len;
	const char *content_type;
	const char *allow;     /* Allow header (405) */
	unsigned retry_after;  /* seconds; 0: no header */
	bool close;	       /* the request body was not read: close afterwards */
};

static enum MHD_Result send_reply(struct exchange *x, struct reply *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	MHD_add_response_header(resp, "X-Request-Id", x->id);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->retry_after) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	if (r->close || x->early)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ok = MHD_queue_response(x->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	if (ok == MHD_YES)
		x->status = r->status;
	return ok;
}

static enum MHD_Result send_json(struct exchange *x, int status, cJSON *o, struct reply extra)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text) {
		static const char oom[] = "{\"error\":\"out of memory\",\"field\":null}";
		text = strdup(oom);
		status = 500;
		if (!text)
			return MHD_NO;
	}
	extra.status = status;
	extra.body = text;
	extra.len = strlen(text);
	extra.content_type = "application/json";
	return send_reply(x, &extra);
}

/* {"error": message, "field": field or null, "request_id": id} */
static enum MHD_Result send_error(struct exchange *x, int status, const char *field, const char *message,
				  struct reply extra)
{
	snprintf(x->error, sizeof(x->error), "%s", message);
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "error", message);
		if (field && *field)
			cJSON_AddStringToObject(o, "field", field);
		else
			cJSON_AddNullToObject(o, "field");
		cJSON_AddStringToObject(o, "request_id", x->id);
	}
	return send_json(x, status, o, extra);
}

/* ---------------------------------------------------------- endpoints */

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

static enum MHD_Result do_healthz(struct exchange *x)
{
	cJSON *o = cJSON_CreateObject();
	if (o)
		cJSON_AddStringToObject(o, "status", "ok");
	return send_json(x, 200, o, (struct reply){ 0 });
}

static enum MHD_Result do_readyz(struct exchange *x)
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

static enum MHD_Result do_info(struct exchange *x)
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
		cJSON_AddNumberToObject(caps, "queue_bound", (double)c->queue_bound);
		cJSON_AddNumberToObject(caps, "workers", scheduler_workers(scorer_scheduler(c->scorer)));
		cJSON_AddBoolToObject(caps, "warm_pool", scorer_uses_pool(c->scorer));
	}
	cJSON *profiles = cJSON_AddArrayToObject(o, "profiles");
	for (int p = PROFILE_AUTO; profiles && p <= PROFILE_LCB; p++)
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

static enum MHD_Result do_metrics(struct exchange *x)
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

/* ------------------------------------------------------------- scoring */

/* Has the client closed its end? A peer that shut down its write side is
 * treated as gone too: no HTTP/1.1 client half-closes while it waits. */
static bool client_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return false;
	struct pollfd p = { .fd = ci->connect_fd, .events = POLLRDHUP };
	if (poll(&p, 1, 0) <= 0)
		return false;
	return p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL);
}

static bool shutdown_cancelled(struct server *s)
{
	pthread_mutex_lock(&s->mu);
	bool c = s->cancel_all;
	pthread_mutex_unlock(&s->mu);
	return c;
}

/* A guess for Retry-After: the queue's work spread over the workers. */
static unsigned retry_after(struct server *s)
{
	struct scheduler *sch = scorer_scheduler(s->cfg.scorer);
	pthread_mutex_lock(&s->mu);
	double per = s->sample_s_mean > 0 ? s->sample_s_mean : 0.5;
	pthread_mutex_unlock(&s->mu);
	double secs = (double)scheduler_queued(sch) * per / (double)scheduler_workers(sch);
	return secs < 1 ? 1 : secs > 60 ? 60 : (unsigned)ceil(secs);
}

static void note_sample_times(struct server *s, const struct score_report *r)
{
	uint64_t sum = 0;
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].wall_ms) {
			sum += r->v[i].wall_ms;
			n++;
		}
	if (!n)
		return;
	double mean = (double)sum / (double)n / 1000.0;
	pthread_mutex_lock(&s->mu);
	s->sample_s_mean = s->sample_s_mean > 0 ? 0.8 * s->sample_s_mean + 0.2 * mean : mean;
	pthread_mutex_unlock(&s->mu);
}

enum wait_end {
	WAIT_DONE,
	WAIT_CLIENT_GONE,
	WAIT_SHUTDOWN,
};

/* Wait for the job, watching the client and the shutdown deadline. */
static enum wait_end watch_job(struct exchange *x, struct score_job *job)
{
	enum wait_end end = WAIT_DONE;
	while (!score_wait(job, WAIT_SLICE_MS)) {
		if (end != WAIT_DONE)
			continue;
		if (client_gone(x->conn))
			end = WAIT_CLIENT_GONE;
		else if (shutdown_cancelled(x->srv))
			end = WAIT_SHUTDOWN;
		if (end != WAIT_DONE)
			score_cancel(job);
	}
	return end;
}

static enum MHD_Result finish_score(struct exchange *x, struct score_request *req, struct score_report *rep,
				    enum wait_end end)
{
	struct server *s = x->srv;
	if (end == WAIT_CLIENT_GONE) {
		x->status = METRICS_CLIENT_GONE;
		snprintf(x->error, sizeof(x->error), "the client went away; its remaining samples were cancelled");
		return MHD_NO;
	}
	if (end == WAIT_SHUTDOWN)
		return send_error(x, 503, NULL,
				  "the server is stopping: this request was cancelled before it finished; retry on another "
				  "replica",
				  (struct reply){ .retry_after = 1, .close = true });
	if (rep->executed)
		calibrate_apply(s->cfg.scorer, &req->so, req->ds, &req->set, rep, false);
	if (!req->ds)
		rep->bench = req->bench;
	struct report_context ctx = {
		.source = "request",
		.ds = req->ds,
		.set = &req->set,
		.jail = s->cfg.jail,
		.opts = &req->so,
		.include_programs = req->include_programs,
		.include_completions = req->include_programs,
	};
	return send_json(x, 200, report_json(&ctx, rep), (struct reply){ 0 });
}

static enum MHD_Result do_score(struct exchange *x)
{
	struct server *s = x->srv;
	struct score_request req;
	struct request_error rerr;
	int rc = request_parse(x->body ? x->body : "", x->body_len, s->cfg.requests, &req, &rerr);
	free(x->body); /* the request holds its own copies from here on */
	x->body = NULL;
	if (rc < 0)
		return send_error(x, rerr.status, rerr.field, rerr.message, (struct reply){ 0 });
	x->n_samples = req.set.n;
	struct score_report rep;
	struct score_job *job = NULL;
	bool busy = false;
	char err[256];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum MHD_Result res;
	if (score_start(s->cfg.scorer, &req.so, req.ds, &req.set, &rep, &job, &busy, err, sizeof(err)) < 0) {
		res = busy ? send_error(x, 503, NULL, err, (struct reply){ .retry_after = retry_after(s) })
			   : send_error(x, 500, NULL, err, (struct reply){ 0 });
		score_report_free(&rep);
		request_free(&req);
		return res;
	}
	metrics_add_in_flight(s->metrics, (long)req.set.n);
	enum wait_end end = watch_job(x, job);
	score_finish(&job);
	metrics_add_in_flight(s->metrics, -(long)req.set.n);
	if (end == WAIT_DONE) {
		metrics_count_samples(s->metrics, rep.counts);
		metrics_observe_scoring(s->metrics, ms_since(&t0) / 1000.0);
		note_sample_times(s, &rep);
	}
	res = finish_score(x, &req, &rep, end);
	score_report_free(&rep);
	request_free(&req);
	return res;
}

/* ------------------------------------------------------------- routing */

static enum route route_of(const char *url)
{
	static const struct {
		const char *path;
		enum route r;
	} routes[] = {
		{ "/score", ROUTE_SCORE },   { "/healthz", ROUTE_HEALTHZ }, { "/readyz", ROUTE_READYZ },
		{ "/v1/info", ROUTE_INFO }, { "/metrics", ROUTE_METRICS },
	};
	for (size_t i = 0; i < ARRAY_LEN(routes); i++)
		if (strcmp(url, routes[i].path) == 0)
			return routes[i].r;
	return ROUTE_NONE;
}

static bool json_content_type(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	static const char want[] = "application/json";
	if (strncasecmp(ct, want, sizeof(want) - 1) != 0)
		return false;
	char next = ct[sizeof(want) - 1];
	return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

static bool safe_request_id(const char *id)
{
	size_t n = 0;
	for (const char *c = id; *c; c++, n++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      strchr("._:-", *c)))
			return false;
	return n >= 1 && n <= 64;
}

static struct exchange *exchange_new(struct server *s, struct MHD_Connection *conn, const char *url,
				     const char *method)
{
	struct exchange *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->srv = s;
	x->conn = conn;
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	snprintf(x->method, sizeof(x->method), "%.15s", method);
	snprintf(x->path, sizeof(x->path), "%.*s", MAX_LOGGED_PATH, url);
	x->route = route_of(url);
	const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	pthread_mutex_lock(&s->mu);
	unsigned long n = ++s->next_id;
	s->active++;
	pthread_mutex_unlock(&s->mu);
	if (given && safe_request_id(given))
		snprintf(x->id, sizeof(x->id), "%s", given);
	else
		snprintf(x->id, sizeof(x->id), "%s-%06lu", s->id_prefix, n);
	return x;
}

/* POST /score before its body: the content type and the announced size
 * are checked before any byte of the body is read. */
static enum MHD_Result score_headers(struct exchange *x, bool *answered)
{
	struct server *s = x->srv;
	const char *ct = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!json_content_type(ct))
		return send_error(x, 415, NULL, "POST /score takes Content-Type: application/json", (struct reply){ 0 });
	const char *cl = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long want = 0;
	if (cl) {
		char *end = NULL;
		errno = 0;
		want = strtoull(cl, &end, 10);
		if (errno || end == cl)
			want = ULLONG_MAX;
	}
	if (want > s->cfg.max_body_bytes) {
		char msg[160];
		snprintf(msg, sizeof(msg), "the body is %llu bytes; this server accepts at most %zu (split the run)", want,
			 s->cfg.max_body_bytes);
		return send_error(x, 413, NULL, msg, (struct reply){ 0 });
	}
	/* Content-Length is only a hint: the bytes are counted as they come. */
	x->body_cap = want ? (size_t)want + 1 : 64 * 1024;
	x->body = malloc(x->body_cap);
	if (!x->body)
		return send_error(x, 500, NULL, "out of memory", (struct reply){ .close = true });
	*answered = false;
	return MHD_YES;
}

static enum MHD_Result score_upload(struct exchange *x, const char *data, size_t n)
{
	struct server *s = x->srv;
	x->bytes_in += n;
	if (x->discarding) {
		/* Past the cap without a Content-Length that said so. libmicrohttpd
		 * cannot answer in the middle of a body, so the rest is read and
		 * dropped (nothing is kept) up to twice the cap, then the
		 * connection is closed. */
		if (x->bytes_in <= 2 * s->cfg.max_body_bytes)
			return MHD_YES;
		x->status = 413;
		snprintf(x->error, sizeof(x->error), "chunked body over twice the cap of %zu bytes: connection closed",
			 s->cfg.max_body_bytes);
		return MHD_NO;
	}
	if (x->body_len + n > s->cfg.max_body_bytes) {
		free(x->body);
		x->body = NULL;
		x->body_len = x->body_cap = 0;
		x->discarding = true;
		return MHD_YES;
	}
	if (x->body_len + n + 1 > x->body_cap) {
		size_t cap = x->body_cap;
		while (cap < x->body_len + n + 1)
			cap *= 2;
		if (cap > s->cfg.max_body_bytes + 1)
			cap = s->cfg.max_body_bytes + 1;
		char *g = realloc(x->body, cap);
		if (!g)
			return MHD_NO;
		x->body = g;
		x->body_cap = cap;
	}
	memcpy(x->body + x->body_len, data, n);
	x->body_len += n;
	return MHD_YES;
}

static enum MHD_Result method_not_allowed(struct exchange *x, const char *allow)
{
	char msg[96];
	snprintf(msg, sizeof(msg), "%s is not allowed on %s (allowed: %s)", x->method, x->path, allow);
	return send_error(x, 405, NULL, msg, (struct reply){ .allow = allow });
}

/* Anything wrong with the request line and headers alone: 404, 405, 503
 * while stopping, 415 and 413 for POST /score. MHD_YES when nothing is. */
static enum MHD_Result check_headers(struct exchange *x, bool *answered)
{
	*answered = true;
	bool is_get = strcmp(x->method, "GET") == 0 || strcmp(x->method, "HEAD") == 0;
	bool is_post = strcmp(x->method, "POST") == 0;
	if (x->route == ROUTE_NONE)
		return send_error(x, 404, NULL, "no such endpoint (see GET /v1/info and docs/api.md)", (struct reply){ 0 });
	if (x->route == ROUTE_SCORE && !is_post)
		return method_not_allowed(x, "POST");
	if (x->route != ROUTE_SCORE && !is_get)
		return method_not_allowed(x, "GET, HEAD");
	if (x->route == ROUTE_SCORE) {
		struct server *s = x->srv;
		pthread_mutex_lock(&s->mu);
		bool draining = s->draining;
		pthread_mutex_unlock(&s->mu);
		if (draining)
			return send_error(x, 503, NULL, "the server is stopping; retry on another replica",
					  (struct reply){ .retry_after = 1, .close = true });
		return score_headers(x, answered);
	}
	*answered = false;
	return MHD_YES;
}

static bool has_body(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return te || (cl && strspn(cl, "0 \t") != strlen(cl));
}

/* The request (and its body, if any) has arrived. */
static enum MHD_Result dispatch(struct exchange *x)
{
	bool answered;
	if (x->discarding) {
		char msg[128];
		snprintf(msg, sizeof(msg), "the body is over this server's cap of %zu bytes (split the run)",
			 x->srv->cfg.max_body_bytes);
		return send_error(x, 413, NULL, msg, (struct reply){ .close = true });
	}
	if (!x->body) {
		/* No body was announced: the header checks run now, so a
		 * keep-alive connection stays open. */
		enum MHD_Result r = check_headers(x, &answered);
		if (answered)
			return r;
	}
	switch (x->route) {
	case ROUTE_SCORE:
		return do_score(x);
	case ROUTE_HEALTHZ:
		return do_healthz(x);
	case ROUTE_READYZ:
		return do_readyz(x);
	case ROUTE_INFO:
		return do_info(x);
	case ROUTE_METRICS:
		return do_metrics(x);
	case ROUTE_NONE:
		break;
	}
	return MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	struct server *s = cls;
	struct exchange *x = *req_cls;
	if (!x) {
		x = exchange_new(s, conn, url, method);
		if (!x)
			return MHD_NO;
		*req_cls = x;
		/* A body is coming: refuse it now if it is unwanted, before one
		 * byte of it is read (the connection then closes). */
		if (has_body(conn)) {
			bool answered;
			x->early = true;
			enum MHD_Result r = check_headers(x, &answered);
			x->early = false;
			return r;
		}
		return MHD_YES;
	}
	if (x->status) {
		/* Already answered (an early error): the rest of the body is not
		 * wanted; closing the connection is cheaper than reading it. */
		return MHD_NO;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		return score_upload(x, upload, n);
	}
	return dispatch(x);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct exchange *x = *req_cls;
	if (!x)
		return;
	*req_cls = NULL;
	if (!x->status)
		x->status = METRICS_CLIENT_GONE;
	metrics_count_request(s->metrics, route_endpoint(x->route), x->status);
	log_request(x);
	free(x->body);
	free(x);
	pthread_mutex_lock(&s->mu);
	s->active--;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->mu);
}

/* -------------------------------------------------------------- canary */

static void *canary_main(void *arg)
{
	struct server *s = arg;
	for (;;) {
		char detail[256];
		enum canary_result r = canary_run(s->cfg.scorer, detail, sizeof(detail));
		if (r == CANARY_FAILED) {
			/* One retry: readiness should follow a broken jail, not one
			 * run misjudged on a loaded host. */
			server_log(s, "canary run failed (%s); running it again", detail);
			r = canary_run(s->cfg.scorer, detail, sizeof(detail));
		}
		metrics_count_canary(s->metrics, r == CANARY_OK	    ? METRICS_CANARY_OK
						  : r == CANARY_BUSY ? METRICS_CANARY_BUSY
								     : METRICS_CANARY_FAILED);
		pthread_mutex_lock(&s->mu);
		bool was_ready = s->ready, first = s->canary_runs == 0;
		if (r != CANARY_BUSY) {
			s->ready = r == CANARY_OK;
			s->canary_runs++;
			s->canary_at = time(NULL);
			snprintf(s->canary_detail, sizeof(s->canary_detail), "%s", detail);
		}
		bool now_ready = s->ready;
		pthread_mutex_unlock(&s->mu);
		if (r == CANARY_BUSY)
			server_log(s, "canary not run: %s", detail);
		else if (first || was_ready != now_ready)
			server_log(s, "canary %s: %s; %s", now_ready ? "passed" : "FAILED", detail,
				   now_ready ? "ready" : "not ready");
		/* Wait for the next run (sooner when it could not run). */
		unsigned wait_s = r == CANARY_BUSY ? 1 : s->cfg.canary_interval_s;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_s ? wait_s : 365 * 24 * 3600;
		pthread_mutex_lock(&s->mu);
		while (!s->canary_stop)
			if (pthread_cond_timedwait(&s->changed, &s->mu, &until) == ETIMEDOUT)
				break;
		bool stop = s->canary_stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
	}
	return NULL;
}

/* ------------------------------------------------------------ lifecycle */

static int open_listener(const char *host, unsigned port, unsigned *bound, bool *v6, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t sl;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		sl = sizeof(*a4);
		*v6 = false;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*a6);
		*v6 = true;
	} else {
		snprintf(err, errlen, "'%s' is not a numeric IPv4 or IPv6 address", host);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (*v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "listening on %s port %u: %s", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "getsockname: %s", strerror(errno));
		close(fd);
		return -1;
	}
	*bound = ntohs(*v6 ? a6->sin6_port : a4->sin_port);
	return fd;
}

static int write_port_file(const char *path, unsigned port, char *err, size_t errlen)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "we");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "writing --port-file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void server_free(struct server *s)
{
	metrics_free(&s->metrics);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->changed);
	free(s);
}

int server_start(const struct server_config *c, struct server **out, char *err, size_t errlen)
{
	struct server *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->cfg = *c;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&s->changed, &ca); /* CLOCK_REALTIME deadlines */
	pthread_condattr_destroy(&ca);
	uint32_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	snprintf(s->id_prefix, sizeof(s->id_prefix), "%08x", rnd);
	if (metrics_create(&s->metrics) < 0) {
		snprintf(err, errlen, "out of memory");
		server_free(s);
		return -1;
	}
	bool v6 = false;
	int fd = open_listener(c->host, c->port, &s->port, &v6, err, errlen);
	if (fd < 0) {
		server_free(s);
		return -1;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->idle_timeout_s,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				  MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, errlen, "libmicrohttpd could not start on %s:%u", c->host, s->port);
		close(fd);
		server_free(s);
		return -1;
	}
	server_log(s, "listening on %s%s%s:%u", v6 ? "[" : "", c->host, v6 ? "]" : "", s->port);
	if (c->port_file && write_port_file(c->port_file, s->port, err, errlen) < 0) {
		MHD_stop_daemon(s->mhd);
		server_free(s);
		return -1;
	}
	int rc = pthread_create(&s->canary_thread, NULL, canary_main, s);
	if (rc != 0) {
		snprintf(err, errlen, "starting the canary thread: %s", strerror(rc));
		MHD_stop_daemon(s->mhd);
		server_free(s);
		return -1;
	}
	s->canary_started = true;
	*out = s;
	return 0;
}

unsigned server_port(const struct server *s)
{
	return s->port;
}

/* Wait until no request is active or `until` (CLOCK_REALTIME) passes. */
static bool wait_idle(struct server *s, const struct timespec *until)
{
	pthread_mutex_lock(&s->mu);
	while (s->active > 0)
		if (pthread_cond_timedwait(&s->changed, &s->mu, until) == ETIMEDOUT)
			break;
	bool idle = s->active == 0;
	pthread_mutex_unlock(&s->mu);
	return idle;
}

static struct timespec deadline_in(unsigned ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

void server_stop(struct server **sp, unsigned deadline_ms)
{
	struct server *s = *sp;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->draining = true;
	size_t active = s->active;
	pthread_mutex_unlock(&s->mu);
	/* Stop accepting: new connections are refused from here on. */
	MHD_socket lfd = MHD_quiesce_daemon(s->mhd);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	server_log(s, "stopping: %zu request(s) in flight, %u ms to finish", active, deadline_ms);
	struct timespec until = deadline_in(deadline_ms);
	if (!wait_idle(s, &until)) {
		pthread_mutex_lock(&s->mu);
		s->cancel_all = true;
		active = s->active;
		pthread_mutex_unlock(&s->mu);
		server_log(s, "deadline passed: cancelling the remaining samples of %zu request(s)", active);
		/* Running samples end within their wall limit; a connection still
		 * uploading is closed by MHD_stop_daemon below. */
		until = deadline_in(s->cfg.requests->max_wall_ms + 5000);
		wait_idle(s, &until);
	}
	pthread_mutex_lock(&s->mu);
	s->canary_stop = true;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->mu);
	if (s->canary_started)
		pthread_join(s->canary_thread, NULL);
	MHD_stop_daemon(s->mhd);
	server_log(s, "stopped");
	server_free(s);
	*sp = NULL;
}
