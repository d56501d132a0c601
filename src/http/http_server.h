/* The HTTP front end of the scoring call, on libmicrohttpd (one thread per
 * connection, so a handler can wait for its samples while watching its
 * client's socket) behind a gate of its own that accepts the connections,
 * checks each request head strictly and enforces the deadlines and caps
 * (http_gate.h). Endpoints: POST /score, GET /healthz, /readyz, /v1/info,
 * /metrics (docs/api.md). The server never exits the process: every failure
 * after start-up is an HTTP answer or a log line. */
#ifndef VERDICT_HTTP_SERVER_H
#define VERDICT_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http_request.h"
#include "jail.h"
#include "score/score.h"

/* Read-only once the server starts; everything borrowed outlives it. */
struct server_config {
	const char *host;	   /* numeric IPv4 or IPv6 address to listen on */
	unsigned port;		   /* 0: any free port (see server_port) */
	const char *port_file;	   /* write the port there once listening; NULL: don't */
	size_t max_body_bytes;	   /* 413 past it, checked before the body is read */
	unsigned max_connections;  /* requests served at once; 503 past it (GET endpoints have a reserve) */
	unsigned max_per_client;   /* requests of one client address at once; 503 past it (0: no cap) */
	unsigned header_timeout_s; /* the request head must arrive this soon after connecting; 408 after */
	size_t min_body_rate;	   /* bytes/s: a body of L bytes must arrive within header_timeout_s + L/rate */
	unsigned idle_timeout_s;   /* close a connection whose body stalls this long */
	unsigned canary_interval_s; /* re-run the readiness canary this often; 0: start-up only */
	bool log_json;		   /* JSON lines on stderr instead of text */
	struct scorer *scorer;
	const struct jail_config *jail;	       /* for /v1/info and the reports */
	const struct request_config *requests; /* limits, caps, datasets */
	size_t queue_bound;		       /* the scheduler's bound, for /metrics and /v1/info */
};

struct server;

/* Bind, start serving and start the canary. Logs the "listening on
 * HOST:PORT" line first. Returns 0, or -1 with a message. */
int server_start(const struct server_config *c, struct server **out, char *err, size_t errlen);

/* The port actually bound. */
unsigned server_port(const struct server *s);

/* Graceful stop: refuse new connections, give the requests in flight up to
 * deadline_ms to finish, then cancel their remaining samples (those requests
 * get 503), wait for the running samples, and free *s. */
void server_stop(struct server **s, unsigned deadline_ms);

/* One log line on stderr ("time verdict: message", or a JSON object). */
void server_log(const struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
