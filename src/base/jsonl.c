/* JSON Lines iteration (see jsonl.h). */
#include <stdio.h>
#include <string.h>

#include "base/json_scan.h"
#include "base/jsonl.h"

void jsonl_iter_init(struct jsonl_iter *it, const char *data, size_t len)
{
	*it = (struct jsonl_iter){ .data = data, .len = len };
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

bool jsonl_next(struct jsonl_iter *it, const char **line, size_t *n)
{
	while (it->pos < it->len) {
		const char *start = it->data + it->pos;
		const char *nl = memchr(start, '\n', it->len - it->pos);
		size_t l = nl ? (size_t)(nl - start) : it->len - it->pos;
		it->pos += l + (nl ? 1 : 0);
		it->line_no++;
		if (l && start[l - 1] == '\r')
			l--;
		if (blank(start, l))
			continue;
		*line = start;
		*n = l;
		return true;
	}
	return false;
}

int jsonl_check(const char *text, size_t n, bool document, char *why, size_t whylen)
{
	/* A byte order mark before the first line is read past, as cJSON does:
	 * editors on Windows write one. */
	size_t skip = n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	struct json_scan_error je;
	int rc = json_scan(text + skip, n - skip, NULL, NULL, &je);
	je.offset += skip;
	if (rc == 0)
		return 0;
	if (rc == -2) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	size_t line, col;
	json_scan_line_col(text, je.offset, &line, &col);
	char where[48];
	if (document)
		snprintf(where, sizeof(where), "line %zu, column %zu", line, col);
	else
		snprintf(where, sizeof(where), "column %zu", col);
	snprintf(why, whylen, "%s: %s%s%s%s", where, je.why, je.path[0] ? " (in " : "", je.path, je.path[0] ? ")" : "");
	return -1;
}
