# Defects found in review of the sync engine, each pinned by a case: the
# diff with a key whose index order differs from the table's column order,
# SQL run through identifiers (newline + statement in a table or column
# name), and duplicate keys on a source without a unique index.
# timeout: 240
# builds: last

# A key declared (b, a) on a table whose columns are (a, b): the diff reads
# both sides in the index's order; more rows than one target chunk
# (SYNC_DIFF_CHUNK_ROWS, 20000), all with the same b, so a chunk that
# restarted in the wrong order would never move forward.
test_diff_key_in_index_order() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_rev_keyorder
	both_q "CREATE TABLE t (a int, b int, v text, PRIMARY KEY (b, a))"
	src_q "INSERT INTO t SELECT g, 1, 'v' || g FROM generate_series(1, 50000) g"
	sync_ok; expect_counts 50000 0 0
	src_q "UPDATE t SET v = 'changed' WHERE a = 30000;
	       INSERT INTO t VALUES (0, 2, 'new')"
	SYNC_N=$(( ${SYNC_N:-0} + 1 )); RC=0
	timeout 60 "$SYNCFN" sync >"$TEST_TMP/sync.$SYNC_N.out" 2>"$TEST_TMP/sync.$SYNC_N.log" || RC=$?
	OUT=$(cat "$TEST_TMP/sync.$SYNC_N.out")
	assert_eq 0 "$RC" "sync with a (b, a) key: $OUT"
	assert_json "$OUT" 'j["statistics"]["tables"][0]["method"]' copy_diff
	expect_counts 1 1 49999
	same_rows t
	sync_ok; expect_counts 0 0 50001
}

# A name that holds a newline and a statement: quoted, it stays a name.
# The table has a text key (the stage and the full merge) and a serial
# column with a hostile name too (the sequence's statement).
injection_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_rev_inject_$1"
	local tbl=$'"t\n;CREATE TABLE public.pwned();--"'
	local col=$'"n\n;CREATE TABLE public.pwned2();--"'
	both_q "CREATE TABLE $tbl (k text PRIMARY KEY, $col serial, v text)"
	src_q "INSERT INTO $tbl (k, v) SELECT 'k' || g, 'v' || g FROM generate_series(1, 50) g"
	dst_q "INSERT INTO $tbl (k, v) VALUES ('k1', 'old'), ('k0', 'target only')"
	run_sync
	local p
	for db in "$SRC_DB" "$DST_DB"; do
		p=$(q "$db" "SELECT count(*) FROM pg_class WHERE relname IN ('pwned', 'pwned2')")
		assert_eq 0 "$p" "SQL in a name ran on $db ($1; sync exit $RC: $OUT)"
	done
	assert_eq 0 "$RC" "sync of a table with a newline in its name ($1): $OUT $ERR"
	expect_counts 49 1 0
	assert_eq 51 "$(dst_q "SELECT count(*) FROM $tbl")"
	assert_eq 50 "$(dst_q "SELECT count(*) FROM $tbl t JOIN (SELECT 'k' || g AS k, 'v' || g AS v FROM generate_series(1, 50) g) s USING (k, v)")"
}
test_injection_two() { injection_case two; }
test_injection_same() { injection_case same; }

# The same text key twice on a source without a unique index: refused,
# with the table named, and nothing applied (the target keeps its row on
# every run, instead of flipping between the two).
dup_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_rev_dup_$1"
	src_q "CREATE TABLE d (k text, v text)"
	dst_q "CREATE TABLE d (k text PRIMARY KEY, v text)"
	src_q "INSERT INTO d VALUES ('a', '1'), ('a', '2'), ('b', '3')"
	dst_q "INSERT INTO d VALUES ('a', '1')"
	local i
	for i in 1 2; do
		run_sync
		assert_eq 1 "$RC" "duplicate keys, run $i ($1): $OUT"
		assert_contains "$OUT" "the source has more than one row with the same key"
		assert_contains "$OUT" "d: the source"
		assert_eq "a|1" "$(dst_q "SELECT string_agg(k || '|' || v, ',') FROM d")" "target after run $i ($1)"
	done
	# once the source is fixed it syncs (a unique index is not required)
	src_q "DELETE FROM d WHERE v = '2'"
	sync_ok; expect_counts 1 0 1
	same_rows d
}
test_dup_source_two() { dup_case two; }
test_dup_source_same() { dup_case same; }

# The source's own defaults for output formats must not matter: the diff
# compares text, so a source database set to bytea_output = escape would
# otherwise find every bytea row changed, on every run, and stage them all
# (the merge then finds them equal: only the time spent staging shows).
test_output_settings_fixed_per_session() {
	source "$ROOT/tests/lib/sync.sh"
	export SYNC_CHECKSUM=off # the copy diff; sync_checksum.sh has its twin
	sync_mode two sync_rev_settings
	both_q "CREATE TABLE b (id int PRIMARY KEY, v bytea, m money)"
	src_q "INSERT INTO b SELECT g, decode(md5(g::text), 'hex'), g FROM generate_series(1, 30000) g"
	dst_q "INSERT INTO b VALUES (1, '\\x00', 0)"
	q "$SRC_DB" "ALTER DATABASE $SRC_DB SET bytea_output = 'escape'"
	sync_ok; expect_counts 29999 1 0
	assert_json "$OUT" 'j["statistics"]["tables"][0]["method"]' copy_diff
	local sum="SELECT md5(string_agg(id || encode(v, 'hex') || m::numeric, ',' ORDER BY id)) FROM b"
	assert_eq "$(src_q "$sum")" "$(dst_q "$sum")" "bytea/money rows differ"
	sync_ok; expect_counts 0 0 30000
	assert_json "$OUT" 'j["statistics"]["tables"][0]["copy_ms"]' 0 "rows staged though none changed"
}
