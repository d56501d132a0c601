/* UTF-8 helpers with Python semantics (see text.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

bool text_py_isspace(uint32_t cp)
{
	/* Characters whose bidirectional type is WS, B or S, or whose category
	 * is Zs: the set CPython's str.isspace() accepts. */
	if (cp <= 0x20)
		return cp == 0x20 || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f);
	switch (cp) {
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200a;
	}
}

size_t text_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	if (n == 0) {
		*cp = 0;
		return 0;
	}
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (len > n) {
		*cp = 0xfffd;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = v;
	return len;
}

char *text_utf8_clean(const char *s, size_t n)
{
	/* U+FFFD is 3 bytes; an invalid byte is 1: at most 3x the input. */
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(3 * n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = text_utf8_decode(s + i, n - i, &cp);
		if (cp == 0 || (cp == 0xfffd && l == 1)) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			memcpy(out + o, s + i, l);
			o += l;
		}
		i += l;
	}
	out[o] = '\0';
	return out;
}

size_t text_codepoints(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += text_utf8_decode(s + i, n - i, &cp);
		count++;
	}
	return count;
}

void text_py_strip(const char *s, size_t n, size_t *start, size_t *len)
{
	size_t a = 0;
	while (a < n) {
		uint32_t cp;
		size_t l = text_utf8_decode(s + a, n - a, &cp);
		if (!text_py_isspace(cp))
			break;
		a += l;
	}
	/* Scan forward remembering the end of the last non-space character:
	 * UTF-8 cannot be decoded backwards reliably when it is invalid. */
	size_t end = a;
	for (size_t i = a; i < n;) {
		uint32_t cp;
		size_t l = text_utf8_decode(s + i, n - i, &cp);
		i += l;
		if (!text_py_isspace(cp))
			end = i;
	}
	*start = a;
	*len = end - a;
}

bool text_contains_stripped(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	size_t a, l;
	text_py_strip(needle, needle_len, &a, &l);
	if (l == 0)
		return false;
	return memmem(hay, hay_len, needle + a, l) != NULL;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

int text_natural_cmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	while (*p && *q) {
		if (!is_digit(*p) || !is_digit(*q)) {
			if (*p != *q)
				return *p < *q ? -1 : 1;
			p++;
			q++;
			continue;
		}
		const unsigned char *pe = p, *qe = q;
		while (is_digit(*pe))
			pe++;
		while (is_digit(*qe))
			qe++;
		while (p + 1 < pe && *p == '0')
			p++;
		while (q + 1 < qe && *q == '0')
			q++;
		/* Without leading zeros, the longer number is the larger. */
		if (pe - p != qe - q)
			return pe - p < qe - q ? -1 : 1;
		int c = memcmp(p, q, (size_t)(pe - p));
		if (c)
			return c < 0 ? -1 : 1;
		p = pe;
		q = qe;
	}
	if (*p || *q)
		return *p ? 1 : -1;
	int c = strcmp(a, b);
	return (c > 0) - (c < 0);
}
