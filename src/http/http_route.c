/* What a request is, from its head alone: the endpoint its path names and
 * the id it is logged and answered with (see http_server_internal.h). Used
 * by the gate, which answers before libmicrohttpd sees a request, and by the
 * access handler. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "http/http_server_internal.h"

enum route route_of(const char *path, size_t n)
{
	static const struct {
		const char *path;
		enum route r;
	} routes[] = {
		{ "/score", ROUTE_SCORE },  { "/healthz", ROUTE_HEALTHZ }, { "/readyz", ROUTE_READYZ },
		{ "/v1/info", ROUTE_INFO }, { "/metrics", ROUTE_METRICS },
	};
	const char *q = memchr(path, '?', n);
	if (q)
		n = (size_t)(q - path);
	for (size_t i = 0; i < ARRAY_LEN(routes); i++)
		if (strlen(routes[i].path) == n && memcmp(path, routes[i].path, n) == 0)
			return routes[i].r;
	return ROUTE_NONE;
}

enum metrics_endpoint route_endpoint(enum route r)
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

bool route_is_cheap(enum route r, const char *method, size_t n)
{
	bool get = (n == 3 && memcmp(method, "GET", 3) == 0) || (n == 4 && memcmp(method, "HEAD", 4) == 0);
	return get && r != ROUTE_SCORE && r != ROUTE_NONE;
}

static bool safe_request_id(const char *id, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._:-", c)) ||
		    !c)
			return false;
	}
	return n >= 1 && n <= 64;
}

void request_id_make(struct server *s, const char *given, size_t n, char *out, size_t cap)
{
	pthread_mutex_lock(&s->mu);
	unsigned long k = ++s->next_id;
	pthread_mutex_unlock(&s->mu);
	if (given && safe_request_id(given, n))
		snprintf(out, cap, "%.*s", (int)n, given);
	else
		snprintf(out, cap, "%s-%06lu", s->id_prefix, k);
}
