/* LiveCodeBench test cases: decoding the `private_test_cases` field and
 * parsing test lists, with no Python involved.
 *
 * An official code_generation_lite row carries `public_test_cases`, a JSON
 * text of a list of {"input": str, "output": str, "testtype": "stdin" |
 * "functional"}, and `private_test_cases`, either the same kind of JSON text
 * (some releases) or base64 of zlib of a pickled str holding that JSON text
 * (the official loader does json.loads(pickle.loads(zlib.decompress(
 * base64.b64decode(s.encode("utf-8")))))).
 *
 * The pickle is read by a strict reader that knows only the opcodes a
 * pickled str uses (PROTO, FRAME, SHORT_BINUNICODE, BINUNICODE, BINUNICODE8,
 * UNICODE, MEMOIZE, PUT, BINPUT, LONG_BINPUT, STOP); any other opcode
 * (GLOBAL, REDUCE, ...) is an error naming it and its offset. Where this code
 * and Python differ, it is stricter; docs in lcb_tests.c list each case.
 *
 * All functions return 0 or a negative errno: -EINVAL for malformed data,
 * -EFBIG for data over a limit, -ENOMEM. On error a one-line message that
 * says which stage failed and where is written to err (always terminated when
 * errlen > 0). Messages quote at most a few escaped bytes of the input. */
#ifndef VERDICT_LCB_TESTS_H
#define VERDICT_LCB_TESTS_H

#include <stddef.h>

enum lcb_testtype {
	LCB_TESTTYPE_STDIN,	 /* "stdin": input is the program's stdin */
	LCB_TESTTYPE_FUNCTIONAL, /* "functional": input is one JSON value per line */
};

struct lcb_test {
	char *input;  /* NUL-terminated UTF-8; never contains a NUL character */
	char *output; /* same */
	enum lcb_testtype type;
};

/* Size caps. Pass NULL wherever a limits pointer is taken to get the defaults. */
struct lcb_tests_limits {
	size_t max_encoded; /* bytes of a base64 private_test_cases field */
	size_t max_decoded; /* bytes out of zlib, and bytes of a plain-JSON field */
};
#define LCB_TESTS_MAX_ENCODED_DEFAULT ((size_t)256 << 20)
#define LCB_TESTS_MAX_DECODED_DEFAULT ((size_t)512 << 20)

/* The JSON name of a test type ("stdin", "functional"); static storage. */
const char *lcb_tests_type_name(enum lcb_testtype t);

/* Decode one private_test_cases field, field[0..len) (need not be
 * NUL-terminated). A field whose first non-whitespace byte is '[' is plain
 * JSON and is returned as is (copied); anything else is base64+zlib+pickle.
 * The result is the pickled str as UTF-8: valid UTF-8 without NUL characters
 * (it is not checked to be JSON here; lcb_tests_parse does that).
 * On success *json is a malloc'd NUL-terminated text of *json_len bytes that
 * the caller frees (free() or lcb_tests_free_json()); on error *json is
 * untouched. */
int lcb_tests_decode_private(const char *field, size_t len, const struct lcb_tests_limits *lim, char **json,
			     size_t *json_len, char *err, size_t errlen);

/* Parse a JSON list of tests in json[0..len) (need not be NUL-terminated) and
 * append them to the array (*tests, *n), which may start as (NULL, 0).
 * Validates what the official loader's Test(**t) would: every item is an
 * object with exactly the string fields input, output and testtype, testtype
 * is "stdin" or "functional". Errors name the item index and the field.
 * Also rejected, as Python's json.loads does: trailing text, raw control
 * characters inside strings, invalid UTF-8; and "\u0000" escapes, which C
 * strings cannot carry. On error (*tests, *n) keep their old contents (the
 * array may have moved). The array and its strings belong to the caller, to
 * be released only with lcb_tests_free(). */
int lcb_tests_parse(const char *json, size_t len, struct lcb_test **tests, size_t *n, char *err, size_t errlen);

/* lcb_tests_decode_private() then lcb_tests_parse() in one call, without
 * the intermediate copy for plain-JSON fields. Same ownership as
 * lcb_tests_parse(). */
int lcb_tests_parse_private(const char *field, size_t len, const struct lcb_tests_limits *lim,
			    struct lcb_test **tests, size_t *n, char *err, size_t errlen);

/* Frees the n tests of *tests, their strings and the array; sets *tests to
 * NULL. Safe on a NULL *tests. */
void lcb_tests_free(struct lcb_test **tests, size_t n);

/* free(*json); *json = NULL. */
void lcb_tests_free_json(char **json);

/* The steps of lcb_tests_decode_private(), exposed for tests and fuzzing. */

/* base64.b64decode(data) as Python's default (non-validating) mode does it:
 * bytes outside A-Z a-z 0-9 + / are skipped; decoding stops at the first
 * '=' pad that completes a quantum (the rest of the input is ignored); a
 * dangling single character or a missing pad is an error. *out is malloc'd
 * (NUL-terminated for convenience, *out_len bytes) and the caller frees it. */
int lcb_tests_b64decode(const char *data, size_t len, unsigned char **out, size_t *out_len, char *err,
			size_t errlen);

/* Read a pickled str from pk[0..len): the whole input must be one pickle
 * that leaves exactly one str on the stack, with no byte after STOP. The
 * string, as UTF-8 of at most max_out bytes, is returned in a malloc'd
 * NUL-terminated *out of *out_len bytes that the caller frees. Strings with
 * a NUL character, lone surrogates or invalid UTF-8 are rejected. */
int lcb_tests_unpickle(const unsigned char *pk, size_t len, size_t max_out, char **out, size_t *out_len, char *err,
		       size_t errlen);

#endif
