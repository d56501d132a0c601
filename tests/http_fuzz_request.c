/* libFuzzer harness for the POST /score request parser (src/http/http_request.c).
 *
 *   clang -fsanitize=fuzzer,address,undefined ... tests/http_fuzz_request.c
 *   gcc -DFUZZ_REPLAY_MAIN -fsanitize=address,undefined ... ; ./a.out fixtures/http/corpus
 *
 * Inputs are request bodies. Invariants: a refusal has a status (400, 413,
 * 500) and a message and leaves nothing allocated; an accepted request has
 * every sample complete (task id, a text, a problem or a dataset entry),
 * sample numbers that count each task's samples, inline problems whose
 * entry point is an identifier (shared only by the completions of one
 * object), and limits within the configured minima and maxima. The dataset
 * (fixtures/http/mini.jsonl, named "mini") comes from
 * $VERDICT_HTTP_FUZZ_DATASET; replay mode finds it next to the corpus
 * directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "http/http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                      \
	do {                                                                                             \
		if (!(cond)) {                                                                           \
			fprintf(stderr, "http_fuzz_request: invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
				__LINE__);                                                               \
			abort();                                                                         \
		}                                                                                        \
	} while (0)

static struct request_dataset named[1];
static struct request_config cfg;
static bool cfg_ready;

static void setup(void)
{
	if (cfg_ready)
		return;
	cfg_ready = true;
	cfg = (struct request_config){
		.datasets = named,
		.max_samples = 64,
		.max_completion_chars = 4096,
		.max_timeout_ms = 3000,
		.wall_ms = 0,
		.max_wall_ms = 9000,
		.memory_bytes = 1024u << 20,
		.max_memory_bytes = 1024u << 20,
	};
	const char *path = getenv("VERDICT_HTTP_FUZZ_DATASET");
	struct dataset *ds = NULL;
	char err[256];
	if (path && dataset_load(path, &ds, err, sizeof(err)) == 0) {
		snprintf(named[0].name, sizeof(named[0].name), "mini");
		named[0].ds = ds;
		cfg.n_datasets = 1;
	} else if (path) {
		fprintf(stderr, "http_fuzz_request: %s\n", err);
	}
}

static void check_accepted(const struct score_request *r)
{
	CHECK(r->set.n >= 1 && r->set.n <= cfg.max_samples);
	CHECK(r->so.n_ks >= 1 && r->so.n_ks <= SCORE_MAX_K);
	CHECK(r->so.timeout_ms <= cfg.max_timeout_ms);
	CHECK(r->so.timeout_ms == 0 || r->so.timeout_ms >= REQUEST_MIN_TIMEOUT_MS);
	CHECK(r->so.memory_bytes >= (uint64_t)REQUEST_MIN_MEMORY_MB << 20);
	CHECK(r->so.memory_bytes <= cfg.max_memory_bytes);
	double cpu = r->so.timeout_ms ? r->so.timeout_ms : 3000;
	CHECK(r->so.wall_factor > 0 && cpu * r->so.wall_factor <= cfg.max_wall_ms + 1.0);
	for (size_t i = 0; i < r->set.n; i++) {
		const struct sample *s = &r->set.v[i];
		CHECK(s->task_id && s->task_id[0]);
		CHECK((s->completion != NULL) != (s->solution != NULL));
		CHECK(s->problem || (r->ds && dataset_find(r->ds, s->task_id)));
		CHECK(!s->problem || (s->problem->entry_point && (s->problem->test || s->problem->base_input)));
		/* The entry point is pasted into code: an identifier, nothing else. */
		CHECK(!s->problem ||
		      strspn(s->problem->entry_point, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						      "0123456789_") == strlen(s->problem->entry_point));
		/* Samples sharing a problem are the completions of one object. */
		CHECK(!s->problem || i == 0 || s->problem != r->set.v[i - 1].problem ||
		      strcmp(s->task_id, r->set.v[i - 1].task_id) == 0);
		size_t before = 0;
		for (size_t j = 0; j < i; j++)
			before += strcmp(r->set.v[j].task_id, s->task_id) == 0;
		CHECK(s->index == before);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	struct score_request r;
	struct request_error e;
	if (request_parse((const char *)data, size, &cfg, &r, &e) == 0) {
		check_accepted(&r);
		request_free(&r);
	} else {
		CHECK(e.status == 400 || e.status == 413 || e.status == 500);
		CHECK(e.message[0] != '\0');
		CHECK(r.set.n == 0 && r.set.v == NULL);
	}
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
	printf("ok %d - %s\n", ++*n, path);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;
	for (int a = 1; a < argc; a++) {
		char ds[4096];
		snprintf(ds, sizeof(ds), "%s/../mini.jsonl", argv[a]);
		if (!getenv("VERDICT_HTTP_FUZZ_DATASET"))
			setenv("VERDICT_HTTP_FUZZ_DATASET", ds, 0);
		DIR *d = opendir(argv[a]);
		if (!d) {
			if (replay_file(argv[a], &n) < 0)
				printf("not ok %d - %s: cannot read\n", ++n, argv[a]);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			if (replay_file(path, &n) < 0)
				printf("not ok %d - %s: cannot read\n", ++n, path);
		}
		closedir(d);
	}
	printf("1..%d\n", n);
	if (named[0].ds) {
		struct dataset *ds = (struct dataset *)named[0].ds;
		dataset_free(&ds);
	}
	return 0;
}
#endif
