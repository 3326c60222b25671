/* sync_plan.c - resolves SYNC_TABLES into table pairs, reads both
 * catalogs, and builds the fragments each table's statements use. */
#include "sync_plan.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_buf.h"
#include "sync_delete.h"
#include "sync_fire.h"
#include "sync_names.h"
#include "sync_incr.h"
#include "sync_rules_check.h"


struct tinfo {
	unsigned oid;
	int partitioned, rls, can_select, can_insert, can_update;
	long long estimate;
};

static int is_true(const PGresult *r, int row, int col)
{
	return strcmp(PQgetvalue(r, row, col), "t") == 0;
}

void sync_plan_warn(struct sync_plan *plan, const struct fn_logger *log,
                    const char *table, const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fn_log(log, FN_WARN, "Sync warning", "table", FN_STR(table),
	       "warning", FN_STR(msg), NULL);
	cJSON_AddItemToArray(plan->warnings, cJSON_CreateString(msg));
}

static void free_table(struct sync_table *t);

/* ---- SYNC_TABLES ------------------------------------------------------ */

/* Takes the four names (malloc'd, any may be NULL after a failed strdup):
 * the plan owns them, or they are freed and NULL is returned. */
static struct sync_table *add_table(struct sync_plan *plan, char *ss, char *sn,
                                    char *ts, char *tn)
{
	struct sync_table *t = NULL;
	if (ss && sn && ts && tn)
		t = realloc(plan->t, sizeof *t * (size_t)(plan->n + 1));
	if (!t) {
		free(ss), free(sn), free(ts), free(tn);
		return NULL;
	}
	plan->t = t;
	t = &plan->t[plan->n++];
	*t = (struct sync_table){ .src_schema = ss, .src_name = sn,
	                          .tgt_schema = ts, .tgt_name = tn };
	snprintf(t->label, sizeof t->label, "%s.%s", ts, tn);
	snprintf(t->src_label, sizeof t->src_label, "%s.%s", ss, sn);
	return t;
}

/* The row of sql_sync_tables for one table, or *found 0. */
static void read_tinfo(const PGresult *r, struct tinfo *out, int *found)
{
	*found = PQntuples(r) == 1;
	if (!*found)
		return;
	out->oid = (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	out->partitioned = is_true(r, 0, 2);
	out->estimate = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	out->rls = is_true(r, 0, 4);
	out->can_select = is_true(r, 0, 5);
	out->can_insert = is_true(r, 0, 6);
	out->can_update = is_true(r, 0, 7);
}

/* Statement sql (two parameters) on both servers, at once when they are
 * two: ps and pt its parameters on the source and the target. */
static enum sync_status exec_both(struct sync_db *src, struct sync_db *tgt,
                                  const char *sql, const char *const *ps,
                                  const char *const *pt, PGresult **rs,
                                  PGresult **rt, char *err, size_t errlen)
{
	if (src != tgt)
		return sync_db_exec2(src, tgt, sql, 2, ps, pt, rs, rt, err,
		                     errlen);
	enum sync_status st = sync_db_exec(src, sql, 2, ps, rs, NULL, err,
	                                   errlen);
	if (st == SYNC_OK)
		st = sync_db_exec(tgt, sql, 2, pt, rt, NULL, err, errlen);
	if (st != SYNC_OK)
		PQclear(*rs);
	return st;
}

static enum sync_status check_schema(struct sync_db *db, const char *schema,
                                     int source, char *err, size_t errlen)
{
	const char *p[1] = { schema };
	PGresult *r;
	enum sync_status st = sync_db_exec(db, sql_sync_schema, 1, p, &r, NULL,
	                                   err, errlen);
	if (st != SYNC_OK)
		return st;
	int ok = is_true(r, 0, 0);
	PQclear(r);
	if (!ok) {
		fn_err(err, errlen, "schema \"%s\" does not exist in the %s "
		       "database (SYNC_%s_SCHEMA)", schema,
		       source ? "source" : "target",
		       source ? "SOURCE" : "TARGET");
		return SYNC_CONFIG;
	}
	return SYNC_OK;
}

/* "*": every table of the source schema that the target schema has. */
static enum sync_status expand_star(struct sync_plan *plan, struct sync_db *src,
                                    struct sync_db *tgt,
                                    const struct sync_settings *s,
                                    const struct sync_list *ex,
                                    const struct fn_logger *log, char *err,
                                    size_t errlen)
{
	const char *ps[2] = { s->source_schema, NULL };
	const char *pt[2] = { s->target_schema, NULL };
	PGresult *rs, *rt;
	enum sync_status st = exec_both(src, tgt, sql_sync_tables, ps, pt, &rs,
	                                &rt, err, errlen);
	if (st != SYNC_OK)
		return st;
	for (int i = 0; i < PQntuples(rs); i++) {
		const char *name = PQgetvalue(rs, i, 1);
		if (sync_names_excludes(ex, s->source_schema, name,
		                        s->target_schema, name))
			continue;
		int on_target = 0;
		for (int j = 0; j < PQntuples(rt) && !on_target; j++)
			on_target = strcmp(PQgetvalue(rt, j, 1), name) == 0;
		if (!on_target) {
			char l[300];
			snprintf(l, sizeof l, "%s.%s", s->source_schema, name);
			sync_plan_warn(plan, log, l, "source table %s has no table of the "
			     "same name in target schema %s; not synced", l,
			     s->target_schema);
			continue;
		}
		struct sync_table *t = add_table(plan, strdup(s->source_schema),
		                                 strdup(name),
		                                 strdup(s->target_schema),
		                                 strdup(name));
		if (!t) {
			fn_err(err, errlen, "out of memory");
			st = SYNC_FAILED;
			break;
		}
		t->from_star = 1;
	}
	PQclear(rs);
	PQclear(rt);
	return st;
}

static char *dup_or(const char *a, const char *b)
{
	return strdup(a ? a : b);
}

static enum sync_status parse_tables(struct sync_plan *plan,
                                     struct sync_db *src, struct sync_db *tgt,
                                     const struct sync_settings *s,
                                     const char *tables,
                                     const struct sync_list *ex,
                                     const struct fn_logger *log, char *err,
                                     size_t errlen)
{
	struct sync_list l;
	int oom;
	if (sync_names_parse(tables, plan->tables_var, &l, &oom, err, errlen))
		return oom ? SYNC_FAILED : SYNC_CONFIG;
	enum sync_status st = SYNC_OK;
	for (int i = 0; i < l.n && st == SYNC_OK; i++) {
		const struct sync_entry *e = &l.e[i];
		if (e->star) {
			st = expand_star(plan, src, tgt, s, ex, log, err, errlen);
			continue;
		}
		/* schema.name alone names the same schema on both sides */
		const char *dflt_t = e->pair ? s->target_schema
		                   : e->src.schema ? e->src.schema
		                                   : s->target_schema;
		const struct sync_name *d = e->pair ? &e->dst : &e->src;
		char *ss = dup_or(e->src.schema, s->source_schema);
		char *sn = strdup(e->src.name);
		char *ts = dup_or(d->schema, dflt_t);
		char *tn = strdup(d->name);
		if (ss && sn && ts && tn &&
		    sync_names_excludes(ex, ss, sn, ts, tn)) {
			free(ss), free(sn), free(ts), free(tn);
			continue;
		}
		if (!add_table(plan, ss, sn, ts, tn)) {
			fn_err(err, errlen, "out of memory");
			st = SYNC_FAILED;
		}
	}
	if (st == SYNC_OK && l.n == 0) {
		fn_err(err, errlen, "%s is empty: name the tables to sync, or "
		       "* for every table both schemas have", plan->tables_var);
		st = SYNC_CONFIG;
	}
	sync_names_free(&l);
	return st;
}

/* ---- one table -------------------------------------------------------- */

/* Both sides' columns (sql/sync_columns.sql): read at once when they are
 * two servers. */
static enum sync_status read_columns(struct sync_db *src, unsigned src_oid,
                                     struct sync_db *tgt, unsigned tgt_oid,
                                     PGresult **rs, PGresult **rt, char *err,
                                     size_t errlen)
{
	char so[16], to[16];
	snprintf(so, sizeof so, "%u", src_oid);
	snprintf(to, sizeof to, "%u", tgt_oid);
	const char *ps[2] = { so, "false" }, *pt[2] = { to, "true" };
	return exec_both(src, tgt, sql_sync_columns, ps, pt, rs, rt, err,
	                 errlen);
}

static int find_row(const PGresult *r, const char *name)
{
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), name) == 0)
			return i;
	return -1;
}

static void free_list(char **l)
{
	for (int k = 0; l && l[k]; k++)
		free(l[k]);
	free(l);
}

static char *dup_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

/* The sequences of a JSON array of strings, NULL-terminated; NULL when
 * out of memory. */
static char **seq_list(const char *json)
{
	cJSON *a = cJSON_Parse(json);
	int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
	char **l = calloc((size_t)n + 1, sizeof *l);
	for (int k = 0; l && k < n; k++) {
		const cJSON *e = cJSON_GetArrayItem(a, k);
		l[k] = strdup(cJSON_IsString(e) ? e->valuestring : "");
		if (!l[k]) {
			free_list(l);
			l = NULL;
		}
	}
	cJSON_Delete(a);
	return l;
}

/* Adds name to t->required ("a, b"); -1 out of memory. */
static int add_required(struct sync_table *t, const char *name)
{
	struct sync_buf b = { 0 };
	if (t->required)
		sync_buf_addf(&b, "%s, ", t->required);
	sync_buf_add(&b, name);
	if (b.oom) {
		sync_buf_free(&b);
		return -1;
	}
	free(t->required);
	t->required = b.p;
	return 0;
}

/* The rule's excluded columns: each must be a column of the target
 * table that an insert can leave to its default (a key column: said by
 * read_key). */
static void check_excluded(struct sync_plan *plan, const struct sync_table *t,
                           const PGresult *rs, const PGresult *rt)
{
	for (int k = 0; t->rule && k < t->rule->nexclude; k++) {
		const char *name = t->rule->exclude[k];
		char sub[40];
		snprintf(sub, sizeof sub, ".exclude_columns[%d]", k);
		int i = find_row(rt, name);
		if (k < 32 && (t->excluded_key & 1u << k))
			continue; /* said by read_key */
		if (i < 0 && find_row(rs, name) >= 0)
			sync_rules_problem(plan, t, sub, "column \"%s\" exists "
			                   "only on the source (or is generated "
			                   "on the target): it is never written "
			                   "anyway", name);
		else if (i < 0)
			sync_rules_problem(plan, t, sub, "table %s has no column "
			                   "\"%s\"", t->label, name);
		else if (is_true(rt, i, 9))
			sync_rules_problem(plan, t, sub, "column %s.%s is NOT "
			                   "NULL without a default on the target, "
			                   "so a new row could not leave it out; "
			                   "give it a DEFAULT on the target, or "
			                   "sync it", t->label, name);
	}
}

static enum sync_status match_columns(struct sync_plan *plan,
                                      struct sync_table *t, PGresult *rs,
                                      PGresult *rt,
                                      const struct fn_logger *log)
{
	t->cols = calloc((size_t)PQntuples(rt) + 1, sizeof *t->cols);
	if (!t->cols)
		return SYNC_FAILED;
	for (int i = 0; i < PQntuples(rt); i++) {
		const char *name = PQgetvalue(rt, i, 0);
		int j = find_row(rs, name);
		if (sync_rules_excluded(t, name))
			continue;
		if (j < 0 && is_true(rt, i, 9)) {
			sync_plan_warn(plan, log, t->label, "column %s.%s exists only on "
			     "the target and is NOT NULL without a default: rows "
			     "are updated, but a run with a row to insert into "
			     "the table is refused; give it a default on the "
			     "target or add it to the source", t->label, name);
			if (add_required(t, name) != 0)
				return SYNC_FAILED;
			continue;
		}
		if (j < 0) {
			sync_plan_warn(plan, log, t->label, "column %s.%s exists only on "
			     "the target; it keeps its values", t->label, name);
			continue;
		}
		struct sync_col *c = &t->cols[t->ncols++];
		c->name = strdup(name);
		c->tgt_type = strdup(PQgetvalue(rt, i, 1));
		c->src_type = strdup(PQgetvalue(rs, j, 1));
		c->identity_always = is_true(rt, i, 2);
		c->text_cmp = is_true(rt, i, 3);
		c->cast_type = strdup(PQgetvalue(rt, i, 6));
		c->coll = dup_or_null(rt, i, 7);
		c->src_coll = dup_or_null(rs, j, 7);
		c->text_out = dup_or_null(rt, i, 10);
		c->src_text_out = dup_or_null(rs, j, 10);
		c->not_null = is_true(rt, i, 11) && is_true(rs, j, 11);
		c->tgt_builtin = is_true(rt, i, 12);
		c->in_fn = dup_or_null(rt, i, 13);
		c->in_args = dup_or_null(rt, i, 14);
		if (!PQgetisnull(rt, i, 4) && is_true(rt, i, 8))
			c->seq = seq_list(PQgetvalue(rt, i, 4));
		else if (!PQgetisnull(rt, i, 4))
			sync_plan_warn(plan, log, t->label, "column %s.%s is %s, not an "
			     "integer: the sequences it owns or its default draws "
			     "from (%s) are not moved forward", t->label, name,
			     c->tgt_type, PQgetvalue(rt, i, 4));
		if (!c->name || !c->tgt_type || !c->src_type || !c->cast_type ||
		    (!c->seq && !PQgetisnull(rt, i, 4) && is_true(rt, i, 8)) ||
		    (!c->coll && !PQgetisnull(rt, i, 7)) ||
		    (!c->src_coll && !PQgetisnull(rs, j, 7)) ||
		    (!c->text_out && !PQgetisnull(rt, i, 10)) ||
		    (!c->src_text_out && !PQgetisnull(rs, j, 10)) ||
		    (!c->in_fn && !PQgetisnull(rt, i, 13)) ||
		    (!c->in_args && !PQgetisnull(rt, i, 14)))
			return SYNC_FAILED;
		if (is_true(rs, j, 5))
			t->src_generated = 1;
		if (strcmp(c->src_type, c->tgt_type) != 0)
			sync_plan_warn(plan, log, t->label, "column %s.%s is %s on the "
			     "source and %s on the target; values are converted",
			     t->label, name, c->src_type, c->tgt_type);
	}
	for (int j = 0; j < PQntuples(rs); j++)
		if (find_row(rt, PQgetvalue(rs, j, 0)) < 0 &&
		    !sync_rules_excluded(t, PQgetvalue(rs, j, 0)))
			sync_plan_warn(plan, log, t->label, "column %s.%s exists only on "
			     "the source (or is generated on the target); not "
			     "copied", t->src_label, PQgetvalue(rs, j, 0));
	return SYNC_OK;
}

/* A table whose key is DEFERRABLE: ON CONFLICT cannot match rows on it,
 * and "no primary key" would send its owner looking for the wrong thing. */
static enum sync_status explain_deferrable(struct sync_db *tgt,
                                           const struct sync_table *t,
                                           const char *oid, char *err,
                                           size_t errlen)
{
	const char *p[1] = { oid };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_key_deferrable, 1, p,
	                                   &r, NULL, err, errlen);
	if (st != SYNC_OK)
		return st;
	if (PQntuples(r) == 1) {
		fn_err(err, errlen, "table %s: its %s %s is DEFERRABLE, and "
		       "INSERT ... ON CONFLICT cannot match rows on a deferrable "
		       "constraint; recreate it NOT DEFERRABLE, or add a unique "
		       "index on NOT NULL columns for syncfn to match on (or "
		       "leave the table out with SYNC_EXCLUDE)", t->label,
		       is_true(r, 0, 1) ? "primary key" : "unique constraint",
		       PQgetvalue(r, 0, 0));
		st = SYNC_CONFIG;
	}
	PQclear(r);
	return st;
}

static enum sync_status read_key(struct sync_plan *plan, struct sync_db *tgt,
                                 struct sync_table *t, char *err,
                                 size_t errlen)
{
	char o[16];
	snprintf(o, sizeof o, "%u", t->tgt_oid);
	const char *p[1] = { o };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_key, 1, p, &r, NULL,
	                                   err, errlen);
	if (st != SYNC_OK)
		return st;
	int nkey = PQntuples(r);
	if (nkey > 0)
		snprintf(t->key_index, sizeof t->key_index, "%s",
		         PQgetvalue(r, 0, 1));
	for (int i = 0; i < nkey && st == SYNC_OK; i++) {
		const char *k = PQgetvalue(r, i, 0);
		struct sync_col *c = (struct sync_col *)sync_plan_col(t, k);
		if (!c && sync_rules_excluded(t, k)) {
			sync_rules_problem(plan, t, ".exclude_columns", "column "
			                   "\"%s\" is part of the key that rows "
			                   "are matched on (%s): it cannot be "
			                   "excluded", k, t->key_index);
			for (int e = 0; e < t->rule->nexclude && e < 32; e++)
				if (strcmp(t->rule->exclude[e], k) == 0)
					t->excluded_key |= 1u << e;
		} else if (!c) {
			fn_err(err, errlen, "table %s: key column \"%s\" of the "
			       "target does not exist in source table %s",
			       t->label, k, t->src_label);
			st = SYNC_CONFIG;
		} else {
			c->is_key = i + 1;
		}
	}
	PQclear(r);
	if (st == SYNC_OK && nkey == 0)
		st = explain_deferrable(tgt, t, o, err, errlen);
	if (st == SYNC_OK && nkey == 0) {
		fn_err(err, errlen, "table %s has no primary key (nor a unique "
		       "index on NOT NULL columns) on the target, so rows cannot "
		       "be matched; add one, or leave the table out with "
		       "SYNC_EXCLUDE", t->label);
		st = SYNC_CONFIG;
	}
	return st;
}

static enum sync_status check_access(struct sync_plan *plan,
                                     struct sync_table *t,
                                     const struct tinfo *si,
                                     const struct tinfo *ti, int bypass_rls,
                                     const struct fn_logger *log, char *err,
                                     size_t errlen)
{
	const char *missing = NULL;
	int on_source = 0;
	if (!si->can_select)
		missing = "SELECT", on_source = 1;
	else if (!ti->can_insert)
		missing = "INSERT";
	else if (!ti->can_update)
		missing = "UPDATE";
	if (missing) {
		/* its role is not named in an answer */
		const char *table = on_source ? t->src_label : t->label;
		fn_err(err, errlen, "permission denied: the role in %s lacks "
		       "%s on table %s in the %s database (GRANT %s ON %s TO "
		       "that role)", on_source ? "SOURCE_DATABASE_URL"
		                                : "TARGET_DATABASE_URL",
		       missing, table, on_source ? "source" : "target", missing,
		       table);
		return SYNC_CONFIG;
	}
	if (si->rls && !bypass_rls)
		sync_plan_warn(plan, log, t->label, "source table %s has row level "
		     "security and the role in SOURCE_DATABASE_URL does not "
		     "bypass it: rows its policies hide are not synced",
		     t->src_label);
	return SYNC_OK;
}

static char *quote_pair(struct sync_db *db, const char *schema,
                        const char *name, int only)
{
	char *qs = sync_db_ident(db, schema), *qn = sync_db_ident(db, name);
	struct sync_buf b = { 0 };
	if (qs && qn)
		sync_buf_addf(&b, "%s%s.%s", only ? "ONLY " : "", qs, qn);
	free(qs);
	free(qn);
	return b.oom ? (sync_buf_free(&b), NULL) : b.p;
}

static void list_sep(struct sync_buf *b, const char *sep)
{
	if (b->len)
		sync_buf_add(b, sep);
}

void sync_col_text(struct sync_buf *b, const char *expr, const char *text_out)
{
	if (text_out)
		sync_buf_addf(b, "pg_catalog.textin(%s(%s))", text_out, expr);
	else
		sync_buf_addf(b, "(%s)::text", expr);
}

/* The value of column c (quoted q) of row alias a, as compared: in
 * byte order of the text COPY writes where the type's equality is looser
 * than its value (text_cmp). */
static void cmp_expr(struct sync_buf *b, const char *a, const char *q,
                     const struct sync_col *c)
{
	if (c->text_cmp) {
		char v[600];
		snprintf(v, sizeof v, "%s.%s", a, q);
		sync_col_text(b, v, c->text_out);
		sync_buf_add(b, " COLLATE \"C\"");
	} else {
		sync_buf_addf(b, "%s.%s", a, q);
	}
}

static int differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* Whether a same-database value of c needs converting (types) or the
 * target's collation (to compare and join as the target does). */
static int converted(const struct sync_col *c, int same)
{
	return same && (strcmp(c->src_type, c->tgt_type) != 0 ||
	                (c->coll && differs(c->coll, c->src_coll)));
}

/* The source value of column c (quoted q) in a server-side INSERT ...
 * SELECT, as COPY between two databases would give it. When the types
 * differ (another schema's enum or domain, int into text, varchar(10)
 * into varchar(5) ...) it goes through the source type's output function
 * (format's %s; a NULL stays NULL, num_nulls also for a composite whose
 * fields are all NULL) and the input function of the target's type
 * without its typmod: the INSERT's assignment then applies the length,
 * which fails on a value too long where an explicit cast would cut it.
 * It compares and joins with the target column's collation. */
static void src_expr(struct sync_buf *b, const struct sync_col *c,
                     const char *q, int same)
{
	if (!converted(c, same)) {
		sync_buf_addf(b, "s.%s", q);
		return;
	}
	sync_buf_add(b, "(");
	if (strcmp(c->src_type, c->tgt_type) != 0)
		sync_buf_addf(b, "(CASE WHEN pg_catalog.num_nulls(s.%s) = 0 "
		              "THEN pg_catalog.format('%%s', s.%s) END)::%s",
		              q, q, c->cast_type);
	else
		sync_buf_addf(b, "s.%s", q);
	if (c->coll)
		sync_buf_addf(b, " COLLATE %s", c->coll);
	sync_buf_add(b, ")");
}

/* How the typmod of c's target type is applied to a value compared with
 * the target's: none (no typmod); by the input function COPY would call
 * (in_fn: a domain's base type's, with the domain's typmod), which
 * rounds, pads or refuses as the write's assignment does; for an array,
 * whose input function returns a pseudo-type that compares with nothing,
 * the same, read back through its text as the target's type (the value
 * then fits, so that cast changes nothing). */
enum typmod_how { TYPMOD_NONE, TYPMOD_INPUT, TYPMOD_ARRAY };

static enum typmod_how typmod_how(const struct sync_col *c)
{
	const char *comma = c->in_args ? strrchr(c->in_args, ',') : NULL;
	if (!c->in_fn || !comma || strtol(comma + 1, NULL, 10) == -1)
		return TYPMOD_NONE;
	return strcmp(c->in_fn, "pg_catalog.array_in") == 0 ? TYPMOD_ARRAY
	                                                   : TYPMOD_INPUT;
}

/* The source value of column c (quoted q) as COPY would store it, to be
 * compared with the target's: in one database, for a column whose types
 * differ and whose target type has a typmod, with that typmod applied
 * (typmod_how: a numeric(10,2) or a domain over it rounds, as the write's
 * assignment will, so 123.456 is the 123.46 it was written as, not a
 * change on every run; a varchar(3)[] drops an element's trailing blanks
 * past the length; a value too long fails as COPY would); else as
 * src_expr writes it. */
static void src_value(struct sync_buf *b, const struct sync_col *c,
                      const char *q, int same)
{
	enum typmod_how how = converted(c, same) &&
	                      strcmp(c->src_type, c->tgt_type) != 0
	                      ? typmod_how(c) : TYPMOD_NONE;
	if (how == TYPMOD_NONE) {
		src_expr(b, c, q, same);
		return;
	}
	sync_buf_add(b, how == TYPMOD_ARRAY ? "(CAST(CAST(" : "(");
	sync_buf_addf(b, "(CASE WHEN pg_catalog.num_nulls(s.%s) = 0 THEN "
	              "%s(pg_catalog.textout(pg_catalog.format('%%s', s.%s))%s) "
	              "END)", q, c->in_fn, q, c->in_args);
	if (how == TYPMOD_ARRAY)
		sync_buf_addf(b, " AS pg_catalog.text) AS %s)", c->tgt_type);
	if (c->coll)
		sync_buf_addf(b, " COLLATE %s", c->coll);
	sync_buf_add(b, ")");
}

static void src_cmp(struct sync_buf *b, const struct sync_col *c,
                    const char *q, int same)
{
	if (c->text_cmp) {
		struct sync_buf v = { 0 };
		src_value(&v, c, q, same);
		sync_col_text(b, v.oom ? "NULL" : sync_buf_str(&v), c->text_out);
		b->oom |= v.oom;
		sync_buf_free(&v);
		sync_buf_add(b, " COLLATE \"C\"");
	} else {
		src_value(b, c, q, same);
	}
}

/* The key columns in the index's order, not the table's: the diff reads
 * both sides ORDER BY this list and compares keys position by position
 * (is_key), so any other order would make its chunks restart forever.
 * key gets the target's column names, src the source's key values in
 * the same order, as the target sees them. */
static int key_lists(struct sync_buf *key, struct sync_buf *src,
                     const struct sync_table *t, struct sync_db *tgt,
                     int same)
{
	for (int k = 1; k <= t->ncols; k++)
		for (int i = 0; i < t->ncols; i++) {
			if (t->cols[i].is_key != k)
				continue;
			char *q = sync_db_ident(tgt, t->cols[i].name);
			if (!q)
				return -1;
			list_sep(key, ", ");
			sync_buf_add(key, q);
			list_sep(src, ", ");
			src_expr(src, &t->cols[i], q, same);
			free(q);
		}
	return key->oom || src->oom ? -1 : 0;
}

/* " AND <row alias a is in scope>": the filter over a copy of the row
 * alone, where its unqualified names can mean nothing else; NULL (as
 * false) is out of scope. */
static char *in_scope(const char *a, const char *where)
{
	struct sync_buf b = { 0 };
	sync_buf_addf(&b, " AND coalesce((SELECT (%s) FROM (SELECT %s.*) "
	              "syncfn_scope), false)", where, a);
	return b.oom ? (sync_buf_free(&b), NULL) : b.p;
}

/* The rule's filter on both sides (f->src, tgt_scope, d_scope, t_scope),
 * after quote_pair filled src and tgt_only; -1 out of memory. */
static int scope_frag(struct sync_table *t)
{
	struct sync_frag *f = &t->f;
	const char *w = t->rule ? t->rule->where : NULL;
	if (!f->src || !f->tgt_only)
		return -1;
	if (!w) {
		f->tgt_scope = strdup(f->tgt_only);
		f->d_scope = strdup("");
		f->t_scope = strdup("");
		return f->tgt_scope && f->d_scope && f->t_scope ? 0 : -1;
	}
	struct sync_buf s = { 0 }, d = { 0 };
	sync_buf_addf(&s, "(SELECT * FROM %s WHERE (%s))", f->src, w);
	sync_buf_addf(&d, "(SELECT * FROM %s WHERE (%s))", f->tgt_only, w);
	free(f->src);
	f->src = s.oom ? (sync_buf_free(&s), NULL) : s.p;
	f->tgt_scope = d.oom ? (sync_buf_free(&d), NULL) : d.p;
	f->d_scope = in_scope("d", w);
	f->t_scope = in_scope("t", w);
	return f->src && f->tgt_scope && f->d_scope && f->t_scope ? 0 : -1;
}

/* The source value of column c as the target stores it, compared as
 * src_cmp compares: in one database with the target's full type (its
 * typmod rounds or pads as the INSERT's assignment did), so that only a
 * trigger can make the written value differ. */
static void assigned(struct sync_buf *b, const struct sync_col *c,
                     const char *q, int same)
{
	if (!same || strcmp(c->src_type, c->tgt_type) == 0) {
		src_cmp(b, c, q, same);
		return;
	}
	struct sync_buf v = { 0 };
	sync_buf_add(&v, "CAST(");
	src_expr(&v, c, q, same);
	sync_buf_addf(&v, " AS %s)", c->tgt_type);
	if (c->text_cmp) {
		sync_col_text(b, v.oom ? "NULL" : sync_buf_str(&v), c->text_out);
		sync_buf_add(b, " COLLATE \"C\"");
	} else {
		sync_buf_add(b, v.oom ? "NULL" : sync_buf_str(&v));
	}
	b->oom |= v.oom;
	sync_buf_free(&v);
}

/* The merge's additions for a table with BEFORE row triggers (f->ret,
 * f->rw, see sync_frag): the written row's key and compared columns by
 * position, and the indexes of the compared columns some written row
 * holds otherwise than its source row (joined by key; {{src}} is filled
 * when the merge is). -1 out of memory. */
static int fire_frag(struct sync_table *t, struct sync_db *tgt, int same)
{
	struct sync_frag *f = &t->f;
	struct sync_buf ret = { 0 }, ret_d = { 0 }, on = { 0 }, found = { 0 };
	int ncmp = 0;
	for (int i = 0; t->fire.triggers && i < t->ncols; i++) {
		const struct sync_col *c = &t->cols[i];
		int cmp = !c->is_key && !c->identity_always && !c->uncompared;
		if (!c->is_key && !cmp)
			continue;
		char *q = sync_db_ident(tgt, c->name);
		if (!q)
			return -1;
		char alias[32];
		snprintf(alias, sizeof alias, "syncfn_c%d", i + 1);
		sync_buf_addf(&ret, ", t.%s AS %s", q, alias);
		sync_buf_addf(&ret_d, ", d.%s AS %s", q, alias);
		if (c->is_key) {
			list_sep(&on, " AND ");
			sync_buf_addf(&on, "ins.%s = ", alias);
			src_expr(&on, c, q, same);
		} else {
			ncmp++;
			sync_buf_add(&found, ", CASE WHEN pg_catalog.bool_or((");
			cmp_expr(&found, "ins", alias, c);
			sync_buf_add(&found, ") IS DISTINCT FROM (");
			assigned(&found, c, q, same);
			sync_buf_addf(&found, ")) THEN '%d' END", i + 1);
		}
		free(q);
	}
	struct sync_buf rw = { 0 };
	if (ncmp)
		sync_buf_addf(&rw, ",\n       (SELECT pg_catalog.concat_ws(','%s)"
		              "\n        FROM ins JOIN {{src}} s ON %s)",
		              sync_buf_str(&found), sync_buf_str(&on));
	int oom = ret.oom | ret_d.oom | on.oom | found.oom | rw.oom;
	f->ret = strdup(ncmp && !oom ? sync_buf_str(&ret) : "");
	f->ret_d = strdup(ncmp && !oom ? sync_buf_str(&ret_d) : "");
	f->rw = strdup(ncmp && !oom ? sync_buf_str(&rw) : "");
	sync_buf_free(&ret), sync_buf_free(&ret_d), sync_buf_free(&on);
	sync_buf_free(&found), sync_buf_free(&rw);
	return oom || !f->ret || !f->ret_d || !f->rw ? -1 : 0;
}

static enum sync_status build_frag(struct sync_table *t, struct sync_db *src,
                                   struct sync_db *tgt, int same)
{
	struct sync_frag *f = &t->f;
	struct sync_buf cols = { 0 }, s_cols = { 0 }, key = { 0 }, join = { 0 };
	struct sync_buf s_as = { 0 }, s_key = { 0 };
	struct sync_buf missing = { 0 }, d = { 0 }, s = { 0 }, tc = { 0 };
	struct sync_buf x = { 0 }, set = { 0 }, set_src = { 0 };
	int ncmp = 0, oom = 0;
	f->overriding = "";
	for (int i = 0; i < t->ncols; i++) {
		const struct sync_col *c = &t->cols[i];
		char *q = sync_db_ident(tgt, c->name);
		if (!q) {
			oom = 1;
			break;
		}
		list_sep(&cols, ", ");
		sync_buf_add(&cols, q);
		list_sep(&s_cols, ", ");
		src_expr(&s_cols, c, q, same);
		list_sep(&s_as, ", ");
		sync_buf_addf(&s_as, "c%d", i + 1);
		if (c->identity_always)
			f->overriding = "OVERRIDING SYSTEM VALUE";
		if (c->is_key) {
			list_sep(&join, " AND ");
			sync_buf_addf(&join, "d.%s = ", q);
			src_expr(&join, c, q, same);
			if (c->is_key == 1)
				sync_buf_addf(&missing, "d.%s IS NULL", q);
		}
		/* A key whose equality is looser than its text (citext, a
		 * case-insensitive collation, numeric 1.0 = 1.00) finds its
		 * row by key yet may hold other text than the source's: it
		 * is compared and written too, so the row ends as COPY would
		 * write it. */
		if (c->is_key && !(c->text_cmp && !c->identity_always &&
		                   !t->insert_only)) {
			/* found by the join, never compared */
		} else if (c->uncompared && !c->identity_always &&
		           !t->insert_only) {
			list_sep(&set, ", ");
			sync_buf_addf(&set, "%s = excluded.%s", q, q);
			list_sep(&set_src, ", ");
			sync_buf_addf(&set_src, "%s = ", q);
			src_expr(&set_src, c, q, same);
		} else if (!c->identity_always && !t->insert_only) {
			ncmp++;
			list_sep(&d, ", ");
			cmp_expr(&d, "d", q, c);
			list_sep(&s, ", ");
			src_cmp(&s, c, q, same);
			list_sep(&tc, ", ");
			cmp_expr(&tc, "t", q, c);
			list_sep(&x, ", ");
			cmp_expr(&x, "excluded", q, c);
			list_sep(&set, ", ");
			sync_buf_addf(&set, "%s = excluded.%s", q, q);
			list_sep(&set_src, ", ");
			sync_buf_addf(&set_src, "%s = ", q);
			src_expr(&set_src, c, q, same);
		}
		free(q);
	}
	oom |= key_lists(&key, &s_key, t, tgt, same) != 0;
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].is_key && converted(&t->cols[i], same))
			t->key_converted = 1;
	if (ncmp == 0) { /* nothing to compare: only missing rows matter */
		sync_buf_add(&d, "0");
		sync_buf_add(&s, "0");
		/* every compared column rewritten by a trigger: none updated */
		sync_buf_free(&set);
		sync_buf_free(&set_src);
	}
	oom |= fire_frag(t, tgt, same) != 0;
	f->src = quote_pair(src, t->src_schema, t->src_name, !t->src_partitioned);
	f->src_table = quote_pair(src, t->src_schema, t->src_name, 0);
	f->tgt = quote_pair(tgt, t->tgt_schema, t->tgt_name, 0);
	f->tgt_only = quote_pair(tgt, t->tgt_schema, t->tgt_name,
	                         !t->tgt_partitioned);
	oom |= scope_frag(t) != 0;
	f->cols = cols.p, f->s_cols = s_cols.p, f->key = key.p;
	f->diff_cols = s_as.p, f->s_key = s_key.p;
	f->join = join.p, f->missing = missing.p, f->d_cmp = d.p;
	f->s_cmp = s.p;
	f->t_cmp = tc.p, f->x_cmp = x.p, f->set = set.p, f->set_src = set_src.p;
	oom |= cols.oom | s_cols.oom | s_as.oom | s_key.oom | key.oom | join.oom |
	       missing.oom | d.oom | s.oom | tc.oom | x.oom | set.oom |
	       set_src.oom;
	if (oom || !f->src || !f->src_table || !f->tgt || !f->tgt_only ||
	    !f->cols || !f->key || !f->s_key)
		return SYNC_FAILED;
	return SYNC_OK;
}

/* A table that SYNC_TABLES=* found and read_key refused (no key, a
 * DEFERRABLE one, a key column the source lacks): one keyless table,
 * added by a migration, must not stop every other table's sync, so it is
 * left out with a warning. why is read_key's message, "table X: ..." or
 * "table X has ...". A table named in SYNC_TABLES stays an error. */
static enum sync_status skip_keyless(struct sync_plan *plan,
                                     struct sync_table *t,
                                     const struct fn_logger *log, char *why)
{
	size_t n = strlen("table ") + strlen(t->label);
	const char *rest = why;
	if (strncmp(why, "table ", 6) == 0 &&
	    strncmp(why + 6, t->label, strlen(t->label)) == 0)
		rest = why + n;
	const char *lead = "";
	if (rest != why && strncmp(rest, ": ", 2) == 0)
		rest += 2;
	else if (rest != why && *rest == ' ')
		lead = "it";
	sync_plan_warn(plan, log, t->label, "table %s skipped: %s%s; SYNC_TABLES=* "
	     "leaves out a table without a usable key (named in SYNC_TABLES, "
	     "it is an error)", t->label, lead, rest);
	t->skipped = 1;
	if (t->rule)
		sync_rules_problem(plan, t, NULL, "table %s is not synced: it "
		                   "has no usable key (see the warnings)",
		                   t->label);
	*why = '\0';
	cJSON_AddItemToArray(plan->skipped, cJSON_CreateString(t->label));
	return SYNC_OK;
}

/* Drops the skipped tables from the plan. */
static void drop_skipped(struct sync_plan *plan)
{
	int k = 0;
	for (int i = 0; i < plan->n; i++) {
		if (plan->t[i].skipped)
			free_table(&plan->t[i]);
		else
			plan->t[k++] = plan->t[i];
	}
	plan->n = k;
}

static enum sync_status plan_table(struct sync_plan *plan, struct sync_table *t,
                                   struct sync_db *src, struct sync_db *tgt,
                                   int same, int bypass_rls,
                                   const struct fn_logger *log, char *err,
                                   size_t errlen)
{
	struct tinfo si = { 0 }, ti = { 0 };
	int src_found, tgt_found;
	const char *ps[2] = { t->src_schema, t->src_name };
	const char *pt[2] = { t->tgt_schema, t->tgt_name };
	PGresult *ls, *lt;
	enum sync_status st = exec_both(src, tgt, sql_sync_tables, ps, pt, &ls,
	                                &lt, err, errlen);
	if (st != SYNC_OK)
		return st;
	read_tinfo(ls, &si, &src_found);
	read_tinfo(lt, &ti, &tgt_found);
	PQclear(ls);
	PQclear(lt);
	if (!src_found) {
		fn_err(err, errlen, "table %s does not exist in the source "
		       "database (%s)", t->src_label, plan->tables_var);
		return SYNC_CONFIG;
	}
	if (!tgt_found) {
		fn_err(err, errlen, "table %s does not exist in the target "
		       "database; create it first (syncfn copies rows, not "
		       "schema)", t->label);
		return SYNC_CONFIG;
	}
	if (same && si.oid == ti.oid) {
		fn_err(err, errlen, "table %s is both source and target: set "
		       "SOURCE_DATABASE_URL or SYNC_SOURCE_SCHEMA / "
		       "SYNC_TARGET_SCHEMA", t->label);
		return SYNC_CONFIG;
	}
	t->src_oid = si.oid, t->tgt_oid = ti.oid;
	t->src_partitioned = si.partitioned, t->tgt_partitioned = ti.partitioned;
	t->tgt_rls = ti.rls;
	t->estimate = si.estimate;
	t->fire.user_triggers = -1;
	st = check_access(plan, t, &si, &ti, bypass_rls, log, err,
	                  errlen);
	if (st != SYNC_OK)
		return st;
	PGresult *rs, *rt;
	st = read_columns(src, si.oid, tgt, ti.oid, &rs, &rt, err, errlen);
	if (st != SYNC_OK)
		return st;
	st = match_columns(plan, t, rs, rt, log);
	if (st != SYNC_OK)
		fn_err(err, errlen, "out of memory planning table %s", t->label);
	if (st == SYNC_OK)
		st = read_key(plan, tgt, t, err, errlen);
	if (st == SYNC_OK)
		check_excluded(plan, t, rs, rt);
	PQclear(rs);
	PQclear(rt);
	if (st == SYNC_CONFIG && t->from_star)
		return skip_keyless(plan, t, log, err);
	if (st == SYNC_OK && !t->excluded_key)
		st = sync_fire_read(t, tgt, err, errlen);
	if (st == SYNC_OK && !t->excluded_key &&
	    build_frag(t, src, tgt, same) != SYNC_OK) {
		fn_err(err, errlen, "out of memory planning table %s", t->label);
		st = SYNC_FAILED;
	}
	return st;
}

static enum sync_status role_bypasses_rls(struct sync_db *src, int *bypass,
                                          char *err, size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(src, sql_sync_role, 0, NULL, &r,
	                                   NULL, err, errlen);
	if (st != SYNC_OK)
		return st;
	*bypass = PQntuples(r) == 1 && is_true(r, 0, 0);
	PQclear(r);
	return SYNC_OK;
}

static enum sync_status no_duplicates(const struct sync_plan *plan, char *err,
                                      size_t errlen)
{
	for (int i = 0; i < plan->n; i++)
		for (int j = 0; j < i; j++)
			if (plan->t[i].tgt_oid == plan->t[j].tgt_oid) {
				fn_err(err, errlen, "table %s is named twice "
				       "as a target in %s", plan->t[i].label,
				       plan->tables_var);
				return SYNC_CONFIG;
			}
	return SYNC_OK;
}

enum sync_status sync_plan_build(struct sync_plan *plan, struct sync_db *src,
                                 struct sync_db *tgt,
                                 const struct sync_settings *s,
                                 const char *tables,
                                 const struct fn_logger *log, char *err,
                                 size_t errlen)
{
	*plan = (struct sync_plan){ .warnings = cJSON_CreateArray(),
	                            .skipped = cJSON_CreateArray(),
	                            .tables_var = tables == s->tables
	                                                  ? "SYNC_TABLES"
	                                                  : "--tables" };
	if (!tables || !*tables)
		tables = "*";
	if (!plan->warnings || !plan->skipped)
		return SYNC_FAILED;
	int same = src == tgt;
	enum sync_status st = check_schema(src, s->source_schema, 1, err, errlen);
	if (st == SYNC_OK)
		st = check_schema(tgt, s->target_schema, 0, err, errlen);
	struct sync_list ex = { 0 };
	int oom = 0;
	if (st == SYNC_OK &&
	    sync_names_parse(s->exclude, "SYNC_EXCLUDE", &ex, &oom, err, errlen))
		st = oom ? SYNC_FAILED : SYNC_CONFIG;
	if (st == SYNC_OK)
		st = parse_tables(plan, src, tgt, s, tables, &ex, log, err,
		                  errlen);
	sync_names_free(&ex);
	if (st == SYNC_OK && plan->n == 0) {
		fn_err(err, errlen, "no table to sync: schema %s of the source "
		       "and schema %s of the target have no table in common "
		       "(%s, SYNC_EXCLUDE)", s->source_schema,
		       s->target_schema, plan->tables_var);
		st = SYNC_CONFIG;
	}
	int bypass = 0;
	if (st == SYNC_OK)
		st = role_bypasses_rls(src, &bypass, err, errlen);
	if (st == SYNC_OK)
		sync_rules_attach(plan, s);
	for (int i = 0; i < plan->n && st == SYNC_OK; i++)
		st = plan_table(plan, &plan->t[i], src, tgt, same, bypass, log,
		                err, errlen);
	if (st == SYNC_OK)
		drop_skipped(plan);
	if (st == SYNC_OK && plan->n == 0) {
		fn_err(err, errlen, "no table to sync: every table that schema "
		       "%s of the source and schema %s of the target have in "
		       "common lacks a usable key (see the warnings)",
		       s->source_schema, s->target_schema);
		st = SYNC_CONFIG;
	}
	if (st == SYNC_OK)
		st = no_duplicates(plan, err, errlen);
	if (st == SYNC_OK)
		st = sync_plan_order(plan, tgt, err, errlen);
	if (st == SYNC_OK)
		st = sync_rules_check_where(plan, src, tgt, err, errlen);
	if (st == SYNC_OK)
		st = sync_delete_check(plan, tgt, err, errlen);
	if (st == SYNC_OK)
		st = sync_rules_check_triggers(plan, tgt, err, errlen);
	if (st == SYNC_OK)
		st = sync_incr_check(plan, src, log, err, errlen);
	if (st == SYNC_OK && plan->problems.oom) {
		fn_err(err, errlen, "out of memory checking SYNC_RULES");
		st = SYNC_FAILED;
	} else if (st == SYNC_OK && plan->problems.len) {
		fn_err(err, errlen, "%s", sync_buf_str(&plan->problems));
		st = SYNC_CONFIG;
	}
	return st;
}

const struct sync_col *sync_plan_col(const struct sync_table *t,
                                     const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

static void free_table(struct sync_table *t)
{
	free(t->src_schema), free(t->src_name), free(t->required);
	free(t->tgt_schema), free(t->tgt_name);
	for (int i = 0; i < t->ncols; i++) {
		free(t->cols[i].name), free(t->cols[i].src_type);
		free(t->cols[i].tgt_type), free_list(t->cols[i].seq);
		free(t->cols[i].cast_type), free(t->cols[i].coll);
		free(t->cols[i].src_coll);
		free(t->cols[i].text_out), free(t->cols[i].src_text_out);
		free(t->cols[i].in_fn), free(t->cols[i].in_args);
	}
	free(t->cols);
	struct sync_frag *f = &t->f;
	free(f->src), free(f->src_table), free(f->tgt), free(f->tgt_only);
	free(f->cols), free(f->s_cols), free(f->diff_cols), free(f->key);
	free(f->s_key);
	free(f->join), free(f->missing);
	free(f->d_cmp), free(f->s_cmp), free(f->t_cmp), free(f->x_cmp);
	free(f->set), free(f->set_src);
	free(f->tgt_scope), free(f->d_scope), free(f->t_scope);
	free(f->ret), free(f->ret_d), free(f->rw);
	free(t->fire.triggers), free(t->fire.found);
	free(t->fire.found_cols);
	sync_incr_free(&t->incr);
	sync_buf_free(&t->del.to_keys);
}

void sync_plan_free(struct sync_plan *plan)
{
	for (int i = 0; i < plan->n; i++)
		free_table(&plan->t[i]);
	free(plan->t);
	cJSON_Delete(plan->warnings);
	cJSON_Delete(plan->skipped);
	sync_buf_free(&plan->problems);
	*plan = (struct sync_plan){ 0 };
}
