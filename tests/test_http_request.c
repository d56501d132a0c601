/* Unit tests of the POST /score request parser (src/http/http_request.c): the
 * plan a body turns into, and the field each refusal names. No jail, no
 * server. argv[1]: fixtures/http/mini.jsonl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_scan.h"
#include "http/http_request.h"
#include "tap.h"

static struct request_dataset named[1];
static struct request_config cfg;

static int parse(const char *body, struct score_request *r, struct request_error *e)
{
	return request_parse(body, strlen(body), &cfg, r, e);
}

static void expect_error(const char *body, int status, const char *field, const char *what)
{
	struct score_request r;
	struct request_error e;
	int rc = parse(body, &r, &e);
	if (!tap_ok(rc < 0 && e.status == status && strcmp(e.field, field) == 0, "%s -> %d %s", what, status,
		    field[0] ? field : "(body)"))
		tap_diag("got rc %d, %d '%s': %s", rc, e.status, e.field, e.message);
	if (rc == 0)
		request_free(&r);
}

static void test_plan(void)
{
	struct score_request r;
	struct request_error e;
	const char *body = "{\"benchmark\": \"mini\", \"profile\": \"human-eval\", \"k\": [1, 3],"
			   " \"limits\": {\"timeout_s\": 1.5, \"memory_mb\": 256, \"wall_s\": 2},"
			   " \"samples\": [{\"task_id\": \"Mini/1\", \"completion\": \"    return x - 1\\n\"},"
			   " {\"task_id\": \"Mini/0\", \"completions\": [\"a\", null, \"c\"], \"reasoning_content\": "
			   "[null, \"r\", null]},"
			   " {\"task_id\": \"Mini/1\", \"solution\": \"def dec(x): return x - 1\"},"
			   " {\"task_id\": \"new/1\", \"completion\": \"c\", \"problem\": {\"test\": \"t\", "
			   "\"entry_point\": \"f\"}}]}";
	int rc = parse(body, &r, &e);
	if (!tap_ok(rc == 0, "a valid request parses")) {
		tap_diag("%d %s: %s", e.status, e.field, e.message);
		return;
	}
	tap_ok(r.set.n == 6, "completions expand: 6 samples");
	const struct sample *v = r.set.v;
	tap_ok(TAP_STREQ(v[0].task_id, "Mini/1") && v[0].index == 0 && TAP_STREQ(v[3].task_id, "Mini/0") &&
		       v[3].index == 2 && v[4].index == 1 && TAP_STREQ(v[4].task_id, "Mini/1"),
	       "samples keep request order; each task's samples are numbered");
	tap_ok(TAP_STREQ(v[2].completion, "") && v[2].reasoning && TAP_STREQ(v[2].reasoning, "r") && !v[1].reasoning,
	       "a null completion is empty; reasoning_content lists pair with completions");
	tap_ok(v[4].solution && !v[4].completion, "solution is a full program");
	tap_ok(v[5].problem && TAP_STREQ(v[5].problem->task_id, "new/1") && !v[5].problem->prompt,
	       "an inline problem takes the sample's task id");
	tap_ok(!v[0].problem && r.ds == named[0].ds && r.bench == BENCH_HUMANEVAL,
	       "dataset problems stay in the dataset");
	tap_ok(r.so.profile == PROFILE_HUMAN_EVAL && r.so.n_ks == 2 && r.so.ks[1] == 3, "profile and k");
	tap_ok(r.so.timeout_ms == 1500 && r.so.memory_bytes == 256u << 20 && r.so.wall_factor > 1.33 &&
		       r.so.wall_factor < 1.34,
	       "limits: 1.5 s CPU, wall 2 s as a factor, 256 MiB");
	request_free(&r);

	rc = parse("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": \"x\"}]}", &r,
		   &e);
	tap_ok(rc == 0 && r.so.timeout_ms == 0 && r.so.wall_factor == 3.0 && r.so.memory_bytes == 1024u << 20 &&
		       r.so.n_ks == 1 && r.so.ks[0] == 1 && r.so.profile == PROFILE_VERDICT && r.so.exec &&
		       r.so.harness == PROFILE_AUTO && !r.so.no_harness,
	       "defaults: the profile's CPU limit, 3x wall, the configured memory, k=1, verdict with the harness beside, exec");
	if (rc == 0)
		request_free(&r);

	rc = parse("{\"benchmark\": \"mini\", \"harness\": \"evalplus\", \"samples\": [{\"task_id\": \"Mini/0\", "
		   "\"completion\": \"x\"}]}",
		   &r, &e);
	tap_ok(rc == 0 && r.so.harness == PROFILE_EVALPLUS && !r.so.no_harness, "harness: a faithful profile by name");
	if (rc == 0)
		request_free(&r);
	rc = parse("{\"benchmark\": \"mini\", \"harness\": \"none\", \"samples\": [{\"task_id\": \"Mini/0\", "
		   "\"completion\": \"x\"}]}",
		   &r, &e);
	tap_ok(rc == 0 && r.so.no_harness, "harness: none");
	if (rc == 0)
		request_free(&r);
}

static void test_raw_forwarding(void)
{
	struct score_request r;
	struct request_error e;
	const char *body =
		"{\"benchmark\": \"humaneval_plus\", \"samples\": [{\"task_id\": \"q\", \"completion\": \"x\"},"
		" {\"task_id\": \"HumanEval/0\", \"completion\": \"[{\\\"}\", \"problem\": {\"entry_point\": \"f\","
		" \"base_input\": [[1.0, 12345678901234567890]], \"plus_input\": [[-0.0]], \"atol\": 1e-06}}]}";
	int rc = parse(body, &r, &e);
	tap_ok(rc < 0 && strcmp(e.field, "samples[0].task_id") == 0,
	       "no dataset for humaneval_plus: a sample without a problem is refused");
	body = "{\"benchmark\": \"humaneval_plus\", \"samples\": [{\"task_id\": \"HumanEval/0\", \"completion\": "
	       "\"[{\\\"}\","
	       " \"problem\": {\"entry_point\": \"f\", \"base_input\": [[1.0, 12345678901234567890]],"
	       " \"plus_input\": [[-0.0]], \"atol\": 1e-06}}]}";
	rc = parse(body, &r, &e);
	if (!tap_ok(rc == 0, "an inline HumanEval+ problem parses")) {
		tap_diag("%s: %s", e.field, e.message);
		return;
	}
	const struct problem *p = r.set.v[0].problem;
	tap_ok(TAP_STREQ(p->base_input, "[[1.0, 12345678901234567890]]") && TAP_STREQ(p->plus_input, "[[-0.0]]") &&
		       TAP_STREQ(p->atol, "1e-06"),
	       "HumanEval+ inputs are forwarded byte for byte (1.0 stays 1.0, big integers stay exact)");
	tap_ok(r.bench == BENCH_HUMANEVAL_PLUS && r.ds == NULL, "a known benchmark with no dataset loaded");
	request_free(&r);
}

static void test_errors(void)
{
	expect_error("", 400, "", "empty body");
	expect_error("{", 400, "", "truncated JSON");
	expect_error("[]", 400, "", "not an object");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": \"\\u0000\"}]}",
		     400, "samples[0].completion", "a \\u0000 escape");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": \"x\"}]} x",
		     400, "", "trailing text");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"\xed\xa0\x80\", \"completion\": \"x\"}]}",
		     400, "samples[0].task_id", "a UTF-8 surrogate");
	expect_error("{\"samples\": []}", 400, "benchmark", "no benchmark");
	expect_error("{\"benchmark\": \"mbpp\", \"samples\": []}", 400, "benchmark", "unknown benchmark");
	expect_error("{\"benchmark\": \"mini\", \"profile\": 3, \"samples\": []}", 400, "profile", "profile type");
	expect_error("{\"benchmark\": \"mini\", \"harness\": \"verdict\", \"samples\": []}", 400, "harness",
		     "the verdict profile is no harness");
	expect_error("{\"benchmark\": \"mini\", \"harness\": true, \"samples\": []}", 400, "harness", "harness type");
	expect_error("{\"benchmark\": \"mini\", \"samples\": []}", 400, "samples", "no samples");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": \"x\"}, "
		     "{\"task_id\": "
		     "\"Mini/9\", \"completion\": \"x\"}]}",
		     400, "samples[1].task_id", "unknown task id");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completions\": [\"x\", 1]}]}",
		     400, "samples[0].completions[1]", "completions entry type");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completions\": [\"x\"], "
		     "\"reasoning_content\": \"r\"}]}",
		     400, "samples[0].reasoning_content", "a single reasoning_content with completions");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		     "{\"entry_point\": \"f\"}}]}",
		     400, "samples[0].problem.test", "inline problem without a test");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		     "{\"entry_point\": \"f\", \"test\": \"\", \"base_input\": 3}}]}",
		     400, "samples[0].problem.base_input", "base_input of the wrong type");
	expect_error("{\"benchmark\": \"mini\", \"k\": [1, 1.5], \"samples\": []}", 400, "k[1]", "fractional k");
	expect_error("{\"benchmark\": \"mini\", \"limits\": {\"timeout_s\": 3.1}, \"samples\": []}", 400,
		     "limits.timeout_s", "timeout over the maximum");
	expect_error("{\"benchmark\": \"mini\", \"limits\": {\"wall_s\": 0}, \"samples\": []}", 400, "limits.wall_s",
		     "zero wall");
	expect_error("{\"benchmark\": \"mini\", \"limits\": {\"memory_mb\": 1.5}, \"samples\": []}", 400,
		     "limits.memory_mb", "fractional memory");
	expect_error("{\"benchmark\": \"mini\", \"exec\": 1, \"samples\": []}", 400, "exec", "exec type");
	char big[200];
	snprintf(big, sizeof(big),
		 "{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completions\": [%s]}]}",
		 "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"");
	expect_error(big, 413, "samples", "more samples than the cap");
	/* "é" is 2 bytes, 1 character: the cap counts characters. */
	char body[400];
	int at = snprintf(body, sizeof(body),
			  "{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", "
			  "\"completion\": \"");
	for (int i = 0; i < 41; i++)
		at += snprintf(body + at, sizeof(body) - (size_t)at, "\xc3\xa9");
	snprintf(body + at, sizeof(body) - (size_t)at, "\"}]}");
	expect_error(body, 413, "samples[0].completion", "41 characters over a cap of 40 (82 bytes)");
	struct score_request r;
	struct request_error e;
	memmove(body + at - 2, body + at, strlen(body + at) + 1); /* one "é" fewer: 40 */
	int rc = parse(body, &r, &e);
	tap_ok(rc == 0, "40 characters (80 bytes) fit a cap of 40 characters");
	if (rc == 0)
		request_free(&r);
	rc = parse(
		"{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": \"a\\\\u0000\"}]}",
		&r, &e);
	tap_ok(rc == 0 && TAP_STREQ(r.set.v[0].completion, "a\\u0000"), "an escaped backslash before u0000 is text");
	if (rc == 0)
		request_free(&r);
}

/* Raw bytes JSON does not allow, \u0000, and what a body may not repeat. */
static void test_hostile(void)
{
	struct score_request r;
	struct request_error e;
	static const char nul_body[] =
		"{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": "
		"\"return 1\0zzz\"}]}";
	int rc = request_parse(nul_body, sizeof(nul_body) - 1, &cfg, &r, &e);
	tap_ok(rc < 0 && e.status == 400 && TAP_STREQ(e.field, "samples[0].completion") && strstr(e.message, "NUL"),
	       "a raw NUL inside a completion -> 400 naming samples[0].completion");
	if (rc == 0)
		request_free(&r);
	static const char nul_id[] =
		"{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\0zzz\", \"completion\": "
		"\"x\"}]}";
	rc = request_parse(nul_id, sizeof(nul_id) - 1, &cfg, &r, &e);
	tap_ok(rc < 0 && TAP_STREQ(e.field, "samples[0].task_id"), "a raw NUL inside a task id -> 400 naming it");
	if (rc == 0)
		request_free(&r);
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": \"a\x01\"}]}",
		     400, "samples[0].completion", "a raw control character");
	expect_error(
		"{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": \"\treturn\"}]}",
		400, "samples[0].completion", "a raw tab inside a string");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		     "{\"entry_point\": \"f\", \"test\": \"\\ud800\"}}]}",
		     400, "samples[0].problem.test", "a lone surrogate escape");
	expect_error("\xef\xbb\xbf{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": "
		     "\"x\"}]}",
		     400, "", "a leading byte order mark");
	expect_error("{\"benchmark\": \"mini\", \"benchmark\": \"lcb\", \"samples\": []}", 400, "benchmark",
		     "a top-level key given twice");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [], \"samples\": [1]}", 400, "samples",
		     "samples given twice");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", \"completion\": \"x\", "
		     "\"completion\": \"y\"}]}",
		     400, "samples[0].completion", "a sample key given twice");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		     "{\"entry_point\": \"f\", \"test\": \"\", \"test\": \"t\"}}]}",
		     400, "samples[0].problem.test", "a problem key given twice");
	expect_error("{\"benchmark\": \"mini\", \"limits\": {\"timeout_s\": 1, \"timeout_s\": 2}, \"samples\": []}",
		     400, "limits.timeout_s", "a limit given twice");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		     "{\"entry_point\": \"f) if False else (None\", \"test\": \"t\"}}]}",
		     400, "samples[0].problem.entry_point", "an entry point that is not an identifier");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		     "{\"entry_point\": \"f\\n\", \"test\": \"t\"}}]}",
		     400, "samples[0].problem.entry_point", "an entry point with a newline");
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		     "{\"entry_point\": \"class\", \"test\": \"t\"}}]}",
		     400, "samples[0].problem.entry_point", "an entry point that is a keyword");
	rc = parse("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		   "{\"entry_point\": \"None\", \"test\": \"def check(_c):\\n    pass\\n\"}}]}",
		   &r, &e);
	tap_ok(rc == 0, "entry point None (the lm-eval hook's no-op check) is accepted");
	if (rc == 0)
		request_free(&r);
	expect_error("{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completion\": \"x\", \"problem\": "
		     "{\"entry_point\": \"f\", \"prompt\": 5, \"test\": \"t\"}}]}",
		     400, "samples[0].problem.prompt", "a mistyped problem field is named itself");
	expect_error("{\"benchmark\": \"mini\", \"limits\": {\"timeout_s\": 0.001}, \"samples\": []}", 400,
		     "limits.timeout_s", "a timeout below the minimum");
	expect_error("{\"benchmark\": \"mini\", \"limits\": {\"wall_s\": 0.5}, \"samples\": []}", 400, "limits.wall_s",
		     "a wall limit below the minimum");
	expect_error("{\"benchmark\": \"mini\", \"limits\": {\"memory_mb\": 32}, \"samples\": []}", 400,
		     "limits.memory_mb", "a memory limit below the minimum");
	expect_error(
		"{\"benchmark\": \"mini\", \"k\": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
		"1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], \"samples\": []}",
		400, "k", "a top-level field holding far more values than it can be");
	char wide[600];
	size_t w = (size_t)snprintf(wide, sizeof(wide),
				    "{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"Mini/0\", "
				    "\"completion\": [");
	for (int i = 0; i < 70; i++)
		w += (size_t)snprintf(wide + w, sizeof(wide) - w, "%s0", i ? "," : "");
	snprintf(wide + w, sizeof(wide) - w, "]}]}");
	expect_error(wide, 400, "samples[0].completion", "a member holding more values than it can be");
	char deep[600];
	size_t at = (size_t)snprintf(deep, sizeof(deep), "{\"benchmark\": \"mini\", \"samples\": ");
	for (int i = 0; i < 130; i++)
		deep[at++] = '[';
	for (int i = 0; i < 130; i++)
		deep[at++] = ']';
	snprintf(deep + at, sizeof(deep) - at, "}");
	expect_error(deep, 400, "", "arrays nested deeper than the limit");

	/* The samples of one object share one copy of its inline problem. */
	rc = parse(
		"{\"benchmark\": \"mini\", \"samples\": [{\"task_id\": \"a\", \"completions\": [\"x\", \"y\", \"z\"], "
		"\"problem\": {\"entry_point\": \"f\", \"test\": \"t\"}}, {\"task_id\": \"a\", \"completion\": \"w\", "
		"\"problem\": {\"entry_point\": \"f\", \"test\": \"t\"}}, {\"task_id\": \"Mini/0\", \"completion\": "
		"\"v\", "
		"\"meta\": {\"ignored\": [1, 2, 3], \"completion\": 5}}]}",
		&r, &e);
	tap_ok(rc == 0 && r.set.n == 5 && r.set.v[0].problem == r.set.v[1].problem &&
		       r.set.v[1].problem == r.set.v[2].problem && r.set.v[3].problem != r.set.v[2].problem &&
		       r.set.v[3].index == 3 && !r.set.v[4].problem,
	       "completions share their object's inline problem; another object has its own; unknown members are "
	       "skipped");
	if (rc == 0)
		request_free(&r);
	else
		tap_diag("%d %s: %s", e.status, e.field, e.message);
}

/* The checker every body passes first (src/base/json_scan.c). */
static void test_scan(void)
{
	struct json_scan_stats st;
	struct json_scan_error je;
	const char *ok = " {\"a\": [1, -2.5e+3, true, false, null, \"\\u00e9\\ud83d\\ude00\"], \"b\": {}} ";
	tap_ok(json_scan(ok, strlen(ok), NULL, &st, NULL) == 0 && st.values == 9 && st.depth == 2,
	       "a valid text: 9 values, depth 2");
	static const struct {
		const char *text, *path;
	} bad[] = {
		{ "{\"a\": [1, {\"b\": \"x\x01\"}]}", "a[1].b" },
		{ "{\"a\": 01}", "a" },
		{ "{\"a\": 1.}", "a" },
		{ "{\"a\": tru}", "a" },
		{ "[1, 2,]", "[2]" },
		{ "{\"a\" 1}", "a" },
		{ "{\"a\": \"\\x\"}", "a" },
		{ "{\"a\": \"\\ud800x\"}", "a" },
		{ "[1] 2", "" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = json_scan(bad[i].text, strlen(bad[i].text), NULL, NULL, &je);
		if (!tap_ok(rc == -1 && strcmp(je.path, bad[i].path) == 0, "refused, at '%s': %s", bad[i].path,
			    bad[i].text))
			tap_diag("rc %d path '%s': %s", rc, je.path, je.why);
	}
	const char *deep = "[[[[1]]]]";
	tap_ok(json_scan(deep, strlen(deep), &(struct json_scan_opts){ .max_depth = 3 }, NULL, &je) == -1 &&
		       json_scan(deep, strlen(deep), &(struct json_scan_opts){ .max_depth = 4 }, NULL, NULL) == 0,
	       "the depth limit");
	const char *lit = "\"a\\n\\u00e9\\ud83d\\ude00\\/\"";
	char *s = json_scan_string((struct span){ lit, strlen(lit) });
	tap_ok(s && strcmp(s, "a\n\xc3\xa9\xf0\x9f\x98\x80/") == 0, "a string literal decodes");
	free(s);
}

int main(int argc, char **argv)
{
	tap_plan_lazy();
	if (argc < 2)
		return tap_skip_all("usage: test_http_request fixtures/http/mini.jsonl");
	struct dataset *ds = NULL;
	char err[256];
	if (dataset_load(argv[1], &ds, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	snprintf(named[0].name, sizeof(named[0].name), "mini");
	named[0].ds = ds;
	cfg = (struct request_config){
		.datasets = named,
		.n_datasets = 1,
		.max_samples = 8,
		.max_completion_chars = 40,
		.max_timeout_ms = 3000,
		.max_wall_ms = 9000,
		.memory_bytes = 1024u << 20,
		.max_memory_bytes = 1024u << 20,
	};
	test_plan();
	test_raw_forwarding();
	test_errors();
	test_hostile();
	test_scan();
	dataset_free(&ds);
	return tap_done();
}
