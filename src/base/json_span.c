/* A small scanner over JSON text that finds values without decoding them
 * (see json_span.h for why). It validates structure (strings, nesting,
 * literals, numbers) only as far as it needs to find the end of a value. */
#include <string.h>

#include "base/json_span.h"

#define MAX_DEPTH 512

static size_t skip_ws(const char *t, size_t n, size_t i)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* i points at the opening quote; returns the index past the closing one. */
static long skip_string(const char *t, size_t n, size_t i)
{
	if (i >= n || t[i] != '"')
		return -1;
	for (i++; i < n; i++) {
		if (t[i] == '\\') {
			i++;
			continue;
		}
		if (t[i] == '"')
			return (long)i + 1;
		if ((unsigned char)t[i] < 0x20)
			return -1;
	}
	return -1;
}

static long skip_scalar(const char *t, size_t n, size_t i)
{
	size_t start = i;
	while (i < n && (strchr("+-.0123456789eE", t[i]) || (t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z')))
		i++;
	return i > start ? (long)i : -1;
}

long json_span_skip_value(const char *t, size_t n, size_t i)
{
	char stack[MAX_DEPTH];
	int depth = 0;
	i = skip_ws(t, n, i);
	if (i >= n)
		return -1;
	for (;;) {
		i = skip_ws(t, n, i);
		if (i >= n)
			return -1;
		char c = t[i];
		long next;
		if (c == '{' || c == '[') {
			if (depth == MAX_DEPTH)
				return -1;
			stack[depth++] = c == '{' ? '}' : ']';
			i = skip_ws(t, n, i + 1);
			if (i < n && t[i] == stack[depth - 1]) {
				depth--;
				i++;
				goto after_value;
			}
			if (stack[depth - 1] == '}') {
				next = skip_string(t, n, i);
				if (next < 0)
					return -1;
				i = skip_ws(t, n, (size_t)next);
				if (i >= n || t[i] != ':')
					return -1;
				i++;
			}
			continue;
		}
		if (c == '"')
			next = skip_string(t, n, i);
		else
			next = skip_scalar(t, n, i);
		if (next < 0)
			return -1;
		i = (size_t)next;
	after_value:
		if (depth == 0)
			return (long)i;
		i = skip_ws(t, n, i);
		if (i >= n)
			return -1;
		if (t[i] == ',') {
			i = skip_ws(t, n, i + 1);
			if (stack[depth - 1] == '}') {
				next = skip_string(t, n, i);
				if (next < 0)
					return -1;
				i = skip_ws(t, n, (size_t)next);
				if (i >= n || t[i] != ':')
					return -1;
				i++;
			}
			continue;
		}
		if (t[i] == stack[depth - 1]) {
			depth--;
			i++;
			goto after_value;
		}
		return -1;
	}
}

static bool key_equals(const char *t, size_t start, size_t end, const char *key)
{
	/* t[start] is the opening quote, t[end - 1] the closing one. */
	size_t k = 0, klen = strlen(key);
	for (size_t i = start + 1; i < end - 1; i++) {
		char c = t[i];
		if (c == '\\') {
			i++;
			if (i >= end - 1 || (t[i] != '"' && t[i] != '\\' && t[i] != '/'))
				return false;
			c = t[i];
		}
		if (k >= klen || key[k] != c)
			return false;
		k++;
	}
	return k == klen;
}

int json_span_member(const char *t, size_t n, const char *key, struct span *out)
{
	size_t i = skip_ws(t, n, 0);
	if (i >= n || t[i] != '{')
		return -1;
	i = skip_ws(t, n, i + 1);
	if (i < n && t[i] == '}')
		return 1;
	for (;;) {
		long kend = skip_string(t, n, i);
		if (kend < 0)
			return -1;
		size_t kstart = i;
		i = skip_ws(t, n, (size_t)kend);
		if (i >= n || t[i] != ':')
			return -1;
		size_t vstart = skip_ws(t, n, i + 1);
		long vend = json_span_skip_value(t, n, vstart);
		if (vend < 0)
			return -1;
		if (key_equals(t, kstart, (size_t)kend, key)) {
			out->p = t + vstart;
			out->n = (size_t)vend - vstart;
			return 0;
		}
		i = skip_ws(t, n, (size_t)vend);
		if (i < n && t[i] == ',') {
			i = skip_ws(t, n, i + 1);
			continue;
		}
		return i < n && t[i] == '}' ? 1 : -1;
	}
}

long json_span_items(const char *t, size_t n, struct span *out, size_t max)
{
	size_t i = skip_ws(t, n, 0);
	if (i >= n || t[i] != '[')
		return -1;
	i = skip_ws(t, n, i + 1);
	size_t count = 0;
	if (i < n && t[i] == ']')
		return skip_ws(t, n, i + 1) == n ? 0 : -1;
	for (;;) {
		long end = json_span_skip_value(t, n, i);
		if (end < 0 || count == max)
			return -1;
		out[count++] = (struct span){ .p = t + i, .n = (size_t)end - i };
		i = skip_ws(t, n, (size_t)end);
		if (i < n && t[i] == ',') {
			i = skip_ws(t, n, i + 1);
			continue;
		}
		if (i < n && t[i] == ']' && skip_ws(t, n, i + 1) == n)
			return (long)count;
		return -1;
	}
}
