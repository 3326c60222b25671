# Two databases, integer keys: the engine reads both sides in key order
# and stages only the rows whose text differs (method copy_diff). These
# cases push it through its chunk boundaries, mid-chunk flushes, keys the
# target lacks or only the target has, composite keys, duplicate source
# keys, and values whose text differs while their value does not.
# timeout: 240
# builds: last

method_of() { assert_json "$OUT" 'j["statistics"]["tables"][0]["method"]' "$1"; }
# Each case runs twice: with the copy diff (SYNC_CHECKSUM=off) and with the
# checksum method (the default); DIFF is the method a re-sync reports.
diff_method() { if [ "$1" = off ]; then export SYNC_CHECKSUM=off DIFF=copy_diff; else export SYNC_CHECKSUM=on DIFF=checksum; fi; }

diff_chunks_flushes_and_gaps_case() {
	source "$ROOT/tests/lib/sync.sh"
	diff_method "$1"
	sync_mode two sync_diff_chunks_$1
	both_q "CREATE TABLE wide (id bigint PRIMARY KEY, v int, pad text)"
	# even keys on the source; 60000 rows of ~650 bytes: three target chunks
	src_q "INSERT INTO wide SELECT 2 * g, g, repeat(md5(g::text), 20) FROM generate_series(1, 60000) g"
	sync_ok; expect_counts 60000 0 0
	method_of copy_direct
	# odd keys only on the target, between the source's; some source rows
	# missing on the target; half the rows changed (~6 MB a chunk: more than the
	# diff keeps in memory, so it flushes mid-chunk too); new rows past the end
	dst_q "INSERT INTO wide SELECT 2 * g + 1, -1, 'prod' FROM generate_series(1, 60000, 7) g;
	       DELETE FROM wide WHERE id % 2 = 0 AND id % 1000 = 0"
	src_q "UPDATE wide SET v = -v WHERE id % 4 = 0;
	       INSERT INTO wide SELECT 2 * g, g, 'new' FROM generate_series(60001, 60100) g"
	sync_ok
	method_of "$DIFF"
	# missing: 120 deleted (id % 1000 = 0, all among the changed) + 100
	# new; updated: the 30000 changed (id % 4 = 0) less those 120
	expect_counts 220 29880 30000
	assert_eq "$(src_q "SELECT md5(string_agg(w::text, ',' ORDER BY id)) FROM wide w")" \
		"$(dst_q "SELECT md5(string_agg(w::text, ',' ORDER BY id)) FROM wide w WHERE id % 2 = 0")" \
		"the target's even rows differ from the source's"
	assert_eq 8572 "$(dst_q "SELECT count(*) FROM wide WHERE id % 2 = 1 AND pad = 'prod'")" "target-only rows"
	local v w
	v=$(versions wide); w=$(writes wide)
	sync_ok; expect_counts 0 0 60100
	method_of "$DIFF"
	assert_json "$OUT" 'j["statistics"]["tables"][0]["copy_ms"]' 0
	assert_eq "$v" "$(versions wide)" "a no-change re-sync rewrote rows"
	assert_eq "$w" "$(writes wide)" "a no-change re-sync counted writes"
}

diff_composite_key_and_duplicates_case() {
	source "$ROOT/tests/lib/sync.sh"
	diff_method "$1"
	sync_mode two sync_diff_dup_$1
	src_q "CREATE TABLE pairs (a int, b bigint, v text)"   # no key on the source
	dst_q "CREATE TABLE pairs (b bigint, a smallint, v text, PRIMARY KEY (a, b))"
	src_q "INSERT INTO pairs SELECT g % 7, g, 'v' || g FROM generate_series(1, 3000) g"
	dst_q "INSERT INTO pairs VALUES (100, 2, 'old')"
	sync_ok; method_of copy_diff
	expect_counts 2999 1 0
	src_q "UPDATE pairs SET v = 'x' WHERE b % 500 = 0"
	sync_ok; expect_counts 0 6 2994
	assert_eq "$(src_q "SELECT string_agg(a || ',' || b || ',' || v, ';' ORDER BY a, b) FROM pairs")" \
		"$(dst_q "SELECT string_agg(a || ',' || b || ',' || v, ';' ORDER BY a, b) FROM pairs")"
	# the same key twice on the source: refused, nothing applied
	src_q "INSERT INTO pairs VALUES (3, 10, 'a twin')"
	run_sync
	assert_eq 1 "$RC" "duplicate keys exit: $OUT"
	assert_contains "$OUT" "more than one row with the same key"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM pairs WHERE v = 'a twin'")"
}

diff_text_differs_value_does_not_case() {
	source "$ROOT/tests/lib/sync.sh"
	diff_method "$1"
	sync_mode two sync_diff_text_$1
	src_q "CREATE TABLE prices (id int PRIMARY KEY, p numeric, q int)"
	dst_q "CREATE TABLE prices (id bigint PRIMARY KEY, p numeric(10,2), q bigint)"
	src_q "INSERT INTO prices SELECT g, g / 2.0, g FROM generate_series(1, 500) g"
	dst_q "INSERT INTO prices VALUES (1, 0, 0)"
	sync_ok; method_of "$DIFF"; expect_counts 499 1 0
	# '0.5' on the source is '0.50' on the target: staged, compared, kept
	local v w
	v=$(versions prices); w=$(writes prices)
	sync_ok; expect_counts 0 0 500
	assert_eq "$v" "$(versions prices)" "rows rewritten though only their text differs"
	assert_eq "$w" "$(writes prices)"
}

diff_not_for_text_keys_case() {
	source "$ROOT/tests/lib/sync.sh"
	diff_method "$1"
	sync_mode two sync_diff_textkey_$1
	both_q "CREATE TABLE codes (code text PRIMARY KEY, v int)"
	src_q "INSERT INTO codes VALUES ('a', 1), ('B', 2), ('c', 3)"
	dst_q "INSERT INTO codes VALUES ('a', 0)"
	sync_ok; method_of "$([ "$1" = off ] && echo copy_stage || echo checksum)"; expect_counts 2 1 0
	same_rows codes
}
test_diff_chunks_flushes_and_gaps() { diff_chunks_flushes_and_gaps_case off; }
test_diff_chunks_flushes_and_gaps_checksum() { diff_chunks_flushes_and_gaps_case on; }
test_diff_composite_key_and_duplicates() { diff_composite_key_and_duplicates_case off; }
test_diff_composite_key_and_duplicates_checksum() { diff_composite_key_and_duplicates_case on; }
test_diff_text_differs_value_does_not() { diff_text_differs_value_does_not_case off; }
test_diff_text_differs_value_does_not_checksum() { diff_text_differs_value_does_not_case on; }
test_diff_not_for_text_keys() { diff_not_for_text_keys_case off; }
test_diff_not_for_text_keys_checksum() { diff_not_for_text_keys_case on; }
