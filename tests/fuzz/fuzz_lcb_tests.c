/* libFuzzer harness for src/lcb_tests.c: the private-field decoder, the
 * pickle reader, base64 and the test-list parser, with invariants and two
 * differential checks. The first input byte picks the mode:
 *   0  lcb_tests_decode_private(rest), then lcb_tests_parse of the result;
 *      must agree with lcb_tests_parse_private(rest)
 *   1  lcb_tests_unpickle(rest), then lcb_tests_parse of the result
 *   2  lcb_tests_parse(rest)
 *   3  lcb_tests_b64decode(rest)
 *   4  rest is a pickle: zlib+base64 it here and decode it as a field; must
 *      give exactly what lcb_tests_unpickle(rest) gives
 * Limits are 1 MiB so that bombs fail fast instead of exhausting memory.
 *
 * Build for fuzzing: clang -fsanitize=fuzzer,address,undefined ...
 * Build as a replay program (CI): cc -DFUZZ_REPLAY_MAIN ...; run with the
 * corpus directory (tests/fuzz/corpus/lcb) or files as arguments. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "input/lcb_tests.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct lcb_tests_limits limits = { .max_encoded = 1 << 20, .max_decoded = 1 << 20 };

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* A successful result is a C string of exactly len bytes. */
static void check_text(const char *s, size_t len)
{
	CHECK(s != NULL);
	CHECK(s[len] == '\0');
	CHECK(strlen(s) == len);
}

/* A failure is one short line of printable ASCII: input bytes are quoted
 * escaped, so a message can be logged as it is. */
static void check_error(int rc, const char *err)
{
	CHECK(rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM);
	CHECK(err[0] != '\0');
	for (const char *c = err; *c; c++)
		CHECK(*c >= 0x20 && *c <= 0x7e);
}

/* Parse text and check what comes back; returns the test count or -1. */
static long parse_and_check(const char *text, size_t len)
{
	struct lcb_test *tests = NULL;
	size_t n = 0;
	char err[512] = "";
	int rc = lcb_tests_parse(text, len, &tests, &n, err, sizeof(err));
	if (rc < 0) {
		check_error(rc, err);
		CHECK(tests == NULL && n == 0);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		CHECK(tests[i].input && tests[i].output);
		CHECK(tests[i].type == LCB_TESTTYPE_STDIN || tests[i].type == LCB_TESTTYPE_FUNCTIONAL);
		(void)strlen(tests[i].input); /* readable to the terminator */
		(void)strlen(tests[i].output);
	}
	lcb_tests_free(&tests, n);
	CHECK(tests == NULL);
	return (long)n;
}

static void mode_decode(const char *field, size_t len)
{
	char *json = NULL;
	size_t json_len = 0;
	char err[512] = "";
	long parsed = -1;
	int rc = lcb_tests_decode_private(field, len, &limits, &json, &json_len, err, sizeof(err));
	if (rc == 0) {
		check_text(json, json_len);
		parsed = parse_and_check(json, json_len);
		free(json);
	} else {
		check_error(rc, err);
		CHECK(json == NULL);
	}
	struct lcb_test *tests = NULL;
	size_t n = 0;
	rc = lcb_tests_parse_private(field, len, &limits, &tests, &n, err, sizeof(err));
	CHECK(rc == 0 ? parsed == (long)n : parsed == -1);
	lcb_tests_free(&tests, n);
}

static void mode_unpickle(const unsigned char *pk, size_t len)
{
	char *out = NULL;
	size_t out_len = 0;
	char err[512] = "";
	int rc = lcb_tests_unpickle(pk, len, limits.max_decoded, &out, &out_len, err, sizeof(err));
	if (rc == 0) {
		check_text(out, out_len);
		parse_and_check(out, out_len);
		free(out);
	} else {
		check_error(rc, err);
	}
}

static void mode_base64(const char *s, size_t len)
{
	unsigned char *out = NULL;
	size_t out_len = 0;
	char err[512] = "";
	int rc = lcb_tests_b64decode(s, len, &out, &out_len, err, sizeof(err));
	if (rc == 0) {
		CHECK(out_len <= len / 4 * 3 + 2);
		free(out);
	} else {
		check_error(rc, err);
	}
}

static char *base64_encode(const unsigned char *in, size_t n, size_t *out_len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? abc[v & 63] : '=';
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static void mode_wrapped(const unsigned char *pk, size_t len)
{
	uLongf zlen = compressBound(len);
	unsigned char *z = malloc(zlen);
	CHECK(z && compress2(z, &zlen, pk, len, 6) == Z_OK);
	size_t b64_len = 0;
	char *b64 = base64_encode(z, zlen, &b64_len);
	free(z);
	CHECK(b64);

	char *a = NULL, *b = NULL;
	size_t a_len = 0, b_len = 0;
	char err_a[512] = "", err_b[512] = "";
	int rc_a = lcb_tests_decode_private(b64, b64_len, &limits, &a, &a_len, err_a, sizeof(err_a));
	int rc_b = lcb_tests_unpickle(pk, len, limits.max_decoded, &b, &b_len, err_b, sizeof(err_b));
	if (len <= limits.max_decoded) {
		CHECK(rc_a == rc_b);
		if (rc_a == 0)
			CHECK(a_len == b_len && memcmp(a, b, a_len) == 0);
		else
			CHECK(strcmp(err_a, err_b) == 0);
	}
	free(a);
	free(b);
	free(b64);
}

/* The input copied so that it ends right before an inaccessible page: the
 * system cJSON is not instrumented, so a read past `len` (the text is not
 * NUL-terminated) would go unseen by ASan; here it faults. */
struct guarded {
	unsigned char *map;
	size_t map_len;
	unsigned char *data;
};

static bool guard_input(const uint8_t *data, size_t size, struct guarded *g)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (size + page - 1) / page * page;
	g->map_len = body + page;
	g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED)
		return false;
	if (mprotect(g->map + body, page, PROT_NONE) < 0) {
		munmap(g->map, g->map_len);
		return false;
	}
	g->data = g->map + body - size;
	if (size)
		memcpy(g->data, data, size);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct guarded g;
	CHECK(guard_input(data + 1, size - 1, &g));
	const uint8_t *rest = g.data;
	size_t n = size - 1;
	switch (data[0] % 5) {
	case 0:
		mode_decode((const char *)rest, n);
		break;
	case 1:
		mode_unpickle(rest, n);
		break;
	case 2:
		parse_and_check((const char *)rest, n);
		break;
	case 3:
		mode_base64((const char *)rest, n);
		break;
	default:
		mode_wrapped(rest, n);
		break;
	}
	munmap(g.map, g.map_len);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
#include "../tap.h"

/* Replay files, or every regular file of a directory, through the harness,
 * one TAP line each (an invariant failure aborts the program instead). Each
 * input gets an exact-size heap copy so that ASan sees overreads. */
static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		tap_ok(false, "%s: %s", path, strerror(errno));
		return;
	}
	size_t cap = 1 << 16, n = 0, r;
	unsigned char *buf = malloc(cap);
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n < cap)
			continue;
		unsigned char *g = realloc(buf, cap * 2);
		if (!g)
			free(buf);
		buf = g;
		cap *= 2;
	}
	fclose(f);
	unsigned char *exact = buf ? malloc(n ? n : 1) : NULL;
	if (exact) {
		memcpy(exact, buf, n);
		LLVMFuzzerTestOneInput(exact, n);
	}
	tap_ok(exact != NULL, "%s (%zu bytes)", path, n);
	free(exact);
	free(buf);
}

int main(int argc, char **argv)
{
	tap_plan_lazy();
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		if (!d) {
			replay_file(argv[i]);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			replay_file(path);
		}
		closedir(d);
	}
	if (tap_count == 0)
		tap_ok(false, "no inputs: pass the corpus directory or files");
	return tap_done();
}
#endif
