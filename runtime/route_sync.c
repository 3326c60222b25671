/* route_sync.c - /api/background/sync/slave-to-prod: who may call it, and
 * what its answer sets off (alerts, the heartbeat). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin_auth.h"
#include "alerts.h"
#include "engines.h"
#include "heartbeat.h"
#include "invoke.h"
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

static void run(const struct route_ctx *ctx, const struct http_request *req,
                struct http_response *res, enum caller who)
{
	struct sync_request sreq = {
		.type = who == CALLER_QSTASH ? "scheduled" : "manual",
		.message_id = who == CALLER_QSTASH ? http_header(req, "Upstash-Message-Id")
		                                   : NULL,
		.cancel = ctx->cancel,
		.instance = ctx->cfg->instance,
	};
	struct invocation iv = {
		.cfg = ctx->cfg,
		.request_id = req->request_id,
		.caller = who == CALLER_QSTASH ? OUTCOME_QSTASH : OUTCOME_PERSON,
	};
	invoke_sync_run(&iv, &sreq);
	if (iv.stage == INVOKE_NOT_CONFIGURED)
		log_line(req->request_id, FN_ERROR, "Sync not configured", "error",
		         FN_STR(iv.err), NULL);
	else if (iv.stage == INVOKE_NO_ENGINE)
		log_line(req->request_id, FN_ERROR, "Sync engine unavailable", "error",
		         FN_STR(iv.err), NULL);
	invoke_reply(&iv, res);
	if (iv.stage != INVOKE_RAN)
		return;
	if (iv.status == SYNC_OK)
		alerts_post_skipped(ctx->cfg, req->request_id, res->body);
	heartbeat_arm(res, ctx->cfg, (enum sync_status)iv.status);
}

int route_sync_retry_after(const struct route_ctx *ctx)
{
	char err[512];
	sync_retry_after_fn *estimate = engines_sync_retry_after(err, sizeof err);
	if (!estimate || !ctx->cfg->target_url)
		return 30;
	struct sync_settings settings;
	config_sync_settings(ctx->cfg, &settings);
	return outcome_retry_clamp(estimate(&settings));
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
	run(ctx, req, res, who);
}
