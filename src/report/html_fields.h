/* Reading a report's JSON for a page, where any field may be missing or of
 * the wrong type (an older verdict wrote it, or someone edited it): each
 * accessor answers "absent" rather than trusting the shape. */
#ifndef VERDICT_HTML_FIELDS_H
#define VERDICT_HTML_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* The member `key` of object `o` if it has that type, else NULL (or false). */
const cJSON *field_obj(const cJSON *o, const char *key);
const cJSON *field_arr(const cJSON *o, const char *key);
const char *field_str(const cJSON *o, const char *key);
/* A finite number; false when absent, not a number, NaN or infinite. */
bool field_num(const cJSON *o, const char *key, double *out);
/* A number, or `fallback`. */
double field_num_or(const cJSON *o, const char *key, double fallback);
/* true only for a JSON true. */
bool field_true(const cJSON *o, const char *key);

/* The status names a page knows, in the report's order (docs/schema.md),
 * then "skipped" and "not_run": each has a colour class "st-NAME". */
extern const char *const field_statuses[];
extern const size_t field_n_statuses;
/* The CSS class for a status string: "st-NAME" for a known name, "st-other"
 * for anything else (never the report's own text). */
const char *field_status_class(const char *status);
/* Whether the status is one the model is scored on and did not pass. */
bool field_status_failed(const char *status);

#endif
