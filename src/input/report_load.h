/* Reading back a report saved from `verdict audit --json` or returned by
 * POST /score (docs/schema.md), for the commands that render or compare
 * reports without re-running anything. */
#ifndef VERDICT_REPORT_LOAD_H
#define VERDICT_REPORT_LOAD_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Largest report accepted (after gunzip): a report holds every sample's
 * record, so it is as large as the samples it came from; a million samples
 * with their programs fit. */
#define REPORT_LOAD_MAX_BYTES ((size_t)4096 << 20)

/* Rewrite, in place, every escaped lone surrogate and escaped NUL inside
 * the JSON strings of text[0..len) as \ufffd (the same length), so that
 * cJSON reads a report Python's json module wrote about a model's text. */
void report_scrub_escapes(char *text, size_t len);

/* Parse and check a report held in text[0..len) (modified in place: an
 * escaped lone surrogate, which cJSON refuses, becomes \ufffd, as does an
 * escaped NUL, which would cut the string short). On success *out is a new
 * tree the caller frees with cJSON_Delete. The checks are the ones a reader
 * relies on: an object with `summary` (an object) and `samples` (an array of
 * objects, each with the strings `task_id` and `status`); every other field
 * is optional to the reader and type-checked where it is used. Returns 0, or
 * -1 with err naming the line of a syntax error or the field that is wrong
 * (`samples[3].status: expected a string`). */
int report_parse(char *text, size_t len, cJSON **out, char *err, size_t errlen);

/* The checks of report_parse on a tree already parsed (by `verdict compare`,
 * which first asks whether a file is a report at all): 0, or -1 with err
 * naming the field (`summary: missing (not a verdict report?)`). */
int report_check(const cJSON *root, char *err, size_t errlen);

/* The same from a file ("-" for stdin, .gz gunzipped); err starts with the
 * path. */
int report_load(const char *path, cJSON **out, char *err, size_t errlen);

#endif
