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
#include "input/lcb_tests_internal.h"

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
		return lcb_fail(err, errlen, -ENOMEM, "base64: out of memory");
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
		return lcb_fail(err, errlen, -EINVAL,
			    "base64: invalid: number of data characters (%zu) cannot be 1 more than a multiple of 4",
			    o / 3 * 4 + 1);
	if (quad != 0)
		return lcb_fail(err, errlen, -EINVAL, "base64: incorrect padding");
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
		return lcb_fail(err, errlen, -EINVAL, "zlib: no compressed data");
	if (max_out > SIZE_MAX - 1)
		max_out = SIZE_MAX - 1;
	size_t hard_cap = max_out + 1; /* one spare byte to see the limit crossed */
	size_t cap = n < (SIZE_MAX >> 3) ? n * 4 : hard_cap;
	cap = cap < 65536 ? 65536 : cap;
	cap = cap > hard_cap ? hard_cap : cap;
	buf = malloc(cap);
	if (!buf || inflateInit(&zs) != Z_OK)
		return lcb_fail(err, errlen, -ENOMEM, "zlib: out of memory");
	size_t in_done = 0, total = 0;
	for (;;) {
		if (total == cap) {
			if (cap == hard_cap)
				break;
			if (grow_out(&buf, &cap, hard_cap) < 0)
				return lcb_fail(err, errlen, -ENOMEM, "zlib: out of memory");
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
			return lcb_fail(err, errlen, -EINVAL, "zlib: compressed data is truncated (%zu bytes end mid-stream)",
				    n);
		case Z_NEED_DICT:
			return lcb_fail(err, errlen, -EINVAL, "zlib: stream needs a preset dictionary");
		case Z_MEM_ERROR:
			return lcb_fail(err, errlen, -ENOMEM, "zlib: out of memory");
		default:
			return lcb_fail(err, errlen, -EINVAL, "zlib: invalid data at input byte %zu: %s", in_done,
				    zs.msg ? zs.msg : "error");
		}
	}
	if (total > max_out)
		return lcb_fail(err, errlen, -EFBIG, "zlib: decompressed data exceeds the limit of %zu bytes", max_out);
	if (in_done != n)
		return lcb_fail(err, errlen, -EINVAL, "zlib: %zu unexpected bytes after the end of the compressed stream",
			    n - in_done);
	*out = steal_pointer(&buf);
	*out_len = total;
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
		return lcb_fail(err, errlen, -EINVAL, "private_test_cases is empty");
	if (field[i] == '[')
		return 1;
	if (field[i] == '{' || field[i] == '"')
		return lcb_fail(err, errlen, -EINVAL, "private_test_cases is a JSON %s, expected a list or base64",
			    field[i] == '{' ? "object" : "string");
	return 0;
}

static int decode_base64_field(const char *field, size_t len, const struct lcb_tests_limits *lim, char **json,
			       size_t *json_len, char *err, size_t errlen)
{
	if (len > lim->max_encoded)
		return lcb_fail(err, errlen, -EFBIG, "private_test_cases: %zu bytes exceed the limit of %zu for base64 data",
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
	return lcb_unpickle_in_place(&pk, pklen, lim->max_decoded, json, json_len, err, errlen);
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
		return lcb_fail(err, errlen, -EFBIG, "private_test_cases: %zu bytes of JSON exceed the limit of %zu", len,
			    l.max_decoded);
	size_t bad = lcb_utf8_invalid_at((const unsigned char *)field, len);
	if (bad < len)
		return lcb_fail(err, errlen, -EINVAL, "private_test_cases: invalid UTF-8 at byte %zu", bad);
	if (memchr(field, 0, len))
		return lcb_fail(err, errlen, -EINVAL, "private_test_cases: contains a NUL byte");
	char *copy = malloc(len + 1);
	if (!copy)
		return lcb_fail(err, errlen, -ENOMEM, "private_test_cases: out of memory");
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
			uint64_t w = lcb_load8(s + i);
			if (!(w & BYTES_80) && !lcb_any_byte_below(w, 0x20) && !lcb_any_byte_is(w, '"') && !lcb_any_byte_is(w, '\\')) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t k = lcb_utf8_seq_len(s + i, len - i);
			if (!k)
				return lcb_fail(err, errlen, -EINVAL, "JSON: invalid UTF-8 at byte %zu", i);
			i += k;
			continue;
		}
		if (c == '"') {
			in_str = !in_str;
		} else if (c == 0) {
			return lcb_fail(err, errlen, -EINVAL, "JSON: NUL byte at byte %zu", i);
		} else if (c < 0x20 && in_str) {
			return lcb_fail(err, errlen, -EINVAL,
				    "JSON: raw control character 0x%02x inside a string at byte %zu (JSON requires it escaped)",
				    c, i);
		} else if (c == '\\' && in_str && i + 1 < len && s[i + 1] < 0x80) {
			if (len - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
				return lcb_fail(err, errlen, -EINVAL,
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
		return lcb_fail(err, errlen, -EINVAL, "test %zu: \"testtype\" is %s; expected \"stdin\" or \"functional\"",
			    idx, lcb_quote(v->valuestring, strlen(v->valuestring), qb));
	return 0;
}

/* Item idx must be {"input": str, "output": str, "testtype": str}. */
static int check_test(const cJSON *item, size_t idx, enum lcb_testtype *type, char *err, size_t errlen)
{
	static const char *const names[] = { "input", "output", "testtype" };
	const cJSON *found[ARRAY_LEN(names)] = { NULL };
	char qb[QUOTE_BUF];
	if (!cJSON_IsObject(item))
		return lcb_fail(err, errlen, -EINVAL, "test %zu: is %s, expected an object", idx, json_kind(item));
	for (const cJSON *f = item->child; f; f = f->next) {
		size_t k = 0;
		while (k < ARRAY_LEN(names) && strcmp(f->string, names[k]) != 0)
			k++;
		if (k == ARRAY_LEN(names))
			return lcb_fail(err, errlen, -EINVAL, "test %zu: unknown field %s", idx,
				    lcb_quote(f->string, strlen(f->string), qb));
		if (found[k])
			return lcb_fail(err, errlen, -EINVAL, "test %zu: field \"%s\" appears twice", idx, names[k]);
		if (!cJSON_IsString(f))
			return lcb_fail(err, errlen, -EINVAL, "test %zu: field \"%s\" is %s, expected a string", idx,
				    names[k], json_kind(f));
		found[k] = f;
	}
	for (size_t k = 0; k < ARRAY_LEN(names); k++)
		if (!found[k])
			return lcb_fail(err, errlen, -EINVAL, "test %zu: missing field \"%s\"", idx, names[k]);
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
			return lcb_fail(err, errlen, -EINVAL, "JSON: empty text");
		return lcb_fail(err, errlen, -EINVAL, "JSON: syntax error at byte %zu", at);
	}
	size_t tail = skip_json_space(json, len, (size_t)(end - json));
	if (tail < len)
		return lcb_fail(err, errlen, -EINVAL, "JSON: unexpected text after the list at byte %zu", tail);
	if (!cJSON_IsArray(root))
		return lcb_fail(err, errlen, -EINVAL, "JSON: the tests are %s, expected a list", json_kind(root));
	size_t count = 0;
	for (const cJSON *item = root->child; item; item = item->next, count++) {
		enum lcb_testtype type;
		if ((rc = check_test(item, count, &type, err, errlen)) < 0)
			return rc;
	}
	if (count == 0)
		return 0;
	if (count > SIZE_MAX / sizeof(**tests) - *n)
		return lcb_fail(err, errlen, -ENOMEM, "JSON: too many tests");
	struct lcb_test *grown = realloc(*tests, (*n + count) * sizeof(**tests));
	if (!grown)
		return lcb_fail(err, errlen, -ENOMEM, "JSON: out of memory");
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
			return lcb_fail(err, errlen, -EFBIG, "private_test_cases: %zu bytes of JSON exceed the limit of %zu",
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
