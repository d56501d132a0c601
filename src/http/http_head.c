/* Strict request heads (see http_head.h); RFC 9112 sections 2 to 6. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http_head.h"

static enum head_result bad(struct http_head *h, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum head_result bad(struct http_head *h, int status, const char *fmt, ...)
{
	h->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->why, sizeof(h->why), fmt, ap);
	va_end(ap);
	return HEAD_BAD;
}

/* RFC 9110 token characters. */
static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool span_is(struct span s, const char *word)
{
	return s.n == strlen(word) && strncasecmp(s.p, word, s.n) == 0;
}

/* A printable name for a header in a message: bounded, ASCII only. */
static const char *shown(struct span s, char *buf, size_t n)
{
	size_t k = 0;
	for (; k < s.n && k + 1 < n && k < 40; k++)
		buf[k] = s.p[k] > 0x20 && s.p[k] < 0x7f ? s.p[k] : '?';
	buf[k] = '\0';
	return buf;
}

static enum head_result request_line(struct span line, struct http_head *h)
{
	const char *p = line.p, *end = line.p + line.n;
	const char *sp1 = memchr(p, ' ', line.n);
	if (!sp1 || sp1 == p)
		return bad(h, 400, "the request line must be METHOD SP PATH SP HTTP/1.1");
	for (const char *c = p; c < sp1; c++)
		if (!tchar((unsigned char)*c))
			return bad(h, 400, "the method holds a character a method cannot have");
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', (size_t)(end - t));
	if (!sp2 || sp2 == t || memchr(sp2 + 1, ' ', (size_t)(end - sp2 - 1)))
		return bad(h, 400, "the request line must be METHOD SP PATH SP HTTP/1.1 (single spaces)");
	h->method = (struct span){ p, (size_t)(sp1 - p) };
	h->target = (struct span){ t, (size_t)(sp2 - t) };
	for (const char *c = t; c < sp2; c++) {
		unsigned char u = (unsigned char)*c;
		if (u <= 0x20 || u >= 0x7f)
			return bad(h, 400,
				   u == 0 ? "the path holds a NUL byte"
					  : "the path holds a byte a URL cannot have (0x%02x)",
				   u);
		if (u == '%') {
			if (c + 2 >= sp2 || !hex(c[1]) || !hex(c[2]))
				return bad(h, 400, "the path holds a malformed percent-escape");
			if (c[1] == '0' && c[2] == '0')
				return bad(h, 400, "the path holds an encoded NUL (%%00)");
		}
	}
	if (!(t[0] == '/' || (sp2 - t == 1 && t[0] == '*')))
		return bad(h, 400, "the request target must be a path starting with /");
	const char *v = sp2 + 1;
	size_t vn = (size_t)(end - v);
	if (vn == 8 && memcmp(v, "HTTP/", 5) == 0 && v[5] >= '0' && v[5] <= '9' && v[6] == '.' && v[7] >= '0' &&
	    v[7] <= '9') {
		if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
			return bad(h, 505, "HTTP/%c.%c is not supported: this server speaks HTTP/1.0 and HTTP/1.1",
				   v[5], v[7]);
		h->minor = v[7] - '0';
		return HEAD_OK;
	}
	return bad(h, 400, "the request line must end with HTTP/1.1 or HTTP/1.0");
}

struct counts {
	int host, length, encoding, fields;
};

static enum head_result field_line(struct span line, struct http_head *h, struct counts *n)
{
	char name[48];
	if (line.p[0] == ' ' || line.p[0] == '\t')
		return bad(h, 400, "a header folded over several lines (obsolete line folding is not accepted)");
	const char *colon = memchr(line.p, ':', line.n);
	if (!colon || colon == line.p)
		return bad(h, 400, "a header line without a name and a colon");
	struct span key = { line.p, (size_t)(colon - line.p) };
	for (size_t i = 0; i < key.n; i++)
		if (!tchar((unsigned char)key.p[i]))
			return bad(h, 400,
				   key.p[i] == ' ' || key.p[i] == '\t'
					   ? "whitespace between a header name and its colon"
					   : "a header name holds a character a name cannot have");
	const char *v = colon + 1, *end = line.p + line.n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (const char *c = v; c < end; c++) {
		unsigned char u = (unsigned char)*c;
		if ((u < 0x20 && u != '\t') || u == 0x7f)
			return bad(h, 400, "the header %s holds %s", shown(key, name, sizeof(name)),
				   u == 0 ? "a NUL byte" : "a control character");
	}
	struct span value = { v, (size_t)(end - v) };
	if (++n->fields > HEAD_MAX_FIELDS)
		return bad(h, 431, "more than %d header fields", HEAD_MAX_FIELDS);
	if (span_is(key, "Host")) {
		n->host++;
	} else if (span_is(key, "Transfer-Encoding")) {
		n->encoding++;
	} else if (span_is(key, "X-Request-Id")) {
		h->request_id = value;
	} else if (span_is(key, "Content-Length")) {
		if (++n->length > 1)
			return bad(h, 400, "more than one Content-Length header (the body's length is ambiguous)");
		uint64_t len = 0;
		if (value.n == 0 || value.n > 19)
			return bad(h, 400, "Content-Length must be a number of bytes (digits only)");
		for (size_t i = 0; i < value.n; i++) {
			if (value.p[i] < '0' || value.p[i] > '9')
				return bad(h, 400, "Content-Length must be a number of bytes (digits only)");
			len = len * 10 + (uint64_t)(value.p[i] - '0');
		}
		h->has_length = true;
		h->content_length = len;
	}
	return HEAD_OK;
}

enum head_result head_parse(const char *buf, size_t n, struct http_head *h)
{
	memset(h, 0, sizeof(*h));
	struct counts count = { 0 };
	size_t at = 0;
	bool first = true;
	for (;;) {
		const char *nl = memchr(buf + at, '\n', n - at);
		size_t limit = first ? HEAD_MAX_LINE : HEAD_MAX_BYTES;
		if (!nl) {
			if (n > limit)
				return first ? bad(h, 414, "the request line is longer than %d bytes", HEAD_MAX_LINE)
					     : bad(h, 431, "the request head is longer than %d bytes", HEAD_MAX_BYTES);
			/* A CR must be followed by its LF; a stray one is an error
			 * as soon as the byte after it is known. */
			const char *cr = memchr(buf + at, '\r', n - at);
			if (cr && cr + 1 < buf + n)
				return bad(h, 400, "a bare CR in the request head");
			return HEAD_INCOMPLETE;
		}
		size_t end = (size_t)(nl - buf);
		if (end + 1 > limit)
			return first ? bad(h, 414, "the request line is longer than %d bytes", HEAD_MAX_LINE)
				     : bad(h, 431, "the request head is longer than %d bytes", HEAD_MAX_BYTES);
		if (end == at || buf[end - 1] != '\r')
			return bad(h, 400, "the request head's lines must end with CRLF (a bare LF)");
		struct span line = { buf + at, end - 1 - at };
		if (memchr(line.p, '\r', line.n))
			return bad(h, 400, "a bare CR in the request head");
		at = end + 1;
		if (first) {
			if (line.n == 0)
				return bad(h, 400, "an empty line where the request line should be");
			if (request_line(line, h) == HEAD_BAD)
				return HEAD_BAD;
			first = false;
			continue;
		}
		if (line.n == 0)
			break;
		if (field_line(line, h, &count) == HEAD_BAD)
			return HEAD_BAD;
	}
	h->length = at;
	if (h->minor == 1 && count.host != 1)
		return bad(h, 400,
			   count.host ? "more than one Host header" : "an HTTP/1.1 request needs a Host header");
	if (count.host > 1)
		return bad(h, 400, "more than one Host header");
	if (count.encoding && count.length)
		return bad(h, 400, "both Content-Length and Transfer-Encoding (the body's length is ambiguous)");
	if (count.encoding)
		return bad(h, 411,
			   "Transfer-Encoding is not accepted: send the body with a Content-Length (chunked bodies are "
			   "refused)");
	return HEAD_OK;
}
