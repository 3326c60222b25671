/* sync_fire.c - the columns a target's BEFORE row triggers rewrite:
 * found by the merge, warned about, recorded, left out of comparisons. */
#include "sync_fire.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_text.h"
#include "sync_buf.h"

static struct sync_col *find_col(struct sync_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

static enum sync_status read_recorded(struct sync_table *t,
                                      struct sync_db *tgt, const char *what,
                                      char *err, size_t errlen)
{
	const char *p[2] = { t->label, t->fire.hash };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_fire_recorded, 2, p,
	                                   &r, what, err, errlen);
	if (st != SYNC_OK)
		return st;
	for (int i = 0; i < PQntuples(r); i++) {
		struct sync_col *c = find_col(t, PQgetvalue(r, i, 0));
		if (c && !c->is_key)
			c->uncompared = 1;
	}
	PQclear(r);
	return SYNC_OK;
}

enum sync_status sync_fire_read(struct sync_table *t, struct sync_db *tgt,
                                char *err, size_t errlen)
{
	/* skip: no trigger fires; insert_only: nothing is compared */
	if ((t->rule && t->rule->skip_triggers) || t->insert_only)
		return SYNC_OK;
	char oid[16], what[400];
	snprintf(oid, sizeof oid, "%u", t->tgt_oid);
	snprintf(what, sizeof what, "reading the triggers of table %s",
	         t->label);
	const char *p[1] = { oid };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_fire_triggers, 1, p,
	                                   &r, what, err, errlen);
	if (st != SYNC_OK)
		return st;
	if (PQntuples(r) == 1)
		t->fire.user_triggers = (int)strtol(PQgetvalue(r, 0, 3), NULL,
		                                    10);
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
		t->fire.triggers = strdup(PQgetvalue(r, 0, 0));
		snprintf(t->fire.hash, sizeof t->fire.hash, "%s",
		         PQgetvalue(r, 0, 1));
		t->fire.recorded = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
		if (!t->fire.triggers) {
			fn_err(err, errlen, "out of memory planning table %s",
			       t->label);
			st = SYNC_FAILED;
		}
	}
	PQclear(r);
	if (st == SYNC_OK && t->fire.triggers && t->fire.recorded)
		st = read_recorded(t, tgt, what, err, errlen);
	return st;
}

int sync_fire_found(struct sync_table *t, const char *indexes)
{
	if (!t->fire.found_cols && *indexes &&
	    !(t->fire.found_cols = calloc((size_t)t->ncols, 1)))
		return -1;
	struct sync_buf b = { 0 };
	if (t->fire.found)
		sync_buf_add(&b, t->fire.found);
	for (const char *p = indexes; *p;) {
		char *end;
		long i = strtol(p, &end, 10);
		if (end == p)
			break;
		/* each column once per run; a column recorded before is
		 * never compared, so never found */
		if (i >= 1 && i <= t->ncols && !t->cols[i - 1].uncompared &&
		    !t->fire.found_cols[i - 1]) {
			t->fire.found_cols[i - 1] = 1;
			if (b.len)
				sync_buf_add(&b, ", ");
			sync_buf_add(&b, t->cols[i - 1].name);
		}
		p = *end == ',' ? end + 1 : end;
	}
	if (b.oom) {
		sync_buf_free(&b);
		return -1;
	}
	free(t->fire.found);
	t->fire.found = b.p;
	return 0;
}

/* The JSON array of every column t leaves uncompared from now on. */
static char *columns_json(const struct sync_table *t)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < t->ncols; i++)
		if (t->cols[i].uncompared ||
		    (t->fire.found_cols && t->fire.found_cols[i]))
			cJSON_AddItemToArray(a, cJSON_CreateString(
			                             t->cols[i].name));
	char *text = a ? cJSON_PrintUnformatted(a) : NULL;
	cJSON_Delete(a);
	return text;
}

enum sync_status sync_fire_finish(struct sync_plan *plan, struct sync_table *t,
                                  struct sync_db *tgt,
                                  const struct fn_logger *log, char *err,
                                  size_t errlen)
{
	if (!t->fire.found || !*t->fire.found)
		return SYNC_OK;
	int many_cols = strchr(t->fire.found, ',') != NULL;
	int many_trig = strchr(t->fire.triggers, ',') != NULL;
	sync_plan_warn(plan, log, t->label, "table %s: column%s %s %s "
	               "rewritten on the target by %s BEFORE trigger%s %s (the "
	               "value written differs from the source's); left out of "
	               "later comparisons for this table (still written) until "
	               "its BEFORE triggers change; \"triggers\": \"skip\" "
	               "writes the source's values instead", t->label,
	               many_cols ? "s" : "", t->fire.found,
	               many_cols ? "were" : "was",
	               many_trig ? "one of its" : "its",
	               many_trig ? "s" : "", t->fire.triggers);
	if (!t->fire.recorded)
		return SYNC_OK;
	char *cols = columns_json(t);
	if (!cols) {
		fn_err(err, errlen, "table %s: out of memory", t->label);
		return SYNC_FAILED;
	}
	char what[400];
	snprintf(what, sizeof what, "recording the rewritten columns of table "
	         "%s in syncfn.rewritten", t->label);
	const char *p[3] = { t->label, t->fire.hash, cols };
	enum sync_status st = sync_db_run(tgt, sql_sync_fire_record, 3, p,
	                                  what, err, errlen);
	free(cols);
	return st;
}
