/* libFuzzer harness for the request-head checker (src/http/http_head.c).
 *
 *   clang -fsanitize=fuzzer,address,undefined ... tests/http_fuzz_head.c
 *   gcc -DFUZZ_REPLAY_MAIN -fsanitize=address,undefined ... ; ./a.out fixtures/http/heads
 *
 * Inputs are the first bytes a client sends. Invariants: an accepted head
 * ends with its blank line, fits the caps, holds no control byte but CR and
 * LF at line ends (and tabs in values), and has a path; a refusal has an
 * HTTP status and a sentence; and the verdict on a prefix is final: a prefix
 * refused or accepted gets the same verdict once more bytes come (the gate
 * answers as soon as a line is complete). In replay mode a corpus file named
 * "400-...", "ok-..." or "incomplete-..." must get that verdict: the corpus
 * is also the table of cases. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "http/http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "http_fuzz_head: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);  \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

static enum head_result check(const char *buf, size_t n, struct http_head *h)
{
	enum head_result r = head_parse(buf, n, h);
	switch (r) {
	case HEAD_OK:
		CHECK(h->length >= 4 && h->length <= n && h->length <= HEAD_MAX_BYTES);
		CHECK(memcmp(buf + h->length - 4, "\r\n\r\n", 4) == 0);
		CHECK(h->method.n > 0 && h->target.n > 0 && (h->target.p[0] == '/' || h->target.p[0] == '*'));
		CHECK(h->minor == 0 || h->minor == 1);
		for (size_t i = 0; i < h->length; i++) {
			unsigned char c = (unsigned char)buf[i];
			CHECK(c >= 0x20 || c == '\r' || c == '\n' || c == '\t');
			CHECK(c != 0x7f);
		}
		CHECK(!memmem(h->target.p, h->target.n, "%00", 3));
		break;
	case HEAD_BAD:
		CHECK(h->status == 400 || h->status == 411 || h->status == 414 || h->status == 431 || h->status == 505);
		CHECK(h->why[0] != '\0');
		break;
	case HEAD_INCOMPLETE:
		CHECK(n <= HEAD_MAX_BYTES);
		break;
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct http_head full, part;
	enum head_result r = check(buf, size, &full);
	/* Verdicts on prefixes are final (checked on the first 4 KiB). */
	for (size_t m = 0; m < size && m <= 4096; m++) {
		enum head_result rp = check(buf, m, &part);
		if (rp == HEAD_BAD)
			CHECK(r == HEAD_BAD && part.status == full.status);
		if (rp == HEAD_OK)
			CHECK(r == HEAD_OK && part.length == full.length);
	}
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
/* The verdict a corpus file's name asks for: -1 none, else a status
 * (0 for ok, 1 for incomplete). */
static int expected(const char *name)
{
	if (strncmp(name, "ok-", 3) == 0)
		return 0;
	if (strncmp(name, "incomplete-", 11) == 0)
		return 1;
	int status = 0;
	if (sscanf(name, "%3d-", &status) == 1 && status >= 400 && status <= 599)
		return status;
	return -1;
}

static int replay_file(const char *path, const char *name, int *n)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return -1;
	size_t cap = 4096, len = 0;
	autofree char *buf = malloc(cap);
	for (size_t got; buf && (got = fread(buf + len, 1, cap - len, f)) > 0;) {
		len += got;
		if (len == cap) {
			char *g = realloc(buf, cap * 2);
			if (!g) {
				fclose(f);
				return -1;
			}
			buf = g;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return -1;
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	int want = expected(name);
	struct http_head h;
	enum head_result r = head_parse(buf, len, &h);
	int got = r == HEAD_OK ? 0 : r == HEAD_INCOMPLETE ? 1 : h.status;
	if (want < 0 || want == got)
		printf("ok %d - %s\n", ++*n, path);
	else
		printf("not ok %d - %s: got %d (%s)\n", ++*n, path, got, r == HEAD_BAD ? h.why : "");
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;
	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		if (!d) {
			const char *base = strrchr(argv[a], '/');
			if (replay_file(argv[a], base ? base + 1 : argv[a], &n) < 0)
				printf("not ok %d - %s: cannot read\n", ++n, argv[a]);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			if (replay_file(path, e->d_name, &n) < 0)
				printf("not ok %d - %s: cannot read\n", ++n, path);
		}
		closedir(d);
	}
	printf("1..%d\n", n);
	return 0;
}
#endif
