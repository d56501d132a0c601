/* Slices of JSON text. verdict forwards some values to the Python runner
 * byte for byte (HumanEval+ inputs): re-serialising them through cJSON would
 * turn 1.0 into 1 and round integers above 2**53, changing what the tests
 * compute. */
#ifndef VERDICT_JSON_SPAN_H
#define VERDICT_JSON_SPAN_H

#include <stdbool.h>
#include <stddef.h>

struct span {
	const char *p;
	size_t n;
};

/* Find the raw text of member `key` of the top-level JSON object in
 * text[0..len). Returns 0 and the value's slice, 1 when the key is absent,
 * -1 when the text is not a well-formed object (scanning stops there). The
 * key is compared after decoding only the simple escapes (\" and \\). */
int json_span_member(const char *text, size_t len, const char *key, struct span *out);

/* The raw text of each element of the JSON array text[0..len) (nothing
 * else but whitespace around it), in order, into out[0..max). Returns how
 * many, or -1 when the text is not a well-formed array or has more than
 * max elements. */
long json_span_items(const char *text, size_t len, struct span *out, size_t max);

/* Skip one JSON value starting at text[i] (after whitespace); returns the
 * index just past it, or -1 if malformed. Exposed for tests. */
long json_span_skip_value(const char *text, size_t len, size_t i);

#endif
