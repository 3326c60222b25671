/* routes.h - which code answers which method and path.
 *
 * routes_dispatch() always fills res: a route's answer, 404 for an
 * unknown path, 405 (with Allow) for a known path and the wrong method.
 */
#ifndef SYNCFN_ROUTES_H
#define SYNCFN_ROUTES_H

#include <stdatomic.h>

#include "config.h"
#include "http.h"

/* What a route may use besides the request. */
struct route_ctx {
	const struct config *cfg;
	/* Raised when the process must stop: a running sync cancels. */
	const atomic_int *cancel;
};

/* 1 when a request for this path is an invocation (a sync or schedule
 * call) for --once and --idle-exit; /healthz, the
 * status route and unknown paths are not. */
int routes_is_invocation(const char *path);

void routes_dispatch(const struct route_ctx *ctx,
                     const struct http_request *req,
                     struct http_response *res);

/* The routes, each in its own file. */
void route_sync(const struct route_ctx *ctx, const struct http_request *req,
                struct http_response *res);
/* Retry-After seconds for a delivery refused while this instance's own
 * sync runs (a --once instance): the run log's estimate, 30 if unknown. */
int route_sync_retry_after(const struct route_ctx *ctx);
/* QStash's failure callback (POST /api/background/sync/failure). */
void route_failure(const struct route_ctx *ctx, const struct http_request *req,
                   struct http_response *res);
void route_schedule(const struct route_ctx *ctx,
                    const struct http_request *req, struct http_response *res);
void route_status(const struct route_ctx *ctx, const struct http_request *req,
                  struct http_response *res);
/* GET /api/background/sync/health?max_age=7h, for uptime monitors. */
void route_health(const struct route_ctx *ctx, const struct http_request *req,
                  struct http_response *res);
/* The read-only routes' gate (status, health): 1 when the caller holds
 * the admin or the monitor token and the target is configured, else 0
 * with res filled (401, or 503 when not configured). */
int route_monitor_ready(const struct route_ctx *ctx,
                        const struct http_request *req,
                        struct http_response *res);

#endif
