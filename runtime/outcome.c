/* outcome.c - statuses to codes, and the answers' envelope (outcome.h). */
#include "outcome.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "fn_log.h"

/* README.md, "Responses" and "Commands"; a sync's QStash column differs
 * where a delivery must be retried or must stop being retried. */
static const struct {
	struct outcome person, qstash;
} sync_table[] = {
	[SYNC_OK] = { { 200, 0, RETRY_NONE, 0, 1 }, { 200, 0, RETRY_NONE, 0, 1 } },
	[SYNC_DEDUPLICATED] = { { 200, 0, RETRY_NONE, 0, 0 },
	                        { 200, 0, RETRY_NONE, 0, 0 } },
	/* a delivery is done only when its sync committed: QStash must come
	 * back once the running one is done */
	[SYNC_BUSY] = { { 409, 3, RETRY_NONE, 0, 0 },
	                { 503, 3, RETRY_ESTIMATE, 0, 0 } },
	[SYNC_CONFIG] = { { 500, 2, RETRY_NONE, 0, -1 },
	                  { 489, 2, RETRY_NONE, 1, -1 } },
	[SYNC_FAILED] = { { 500, 1, RETRY_NONE, 0, -1 },
	                  { 500, 1, RETRY_NONE, 0, -1 } },
	[SYNC_UNREACHABLE] = { { 503, 1, RETRY_GRACE, 0, -1 },
	                       { 503, 1, RETRY_GRACE, 0, -1 } },
	[SYNC_CANCELLED] = { { 503, 1, RETRY_GRACE, 0, 0 },
	                     { 503, 1, RETRY_GRACE, 0, 0 } },
	[SYNC_GUARD] = { { 500, 2, RETRY_NONE, 0, -1 },
	                 { 489, 2, RETRY_NONE, 1, -1 } },
};

static const struct outcome schedule_table[] = {
	[SCHEDULE_OK] = { 200, 0, RETRY_NONE, 0, 0 },
	[SCHEDULE_BAD_REQUEST] = { 400, 2, RETRY_NONE, 0, 0 },
	[SCHEDULE_REFUSED] = { 502, 1, RETRY_NONE, 0, 0 },
	[SCHEDULE_UNREACHABLE] = { 502, 1, RETRY_NONE, 0, 0 },
};

/* a status from a mismatched engine is a failure, never a success */
static const struct outcome unknown = { 500, 1, RETRY_NONE, 0, 0 };

struct outcome outcome_of_sync(enum sync_status st, enum outcome_caller who)
{
	if ((unsigned)st >= sizeof sync_table / sizeof sync_table[0])
		return unknown;
	return who == OUTCOME_QSTASH ? sync_table[st].qstash
	                             : sync_table[st].person;
}

struct outcome outcome_of_schedule(enum schedule_status st)
{
	if ((unsigned)st >= sizeof schedule_table / sizeof schedule_table[0])
		return unknown;
	return schedule_table[st];
}

struct outcome outcome_not_configured(void)
{
	return (struct outcome){ 503, 2, RETRY_CONFIG, 0, 0 };
}

struct outcome outcome_no_engine(void)
{
	return unknown;
}

int outcome_retry_clamp(int seconds)
{
	return seconds < OUTCOME_RETRY_MIN_S   ? OUTCOME_RETRY_MIN_S
	       : seconds > OUTCOME_RETRY_MAX_S ? OUTCOME_RETRY_MAX_S
	                                       : seconds;
}

void outcome_first_line(char *out, size_t outlen, const char *text)
{
	if (!outlen)
		return;
	size_t n = text ? strcspn(text, "\r\n") : 0;
	if (n >= outlen)
		n = outlen - 1;
	if (n)
		memcpy(out, text, n);
	out[n] = '\0';
}

static void move_item(cJSON *to, cJSON *from, const char *name)
{
	cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(from, name);
	if (item)
		cJSON_AddItemToObject(to, name, item);
}

cJSON *outcome_envelope(const char *error, cJSON *data)
{
	char ts[32];
	fn_iso_time(ts);
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		cJSON_Delete(data);
		return NULL;
	}
	cJSON_AddBoolToObject(o, "success", error == NULL);
	int message = cJSON_GetObjectItemCaseSensitive(data, "message") != NULL;
	move_item(o, data, "message");
	if (error)
		cJSON_AddStringToObject(o, "error", error);
	if (!error && message)
		cJSON_AddStringToObject(o, "timestamp", ts);
	/* the answer's own fields win over data's */
	cJSON_DeleteItemFromObjectCaseSensitive(data, "success");
	cJSON_DeleteItemFromObjectCaseSensitive(data, "error");
	cJSON_DeleteItemFromObjectCaseSensitive(data, "timestamp");
	while (data && data->child) {
		cJSON *item = data->child;
		char *name = item->string;
		cJSON_DetachItemViaPointer(data, item);
		cJSON_AddItemToObject(o, name, item);
	}
	if (error || !message)
		cJSON_AddStringToObject(o, "timestamp", ts);
	cJSON_Delete(data);
	return o;
}

int outcome_envelope_text(char *buf, size_t len, const char *error)
{
	return snprintf(buf, len, "{\"success\":false,\"error\":\"%s\"}", error);
}
