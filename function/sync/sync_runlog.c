/* sync_runlog.c - the run log in schema syncfn of the target. */
#include "sync_runlog.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_plan.h"

static enum sync_status migrated(struct sync_db *tgt, int *done, char *err,
                                 size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_migrated, 0, NULL, &r,
	                                   "reading the run log", err, errlen);
	if (st == SYNC_OK) {
		*done = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
	}
	return st;
}

static enum sync_status latest(struct sync_db *tgt, int *done, char *err,
                               size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_migrated_latest, 0,
	                                   NULL, &r, "reading the run log", err,
	                                   errlen);
	if (st == SYNC_OK) {
		*done = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
	}
	return st;
}

enum sync_status sync_runlog_migrate(struct sync_db *tgt, char *err,
                                     size_t errlen)
{
	const char *what = "creating the run log (schema syncfn) in the target "
	                   "database";
	int done = 0;
	enum sync_status st = latest(tgt, &done, err, errlen);
	if (st != SYNC_OK || done)
		return st;
	st = sync_db_script(tgt, sql_sync_migrate, what, err, errlen);
	if (st != SYNC_OK && PQtransactionStatus(tgt->conn) != PQTRANS_IDLE)
		sync_db_run(tgt, "ROLLBACK", 0, NULL, NULL, NULL, 0);
	return st;
}

enum sync_status sync_runlog_lock(struct sync_db *tgt, char *err, size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_lock, 0, NULL, &r,
	                                   NULL, err, errlen);
	if (st != SYNC_OK)
		return st;
	int got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!got) {
		fn_err(err, errlen, "another sync is running on %s; try again "
		       "when it is done", tgt->label);
		return SYNC_BUSY;
	}
	return SYNC_OK;
}

enum sync_status sync_runlog_find(struct sync_db *tgt, const char *message_id,
                                  long long *id, char **statistics, char *err,
                                  size_t errlen)
{
	*id = 0;
	*statistics = NULL;
	const char *p[1] = { message_id };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_run_dedup, 1, p, &r,
	                                   "reading the run log", err, errlen);
	if (st != SYNC_OK)
		return st;
	if (PQntuples(r) == 1) {
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		*statistics = strdup(PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return SYNC_OK;
}

enum sync_status sync_runlog_record(struct sync_db *tgt, const char *started,
                                    const char *type, const char *message_id,
                                    const char *status, const char *statistics,
                                    const char *error, const char *answer_error,
                                    long long *id, char *err, size_t errlen)
{
	const char *p[7] = { started, type, message_id, status, statistics,
	                     error, answer_error };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_run_record, 7, p, &r,
	                                   "recording the run in syncfn.runs",
	                                   err, errlen);
	if (st != SYNC_OK)
		return st;
	if (id)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return SYNC_OK;
}

static void rollback_quietly(struct sync_db *tgt)
{
	if (tgt->conn && PQtransactionStatus(tgt->conn) != PQTRANS_IDLE)
		sync_db_run(tgt, "ROLLBACK", 0, NULL, NULL, NULL, 0);
}

/* A transaction for the run log outside a run, bounded to seconds
 * (sync_run_bounds.sql). */
static enum sync_status begin_bounded(struct sync_db *tgt, char *err,
                                      size_t errlen)
{
	enum sync_status st = sync_db_run(tgt, "BEGIN", 0, NULL, NULL, err,
	                                  errlen);
	return st == SYNC_OK ? sync_db_run(tgt, sql_sync_run_bounds, 0, NULL,
	                                   NULL, err, errlen)
	                     : st;
}

static enum sync_status abandon_stale(struct sync_db *tgt,
                                      const struct fn_logger *log, char *err,
                                      size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_run_abandon, 0, NULL,
	                                   &r, "marking abandoned runs in "
	                                   "syncfn.runs", err, errlen);
	if (st != SYNC_OK)
		return st;
	for (int i = 0; i < PQntuples(r); i++)
		fn_log(log, FN_WARN, "Earlier run abandoned: its process ended "
		       "before it finished, and nothing of it was applied",
		       "abandoned_run_id", FN_INT(strtoll(PQgetvalue(r, i, 0),
		                                          NULL, 10)),
		       "message_id", FN_STR(PQgetvalue(r, i, 1)), "instance",
		       FN_STR(PQgetvalue(r, i, 2)), NULL);
	PQclear(r);
	return SYNC_OK;
}

static enum sync_status claim_locked(struct sync_db *tgt,
                                     const struct sync_claim *c,
                                     const struct fn_logger *log,
                                     long long *id, char *err, size_t errlen)
{
	enum sync_status st = sync_runlog_lock(tgt, err, errlen);
	if (st == SYNC_OK && c->message_id && *c->message_id) {
		char *stats = NULL;
		long long earlier = 0;
		st = sync_runlog_find(tgt, c->message_id, &earlier, &stats, err,
		                      errlen);
		free(stats);
		if (st == SYNC_OK && earlier > 0)
			return SYNC_DEDUPLICATED;
	}
	if (st == SYNC_OK)
		st = abandon_stale(tgt, log, err, errlen);
	if (st != SYNC_OK)
		return st;
	const char *p[4] = { c->started, c->type, c->message_id, c->instance };
	PGresult *r;
	st = sync_db_exec(tgt, sql_sync_run_claim, 4, p, &r,
	                  "recording the run in syncfn.runs", err, errlen);
	if (st == SYNC_OK) {
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	return st;
}

enum sync_status sync_runlog_claim(struct sync_db *tgt,
                                   const struct sync_claim *c,
                                   const struct fn_logger *log, long long *id,
                                   char *err, size_t errlen)
{
	*id = 0;
	char stmt[16], lock[16];
	snprintf(stmt, sizeof stmt, "%d", c->statement_timeout_ms);
	snprintf(lock, sizeof lock, "%d", c->lock_timeout_ms);
	const char *p[2] = { stmt, lock };
	enum sync_status st = sync_db_run(tgt, "BEGIN", 0, NULL, NULL, err,
	                                  errlen);
	/* bounded like every statement of the run: a session holding a lock
	 * on the run log cannot hang the claim */
	if (st == SYNC_OK)
		st = sync_db_run(tgt, sql_sync_session, 2, p, NULL, err, errlen);
	if (st == SYNC_OK)
		st = claim_locked(tgt, c, log, id, err, errlen);
	if (st == SYNC_OK) {
		st = sync_db_run(tgt, "COMMIT", 0, NULL, "recording the run in "
		                 "syncfn.runs", err, errlen);
		if (st != SYNC_OK)
			*id = 0;
	}
	if (st != SYNC_OK)
		rollback_quietly(tgt);
	return st;
}

/* Seconds until the running sync is likely done: what the slowest of the
 * recent successful runs has left, or, without history or past it (under
 * 5 s left), half as long again as it has run. The caller bounds it. */
static int expected_remaining(double slowest, double elapsed)
{
	double rem = slowest > 0 ? slowest - (elapsed > 0 ? elapsed : 0) : -1;
	if (rem < 5)
		rem = elapsed > 0 ? elapsed / 2 : 30;
	if (rem > 86400)
		rem = 86400;
	return (int)(rem + 0.999);
}

static double number_or(const PGresult *r, int col, double def)
{
	return PQgetisnull(r, 0, col) ? def : strtod(PQgetvalue(r, 0, col), NULL);
}

void sync_runlog_busy(struct sync_db *tgt, int *retry_after_s, char *err,
                      size_t errlen)
{
	char ignore[256];
	PGresult *r;
	*retry_after_s = 30;
	rollback_quietly(tgt);
	if (begin_bounded(tgt, ignore, sizeof ignore) == SYNC_OK &&
	    sync_db_exec(tgt, sql_sync_retry_estimate, 0, NULL, &r, NULL,
	                 ignore, sizeof ignore) == SYNC_OK) {
		*retry_after_s = expected_remaining(number_or(r, 0, -1),
		                                    number_or(r, 1, -1));
		PQclear(r);
	}
	rollback_quietly(tgt);
	if (sync_db_exec(tgt, sql_sync_lock_holder, 0, NULL, &r, NULL, ignore,
	                 sizeof ignore) != SYNC_OK)
		return;
	if (PQntuples(r) == 1)
		fn_err(err, errlen, "another sync is running on %s (held by "
		       "server process %s, application_name \"%.64s\", since "
		       "%s); try again when it is done", tgt->label,
		       PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
		       PQgetvalue(r, 0, 2));
	PQclear(r);
}

enum sync_status sync_delivery_failed(const struct sync_settings *settings,
                                      const struct sync_delivery_failure *f,
                                      long long *run_id, char *err,
                                      size_t errlen)
{
	struct sync_db tgt;
	*run_id = 0;
	if (!settings->target_url || !*settings->target_url) {
		fn_err(err, errlen, "no target database in the settings, so "
		       "the failure cannot be recorded in the run log");
		return SYNC_CONFIG;
	}
	enum sync_status st = sync_db_connect(&tgt, "target",
	                                      settings->target_url,
	                                      settings->connect_timeout_s, NULL,
	                                      err, errlen);
	if (st != SYNC_OK)
		return st;
	st = sync_runlog_migrate(&tgt, err, errlen);
	const char *p[4] = { f->created_ms, f->message_id, f->details,
	                     f->error };
	PGresult *r = NULL;
	if (st == SYNC_OK)
		st = begin_bounded(&tgt, err, errlen);
	if (st == SYNC_OK)
		st = sync_db_exec(&tgt, sql_sync_run_delivery_failed, 4, p, &r,
		                  "recording the failed delivery in syncfn.runs",
		                  err, errlen);
	if (st == SYNC_OK && PQntuples(r) == 1)
		*run_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (st == SYNC_OK)
		st = sync_db_run(&tgt, "COMMIT", 0, NULL, "recording the failed "
		                 "delivery in syncfn.runs", err, errlen);
	if (st != SYNC_OK)
		*run_id = 0;
	sync_db_close(&tgt);
	return st;
}

double sync_slowest(const struct sync_settings *settings)
{
	char err[256];
	struct sync_db tgt;
	double slowest = -1;
	if (!settings->target_url || sync_db_connect(&tgt, "target",
	    settings->target_url, settings->connect_timeout_s, NULL, err,
	    sizeof err) != SYNC_OK)
		return slowest;
	int exists = 0;
	PGresult *r;
	if (migrated(&tgt, &exists, err, sizeof err) == SYNC_OK && exists &&
	    begin_bounded(&tgt, err, sizeof err) == SYNC_OK &&
	    sync_db_exec(&tgt, sql_sync_retry_estimate, 0, NULL, &r, NULL, err,
	                 sizeof err) == SYNC_OK) {
		slowest = number_or(r, 0, -1);
		PQclear(r);
	}
	sync_db_close(&tgt);
	return slowest;
}

int sync_retry_after(const struct sync_settings *settings)
{
	char err[256];
	struct sync_db tgt;
	int seconds = 30;
	if (!settings->target_url || sync_db_connect(&tgt, "target",
	    settings->target_url, settings->connect_timeout_s, NULL, err,
	    sizeof err) != SYNC_OK)
		return seconds;
	int exists = 0;
	if (migrated(&tgt, &exists, err, sizeof err) == SYNC_OK && exists)
		sync_runlog_busy(&tgt, &seconds, err, sizeof err);
	sync_db_close(&tgt);
	return seconds;
}

enum sync_status sync_runlog_finish(struct sync_db *tgt, long long id,
                                    const char *status, const char *statistics,
                                    const char *error, const char *answer_error,
                                    char *err, size_t errlen)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", id);
	const char *p[5] = { ids, status, statistics, error, answer_error };
	return sync_db_run(tgt, sql_sync_run_finish, 5, p,
	                   "recording the run in syncfn.runs", err, errlen);
}

void sync_runlog_unclaim(struct sync_db *tgt, long long id)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", id);
	const char *p[1] = { ids };
	sync_db_run(tgt, sql_sync_run_unclaim, 1, p, NULL, NULL, 0);
}

/* Connects to the target for reading the run log, in a bounded
 * transaction; *exists says whether there is a run log at all (reading
 * never creates it). On failure tgt is closed (its err_seq and detail
 * kept for the caller's log line). */
static enum sync_status open_log(const struct sync_settings *settings,
                                 struct sync_db *tgt, int *exists, char *err,
                                 size_t errlen)
{
	*exists = 0;
	memset(tgt, 0, sizeof *tgt);
	if (!settings->target_url || !*settings->target_url) {
		fn_err(err, errlen, "no target database in the settings");
		return SYNC_CONFIG;
	}
	enum sync_status st = sync_db_connect(tgt, "target", settings->target_url,
	                                      settings->connect_timeout_s, NULL,
	                                      err, errlen);
	if (st != SYNC_OK)
		return st;
	st = begin_bounded(tgt, err, errlen);
	if (st == SYNC_OK)
		st = migrated(tgt, exists, err, errlen);
	if (st != SYNC_OK)
		sync_db_close(tgt);
	return st;
}

static cJSON *empty_summary(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNullToObject(o, "last_success_at");
	cJSON_AddNullToObject(o, "age_s");
	cJSON_AddNullToObject(o, "last_run_at");
	cJSON_AddNumberToObject(o, "consecutive_failures", 0);
	cJSON_AddNullToObject(o, "last_error");
	return o;
}

static enum sync_status read_summary(struct sync_db *tgt, int exists,
                                     cJSON **summary, char *err, size_t errlen)
{
	*summary = NULL;
	if (!exists) {
		*summary = empty_summary();
		return SYNC_OK;
	}
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_run_summary, 0, NULL,
	                                   &r, "reading the run log", err,
	                                   errlen);
	if (st != SYNC_OK)
		return st;
	*summary = cJSON_Parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	return SYNC_OK;
}

static enum sync_status read_runs(struct sync_db *tgt, int exists, int limit,
                                  cJSON **runs, char *err, size_t errlen)
{
	*runs = NULL;
	if (!exists) {
		*runs = cJSON_CreateArray();
		return SYNC_OK;
	}
	char lim[16];
	snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : SYNC_RUNS_DEFAULT_LIMIT);
	const char *p[1] = { lim };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_run_list, 1, p, &r,
	                                   "reading the run log", err, errlen);
	if (st != SYNC_OK)
		return st;
	*runs = cJSON_Parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	cJSON *run;
	cJSON_ArrayForEach(run, *runs)
		sync_runlog_strip_hints(cJSON_GetObjectItemCaseSensitive(run,
		                                                     "statistics"));
	return SYNC_OK;
}

static void log_failure(const struct fn_logger *log, const struct sync_db *tgt,
                        const char *err)
{
	fn_log(log, FN_ERROR, "Sync status failed", "error", FN_STR(err),
	       "detail", FN_STR(tgt->err_seq ? tgt->detail : NULL), NULL);
}

enum sync_status sync_summary(const struct sync_settings *settings,
                              const struct fn_logger *log, cJSON **summary,
                              char *err, size_t errlen)
{
	struct sync_db tgt;
	int exists = 0;
	*summary = NULL;
	enum sync_status st = open_log(settings, &tgt, &exists, err, errlen);
	if (st == SYNC_OK) {
		st = read_summary(&tgt, exists, summary, err, errlen);
		sync_db_close(&tgt);
	}
	if (st != SYNC_OK)
		log_failure(log, &tgt, err);
	else if (!*summary) {
		fn_err(err, errlen, "out of memory reading the run log");
		st = SYNC_FAILED;
	}
	return st;
}

enum sync_status sync_runs(const struct sync_settings *settings, int limit,
                           const struct fn_logger *log,
                           struct cJSON **result, char *err, size_t errlen)
{
	*result = NULL;
	struct sync_db tgt;
	int exists = 0;
	cJSON *runs = NULL, *summary = NULL;
	enum sync_status st = open_log(settings, &tgt, &exists, err, errlen);
	if (st == SYNC_OK) {
		st = read_summary(&tgt, exists, &summary, err, errlen);
		if (st == SYNC_OK)
			st = read_runs(&tgt, exists, limit, &runs, err, errlen);
		sync_db_close(&tgt);
	}
	if (st != SYNC_OK) {
		cJSON_Delete(runs);
		cJSON_Delete(summary);
		log_failure(log, &tgt, err);
		return st;
	}
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		cJSON_Delete(runs);
		cJSON_Delete(summary);
		fn_err(err, errlen, "out of memory");
		return SYNC_FAILED;
	}
	cJSON_AddItemToObject(o, "summary", summary ? summary : empty_summary());
	cJSON_AddItemToObject(o, "runs", runs ? runs : cJSON_CreateArray());
	*result = o;
	return st;
}

/* A count of the run log's statistics, -1 unless a plain number. */
static long long count_or(const PGresult *r, int row, int col)
{
	long long n;
	return sync_db_ll(r, row, col, &n) && n >= 0 ? n : -1;
}

void sync_runlog_strip_hints(cJSON *stats)
{
	cJSON *tables = cJSON_GetObjectItemCaseSensitive(stats, "tables"), *t;
	if (!cJSON_IsArray(tables))
		return;
	cJSON_ArrayForEach(t, tables)
		if (cJSON_IsObject(t))
			cJSON_DeleteItemFromObjectCaseSensitive(t,
			                                       "target_only_hash");
}

/* A 64-bit hash as 16 lowercase hex digits (sync_run.c writes them); 0
 * for any other text. */
static int hash_of(const char *v, uint64_t *h)
{
	*h = 0;
	if (strlen(v) != 16)
		return 0;
	for (const char *p = v; *p; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0'
		        : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (d < 0)
			return 0;
		*h = *h << 4 | (uint64_t)d;
	}
	return 1;
}

/* Marks t quiet from one row of sync_run_quiet.sql, unless its
 * target-only rows are not a count and a hash. */
static void quiet_from(struct sync_table *t, const PGresult *r, int i)
{
	long long rows = count_or(r, i, 3);
	uint64_t h;
	if (rows < 0 || !hash_of(PQgetvalue(r, i, 4), &h))
		return;
	t->hint.quiet = 1;
	t->hint.to_rows = rows;
	t->hint.to_hash = h;
	for (int side = 0; side < 2; side++)
		t->hint.written[side] = count_or(r, i, side + 1);
}

enum sync_status sync_runlog_quiet(struct sync_db *tgt, struct sync_table *t,
                                   int n, const char *rules_hash, char *err,
                                   size_t errlen)
{
	PGresult *r;
	const char *p[1] = { rules_hash };
	enum sync_status st = sync_db_exec(tgt, sql_sync_run_quiet, 1, p, &r,
	                                   "reading the run log", err, errlen);
	if (st != SYNC_OK)
		return st;
	for (int i = 0; i < PQntuples(r) && PQnfields(r) == 5; i++)
		for (int k = 0; k < n; k++)
			if (strcmp(PQgetvalue(r, i, 0), t[k].label) == 0)
				quiet_from(&t[k], r, i);
	PQclear(r);
	return SYNC_OK;
}
