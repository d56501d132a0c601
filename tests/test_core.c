/* Unit tests of the small pure modules: digests, UTF-8 helpers with Python
 * semantics, pass@k, the JSON span scanner, audits, JSONL iteration and the
 * scheduler. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "score/audit.h"
#include "base/digest.h"
#include "base/json_span.h"
#include "base/jsonl.h"
#include "score/passk.h"
#include "score/scheduler.h"
#include "tap.h"
#include "base/text.h"

static void test_digests(void)
{
	char s[65], m[33];
	digest_sha256_hex("abc", 3, s);
	digest_md5_hex("abc", 3, m);
	tap_ok(strcmp(s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0, "sha256(abc)");
	tap_ok(strcmp(m, "900150983cd24fb0d6963f7d28e17f72") == 0, "md5(abc)");
	/* 56..64 bytes needs a second padding block. */
	const char *long_msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	digest_sha256_hex(long_msg, strlen(long_msg), s);
	tap_ok(strcmp(s, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0,
	       "sha256 of a 56-byte message (two padding blocks)");
	digest_md5_hex("", 0, m);
	tap_ok(strcmp(m, "d41d8cd98f00b204e9800998ecf8427e") == 0, "md5 of nothing");
}

static void test_text(void)
{
	tap_ok(text_codepoints("h\xc3\xa9llo", 6) == 5, "code points of UTF-8 text");
	tap_ok(text_codepoints("\xff\xfe", 2) == 2, "invalid bytes count one each");
	{
		/* invalid bytes, a NUL, a UTF-8 surrogate; valid text and U+FFFD kept */
		char *c = text_utf8_clean("\xff" "a\0" "\xc3\xa9\xed\xa0\x80\xef\xbf\xbd", 11);
		tap_ok(c && strcmp(c, "\xef\xbf\xbd" "a\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") == 0,
		       "text_utf8_clean: invalid bytes and NUL become U+FFFD, valid text kept");
		free(c);
	}
	tap_ok(text_py_isspace(0x1c) && text_py_isspace(0x85) && text_py_isspace(0x3000) && !text_py_isspace(0x200b),
	       "str.isspace() set, including \\x1c and U+3000 but not U+200B");
	size_t a, l;
	const char *t = "\xe3\x80\x80 x y\n\xc2\xa0";
	text_py_strip(t, strlen(t), &a, &l);
	tap_ok(l == 3 && memcmp(t + a, "x y", 3) == 0, "strip removes Unicode whitespace at both ends");
	text_py_strip(" \t\n", 3, &a, &l);
	tap_ok(l == 0, "all-space text strips to nothing");
	tap_ok(text_contains_stripped("def f():\n    return 1\n", 22, "\n    return 1\n\n", 15),
	       "verbatim check strips the needle");
	tap_ok(!text_contains_stripped("anything", 8, "  \n", 3), "an empty needle never matches");
}

static void test_passk(void)
{
	double v;
	tap_ok(passk_estimate(1, 1, 1, &v) && v == 1.0, "pass@1 of 1/1");
	tap_ok(passk_estimate(10, 0, 1, &v) && v == 0.0, "pass@1 of 0/10");
	tap_ok(passk_estimate(10, 3, 1, &v) && fabs(v - 0.3) < 1e-12, "pass@1 = c/n");
	/* 1 - C(7,5)/C(10,5) = 1 - 21/252 */
	tap_ok(passk_estimate(10, 3, 5, &v) && fabs(v - (1.0 - 21.0 / 252.0)) < 1e-12, "pass@5 of 3/10");
	tap_ok(passk_estimate(10, 8, 5, &v) && v == 1.0, "n - c < k gives 1");
	tap_ok(!passk_estimate(3, 1, 5, &v), "k > n is not computable");
}

static void test_json_span(void)
{
	const char *j = "{\"a\": [1.0, 2, {\"x\": \"]}\"}], \"b\\\"q\": 12345678901234567890, \"c\": {\"d\": null}}";
	struct span s;
	tap_ok(json_span_member(j, strlen(j), "a", &s) == 0 && s.n == strlen("[1.0, 2, {\"x\": \"]}\"}]") &&
		       strncmp(s.p, "[1.0, 2,", 8) == 0,
	       "raw list kept byte for byte (1.0 stays 1.0)");
	tap_ok(json_span_member(j, strlen(j), "b\"q", &s) == 0 && strncmp(s.p, "12345678901234567890", s.n) == 0,
	       "escaped key, big integer untouched");
	tap_ok(json_span_member(j, strlen(j), "zz", &s) == 1, "absent key");
	tap_ok(json_span_member("{\"a\": [1, 2}", 12, "a", &s) == -1, "malformed text is reported");
	tap_ok(json_span_member("[1]", 3, "a", &s) == -1, "not an object");
	struct span items[3];
	const char *arr = " [ {\"x\": [1.0, \"],\"]} , 0.24999999999999997,\"s\" ] ";
	long n_items = json_span_items(arr, strlen(arr), items, 3);
	tap_ok(n_items == 3 && strncmp(items[0].p, "{\"x\": [1.0, \"],\"]}", items[0].n) == 0 &&
		       items[0].n == strlen("{\"x\": [1.0, \"],\"]}") &&
		       strncmp(items[1].p, "0.24999999999999997", items[1].n) == 0 && items[1].n == 19 &&
		       strncmp(items[2].p, "\"s\"", items[2].n) == 0 && items[2].n == 3,
	       "array items: each element's text, byte for byte");
	tap_ok(json_span_items("[]", 2, items, 3) == 0 && json_span_items("[1,2,3,4]", 9, items, 3) == -1 &&
		       json_span_items("[1,]", 4, items, 3) == -1 && json_span_items("[1] x", 5, items, 3) == -1 &&
		       json_span_items("{}", 2, items, 3) == -1,
	       "array items: empty, too many, a trailing comma, text after it, not an array");
}

static void test_audit(void)
{
	struct audit_item items[12];
	const char *texts[12] = { "", "  \n", "```python\nx\n```", "abc", "abcd", "é", "0123456789", "a", "ab",
				  "abcdef", "xy```", "def f():\n    return 1" };
	for (int i = 0; i < 12; i++)
		items[i] = (struct audit_item){ .raw = texts[i], .raw_len = strlen(texts[i]),
						.canonical = i == 11 ? "    return 1\n" : "zzz" };
	struct audit a;
	tap_ok(audit_compute(items, 12, &a) == 0, "audit computes");
	tap_ok(a.n == 12 && a.empty == 2 && a.fenced == 2, "empty and fenced counts");
	/* lengths sorted: 0 1 1 2 3 3 4 5 6 10 15 21 -> [12//10]=[1]=1, median (3+4)//2=3, [12*9//10]=[10]=15 */
	tap_ok(a.chars_p10 == 1 && a.chars_p50 == 3 && a.chars_p90 == 15, "percentiles by the audit's rule (%zu/%zu/%zu)",
	       a.chars_p10, a.chars_p50, a.chars_p90);
	tap_ok(a.verbatim == 1 && a.verbatim_n == 12, "verbatim canonical counted once");
}

static void test_jsonl(void)
{
	const char *d = "{\"a\":1}\r\n\n   \n{\"b\":2}";
	struct jsonl_iter it;
	jsonl_iter_init(&it, d, strlen(d));
	const char *line;
	size_t n;
	bool one = jsonl_next(&it, &line, &n) && n == 7 && it.line_no == 1;
	bool two = jsonl_next(&it, &line, &n) && n == 7 && it.line_no == 4 && line[2] == 'b';
	tap_ok(one && two && !jsonl_next(&it, &line, &n), "JSONL lines with numbers, CRLF and blank lines");
}

struct sched_ctx {
	atomic_int ran[64];
	atomic_int order_a, order_b;
	int first_b; /* position at which the small batch's first item ran */
	atomic_int seq;
};

static void run_a(void *ctx, size_t i)
{
	struct sched_ctx *c = ctx;
	atomic_fetch_add(&c->ran[i], 1);
	atomic_fetch_add(&c->seq, 1);
	usleep(2000);
}

static void run_b(void *ctx, size_t i)
{
	struct sched_ctx *c = ctx;
	int pos = atomic_fetch_add(&c->seq, 1);
	if (i == 0)
		c->first_b = pos;
}

static void test_scheduler(void)
{
	struct scheduler *s;
	tap_ok(scheduler_create(2, 100, &s) == 0, "scheduler starts");
	struct sched_ctx c = { 0 };
	struct batch big = { .run = run_a, .ctx = &c, .n = 60 };
	struct batch small = { .run = run_b, .ctx = &c, .n = 3 };
	tap_ok(scheduler_submit(s, &big) == 0, "a batch of 60 is queued");
	struct batch huge = { .run = run_b, .ctx = &c, .n = 1000 };
	tap_ok(scheduler_submit(s, &huge) == -EBUSY, "past the queue bound the submit is refused");
	tap_ok(scheduler_submit(s, &small) == 0, "a small batch joins");
	scheduler_wait(s, &small);
	scheduler_wait(s, &big);
	bool all_once = true;
	for (int i = 0; i < 60; i++)
		all_once = all_once && c.ran[i] == 1;
	tap_ok(all_once, "every item ran exactly once");
	tap_ok(c.first_b < 20, "the small batch was not starved (its first item ran at position %d of 63)", c.first_b);
	scheduler_destroy(&s);
	tap_ok(s == NULL, "scheduler stops");
}

int main(void)
{
	tap_plan_lazy();
	test_digests();
	test_text();
	test_passk();
	test_json_span();
	test_audit();
	test_jsonl();
	test_scheduler();
	return tap_done();
}
