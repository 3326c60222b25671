/* sync_delete.c - delete rules and their guard (see sync_delete.h). */
#include "sync_delete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_rules_check.h"
#include "sync_table.h"
#include "sync_usage.h"

static int deletes(const struct sync_table *t)
{
	/* a partial incremental run never deletes: it did not read the
	 * source's other rows */
	return t->rule && t->rule->delete_rows && t->f.src &&
	       !t->incr.src_full;
}

/* The keys table of the index-th table (two databases). */
static void keys_name(char *out, size_t len, int index)
{
	snprintf(out, len, "pg_temp.syncfn_keys_%d", index);
}

static char *expand(const char *tmpl, const struct sync_table *t,
                    const char *keys, int same, char *err, size_t errlen)
{
	const struct sync_frag *f = &t->f;
	const struct sync_kv kv[] = {
		{ "keys", keys }, { "key", f->key }, { "src", f->src },
		{ "tgt_only", f->tgt_only }, { "tgt_scope", f->tgt_scope },
		{ "d_scope", f->d_scope }, { "join", f->join },
		{ "from", same ? f->src : keys },
	};
	struct sync_buf b = { 0 };
	if (sync_tmpl(&b, tmpl, kv, sizeof kv / sizeof kv[0], err, errlen) ||
	    b.oom) {
		if (b.oom)
			fn_err(err, errlen, "out of memory");
		sync_buf_free(&b);
		return NULL;
	}
	return b.p;
}

static enum sync_status refs(struct sync_plan *plan, struct sync_table *t,
                             struct sync_db *tgt, char *err, size_t errlen)
{
	char oid[16];
	snprintf(oid, sizeof oid, "%u", t->tgt_oid);
	const char *p[1] = { oid };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_delete_refs, 1, p, &r,
	                                   NULL, err, errlen);
	if (st != SYNC_OK)
		return st;
	for (int i = 0; i < PQntuples(r); i++)
		sync_rules_problem(plan, t, ".delete", "table %s is referenced "
		                   "by table %s (constraint %s, ON DELETE %s): "
		                   "its deletes would change that table too; "
		                   "say \"cascade\": true if that is meant",
		                   t->label, PQgetvalue(r, i, 0),
		                   PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
	PQclear(r);
	return SYNC_OK;
}

enum sync_status sync_delete_check(struct sync_plan *plan, struct sync_db *tgt,
                                   char *err, size_t errlen)
{
	enum sync_status st = SYNC_OK;
	for (int i = 0; i < plan->n && st == SYNC_OK; i++)
		if (deletes(&plan->t[i]) && !plan->t[i].rule->cascade)
			st = refs(plan, &plan->t[i], tgt, err, errlen);
	return st;
}

static enum sync_status run(struct sync_db *db, const char *tmpl,
                            const struct sync_table *t, const char *keys,
                            int same, const char *what, PGresult **r,
                            char *err, size_t errlen)
{
	char *sql = expand(tmpl, t, keys, same, err, errlen);
	if (!sql)
		return SYNC_FAILED;
	enum sync_status st = r ? sync_db_exec(db, sql, 0, NULL, r, what, err,
	                                       errlen)
	                        : sync_db_run(db, sql, 0, NULL, what, err,
	                                      errlen);
	free(sql);
	return st;
}

/* The planner's statistics of the keys table, so its join is planned on
 * its real size. */
static enum sync_status analyze_keys(struct sync_db *tgt, const char *keys,
                                     const char *what, char *err,
                                     size_t errlen)
{
	struct sync_buf a = { 0 };
	sync_buf_addf(&a, "ANALYZE %s", keys);
	enum sync_status st = a.oom ? SYNC_FAILED
	                    : sync_db_run(tgt, a.p, 0, NULL, what, err, errlen);
	sync_buf_free(&a);
	return st;
}

/* Two databases: the source's keys in scope into a temporary table. */
static enum sync_status copy_keys(const struct sync_table *t, int index,
                                  struct sync_db *src, struct sync_db *tgt,
                                  const char *what, char *err, size_t errlen)
{
	char keys[48];
	keys_name(keys, sizeof keys, index);
	enum sync_status st = run(tgt, sql_sync_delete_keys, t, keys, 0, what,
	                          NULL, err, errlen);
	char *out = st == SYNC_OK ? expand(sql_sync_delete_keys_out, t, keys, 0,
	                                   err, errlen) : NULL;
	char *in = out ? expand(sql_sync_delete_keys_in, t, keys, 0, err, errlen)
	               : NULL;
	if (st == SYNC_OK && (!out || !in))
		st = SYNC_FAILED;
	const struct sync_request quiet = { 0 };
	long long rows = 0;
	if (st == SYNC_OK)
		st = sync_copy_stream(src, tgt, out, in, t, &quiet, &rows, err,
		                      errlen);
	free(out);
	free(in);
	return st == SYNC_OK ? analyze_keys(tgt, keys, what, err, errlen) : st;
}

/* One key of del.to_keys as a line of COPY text. */
static void copy_line(struct sync_buf *b, const char *k, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		const char *esc = k[i] == '\\' ? "\\\\" : k[i] == '\n' ? "\\n"
		                : k[i] == '\r' ? "\\r" : k[i] == '\t' ? "\\t"
		                : NULL;
		if (esc)
			sync_buf_add(b, esc);
		else
			sync_buf_addn(b, k + i, 1);
	}
	sync_buf_add(b, "\n");
}

/* The checksum's target-only keys (t->del.to_keys) into the keys table,
 * *n how many. */
static enum sync_status list_keys(const struct sync_table *t, int index,
                                  struct sync_db *tgt, const char *what,
                                  long long *n, char *err, size_t errlen)
{
	const struct sync_buf *k = &t->del.to_keys;
	struct sync_buf rows = { 0 };
	*n = 0;
	for (size_t at = 0; at + 4 <= k->len;) {
		const unsigned char *p = (const unsigned char *)k->p + at;
		uint32_t len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		               (uint32_t)p[2] << 8 | p[3];
		copy_line(&rows, k->p + at + 4, len);
		at += 4 + (size_t)len;
		(*n)++;
	}
	if (*n == 0)
		return SYNC_OK;
	char keys[48];
	keys_name(keys, sizeof keys, index);
	enum sync_status st = rows.oom ? SYNC_FAILED : SYNC_OK;
	if (rows.oom)
		fn_err(err, errlen, "table %s: out of memory", t->label);
	if (st == SYNC_OK)
		st = run(tgt, sql_sync_delete_keys, t, keys, 0, what, NULL, err,
		         errlen);
	char *in = st == SYNC_OK ? expand(sql_sync_delete_keys_in, t, keys, 0,
	                                  err, errlen) : NULL;
	if (st == SYNC_OK)
		st = in ? sync_copy_rows(tgt, in, rows.p, rows.len, t, err,
		                         errlen)
		        : SYNC_FAILED;
	free(in);
	sync_buf_free(&rows);
	return st == SYNC_OK ? analyze_keys(tgt, keys, what, err, errlen) : st;
}

static enum sync_status guard(const struct sync_table *t, long long n,
                              long long total, char *err, size_t errlen)
{
	const struct sync_rule *r = t->rule;
	double pct = total ? 100.0 * (double)n / (double)total : 0;
	char limit[120] = "";
	if (r->max_rows >= 0 && n > r->max_rows)
		snprintf(limit, sizeof limit, "max_rows %lld", r->max_rows);
	else if (r->max_percent >= 0 && pct > r->max_percent)
		snprintf(limit, sizeof limit, "max_percent %g", r->max_percent);
	else if (n > 0 && n == total && r->max_percent < 100)
		snprintf(limit, sizeof limit, "every row in scope: the source "
		         "has none of them, which a delete rule never follows "
		         "unless max_percent is 100");
	if (!*limit)
		return SYNC_OK;
	fn_err(err, errlen, "table %s: the delete rule would delete %lld of "
	       "the %lld target rows in scope (%.1f%%), over its guard (%s); "
	       "nothing was written. If the source is right, raise the guard "
	       "in SYNC_RULES[\"%s\"].delete", t->label, n, total, pct, limit,
	       r->table);
	return SYNC_GUARD;
}

enum sync_status sync_delete_count(struct sync_plan *plan, struct sync_db *src,
                                   struct sync_db *tgt, int same,
                                   const struct sync_request *req, char *err,
                                   size_t errlen)
{
	enum sync_status st = SYNC_OK;
	for (int i = 0; i < plan->n && st == SYNC_OK; i++) {
		struct sync_table *t = &plan->t[i];
		if (!deletes(t))
			continue;
		char what[340], keys[48];
		snprintf(what, sizeof what, "table %s", t->label);
		keys_name(keys, sizeof keys, i);
		long long b0 = same ? -1 : sync_usage_bytes(src);
		long long g0 = same ? -1 : sync_usage_bytes(tgt);
		long long n = 0, total = 0;
		/* the checksum path: its target-only keys are the deletes */
		if (!same)
			st = sync_table_diff_first(t, i, src, tgt, req, err,
			                           errlen);
		t->del.listed = !same && st == SYNC_OK && t->del.keys_all;
		if (t->del.listed) {
			total = t->del.tgt_rows;
			st = list_keys(t, i, tgt, what, &n, err, errlen);
		} else if (!same && st == SYNC_OK) {
			st = copy_keys(t, i, src, tgt, what, err, errlen);
		}
		sync_buf_free(&t->del.to_keys);
		long long b1 = same ? -1 : sync_usage_bytes(src);
		long long g1 = same ? -1 : sync_usage_bytes(tgt);
		t->out.keys_bytes = b0 >= 0 && b1 >= b0 ? b1 - b0 : 0;
		t->del.pre_tgt_bytes = g0 >= 0 && g1 >= g0 ? g1 - g0 : 0;
		PGresult *r = NULL;
		if (st == SYNC_OK && !t->del.listed) {
			st = run(tgt, sql_sync_delete_count, t, keys, same, what,
			         &r, err, errlen);
			if (st == SYNC_OK) {
				sync_db_ll(r, 0, 0, &n);
				sync_db_ll(r, 0, 1, &total);
			}
			PQclear(r);
		}
		if (st != SYNC_OK)
			break;
		t->out.delete_found = n;
		t->del.counted = 1;
		st = guard(t, n, total, err, errlen);
	}
	return st;
}

/* A row to delete that a NO ACTION / RESTRICT key still references. */
static void explain_blocked(const struct sync_table *t,
                            const struct sync_db *db, char *err,
                            size_t errlen)
{
	if (strcmp(db->sqlstate, "23503") != 0)
		return;
	size_t len = strlen(err);
	snprintf(err + len, errlen - len, "; a row the delete rule of %s "
	         "would delete is still referenced through constraint %s (ON "
	         "DELETE NO ACTION or RESTRICT): give the referencing table a "
	         "delete rule too, or leave this one out; nothing was applied",
	         t->label, *db->constraint ? db->constraint : "(unnamed)");
}

enum sync_status sync_delete_apply(struct sync_plan *plan, struct sync_db *tgt,
                                   int same, char *err, size_t errlen)
{
	enum sync_status st = SYNC_OK;
	for (int i = plan->n - 1; i >= 0 && st == SYNC_OK; i--) {
		struct sync_table *t = &plan->t[i];
		/* a partial incremental run that went full on finding its
		 * target empty (sync_table.c) was not counted, and has nothing
		 * to delete */
		if (!deletes(t) || !t->del.counted)
			continue;
		char what[340], keys[48];
		snprintf(what, sizeof what, "deleting from table %s", t->label);
		keys_name(keys, sizeof keys, i);
		PGresult *r = NULL;
		double t0 = sync_now_ms();
		if (t->del.listed && t->out.delete_found == 0) {
			t->out.deleted = 0; /* no target-only key: no statement */
			continue;
		}
		st = sync_rules_triggers(tgt, t, 1, err, errlen);
		if (st == SYNC_OK)
			st = run(tgt, t->del.listed ? sql_sync_delete_listed
			                               : sql_sync_delete,
			         t, keys, same, what, &r, err, errlen);
		if (st == SYNC_OK)
			st = sync_rules_triggers(tgt, t, 0, err, errlen);
		t->out.total_ms += sync_now_ms() - t0;
		if (st != SYNC_OK) {
			PQclear(r);
			explain_blocked(t, tgt, err, errlen);
			break;
		}
		t->out.deleted = strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
	}
	return st;
}
