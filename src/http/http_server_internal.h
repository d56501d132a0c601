/* What the files of the HTTP server share; not an interface (that is
 * http_server.h). The server is one struct server, built at start-up; each
 * request is one struct exchange (see http_server.c). The files, by what
 * they own: http_server.c the access handler and the server's lifecycle,
 * http_gate.c the accept loop in front of libmicrohttpd (http_head.c checks
 * request heads), http_route.c endpoints and request ids, http_log.c the log
 * lines, http_reply.c the answers, http_endpoints.c the GET endpoints,
 * http_score.c POST /score. */
#ifndef VERDICT_HTTP_SERVER_INTERNAL_H
#define VERDICT_HTTP_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "http/http_metrics.h"
#include "http/http_server.h"

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
	struct gate *gate;
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
	bool trim_wanted;     /* a large request finished: malloc_trim when its connection closes */

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
	int64_t body_deadline_ms; /* CLOCK_MONOTONIC: the body must have arrived by then */
	int status;		  /* answered with; 0 while none */
	size_t n_samples;
	char error[160]; /* the error sent, for the log line */
};

struct reply {
	int status;
	char *body; /* malloc'd; handed to libmicrohttpd */
	size_t len;
	const char *content_type;
	const char *allow;    /* Allow header (405) */
	unsigned retry_after; /* seconds; 0: no header */
};

/* http_route.c: the endpoint a path names (the query ignored, nothing
 * decoded), its metrics label, whether it is a GET endpoint that answers at
 * once, and the id of a request (the client's X-Request-Id when it is safe
 * to echo, 1 to 64 of [A-Za-z0-9._:-], else PREFIX-NUMBER). */
enum route route_of(const char *path, size_t n);
enum metrics_endpoint route_endpoint(enum route r);
bool route_is_cheap(enum route r, const char *method, size_t n);
void request_id_make(struct server *s, const char *given, size_t n, char *out, size_t cap);

/* http_log.c: one line per request and per event on stderr. */
double ms_since(const struct timespec *t);
void log_request(const struct exchange *x);
void mhd_logger(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* http_reply.c: queue an answer on the exchange's connection. */
enum MHD_Result send_reply(struct exchange *x, struct reply *r);
/* Takes `o` (NULL: out of memory, answered 500). */
enum MHD_Result send_json(struct exchange *x, int status, cJSON *o, struct reply extra);
/* {"error": message, "field": field or null, "request_id": id} */
enum MHD_Result send_error(struct exchange *x, int status, const char *field, const char *message, struct reply extra);

/* http_endpoints.c: GET /healthz, /readyz, /v1/info, /metrics. */
enum MHD_Result do_healthz(struct exchange *x);
enum MHD_Result do_readyz(struct exchange *x);
enum MHD_Result do_info(struct exchange *x);
enum MHD_Result do_metrics(struct exchange *x);

/* http_score.c: POST /score. score_headers checks the headers before any
 * byte of the body is read (sets *answered when it answered), score_upload
 * takes the body as it arrives, do_score parses, scores and answers. */
enum MHD_Result score_headers(struct exchange *x, bool *answered);
enum MHD_Result score_upload(struct exchange *x, const char *data, size_t n);
enum MHD_Result do_score(struct exchange *x);

#endif
