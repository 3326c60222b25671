/* sync_table.c - one table: move the source rows (in its rule's scope) to
 * the target side and merge them (insert missing, update changed; deletes
 * are sync_delete.c's). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_buf.h"
#include "sync_checksum.h"
#include "sync_diff.h"
#include "sync_dupkey.h"
#include "sync_fire.h"
#include "sync_incr.h"
#include "sync_table.h"

#define KV(n, v) { n, v }

/* Expands template tmpl for table t with the extra placeholders given;
 * NULL (err set) on a template bug or out of memory. */
static char *expand(const char *tmpl, const struct sync_table *t,
                    const char *src, const char *stage, const char *action,
                    char *err, size_t errlen)
{
	const struct sync_frag *f = &t->f;
	/* rw reads the merge's source again: filled with it first */
	const struct sync_kv src_kv[] = { KV("src", src ? src : f->src) };
	struct sync_buf rw = { 0 };
	if (sync_tmpl(&rw, f->rw ? f->rw : "", src_kv, 1, err, errlen) != 0 ||
	    rw.oom) {
		if (rw.oom)
			fn_err(err, errlen, "out of memory");
		sync_buf_free(&rw);
		return NULL;
	}
	const struct sync_kv kv[] = {
		KV("src", src ? src : f->src), KV("tgt", f->tgt),
		KV("src_table", f->src_table),
		KV("tgt_only", f->tgt_only), KV("cols", f->cols),
		KV("s_cols", f->s_cols), KV("key", f->key),
		KV("diff_cols", f->diff_cols),
		KV("join", f->join), KV("missing", f->missing),
		KV("d_cmp", f->d_cmp), KV("s_cmp", f->s_cmp),
		KV("t_cmp", f->t_cmp ? f->t_cmp : ""),
		KV("x_cmp", f->x_cmp ? f->x_cmp : ""),
		KV("set", f->set ? f->set : ""),
		KV("set_src", f->set_src ? f->set_src : ""),
		KV("overriding", f->overriding),
		KV("tgt_scope", f->tgt_scope), KV("d_scope", f->d_scope),
		KV("t_scope", f->t_scope),
		KV("stage", stage ? stage : ""),
		KV("dst", stage ? stage : f->tgt),
		KV("action", action ? action : ""),
		KV("ret", f->ret ? f->ret : ""),
		KV("ret_d", f->ret_d ? f->ret_d : ""),
		KV("rw", sync_buf_str(&rw)),
	};
	struct sync_buf b = { 0 };
	int bad = sync_tmpl(&b, tmpl, kv, sizeof kv / sizeof kv[0], err,
	                    errlen) != 0;
	sync_buf_free(&rw);
	if (bad || b.oom) {
		if (b.oom)
			fn_err(err, errlen, "out of memory");
		sync_buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* Names the column and both types when a value failed to convert. */
static void explain_type_error(const struct sync_table *t,
                               const struct sync_db *db, char *err,
                               size_t errlen)
{
	if (strncmp(db->sqlstate, "22", 2) != 0 &&
	    strcmp(db->sqlstate, "42804") != 0)
		return;
	const struct sync_col *hit = NULL;
	for (int i = 0; i < t->ncols && !hit; i++) {
		const struct sync_col *c = &t->cols[i];
		char a[300], b[300];
		snprintf(a, sizeof a, "column %s:", c->name);
		snprintf(b, sizeof b, "column \"%s\"", c->name);
		if (strstr(db->context, a) || strstr(db->message, b))
			hit = c;
	}
	if (!hit) { /* no column named: the only one whose types differ */
		int differ = 0;
		for (int i = 0; i < t->ncols; i++)
			if (strcmp(t->cols[i].src_type, t->cols[i].tgt_type)) {
				differ++;
				hit = &t->cols[i];
			}
		if (differ != 1)
			hit = NULL;
	}
	if (!hit || strcmp(hit->src_type, hit->tgt_type) == 0)
		return;
	size_t len = strlen(err);
	snprintf(err + len, errlen - len, "; column %s.%s is %s on the source "
	         "and %s on the target", t->label, hit->name, hit->src_type,
	         hit->tgt_type);
}

/* A unique violation on the target: the source's duplicate keys when it
 * is the key's index; else (the merge) rows that swap a unique value
 * between them, which PostgreSQL checks row by row unless the constraint
 * is DEFERRABLE (then at the end of the statement). */
static void explain_unique(const struct sync_table *t,
                           const struct sync_db *db, int merge, char *err,
                           size_t errlen)
{
	if (strcmp(db->sqlstate, "23505") != 0 || !*db->constraint)
		return;
	if (strcmp(db->constraint, t->key_index) == 0) {
		sync_dupkey_error(t, err, errlen);
		return;
	}
	size_t len = strlen(err);
	if (!merge) { /* an empty table: only the source's rows collide */
		snprintf(err + len, errlen - len, "; the source has more than "
		         "one row with the same value for unique constraint %s "
		         "of the target", db->constraint);
		return;
	}
	snprintf(err + len, errlen - len, "; if the source's rows swap values "
	         "of unique constraint %s between them (the final rows are "
	         "valid), make it DEFERRABLE INITIALLY IMMEDIATE so it is "
	         "checked at the end of the statement: ALTER TABLE %s DROP "
	         "CONSTRAINT %s, ADD CONSTRAINT %s UNIQUE (...) DEFERRABLE "
	         "INITIALLY IMMEDIATE", db->constraint, t->label,
	         db->constraint, db->constraint);
}

/* The one value sql answers: a count, or a boolean as 1 or 0. */
static enum sync_status run_count(struct sync_db *db, const char *sql,
                                  const char *what, long long *a, char *err,
                                  size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(db, sql, 0, NULL, &r, what, err,
	                                   errlen);
	if (st != SYNC_OK)
		return st;
	if (PQntuples(r) == 1) {
		const char *v = PQgetvalue(r, 0, 0);
		*a = strcmp(v, "t") == 0 ? 1 : strtoll(v, NULL, 10);
	}
	PQclear(r);
	return SYNC_OK;
}

/* The merge's counts, and the columns a BEFORE trigger rewrote when the
 * statement says (sync_fire.h). */
static enum sync_status merge_counts(struct sync_table *t, struct sync_db *db,
                                     const char *sql, const char *what,
                                     char *err, size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(db, sql, 0, NULL, &r, what, err,
	                                   errlen);
	if (st != SYNC_OK)
		return st;
	if (PQntuples(r) == 1) {
		t->out.inserted = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		t->out.updated = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		if (PQnfields(r) > 2 && sync_fire_found(t, PQgetvalue(r, 0, 2))) {
			fn_err(err, errlen, "table %s: out of memory", t->label);
			st = SYNC_FAILED;
		}
	}
	PQclear(r);
	return st;
}

/* Whether every column has the same type on both sides. */
static int same_types(const struct sync_table *t)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].src_type, t->cols[i].tgt_type) != 0)
			return 0;
	return 1;
}

/* A table with a target-only column that an insert cannot fill (NOT
 * NULL, no default) and rows to insert: refused before the table is
 * written, as the configuration error it is; retrying cannot help. */
static enum sync_status refuse_required(const struct sync_table *t, char *err,
                                        size_t errlen)
{
	int many = strchr(t->required, ',') != NULL;
	fn_err(err, errlen, "table %s: the run has rows to insert, but column%s "
	       "%s exist%s only on the target, NOT NULL without a default, so "
	       "no new row can be written; give %s a DEFAULT on the target "
	       "(ALTER TABLE %s ALTER COLUMN ... SET DEFAULT ...), or add %s "
	       "to source table %s (or leave the table out with SYNC_EXCLUDE)",
	       t->label, many ? "s" : "", t->required, many ? "" : "s",
	       many ? "them" : "it", t->label, many ? "them" : "it",
	       t->src_label);
	return SYNC_CONFIG;
}

/* Whether the template (an EXISTS read on db) answers true. */
static enum sync_status exists(const struct sync_table *t, struct sync_db *db,
                               const char *tmpl, const char *src,
                               const char *what, int *yes, char *err,
                               size_t errlen)
{
	char *sql = expand(tmpl, t, src, NULL, NULL, err, errlen);
	long long v = 0;
	enum sync_status st = sql ? run_count(db, sql, what, &v, err, errlen)
	                          : SYNC_FAILED;
	free(sql);
	*yes = v != 0;
	return st;
}

/* An empty target table loads every source row: refused when the source
 * has one and the target a column no insert can fill. */
static enum sync_status check_required_all(const struct sync_table *t,
                                           struct sync_db *src,
                                           const char *what, char *err,
                                           size_t errlen)
{
	int any = 0;
	enum sync_status st = SYNC_OK;
	if (t->required)
		st = exists(t, src, sql_sync_source_any, NULL, what, &any, err,
		            errlen);
	return st == SYNC_OK && any ? refuse_required(t, err, errlen) : st;
}

/* Whether the merge of a few staged rows may update the rows the target
 * has first (sync_merge_update_first.sql says when, and why it pays).
 * same: the rows come from the source table itself (one database). */
static int update_first(const struct sync_table *t, int few, int same)
{
	if (!few || t->fire.user_triggers != 0 || t->tgt_rls ||
	    t->tgt_partitioned || t->required || !t->f.set_src ||
	    t->key_converted)
		return 0;
	for (int i = 0; i < t->ncols; i++) {
		const struct sync_col *c = &t->cols[i];
		int differ = strcmp(c->src_type, c->tgt_type) != 0;
		if (c->is_key && (c->text_cmp || differ))
			return 0;
		/* one database: a column whose type differs may be compared
		 * without the target's typmod (a domain over numeric(10,2),
		 * an array of varchar(5): sync_plan.c's src_value), which
		 * only the write applies, so the value it was written as
		 * would differ on every run; the INSERT ... ON CONFLICT
		 * compares what it wrote */
		if (same && differ)
			return 0;
	}
	return 1;
}

/* The UPDATE of sync_merge_update_first.sql, planned as a nested loop:
 * *updated rows; *rest: some staged row was not updated, so the merge
 * must still run. */
static enum sync_status update_existing(const struct sync_table *t,
                                        struct sync_db *tgt, const char *src,
                                        const char *what, long long *updated,
                                        int *rest, char *err, size_t errlen)
{
	char *sql = expand(sql_sync_merge_update_first, t, src, NULL, NULL, err,
	                   errlen);
	if (!sql)
		return SYNC_FAILED;
	PGresult *was = NULL, *r = NULL;
	enum sync_status st = sync_db_exec(tgt, sql_sync_merge_plan_nested, 0,
	                                   NULL, &was, what, err, errlen);
	if (st == SYNC_OK)
		st = sync_db_exec(tgt, sql, 0, NULL, &r, what, err, errlen);
	if (st == SYNC_OK && PQntuples(was) == 1) {
		const char *p[2] = { PQgetvalue(was, 0, 0), PQgetvalue(was, 0, 1) };
		st = sync_db_run(tgt, sql_sync_merge_plan_restore, 2, p, what,
		                 err, errlen);
	}
	long long staged = 0;
	if (st == SYNC_OK && (!sync_db_ll(r, 0, 0, updated) ||
	                      !sync_db_ll(r, 0, 1, &staged))) {
		fn_err(err, errlen, "table %s: the update of the staged rows "
		       "gave no counts", t->label);
		st = SYNC_FAILED;
	}
	*rest = *updated < staged;
	PQclear(was);
	PQclear(r);
	free(sql);
	return st;
}

/* The merge from src (the source table or the stage); few: src holds
 * few rows, each looked up by key; found: the diff found each of them
 * new or different. */
static enum sync_status merge(struct sync_table *t, struct sync_db *tgt,
                              const char *src, int few, int found,
                              const char *what, char *err, size_t errlen)
{
	char *action = t->f.set
		? expand(sql_sync_merge_update, t, NULL, NULL, NULL, err, errlen)
		: strdup(sql_sync_merge_nothing);
	if (!action)
		return SYNC_FAILED;
	char *check = expand(few ? sql_sync_merge_check_few
	                         : sql_sync_merge_check,
	                     t, src, NULL, NULL, err, errlen);
	char *sql = expand(t->tgt_partitioned     ? sql_sync_merge_partitioned
	                   : found && same_types(t) ? sql_sync_merge_found
	                   : few                  ? sql_sync_merge_diff
	                                          : sql_sync_merge,
	                   t, src, NULL, action, err, errlen);
	free(action);
	double t0 = sync_now_ms();
	long long todo = 0;
	enum sync_status st = check && sql
		? run_count(tgt, check, what, &todo, err, errlen)
		: SYNC_FAILED;
	/* a column no insert can fill: refused when a row is new, else the
	 * rows that differ are updated in place (see the template) */
	int inserts = 0;
	if (st == SYNC_OK && todo && t->required)
		st = exists(t, tgt, sql_sync_merge_inserts, src, what, &inserts,
		            err, errlen);
	if (st == SYNC_OK && inserts)
		st = refuse_required(t, err, errlen);
	if (st == SYNC_OK && todo && t->required && t->f.set) {
		free(sql);
		sql = expand(sql_sync_merge_update_only, t, src, NULL, NULL,
		             err, errlen);
		if (!sql)
			st = SYNC_FAILED;
	}
	long long first = 0;
	int rest = 1;
	if (st == SYNC_OK && todo && update_first(t, few, !src))
		st = update_existing(t, tgt, src, what, &first, &rest, err,
		                     errlen);
	if (!rest)
		todo = 0;
	if (st == SYNC_OK && todo && !(t->required && !t->f.set))
		st = merge_counts(t, tgt, sql, what, err, errlen);
	t->out.updated += first;
	t->out.merge_ms += sync_now_ms() - t0;
	free(check);
	free(sql);
	if (st == SYNC_CONFIG)
		return st;
	if (st != SYNC_OK && strcmp(tgt->sqlstate, "21000") == 0)
		return sync_dupkey_error(t, err, errlen);
	if (st != SYNC_OK)
		explain_unique(t, tgt, 1, err, errlen);
	return st;
}

static enum sync_status is_empty(const struct sync_table *t,
                                 struct sync_db *tgt,
                                 const char *what, int *empty, char *err,
                                 size_t errlen)
{
	char *sql = expand(sql_sync_is_empty, t, NULL, NULL, NULL, err, errlen);
	if (!sql)
		return SYNC_FAILED;
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql, 0, NULL, &r, what, err,
	                                   errlen);
	free(sql);
	if (st == SYNC_OK) {
		*empty = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
	}
	return st;
}

/* The bytes the table's rows take on one side, -1 when unknown. */
static long long table_bytes(struct sync_db *db, unsigned oid_value)
{
	char oid[16];
	snprintf(oid, sizeof oid, "%u", oid_value);
	const char *p[1] = { oid };
	PGresult *r;
	long long n = -1;
	char ignore[64];
	if (sync_db_exec(db, sql_sync_table_size, 1, p, &r, NULL, ignore,
	                 sizeof ignore) != SYNC_OK)
		return -1;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

/* The planner's share of the source's rows in the rule's scope (1 when
 * it cannot say): a filtered table's target holds only those rows. */
static double scope_share(const struct sync_table *t, struct sync_db *src)
{
	char ignore[64];
	char *sql = expand(sql_sync_scope_share, t, NULL, NULL, NULL, ignore,
	                   sizeof ignore);
	PGresult *r;
	if (!sql || sync_db_exec(src, sql, 0, NULL, &r, NULL, ignore,
	                         sizeof ignore) != SYNC_OK) {
		free(sql);
		return 1;
	}
	free(sql);
	double share = 1;
	cJSON *plan = PQntuples(r) == 1 ? cJSON_Parse(PQgetvalue(r, 0, 0)) : NULL;
	const cJSON *top = cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetArrayItem(plan, 0), "Plan");
	const cJSON *kids = cJSON_GetObjectItemCaseSensitive(top, "Plans");
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetArrayItem(kids, 0), "Plan Rows");
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetArrayItem(kids, 1), "Plan Rows");
	if (cJSON_IsNumber(in) && cJSON_IsNumber(all) && all->valuedouble >= 1)
		share = in->valuedouble / all->valuedouble;
	cJSON_Delete(plan);
	PQclear(r);
	return share < 0 ? 0 : share > 1 ? 1 : share;
}

/* Whether to compare checksums: where it can run, and unless the target
 * takes under half the source's bytes on disk. Then most segments differ,
 * every row would be fetched again by key, and streaming both sides (the
 * copy diff, or the stage) is faster. Sizes rather than the planner's
 * row estimates: a table nobody analyzed has none, and a fresh target
 * holding a handful of rows is exactly the case that must not take the
 * checksum. A bloated target only errs toward the checksum. From the
 * same sizes it sets t->hint.src_worker, which the checksum reads. */
static int use_checksum(struct sync_table *t, struct sync_db *src,
                        struct sync_db *tgt)
{
	if (!sync_checksum_possible(t, src, tgt, t->out.fallback,
	                            sizeof t->out.fallback))
		return 0;
	long long have = table_bytes(tgt, t->tgt_oid);
	long long want = table_bytes(src, t->src_oid);
	t->hint.src_worker = have > 0 && want / 4 >= have;
	if (t->checksum == SYNC_CHECKSUM_ON)
		return 1;
	if (want > 0 && t->rule && t->rule->where)
		want = (long long)((double)want * scope_share(t, src));
	return have < 0 || want < 0 || have >= want / 2;
}

/* An empty target in the same database: one plain INSERT ... SELECT. */
static enum sync_status insert_direct(struct sync_table *t, struct sync_db *db,
                                      const struct sync_request *req,
                                      const char *what, char *err,
                                      size_t errlen)
{
	t->out.method = "insert_direct";
	enum sync_status st0 = check_required_all(t, db, what, err, errlen);
	if (st0 != SYNC_OK)
		return st0;
	char *sql = expand(sql_sync_insert_direct, t, NULL, NULL, NULL, err,
	                   errlen);
	if (!sql)
		return SYNC_FAILED;
	double t0 = sync_now_ms();
	PGresult *r;
	enum sync_status st = sync_db_exec(db, sql, 0, NULL, &r, what, err,
	                                   errlen);
	t->out.merge_ms = sync_now_ms() - t0;
	free(sql);
	if (st != SYNC_OK) {
		explain_unique(t, db, 0, err, errlen);
		return st;
	}
	t->out.inserted = t->out.source_rows = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	if (req->progress)
		req->progress(req->progress_ctx, t->label, t->out.source_rows,
		              t->estimate);
	return SYNC_OK;
}

static enum sync_status same_database(struct sync_table *t, struct sync_db *db,
                                      const struct sync_request *req,
                                      const char *what, char *err,
                                      size_t errlen)
{
	int empty = 0;
	enum sync_status st = sync_dupkey_check_source(t, db, what, err,
	                                               errlen);
	/* row level security could hide rows from the emptiness check */
	if (st == SYNC_OK && !t->tgt_rls)
		st = is_empty(t, db, what, &empty, err, errlen);
	if (st != SYNC_OK)
		return st;
	/* a partial incremental run of an empty target would load only the
	 * rows past the watermark */
	if (empty && t->incr.src_full)
		sync_incr_whole(t, "target empty");
	if (empty)
		return insert_direct(t, db, req, what, err, errlen);
	/* a partial incremental run reads few rows: each looked up by key */
	int partial = t->incr.src_full != NULL;
	t->out.method = "insert_select";
	char *count = expand(sql_sync_count, t, NULL, NULL, NULL, err, errlen);
	if (!count)
		return SYNC_FAILED;
	double t0 = sync_now_ms();
	st = run_count(db, count, what, &t->out.source_rows, err, errlen);
	t->out.count_ms = sync_now_ms() - t0;
	free(count);
	if (st == SYNC_OK)
		st = merge(t, db, NULL, partial, 0, what, err, errlen);
	/* no rows stream here: one report when the table is done */
	if (st == SYNC_OK && req->progress)
		req->progress(req->progress_ctx, t->label, t->out.source_rows,
		              t->estimate);
	return st;
}

/* COPY from the source into dst (the stage or the target itself). */
static enum sync_status stream(struct sync_table *t, struct sync_db *src,
                               struct sync_db *tgt, const char *stage,
                               const struct sync_request *req, char *err,
                               size_t errlen)
{
	/* COPY table TO refuses generated columns and partitioned tables,
	 * and has no WHERE */
	int query = t->src_partitioned || t->src_generated ||
	            (t->rule && t->rule->where) || t->incr.src_full;
	char *out = expand(query ? sql_sync_copy_out_query
	                                      : sql_sync_copy_out,
	                   t, NULL, NULL, NULL, err, errlen);
	char *in = expand(sql_sync_copy_in, t, NULL, stage, NULL, err, errlen);
	enum sync_status st = SYNC_FAILED;
	if (out && in) {
		double t0 = sync_now_ms();
		st = sync_copy_stream(src, tgt, out, in, t, req,
		                      &t->out.source_rows, err, errlen);
		t->out.copy_ms = sync_now_ms() - t0;
	}
	free(out);
	free(in);
	return st;
}

static enum sync_status run_tmpl(const struct sync_table *t, struct sync_db *db,
                                 const char *tmpl, const char *stage,
                                 const char *what, char *err, size_t errlen)
{
	char *sql = expand(tmpl, t, NULL, stage, NULL, err, errlen);
	if (!sql)
		return SYNC_FAILED;
	enum sync_status st = sync_db_run(db, sql, 0, NULL, what, err, errlen);
	free(sql);
	return st;
}

/* Where the diff's rows go: the stage, created with the first of them. */
struct stage_sink {
	struct sync_table *t;
	struct sync_db *tgt;
	const char *stage, *what;
	int created;
};

/* The stage's COPY ... FROM STDIN, the stage created first if need be;
 * NULL on error. */
static char *stage_copy_in(struct stage_sink *k, char *err, size_t errlen)
{
	enum sync_status st = SYNC_OK;
	if (!k->created)
		st = run_tmpl(k->t, k->tgt, sql_sync_stage, k->stage, k->what,
		              err, errlen);
	k->created = st == SYNC_OK;
	return st == SYNC_OK ? expand(sql_sync_copy_in, k->t, NULL, k->stage,
	                              NULL, err, errlen)
	                     : NULL;
}

static enum sync_status to_stage(void *ctx, struct sync_buf *rows, char *err,
                                 size_t errlen)
{
	struct stage_sink *k = ctx;
	double t0 = sync_now_ms();
	char *in = stage_copy_in(k, err, errlen);
	enum sync_status st = in ? sync_copy_rows(k->tgt, in, sync_buf_str(rows),
	                                          rows->len, k->t, err, errlen)
	                         : SYNC_FAILED;
	free(in);
	rows->len = 0;
	k->t->out.copy_ms += sync_now_ms() - t0;
	return st;
}

/* The source's rows of copy_out straight into the stage: both servers
 * work at once, the client only forwards. Its time counts as the diff's
 * (it reads the source), not as the stage's. */
static enum sync_status stream_to_stage(void *ctx, struct sync_db *src,
                                        const char *copy_out, long long *rows,
                                        char *err, size_t errlen)
{
	struct stage_sink *k = ctx;
	const struct sync_request quiet = { 0 }; /* no table progress */
	char *in = stage_copy_in(k, err, errlen);
	enum sync_status st = in ? sync_copy_stream(src, k->tgt, copy_out, in,
	                                            k->t, &quiet, rows, err,
	                                            errlen)
	                         : SYNC_FAILED;
	free(in);
	return st;
}

/* Reads both sides in key order (or, checksum: compares both sides'
 * hashes) and stages the source rows that differ; *staged: how many. */
static enum sync_status diff(struct sync_table *t, struct sync_db *src,
                             struct sync_db *tgt, const char *stage,
                             const char *what, long long *staged,
                             int checksum, const struct sync_request *req,
                             char *err, size_t errlen)
{
	char *out = expand(sql_sync_copy_out_ordered, t, NULL, NULL, NULL, err,
	                   errlen);
	if (!out)
		return SYNC_FAILED;
	struct stage_sink sink = { .t = t, .tgt = tgt, .stage = stage,
	                           .what = what };
	struct sync_diff d = { .flush = to_stage, .stream = stream_to_stage,
	                       .ctx = &sink };
	double t0 = sync_now_ms();
	enum sync_status st = checksum
		? sync_checksum_stream(src, tgt, t, req, &d, err, errlen)
		: sync_diff_stream(src, tgt, out, t, req, &d, err, errlen);
	/* the diff's own time: reading and comparing, not staging */
	t->out.diff_ms = sync_now_ms() - t0 - t->out.copy_ms;
	t->out.source_rows = d.read;
	*staged = d.staged;
	sync_buf_free(&d.rows);
	free(out);
	return st;
}

/* pg_temp named: a schema of the search_path cannot hold it */
static void stage_name(char *out, size_t len, int index)
{
	snprintf(out, len, "pg_temp.syncfn_stage_%d", index);
}

/* The merge of what the diff (or the stream) staged, then the stage
 * dropped. */
static enum sync_status merge_stage(struct sync_table *t, struct sync_db *tgt,
                                    const char *stage, int few, int partial,
                                    const char *what, char *err,
                                    size_t errlen)
{
	double t0 = sync_now_ms();
	enum sync_status st = SYNC_OK;
	if (!few)
		st = run_tmpl(t, tgt, sql_sync_analyze, stage, what, err, errlen);
	t->out.analyze_ms = sync_now_ms() - t0;
	if (st == SYNC_OK)
		st = merge(t, tgt, stage, few, few && !partial, what, err,
		           errlen);
	/* free the temp buffers now rather than at commit */
	if (st == SYNC_OK)
		st = run_tmpl(t, tgt, sql_sync_stage_drop, stage, what, err,
		              errlen);
	return st;
}

enum sync_status sync_table_diff_first(struct sync_table *t, int index,
                                       struct sync_db *src,
                                       struct sync_db *tgt,
                                       const struct sync_request *req,
                                       char *err, size_t errlen)
{
	char what[340], stage[48];
	snprintf(what, sizeof what, "table %s", t->label);
	stage_name(stage, sizeof stage, index);
	double t0 = sync_now_ms();
	int empty = 0;
	enum sync_status st = SYNC_OK;
	if (!t->tgt_rls)
		st = is_empty(t, tgt, what, &empty, err, errlen);
	if (st != SYNC_OK || t->tgt_rls || t->incr.src_full)
		return st;
	if (empty) { /* nothing to delete; copied whole in its turn */
		t->del.keys_all = 1;
		t->del.tgt_rows = 0;
		return SYNC_OK;
	}
	if (!use_checksum(t, src, tgt))
		return SYNC_OK;
	t->out.method = "checksum";
	t->del.collect = 1;
	st = diff(t, src, tgt, stage, what, &t->del.pre_staged, 1, req, err,
	          errlen);
	t->del.collect = 0;
	t->del.pre_diffed = st == SYNC_OK;
	if (st != SYNC_OK)
		t->del.keys_all = 0;
	t->out.total_ms += sync_now_ms() - t0;
	if (st != SYNC_OK)
		explain_type_error(t, tgt, err, errlen);
	return st;
}

static enum sync_status two_databases(struct sync_table *t, int index,
                                      struct sync_db *src, struct sync_db *tgt,
                                      const struct sync_request *req,
                                      const char *what, char *err,
                                      size_t errlen)
{
	int empty = 0;
	enum sync_status st = SYNC_OK;
	if (t->del.pre_diffed) { /* compared before the first write */
		char stage[48];
		stage_name(stage, sizeof stage, index);
		if (t->del.pre_staged == 0)
			return SYNC_OK;
		return merge_stage(t, tgt, stage,
		                   t->del.pre_staged <= t->out.source_rows / 4, 0, what,
		                   err, errlen);
	}
	/* COPY FROM is refused on a table whose row level security applies
	 * to us, so such a table always goes through the stage. */
	if (!t->tgt_rls)
		st = is_empty(t, tgt, what, &empty, err, errlen);
	if (st != SYNC_OK)
		return st;
	if (empty && t->incr.src_full)
		sync_incr_whole(t, "target empty");
	if (empty) {
		t->out.method = "copy_direct";
		st = check_required_all(t, src, what, err, errlen);
		if (st != SYNC_OK)
			return st;
		st = sync_checksum_before_copy(src, tgt, t, err, errlen);
		if (st == SYNC_OK)
			st = stream(t, src, tgt, NULL, req, err, errlen);
		t->out.inserted = t->out.source_rows;
		if (st != SYNC_OK)
			explain_unique(t, tgt, 0, err, errlen);
		return st;
	}
	char stage[48];
	stage_name(stage, sizeof stage, index);
	int few = 0;
	/* a partial incremental run stages the source's rows past the
	 * watermark and merges them by key: no read of the whole target */
	int partial = t->incr.src_full != NULL;
	/* checksum (sync_checksum.h) where it pays, else the copy diff */
	int checksum = !partial && use_checksum(t, src, tgt);
	if (!partial &&
	    (checksum || (!t->tgt_rls && sync_diff_possible(t)))) {
		t->out.method = checksum ? "checksum" : "copy_diff";
		long long staged = 0;
		st = diff(t, src, tgt, stage, what, &staged, checksum, req, err,
		          errlen);
		if (st != SYNC_OK || staged == 0)
			return st; /* nothing differs: nothing to write */
		/* a stage of a few changed rows is merged by key lookups */
		few = staged <= t->out.source_rows / 4;
	} else {
		t->out.method = "copy_stage";
		st = run_tmpl(t, tgt, sql_sync_stage, stage, what, err, errlen);
		if (st == SYNC_OK)
			st = stream(t, src, tgt, stage, req, err, errlen);
		if (st == SYNC_OK)
			st = sync_dupkey_index_stage(t, tgt, stage, what, err,
			                             errlen);
		few = partial && (t->estimate <= 0 ||
		                  t->out.source_rows <= t->estimate / 4);
	}
	if (st == SYNC_OK)
		st = merge_stage(t, tgt, stage, few, partial, what, err, errlen);
	return st;
}

enum sync_status sync_table_run(struct sync_table *t, int index,
                                struct sync_db *src, struct sync_db *tgt,
                                int same, const struct sync_request *req,
                                char *err, size_t errlen)
{
	char what[340];
	snprintf(what, sizeof what, "table %s", t->label);
	double t0 = sync_now_ms();
	enum sync_status st = same
		? same_database(t, tgt, req, what, err, errlen)
		: two_databases(t, index, src, tgt, req, what, err, errlen);
	t->out.total_ms += sync_now_ms() - t0;
	if (st != SYNC_OK)
		explain_type_error(t, tgt, err, errlen);
	return st;
}
