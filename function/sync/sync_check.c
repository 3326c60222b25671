/* sync_check.c - what `syncfn doctor` asks of the sync engine: both
 * databases reached with the configured roles, and the plan a run would
 * make, without writing anything (sync_check in sync.h). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync.h"
#include "sync_buf.h"
#include "sync_db.h"
#include "sync_names.h"
#include "sync_plan.h"

struct check {
	const struct sync_settings *s;
	struct sync_db src_db, tgt_db;
	struct sync_db *src, *tgt;
	cJSON *out, *problems;
	char *err;
	size_t errlen;
};

static void problem(struct check *c, const char *text)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, c->problems)
		if (strcmp(p->valuestring, text) == 0)
			return;
	cJSON_AddItemToArray(c->problems, cJSON_CreateString(text));
}

/* Each side in a read-only transaction with the run's bounds: whatever
 * the plan's statements would try, nothing is written. */
static enum sync_status begin(struct check *c, struct sync_db *db)
{
	char stmt[16], lock[16];
	snprintf(stmt, sizeof stmt, "%d", c->s->statement_timeout_ms);
	snprintf(lock, sizeof lock, "%d", c->s->lock_timeout_ms);
	const char *p[2] = { stmt, lock };
	enum sync_status st = sync_db_run(db, "BEGIN READ ONLY", 0, NULL, NULL,
	                                  c->err, c->errlen);
	return st == SYNC_OK ? sync_db_run(db, sql_sync_session, 2, p, NULL,
	                                   c->err, c->errlen)
	                     : st;
}

static enum sync_status connect_side(struct check *c, struct sync_db *db,
                                     const char *role, const char *url)
{
	enum sync_status st = sync_db_connect(db, role, url,
	                                      c->s->connect_timeout_s, NULL,
	                                      c->err, c->errlen);
	if (st != SYNC_OK) {
		/* the host and libpq's own message, for a person at a shell */
		cJSON_AddStringToObject(c->out, "detail", db->detail);
		return st;
	}
	return begin(c, db);
}

static enum sync_status connect_both(struct check *c)
{
	const struct sync_settings *s = c->s;
	if (!s->target_url || !*s->target_url) {
		fn_err(c->err, c->errlen, "no target database in the settings");
		return SYNC_CONFIG;
	}
	enum sync_status st = connect_side(c, &c->tgt_db, "target", s->target_url);
	if (st != SYNC_OK)
		return st;
	c->tgt = c->src = &c->tgt_db;
	if (!s->source_url || !*s->source_url ||
	    strcmp(s->source_url, s->target_url) == 0)
		return SYNC_OK;
	st = connect_side(c, &c->src_db, "source", s->source_url);
	if (st == SYNC_OK)
		c->src = &c->src_db;
	return st;
}

/* One plan; a problem it finds is noted. A plan that fails leaves its
 * transaction aborted: each plan runs in a savepoint. */
static enum sync_status plan_once(struct check *c,
                                  const struct sync_settings *s,
                                  struct sync_plan *plan)
{
	char e[1024] = "";
	struct sync_db *dbs[2] = { c->tgt, c->src };
	int n = c->src == c->tgt ? 1 : 2;
	for (int i = 0; i < n; i++)
		sync_db_run(dbs[i], "SAVEPOINT syncfn_check", 0, NULL, NULL, NULL, 0);
	enum sync_status st = sync_plan_build(plan, c->src, c->tgt, s, s->tables,
	                                      NULL, e, sizeof e);
	for (int i = 0; i < n; i++)
		sync_db_run(dbs[i], "ROLLBACK TO SAVEPOINT syncfn_check", 0, NULL,
		            NULL, NULL, 0);
	/* one table found without a key under *, alone: a skip, as in a run */
	if (st == SYNC_CONFIG && cJSON_GetArraySize(plan->skipped) > 0 &&
	    strncmp(e, "no table to sync", 16) == 0)
		return SYNC_OK;
	if (st != SYNC_OK && *e) {
		problem(c, e);
		if (!*c->err)
			fn_err(c->err, c->errlen, "%s", e);
	}
	return st;
}

/* A name as the table lists write it: quoted, "" for ". */
static void quoted(struct sync_buf *b, const char *schema, const char *name)
{
	const char *parts[2] = { schema, name };
	for (int i = 0; i < 2; i++) {
		if (!parts[i])
			continue;
		if (i == 1 && schema)
			sync_buf_add(b, ".");
		sync_buf_add(b, "\"");
		for (const char *p = parts[i]; *p; p++)
			sync_buf_add(b, *p == '"' ? "\"\"" : (char[2]){ *p, 0 });
		sync_buf_add(b, "\"");
	}
}

/* Plans every entry of SYNC_TABLES on its own, and every table that *
 * finds on its own (as * with every other one excluded), so that every
 * table's problem is found, not the first one only. */
static void plan_each(struct check *c, const struct sync_plan *whole)
{
	struct sync_list l;
	int oom;
	char e[256];
	if (sync_names_parse(c->s->tables, "SYNC_TABLES", &l, &oom, e, sizeof e))
		return;
	for (int i = 0; i < l.n; i++) {
		struct sync_buf one = { 0 };
		struct sync_settings s = *c->s;
		if (l.e[i].star) {
			/* the tables * found, one at a time */
			for (int k = 0; k < whole->n; k++) {
				if (!whole->t[k].from_star)
					continue;
				struct sync_buf ex = { 0 };
				sync_buf_add(&ex, c->s->exclude ? c->s->exclude : "");
				for (int j = 0; j < whole->n; j++)
					if (j != k && whole->t[j].from_star) {
						sync_buf_add(&ex, ",");
						quoted(&ex, whole->t[j].src_schema,
						       whole->t[j].src_name);
					}
				s.tables = "*";
				s.exclude = sync_buf_str(&ex);
				struct sync_plan p;
				plan_once(c, &s, &p);
				sync_plan_free(&p);
				sync_buf_free(&ex);
			}
		} else {
			quoted(&one, l.e[i].src.schema, l.e[i].src.name);
			if (l.e[i].pair) {
				sync_buf_add(&one, "=");
				quoted(&one, l.e[i].dst.schema, l.e[i].dst.name);
			}
			s.tables = sync_buf_str(&one);
			struct sync_plan p;
			plan_once(c, &s, &p);
			sync_plan_free(&p);
		}
		sync_buf_free(&one);
	}
	sync_names_free(&l);
}

static void add_labels(cJSON *o, const char *key, const struct sync_plan *p)
{
	cJSON *a = cJSON_AddArrayToObject(o, key);
	for (int i = 0; i < p->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->t[i].label));
}

enum sync_status sync_check(const struct sync_settings *settings,
                            struct cJSON **result, char *err, size_t errlen)
{
	struct check c = { .s = settings, .err = err, .errlen = errlen };
	*err = '\0';
	c.out = cJSON_CreateObject();
	c.problems = cJSON_CreateArray();
	*result = c.out;
	if (!c.out || !c.problems) {
		cJSON_Delete(c.out);
		cJSON_Delete(c.problems);
		*result = NULL;
		fn_err(err, errlen, "out of memory");
		return SYNC_FAILED;
	}
	enum sync_status st = connect_both(&c);
	if (st != SYNC_OK)
		problem(&c, err);
	if (st == SYNC_OK) {
		struct sync_plan whole;
		st = plan_once(&c, settings, &whole);
		if (st == SYNC_CONFIG)
			plan_each(&c, &whole);
		add_labels(c.out, "tables", &whole);
		cJSON_AddItemToObject(c.out, "warnings", whole.warnings);
		whole.warnings = NULL;
		sync_plan_free(&whole);
	}
	cJSON_AddItemToObject(c.out, "problems", c.problems);
	if (c.tgt)
		sync_db_close(&c.tgt_db);
	if (c.src && c.src != c.tgt)
		sync_db_close(&c.src_db);
	return st;
}
