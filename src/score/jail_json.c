/* JSON views of jail results and of the isolation in force. */
#include "score/jail_json.h"

#include <stdlib.h>

#include "base/text.h"

static cJSON *capture_json(cJSON *parent, const char *name, const struct jail_capture *c)
{
	/* What a program wrote is bytes: JSON gets valid UTF-8, with invalid
	 * bytes and NULs as U+FFFD (`<name>_bytes` keeps the true count). */
	char *text = text_utf8_clean(c->data ? c->data : "", c->data ? c->len : 0);
	cJSON *s = cJSON_AddStringToObject(parent, name, text ? text : "");
	free(text);
	char key[64];
	snprintf(key, sizeof(key), "%s_bytes", name);
	cJSON_AddNumberToObject(parent, key, (double)c->total);
	snprintf(key, sizeof(key), "%s_truncated", name);
	cJSON_AddBoolToObject(parent, key, c->truncated);
	return s;
}

cJSON *jail_json_result(const struct jail_result *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "status", jail_status_name(r->status));
	cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	cJSON_AddNumberToObject(o, "signal", r->signal);
	cJSON_AddNumberToObject(o, "wall_ms", (double)r->wall_ms);
	cJSON_AddNumberToObject(o, "cpu_ms", (double)r->cpu_ms);
	cJSON_AddNumberToObject(o, "peak_rss_kb", (double)r->peak_rss_kb);
	capture_json(o, "stdout", &r->out);
	capture_json(o, "stderr", &r->err);
	if (r->error[0])
		cJSON_AddStringToObject(o, "detail", r->error);
	cJSON_AddStringToObject(o, "isolation", jail_level_name(r->level));
	if (r->status == JAIL_TIMEOUT && r->sched.measured) {
		/* The wall-clock deadline: starved by the machine, or waiting? */
		cJSON *sc = cJSON_AddObjectToObject(o, "sched");
		if (sc) {
			cJSON_AddBoolToObject(sc, "starved", r->sched.starved);
			cJSON_AddNumberToObject(sc, "window_ms", r->sched.window_ms);
			cJSON_AddNumberToObject(sc, "cpu_ms", r->sched.cpu_ms);
			cJSON_AddNumberToObject(sc, "wait_ms", r->sched.wait_ms);
			cJSON_AddNumberToObject(sc, "sleep_ms", r->sched.sleep_ms);
		}
	}
	return o;
}

cJSON *jail_json_isolation(const struct jail_config *c)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "level", jail_level_name(c->level));
	cJSON *layers = cJSON_AddObjectToObject(o, "layers");
	for (int i = 0; layers && i < JAIL_LAYER_COUNT; i++) {
		cJSON *l = cJSON_AddObjectToObject(layers, jail_layer_key((enum jail_layer_id)i));
		if (!l)
			continue;
		cJSON_AddStringToObject(l, "state", jail_layer_state_name(c->layers[i].state));
		cJSON_AddStringToObject(l, "detail", c->layers[i].detail);
	}
	cJSON_AddStringToObject(o, "interpreter", c->python);
	return o;
}
