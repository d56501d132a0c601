/* The gate: the server's own accept loop in front of libmicrohttpd.
 *
 * libmicrohttpd 0.9.75 cannot do what a server facing hostile clients must:
 * it has no deadline for a request head (a client sending a byte now and
 * then holds its thread forever), refuses at its connection cap by closing
 * (a reset, not a 503), and answers protocol errors as it likes (HTML, twice
 * the status line). So one thread accepts every connection and holds it,
 * without reading, until its request head has arrived (peeking at the bytes
 * with MSG_PEEK, woken by SO_RCVLOWAT only when more come). Then:
 *
 * - a head that fails head_parse (http_head.h), or that is not complete
 *   within the head deadline, is answered here: JSON, one status line;
 * - over the caps (requests at once; requests of one client address) the
 *   answer is 503 with Retry-After; the GET endpoints (probes, info,
 *   metrics) have a reserve of connections of their own;
 * - otherwise the connection, its unread head included, goes to
 *   libmicrohttpd (MHD_add_connection), which reads it as if it had accepted
 *   it. Every answer closes its connection, so every request passes here.
 *
 * An address holding more connections in the gate than its cap gets the
 * 503 at once, before its head arrives. After an answer the gate reads and
 * drops what the client still sends for a while, so the answer is not lost
 * to a reset. */
#ifndef VERDICT_HTTP_GATE_H
#define VERDICT_HTTP_GATE_H

#include <stddef.h>
#include <sys/socket.h>

struct server;
struct gate;

/* GET endpoints may use this many connections past --max-connections. */
#define GATE_GET_RESERVE 8

/* Start the gate thread on `listen_fd` (which it takes). Returns 0, or -1
 * with a message (the fd is closed). */
int gate_start(struct server *s, int listen_fd, struct gate **out, char *err, size_t errlen);

/* Stop accepting (the listening socket is closed: new connections are
 * refused), close the connections still in the gate, and join its thread.
 * The gate's counts stay valid for gate_released until gate_free. */
void gate_stop(struct gate *g);
void gate_free(struct gate **g);

/* libmicrohttpd closed a connection the gate handed it. */
void gate_released(struct gate *g, const struct sockaddr *addr);

/* Connections waiting in the gate for their head, and handed on. */
void gate_counts(struct gate *g, size_t *waiting, size_t *serving);

#endif
