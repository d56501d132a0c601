/* extract_tool: the C extraction as a filter, for the fidelity check and for
 * looking at one completion by hand.
 *
 *   extract_tool            one JSON value on stdin, one JSON object out
 *   extract_tool --lines    one JSON value per input line, one object per line
 *
 * Input: a JSON string (the raw completion, reasoning kept: what the
 * harnesses see) or an object {"text": str, "strip_reasoning": bool,
 * "reasoning_content": str}. Output: {"content", "blocks": [str], "fallback",
 * "lcb": str|null, "lm_eval_chat": {...the runner's extract object...},
 * "facts": {...extract_json_facts...}}. Exit 0, or 1 on bad input / OOM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "extract/extract.h"

static void cleanup_json(cJSON **j)
{
	cJSON_Delete(*j);
}
#define auto_json __attribute__((cleanup(cleanup_json)))

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	autofree char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		if (n + 1 >= cap) {
			char *g = realloc(buf, cap * 2);
			if (!g)
				return NULL;
			buf = g;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	if (ferror(f))
		return NULL;
	buf[n] = '\0';
	*len = n;
	return steal_pointer(&buf);
}

static bool add_span(cJSON *o, const char *key, struct extract_span s)
{
	autofree char *z = malloc(s.n + 1);
	if (!z)
		return false;
	memcpy(z, s.p, s.n);
	z[s.n] = '\0';
	return cJSON_AddStringToObject(o, key, z) != NULL;
}

/* One input value -> one output line. Returns 0 or -1 (message on stderr). */
static int one(const struct extractor *ex, const char *json, size_t len)
{
	auto_json cJSON *in = cJSON_ParseWithLength(json, len);
	if (!in) {
		fprintf(stderr, "extract_tool: input is not JSON\n");
		return -1;
	}
	const cJSON *text = in, *reasoning = NULL;
	struct extract_opts opts = { 0 };
	if (cJSON_IsObject(in)) {
		text = cJSON_GetObjectItemCaseSensitive(in, "text");
		reasoning = cJSON_GetObjectItemCaseSensitive(in, "reasoning_content");
		opts.strip_reasoning = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "strip_reasoning"));
	}
	if (!cJSON_IsString(text) || (reasoning && !cJSON_IsString(reasoning))) {
		fprintf(stderr, "extract_tool: want a JSON string or {\"text\": str, ...}\n");
		return -1;
	}
	const char *t = text->valuestring;
	const char *rc = reasoning ? reasoning->valuestring : NULL;
	struct extract_result r;
	int e = extract_run_with_reasoning(ex, t, strlen(t), rc, rc ? strlen(rc) : 0, &opts, &r);
	if (e < 0) {
		fprintf(stderr, "extract_tool: %s\n", strerror(-e));
		return -1;
	}
	auto_json cJSON *out = cJSON_CreateObject();
	cJSON *blocks = out ? cJSON_AddArrayToObject(out, "blocks") : NULL;
	bool ok = blocks && cJSON_AddStringToObject(out, "content", r.content);
	for (size_t i = 0; ok && i < r.n_blocks; i++) {
		cJSON *s = cJSON_CreateString(r.blocks[i].text);
		ok = s != NULL;
		if (ok)
			cJSON_AddItemToArray(blocks, s);
	}
	ok = ok && add_span(out, "fallback", r.fallback);
	ok = ok && (r.lcb_found ? add_span(out, "lcb", r.lcb) : cJSON_AddNullToObject(out, "lcb") != NULL);
	cJSON *job = ok ? extract_json_lm_eval_chat(&r, "") : NULL;
	ok = job && cJSON_AddItemToObject(out, "lm_eval_chat", job);
	if (!ok)
		cJSON_Delete(job);
	cJSON *facts = ok ? extract_json_facts(&r) : NULL;
	ok = facts && cJSON_AddItemToObject(out, "facts", facts);
	if (!ok)
		cJSON_Delete(facts);
	extract_result_clear(&r);
	autofree char *s = ok ? cJSON_PrintUnformatted(out) : NULL;
	if (!s) {
		fprintf(stderr, "extract_tool: out of memory\n");
		return -1;
	}
	puts(s);
	return 0;
}

int main(int argc, char **argv)
{
	bool lines = argc > 1 && strcmp(argv[1], "--lines") == 0;
	char err[256];
	struct extractor *ex = NULL;
	if (extract_new(NULL, &ex, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	size_t len = 0;
	autofree char *data = read_all(stdin, &len);
	int status = 0;
	if (!data) {
		fprintf(stderr, "extract_tool: cannot read stdin\n");
		status = 1;
	} else if (!lines) {
		status = one(ex, data, len) < 0;
	} else {
		for (char *p = data; *p && !status;) {
			char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			if (n)
				status = one(ex, p, n) < 0;
			p = nl ? nl + 1 : p + n;
		}
	}
	fflush(stdout);
	extract_free(&ex);
	return status;
}
