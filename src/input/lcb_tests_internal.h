/* What the files of LiveCodeBench test decoding share (lcb_text.c,
 * lcb_pickle.c, lcb_tests.c; not part of lcb_tests.h): error messages,
 * strict UTF-8 scanning, and the pickle reader's entry point. */
#ifndef VERDICT_LCB_TESTS_INTERNAL_H
#define VERDICT_LCB_TESTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define QUOTE_MAX 32 /* input bytes quoted in a message */
#define QUOTE_BUF (QUOTE_MAX * 4 + 8)

/* Format a message into err (when given) and return code. */
__attribute__((format(printf, 4, 5))) int lcb_fail(char *err, size_t errlen, int code, const char *fmt, ...);

/* s[0..n) as a double-quoted, escaped, truncated string for messages. */
const char *lcb_quote(const char *s, size_t n, char buf[static QUOTE_BUF]);

/* Length of the valid UTF-8 sequence at s[0..n) (n > 0, s[0] >= 0x80), or
 * 0 if invalid: overlong forms, surrogates and code points past U+10FFFF
 * are invalid, as in Python's strict UTF-8 codec. */
size_t lcb_utf8_seq_len(const unsigned char *s, size_t n);

/* Offset of the first invalid UTF-8 byte in s[0..n), or n. */
size_t lcb_utf8_invalid_at(const unsigned char *s, size_t n);

/* Word-at-a-time tests on 8 bytes (test texts run to megabytes). Each is
 * exact for "does any byte ...", the classic bit tricks for n <= 0x80. */
#define BYTES_1 0x0101010101010101ULL
#define BYTES_80 0x8080808080808080ULL

static inline uint64_t lcb_load8(const unsigned char *s)
{
	uint64_t w;
	memcpy(&w, s, sizeof(w));
	return w;
}

static inline bool lcb_any_byte_below(uint64_t w, unsigned n)
{
	return ((w - BYTES_1 * n) & ~w & BYTES_80) != 0;
}

static inline bool lcb_any_byte_is(uint64_t w, unsigned char c)
{
	return lcb_any_byte_below(w ^ (BYTES_1 * c), 1);
}

/* Like lcb_tests_unpickle, but reuses the caller's malloc'd pickle buffer
 * for the result where it can (the str's bytes move to its start): a 10 MB
 * string is then never copied into a second allocation. Consumes *pk. */
int lcb_unpickle_in_place(unsigned char **pk, size_t len, size_t max_out, char **out, size_t *out_len, char *err,
			  size_t errlen);

#endif
