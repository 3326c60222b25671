/* sync_checksum_keys.c - segments whose slots tell which rows differ.
 *
 * With integer keys in segments of at most 64 values, each side's
 * aggregate carries a slot per key: 0 when the side lacks it, else a
 * hint of the row's hash (1 to 8 bits, never 0). The client then knows
 * which keys one side lacks (target-only rows: prod's own; source-only:
 * new rows) and which rows both hold but hint apart (changed rows: a
 * different hint is a different hash), asks both sides for the hashes of
 * just those rows, takes them out of the segments' XORs, and compares
 * what is left, the rows both sides hold with equal hints. Equal: the
 * source-only and changed rows are fetched, nothing else. Different (a
 * changed row kept its hint, 1 time in 2^bits - 1): the segment goes to
 * row level as any other. A segment with no key in common is all new
 * rows: they are fetched without a lookup. XOR makes the taking out
 * exact: a row's hash XORed in twice is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_checksum_parts.h"

/* One round of lookups at most: bytes of a side's key list (about 57,000
 * keys), pending segments. Rounds keep the memory bounded however many
 * rows the target holds of its own (10M rows, a million of them the
 * target's own: 64 rounds, a few seconds in all). */
#ifndef CK_MAX_LOOKUP_BYTES
#define CK_MAX_LOOKUP_BYTES (512u << 10)
#endif
#ifndef CK_MAX_PENDING
#define CK_MAX_PENDING 4096
#endif

void ck_keep_key(struct sync_buf *keys, const char *k, uint32_t len)
{
	unsigned char n[4] = { (unsigned char)(len >> 24),
	                       (unsigned char)(len >> 16),
	                       (unsigned char)(len >> 8), (unsigned char)len };
	sync_buf_addn(keys, (const char *)n, 4);
	sync_buf_addn(keys, k, len);
}

static long long key_at(const struct ck_sql *s, int32_t seg, int bit)
{
	return s->lo_v + (long long)(seg - 1) * s->width_v + bit;
}

void ck_tonly_lost(struct ck_tonly *to, long long n)
{
	if (!to->keys || to->lost || n <= 0)
		return;
	to->lost = 1;
	sync_buf_free(to->keys);
}

void ck_tonly_key(struct ck_tonly *to, const char *k, uint32_t len)
{
	if (!to->keys || to->lost)
		return;
	if (to->keys->len >= CK_MAX_TONLY_BYTES || to->keys->oom)
		ck_tonly_lost(to, 1);
	else
		ck_keep_key(to->keys, k, len);
}

void ck_tonly_bits(const struct ck_sql *s, struct ck_tonly *to, int32_t seg,
                   uint64_t bits)
{
	for (int i = 0; to->keys && !to->lost && i < 64; i++) {
		if (!(bits >> i & 1))
			continue;
		char k[24];
		int len = snprintf(k, sizeof k, "%lld", key_at(s, seg, i));
		ck_tonly_key(to, k, (uint32_t)len);
	}
}

static void keep_bits(const struct ck_sql *s, int32_t seg, uint64_t bits,
                      struct ck_plan *p)
{
	for (int i = 0; i < 64; i++) {
		if (!(bits >> i & 1))
			continue;
		char k[24];
		int len = snprintf(k, sizeof k, "%lld", key_at(s, seg, i));
		ck_keep_key(&p->direct, k, (uint32_t)len);
		p->ndirect++;
	}
}

static void list_bits(const struct ck_sql *s, int32_t seg, uint64_t bits,
                      struct sync_buf *list)
{
	for (int i = 0; i < 64; i++)
		if (bits >> i & 1)
			sync_buf_addf(list, "%s%lld", list->len ? "," : "{",
			              key_at(s, seg, i));
}

long long ck_agg_rows(const struct ck_sql *s, const struct ck_agg *a)
{
	return s->kbits ? __builtin_popcountll(ck_ranges_slots_set(a->bits, s->kbits))
	                : (long long)a->bits;
}

/* A differing segment's keys, by its two sides' slots. */
struct seg_keys {
	uint64_t src, tgt; /* present on the source, on the target */
	uint64_t changed;  /* present on both, with different hints */
};

/* What a differing segment needs, with its keys in *k when the slots
 * tell them. */
static enum ck_kind kind_keys(const struct ck_sql *s, int32_t seg,
                              const struct ck_agg *sg,
                              const struct ck_agg *tg, struct seg_keys *k)
{
	if (!s->kbits || seg < 1 || seg > s->nsegs - 1 || sg->bits == tg->bits)
		return CK_ROWS; /* the same keys and hints: some row differs */
	k->src = ck_ranges_slots_set(sg->bits, s->kbits);
	k->tgt = ck_ranges_slots_set(tg->bits, s->kbits);
	k->changed = ck_ranges_slots_set(sg->bits ^ tg->bits, s->kbits) & k->src & k->tgt;
	return (k->src & k->tgt) == 0 ? CK_DIRECT : CK_PENDING;
}

enum ck_kind ck_keys_kind(const struct ck_sql *s, int32_t seg,
                          const struct ck_agg *sg, const struct ck_agg *tg)
{
	struct seg_keys k;
	return kind_keys(s, seg, sg, tg, &k);
}

int ck_keys_classify(const struct ck_sql *s, int32_t seg,
                     const struct ck_agg *sg, const struct ck_agg *tg,
                     struct ck_plan *p)
{
	struct seg_keys k;
	enum ck_kind kind = kind_keys(s, seg, sg, tg, &k);
	if (kind == CK_ROWS || p->direct.len >= CK_MAX_KEY_BYTES)
		return 0;
	if (kind == CK_DIRECT) {
		keep_bits(s, seg, k.src, p);
		p->to.n += __builtin_popcountll(k.tgt);
		p->to.h ^= tg->h;
		ck_tonly_bits(s, &p->to, seg, k.tgt);
		return p->direct.oom ? -1 : 1;
	}
	if (!p->pend) {
		p->pend = malloc(CK_MAX_PENDING * sizeof *p->pend);
		if (!p->pend)
			return -1;
	}
	uint64_t fetch = (k.src & ~k.tgt) | k.changed;
	p->pend[p->npend++] = (struct ck_pending){ seg, sg->h, tg->h, fetch,
	                                           k.tgt & ~k.src, 0 };
	list_bits(s, seg, fetch, &p->look_s);
	list_bits(s, seg, (k.tgt & ~k.src) | k.changed, &p->look_t);
	return p->look_s.oom || p->look_t.oom ? -1 : 1;
}

int ck_keys_full(const struct ck_plan *p)
{
	return p->npend >= CK_MAX_PENDING ||
	       p->look_s.len >= CK_MAX_LOOKUP_BYTES ||
	       p->look_t.len >= CK_MAX_LOOKUP_BYTES;
}

static int pend_cmp(const void *key, const void *elem)
{
	int32_t seg = *(const int32_t *)key;
	const struct ck_pending *e = elem;
	return (seg > e->seg) - (seg < e->seg);
}

/* Takes one answer row of a side's looked-up hashes out of their pending
 * segments. */
static int take_out(const struct ck_sql *s, const PGresult *r, int source,
                    struct ck_plan *p)
{
	if (PQntuples(r) != 1 || PQnfields(r) != 1)
		return -1;
	if (PQgetisnull(r, 0, 0))
		return 0;
	const unsigned char *v = (const unsigned char *)PQgetvalue(r, 0, 0);
	size_t len = (size_t)PQgetlength(r, 0, 0);
	if (len % 16)
		return -1;
	for (size_t at = 0; at < len; at += 16) {
		long long key = (long long)ck_be(v + at, 8);
		if (key < s->lo_v)
			return -1;
		/* unsigned: key - lo can exceed the signed range */
		uint64_t off = (uint64_t)key - (uint64_t)s->lo_v;
		if (off / (uint64_t)s->width_v >= (uint64_t)s->nsegs - 1)
			return -1;
		int32_t seg = (int32_t)(1 + off / (uint64_t)s->width_v);
		struct ck_pending *e = bsearch(&seg, p->pend, (size_t)p->npend,
		                               sizeof *p->pend, pend_cmp);
		if (!e)
			return -1;
		uint64_t h = ck_be(v + at + 8, 8);
		if (source) {
			e->hs ^= h;
		} else {
			e->ht ^= h;
			if (e->tonly >> (off % (uint64_t)s->width_v) & 1)
				e->to_h ^= h;
		}
	}
	return 0;
}

/* One side's lookup statement, sent; NULL list: nothing to look up. */
static enum sync_status send_lookup(const struct ck_ctx *c,
                                    struct ck_query *q, const char *tbl,
                                    struct sync_buf *list)
{
	const struct sync_table *t = c->t;
	char *err = c->err;
	size_t errlen = c->errlen;
	if (list->len == 0)
		return SYNC_OK;
	sync_buf_add(list, "}");
	char *sql = list->oom ? NULL
	                      : ck_sql_expand(&c->s, t,
	                                      sql_sync_checksum_lookup, tbl, 2,
	                                      err, errlen);
	if (!sql) {
		if (list->oom)
			fn_err(err, errlen, "table %s: out of memory", t->label);
		return SYNC_FAILED;
	}
	const char *p[1] = { list->p };
	enum sync_status st = ck_send(q, sql, 1, p, 1, err, errlen);
	free(sql);
	return st;
}

/* A side's looked-up hashes as they arrive, row by row. */
struct lookup_to {
	const struct ck_sql *s;
	int source;
	struct ck_plan *p;
};

static int take_lookup(const PGresult *r, void *ctx)
{
	struct lookup_to *to = ctx;
	return take_out(to->s, r, to->source, to->p);
}

enum sync_status ck_keys_resolve(const struct ck_ctx *c, struct ck_plan *p)
{
	const struct sync_table *t = c->t;
	const struct ck_sql *s = &c->s;
	struct sync_db *src = c->src, *tgt = c->tgt;
	char *err = c->err;
	size_t errlen = c->errlen;
	if (p->npend == 0)
		return SYNC_OK;
	char what_s[800], what_t[800];
	snprintf(what_s, sizeof what_s, "looking up rows of table %s on %s",
	         t->src_label, src->label);
	snprintf(what_t, sizeof what_t, "looking up rows of table %s on %s",
	         t->label, tgt->label);
	struct ck_query qs = { .db = src, .what = what_s };
	struct ck_query qt = { .db = tgt, .what = what_t };
	enum sync_status st = send_lookup(c, &qs, t->f.src, &p->look_s);
	if (st == SYNC_OK)
		st = send_lookup(c, &qt, t->f.tgt_scope, &p->look_t);
	struct lookup_to to_s = { s, 1, p }, to_t = { s, 0, p };
	if (st == SYNC_OK)
		st = ck_each_row(&qs, take_lookup, &to_s, t->label,
		                 "answer to a row lookup", err, errlen);
	if (st == SYNC_OK)
		st = ck_each_row(&qt, take_lookup, &to_t, t->label,
		                 "answer to a row lookup", err, errlen);
	ck_drain(&qs);
	ck_drain(&qt);
	for (int i = 0; st == SYNC_OK && i < p->npend; i++) {
		const struct ck_pending *e = &p->pend[i];
		if (e->hs == e->ht) {
			keep_bits(s, e->seg, e->fetch, p);
			p->to.n += __builtin_popcountll(e->tonly);
			p->to.h ^= e->to_h;
			ck_tonly_bits(s, &p->to, e->seg, e->tonly);
		} else {
			p->segs[p->n++] = e->seg;
		}
	}
	if (st == SYNC_OK && p->direct.oom) {
		fn_err(err, errlen, "table %s: out of memory", t->label);
		st = SYNC_FAILED;
	}
	p->npend = 0;
	p->look_s.len = p->look_t.len = 0;
	return st;
}
