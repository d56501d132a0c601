/* POST /score (see http_server_internal.h). It runs in the connection's
 * own thread: the headers are checked before the body is read, the body is
 * parsed into a validated request, the samples are queued as one scheduler
 * batch (the scheduler serves batches round-robin, so a big request does
 * not starve a small one), then the handler waits in slices of 200 ms,
 * cancelling the batch when the client hangs up or the shutdown deadline
 * passes. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "http/http_metrics.h"
#include "http/http_server_internal.h"
#include "report/report.h"
#include "score/calibrate.h"
#include "score/scheduler.h"

#define WAIT_SLICE_MS 200

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
		return send_error(
			x, 503, NULL,
			"the server is stopping: this request was cancelled before it finished; retry on another "
			"replica",
			(struct reply){ .retry_after = 1 });
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

enum MHD_Result do_score(struct exchange *x)
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

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* libmicrohttpd closes a connection idle this long: a stalled body is cut
 * at its deadline, not only at the idle timeout. */
static void arm_body_deadline(struct exchange *x)
{
	int64_t left = x->body_deadline_ms - now_ms();
	unsigned secs = left <= 1000 ? 1 : (unsigned)((left + 999) / 1000);
	if (secs < x->srv->cfg.idle_timeout_s)
		MHD_set_connection_option(x->conn, MHD_CONNECTION_OPTION_TIMEOUT, secs);
}

/* POST /score before its body: the content type and the announced size
 * are checked before any byte of the body is read. The gate (http_gate.h)
 * let through only a Content-Length of plain digits, and no chunked body. */
enum MHD_Result score_headers(struct exchange *x, bool *answered)
{
	struct server *s = x->srv;
	const char *ct = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!json_content_type(ct))
		return send_error(x, 415, NULL, "POST /score takes Content-Type: application/json",
				  (struct reply){ 0 });
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
		snprintf(msg, sizeof(msg), "the body is %llu bytes; this server accepts at most %zu (split the run)",
			 want, s->cfg.max_body_bytes);
		return send_error(x, 413, NULL, msg, (struct reply){ 0 });
	}
	/* A slow body holds a connection: it must come at the minimum rate,
	 * after the same grace a head gets. */
	double secs =
		s->cfg.header_timeout_s + (s->cfg.min_body_rate ? (double)want / (double)s->cfg.min_body_rate : 0);
	x->body_deadline_ms = now_ms() + (int64_t)(secs * 1000);
	x->body_cap = (size_t)want + 1;
	x->body = malloc(x->body_cap);
	if (!x->body)
		return send_error(x, 500, NULL, "out of memory", (struct reply){ 0 });
	arm_body_deadline(x);
	*answered = false;
	return MHD_YES;
}

enum MHD_Result score_upload(struct exchange *x, const char *data, size_t n)
{
	x->bytes_in += n;
	if (now_ms() > x->body_deadline_ms) {
		/* libmicrohttpd cannot answer in the middle of a body: the
		 * connection is closed, and the log says why. */
		x->status = 408;
		snprintf(x->error, sizeof(x->error),
			 "the body came slower than the minimum rate of %zu bytes/s: connection closed after %zu bytes",
			 x->srv->cfg.min_body_rate, x->bytes_in);
		return MHD_NO;
	}
	/* libmicrohttpd passes no more than the Content-Length announced. */
	if (x->body_len + n >= x->body_cap)
		return MHD_NO;
	memcpy(x->body + x->body_len, data, n);
	x->body_len += n;
	arm_body_deadline(x);
	return MHD_YES;
}
