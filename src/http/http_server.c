/* The HTTP server (see http_server.h): the access handler and the server's
 * lifecycle.
 *
 * Each request is one struct exchange, created on the first call of the
 * access handler, stored in libmicrohttpd's req_cls and freed in the
 * completion callback, which also writes the request's log line and
 * metrics. The endpoints are in http_endpoints.c and http_score.c, the
 * answers in http_reply.c, the log lines in http_log.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cleanup.h"
#include "http/http_canary.h"
#include "http/http_gate.h"
#include "http/http_metrics.h"
#include "http/http_server_internal.h"

/* After a request whose body was this large, the heaps are trimmed. */
#define TRIM_AFTER_BYTES (1 << 20)

static struct exchange *exchange_new(struct server *s, struct MHD_Connection *conn, const char *url, const char *method)
{
	struct exchange *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->srv = s;
	x->conn = conn;
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	snprintf(x->method, sizeof(x->method), "%.15s", method);
	snprintf(x->path, sizeof(x->path), "%.*s", MAX_LOGGED_PATH, url);
	x->route = route_of(url, strlen(url));
	const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	request_id_make(s, given, given ? strlen(given) : 0, x->id, sizeof(x->id));
	pthread_mutex_lock(&s->mu);
	s->active++;
	pthread_mutex_unlock(&s->mu);
	return x;
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
		return send_error(x, 404, NULL, "no such endpoint (see GET /v1/info and docs/api.md)",
				  (struct reply){ 0 });
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
					  (struct reply){ .retry_after = 1 });
		return score_headers(x, answered);
	}
	*answered = false;
	return MHD_YES;
}

static bool has_body(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	return cl && strspn(cl, "0") != strlen(cl);
}

/* The request (and its body, if any) has arrived. */
static enum MHD_Result dispatch(struct exchange *x)
{
	bool answered;
	if (!x->body) {
		/* No body was announced: the header checks run now. */
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
			return check_headers(x, &answered);
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
		/* Only POST /score keeps its body; a GET's is read and dropped. */
		return x->route == ROUTE_SCORE && x->body ? score_upload(x, upload, n) : MHD_YES;
	}
	return dispatch(x);
}

/* Tell the gate, once, that a connection it handed on is done: when its
 * request completes, or when it closes (without a flag, out of memory,
 * only then). */
static void release_connection(struct server *s, struct MHD_Connection *conn, bool closing)
{
	const union MHD_ConnectionInfo *ctx = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	bool *released = ctx ? ctx->socket_context : NULL;
	if (released ? *released : !closing)
		return;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && s->gate)
		gate_released(s->gate, ci->client_addr);
	if (released)
		*released = true;
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
	/* The connection's one request is over: its place under the caps is
	 * free now, not when libmicrohttpd's thread gets round to closing it. */
	release_connection(s, conn, false);
	bool large = x->bytes_in >= TRIM_AFTER_BYTES;
	free(x->body);
	free(x);
	pthread_mutex_lock(&s->mu);
	if (large)
		s->trim_wanted = true;
	s->active--;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->mu);
}

/* libmicrohttpd opened or closed a connection the gate handed it. Each
 * carries a flag: has the gate been told the connection is done? */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(bool));
		return;
	}
	release_connection(s, conn, true);
	free(*socket_context);
	*socket_context = NULL;
	/* The connection's memory pool and answer are freed by now: after a
	 * large request, give what the heaps keep back to the system (each
	 * connection thread may have used an arena of its own). */
	pthread_mutex_lock(&s->mu);
	bool trim = s->trim_wanted;
	s->trim_wanted = false;
	pthread_mutex_unlock(&s->mu);
	if (trim)
		malloc_trim(0);
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
	gate_free(&s->gate);
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
	/* Blocks of 1 MiB or more (request bodies, long texts, decoded tests)
	 * are mapped on their own and unmapped when freed, instead of glibc's
	 * threshold rising to 32 MiB and keeping them in the heap. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
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
	/* The gate accepts the connections (http_gate.h); libmicrohttpd gets
	 * them with MHD_add_connection, hence no listening socket of its own
	 * and the inter-thread channel that wakes it for each one. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | (v6 ? MHD_USE_IPv6 : 0);
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
				  MHD_OPTION_CONNECTION_LIMIT, c->max_connections + GATE_GET_RESERVE + 8,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->idle_timeout_s,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				  MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				  MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, errlen, "libmicrohttpd could not start on %s:%u", c->host, s->port);
		close(fd);
		server_free(s);
		return -1;
	}
	if (gate_start(s, fd, &s->gate, err, errlen) < 0) {
		MHD_stop_daemon(s->mhd);
		server_free(s);
		return -1;
	}
	server_log(s, "listening on %s%s%s:%u", v6 ? "[" : "", c->host, v6 ? "]" : "", s->port);
	if (c->port_file && write_port_file(c->port_file, s->port, err, errlen) < 0) {
		gate_stop(s->gate);
		MHD_stop_daemon(s->mhd);
		server_free(s);
		return -1;
	}
	int rc = pthread_create(&s->canary_thread, NULL, canary_main, s);
	if (rc != 0) {
		snprintf(err, errlen, "starting the canary thread: %s", strerror(rc));
		gate_stop(s->gate);
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
	gate_stop(s->gate);
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
