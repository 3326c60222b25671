/* sync_checksum_parts.h - the pieces of the checksum method, shared by its
 * files (sync_checksum*.c) and nothing else. */
#ifndef SYNCFN_SYNC_CHECKSUM_PARTS_H
#define SYNCFN_SYNC_CHECKSUM_PARTS_H

#include <stdint.h>

#include "sync_buf.h"
#include "sync_checksum.h"
#include "sync_checksum_ranges.h"
#include "sync_db.h"

/* Keys of rows to fetch kept in memory before the row-level pass stops
 * collecting and resumes after they are fetched (a build may lower it to
 * test the resumption: -DCK_MAX_KEY_BYTES=64). */
#ifndef CK_MAX_KEY_BYTES
#define CK_MAX_KEY_BYTES (4u << 20)
#endif
/* Keys per fetch of full source rows. */
#define CK_FETCH_KEYS 4096

/* One statement in flight on one connection. */
struct ck_query {
	struct sync_db *db;
	const char *what;
	int active;   /* sent, and its last result not yet read */
};

/* Sends sql with text params; packed: the results in binary format, rows
 * one by one (PQsetSingleRowMode), as the packed answers are read; else
 * one result in text. */
enum sync_status ck_send(struct ck_query *q, const char *sql, int nparams,
                         const char *const *params, int packed, char *err,
                         size_t errlen);
/* The next row (single-row mode) or result; *res NULL when the statement
 * is done. The caller PQclear()s each. */
enum sync_status ck_next(struct ck_query *q, PGresult **res, char *err,
                         size_t errlen);
/* Reads a statement's answer row by row (sent with single), handing each
 * row to take; a row take refuses (nonzero) ends it with "table T:
 * malformed <answer> from <server>". */
enum sync_status ck_each_row(struct ck_query *q,
                             int (*take)(const PGresult *r, void *ctx),
                             void *ctx, const char *table,
                             const char *answer, char *err, size_t errlen);
/* Reads what is left of a statement that is no longer wanted (the run
 * fails or goes on: the connection must be idle either way). */
void ck_drain(struct ck_query *q);

/* The SQL of one table, for either side. */
struct ck_sql {
	int int_key;       /* segments are value ranges of an integer key */
	/* 64-bit hash of a row's synced columns, on the target and on the
	 * source (sync_checksum_sql.c) */
	char *rowhash, *rowhash_src;
	char *keytype;     /* the source key column's type */
	char segcol[32];   /* a name no synced column has, for the segment */
	int utf8[2];       /* the server's encoding is UTF-8: target, source */
	/* how a key is hashed into a segment (other keys): by its binary
	 * value where both sides have the same kind of key, else its text */
	enum { CK_KEY_TEXT, CK_KEY_INT, CK_KEY_UUID } keyhash;
	/* segment parameters as text: integer keys lo, top, nseg, width;
	 * other keys nseg (segments by a hash of the key) */
	char lo[24], top[24], nseg[16], width[24];
	int nsegs;         /* segment ids are 0 .. nsegs */
	long long sized;   /* the source rows they were sized for */
	int src_indexed;   /* a unique index on the source's key */
	/* integer keys in segments of at most 64 values: the aggregates
	 * carry a slot of kbits bits per key (64 / width, at most 8), 0 for
	 * an absent key, else a hint of the row's hash that is never 0
	 * (sync_checksum_keys.c); 0: a row count instead */
	int kbits;
	long long lo_v, width_v;
	int shift;         /* integer keys: width is 1 << shift, lo a multiple */
};

/* Builds rowhash and keytype for t, for servers whose encoding is UTF-8
 * or not (their texts are hashed as UTF-8 either way); -1 on out of
 * memory. */
int ck_sql_init(struct ck_sql *s, const struct sync_table *t, int src_utf8,
                int tgt_utf8);
void ck_sql_free(struct ck_sql *s);
/* Expands template tmpl (sync_checksum_*.sql) for table side tbl, which
 * is t->f.src (the source's row hash) or t->f.tgt_only (the target's); the
 * segment expression's parameters start at $first. NULL on error. */
char *ck_sql_expand(const struct ck_sql *s, const struct sync_table *t,
                    const char *tmpl, const char *tbl, int first,
                    char *err, size_t errlen);
/* The segment parameters, in the order ck_sql_expand numbers them; returns
 * how many. */
int ck_sql_params(const struct ck_sql *s, const char **p);

/* One table's checksum: its two connections, its plan (read only), its
 * SQL and where its errors go. Sizing the segments writes s; every other
 * step takes the context const. */
struct ck_ctx {
	struct sync_db *src, *tgt;
	const struct sync_table *t;
	struct ck_sql s;
	char *err;
	size_t errlen;
};

/* One segment's aggregates on one side, kept at the segment's index of
 * that side's array: the XOR of its row hashes and, with slots, slot i
 * (bits kbits * i up) for key lo + (seg - 1) * width + i, else the row
 * count. All zero: the side has no row in the segment. 16 bytes, so a
 * table's two arrays stay within 12.6 MB however large it is. */
struct ck_agg {
	uint64_t h, bits;
};

/* The rows an aggregate counts. */
long long ck_agg_rows(const struct ck_sql *s, const struct ck_agg *a);

/* Target-only rows found so far (keys the source lacks): how many and
 * the XOR of their hashes; for a delete rule (keys not NULL) their keys
 * too, in ck_keep_key's format, until one is counted without its key (a
 * segment without slots that the source lacks, a row outside the value
 * ranges) or they pass CK_MAX_TONLY_BYTES: then lost is set, the list
 * dropped, and the delete streams the source's keys instead. */
struct ck_tonly {
	long long n;
	uint64_t h;
	struct sync_buf *keys;
	int lost;
};

/* Target-only keys kept for a delete rule, at most (about 300,000 integer
 * keys: a delete that large is past most guards anyway). */
#ifndef CK_MAX_TONLY_BYTES
#define CK_MAX_TONLY_BYTES (4u << 20)
#endif

/* One target-only row's key, for a delete rule. */
void ck_tonly_key(struct ck_tonly *to, const char *k, uint32_t len);
/* The target-only keys of segment seg's slots (bit i: offset i). */
void ck_tonly_bits(const struct ck_sql *s, struct ck_tonly *to, int32_t seg,
                   uint64_t bits);
/* n target-only rows whose keys are not known. */
void ck_tonly_lost(struct ck_tonly *to, long long n);

/* A segment whose sides differ only by rows one of them lacks, until the
 * hashes of those rows are known (sync_checksum_keys.c). */
struct ck_pending {
	int32_t seg;
	uint64_t hs, ht;      /* the aggregates, those rows' hashes taken out */
	uint64_t fetch;       /* keys (bit i: offset i) to fetch when the rest
	                       * is equal: source-only and changed rows */
	uint64_t tonly, to_h; /* target-only keys, the XOR of their hashes */
};

/* What the comparison of the aggregates leaves to do. */
struct ck_plan {
	int32_t *segs;        /* segments for the row-level pass */
	int n, nonempty;
	long long rows;       /* the source's rows */
	long long tgt_rows;   /* the target's, outside the ranges too */
	long long differing;  /* segments whose aggregates differ at all */
	struct ck_pending *pend; /* this round's pending segments, in order */
	int npend;
	struct sync_buf look_s, look_t; /* "{k,...}": hashes wanted per side */
	struct sync_buf direct; /* keys to fetch, as ck_pass's keys */
	long long ndirect;
	struct ck_tonly to;   /* in the segments settled without row level */
};

/* What a segment whose aggregates differ needs, by the two sides' slots. */
enum ck_kind {
	CK_ROWS,    /* the row-level pass */
	CK_DIRECT,  /* nothing in common: every source row is new */
	CK_PENDING, /* the slots tell the rows that differ, maybe all of them */
};
enum ck_kind ck_keys_kind(const struct ck_sql *s, int32_t seg,
                          const struct ck_agg *sg, const struct ck_agg *tg);
/* Classifies a segment whose aggregates differ: CK_DIRECT keys go to
 * p->direct (the target's rows there to p->to) and CK_PENDING segments
 * to this round's lookups (1), unless p->direct is full: then, as
 * CK_ROWS, the segment needs the row-level pass (0); -1 out of memory. */
int ck_keys_classify(const struct ck_sql *s, int32_t seg,
                     const struct ck_agg *sg, const struct ck_agg *tg,
                     struct ck_plan *p);
/* Whether this round's lookups are as large as one round may be: the
 * caller resolves them before it classifies another segment. */
int ck_keys_full(const struct ck_plan *p);
/* Reads the hashes of this round's looked-up rows on both sides at once,
 * takes them out of their pending segments, and sends each pending
 * segment either to p->direct (the rest of its rows are equal: fetch its
 * source-only and changed ones; its target-only ones go to p->to) or to
 * the row-level pass; the round's lookups are then empty again. */
enum sync_status ck_keys_resolve(const struct ck_ctx *c, struct ck_plan *p);
/* The unsigned big-endian number in the n (<= 8) bytes at p: every
 * packed answer of the checksum's statements is in network order. */
uint64_t ck_be(const unsigned char *p, int n);
/* Appends one key to a key list (length, bytes): ck_pass's keys. */
void ck_keep_key(struct sync_buf *keys, const char *k, uint32_t len);

/* One row-level pass over the segments whose aggregates differ. */
struct ck_pass {
	const int32_t *segs;   /* the segments to look at, unless all */
	int nsegs, all;
	int32_t from;          /* the segment to start at */
	struct sync_buf keys;  /* the keys to fetch (ck_keep_key's format) */
	long long nkeys;
	struct ck_tonly *to;   /* target's rows whose keys the source lacks */
	int32_t next;          /* the segment to resume at when the pass
	                          stopped early (keys full), else -1 */
};

/* The row-level pass from segment p->from on: appends the keys to fetch
 * to p->keys, counts the target's rows whose keys the source lacks in
 * p->to, sets p->next. */
enum sync_status ck_rows_pass(const struct ck_ctx *c, struct ck_pass *p);

/* Fetches the source rows of the keys (ck_keep_key's list, keylen bytes)
 * straight into the stage through d->stream, CK_FETCH_KEYS a statement,
 * and counts them in d->staged. */
enum sync_status ck_fetch(const struct ck_ctx *c, const char *keys,
                          size_t keylen, struct sync_diff *d);

#endif
