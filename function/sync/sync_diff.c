/* sync_diff.c - compares the source's and the target's rows of one table
 * in the client, in key order, and stages only the source rows that are
 * new or different.
 *
 * Both servers only read (COPY out in index order, one core each) while
 * the target writes nothing, so a re-sync that changed little costs about
 * one COPY out instead of a COPY into a stage plus a join of the whole
 * table. Memory stays at one row per side plus the rows not yet staged. */
#include "sync_diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_dupkey.h"
#include "sync_meter.h"
#include "sync_table.h"

#define KEY_MAX 8
#define PROGRESS_EVERY 65536

/* One side's COPY out, read one row at a time. */
struct side {
	struct sync_db *db;
	const struct sync_table *t;
	const char *what;
	const int *keyof;      /* 1 + key position of each column, or 0 */
	int ncols, nkey;
	int masked;            /* some column is not compared */
	char *row;             /* the current row, or NULL */
	int len;
	int done;              /* the COPY ended and its result was read */
	int has_key;           /* key parsed (no NULL, all integers) */
	long long key[KEY_MAX];
};

/* The target: chunks of its rows, seen as one stream. */
struct target {
	struct side io;
	const struct sync_table *t;
	const char *cols;      /* the columns read: the rows', or the key's */
	long long chunk_rows;  /* rows read in the current chunk */
	long long passed[KEY_MAX]; /* key of the last row moved past */
	int have_passed;
	int eof;               /* the last chunk ended */
};

int sync_diff_possible(const struct sync_table *t)
{
	static const char *const ints[] = { "smallint", "integer", "bigint" };
	int nkey = 0;
	for (int i = 0; i < t->ncols; i++) {
		const struct sync_col *c = &t->cols[i];
		if (!c->is_key)
			continue;
		int src = 0, tgt = 0;
		for (size_t j = 0; j < sizeof ints / sizeof ints[0]; j++) {
			src |= strcmp(c->src_type, ints[j]) == 0;
			tgt |= strcmp(c->tgt_type, ints[j]) == 0;
		}
		if (!src || !tgt || c->is_key > KEY_MAX)
			return 0;
		nkey++;
	}
	return nkey > 0 && nkey <= KEY_MAX;
}

static void parse_key(struct side *s)
{
	const char *p = s->row, *end = s->row + s->len;
	int found = 0;
	s->has_key = 0;
	for (int f = 0; f < s->ncols && p < end; f++) {
		if (s->keyof[f]) {
			char *e;
			errno = 0;
			long long v = strtoll(p, &e, 10);
			if (e == p || errno || e >= end || (*e != '\t' && *e != '\n'))
				return; /* \N or not an integer */
			s->key[s->keyof[f] - 1] = v;
			if (++found == s->nkey) {
				s->has_key = 1;
				return;
			}
		}
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		if (!tab)
			return;
		p = tab + 1;
	}
}

static int key_cmp(const long long *a, const long long *b, int nkey)
{
	for (int i = 0; i < nkey; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* The final result of a finished COPY out. */
static enum sync_status finish(struct side *s, char *err, size_t errlen)
{
	enum sync_status st = SYNC_OK;
	PGresult *r;
	s->done = 1;
	while ((r = PQgetResult(s->db->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && st == SYNC_OK)
			st = sync_db_error(s->db, r, s->what, err, errlen);
		PQclear(r);
	}
	return st;
}

static enum sync_status start(struct side *s, const char *sql, char *err,
                              size_t errlen)
{
	s->done = 0;
	enum sync_status st = sync_db_run(s->db, sql, 0, NULL, s->what, err,
	                                  errlen);
	if (st != SYNC_OK)
		s->done = 1;
	return st;
}

/* Reads the next row into s (s->done at the end). */
static enum sync_status next_row(struct side *s, char *err, size_t errlen)
{
	PQfreemem(s->row);
	s->row = NULL;
	for (;;) {
		int n = PQgetCopyData(s->db->conn, &s->row, 1);
		if (n > SYNC_ROW_MAX_BYTES)
			return sync_row_too_large(s->t, n, err, errlen);
		if (n > 0) {
			s->len = n;
			parse_key(s);
			return SYNC_OK;
		}
		if (n == 0) {
			if (sync_db_cancelled(s->db))
				return SYNC_CANCELLED;
			if (sync_db_wait(s->db) == 0 &&
			    PQconsumeInput(s->db->conn))
				continue;
		}
		enum sync_status st = finish(s, err, errlen);
		if (n != -1 && st == SYNC_OK)
			st = sync_db_error(s->db, NULL, s->what, err, errlen);
		return st;
	}
}

/* Ends a side's COPY out early: asks the server to stop when abort is
 * set (the run fails anyway), else reads what is left. */
static void stop(struct side *s, int abort)
{
	PQfreemem(s->row);
	s->row = NULL;
	if (s->done || !s->db->conn)
		return;
	if (abort)
		sync_db_cancel_statement(s->db);
	char *buf;
	while (PQgetCopyData(s->db->conn, &buf, 0) > 0)
		PQfreemem(buf);
	finish(s, NULL, 0);
}

/* Starts the target's next chunk and reads its first row. */
static enum sync_status open_chunk(struct target *g, char *err, size_t errlen)
{
	const struct sync_table *t = g->t;
	struct sync_buf after = { 0 }, sql = { 0 };
	for (int i = 0; i < g->io.nkey; i++)
		sync_buf_addf(&after, "%s%lld", i ? ", " : "",
		              g->have_passed ? g->passed[i] : 0);
	char limit[24];
	snprintf(limit, sizeof limit, "%d", SYNC_DIFF_CHUNK_ROWS);
	const struct sync_kv kv[] = {
		{ "cols", g->cols }, { "tgt_scope", t->f.tgt_scope },
		{ "key", t->f.key }, { "limit", limit },
		{ "first", g->have_passed ? "false" : "true" },
		{ "after", sync_buf_str(&after) },
	};
	enum sync_status st = SYNC_FAILED;
	if (sync_tmpl(&sql, sql_sync_copy_target_ordered, kv,
	              sizeof kv / sizeof kv[0], err, errlen) == 0) {
		if (after.oom || sql.oom)
			fn_err(err, errlen, "table %s: out of memory", t->label);
		else
			st = start(&g->io, sql.p, err, errlen);
	}
	sync_buf_free(&after);
	sync_buf_free(&sql);
	g->chunk_rows = 0;
	if (st == SYNC_OK)
		st = next_row(&g->io, err, errlen);
	if (st == SYNC_OK && !g->io.done)
		g->chunk_rows++;
	else if (st == SYNC_OK)
		g->eof = 1;
	/* a chunk that does not move forward would be read again forever */
	if (st == SYNC_OK && !g->eof && g->have_passed &&
	    (!g->io.has_key || key_cmp(g->io.key, g->passed, g->io.nkey) <= 0)) {
		fn_err(err, errlen, "table %s: reading the target in key order "
		       "(%s) did not move past the last key read; nothing was "
		       "applied", t->label, t->f.key);
		st = SYNC_FAILED;
	}
	return st;
}

/* Stages the rows kept so far; the target's connection must be idle. */
static enum sync_status flush(struct sync_diff *d, char *err, size_t errlen)
{
	if (d->rows.len == 0)
		return SYNC_OK;
	return d->flush(d->ctx, &d->rows, err, errlen);
}

/* Moves the target past its current row, into the next chunk if need be
 * (staging what was kept while its connection is idle). */
static enum sync_status advance(struct target *g, struct sync_diff *d,
                                char *err, size_t errlen)
{
	if (g->io.has_key) {
		memcpy(g->passed, g->io.key, sizeof g->passed);
		g->have_passed = 1;
	}
	enum sync_status st = next_row(&g->io, err, errlen);
	if (st != SYNC_OK || !g->io.done) {
		g->chunk_rows += st == SYNC_OK;
		return st;
	}
	if (g->chunk_rows < SYNC_DIFF_CHUNK_ROWS || !g->have_passed) {
		g->eof = 1;
		return SYNC_OK;
	}
	if (d->rows.len >= SYNC_DIFF_FLUSH_BYTES)
		st = flush(d, err, errlen);
	return st == SYNC_OK ? open_chunk(g, err, errlen) : st;
}

/* Too many rows kept: cuts the target's chunk short, stages them, and
 * reopens the target at its current row. */
static enum sync_status make_room(struct target *g, struct sync_diff *d,
                                  char *err, size_t errlen)
{
	if (g->eof)
		return flush(d, err, errlen);
	stop(&g->io, 0);
	enum sync_status st = flush(d, err, errlen);
	return st == SYNC_OK ? open_chunk(g, err, errlen) : st;
}

static void progress(const struct sync_request *req, const struct sync_table *t,
                     long long rows)
{
	if (req->progress)
		req->progress(req->progress_ctx, t->label, rows, t->estimate);
}

/* Whether the rows of a and b have the same text, but for the columns a
 * target trigger rewrites (sync_fire.h), which are not compared. COPY
 * text escapes a tab inside a value, so a raw tab ends a field. */
static int rows_alike(const struct side *a, const struct side *b)
{
	if (!a->masked)
		return a->len == b->len &&
		       memcmp(a->row, b->row, (size_t)a->len) == 0;
	const char *p = a->row, *pe = a->row + a->len;
	const char *q = b->row, *qe = b->row + b->len;
	for (int i = 0; i < a->ncols; i++) {
		const char *pt = memchr(p, '\t', (size_t)(pe - p));
		const char *qt = memchr(q, '\t', (size_t)(qe - q));
		size_t pn = (size_t)((pt ? pt : pe) - p);
		size_t qn = (size_t)((qt ? qt : qe) - q);
		if (!a->t->cols[i].uncompared &&
		    (pn != qn || memcmp(p, q, pn) != 0))
			return 0;
		if (!pt != !qt)
			return 0;
		if (!pt)
			return i == a->ncols - 1;
		p = pt + 1, q = qt + 1;
	}
	return 0; /* more fields than columns */
}

/* Whether source row s has a target row with the same text; moves the
 * target up to s's key. */
static enum sync_status same_on_target(struct side *s, struct target *g,
                                       struct sync_diff *d, int *same,
                                       char *err, size_t errlen)
{
	enum sync_status st = SYNC_OK;
	*same = 0;
	while (st == SYNC_OK && !g->eof &&
	       (!g->io.has_key || key_cmp(g->io.key, s->key, s->nkey) < 0))
		st = advance(g, d, err, errlen);
	if (st == SYNC_OK && !g->eof)
		*same = rows_alike(s, &g->io);
	return st;
}

/* The loop over the source rows. keys: s and g read keys only, the
 * source's the target lacks are kept in d->rows until the end (*full set
 * and the loop ended when they pass SYNC_DIFF_KEYS_MAX_BYTES). */
static enum sync_status compare(struct side *s, struct target *g,
                                const struct sync_table *t,
                                const struct sync_request *req,
                                struct sync_diff *d, int keys, int *full,
                                char *err, size_t errlen)
{
	long long prev[KEY_MAX];
	int have_prev = 0;
	enum sync_status st = open_chunk(g, err, errlen);
	while (st == SYNC_OK) {
		st = next_row(s, err, errlen);
		if (st != SYNC_OK || s->done)
			break;
		sync_meter_rows(s->db->meter, 1);
		/* rows may never keep us waiting: look at the flag here too */
		if (++d->read % PROGRESS_EVERY == 0) {
			progress(req, t, d->read);
			if (sync_db_cancelled(s->db))
				return SYNC_CANCELLED;
		}
		int same = 0;
		if (keys && !s->has_key) { /* a NULL key: refused as ever */
			*full = 1;
			break;
		}
		if (s->has_key) {
			if (have_prev && key_cmp(prev, s->key, s->nkey) == 0)
				return sync_dupkey_error(t, err, errlen);
			memcpy(prev, s->key, sizeof prev);
			have_prev = 1;
			st = same_on_target(s, g, d, &same, err, errlen);
		}
		if (same || st != SYNC_OK)
			continue;
		sync_buf_addn(&d->rows, s->row, (size_t)s->len);
		if (d->rows.oom) {
			fn_err(err, errlen, "table %s: out of memory", t->label);
			return SYNC_FAILED;
		}
		if (keys && d->rows.len >= SYNC_DIFF_KEYS_MAX_BYTES) {
			*full = 1;
			break;
		}
		if (keys)
			continue;
		d->staged++;
		if (d->rows.len >= SYNC_DIFF_MAX_BYTES)
			st = make_room(g, d, err, errlen);
	}
	return st;
}

/* The full source rows of the keys in d->rows (key lines), read by key
 * CK_FETCH_KEYS at a time straight into the stage (d->stream). */
static enum sync_status fetch_keys(struct sync_db *src,
                                   const struct sync_table *t,
                                   struct sync_diff *d, char *err,
                                   size_t errlen)
{
	const char *keytype = NULL;
	for (int i = 0; i < t->ncols && !keytype; i++)
		if (t->cols[i].is_key)
			keytype = t->cols[i].src_type;
	const struct sync_kv kv[] = {
		{ "cols", t->f.cols }, { "src", t->f.src }, { "key", t->f.key },
		{ "keytype", keytype },
	};
	struct sync_buf sql = { 0 };
	enum sync_status st = SYNC_FAILED;
	if (sync_tmpl(&sql, sql_sync_checksum_fetch, kv, sizeof kv / sizeof kv[0],
	              err, errlen) == 0 && !sql.oom)
		st = SYNC_OK;
	else if (sql.oom)
		fn_err(err, errlen, "table %s: out of memory", t->label);
	char what[800];
	snprintf(what, sizeof what, "reading new rows of table %s from %s",
	         t->src_label, src->label);
	const char *p = sync_buf_str(&d->rows), *end = p + d->rows.len;
	while (st == SYNC_OK && p < end) {
		struct sync_buf list = { 0 };
		sync_buf_add(&list, "{");
		for (int n = 0; p < end && n < 4096; n++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (n)
				sync_buf_add(&list, ",");
			sync_buf_addn(&list, p, len);
			p += len + (nl != NULL);
		}
		sync_buf_add(&list, "}");
		const char *params[1] = { list.p };
		long long rows = 0;
		if (list.oom) {
			fn_err(err, errlen, "table %s: out of memory", t->label);
			st = SYNC_FAILED;
		} else {
			st = sync_db_run(src, sql_sync_checksum_fetch_keys, 1,
			                 params, what, err, errlen);
		}
		if (st == SYNC_OK)
			st = d->stream(d->ctx, src, sql.p, &rows, err, errlen);
		d->staged += rows;
		sync_buf_free(&list);
	}
	sync_buf_free(&sql);
	d->rows.len = 0;
	return st;
}

/* The source's keys in key order (an insert-only table's). */
static char *keys_out(const struct sync_table *t, char *err, size_t errlen)
{
	const struct sync_kv kv[] = { { "key", t->f.key }, { "src", t->f.src } };
	struct sync_buf b = { 0 };
	if (sync_tmpl(&b, sql_sync_copy_keys_ordered, kv, 2, err, errlen) != 0 ||
	    b.oom) {
		if (b.oom)
			fn_err(err, errlen, "table %s: out of memory", t->label);
		sync_buf_free(&b);
		return NULL;
	}
	return b.p;
}

enum sync_status sync_diff_stream(struct sync_db *src, struct sync_db *tgt,
                                  const char *src_out,
                                  const struct sync_table *t,
                                  const struct sync_request *req,
                                  struct sync_diff *d, char *err,
                                  size_t errlen)
{
	char what_src[800], what_tgt[800];
	snprintf(what_src, sizeof what_src, "reading table %s from %s",
	         t->src_label, src->label);
	snprintf(what_tgt, sizeof what_tgt, "reading table %s from %s",
	         t->label, tgt->label);
	d->staged = d->read = 0;
	int *keyof = calloc((size_t)t->ncols + 1, sizeof *keyof);
	if (!keyof) {
		fn_err(err, errlen, "table %s: out of memory", t->label);
		return SYNC_FAILED;
	}
	int nkey = 0, masked = 0;
	for (int i = 0; i < t->ncols; i++)
		masked |= t->cols[i].uncompared;
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].is_key) {
			keyof[i] = t->cols[i].is_key;
			nkey++;
		}
	/* insert-only, one key column: a row that exists is never updated,
	 * so both sides read their keys and the source the rows of the keys
	 * the target lacks, unless they are too many to keep */
	static const int key_only[1] = { 1 };
	int keys = t->insert_only && nkey == 1 && d->stream;
	char *k_out = keys ? keys_out(t, err, errlen) : NULL;
	if (keys && !k_out) {
		free(keyof);
		return SYNC_FAILED;
	}
	int full = 0;
	progress(req, t, 0);
	enum sync_status st = SYNC_OK;
	for (int pass = 0; pass < 2 && st == SYNC_OK; pass++) {
		if (pass == 1 && !full)
			break;
		if (pass == 1) { /* every row of the source after all */
			keys = 0;
			d->rows.len = 0;
			d->staged = d->read = 0;
		}
		struct side s = { .db = src, .t = t, .what = what_src,
		                  .keyof = keys ? key_only : keyof,
		                  .ncols = keys ? 1 : t->ncols, .nkey = nkey,
		                  .masked = keys ? 0 : masked, .done = 1 };
		struct target g = { .io = s, .t = t,
		                    .cols = keys ? t->f.key : t->f.cols };
		g.io.db = tgt;
		g.io.what = what_tgt;
		st = start(&s, keys ? k_out : src_out, err, errlen);
		sync_meter_phase(src->meter, "compare");
		if (st == SYNC_OK)
			st = compare(&s, &g, t, req, d, keys, &full, err,
			             errlen);
		sync_meter_phase(src->meter, NULL);
		if (st == SYNC_CANCELLED) {
			fn_err(err, errlen, "cancelled; nothing was applied");
			sync_db_cancelled(src);
			sync_db_cancelled(tgt);
		}
		stop(&g.io, st != SYNC_OK);
		stop(&s, st != SYNC_OK);
	}
	free(keyof);
	free(k_out);
	if (st == SYNC_OK && keys)
		st = fetch_keys(src, t, d, err, errlen);
	if (st == SYNC_OK)
		st = flush(d, err, errlen);
	if (st == SYNC_OK)
		progress(req, t, d->read);
	return st;
}
