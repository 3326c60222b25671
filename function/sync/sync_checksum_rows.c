/* sync_checksum_rows.c - the row-level step of the checksum method: for
 * the segments whose aggregates differ, both sides send each row's key
 * (as text) and hash; the client keeps the source keys that the target
 * lacks or holds with another hash, then fetches those rows in full from
 * the source and hands them to the stage as COPY text.
 *
 * Keys are matched by their text, byte for byte: a key that the target
 * would call equal under its own type or collation but spells otherwise
 * only makes the row look new, and the merge then finds its row by key.
 * Every byte from the servers is checked before it is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_checksum_parts.h"

/* One row's key and hash inside a segment's packed answer. */
struct entry {
	const unsigned char *k;
	uint32_t len;
	uint64_t h;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->k, y->k, n);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Splits a packed segment (length, key, hash; repeated) into entries,
 * sorted by key; *n is their count; -1 when malformed or out of memory. */
static int unpack(const PGresult *r, struct entry **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (PQnfields(r) != 2 || PQgetisnull(r, 0, 1))
		return PQnfields(r) == 2 ? 0 : -1;
	const unsigned char *p = (const unsigned char *)PQgetvalue(r, 0, 1);
	size_t len = (size_t)PQgetlength(r, 0, 1), cap = 0;
	struct entry *e = NULL;
	for (size_t at = 0; at < len;) {
		if (len - at < 4 || len - at - 4 < (size_t)ck_be(p + at, 4) + 8) {
			free(e);
			return -1;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			struct entry *grown = realloc(e, cap * sizeof *e);
			if (!grown) {
				free(e);
				return -1;
			}
			e = grown;
		}
		uint32_t klen = (uint32_t)ck_be(p + at, 4);
		e[*n] = (struct entry){ p + at + 4, klen, ck_be(p + at + 4 + klen, 8) };
		(*n)++;
		at += 4 + (size_t)klen + 8;
	}
	if (*n)
		qsort(e, *n, sizeof *e, entry_cmp);
	*out = e;
	return 0;
}

static int32_t seg_of(const PGresult *r)
{
	if (PQnfields(r) < 1 || PQgetlength(r, 0, 0) != 4)
		return -1;
	return (int32_t)(uint32_t)ck_be((const unsigned char *)PQgetvalue(r, 0, 0), 4);
}

/* The source rows of one segment that are missing on the target or differ
 * (sr NULL: the source has no row there, tr NULL: the target has none),
 * to pass's keys; the target's rows whose keys the source lacks go to
 * pass->to. */
static int compare_seg(const PGresult *sr, const PGresult *tr,
                       struct ck_pass *pass)
{
	struct ck_tonly *to = pass->to;
	struct entry *s = NULL, *t = NULL;
	size_t ns = 0, nt = 0, j = 0;
	if ((sr && unpack(sr, &s, &ns) != 0) || (tr && unpack(tr, &t, &nt) != 0)) {
		free(s);
		return -1;
	}
	for (size_t i = 0; i <= ns; i++) {
		while (j < nt && (i == ns || entry_cmp(&t[j], &s[i]) < 0)) {
			to->n++;
			to->h ^= t[j].h;
			ck_tonly_key(to, (const char *)t[j].k, t[j].len);
			j++;
		}
		if (i == ns)
			break;
		if (j < nt && entry_cmp(&t[j], &s[i]) == 0 && t[j++].h == s[i].h)
			continue;
		ck_keep_key(&pass->keys, (const char *)s[i].k, s[i].len);
		pass->nkeys++;
	}
	free(s);
	free(t);
	return pass->keys.oom ? -1 : 0;
}

/* "{3,17,...}": the segments to look at. */
static char *seg_list(const int32_t *segs, int n)
{
	struct sync_buf b = { 0 };
	sync_buf_add(&b, "{");
	for (int i = 0; i < n; i++)
		sync_buf_addf(&b, "%s%d", i ? "," : "", (int)segs[i]);
	sync_buf_add(&b, "}");
	if (b.oom)
		sync_buf_free(&b);
	return b.p;
}

/* Reads both answers side by side, in order of their first column: a
 * segment, or a group of segments (segment >> shift). The target's rows
 * in segments the source has no row in are all its own: while keys are
 * collected, they go to pass->to too. */
static enum sync_status merge_sides(const struct ck_ctx *c,
                                    struct ck_query *qs, struct ck_query *qt,
                                    int shift, struct ck_pass *pass)
{
	const struct sync_table *t = c->t;
	char *err = c->err;
	size_t errlen = c->errlen;
	int32_t *next = &pass->next;
	PGresult *rs = NULL, *rt = NULL;
	enum sync_status st = ck_next(qs, &rs, err, errlen);
	if (st == SYNC_OK)
		st = ck_next(qt, &rt, err, errlen);
	int bad = 0;
	while (st == SYNC_OK && !bad && (rs || (rt && *next < 0))) {
		int32_t seg = rs ? seg_of(rs) : 0;
		if (rt && (!rs || seg_of(rt) < seg)) { /* the target's alone */
			bad = *next < 0 && compare_seg(NULL, rt, pass) != 0;
			PQclear(rt);
			st = ck_next(qt, &rt, err, errlen);
			continue;
		}
		if (*next < 0 && seg < 0) {
			fn_err(err, errlen, "table %s: malformed checksum answer "
			       "from the source", t->label);
			st = SYNC_FAILED;
			break;
		}
		int matched = rt && seg_of(rt) == seg;
		if (*next < 0) {
			bad = compare_seg(rs, matched ? rt : NULL, pass) != 0;
			/* full: read on, collect no more */
			if (pass->keys.len >= CK_MAX_KEY_BYTES)
				*next = (int32_t)(((int64_t)seg + 1) << shift);
		}
		PQclear(rs);
		rs = NULL;
		if (matched) {
			PQclear(rt);
			st = ck_next(qt, &rt, err, errlen);
		}
		if (st == SYNC_OK && !bad)
			st = ck_next(qs, &rs, err, errlen);
	}
	if (bad) {
		fn_err(err, errlen, "table %s: malformed checksum answer, or "
		       "out of memory", t->label);
		st = SYNC_FAILED;
	}
	PQclear(rs);
	PQclear(rt);
	ck_drain(qs);
	ck_drain(qt);
	return st;
}

enum sync_status ck_rows_pass(const struct ck_ctx *c, struct ck_pass *pass)
{
	const struct sync_table *t = c->t;
	const struct ck_sql *s = &c->s;
	struct sync_db *src = c->src, *tgt = c->tgt;
	char *err = c->err;
	size_t errlen = c->errlen;
	int all = pass->all;
	char what_s[800], what_t[800], from_s[16];
	snprintf(what_s, sizeof what_s, "comparing rows of table %s with %s",
	         t->src_label, src->label);
	snprintf(what_t, sizeof what_t, "comparing rows of table %s with %s",
	         t->label, tgt->label);
	snprintf(from_s, sizeof from_s, "%d", (int)pass->from);
	pass->next = -1;
	char *list = all ? NULL : seg_list(pass->segs, pass->nsegs);
	/* value ranges by the key's index where both sides have one (the
	 * target's key always has), else one scan of each table; both sides
	 * answer by the same statement, so their rows group alike */
	int ranges = s->int_key && !all && s->src_indexed;
	char *sql_s = ck_sql_expand(s, t, ranges
	                            ? sql_sync_checksum_rows_ranges
	                            : sql_sync_checksum_rows, t->f.src, 3,
	                            err, errlen);
	char *sql_t = sql_s ? ck_sql_expand(s, t, ranges
	                                    ? sql_sync_checksum_rows_ranges
	                                    : sql_sync_checksum_rows,
	                                    t->f.tgt_scope, 3, err, errlen)
	                    : NULL;
	enum sync_status st = SYNC_FAILED;
	if (!all && !list)
		fn_err(err, errlen, "table %s: out of memory", t->label);
	else if (sql_s && sql_t) {
		const char *p[6] = { from_s, list };
		int np = 2 + ck_sql_params(s, p + 2);
		struct ck_query qs = { .db = src, .what = what_s };
		struct ck_query qt = { .db = tgt, .what = what_t };
		st = ck_send(&qs, sql_s, np, p, 1, err, errlen);
		if (st == SYNC_OK)
			st = ck_send(&qt, sql_t, np, p, 1, err, errlen);
		if (st == SYNC_OK)
			/* rows are segments (ranges) or groups of 64 */
			st = merge_sides(c, &qs, &qt, ranges ? 0 : 6, pass);
		ck_drain(&qs);
		ck_drain(&qt);
	}
	free(list);
	free(sql_s);
	free(sql_t);
	return st;
}

/* A key as an element of an array literal: "..." with " and \ escaped. */
static void add_element(struct sync_buf *b, const char *k, uint32_t len)
{
	sync_buf_add(b, b->len > 1 ? ",\"" : "\"");
	for (uint32_t i = 0; i < len; i++) {
		if (k[i] == '"' || k[i] == '\\')
			sync_buf_add(b, "\\");
		sync_buf_addn(b, k + i, 1);
	}
	sync_buf_add(b, "\"");
}

enum sync_status ck_fetch(const struct ck_ctx *c, const char *keys,
                          size_t keylen, struct sync_diff *d)
{
	const struct sync_table *t = c->t;
	struct sync_db *src = c->src;
	char *err = c->err;
	size_t errlen = c->errlen;
	char *sql = ck_sql_expand(&c->s, t, sql_sync_checksum_fetch, t->f.src,
	                          1, err, errlen);
	char what[800];
	snprintf(what, sizeof what, "reading changed rows of table %s from %s",
	         t->src_label, src->label);
	enum sync_status st = sql ? SYNC_OK : SYNC_FAILED;
	size_t at = 0;
	while (st == SYNC_OK && at < keylen) {
		struct sync_buf list = { 0 };
		sync_buf_add(&list, "{");
		for (int n = 0; at + 4 <= keylen && n < CK_FETCH_KEYS; n++) {
			uint32_t len = (uint32_t)ck_be((const unsigned char *)keys + at, 4);
			add_element(&list, keys + at + 4, len);
			at += 4 + (size_t)len;
		}
		sync_buf_add(&list, "}");
		const char *p[1] = { list.p };
		long long rows = 0;
		if (list.oom) {
			fn_err(err, errlen, "table %s: out of memory", t->label);
			st = SYNC_FAILED;
		} else {
			st = sync_db_run(src, sql_sync_checksum_fetch_keys, 1, p,
			                 what, err, errlen);
		}
		if (st == SYNC_OK)
			st = d->stream(d->ctx, src, sql, &rows, err, errlen);
		d->staged += rows;
		sync_buf_free(&list);
	}
	free(sql);
	return st;
}
