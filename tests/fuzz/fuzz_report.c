/* libFuzzer harness for saved reports: report_parse() on any bytes, then
 * the audit page rendered from whatever it accepted. The page must hold
 * only markup of ours: every tag and attribute name in the output is one
 * the renderer writes, every link stays on the page ("#..."), and outside
 * the page's own <style> and <script> no byte of the report can open a tag.
 * A broken invariant aborts.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... tests/fuzz/fuzz_report.c ...
 *   built with -DFUZZ_REPLAY_MAIN it replays the files or directories named
 *   on the command line (the seed corpus in CI) and prints TAP. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "input/report_load.h"
#include "report/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                                   \
	do {                                                                                                \
		if (!(cond)) {                                                                              \
			fprintf(stderr, "fuzz_report: invariant failed: %s: %s (%s:%d)\n", #cond, what, __FILE__, \
				__LINE__);                                                                  \
			abort();                                                                            \
		}                                                                                           \
	} while (0)

static bool in_list(const char *name, size_t n, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncmp(list[i], name, n) == 0)
			return true;
	return false;
}

static const char *const tags[] = {
	"html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section", "div", "p", "b", "span",
	"h1", "h2", "h3", "h4", "dl", "dt", "dd", "br", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "a",
	"svg", "rect", "line", "text", "details", "summary", "pre", "label", "input", "button", "select", "option",
	"script", NULL,
};
static const char *const attrs[] = {
	"lang", "charset", "http-equiv", "content", "name", "class", "id", "title", "href", "type", "checked", "hidden",
	"value", "placeholder", "viewBox", "preserveAspectRatio", "role", "aria-label", "aria-hidden", "x", "y", "width",
	"height", "x1", "x2", "y1", "y2", "rx", "text-anchor", "transform", "data-status", "data-flags", "data-task",
	"data-only-status", "data-all", "data-none", "data-fig", NULL,
};

/* Check the tag at p[0] == '<'; returns the index just past it. */
static size_t check_tag(const char *p, size_t n)
{
	size_t i = 1;
	if (i < n && p[i] == '!') { /* <!DOCTYPE html> */
		CHECK(n >= 15 && strncmp(p, "<!DOCTYPE html>", 15) == 0, "only the doctype starts with <!");
		return 15;
	}
	if (i < n && p[i] == '/')
		i++;
	size_t name = i;
	while (i < n && isalnum((unsigned char)p[i]))
		i++;
	CHECK(in_list(p + name, i - name, tags), "a tag of ours");
	for (;;) {
		while (i < n && p[i] == ' ')
			i++;
		CHECK(i < n, "a tag ends");
		if (p[i] == '>')
			return i + 1;
		if (p[i] == '/' && i + 1 < n && p[i + 1] == '>')
			return i + 2;
		size_t a = i;
		while (i < n && !strchr(" =>/", p[i]))
			i++;
		CHECK(in_list(p + a, i - a, attrs), "an attribute of ours");
		bool href = i - a == 4 && strncmp(p + a, "href", 4) == 0;
		if (i < n && p[i] == '=') {
			CHECK(i + 1 < n && p[i + 1] == '"', "attribute values are double-quoted");
			i += 2;
			CHECK(!href || (i < n && p[i] == '#'), "links stay on the page");
			while (i < n && p[i] != '"') {
				CHECK(p[i] != '<' && p[i] != '>', "no < or > inside an attribute value");
				i++;
			}
			CHECK(i < n, "attribute value closed");
			i++;
		}
	}
}

static void check_page(const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (p[i] != '<') {
			i++;
			continue;
		}
		bool style = strncmp(p + i, "<style>", 7) == 0, script = strncmp(p + i, "<script", 7) == 0;
		i += check_tag(p + i, n - i);
		/* The page's own stylesheet and script, and the JSON data block, run
		 * to their closing tag, which nothing inside them may contain. */
		if (style || script) {
			const char *end = memmem(p + i, n - i, style ? "</style>" : "</script>", style ? 8 : 9);
			CHECK(end != NULL, "style and script elements are closed");
			i = (size_t)(end - p);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cJSON *rep = NULL;
	char err[512];
	if (report_parse(text, size, &rep, err, sizeof(err)) == 0) {
		char *page = NULL;
		size_t len = 0;
		struct html_out o = { .text_limit = 4096 };
		o.f = open_memstream(&page, &len);
		CHECK(o.f != NULL, "memory stream");
		CHECK(html_audit_page(&o, rep) == 0, "the page renders");
		fclose(o.f);
		check_page(page, len);
		CHECK(memmem(page, len, "<script>", 8) && memmem(page, len, "<script type=\"application/json\"", strlen("<script type=\"application/json\"")),
		      "the page's script and data block are there");
		free(page);
		cJSON_Delete(rep);
	} else {
		CHECK(rep == NULL && err[0], "a refused report has a reason");
	}
	free(text);
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
	printf("1..%d\n", n);
	return bad ? 1 : 0;
}
#endif
