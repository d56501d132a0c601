/* UTF-8 text helpers with Python's semantics, for audits that must count
 * exactly as the published (Python) audits do. */
#ifndef VERDICT_TEXT_H
#define VERDICT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Python's str.isspace() for one code point. */
bool text_py_isspace(uint32_t cp);

/* Decode one code point at s[0..n); returns its length in bytes (1 for an
 * invalid byte, decoded as U+FFFD). */
size_t text_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* A malloc'd, NUL-terminated copy of s[0..n) that is valid UTF-8 and holds
 * no NUL: every invalid byte and every NUL becomes U+FFFD (JSON output of
 * bytes a program wrote). NULL when out of memory. */
char *text_utf8_clean(const char *s, size_t n);

/* len() of the Python string these UTF-8 bytes decode to. */
size_t text_codepoints(const char *s, size_t n);

/* The span str.strip() would keep. */
void text_py_strip(const char *s, size_t n, size_t *start, size_t *len);

/* Does `needle` (stripped) occur in `hay`? Empty needles never match. */
bool text_contains_stripped(const char *hay, size_t hay_len, const char *needle, size_t needle_len);

/* Natural order of identifiers: runs of ASCII digits compare by their
 * number ("HumanEval/9" < "HumanEval/10"), other bytes by value; ties
 * ("a01", "a1") by strcmp, so the order is total. */
int text_natural_cmp(const char *a, const char *b);

#endif
