/* Messages and strict UTF-8 scanning for LiveCodeBench test decoding (see
 * lcb_tests_internal.h). */
#include <stdarg.h>
#include <stdio.h>

#include "input/lcb_tests_internal.h"

int lcb_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *lcb_quote(const char *s, size_t n, char buf[static QUOTE_BUF])
{
	size_t o = 0;
	buf[o++] = '"';
	for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	if (n > QUOTE_MAX) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- UTF-8 ---------------------------------------------------------- */

size_t lcb_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	uint32_t cp, min;
	if ((c & 0xE0) == 0xC0) {
		need = 1, cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		need = 2, cp = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		need = 3, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (need >= n)
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need + 1;
}

size_t lcb_utf8_invalid_at(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (n - i >= 8 && (lcb_load8(s + i) & BYTES_80) == 0) {
			i += 8;
			continue;
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = lcb_utf8_seq_len(s + i, n - i);
		if (!k)
			return i;
		i += k;
	}
	return n;
}
