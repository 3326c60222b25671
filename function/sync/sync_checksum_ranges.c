/* sync_checksum_ranges.c - segments and slots by arithmetic alone (see
 * sync_checksum_ranges.h). */
#include "sync_checksum_ranges.h"

#include <assert.h>

/* Other keys: source rows per segment (a hash of the key picks it). */
#define CK_SEG_ROWS_TEXT 16

long long ck_ranges_wanted(long long rows)
{
	long long want = rows / CK_SEG_ROWS;
	return want < 1 ? 1 : want > CK_WANT_SEGS ? CK_WANT_SEGS : want;
}

int ck_ranges_slot_bits(long long width)
{
	assert(width >= 1);
	if (width > 64)
		return 0;
	return 64 / width > 8 ? 8 : (int)(64 / width);
}

__int128 ck_ranges_align_down(__int128 v, __int128 w)
{
	assert(w >= 1 && (w & (w - 1)) == 0);
	return v >= 0 ? v / w * w : -((-v + w - 1) / w) * w;
}

int ck_ranges_dense(__int128 lo, __int128 hi, long long rows)
{
	assert(lo <= hi);
	return hi - lo + 1 <= (__int128)(rows > 0 ? rows : 1) * CK_MAX_SPAN_PER_ROW;
}

int ck_ranges_value(__int128 lo, __int128 hi, long long want,
                    struct ck_ranges *r)
{
	assert(lo <= hi && want >= 1);
	__int128 w = 1, need = (hi - lo + 1 + want - 1) / want;
	int shift = 0;
	while (w * 2 <= need && shift < 62)
		w <<= 1, shift++;
	if ((hi - lo + w) / w > CK_MAX_SEGS)
		return 0;
	lo = ck_ranges_align_down(lo, w);
	__int128 nseg = (hi - lo + 1 + w - 1) / w, top = lo + nseg * w;
	/* the statements compute key - lo for keys in [lo, top): it must
	 * fit a bigint too (else "bigint out of range"; unreachable with the
	 * rows a span that wide needs to be dense, but stated here) */
	if (lo < INT64_MIN || top > INT64_MAX || top - lo > INT64_MAX ||
	    nseg > INT32_MAX - 2)
		return 0;
	r->lo = (long long)lo;
	r->top = (long long)top;
	r->width = (long long)w;
	r->shift = shift;
	r->nseg = (int)nseg;
	r->kbits = ck_ranges_slot_bits((long long)w);
	return 1;
}

int ck_ranges_segment(const struct ck_ranges *r, long long key)
{
	if (key < r->lo)
		return 0;
	if (key >= r->top)
		return r->nseg + 1;
	/* top - lo fits a bigint (ck_ranges_value), so key - lo does */
	return 1 + (int)((key - r->lo) / r->width);
}

int ck_ranges_group_segment(const struct ck_ranges *r, long long key)
{
	/* >> of a negative bigint floors, in C (gcc) as in PostgreSQL */
	long long seg = key >> r->shift;
	if (seg < (r->lo >> r->shift))
		return 0;
	if (seg >= (r->top >> r->shift))
		return r->nseg + 1;
	return (int)(seg - (r->lo >> r->shift)) + 1;
}

uint64_t ck_ranges_slots_set(uint64_t v, int kbits)
{
	assert(kbits >= 1 && kbits <= 8);
	uint64_t keys = 0, mask = ((uint64_t)1 << kbits) - 1;
	for (int i = 0; i * kbits < 64; i++)
		if (v >> (i * kbits) & mask)
			keys |= (uint64_t)1 << i;
	return keys;
}

long long ck_ranges_hashed(long long rows)
{
	long long n = rows / CK_SEG_ROWS_TEXT;
	return n < 1 ? 1 : n > CK_WANT_SEGS ? CK_WANT_SEGS : n;
}
