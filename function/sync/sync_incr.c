/* sync_incr.c - incremental rules (see sync_incr.h). */
#include "sync_incr.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_rules_check.h"

/* Past this share of the table's rows (1 / SHARE) an incremental run
 * takes the whole-table method: its key lookups cost more per row than
 * the full comparison's streams. */
#define SHARE 10

int sync_incr_any(const struct sync_settings *s)
{
	for (int i = 0; s->rules && i < s->rules->n; i++)
		if (s->rules->rule[i].incr_column)
			return 1;
	return 0;
}

static long long ll_or(const PGresult *r, int col, long long def)
{
	long long v;
	return sync_db_ll(r, 0, col, &v) ? v : def;
}

enum sync_status sync_incr_bound_read(struct sync_db *src,
                                      struct sync_incr_bound *b, char *err,
                                      size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(src, sql_sync_incr_bound, 0, NULL,
	                                   &r, "reading the source's open "
	                                   "transactions (pg_stat_activity)",
	                                   err, errlen);
	if (st != SYNC_OK)
		return st;
	snprintf(b->at, sizeof b->at, "%s", PQgetvalue(r, 0, 0));
	b->open = ll_or(r, 1, 1);
	b->hidden = ll_or(r, 2, 1);
	b->standby = strcmp(PQgetvalue(r, 0, 3), "f") != 0;
	b->read = 1;
	PQclear(r);
	return SYNC_OK;
}


static char kind_of(const char *typname)
{
	static const struct { const char *name; char kind; } k[] = {
		{ "timestamptz", 'z' }, { "timestamp", 't' }, { "date", 'd' },
		{ "int2", 'i' }, { "int4", 'i' }, { "int8", 'i' },
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		if (strcmp(typname, k[i].name) == 0)
			return k[i].kind;
	return 0;
}

/* The column's checks; *ok when the rule can run. */
static void check_column(struct sync_plan *plan, struct sync_table *t,
                         const PGresult *r, const struct fn_logger *log,
                         int *ok)
{
	const struct sync_rule *u = t->rule;
	const char *c = u->incr_column;
	*ok = 0;
	if (PQntuples(r) != 1) {
		sync_rules_problem(plan, t, ".incremental.column", "source table "
		                   "%s has no column \"%s\"", t->src_label, c);
		return;
	}
	char kind = strcmp(PQgetvalue(r, 0, 1), "t") == 0
		? kind_of(PQgetvalue(r, 0, 0)) : 0;
	if (sync_rules_excluded(t, c)) {
		sync_rules_problem(plan, t, ".incremental.column", "column "
		                   "\"%s\" is in exclude_columns: an excluded "
		                   "column is never the watermark", c);
	} else if (!kind) {
		sync_rules_problem(plan, t, ".incremental.column", "column "
		                   "%s.%s is %s: expected timestamp, timestamptz, "
		                   "date or an integer type (smallint, integer, "
		                   "bigint)", t->src_label, c, PQgetvalue(r, 0, 4));
	} else if (kind == 'i' && !u->incr_lookback_number &&
	           u->incr_lookback) {
		sync_rules_problem(plan, t, ".incremental.lookback", "column "
		                   "%s.%s is an integer: expected a whole number",
		                   t->src_label, c);
	} else if (kind != 'i' && u->incr_lookback_number) {
		sync_rules_problem(plan, t, ".incremental.lookback", "column "
		                   "%s.%s is %s: expected a duration (\"1m\")",
		                   t->src_label, c, PQgetvalue(r, 0, 4));
	} else {
		*ok = 1;
		t->incr.kind = kind;
	}
	if (*ok && strcmp(PQgetvalue(r, 0, 3), "t") != 0)
		sync_plan_warn(plan, log, t->label, "table %s: incremental column %s has "
		     "no index on the source, so every run reads the whole "
		     "source table; CREATE INDEX ON %s (%s)", t->label, c,
		     t->src_label, c);
	if (*ok && strcmp(PQgetvalue(r, 0, 2), "t") != 0)
		sync_plan_warn(plan, log, t->label, "table %s: incremental column %s may "
		     "be NULL on the source: rows with NULL in it are compared "
		     "only by full runs (the first, after a rule change, every "
		     "full_every)", t->label, c);
}

/* The hash of the rule and the table's columns (names, types, key): a
 * change of either makes the next run full. */
static void hash_table(struct sync_table *t)
{
	uint64_t h = 14695981039346656037ULL;
	const char *parts[4];
	int np = 0;
	parts[np++] = t->rule->text ? t->rule->text : "";
	parts[np++] = t->label;
	parts[np++] = t->src_label;
	for (int p = 0; p < np; p++)
		for (const unsigned char *c = (const unsigned char *)parts[p];
		     ; c++) {
			h = (h ^ *c) * 1099511628211ULL;
			if (!*c)
				break;
		}
	for (int i = 0; i < t->ncols; i++) {
		const char *f[3] = { t->cols[i].name, t->cols[i].src_type,
		                     t->cols[i].tgt_type };
		for (int k = 0; k < 3; k++)
			for (const unsigned char *c = (const unsigned char *)f[k];
			     ; c++) {
				h = (h ^ *c) * 1099511628211ULL;
				if (!*c)
					break;
			}
		h = (h ^ (unsigned)t->cols[i].is_key) * 1099511628211ULL;
	}
	snprintf(t->incr.hash, sizeof t->incr.hash, "%016llx",
	         (unsigned long long)h);
}

enum sync_status sync_incr_check(struct sync_plan *plan, struct sync_db *src,
                                 const struct fn_logger *log, char *err,
                                 size_t errlen)
{
	for (int i = 0; i < plan->n; i++) {
		struct sync_table *t = &plan->t[i];
		if (!t->rule || !t->rule->incr_column)
			continue;
		char oid[16];
		snprintf(oid, sizeof oid, "%u", t->src_oid);
		const char *p[2] = { oid, t->rule->incr_column };
		PGresult *r;
		enum sync_status st = sync_db_exec(src, sql_sync_incr_column, 2,
		                                   p, &r, "checking SYNC_RULES",
		                                   err, errlen);
		if (st != SYNC_OK)
			return st;
		int ok = 0;
		check_column(plan, t, r, log, &ok);
		if (ok) {
			t->incr.type = strdup(PQgetvalue(r, 0, 4));
			t->incr.col = sync_db_ident(src, t->rule->incr_column);
			t->incr.on = t->incr.type && t->incr.col;
			if (!t->incr.on)
				plan->problems.oom = 1;
			hash_table(t);
		}
		PQclear(r);
	}
	return SYNC_OK;
}

void sync_incr_whole(struct sync_table *t, const char *reason)
{
	struct sync_incr *x = &t->incr;
	x->full = 1;
	x->reason = reason;
	free(x->from);
	x->from = NULL;
	if (x->src_full) {
		free(t->f.src);
		t->f.src = x->src_full;
		x->src_full = NULL;
	}
}

/* One text value (NULL for NULL) from a one-row answer. */
static char *value(const PGresult *r, int col)
{
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, col))
		return NULL;
	return strdup(PQgetvalue(r, 0, col));
}

/* The last committed run's state of t: full (and why) unless a
 * watermark holds for the same rule and columns, within full_every. */
static enum sync_status read_state(struct sync_table *t, struct sync_db *tgt,
                                   char *err, size_t errlen)
{
	const char *p[1] = { t->label };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_incr_state, 1, p, &r,
	                                   "reading syncfn.watermarks", err,
	                                   errlen);
	if (st != SYNC_OK)
		return st;
	struct sync_incr *x = &t->incr;
	long long every = t->rule->incr_full_every, age = ll_or(r, 2, -1);
	x->prev = value(r, 1);
	int same = PQntuples(r) == 1 &&
	           strcmp(PQgetvalue(r, 0, 0), x->hash) == 0;
	if (!same) { /* another rule's watermark, or other columns' */
		free(x->prev);
		x->prev = NULL;
	}
	if (PQntuples(r) != 1)
		sync_incr_whole(t, "first run");
	else if (!same)
		sync_incr_whole(t, "rule or columns changed");
	else if (!x->prev)
		sync_incr_whole(t, "no watermark yet");
	else if (every > 0 && (age < 0 || age >= every))
		sync_incr_whole(t, "full_every");
	PQclear(r);
	return SYNC_OK;
}

/* A template with {{type}}, {{col}} and {{src}} of t; NULL on error. */
static char *expand(const struct sync_table *t, const char *tmpl, char *err,
                    size_t errlen)
{
	const struct sync_kv kv[] = { { "type", t->incr.type },
	                              { "col", t->incr.col },
	                              { "src", t->f.src } };
	struct sync_buf b = { 0 };
	if (sync_tmpl(&b, tmpl, kv, 3, err, errlen) != 0 || b.oom) {
		if (b.oom)
			fn_err(err, errlen, "out of memory");
		sync_buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* The first text value of a template's one-row answer into *out. */
static enum sync_status ask(const struct sync_table *t, struct sync_db *db,
                            const char *tmpl, int n, const char *const *p,
                            char **out, char *err, size_t errlen)
{
	char *sql = expand(t, tmpl, err, errlen);
	if (!sql)
		return SYNC_FAILED;
	char what[340];
	snprintf(what, sizeof what, "table %s (incremental)", t->label);
	PGresult *r;
	enum sync_status st = sync_db_exec(db, sql, n, p, &r, what, err,
	                                   errlen);
	free(sql);
	if (st == SYNC_OK) {
		*out = value(r, 0);
		PQclear(r);
	}
	return st;
}

/* A partial run: the source filtered to the rows at or past from. */
static enum sync_status filter(struct sync_table *t, struct sync_db *src,
                               char *err, size_t errlen)
{
	struct sync_incr *x = &t->incr;
	char lookback[32];
	snprintf(lookback, sizeof lookback, "%lld", t->rule->incr_lookback);
	const char *p[2] = { x->prev, lookback };
	enum sync_status st = ask(t, src, x->kind == 'i'
	                                  ? sql_sync_incr_from_integer
	                                  : sql_sync_incr_from_time,
	                          2, p, &x->from, err, errlen);
	if (st != SYNC_OK)
		return st;
	/* a value, not a parameter: COPY (SELECT ...) takes none */
	char *lit = x->from ? PQescapeLiteral(src->conn, x->from,
	                                      strlen(x->from))
	                    : NULL;
	struct sync_buf b = { 0 };
	if (lit)
		sync_buf_addf(&b, "(SELECT * FROM %s syncfn_incr WHERE "
		              "syncfn_incr.%s >= %s::%s)", t->f.src, x->col, lit,
		              x->type);
	PQfreemem(lit);
	if (!lit || b.oom) {
		sync_buf_free(&b);
		fn_err(err, errlen, "table %s: out of memory", t->label);
		return SYNC_FAILED;
	}
	x->src_full = t->f.src;
	t->f.src = b.p;
	return SYNC_OK;
}

/* Whether the rows past the watermark are a large share of the table,
 * counted no further than that share. */
static enum sync_status too_many(const struct sync_table *t,
                                 struct sync_db *src,
                                 int *many, char *err, size_t errlen)
{
	*many = 0;
	if (t->estimate <= 0)
		return SYNC_OK;
	char limit[32];
	long long cap = t->estimate / SHARE + 1;
	snprintf(limit, sizeof limit, "%lld", cap);
	const char *p[1] = { limit };
	char *n = NULL;
	enum sync_status st = ask(t, src, sql_sync_incr_past, 1, p, &n, err,
	                          errlen);
	*many = n && strtoll(n, NULL, 10) >= cap;
	free(n);
	return st;
}

enum sync_status sync_incr_prepare(struct sync_plan *plan,
                                   struct sync_db *src, struct sync_db *tgt,
                                   const struct sync_incr_bound *b,
                                   char *err, size_t errlen)
{
	for (int i = 0; i < plan->n; i++) {
		struct sync_table *t = &plan->t[i];
		if (!t->incr.on)
			continue;
		enum sync_status st = read_state(t, tgt, err, errlen);
		/* a standby keeps no watermark: say why, not "no watermark yet" */
		if (st == SYNC_OK && b->standby && t->incr.full &&
		    strcmp(t->incr.reason, "no watermark yet") == 0)
			t->incr.reason = "the source is a standby";
		if (st == SYNC_OK && !t->incr.full)
			st = filter(t, src, err, errlen);
		int many = 0;
		if (st == SYNC_OK && !t->incr.full)
			st = too_many(t, src, &many, err, errlen);
		if (st != SYNC_OK)
			return st;
		if (many)
			sync_incr_whole(t, "most rows past the watermark");
	}
	return SYNC_OK;
}

/* Whether the watermark must stay where it was: the source's open
 * transactions, whose rows may commit later, could not all be seen (a
 * standby shows none of its primary's; a role without pg_read_all_stats
 * does not see other sessions'). Says so in a warning. */
static int held(struct sync_plan *plan, struct sync_table *t,
                const struct sync_incr_bound *b, const struct fn_logger *log)
{
	const struct sync_incr *x = &t->incr;
	const char *c = t->rule->incr_column;
	if (b->standby && !x->prev)
		sync_plan_warn(plan, log, t->label, "table %s: incremental "
		     "column %s keeps no watermark while the source is a "
		     "standby: transactions still open on its primary, whose "
		     "rows may commit later, cannot be seen from it, so every "
		     "run compares the whole table; point SOURCE_DATABASE_URL "
		     "at the primary for incremental runs", t->label, c);
	else if (b->standby)
		sync_plan_warn(plan, log, t->label, "table %s: the watermark of "
		     "incremental column %s did not move: the source is a "
		     "standby, and transactions still open on its primary, "
		     "whose rows may commit later, cannot be seen from it; "
		     "point SOURCE_DATABASE_URL at the primary for incremental "
		     "runs", t->label, c);
	else if (b->hidden)
		sync_plan_warn(plan, log, t->label, "table %s: the watermark of "
		     "incremental column %s did not move: the source role "
		     "cannot see the transactions of %lld other session%s "
		     "(pg_stat_activity hides their xact_start), and a row one "
		     "of them commits later could be missed; GRANT "
		     "pg_read_all_stats TO the source role", t->label, c,
		     b->hidden, b->hidden == 1 ? "" : "s");
	return b->standby || b->hidden;
}

/* The new watermark of a time column: the bound. */
static enum sync_status to_time(struct sync_table *t, struct sync_db *src,
                                const struct sync_incr_bound *b, char *err,
                                size_t errlen)
{
	struct sync_incr *x = &t->incr;
	static const char *names[] = { "timestamptz", "timestamp", "date" };
	const char *p[2] = { b->at, names[x->kind == 'z' ? 0
	                                  : x->kind == 't' ? 1 : 2] };
	return ask(t, src, sql_sync_incr_to_time, 2, p, &x->to, err, errlen);
}

/* The new watermark of an integer column: the largest value read, only
 * when no other transaction was open before the snapshot nor is now (a
 * value a transaction drew from a sequence may commit after larger
 * ones); else the previous one stays. */
static enum sync_status to_integer(struct sync_table *t, struct sync_db *src,
                                   const struct sync_incr_bound *b,
                                   char *err, size_t errlen)
{
	struct sync_incr *x = &t->incr;
	struct sync_incr_bound now = { 0 };
	enum sync_status st = SYNC_OK;
	if (!b->open && !b->hidden && !b->standby)
		st = sync_incr_bound_read(src, &now, err, errlen);
	if (st != SYNC_OK)
		return st;
	char *max = NULL;
	if (now.read && !now.open && !now.hidden)
		st = ask(t, src, sql_sync_incr_to_integer, 0, NULL, &max, err,
		         errlen);
	x->to = max ? max : x->prev ? strdup(x->prev) : NULL;
	return st;
}

enum sync_status sync_incr_finish(struct sync_plan *plan, struct sync_table *t,
                                  struct sync_db *src, struct sync_db *tgt,
                                  const struct sync_incr_bound *b,
                                  const struct fn_logger *log, char *err,
                                  size_t errlen)
{
	struct sync_incr *x = &t->incr;
	if (!x->on)
		return SYNC_OK;
	enum sync_status st = SYNC_OK;
	if (held(plan, t, b, log))
		x->to = x->prev ? strdup(x->prev) : NULL;
	else
		st = x->kind == 'i' ? to_integer(t, src, b, err, errlen)
		                    : to_time(t, src, b, err, errlen);
	if (st != SYNC_OK)
		return st;
	const char *p[4] = { t->label, x->hash, x->to,
	                     x->full ? "true" : "false" };
	return sync_db_run(tgt, sql_sync_incr_save, 4, p,
	                   "saving the watermark in syncfn.watermarks", err,
	                   errlen);
}

static void add_text(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

cJSON *sync_incr_stats(const struct sync_table *t)
{
	const struct sync_incr *x = &t->incr;
	if (!x->on)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "full", x->full);
	if (x->full)
		cJSON_AddStringToObject(o, "reason", x->reason);
	add_text(o, "from", x->full ? NULL : x->from);
	add_text(o, "to", x->to);
	cJSON_AddNumberToObject(o, "rows_read", (double)t->out.source_rows);
	return o;
}

void sync_incr_free(struct sync_incr *x)
{
	free(x->col), free(x->type), free(x->prev), free(x->from);
	free(x->to), free(x->src_full);
	*x = (struct sync_incr){ 0 };
}
