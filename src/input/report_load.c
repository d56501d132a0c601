/* Saved reports read back (see report_load.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "base/file_io.h"
#include "input/report_load.h"

static int hex4(const char *p, const char *end)
{
	if (end - p < 4)
		return -1;
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Python's json.dumps writes a lone surrogate as "\udXXX" (a model's text
 * can hold one), and cJSON refuses the whole document for it; "\u0000"
 * would end cJSON's C string early and hide the rest of the text. Both
 * become "\ufffd", which has the same length, so the rewrite is in place.
 * Only escapes inside strings are touched; the scan needs no well-formed
 * input (cJSON judges that afterwards). */
void report_scrub_escapes(char *text, size_t len)
{
	char *p = text, *end = text + len;
	bool in_string = false;
	while (p < end) {
		if (!in_string) {
			in_string = *p++ == '"';
			continue;
		}
		if (*p == '"') {
			in_string = false;
			p++;
			continue;
		}
		if (*p != '\\') {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] != 'u') {
			p += 2;
			continue;
		}
		int v = hex4(p + 2, end);
		if (v < 0) {
			p += 2;
			continue;
		}
		if (v >= 0xd800 && v <= 0xdbff && end - p >= 12 && p[6] == '\\' && p[7] == 'u') {
			int low = hex4(p + 8, end);
			if (low >= 0xdc00 && low <= 0xdfff) {
				p += 12; /* a real pair */
				continue;
			}
		}
		if (v == 0 || (v >= 0xd800 && v <= 0xdfff))
			memcpy(p, "\\ufffd", 6);
		p += 6;
	}
}

static size_t line_of(const char *text, const char *at)
{
	size_t line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

static int check_samples(const cJSON *samples, char *err, size_t errlen)
{
	if (!cJSON_IsArray(samples)) {
		snprintf(err, errlen, "samples: %s", samples ? "expected an array" : "missing (not a verdict report?)");
		return -1;
	}
	size_t i = 0;
	for (const cJSON *s = samples->child; s; s = s->next, i++) {
		if (!cJSON_IsObject(s)) {
			snprintf(err, errlen, "samples[%zu]: expected an object", i);
			return -1;
		}
		static const char *const required[] = { "task_id", "status" };
		for (size_t k = 0; k < ARRAY_LEN(required); k++) {
			const cJSON *f = cJSON_GetObjectItemCaseSensitive(s, required[k]);
			if (!cJSON_IsString(f)) {
				snprintf(err, errlen, "samples[%zu].%s: %s", i, required[k],
					 f ? "expected a string" : "missing");
				return -1;
			}
		}
	}
	return 0;
}

int report_check(const cJSON *root, char *err, size_t errlen)
{
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "line 1: expected a JSON object (a report from `verdict audit --json` or POST /score)");
		return -1;
	}
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (cJSON_IsString(error) && !cJSON_GetObjectItemCaseSensitive(root, "samples")) {
		snprintf(err, errlen, "an error response, not a report: %.200s", error->valuestring);
		return -1;
	}
	const cJSON *summary = cJSON_GetObjectItemCaseSensitive(root, "summary");
	if (!cJSON_IsObject(summary)) {
		snprintf(err, errlen, "summary: %s", summary ? "expected an object" : "missing (not a verdict report?)");
		return -1;
	}
	return check_samples(cJSON_GetObjectItemCaseSensitive(root, "samples"), err, errlen);
}

int report_parse(char *text, size_t len, cJSON **out, char *err, size_t errlen)
{
	*out = NULL;
	report_scrub_escapes(text, len);
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		if (!at || at < text || at > text + len)
			at = text;
		snprintf(err, errlen, "line %zu: not valid JSON", line_of(text, at));
		return -1;
	}
	while (end && end < text + len && strchr(" \t\r\n", *end))
		end++;
	if (end && end < text + len && *end) {
		snprintf(err, errlen, "line %zu: text after the report's JSON object", line_of(text, end));
		cJSON_Delete(root);
		return -1;
	}
	if (report_check(root, err, errlen) < 0) {
		cJSON_Delete(root);
		return -1;
	}
	*out = root;
	return 0;
}

int report_load(const char *path, cJSON **out, char *err, size_t errlen)
{
	autofree char *text = NULL;
	size_t len = 0;
	if (file_read_all(path, REPORT_LOAD_MAX_BYTES, &text, &len, err, errlen) < 0)
		return -1;
	char why[400];
	if (report_parse(text, len, out, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}
