/* sync_runlog.c - the run log in schema syncfn of the target. */
#include "sync_runlog.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"

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

enum sync_status sync_runlog_migrate(struct sync_db *tgt, char *err,
                                     size_t errlen)
{
	const char *what = "creating the run log (schema syncfn) in the target "
	                   "database";
	int done = 0;
	enum sync_status st = migrated(tgt, &done, err, errlen);
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
                                    const char *error, long long *id,
                                    char *err, size_t errlen)
{
	const char *p[6] = { started, type, message_id, status, statistics,
	                     error };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_run_record, 6, p, &r,
	                                   "recording the run in syncfn.runs",
	                                   err, errlen);
	if (st != SYNC_OK)
		return st;
	if (id)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return SYNC_OK;
}

enum sync_status sync_status(const struct sync_settings *settings, int limit,
                             const struct fn_logger *log,
                             struct cJSON **result, char *err, size_t errlen)
{
	char ts[32];
	*result = NULL;
	struct sync_db tgt;
	enum sync_status st = SYNC_CONFIG;
	if (!settings->target_url || !*settings->target_url)
		fn_err(err, errlen, "TARGET_DATABASE_URL is not set");
	else
		st = sync_db_connect(&tgt, "target", settings->target_url,
		                     settings->connect_timeout_s, NULL, err,
		                     errlen);
	cJSON *runs = NULL;
	int exists = 0;
	if (st == SYNC_OK) {
		/* reading never creates the schema: no run log, no runs */
		st = migrated(&tgt, &exists, err, errlen);
		char lim[16];
		snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 20);
		const char *p[1] = { lim };
		PGresult *r = NULL;
		if (st == SYNC_OK && exists)
			st = sync_db_exec(&tgt, sql_sync_run_list, 1, p, &r,
			                  "reading the run log", err, errlen);
		if (st == SYNC_OK && exists) {
			runs = cJSON_Parse(PQgetvalue(r, 0, 0));
			PQclear(r);
		}
		sync_db_close(&tgt);
	}
	fn_iso_time(ts);
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		cJSON_Delete(runs);
		return st == SYNC_OK ? SYNC_FAILED : st;
	}
	if (st == SYNC_OK) {
		cJSON_AddBoolToObject(o, "success", 1);
		cJSON_AddItemToObject(o, "runs", runs ? runs : cJSON_CreateArray());
	} else {
		fn_log(log, FN_ERROR, "Sync status failed", "error", FN_STR(err),
		       NULL);
		cJSON_AddBoolToObject(o, "success", 0);
		cJSON_AddStringToObject(o, "error", err);
	}
	cJSON_AddStringToObject(o, "timestamp", ts);
	*result = o;
	return st;
}
