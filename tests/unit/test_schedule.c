/* test_schedule.c - the schedule client without a QStash: input checks,
 * the 429 wait computation, and an unreachable QStash (a closed port). */
#include <cjson/cJSON.h>
#include <time.h>

#include "harness.h"
#include "schedule.h"
#include "schedule_http.h"

#define TOKEN "tok-UNIT-secret-123"

struct captured {
	char text[8192];
	size_t len;
	int retries;
};

static void capture(void *ctx, enum fn_level level, const char *event,
                    const struct cJSON *fields)
{
	struct captured *c = ctx;
	char *f = cJSON_PrintUnformatted(fields);
	(void)level;
	if (strcmp(event, "Retrying QStash call") == 0)
		c->retries++;
	c->len += (size_t)snprintf(c->text + c->len, sizeof c->text - c->len,
	                           "%s %s\n", event, f ? f : "");
	if (c->len >= sizeof c->text)
		c->len = sizeof c->text - 1;
	free(f);
}

static struct schedule_settings settings(void)
{
	struct schedule_settings s = {
		.qstash_url = "http://127.0.0.1:1",
		.token = TOKEN,
		.destination = "https://app.example.test/api/background/sync/slave-to-prod",
		.cron = "0 */6 * * *",
		.retries = 2,
		.timeout = "30s",
		.schedule_id = "slave-to-prod-sync",
		.user_agent = "syncfn/test",
		.connect_timeout_ms = 1000,
		.total_timeout_ms = 5000,
		.max_attempts = 2,
	};
	return s;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

TEST(retry_wait_from_headers)
{
	CHECK_INT(schedule_http_retry_wait_ms("3", NULL, 1000), 3000);
	CHECK_INT(schedule_http_retry_wait_ms("0", NULL, 1000), 0);
	CHECK_INT(schedule_http_retry_wait_ms(NULL, "1002", 1000), 2000);
	CHECK_INT(schedule_http_retry_wait_ms("", "999", 1000), 0);
	CHECK_INT(schedule_http_retry_wait_ms(NULL, NULL, 1000), -1);
	CHECK_INT(schedule_http_retry_wait_ms("soon", "x", 1000), -1);
	/* An HTTP date: Sun, 06 Nov 1994 08:49:37 GMT is 784111777. */
	CHECK_INT(schedule_http_retry_wait_ms("Sun, 06 Nov 1994 08:49:37 GMT",
	                                      NULL, 784111770),
	          7000);
}

TEST(bad_requests_never_reach_the_network)
{
	struct schedule_settings s = settings();
	char err[512];
	cJSON *r = NULL;
	CHECK_INT(schedule_run(&s, SCHEDULE_PAUSE, NULL, NULL, &r, err, sizeof err),
	          SCHEDULE_BAD_REQUEST);
	CHECK_CONTAINS(err, "needs a scheduleId");
	/* the engine's data only: the runtime puts it in the envelope */
	CHECK_STR(str(r, "message"), "Failed to pause the schedule");
	CHECK(cJSON_GetObjectItem(r, "success") == NULL);
	cJSON_Delete(r);

	CHECK_INT(schedule_run(&s, SCHEDULE_DELETE, "../v2/keys", NULL, &r, err,
	                       sizeof err),
	          SCHEDULE_BAD_REQUEST);
	CHECK_CONTAINS(err, "scheduleId may hold only");
	cJSON_Delete(r);

	s.cron = "0 * * * *\r\nX-Evil: 1";
	CHECK_INT(schedule_run(&s, SCHEDULE_CREATE, NULL, NULL, &r, err, sizeof err),
	          SCHEDULE_BAD_REQUEST);
	CHECK_CONTAINS(err, "SYNC_CRON");
	cJSON_Delete(r);

	s = settings();
	s.token = "";
	CHECK_INT(schedule_run(&s, SCHEDULE_LIST, NULL, NULL, &r, err, sizeof err),
	          SCHEDULE_BAD_REQUEST);
	CHECK_CONTAINS(err, "QSTASH_TOKEN");
	cJSON_Delete(r);

	s = settings();
	s.destination = "";
	CHECK_INT(schedule_run(&s, SCHEDULE_TRIGGER, NULL, NULL, &r, err, sizeof err),
	          SCHEDULE_BAD_REQUEST);
	CHECK_CONTAINS(err, "APP_URL");
	cJSON_Delete(r);

	s = settings();
	s.qstash_url = "ftp://qstash.example";
	CHECK_INT(schedule_run(&s, SCHEDULE_LIST, NULL, NULL, &r, err, sizeof err),
	          SCHEDULE_BAD_REQUEST);
	CHECK_CONTAINS(err, "QSTASH_URL");
	cJSON_Delete(r);
}

TEST(closed_port_is_unreachable_and_retried)
{
	struct schedule_settings s = settings();
	struct captured c = { .len = 0 };
	struct fn_logger lg = { capture, &c };
	char err[512];
	cJSON *r = NULL;
	CHECK_INT(schedule_run(&s, SCHEDULE_LIST, NULL, &lg, &r, err, sizeof err),
	          SCHEDULE_UNREACHABLE);
	CHECK_CONTAINS(err, "cannot reach QStash at http://127.0.0.1:1");
	CHECK_CONTAINS(err, "check QSTASH_URL and the network");
	CHECK_CONTAINS(err, "2 attempts");
	CHECK_INT(c.retries, 1);
	CHECK_STR(str(r, "message"), "Failed to list the schedules");
	CHECK(cJSON_GetObjectItem(r, "details") == NULL);
	CHECK(strstr(c.text, TOKEN) == NULL);
	char *all = cJSON_PrintUnformatted(r);
	CHECK(all && strstr(all, TOKEN) == NULL);
	free(all);
	cJSON_Delete(r);
}

TEST(names_round_trip)
{
	for (int a = SCHEDULE_CREATE; a <= SCHEDULE_KEYS; a++)
		CHECK_INT(schedule_action_parse(schedule_action_name(a)), a);
	CHECK_INT(schedule_action_parse("trigger-manual"), SCHEDULE_TRIGGER);
	CHECK_INT(schedule_action_parse("explode"), -1);
}

TEST_MAIN(CASE(retry_wait_from_headers) CASE(bad_requests_never_reach_the_network)
          CASE(closed_port_is_unreachable_and_retried) CASE(names_round_trip))
