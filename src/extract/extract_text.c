/* The text facts of extraction that need no pattern: UTF-8 with CPython's
 * semantics (validity, len(), the "replace" repair, str.isspace()), fence
 * counts and LiveCodeBench's last fence pair (see extract.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "extract/extract.h"
#include "extract/extract_internal.h"

#define NONE SIZE_MAX

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decode at s[0..n), n >= 1. Returns the length of a valid sequence and sets
 * *cp, or 0 with *bad = length of the maximal ill-formed subsequence there
 * (Unicode's "maximal subpart" practice, which CPython's decoder follows:
 * b"\xe2\x82" is one U+FFFD, b"\xed\xa0\x80" three). */
static size_t utf8_step(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad)
{
	unsigned char b = s[0];
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	size_t need;
	uint32_t c;
	unsigned char lo = 0x80, hi = 0xBF;
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1;
		c = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		c = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0; /* no overlongs */
		else if (b == 0xED)
			hi = 0x9F; /* no surrogates */
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		c = b & 0x07;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F; /* <= U+10FFFF */
	} else {
		*bad = 1;
		return 0;
	}
	size_t i = 1;
	for (; i <= need && i < n; i++) {
		unsigned char x = s[i];
		if (x < (i == 1 ? lo : 0x80) || x > (i == 1 ? hi : 0xBF))
			break;
		c = (c << 6) | (x & 0x3F);
	}
	if (i == need + 1) {
		*cp = c;
		return i;
	}
	*bad = i;
	return 0;
}

bool extract_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t bad, k = utf8_step(u + i, len - i, &cp, &bad);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

size_t extract_py_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t count = 0;
	for (size_t i = 0; i < len; count++) {
		uint32_t cp;
		size_t bad, k = utf8_step(u + i, len - i, &cp, &bad);
		i += k ? k : bad;
	}
	return count;
}

int extract_utf8_repair(const char *s, size_t len, char **out, size_t *out_len)
{
	/* Each replaced byte run grows to at most 3 bytes (U+FFFD). */
	if (len > (SIZE_MAX - 1) / 3)
		return -ENOMEM;
	autofree char *buf = malloc(len * 3 + 1);
	if (!buf)
		return -ENOMEM;
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t bad, k = utf8_step(u + i, len - i, &cp, &bad);
		if (k) {
			memcpy(buf + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += bad;
		}
	}
	buf[o] = '\0';
	*out_len = o;
	*out = steal_pointer(&buf);
	return 0;
}

/* str.isspace() for one code point (see PY_SPACE). */
static bool py_isspace(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	       c == 0x3000;
}

bool extract_py_blank(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t bad, k = utf8_step(u + i, len - i, &cp, &bad);
		if (!k || !py_isspace(cp))
			return false;
		i += k;
	}
	return true;
}

/* ---- plain-text helpers ------------------------------------------------- */

char *extract_copy_bytes(const char *p, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *c = malloc(n + 1);
	if (!c)
		return NULL;
	if (n)
		memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

bool extract_fenced(const char *text, size_t len)
{
	return text && len >= 3 && memmem(text, len, "```", 3) != NULL;
}

char *extract_program_completion(const char *prompt, size_t prompt_len, const char *completion,
				 size_t completion_len, size_t *out_len)
{
	if (prompt_len > SIZE_MAX - completion_len - 1)
		return NULL;
	char *p = malloc(prompt_len + completion_len + 1);
	if (!p)
		return NULL;
	if (prompt_len)
		memcpy(p, prompt, prompt_len);
	if (completion_len)
		memcpy(p + prompt_len, completion, completion_len);
	p[prompt_len + completion_len] = '\0';
	if (out_len)
		*out_len = prompt_len + completion_len;
	return p;
}

/* A fence line in the CommonMark sense: optional spaces/tabs, then "```". */
static void track_fence_line(const char *t, size_t ls, size_t le, bool *inside)
{
	size_t k = ls;
	while (k < le && (t[k] == ' ' || t[k] == '\t'))
		k++;
	if (le - k < 3 || memcmp(t + k, "```", 3) != 0)
		return;
	if (!*inside) {
		*inside = true;
		return;
	}
	while (k < le && t[k] == '`')
		k++;
	for (; k < le; k++)
		if (t[k] != ' ' && t[k] != '\t' && t[k] != '\r')
			return; /* an info string: content of the open block */
	*inside = false;
}

void extract_fence_stats(const char *text, size_t len, struct extract_fence_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!text) {
		text = "";
		len = 0;
	}
	for (size_t i = 0; i + 3 <= len;) {
		const char *h = memmem(text + i, len - i, "```", 3);
		if (!h)
			break;
		st->n_fences++;
		i = (size_t)(h - text) + 3;
	}

	/* Line starts/ends of the last two lines that contain "```". */
	size_t prev_end = NONE, last_start = NONE;
	size_t cur_end = NONE;
	bool inside = false;
	for (size_t ls = 0;;) {
		const char *nl = ls < len ? memchr(text + ls, '\n', len - ls) : NULL;
		size_t le = nl ? (size_t)(nl - text) : len;
		if (le - ls >= 3 && memmem(text + ls, le - ls, "```", 3)) {
			st->n_fence_lines++;
			prev_end = cur_end;
			cur_end = le;
			last_start = ls;
		}
		track_fence_line(text, ls, le, &inside);
		if (!nl)
			break;
		ls = le + 1;
	}
	st->unterminated = inside;
	st->lcb.p = text;
	if (st->n_fence_lines >= 2) {
		/* "\n".join(lines[a + 1:b]): from the line after a to the "\n"
		 * that ends line b - 1 (nothing when b == a + 1). */
		size_t start = prev_end + 1, end = last_start - 1;
		st->lcb_found = true;
		st->lcb.p = text + start;
		st->lcb.n = end > start && last_start > 0 ? end - start : 0;
	}
}
