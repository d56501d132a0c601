/* libFuzzer harness for the strict JSON checker (src/base/json_scan.c).
 *
 * Built with -fsanitize=fuzzer it is a fuzzer; built with -DFUZZ_REPLAY_MAIN
 * it replays the files named on its command line (or the files of the
 * directories), printing TAP. Invariants, checked against cJSON: a text
 * json_scan accepts is one cJSON parses too, with as many nodes as values
 * counted and no deeper nesting; walking its top level visits every member
 * cJSON sees, with the same decoded names; a refusal says why and where. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/json_scan.h"
#include "cleanup.h"

#define MAX_DEPTH 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "fuzz_json_scan: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);  \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

static size_t nodes(const cJSON *j, unsigned depth, unsigned *deepest)
{
	size_t n = 1;
	if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
		if (depth + 1 > *deepest)
			*deepest = depth + 1;
		for (const cJSON *c = j->child; c; c = c->next)
			n += nodes(c, depth + 1, deepest);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct json_scan_stats st;
	struct json_scan_error je;
	int rc =
		json_scan(text, size, &(struct json_scan_opts){ .max_depth = MAX_DEPTH, .check_utf8 = true }, &st, &je);
	if (rc == -2)
		return 0;
	if (rc < 0) {
		CHECK(je.why[0] != '\0' && je.offset <= size);
		return 0;
	}
	cJSON *j = cJSON_ParseWithLength(text, size);
	CHECK(j != NULL);
	unsigned deepest = 0;
	CHECK(nodes(j, 0, &deepest) == st.values);
	CHECK(deepest == st.depth && st.depth <= MAX_DEPTH);
	struct json_walk w;
	if (json_walk_init(&w, (struct span){ text, size }) == 0) {
		struct span k, v;
		const cJSON *c = j->child;
		while (json_walk_next(&w, &k, &v)) {
			CHECK(c != NULL);
			CHECK(json_scan(v.p, v.n, &(struct json_scan_opts){ .max_depth = MAX_DEPTH }, NULL, NULL) == 0);
			if (cJSON_IsObject(j)) {
				char *name = json_scan_string((struct span){ k.p - 1, k.n + 2 });
				CHECK(name && c->string && strcmp(name, c->string) == 0);
				free(name);
			}
			c = c->next;
		}
		CHECK(c == NULL);
	}
	cJSON_Delete(j);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
static void replay_file(const char *path, int *n)
{
	FILE *f = fopen(path, "rbe");
	autofree char *buf = malloc(1 << 20);
	size_t len = f && buf ? fread(buf, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	if (!f || !buf) {
		printf("not ok %d - %s: cannot read\n", ++*n, path);
		return;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	printf("ok %d - replay %s (%zu bytes)\n", ++*n, path, len);
}

int main(int argc, char **argv)
{
	int n = 0;
	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		if (!d) {
			replay_file(argv[a], &n);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			replay_file(path, &n);
		}
		closedir(d);
	}
	printf("1..%d\n", n);
	return 0;
}
#endif
