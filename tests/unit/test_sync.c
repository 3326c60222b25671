/* test_sync.c - the sync engine called directly, against the test server:
 * message-id deduplication, progress, the log events, cancel, the run log. */
#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sync.h"
#include "sync_buf.h"
#include "sync_names.h"

static char url_buf[4][512];

/* A URL for database name (TCP with the real password, as users give). */
static const char *url(int slot, const char *name)
{
	snprintf(url_buf[slot], sizeof url_buf[slot],
	         "postgresql://postgres:%s@127.0.0.1:%s/%s",
	         getenv("PGPASSWORD_TEST"), getenv("PGPORT"), name);
	return url_buf[slot];
}

static void exec_on(const char *db, const char *sql)
{
	PGconn *c = PQconnectdb(url(3, db));
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "connect %s: %s", db, PQerrorMessage(c));
		exit(1);
	}
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
	PQfinish(c);
}

static long long scalar(const char *db, const char *sql)
{
	PGconn *c = PQconnectdb(url(3, db));
	PGresult *r = PQexec(c, sql);
	long long v = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	PQfinish(c);
	return v;
}

static void fresh_db(const char *name)
{
	char sql[256];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
	exec_on("postgres", sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	exec_on("postgres", sql);
}

static struct sync_settings two_dbs(const char *src, const char *dst)
{
	fresh_db(src);
	fresh_db(dst);
	return (struct sync_settings){
		.source_url = url(0, src), .target_url = url(1, dst),
		.source_schema = "public", .target_schema = "public",
		.tables = "*", .exclude = "", .lock_timeout_ms = 10000,
		.connect_timeout_s = 10,
	};
}

static double num(const cJSON *o, const char *path1, const char *path2)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, path1);
	if (path2)
		v = cJSON_GetObjectItemCaseSensitive(v, path2);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

TEST(same_message_id_syncs_once)
{
	struct sync_settings s = two_dbs("sync_u_dedup_src", "sync_u_dedup_dst");
	exec_on("sync_u_dedup_src", "CREATE TABLE t (id int PRIMARY KEY, v text);"
	        "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
	exec_on("sync_u_dedup_dst", "CREATE TABLE t (id int PRIMARY KEY, v text)");
	struct sync_request req = { .type = "scheduled", .message_id = "msg_1" };
	char err[512];
	struct sync_result res;
	CHECK_INT(sync_run(&s, &req, NULL, &res, err, sizeof err), SYNC_OK);
	long long id = res.run_id;
	CHECK(id > 0);
	CHECK_INT(num(res.statistics, "inserted", NULL), 2);
	cJSON_Delete(res.statistics);

	/* a new source row: the repeated delivery must not sync it */
	exec_on("sync_u_dedup_src", "INSERT INTO t VALUES (3, 'c')");
	CHECK_INT(sync_run(&s, &req, NULL, &res, err, sizeof err),
	          SYNC_DEDUPLICATED);
	CHECK_INT(res.run_id, id);
	CHECK_INT(num(res.statistics, "inserted", NULL), 2);
	cJSON_Delete(res.statistics);
	CHECK_INT(scalar("sync_u_dedup_dst", "SELECT count(*) FROM t"), 2);

	struct sync_request other = { .type = "scheduled", .message_id = "msg_2" };
	CHECK_INT(sync_run(&s, &other, NULL, &res, err, sizeof err), SYNC_OK);
	CHECK_INT(num(res.statistics, "inserted", NULL), 1);
	cJSON_Delete(res.statistics);
	CHECK_INT(scalar("sync_u_dedup_dst", "SELECT count(*) FROM syncfn.runs "
	                 "WHERE status = 'ok'"), 2);
}

struct seen {
	int calls;
	long long last_rows, estimate;
	char events[2048];
};

static void on_progress(void *ctx, const char *table, long long rows,
                        long long estimate)
{
	struct seen *s = ctx;
	s->calls++;
	s->last_rows = rows;
	s->estimate = estimate;
	(void)table;
}

static void on_log(void *ctx, enum fn_level level, const char *event,
                   const cJSON *fields)
{
	struct seen *s = ctx;
	(void)level;
	size_t n = strlen(s->events);
	snprintf(s->events + n, sizeof s->events - n, "%s;", event);
	if (strcmp(event, "Sync completed") == 0)
		CHECK(cJSON_GetObjectItem(fields, "statistics") != NULL);
}

TEST(progress_and_log_events)
{
	struct sync_settings s = two_dbs("sync_u_prog_src", "sync_u_prog_dst");
	s.checksum = SYNC_CHECKSUM_OFF; /* the copy diff streams every row: its progress */
	exec_on("sync_u_prog_src", "CREATE TABLE t (id int PRIMARY KEY, v text);"
	        "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 200000) g;"
	        "ANALYZE t");
	exec_on("sync_u_prog_dst", "CREATE TABLE t (id int PRIMARY KEY, v text);"
	        "INSERT INTO t VALUES (1, 'changed')");
	struct seen seen = { 0 };
	struct fn_logger lg = { .emit = on_log, .ctx = &seen };
	struct sync_request req = { .type = "manual", .progress = on_progress,
	                            .progress_ctx = &seen };
	char err[512];
	struct sync_result res;
	CHECK_INT(sync_run(&s, &req, &lg, &res, err, sizeof err), SYNC_OK);
	CHECK(seen.calls >= 3); /* start, every 65536 rows, end */
	CHECK_INT(seen.last_rows, 200000);
	CHECK_INT(seen.estimate, 200000);
	CHECK_CONTAINS(seen.events, "Starting slave-to-prod sync;");
	CHECK_CONTAINS(seen.events, "Inserting new records;");
	CHECK_CONTAINS(seen.events, "Updating existing records;");
	CHECK_CONTAINS(seen.events, "Sync completed;");
	CHECK_INT(num(res.statistics, "inserted", NULL), 199999);
	CHECK_INT(num(res.statistics, "updated", NULL), 1);
	const cJSON *t0 = cJSON_GetArrayItem(
		cJSON_GetObjectItem(res.statistics, "tables"), 0);
	/* an integer key on a non-empty target: compared row by row */
	CHECK_STR(cJSON_GetObjectItem(t0, "method")->valuestring, "copy_diff");
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(t0, "diff_ms")));
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(t0, "copy_ms")));
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(t0, "merge_ms")));
	cJSON_Delete(res.statistics);
}

TEST(cancel_flag_rolls_back)
{
	struct sync_settings s = two_dbs("sync_u_cancel_src", "sync_u_cancel_dst");
	exec_on("sync_u_cancel_src", "CREATE TABLE t (id int PRIMARY KEY);"
	        "INSERT INTO t VALUES (1)");
	exec_on("sync_u_cancel_dst", "CREATE TABLE t (id int PRIMARY KEY)");
	static atomic_int flag = 1;
	struct sync_request req = { .type = "manual", .cancel = &flag };
	char err[512];
	struct sync_result res;
	CHECK_INT(sync_run(&s, &req, NULL, &res, err, sizeof err),
	          SYNC_CANCELLED);
	CHECK_CONTAINS(err, "cancelled");
	CHECK(res.statistics == NULL);
	CHECK_INT(scalar("sync_u_cancel_dst", "SELECT count(*) FROM t"), 0);
}

TEST(status_lists_runs_newest_first)
{
	struct sync_settings s = two_dbs("sync_u_status_src", "sync_u_status_dst");
	exec_on("sync_u_status_src", "CREATE TABLE t (id int PRIMARY KEY)");
	exec_on("sync_u_status_dst", "CREATE TABLE t (id int PRIMARY KEY)");
	struct sync_request req = { .type = "manual" };
	char err[512];
	struct sync_result run;
	for (int i = 0; i < 3; i++) {
		CHECK_INT(sync_run(&s, &req, NULL, &run, err, sizeof err),
		          SYNC_OK);
		cJSON_Delete(run.statistics);
	}
	cJSON *res = NULL;
	CHECK_INT(sync_runs(&s, 2, NULL, &res, err, sizeof err), SYNC_OK);
	CHECK(cJSON_GetObjectItem(res, "summary") != NULL);
	const cJSON *runs = cJSON_GetObjectItem(res, "runs");
	CHECK_INT(cJSON_GetArraySize(runs), 2);
	CHECK_INT(num(cJSON_GetArrayItem(runs, 0), "id", NULL), 3);
	CHECK_INT(num(cJSON_GetArrayItem(runs, 1), "id", NULL), 2);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(runs, 0),
	                              "status")->valuestring, "ok");
	cJSON_Delete(res);

	/* a target that has never synced: no runs, not an error */
	fresh_db("sync_u_status_new");
	s.target_url = url(1, "sync_u_status_new");
	CHECK_INT(sync_runs(&s, 5, NULL, &res, err, sizeof err), SYNC_OK);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(res, "runs")), 0);
	cJSON_Delete(res);
	CHECK_INT(scalar("sync_u_status_new", "SELECT count(*) FROM "
	                 "pg_namespace WHERE nspname = 'syncfn'"), 0);
}

TEST(template_fills_placeholders)
{
	const struct sync_kv kv[] = { { "tgt", "\"public\".\"t\"" },
	                              { "cols", "\"a\", \"b\"" } };
	struct sync_buf b = { 0 };
	char err[128] = "";
	CHECK_INT(sync_tmpl(&b, "INSERT INTO {{tgt}} ({{cols}}) -- {{tgt}}\n", kv,
	                    2, err, sizeof err), 0);
	/* comments are dropped, placeholders in them never filled: a value
	 * with a newline could end the comment and run as SQL */
	CHECK_STR(sync_buf_str(&b),
	          "INSERT INTO \"public\".\"t\" (\"a\", \"b\") \n");
	sync_buf_free(&b);
	CHECK_INT(sync_tmpl(&b, "SELECT '--x', \"a--b\" -- {{nope}} '\nFROM {{tgt}}",
	                    kv, 2, err, sizeof err), 0);
	CHECK_STR(sync_buf_str(&b),
	          "SELECT '--x', \"a--b\" \nFROM \"public\".\"t\"");
	sync_buf_free(&b);
	CHECK_INT(sync_tmpl(&b, "SELECT {{nope}}", kv, 2, err, sizeof err), -1);
	CHECK_CONTAINS(err, "{{nope}}");
	sync_buf_free(&b);
	CHECK_INT(sync_tmpl(&b, "SELECT {{tgt", kv, 2, err, sizeof err), -1);
	sync_buf_free(&b);
}

/* SYNC_TABLES / SYNC_EXCLUDE: quoted identifiers hold dots, commas,
 * equals signs and doubled quotes; exclusions name either side. */
TEST(table_lists_quoted_and_pairs)
{
	struct sync_list l;
	int oom = 0;
	char err[256] = "";
	CHECK_INT(sync_names_parse(" \"my.table\" , s.t=\"a,b\", ,*, \"q\"\"x\".y ",
	                           "SYNC_TABLES", &l, &oom, err, sizeof err), 0);
	CHECK_INT(l.n, 4);
	CHECK(l.e[0].src.schema == NULL);
	CHECK_STR(l.e[0].src.name, "my.table");
	CHECK_INT(l.e[1].pair, 1);
	CHECK_STR(l.e[1].src.schema, "s");
	CHECK_STR(l.e[1].src.name, "t");
	CHECK(l.e[1].dst.schema == NULL);
	CHECK_STR(l.e[1].dst.name, "a,b");
	CHECK_INT(l.e[2].star, 1);
	CHECK_STR(l.e[3].src.schema, "q\"x");
	CHECK_STR(l.e[3].src.name, "y");
	sync_names_free(&l);

	const char *bad[] = { "\"open", "a.b.c", "x=", "=y", "a\"b", "\"\"",
	                      "\"a\"b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(sync_names_parse(bad[i], "SYNC_EXCLUDE", &l, &oom, err,
		                           sizeof err), -1);
		CHECK_INT(oom, 0);
		CHECK_CONTAINS(err, "SYNC_EXCLUDE entry");
	}
	CHECK_INT(sync_names_parse("", "SYNC_EXCLUDE", &l, &oom, err,
	                           sizeof err), 0);
	CHECK_INT(l.n, 0);

	CHECK_INT(sync_names_parse("prod.t, u=v, \"my.table\"", "SYNC_EXCLUDE",
	                           &l, &oom, err, sizeof err), 0);
	CHECK_INT(sync_names_excludes(&l, "slave", "t", "prod", "t"), 1);
	CHECK_INT(sync_names_excludes(&l, "slave", "t", "other", "t"), 0);
	CHECK_INT(sync_names_excludes(&l, "slave", "u", "prod", "v"), 1);
	CHECK_INT(sync_names_excludes(&l, "slave", "u", "prod", "u"), 0);
	CHECK_INT(sync_names_excludes(&l, "a", "my.table", "b", "x"), 1);
	CHECK_INT(sync_names_excludes(&l, "a", "x", "b", "my.table"), 1);
	CHECK_INT(sync_names_excludes(&l, "a", "my", "b", "table"), 0);
	sync_names_free(&l);
}

TEST_MAIN(CASE(table_lists_quoted_and_pairs) CASE(template_fills_placeholders) CASE(same_message_id_syncs_once) CASE(progress_and_log_events)
          CASE(cancel_flag_rolls_back) CASE(status_lists_runs_newest_first))
