/* LiveCodeBench test cases: base64 -> zlib -> strict pickle reader -> JSON
 * list of tests. See lcb_tests.h for the contract.
 *
 * Where this differs from the official Python chain
 * json.loads(pickle.loads(zlib.decompress(base64.b64decode(s.encode()))))
 * it is on purpose and always stricter:
 * - base64 follows binascii's non-strict mode exactly (CPython 3.11
 *   a2b_base64 with strict_mode=0): bytes outside the alphabet, including
 *   whitespace, '-', '_' and non-ASCII bytes, are skipped; a '=' that
 *   completes a quantum ends decoding and the rest is ignored; an '=' too
 *   early in a quantum is skipped; leftover low bits are ignored. This is
 *   the one stage that is not stricter, because the official loader relies
 *   on it (fields may carry newlines).
 * - zlib: bytes after the end of the zlib stream are an error (Python
 *   ignores them).
 * - pickle: only the opcodes a pickled str can contain are known; the
 *   whole input must be one pickle (Python ignores bytes after STOP);
 *   exactly one item must be on the stack at STOP (Python returns the top
 *   one); PROTO only as the first opcode; frames are enforced the way the
 *   pure-Python unpickler does (no read may cross the end of a frame; a new
 *   frame may not start inside one), where CPython's C unpickler only checks
 *   a frame's length; PUT takes plain decimal digits only.
 * - strings: lone surrogates (which pickle's "surrogatepass" lets through)
 *   and NUL characters are rejected, since the text must be UTF-8 and a C
 *   string.
 * - JSON: cJSON plus a pre-scan that rejects what Python's json.loads
 *   rejects and cJSON accepts (raw control characters in strings), and
 *   "\u0000" (C strings cannot carry it). Items must have exactly the fields
 *   input, output and testtype as strings (Test(**t) rejects unknown and
 *   missing fields but would accept non-string values); a repeated field is
 *   an error (json.loads keeps the last, cJSON finds the first).
 * - A field is taken as plain JSON when its first non-whitespace byte is '['
 *   (Python tries json.loads on anything first). Fields that are JSON but not
 *   lists fail in both. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "cleanup.h"
#include "input/lcb_tests.h"

#define QUOTE_MAX 32 /* input bytes quoted in a message */
#define QUOTE_BUF (QUOTE_MAX * 4 + 8)

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* s[0..n) as a double-quoted, escaped, truncated string for messages. */
static const char *quote(const char *s, size_t n, char buf[static QUOTE_BUF])
{
	size_t o = 0;
	buf[o++] = '"';
	for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	if (n > QUOTE_MAX) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

const char *lcb_tests_type_name(enum lcb_testtype t)
{
	switch (t) {
	case LCB_TESTTYPE_STDIN:
		return "stdin";
	case LCB_TESTTYPE_FUNCTIONAL:
		return "functional";
	}
	return "?";
}

void lcb_tests_free_json(char **json)
{
	free(*json);
	*json = NULL;
}

void lcb_tests_free(struct lcb_test **tests, size_t n)
{
	if (!*tests)
		return;
	/* The strings were allocated by cJSON (see steal_tests). */
	for (size_t i = 0; i < n; i++) {
		cJSON_free((*tests)[i].input);
		cJSON_free((*tests)[i].output);
	}
	free(*tests);
	*tests = NULL;
}

/* ---- UTF-8 ---------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n) (n > 0, s[0] >= 0x80), or
 * 0 if invalid: overlong forms, surrogates and code points past U+10FFFF
 * are invalid, as in Python's strict UTF-8 codec. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	uint32_t cp, min;
	if ((c & 0xE0) == 0xC0) {
		need = 1, cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		need = 2, cp = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		need = 3, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (need >= n)
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need + 1;
}

/* Word-at-a-time tests on 8 bytes (test texts run to megabytes). Each is
 * exact for "does any byte ...", the classic bit tricks for n <= 0x80. */
#define BYTES_1 0x0101010101010101ULL
#define BYTES_80 0x8080808080808080ULL

static uint64_t load8(const unsigned char *s)
{
	uint64_t w;
	memcpy(&w, s, sizeof(w));
	return w;
}

static bool any_byte_below(uint64_t w, unsigned n)
{
	return ((w - BYTES_1 * n) & ~w & BYTES_80) != 0;
}

static bool any_byte_is(uint64_t w, unsigned char c)
{
	return any_byte_below(w ^ (BYTES_1 * c), 1);
}

/* Offset of the first invalid UTF-8 byte in s[0..n), or n. */
static size_t utf8_invalid_at(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (n - i >= 8 && (load8(s + i) & BYTES_80) == 0) {
			i += 8;
			continue;
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = utf8_seq_len(s + i, n - i);
		if (!k)
			return i;
		i += k;
	}
	return n;
}

/* ---- base64 --------------------------------------------------------- */

/* 1 + the value of each base64 alphabet character; 0 for every other byte. */
static const unsigned char b64_rank[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
	['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
	['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
	['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

static int b64_value(unsigned char c)
{
	return (int)b64_rank[c] - 1;
}

/* The state machine of CPython's binascii.a2b_base64 (strict_mode=0). */
int lcb_tests_b64decode(const char *data, size_t len, unsigned char **out, size_t *out_len, char *err,
			size_t errlen)
{
	autofree unsigned char *buf = malloc(len / 4 * 3 + 4);
	if (!buf)
		return fail(err, errlen, -ENOMEM, "base64: out of memory");
	size_t o = 0;
	unsigned quad = 0, pads = 0, left = 0;
	for (size_t i = 0; i < len; i++) {
		/* Fast path: four alphabet characters at a quantum boundary. */
		if (quad == 0 && len - i >= 4) {
			const unsigned char *q = (const unsigned char *)data + i;
			int a = b64_value(q[0]), b = b64_value(q[1]), c3 = b64_value(q[2]), d = b64_value(q[3]);
			if ((a | b | c3 | d) >= 0) {
				buf[o++] = (unsigned char)(a << 2 | b >> 4);
				buf[o++] = (unsigned char)((b & 0x0F) << 4 | c3 >> 2);
				buf[o++] = (unsigned char)((c3 & 0x03) << 6 | d);
				pads = 0;
				i += 3;
				continue;
			}
		}
		unsigned char c = (unsigned char)data[i];
		if (c == '=') {
			/* Pads count only once two data characters are in. */
			if (quad >= 2 && quad + ++pads >= 4)
				goto done;
			continue;
		}
		int v = b64_value(c);
		if (v < 0)
			continue;
		pads = 0;
		switch (quad) {
		case 0:
			left = (unsigned)v;
			quad = 1;
			break;
		case 1:
			buf[o++] = (unsigned char)(left << 2 | (unsigned)v >> 4);
			left = (unsigned)v & 0x0F;
			quad = 2;
			break;
		case 2:
			buf[o++] = (unsigned char)(left << 4 | (unsigned)v >> 2);
			left = (unsigned)v & 0x03;
			quad = 3;
			break;
		default:
			buf[o++] = (unsigned char)(left << 6 | (unsigned)v);
			quad = 0;
			break;
		}
	}
	if (quad == 1)
		return fail(err, errlen, -EINVAL,
			    "base64: invalid: number of data characters (%zu) cannot be 1 more than a multiple of 4",
			    o / 3 * 4 + 1);
	if (quad != 0)
		return fail(err, errlen, -EINVAL, "base64: incorrect padding");
done:
	buf[o] = '\0';
	*out = steal_pointer(&buf);
	*out_len = o;
	return 0;
}

/* ---- zlib ----------------------------------------------------------- */

static void cleanup_inflate(z_stream *zs)
{
	inflateEnd(zs); /* harmless on a stream never initialised (zalloc 0) */
}

static int grow_out(unsigned char **buf, size_t *cap, size_t hard_cap)
{
	size_t c = *cap > hard_cap / 2 ? hard_cap : *cap * 2;
	unsigned char *g = realloc(*buf, c);
	if (!g)
		return -ENOMEM;
	*buf = g;
	*cap = c;
	return 0;
}

/* zlib.decompress(in) into a malloc'd buffer of *out_len bytes, failing
 * beyond max_out bytes and on anything after the end of the stream. */
static int inflate_all(const unsigned char *in, size_t n, size_t max_out, unsigned char **out, size_t *out_len,
		       char *err, size_t errlen)
{
	autofree unsigned char *buf = NULL;
	__attribute__((cleanup(cleanup_inflate))) z_stream zs = { 0 };
	if (n == 0)
		return fail(err, errlen, -EINVAL, "zlib: no compressed data");
	if (max_out > SIZE_MAX - 1)
		max_out = SIZE_MAX - 1;
	size_t hard_cap = max_out + 1; /* one spare byte to see the limit crossed */
	size_t cap = n < (SIZE_MAX >> 3) ? n * 4 : hard_cap;
	cap = cap < 65536 ? 65536 : cap;
	cap = cap > hard_cap ? hard_cap : cap;
	buf = malloc(cap);
	if (!buf || inflateInit(&zs) != Z_OK)
		return fail(err, errlen, -ENOMEM, "zlib: out of memory");
	size_t in_done = 0, total = 0;
	for (;;) {
		if (total == cap) {
			if (cap == hard_cap)
				break;
			if (grow_out(&buf, &cap, hard_cap) < 0)
				return fail(err, errlen, -ENOMEM, "zlib: out of memory");
		}
		size_t in_avail = n - in_done, out_avail = cap - total;
		zs.next_in = (unsigned char *)(uintptr_t)(in + in_done); /* zlib's API is not const */
		zs.avail_in = in_avail > UINT_MAX ? UINT_MAX : (uInt)in_avail;
		zs.next_out = buf + total;
		zs.avail_out = out_avail > UINT_MAX ? UINT_MAX : (uInt)out_avail;
		uInt in_before = zs.avail_in, out_before = zs.avail_out;
		int rc = inflate(&zs, Z_NO_FLUSH);
		in_done += in_before - zs.avail_in;
		total += out_before - zs.avail_out;
		if (rc == Z_STREAM_END)
			break;
		switch (rc) {
		case Z_OK:
			continue;
		case Z_BUF_ERROR: /* no progress; output has room, so input ran out */
			return fail(err, errlen, -EINVAL, "zlib: compressed data is truncated (%zu bytes end mid-stream)",
				    n);
		case Z_NEED_DICT:
			return fail(err, errlen, -EINVAL, "zlib: stream needs a preset dictionary");
		case Z_MEM_ERROR:
			return fail(err, errlen, -ENOMEM, "zlib: out of memory");
		default:
			return fail(err, errlen, -EINVAL, "zlib: invalid data at input byte %zu: %s", in_done,
				    zs.msg ? zs.msg : "error");
		}
	}
	if (total > max_out)
		return fail(err, errlen, -EFBIG, "zlib: decompressed data exceeds the limit of %zu bytes", max_out);
	if (in_done != n)
		return fail(err, errlen, -EINVAL, "zlib: %zu unexpected bytes after the end of the compressed stream",
			    n - in_done);
	*out = steal_pointer(&buf);
	*out_len = total;
	return 0;
}

/* ---- pickle --------------------------------------------------------- */

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
			return fail(r->err, r->errlen, -EINVAL,
				    "pickle: %s at offset %zu needs %llu bytes but its frame ends at offset %zu",
				    pk_name(op, nb), at, (unsigned long long)len, r->frame_end);
		return fail(r->err, r->errlen, -EINVAL,
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
		return fail(r->err, r->errlen, -EINVAL, "pickle: %s at offset %zu has no newline before the end of %s",
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
		return fail(r->err, r->errlen, -EINVAL,
			    "pickle: FRAME at offset %zu starts before the frame ending at offset %zu is finished", at,
			    r->frame_end);
	uint64_t len = le_uint(b, 8);
	if (len > r->n - r->pos)
		return fail(r->err, r->errlen, -EINVAL,
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
			return fail(r->err, r->errlen, -EINVAL, "pickle: PUT at offset %zu: argument is not a decimal number",
				    at);
	}
	if (rc < 0)
		return rc;
	if (depth == 0)
		return fail(r->err, r->errlen, -EINVAL, "pickle: %s at offset %zu with nothing on the stack",
			    pk_name(op, nb), at);
	return 0;
}

static int pk_stop(struct pk_reader *r, size_t at, size_t depth)
{
	if (depth != 1)
		return fail(r->err, r->errlen, -EINVAL,
			    "pickle: STOP at offset %zu with %zu items on the stack; expected exactly one str", at, depth);
	if (r->pos != r->n)
		return fail(r->err, r->errlen, -EINVAL, "pickle: %zu unexpected bytes after STOP at offset %zu",
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
		return fail(err, errlen, -EINVAL, "pickle: empty data");
	for (;;) {
		size_t at = r.pos;
		if (pk_limit(&r) == at)
			return fail(err, errlen, -EINVAL, "pickle: data ends at offset %zu without a STOP opcode", at);
		unsigned op = pk[r.pos++];
		const unsigned char *b;
		int rc = 0;
		switch (op) {
		case PK_PROTO:
			if (at != 0)
				return fail(err, errlen, -EINVAL,
					    "pickle: PROTO at offset %zu: allowed only as the first opcode", at);
			rc = pk_take(&r, op, at, 1, &b);
			if (rc == 0 && *b > PK_HIGHEST_PROTOCOL)
				return fail(err, errlen, -EINVAL, "pickle: unsupported protocol %u at offset %zu", *b, at);
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
			return fail(err, errlen, -EINVAL,
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
		return fail(err, errlen, -ENOMEM, "pickle: out of memory");
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
					return fail(err, errlen, -EINVAL,
						    "pickle: UNICODE at offset %zu: truncated \\u escape at offset %zu",
						    s->offset, at);
				cp = cp << 4 | (uint32_t)h;
			}
			if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
				return fail(err, errlen, -EINVAL,
					    "pickle: UNICODE at offset %zu: escape at offset %zu is U+%04X, %s",
					    s->offset, at, (unsigned)cp,
					    cp == 0 ? "a NUL character" : "not a Unicode scalar value");
		} else if (cp == '\\' && i < s->n) {
			/* A backslash and the character after it both stay. */
			keep_backslash = true;
			cp = s->p[i++];
		}
		if (cp == 0)
			return fail(err, errlen, -EINVAL, "pickle: UNICODE at offset %zu: NUL character at offset %zu",
				    s->offset, at);
		if (o + keep_backslash + utf8_len(cp) > max_out)
			return fail(err, errlen, -EFBIG, "pickle: string exceeds the limit of %zu bytes", max_out);
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
	size_t bad = utf8_invalid_at(s->p, s->n);
	if (bad < s->n)
		return fail(err, errlen, -EINVAL,
			    "pickle: string at offset %zu is not valid UTF-8 (byte 0x%02x at string offset %zu%s)",
			    s->offset, s->p[bad], bad,
			    is_surrogate_seq(s->p + bad, s->n - bad) ? ": a lone surrogate" : "");
	const unsigned char *nul = memchr(s->p, 0, s->n);
	if (nul)
		return fail(err, errlen, -EINVAL, "pickle: string at offset %zu contains a NUL character at string offset %zu",
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
		return fail(err, errlen, -EFBIG, "pickle: string exceeds the limit of %zu bytes", max_out);
	char *copy = malloc(s.n + 1);
	if (!copy)
		return fail(err, errlen, -ENOMEM, "pickle: out of memory");
	memcpy(copy, s.p, s.n);
	copy[s.n] = '\0';
	*out = copy;
	*out_len = s.n;
	return 0;
}

/* Like lcb_tests_unpickle, but reuses the caller's malloc'd pickle buffer
 * for the result where it can (the str's bytes move to its start): a 10 MB
 * string is then never copied into a second allocation. Consumes *pk. */
static int unpickle_in_place(unsigned char **pk, size_t len, size_t max_out, char **out, size_t *out_len,
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

/* ---- private_test_cases --------------------------------------------- */

static bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_json_space(const char *s, size_t len, size_t i)
{
	while (i < len && is_json_space(s[i]))
		i++;
	return i;
}

static struct lcb_tests_limits limits_or_default(const struct lcb_tests_limits *lim)
{
	if (lim)
		return *lim;
	return (struct lcb_tests_limits){ .max_encoded = LCB_TESTS_MAX_ENCODED_DEFAULT,
					  .max_decoded = LCB_TESTS_MAX_DECODED_DEFAULT };
}

/* Which form a field is in: 1 plain JSON list, 0 base64, -EINVAL other JSON. */
static int field_form(const char *field, size_t len, char *err, size_t errlen)
{
	size_t i = skip_json_space(field, len, 0);
	if (i == len)
		return fail(err, errlen, -EINVAL, "private_test_cases is empty");
	if (field[i] == '[')
		return 1;
	if (field[i] == '{' || field[i] == '"')
		return fail(err, errlen, -EINVAL, "private_test_cases is a JSON %s, expected a list or base64",
			    field[i] == '{' ? "object" : "string");
	return 0;
}

static int decode_base64_field(const char *field, size_t len, const struct lcb_tests_limits *lim, char **json,
			       size_t *json_len, char *err, size_t errlen)
{
	if (len > lim->max_encoded)
		return fail(err, errlen, -EFBIG, "private_test_cases: %zu bytes exceed the limit of %zu for base64 data",
			    len, lim->max_encoded);
	autofree unsigned char *zdata = NULL;
	size_t zlen = 0;
	int rc = lcb_tests_b64decode(field, len, &zdata, &zlen, err, errlen);
	if (rc < 0)
		return rc;
	autofree unsigned char *pk = NULL;
	size_t pklen = 0;
	rc = inflate_all(zdata, zlen, lim->max_decoded, &pk, &pklen, err, errlen);
	if (rc < 0)
		return rc;
	free(steal_pointer(&zdata)); /* not needed past this point: lower the peak */
	return unpickle_in_place(&pk, pklen, lim->max_decoded, json, json_len, err, errlen);
}

int lcb_tests_decode_private(const char *field, size_t len, const struct lcb_tests_limits *lim, char **json,
			     size_t *json_len, char *err, size_t errlen)
{
	struct lcb_tests_limits l = limits_or_default(lim);
	int form = field_form(field, len, err, errlen);
	if (form < 0)
		return form;
	if (form == 0)
		return decode_base64_field(field, len, &l, json, json_len, err, errlen);
	if (len > l.max_decoded)
		return fail(err, errlen, -EFBIG, "private_test_cases: %zu bytes of JSON exceed the limit of %zu", len,
			    l.max_decoded);
	size_t bad = utf8_invalid_at((const unsigned char *)field, len);
	if (bad < len)
		return fail(err, errlen, -EINVAL, "private_test_cases: invalid UTF-8 at byte %zu", bad);
	if (memchr(field, 0, len))
		return fail(err, errlen, -EINVAL, "private_test_cases: contains a NUL byte");
	char *copy = malloc(len + 1);
	if (!copy)
		return fail(err, errlen, -ENOMEM, "private_test_cases: out of memory");
	memcpy(copy, field, len);
	copy[len] = '\0';
	*json = copy;
	*json_len = len;
	return 0;
}

/* ---- test lists ----------------------------------------------------- */

/* What cJSON would accept but Python's json.loads would not (raw control
 * characters inside strings, invalid UTF-8, NUL bytes), plus "\u0000",
 * which C strings cannot carry. Outside strings cJSON's own checks suffice. */
static int scan_json_text(const char *text, size_t len, char *err, size_t errlen)
{
	const unsigned char *s = (const unsigned char *)text;
	bool in_str = false;
	for (size_t i = 0; i < len;) {
		if (len - i >= 8) {
			/* Skip 8 printable ASCII bytes with no quote or backslash. */
			uint64_t w = load8(s + i);
			if (!(w & BYTES_80) && !any_byte_below(w, 0x20) && !any_byte_is(w, '"') && !any_byte_is(w, '\\')) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t k = utf8_seq_len(s + i, len - i);
			if (!k)
				return fail(err, errlen, -EINVAL, "JSON: invalid UTF-8 at byte %zu", i);
			i += k;
			continue;
		}
		if (c == '"') {
			in_str = !in_str;
		} else if (c == 0) {
			return fail(err, errlen, -EINVAL, "JSON: NUL byte at byte %zu", i);
		} else if (c < 0x20 && in_str) {
			return fail(err, errlen, -EINVAL,
				    "JSON: raw control character 0x%02x inside a string at byte %zu (JSON requires it escaped)",
				    c, i);
		} else if (c == '\\' && in_str && i + 1 < len && s[i + 1] < 0x80) {
			if (len - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
				return fail(err, errlen, -EINVAL,
					    "JSON: \\u0000 at byte %zu: NUL characters are not supported", i);
			i += 2;
			continue;
		}
		i++;
	}
	return 0;
}

static const char *json_kind(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "a list";
	if (cJSON_IsObject(v))
		return "an object";
	return "invalid";
}

static int parse_type(const cJSON *v, size_t idx, enum lcb_testtype *type, char *err, size_t errlen)
{
	char qb[QUOTE_BUF];
	if (strcmp(v->valuestring, "stdin") == 0)
		*type = LCB_TESTTYPE_STDIN;
	else if (strcmp(v->valuestring, "functional") == 0)
		*type = LCB_TESTTYPE_FUNCTIONAL;
	else
		return fail(err, errlen, -EINVAL, "test %zu: \"testtype\" is %s; expected \"stdin\" or \"functional\"",
			    idx, quote(v->valuestring, strlen(v->valuestring), qb));
	return 0;
}

/* Item idx must be {"input": str, "output": str, "testtype": str}. */
static int check_test(const cJSON *item, size_t idx, enum lcb_testtype *type, char *err, size_t errlen)
{
	static const char *const names[] = { "input", "output", "testtype" };
	const cJSON *found[ARRAY_LEN(names)] = { NULL };
	char qb[QUOTE_BUF];
	if (!cJSON_IsObject(item))
		return fail(err, errlen, -EINVAL, "test %zu: is %s, expected an object", idx, json_kind(item));
	for (const cJSON *f = item->child; f; f = f->next) {
		size_t k = 0;
		while (k < ARRAY_LEN(names) && strcmp(f->string, names[k]) != 0)
			k++;
		if (k == ARRAY_LEN(names))
			return fail(err, errlen, -EINVAL, "test %zu: unknown field %s", idx,
				    quote(f->string, strlen(f->string), qb));
		if (found[k])
			return fail(err, errlen, -EINVAL, "test %zu: field \"%s\" appears twice", idx, names[k]);
		if (!cJSON_IsString(f))
			return fail(err, errlen, -EINVAL, "test %zu: field \"%s\" is %s, expected a string", idx,
				    names[k], json_kind(f));
		found[k] = f;
	}
	for (size_t k = 0; k < ARRAY_LEN(names); k++)
		if (!found[k])
			return fail(err, errlen, -EINVAL, "test %zu: missing field \"%s\"", idx, names[k]);
	return parse_type(found[2], idx, type, err, errlen);
}

/* Move the strings out of the validated tree into tests[] (cannot fail). */
static void steal_tests(cJSON *list, struct lcb_test *tests)
{
	size_t i = 0;
	for (cJSON *item = list->child; item; item = item->next, i++) {
		cJSON *in = cJSON_GetObjectItemCaseSensitive(item, "input");
		cJSON *out = cJSON_GetObjectItemCaseSensitive(item, "output");
		tests[i].input = steal_pointer(&in->valuestring);
		tests[i].output = steal_pointer(&out->valuestring);
	}
}

static void cleanup_cjson(cJSON **j)
{
	cJSON_Delete(*j);
}

int lcb_tests_parse(const char *json, size_t len, struct lcb_test **tests, size_t *n, char *err, size_t errlen)
{
	int rc = scan_json_text(json, len, err, errlen);
	if (rc < 0)
		return rc;
	const char *end = NULL;
	__attribute__((cleanup(cleanup_cjson))) cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root) {
		size_t at = end && end >= json ? (size_t)(end - json) : 0;
		if (skip_json_space(json, len, 0) == len)
			return fail(err, errlen, -EINVAL, "JSON: empty text");
		return fail(err, errlen, -EINVAL, "JSON: syntax error at byte %zu", at);
	}
	size_t tail = skip_json_space(json, len, (size_t)(end - json));
	if (tail < len)
		return fail(err, errlen, -EINVAL, "JSON: unexpected text after the list at byte %zu", tail);
	if (!cJSON_IsArray(root))
		return fail(err, errlen, -EINVAL, "JSON: the tests are %s, expected a list", json_kind(root));
	size_t count = 0;
	for (const cJSON *item = root->child; item; item = item->next, count++) {
		enum lcb_testtype type;
		if ((rc = check_test(item, count, &type, err, errlen)) < 0)
			return rc;
	}
	if (count == 0)
		return 0;
	if (count > SIZE_MAX / sizeof(**tests) - *n)
		return fail(err, errlen, -ENOMEM, "JSON: too many tests");
	struct lcb_test *grown = realloc(*tests, (*n + count) * sizeof(**tests));
	if (!grown)
		return fail(err, errlen, -ENOMEM, "JSON: out of memory");
	*tests = grown;
	struct lcb_test *fresh = grown + *n;
	size_t i = 0;
	for (const cJSON *item = root->child; item; item = item->next, i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(item, "testtype");
		parse_type(t, i, &fresh[i].type, NULL, 0);
	}
	steal_tests(root, fresh);
	*n += count;
	return 0;
}

int lcb_tests_parse_private(const char *field, size_t len, const struct lcb_tests_limits *lim,
			    struct lcb_test **tests, size_t *n, char *err, size_t errlen)
{
	struct lcb_tests_limits l = limits_or_default(lim);
	int form = field_form(field, len, err, errlen);
	if (form < 0)
		return form;
	if (form == 1) {
		if (len > l.max_decoded)
			return fail(err, errlen, -EFBIG, "private_test_cases: %zu bytes of JSON exceed the limit of %zu",
				    len, l.max_decoded);
		return lcb_tests_parse(field, len, tests, n, err, errlen);
	}
	autofree char *json = NULL;
	size_t json_len = 0;
	int rc = decode_base64_field(field, len, &l, &json, &json_len, err, errlen);
	if (rc < 0)
		return rc;
	return lcb_tests_parse(json, json_len, tests, n, err, errlen);
}
