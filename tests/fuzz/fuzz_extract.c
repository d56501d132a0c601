/* libFuzzer harness for the C extraction: reasoning removal, lm-eval chat
 * blocks and fallback, LiveCodeBench code, fence facts, the reasoning_content
 * fallback and the JSON views. Every result is checked against the
 * invariants extract.h promises; a broken one aborts.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... tests/fuzz/fuzz_extract.c src/extract.c src/reasoning.c
 *   gcc -DFUZZ_REPLAY_MAIN -fsanitize=address,undefined ... ; ./fuzz_extract tests/fuzz/corpus/extract
 *
 * With FUZZ_REPLAY_MAIN the program replays every regular file of the
 * directories (or files) named on the command line and prints TAP. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "extract/extract.h"
#include "extract/reasoning.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct extractor *ex;

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_extract: invariant failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                                           \
			abort();                                                               \
		}                                                                              \
	} while (0)

static bool inside(struct extract_span s, const struct extract_result *r)
{
	return s.p >= r->content && s.n <= r->content_len && (size_t)(s.p - r->content) <= r->content_len - s.n;
}

static void check(const struct extract_result *r, size_t input_len)
{
	CHECK(r->content && r->content[r->content_len] == '\0');
	CHECK(extract_utf8_valid(r->content, r->content_len));
	CHECK(extract_py_len(r->content, r->content_len) <= r->content_len);
	CHECK(r->reasoning || (r->flags & EXTRACT_F_INVALID_UTF8) || r->content_len == input_len);
	for (size_t i = 0; i < r->n_blocks; i++) {
		const struct extract_block *b = &r->blocks[i];
		CHECK(b->text && b->text[b->len] == '\0' && b->len <= b->raw_len);
		CHECK(b->offset <= r->content_len && b->raw_len <= r->content_len - b->offset);
		CHECK(extract_utf8_valid(b->text, b->len));
		CHECK(i == 0 || b->offset > r->blocks[i - 1].offset + r->blocks[i - 1].raw_len);
	}
	CHECK(inside(r->fallback, r));
	CHECK(!r->lcb_found || inside(r->lcb, r));
	CHECK(r->n_fence_lines <= r->n_fences);
	CHECK(r->n_blocks * 2 <= r->n_fences);
	CHECK(((r->flags & EXTRACT_F_EMPTY) != 0) == (r->hint == EXTRACT_HINT_NONE));
	CHECK((r->outcome == EXTRACT_OK) == (r->limit == EXTRACT_LIMIT_NONE));

	cJSON *facts = extract_json_facts(r);
	cJSON *job = extract_json_lm_eval_chat(r, "p");
	CHECK(facts && job);
	cJSON_Delete(facts);
	cJSON_Delete(job);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	if (!ex && extract_new(NULL, &ex, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	const char *text = (const char *)data;
	for (int strip = 0; strip < 2; strip++) {
		struct extract_result r;
		const struct extract_opts o = { .strip_reasoning = strip };
		CHECK(extract_run(ex, text, size, &o, &r) == 0);
		check(&r, size);
		extract_result_clear(&r);
	}

	/* Content before the first NUL, reasoning_content after it. */
	const char *nul = memchr(text, '\0', size);
	size_t clen = nul ? (size_t)(nul - text) : size;
	const char *rc = nul ? nul + 1 : NULL;
	size_t rlen = nul ? size - clen - 1 : 0;
	struct extract_result r;
	const struct extract_opts o = { .strip_reasoning = true };
	CHECK(extract_run_with_reasoning(ex, text, clen, rc, rlen, &o, &r) == 0);
	check(&r, (r.flags & EXTRACT_F_FROM_REASONING) ? rlen : clen);
	extract_result_clear(&r);

	struct reasoning_result rr;
	CHECK(reasoning_strip(text, size, &rr) == 0);
	CHECK(rr.len + rr.removed == size && rr.content[rr.len] == '\0');
	CHECK(!(rr.flags & REASONING_TRUNCATED) || rr.len == 0);
	reasoning_result_clear(&rr);

	struct extract_fence_stats st;
	extract_fence_stats(text, size, &st);
	CHECK(!st.lcb_found || (st.lcb.p >= text && st.lcb.p + st.lcb.n <= text + size));
	CHECK(extract_fenced(text, size) == (st.n_fences > 0));
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
static int replay_file(const char *path, int *n)
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
	printf("ok %d - %s (%zu bytes)\n", ++*n, path, len);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int n = 0, bad = 0;
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		if (!d) {
			if (replay_file(argv[i], &n) < 0) {
				printf("not ok %d - cannot read %s\n", ++n, argv[i]);
				bad++;
			}
			continue;
		}
		char *names[4096];
		size_t k = 0;
		for (struct dirent *e; (e = readdir(d)) && k < ARRAY_LEN(names);)
			if (e->d_name[0] != '.')
				names[k++] = strdup(e->d_name);
		closedir(d);
		qsort(names, k, sizeof(names[0]), cmp_names);
		for (size_t j = 0; j < k; j++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]);
			if (!names[j] || replay_file(path, &n) < 0) {
				printf("not ok %d - cannot read %s\n", ++n, path);
				bad++;
			}
			free(names[j]);
		}
	}
	if (n == 0) {
		printf("not ok 1 - no input replayed\n");
		n = bad = 1;
	}
	printf("1..%d\n", n);
	extract_free(&ex);
	return bad ? 1 : 0;
}
#endif
