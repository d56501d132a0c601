/* Strict JSON checking without building anything (RFC 8259), and walking
 * the members of text already checked.
 *
 * Every text that comes from outside (a POST /score body, a line of a
 * samples file) passes json_scan before any tree is built from it: it
 * allocates nothing beyond its nesting stack, runs in one linear pass, counts
 * the values (so a caller can refuse a text whose parse tree would cost too
 * much), and refuses what cJSON lets through: raw control characters and
 * raw NUL bytes inside strings, and \u0000 escapes. After it, no string of
 * the text decodes to a NUL, so a decoded string is exactly its C string. */
#ifndef VERDICT_JSON_SCAN_H
#define VERDICT_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/json_span.h"

struct json_scan_opts {
	unsigned max_depth; /* arrays and objects nested deeper are refused (0: 512) */
	bool check_utf8;    /* refuse invalid UTF-8 (overlongs, surrogates, past U+10FFFF) */
};

struct json_scan_stats {
	size_t values;	/* every value counts one: scalars, arrays, objects */
	unsigned depth; /* the deepest nesting seen */
};

/* Where and why a text is refused. `path` names the value the problem is
 * in, as a field path ("samples[3].completion"; "" for the top level). */
struct json_scan_error {
	size_t offset;
	bool in_string; /* the problem is inside a string (a NUL, a control character, bad UTF-8) */
	char why[160];
	char path[192];
};

/* Check that text[0..len) is one JSON value, optionally surrounded by
 * whitespace. Returns 0 and fills *stats (may be NULL), or -1 with *err
 * (may be NULL); -2 when out of memory. */
int json_scan(const char *text, size_t len, const struct json_scan_opts *opts, struct json_scan_stats *stats,
	      struct json_scan_error *err);

/* Walking an object or array that json_scan accepted. */
struct json_walk {
	const char *t;
	size_t n, i;
	char close; /* '}' or ']' */
};

/* Start at a value; returns 0 for an object or array, -1 for anything else. */
int json_walk_init(struct json_walk *w, struct span value);
/* The next member (key without its quotes, still escaped; a zero span for
 * array elements) and its value. False at the end. */
bool json_walk_next(struct json_walk *w, struct span *key, struct span *value);

/* Decode a string literal of checked text (with its quotes) into a new
 * NUL-terminated string (caller frees); NULL when out of memory or when
 * `s` is not a string. */
char *json_scan_string(struct span s);

/* The line (1-based) and column (1-based, in bytes) of an offset, for
 * messages about a whole file. */
void json_scan_line_col(const char *text, size_t offset, size_t *line, size_t *col);

#endif
