/* Extraction: from a raw model completion to the facts the program is built
 * from. Plan, then execute: extract_run() turns one completion into a
 * `struct extract_result` (content after reasoning removal, the fenced
 * blocks and fallback text lm-eval's chat filter works on, LiveCodeBench's
 * code, fence facts and flags); the in-jail runner (src/py/verdict_extract.py)
 * does the steps that need CPython's parser and always reports the path.
 *
 * Harness semantics reproduced here (fidelity is measured on real data):
 *
 * - lm-eval chat filter (omnimergekit `humaneval_chat/utils_chat.py`):
 *   blocks = Python `re.findall(r"[ \t]*```(?:python|py)?[ \t]*\n((?:(?!```).)*?)\n[ \t]*```",
 *   resp, re.DOTALL | re.IGNORECASE)`, each dedented by the `^[ \t]*` indent of
 *   its first line whose `str.strip()` is non-empty (lines split on "\n";
 *   lines not starting with that indent are kept as they are); fallback =
 *   resp with `^\s*```(?:python|py)?\s*\n?` (Python's Unicode `\s`) removed
 *   once, cut at the first remaining "```".
 * - LiveCodeBench `extract_code` (default style): the lines strictly between
 *   the last two lines that contain "```", joined with "\n"; no code when
 *   fewer than two such lines.
 * - human-eval completion mode: prompt + completion, as is.
 *
 * Text handling: all lengths are bytes of UTF-8. Input that is not valid
 * UTF-8 is first repaired the way Python's `bytes.decode("utf-8",
 * "replace")` would (each maximal ill-formed subsequence becomes U+FFFD) and
 * flagged EXTRACT_F_INVALID_UTF8, so every string in a result is valid
 * UTF-8 and safe to put in the job JSON. Inputs may contain NUL bytes
 * (lengths are explicit; strings are also NUL-terminated for convenience).
 *
 * Every PCRE2 match runs with match, depth and heap limits from the
 * extractor; hitting one stops that step and is reported in the result
 * (outcome EXTRACT_LIMIT_HIT), never a crash. A `struct extractor` is built
 * once at start-up, read-only afterwards and safe to share between threads:
 * each call makes its own match data and match context. */
#ifndef VERDICT_EXTRACT_H
#define VERDICT_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "extract/reasoning.h"

/* A slice of a string owned by someone else (here: a result's content). */
struct extract_span {
	const char *p;
	size_t n;
};

struct extract_limits {
	uint32_t match_limit;	 /* pcre2_set_match_limit; 0 = EXTRACT_DEFAULT_MATCH_LIMIT */
	uint32_t depth_limit;	 /* pcre2_set_depth_limit; 0 = EXTRACT_DEFAULT_DEPTH_LIMIT */
	uint32_t heap_limit_kib; /* pcre2_set_heap_limit (KiB); 0 = EXTRACT_DEFAULT_HEAP_KIB */
};
#define EXTRACT_DEFAULT_MATCH_LIMIT 10000000u
#define EXTRACT_DEFAULT_DEPTH_LIMIT 10000u
#define EXTRACT_DEFAULT_HEAP_KIB 16384u

struct extractor;

/* Compile the patterns once. `limits` may be NULL (defaults). On success
 * returns 0 and sets *out (caller frees with extract_free). On failure
 * returns -ENOMEM or -EINVAL with a one-line reason in err (always
 * NUL-terminated when errlen > 0). */
int extract_new(const struct extract_limits *limits, struct extractor **out, char *err, size_t errlen);

/* Free the extractor and set *ex to NULL. Accepts NULL and *ex == NULL. */
void extract_free(struct extractor **ex);

enum extract_outcome {
	EXTRACT_OK = 0,	   /* every step ran to completion */
	EXTRACT_LIMIT_HIT, /* a PCRE2 limit stopped a step: blocks and/or fallback are partial */
};

/* "ok", "limit". Static string. */
const char *extract_outcome_name(enum extract_outcome o);

enum extract_limit {
	EXTRACT_LIMIT_NONE = 0,
	EXTRACT_LIMIT_MATCH,
	EXTRACT_LIMIT_DEPTH,
	EXTRACT_LIMIT_HEAP,
};

/* "none", "match", "depth", "heap". Static string. */
const char *extract_limit_name(enum extract_limit l);

enum extract_flag {
	EXTRACT_F_FENCED = 1u << 0,		/* content contains "```" */
	EXTRACT_F_UNTERMINATED_FENCE = 1u << 1, /* a fence line opened a block no fence line closed */
	EXTRACT_F_INVALID_UTF8 = 1u << 2,	/* input was repaired (U+FFFD) before extraction */
	EXTRACT_F_FROM_REASONING = 1u << 3,	/* content came from reasoning_content */
	EXTRACT_F_EMPTY = 1u << 4,		/* content is empty or Python whitespace only */
	EXTRACT_F_BLOCKS_SKIPPED = 1u << 5,	/* a limit stopped the block scan */
	EXTRACT_F_FALLBACK_SKIPPED = 1u << 6,	/* a limit stopped the fallback step */
};
#define EXTRACT_FLAG_COUNT 7

/* "fenced", "unterminated_fence", "invalid_utf8", "from_reasoning", "empty",
 * "blocks_skipped", "fallback_skipped". Static string. */
const char *extract_flag_name(enum extract_flag f);

/* What the C side can already tell about the path the runner will report. */
enum extract_hint {
	EXTRACT_HINT_NONE = 0, /* empty content: the candidate will be empty */
	EXTRACT_HINT_FENCED,   /* at least one complete block: "fenced n/m" if one survives */
	EXTRACT_HINT_UNFENCED, /* no complete block: "parse-trimmed" or "unfenced" */
};

/* "none", "fenced", "unfenced". Static string. */
const char *extract_hint_name(enum extract_hint h);

struct extract_block {
	char *text;	/* dedented block, NUL-terminated, owned by the result */
	size_t len;	/* bytes in text */
	size_t offset;	/* where the raw block starts in the result's content */
	size_t raw_len; /* bytes of the raw (not dedented) block in content */
};

struct extract_opts {
	bool strip_reasoning; /* remove <think>, harmony and Gemma reasoning first */
};

struct extract_result {
	enum extract_outcome outcome;
	enum extract_limit limit; /* which limit, when outcome is EXTRACT_LIMIT_HIT */
	unsigned flags;		  /* enum extract_flag bits */
	unsigned reasoning;	  /* enum reasoning_flag bits (0 when not stripped) */
	size_t reasoning_removed; /* bytes removed as reasoning */
	enum extract_hint hint;

	char *content;	    /* text the steps below ran on: NUL-terminated, valid UTF-8, owned */
	size_t content_len; /* bytes in content */

	struct extract_block *blocks; /* lm-eval-chat blocks, in order; owned */
	size_t n_blocks;
	struct extract_span fallback; /* lm-eval-chat fallback text: a slice of content */

	struct extract_span lcb; /* LiveCodeBench code: a slice of content (n may be 0) */
	bool lcb_found;		 /* at least two lines contain "```" */

	size_t n_fences;      /* occurrences of "```" in content (non-overlapping, like str.count) */
	size_t n_fence_lines; /* lines of content that contain "```" */
};

/* Run every extraction step on text[0..len) (any bytes). On success returns
 * 0 and fills *out (caller releases with extract_result_clear), whatever the
 * outcome. On failure returns -ENOMEM or -EINVAL (NULL argument) and *out is
 * zeroed (nothing to release). `opts` may be NULL (reasoning kept). */
int extract_run(const struct extractor *ex, const char *text, size_t len, const struct extract_opts *opts,
		struct extract_result *out);

/* The reasoning_content fallback: run on `content`; when that yields
 * EXTRACT_F_EMPTY and reasoning_content is non-NULL and not blank, run again
 * on reasoning_content (with reasoning stripping off: all of it is reasoning
 * by definition) and set EXTRACT_F_FROM_REASONING. `content` may be NULL
 * (treated as empty). Ownership and errors as extract_run. */
int extract_run_with_reasoning(const struct extractor *ex, const char *content, size_t content_len,
			       const char *reasoning_content, size_t reasoning_len,
			       const struct extract_opts *opts, struct extract_result *out);

/* Free what *r owns and zero it. Accepts a zeroed or already-cleared result. */
void extract_result_clear(struct extract_result *r);

/* The fence facts alone, on any text (no PCRE2 needed). */
struct extract_fence_stats {
	size_t n_fences;	 /* occurrences of "```" (non-overlapping) */
	size_t n_fence_lines;	 /* lines containing "```" */
	bool unterminated;	 /* see extract_fence_stats() */
	struct extract_span lcb; /* LiveCodeBench's code, a slice of the text */
	bool lcb_found;
};

/* Count fences and find LiveCodeBench's code in text[0..len). A "fence line"
 * for `unterminated` is a line whose first non-blank (space, tab) bytes are
 * "```": outside a block it opens one; inside, a bare one (nothing but
 * spaces, tabs or '\r' after the backticks) closes it and one with an info
 * string ("```python") is content, as in CommonMark. Unterminated = still
 * inside a block at the end. */
void extract_fence_stats(const char *text, size_t len, struct extract_fence_stats *st);

/* Audit helper: the raw completion contains "```". */
bool extract_fenced(const char *text, size_t len);

/* Python's len() of the string these bytes decode to: each valid UTF-8
 * sequence counts 1, each maximal ill-formed subsequence counts 1 (the
 * U+FFFD that `bytes.decode("utf-8", "replace")` would give). Strict JSON
 * decoding in Python would reject such input outright; this is the count
 * for the repaired text every result holds. */
size_t extract_py_len(const char *s, size_t len);

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool extract_utf8_valid(const char *s, size_t len);

/* Copy of s[0..len) with every maximal ill-formed subsequence replaced by
 * U+FFFD, NUL-terminated; *out is malloc'd (caller frees), *out_len its
 * length. Returns 0 or -ENOMEM. */
int extract_utf8_repair(const char *s, size_t len, char **out, size_t *out_len);

/* human-eval completion mode: prompt + completion as is. Returns a malloc'd
 * NUL-terminated string (caller frees) and its length in *out_len, or NULL
 * on OOM. */
char *extract_program_completion(const char *prompt, size_t prompt_len, const char *completion,
				 size_t completion_len, size_t *out_len);

/* JSON views (caller owns the returned object; NULL on OOM). Strings are
 * put in with cJSON, which stops at a NUL byte: inputs that came through
 * cJSON cannot hold one.
 *
 * extract_json_facts: {"outcome", "limit", "hint", "flags": [names],
 *   "reasoning": [names], "reasoning_removed", "blocks", "fences",
 *   "fence_lines", "unterminated_fence", "lcb_found", "content_chars"}.
 * extract_json_lm_eval_chat: the runner's `extract` object
 *   {"mode": "lm-eval-chat", "blocks": [...], "fallback": "...", "prompt": "..."}. */
cJSON *extract_json_facts(const struct extract_result *r);
cJSON *extract_json_lm_eval_chat(const struct extract_result *r, const char *prompt);

#endif
