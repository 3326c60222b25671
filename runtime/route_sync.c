/* route_sync.c - /api/background/sync/slave-to-prod: who may call it, and
 * how a sync's outcome becomes an HTTP answer. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin_auth.h"
#include "alerts.h"
#include "engines.h"
#include "heartbeat.h"
#include "log.h"
#include "qstash_verify.h"
#include "routes.h"

enum caller { CALLER_NONE, CALLER_QSTASH, CALLER_ADMIN };

/* Decides who calls; on refusal fills res with 401 and returns NONE. */
static enum caller authorize(const struct route_ctx *ctx,
                             const struct http_request *req,
                             struct http_response *res)
{
	const struct config *cfg = ctx->cfg;
	const char *sig = http_header(req, "Upstash-Signature");
	if (sig && strcmp(req->method, "POST") == 0) {
		/* A set but malformed APP_URL must not quietly turn the sub
		 * check off: fail closed until it is fixed. */
		if (cfg->app_url_var && !cfg->app_url) {
			log_line(req->request_id, FN_ERROR, "QStash delivery refused",
			         "reason", FN_STR("APP_URL is malformed; see the start-up log"),
			         NULL);
			http_reply_error(res, 401, "%s on this function is malformed, so "
			                 "deliveries cannot be checked against it",
			                 cfg->app_url_var);
			return CALLER_NONE;
		}
		if (!cfg->current_key && !cfg->next_key) {
			log_line(req->request_id, FN_ERROR, "QStash delivery refused",
			         "reason", FN_STR("no signing keys configured: set "
			                          "QSTASH_CURRENT_SIGNING_KEY and "
			                          "QSTASH_NEXT_SIGNING_KEY"), NULL);
			http_reply_error(res, 401,
			                 "QStash signing keys are not configured on this function "
			                 "(QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY)");
			return CALLER_NONE;
		}
		struct qstash_verify_opts o = {
			.current_key = cfg->current_key,
			.next_key = cfg->next_key,
			.expected_sub = cfg->app_url ? cfg->destination : NULL,
			.tolerance_s = cfg->clock_tolerance_s,
			.now = time(NULL),
		};
		char why[256];
		if (qstash_verify(&o, sig, strlen(sig), req->body, req->body_len, why,
		                  sizeof why) != 0) {
			log_line(req->request_id, FN_WARN, "QStash signature rejected",
			         "reason", FN_STR(why), "message_id",
			         FN_STR(http_header(req, "Upstash-Message-Id")), NULL);
			http_reply_error(res, 401, "invalid Upstash-Signature: %s", why);
			return CALLER_NONE;
		}
		return CALLER_QSTASH;
	}
	int admin = admin_auth_ok(cfg->admin_token, http_header(req, "Authorization"));
	const char *manual = http_header(req, "x-manual-trigger");
	int manual_ok = strcmp(req->method, "GET") == 0 ||
	                (manual && strcasecmp(manual, "true") == 0);
	if (admin && manual_ok)
		return CALLER_ADMIN;
	if (!cfg->admin_token)
		http_reply_error(res, 401, "missing Upstash-Signature, and manual triggers are "
		                           "off (SYNC_ADMIN_TOKEN is not set)");
	else if (!admin)
		http_reply_error(res, 401, "missing Upstash-Signature or a valid "
		                           "Authorization: Bearer <SYNC_ADMIN_TOKEN>");
	else
		http_reply_error(res, 401, "a manual POST needs the header x-manual-trigger: true");
	return CALLER_NONE;
}

/* Maps an outcome to its HTTP status (README.md, "Responses"). */
static int status_for(enum sync_status st, enum caller who,
                      struct http_response *res)
{
	switch (st) {
	case SYNC_OK:
	case SYNC_DEDUPLICATED:
		return 200;
	case SYNC_BUSY:
		/* A delivery is done only when its sync committed: QStash
		 * must come back once the running one is done. */
		return who == CALLER_QSTASH ? 503 : 409;
	case SYNC_CONFIG:
	case SYNC_GUARD:
		if (who != CALLER_QSTASH)
			return 500;
		http_add_header(res, "Upstash-NonRetryable-Error", "true");
		return 489;
	case SYNC_UNREACHABLE:
	case SYNC_CANCELLED:
		return 503;
	case SYNC_FAILED:
		return 500;
	}
	return 500;
}

/* Retry-After for a 503: the engine's estimate for a busy target, else
 * a pause long enough for a database or an instance to come back. */
static void retry_after(struct http_response *res, const cJSON *result,
                        const struct config *cfg)
{
	if (res->status != 503)
		return;
	const cJSON *ra = cJSON_GetObjectItemCaseSensitive(result, "retry_after");
	int s = cJSON_IsNumber(ra) ? ra->valueint : cfg->shutdown_grace_s;
	http_set_retry_after(res, s < 5 ? 5 : s > 900 ? 900 : s);
}

static void run(const struct route_ctx *ctx, const struct http_request *req,
                struct http_response *res, enum caller who)
{
	char err[1024] = "";
	sync_run_fn *sync = engines_sync_run(err, sizeof err);
	if (!sync) {
		log_line(req->request_id, FN_ERROR, "Sync engine unavailable", "error",
		         FN_STR(err), NULL);
		http_reply_error(res, 500, "%s", err);
		return;
	}
	struct sync_settings settings;
	config_sync_settings(ctx->cfg, &settings);
	struct sync_request sreq = {
		.type = who == CALLER_QSTASH ? "scheduled" : "manual",
		.message_id = who == CALLER_QSTASH ? http_header(req, "Upstash-Message-Id")
		                                   : NULL,
		.cancel = ctx->cancel,
		.instance = ctx->cfg->instance,
	};
	struct fn_logger lg = log_fn_logger(req->request_id);
	cJSON *result = NULL;
	enum sync_status st = sync(&settings, &sreq, &lg, &result, err, sizeof err);
	int code = status_for(st, who, res);
	if (!result)
		http_reply_error(res, code, "%s", *err ? err : "out of memory");
	else
		http_reply(res, code, result);
	retry_after(res, res->body, ctx->cfg);
	if (st == SYNC_OK)
		alerts_post_skipped(ctx->cfg, req->request_id, res->body);
	heartbeat_arm(res, ctx->cfg, st);
}

int route_sync_retry_after(const struct route_ctx *ctx)
{
	char err[512];
	sync_retry_after_fn *estimate = engines_sync_retry_after(err, sizeof err);
	if (!estimate || !ctx->cfg->target_url)
		return 30;
	struct sync_settings settings;
	config_sync_settings(ctx->cfg, &settings);
	return estimate(&settings);
}

void route_sync(const struct route_ctx *ctx, const struct http_request *req,
                struct http_response *res)
{
	enum caller who = authorize(ctx, req, res);
	if (who == CALLER_NONE || !http_admit(req, res))
		return;
	if (who == CALLER_QSTASH) {
		const char *retried = http_header(req, "Upstash-Retried");
		log_line(req->request_id, FN_INFO, "QStash delivery verified",
		         "message_id", FN_STR(http_header(req, "Upstash-Message-Id")),
		         "retried", FN_STR(retried ? retried : "0"), "schedule_id",
		         FN_STR(http_header(req, "Upstash-Schedule-Id")), NULL);
	}
	if (!ctx->cfg->target_url) {
		log_line(req->request_id, FN_ERROR, "Sync not configured", "missing",
		         FN_STR("TARGET_DATABASE_URL"), NULL);
		http_reply_error(res, 503, "sync not configured: TARGET_DATABASE_URL is not set");
		http_set_retry_after(res, 60);
		return;
	}
	/* A malformed database URL is refused before anything connects:
	 * libpq's errors would print the parts of it that it misread. */
	char problem[CONFIG_PROBLEM_LEN + 64];
	if (config_check(ctx->cfg, NEED_SYNC, NULL, problem, sizeof problem) > 0) {
		problem[strcspn(problem, "\n")] = '\0';
		log_line(req->request_id, FN_ERROR, "Sync not configured", "error",
		         FN_STR(problem), NULL);
		http_reply_error(res, status_for(SYNC_CONFIG, who, res),
		                 "sync not configured: %s", problem);
		return;
	}
	run(ctx, req, res, who);
}
