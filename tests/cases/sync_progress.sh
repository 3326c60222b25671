# Progress lines: while a table's rows stream (COPY into an empty target or
# into a stage, the streaming comparison) or are checksummed, a
# "Table progress" line every interval (5 s; SYNCFN_TEST_PROGRESS_MS
# shrinks it here) with the table, the phase, the rows so far, the bytes
# received and the time spent.
# timeout: 120
# builds: last

source "$ROOT/tests/lib/sync.sh"

# progress_lines PHASE: the JSON log's progress lines of that phase, one
# "table rows bytes elapsed_ms" line each
progress_lines() {
	printf '%s\n' "$ERR" | python3 -c '
import json, sys
for line in sys.stdin:
    try: j = json.loads(line)
    except ValueError: continue
    if j.get("event") == "Table progress" and j.get("phase") == sys.argv[1]:
        print(j["table"], j["rows"], j["bytes"], j["elapsed_ms"])' "$1"
}

# expect_progress PHASE: at least two lines for public.items, rows and
# bytes growing, no row count past the table's
expect_progress() {
	local lines
	lines=$(progress_lines "$1")
	[ "$(printf '%s\n' "$lines" | grep -c '^public.items ')" -ge 2 ] ||
		fail "fewer than two $1 progress lines: $(printf '%.2000s' "$ERR")"
	printf '%s\n' "$lines" | python3 -c '
import sys
rows = [list(map(int, l.split()[1:])) for l in sys.stdin if l.strip()]
assert all(a[0] <= b[0] and a[1] <= b[1] and a[2] <= b[2] for a, b in zip(rows, rows[1:])), rows
assert rows[-1][0] > 0 and rows[-1][1] > 0, rows' || fail "$1 progress not growing: $lines"
}

items() {
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text)"
	src_q "INSERT INTO items SELECT g, repeat('x', 50) || g FROM generate_series(1, 30000) g; ANALYZE items"
}

test_progress_while_copying_into_an_empty_target() {
	sync_mode two prog_copy
	items
	SYNCFN_TEST_PROGRESS_MS=1 LOG_FORMAT=json sync_ok
	assert_json "$OUT" 'j["statistics"]["tables"][0]["method"]' copy_direct
	expect_progress copy
	[ "$(progress_lines copy | awk 'END { print $2 }')" -le 30000 ] || fail "more rows than the table has"
	same_rows items
}

test_progress_while_comparing() {
	sync_mode two prog_diff
	items
	dst_q "INSERT INTO items SELECT g, 'old' FROM generate_series(1, 20000) g"
	SYNC_CHECKSUM=off SYNCFN_TEST_PROGRESS_MS=1 LOG_FORMAT=json sync_ok
	assert_json "$OUT" 'j["statistics"]["tables"][0]["method"]' copy_diff
	expect_progress compare
	same_rows items
}

test_progress_while_checksumming() {
	sync_mode two prog_ck
	items
	dst_q "INSERT INTO items SELECT g, repeat('x', 50) || g FROM generate_series(1, 29000) g"
	dst_q "UPDATE items SET v = 'changed' WHERE id % 100 = 0"
	SYNC_CHECKSUM=on SYNCFN_TEST_PROGRESS_MS=1 LOG_FORMAT=json sync_ok
	assert_json "$OUT" 'j["statistics"]["tables"][0]["method"]' checksum
	expect_progress checksum
	assert_eq 30000 "$(progress_lines checksum | awk 'END { print $2 }')" "the source's rows hashed, at the end"
	same_rows items
}

# At the default interval a table of a second says nothing more than before.
test_no_progress_lines_on_a_short_table() {
	sync_mode two prog_quiet
	items
	LOG_FORMAT=json sync_ok
	assert_eq "" "$(progress_lines copy)"
}
