/* Reasoning removal by literal markers; see reasoning.h for the rules. Every
 * search goes through a `struct marker` cursor that remembers the next
 * occurrence, so each stage is linear in the text however the markers are
 * arranged. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "extract/reasoning.h"

#define NONE SIZE_MAX

const char *reasoning_flag_name(enum reasoning_flag f)
{
	switch (f) {
	case REASONING_THINK:
		return "think";
	case REASONING_THINK_UNOPENED:
		return "think_unopened";
	case REASONING_HARMONY:
		return "harmony";
	case REASONING_GEMMA:
		return "gemma";
	case REASONING_REMOVED:
		return "removed";
	case REASONING_TRUNCATED:
		return "truncated_reasoning";
	}
	return "?";
}

/* The next occurrence of a literal at or after a position, cached. */
struct marker {
	const char *s;
	size_t n;
	size_t at;  /* cached position, or NONE when there is no further one */
	bool valid; /* `at` was computed */
};

#define MARKER(lit) ((struct marker){ .s = (lit), .n = sizeof(lit) - 1 })

static size_t marker_next(struct marker *m, const char *text, size_t len, size_t pos)
{
	if (m->valid && (m->at == NONE || m->at >= pos))
		return m->at;
	const char *hit = pos < len ? memmem(text + pos, len - pos, m->s, m->n) : NULL;
	m->at = hit ? (size_t)(hit - text) : NONE;
	m->valid = true;
	return m->at;
}

/* A growable output buffer, always NUL-terminated once allocated. */
struct buf {
	char *p;
	size_t n, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *g = realloc(b->p, cap);
		if (!g)
			return -ENOMEM;
		b->p = g;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* One stage's view: input text and the output being built. */
struct stage {
	const char *in;
	size_t len;
	struct buf out;
	unsigned flags;
};

/* Harmony: keep only the last `final` channel's message. */
static int strip_harmony(struct stage *st)
{
	const char *t = st->in;
	size_t n = st->len;
	struct marker channel = MARKER("<|channel|>");
	struct marker message = MARKER("<|message|>");
	struct marker ends[] = { MARKER("<|end|>"), MARKER("<|return|>"), MARKER("<|call|>"),
				 MARKER("<|start|>"), MARKER("<|channel|>") };

	size_t c = marker_next(&channel, t, n, 0);
	if (c == NONE)
		return buf_add(&st->out, t, n);
	st->flags |= REASONING_HARMONY;

	size_t final_at = NONE, final_len = 0;
	while (c != NONE) {
		size_t head = c + channel.n;
		size_t m = marker_next(&message, t, n, head);
		if (m == NONE)
			break;
		size_t body = m + message.n;
		size_t end = n;
		for (size_t i = 0; i < ARRAY_LEN(ends); i++) {
			size_t e = marker_next(&ends[i], t, n, body);
			if (e != NONE && e < end)
				end = e;
		}
		/* The channel name is the header's first word: "final",
		 * "analysis", "commentary to=functions.x", "final<|constrain|>…". */
		size_t name_len = 0;
		while (head + name_len < m && t[head + name_len] != ' ' && t[head + name_len] != '<' &&
		       t[head + name_len] != '\n')
			name_len++;
		if (name_len == 5 && memcmp(t + head, "final", 5) == 0) {
			final_at = body;
			final_len = end - body;
		}
		c = marker_next(&channel, t, n, end > body ? end : body);
	}
	if (final_at == NONE) {
		st->flags |= REASONING_TRUNCATED;
		return buf_add(&st->out, "", 0);
	}
	return buf_add(&st->out, t + final_at, final_len);
}

/* Remove open…close pairs, counting nesting. A close with no open pair drops
 * everything kept so far (*unopened set). Returns 1 when a pair is still open
 * at the end (output emptied), 0 otherwise, -ENOMEM. */
static int strip_pairs(struct stage *st, struct marker open, struct marker close, bool *seen,
		       bool *unopened)
{
	const char *t = st->in;
	size_t n = st->len, pos = 0, depth = 0;
	while (pos < n) {
		size_t o = marker_next(&open, t, n, pos);
		size_t c = marker_next(&close, t, n, pos);
		if (o == NONE && c == NONE) {
			if (depth > 0)
				break;
			if (buf_add(&st->out, t + pos, n - pos) < 0)
				return -ENOMEM;
			pos = n;
			break;
		}
		*seen = true;
		bool open_first = c == NONE || (o != NONE && o < c);
		if (depth == 0 && !open_first) {
			st->out.n = 0; /* reasoning that began before the text */
			if (st->out.p)
				st->out.p[0] = '\0';
			*unopened = true;
			pos = c + close.n;
		} else if (depth == 0) {
			if (buf_add(&st->out, t + pos, o - pos) < 0)
				return -ENOMEM;
			depth = 1;
			pos = o + open.n;
		} else if (open_first) {
			depth++;
			pos = o + open.n;
		} else {
			depth--;
			pos = c + close.n;
		}
	}
	if (buf_add(&st->out, "", 0) < 0)
		return -ENOMEM;
	if (depth > 0) {
		st->out.n = 0;
		st->out.p[0] = '\0';
		return 1;
	}
	return 0;
}

static int strip_think(struct stage *st)
{
	bool seen = false, unopened = false;
	int r = strip_pairs(st, MARKER("<think>"), MARKER("</think>"), &seen, &unopened);
	if (seen)
		st->flags |= REASONING_THINK;
	if (unopened)
		st->flags |= REASONING_THINK_UNOPENED;
	if (r == 1)
		st->flags |= REASONING_TRUNCATED;
	return r < 0 ? r : 0;
}

static bool is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Drop trailing turn sentinels ("answer<turn|>\n" -> "answer"). */
static void drop_turn_end(struct buf *b)
{
	static const struct {
		const char *s;
		size_t n;
	} tails[] = { { "<turn|>", 7 }, { "<eos>", 5 }, { "<end_of_turn>", 13 } };
	for (bool again = true; again;) {
		again = false;
		size_t r = b->n;
		while (r > 0 && is_ascii_space(b->p[r - 1]))
			r--;
		for (size_t i = 0; i < ARRAY_LEN(tails); i++) {
			if (r >= tails[i].n && memcmp(b->p + r - tails[i].n, tails[i].s, tails[i].n) == 0) {
				b->n = r - tails[i].n;
				b->p[b->n] = '\0';
				again = true;
				break;
			}
		}
	}
}

static int strip_gemma(struct stage *st)
{
	bool seen = false, unopened = false;
	int r = strip_pairs(st, MARKER("<|channel>"), MARKER("<channel|>"), &seen, &unopened);
	if (r < 0)
		return r;
	if (seen) {
		st->flags |= REASONING_GEMMA;
		drop_turn_end(&st->out);
	}
	if (r == 1)
		st->flags |= REASONING_TRUNCATED;
	return 0;
}

void reasoning_result_clear(struct reasoning_result *r)
{
	free(r->content);
	memset(r, 0, sizeof(*r));
}

int reasoning_strip(const char *text, size_t len, struct reasoning_result *out)
{
	static int (*const stages[])(struct stage *) = { strip_harmony, strip_gemma, strip_think };
	memset(out, 0, sizeof(*out));
	if (len == SIZE_MAX)
		return -ENOMEM;
	autofree char *cur = malloc(len + 1);
	if (!cur)
		return -ENOMEM;
	if (len)
		memcpy(cur, text, len);
	cur[len] = '\0';
	size_t cur_len = len;
	unsigned flags = 0;

	for (size_t i = 0; i < ARRAY_LEN(stages) && !(flags & REASONING_TRUNCATED); i++) {
		struct stage st = { .in = cur, .len = cur_len };
		int r = stages[i](&st);
		if (r < 0) {
			free(st.out.p);
			return r;
		}
		free(cur);
		cur = st.out.p;
		cur_len = st.out.n;
		flags |= st.flags;
	}
	if (flags & REASONING_TRUNCATED) {
		cur_len = 0;
		cur[0] = '\0';
	}
	if (cur_len != len)
		flags |= REASONING_REMOVED;
	out->content = steal_pointer(&cur);
	out->len = cur_len;
	out->flags = flags;
	out->removed = len - cur_len;
	return 0;
}
