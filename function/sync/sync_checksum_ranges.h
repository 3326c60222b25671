/* sync_checksum_ranges.h - how the checksum cuts a table's keys into
 * segments, and what a segment's slots say: arithmetic only, no server,
 * so that every edge (INT64_MIN and INT64_MAX keys, one-key tables,
 * widths at the powers of two) is tested alone (tests/unit).
 *
 * Integer keys with few gaps are cut into value ranges: segment i
 * (1 .. nseg) holds the keys lo + (i - 1) * width .. lo + i * width - 1,
 * where width is a power of two (1 << shift) and lo a multiple of it, so
 * the segments statement can group by key >> shift, one operation a row,
 * and the row-level statements find segment i as (key - lo) / width + 1
 * (sync_checksum_sql.c): both name the same segment for every key in
 * [lo, top). Segment 0 and nseg + 1 hold keys below lo and from top on,
 * which only the target can have (rows written since it was read).
 * Segments of at most 64 keys carry a slot of kbits bits per key. Other
 * keys go to segments by a hash of the key. */
#ifndef SYNCFN_SYNC_CHECKSUM_RANGES_H
#define SYNCFN_SYNC_CHECKSUM_RANGES_H

#include <stdint.h>

/* Source rows per segment wanted: small enough that a 1% change spread
 * over the table leaves most segments equal, large enough that a no-change
 * re-sync moves well under 1% of the table (16 bytes per segment). */
#define CK_SEG_ROWS 16
/* Segments wanted at most, and at most this many once an integer key's
 * width is rounded down to a power of two (16 bytes each, on each side,
 * in memory: 12.6 MB). */
#define CK_WANT_SEGS 196608
#define CK_MAX_SEGS (2 * CK_WANT_SEGS)
/* Integer keys this sparse (key range per row) use hashed segments,
 * since value ranges would leave most segments empty and a few huge. */
#define CK_MAX_SPAN_PER_ROW 64

/* Value ranges over an integer key. */
struct ck_ranges {
	long long lo;    /* a multiple of width, at most the smallest key */
	long long top;   /* lo + nseg * width: above the largest key */
	long long width; /* 1 << shift */
	int shift;
	int nseg;        /* segments 1 .. nseg */
	int kbits;       /* bits of a key's slot; 0: segments count rows */
};

/* The segments wanted for rows source rows: one per CK_SEG_ROWS, at
 * least 1, at most CK_WANT_SEGS. */
long long ck_ranges_wanted(long long rows);

/* Fills r with value ranges for keys lo .. hi (lo <= hi) in about want
 * segments (want >= 1): the smallest power-of-two width that needs at
 * most want of them, rounded down (a width of 17 would be 32, with half
 * the slots' bits a key), so up to twice as many. Returns 1, or 0 when
 * they would be more than CK_MAX_SEGS, or top or top - lo would not fit
 * a bigint. */
int ck_ranges_value(__int128 lo, __int128 hi, long long want,
                    struct ck_ranges *r);

/* Whether keys lo .. hi are dense enough for value ranges for rows rows
 * (at most CK_MAX_SPAN_PER_ROW key values a row). */
int ck_ranges_dense(__int128 lo, __int128 hi, long long rows);

/* Bits per key in a segment's slots: as many as 64 bits hold for its
 * keys, at most 8 (a changed row keeps its hint 1 time in 255); 0 for
 * segments wider than 64 keys. */
int ck_ranges_slot_bits(long long width);

/* The largest multiple of w (a power of two, w >= 1) not above v. */
__int128 ck_ranges_align_down(__int128 v, __int128 w);

/* Key's segment as the row-level statements compute it: 0 below lo,
 * nseg + 1 from top on, else (key - lo) / width + 1. */
int ck_ranges_segment(const struct ck_ranges *r, long long key);

/* Key's segment as the segments statement computes it: key >> shift,
 * then mapped once per group (0 below lo >> shift, nseg + 1 from top >>
 * shift on, else the difference + 1). The same as ck_ranges_segment for
 * every key. */
int ck_ranges_group_segment(const struct ck_ranges *r, long long key);

/* The keys (bit i: offset i) whose kbits-bit slots in v are not 0. */
uint64_t ck_ranges_slots_set(uint64_t v, int kbits);

/* Other keys: how many segments by a hash of the key (ids 0 .. n - 1). */
long long ck_ranges_hashed(long long rows);

#endif
