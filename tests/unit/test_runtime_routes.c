/* Routing and admin auth, without a socket. */
#include <cjson/cJSON.h>
#include <string.h>
#include <strings.h>

#include "admin_auth.h"
#include "secret_equal.h"
#include "harness.h"
#include "route_call.h"
#include "routes.h"

static int call(const struct config *cfg, const char *method, const char *path,
                const char *const *hdrs, const char *body, char *out, size_t outlen)
{
	return route_call(cfg, method, path, hdrs, body, out, outlen, NULL, 0);
}

TEST(health_unknown_and_wrong_method)
{
	static struct config cfg;
	char out[1024];
	CHECK_INT(call(&cfg, "GET", "/healthz", NULL, NULL, out, sizeof out), 200);
	CHECK_STR(out, "{\"status\":\"ok\"}");
	CHECK_INT(call(&cfg, "GET", "/nope", NULL, NULL, out, sizeof out), 404);
	CHECK_CONTAINS(out, "\"success\":false");
	CHECK_INT(call(&cfg, "PUT", SYNC_ROUTE, NULL, NULL, out, sizeof out), 405);
	CHECK_INT(call(&cfg, "POST", STATUS_ROUTE, NULL, NULL, out, sizeof out), 405);
	CHECK(routes_is_invocation(SYNC_ROUTE));
	CHECK(!routes_is_invocation("/healthz"));
}

TEST(admin_routes_need_the_token)
{
	static struct config cfg;
	char out[1024];
	CHECK_INT(call(&cfg, "GET", SYNC_ROUTE, NULL, NULL, out, sizeof out), 401);
	CHECK_CONTAINS(out, "SYNC_ADMIN_TOKEN is not set");
	cfg.admin_token = "secret-token";
	static const char *const wrong[] = { "Authorization", "Bearer secret-tokeN", NULL };
	CHECK_INT(call(&cfg, "GET", SCHEDULE_ROUTE, wrong, NULL, out, sizeof out), 401);
	CHECK(strstr(out, "secret-token") == NULL);
	static const char *const no_manual[] = { "Authorization", "Bearer secret-token", NULL };
	CHECK_INT(call(&cfg, "POST", SYNC_ROUTE, no_manual, NULL, out, sizeof out), 401);
	CHECK_CONTAINS(out, "x-manual-trigger: true");
	static const char *const ok[] = { "authorization", "bearer secret-token",
	                                  "X-Manual-Trigger", "true", NULL };
	CHECK_INT(call(&cfg, "POST", SYNC_ROUTE, ok, NULL, out, sizeof out), 503);
	CHECK_CONTAINS(out, "sync not configured: TARGET_DATABASE_URL is not set");
}

TEST(schedule_body_is_checked)
{
	static struct config cfg;
	cfg.admin_token = "secret-token";
	static const char *const ok[] = { "Authorization", "Bearer secret-token", NULL };
	char out[1024];
	CHECK_INT(call(&cfg, "POST", SCHEDULE_ROUTE, ok, "{not json", out, sizeof out), 400);
	CHECK_CONTAINS(out, "JSON object");
	CHECK_INT(call(&cfg, "POST", SCHEDULE_ROUTE, ok, "{\"action\":\"explode\"}", out, sizeof out), 400);
	CHECK_CONTAINS(out, "unknown action \\\"explode\\\"");
	CHECK_INT(call(&cfg, "POST", SCHEDULE_ROUTE, ok, "{\"action\":\"pause\"}", out, sizeof out), 400);
	CHECK_CONTAINS(out, "pause needs \\\"scheduleId\\\"");
	CHECK_INT(call(&cfg, "POST", SCHEDULE_ROUTE, ok, "{\"action\":\"create\"}", out, sizeof out), 503);
	CHECK_CONTAINS(out, "schedule not configured: QSTASH_TOKEN is not set");
}

TEST(constant_time_equal)
{
	CHECK(secret_equal("abc", "abc"));
	CHECK(!secret_equal("abc", "abd"));
	CHECK(!secret_equal("abc", "ab"));
	CHECK(!secret_equal("abc", "abcd"));
	CHECK(!secret_equal("abc", ""));
	CHECK(!admin_auth_ok(NULL, "Bearer x"));
	CHECK(!admin_auth_ok("x", "Basic x"));
	CHECK(admin_auth_ok("x", "Bearer x"));
}

TEST_MAIN(CASE(health_unknown_and_wrong_method) CASE(admin_routes_need_the_token)
          CASE(schedule_body_is_checked) CASE(constant_time_equal))
