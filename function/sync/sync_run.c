/* sync_run.c - one sync run from start to end: connect, lock, plan, move
 * every table inside one target transaction, record, commit (or roll
 * back), and hand back the statistics. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync.h"
#include "sync_buf.h"
#include "sync_connect.h"
#include "sync_db.h"
#include "sync_delete.h"
#include "sync_fire.h"
#include "sync_incr.h"
#include "sync_plan.h"
#include "sync_rules_check.h"
#include "sync_meter.h"
#include "sync_runlog.h"
#include "sync_table.h"
#include "sync_usage.h"

struct run {
	const struct sync_settings *s;
	const struct sync_request *req;
	const struct fn_logger *log;
	struct sync_db src_db, tgt_db;
	struct sync_db *src, *tgt;
	int same;
	struct sync_plan plan;
	char started[32];
	double t0;
	struct sync_usage usage0; /* the process's CPU time at the start */
	long long run_id;
	long long claim_id; /* this run's row, committed as 'running' */
	int retry_after_s;  /* for SYNC_BUSY */
	struct sync_incr_bound bound; /* incremental rules' watermark bound */
	cJSON *earlier;  /* statistics of the run a duplicate message repeats */
	char *err;
	size_t errlen;
};

static int same_url(const struct sync_settings *s)
{
	return !s->source_url || !*s->source_url ||
	       strcmp(s->source_url, s->target_url) == 0;
}

static enum sync_status connect_all(struct run *r)
{
	const struct sync_settings *s = r->s;
	if (!s->target_url || !*s->target_url) {
		fn_err(r->err, r->errlen, "no target database in the settings");
		return SYNC_CONFIG;
	}
	r->same = same_url(s);
	struct sync_connect source;
	if (!r->same)
		sync_connect_start(&source, &r->src_db, s->source_url,
		                   s->connect_timeout_s, r->req->cancel);
	enum sync_status st = sync_db_connect(&r->tgt_db, "target",
	                                      s->target_url,
	                                      s->connect_timeout_s,
	                                      r->req->cancel, r->err,
	                                      r->errlen);
	if (st == SYNC_OK) {
		r->tgt = &r->tgt_db;
		/* the run log first, so that a source that fails is recorded */
		st = sync_runlog_migrate(r->tgt, r->err, r->errlen);
		if (st == SYNC_FAILED && strcmp(r->tgt->sqlstate, "42501") == 0)
			st = SYNC_CONFIG;
	}
	if (r->same) {
		r->src = r->tgt;
		return st;
	}
	/* the target's error comes first; the source's then has no reader */
	char ignore[8];
	enum sync_status src_st = st == SYNC_OK
		? sync_connect_wait(&source, r->err, r->errlen)
		: sync_connect_wait(&source, ignore, sizeof ignore);
	if (st != SYNC_OK)
		r->src_db.err_seq = 0; /* nor its detail */
	if (st == SYNC_OK && src_st == SYNC_OK)
		r->src = &r->src_db;
	return st != SYNC_OK ? st : src_st;
}

static enum sync_status session(struct run *r, struct sync_db *db)
{
	char stmt[16], lock[16];
	snprintf(stmt, sizeof stmt, "%d", r->s->statement_timeout_ms);
	snprintf(lock, sizeof lock, "%d", r->s->lock_timeout_ms);
	const char *p[2] = { stmt, lock };
	return sync_db_run(db, sql_sync_session, 2, p, NULL, r->err, r->errlen);
}

/* A backend whose client died stops at its next check instead of running
 * its statement to the end while holding the run lock. */
static enum sync_status watch_client(struct run *r, struct sync_db *db)
{
	if (PQserverVersion(db->conn) >= 140000)
		return sync_db_run(db, sql_sync_check_interval, 0, NULL, NULL,
		                   r->err, r->errlen);
	fn_log(r->log, FN_WARN, "PostgreSQL before 14: a killed syncfn leaves "
	       "its statement running on the server until it ends (no "
	       "client_connection_check_interval); upgrade the server for "
	       "that protection", "database", FN_STR(db->label), NULL);
	return SYNC_OK;
}

/* Opens the target transaction and takes the run lock first, so that the
 * snapshot of a same-database run starts as close to it as possible. */
static enum sync_status begin_target(struct run *r)
{
	enum sync_status st = sync_db_run(r->tgt, r->same ? sql_sync_begin_same
	                                                  : "BEGIN",
	                                  0, NULL, NULL, r->err, r->errlen);
	if (st == SYNC_OK)
		st = sync_runlog_lock(r->tgt, r->err, r->errlen);
	if (st == SYNC_OK)
		st = session(r, r->tgt);
	if (st == SYNC_OK)
		st = sync_db_run(r->tgt, sql_sync_session_target, 0, NULL, NULL,
		                 r->err, r->errlen);
	if (st == SYNC_OK)
		st = watch_client(r, r->tgt);
	return st;
}

static enum sync_status begin_source(struct run *r)
{
	if (r->same)
		return SYNC_OK;
	enum sync_status st = sync_db_run(r->src, sql_sync_begin_source, 0,
	                                  NULL, NULL, r->err, r->errlen);
	if (st == SYNC_OK)
		st = session(r, r->src);
	if (st == SYNC_OK)
		st = watch_client(r, r->src);
	return st;
}

static enum sync_status find_earlier(struct run *r)
{
	char *stats = NULL;
	enum sync_status st = sync_runlog_find(r->tgt, r->req->message_id,
	                                       &r->run_id, &stats, r->err,
	                                       r->errlen);
	if (st == SYNC_OK && r->run_id > 0) {
		r->earlier = cJSON_Parse(stats ? stats : "{}");
		sync_runlog_strip_hints(r->earlier);
		st = SYNC_DEDUPLICATED;
	}
	free(stats);
	return st;
}

static void log_table(struct run *r, const struct sync_table *t)
{
	fn_log(r->log, FN_INFO, "Inserting new records", "table",
	       FN_STR(t->label), "rows", FN_INT(t->out.inserted), NULL);
	fn_log(r->log, FN_INFO, "Updating existing records", "table",
	       FN_STR(t->label), "rows", FN_INT(t->out.updated), "unchanged",
	       FN_INT(t->out.source_rows - t->out.inserted - t->out.updated), "method",
	       FN_STR(t->out.method), "duration_ms", FN_INT(t->out.total_ms), NULL);
}

static enum sync_status move_all(struct run *r)
{
	enum sync_status st = SYNC_OK;
	if (r->plan.defer)
		st = sync_db_run(r->tgt, sql_sync_defer, 0, NULL, NULL, r->err,
		                 r->errlen);
	/* which incremental tables run whole, before the delete guards */
	if (st == SYNC_OK)
		st = sync_incr_prepare(&r->plan, r->src, r->tgt, &r->bound,
		                       r->err, r->errlen);
	/* the checksum's switch; a delete rule's table may take it before
	 * the first write */
	for (int i = 0; i < r->plan.n; i++)
		r->plan.t[i].checksum = r->s->checksum;
	/* the delete guards, before the first write */
	if (st == SYNC_OK)
		st = sync_delete_count(&r->plan, r->src, r->tgt, r->same, r->req,
		                       r->err, r->errlen);
	for (int i = 0; i < r->plan.n && st == SYNC_OK; i++) {
		if (sync_db_cancelled(r->tgt)) {
			fn_err(r->err, r->errlen, "cancelled; nothing was "
			       "applied");
			return SYNC_CANCELLED;
		}
		struct sync_table *t = &r->plan.t[i];
		/* bytes per table, fallback warning */
		long long s0 = r->same ? -1 : sync_usage_bytes(r->src);
		long long g0 = sync_usage_bytes(r->tgt);
		st = sync_rules_triggers(r->tgt, t, 1, r->err, r->errlen);
		struct sync_meter m;
		sync_meter_begin(&m, r->log, r->s->progress_ms, t->label,
		                 r->src, r->tgt);
		if (st == SYNC_OK)
			st = sync_table_run(t, i, r->src, r->tgt, r->same,
			                    r->req, r->err, r->errlen);
		sync_meter_end(&m);
		if (st == SYNC_OK)
			st = sync_rules_triggers(r->tgt, t, 0, r->err,
			                         r->errlen);
		if (st == SYNC_OK)
			st = sync_fire_finish(&r->plan, t, r->tgt, r->log,
			                      r->err, r->errlen);
		if (st == SYNC_OK)
			st = sync_incr_finish(&r->plan, t, r->src, r->tgt,
			                      &r->bound, r->log, r->err,
			                      r->errlen);
		long long s1 = r->same ? -1 : sync_usage_bytes(r->src);
		long long g1 = sync_usage_bytes(r->tgt);
		t->out.src_bytes = s0 >= 0 && s1 >= s0 ? s1 - s0 + t->out.keys_bytes
		                                   : r->same ? 0 : -1;
		t->out.tgt_bytes = g0 >= 0 && g1 >= g0 ? g1 - g0 + t->del.pre_tgt_bytes
		                                   : -1;
		if (t->out.fallback[0]) {
			fn_log(r->log, FN_WARN, "Checksum not used", "table",
			       FN_STR(t->label), "reason", FN_STR(t->out.fallback),
			       NULL);
			cJSON_AddItemToArray(r->plan.warnings,
			                     cJSON_CreateString(t->out.fallback));
		}
		if (st == SYNC_OK)
			log_table(r, t);
	}
	/* a cancel that came while a statement was ending (a COPY's last
	 * rows) is still honoured: nothing after it commits */
	if (st == SYNC_OK && sync_db_cancelled(r->tgt)) {
		fn_err(r->err, r->errlen, "cancelled; nothing was applied");
		return SYNC_CANCELLED;
	}
	if (st == SYNC_OK)
		st = sync_delete_apply(&r->plan, r->tgt, r->same, r->err,
		                       r->errlen);
	for (int i = 0; i < r->plan.n && st == SYNC_OK; i++)
		st = sync_table_sequences(&r->plan.t[i], r->tgt,
		                          r->req->dry_run, r->err, r->errlen);
	return st;
}

/* A count, or null when it could not be measured (bytes over a Unix
 * socket, a server's write count). */
static void add_count(cJSON *o, const char *name, long long n)
{
	if (n >= 0)
		cJSON_AddNumberToObject(o, name, (double)n);
	else
		cJSON_AddNullToObject(o, name);
}

/* Totals of the tables' bytes and the run's CPU time and peak memory. */
static void add_usage(cJSON *o, const struct run *r)
{
	long long sb = 0, tb = 0;
	for (int i = 0; i < r->plan.n; i++) {
		const struct sync_table *t = &r->plan.t[i];
		sb = sb < 0 || t->out.src_bytes < 0 ? -1 : sb + t->out.src_bytes;
		tb = tb < 0 || t->out.tgt_bytes < 0 ? -1 : tb + t->out.tgt_bytes;
	}
	add_count(o, "bytes_from_source", sb);
	add_count(o, "bytes_from_target", tb);
	struct sync_usage u;
	sync_usage_now(&u);
	cJSON_AddNumberToObject(o, "peak_rss_kb", (double)u.peak_rss_kb);
	cJSON_AddNumberToObject(o, "cpu_user_ms",
	                        (long long)(u.user_ms - r->usage0.user_ms));
	cJSON_AddNumberToObject(o, "cpu_sys_ms",
	                        (long long)(u.sys_ms - r->usage0.sys_ms));
}

static cJSON *table_stats(const struct sync_table *t)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "table", t->label);
	if (strcmp(t->label, t->src_label) != 0)
		cJSON_AddStringToObject(o, "source", t->src_label);
	cJSON_AddNumberToObject(o, "source_rows", (double)t->out.source_rows);
	cJSON_AddNumberToObject(o, "inserted", (double)t->out.inserted);
	cJSON_AddNumberToObject(o, "updated", (double)t->out.updated);
	cJSON_AddNumberToObject(o, "unchanged",
	                        (double)(t->out.source_rows - t->out.inserted -
	                                 t->out.updated));
	cJSON_AddNumberToObject(o, "duration_ms", (long long)t->out.total_ms);
	cJSON_AddStringToObject(o, "method", t->out.method ? t->out.method : "");
	cJSON_AddNumberToObject(o, "count_ms", (long long)t->out.count_ms);
	cJSON_AddNumberToObject(o, "diff_ms", (long long)t->out.diff_ms);
	cJSON_AddNumberToObject(o, "copy_ms", (long long)t->out.copy_ms);
	cJSON_AddNumberToObject(o, "analyze_ms", (long long)t->out.analyze_ms);
	cJSON_AddNumberToObject(o, "merge_ms", (long long)t->out.merge_ms);
	cJSON_AddNumberToObject(o, "sequences_advanced", t->out.sequences_advanced);
	if (t->rule && t->rule->delete_rows)
		cJSON_AddNumberToObject(o, "deleted", (double)t->out.deleted);
	if (t->rule)
		cJSON_AddStringToObject(o, "scope", t->rule->where ? "filtered"
		                                                   : "all");
	if (t->incr.on)
		cJSON_AddItemToObject(o, "incremental", sync_incr_stats(t));
	if (t->out.method && strcmp(t->out.method, "checksum") == 0) {
		cJSON_AddBoolToObject(o, "compared_whole", t->out.ck.whole);
		cJSON_AddNumberToObject(o, "segments", (double)t->out.ck.segments);
		cJSON_AddNumberToObject(o, "segments_differing",
		                        (double)t->out.ck.differing);
		add_count(o, "source_writes", t->out.ck.written[0]);
		add_count(o, "target_writes", t->out.ck.written[1]);
		if (t->out.ck.to_known) {
			char h[17];
			snprintf(h, sizeof h, "%016llx",
			         (unsigned long long)t->out.ck.to_hash);
			cJSON_AddNumberToObject(o, "target_only_rows",
			                        (double)t->out.ck.to_rows);
			cJSON_AddStringToObject(o, "target_only_hash", h);
		}
	}
	if (t->out.ck.copied) { /* copy_direct, the write counts read before */
		add_count(o, "source_writes", t->out.ck.written[0]);
		add_count(o, "target_writes", t->out.ck.written[1]);
	}
	add_count(o, "bytes_from_source", t->out.src_bytes);
	add_count(o, "bytes_from_target", t->out.tgt_bytes);
	return o;
}

static cJSON *statistics(struct run *r)
{
	char done[32];
	fn_iso_time(done);
	long long total = 0, ins = 0, upd = 0, del = 0;
	cJSON *tables = cJSON_CreateArray();
	for (int i = 0; i < r->plan.n; i++) {
		const struct sync_table *t = &r->plan.t[i];
		total += t->out.source_rows, ins += t->out.inserted, upd += t->out.updated;
		del += t->out.deleted;
		cJSON_AddItemToArray(tables, table_stats(t));
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "total_records", (double)total);
	cJSON_AddStringToObject(o, "sync_completed_at", done);
	cJSON_AddNumberToObject(o, "inserted", (double)ins);
	cJSON_AddNumberToObject(o, "updated", (double)upd);
	cJSON_AddNumberToObject(o, "unchanged", (double)(total - ins - upd));
	cJSON_AddNumberToObject(o, "deleted", (double)del);
	/* the rules in force, for the run log (and the checksum's hints,
	 * which hold only under the same rules) */
	if (r->s->rules)
		cJSON_AddStringToObject(o, "rules_hash", r->s->rules->hash);
	cJSON_AddNumberToObject(o, "duration_ms",
	                        (long long)(sync_now_ms() - r->t0));
	cJSON_AddItemToObject(o, "tables", tables);
	add_usage(o, r);
	cJSON_AddStringToObject(o, "mode", r->same ? "same_database"
	                                           : "two_databases");
	if (cJSON_GetArraySize(r->plan.warnings) > 0)
		cJSON_AddItemToObject(o, "warnings",
		                      cJSON_Duplicate(r->plan.warnings, 1));
	if (cJSON_GetArraySize(r->plan.skipped) > 0)
		cJSON_AddItemToObject(o, "skipped_tables",
		                      cJSON_Duplicate(r->plan.skipped, 1));
	if (r->req->dry_run)
		cJSON_AddBoolToObject(o, "dry_run", 1);
	return o;
}

static void rollback(struct sync_db *db)
{
	if (db && db->conn && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		sync_db_run(db, "ROLLBACK", 0, NULL, NULL, NULL, 0);
}

/* COMMIT of a transaction that failed meanwhile succeeds as a ROLLBACK:
 * only the command tag tells. */
static enum sync_status commit(struct run *r)
{
	PGresult *res;
	enum sync_status st = sync_db_exec(r->tgt, "COMMIT", 0, NULL, &res,
	                                   "committing on the target database",
	                                   r->err, r->errlen);
	if (st != SYNC_OK)
		return st;
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		fn_err(r->err, r->errlen, "committing on the target database: "
		       "the server rolled the transaction back (%s); nothing "
		       "was applied", PQcmdStatus(res));
		st = SYNC_FAILED;
	}
	PQclear(res);
	return st;
}

/* A transaction of its own on the target (after a rollback), bounded by
 * the run's timeouts like every other statement: a session that holds a
 * lock on the run log cannot hang the run. */
static enum sync_status begin_alone(struct run *r, char *err, size_t errlen)
{
	char *keep = r->err;
	size_t keeplen = r->errlen;
	r->err = err, r->errlen = errlen;
	enum sync_status st = sync_db_run(r->tgt, "BEGIN", 0, NULL, NULL, err,
	                                  errlen);
	if (st == SYNC_OK)
		st = session(r, r->tgt);
	r->err = keep, r->errlen = keeplen;
	return st;
}

/* Commits what begin_alone opened when st is SYNC_OK, else rolls back. */
static enum sync_status commit_alone(struct run *r, enum sync_status st,
                                     char *err, size_t errlen)
{
	if (st == SYNC_OK)
		st = sync_db_run(r->tgt, "COMMIT", 0, NULL,
		                 "recording the run in syncfn.runs", err, errlen);
	if (st != SYNC_OK)
		rollback(r->tgt);
	return st;
}

/* Closes the claimed run (in the data's transaction for a success) and
 * commits, or rolls back for a dry run and closes it on its own. */
static enum sync_status finish(struct run *r, const char *stats)
{
	r->run_id = r->claim_id;
	if (r->req->dry_run) {
		rollback(r->src);
		rollback(r->tgt);
		enum sync_status st = begin_alone(r, r->err, r->errlen);
		if (st == SYNC_OK)
			st = sync_runlog_finish(r->tgt, r->claim_id, "dry_run",
			                        stats, NULL, NULL, r->err,
			                        r->errlen);
		return commit_alone(r, st, r->err, r->errlen);
	}
	enum sync_status st = sync_runlog_finish(r->tgt, r->claim_id, "ok",
	                                         stats, NULL, NULL, r->err,
	                                         r->errlen);
	if (st != SYNC_OK && strcmp(r->tgt->sqlstate, "23505") == 0 &&
	    r->req->message_id) {
		/* the same message completed meanwhile in another run */
		rollback(r->tgt);
		sync_runlog_unclaim(r->tgt, r->claim_id);
		r->claim_id = 0;
		return find_earlier(r);
	}
	if (st == SYNC_OK)
		st = commit(r);
	rollback(r->src);
	return st;
}

/* The full text of the failure (PostgreSQL's message and DETAIL, or
 * libpq's with the host: row data and coordinates, for the run log and
 * the local log only), from whichever connection failed last. */
static void failure_detail(const struct run *r, char *out, size_t len)
{
	const struct sync_db *t = &r->tgt_db, *s = &r->src_db;
	const struct sync_db *d = t->err_seq >= s->err_seq ? t : s;
	snprintf(out, len, "%s", d->err_seq ? d->detail : "");
}

static void record_failure(struct run *r, enum sync_status st,
                           const char *detail)
{
	rollback(r->src);
	rollback(r->tgt);
	if (!r->tgt || !r->tgt->conn || PQstatus(r->tgt->conn) != CONNECTION_OK)
		return;
	char ignore[64]; /* the run's own error is the one to report */
	char error[2400];
	snprintf(error, sizeof error, *detail ? "%s (%s)" : "%s", r->err,
	         detail);
	enum sync_status rec = begin_alone(r, ignore, sizeof ignore);
	if (rec == SYNC_OK && r->claim_id > 0)
		rec = sync_runlog_finish(r->tgt, r->claim_id,
		                         sync_status_name(st), NULL, error,
		                         r->err, ignore, sizeof ignore);
	else if (rec == SYNC_OK)
		rec = sync_runlog_record(r->tgt, r->started,
		                         r->req->type ? r->req->type : "manual",
		                         r->req->message_id, sync_status_name(st),
		                         NULL, error, r->err, &r->run_id, ignore,
		                         sizeof ignore);
	if (r->claim_id > 0)
		r->run_id = r->claim_id;
	commit_alone(r, rec, ignore, sizeof ignore);
}

static enum sync_status claim(struct run *r)
{
	const struct sync_claim c = {
		.started = r->started,
		.type = r->req->type ? r->req->type : "manual",
		.message_id = r->req->message_id,
		.instance = r->req->instance,
		.statement_timeout_ms = r->s->statement_timeout_ms,
		.lock_timeout_ms = r->s->lock_timeout_ms,
	};
	enum sync_status st = sync_runlog_claim(r->tgt, &c, r->log,
	                                        &r->claim_id, r->err,
	                                        r->errlen);
	return st == SYNC_DEDUPLICATED ? find_earlier(r) : st;
}

static enum sync_status run_steps(struct run *r, cJSON **stats)
{
	enum sync_status st = connect_all(r);
	/* a message that synced before needs no lock to say so */
	if (st == SYNC_OK && r->req->message_id && *r->req->message_id) {
		st = find_earlier(r);
		if (st == SYNC_DEDUPLICATED)
			return st;
	}
	if (st == SYNC_OK)
		st = claim(r);
	/* before the source's snapshot: see sync_incr.h */
	if (st == SYNC_OK && sync_incr_any(r->s))
		st = sync_incr_bound_read(r->src, &r->bound, r->err, r->errlen);
	if (st == SYNC_OK)
		st = begin_target(r);
	if (st == SYNC_OK)
		st = begin_source(r);
	const char *tables = r->req->tables ? r->req->tables : r->s->tables;
	if (st == SYNC_OK)
		st = sync_plan_build(&r->plan, r->src, r->tgt, r->s, tables,
		                     r->log, r->err, r->errlen);
	if (st == SYNC_OK && !r->same && r->s->checksum != SYNC_CHECKSUM_OFF)
		st = sync_runlog_quiet(r->tgt, r->plan.t, r->plan.n,
		                       r->s->rules ? r->s->rules->hash : NULL,
		                       r->err, r->errlen);
	if (st == SYNC_OK)
		fn_log(r->log, FN_INFO, "Starting slave-to-prod sync", "type",
		       FN_STR(r->req->type), "tables", FN_INT(r->plan.n),
		       "mode", FN_STR(r->same ? "same_database"
		                              : "two_databases"),
		       "dry_run", FN_BOOL(r->req->dry_run), "message_id",
		       FN_STR(r->req->message_id), NULL);
	if (st == SYNC_OK)
		st = move_all(r);
	if (st == SYNC_OK) {
		*stats = statistics(r);
		char *text = cJSON_PrintUnformatted(*stats);
		st = text ? finish(r, text) : SYNC_FAILED;
		free(text);
		sync_runlog_strip_hints(*stats);
		if (st == SYNC_DEDUPLICATED) {
			cJSON_Delete(*stats);
			*stats = NULL;
		}
	}
	return st;
}

enum sync_status sync_run(const struct sync_settings *settings,
                          const struct sync_request *request,
                          const struct fn_logger *log,
                          struct sync_result *result, char *err,
                          size_t errlen)
{
	struct run r = { .s = settings, .req = request, .log = log,
	                 .err = err, .errlen = errlen, .t0 = sync_now_ms() };
	sync_usage_now(&r.usage0);
	fn_iso_time(r.started);
	if (err && errlen)
		err[0] = '\0';
	cJSON *stats = NULL;
	enum sync_status st = run_steps(&r, &stats);
	if (st == SYNC_OK) {
		fn_log(log, FN_INFO, "Sync completed", "statistics",
		       FN_JSON(stats), "run_id", FN_INT(r.run_id), NULL);
	} else if (st == SYNC_DEDUPLICATED) {
		stats = r.earlier;
		r.earlier = NULL;
		fn_log(log, FN_INFO, "Sync deduplicated", "message_id",
		       FN_STR(request->message_id), "run_id", FN_INT(r.run_id),
		       NULL);
	} else {
		cJSON_Delete(stats);
		stats = NULL;
		if (st == SYNC_BUSY && r.tgt)
			sync_runlog_busy(r.tgt, &r.retry_after_s, err, errlen);
		char detail[1100];
		failure_detail(&r, detail, sizeof detail);
		record_failure(&r, st, detail);
		fn_log(log, st == SYNC_BUSY ? FN_WARN : FN_ERROR, "Sync failed",
		       "status", FN_STR(sync_status_name(st)), "error",
		       FN_STR(err), "detail", FN_STR(*detail ? detail : NULL),
		       "run_id", FN_INT(r.run_id), "message_id",
		       FN_STR(request->message_id), NULL);
	}
	*result = (struct sync_result){ .statistics = stats,
	                                .run_id = r.run_id,
	                                .retry_after_s = r.retry_after_s };
	cJSON_Delete(r.earlier);
	sync_plan_free(&r.plan);
	sync_db_close(&r.tgt_db);
	sync_db_close(&r.src_db);
	return st;
}
