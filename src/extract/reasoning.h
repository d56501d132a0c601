/* Reasoning removal: the part of a raw model completion that is thinking, not
 * answer. This is a deliberate improvement over the harnesses verdict
 * reproduces (they run whatever text they were given); callers turn it on or
 * off per request, and every removal is reported in flags so it can be
 * counted.
 *
 * Three forms are recognised, all by literal markers (no regex, linear time):
 *
 * - harmony (gpt-oss): `<|channel|>NAME[ ...]<|message|>BODY` segments, BODY
 *   ending at `<|end|>`, `<|return|>`, `<|call|>`, `<|start|>`, the next
 *   `<|channel|>` or the end of the text. When any `<|channel|>` is present,
 *   only the body of the last `final` channel is kept; without a final
 *   channel the answer never came (truncated).
 * - Gemma 4 thinking: `<|channel>thought ... <channel|>` pairs are removed,
 *   like <think> below; afterwards trailing `<turn|>`/`<eos>` turn sentinels
 *   are dropped. (Gemma 3n has no thinking markers of its own; community
 *   thinking fine-tunes of it use <think>, handled below.)
 * - `<think> ... </think>` pairs (several, nesting counted). Text outside the
 *   pairs is kept as it is, concatenated. A `</think>` with no open pair (a
 *   chat template that put `<think>` in the prompt) means everything kept
 *   before it was reasoning and is dropped. A pair still open at the end of
 *   the text means the answer never came: the content is empty and the result
 *   is flagged truncated, whatever text came before the opener.
 *
 * The forms are applied in that order, each on the previous one's output;
 * a truncation stops the chain. Markers are matched byte for byte
 * (case-sensitive), as the tokenizers emit them. */
#ifndef VERDICT_REASONING_H
#define VERDICT_REASONING_H

#include <stddef.h>

enum reasoning_flag {
	REASONING_THINK = 1u << 0,	    /* <think> or </think> seen */
	REASONING_THINK_UNOPENED = 1u << 1, /* a </think> with no opener: text before it dropped */
	REASONING_HARMONY = 1u << 2,	    /* harmony `<|channel|>` seen */
	REASONING_GEMMA = 1u << 3,	    /* Gemma `<|channel>` or `<channel|>` seen */
	REASONING_REMOVED = 1u << 4,	    /* at least one byte was removed */
	REASONING_TRUNCATED = 1u << 5,	    /* reasoning never ended: content is empty */
};
#define REASONING_FLAG_COUNT 6

/* JSON name of one flag ("think", "think_unopened", "harmony", "gemma",
 * "removed", "truncated_reasoning"). Static string. */
const char *reasoning_flag_name(enum reasoning_flag f);

struct reasoning_result {
	char *content;	/* answer text, NUL-terminated, malloc'd; owned by the result */
	size_t len;	/* bytes in content (it may hold NUL bytes of the input) */
	unsigned flags; /* enum reasoning_flag bits */
	size_t removed; /* input bytes not in content */
};

/* Remove reasoning from text[0..len) (any bytes; need not be NUL-terminated).
 * On success returns 0 and fills *out, which the caller releases with
 * reasoning_result_clear(). On failure returns -ENOMEM and *out is zeroed
 * (nothing to release). */
int reasoning_strip(const char *text, size_t len, struct reasoning_result *out);

/* Free what *r owns and zero it. Accepts a zeroed or already-cleared result. */
void reasoning_result_clear(struct reasoning_result *r);

#endif
