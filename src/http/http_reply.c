/* Answers (see http_server_internal.h): every one carries X-Request-Id,
 * Cache-Control: no-store and Connection: close; errors are JSON objects
 * naming the field at fault. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "http/http_server_internal.h"

enum MHD_Result send_reply(struct exchange *x, struct reply *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	MHD_add_response_header(resp, "X-Request-Id", x->id);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->retry_after) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	/* One request per connection: every request passes the gate's checks
	 * (http_gate.h), never libmicrohttpd's own parsing of a second one. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ok = MHD_queue_response(x->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	if (ok == MHD_YES)
		x->status = r->status;
	return ok;
}

enum MHD_Result send_json(struct exchange *x, int status, cJSON *o, struct reply extra)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text) {
		static const char oom[] = "{\"error\":\"out of memory\",\"field\":null}";
		text = strdup(oom);
		status = 500;
		if (!text)
			return MHD_NO;
	}
	extra.status = status;
	extra.body = text;
	extra.len = strlen(text);
	extra.content_type = "application/json";
	return send_reply(x, &extra);
}

/* {"error": message, "field": field or null, "request_id": id} */
enum MHD_Result send_error(struct exchange *x, int status, const char *field, const char *message, struct reply extra)
{
	snprintf(x->error, sizeof(x->error), "%s", message);
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "error", message);
		if (field && *field)
			cJSON_AddStringToObject(o, "field", field);
		else
			cJSON_AddNullToObject(o, "field");
		cJSON_AddStringToObject(o, "request_id", x->id);
	}
	return send_json(x, status, o, extra);
}
