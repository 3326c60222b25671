/* route_schedule.c - /api/background/sync/schedule: the QStash schedule,
 * managed over HTTP with the admin token. */
#include <cjson/cJSON.h>
#include <string.h>

#include "admin_auth.h"
#include "invoke.h"
#include "json_guard.h"
#include "log.h"
#include "routes.h"

/* Reads {"action": ..., "scheduleId": ...}; on a bad body fills res with
 * 400 and returns -1. */
static int parse_body(const struct http_request *req, struct http_response *res,
                      int *action, char *id, size_t idlen)
{
	const char *why = NULL;
	cJSON *j = json_guard_parse((const char *)req->body, req->body_len, &why);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		http_reply_error(res, 400, "the body must be a JSON object like "
		                           "{\"action\": \"create\"}%s%s",
		                 why && strcmp(why, "is not valid JSON") ? "; this one " : "",
		                 why && strcmp(why, "is not valid JSON") ? why : "");
		return -1;
	}
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "action");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "scheduleId");
	*action = cJSON_IsString(a) ? schedule_action_parse(a->valuestring) : -1;
	if (*action < 0 || *action == SCHEDULE_KEYS) {
		/* quoted bounded and printable ASCII only: the answer is JSON
		 * text, and invalid UTF-8 must not reach it */
		char shown[64];
		size_t n = 0;
		for (const char *p = cJSON_IsString(a) ? a->valuestring : "";
		     *p && n < 60; p++)
			shown[n++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
		shown[n] = '\0';
		http_reply_error(res, 400, "unknown action %s%s%s: use create, delete, pause, "
		                           "resume, trigger-manual, list or get",
		                 cJSON_IsString(a) ? "\"" : "",
		                 cJSON_IsString(a) ? shown : "(missing)",
		                 cJSON_IsString(a) ? "\"" : "");
		cJSON_Delete(j);
		return -1;
	}
	id[0] = '\0';
	if (cJSON_IsString(s) && strlen(s->valuestring) >= idlen) {
		cJSON_Delete(j);
		http_reply_error(res, 400, "\"scheduleId\" is over %zu characters", idlen - 1);
		return -1;
	}
	if (cJSON_IsString(s))
		strcpy(id, s->valuestring);
	cJSON_Delete(j);
	if (schedule_action_needs_id(*action) && !id[0]) {
		http_reply_error(res, 400, "action %s needs \"scheduleId\"",
		                 schedule_action_name(*action));
		return -1;
	}
	return 0;
}

void route_schedule(const struct route_ctx *ctx, const struct http_request *req,
                    struct http_response *res)
{
	if (!admin_auth_ok(ctx->cfg->admin_token, http_header(req, "Authorization"))) {
		http_reply_error(res, 401, "this route needs Authorization: Bearer <SYNC_ADMIN_TOKEN>");
		return;
	}
	if (!http_admit(req, res))
		return;
	int action = SCHEDULE_LIST;
	char id[256] = "";
	if (strcmp(req->method, "POST") == 0 &&
	    parse_body(req, res, &action, id, sizeof id) != 0)
		return;
	struct invocation iv = { .cfg = ctx->cfg, .request_id = req->request_id };
	invoke_schedule(&iv, (enum schedule_action)action, id[0] ? id : NULL);
	invoke_reply(&iv, res);
}
