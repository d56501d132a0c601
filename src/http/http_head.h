/* The head of an HTTP/1.x request (request line and header fields), checked
 * strictly before libmicrohttpd reads it.
 *
 * libmicrohttpd 0.9.75 is lenient where leniency is ambiguous (the first of
 * two Content-Length headers wins; a NUL in a header value or in the path
 * silently ends it; bare LF, folded lines and spaces before a colon are
 * taken), answers some errors with HTML, and for a malformed Content-Length
 * sends its status line and headers twice (its error path sets the state to
 * "sending headers" and the caller then overwrites it with "headers
 * processed", so the reply header is built a second time: connection.c,
 * MHD_connection_handle_idle, case MHD_CONNECTION_HEADERS_RECEIVED). A head
 * that passes head_parse gives it none of these: RFC 9112's syntax with no
 * leniency, one Host on HTTP/1.1, at most one Content-Length of plain
 * digits, no Transfer-Encoding (a body must come with its length), and no
 * byte a C string would cut. */
#ifndef VERDICT_HTTP_HEAD_H
#define VERDICT_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json_span.h"

#define HEAD_MAX_BYTES	(16 * 1024) /* the whole head, through its blank line */
#define HEAD_MAX_LINE	(8 * 1024)  /* the request line */
#define HEAD_MAX_FIELDS 100

enum head_result {
	HEAD_INCOMPLETE, /* no error so far; the blank line has not arrived */
	HEAD_OK,
	HEAD_BAD, /* status and why say what is wrong */
};

struct http_head {
	struct span method, target, request_id; /* request_id: X-Request-Id, or empty */
	int minor;				/* HTTP/1.<minor> */
	size_t length;				/* bytes of the head, blank line included */
	bool has_length;
	uint64_t content_length;
	int status;    /* HEAD_BAD: 400, 411, 414, 431 or 505 */
	char why[200]; /* HEAD_BAD: a sentence for the client */
};

/* Check buf[0..n), the first bytes a client sent. Errors are found as soon
 * as the line holding them is complete. */
enum head_result head_parse(const char *buf, size_t n, struct http_head *h);

#endif
