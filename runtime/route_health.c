/* route_health.c - GET /api/background/sync/health?max_age=7h: 200 while
 * the last successful sync is younger than max_age, else 503, for uptime
 * monitors (a dead-man's switch that needs no QStash to fire). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "invoke.h"
#include "log.h"
#include "routes.h"

/* The default suits the default schedule: every 6 hours, plus an hour. */
#define HEALTH_DEFAULT_MAX_AGE_S (7L * 3600)
#define HEALTH_MAX_MAX_AGE_S (366L * 86400)
/* Digits a max_age may have: bounds the parse before any arithmetic. */
#define HEALTH_MAX_DIGITS 8

/* max_age from the query: "7h", "30m", "90s", "2d" or plain seconds;
 * HEALTH_DEFAULT_MAX_AGE_S when absent. 0 when good, -1 when malformed
 * or out of 1 s .. 366 d. */
static int max_age_from_query(const char *query, long *seconds)
{
	*seconds = HEALTH_DEFAULT_MAX_AGE_S;
	const char *p = query;
	while (p && *p && strncmp(p, "max_age=", 8) != 0) {
		p = strchr(p, '&');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p)
		return 0;
	p += 8;
	long v = 0;
	int digits = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > HEALTH_MAX_DIGITS)
			return -1;
		v = v * 10 + (*p - '0');
	}
	long unit = 1;
	switch (*p) {
	case 's': unit = 1; p++; break;
	case 'm': unit = 60; p++; break;
	case 'h': unit = 3600; p++; break;
	case 'd': unit = 86400; p++; break;
	}
	if (digits == 0 || (*p && *p != '&') || v < 1 ||
	    v > HEALTH_MAX_MAX_AGE_S / unit)
		return -1;
	*seconds = v * unit;
	return 0;
}

/* "7h", "30m", "90s": the largest whole unit, for the answer's text. */
static void say_seconds(char *out, size_t len, long long s)
{
	if (s >= 86400 && s % 86400 == 0)
		snprintf(out, len, "%lldd", s / 86400);
	else if (s >= 3600 && s % 3600 == 0)
		snprintf(out, len, "%lldh", s / 3600);
	else if (s >= 60 && s % 60 == 0)
		snprintf(out, len, "%lldm", s / 60);
	else
		snprintf(out, len, "%llds", s);
}

/* The answer: the summary's fields, max_age_s, and the verdict. */
static void answer(struct http_response *res, cJSON *summary, long max_age)
{
	char why[200] = "", age_text[32], max_text[32];
	const cJSON *age = cJSON_GetObjectItemCaseSensitive(summary, "age_s");
	int never = !cJSON_IsNumber(age);
	int fresh = !never && age->valuedouble < (double)max_age;
	say_seconds(max_text, sizeof max_text, max_age);
	if (never) {
		snprintf(why, sizeof why, "no successful sync in the run log");
	} else if (!fresh) {
		say_seconds(age_text, sizeof age_text, (long long)age->valuedouble);
		snprintf(why, sizeof why, "the last successful sync was %s ago, "
		         "not younger than max_age %s", age_text, max_text);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", fresh ? "ok" : never ? "never" : "stale");
	cJSON_AddNumberToObject(o, "max_age_s", (double)max_age);
	cJSON *f;
	cJSON_ArrayForEach(f, summary)
		cJSON_AddItemToObject(o, f->string, cJSON_Duplicate(f, 1));
	cJSON_Delete(summary);
	o = outcome_envelope(fresh ? NULL : why, o);
	if (!o) {
		http_reply_error(res, 500, "out of memory");
		return;
	}
	http_reply(res, fresh ? 200 : 503, o);
}

void route_health(const struct route_ctx *ctx, const struct http_request *req,
                  struct http_response *res)
{
	if (!route_monitor_ready(ctx, req, res))
		return;
	long max_age;
	if (max_age_from_query(req->query, &max_age) != 0) {
		http_reply_error(res, 400, "max_age must be a duration like 7h, "
		                 "30m, 2d or 3600 (seconds), from 1s to 366d");
		return;
	}
	struct invocation iv = { .cfg = ctx->cfg, .request_id = req->request_id };
	invoke_sync_summary(&iv);
	if (iv.stage == INVOKE_RAN && iv.status != SYNC_OK)
		iv.outcome.http = 503; /* a run log that cannot be read proves
		                          no recent success */
	if (iv.stage != INVOKE_RAN || iv.status != SYNC_OK) {
		invoke_reply(&iv, res);
		return;
	}
	cJSON *summary = cJSON_DetachItemFromObjectCaseSensitive(iv.answer,
	                                                         "summary");
	cJSON_Delete(iv.answer);
	answer(res, summary, max_age);
}
