/* sync_checksum.c - the checksum method's course for one table: compare
 * the whole tables first when the last run found them alike, else agree
 * on segments, let both servers aggregate them at once, compare, settle
 * the segments that differ only by rows one side lacks
 * (sync_checksum_keys.c) and go to row level for the rest
 * (sync_checksum_rows.c).
 *
 * Segment aggregate: the XOR of the rows' 64-bit hashes, and count(*) or
 * (dense integer keys) a slot per key: 0 absent, else a hint of its row's
 * hash.
 * Every hashed row includes its key, the target's keys are unique (its
 * primary key or unique index) and the source's are checked to be, so no
 * two rows of a segment are the same row: XOR loses a row only if another
 * row of the same segment has the very same 64-bit hash, and a changed
 * segment passes for unchanged only if its changes' hashes XOR to zero
 * (about 2^-64 per segment for distinct rows), with the count or the
 * keys as a second check. A sum modulo 2^64 would be as safe; XOR needs
 * no overflow care in SQL (bit_xor), and a row's hash XORed in twice is
 * gone (the keys file takes rows out that way). */
#include "sync_checksum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_checksum_parts.h"
#include "sync_dupkey.h"
#include "sync_meter.h"

/* Whether two source keys are one key on the target only when they are
 * one on the source: the checksum matches keys by their bytes, and only
 * the merge would meet such a pair, one row overwriting the other. */
static int key_exact(const struct sync_col *k)
{
	if (k->text_cmp)
		return 0; /* a collation or type whose equality is looser */
	if (strcmp(k->src_type, k->tgt_type) == 0)
		return 1;
	static const char *const ints[] = { "smallint", "integer", "bigint" };
	int a = 0, b = 0;
	for (int i = 0; i < 3; i++) {
		a |= strcmp(k->src_type, ints[i]) == 0;
		b |= strcmp(k->tgt_type, ints[i]) == 0;
	}
	return a && b;
}

int sync_checksum_possible(const struct sync_table *t, const struct sync_db *src,
                           const struct sync_db *tgt, char *why, size_t whylen)
{
	int nkey = 0;
	const struct sync_col *key = NULL;
	if (whylen)
		why[0] = '\0';
	if (t->checksum == SYNC_CHECKSUM_OFF)
		return 0;
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].is_key)
			nkey++, key = &t->cols[i];
	if (t->tgt_rls || nkey != 1)
		return 0;
	if (!key_exact(key)) {
		snprintf(why, whylen, "table %s: its key %s (%s on the source, "
		         "%s on the target) is not compared byte for byte on the "
		         "target, so two source keys could be one there; every "
		         "row is read instead, which finds such a pair and "
		         "refuses it", t->label, key->name, key->src_type,
		         key->tgt_type);
		return 0;
	}
	if (PQserverVersion(src->conn) < 140000 ||
	    PQserverVersion(tgt->conn) < 140000) {
		snprintf(why, whylen, "table %s: checksums need PostgreSQL 14 "
		         "or later on both servers (hash_record_extended, "
		         "bit_xor); every row is read instead", t->label);
		return 0;
	}
	return 1;
}

/* A NULL key on the source fails the table, as the merge would. */
static enum sync_status null_keys(const struct ck_ctx *c, const char *what)
{
	const struct sync_table *t = c->t;
	struct sync_db *src = c->src;
	char *err = c->err;
	size_t errlen = c->errlen;
	char *sql = ck_sql_expand(&c->s, t, sql_sync_checksum_nullkey, t->f.src,
	                          1, err, errlen);
	if (!sql)
		return SYNC_FAILED;
	PGresult *r;
	enum sync_status st = sync_db_exec(src, sql, 0, NULL, &r, what, err,
	                                   errlen);
	free(sql);
	if (st != SYNC_OK)
		return st;
	if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		fn_err(err, errlen, "table %s: the source has rows whose key (%s) "
		       "is NULL; the target's key cannot hold them; nothing was "
		       "applied", t->label, t->f.key);
		st = SYNC_FAILED;
	}
	PQclear(r);
	return st;
}

/* The same template in flight on both sides; its statements' names for
 * messages live here as long as the queries. */
struct ck_pair {
	struct ck_query s, t;
	char what_s[800], what_t[800];
};

/* Sends the template to both servers at once (packed: as ck_send); the
 * caller drains q's queries. */
static enum sync_status send_to_both(const struct ck_ctx *c,
                                     const char *tmpl, int nparams,
                                     const char *const *p, int packed,
                                     struct ck_pair *q)
{
	const struct sync_table *t = c->t;
	struct sync_db *src = c->src, *tgt = c->tgt;
	char *err = c->err;
	size_t errlen = c->errlen;
	snprintf(q->what_s, sizeof q->what_s, "checksumming table %s on %s",
	         t->src_label, src->label);
	snprintf(q->what_t, sizeof q->what_t, "checksumming table %s on %s",
	         t->label, tgt->label);
	q->s = (struct ck_query){ .db = src, .what = q->what_s };
	q->t = (struct ck_query){ .db = tgt, .what = q->what_t };
	char *sql_s = ck_sql_expand(&c->s, t, tmpl, t->f.src, 1, err, errlen);
	char *sql_t = sql_s ? ck_sql_expand(&c->s, t, tmpl, t->f.tgt_scope, 1,
	                                    err, errlen)
	                    : NULL;
	enum sync_status st = SYNC_FAILED;
	if (sql_t)
		st = ck_send(&q->s, sql_s, nparams, p, packed, err,
		             errlen);
	if (st == SYNC_OK)
		st = ck_send(&q->t, sql_t, nparams, p, packed, err,
		             errlen);
	free(sql_s);
	free(sql_t);
	return st;
}

/* Both sides' one-row answers to the same template, which takes no
 * parameter. */
static enum sync_status one_row_each(const struct ck_ctx *c,
                                     const char *tmpl, PGresult **rs,
                                     PGresult **rt)
{
	struct ck_pair q;
	*rs = *rt = NULL;
	enum sync_status st = send_to_both(c, tmpl, 0, NULL, 0, &q);
	if (st == SYNC_OK)
		st = ck_next(&q.s, rs, c->err, c->errlen);
	if (st == SYNC_OK)
		st = ck_next(&q.t, rt, c->err, c->errlen);
	ck_drain(&q.s);
	ck_drain(&q.t);
	if (st != SYNC_OK) {
		PQclear(*rs);
		PQclear(*rt);
		*rs = *rt = NULL;
	}
	return st;
}

/* The source's row count, for sizing segments: the planner's estimate,
 * or count(*) when the table was never analyzed. */
static enum sync_status source_rows(const struct ck_ctx *c, long long *rows)
{
	const struct sync_table *t = c->t;
	char *err = c->err;
	size_t errlen = c->errlen;
	*rows = t->estimate;
	if (*rows > 0)
		return SYNC_OK;
	const struct sync_kv kv[] = { { "src", t->f.src } };
	struct sync_buf sql = { 0 };
	if (sync_tmpl(&sql, sql_sync_count, kv, 1, err, errlen) != 0 ||
	    sql.oom) {
		sync_buf_free(&sql);
		return SYNC_FAILED;
	}
	PGresult *r;
	enum sync_status st = sync_db_exec(c->src, sql.p, 0, NULL, &r, NULL,
	                                   err, errlen);
	sync_buf_free(&sql);
	if (st == SYNC_OK) {
		if (!sync_db_ll(r, 0, 0, rows))
			*rows = 0;
		PQclear(r);
	}
	return st;
}

/* Whether the source has a unique index on the key (then its value
 * ranges can be read by index). */
static enum sync_status source_indexed(const struct ck_ctx *c, int *yes)
{
	const struct sync_table *t = c->t;
	char *err = c->err;
	size_t errlen = c->errlen;
	struct sync_buf names = { 0 };
	char oid[16];
	snprintf(oid, sizeof oid, "%u", t->src_oid);
	sync_buf_add(&names, "{\"");
	for (int i = 0; i < t->ncols; i++)
		for (const char *p = t->cols[i].is_key ? t->cols[i].name : "";
		     *p; p++) {
			if (*p == '"' || *p == '\\')
				sync_buf_add(&names, "\\");
			sync_buf_addn(&names, p, 1);
		}
	sync_buf_add(&names, "\"}");
	*yes = 0;
	if (names.oom) {
		sync_buf_free(&names);
		fn_err(err, errlen, "table %s: out of memory", t->label);
		return SYNC_FAILED;
	}
	const char *p[2] = { oid, names.p };
	PGresult *r;
	enum sync_status st = sync_db_exec(c->src, sql_sync_src_unique, 2, p,
	                                   &r, NULL, err, errlen);
	sync_buf_free(&names);
	if (st == SYNC_OK) {
		*yes = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
	}
	return st;
}

/* Other keys: segments by a hash of the key (sync_checksum_sql.c). */
static void hash_segments(struct ck_sql *s, long long rows)
{
	long long n = ck_ranges_hashed(rows);
	s->int_key = 0;
	s->nsegs = (int)n - 1;
	snprintf(s->nseg, sizeof s->nseg, "%lld", n);
}

/* Sets s's value ranges for keys lo..hi (sync_checksum_ranges.h); 0 when
 * there are none. */
static int value_ranges(struct ck_sql *s, __int128 lo, __int128 hi,
                        long long want)
{
	struct ck_ranges r;
	if (!ck_ranges_value(lo, hi, want, &r))
		return 0;
	s->int_key = 1;
	s->nsegs = r.nseg + 1;
	snprintf(s->lo, sizeof s->lo, "%lld", r.lo);
	snprintf(s->top, sizeof s->top, "%lld", r.top);
	snprintf(s->nseg, sizeof s->nseg, "%d", r.nseg);
	snprintf(s->width, sizeof s->width, "%lld", r.width);
	s->lo_v = r.lo;
	s->width_v = r.width;
	s->shift = r.shift;
	s->kbits = r.kbits;
	return 1;
}

/* Integer keys: value ranges over both sides' [min, max]; *dense is 0
 * when the keys are too sparse (or too wide) for them. */
static enum sync_status int_ranges(struct ck_ctx *c, long long rows,
                                   int *dense, int *empty)
{
	PGresult *rs, *rt;
	enum sync_status st = one_row_each(c, sql_sync_checksum_range, &rs,
	                                   &rt);
	if (st != SYNC_OK)
		return st;
	long long smin, smax, tmin, tmax;
	*dense = 0;
	*empty = !sync_db_ll(rs, 0, 0, &smin) || !sync_db_ll(rs, 0, 1, &smax);
	if (!*empty) {
		__int128 lo = smin, hi = smax;
		if (sync_db_ll(rt, 0, 0, &tmin) && sync_db_ll(rt, 0, 1, &tmax)) {
			lo = tmin < lo ? tmin : lo;
			hi = tmax > hi ? tmax : hi;
		}
		if (ck_ranges_dense(lo, hi, rows))
			*dense = value_ranges(&c->s, lo, hi,
			                      ck_ranges_wanted(rows));
	}
	PQclear(rs);
	PQclear(rt);
	return SYNC_OK;
}

/* Puts one row of a side's packed aggregates (16-byte records, 20 with
 * slots: sync_checksum_segments.sql) at their segments' places in out,
 * zeroed, nsegs + 1 long: a segment out of range, without rows or twice
 * makes the answer malformed. The target's keys outside the value ranges
 * (rows written since they were read) may come in several groups: they
 * are its own rows, and go to *outside (NULL: the source, which has
 * none). */
static int read_aggs(const PGresult *r, const struct ck_sql *s,
                     struct ck_agg *out, struct ck_tonly *outside,
                     long long *rows)
{
	size_t size = s->kbits ? 20 : 16;
	if (PQnfields(r) != 1 || PQntuples(r) != 1)
		return -1;
	const unsigned char *p = (const unsigned char *)PQgetvalue(r, 0, 0);
	size_t len = (size_t)PQgetlength(r, 0, 0);
	if (len % size)
		return -1;
	for (size_t at = 0; at < len; at += size) {
		int32_t seg = (int32_t)ck_be(p + at, 4);
		struct ck_agg g;
		if (s->kbits) {
			g.h = ck_be(p + at + 4, 8);
			g.bits = ck_be(p + at + 12, 8);
		} else {
			int32_t n = (int32_t)ck_be(p + at + 4, 4);
			if (n < 1)
				return -1;
			g.bits = (uint64_t)n;
			g.h = ck_be(p + at + 8, 8);
		}
		if (s->int_key && outside && (seg == 0 || seg == s->nsegs)) {
			outside->n += ck_agg_rows(s, &g);
			outside->h ^= g.h;
			ck_tonly_lost(outside, ck_agg_rows(s, &g));
			continue;
		}
		if (seg < 0 || seg > s->nsegs || out[seg].h || out[seg].bits)
			return -1;
		out[seg] = g;
		*rows += ck_agg_rows(s, &g);
	}
	return 0;
}

/* A side's aggregates as they arrive, row by row (a row is a group of
 * 4096 segments): only the parsed segments stay in memory. */
struct aggs_to {
	const struct ck_sql *s;
	struct ck_agg *out;
	struct ck_tonly *outside;
	struct sync_meter *meter; /* the source's rows hashed, for progress */
};

static int take_aggs(const PGresult *r, void *ctx)
{
	struct aggs_to *to = ctx;
	long long rows = 0;
	int bad = read_aggs(r, to->s, to->out, to->outside, &rows);
	sync_meter_add(to->meter, rows);
	return bad;
}

/* Both sides' aggregates, into as and at (nsegs + 1 each, zeroed); the
 * target's rows outside the value ranges to *outside. */
static enum sync_status aggregate(const struct ck_ctx *c, struct ck_agg *as,
                                  struct ck_agg *at, struct ck_tonly *outside)
{
	const char *p[4];
	int np = ck_sql_params(&c->s, p);
	struct ck_pair q;
	enum sync_status st = send_to_both(c, sql_sync_checksum_segments, np,
	                                   p, 1, &q);
	struct aggs_to to_s = { &c->s, as, NULL, c->src->meter },
	               to_t = { &c->s, at, outside, NULL };
	if (st == SYNC_OK)
		st = ck_each_row(&q.s, take_aggs, &to_s, c->t->label,
		                 "checksum answer", c->err, c->errlen);
	if (st == SYNC_OK)
		st = ck_each_row(&q.t, take_aggs, &to_t, c->t->label,
		                 "checksum answer", c->err, c->errlen);
	ck_drain(&q.s);
	ck_drain(&q.t);
	return st;
}

/* A segment both sides must look at again: the source has rows in it
 * (the target's rows alone are kept as they are) and the aggregates
 * differ. */
static int differs(const struct ck_agg *sg, const struct ck_agg *tg)
{
	return (sg->h || sg->bits) && (sg->h != tg->h || sg->bits != tg->bits);
}

/* Counts the source's rows and, when most segments would need the
 * row-level pass whatever the slots say, sets *all: one full pass then
 * costs less than the list, and it finds the rows the slots would. */
static void survey(const struct ck_sql *s, const struct ck_agg *as,
                   const struct ck_agg *at, struct ck_plan *p, int *all)
{
	int rows_level = 0;
	p->tgt_rows = p->to.n; /* outside the value ranges, so far */
	for (int32_t seg = 0; seg <= s->nsegs; seg++) {
		long long n = ck_agg_rows(s, &as[seg]);
		p->rows += n;
		p->tgt_rows += ck_agg_rows(s, &at[seg]);
		p->nonempty += n > 0;
		p->differing += as[seg].h != at[seg].h ||
		                as[seg].bits != at[seg].bits;
		if (differs(&as[seg], &at[seg]) &&
		    ck_keys_kind(s, seg, &as[seg], &at[seg]) == CK_ROWS)
			rows_level++;
	}
	*all = rows_level > p->nonempty / 2;
}

/* Sends every segment whose aggregates differ to the row-level pass, to
 * the keys to fetch, or to a round of lookups, resolved as it fills. */
static enum sync_status classify(const struct ck_ctx *c,
                                 const struct ck_agg *as,
                                 const struct ck_agg *at, struct ck_plan *p)
{
	const struct ck_sql *s = &c->s;
	enum sync_status st = SYNC_OK;
	p->segs = malloc(((size_t)s->nsegs + 1) * sizeof *p->segs);
	if (!p->segs) {
		fn_err(c->err, c->errlen, "table %s: out of memory",
		       c->t->label);
		return SYNC_FAILED;
	}
	for (int32_t seg = 0; st == SYNC_OK && seg <= s->nsegs; seg++) {
		if (!as[seg].h && !as[seg].bits) { /* the target's own rows */
			p->to.n += ck_agg_rows(s, &at[seg]);
			p->to.h ^= at[seg].h;
			if (s->kbits && seg >= 1 && seg <= s->nsegs - 1)
				ck_tonly_bits(s, &p->to, seg,
				              ck_ranges_slots_set(at[seg].bits,
				                                  s->kbits));
			else
				ck_tonly_lost(&p->to, ck_agg_rows(s, &at[seg]));
		}
		if (!differs(&as[seg], &at[seg]))
			continue;
		if (ck_keys_full(p))
			st = ck_keys_resolve(c, p);
		int done = st == SYNC_OK
		           ? ck_keys_classify(s, seg, &as[seg], &at[seg], p)
		           : 1;
		if (done < 0) {
			fn_err(c->err, c->errlen, "table %s: out of memory",
			       c->t->label);
			st = SYNC_FAILED;
		} else if (!done) {
			p->segs[p->n++] = seg;
		}
	}
	if (st == SYNC_OK)
		st = ck_keys_resolve(c, p);
	return st;
}

/* Whether the segments were sized for far fewer rows than the source
 * has (statistics from when the table was small): the row-level pass
 * would then read whole crowds of rows at once, so the segments are
 * sized again for the rows the aggregates counted, before any lookup. */
static int undersized(const struct ck_sql *s, const struct ck_plan *p)
{
	long long was = s->sized > CK_SEG_ROWS ? s->sized : CK_SEG_ROWS;
	return p->rows > 4 * was && was / CK_SEG_ROWS < CK_WANT_SEGS;
}

/* Compares both sides' aggregates: the segments to pass at row level in
 * p, or *all of them; nothing more when they are undersized. */
static enum sync_status compare_segments(const struct ck_ctx *c,
                                         struct ck_plan *p, int *all)
{
	const struct ck_sql *s = &c->s;
	size_t n = (size_t)s->nsegs + 1;
	struct ck_agg *as = calloc(n, sizeof *as);
	struct ck_agg *at = calloc(n, sizeof *at);
	enum sync_status st = SYNC_FAILED;
	if (!as || !at)
		fn_err(c->err, c->errlen, "table %s: out of memory",
		       c->t->label);
	else
		st = aggregate(c, as, at, &p->to);
	if (st == SYNC_OK)
		survey(s, as, at, p, all);
	if (st == SYNC_OK && !*all && !undersized(s, p))
		st = classify(c, as, at, p);
	free(as);
	free(at);
	/* the lookups may have sent enough segments to row level */
	if (st == SYNC_OK && !*all)
		*all = p->n > p->nonempty / 2;
	return st;
}

/* Row level for the differing segments, in passes of bounded memory;
 * the target-only rows it meets go to *to. */
static enum sync_status row_level(const struct ck_ctx *c,
                                  const struct ck_plan *plan, int all,
                                  struct sync_diff *d, struct ck_tonly *to)
{
	int32_t from = 0;
	enum sync_status st = SYNC_OK;
	while (st == SYNC_OK && from >= 0) {
		struct ck_pass pass = { .segs = plan->segs, .nsegs = plan->n,
		                        .all = all, .from = from, .to = to };
		st = ck_rows_pass(c, &pass);
		if (st == SYNC_OK && pass.nkeys > 0)
			st = ck_fetch(c, pass.keys.p, pass.keys.len, d);
		sync_buf_free(&pass.keys);
		from = pass.next;
	}
	return st;
}

/* Sizes s's segments for the source's rows: `rows` when known (>= 0),
 * else the planner's estimate or a count. */
static enum sync_status size_segments(struct ck_ctx *c, long long rows,
                                      int *empty)
{
	int dense = 0;
	*empty = 0;
	enum sync_status st = rows >= 0 ? SYNC_OK : source_rows(c, &rows);
	c->s.sized = rows;
	/* one integer column on both sides (the key is one column here) */
	if (st == SYNC_OK && sync_diff_possible(c->t))
		st = int_ranges(c, rows, &dense, empty);
	if (st == SYNC_OK && dense)
		st = source_indexed(c, &c->s.src_indexed);
	if (st == SYNC_OK && !dense && !*empty)
		hash_segments(&c->s, rows);
	return st;
}

/* A side's XOR of row hashes (bit_xor as int8 text; NULL, no rows: 0). */
static int xor_of(const PGresult *r, uint64_t *h)
{
	long long v = 0;
	*h = 0;
	if (PQntuples(r) != 1 || PQnfields(r) != 2)
		return 0;
	if (!PQgetisnull(r, 0, 1) && !sync_db_ll(r, 0, 1, &v))
		return 0;
	*h = (uint64_t)v;
	return 1;
}

/* Both sides' whole tables as one segment (sync_checksum_whole.sql):
 * *alike when their counts and hashes are equal once the target-only
 * rows the last run found are taken out of the target's, *rows the
 * source's, *tgt_rows the target's. */
static enum sync_status compare_whole(const struct ck_ctx *c, int *alike,
                                      long long *rows, long long *tgt_rows)
{
	const struct sync_ck_hint *hint = &c->t->hint;
	PGresult *rs, *rt;
	enum sync_status st = one_row_each(c, sql_sync_checksum_whole, &rs,
	                                   &rt);
	if (st != SYNC_OK)
		return st;
	long long nt = 0;
	uint64_t hs, ht;
	*alike = sync_db_ll(rs, 0, 0, rows) && sync_db_ll(rt, 0, 0, &nt) &&
	         xor_of(rs, &hs) && xor_of(rt, &ht) &&
	         *rows + hint->to_rows == nt &&
	         (hs ^ hint->to_hash) == ht;
	*tgt_rows = nt;
	PQclear(rs);
	PQclear(rt);
	return SYNC_OK;
}

/* The write count of t's table on one side (sync_checksum_writes.sql),
 * -1 if the server's answer is not one. */
static enum sync_status write_count(struct sync_db *db, unsigned oid,
                                    long long *n, char *err, size_t errlen)
{
	char ids[16];
	snprintf(ids, sizeof ids, "%u", oid);
	const char *p[1] = { ids };
	PGresult *r;
	enum sync_status st = sync_db_exec(db, sql_sync_checksum_writes, 1, p,
	                                   &r, NULL, err, errlen);
	if (st == SYNC_OK) {
		if (!sync_db_ll(r, 0, 0, n) || *n < 0)
			*n = -1;
		PQclear(r);
	}
	return st;
}

/* Both sides' write counts of t, into written (source, target). */
static enum sync_status write_counts(struct sync_db *src,
                                     struct sync_db *tgt,
                                     const struct sync_table *t,
                                     long long written[2], char *err,
                                     size_t errlen)
{
	enum sync_status st = write_count(src, t->src_oid, &written[0], err,
	                                  errlen);
	return st == SYNC_OK ? write_count(tgt, t->tgt_oid, &written[1], err,
	                                   errlen)
	                     : st;
}

/* Reads both sides' write counts into ck and sets ck->whole: compare the
 * whole tables first, since the last run found them alike (but for the
 * target-only rows it counted) and neither server has counted a write to
 * them since. */
static enum sync_status quiet_since_last_run(const struct ck_ctx *c,
                                             struct sync_ck_result *ck)
{
	const struct sync_ck_hint *hint = &c->t->hint;
	enum sync_status st = write_counts(c->src, c->tgt, c->t, ck->written,
	                                  c->err, c->errlen);
	ck->whole = st == SYNC_OK && hint->quiet;
	for (int side = 0; side < 2; side++)
		ck->whole = ck->whole && ck->written[side] >= 0 &&
		            ck->written[side] == hint->written[side];
	return st;
}

enum sync_status sync_checksum_before_copy(struct sync_db *src,
                                           struct sync_db *tgt,
                                           struct sync_table *t, char *err,
                                           size_t errlen)
{
	char ignore[400];
	struct sync_ck_result *ck = &t->out.ck;
	if (!sync_checksum_possible(t, src, tgt, ignore, sizeof ignore))
		return SYNC_OK;
	enum sync_status st = write_counts(src, tgt, t, ck->written, err,
	                                  errlen);
	ck->copied = st == SYNC_OK && ck->written[0] >= 0 &&
	             ck->written[1] >= 0;
	return st;
}

/* What t's statistics say of its target-only rows: the last run's (hint)
 * when the whole tables matched with them, else those counted now, if
 * every segment was settled and no row was fetched (the next run
 * compares the whole tables only if this one wrote nothing). */
static void record_target_only(struct sync_ck_result *ck,
                               const struct sync_ck_hint *hint, int alike,
                               int settled, const struct ck_tonly *to)
{
	ck->to_known = alike || settled;
	ck->to_rows = alike ? hint->to_rows : to->n;
	ck->to_hash = alike ? hint->to_hash : to->h;
}

static void plan_free(struct ck_plan *p)
{
	free(p->segs);
	free(p->pend);
	sync_buf_free(&p->look_s);
	sync_buf_free(&p->look_t);
	sync_buf_free(&p->direct);
}

static int utf8(const struct sync_db *db)
{
	const char *e = PQparameterStatus(db->conn, "server_encoding");
	return e && strcmp(e, "UTF8") == 0;
}

/* A fixed statement without parameters on one side, then the other. */
static enum sync_status run_on_both(const struct ck_ctx *c, const char *sql)
{
	enum sync_status st = sync_db_run(c->src, sql, 0, NULL, NULL, c->err,
	                                  c->errlen);
	return st == SYNC_OK ? sync_db_run(c->tgt, sql, 0, NULL, NULL, c->err,
	                                   c->errlen)
	                     : st;
}

enum sync_status sync_checksum_stream(struct sync_db *src, struct sync_db *tgt,
                                      struct sync_table *t,
                                      const struct sync_request *req,
                                      struct sync_diff *d, char *err,
                                      size_t errlen)
{
	/* what the method writes of t: its results and a delete rule's
	 * state; the plan is read through c.t only */
	struct sync_ck_result *ck = &t->out.ck;
	struct sync_delete_state *del = &t->del;
	struct ck_ctx c = { .src = src, .tgt = tgt, .t = t, .err = err,
	                    .errlen = errlen };
	char what[340];
	snprintf(what, sizeof what, "table %s", t->label);
	d->staged = d->read = 0;
	if (req->progress)
		req->progress(req->progress_ctx, t->label, 0, t->estimate);
	sync_meter_phase(src->meter, "checksum");
	struct ck_plan plan = { 0 };
	int empty = 0;
	/* a delete rule's target-only keys (sync_delete.c) */
	struct sync_buf *keys = del->collect ? &del->to_keys : NULL;
	sync_buf_free(&del->to_keys);
	plan.to.keys = keys;
	enum sync_status st = sync_dupkey_check_source(t, src, what, err,
	                                               errlen);
	if (st == SYNC_OK && ck_sql_init(&c.s, t, utf8(src), utf8(tgt)) != 0) {
		fn_err(err, errlen, "table %s: out of memory", t->label);
		st = SYNC_FAILED;
	}
	if (st == SYNC_OK)
		st = run_on_both(&c, sql_sync_checksum_session);
	if (st == SYNC_OK && t->hint.src_worker)
		st = sync_db_run(src, sql_sync_checksum_worker, 0, NULL, NULL,
		                 err, errlen);
	if (st == SYNC_OK)
		st = null_keys(&c, what);
	int alike = 0, all = 0;
	long long rows = 0;
	if (st == SYNC_OK)
		st = quiet_since_last_run(&c, ck);
	if (st == SYNC_OK && ck->whole)
		st = compare_whole(&c, &alike, &rows, &del->tgt_rows);
	if (st == SYNC_OK && alike)
		sync_meter_add(src->meter, rows);
	if (st == SYNC_OK && !alike)
		st = size_segments(&c, -1, &empty);
	if (st == SYNC_OK && !alike && !empty)
		st = compare_segments(&c, &plan, &all);
	if (st == SYNC_OK && !alike && !empty && undersized(&c.s, &plan)) {
		rows = plan.rows;
		plan_free(&plan);
		plan = (struct ck_plan){ 0 };
		sync_buf_free(&del->to_keys);
		plan.to.keys = keys;
		all = 0;
		st = size_segments(&c, rows, &empty);
		if (st == SYNC_OK && !empty)
			st = compare_segments(&c, &plan, &all);
	}
	d->read = alike ? rows : plan.rows;
	ck->segments = alike ? 1 : empty ? 0 : (long long)c.s.nsegs + 1;
	/* the whole tables differed: so must a segment, unless the target
	 * changed in between (it reads committed rows); not quiet either way */
	ck->differing = plan.differing + (ck->whole && !alike &&
	                                  !plan.differing);
	struct ck_tonly to = plan.to;
	if (all) { /* the row level meets every row again */
		to = (struct ck_tonly){ .keys = keys };
		sync_buf_free(&del->to_keys);
	}
	if (st == SYNC_OK && !all && plan.ndirect > 0)
		st = ck_fetch(&c, plan.direct.p, plan.direct.len, d);
	if (st == SYNC_OK && (all || plan.n > 0))
		st = row_level(&c, &plan, all, d, &to);
	record_target_only(ck, &t->hint, alike,
	            st == SYNC_OK && !empty && d->staged == 0, &to);
	/* an empty source: every target row in scope is its own, unseen */
	del->keys_all = alike ? t->hint.to_rows == 0 : !empty && !to.lost;
	if (!alike)
		del->tgt_rows = plan.tgt_rows;
	if (st == SYNC_OK)
		st = run_on_both(&c, sql_sync_checksum_sorts);
	sync_meter_phase(src->meter, NULL);
	if (st == SYNC_OK && req->progress)
		req->progress(req->progress_ctx, t->label, d->read, t->estimate);
	plan_free(&plan);
	ck_sql_free(&c.s);
	return st;
}
