/* sync_rules_check.c - SYNC_RULES against the plan (see
 * sync_rules_check.h). */
#include "sync_rules_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_names.h"

static void add_problem(struct sync_plan *plan, const char *key,
                        const char *sub, const char *msg)
{
	if (plan->problems.len)
		sync_buf_add(&plan->problems, "; ");
	sync_buf_add(&plan->problems, "SYNC_RULES[\"");
	for (const char *c = key; *c; c++)
		sync_buf_addf(&plan->problems, "%s%c",
		              *c == '"' || *c == '\\' ? "\\" : "", *c);
	sync_buf_addf(&plan->problems, "\"]%s: %s", sub ? sub : "", msg);
}

void sync_rules_problem(struct sync_plan *plan, const struct sync_table *t,
                        const char *sub, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	add_problem(plan, t->rule->table, sub, msg);
}

/* Whether the rule's key (one name of SYNC_TABLES' syntax) names t. A
 * src=dst key must name both sides. */
static int names_table(const struct sync_entry *e, const struct sync_table *t,
                       const struct sync_settings *s)
{
	const char *ss = e->src.schema ? e->src.schema : s->source_schema;
	if (strcmp(ss, t->src_schema) != 0 || strcmp(e->src.name, t->src_name))
		return 0;
	if (!e->pair)
		return 1;
	const char *ts = e->dst.schema ? e->dst.schema : s->target_schema;
	return strcmp(ts, t->tgt_schema) == 0 &&
	       strcmp(e->dst.name, t->tgt_name) == 0;
}

static void attach_one(struct sync_plan *plan, const struct sync_rule *r,
                       const struct sync_settings *s)
{
	struct sync_list l = { 0 };
	int oom = 0;
	char why[300];
	if (sync_names_parse(r->table, "the key", &l, &oom, why, sizeof why) ||
	    l.n != 1 || l.e[0].star) {
		add_problem(plan, r->table, NULL, oom ? "out of memory"
		            : "expected one table name (name, schema.name or "
		              "\"Quoted.Name\"), as SYNC_TABLES writes it");
		sync_names_free(&l);
		return;
	}
	int found = 0;
	for (int i = 0; i < plan->n; i++) {
		struct sync_table *t = &plan->t[i];
		if (!names_table(&l.e[0], t, s))
			continue;
		if (t->rule)
			add_problem(plan, r->table, NULL, "a second rule for "
			            "the same table");
		t->rule = r;
		t->insert_only = r->insert_only;
		found = 1;
	}
	if (!found)
		add_problem(plan, r->table, NULL, "no such table is synced "
		            "(it is not in SYNC_TABLES, SYNC_EXCLUDE leaves it "
		            "out, or the source schema has no such table); a "
		            "rule names a source table");
	sync_names_free(&l);
}

void sync_rules_attach(struct sync_plan *plan, const struct sync_settings *s)
{
	if (!s->rules)
		return;
	for (int i = 0; i < s->rules->n; i++)
		attach_one(plan, &s->rules->rule[i], s);
}

int sync_rules_excluded(const struct sync_table *t, const char *name)
{
	for (int i = 0; t->rule && i < t->rule->nexclude; i++)
		if (strcmp(t->rule->exclude[i], name) == 0)
			return 1;
	return 0;
}

/* Runs sql on db in a savepoint; *refused when the server refused it
 * (the problem then added), else an error of the connection itself. */
static enum sync_status try_where(struct sync_plan *plan, struct sync_table *t,
                                  struct sync_db *db, const char *sql,
                                  char *err, size_t errlen)
{
	enum sync_status st = sync_db_run(db, "SAVEPOINT syncfn_rules", 0,
	                                  NULL, NULL, err, errlen);
	if (st != SYNC_OK)
		return st;
	char what[420], why[700];
	snprintf(what, sizeof what, "refused by %s", db->label);
	st = sync_db_run(db, sql, 0, NULL, what, why, sizeof why);
	if (st == SYNC_FAILED || st == SYNC_CONFIG) {
		sync_rules_problem(plan, t, ".where", "%s", why);
		st = sync_db_run(db, "ROLLBACK TO SAVEPOINT syncfn_rules", 0,
		                 NULL, NULL, err, errlen);
	} else if (st != SYNC_OK) {
		fn_err(err, errlen, "%s", why);
		return st;
	}
	if (st == SYNC_OK)
		st = sync_db_run(db, "RELEASE SAVEPOINT syncfn_rules", 0, NULL,
		                 NULL, err, errlen);
	return st;
}

enum sync_status sync_rules_check_where(struct sync_plan *plan,
                                        struct sync_db *src,
                                        struct sync_db *tgt, char *err,
                                        size_t errlen)
{
	enum sync_status st = SYNC_OK;
	for (int i = 0; i < plan->n && st == SYNC_OK; i++) {
		struct sync_table *t = &plan->t[i];
		if (!t->rule || !t->rule->where || !t->f.src)
			continue;
		struct sync_buf a = { 0 }, b = { 0 };
		sync_buf_addf(&a, "SELECT 1 FROM %s s LIMIT 0", t->f.src);
		sync_buf_addf(&b, "SELECT 1 FROM %s d LIMIT 0", t->f.tgt_scope);
		if (a.oom || b.oom) {
			fn_err(err, errlen, "out of memory");
			st = SYNC_FAILED;
		}
		if (st == SYNC_OK)
			st = try_where(plan, t, src, a.p, err, errlen);
		if (st == SYNC_OK)
			st = try_where(plan, t, tgt, b.p, err, errlen);
		sync_buf_free(&a);
		sync_buf_free(&b);
	}
	return st;
}

static int skips(const struct sync_table *t)
{
	return t->rule && t->rule->skip_triggers;
}

static void refuse_skip(struct sync_plan *plan, struct sync_table *t,
                        struct sync_db *tgt)
{
	char oid[16], ignore[200];
	snprintf(oid, sizeof oid, "%u", t->tgt_oid);
	const char *p[1] = { oid };
	PGresult *r = NULL;
	const char *names = "";
	if (sync_db_exec(tgt, sql_sync_triggers, 1, p, &r, NULL, ignore,
	                 sizeof ignore) == SYNC_OK && PQntuples(r) == 1)
		names = PQgetvalue(r, 0, 0);
	sync_rules_problem(plan, t, ".triggers", "\"skip\" runs the "
	                   "table's writes with session_replication_role = "
	                   "replica, which the role in TARGET_DATABASE_URL may "
	                   "not set (it needs to be a superuser, or on "
	                   "PostgreSQL 15 and later: GRANT SET ON PARAMETER "
	                   "session_replication_role TO it); table %s has %s%s",
	                   t->label, *names ? "the triggers " : "no user "
	                   "trigger", names);
	PQclear(r);
}

enum sync_status sync_rules_check_triggers(struct sync_plan *plan,
                                           struct sync_db *tgt, char *err,
                                           size_t errlen)
{
	int any = 0;
	for (int i = 0; i < plan->n; i++)
		any |= skips(&plan->t[i]);
	if (!any)
		return SYNC_OK;
	enum sync_status st = sync_db_run(tgt, "SAVEPOINT syncfn_rules", 0,
	                                  NULL, NULL, err, errlen);
	if (st != SYNC_OK)
		return st;
	char why[600];
	enum sync_status tried = sync_db_run(tgt, sql_sync_replica, 0, NULL,
	                                     NULL, why, sizeof why);
	if (tried != SYNC_OK && tried != SYNC_FAILED && tried != SYNC_CONFIG) {
		fn_err(err, errlen, "%s", why);
		return tried;
	}
	/* undone either way: the run sets it around each skip table */
	st = sync_db_run(tgt, "ROLLBACK TO SAVEPOINT syncfn_rules", 0, NULL,
	                 NULL, err, errlen);
	if (st == SYNC_OK)
		st = sync_db_run(tgt, "RELEASE SAVEPOINT syncfn_rules", 0, NULL,
		                 NULL, err, errlen);
	for (int i = 0; i < plan->n && st == SYNC_OK && tried != SYNC_OK; i++)
		if (skips(&plan->t[i]))
			refuse_skip(plan, &plan->t[i], tgt);
	return st;
}

enum sync_status sync_rules_triggers(struct sync_db *tgt,
                                     const struct sync_table *t, int on,
                                     char *err, size_t errlen)
{
	if (!skips(t))
		return SYNC_OK;
	char what[340];
	snprintf(what, sizeof what, "table %s (triggers: skip)", t->label);
	return sync_db_run(tgt, on ? sql_sync_replica : sql_sync_replica_end, 0,
	                   NULL, what, err, errlen);
}
