/* Strict JSON checking (see json_scan.h). One pass, no recursion: an explicit
 * stack of the open arrays and objects, which also names where a problem
 * is (the member names and element indexes leading to it). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_scan.h"

#define DEFAULT_MAX_DEPTH 512
#define MAX_PATH_KEY	  48

struct frame {
	char close;	 /* '}' or ']' */
	bool has_key;	 /* objects: a member name was read */
	size_t index;	 /* arrays: the element being read */
	struct span key; /* objects: the member being read, still escaped */
};

/* Most texts nest a few levels: their stack needs no allocation. */
#define LOCAL_FRAMES 16

struct scan {
	const char *t;
	size_t n;
	bool check_utf8;
	struct frame *stack; /* `local` until it grows past it */
	struct frame local[LOCAL_FRAMES];
	unsigned depth, cap, max_depth;
	struct json_scan_stats st;
	struct json_scan_error *err;
	bool in_string; /* the scan is inside a string literal */
};

static size_t skip_ws(const char *t, size_t n, size_t i)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

static void format_path(const struct scan *sc, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (unsigned d = 0; d < sc->depth && used + 1 < cap; d++) {
		const struct frame *f = &sc->stack[d];
		if (f->close == ']') {
			used += (size_t)snprintf(out + used, cap - used, "[%zu]", f->index);
		} else if (f->has_key) {
			if (used && used + 1 < cap)
				out[used++] = '.';
			/* Member names come from the client: printable ASCII only. */
			for (size_t k = 0; k < f->key.n && k < MAX_PATH_KEY && used + 1 < cap; k++) {
				unsigned char c = (unsigned char)f->key.p[k];
				out[used++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
			}
			out[used] = '\0';
		}
		if (used >= cap)
			used = cap - 1;
	}
}

static int fail(struct scan *sc, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct scan *sc, size_t at, const char *fmt, ...)
{
	if (!sc->err)
		return -1;
	sc->err->offset = at;
	sc->err->in_string = sc->in_string;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sc->err->why, sizeof(sc->err->why), fmt, ap);
	va_end(ap);
	format_path(sc, sc->err->path, sizeof(sc->err->path));
	return -1;
}

static int hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;
	if ((c & 0xe0) == 0xc0)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (avail < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* t[i] is the opening quote; returns the index past the closing one. */
static long scan_string(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t n = sc->n;
	sc->in_string = true;
	for (i++; i < n;) {
		unsigned char c = (unsigned char)t[i];
		if (c == '"') {
			sc->in_string = false;
			return (long)i + 1;
		}
		if (c == '\\') {
			if (i + 1 >= n)
				break;
			char e = t[i + 1];
			if (e && strchr("\"\\/bfnrt", e)) {
				i += 2;
				continue;
			}
			uint32_t cp, lo;
			if (e != 'u' || i + 6 > n || hex4(t + i + 2, &cp) < 0)
				return fail(sc, i, "an invalid escape in a string");
			if (cp == 0)
				return fail(
					sc, i,
					"a \\u0000 escape: NUL characters are not accepted (they would end the text "
					"early)");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(sc, i, "a lone surrogate escape (\\u%04x) in a string", (unsigned)cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (i + 12 > n || t[i + 6] != '\\' || t[i + 7] != 'u' || hex4(t + i + 8, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(sc, i, "a lone surrogate escape (\\u%04x) in a string",
						    (unsigned)cp);
				i += 12;
				continue;
			}
			i += 6;
			continue;
		}
		if (c < 0x20) {
			if (c == 0)
				return fail(sc, i, "a raw NUL byte in a string");
			return fail(sc, i, "a raw control character (0x%02x) in a string (escape it as \\u%04x)", c, c);
		}
		if (c >= 0x80 && sc->check_utf8) {
			size_t k = utf8_len((const unsigned char *)t + i, n - i);
			if (!k)
				return fail(sc, i, "invalid UTF-8 in a string");
			i += k;
			continue;
		}
		i++;
	}
	return fail(sc, n, "the text ends inside a string");
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static long scan_number(struct scan *sc, size_t i)
{
	const char *t = sc->t;
	size_t n = sc->n, start = i;
	if (i < n && t[i] == '-')
		i++;
	if (i < n && t[i] == '0')
		i++;
	else if (i < n && is_digit(t[i]))
		while (i < n && is_digit(t[i]))
			i++;
	else
		return fail(sc, start, "an invalid number");
	if (i < n && t[i] == '.') {
		if (++i >= n || !is_digit(t[i]))
			return fail(sc, start, "an invalid number");
		while (i < n && is_digit(t[i]))
			i++;
	}
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		i++;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			i++;
		if (i >= n || !is_digit(t[i]))
			return fail(sc, start, "an invalid number");
		while (i < n && is_digit(t[i]))
			i++;
	}
	return (long)i;
}

static int push(struct scan *sc, char close, size_t at)
{
	if (sc->depth == sc->max_depth)
		return fail(sc, at, "arrays and objects nested deeper than %u", sc->max_depth);
	if (sc->depth == sc->cap) {
		unsigned cap = sc->cap * 2 > sc->max_depth ? sc->max_depth : sc->cap * 2;
		struct frame *g = malloc(cap * sizeof(*g));
		if (!g)
			return -2;
		memcpy(g, sc->stack, sc->depth * sizeof(*g));
		if (sc->stack != sc->local)
			free(sc->stack);
		sc->stack = g;
		sc->cap = cap;
	}
	sc->stack[sc->depth++] = (struct frame){ .close = close };
	if (sc->depth > sc->st.depth)
		sc->st.depth = sc->depth;
	return 0;
}

static const char *describe(unsigned char c, char *buf, size_t n)
{
	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, n, "'%c'", c);
	else
		snprintf(buf, n, "byte 0x%02x", c);
	return buf;
}

/* The states of the scan: a value is expected, a member name is expected,
 * or a value just ended. */
enum want {
	WANT_VALUE,
	WANT_KEY,
	WANT_AFTER,
};

static int run(struct scan *sc)
{
	const char *t = sc->t;
	size_t n = sc->n, i = skip_ws(t, n, 0);
	char what[16];
	enum want w = WANT_VALUE;
	for (;;) {
		long next;
		int rc;
		switch (w) {
		case WANT_VALUE:
			i = skip_ws(t, n, i);
			if (i >= n)
				return fail(sc, i, "the text ends where a value should be");
			sc->st.values++;
			if (t[i] == '{' || t[i] == '[') {
				char close = t[i] == '{' ? '}' : ']';
				if ((rc = push(sc, close, i)) < 0)
					return rc;
				i = skip_ws(t, n, i + 1);
				if (i < n && t[i] == close) {
					sc->depth--;
					i++;
					w = WANT_AFTER;
				} else {
					w = close == '}' ? WANT_KEY : WANT_VALUE;
				}
				continue;
			}
			if (t[i] == '"')
				next = scan_string(sc, i);
			else if (t[i] == '-' || is_digit(t[i]))
				next = scan_number(sc, i);
			else if (n - i >= 4 && memcmp(t + i, "true", 4) == 0)
				next = (long)i + 4;
			else if (n - i >= 5 && memcmp(t + i, "false", 5) == 0)
				next = (long)i + 5;
			else if (n - i >= 4 && memcmp(t + i, "null", 4) == 0)
				next = (long)i + 4;
			else
				return fail(sc, i, "unexpected %s where a value should be",
					    describe((unsigned char)t[i], what, sizeof(what)));
			if (next < 0)
				return (int)next;
			i = (size_t)next;
			w = WANT_AFTER;
			continue;
		case WANT_KEY: {
			struct frame *f = &sc->stack[sc->depth - 1];
			f->has_key = false;
			i = skip_ws(t, n, i);
			if (i >= n || t[i] != '"')
				return i >= n ? fail(sc, i, "the text ends inside an object")
					      : fail(sc, i, "expected a member name (a string), got %s",
						     describe((unsigned char)t[i], what, sizeof(what)));
			next = scan_string(sc, i);
			if (next < 0)
				return (int)next;
			f->key = (struct span){ t + i + 1, (size_t)next - i - 2 };
			f->has_key = true;
			i = skip_ws(t, n, (size_t)next);
			if (i >= n || t[i] != ':')
				return fail(sc, i, "expected ':' after a member name");
			i++;
			w = WANT_VALUE;
			continue;
		}
		case WANT_AFTER:
			i = skip_ws(t, n, i);
			if (sc->depth == 0) {
				if (i != n)
					return fail(sc, i, "unexpected text after the JSON value (%s)",
						    describe((unsigned char)t[i], what, sizeof(what)));
				return 0;
			}
			if (i >= n)
				return fail(sc, i, "the text ends inside %s",
					    sc->stack[sc->depth - 1].close == '}' ? "an object" : "an array");
			struct frame *f = &sc->stack[sc->depth - 1];
			if (t[i] == ',') {
				i++;
				if (f->close == ']') {
					f->index++;
					w = WANT_VALUE;
				} else {
					w = WANT_KEY;
				}
				continue;
			}
			if (t[i] == f->close) {
				sc->depth--;
				i++;
				continue;
			}
			return fail(sc, i, "expected ',' or '%c', got %s", f->close,
				    describe((unsigned char)t[i], what, sizeof(what)));
		}
	}
}

int json_scan(const char *text, size_t len, const struct json_scan_opts *opts, struct json_scan_stats *stats,
	      struct json_scan_error *err)
{
	struct scan sc = {
		.t = text,
		.n = len,
		.check_utf8 = opts && opts->check_utf8,
		.max_depth = opts && opts->max_depth ? opts->max_depth : DEFAULT_MAX_DEPTH,
		.err = err,
	};
	sc.stack = sc.local;
	sc.cap = LOCAL_FRAMES;
	if (err)
		memset(err, 0, sizeof(*err));
	int rc = run(&sc);
	if (sc.stack != sc.local)
		free(sc.stack);
	if (rc == 0 && stats)
		*stats = sc.st;
	return rc;
}

int json_walk_init(struct json_walk *w, struct span v)
{
	size_t i = skip_ws(v.p, v.n, 0);
	if (i >= v.n || (v.p[i] != '{' && v.p[i] != '['))
		return -1;
	*w = (struct json_walk){ .t = v.p, .n = v.n, .i = i + 1, .close = v.p[i] == '{' ? '}' : ']' };
	return 0;
}

/* In checked text a string ends at the first unescaped quote. */
static size_t string_end(const char *t, size_t n, size_t i)
{
	for (i++; i < n && t[i] != '"'; i++)
		if (t[i] == '\\')
			i++;
	return i + 1;
}

bool json_walk_next(struct json_walk *w, struct span *key, struct span *value)
{
	size_t i = skip_ws(w->t, w->n, w->i);
	if (i < w->n && w->t[i] == ',')
		i = skip_ws(w->t, w->n, i + 1);
	if (i >= w->n || w->t[i] == w->close) {
		w->i = w->n;
		return false;
	}
	*key = (struct span){ NULL, 0 };
	if (w->close == '}') {
		size_t end = string_end(w->t, w->n, i);
		*key = (struct span){ w->t + i + 1, end - i - 2 };
		i = skip_ws(w->t, w->n, end);
		i = skip_ws(w->t, w->n, i + 1); /* past ':' */
	}
	long end = json_span_skip_value(w->t, w->n, i);
	if (end < 0) {
		w->i = w->n;
		return false;
	}
	*value = (struct span){ w->t + i, (size_t)end - i };
	w->i = (size_t)end;
	return true;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

char *json_scan_string(struct span s)
{
	if (s.n < 2 || s.p[0] != '"' || s.p[s.n - 1] != '"')
		return NULL;
	/* Decoding never makes a string longer: every escape is at least as
	 * long as the UTF-8 it stands for. */
	char *out = malloc(s.n - 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 1; i + 1 < s.n; i++) {
		char c = s.p[i];
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		char e = s.p[++i];
		uint32_t cp = 0, lo = 0;
		switch (e) {
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u':
			if (i + 4 >= s.n || hex4(s.p + i + 1, &cp) < 0) {
				free(out);
				return NULL;
			}
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < s.n && s.p[i + 1] == '\\' && s.p[i + 2] == 'u' &&
			    hex4(s.p + i + 3, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			o += put_utf8(out + o, cp);
			break;
		default: /* '"', '\\', '/' */
			out[o++] = e;
			break;
		}
	}
	out[o] = '\0';
	return out;
}

void json_scan_line_col(const char *text, size_t offset, size_t *line, size_t *col)
{
	size_t l = 1, start = 0;
	for (size_t i = 0; i < offset; i++)
		if (text[i] == '\n') {
			l++;
			start = i + 1;
		}
	*line = l;
	*col = offset - start + 1;
}
