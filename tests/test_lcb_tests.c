/* Unit tests for src/input/lcb_tests.c (TAP). argv[1] is the fixtures/lcb
 * directory written by tests/gen_lcb_vectors.py; without it,
 * $VERDICT_SOURCE_ROOT/fixtures/lcb, else ./fixtures/lcb. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "input/lcb_tests.h"
#include "tap.h"

static const char *fixtures = "fixtures/lcb";

/* The whole of fixtures/<name>, NUL-terminated; NULL (and a failed test
 * point) if it cannot be read. */
static char *fixture(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	autofclose FILE *f = fopen(path, "rbe");
	if (!f) {
		tap_ok(false, "read fixture %s: %s", path, strerror(errno));
		return NULL;
	}
	autofree char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *g = realloc(buf, cap);
			if (!g)
				return NULL;
			buf = g;
		}
		size_t r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r < 4096)
			break;
	}
	buf[n] = '\0';
	*len = n;
	return steal_pointer(&buf);
}

static bool has(const char *err, const char *needle)
{
	return strstr(err, needle) != NULL;
}

/* ---- fixtures that must decode ---------------------------------------- */

static void check_canonical_tests(const char *what, const struct lcb_test *t, size_t n)
{
	bool ok = n == 3 && t[0].type == LCB_TESTTYPE_STDIN && t[1].type == LCB_TESTTYPE_FUNCTIONAL &&
		  t[2].type == LCB_TESTTYPE_STDIN && TAP_STREQ(t[0].input, "3\n1 2 3\n") &&
		  TAP_STREQ(t[0].output, "6\n") && TAP_STREQ(t[1].input, "\"caf\xc3\xa9\"\n[1, 2]") &&
		  TAP_STREQ(t[1].output, "\"\xe4\xb8\xad\xf0\x9f\x98\x80\"") &&
		  TAP_STREQ(t[2].input, "a\\b\\u0041\t\"q\"\n") && TAP_STREQ(t[2].output, "\\n");
	tap_ok(ok, "%s: 3 tests with the expected fields and types", what);
}

static void test_good_fixtures(void)
{
	static const char *const names[] = {
		"private-p0.b64", "private-p1.b64",	"private-p2.b64",      "private-p3.b64",
		"private-p4.b64", "private-p5.b64",	"private-plain.json", "private-wrapped.b64",
	};
	size_t want_len = 0;
	autofree char *want = fixture("tests.json", &want_len);
	if (!want)
		return;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		size_t len = 0, json_len = 0;
		autofree char *field = fixture(names[i], &len);
		autofree char *json = NULL;
		char err[256] = "";
		if (!field)
			continue;
		int rc = lcb_tests_decode_private(field, len, NULL, &json, &json_len, err, sizeof(err));
		if (!tap_ok(rc == 0, "%s decodes", names[i])) {
			tap_diag("%s", err);
			continue;
		}
		const char *body = want;
		size_t body_len = want_len;
		if (strcmp(names[i], "private-plain.json") == 0) /* returned as is, whitespace too */
			body = field, body_len = len;
		tap_ok(json_len == body_len && memcmp(json, body, body_len) == 0 && json[json_len] == '\0',
		       "%s: decoded text is byte-identical to Python's", names[i]);

		struct lcb_test *tests = NULL;
		size_t n = 0;
		rc = lcb_tests_parse(json, json_len, &tests, &n, err, sizeof(err));
		tap_ok(rc == 0, "%s: the decoded list parses %s", names[i], rc ? err : "");
		check_canonical_tests(names[i], tests, n);
		lcb_tests_free(&tests, n);
		n = 0;

		rc = lcb_tests_parse_private(field, len, NULL, &tests, &n, err, sizeof(err));
		n = rc == 0 ? n : 0;
		tap_ok(rc == 0 && n == 3, "%s: lcb_tests_parse_private gives the same 3 tests", names[i]);
		lcb_tests_free(&tests, n);
		tap_ok(tests == NULL, "%s: lcb_tests_free clears the pointer", names[i]);
	}
}

static void test_large_string(void)
{
	size_t len = 0;
	autofree char *field = fixture("private-large.b64", &len);
	struct lcb_test *tests = NULL;
	size_t n = 0;
	char err[256] = "";
	if (!field)
		return;
	int rc = lcb_tests_parse_private(field, len, NULL, &tests, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 1 && strlen(tests[0].input) == 70001 && TAP_STREQ(tests[0].output, "70000\n"),
	       "private-large.b64: 70 kB string stored outside any frame decodes (%s)", rc ? err : "ok");
	lcb_tests_free(&tests, n);
}

/* ---- limits -------------------------------------------------------------- */

static void test_limits(void)
{
	size_t len = 0, json_len = 0;
	autofree char *field = fixture("bomb.b64", &len);
	autofree char *json = NULL;
	char err[256] = "";
	if (!field)
		return;
	int rc = lcb_tests_decode_private(field, len, NULL, &json, &json_len, err, sizeof(err));
	tap_ok(rc == 0 && json_len == 262144, "bomb.b64: %zu bytes of base64 inflate to 256 KiB under default limits",
	       len);
	struct lcb_test *tests = NULL;
	size_t n = 0;
	rc = lcb_tests_parse(json, json_len, &tests, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 0 && tests == NULL, "bomb.b64: decodes to an empty list");

	struct lcb_tests_limits small = { .max_encoded = 1 << 20, .max_decoded = 65536 };
	lcb_tests_free_json(&json);
	rc = lcb_tests_decode_private(field, len, &small, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EFBIG && json == NULL && has(err, "zlib: decompressed data exceeds the limit of 65536 bytes"),
	       "bomb.b64 over a 64 KiB cap: -EFBIG, %s", err);
	rc = lcb_tests_parse_private(field, len, &small, &tests, &n, err, sizeof(err));
	tap_ok(rc == -EFBIG && n == 0, "bomb.b64 via lcb_tests_parse_private: -EFBIG");

	small = (struct lcb_tests_limits){ .max_encoded = 100, .max_decoded = 1 << 20 };
	rc = lcb_tests_decode_private(field, len, &small, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EFBIG && has(err, "exceed the limit of 100"), "base64 field over max_encoded: %s", err);

	/* Exactly at the cap is fine; one byte under is not. */
	small = (struct lcb_tests_limits){ .max_encoded = 1 << 20, .max_decoded = 262153 };
	rc = lcb_tests_decode_private(field, len, &small, &json, &json_len, err, sizeof(err));
	tap_ok(rc == 0, "decompressed size equal to max_decoded is accepted");
	lcb_tests_free_json(&json);
	small.max_decoded = 262152;
	rc = lcb_tests_decode_private(field, len, &small, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EFBIG, "one byte over max_decoded is refused");

	const char plain[] = "[]";
	small = (struct lcb_tests_limits){ .max_encoded = 1, .max_decoded = 1 };
	rc = lcb_tests_decode_private(plain, 2, &small, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EFBIG && has(err, "bytes of JSON exceed"), "plain JSON over max_decoded: %s", err);

	unsigned char pk[] = "\x80\x04\x8c\x02[]\x94.";
	rc = lcb_tests_unpickle(pk, sizeof(pk) - 1, 1, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EFBIG, "lcb_tests_unpickle honours max_out: %s", err);
	unsigned char p0[] = "V\xe9\xe9\np0\n.";
	rc = lcb_tests_unpickle(p0, sizeof(p0) - 1, 3, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EFBIG, "UNICODE growing past max_out (2 Latin-1 bytes -> 4): %s", err);
	rc = lcb_tests_unpickle(p0, sizeof(p0) - 1, 4, &json, &json_len, err, sizeof(err));
	tap_ok(rc == 0 && TAP_STREQ(json, "\xc3\xa9\xc3\xa9"), "UNICODE exactly at max_out");
}

/* ---- fixtures that must be rejected ---------------------------------- */

struct reject {
	const char *file;
	int rc;
	const char *msg;
};

static const struct reject rejects[] = {
	{ "evil-reduce-p0.b64", -EINVAL, "pickle: GLOBAL (0x63) at offset 0 is not allowed" },
	{ "evil-reduce-p2.b64", -EINVAL, "pickle: GLOBAL (0x63) at offset 2 is not allowed" },
	{ "evil-reduce-p4.b64", -EINVAL, "pickle: STACK_GLOBAL (0x93) at offset 28 is not allowed" },
	{ "evil-list.b64", -EINVAL, "pickle: EMPTY_LIST (0x5d) at offset 11 is not allowed" },
	{ "evil-dict.b64", -EINVAL, "pickle: EMPTY_DICT (0x7d) at offset 11 is not allowed" },
	{ "evil-bytes.b64", -EINVAL, "pickle: SHORT_BINBYTES (0x43) at offset 11 is not allowed" },
	{ "evil-two-strings.b64", -EINVAL, "pickle: STOP at offset 12 with 2 items on the stack" },
	{ "bad-frame-unterminated.b64", -EINVAL, "FRAME at offset 2 declares 64 bytes but only 6 remain" },
	{ "bad-frame-straddle.b64", -EINVAL,
	  "SHORT_BINUNICODE (0x8c) at offset 11 needs 2 bytes but its frame ends at offset 14" },
	{ "bad-frame-nested.b64", -EINVAL, "FRAME at offset 11 starts before the frame ending at offset 25" },
	{ "bad-length-past-end.b64", -EINVAL, "BINUNICODE (0x58) at offset 2 needs 1000 bytes but only 4 remain" },
	{ "bad-length8-huge.b64", -EINVAL, "BINUNICODE8 (0x8d) at offset 2 needs 9223372036854775807 bytes" },
	{ "bad-trailing-garbage.b64", -EINVAL, "pickle: 7 unexpected bytes after STOP at offset 7" },
	{ "bad-no-stop.b64", -EINVAL, "pickle: data ends at offset 7 without a STOP opcode" },
	{ "bad-utf8.b64", -EINVAL, "is not valid UTF-8 (byte 0xff at string offset 2)" },
	{ "bad-surrogate.b64", -EINVAL, "is not valid UTF-8 (byte 0xed at string offset 2: a lone surrogate)" },
	{ "bad-nul.b64", -EINVAL, "contains a NUL character at string offset 1" },
	{ "bad-memo-empty.b64", -EINVAL, "MEMOIZE (0x94) at offset 2 with nothing on the stack" },
	{ "bad-proto-6.b64", -EINVAL, "unsupported protocol 6 at offset 0" },
	{ "bad-proto-late.b64", -EINVAL, "PROTO at offset 4: allowed only as the first opcode" },
	{ "bad-empty-stack.b64", -EINVAL, "STOP at offset 2 with 0 items on the stack" },
	{ "bad-unicode-escape.b64", -EINVAL, "UNICODE at offset 0: truncated \\u escape at offset 2" },
	{ "bad-unicode-newline.b64", -EINVAL, "UNICODE (0x56) at offset 0 has no newline before the end of the data" },
	{ "bad-put-arg.b64", -EINVAL, "PUT at offset 4: argument is not a decimal number" },
	{ "bad-base64-padding.b64", -EINVAL, "base64: incorrect padding" },
	{ "bad-base64-dangling.b64", -EINVAL, "number of data characters (25) cannot be 1 more than a multiple of 4" },
	{ "bad-zlib-header.b64", -EINVAL, "zlib: invalid data at input byte 2: incorrect header check" },
	{ "bad-zlib-truncated.b64", -EINVAL, "zlib: compressed data is truncated" },
	{ "bad-zlib-trailing.b64", -EINVAL, "zlib: 4 unexpected bytes after the end of the compressed stream" },
	{ "bad-zlib-checksum.b64", -EINVAL, "incorrect data check" },
	{ "bad-zlib-dict.b64", -EINVAL, "zlib: stream needs a preset dictionary" },
};

static void test_rejects(void)
{
	for (size_t i = 0; i < ARRAY_LEN(rejects); i++) {
		const struct reject *r = &rejects[i];
		size_t len = 0, json_len = 0;
		autofree char *field = fixture(r->file, &len);
		char *json = NULL;
		char err[256] = "";
		if (!field)
			continue;
		int rc = lcb_tests_decode_private(field, len, NULL, &json, &json_len, err, sizeof(err));
		if (!tap_ok(rc == r->rc && json == NULL && has(err, r->msg), "%s rejected: %s", r->file, err))
			tap_diag("want rc %d and \"%s\", got rc %d", r->rc, r->msg, rc);
		free(json);
		struct lcb_test *tests = NULL;
		size_t n = 0;
		char err2[256] = "";
		rc = lcb_tests_parse_private(field, len, NULL, &tests, &n, err2, sizeof(err2));
		tap_ok(rc == r->rc && n == 0 && tests == NULL && strcmp(err, err2) == 0,
		       "%s: lcb_tests_parse_private gives the same error", r->file);
	}
	size_t len = 0;
	autofree char *field = fixture("ok-base64-after-pad.b64", &len);
	struct lcb_test *tests = NULL;
	size_t n = 0;
	char err[256] = "";
	if (field) {
		int rc = lcb_tests_parse_private(field, len, NULL, &tests, &n, err, sizeof(err));
		tap_ok(rc == 0 && n == 0, "ok-base64-after-pad.b64: text after the pad is ignored, as Python does (%s)",
		       rc ? err : "ok");
	}
}

/* ---- base64 against Python's own results ----------------------------- */

static size_t unhex(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;
	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned v = 0;
		sscanf(s + i, "%2x", &v);
		out[o++] = (unsigned char)v;
	}
	return o;
}

static void test_base64_vectors(void)
{
	size_t len = 0;
	autofree char *text = fixture("base64-vectors.txt", &len);
	if (!text)
		return;
	size_t cases = 0, bad = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		unsigned char in[64], want[64];
		size_t in_len = line[0] == '-' ? 0 : unhex(line, (size_t)(tab - line), in);
		bool want_ok = strncmp(tab + 1, "ok:", 3) == 0;
		size_t want_len = want_ok ? unhex(tab + 4, strlen(tab + 4), want) : 0;
		autofree unsigned char *out = NULL;
		size_t out_len = 0;
		char err[256] = "";
		int rc = lcb_tests_b64decode((const char *)in, in_len, &out, &out_len, err, sizeof(err));
		bool ok = want_ok ? rc == 0 && out_len == want_len && memcmp(out, want, want_len) == 0 : rc == -EINVAL;
		if (!ok) {
			bad++;
			tap_diag("base64 vector %s: want %s, got rc %d (%s)", line, tab + 1, rc, err);
		}
		cases++;
	}
	tap_ok(cases > 100 && bad == 0, "base64: %zu vectors agree with Python's b64decode (%zu differ)", cases, bad);
}

/* ---- the pickle reader on hand-made input ---------------------------- */

struct pickle_case {
	const char *what;
	const char *pk;
	size_t len;
	const char *want; /* decoded text, or NULL */
	const char *msg;  /* expected error, when want is NULL */
};

#define PK(s) s, sizeof(s) - 1

static const struct pickle_case pickle_cases[] = {
	{ "BINUNICODE8", PK("\x80\x04\x8d\x02\0\0\0\0\0\0\0[]\x94."), "[]", NULL },
	{ "empty string", PK("\x80\x04\x8c\x00\x94."), "", NULL },
	{ "LONG_BINPUT", PK("X\x02\0\0\0[]r\x05\0\0\0."), "[]", NULL },
	{ "several memo opcodes", PK("\x80\x02\x8c\x02[]q\x01\x94p7\n."), "[]", NULL },
	{ "zero-length frame", PK("\x80\x04\x95\0\0\0\0\0\0\0\0\x8c\x02[]\x94."), "[]", NULL },
	{ "frame ending exactly after a header", PK("\x80\x04\x95\x05\0\0\0\0\0\0\0X\x02\0\0\0[]\x94."), "[]", NULL },
	{ "frames back to back", PK("\x80\x05\x95\x05\0\0\0\0\0\0\0X\x02\0\0\0[]\x95\x02\0\0\0\0\0\0\0\x94."), "[]",
	  NULL },
	{ "frame with STOP inside", PK("\x80\x04\x95\x06\0\0\0\0\0\0\0\x8c\x02[]\x94."), "[]", NULL },
	{ "UNICODE Latin-1 bytes", PK("V\xe9\xff\n."), "\xc3\xa9\xc3\xbf", NULL },
	{ "UNICODE \\u and \\U", PK("V\\u4e2d\\U0001F600\\\\u0041\\x\n."), "\xe4\xb8\xad\xf0\x9f\x98\x80\\\\u0041\\x", NULL },
	{ "UNICODE trailing backslash", PK("Va\\\n."), "a\\", NULL },
	{ "UNICODE lone surrogate", PK("V\\ud800\n."), NULL, "escape at offset 1 is U+D800, not a Unicode scalar value" },
	{ "UNICODE out of range", PK("V\\U00110000\n."), NULL, "is U+110000, not a Unicode scalar value" },
	{ "UNICODE \\u0000", PK("Vab\\u0000\n."), NULL, "escape at offset 3 is U+0000, a NUL character" },
	{ "UNICODE literal NUL byte", PK("Va\0b\n."), NULL, "UNICODE at offset 0: NUL character at offset 2" },
	{ "UNICODE backslash before NUL", PK("Va\\\0\n."), NULL, "NUL character at offset 2" },
	{ "PUT with 21 digits", PK("V[]\np123456789012345678901\n."), NULL, "PUT at offset 4: argument is not a decimal" },
	{ "PUT with 20 digits", PK("V[]\np12345678901234567890\n."), "[]", NULL },
	{ "UNICODE bad hex", PK("V\\u12g4\n."), NULL, "truncated \\u escape at offset 1" },
	{ "UNICODE newline outside the frame", PK("\x80\x04\x95\x02\0\0\0\0\0\0\0Va\n."), NULL,
	  "UNICODE (0x56) at offset 11 has no newline before the end of its frame" },
	{ "empty input", PK(""), NULL, "pickle: empty data" },
	{ "PROTO without argument", PK("\x80"), NULL, "PROTO (0x80) at offset 0 needs 1 bytes but only 0 remain" },
	{ "FRAME header cut", PK("\x80\x04\x95\x01\0"), NULL, "FRAME (0x95) at offset 2 needs 8 bytes" },
	{ "frame length near 2^64", PK("\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\xff."), NULL,
	  "declares 18446744073709551615 bytes" },
	{ "BINUNICODE length cut", PK("X\x02\0"), NULL, "BINUNICODE (0x58) at offset 0 needs 4 bytes" },
	{ "GET", PK("\x80\x02X\x02\0\0\0[]q\x00h\x00."), NULL, "BINGET (0x68) at offset 11 is not allowed" },
	{ "POP", PK("X\x02\0\0\0[]0."), NULL, "POP (0x30) at offset 7 is not allowed" },
	{ "REDUCE", PK("X\x02\0\0\0[]R."), NULL, "REDUCE (0x52) at offset 7 is not allowed" },
	{ "BUILD", PK("X\x02\0\0\0[]b."), NULL, "BUILD (0x62) at offset 7 is not allowed" },
	{ "INST", PK("(ios\nsystem\n."), NULL, "MARK (0x28) at offset 0 is not allowed" },
	{ "OBJ", PK("o."), NULL, "OBJ (0x6f) at offset 0 is not allowed" },
	{ "NEWOBJ", PK("\x80\x02\x81."), NULL, "NEWOBJ (0x81) at offset 2 is not allowed" },
	{ "PERSID", PK("Pfoo\n."), NULL, "PERSID (0x50) at offset 0 is not allowed" },
	{ "STRING (protocol 0 bytes-ish str)", PK("S'[]'\n."), NULL, "STRING (0x53) at offset 0 is not allowed" },
	{ "unknown opcode", PK("\xff"), NULL, "unknown opcode 0xff at offset 0 is not allowed" },
	{ "PUT with sign", PK("V[]\np+1\n."), NULL, "PUT at offset 4: argument is not a decimal number" },
	{ "PUT without newline", PK("V[]\np1"), NULL, "PUT (0x70) at offset 4 has no newline" },
	{ "BINPUT without argument", PK("V[]\nq"), NULL, "BINPUT (0x71) at offset 4 needs 1 bytes but only 0 remain" },
	{ "overlong UTF-8", PK("\x8c\x02\xc0\xaf."), NULL, "not valid UTF-8 (byte 0xc0 at string offset 0)" },
	{ "UTF-8 above U+10FFFF", PK("\x8c\x04\xf4\x90\x80\x80."), NULL, "not valid UTF-8" },
	{ "UTF-8 cut short", PK("\x8c\x02" "a\xe4."), NULL, "not valid UTF-8 (byte 0xe4 at string offset 1)" },
};

static void test_pickle_cases(void)
{
	for (size_t i = 0; i < ARRAY_LEN(pickle_cases); i++) {
		const struct pickle_case *c = &pickle_cases[i];
		autofree char *out = NULL;
		size_t out_len = 0;
		char err[256] = "";
		int rc = lcb_tests_unpickle((const unsigned char *)c->pk, c->len, 1 << 20, &out, &out_len, err,
					    sizeof(err));
		if (c->want)
			tap_ok(rc == 0 && out_len == strlen(c->want) && TAP_STREQ(out, c->want), "pickle: %s %s", c->what,
			       rc ? err : "decodes");
		else if (!tap_ok(rc == -EINVAL && out == NULL && has(err, c->msg), "pickle: %s rejected: %s", c->what, err))
			tap_diag("want \"%s\"", c->msg);
	}
}

/* Every single byte that is not an accepted opcode is refused by name. */
static void test_every_opcode(void)
{
	static const unsigned char accepted[] = { 0x80, 0x95, 0x8c, 'X', 0x8d, 'V', 0x94, 'p', 'q', 'r', '.' };
	size_t refused = 0, others = 0;
	for (unsigned op = 0; op < 256; op++) {
		unsigned char pk[2] = { (unsigned char)op, '.' };
		char *out = NULL;
		size_t out_len;
		char err[256] = "";
		int rc = lcb_tests_unpickle(pk, sizeof(pk), 1 << 20, &out, &out_len, err, sizeof(err));
		free(out);
		if (memchr(accepted, (int)op, sizeof(accepted)))
			others += rc != 0 && !has(err, "is not allowed");
		else
			refused += rc == -EINVAL && has(err, "at offset 0 is not allowed: only a pickled str is accepted");
	}
	tap_ok(refused == 256 - sizeof(accepted) && others == sizeof(accepted),
	       "every one of the %zu other opcode bytes is refused at offset 0 (%zu)", 256 - sizeof(accepted),
	       refused);
}

/* ---- test lists ------------------------------------------------------------ */

struct parse_case {
	const char *what;
	const char *json;
	const char *msg;
};

static const struct parse_case parse_errors[] = {
	{ "object", "{}", "JSON: the tests are an object, expected a list" },
	{ "string", "\"[]\"", "JSON: the tests are a string, expected a list" },
	{ "item not an object", "[{\"input\":\"1\",\"output\":\"2\",\"testtype\":\"stdin\"}, 5]",
	  "test 1: is a number, expected an object" },
	{ "missing output", "[{\"input\":\"1\",\"testtype\":\"stdin\"}]", "test 0: missing field \"output\"" },
	{ "missing testtype", "[{\"input\":\"1\",\"output\":\"2\"}]", "test 0: missing field \"testtype\"" },
	{ "input a number", "[{\"input\":1,\"output\":\"2\",\"testtype\":\"stdin\"}]",
	  "test 0: field \"input\" is a number, expected a string" },
	{ "output null", "[{\"input\":\"1\",\"output\":null,\"testtype\":\"stdin\"}]",
	  "test 0: field \"output\" is null, expected a string" },
	{ "testtype a list", "[{\"input\":\"1\",\"output\":\"2\",\"testtype\":[]}]",
	  "test 0: field \"testtype\" is a list, expected a string" },
	{ "unknown testtype", "[{\"input\":\"1\",\"output\":\"2\",\"testtype\":\"interactive\"}]",
	  "test 0: \"testtype\" is \"interactive\"; expected \"stdin\" or \"functional\"" },
	{ "testtype case", "[{\"input\":\"1\",\"output\":\"2\",\"testtype\":\"STDIN\"}]", "\"testtype\" is \"STDIN\"" },
	{ "testtype quoted safely",
	  "[{\"input\":\"1\",\"output\":\"2\",\"testtype\":\"\\u001b[31mred\\\"\\\\xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}]",
	  "\"testtype\" is \"\\x1b[31mred\\\"\\\\xxxxxxxxxxxxxxxxxxxxxx\"...;" },
	{ "unknown field", "[{\"input\":\"1\",\"output\":\"2\",\"testtype\":\"stdin\",\"metadata\":\"x\"}]",
	  "test 0: unknown field \"metadata\"" },
	{ "field name case", "[{\"Input\":\"1\",\"output\":\"2\",\"testtype\":\"stdin\"}]", "unknown field \"Input\"" },
	{ "duplicate field", "[{\"input\":\"1\",\"output\":\"2\",\"input\":\"3\",\"testtype\":\"stdin\"}]",
	  "test 0: field \"input\" appears twice" },
	{ "raw newline in a string", "[{\"input\":\"1\n\",\"output\":\"2\",\"testtype\":\"stdin\"}]",
	  "raw control character 0x0a inside a string at byte 12" },
	{ "\\u0000", "[{\"input\":\"a\\u0000\",\"output\":\"2\",\"testtype\":\"stdin\"}]",
	  "JSON: \\u0000 at byte 12: NUL characters are not supported" },
	{ "invalid UTF-8", "[{\"input\":\"\xe9\",\"output\":\"2\",\"testtype\":\"stdin\"}]", "JSON: invalid UTF-8 at byte 11" },
	{ "trailing text", "[] x", "JSON: unexpected text after the list at byte 3" },
	{ "two lists", "[][]", "JSON: unexpected text after the list at byte 2" },
	{ "syntax error", "[{\"input\":}]", "JSON: syntax error at byte" },
	{ "empty", " \n", "JSON: empty text" },
	{ "testtype a boolean", "[{\"input\":\"1\",\"output\":\"2\",\"testtype\":true}]",
	  "field \"testtype\" is a boolean, expected a string" },
	{ "lone surrogate escape", "[{\"input\":\"\\ud800\",\"output\":\"2\",\"testtype\":\"stdin\"}]",
	  "JSON: syntax error" },
};

static void test_parse_errors(void)
{
	for (size_t i = 0; i < ARRAY_LEN(parse_errors); i++) {
		const struct parse_case *c = &parse_errors[i];
		struct lcb_test *tests = NULL;
		size_t n = 0;
		char err[256] = "";
		int rc = lcb_tests_parse(c->json, strlen(c->json), &tests, &n, err, sizeof(err));
		if (!tap_ok(rc == -EINVAL && n == 0 && tests == NULL && has(err, c->msg), "parse: %s rejected: %s",
			    c->what, err))
			tap_diag("want \"%s\"", c->msg);
		lcb_tests_free(&tests, n);
	}
}

static void test_parse_ok(void)
{
	struct lcb_test *tests = NULL;
	size_t n = 0;
	char err[256] = "";
	const char *escaped = "[{\"testtype\":\"functional\",\"output\":\"\\\\u0000\",\"input\":\"\\\"\\u00e9\\ud83d\\ude00\"}]";
	int rc = lcb_tests_parse(escaped, strlen(escaped), &tests, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 1 && TAP_STREQ(tests[0].output, "\\u0000") &&
		       TAP_STREQ(tests[0].input, "\"\xc3\xa9\xf0\x9f\x98\x80") && tests[0].type == LCB_TESTTYPE_FUNCTIONAL,
	       "parse: escapes, a surrogate pair and an escaped backslash before u0000 %s", rc ? err : "");

	/* Append: public first, then private; a failure keeps what was there. */
	const char *pub = "[{\"input\":\"p\",\"output\":\"q\",\"testtype\":\"stdin\"}]";
	const char *bad = "[{\"input\":\"p\",\"output\":\"q\",\"testtype\":\"stdin\"},{\"input\":\"p\"}]";
	rc = lcb_tests_parse(pub, strlen(pub), &tests, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 2 && TAP_STREQ(tests[1].input, "p") && TAP_STREQ(tests[0].output, "\\u0000"),
	       "parse appends to an existing array");
	rc = lcb_tests_parse(bad, strlen(bad), &tests, &n, err, sizeof(err));
	tap_ok(rc == -EINVAL && n == 2 && TAP_STREQ(tests[1].output, "q") && has(err, "test 1: missing field \"output\""),
	       "a failed parse leaves the array as it was: %s", err);
	rc = lcb_tests_parse("[]", 2, &tests, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 2, "an empty list appends nothing");
	lcb_tests_free(&tests, n);
	lcb_tests_free(&tests, 0);
	tap_ok(tests == NULL, "lcb_tests_free is safe twice");

	/* Not NUL-terminated: only len bytes are read. */
	char buf[64];
	memcpy(buf, pub, strlen(pub));
	memset(buf + strlen(pub), 'x', sizeof(buf) - strlen(pub));
	n = 0;
	rc = lcb_tests_parse(buf, strlen(pub), &tests, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 1, "parse reads only len bytes");
	lcb_tests_free(&tests, n);

	tap_ok(TAP_STREQ(lcb_tests_type_name(LCB_TESTTYPE_STDIN), "stdin") &&
		       TAP_STREQ(lcb_tests_type_name(LCB_TESTTYPE_FUNCTIONAL), "functional"),
	       "type names");
}

static void test_field_forms(void)
{
	char *json = NULL;
	size_t json_len = 0;
	char err[256] = "";
	int rc = lcb_tests_decode_private("", 0, NULL, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EINVAL && has(err, "private_test_cases is empty"), "empty field: %s", err);
	rc = lcb_tests_decode_private(" {\"a\":1}", 8, NULL, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EINVAL && has(err, "is a JSON object, expected a list or base64"), "object field: %s", err);
	rc = lcb_tests_decode_private("====", 4, NULL, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EINVAL && has(err, "zlib: no compressed data"), "base64 of nothing: %s", err);
	rc = lcb_tests_decode_private("[\"\xff\"]", 5, NULL, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EINVAL && has(err, "invalid UTF-8 at byte 2"), "plain JSON with invalid UTF-8: %s", err);
	rc = lcb_tests_decode_private("[\"\0\"]", 5, NULL, &json, &json_len, err, sizeof(err));
	tap_ok(rc == -EINVAL && has(err, "contains a NUL byte"), "plain JSON with a NUL byte: %s", err);
	tap_ok(json == NULL, "*json untouched on errors");
	struct lcb_test *none = NULL;
	size_t zero = 0;
	rc = lcb_tests_parse("[\"a\0\"]", 6, &none, &zero, err, sizeof(err));
	tap_ok(rc == -EINVAL && has(err, "JSON: NUL byte at byte 3"), "parse: raw NUL byte: %s", err);
	rc = lcb_tests_parse_private("{}", 2, NULL, &none, &zero, err, sizeof(err));
	tap_ok(rc == -EINVAL && has(err, "is a JSON object"), "parse_private: object field: %s", err);
	struct lcb_tests_limits tiny = { .max_encoded = 1, .max_decoded = 1 };
	rc = lcb_tests_parse_private("[]", 2, &tiny, &none, &zero, err, sizeof(err));
	tap_ok(rc == -EFBIG && has(err, "bytes of JSON exceed the limit of 1"), "parse_private: JSON over the cap: %s",
	       err);
	struct lcb_test *tests = NULL;
	size_t n = 0;
	rc = lcb_tests_parse_private("\r\n\t []", 6, NULL, &tests, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 0, "whitespace then [] is an empty plain-JSON list");
}

int main(int argc, char **argv)
{
	char from_env[4096];
	const char *root = getenv("VERDICT_SOURCE_ROOT");
	if (argc > 1) {
		fixtures = argv[1];
	} else if (root) {
		snprintf(from_env, sizeof(from_env), "%s/fixtures/lcb", root);
		fixtures = from_env;
	}
	tap_plan_lazy();
	test_good_fixtures();
	test_large_string();
	test_limits();
	test_rejects();
	test_base64_vectors();
	test_pickle_cases();
	test_every_opcode();
	test_parse_errors();
	test_parse_ok();
	test_field_forms();
	return tap_done();
}
