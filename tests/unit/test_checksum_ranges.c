/* test_checksum_ranges.c - the checksum's segment arithmetic alone
 * (sync_checksum_ranges.h): value ranges at the edges of a bigint, widths
 * at the powers of two, one-key tables, and, on random keys, the two ways
 * the statements name a key's segment against an obviously right one. */
#include <stdint.h>

#include "harness.h"
#include "sync_checksum_ranges.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* The segment of key by the definition: floor((key - lo) / width) + 1 in
 * exact arithmetic, 0 below lo, nseg + 1 from top on. */
static int segment_by_definition(const struct ck_ranges *r, __int128 key)
{
	if (key < r->lo)
		return 0;
	if (key >= r->top)
		return r->nseg + 1;
	return (int)((key - r->lo) / r->width) + 1;
}

/* Every property value ranges must have for keys lo .. hi, and both
 * statements' segment of keys in and around them. */
static int checked; /* value ranges checked so far */

static void check_ranges(__int128 lo, __int128 hi, long long want)
{
	struct ck_ranges r;
	if (!ck_ranges_value(lo, hi, want, &r))
		return; /* hashed segments instead: nothing to check */
	checked++;
	CHECK_INT(r.width, 1LL << r.shift);
	CHECK((__int128)r.lo % r.width == 0);
	CHECK(r.lo <= lo && lo - r.lo < r.width);
	CHECK((__int128)r.top > hi);
	CHECK((__int128)r.top - r.lo == (__int128)r.nseg * r.width);
	CHECK(r.nseg >= 1 && r.nseg <= CK_MAX_SEGS + 1);
	/* no more than twice the segments wanted (the width rounded down) */
	CHECK(r.nseg <= 2 * want + 1);
	CHECK_INT(r.kbits, ck_ranges_slot_bits(r.width));
	CHECK(r.kbits == 0 || r.kbits * r.width <= 64);
	__int128 probes[] = { lo, hi, lo + (hi - lo) / 2, r.lo, (__int128)r.top - 1,
	                      (__int128)r.lo - 1, r.top, (__int128)r.top + 1 };
	for (int i = 0; i < 40; i++) {
		__int128 key = i < 8 ? probes[i]
		                     : lo + (__int128)(rnd() % (uint64_t)(hi - lo + 1));
		if (key < INT64_MIN || key > INT64_MAX)
			continue;
		int want_seg = segment_by_definition(&r, key);
		CHECK_INT(ck_ranges_segment(&r, (long long)key), want_seg);
		CHECK_INT(ck_ranges_group_segment(&r, (long long)key), want_seg);
		if (key >= lo && key <= hi)
			CHECK(want_seg >= 1 && want_seg <= r.nseg);
	}
}

TEST(value_ranges_at_the_edges_of_a_bigint)
{
	struct ck_ranges r;
	/* one key at either end */
	CHECK_INT(ck_ranges_value(INT64_MIN, INT64_MIN, 1, &r), 1);
	CHECK_INT(r.lo, INT64_MIN);
	CHECK_INT(r.nseg, 1);
	check_ranges(INT64_MIN, INT64_MIN, 1);
	/* the top would pass INT64_MAX: no value ranges, hashed segments */
	CHECK_INT(ck_ranges_value(INT64_MAX, INT64_MAX, 1, &r), 0);
	CHECK_INT(ck_ranges_value(INT64_MAX - 1000, INT64_MAX, 10, &r), 0);
	check_ranges(INT64_MAX - 4096, INT64_MAX - 1, 64);
	check_ranges(INT64_MIN, INT64_MIN + 1000000, 62500);
	check_ranges(-1, 0, 1);
	check_ranges(-5, 5, 3);
	/* the whole bigint range: its top would pass INT64_MAX */
	CHECK_INT(ck_ranges_value(INT64_MIN, INT64_MAX, CK_WANT_SEGS, &r), 0);
	/* more than a bigint's span: key - lo would overflow in the
	 * statements (bigint out of range) */
	CHECK_INT(ck_ranges_value(INT64_MIN, INT64_MAX - (1LL << 62), CK_WANT_SEGS, &r), 0);
	CHECK_INT(ck_ranges_value(-(1LL << 61), (1LL << 61), CK_WANT_SEGS, &r), 1);
	CHECK(r.nseg <= CK_MAX_SEGS + 1);
	check_ranges(-(1LL << 61), (1LL << 61), CK_WANT_SEGS);
	check_ranges(INT64_MIN, -1, CK_WANT_SEGS);
}

TEST(one_key_tables)
{
	long long keys[] = { 0, 1, -1, 42, -42, 1LL << 40, -(1LL << 40) };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		struct ck_ranges r;
		CHECK_INT(ck_ranges_value(keys[i], keys[i], ck_ranges_wanted(1), &r), 1);
		CHECK_INT(r.nseg, 1);
		CHECK_INT(r.width, 1);
		CHECK_INT(r.kbits, 8);
		CHECK_INT(ck_ranges_segment(&r, keys[i]), 1);
		check_ranges(keys[i], keys[i], 1);
	}
}

TEST(widths_at_the_powers_of_two)
{
	for (int k = 0; k < 40; k++) {
		for (long long want = 1; want <= 1 << 17; want *= 7) {
			__int128 span = (__int128)want << k;
			for (int d = -1; d <= 1; d++) {
				__int128 lo = -(__int128)(rnd() % (1u << 20));
				check_ranges(lo, lo + span + d - 1 > lo ? lo + span + d - 1 : lo, want);
			}
		}
	}
}

TEST(value_ranges_on_random_keys)
{
	for (int i = 0; i < 20000; i++) {
		int scale = (int)(rnd() % 63);
		__int128 lo = (__int128)(int64_t)rnd() >> (rnd() % 64);
		__int128 span = (__int128)(rnd() >> (63 - scale));
		__int128 hi = lo + span;
		if (hi > INT64_MAX)
			hi = INT64_MAX;
		long long rows = (long long)(rnd() % 20000000) + 1;
		if (ck_ranges_dense(lo, hi, rows))
			check_ranges(lo, hi, ck_ranges_wanted(rows));
		check_ranges(lo, hi, (long long)(rnd() % CK_WANT_SEGS) + 1);
	}
	CHECK(checked > 10000); /* most draws had value ranges to check */
}

TEST(slot_bits_fill_at_most_64_bits)
{
	CHECK_INT(ck_ranges_slot_bits(1), 8);
	CHECK_INT(ck_ranges_slot_bits(8), 8);
	CHECK_INT(ck_ranges_slot_bits(9), 7);
	CHECK_INT(ck_ranges_slot_bits(16), 4);
	CHECK_INT(ck_ranges_slot_bits(32), 2);
	CHECK_INT(ck_ranges_slot_bits(64), 1);
	CHECK_INT(ck_ranges_slot_bits(65), 0);
	CHECK_INT(ck_ranges_slot_bits(1LL << 62), 0);
}

TEST(slots_set_against_a_bit_by_bit_reading)
{
	for (int kbits = 1; kbits <= 8; kbits++) {
		for (int i = 0; i < 2000; i++) {
			uint64_t v = rnd() & rnd(); /* some empty slots */
			uint64_t want = 0;
			for (int key = 0; key * kbits < 64; key++) {
				int any = 0;
				for (int b = 0; b < kbits && key * kbits + b < 64; b++)
					any |= (int)(v >> (key * kbits + b) & 1);
				want |= (uint64_t)any << key;
			}
			CHECK(ck_ranges_slots_set(v, kbits) == want);
		}
	}
}

TEST(align_down_floors_to_a_multiple)
{
	CHECK(ck_ranges_align_down(0, 1) == 0);
	CHECK(ck_ranges_align_down(7, 4) == 4);
	CHECK(ck_ranges_align_down(8, 4) == 8);
	CHECK(ck_ranges_align_down(-1, 4) == -4);
	CHECK(ck_ranges_align_down(-4, 4) == -4);
	CHECK(ck_ranges_align_down(-5, 4) == -8);
	CHECK(ck_ranges_align_down(INT64_MIN, (__int128)1 << 62) == INT64_MIN);
	for (int i = 0; i < 10000; i++) {
		__int128 v = (int64_t)rnd(), w = (__int128)1 << (rnd() % 63);
		__int128 a = ck_ranges_align_down(v, w);
		CHECK(a <= v && v - a < w && a % w == 0);
	}
}

TEST(segment_counts_follow_the_rows)
{
	CHECK_INT(ck_ranges_wanted(0), 1);
	CHECK_INT(ck_ranges_wanted(15), 1);
	CHECK_INT(ck_ranges_wanted(1000000), 62500);
	CHECK_INT(ck_ranges_wanted(1LL << 40), CK_WANT_SEGS);
	CHECK_INT(ck_ranges_hashed(0), 1);
	CHECK_INT(ck_ranges_hashed(1000000), 62500);
	CHECK_INT(ck_ranges_hashed(1LL << 40), CK_WANT_SEGS);
	/* dense: at most CK_MAX_SPAN_PER_ROW key values a row */
	CHECK(ck_ranges_dense(1, 64, 1));
	CHECK(!ck_ranges_dense(1, 65, 1));
	CHECK(ck_ranges_dense(INT64_MIN, INT64_MIN, 0));
}

TEST_MAIN(CASE(value_ranges_at_the_edges_of_a_bigint) CASE(one_key_tables)
          CASE(widths_at_the_powers_of_two) CASE(value_ranges_on_random_keys)
          CASE(slot_bits_fill_at_most_64_bits)
          CASE(slots_set_against_a_bit_by_bit_reading)
          CASE(align_down_floors_to_a_multiple)
          CASE(segment_counts_follow_the_rows))
