/* The verdict of one run: the supervisor's decision from what the jail
 * observed and what the runner recorded (see score_batch.h). The jail's
 * observations come first; the runner's record only counts for a pass when
 * the process also ended cleanly. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/score_batch.h"

void verdict_set_detail(struct sample_verdict *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

static const char *json_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum sample_status status_from_record(const char *s)
{
	if (!s)
		return ST_ERROR;
	if (strcmp(s, "passed") == 0)
		return ST_PASSED;
	if (strcmp(s, "failed") == 0)
		return ST_FAILED;
	if (strcmp(s, "syntax_error") == 0)
		return ST_SYNTAX_ERROR;
	if (strcmp(s, "timeout") == 0)
		return ST_TIMEOUT;
	if (strcmp(s, "no_code") == 0)
		return ST_NO_CODE;
	if (strcmp(s, "memory_limit") == 0)
		return ST_MEMORY_LIMIT;
	return ST_ERROR;
}

void verdict_decide(const struct runner_outcome *ro, struct sample_verdict *v)
{
	const struct jail_result *j = &ro->jail;
	v->wall_ms = j->wall_ms;
	v->cpu_ms = j->cpu_ms;
	v->peak_rss_kb = j->peak_rss_kb;
	if (j->out.truncated || j->err.truncated)
		v->flags |= VF_OUTPUT_TRUNCATED;
	if (ro->extraction) {
		const char *path = json_str(ro->extraction, "path");
		if (path)
			snprintf(v->path, sizeof(v->path), "%s", path);
		const cJSON *budget = cJSON_GetObjectItemCaseSensitive(ro->extraction, "budget_exceeded");
		if (cJSON_IsTrue(budget))
			v->flags |= VF_EXTRACTION_BUDGET;
	}
	switch (j->status) {
	case JAIL_SANDBOX_ERROR:
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "%s", j->error);
		return;
	case JAIL_TIMEOUT:
	case JAIL_CPU_LIMIT:
		v->status = ST_TIMEOUT;
		v->timeout_wall = j->status == JAIL_TIMEOUT;
		v->sched = j->sched;
		verdict_set_detail(v, "%s (cpu %llu ms, wall %llu ms)", j->error, (unsigned long long)j->cpu_ms,
			   (unsigned long long)j->wall_ms);
		return;
	case JAIL_MEMORY_LIMIT:
		v->status = ST_MEMORY_LIMIT;
		verdict_set_detail(v, "%s", j->error);
		return;
	case JAIL_OUTPUT_LIMIT:
		v->status = ST_OUTPUT_LIMIT;
		verdict_set_detail(v, "%s", j->error);
		return;
	case JAIL_OK:
	case JAIL_EXIT_NONZERO:
	case JAIL_SIGNAL:
		break;
	}
	if (ro->runner_error) {
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "runner error: %s", ro->runner_error_msg);
		return;
	}
	if (ro->result) {
		const char *st = json_str(ro->result, "status");
		v->status = status_from_record(st);
		const char *et = json_str(ro->result, "exc_type");
		/* The address-space limit shows up as a MemoryError inside the
		 * candidate's process. */
		if (v->status == ST_ERROR && et && strcmp(et, "MemoryError") == 0)
			v->status = ST_MEMORY_LIMIT;
		const char *em = json_str(ro->result, "exc_message");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(ro->result, "line");
		if (et)
			verdict_set_detail(v, "%s%s%.300s%s", et, em && *em ? ": " : "", em ? em : "",
				   cJSON_IsNumber(line) ? "" : "");
		if (et && cJSON_IsNumber(line)) {
			size_t l = strlen(v->detail);
			snprintf(v->detail + l, sizeof(v->detail) - l, " (line %d)", line->valueint);
		}
		if (!v->detail[0] && v->status == ST_TIMEOUT)
			verdict_set_detail(v, "the runner's time limit was reached (cpu %llu ms, wall %llu ms)",
				   (unsigned long long)j->cpu_ms, (unsigned long long)j->wall_ms);
		if (json_str(ro->result, "forged"))
			v->flags |= VF_FORGED_RESULT;
		if (v->status == ST_PASSED && j->status != JAIL_OK) {
			/* A pass record followed by a crash is not a pass. */
			v->status = ST_ERROR;
			verdict_set_detail(v, "reported a pass, then ended with %s (exit %d, signal %d)",
				   jail_status_name(j->status), j->exit_code, j->signal);
		}
		return;
	}
	if (j->status == JAIL_OK) {
		v->status = ST_FAILED;
		verdict_set_detail(v, "the program exited before the tests completed");
	} else if (j->status == JAIL_SIGNAL) {
		v->status = ST_ERROR;
		verdict_set_detail(v, "killed by signal %d", j->signal);
	} else {
		v->status = ST_ERROR;
		verdict_set_detail(v, "exited with status %d before the tests completed", j->exit_code);
	}
}

void verdict_read_lcb_result(const cJSON *result, struct sample_verdict *v)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(result, "error_code");
	if (cJSON_IsNumber(code))
		v->lcb_error_code = code->valueint;
	cJSON *md = cJSON_CreateObject();
	if (!md)
		return;
	static const char *const keys[] = { "error_code", "error_message", "inputs", "expected", "output", "tests_run",
					    "tests_total", "failed_test" };
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(result, keys[k]);
		if (f)
			cJSON_AddItemToObject(md, keys[k], cJSON_Duplicate(f, true));
	}
	v->lcb_metadata = cJSON_PrintUnformatted(md);
	cJSON_Delete(md);
}
