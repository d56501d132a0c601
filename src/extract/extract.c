/* Extraction of the candidate program's raw material from a completion; see
 * extract.h for the harness semantics and the ownership rules. */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "extract/extract.h"
#include "extract/extract_internal.h"

#define NONE SIZE_MAX

/* lm-eval chat's block regex, minus its leading `[ \t]*`. That prefix never
 * changes which "```" opens a match, what group 1 holds, or where the match
 * ends (the `[ \t]*` must run up to the backticks, which it cannot contain),
 * so findall's results are identical; without it a long run of spaces costs
 * PCRE2 (and Python) quadratic time, every start position rescanning it.
 * Measured on PCRE2 10.42: the lazy group keeps a constant heap footprint,
 * so a 1 MB block matches within the default limits. */
static const char BLOCK_PATTERN[] = "```(?:python|py)?[ \\t]*\\n((?:(?!```).)*?)\\n[ \\t]*```";

/* Python's `\s` on str patterns is exactly the set for which str.isspace()
 * is true (checked over all code points with CPython 3.11). PCRE2's `\s`
 * differs (no U+001C..U+001F; U+180E under UCP), so the class is spelled out. */
#define PY_SPACE \
	"[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]"

/* lm-eval chat's `^\s*```(?:python|py)?\s*\n?` (no MULTILINE: `^` is the
 * start of the string, so re.sub removes at most this one match). */
static const char OPEN_FENCE_PATTERN[] = "\\A" PY_SPACE "*```(?:python|py)?" PY_SPACE "*\\n?";

/* DOTALL and IGNORECASE as in the Python originals; UTF so `.` is one code
 * point like a Python str character; MATCH_INVALID_UTF so that even bytes
 * that slipped past the repair can never make a match fail with an error.
 * The interpreter is used, not the JIT, so the limits below mean one thing. */
#define PATTERN_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOTALL | PCRE2_CASELESS)

struct extractor {
	pcre2_code *block;
	pcre2_code *open_fence;
	struct extract_limits limits;
};

static void cleanup_match_data(pcre2_match_data **md)
{
	pcre2_match_data_free(*md);
}

static void cleanup_match_context(pcre2_match_context **mc)
{
	pcre2_match_context_free(*mc);
}

#define auto_match_data __attribute__((cleanup(cleanup_match_data)))
#define auto_match_context __attribute__((cleanup(cleanup_match_context)))

const char *extract_outcome_name(enum extract_outcome o)
{
	switch (o) {
	case EXTRACT_OK:
		return "ok";
	case EXTRACT_LIMIT_HIT:
		return "limit";
	}
	return "?";
}

const char *extract_limit_name(enum extract_limit l)
{
	switch (l) {
	case EXTRACT_LIMIT_NONE:
		return "none";
	case EXTRACT_LIMIT_MATCH:
		return "match";
	case EXTRACT_LIMIT_DEPTH:
		return "depth";
	case EXTRACT_LIMIT_HEAP:
		return "heap";
	}
	return "?";
}

const char *extract_flag_name(enum extract_flag f)
{
	switch (f) {
	case EXTRACT_F_FENCED:
		return "fenced";
	case EXTRACT_F_UNTERMINATED_FENCE:
		return "unterminated_fence";
	case EXTRACT_F_INVALID_UTF8:
		return "invalid_utf8";
	case EXTRACT_F_FROM_REASONING:
		return "from_reasoning";
	case EXTRACT_F_EMPTY:
		return "empty";
	case EXTRACT_F_BLOCKS_SKIPPED:
		return "blocks_skipped";
	case EXTRACT_F_FALLBACK_SKIPPED:
		return "fallback_skipped";
	}
	return "?";
}

const char *extract_hint_name(enum extract_hint h)
{
	switch (h) {
	case EXTRACT_HINT_NONE:
		return "none";
	case EXTRACT_HINT_FENCED:
		return "fenced";
	case EXTRACT_HINT_UNFENCED:
		return "unfenced";
	}
	return "?";
}

/* ---- the extractor ------------------------------------------------------ */

static pcre2_code *compile(const char *pattern, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE at;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PATTERN_OPTIONS, &code, &at, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		snprintf(err, errlen, "extract: pattern %s at offset %zu: %s", pattern, (size_t)at, (char *)msg);
	}
	return re;
}

int extract_new(const struct extract_limits *limits, struct extractor **out, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	*out = NULL;
	struct extractor *ex = calloc(1, sizeof(*ex));
	if (!ex) {
		snprintf(err, errlen, "extract: out of memory");
		return -ENOMEM;
	}
	if (limits)
		ex->limits = *limits;
	if (!ex->limits.match_limit)
		ex->limits.match_limit = EXTRACT_DEFAULT_MATCH_LIMIT;
	if (!ex->limits.depth_limit)
		ex->limits.depth_limit = EXTRACT_DEFAULT_DEPTH_LIMIT;
	if (!ex->limits.heap_limit_kib)
		ex->limits.heap_limit_kib = EXTRACT_DEFAULT_HEAP_KIB;
	ex->block = compile(BLOCK_PATTERN, err, errlen);
	ex->open_fence = ex->block ? compile(OPEN_FENCE_PATTERN, err, errlen) : NULL;
	if (!ex->open_fence) {
		extract_free(&ex);
		return -EINVAL;
	}
	*out = ex;
	return 0;
}

void extract_free(struct extractor **ex)
{
	if (!ex || !*ex)
		return;
	pcre2_code_free((*ex)->block);
	pcre2_code_free((*ex)->open_fence);
	free(*ex);
	*ex = NULL;
}

void extract_result_clear(struct extract_result *r)
{
	for (size_t i = 0; i < r->n_blocks; i++)
		free(r->blocks[i].text);
	free(r->blocks);
	free(r->content);
	memset(r, 0, sizeof(*r));
}

static pcre2_match_context *match_context(const struct extractor *ex)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	if (!mc)
		return NULL;
	pcre2_set_match_limit(mc, ex->limits.match_limit);
	pcre2_set_depth_limit(mc, ex->limits.depth_limit);
	pcre2_set_heap_limit(mc, ex->limits.heap_limit_kib);
	return mc;
}

/* A failed pcre2_match: a limit is an outcome (1), anything else an error
 * of verdict itself (-errno). */
static int match_failed(int rc, struct extract_result *r)
{
	enum extract_limit l;
	if (rc == PCRE2_ERROR_MATCHLIMIT)
		l = EXTRACT_LIMIT_MATCH;
	else if (rc == PCRE2_ERROR_DEPTHLIMIT)
		l = EXTRACT_LIMIT_DEPTH;
	else if (rc == PCRE2_ERROR_HEAPLIMIT)
		l = EXTRACT_LIMIT_HEAP;
	else if (rc == PCRE2_ERROR_NOMEMORY)
		return -ENOMEM;
	else
		return -EPROTO;
	r->outcome = EXTRACT_LIMIT_HIT;
	if (r->limit == EXTRACT_LIMIT_NONE)
		r->limit = l;
	return 1;
}

/* _smart_dedent: strip the `^[ \t]*` indent of the first line that holds a
 * non-whitespace character from every line that starts with it. Returns a
 * malloc'd NUL-terminated copy (NULL on OOM). */
static char *dedent(const char *p, size_t n, size_t *out_len)
{
	size_t indent = 0;
	const char *first = NULL;
	for (size_t ls = 0; ls <= n && !first;) {
		const char *nl = memchr(p + ls, '\n', n - ls);
		size_t le = nl ? (size_t)(nl - p) : n;
		if (!extract_py_blank(p + ls, le - ls)) {
			first = p + ls;
			while (indent < le - ls && (first[indent] == ' ' || first[indent] == '\t'))
				indent++;
		}
		if (!nl)
			break;
		ls = le + 1;
	}
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t ls = 0;;) {
		const char *nl = memchr(p + ls, '\n', n - ls);
		size_t le = nl ? (size_t)(nl - p) + 1 : n; /* keep the "\n" */
		size_t skip = indent && le - ls >= indent && memcmp(p + ls, first, indent) == 0 ? indent : 0;
		memcpy(out + o, p + ls + skip, le - ls - skip);
		o += le - ls - skip;
		if (!nl)
			break;
		ls = le;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static int add_block(struct extract_result *r, size_t *cap, size_t start, size_t end)
{
	if (r->n_blocks == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct extract_block *g = realloc(r->blocks, c * sizeof(*g));
		if (!g)
			return -ENOMEM;
		r->blocks = g;
		*cap = c;
	}
	struct extract_block *b = &r->blocks[r->n_blocks];
	b->text = dedent(r->content + start, end - start, &b->len);
	if (!b->text)
		return -ENOMEM;
	b->offset = start;
	b->raw_len = end - start;
	r->n_blocks++;
	return 0;
}

/* re.findall over the content: non-overlapping matches, left to right. */
static int find_blocks(const struct extractor *ex, pcre2_match_context *mc, struct extract_result *r)
{
	auto_match_data pcre2_match_data *md = pcre2_match_data_create_from_pattern(ex->block, NULL);
	if (!md)
		return -ENOMEM;
	size_t cap = 0;
	for (size_t off = 0; off < r->content_len;) {
		int rc = pcre2_match(ex->block, (PCRE2_SPTR)r->content, r->content_len, off, 0, md, mc);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			int f = match_failed(rc, r);
			if (f > 0)
				r->flags |= EXTRACT_F_BLOCKS_SKIPPED;
			return f < 0 ? f : 0;
		}
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		if (add_block(r, &cap, ov[2], ov[3]) < 0)
			return -ENOMEM;
		off = ov[1]; /* a match is never empty: "```" at least */
	}
	return 0;
}

static int find_fallback(const struct extractor *ex, pcre2_match_context *mc, struct extract_result *r)
{
	auto_match_data pcre2_match_data *md = pcre2_match_data_create_from_pattern(ex->open_fence, NULL);
	if (!md)
		return -ENOMEM;
	size_t start = 0;
	int rc = pcre2_match(ex->open_fence, (PCRE2_SPTR)r->content, r->content_len, 0, 0, md, mc);
	if (rc >= 0) {
		start = pcre2_get_ovector_pointer(md)[1];
	} else if (rc != PCRE2_ERROR_NOMATCH) {
		int f = match_failed(rc, r);
		if (f < 0)
			return f;
		r->flags |= EXTRACT_F_FALLBACK_SKIPPED;
		r->fallback = (struct extract_span){ r->content, 0 };
		return 0;
	}
	const char *rest = r->content + start;
	size_t n = r->content_len - start;
	const char *cut = n >= 3 ? memmem(rest, n, "```", 3) : NULL;
	r->fallback = (struct extract_span){ rest, cut ? (size_t)(cut - rest) : n };
	return 0;
}

/* Fill r->content from the input: repaired when not UTF-8, reasoning
 * removed when asked. */
static int prepare_content(const char *text, size_t len, const struct extract_opts *opts, struct extract_result *r)
{
	autofree char *repaired = NULL;
	if (!extract_utf8_valid(text, len)) {
		size_t n;
		if (extract_utf8_repair(text, len, &repaired, &n) < 0)
			return -ENOMEM;
		text = repaired;
		len = n;
		r->flags |= EXTRACT_F_INVALID_UTF8;
	}
	if (opts && opts->strip_reasoning) {
		struct reasoning_result rr;
		if (reasoning_strip(text, len, &rr) < 0)
			return -ENOMEM;
		r->content = steal_pointer(&rr.content);
		r->content_len = rr.len;
		r->reasoning = rr.flags;
		r->reasoning_removed = rr.removed;
		return 0;
	}
	if (repaired) {
		r->content = steal_pointer(&repaired);
		r->content_len = len;
		return 0;
	}
	r->content = extract_copy_bytes(text, len);
	r->content_len = len;
	return r->content ? 0 : -ENOMEM;
}

static int run(const struct extractor *ex, const char *text, size_t len, const struct extract_opts *opts,
	       struct extract_result *r)
{
	int e = prepare_content(text, len, opts, r);
	if (e < 0)
		return e;

	struct extract_fence_stats st;
	extract_fence_stats(r->content, r->content_len, &st);
	r->n_fences = st.n_fences;
	r->n_fence_lines = st.n_fence_lines;
	r->lcb = st.lcb;
	r->lcb_found = st.lcb_found;
	if (st.n_fences)
		r->flags |= EXTRACT_F_FENCED;
	if (st.unterminated)
		r->flags |= EXTRACT_F_UNTERMINATED_FENCE;

	auto_match_context pcre2_match_context *mc = match_context(ex);
	if (!mc)
		return -ENOMEM;
	if ((e = find_blocks(ex, mc, r)) < 0 || (e = find_fallback(ex, mc, r)) < 0)
		return e;

	if (extract_py_blank(r->content, r->content_len)) {
		r->flags |= EXTRACT_F_EMPTY;
		r->hint = EXTRACT_HINT_NONE;
	} else {
		r->hint = r->n_blocks ? EXTRACT_HINT_FENCED : EXTRACT_HINT_UNFENCED;
	}
	return 0;
}

int extract_run(const struct extractor *ex, const char *text, size_t len, const struct extract_opts *opts,
		struct extract_result *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!ex || (!text && len))
		return -EINVAL;
	int e = run(ex, text ? text : "", len, opts, out);
	if (e < 0)
		extract_result_clear(out);
	return e;
}

int extract_run_with_reasoning(const struct extractor *ex, const char *content, size_t content_len,
			       const char *reasoning_content, size_t reasoning_len,
			       const struct extract_opts *opts, struct extract_result *out)
{
	int e = extract_run(ex, content ? content : "", content ? content_len : 0, opts, out);
	if (e < 0 || !(out->flags & EXTRACT_F_EMPTY) || !reasoning_content ||
	    extract_py_blank(reasoning_content, reasoning_len))
		return e;
	unsigned content_reasoning = out->reasoning;
	size_t content_removed = out->reasoning_removed;
	struct extract_result alt;
	const struct extract_opts keep = { .strip_reasoning = false };
	e = extract_run(ex, reasoning_content, reasoning_len, &keep, &alt);
	extract_result_clear(out);
	if (e < 0)
		return e;
	*out = alt;
	out->flags |= EXTRACT_F_FROM_REASONING;
	out->reasoning = content_reasoning;
	out->reasoning_removed = content_removed;
	return 0;
}
