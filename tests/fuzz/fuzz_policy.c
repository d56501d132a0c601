/* libFuzzer harness for the policy loader: parser, overlap analysis and
 * libseccomp compilation, on arbitrary bytes.
 *
 * Built with -fsanitize=fuzzer it is a fuzzer (run it with -timeout=5 or
 * more: see FUZZ_COMPILE_TIMEOUT_MS). Built with -DFUZZ_REPLAY_MAIN
 * it is a plain program that replays every file of the directories (or the
 * files) named on its command line, printing TAP, so CI runs the seed corpus
 * without libFuzzer. Besides the sanitizers it checks the loader's promises:
 * success yields a program the kernel would take; failure yields one short,
 * printable line naming the input, and no policy. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_internal.h"

#define FUZZ_NAME "fuzz"
/* libseccomp 2.5.4 loops forever on some rule sets; the loader gives up
 * after a deadline. A short one keeps such inputs cheap for the fuzzer. */
#define FUZZ_COMPILE_TIMEOUT_MS 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool printable_line(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	char err[256];

	memset(err, 'x', sizeof(err));
	if (policy_load_text_deadline(FUZZ_NAME, (const char *)data, size, FUZZ_COMPILE_TIMEOUT_MS, &p,
				      err, sizeof(err)) == 0) {
		size_t n = 0;
		const void *bpf = policy_bpf(p, &n);
		if (!bpf || n == 0 || n > 4096 || strcmp(policy_name(p), FUZZ_NAME) != 0)
			abort();
		policy_free(&p);
		if (p)
			abort();
		return 0;
	}
	/* Refused: no policy, and one bounded line that names the input. */
	if (p || memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (strncmp(err, FUZZ_NAME ":", strlen(FUZZ_NAME ":")) != 0 || !printable_line(err))
		abort();
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include "cleanup.h"

/* Inputs larger than this are not seeds; the loader refuses >1 MiB anyway. */
#define REPLAY_MAX (2 * 1024 * 1024)

static int replay_file(const char *path, int *count)
{
	autofclose FILE *f = fopen(path, "rbe");
	autofree char *buf = NULL;
	size_t len;

	if (!f) {
		printf("not ok %d - %s: cannot open\n", ++*count, path);
		return -1;
	}
	buf = malloc(REPLAY_MAX);
	if (!buf) {
		printf("not ok %d - %s: out of memory\n", ++*count, path);
		return -1;
	}
	len = fread(buf, 1, REPLAY_MAX, f);
	if (ferror(f)) {
		printf("not ok %d - %s: read error\n", ++*count, path);
		return -1;
	}
	/* A crash or abort ends the program: the test fails without a line. */
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	printf("ok %d - replay %s (%zu bytes)\n", ++*count, path, len);
	fflush(stdout);
	return 0;
}

static int replay_dir(const char *dir, int *count)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	int failed = 0;

	if (n < 0) {
		printf("not ok %d - %s: cannot list\n", ++*count, dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (len > 0 && (size_t)len < sizeof(path) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode) && replay_file(path, count) < 0)
			failed = -1;
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	int count = 0;
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				failed = 1;
		} else if (replay_file(argv[i], &count) < 0) {
			failed = 1;
		}
	}
	printf("1..%d\n", count);
	return failed || count == 0;
}
#endif
