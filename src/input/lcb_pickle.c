/* The strict pickle reader of LiveCodeBench's private tests: one pickled
 * str, protocols 0-5, frames enforced; then its text checked or unescaped
 * (see the list of differences from Python at the top of lcb_tests.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "input/lcb_tests.h"
#include "input/lcb_tests_internal.h"

/* Every opcode of pickle protocols 0-5, for messages. */
static const char *const pk_names[256] = {
	['('] = "MARK",	       ['.'] = "STOP",		 ['0'] = "POP",		   ['1'] = "POP_MARK",
	['2'] = "DUP",	       ['F'] = "FLOAT",		 ['I'] = "INT",		   ['J'] = "BININT",
	['K'] = "BININT1",     ['L'] = "LONG",		 ['M'] = "BININT2",	   ['N'] = "NONE",
	['P'] = "PERSID",      ['Q'] = "BINPERSID",	 ['R'] = "REDUCE",	   ['S'] = "STRING",
	['T'] = "BINSTRING",   ['U'] = "SHORT_BINSTRING", ['V'] = "UNICODE",	   ['X'] = "BINUNICODE",
	['a'] = "APPEND",      ['b'] = "BUILD",		 ['c'] = "GLOBAL",	   ['d'] = "DICT",
	['}'] = "EMPTY_DICT",  ['e'] = "APPENDS",	 ['g'] = "GET",		   ['h'] = "BINGET",
	['i'] = "INST",	       ['j'] = "LONG_BINGET",	 ['l'] = "LIST",	   [']'] = "EMPTY_LIST",
	['o'] = "OBJ",	       ['p'] = "PUT",		 ['q'] = "BINPUT",	   ['r'] = "LONG_BINPUT",
	['s'] = "SETITEM",     ['t'] = "TUPLE",		 [')'] = "EMPTY_TUPLE",	   ['u'] = "SETITEMS",
	['G'] = "BINFLOAT",    ['B'] = "BINBYTES",	 ['C'] = "SHORT_BINBYTES", [0x80] = "PROTO",
	[0x81] = "NEWOBJ",     [0x82] = "EXT1",		 [0x83] = "EXT2",	   [0x84] = "EXT4",
	[0x85] = "TUPLE1",     [0x86] = "TUPLE2",	 [0x87] = "TUPLE3",	   [0x88] = "NEWTRUE",
	[0x89] = "NEWFALSE",   [0x8a] = "LONG1",	 [0x8b] = "LONG4",	   [0x8c] = "SHORT_BINUNICODE",
	[0x8d] = "BINUNICODE8", [0x8e] = "BINBYTES8",	 [0x8f] = "EMPTY_SET",	   [0x90] = "ADDITEMS",
	[0x91] = "FROZENSET",  [0x92] = "NEWOBJ_EX",	 [0x93] = "STACK_GLOBAL",  [0x94] = "MEMOIZE",
	[0x95] = "FRAME",      [0x96] = "BYTEARRAY8",	 [0x97] = "NEXT_BUFFER",   [0x98] = "READONLY_BUFFER",
};

/* The opcodes this reader accepts. */
enum {
	PK_PROTO = 0x80,
	PK_FRAME = 0x95,
	PK_SHORT_BINUNICODE = 0x8c,
	PK_BINUNICODE = 'X',
	PK_BINUNICODE8 = 0x8d,
	PK_UNICODE = 'V',
	PK_MEMOIZE = 0x94,
	PK_PUT = 'p',
	PK_BINPUT = 'q',
	PK_LONG_BINPUT = 'r',
	PK_STOP = '.',
	PK_HIGHEST_PROTOCOL = 5,
};

/* The pickled str: its payload inside the pickle, UTF-8 for the binary
 * opcodes or raw-unicode-escape for UNICODE (protocol 0). */
struct pk_str {
	const unsigned char *p;
	size_t n;
	bool escaped;
	size_t offset; /* of the opcode that pushed it */
};

struct pk_reader {
	const unsigned char *p;
	size_t n;
	size_t pos;
	bool in_frame;
	size_t frame_end;
	char *err;
	size_t errlen;
};

static const char *pk_name(unsigned op, char buf[static 40])
{
	if (pk_names[op])
		snprintf(buf, 40, "%s (0x%02x)", pk_names[op], op);
	else
		snprintf(buf, 40, "unknown opcode 0x%02x", op);
	return buf;
}

/* The readable end for the next read: the current frame's end, or the end
 * of the data once the frame is used up (Python's _Unframer: a frame that is
 * exactly consumed hands reading back to the underlying data). */
static size_t pk_limit(struct pk_reader *r)
{
	if (r->in_frame && r->pos == r->frame_end)
		r->in_frame = false;
	return r->in_frame ? r->frame_end : r->n;
}

/* The argument of the opcode at `at`: len bytes, all in the same frame. */
static int pk_take(struct pk_reader *r, unsigned op, size_t at, uint64_t len, const unsigned char **out)
{
	char nb[40];
	size_t limit = len ? pk_limit(r) : r->n;
	if (len > limit - r->pos) {
		if (r->in_frame)
			return lcb_fail(r->err, r->errlen, -EINVAL,
				    "pickle: %s at offset %zu needs %llu bytes but its frame ends at offset %zu",
				    pk_name(op, nb), at, (unsigned long long)len, r->frame_end);
		return lcb_fail(r->err, r->errlen, -EINVAL,
			    "pickle: %s at offset %zu needs %llu bytes but only %zu remain (truncated)",
			    pk_name(op, nb), at, (unsigned long long)len, r->n - r->pos);
	}
	*out = r->p + r->pos;
	r->pos += (size_t)len;
	return 0;
}

/* A newline-terminated argument (UNICODE, PUT); *len excludes the '\n'. */
static int pk_line(struct pk_reader *r, unsigned op, size_t at, const unsigned char **line, size_t *len)
{
	char nb[40];
	size_t limit = pk_limit(r);
	const unsigned char *nl = memchr(r->p + r->pos, '\n', limit - r->pos);
	if (!nl)
		return lcb_fail(r->err, r->errlen, -EINVAL, "pickle: %s at offset %zu has no newline before the end of %s",
			    pk_name(op, nb), at, r->in_frame ? "its frame" : "the data");
	*line = r->p + r->pos;
	*len = (size_t)(nl - *line);
	r->pos += *len + 1;
	return 0;
}

static uint64_t le_uint(const unsigned char *b, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static int pk_frame(struct pk_reader *r, size_t at)
{
	const unsigned char *b;
	if (pk_take(r, PK_FRAME, at, 8, &b) < 0)
		return -EINVAL;
	/* Still in the old frame after the argument: it has bytes left. */
	if (r->in_frame && r->pos != r->frame_end)
		return lcb_fail(r->err, r->errlen, -EINVAL,
			    "pickle: FRAME at offset %zu starts before the frame ending at offset %zu is finished", at,
			    r->frame_end);
	uint64_t len = le_uint(b, 8);
	if (len > r->n - r->pos)
		return lcb_fail(r->err, r->errlen, -EINVAL,
			    "pickle: FRAME at offset %zu declares %llu bytes but only %zu remain (unterminated frame)",
			    at, (unsigned long long)len, r->n - r->pos);
	r->in_frame = true;
	r->frame_end = r->pos + (size_t)len;
	return 0;
}

/* A string opcode with a binary length of `width` bytes. */
static int pk_binunicode(struct pk_reader *r, unsigned op, size_t at, unsigned width, struct pk_str *s)
{
	const unsigned char *b;
	if (pk_take(r, op, at, width, &b) < 0)
		return -EINVAL;
	uint64_t len = le_uint(b, width);
	if (pk_take(r, op, at, len, &b) < 0)
		return -EINVAL;
	*s = (struct pk_str){ .p = b, .n = (size_t)len, .escaped = false, .offset = at };
	return 0;
}

/* PUT's memo index: plain digits (Python also takes a sign, spaces, '_'). */
static bool is_decimal(const unsigned char *b, size_t n)
{
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b[i] < '0' || b[i] > '9')
			return false;
	return true;
}

/* UNICODE (protocol 0): the raw-unicode-escape text up to a newline. */
static int pk_unicode(struct pk_reader *r, size_t at, struct pk_str *s)
{
	const unsigned char *b;
	size_t n;
	if (pk_line(r, PK_UNICODE, at, &b, &n) < 0)
		return -EINVAL;
	*s = (struct pk_str){ .p = b, .n = n, .escaped = true, .offset = at };
	return 0;
}

static int pk_put(struct pk_reader *r, unsigned op, size_t at, size_t depth)
{
	char nb[40];
	const unsigned char *b;
	int rc = 0;
	if (op == PK_BINPUT)
		rc = pk_take(r, op, at, 1, &b);
	else if (op == PK_LONG_BINPUT)
		rc = pk_take(r, op, at, 4, &b);
	else if (op == PK_PUT) {
		size_t n;
		rc = pk_line(r, op, at, &b, &n);
		if (rc == 0 && !is_decimal(b, n))
			return lcb_fail(r->err, r->errlen, -EINVAL, "pickle: PUT at offset %zu: argument is not a decimal number",
				    at);
	}
	if (rc < 0)
		return rc;
	if (depth == 0)
		return lcb_fail(r->err, r->errlen, -EINVAL, "pickle: %s at offset %zu with nothing on the stack",
			    pk_name(op, nb), at);
	return 0;
}

static int pk_stop(struct pk_reader *r, size_t at, size_t depth)
{
	if (depth != 1)
		return lcb_fail(r->err, r->errlen, -EINVAL,
			    "pickle: STOP at offset %zu with %zu items on the stack; expected exactly one str", at, depth);
	if (r->pos != r->n)
		return lcb_fail(r->err, r->errlen, -EINVAL, "pickle: %zu unexpected bytes after STOP at offset %zu",
			    r->n - r->pos, at);
	return 0;
}

/* Read the one pickled str in pk[0..n). */
static int pickle_read(const unsigned char *pk, size_t n, struct pk_str *s, char *err, size_t errlen)
{
	struct pk_reader r = { .p = pk, .n = n, .err = err, .errlen = errlen };
	size_t depth = 0;
	char nb[40];
	if (n == 0)
		return lcb_fail(err, errlen, -EINVAL, "pickle: empty data");
	for (;;) {
		size_t at = r.pos;
		if (pk_limit(&r) == at)
			return lcb_fail(err, errlen, -EINVAL, "pickle: data ends at offset %zu without a STOP opcode", at);
		unsigned op = pk[r.pos++];
		const unsigned char *b;
		int rc = 0;
		switch (op) {
		case PK_PROTO:
			if (at != 0)
				return lcb_fail(err, errlen, -EINVAL,
					    "pickle: PROTO at offset %zu: allowed only as the first opcode", at);
			rc = pk_take(&r, op, at, 1, &b);
			if (rc == 0 && *b > PK_HIGHEST_PROTOCOL)
				return lcb_fail(err, errlen, -EINVAL, "pickle: unsupported protocol %u at offset %zu", *b, at);
			break;
		case PK_FRAME:
			rc = pk_frame(&r, at);
			break;
		case PK_SHORT_BINUNICODE:
			rc = pk_binunicode(&r, op, at, 1, s);
			depth++;
			break;
		case PK_BINUNICODE:
			rc = pk_binunicode(&r, op, at, 4, s);
			depth++;
			break;
		case PK_BINUNICODE8:
			rc = pk_binunicode(&r, op, at, 8, s);
			depth++;
			break;
		case PK_UNICODE:
			rc = pk_unicode(&r, at, s);
			depth++;
			break;
		case PK_MEMOIZE:
		case PK_PUT:
		case PK_BINPUT:
		case PK_LONG_BINPUT:
			rc = pk_put(&r, op, at, depth);
			break;
		case PK_STOP:
			return pk_stop(&r, at, depth);
		default:
			return lcb_fail(err, errlen, -EINVAL,
				    "pickle: %s at offset %zu is not allowed: only a pickled str is accepted",
				    pk_name(op, nb), at);
		}
		if (rc < 0)
			return rc;
	}
}

static size_t utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Append code point cp as UTF-8; the caller reserved utf8_len(cp) bytes. */
static size_t put_utf8(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Python's raw-unicode-escape decoding of a UNICODE argument into UTF-8:
 * bytes are Latin-1 code points; "\uXXXX" and "\UXXXXXXXX" are escapes; a
 * backslash before anything else stays, together with that character. */
static int unescape_raw_unicode(const struct pk_str *s, size_t max_out, char **out, size_t *out_len, char *err,
				size_t errlen)
{
	/* Every input byte yields at most 2 output bytes (Latin-1 above 0x7f,
	 * "\\" + one), an escape fewer than its length; o <= max_out always. */
	size_t worst = s->n < (SIZE_MAX - 8) / 2 ? s->n * 2 : SIZE_MAX - 8;
	autofree unsigned char *buf = malloc((worst < max_out ? worst : max_out) + 1);
	if (!buf)
		return lcb_fail(err, errlen, -ENOMEM, "pickle: out of memory");
	size_t o = 0;
	for (size_t i = 0; i < s->n;) {
		size_t at = s->offset + 1 + i;
		uint32_t cp = s->p[i++];
		bool keep_backslash = false;
		if (cp == '\\' && i < s->n && (s->p[i] == 'u' || s->p[i] == 'U')) {
			unsigned count = s->p[i++] == 'u' ? 4 : 8;
			cp = 0;
			for (; count; count--, i++) {
				int h = i < s->n ? hex_value(s->p[i]) : -1;
				if (h < 0)
					return lcb_fail(err, errlen, -EINVAL,
						    "pickle: UNICODE at offset %zu: truncated \\u escape at offset %zu",
						    s->offset, at);
				cp = cp << 4 | (uint32_t)h;
			}
			if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
				return lcb_fail(err, errlen, -EINVAL,
					    "pickle: UNICODE at offset %zu: escape at offset %zu is U+%04X, %s",
					    s->offset, at, (unsigned)cp,
					    cp == 0 ? "a NUL character" : "not a Unicode scalar value");
		} else if (cp == '\\' && i < s->n) {
			/* A backslash and the character after it both stay. */
			keep_backslash = true;
			cp = s->p[i++];
		}
		if (cp == 0)
			return lcb_fail(err, errlen, -EINVAL, "pickle: UNICODE at offset %zu: NUL character at offset %zu",
				    s->offset, at);
		if (o + keep_backslash + utf8_len(cp) > max_out)
			return lcb_fail(err, errlen, -EFBIG, "pickle: string exceeds the limit of %zu bytes", max_out);
		if (keep_backslash)
			buf[o++] = '\\';
		o += put_utf8(buf + o, cp);
	}
	buf[o] = '\0';
	*out = (char *)steal_pointer(&buf);
	*out_len = o;
	return 0;
}

/* Whether the invalid sequence at s[0..n) is an encoded UTF-16 surrogate,
 * which pickle's "surrogatepass" decoding lets through. */
static bool is_surrogate_seq(const unsigned char *s, size_t n)
{
	return n >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && (s[2] & 0xC0) == 0x80;
}

/* A binary-opcode payload must be valid UTF-8 without NUL characters. */
static int check_utf8_str(const struct pk_str *s, char *err, size_t errlen)
{
	size_t bad = lcb_utf8_invalid_at(s->p, s->n);
	if (bad < s->n)
		return lcb_fail(err, errlen, -EINVAL,
			    "pickle: string at offset %zu is not valid UTF-8 (byte 0x%02x at string offset %zu%s)",
			    s->offset, s->p[bad], bad,
			    is_surrogate_seq(s->p + bad, s->n - bad) ? ": a lone surrogate" : "");
	const unsigned char *nul = memchr(s->p, 0, s->n);
	if (nul)
		return lcb_fail(err, errlen, -EINVAL, "pickle: string at offset %zu contains a NUL character at string offset %zu",
			    s->offset, (size_t)(nul - s->p));
	return 0;
}

int lcb_tests_unpickle(const unsigned char *pk, size_t len, size_t max_out, char **out, size_t *out_len, char *err,
		       size_t errlen)
{
	struct pk_str s = { 0 };
	int rc = pickle_read(pk, len, &s, err, errlen);
	if (rc < 0)
		return rc;
	if (s.escaped)
		return unescape_raw_unicode(&s, max_out, out, out_len, err, errlen);
	if ((rc = check_utf8_str(&s, err, errlen)) < 0)
		return rc;
	if (s.n > max_out)
		return lcb_fail(err, errlen, -EFBIG, "pickle: string exceeds the limit of %zu bytes", max_out);
	char *copy = malloc(s.n + 1);
	if (!copy)
		return lcb_fail(err, errlen, -ENOMEM, "pickle: out of memory");
	memcpy(copy, s.p, s.n);
	copy[s.n] = '\0';
	*out = copy;
	*out_len = s.n;
	return 0;
}

int lcb_unpickle_in_place(unsigned char **pk, size_t len, size_t max_out, char **out, size_t *out_len,
			     char *err, size_t errlen)
{
	autofree unsigned char *buf = steal_pointer(pk);
	struct pk_str s = { 0 };
	int rc = pickle_read(buf, len, &s, err, errlen);
	if (rc < 0)
		return rc;
	if (s.escaped)
		return unescape_raw_unicode(&s, max_out, out, out_len, err, errlen);
	if ((rc = check_utf8_str(&s, err, errlen)) < 0)
		return rc;
	/* The payload ends before STOP, so the terminator fits in len. */
	memmove(buf, s.p, s.n);
	buf[s.n] = '\0';
	unsigned char *shrunk = realloc(buf, s.n + 1);
	if (shrunk)
		buf = shrunk;
	*out = (char *)steal_pointer(&buf);
	*out_len = s.n;
	return 0;
}
