/* sync_sequence.c - moves the sequences a table's synced columns own
 * (serial and identity columns) or their defaults draw from (owned or
 * not) forward to the synced values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_buf.h"
#include "sync_table.h"

/* Runs tmpl for sequence seq of column c; *r its result. */
static enum sync_status seq_exec(const struct sync_table *t,
                                 struct sync_db *tgt,
                                 const struct sync_col *c, const char *seq,
                                 const char *tmpl, PGresult **r, char *err,
                                 size_t errlen)
{
	char *col = sync_db_ident(tgt, c->name);
	if (!col) {
		fn_err(err, errlen, "out of memory");
		return SYNC_FAILED;
	}
	const struct sync_kv kv[] = { { "col", col }, { "tgt", t->f.tgt },
	                              { "seq", seq } };
	struct sync_buf b = { 0 };
	int bad = sync_tmpl(&b, tmpl, kv, 3, err, errlen);
	free(col);
	if (bad || b.oom) {
		if (b.oom)
			fn_err(err, errlen, "out of memory");
		sync_buf_free(&b);
		return SYNC_FAILED;
	}
	char what[400];
	snprintf(what, sizeof what, "advancing sequence %s of table %s",
	         seq, t->label);
	const char *p[1] = { seq };
	enum sync_status st = sync_db_exec(tgt, sync_buf_str(&b), 1, p, r,
	                                   what, err, errlen);
	sync_buf_free(&b);
	return st;
}

static enum sync_status one_sequence(struct sync_table *t,
                                     struct sync_db *tgt,
                                     const struct sync_col *c, const char *seq,
                                     int dry_run, char *err, size_t errlen)
{
	PGresult *r;
	enum sync_status st = seq_exec(t, tgt, c, seq, sql_sync_sequence_check,
	                               &r, err, errlen);
	if (st != SYNC_OK)
		return st;
	if (PQntuples(r) > 0) {
		fn_err(err, errlen, "table %s: column %s reaches %s, above the "
		       "MAXVALUE %s of its sequence %s, so the sequence cannot "
		       "follow it; raise it (ALTER SEQUENCE %s MAXVALUE ...) or "
		       "change the column's values", t->label, c->name,
		       PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), seq, seq);
		PQclear(r);
		return SYNC_FAILED;
	}
	PQclear(r);
	if (dry_run)
		return SYNC_OK;
	st = seq_exec(t, tgt, c, seq, sql_sync_sequence, &r, err, errlen);
	if (st != SYNC_OK)
		return st;
	t->out.sequences_advanced += PQntuples(r);
	PQclear(r);
	return SYNC_OK;
}

enum sync_status sync_table_sequences(struct sync_table *t, struct sync_db *tgt,
                                      int dry_run, char *err, size_t errlen)
{
	for (int i = 0; i < t->ncols; i++) {
		const struct sync_col *c = &t->cols[i];
		for (int k = 0; c->seq && c->seq[k]; k++) {
			enum sync_status st = one_sequence(t, tgt, c, c->seq[k],
			                                   dry_run, err, errlen);
			if (st != SYNC_OK)
				return st;
		}
	}
	return SYNC_OK;
}
