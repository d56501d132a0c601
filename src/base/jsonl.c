/* JSON Lines iteration (see jsonl.h). */
#include <string.h>

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
