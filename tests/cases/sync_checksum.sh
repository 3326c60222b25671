# Two databases, a target that already has rows: the checksum method
# (docs/design.md). Both servers hash their rows per segment; only segments that
# differ go to row level, and only rows found new or different are fetched.
# These cases put single changes at every kind of place in a segment, text
# that differs while values do not (and the reverse), target-only rows in
# every segment, key types that differ between the sides, text keys in
# mixed case, types with no hash support of their own, and the cost
# accounting in the statistics.
# timeout: 300
# builds: last

method_is() { assert_json "$OUT" 'j["statistics"]["tables"][0]["method"]' "$1"; }
# ck_mode NAME: two databases, SYNC_CHECKSUM=on. The cases start from a
# target of a row or two, which the default (auto) would stream as a
# backlog; on keeps them on the checksum, so it meets the new rows too.
ck_mode() { sync_mode two "$1"; export SYNC_CHECKSUM=on; }
stat() { json_value "$OUT" "$1"; }

# one_change ID: changes the source row ID, syncs, and expects exactly that
# row updated and the two sides equal again.
one_change() {
	src_q "UPDATE items SET v = v || '+' WHERE id = $1"
	sync_ok; method_is checksum
	expect_counts 0 1 $(( $(src_q "SELECT count(*) FROM items") - 1 ))
	assert_eq "$(src_q "SELECT v FROM items WHERE id = $1")" \
		"$(dst_q "SELECT v FROM items WHERE id = $1")" "row $1 not synced"
}

test_checksum_single_changes_at_every_place() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_places
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text, n numeric)"
	src_q "INSERT INTO items SELECT g, 'v' || g, g / 3.0 FROM generate_series(1, 1000) g; ANALYZE items"
	dst_q "INSERT INTO items VALUES (1, 'old', 0)"
	sync_ok; method_is checksum; expect_counts 999 1 0
	same_rows items
	sync_ok; expect_counts 0 0 1000
	assert_json "$OUT" 'j["statistics"]["tables"][0]["copy_ms"]' 0 "rows staged though none changed"
	# 1000 rows in segments of about 16 keys (width 17 from key 1): the
	# middle of one, both sides of a boundary, the first and the last key
	local id
	for id in 94 86 85 1 1000; do one_change $id; done
	same_rows items
}

test_checksum_numeric_text_differs() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_numeric
	both_q "CREATE TABLE prices (id bigint PRIMARY KEY, p numeric, f float8)"
	src_q "INSERT INTO prices SELECT g, g, g FROM generate_series(1, 300) g"
	dst_q "INSERT INTO prices VALUES (1, 0, 0)"
	sync_ok; method_is checksum
	# equal values, other text: 1.5 vs 1.50 (unconstrained numeric), -0 vs 0
	src_q "UPDATE prices SET p = 1.5 WHERE id = 150; UPDATE prices SET f = '-0' WHERE id = 7"
	dst_q "UPDATE prices SET p = 1.50 WHERE id = 150"
	sync_ok; method_is checksum; expect_counts 0 2 298
	assert_eq 1.5 "$(dst_q "SELECT p FROM prices WHERE id = 150")"
	assert_eq -0 "$(dst_q "SELECT f FROM prices WHERE id = 7")"
	same_rows prices
}

test_checksum_target_only_rows_in_every_segment() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_extra
	both_q "CREATE TABLE wide (id bigint PRIMARY KEY, v int, pad text)"
	src_q "INSERT INTO wide SELECT 10 * g, g, md5(g::text) FROM generate_series(1, 5000) g"
	dst_q "INSERT INTO wide SELECT 10 * g + 3, -1, 'prod' FROM generate_series(0, 5000) g"
	sync_ok; method_is checksum; expect_counts 5000 0 0
	local v
	v=$(versions wide)
	sync_ok; expect_counts 0 0 5000
	assert_eq "$v" "$(versions wide)" "a no-change re-sync rewrote rows"
	assert_eq 5001 "$(dst_q "SELECT count(*) FROM wide WHERE pad = 'prod'")" "target-only rows"
	src_q "UPDATE wide SET v = -v WHERE id % 700 = 0"
	sync_ok; expect_counts 0 71 4929
	assert_eq "$(src_q "SELECT md5(string_agg(w::text, ',' ORDER BY id)) FROM wide w")" \
		"$(dst_q "SELECT md5(string_agg(w::text, ',' ORDER BY id)) FROM wide w WHERE id % 10 = 0")"
}

# The target-only setup on rows 1..N of TABLE: the source lacks every
# tenth row, the target holds it as its own (pad 'prod'); the pad is wide
# enough that reading every row would show in the bytes.
target_only_fill() {
	local tbl=$1 n=$2
	both_q "CREATE TABLE $tbl (id int PRIMARY KEY, v int, pad text)"
	src_q "INSERT INTO $tbl SELECT g, g, repeat(md5(g::text), 2) FROM generate_series(1, $n) g WHERE g % 10 <> 5"
	dst_q "INSERT INTO $tbl SELECT g, g, repeat(md5(g::text), 2) FROM generate_series(1, $n) g;
	       UPDATE $tbl SET pad = 'prod' WHERE id % 10 = 5"
	sync_ok; method_is checksum; expect_counts 0 0 $((n * 9 / 10))
}

# Then changed rows next to target-only ones, rows the target lost (their
# segments differ only by keys) and new rows past the end: INS UPD
# UNCHANGED are the counts expected; the target-only rows stay.
target_only_changes() {
	local tbl=$1 n=$2 ins=$3 upd=$4 unchanged=$5
	src_q "UPDATE $tbl SET v = -v WHERE id % 700 = 0;
	       INSERT INTO $tbl SELECT g, g, 'new' FROM generate_series($((n + 1)), $((n + 100))) g"
	dst_q "DELETE FROM $tbl WHERE id % 1000 = 1"
	sync_ok; method_is checksum; expect_counts "$ins" "$upd" "$unchanged"
	assert_eq "$(src_q "SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM $tbl x")" \
		"$(dst_q "SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM $tbl x WHERE id % 10 <> 5 OR id > $n")"
	assert_eq $((n / 10)) "$(dst_q "SELECT count(*) FROM $tbl WHERE pad = 'prod'")" "target-only rows"
	sync_ok; expect_counts 0 0 $((n * 9 / 10 + 100))
}

# Dense integer keys: the segments' key slots tell which rows one side
# lacks, so target-only rows cost the target their hashes only (no
# segment goes to row level for them), new rows are fetched by key, and
# changed rows are found by their slots' hints.
test_checksum_target_only_rows_cost_their_keys() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_bitmaps
	target_only_fill wide 20000
	# the copy diff would read 1.4 MB from the target, a row-level pass
	# over every segment 0.4 MB; aggregates and 2000 hashes are ~60 kB
	local got; got=$(stat 'j["statistics"]["tables"][0]["bytes_from_target"]')
	[ "$got" -lt 150000 ] || fail "target-only rows cost $got bytes from the target"
	target_only_changes wide 20000 120 28 17952
}

# A changed row keeps its slot's hint 1 time in 2^bits - 1 (4 bits for
# dense keys, 2 when half the keys are missing): 1200 changes, two per
# segment, make that certain (a miss of every one: about 10^-36), and
# every change must still be found, by the lookups' check or row level.
test_checksum_slot_hints_never_hide_a_change() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_hints
	local step
	for step in 1 2; do
		both_q "DROP TABLE IF EXISTS h; CREATE TABLE h (id int PRIMARY KEY, v int, w text)"
		src_q "INSERT INTO h SELECT g * $step, g, 'w' FROM generate_series(1, 20000) g; ANALYZE h"
		dst_q "INSERT INTO h VALUES ($step, 1, 'w')"
		sync_ok; method_is checksum; expect_counts 19999 0 1
		src_q "UPDATE h SET v = v + 1 WHERE id / $step % 16 IN (3, 11) AND id <= 600 * 16 * $step;
		       UPDATE h SET w = 'x' WHERE id / $step % 16 = 7 AND id > 600 * 16 * $step"
		sync_ok; method_is checksum; expect_counts 0 $((1200 + (20000 - 9600) / 16)) $((20000 - 1200 - 650))
		same_rows h
	done
}

test_checksum_int_source_bigint_target() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_intbig
	# columns too: smallint into integer hashes as int4 on both sides,
	# integer into bigint as int8 on both
	src_q "CREATE TABLE k (id int PRIMARY KEY, v text, a smallint, b int)"
	dst_q "CREATE TABLE k (id bigint PRIMARY KEY, v text, a int, b bigint)"
	src_q "INSERT INTO k SELECT g, 'v' || g, g % 300, g * 4000000 FROM generate_series(-500, 500) g"
	dst_q "INSERT INTO k VALUES (0, 'zero', 0, 0), (5000000000, 'target only', 1, 1)"
	sync_ok; method_is checksum; expect_counts 1000 1 0
	sync_ok; expect_counts 0 0 1001
	# counted only when no row was fetched: equal rows hashed alike
	assert_json "$OUT" 'j["statistics"]["tables"][0]["target_only_rows"]' 1 "equal rows hashed apart"
	src_q "UPDATE k SET v = 'x' WHERE id IN (-500, 17, 500);
	       UPDATE k SET a = -a WHERE id IN (-299, 299); UPDATE k SET b = -b WHERE id = 250"
	sync_ok; expect_counts 0 6 995
	assert_eq "target only" "$(dst_q "SELECT v FROM k WHERE id = 5000000000")"
	assert_eq "-299|-1000000000" "$(dst_q "SELECT (SELECT a FROM k WHERE id = 299), b FROM k WHERE id = 250")"
}

test_checksum_sparse_int_keys() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_sparse
	both_q "CREATE TABLE s (id bigint PRIMARY KEY, v int)"
	src_q "INSERT INTO s SELECT g * 1000003, g FROM generate_series(1, 2000) g;
	       INSERT INTO s VALUES (-9223372036854775808, 0), (9223372036854775807, 0)"
	dst_q "INSERT INTO s VALUES (1000003, 0)"
	sync_ok; method_is checksum; expect_counts 2001 1 0
	sync_ok; expect_counts 0 0 2002
	src_q "UPDATE s SET v = -1 WHERE id IN (-9223372036854775808, 9223372036854775807, 1000003 * 999)"
	sync_ok; expect_counts 0 3 1999
	same_rows s
}

# Dense integer keys at both ends of bigint and below zero: value ranges
# of a power-of-two width from a multiple of it (or hashed segments where
# they would pass the end), a change at each end of each table found.
test_checksum_int_keys_at_the_ends() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_ends
	both_q "CREATE TABLE lo (id bigint PRIMARY KEY, v int);
	        CREATE TABLE neg (id int PRIMARY KEY, v int);
	        CREATE TABLE hi (id bigint PRIMARY KEY, v int)"
	both_q "INSERT INTO lo SELECT -9223372036854775808 + g, g FROM generate_series(0, 999) g;
	        INSERT INTO neg SELECT g, g FROM generate_series(-1003, -3) g;
	        INSERT INTO hi SELECT 9223372036854775807 - g, g FROM generate_series(0, 999) g"
	sync_ok; method_is checksum; expect_counts 0 0 3001
	src_q "UPDATE lo SET v = -1 WHERE id IN (-9223372036854775808, -9223372036854774809);
	       UPDATE neg SET v = 1 WHERE id IN (-1003, -17, -16, -3);
	       UPDATE hi SET v = -1 WHERE id IN (9223372036854775807, 9223372036854774808)"
	sync_ok; expect_counts 0 8 2993
	same_rows lo; same_rows neg; same_rows hi
}

test_checksum_text_key_mixed_case() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_text
	both_q "CREATE TABLE codes (code text COLLATE \"C\" PRIMARY KEY, v int)"
	src_q "INSERT INTO codes SELECT c, g FROM generate_series(1, 2000) g,
	       LATERAL (VALUES ('key' || g), ('KEY' || g), ('Key' || g)) x(c)"
	dst_q "INSERT INTO codes VALUES ('kEY1', -1), ('key1', 0)"
	sync_ok; method_is checksum; expect_counts 5999 1 0
	sync_ok; expect_counts 0 0 6000
	src_q "UPDATE codes SET v = -v WHERE code IN ('KEY77', 'key1999', 'Key1')"
	sync_ok; expect_counts 0 3 5997
	assert_eq -1 "$(dst_q "SELECT v FROM codes WHERE code = 'kEY1'")" "a target-only key changed"
	assert_eq "$(src_q "SELECT md5(string_agg(c::text, ',' ORDER BY code)) FROM codes c")" \
		"$(dst_q "SELECT md5(string_agg(c::text, ',' ORDER BY code)) FROM codes c WHERE code <> 'kEY1'")"
}

test_checksum_uuid_key_and_case_insensitive_text() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_uuid
	both_q "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
	        CREATE TABLE u (id uuid PRIMARY KEY, name text COLLATE ci)"
	src_q "INSERT INTO u SELECT md5(g::text)::uuid, 'name' || g FROM generate_series(1, 3000) g"
	dst_q "INSERT INTO u VALUES (md5('1')::uuid, 'x')"
	sync_ok; method_is checksum; expect_counts 2999 1 0
	sync_ok; expect_counts 0 0 3000
	# equal under the column's collation, yet another value: a change
	src_q "UPDATE u SET name = upper(name) WHERE id = md5('1234')::uuid"
	sync_ok; expect_counts 0 1 2999
	assert_eq NAME1234 "$(dst_q "SELECT name FROM u WHERE id = md5('1234')::uuid")"
}

test_checksum_types_without_hash_support() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_nohash
	both_q "CREATE TABLE odd (id int PRIMARY KEY, j json, p point, x xml, jb jsonb)"
	src_q "INSERT INTO odd SELECT g, '{\"a\": 1}', point(g, 0.5), '<a>1</a>', '{\"n\": 1.0}' FROM generate_series(1, 400) g"
	dst_q "INSERT INTO odd VALUES (1, '{}', '(0,0)', '<b/>', '{}')"
	sync_ok; method_is checksum; expect_counts 399 1 0
	local v
	v=$(versions odd)
	sync_ok; expect_counts 0 0 400
	assert_eq "$v" "$(versions odd)" "a no-change re-sync rewrote rows"
	# json spacing, a point, xml text, 1.0 vs 1.00 inside jsonb: all changes
	src_q "UPDATE odd SET j = '{\"a\":1}' WHERE id = 10; UPDATE odd SET p = point(-0.0, 0.5) WHERE id = 20;
	       UPDATE odd SET x = '<a>1</a> ' WHERE id = 30; UPDATE odd SET jb = '{\"n\": 1.00}' WHERE id = 40"
	sync_ok; method_is checksum; expect_counts 0 4 396
	same_rows odd
}

test_checksum_off_reads_every_row() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_ck_off
	both_q "CREATE TABLE t (id int PRIMARY KEY, v text)"
	src_q "INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g"
	dst_q "INSERT INTO t VALUES (1, 'y')"
	sync_ok; method_is copy_diff; expect_counts 19999 1 0  # auto: a backlog streams
	sync_ok; method_is checksum; expect_counts 0 0 20000
	local ck_src ck_tgt
	ck_src=$(stat 'j["statistics"]["bytes_from_source"]')
	ck_tgt=$(stat 'j["statistics"]["tables"][0]["bytes_from_target"]')
	# the cost of the run: bytes per server, CPU and peak memory, also in
	# the "Sync completed" log line
	assert_json "$OUT" 'all(j["statistics"][k] >= 0 for k in ("peak_rss_kb", "cpu_user_ms", "cpu_sys_ms"))' true
	assert_contains "$ERR" '"bytes_from_source"'
	assert_contains "$ERR" '"peak_rss_kb"'
	SYNC_CHECKSUM=off sync_ok; method_is copy_diff; expect_counts 0 0 20000
	local cd_src
	cd_src=$(stat 'j["statistics"]["bytes_from_source"]')
	[ "$ck_src" -gt 0 ] && [ "$ck_tgt" -gt 0 ] || fail "no bytes counted: $ck_src $ck_tgt"
	# 20000 rows of ~210 bytes: the copy diff reads 4 MB from each side,
	# the checksum about 16 bytes per 16 rows
	[ $((ck_src * 20)) -lt "$cd_src" ] || fail "checksum read $ck_src bytes, copy diff $cd_src"
	SYNC_CHECKSUM=maybe run_sync
	assert_eq 2 "$RC" "a bad SYNC_CHECKSUM is a configuration error: $OUT $ERR"
	assert_contains "$OUT$ERR" "SYNC_CHECKSUM must be auto, on or off"
}

test_checksum_output_settings_fixed_per_session() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_settings
	both_q "CREATE TABLE b (id int PRIMARY KEY, v bytea, m money, ts timestamptz, iv interval)"
	src_q "INSERT INTO b SELECT g, decode(md5(g::text), 'hex'), g, '2024-01-01'::timestamptz + g * interval '1 hour', g * interval '1 minute' FROM generate_series(1, 3000) g"
	dst_q "INSERT INTO b VALUES (1, '\\x00', 0, now(), '1 day')"
	q "$SRC_DB" "ALTER DATABASE $SRC_DB SET bytea_output = 'escape'"
	q "$SRC_DB" "ALTER DATABASE $SRC_DB SET DateStyle = 'SQL, DMY'"
	q "$SRC_DB" "ALTER DATABASE $SRC_DB SET IntervalStyle = 'sql_standard'"
	q "$SRC_DB" "ALTER DATABASE $SRC_DB SET TimeZone = 'Asia/Tokyo'"
	q "$SRC_DB" "ALTER DATABASE $SRC_DB SET lc_monetary = 'C.UTF-8'"
	sync_ok; method_is checksum; expect_counts 2999 1 0
	sync_ok; expect_counts 0 0 3000
	assert_json "$OUT" 'j["statistics"]["tables"][0]["copy_ms"]' 0 "rows staged though none changed"
}

test_checksum_null_key_on_source_fails() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_nullkey
	src_q "CREATE TABLE n (id int, v text)"   # no key on the source
	dst_q "CREATE TABLE n (id int PRIMARY KEY, v text)"
	src_q "INSERT INTO n SELECT g, 'v' FROM generate_series(1, 100) g; INSERT INTO n VALUES (NULL, 'lost')"
	dst_q "INSERT INTO n VALUES (1, 'old')"
	run_sync
	assert_eq 1 "$RC" "a NULL key must fail the run: $OUT"
	assert_contains "$OUT" "is NULL"
	assert_eq old "$(dst_q "SELECT v FROM n WHERE id = 1")" "something was applied"
}

# The method follows the planner's estimates: a target known to hold under
# half the source's rows (a backlog) streams both sides instead (most
# segments would differ and every row be fetched again by key); a target
# that holds them all, or whose estimate is unknown, compares checksums.
test_checksum_chosen_by_the_table_sizes() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_ck_sizes
	# autovacuum must not analyze it first (it did, on a loaded machine)
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false)"
	# never analyzed: the planner knows no row counts, the files' sizes tell
	src_q "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 2000) g"
	dst_q "INSERT INTO items VALUES (1, 'old')"
	assert_eq "-1 -1" "$(src_q "SELECT reltuples FROM pg_class WHERE relname = 'items'") $(dst_q "SELECT reltuples FROM pg_class WHERE relname = 'items'")"
	sync_ok; method_is copy_diff; expect_counts 1999 1 0
	src_q "UPDATE items SET v = 'new' WHERE id = 7"
	sync_ok; method_is checksum; expect_counts 0 1 1999
	same_rows items
}

# Arrays of text and of integers are hashed element by element, not by
# their text form: every way two arrays' text can differ is still a
# change (lower bound, dimensions, NULL element against empty string,
# empty against NULL, case), and equal arrays are left alone.
# numeric(p,s) hashes by value, and numeric's own hash drops the sign and
# hashes NaN as its seed: a sign flipped, zero to NaN and back, and two
# rows whose values swap signs are all changes.
test_checksum_scaled_numeric_sign_and_nan() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_sign
	both_q "CREATE TABLE s (id int PRIMARY KEY, p numeric(12,2), q numeric(5,0))"
	both_q "INSERT INTO s SELECT g, g - 150.25, g FROM generate_series(1, 300) g;
	        UPDATE s SET p = 0, q = 'NaN' WHERE id = 30; UPDATE s SET p = 'NaN' WHERE id = 31"
	sync_ok; method_is checksum; expect_counts 0 0 300
	src_q "UPDATE s SET p = -p WHERE id IN (10, 290);
	       UPDATE s SET q = -q WHERE id = 11;
	       UPDATE s SET p = 'NaN' WHERE id = 30;
	       UPDATE s SET p = 0 WHERE id = 31;
	       UPDATE s SET q = 0 WHERE id = 30;
	       UPDATE s SET p = -p, q = -q WHERE id IN (40, 260)"
	sync_ok; method_is checksum; expect_counts 0 7 293
	assert_eq -139.75 "$(dst_q "SELECT p FROM s WHERE id = 290")"
	same_rows s
	sync_ok; expect_counts 0 0 300
}

test_checksum_arrays_by_elements() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_arrays
	both_q "CREATE TABLE a (id int PRIMARY KEY, t text[], v varchar(9)[], n int[])"
	src_q "INSERT INTO a SELECT g, ARRAY['x' || g, 'y'], ARRAY['v'], ARRAY[g, g] FROM generate_series(1, 400) g"
	dst_q "INSERT INTO a SELECT g, ARRAY['x' || g, 'y'], ARRAY['v'], ARRAY[g, g] FROM generate_series(1, 400) g"
	sync_ok; method_is checksum; expect_counts 0 0 400
	src_q "UPDATE a SET t = '[0:1]={x10,y}' WHERE id = 10;
	       UPDATE a SET t = '{{x20,y},{p,q}}' WHERE id = 20;
	       UPDATE a SET t = '{NULL}' WHERE id = 30;
	       UPDATE a SET t = '{}' WHERE id = 40;
	       UPDATE a SET v = '{V}' WHERE id = 50;
	       UPDATE a SET n = '{{60},{60}}' WHERE id = 60"
	dst_q "UPDATE a SET t = '{x20,y,p,q}' WHERE id = 20;
	       UPDATE a SET t = '{\"\"}' WHERE id = 30;
	       UPDATE a SET t = NULL WHERE id = 40"
	sync_ok; method_is checksum; expect_counts 0 6 394
	same_rows a
	sync_ok; expect_counts 0 0 400
}

# Timestamps between 1700 and 2200 hash by their epoch as a float8, the
# rest by their send form: a change of one microsecond shows at either
# end of that range, across it, around 1970 and far outside it, and
# infinity is not -infinity.
test_checksum_timestamps_to_the_microsecond() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_micro
	both_q "CREATE TABLE m (id int PRIMARY KEY, a timestamptz, b timestamp)"
	both_q "INSERT INTO m SELECT g, t::timestamptz, t::timestamp FROM unnest(ARRAY[
	          '1700-01-01 00:00:00+00', '2199-12-31 23:59:59.999998+00',
	          '1699-12-31 23:59:59.999999+00', '1969-12-31 23:59:59.999999+00',
	          '1970-01-01 00:00:00+00', '2024-06-01 12:00:00.5+00',
	          '1200-01-01 00:00:00+00', '9999-12-31 23:59:59.999998+00']) WITH ORDINALITY u(t, g);
	        INSERT INTO m VALUES (9, 'infinity', 'infinity'), (10, '-infinity', '-infinity');
	        INSERT INTO m SELECT g, t, t::timestamp FROM generate_series(11, 300) g,
	          LATERAL (SELECT '2025-03-04 05:06:07.123456+00'::timestamptz + g * interval '1 s' AS t) x"
	sync_ok; method_is checksum; expect_counts 0 0 300
	src_q "UPDATE m SET a = a + interval '1 microsecond' WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8);
	       UPDATE m SET b = b - interval '1 microsecond' WHERE id IN (1, 5, 7, 8);
	       UPDATE m SET b = b + interval '1 microsecond' WHERE id IN (2, 3, 4, 6);
	       UPDATE m SET a = '-infinity', b = '-infinity' WHERE id = 9;
	       UPDATE m SET a = 'infinity' WHERE id = 10"
	sync_ok; method_is checksum; expect_counts 0 10 290
	same_rows m
	sync_ok; expect_counts 0 0 300
}

# bigint's and timestamp's own hashes fold 64 bits into 32 (high XOR low
# half), so 0 and 4294967297 hash alike: a change between two such values,
# in a column or in timestamps, and two rows of equal values whose keys
# fold alike (they fall in the same hashed segment) changed alike.
test_checksum_hashes_keep_64_bits() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_fold
	both_q "CREATE TABLE f (id bigint PRIMARY KEY, b bigint, ts timestamptz, t timestamp, a int8[])"
	both_q "INSERT INTO f SELECT g, 0, '2000-01-01 00:00:00+00', '2000-01-01', ARRAY[0::int8]
	        FROM generate_series(1, 300) g"
	# keys 2^40 + k and 2^40 + k XOR (2^32 + 1) * 7: sparse, folding alike
	both_q "INSERT INTO f SELECT (1::int8 << 40) + k, 5, NULL, NULL, NULL FROM generate_series(0, 63) k;
	        INSERT INTO f SELECT ((1::int8 << 40) + k) # (7 * ((1::int8 << 32) + 1)), 5, NULL, NULL, NULL
	        FROM generate_series(0, 63) k"
	sync_ok; method_is checksum; expect_counts 0 0 428
	# 4294967297 us = 2^32 + 1 after 2000-01-01: the same fold as 0
	src_q "UPDATE f SET b = 4294967297 WHERE id = 7;
	       UPDATE f SET ts = ts + interval '4294967297 microseconds' WHERE id = 8;
	       UPDATE f SET t = t + interval '4294967297 microseconds' WHERE id = 9;
	       UPDATE f SET a = ARRAY[4294967297] WHERE id = 10;
	       UPDATE f SET b = 6 WHERE id IN ((1::int8 << 40) + 3, ((1::int8 << 40) + 3) # (7 * ((1::int8 << 32) + 1)))"
	sync_ok; method_is checksum; expect_counts 0 6 422
	same_rows f
	sync_ok; expect_counts 0 0 428
}

# Columns' hashes are XORed before the key's hash: no change may cancel
# another, neither two booleans flipped together, nor two columns'
# values swapped, nor one column's values swapped between two rows.
test_checksum_columns_never_cancel() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_cancel
	both_q "CREATE TABLE c (id int PRIMARY KEY, b1 bool, b2 bool, x int, y bigint)"
	both_q "INSERT INTO c SELECT g, true, true, g, g * 2 FROM generate_series(1, 100) g"
	sync_ok; method_is checksum; expect_counts 0 0 100
	src_q "UPDATE c SET b1 = false, b2 = false WHERE id = 5;
	       UPDATE c SET x = 12, y = 6 WHERE id = 6;
	       UPDATE c SET x = 15 - x WHERE id IN (7, 8)"
	sync_ok; method_is checksum; expect_counts 0 4 96
	same_rows c
}

# More segments differ only by target-only rows than one round of lookups
# takes (4096 segments): the lookups go in rounds of bounded memory, and
# what each round leaves to row level or to fetch adds up.
test_checksum_target_only_rows_in_rounds() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_rounds
	target_only_fill r 100000
	target_only_changes r 100000 200 142 89758
}

# segs_are WHOLE SEGMENTS DIFFERING: what the last sync compared: the
# whole tables first (true/false), segments ("1": the whole table, which
# matched; "many"), how many differed ("some": at least one)
segs_are() {
	local w n d
	w=$(stat 'j["statistics"]["tables"][0]["compared_whole"]')
	n=$(stat 'j["statistics"]["tables"][0]["segments"]')
	d=$(stat 'j["statistics"]["tables"][0]["segments_differing"]')
	assert_eq "$1" "$w" "compared whole first"
	if [ "$2" = 1 ]; then assert_eq 1 "$n" "segments compared"
	else [ "$n" -gt 1 ] || fail "segments compared: $n, expected many"; fi
	case $3 in
	some) [ "$d" -gt 0 ] || fail "segments differing: $d, expected some" ;;
	*) assert_eq "$3" "$d" "segments differing" ;;
	esac
}

# writes_of SIDE: the rows of items written on SIDE (src/dst), as its
# statistics count them
writes_of() {
	"${1}_q" "SELECT pg_stat_clear_snapshot(); SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relname = 'items'"
}
# counted SIDE SQL: runs SQL on SIDE and waits until its statistics count
# the writes (a backend reports them as it ends, after its client)
counted() {
	local before i
	before=$(writes_of "$1")
	"${1}_q" "$2"
	for ((i = 0; i < 50; i++)); do
		[ "$(writes_of "$1")" -gt "$before" ] && return 0
		sleep 0.1
	done
	fail "$1's statistics never counted: $2"
}
# ck_sync: a sync, then until the target's statistics count its writes,
# so that the next sync's reading of them is the same on every run
ck_sync() {
	sync_ok
	local want i
	want=$(( $(stat 'j["statistics"]["tables"][0]["target_writes"]') + $(stat 'j["statistics"]["inserted"]') + $(stat 'j["statistics"]["updated"]') ))
	for ((i = 0; i < 50; i++)); do
		[ "$(writes_of dst)" -ge "$want" ] && return 0
		sleep 0.1
	done
	fail "the target's statistics never counted the sync's writes"
}

# A table the last run found alike, that neither server has counted a
# write to since, is compared whole first (one count and one hash per
# side). A change the statistics did not count (track_counts off), on
# either side, still sends it through the segments; a counted one goes
# there at once; only a run that found no segment differing lets the next
# one start whole again.
test_checksum_quiet_table_compared_whole() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_quiet
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text)"
	counted src "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 2000) g; ANALYZE items"
	counted dst "INSERT INTO items VALUES (1, 'old')"
	ck_sync; method_is checksum; expect_counts 1999 1 0; segs_are false many some
	ck_sync; expect_counts 0 0 2000; segs_are false many 0
	local v; v=$(versions items)
	ck_sync; expect_counts 0 0 2000; segs_are true 1 0
	assert_eq "$v" "$(versions items)" "a whole-table match rewrote rows"
	# uncounted changes: one in the middle of the source, then the
	# target's own (an edited row, a lost row)
	src_q "SET track_counts = off; UPDATE items SET v = 'changed' WHERE id = 1000"
	ck_sync; expect_counts 0 1 1999; segs_are true many some
	ck_sync; segs_are false many 0
	ck_sync; segs_are true 1 0
	dst_q "SET track_counts = off; UPDATE items SET v = 'prod edit' WHERE id = 7"
	ck_sync; expect_counts 0 1 1999; segs_are true many some
	ck_sync; segs_are false many 0
	ck_sync; segs_are true 1 0
	dst_q "SET track_counts = off; DELETE FROM items WHERE id = 1500"
	ck_sync; expect_counts 1 0 1999; segs_are true many some
	same_rows items
	# counted changes skip the whole-table pass
	ck_sync; segs_are false many 0
	ck_sync; segs_are true 1 0
	counted src "UPDATE items SET v = 'counted' WHERE id = 1001"
	ck_sync; expect_counts 0 1 1999; segs_are false many some
	# a target-only row the statistics missed: the segments find it,
	# count it, and the next runs take it out of the target's whole hash
	ck_sync; segs_are false many 0
	dst_q "SET track_counts = off; INSERT INTO items VALUES (5000, 'prod')"
	ck_sync; expect_counts 0 0 2000; segs_are true many some; target_only_is 1
	ck_sync; expect_counts 0 0 2000; segs_are true 1 0; target_only_is 1
	assert_eq prod "$(dst_q "SELECT v FROM items WHERE id = 5000")"
}

# A table copied whole into an empty target is alike after that run: the
# next one compares the whole tables first (the target's write count
# moved on by the rows copied), and that comparison, not the counts,
# decides: a change the counts missed is still found.
test_checksum_copied_table_compared_whole_next() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_copied
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text)"
	counted src "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 2000) g; ANALYZE items"
	ck_sync; method_is copy_direct; expect_counts 2000 0 0
	local v; v=$(versions items)
	ck_sync; method_is checksum; expect_counts 0 0 2000; segs_are true 1 0
	assert_eq "$v" "$(versions items)" "a whole-table match rewrote rows"
	src_q "SET track_counts = off; UPDATE items SET v = 'changed' WHERE id = 1000"
	ck_sync; expect_counts 0 1 1999; segs_are true many some
	same_rows items
	# without the checksum a copy leaves no hint
	dst_q "TRUNCATE items"
	SYNC_CHECKSUM=off sync_ok; method_is copy_direct
	assert_eq false "$(stat '"target_writes" in j["statistics"]["tables"][0]')"
}

# target_only_is N: the last sync counted N target-only rows (and so
# may compare the table whole next time)
target_only_is() {
	assert_eq "$1" "$(stat 'j["statistics"]["tables"][0].get("target_only_rows")')" "target-only rows"
}

# The target's own rows (keys the source lacks: prod's) do not keep an
# unchanged table off the whole-table comparison: the run that settles
# every segment counts them and the XOR of their hashes (in segments the
# source has no row in, and by the lookups of the slots' keys), and the
# next one takes them out of the target's whole count and hash. Any
# other change, on either side, even one the statistics miss, still
# shows; a run that fetched rows records no count.
test_checksum_target_only_rows_compared_whole() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_quiet_to
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text)"
	counted src "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 2000) g WHERE g % 7 <> 0; ANALYZE items"
	counted dst "INSERT INTO items SELECT g, 'v' || g FROM generate_series(-40, 2100) g"
	ck_sync; method_is checksum; expect_counts 0 0 1715; segs_are false many some
	target_only_is 426
	# their hash stays in the run log, out of the answer and the log line
	assert_eq null "$(stat 'j["statistics"]["tables"][0].get("target_only_hash")')" "target-only hash in the answer"
	assert_eq 16 "$(dst_q "SELECT length(statistics->'tables'->0->>'target_only_hash') FROM syncfn.runs ORDER BY id DESC LIMIT 1")" "target-only hash in the run log"
	case $ERR in *target_only_hash*) fail "target-only hash in the log: $ERR" ;; esac
	case $ERR in *target_only_rows*) ;; *) fail "the log line lacks the statistics: $ERR" ;; esac
	ck_sync; expect_counts 0 0 1715; segs_are true 1 0; target_only_is 426
	local v; v=$(versions items)
	ck_sync; expect_counts 0 0 1715; segs_are true 1 0; target_only_is 426
	assert_eq "$v" "$(versions items)" "a whole-table match rewrote rows"
	# uncounted: a source change; a target-only row edited, one deleted
	src_q "SET track_counts = off; UPDATE items SET v = 'changed' WHERE id = 1000"
	ck_sync; expect_counts 0 1 1714; segs_are true many some; target_only_is null
	ck_sync; segs_are false many some; target_only_is 426
	ck_sync; segs_are true 1 0
	dst_q "SET track_counts = off; UPDATE items SET v = 'prod' WHERE id = 14; DELETE FROM items WHERE id = 2050"
	ck_sync; expect_counts 0 0 1715; segs_are true many some; target_only_is 425
	ck_sync; segs_are true 1 0; target_only_is 425
	# uncounted edit of a row both sides hold, on the target
	dst_q "SET track_counts = off; UPDATE items SET v = 'prod edit' WHERE id = 8"
	ck_sync; expect_counts 0 1 1714; segs_are true many some
	assert_eq v8 "$(dst_q "SELECT v FROM items WHERE id = 8")"
	assert_eq prod "$(dst_q "SELECT v FROM items WHERE id = 14")"
}

# The same at row level: keys too sparse for slots, with so many
# target-only rows that every row of both sides is compared (the
# target's rows past the source's last key arrive in groups of segments
# the source sends nothing for), and text keys whose few differing
# segments go to row level one by one.
test_checksum_target_only_rows_counted_at_row_level() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_quiet_rl
	both_q "CREATE TABLE items (id bigint PRIMARY KEY, v text)"
	counted src "INSERT INTO items SELECT g, 'v' || g FROM generate_series(10, 100000, 10) g; ANALYZE items"
	counted dst "INSERT INTO items SELECT g, 'v' || g FROM generate_series(10, 100000, 10) g;
	             INSERT INTO items SELECT g, 'p' || g FROM generate_series(15, 100000, 10) g;
	             INSERT INTO items SELECT g, 'p' || g FROM generate_series(100010, 200000, 10) g"
	ck_sync; expect_counts 0 0 10000; segs_are false many some; target_only_is 19999
	ck_sync; expect_counts 0 0 10000; segs_are true 1 0; target_only_is 19999
	src_q "SET track_counts = off; UPDATE items SET v = 'changed' WHERE id = 500"
	ck_sync; expect_counts 0 1 9999; segs_are true many some
	assert_eq changed "$(dst_q "SELECT v FROM items WHERE id = 500")"

	ck_mode sync_ck_quiet_rlt
	both_q "CREATE TABLE items (id text PRIMARY KEY, v int)"
	counted src "INSERT INTO items SELECT 'k' || g, g FROM generate_series(1, 1000) g; ANALYZE items"
	counted dst "INSERT INTO items SELECT 'k' || g, g FROM generate_series(1, 1000) g;
	             INSERT INTO items VALUES ('prod1', 1), ('Prod2', 2), ('k1000x', 3)"
	ck_sync; expect_counts 0 0 1000; segs_are false many some; target_only_is 3
	ck_sync; expect_counts 0 0 1000; segs_are true 1 0; target_only_is 3
	dst_q "SET track_counts = off; UPDATE items SET v = 4 WHERE id = 'Prod2'"
	ck_sync; expect_counts 0 0 1000; segs_are true many some; target_only_is 3
	ck_sync; segs_are true 1 0
	src_q "SET track_counts = off; UPDATE items SET v = -1 WHERE id = 'k77'"
	ck_sync; expect_counts 0 1 999; segs_are true many some
}

# The hint comes from the run log's last statistics, which anyone with
# access to the target can rewrite: no shape of it fails a run or hides
# a change, not even one that claims the table is quiet with the very
# write counts the servers have, or with target-only rows it made up.
test_checksum_quiet_hint_from_any_run_log() {
	source "$ROOT/tests/lib/sync.sh"
	ck_mode sync_ck_quiet_log
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text)"
	counted src "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 500) g; ANALYZE items"
	counted dst "INSERT INTO items VALUES (1, 'v1')"
	ck_sync; expect_counts 499 0 1
	ck_sync; expect_counts 0 0 500
	local sw stats id whole
	sw=$(stat 'j["statistics"]["tables"][0]["source_writes"]')
	local quiet='"table": "public.items", "method": "checksum", "segments": 40, "segments_differing": 0'
	local copied='"table": "public.items", "method": "copy_direct", "source_rows": 500'
	for id in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		# the target's count now: with the source's, what a true hint holds
		local tw; tw=$(writes_of dst)
		case $id in
		1) stats='null' ;; 2) stats='5' ;; 3) stats='"x"' ;; 4) stats='[1, 2]' ;;
		5) stats='{"tables": 5}' ;; 6) stats='{"tables": {"table": 1}}' ;;
		7) stats='{"tables": [1, "x", null, [], {"table": 7}]}' ;;
		8) stats="{\"tables\": [{$quiet, \"source_writes\": \"x$sw\", \"target_writes\": $tw}]}" ;;
		9) stats="{\"tables\": [{$quiet, \"source_writes\": -1, \"target_writes\": -1}]}" ;;
		10) stats="{\"tables\": [{$quiet, \"source_writes\": $sw, \"target_writes\": $tw}]}" ;;
		11|12|13) local to
			case $id in
			11) to='"target_only_rows": -1, "target_only_hash": "0000000000000000"' ;;
			12) to='"target_only_rows": 0, "target_only_hash": "zz"' ;;
			13) to='"target_only_rows": 0, "target_only_hash": "00000000000000ff"' ;;
			esac
			stats="{\"tables\": [{$quiet, \"source_writes\": $sw, \"target_writes\": $tw, $to}]}" ;;
		# a copy into an empty target: its rows inserted add to the target's count
		14) stats="{\"tables\": [{$copied, \"inserted\": \"x\", \"source_writes\": $sw, \"target_writes\": $tw}]}" ;;
		15) stats="{\"tables\": [{$copied, \"inserted\": 1, \"source_writes\": $sw, \"target_writes\": $((tw - 1))}]}" ;;
		16) stats="{\"tables\": [{$copied, \"inserted\": 0, \"source_writes\": $sw, \"target_writes\": 99999999999999999999}]}" ;;
		esac
		dst_q "UPDATE syncfn.runs SET statistics = '$stats'::jsonb
		       WHERE id = (SELECT max(id) FROM syncfn.runs WHERE status = 'ok')"
		src_q "SET track_counts = off; UPDATE items SET v = v || '+' WHERE id = $(( (id * 37 - 1) % 500 + 1 ))"
		ck_sync; method_is checksum; expect_counts 0 1 499
		whole=$(stat 'j["statistics"]["tables"][0]["compared_whole"]')
		assert_eq "$(case $id in 10|13|15) echo true ;; *) echo false ;; esac)" "$whole" "compared whole with run log $stats"
	done
	same_rows items
}

# A table analyzed while small and grown since: segments sized for the rows
# it has now, not for the 10 its statistics say (one segment made each
# server send every row's key and hash at once).
test_segments_sized_for_the_rows_there_are() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_ck_stale; export SYNC_CHECKSUM=on
	both_q "CREATE TABLE big (id bigint PRIMARY KEY, v text);
		ALTER TABLE big SET (autovacuum_enabled = false)"
	both_q "INSERT INTO big SELECT g, 'v' FROM generate_series(1, 10) g; ANALYZE big"
	both_q "INSERT INTO big SELECT g, 'v' || g FROM generate_series(11, 40000) g"
	src_q "UPDATE big SET v = 'changed' WHERE id = 20000"
	src_q "CREATE TABLE parted (id bigint PRIMARY KEY, v text) PARTITION BY RANGE (id);
		CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (1) TO (20001);
		CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (20001) TO (50000);
		INSERT INTO parted SELECT g, 'v' FROM generate_series(1, 10) g; ANALYZE parted;
		INSERT INTO parted SELECT g, 'v' || g FROM generate_series(11, 40000) g"
	dst_q "CREATE TABLE parted (id bigint PRIMARY KEY, v text);
		INSERT INTO parted SELECT g, 'v' FROM generate_series(1, 1) g"
	sync_ok
	local segs
	segs=$(json_value "$OUT" '[t["segments"] for t in j["statistics"]["tables"] if t["table"] == "public.big"][0]')
	[ "$segs" -ge 1000 ] || fail "40,000 rows in $segs segments"
	segs=$(json_value "$OUT" '[t["segments"] for t in j["statistics"]["tables"] if t["table"] == "public.parted"][0]')
	[ "$segs" -ge 1000 ] || fail "a partitioned table of 40,000 rows in $segs segments"
	assert_eq changed "$(dst_q "SELECT v FROM big WHERE id = 20000")"
}

# A LATIN1 source and a UTF8 target: equal texts hash alike (their UTF-8
# bytes), so a re-sync fetches nothing, and a change is still found.
test_encodings_hash_alike() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_ck_enc; export SYNC_CHECKSUM=on PGCLIENTENCODING=UTF8
	dropdb "$SRC_DB" && createdb -E LATIN1 --locale=C -T template0 "$SRC_DB" \
		|| fail "a LATIN1 database"
	both_q "CREATE TABLE enc (id text PRIMARY KEY, v text, a text[])"
	src_q "INSERT INTO enc SELECT 'caf' || chr(233) || g, 'cr' || chr(232) || 'me ' || g,
		ARRAY['na' || chr(239) || 've'] FROM generate_series(1, 300) g"
	dst_q "INSERT INTO enc VALUES ('caf' || chr(233) || '1', 'old', '{}')"
	sync_ok; same_rows enc
	sync_ok
	assert_json "$OUT" 'j["statistics"]["tables"][0]["segments_differing"]' 0 \
		"equal non-ASCII rows fetched again"
	src_q "UPDATE enc SET v = 'cr' || chr(233) || 'me' WHERE id = 'caf' || chr(233) || '7'"
	sync_ok; expect_counts 0 1 299; same_rows enc
	dst_q "UPDATE enc SET a = ARRAY['na' || chr(239) || 've', 'x'] WHERE id = 'caf' || chr(233) || '9'"
	sync_ok; expect_counts 0 1 299; same_rows enc
}
