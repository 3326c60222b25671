/* route_failure.c - POST /api/background/sync/failure: QStash's failure
 * callback, called once a delivery's retries are exhausted (or after a
 * 489). Signed like any delivery, with sub = this route's URL. It is
 * recorded in the run log once per sourceMessageId, logged at error level
 * and posted to SYNC_ALERT_WEBHOOK_URL. */
#include <cjson/cJSON.h>
#include <mbedtls/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "engines.h"
#include "json_guard.h"
#include "log.h"
#include "outcome.h"
#include "qstash_verify.h"
#include "routes.h"

#define LAST_ANSWER_MAX 600
#define MESSAGE_ID_MAX 128

static int verified(const struct route_ctx *ctx, const struct http_request *req,
                    struct http_response *res)
{
	const struct config *cfg = ctx->cfg;
	const char *sig = http_header(req, "Upstash-Signature");
	char why[256] = "missing Upstash-Signature";
	if (cfg->app_url_var && !cfg->app_url)
		snprintf(why, sizeof why, "%s is malformed", cfg->app_url_var);
	else if (!cfg->current_key && !cfg->next_key)
		snprintf(why, sizeof why, "QStash signing keys are not configured "
		         "(QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY)");
	else if (sig) {
		struct qstash_verify_opts o = {
			.current_key = cfg->current_key,
			.next_key = cfg->next_key,
			.expected_sub = cfg->app_url ? cfg->failure_url : NULL,
			.tolerance_s = cfg->clock_tolerance_s,
			.now = time(NULL),
		};
		if (qstash_verify(&o, sig, strlen(sig), req->body, req->body_len,
		                  why, sizeof why) == 0)
			return 1;
	}
	log_line(req->request_id, FN_WARN, "QStash failure callback refused",
	         "reason", FN_STR(why), NULL);
	http_reply_error(res, 401, "invalid or missing Upstash-Signature: %s", why);
	return 0;
}

/* The decoded last answer, printable and bounded (its text is ours: an
 * error line, never row data). */
static void last_answer(const cJSON *b64, char *out, size_t outlen)
{
	out[0] = '\0';
	if (!cJSON_IsString(b64))
		return;
	size_t in = strlen(b64->valuestring), n = 0;
	unsigned char *buf = malloc(in + 1);
	if (!buf)
		return;
	if (mbedtls_base64_decode(buf, in + 1, &n,
	                          (const unsigned char *)b64->valuestring, in) != 0)
		n = 0;
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < outlen; i++)
		out[k++] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : ' ';
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	free(buf);
}

/* What the last answer said: its "error" when it is our JSON. */
static void error_of(const char *answer, long status, char *out, size_t outlen)
{
	const char *why;
	cJSON *j = json_guard_parse(answer, strlen(answer), &why);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e))
		snprintf(out, outlen, "last answer HTTP %ld: %.400s", status, e->valuestring);
	else if (*answer)
		snprintf(out, outlen, "last answer HTTP %ld: %.400s", status, answer);
	else
		snprintf(out, outlen, status ? "last answer HTTP %ld" :
		         "no answer (timeout or connection error)", status);
	cJSON_Delete(j);
}

/* A whole number from the callback, bounded before the cast (1e309 is
 * infinity, and a double past LONG_MAX cast to long is undefined). */
static long number(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsNumber(v) || !(v->valuedouble == v->valuedouble))
		return 0;
	double d = v->valuedouble;
	return d > 1e9 ? 1000000000L : d < -1e9 ? -1000000000L : (long)d;
}

static const char *string(const cJSON *o, const char *name, size_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > max)
		return NULL;
	for (const char *c = v->valuestring; *c; c++)
		if (*c < 0x21 || *c > 0x7e)
			return NULL;
	return v->valuestring;
}

static char *details_of(const cJSON *cb, const char *answer)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "last_status", (double)number(cb, "status"));
	cJSON_AddStringToObject(d, "last_answer", answer);
	cJSON_AddNumberToObject(d, "retried", (double)number(cb, "retried"));
	cJSON_AddNumberToObject(d, "max_retries", (double)number(cb, "maxRetries"));
	const char *dlq = string(cb, "dlqId", 128), *sched = string(cb, "scheduleId", 128);
	if (dlq)
		cJSON_AddStringToObject(d, "dlq_id", dlq);
	if (sched)
		cJSON_AddStringToObject(d, "schedule_id", sched);
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	return text;
}

/* The answer to a callback taken: the envelope of every answer, with
 * whether this call recorded it and, when it did, the run log's id. */
static void reply_taken(struct http_response *res, int recorded, long long run_id)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddBoolToObject(d, "recorded", recorded);
	if (recorded)
		cJSON_AddNumberToObject(d, "run_id", (double)run_id);
	http_reply(res, 200, outcome_envelope(NULL, d));
}

static void record(const struct route_ctx *ctx, const struct http_request *req,
                   struct http_response *res, const cJSON *cb, const char *mid)
{
	char answer[LAST_ANSWER_MAX + 1], error[600], err[1024], created[32] = "";
	last_answer(cJSON_GetObjectItemCaseSensitive(cb, "body"), answer, sizeof answer);
	error_of(answer, number(cb, "status"), error, sizeof error);
	if (number(cb, "createdAt") > 0)
		snprintf(created, sizeof created, "%ld", number(cb, "createdAt"));
	char *details = details_of(cb, answer);
	const struct sync_delivery_failure f = {
		.message_id = mid, .created_ms = *created ? created : NULL,
		.details = details, .error = error,
	};
	struct sync_settings settings;
	config_sync_settings(ctx->cfg, &settings);
	sync_delivery_failed_fn *rec = NULL;
	long long run_id = 0;
	enum sync_status st = SYNC_CONFIG;
	if (!ctx->cfg->target_url)
		snprintf(err, sizeof err, "%s, so the failure cannot be recorded "
		         "in the run log", CONFIG_TARGET_UNSET);
	else if (!(rec = engines_sync_delivery_failed(err, sizeof err)))
		st = SYNC_FAILED;
	else
		st = rec(&settings, &f, &run_id, err, sizeof err);
	free(details);
	if (st == SYNC_OK && run_id == 0) {
		log_line(req->request_id, FN_INFO, "QStash failure callback repeated; "
		         "already recorded", "message_id", FN_STR(mid), NULL);
		reply_taken(res, 0, 0);
		return;
	}
	log_line(req->request_id, FN_ERROR, "QStash gave up on a sync delivery",
	         "message_id", FN_STR(mid), "error", FN_STR(error), "retried",
	         FN_INT(number(cb, "retried")), "dlq_id", FN_STR(string(cb, "dlqId", 128)),
	         "run_id", FN_INT(run_id), NULL);
	char summary[1200];
	snprintf(summary, sizeof summary, "syncfn: QStash gave up on sync message %s after "
	         "%ld retries (run log id %lld): %s", mid, number(cb, "retried"), run_id, error);
	const struct alert_event e = { .event = "delivery_failed", .summary = summary,
		                       .run_id = run_id, .message_id = mid, .error = error };
	alerts_post(ctx->cfg, req->request_id, &e);
	if (st != SYNC_OK) {
		log_line(req->request_id, FN_ERROR, "Failed delivery not recorded in the run log",
		         "error", FN_STR(err), NULL);
		http_reply_error(res, 503, "could not record the failed delivery: %s", err);
		http_set_retry_after(res, 30);
		return;
	}
	reply_taken(res, 1, run_id);
}

void route_failure(const struct route_ctx *ctx, const struct http_request *req,
                   struct http_response *res)
{
	if (!verified(ctx, req, res) || !http_admit(req, res))
		return;
	/* signed by QStash, yet parsed like every body: bounded depth */
	const char *why;
	cJSON *cb = json_guard_parse((const char *)req->body, req->body_len, &why);
	const char *mid = string(cb, "sourceMessageId", MESSAGE_ID_MAX);
	if (!mid) {
		log_line(req->request_id, FN_WARN, "QStash failure callback without "
		         "a usable sourceMessageId", NULL);
		http_reply_error(res, 400, "the body must be QStash's failure callback "
		                 "JSON with a sourceMessageId");
	} else {
		record(ctx, req, res, cb, mid);
	}
	cJSON_Delete(cb);
}
