/* route_status.c - GET /api/background/sync/status: a summary and the
 * latest runs; admin or monitor token. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "admin_auth.h"
#include "invoke.h"
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
	struct invocation iv = { .cfg = cfg, .request_id = req->request_id };
	if (invoke_ready(&iv, NEED_SYNC, "sync"))
		return 1;
	invoke_reply(&iv, res);
	return 0;
}

void route_status(const struct route_ctx *ctx, const struct http_request *req,
                  struct http_response *res)
{
	if (!route_monitor_ready(ctx, req, res))
		return;
	struct invocation iv = { .cfg = ctx->cfg, .request_id = req->request_id };
	invoke_sync_runs(&iv, limit_from_query(req->query));
	invoke_reply(&iv, res);
}
