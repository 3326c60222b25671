/* route_status.c - GET /api/background/sync/status: a summary and the
 * latest runs; admin or monitor token. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "admin_auth.h"
#include "engines.h"
#include "log.h"
#include "routes.h"

#define STATUS_MAX_LIMIT 500

static int limit_from_query(const char *query)
{
	const char *p = query ? strstr(query, "limit=") : NULL;
	if (!p || (p != query && p[-1] != '&'))
		return SYNC_RUNS_DEFAULT_LIMIT;
	long n = strtol(p + 6, NULL, 10);
	if (n < 1)
		return SYNC_RUNS_DEFAULT_LIMIT;
	return n > STATUS_MAX_LIMIT ? STATUS_MAX_LIMIT : (int)n;
}

int route_monitor_ready(const struct route_ctx *ctx,
                        const struct http_request *req,
                        struct http_response *res)
{
	const struct config *cfg = ctx->cfg;
	if (!monitor_auth_ok(cfg->admin_token, cfg->monitor_token,
	                     http_header(req, "Authorization"))) {
		http_reply_error(res, 401, "this route needs Authorization: Bearer "
		                 "<SYNC_ADMIN_TOKEN> or <SYNC_MONITOR_TOKEN>");
		return 0;
	}
	if (!cfg->target_url) {
		http_reply_error(res, 503, "sync not configured: TARGET_DATABASE_URL is not set");
		return 0;
	}
	char err[1024] = "";
	if (config_check(cfg, NEED_SYNC, NULL, err, sizeof err) > 0) {
		err[strcspn(err, "\n")] = '\0';
		http_reply_error(res, 500, "sync not configured: %s", err);
		return 0;
	}
	return 1;
}

void route_status(const struct route_ctx *ctx, const struct http_request *req,
                  struct http_response *res)
{
	if (!route_monitor_ready(ctx, req, res))
		return;
	char err[1024] = "";
	sync_runs_fn *status = engines_sync_runs(err, sizeof err);
	if (!status) {
		http_reply_error(res, 500, "%s", err);
		return;
	}
	struct sync_settings settings;
	config_sync_settings(ctx->cfg, &settings);
	struct fn_logger lg = log_fn_logger(req->request_id);
	cJSON *result = NULL;
	enum sync_status st = status(&settings, limit_from_query(req->query), &lg,
	                             &result, err, sizeof err);
	int code = st == SYNC_OK ? 200 : st == SYNC_UNREACHABLE ? 503 : 500;
	if (result)
		http_reply(res, code, result);
	else
		http_reply_error(res, code, "%s", *err ? err : "out of memory");
}
