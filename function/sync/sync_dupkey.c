/* sync_dupkey.c - refuses a source that holds one key more than once. */
#include "sync_dupkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_buf.h"

enum sync_status sync_dupkey_error(const struct sync_table *t, char *err,
                                   size_t errlen)
{
	fn_err(err, errlen, "table %s: the source has more than one row with "
	       "the same key (%s); the key must be unique on the source too",
	       t->label, t->f.key);
	return SYNC_FAILED;
}

/* The key's column names as a text[] literal: {"a","b"}. */
static void key_names(struct sync_buf *b, const struct sync_table *t)
{
	sync_buf_add(b, "{");
	for (int i = 0; i < t->ncols; i++) {
		if (!t->cols[i].is_key)
			continue;
		sync_buf_add(b, b->len > 1 ? ",\"" : "\"");
		for (const char *p = t->cols[i].name; *p; p++) {
			if (*p == '"' || *p == '\\')
				sync_buf_add(b, "\\");
			sync_buf_addn(b, p, 1);
		}
		sync_buf_add(b, "\"");
	}
	sync_buf_add(b, "}");
}

/* Runs a query of one boolean; *yes is its value. */
static enum sync_status ask(struct sync_db *db, const char *sql, int nparams,
                            const char *const *params, const char *what,
                            int *yes, char *err, size_t errlen)
{
	PGresult *r;
	enum sync_status st = sync_db_exec(db, sql, nparams, params, &r, what,
	                                   err, errlen);
	if (st != SYNC_OK)
		return st;
	*yes = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return SYNC_OK;
}

/* Expands tmpl with the table's source, key and the stage. */
static char *expand(const char *tmpl, const struct sync_table *t,
                    const char *stage, char *err, size_t errlen)
{
	const struct sync_kv kv[] = {
		{ "src", t->f.src }, { "key", t->f.key }, { "s_key", t->f.s_key },
		{ "stage", stage ? stage : "" },
	};
	struct sync_buf b = { 0 };
	if (sync_tmpl(&b, tmpl, kv, sizeof kv / sizeof kv[0], err, errlen)
	    || b.oom) {
		if (b.oom)
			fn_err(err, errlen, "table %s: out of memory", t->label);
		sync_buf_free(&b);
		return NULL;
	}
	return b.p;
}

enum sync_status sync_dupkey_check_source(const struct sync_table *t,
                                          struct sync_db *db,
                                          const char *what, char *err,
                                          size_t errlen)
{
	char oid[16];
	snprintf(oid, sizeof oid, "%u", t->src_oid);
	struct sync_buf names = { 0 };
	key_names(&names, t);
	if (names.oom) {
		sync_buf_free(&names);
		fn_err(err, errlen, "table %s: out of memory", t->label);
		return SYNC_FAILED;
	}
	const char *p[2] = { oid, names.p };
	int unique = 0, dups = 0;
	enum sync_status st = ask(db, sql_sync_src_unique, 2, p, what, &unique,
	                          err, errlen);
	sync_buf_free(&names);
	/* a unique source index says nothing once keys are converted */
	if (st != SYNC_OK || (unique && !t->key_converted))
		return st;
	char *sql = expand(sql_sync_src_dups, t, NULL, err, errlen);
	if (!sql)
		return SYNC_FAILED;
	st = ask(db, sql, 0, NULL, what, &dups, err, errlen);
	free(sql);
	if (st == SYNC_OK && dups)
		return sync_dupkey_error(t, err, errlen);
	return st;
}

enum sync_status sync_dupkey_index_stage(const struct sync_table *t,
                                         struct sync_db *tgt,
                                         const char *stage, const char *what,
                                         char *err, size_t errlen)
{
	char *sql = expand(sql_sync_stage_unique, t, stage, err, errlen);
	if (!sql)
		return SYNC_FAILED;
	enum sync_status st = sync_db_run(tgt, sql, 0, NULL, what, err, errlen);
	free(sql);
	if (st != SYNC_OK && strcmp(tgt->sqlstate, "23505") == 0)
		return sync_dupkey_error(t, err, errlen);
	return st;
}
