/* Iterating over the lines of a JSON Lines buffer with their numbers. */
#ifndef VERDICT_JSONL_H
#define VERDICT_JSONL_H

#include <stdbool.h>
#include <stddef.h>

struct jsonl_iter {
	const char *data;
	size_t len;
	size_t pos;
	size_t line_no; /* 1-based number of the line last returned */
};

void jsonl_iter_init(struct jsonl_iter *it, const char *data, size_t len);
/* Next non-blank line (without its newline and a trailing \r); false at the
 * end. */
bool jsonl_next(struct jsonl_iter *it, const char **line, size_t *n);

/* Check one line (or a whole JSON document) strictly before a parser
 * reads it: cJSON takes raw control characters inside strings, and a raw
 * NUL or a \u0000 escape would end the C string it makes, silently cutting
 * the text. Returns 0, or -1 with `why` ("column 12: a raw NUL byte in a
 * string (in completion)"; for a document, "line 3, column 12: ..."). */
int jsonl_check(const char *text, size_t n, bool document, char *why, size_t whylen);

#endif
