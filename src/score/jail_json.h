/* JSON views of the jail's structs (sandbox/ itself never sees cJSON). */
#ifndef VERDICT_JAIL_JSON_H
#define VERDICT_JAIL_JSON_H

#include <cjson/cJSON.h>

#include "jail.h"

/* New object with the facts of a run; caller owns it. NULL on OOM. */
cJSON *jail_json_result(const struct jail_result *r);

/* New object {level, layers: {key: {state, detail}}, interpreter}. */
cJSON *jail_json_isolation(const struct jail_config *c);

#endif
