/* The server's log lines (see http_server_internal.h): one per request,
 * written when it completes, and one per event, as text or JSON lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "http/http_server_internal.h"

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

double ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1000.0 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

void log_request(const struct exchange *x)
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

void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	server_log(cls, "libmicrohttpd: %s", msg);
}
