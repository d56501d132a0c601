/* The gate (see http_gate.h). One thread, one poll loop: the listening
 * socket, a wake-up eventfd, and every connection not yet handed on. The
 * per-address counts are shared with libmicrohttpd's thread (which reports
 * the connections it closes) under `mu`; everything else is the gate
 * thread's own. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "http/http_gate.h"
#include "http/http_head.h"
#include "http/http_server_internal.h"

/* After an answer, what the client still sends is read and dropped for this
 * long (or until it closes), so the answer reaches it before any reset. */
#define LINGER_MS 5000
/* A client that hits the fd limit: accepting pauses this long. */
#define ACCEPT_PAUSE_MS 100
/* Without SO_RCVLOWAT, a connection whose head is incomplete is looked at
 * again this much later, not on every poll. */
#define NAP_MS 50

enum conn_state {
	CONN_HEAD,   /* waiting for the request head */
	CONN_LINGER, /* answered; dropping what still comes */
};

/* One client address and the connections it holds. */
struct client {
	sa_family_t family;
	unsigned char key[16];
	unsigned held;	  /* in the gate */
	unsigned serving; /* handed to libmicrohttpd */
};

struct conn {
	int fd;
	enum conn_state state;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct timespec start;	/* accepted (CLOCK_MONOTONIC) */
	int64_t deadline_ms;	/* head deadline, then the end of the linger */
	int64_t quiet_until_ms; /* not polled before (no SO_RCVLOWAT) */
	size_t lowat;		/* bytes poll waits for */
	size_t drain_left;	/* CONN_LINGER: bytes still to read and drop */
};

struct gate {
	struct server *srv;
	int listen_fd, wake_fd;
	pthread_t thread;
	bool started;
	/* Shared with libmicrohttpd's thread. */
	pthread_mutex_t mu;
	struct client *clients;
	size_t n_clients, cap_clients;
	size_t serving, waiting;
	bool stop;
	/* The gate thread's own. */
	struct conn *conns;
	size_t n_conns, cap_conns;
	int64_t accept_paused_until_ms;
	bool said_fd_limit;
	char peek[HEAD_MAX_BYTES + 1];
	char drain[64 * 1024];
};

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t ms_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

/* ------------------------------------------------------ client addresses */

static size_t address_key(const struct sockaddr *a, unsigned char key[16])
{
	if (a->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)a)->sin6_addr, 16);
		return 16;
	}
	memcpy(key, &((const struct sockaddr_in *)a)->sin_addr, 4);
	return 4;
}

/* The entry of `a`, created when `create`; NULL when absent or out of
 * memory. Called with mu held. */
static struct client *client_of(struct gate *g, const struct sockaddr *a, bool create)
{
	unsigned char key[16] = { 0 };
	size_t n = address_key(a, key);
	for (size_t i = 0; i < g->n_clients; i++)
		if (g->clients[i].family == a->sa_family && memcmp(g->clients[i].key, key, n) == 0)
			return &g->clients[i];
	if (!create)
		return NULL;
	if (g->n_clients == g->cap_clients) {
		size_t cap = g->cap_clients ? 2 * g->cap_clients : 64;
		struct client *c = realloc(g->clients, cap * sizeof(*c));
		if (!c)
			return NULL;
		g->clients = c;
		g->cap_clients = cap;
	}
	struct client *c = &g->clients[g->n_clients++];
	*c = (struct client){ .family = a->sa_family };
	memcpy(c->key, key, n);
	return c;
}

/* Forget an address that holds nothing. Called with mu held. */
static void client_tidy(struct gate *g, struct client *c)
{
	if (c->held || c->serving)
		return;
	*c = g->clients[--g->n_clients];
}

/* ---------------------------------------------------------- connections */

static void set_lowat(struct conn *c, size_t want)
{
	int v = (int)want;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)) == 0)
		c->lowat = want;
	else
		c->quiet_until_ms = now_ms() + NAP_MS;
}

/* The connection leaves the gate (closed, or handed on when keep_fd). */
static void conn_remove(struct gate *g, struct conn *c, bool keep_fd)
{
	if (!keep_fd)
		close(c->fd);
	pthread_mutex_lock(&g->mu);
	struct client *cl = client_of(g, (struct sockaddr *)&c->addr, false);
	if (cl) {
		cl->held--;
		if (keep_fd) {
			cl->serving++;
			g->serving++;
		}
		client_tidy(g, cl);
	}
	if (c->state == CONN_HEAD)
		g->waiting--;
	pthread_mutex_unlock(&g->mu);
	c->fd = -1;
}

static void answer(struct gate *g, struct conn *c, const struct http_head *h, int status, const char *why,
		   unsigned retry_after)
{
	struct server *s = g->srv;
	struct exchange x = { .srv = s, .start = c->start, .status = status };
	snprintf(x.error, sizeof(x.error), "%s", why);
	struct span method = h && h->method.n ? h->method : (struct span){ "-", 1 };
	struct span target = h && h->target.n ? h->target : (struct span){ "-", 1 };
	snprintf(x.method, sizeof(x.method), "%.*s", (int)(method.n < 15 ? method.n : 15), method.p);
	snprintf(x.path, sizeof(x.path), "%.*s", (int)(target.n < MAX_LOGGED_PATH ? target.n : MAX_LOGGED_PATH),
		 target.p);
	x.route = h && h->target.n ? route_of(h->target.p, h->target.n) : ROUTE_NONE;
	request_id_make(s, h ? h->request_id.p : NULL, h ? h->request_id.n : 0, x.id, sizeof(x.id));

	char *body = NULL;
	cJSON *o = cJSON_CreateObject();
	if (o && cJSON_AddStringToObject(o, "error", why) && cJSON_AddNullToObject(o, "field") &&
	    cJSON_AddStringToObject(o, "request_id", x.id))
		body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	size_t blen = body ? strlen(body) : 0;
	char head[512], ra[40] = "";
	if (retry_after)
		snprintf(ra, sizeof(ra), "Retry-After: %u\r\n", retry_after);
	const char *reason = MHD_get_reason_phrase_for((unsigned)status);
	int hn = snprintf(
		head, sizeof(head),
		"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nX-Request-Id: %s\r\n"
		"Cache-Control: no-store\r\nConnection: close\r\n%s\r\n",
		status, reason, blen, x.id, ra);
	bool head_only = h && h->method.n == 4 && memcmp(h->method.p, "HEAD", 4) == 0;
	struct iovec iov[2] = { { head, (size_t)hn }, { body, head_only ? 0 : blen } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	/* A fresh connection's send buffer holds far more than this: one call
	 * sends it all, or the client is gone. */
	if (sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		x.status = METRICS_CLIENT_GONE;
	free(body);
	shutdown(c->fd, SHUT_WR);
	log_request(&x);
	metrics_count_request(s->metrics, route_endpoint(x.route), x.status);

	pthread_mutex_lock(&g->mu);
	if (c->state == CONN_HEAD)
		g->waiting--;
	pthread_mutex_unlock(&g->mu);
	c->state = CONN_LINGER;
	c->deadline_ms = now_ms() + LINGER_MS;
	size_t most = s->cfg.max_body_bytes + HEAD_MAX_BYTES;
	c->drain_left = h && h->has_length && h->content_length < most ? h->length + h->content_length : most;
	set_lowat(c, 1);
	c->quiet_until_ms = 0;
}

/* A complete head: on to libmicrohttpd, or 503 over a cap. */
static void decide(struct gate *g, struct conn *c, const struct http_head *h)
{
	const struct server_config *cfg = &g->srv->cfg;
	enum route r = route_of(h->target.p, h->target.n);
	bool cheap = route_is_cheap(r, h->method.p, h->method.n);
	char why[200] = "";
	pthread_mutex_lock(&g->mu);
	struct client *cl = client_of(g, (struct sockaddr *)&c->addr, false);
	if (cheap ? g->serving >= cfg->max_connections + GATE_GET_RESERVE : g->serving >= cfg->max_connections)
		snprintf(why, sizeof(why),
			 "the server is serving its maximum of %u connections: retry after Retry-After",
			 cfg->max_connections);
	else if (!cheap && cfg->max_per_client && cl && cl->serving >= cfg->max_per_client)
		snprintf(
			why, sizeof(why),
			"this client address already has %u requests in progress (the server's cap per address): retry "
			"after Retry-After",
			cfg->max_per_client);
	pthread_mutex_unlock(&g->mu);
	if (why[0]) {
		answer(g, c, h, 503, why, 1);
		return;
	}
	set_lowat(c, 1);
	int fd = c->fd;
	struct sockaddr_storage addr = c->addr;
	socklen_t addrlen = c->addrlen;
	conn_remove(g, c, true);
	/* libmicrohttpd reads the head the gate only peeked at. */
	if (MHD_add_connection(g->srv->mhd, fd, (struct sockaddr *)&addr, addrlen) != MHD_YES) {
		int e = errno;
		gate_released(g, (struct sockaddr *)&addr); /* it closed fd */
		server_log(g->srv, "libmicrohttpd refused a connection: %s", strerror(e));
	}
}

static void on_head_bytes(struct gate *g, struct conn *c, short revents)
{
	ssize_t n = recv(c->fd, g->peek, sizeof(g->peek), MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone before a head: a port check, a scanner, a client that
		 * gave up. Nothing to answer, nothing to log. */
		conn_remove(g, c, false);
		return;
	}
	struct http_head h;
	switch (head_parse(g->peek, (size_t)n, &h)) {
	case HEAD_OK:
		decide(g, c, &h);
		return;
	case HEAD_BAD:
		answer(g, c, &h, h.status, h.why, 0);
		return;
	case HEAD_INCOMPLETE:
		break;
	}
	if (revents & (POLLRDHUP | POLLHUP | POLLERR)) {
		conn_remove(g, c, false); /* half a head, then the client closed */
		return;
	}
	/* Wake when more than what is already here has come. */
	set_lowat(c, (size_t)n + 1);
}

static void on_linger_bytes(struct gate *g, struct conn *c)
{
	size_t want = c->drain_left < sizeof(g->drain) ? c->drain_left : sizeof(g->drain);
	ssize_t n = recv(c->fd, g->drain, want, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (c->drain_left -= (size_t)n) == 0)
		conn_remove(g, c, false);
}

static void on_deadline(struct gate *g, struct conn *c)
{
	if (c->state == CONN_LINGER) {
		conn_remove(g, c, false);
		return;
	}
	/* What did come names the request in the log, when it can. */
	struct http_head h;
	ssize_t n = recv(c->fd, g->peek, sizeof(g->peek), MSG_PEEK | MSG_DONTWAIT);
	bool named = n > 0 && head_parse(g->peek, (size_t)n, &h) != HEAD_BAD && h.method.n;
	char why[160];
	snprintf(why, sizeof(why), "the request head did not arrive within %u s of connecting",
		 g->srv->cfg.header_timeout_s);
	answer(g, c, named ? &h : NULL, 408, why, 0);
}

static void accept_some(struct gate *g)
{
	const struct server_config *cfg = &g->srv->cfg;
	for (int k = 0; k < 64 && g->n_conns < g->cap_conns; k++) {
		struct sockaddr_storage addr;
		socklen_t addrlen = sizeof(addr);
		int fd = accept4(g->listen_fd, (struct sockaddr *)&addr, &addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* The connection waits in the backlog meanwhile. */
				g->accept_paused_until_ms = now_ms() + ACCEPT_PAUSE_MS;
				if (!g->said_fd_limit)
					server_log(g->srv, "accept: %s; pausing new connections briefly",
						   strerror(errno));
				g->said_fd_limit = true;
			}
			return;
		}
		pthread_mutex_lock(&g->mu);
		struct client *cl = client_of(g, (struct sockaddr *)&addr, true);
		bool crowded = cl && cfg->max_per_client && cl->held >= cfg->max_per_client;
		if (cl) {
			cl->held++;
			g->waiting++;
		}
		pthread_mutex_unlock(&g->mu);
		if (!cl) {
			close(fd);
			continue;
		}
		struct conn *c = &g->conns[g->n_conns++];
		*c = (struct conn){ .fd = fd, .state = CONN_HEAD, .addr = addr, .addrlen = addrlen, .lowat = 1 };
		clock_gettime(CLOCK_MONOTONIC, &c->start);
		c->deadline_ms = ms_of(&c->start) + (int64_t)cfg->header_timeout_s * 1000;
		if (crowded) {
			char why[200];
			snprintf(why, sizeof(why),
				 "this client address holds %u connections that have not sent their request yet (the "
				 "server's cap per address): retry after Retry-After",
				 cfg->max_per_client);
			answer(g, c, NULL, 503, why, 1);
		}
	}
}

/* --------------------------------------------------------------- the loop */

static void *gate_main(void *arg)
{
	struct gate *g = arg;
	struct pollfd *pfd = calloc(g->cap_conns + 2, sizeof(*pfd));
	if (!pfd) {
		server_log(g->srv, "the gate is out of memory: no connection is accepted");
		return NULL;
	}
	for (;;) {
		int64_t now = now_ms(), next = -1;
		pfd[0] = (struct pollfd){ .fd = g->wake_fd, .events = POLLIN };
		bool accepting = g->n_conns < g->cap_conns && now >= g->accept_paused_until_ms;
		pfd[1] = (struct pollfd){ .fd = accepting ? g->listen_fd : -1, .events = POLLIN };
		if (!accepting && g->accept_paused_until_ms > now)
			next = g->accept_paused_until_ms;
		for (size_t i = 0; i < g->n_conns; i++) {
			struct conn *c = &g->conns[i];
			bool napping = c->quiet_until_ms > now;
			pfd[2 + i] = (struct pollfd){ .fd = napping ? -1 : c->fd, .events = POLLIN | POLLRDHUP };
			int64_t wake =
				napping && c->quiet_until_ms < c->deadline_ms ? c->quiet_until_ms : c->deadline_ms;
			if (next < 0 || wake < next)
				next = wake;
		}
		int timeout = next < 0 ? -1 : next <= now ? 0 : (int)(next - now);
		int rc = poll(pfd, 2 + g->n_conns, timeout);
		if (rc < 0 && errno != EINTR) {
			server_log(g->srv, "gate: poll: %s", strerror(errno));
			usleep(10000);
			continue;
		}
		if (rc > 0 && (pfd[0].revents & POLLIN)) {
			uint64_t v;
			if (read(g->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				server_log(g->srv, "gate: eventfd: %s", strerror(errno));
			pthread_mutex_lock(&g->mu);
			bool stop = g->stop;
			pthread_mutex_unlock(&g->mu);
			if (stop)
				break;
		}
		now = now_ms();
		size_t polled = g->n_conns;
		for (size_t i = 0; i < polled; i++) {
			struct conn *c = &g->conns[i];
			short ev = rc > 0 ? pfd[2 + i].revents : 0;
			if (ev && c->fd >= 0)
				c->state == CONN_HEAD ? on_head_bytes(g, c, ev) : on_linger_bytes(g, c);
			if (c->fd >= 0 && now >= c->deadline_ms)
				on_deadline(g, c);
		}
		size_t kept = 0;
		for (size_t i = 0; i < g->n_conns; i++)
			if (g->conns[i].fd >= 0)
				g->conns[kept++] = g->conns[i];
		g->n_conns = kept;
		if (rc > 0 && (pfd[1].revents & POLLIN))
			accept_some(g);
	}
	free(pfd);
	for (size_t i = 0; i < g->n_conns; i++)
		conn_remove(g, &g->conns[i], false);
	g->n_conns = 0;
	return NULL;
}

/* ---------------------------------------------------------- lifecycle */

/* How many connections the gate holds at once: room for a burst of
 * refusals besides the requests served, within the process's fd limit. */
static size_t gate_capacity(unsigned max_connections)
{
	size_t cap = 4 * (size_t)max_connections + 64;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		size_t room = rl.rlim_cur > 2 * (size_t)max_connections + 64
				      ? (size_t)rl.rlim_cur - 2 * max_connections - 64
				      : 16;
		if (cap > room)
			cap = room;
	}
	return cap;
}

int gate_start(struct server *s, int listen_fd, struct gate **out, char *err, size_t errlen)
{
	struct gate *g = calloc(1, sizeof(*g));
	if (!g) {
		close(listen_fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->srv = s;
	g->listen_fd = listen_fd;
	g->cap_conns = gate_capacity(s->cfg.max_connections);
	g->conns = calloc(g->cap_conns, sizeof(*g->conns));
	g->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&g->mu, NULL);
	int rc = g->conns && g->wake_fd >= 0 ? pthread_create(&g->thread, NULL, gate_main, g) : ENOMEM;
	if (rc != 0) {
		snprintf(err, errlen, "starting the gate thread: %s", strerror(rc));
		close(listen_fd);
		g->listen_fd = -1;
		gate_free(&g);
		return -1;
	}
	g->started = true;
	*out = g;
	return 0;
}

void gate_stop(struct gate *g)
{
	if (!g || !g->started)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_mutex_unlock(&g->mu);
	uint64_t one = 1;
	if (write(g->wake_fd, &one, sizeof(one)) < 0)
		server_log(g->srv, "gate: waking its thread: %s", strerror(errno));
	pthread_join(g->thread, NULL);
	g->started = false;
	close(g->listen_fd);
	g->listen_fd = -1;
}

void gate_free(struct gate **gp)
{
	struct gate *g = *gp;
	if (!g)
		return;
	gate_stop(g);
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	if (g->wake_fd >= 0)
		close(g->wake_fd);
	pthread_mutex_destroy(&g->mu);
	free(g->clients);
	free(g->conns);
	free(g);
	*gp = NULL;
}

void gate_released(struct gate *g, const struct sockaddr *addr)
{
	pthread_mutex_lock(&g->mu);
	struct client *cl = client_of(g, addr, false);
	if (cl && cl->serving) {
		cl->serving--;
		client_tidy(g, cl);
	}
	if (g->serving)
		g->serving--;
	pthread_mutex_unlock(&g->mu);
}

void gate_counts(struct gate *g, size_t *waiting, size_t *serving)
{
	pthread_mutex_lock(&g->mu);
	*waiting = g->waiting;
	*serving = g->serving;
	pthread_mutex_unlock(&g->mu);
}
