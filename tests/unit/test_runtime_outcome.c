/* The status table, the envelope, and "not configured" on every route. */
#include <cjson/cJSON.h>
#include <string.h>
#include <strings.h>

#include "harness.h"
#include "invoke.h"
#include "outcome.h"
#include "route_call.h"
#include "routes.h"

/* README.md, "Responses" and "Commands", row by row. */
TEST(sync_statuses_map_as_documented)
{
	static const struct {
		enum sync_status st;
		int person, qstash, exit, retry_qstash, non_retryable, ping;
	} rows[] = {
		{ SYNC_OK, 200, 200, 0, RETRY_NONE, 0, 1 },
		{ SYNC_DEDUPLICATED, 200, 200, 0, RETRY_NONE, 0, 0 },
		{ SYNC_BUSY, 409, 503, 3, RETRY_ESTIMATE, 0, 0 },
		{ SYNC_CONFIG, 500, 489, 2, RETRY_NONE, 1, -1 },
		{ SYNC_GUARD, 500, 489, 2, RETRY_NONE, 1, -1 },
		{ SYNC_FAILED, 500, 500, 1, RETRY_NONE, 0, -1 },
		{ SYNC_UNREACHABLE, 503, 503, 1, RETRY_GRACE, 0, -1 },
		{ SYNC_CANCELLED, 503, 503, 1, RETRY_GRACE, 0, 0 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct outcome p = outcome_of_sync(rows[i].st, OUTCOME_PERSON);
		struct outcome q = outcome_of_sync(rows[i].st, OUTCOME_QSTASH);
		CHECK_INT(p.http, rows[i].person);
		CHECK_INT(q.http, rows[i].qstash);
		CHECK_INT(p.exit, rows[i].exit);
		CHECK_INT(q.exit, rows[i].exit);
		CHECK_INT(q.retry, rows[i].retry_qstash);
		CHECK_INT(q.non_retryable, rows[i].non_retryable);
		CHECK_INT(p.ping, rows[i].ping);
		CHECK_INT(q.ping, rows[i].ping);
		/* a person is never told to stop retrying, nor to wait for a
		 * sync that is not theirs */
		CHECK_INT(p.non_retryable, 0);
		if (p.http != 503)
			CHECK_INT(p.retry, RETRY_NONE);
		/* every 503 says when to come back */
		if (q.http == 503)
			CHECK(q.retry != RETRY_NONE);
	}
	/* a status from a mismatched engine is never a success */
	CHECK_INT(outcome_of_sync((enum sync_status)99, OUTCOME_QSTASH).http, 500);
	CHECK_INT(outcome_of_sync((enum sync_status)-1, OUTCOME_PERSON).exit, 1);
}

TEST(schedule_statuses_and_runtime_outcomes)
{
	CHECK_INT(outcome_of_schedule(SCHEDULE_OK).http, 200);
	CHECK_INT(outcome_of_schedule(SCHEDULE_OK).exit, 0);
	CHECK_INT(outcome_of_schedule(SCHEDULE_BAD_REQUEST).http, 400);
	CHECK_INT(outcome_of_schedule(SCHEDULE_BAD_REQUEST).exit, 2);
	CHECK_INT(outcome_of_schedule(SCHEDULE_REFUSED).http, 502);
	CHECK_INT(outcome_of_schedule(SCHEDULE_REFUSED).exit, 1);
	CHECK_INT(outcome_of_schedule(SCHEDULE_UNREACHABLE).http, 502);
	CHECK_INT(outcome_of_schedule(SCHEDULE_UNREACHABLE).exit, 1);
	CHECK_INT(outcome_of_schedule((enum schedule_status)42).http, 500);
	struct outcome nc = outcome_not_configured();
	CHECK_INT(nc.http, 503);
	CHECK_INT(nc.exit, 2);
	CHECK_INT(nc.retry, RETRY_CONFIG);
	CHECK_INT(outcome_no_engine().http, 500);
	CHECK_INT(outcome_no_engine().exit, 1);
}

TEST(retry_after_is_bounded)
{
	CHECK_INT(outcome_retry_clamp(-3), 5);
	CHECK_INT(outcome_retry_clamp(0), 5);
	CHECK_INT(outcome_retry_clamp(5), 5);
	CHECK_INT(outcome_retry_clamp(61), 61);
	CHECK_INT(outcome_retry_clamp(900), 900);
	CHECK_INT(outcome_retry_clamp(86400), 900);
}

TEST(first_line_only)
{
	char out[16];
	outcome_first_line(out, sizeof out, "one\ntwo");
	CHECK_STR(out, "one");
	outcome_first_line(out, sizeof out, "cr\r\nlf");
	CHECK_STR(out, "cr");
	outcome_first_line(out, sizeof out, "a line longer than sixteen");
	CHECK_STR(out, "a line longer t");
	outcome_first_line(out, sizeof out, NULL);
	CHECK_STR(out, "");
}

static char *text(cJSON *o)
{
	char *t = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return t;
}

/* the key order of an answer, "success,error,timestamp" */
static void keys(const char *json, char *out, size_t outlen)
{
	cJSON *o = cJSON_Parse(json), *k;
	out[0] = '\0';
	cJSON_ArrayForEach(k, o) {
		size_t n = strlen(out);
		snprintf(out + n, outlen - n, "%s%s", n ? "," : "", k->string);
	}
	cJSON_Delete(o);
}

TEST(envelope_shapes)
{
	char order[256];
	char *t = text(outcome_envelope("no \"way\"", NULL));
	keys(t, order, sizeof order);
	CHECK_STR(order, "success,error,timestamp");
	CHECK_CONTAINS(t, "\"success\":false,\"error\":\"no \\\"way\\\"\"");
	cJSON_free(t);

	/* the seed's sync answer: message and timestamp first */
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "message", "done");
	cJSON_AddStringToObject(d, "type", "manual");
	cJSON_AddObjectToObject(d, "statistics");
	cJSON_AddNumberToObject(d, "run_id", 7);
	t = text(outcome_envelope(NULL, d));
	keys(t, order, sizeof order);
	CHECK_STR(order, "success,message,timestamp,type,statistics,run_id");
	cJSON_free(t);

	/* a failure with data: the data after the error, the time last */
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "message", "Failed to list");
	cJSON_AddObjectToObject(d, "details");
	cJSON_AddBoolToObject(d, "success", 1); /* never wins */
	t = text(outcome_envelope("refused", d));
	keys(t, order, sizeof order);
	CHECK_STR(order, "success,message,error,details,timestamp");
	CHECK_CONTAINS(t, "\"success\":false");
	cJSON_free(t);

	/* data without a message: the time last */
	d = cJSON_CreateObject();
	cJSON_AddArrayToObject(d, "runs");
	t = text(outcome_envelope(NULL, d));
	keys(t, order, sizeof order);
	CHECK_STR(order, "success,runs,timestamp");
	cJSON_free(t);

	char buf[64];
	CHECK_INT(outcome_envelope_text(buf, sizeof buf, "out of memory"),
	          (int)strlen("{\"success\":false,\"error\":\"out of memory\"}"));
	CHECK_STR(buf, "{\"success\":false,\"error\":\"out of memory\"}");
}

static const char *const *env;

static const char *fake_env(const char *name)
{
	for (const char *const *e = env; e && *e; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

static int call(const struct config *cfg, const char *method, const char *path,
                const char *body, char *out, size_t outlen, char *retry,
                size_t retrylen)
{
	static const char *const admin[] = { "Authorization", "Bearer admin-token-0123456789",
	                                     "x-manual-trigger", "true", NULL };
	return route_call(cfg, method, path, admin, body, out, outlen, retry,
	                  retrylen);
}

/* Every route a person calls answers an unset or malformed configuration
 * the same: 503, Retry-After, "<what> not configured: ...". The sync route
 * alone answers a malformed one as a sync that can never succeed as
 * configured (500 to a person, 489 to QStash). */
TEST(not_configured_is_503_on_every_route)
{
	static const struct { const char *method, *path, *body, *what; } routes[] = {
		{ "POST", SYNC_ROUTE, NULL, "sync not configured: " },
		{ "GET", STATUS_ROUTE, NULL, "sync not configured: " },
		{ "GET", HEALTH_ROUTE, NULL, "sync not configured: " },
		{ "POST", SCHEDULE_ROUTE, "{\"action\":\"list\"}", "schedule not configured: " },
		{ "GET", SCHEDULE_ROUTE, NULL, "schedule not configured: " },
	};
	static const char *const unset[] = {
		"SYNC_ADMIN_TOKEN", "admin-token-0123456789", NULL };
	static struct config cfg;
	env = unset;
	config_load(&cfg, fake_env, 0);
	char out[1024], retry[16];
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		CHECK_INT(call(&cfg, routes[i].method, routes[i].path, routes[i].body,
		               out, sizeof out, retry, sizeof retry), 503);
		CHECK_CONTAINS(out, routes[i].what);
		CHECK_STR(retry, "60");
	}
	call(&cfg, "POST", SYNC_ROUTE, NULL, out, sizeof out, retry, sizeof retry);
	CHECK_CONTAINS(out, "\"sync not configured: TARGET_DATABASE_URL is not set\"");
	config_free(&cfg);

	/* a password libpq would misread: malformed, not missing */
	static const char *const malformed[] = {
		"SYNC_ADMIN_TOKEN", "admin-token-0123456789",
		"TARGET_DATABASE_URL", "postgresql://u:p@ss@host/db",
		"QSTASH_TOKEN", "tok", "APP_URL", "not a url", NULL };
	env = malformed;
	config_load(&cfg, fake_env, 0);
	for (size_t i = 1; i < sizeof routes / sizeof routes[0]; i++) {
		CHECK_INT(call(&cfg, routes[i].method, routes[i].path, routes[i].body,
		               out, sizeof out, retry, sizeof retry), 503);
		CHECK_CONTAINS(out, routes[i].what);
		CHECK(strchr(out, '\n') == NULL);
		CHECK_STR(retry, "60");
	}
	CHECK_INT(call(&cfg, "POST", SYNC_ROUTE, NULL, out, sizeof out, retry,
	               sizeof retry), 500);
	CHECK_CONTAINS(out, "sync not configured: TARGET_DATABASE_URL");
	CHECK_STR(retry, "");
	config_free(&cfg);
}

/* A command says every problem, one a line, and exits 2. */
TEST(not_configured_command)
{
	static const char *const none[] = { NULL };
	static struct config cfg;
	env = none;
	config_load(&cfg, fake_env, 0);
	struct invocation iv = { .cfg = &cfg, .command = "schedule" };
	CHECK_INT(invoke_ready(&iv, NEED_SCHEDULE, "schedule"), 0);
	CHECK_INT(iv.stage, INVOKE_NOT_CONFIGURED);
	CHECK_INT(iv.outcome.exit, 2);
	CHECK_CONTAINS(iv.err, "syncfn schedule: QSTASH_TOKEN is not set");
	CHECK_CONTAINS(iv.err, "\nsyncfn schedule: APP_URL is not set");
	cJSON_Delete(iv.answer);
	config_free(&cfg);
}

TEST_MAIN(CASE(sync_statuses_map_as_documented)
          CASE(schedule_statuses_and_runtime_outcomes)
          CASE(retry_after_is_bounded) CASE(first_line_only)
          CASE(envelope_shapes) CASE(not_configured_is_503_on_every_route)
          CASE(not_configured_command))
