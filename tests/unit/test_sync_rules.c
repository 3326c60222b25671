/* test_sync_rules.c - SYNC_RULES parsed into struct sync_rules, every
 * problem said with its path, and the filter's checks without a server. */
#include <cjson/cJSON.h>

#include "config_rules.h"
#include "harness.h"
#include "sync_rules.h"

struct said {
	int n;
	char all[4096];
};

static void collect(void *ctx, const char *problem)
{
	struct said *s = ctx;
	size_t len = strlen(s->all);
	snprintf(s->all + len, sizeof s->all - len, "%s\n", problem);
	s->n++;
}

TEST(every_rule_parsed)
{
	struct said s = { 0 };
	struct sync_rules r;
	int n = config_rules_load(
		"{\"public.orders\": {\"where\": \"tenant <> 0\", "
		"\"exclude_columns\": [\"a\", \"b\"], \"mode\": \"insert_only\", "
		"\"delete\": {\"max_rows\": 5, \"cascade\": true}, "
		"\"triggers\": \"skip\"}, \"t\": {\"delete\": true}, \"u\": {}}",
		&r, collect, &s);
	CHECK_INT(n, 0);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.rule[0].table, "public.orders");
	CHECK_STR(r.rule[0].where, "tenant <> 0");
	CHECK_INT(r.rule[0].nexclude, 2);
	CHECK_STR(r.rule[0].exclude[1], "b");
	CHECK_INT(r.rule[0].insert_only, 1);
	CHECK_INT(r.rule[0].delete_rows, 1);
	CHECK_INT((int)r.rule[0].max_rows, 5);
	CHECK(r.rule[0].max_percent < 0); /* a row limit alone */
	CHECK_INT(r.rule[0].cascade, 1);
	CHECK_INT(r.rule[0].skip_triggers, 1);
	CHECK_INT(r.rule[1].delete_rows, 1);
	CHECK(r.rule[1].max_percent == SYNC_RULES_DEFAULT_PERCENT);
	CHECK(r.rule[1].max_rows < 0);
	CHECK_INT(r.rule[2].delete_rows, 0);
	CHECK(r.rule[2].where == NULL);
	CHECK_INT((int)strlen(r.hash), 16);
	sync_rules_free(&r);
}

TEST(every_problem_at_once)
{
	struct said s = { 0 };
	struct sync_rules r;
	int n = config_rules_load(
		"{\"a\": {\"mode\": 1, \"delete\": {\"max_percent\": -1}, "
		"\"x\": 2}, \"b\": [], \"\": {}}", &r, collect, &s);
	CHECK_INT(n, 5);
	CHECK_INT(r.n, 0);
	CHECK_CONTAINS(s.all, "SYNC_RULES[\"a\"].mode: expected \"upsert\" or \"insert_only\"");
	CHECK_CONTAINS(s.all, "SYNC_RULES[\"a\"].delete.max_percent: expected a number from 0 to 100");
	CHECK_CONTAINS(s.all, "SYNC_RULES[\"a\"]: unknown key \"x\"");
	CHECK_CONTAINS(s.all, "SYNC_RULES[\"b\"]: expected an object");
	CHECK_CONTAINS(s.all, "SYNC_RULES[\"\"]: expected a table name");
}

TEST(bad_text_and_files)
{
	struct said s = { 0 };
	struct sync_rules r;
	CHECK_INT(config_rules_load(NULL, &r, collect, &s), 0);
	CHECK_INT(config_rules_load("", &r, collect, &s), 0);
	CHECK_INT(config_rules_load("{", &r, collect, &s), 1);
	CHECK_INT(config_rules_load("@/nonexistent/rules.json", &r, collect, &s), 1);
	CHECK_INT(config_rules_load("[[[[[[[[[[]]]]]]]]]]", &r, collect, &s), 1);
	CHECK_CONTAINS(s.all, "SYNC_RULES is not valid JSON");
	CHECK_CONTAINS(s.all, "SYNC_RULES=@/nonexistent/rules.json: cannot open the file");
	CHECK_CONTAINS(s.all, "SYNC_RULES nests deeper than 8 levels");
}

TEST(filters_checked_without_a_server)
{
	CHECK(sync_rules_where_problem("a = 1 AND (b <> 'x;y' OR c IS NULL)") == NULL);
	CHECK(sync_rules_where_problem("\"select\" = 'it''s -- fine'") == NULL);
	CHECK(sync_rules_where_problem("note = E'a\\'; b'") == NULL);
	CHECK(sync_rules_where_problem("selected > 0") == NULL);
	CHECK(sync_rules_where_problem("a; DROP TABLE t") != NULL);
	CHECK(sync_rules_where_problem("a) OR (true") != NULL);
	CHECK(sync_rules_where_problem("(a") != NULL);
	CHECK(sync_rules_where_problem("a -- b") != NULL);
	CHECK(sync_rules_where_problem("a /* b */") != NULL);
	CHECK(sync_rules_where_problem("a = $1") != NULL);
	CHECK(sync_rules_where_problem("a IN (SELECT 1)") != NULL);
	CHECK(sync_rules_where_problem("a = 'open") != NULL);
	CHECK(sync_rules_where_problem("   ") != NULL);
}

TEST(incremental_parsed)
{
	struct said s = { 0 };
	struct sync_rules r;
	int n = config_rules_load(
		"{\"a\": {\"incremental\": {\"column\": \"updated_at\", "
		"\"lookback\": \"1m\", \"full_every\": \"24h\"}}, "
		"\"b\": {\"incremental\": {\"column\": \"v\", \"lookback\": 7}}, "
		"\"c\": {}}", &r, collect, &s);
	CHECK_INT(n, 0);
	CHECK_STR(r.rule[0].incr_column, "updated_at");
	CHECK_INT((int)r.rule[0].incr_lookback, 60);
	CHECK_INT(r.rule[0].incr_lookback_number, 0);
	CHECK_INT((int)r.rule[0].incr_full_every, 86400);
	CHECK_INT((int)r.rule[1].incr_lookback, 7);
	CHECK_INT(r.rule[1].incr_lookback_number, 1);
	CHECK_INT((int)r.rule[1].incr_full_every, -1);
	CHECK(r.rule[2].incr_column == NULL);
	/* each rule's own text: its change is what forces a full run */
	CHECK_STR(r.rule[1].text, "{\"incremental\":{\"column\":\"v\",\"lookback\":7}}");
	sync_rules_free(&r);
	CHECK_INT((int)sync_rules_duration("0"), 0);
	CHECK_INT((int)sync_rules_duration("90s"), 90);
	CHECK_INT((int)sync_rules_duration("2h"), 7200);
	CHECK_INT((int)sync_rules_duration("7d"), 604800);
	CHECK_INT((int)sync_rules_duration("1"), -1);
	CHECK_INT((int)sync_rules_duration("1 m"), -1);
	CHECK_INT((int)sync_rules_duration("-1m"), -1);
	CHECK_INT((int)sync_rules_duration("m"), -1);
	CHECK_INT((int)sync_rules_duration("999999999999d"), -1);
}

TEST_MAIN(CASE(every_rule_parsed) CASE(incremental_parsed) CASE(every_problem_at_once) CASE(bad_text_and_files)
          CASE(filters_checked_without_a_server))
