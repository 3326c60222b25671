/* test_checksum_keys.c - what the checksum reads from a differing
 * segment's slots (sync_checksum_keys.c), on random segments against a
 * key-by-key reading: which keys each side has, which rows are new,
 * changed or the target's own, and which segments need the row-level
 * pass. No server. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "sync_checksum_parts.h"

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* One side of a segment: per key offset, 0 when absent, else its hint. */
struct side {
	int hint[64];
};

static struct ck_agg agg_of(const struct side *x, int width, int kbits)
{
	struct ck_agg a = { rnd(), 0 };
	for (int i = 0; i < width; i++)
		a.bits |= (uint64_t)x->hint[i] << (i * kbits);
	return a;
}

/* "{k,...}" of the keys at offsets in mask, as the lookups list them. */
static void list_keys(struct sync_buf *b, long long first, uint64_t mask)
{
	for (int i = 0; i < 64; i++)
		if (mask >> i & 1)
			sync_buf_addf(b, "%s%lld", b->len ? "," : "{", first + i);
}

TEST(slots_read_key_by_key)
{
	for (int round = 0; round < 4000; round++) {
		int width = 1 << (rnd() % 7); /* 1 .. 64 */
		struct ck_sql s = { 0 };
		s.kbits = ck_ranges_slot_bits(width);
		s.width_v = width;
		s.lo_v = (long long)(rnd() % 1000000) - 500000;
		s.nsegs = 12;
		int32_t seg = (int32_t)(rnd() % 14);
		struct side a = { { 0 } }, b = { { 0 } };
		uint64_t src = 0, tgt = 0, changed = 0;
		int hints = (1 << s.kbits) - 1;
		for (int i = 0; i < width; i++) {
			int r = (int)(rnd() % 4);
			if (r & 1)
				a.hint[i] = 1 + (int)(rnd() % (uint64_t)hints);
			if (r & 2)
				b.hint[i] = rnd() % 3 ? a.hint[i] : 1 + (int)(rnd() % (uint64_t)hints);
			if (!b.hint[i] && (r & 2))
				b.hint[i] = 1;
			src |= (uint64_t)(a.hint[i] != 0) << i;
			tgt |= (uint64_t)(b.hint[i] != 0) << i;
			changed |= (uint64_t)(a.hint[i] && b.hint[i] && a.hint[i] != b.hint[i]) << i;
		}
		struct ck_agg sg = agg_of(&a, width, s.kbits), tg = agg_of(&b, width, s.kbits);
		CHECK_INT(ck_agg_rows(&s, &sg), __builtin_popcountll(src));
		CHECK_INT(ck_agg_rows(&s, &tg), __builtin_popcountll(tgt));
		enum ck_kind want = CK_ROWS;
		if (seg >= 1 && seg <= s.nsegs - 1 && sg.bits != tg.bits)
			want = (src & tgt) == 0 ? CK_DIRECT : CK_PENDING;
		CHECK_INT(ck_keys_kind(&s, seg, &sg, &tg), want);

		struct ck_plan p = { 0 };
		int r = ck_keys_classify(&s, seg, &sg, &tg, &p);
		long long first = s.lo_v + (long long)(seg - 1) * width;
		struct sync_buf ks = { 0 }, kt = { 0 };
		if (want == CK_ROWS) {
			CHECK_INT(r, 0);
		} else if (want == CK_DIRECT) {
			CHECK_INT(r, 1);
			CHECK_INT(p.ndirect, __builtin_popcountll(src));
			CHECK_INT(p.to.n, __builtin_popcountll(tgt));
			CHECK_INT(p.npend, 0);
		} else {
			CHECK_INT(r, 1);
			CHECK_INT(p.npend, 1);
			CHECK(p.pend[0].fetch == ((src & ~tgt) | changed));
			CHECK(p.pend[0].tonly == (tgt & ~src));
			list_keys(&ks, first, (src & ~tgt) | changed);
			list_keys(&kt, first, (tgt & ~src) | changed);
			CHECK_STR(sync_buf_str(&p.look_s), sync_buf_str(&ks));
			CHECK_STR(sync_buf_str(&p.look_t), sync_buf_str(&kt));
		}
		sync_buf_free(&ks), sync_buf_free(&kt);
		sync_buf_free(&p.look_s), sync_buf_free(&p.look_t);
		sync_buf_free(&p.direct);
		free(p.pend);
	}
}

TEST(row_counts_without_slots)
{
	struct ck_sql s = { 0 };
	struct ck_agg a = { 123, 7 };
	CHECK_INT(ck_agg_rows(&s, &a), 7);
	/* without slots every differing segment goes to the row level */
	struct ck_agg b = { 124, 7 };
	s.nsegs = 5;
	CHECK_INT(ck_keys_kind(&s, 2, &a, &b), CK_ROWS);
}

TEST_MAIN(CASE(slots_read_key_by_key) CASE(row_counts_without_slots))
