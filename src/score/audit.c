/* Audit figures (see audit.h). The percentile rule is the audit's own:
 * nearest rank by integer division, and the median as Python's
 * statistics.median truncated by int(). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "score/audit.h"
#include "base/text.h"

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

int audit_compute(const struct audit_item *items, size_t n, struct audit *out)
{
	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n == 0)
		return 0;
	size_t *len = malloc(n * sizeof(*len));
	if (!len)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct audit_item *it = &items[i];
		const char *raw = it->raw ? it->raw : "";
		size_t a, l;
		text_py_strip(raw, it->raw_len, &a, &l);
		if (l == 0)
			out->empty++;
		if (memmem(raw, it->raw_len, "```", 3))
			out->fenced++;
		len[i] = text_codepoints(raw, it->raw_len);
		if (it->canonical) {
			out->verbatim_available = true;
			out->verbatim_n++;
			if (text_contains_stripped(raw, it->raw_len, it->canonical, strlen(it->canonical)))
				out->verbatim++;
		}
		out->from_reasoning += it->from_reasoning;
		out->truncated_reasoning += it->truncated_reasoning;
		out->unterminated_fence += it->unterminated_fence;
		out->no_code += it->no_code;
	}
	qsort(len, n, sizeof(*len), cmp_size);
	out->chars_p10 = len[n / 10];
	out->chars_p90 = len[n * 9 / 10];
	/* statistics.median: the middle value, or the mean of the two middle
	 * ones; int() truncates toward zero. */
	if (n % 2)
		out->chars_p50 = len[n / 2];
	else
		out->chars_p50 = (len[n / 2 - 1] + len[n / 2]) / 2;
	free(len);
	return 0;
}
