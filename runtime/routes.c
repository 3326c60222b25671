/* routes.c - the route table (see routes.h and README.md's "Calling it
 * over HTTP"). */
#include "routes.h"

#include <cjson/cJSON.h>
#include <string.h>

static void route_healthz(const struct route_ctx *ctx,
                         const struct http_request *req,
                         struct http_response *res)
{
	(void)ctx;
	(void)req;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ok");
	http_reply(res, 200, o);
}

typedef void route_fn(const struct route_ctx *, const struct http_request *,
                      struct http_response *);

static const struct route {
	const char *path;
	const char *allow; /* methods, as in an Allow header */
	int invocation;
	route_fn *fn;
} routes[] = {
	{ "/healthz", "GET, HEAD", 0, route_healthz },
	{ SYNC_ROUTE, "GET, POST", 1, route_sync },
	{ SCHEDULE_ROUTE, "GET, POST", 1, route_schedule },
	{ STATUS_ROUTE, "GET", 0, route_status },
	{ FAILURE_ROUTE, "POST", 1, route_failure },
	{ HEALTH_ROUTE, "GET", 0, route_health },
};

static const struct route *find(const char *path)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (strcmp(routes[i].path, path) == 0)
			return &routes[i];
	return NULL;
}

static int method_allowed(const char *allow, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = allow; (p = strstr(p, method)) != NULL; p += n)
		if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int routes_is_invocation(const char *path)
{
	const struct route *r = find(path);
	return r && r->invocation;
}

void routes_dispatch(const struct route_ctx *ctx,
                     const struct http_request *req,
                     struct http_response *res)
{
	const struct route *r = find(req->path);
	/* Never echo the path or the method: an answer quoting request input
	 * (even redacted) lets anyone test guesses of a secret. */
	if (!r) {
		http_reply_error(res, 404, "no such route; see the routes in the README");
		return;
	}
	if (!method_allowed(r->allow, req->method)) {
		http_reply_error(res, 405, "%s answers %s only", r->path, r->allow);
		http_add_header(res, "Allow", r->allow);
		return;
	}
	r->fn(ctx, req, res);
}
