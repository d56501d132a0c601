/* Real-data check of src/input/lcb_tests.c (TAP): decode every row of the
 * LiveCodeBench file given as argv[1] (gzip JSONL in the official
 * code_generation_lite row format) and compare with what the official
 * Python decoding gives for the same file.
 *
 * The expected figures below are for code_generation_lite-184.jsonl.gz
 * (see the datasets MANIFEST). They were computed once with CPython 3.11
 * running the official chain json.loads(pickle.loads(zlib.decompress(
 * base64.b64decode(s.encode("utf-8"))))) on every row:
 * - PRIVATE_CRC: CRC-32 of the decoded private JSON texts (UTF-8), row
 *   after row, which pins each text byte for byte;
 * - TESTS_CRC: CRC-32 of every test, public then private, row after row, as
 *   input, NUL, output, NUL, testtype, NUL (UTF-8).
 * Skips when the file is absent; argv[2] (optional) overrides the row count
 * check for other files by disabling the figures ("-"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "input/lcb_tests.h"
#include "tap.h"

#define EXPECT_PROBLEMS 184
#define EXPECT_TESTS 2859
#define EXPECT_STDIN 205
#define EXPECT_FUNCTIONAL 2654
#define EXPECT_PUBLIC 442
#define PRIVATE_CRC 0xafdd2cf9UL
#define TESTS_CRC 0x8fa19a72UL

struct totals {
	size_t problems, tests, public_tests, stdin_tests, functional_tests, failures;
	unsigned long private_crc, tests_crc;
	double t_read, t_row_json, t_decode, t_parse;
	size_t private_bytes, decoded_bytes;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line of the gzip file into *buf (grown as needed), without its '\n'.
 * Returns the length, or -1 at the end of the file or on an error. */
static long gz_line(gzFile gz, char **buf, size_t *cap)
{
	size_t n = 0;
	for (;;) {
		if (*cap - n < 2) {
			size_t c = *cap ? *cap * 2 : 1 << 20;
			char *g = realloc(*buf, c);
			if (!g)
				return -1;
			*buf = g;
			*cap = c;
		}
		if (!gzgets(gz, *buf + n, (int)(*cap - n > (1u << 30) ? 1u << 30 : *cap - n)))
			return n ? (long)n : -1;
		n += strlen(*buf + n);
		if (n && (*buf)[n - 1] == '\n')
			return (long)n - 1;
	}
}

static void cleanup_cjson(cJSON **j)
{
	cJSON_Delete(*j);
}

static const char *row_string(const cJSON *row, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static unsigned long crc_field(unsigned long crc, const char *s)
{
	crc = crc32(crc, (const Bytef *)s, (uInt)strlen(s));
	return crc32(crc, (const Bytef *)"", 1);
}

static void check_row(const char *line, size_t len, struct totals *t)
{
	char err[512] = "";
	double t0 = now();
	__attribute__((cleanup(cleanup_cjson))) cJSON *row = cJSON_ParseWithLength(line, len);
	t->t_row_json += now() - t0;
	const char *qid = row_string(row, "question_id");
	const char *pub = row_string(row, "public_test_cases");
	const char *priv = row_string(row, "private_test_cases");
	t->problems++;
	if (!qid || !pub || !priv) {
		t->failures++;
		tap_diag("row %zu: missing question_id, public_test_cases or private_test_cases", t->problems);
		return;
	}
	size_t priv_len = strlen(priv);
	t->private_bytes += priv_len;

	autofree char *json = NULL;
	size_t json_len = 0;
	t0 = now();
	int rc = lcb_tests_decode_private(priv, priv_len, NULL, &json, &json_len, err, sizeof(err));
	t->t_decode += now() - t0;
	if (rc < 0) {
		t->failures++;
		tap_diag("%s: private tests: %s", qid, err);
		return;
	}
	t->decoded_bytes += json_len;
	t->private_crc = crc32(t->private_crc, (const Bytef *)json, (uInt)json_len);

	struct lcb_test *tests = NULL;
	size_t n = 0;
	t0 = now();
	const char *stage = "public";
	rc = lcb_tests_parse(pub, strlen(pub), &tests, &n, err, sizeof(err));
	size_t n_public = n;
	if (rc == 0) {
		stage = "private";
		rc = lcb_tests_parse(json, json_len, &tests, &n, err, sizeof(err));
	}
	t->t_parse += now() - t0;
	if (rc < 0) {
		t->failures++;
		tap_diag("%s: %s tests: %s", qid, stage, err);
		lcb_tests_free(&tests, n);
		return;
	}
	t->tests += n;
	t->public_tests += n_public;
	for (size_t i = 0; i < n; i++) {
		t->stdin_tests += tests[i].type == LCB_TESTTYPE_STDIN;
		t->functional_tests += tests[i].type == LCB_TESTTYPE_FUNCTIONAL;
		t->tests_crc = crc_field(t->tests_crc, tests[i].input);
		t->tests_crc = crc_field(t->tests_crc, tests[i].output);
		t->tests_crc = crc_field(t->tests_crc, lcb_tests_type_name(tests[i].type));
	}
	lcb_tests_free(&tests, n);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return tap_skip_all("usage: fidelity_lcb_tests DATASET.jsonl.gz [-]");
	const char *path = argv[1];
	bool figures = !(argc > 2 && strcmp(argv[2], "-") == 0);
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return tap_skip_all("%s: cannot open", path);
	gzbuffer(gz, 1 << 18);
	tap_plan_lazy();

	struct totals t = { .private_crc = crc32(0, NULL, 0), .tests_crc = crc32(0, NULL, 0) };
	autofree char *buf = NULL;
	size_t cap = 0;
	double start = now(), t0 = now();
	long len;
	while ((len = gz_line(gz, &buf, &cap)) >= 0) {
		t.t_read += now() - t0;
		if (len > 0)
			check_row(buf, (size_t)len, &t);
		t0 = now();
	}
	int zerr = Z_OK;
	const char *zmsg = gzerror(gz, &zerr);
	tap_ok(zerr == Z_OK || zerr == Z_STREAM_END, "%s read to the end%s%s", path, zerr ? ": " : "",
	       zerr ? zmsg : "");
	gzclose(gz);
	double total = now() - start;

	tap_ok(t.failures == 0, "every row decodes and parses (%zu failures)", t.failures);
	if (figures) {
		tap_ok(t.problems == EXPECT_PROBLEMS, "%zu problems (want %d)", t.problems, EXPECT_PROBLEMS);
		tap_ok(t.tests == EXPECT_TESTS, "%zu tests in all (want %d)", t.tests, EXPECT_TESTS);
		tap_ok(t.public_tests == EXPECT_PUBLIC, "%zu public, %zu private (want %d public)", t.public_tests,
		       t.tests - t.public_tests, EXPECT_PUBLIC);
		tap_ok(t.stdin_tests == EXPECT_STDIN && t.functional_tests == EXPECT_FUNCTIONAL,
		       "%zu stdin and %zu functional (want %d and %d)", t.stdin_tests, t.functional_tests, EXPECT_STDIN,
		       EXPECT_FUNCTIONAL);
		tap_ok(t.private_crc == PRIVATE_CRC, "decoded private JSON is byte-identical to Python's (crc32 %08lx)",
		       t.private_crc);
		tap_ok(t.tests_crc == TESTS_CRC, "every input, output and testtype equals Python's json.loads (crc32 %08lx)",
		       t.tests_crc);
	} else {
		tap_diag("%zu problems, %zu tests (%zu public), %zu stdin, %zu functional, crc32 %08lx / %08lx",
			 t.problems, t.tests, t.public_tests, t.stdin_tests, t.functional_tests, t.private_crc,
			 t.tests_crc);
	}
	tap_diag("%.1f MB of base64 private fields decoded to %.1f MB of JSON", (double)t.private_bytes / 1e6,
		 (double)t.decoded_bytes / 1e6);
	tap_diag("time: %.3f s total; gunzip+lines %.3f s, row JSON %.3f s, private decode %.3f s, test parse %.3f s",
		 total, t.t_read, t.t_row_json, t.t_decode, t.t_parse);
	return tap_done();
}
