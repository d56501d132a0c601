/* Tolerant access to a report's JSON (see html_fields.h). */
#include <math.h>
#include <string.h>

#include "report/html_fields.h"

const cJSON *field_obj(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
	return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *field_arr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
	return cJSON_IsArray(v) ? v : NULL;
}

const char *field_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

bool field_num(const cJSON *o, const char *key, double *out)
{
	const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return false;
	*out = v->valuedouble;
	return true;
}

double field_num_or(const cJSON *o, const char *key, double fallback)
{
	double d;
	return field_num(o, key, &d) ? d : fallback;
}

bool field_true(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
	return cJSON_IsTrue(v);
}

/* Each name with its class, written out so that no class is ever built
 * from a report's text. */
static const struct {
	const char *name, *cls;
} statuses[] = {
	{ "passed", "st-passed" },
	{ "failed", "st-failed" },
	{ "error", "st-error" },
	{ "syntax_error", "st-syntax_error" },
	{ "timeout", "st-timeout" },
	{ "memory_limit", "st-memory_limit" },
	{ "output_limit", "st-output_limit" },
	{ "empty", "st-empty" },
	{ "no_code", "st-no_code" },
	{ "sandbox_error", "st-sandbox_error" },
	{ "invalid", "st-invalid" },
	{ "skipped", "st-skipped" },
	{ "not_run", "st-not_run" },
};

const char *const field_statuses[] = {
	"passed", "failed",  "error",	      "syntax_error", "timeout", "memory_limit", "output_limit",
	"empty",  "no_code", "sandbox_error", "invalid",      "skipped", "not_run",
};
const size_t field_n_statuses = sizeof(field_statuses) / sizeof(field_statuses[0]);

const char *field_status_class(const char *status)
{
	for (size_t i = 0; status && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(statuses[i].name, status) == 0)
			return statuses[i].cls;
	return "st-other";
}

bool field_status_failed(const char *status)
{
	static const char *const failing[] = { "failed", "error", "syntax_error", "timeout", "memory_limit",
					       "output_limit", "empty", "no_code" };
	for (size_t i = 0; status && i < sizeof(failing) / sizeof(failing[0]); i++)
		if (strcmp(failing[i], status) == 0)
			return true;
	return false;
}
