/* Reading a saved report back (see saved_report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "base/file_io.h"
#include "input/report_load.h"
#include "input/saved_report.h"

bool saved_sample_scored(const struct saved_sample *s)
{
	static const char *const unscored[] = { "sandbox_error", "invalid", "skipped", "not_run" };
	for (size_t i = 0; i < ARRAY_LEN(unscored); i++)
		if (strcmp(s->status, unscored[i]) == 0)
			return false;
	return true;
}

static const char *string_member(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* report_check has vouched for the object and its task_id and status. */
static int read_sample(const cJSON *o, size_t i, const char *source, struct saved_sample *s, char *err,
		       size_t errlen)
{
	const cJSON *passed = cJSON_GetObjectItemCaseSensitive(o, "passed");
	if (!cJSON_IsBool(passed)) {
		snprintf(err, errlen, "%s: samples[%zu].passed: %s", source, i, passed ? "expected true or false" : "missing");
		return -1;
	}
	*s = (struct saved_sample){
		.task_id = string_member(o, "task_id"),
		.status = string_member(o, "status"),
		.passed = cJSON_IsTrue(passed),
		.base_status = string_member(o, "base_status"),
		.plus_status = string_member(o, "plus_status"),
		.record = o,
	};
	return 0;
}

int saved_report_from_json(cJSON **root, const char *source, struct saved_report *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->json = steal_pointer(root);
	const cJSON *j = out->json;
	/* The same checks as `verdict report`'s, then what a comparison needs more. */
	char why[400];
	if (report_check(j, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", source, why);
		goto fail;
	}
	const cJSON *samples = cJSON_GetObjectItemCaseSensitive(j, "samples");
	const cJSON *summary = cJSON_GetObjectItemCaseSensitive(j, "summary");
	const cJSON *benchmark = cJSON_GetObjectItemCaseSensitive(j, "benchmark");
	out->benchmark = cJSON_GetStringValue(benchmark);
	if (!out->benchmark) {
		snprintf(err, errlen, "%s: benchmark: %s", source, benchmark ? "expected a string" : "missing");
		goto fail;
	}
	out->bench_label = string_member(j, "bench_label");
	out->profile = string_member(j, "profile");
	out->dataset_sha256 = string_member(cJSON_GetObjectItemCaseSensitive(j, "dataset"), "sha256");
	out->executed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(summary, "executed"));
	out->complete = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(summary, "complete"));
	const cJSON *skipped = cJSON_GetObjectItemCaseSensitive(summary, "skipped_lines");
	if (cJSON_IsNumber(skipped) && skipped->valuedouble > 0)
		out->skipped_lines = (size_t)skipped->valuedouble;
	size_t n = (size_t)cJSON_GetArraySize(samples);
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v) {
		snprintf(err, errlen, "%s: out of memory", source);
		goto fail;
	}
	const cJSON *o;
	cJSON_ArrayForEach(o, samples)
	{
		if (read_sample(o, out->n, source, &out->v[out->n], err, errlen) < 0)
			goto fail;
		out->n++;
	}
	return 0;
fail:
	saved_report_free(out);
	return -1;
}

static bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool looks_like_report(const cJSON *j)
{
	return cJSON_IsObject(j) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "verdict_version")) &&
	       cJSON_GetObjectItemCaseSensitive(j, "samples");
}

int saved_report_load(const char *path, struct saved_report *out, char *err, size_t errlen)
{
	autofree char *data = NULL;
	size_t len = 0;
	if (file_read_all(path, REPORT_LOAD_MAX_BYTES, &data, &len, err, errlen) < 0)
		return -1;
	const char *p = data;
	while (p < data + len && is_json_space(*p))
		p++;
	if (p == data + len || *p != '{')
		return 0;
	/* A model's lone surrogate, as Python's json writes it, would make
	 * cJSON refuse the whole report. */
	report_scrub_escapes(data, len);
	/* The whole file must be one object: a JSON Lines samples file parses
	 * as its first line otherwise. */
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(p, (size_t)(data + len - p), &end, false);
	while (root && end && end < data + len && is_json_space(*end))
		end++;
	if (root && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "comparison")) &&
	    cJSON_GetObjectItemCaseSensitive(root, "runs")) {
		cJSON_Delete(root);
		snprintf(err, errlen, "%s: the output of verdict compare, not a report", path);
		return -1;
	}
	if (!looks_like_report(root) || end != data + len) {
		cJSON_Delete(root);
		return 0;
	}
	return saved_report_from_json(&root, path, out, err, errlen) < 0 ? -1 : 1;
}

void saved_report_free(struct saved_report *r)
{
	free(r->v);
	cJSON_Delete(r->json);
	memset(r, 0, sizeof(*r));
}
