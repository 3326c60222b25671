# Incremental rules (SYNC_RULES "incremental"): full runs (first, after a
# rule change, every full_every), partial runs that read only the rows
# at or past the watermark, the watermark kept only by committed runs, and
# never past a transaction still open on the source (late commits).
# timeout: 300
# builds: last

# inc: the last sync's statistics.tables[0].incremental[KEY]
inc() { json_value "$OUT" "j['statistics']['tables'][0]['incremental']['$1']"; }
# wm: the stored watermark of table o
wm() { dst_q "SELECT coalesce(watermark, 'NULL') FROM syncfn.watermarks WHERE table_name LIKE '%.o'"; }
trows() { dst_q "SELECT string_agg(id || ':' || coalesce(note, ''), ' ' ORDER BY id) FROM o"; }

incr_schema() {
	both_q "CREATE TABLE o (id int PRIMARY KEY, note text,
	                        updated_at timestamptz DEFAULT now())"
	src_q "CREATE INDEX ON o (updated_at);
	       INSERT INTO o (id, note) SELECT g, 'n' || g FROM generate_series(1, 5) g"
}

# incr_setup NAME MODE [PATH]: table o of incr_schema in MODE (two,
# same), the databases named after NAME; PATH checksum or streamed sets
# SYNC_CHECKSUM
incr_setup() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$2" "${1}_$2_${3:-x}"
	[ "${3:-}" = checksum ] && export SYNC_CHECKSUM=on
	[ "${3:-}" = streamed ] && export SYNC_CHECKSUM=off
	incr_schema
}

incr_case() {
	incr_setup sync_incr "$@"
	export SYNC_RULES='{"o": {"incremental": {"column": "updated_at", "lookback": "0"}}}'
	# the first run is full
	sync_ok; expect_counts 5 0 0
	assert_eq "true first run" "$(inc full) $(inc reason)"
	local w1; w1=$(wm)
	[ "$w1" != NULL ] || fail "no watermark after a first run: $OUT"
	assert_eq "$w1" "$(inc to)"
	# nothing changed: a partial run reads nothing, writes nothing
	local v; v=$(versions o)
	sync_ok; expect_counts 0 0 0
	assert_eq "false $w1 0" "$(inc full) $(inc from) $(inc rows_read)"
	assert_eq "$v" "$(versions o)" "a no-change incremental run wrote"
	# a stamped change is read and written; one that leaves the column
	# alone, and a row whose column is NULL, wait for a full run
	src_q "UPDATE o SET note = 'changed', updated_at = now() WHERE id = 1;
	       UPDATE o SET note = 'unstamped' WHERE id = 2;
	       INSERT INTO o VALUES (6, 'null stamp', NULL)"
	sync_ok; expect_counts 0 1 0
	assert_eq "false 1" "$(inc full) $(inc rows_read)"
	assert_eq "1:changed 2:n2 3:n3 4:n4 5:n5" "$(trows)"
	# a row stamped exactly at the watermark is read again (>=)
	src_q "INSERT INTO o VALUES (7, 'at the boundary', '$(wm)')"
	sync_ok; expect_counts 1 0 0
	assert_eq "1:changed 2:n2 3:n3 4:n4 5:n5 7:at the boundary" "$(trows)"
	# a dry run reports and keeps the watermark
	src_q "UPDATE o SET note = 'dry', updated_at = now() WHERE id = 3"
	local w2; w2=$(wm)
	sync_ok --dry-run; expect_counts 0 1 0
	assert_eq "$w2" "$(wm)" "a dry run moved the watermark"
	sync_ok; expect_counts 0 1 0
	assert_eq "false $w2" "$(inc full) $(inc from)"
	# a rule change makes the next run full: it sees the unstamped
	# change and the NULL row
	export SYNC_RULES='{"o": {"incremental": {"column": "updated_at", "lookback": "1s"}}}'
	sync_ok; expect_counts 1 1 5
	assert_eq "true rule or columns changed" "$(inc full) $(inc reason)"
	assert_eq "1:changed 2:unstamped 3:dry 4:n4 5:n5 6:null stamp 7:at the boundary" "$(trows)"
	same_rows o
}
test_basic_same() { incr_case same; }
test_basic_two_streamed() { incr_case two streamed; }
test_basic_two_checksum() { incr_case two checksum; }

# A transaction that stamped its row with now() and commits after a run
# read the source: the next run, lookback 0, still picks it, though a
# later-stamped row committed before the run.
late_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_incr_late_$1"
	incr_schema
	export SYNC_RULES='{"o": {"incremental": {"column": "updated_at", "lookback": "0"}}}'
	sync_ok; expect_counts 5 0 0
	psql -X -q -d "$SRC_DB" -c "SET search_path TO $SRC_PATH; BEGIN;
	  INSERT INTO o (id, note) VALUES (100, 'late');
	  SELECT pg_sleep(4); COMMIT" >/dev/null 2>&1 &
	local late=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(q "$SRC_DB" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(4)%' AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
		sleep 0.05
	done
	sleep 0.2
	src_q "INSERT INTO o (id, note) VALUES (101, 'early')"
	sync_ok; expect_counts 1 0 0
	assert_eq "false" "$(inc full)"
	wait "$late"
	assert_eq 1 "$(src_q "SELECT count(*) FROM o WHERE id = 100")" "the late transaction did not commit"
	assert_eq "100 101" "$(src_q "SELECT string_agg(id::text, ' ' ORDER BY updated_at) FROM o WHERE id >= 100")"
	sync_ok; expect_counts 1 0 1
	assert_eq "false" "$(inc full)"
	same_rows o
}
test_late_commit_same() { late_case same; }
test_late_commit_two() { late_case two; }

# A failed run and a cancelled one leave the watermark where it was.
test_failed_and_cancelled_keep_the_watermark() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_incr_fail
	incr_schema
	both_q "CREATE TABLE z (id int PRIMARY KEY, v text)"
	src_q "INSERT INTO z VALUES (2, 'x')"
	dst_q "CREATE FUNCTION z_check() RETURNS trigger LANGUAGE plpgsql AS \$\$
	       BEGIN IF NEW.v = 'boom' THEN RAISE EXCEPTION 'refused by the target'; END IF;
	             IF NEW.v = 'slow' THEN PERFORM pg_sleep(30); END IF;
	             RETURN NEW; END\$\$;
	       CREATE TRIGGER z_check BEFORE INSERT OR UPDATE ON z FOR EACH ROW EXECUTE FUNCTION z_check()"
	export SYNC_RULES='{"o": {"incremental": {"column": "updated_at"}}}'
	sync_ok
	assert_eq public.o "$(json_value "$OUT" "j['statistics']['tables'][0]['table']")" "o is not synced first"
	local w; w=$(wm)
	src_q "UPDATE o SET note = 'x', updated_at = now() WHERE id = 1; INSERT INTO z VALUES (1, 'boom')"
	run_sync
	assert_eq 1 "$RC" "a failing run: $OUT"
	assert_eq "$w" "$(wm)" "a failed run moved the watermark"
	src_q "UPDATE z SET v = 'slow'"
	"$SYNCFN" sync > "$TEST_TMP/cancel.out" 2> "$TEST_TMP/cancel.log" &
	local pid=$! i
	wait_pg_sleep "$DST_DB" "datname = '$DST_DB'" || fail "the target's trigger never slept"
	kill -INT "$pid"
	wait_rc "$pid"
	assert_eq 1 "$WAIT_RC" "cancelled run: $(cat "$TEST_TMP/cancel.out" "$TEST_TMP/cancel.log")"
	assert_eq cancelled "$(dst_q "SELECT status FROM syncfn.runs ORDER BY id DESC LIMIT 1")"
	assert_eq "$w" "$(wm)" "a cancelled run moved the watermark"
	src_q "UPDATE z SET v = 'fine'"
	sync_ok
	assert_eq "false $w 1" "$(inc full) $(inc from) $(inc rows_read)"
	same_rows o
}

# full_every, the delete rule (only full runs delete), insert_only and a
# where on top of the watermark.
test_full_every_delete_where() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_incr_every
	incr_schema
	export SYNC_RULES='{"o": {"where": "id <> 4", "delete": {"max_percent": 50},
	  "incremental": {"column": "updated_at", "full_every": "1h"}}}'
	sync_ok; expect_counts 4 0 0
	src_q "DELETE FROM o WHERE id = 5; UPDATE o SET note = 'out', updated_at = now() WHERE id = 4"
	sync_ok; expect_counts 0 0 0
	assert_eq "false 0" "$(inc full) $(json_value "$OUT" "j['statistics']['tables'][0]['deleted']")"
	assert_eq "1:n1 2:n2 3:n3 5:n5" "$(trows)"
	# the last full run an hour and a second ago, without waiting for it
	# (a wait of a few seconds made the run before it full on a loaded
	# machine)
	dst_q "UPDATE syncfn.watermarks SET full_at = full_at - interval '3601 seconds'"
	sync_ok
	assert_eq "true full_every 1" "$(inc full) $(inc reason) $(json_value "$OUT" "j['statistics']['tables'][0]['deleted']")"
	assert_eq "1:n1 2:n2 3:n3" "$(trows)"
}

# A delete rule on a table whose partial run finds its target empty: the
# run goes full ("target empty") after the guards counted, and deletes
# nothing (it failed: its delete looked for a keys table never made).
empty_target_delete_case() {
	incr_setup sync_incr_empty "$@"
	export SYNC_RULES='{"o": {"delete": {"max_percent": 100},
	  "incremental": {"column": "updated_at"}}}'
	sync_ok; expect_counts 5 0 0
	dst_q "TRUNCATE o"
	sync_ok; expect_counts 5 0 0
	assert_eq "true target empty 0" "$(inc full) $(inc reason) $(json_value "$OUT" "j['statistics']['tables'][0]['deleted']")"
	assert_eq "1:n1 2:n2 3:n3 4:n4 5:n5" "$(trows)"
	# and the same with nothing in the source either
	src_q "DELETE FROM o"; dst_q "TRUNCATE o"
	sync_ok; expect_counts 0 0 0
	assert_eq "true target empty" "$(inc full) $(inc reason)"
	sync_ok; expect_counts 0 0 0
}
test_empty_target_delete_same() { empty_target_delete_case same; }
test_empty_target_delete_checksum() { empty_target_delete_case two checksum; }
test_empty_target_delete_streamed() { empty_target_delete_case two streamed; }

# An integer column (a version from a sequence) moves its watermark to
# the largest value read while the source is quiet.
test_integer_column() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_incr_int
	both_q "CREATE SEQUENCE v; CREATE TABLE o (id int PRIMARY KEY, note text, version bigint DEFAULT nextval('v'))"
	src_q "CREATE INDEX ON o (version); INSERT INTO o (id, note) SELECT g, 'n' || g FROM generate_series(1, 5) g"
	export SYNC_RULES='{"o": {"incremental": {"column": "version", "lookback": 0}}}'
	sync_ok; expect_counts 5 0 0
	assert_eq 5 "$(wm)"
	src_q "UPDATE o SET note = 'c', version = nextval('v') WHERE id = 2"
	# the row at the watermark (5) is read again
	sync_ok; expect_counts 0 1 1
	assert_eq "false 5 2 6" "$(inc full) $(inc from) $(inc rows_read) $(inc to)"
	export SYNC_RULES='{"o": {"incremental": {"column": "version", "lookback": "1m"}}}'
	run_sync
	assert_eq 2 "$RC" "$OUT"
	assert_contains "$OUT" 'SYNC_RULES[\"o\"].incremental.lookback: column public.o.version is an integer: expected a whole number'
}

# Before any write: the column exists, is not excluded, has an allowed
# type; no index and NULLs allowed are warnings.
test_validation() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_incr_valid
	both_q "CREATE TABLE o (id int PRIMARY KEY, note text, d date, ts timestamp, n smallint NOT NULL DEFAULT 0)"
	src_q "INSERT INTO o VALUES (1, 'a', '2024-01-01', '2024-01-01 00:00', 1)"
	local -a bad=(
		'{"o": {"incremental": {"column": "nope"}}}|SYNC_RULES[\"o\"].incremental.column: source table public.o has no column \"nope\"'
		'{"o": {"incremental": {"column": "note"}}}|SYNC_RULES[\"o\"].incremental.column: column public.o.note is text: expected timestamp, timestamptz, date or an integer type'
		'{"o": {"exclude_columns": ["d"], "incremental": {"column": "d"}}}|SYNC_RULES[\"o\"].incremental.column: column \"d\" is in exclude_columns'
		'{"o": {"incremental": {"column": "d", "lookback": 3}}}|SYNC_RULES[\"o\"].incremental.lookback: column public.o.d is date: expected a duration'
	)
	local c
	for c in "${bad[@]}"; do
		export SYNC_RULES=${c%%|*}
		run_sync
		assert_eq 2 "$RC" "$SYNC_RULES: $OUT"
		assert_contains "$OUT" "${c#*|}" "$SYNC_RULES"
	done
	assert_eq 0 "$(dst_q "SELECT count(*) FROM o")" "a refused rule wrote"
	for c in d ts n; do
		export SYNC_RULES="{\"o\": {\"incremental\": {\"column\": \"$c\"}}}"
		sync_ok
		assert_contains "$OUT" "incremental column $c has no index on the source"
		if [ "$c" = n ]; then
			assert_not_contains "$OUT" "may be NULL"
		else
			assert_contains "$OUT" "incremental column $c may be NULL on the source: rows with NULL in it are compared only by full runs"
		fi
		# the next run is partial: each type's watermark read back (an
		# integer's is the largest value, read again)
		sync_ok
		if [ "$c" = n ]; then expect_counts 0 0 1; else expect_counts 0 0 0; fi
		assert_eq false "$(inc full)" "a second run on $c: $OUT"
	done
}

# A source role that cannot see other sessions' transactions: the
# watermark does not move, and a warning names the grant.
test_hidden_sessions() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_incr_hidden
	incr_schema
	q postgres "DROP ROLE IF EXISTS sync_incr_reader; CREATE ROLE sync_incr_reader LOGIN PASSWORD 'incr-pw-42'"
	src_q "GRANT SELECT ON o TO sync_incr_reader"
	export SOURCE_DATABASE_URL="postgresql://sync_incr_reader:incr-pw-42@127.0.0.1:$PGPORT/$SRC_DB"
	export SYNC_RULES='{"o": {"incremental": {"column": "updated_at"}}}'
	psql -X -q -d "$SRC_DB" -c "SELECT pg_sleep(6)" >/dev/null 2>&1 &
	local other=$! i
	wait_pg_sleep "$SRC_DB" "datname = '$SRC_DB'" || fail "the open source transaction never slept"
	sync_ok; expect_counts 5 0 0
	assert_contains "$OUT" "the watermark of incremental column updated_at did not move: the source role cannot see the transactions of 1 other session"
	assert_contains "$OUT" "GRANT pg_read_all_stats TO the source role"
	assert_eq NULL "$(wm)"
	q postgres "GRANT pg_read_all_stats TO sync_incr_reader"
	sync_ok
	assert_eq "true no watermark yet" "$(inc full) $(inc reason)"
	[ "$(wm)" != NULL ] || fail "no watermark with pg_read_all_stats: $OUT"
	kill "$other" 2>/dev/null || true
	wait "$other" 2>/dev/null || true
}

# insert_only with an incremental rule: a stamped change of an existing row
# is not written, a new row is.
test_insert_only() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_incr_insert_only
	incr_schema
	export SYNC_RULES='{"o": {"mode": "insert_only", "incremental": {"column": "updated_at"}}}'
	sync_ok; expect_counts 5 0 0
	src_q "UPDATE o SET note = 'changed', updated_at = now() WHERE id = 1;
	       INSERT INTO o (id, note) VALUES (8, 'new')"
	sync_ok; expect_counts 1 0 1
	assert_eq "false 2" "$(inc full) $(inc rows_read)"
	assert_eq "1:n1 2:n2 3:n3 4:n4 5:n5 8:new" "$(trows)"
}

# Partial runs against the whole-table truth: random rounds of inserts and
# updates, every write stamped by a trigger (now()), some in a transaction
# left open across a run; after each run the target equals the source but
# for the open transaction's rows, which the next run catches. The open
# transaction holds the watermark back a round, so a round's writes stay
# well under the tenth of the table past which a run goes full (2,000
# rows, 1% updated a round: with 200 rows and 5%, some seeds went full).
random_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_incr_random_$1"
	both_q "CREATE TABLE o (id int PRIMARY KEY, note text, n int,
	                        updated_at timestamptz DEFAULT now())"
	src_q "CREATE INDEX ON o (updated_at);
	       CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS \$\$
	       BEGIN NEW.updated_at := now(); RETURN NEW; END\$\$;
	       CREATE TRIGGER stamp BEFORE UPDATE ON o FOR EACH ROW EXECUTE FUNCTION stamp();
	       INSERT INTO o (id, note, n) SELECT g, 'n' || g, g FROM generate_series(1, 2000) g"
	export SYNC_RULES='{"o": {"incremental": {"column": "updated_at", "lookback": "0"}}}'
	sync_ok
	local round seed=${RANDOM}
	echo "seed $seed"
	for ((round = 0; round < 6; round++)); do
		src_q "SELECT setseed(($seed + $round) / 100000.0);
		       UPDATE o SET n = n + 1, note = md5(random()::text) WHERE random() < 0.01;
		       INSERT INTO o (id, note, n) SELECT 10000 * ($round + 1) + g, 'r', g FROM generate_series(1, 1 + (random() * 5)::int) g"
		psql -X -q -d "$SRC_DB" -c "SET search_path TO $SRC_PATH; BEGIN;
		  UPDATE o SET note = 'late $round' WHERE id = $((round + 1));
		  INSERT INTO o (id, note, n) VALUES ($((100000 + round)), 'late', 0);
		  SELECT pg_sleep(2); COMMIT" >/dev/null 2>&1 &
		local late=$! i
		wait_pg_sleep "$SRC_DB" "datname = '$SRC_DB'" || fail "the open source transaction never slept"
		src_q "UPDATE o SET n = n + 1 WHERE id = 200"
		sync_ok
		assert_eq false "$(inc full)" "round $round (seed $seed)"
		# all but the open transaction's two rows agree
		local a b
		a=$(src_q "SELECT string_agg(concat_ws('|', id, note, n), ' ' ORDER BY id) FROM o WHERE id NOT IN ($((round + 1)), $((100000 + round)))")
		b=$(dst_q "SELECT string_agg(concat_ws('|', id, note, n), ' ' ORDER BY id) FROM o WHERE id NOT IN ($((round + 1)), $((100000 + round)))")
		assert_eq "$a" "$b" "round $round (seed $seed)"
		wait "$late"
	done
	sync_ok
	assert_eq false "$(inc full)"
	a=$(src_q "SELECT string_agg(concat_ws('|', id, note, n), ' ' ORDER BY id) FROM o")
	b=$(dst_q "SELECT string_agg(concat_ws('|', id, note, n), ' ' ORDER BY id) FROM o")
	assert_eq "$a" "$b" "after the last late commit (seed $seed)"
}
test_random_same() { random_case same; }
test_random_two() { random_case two; }

# A physical standby as the source (pg_basebackup -R from a primary of the
# test's own): the primary's open transactions show nowhere on it, so no
# watermark is made there (every run full, with a warning), and one made
# on the primary does not move (partial runs from it, with a warning); a
# transaction left open on the primary across runs is still caught.
test_standby_source() {
	source "$ROOT/tests/lib/sync.sh"
	source "$ROOT/tests/lib/pg.sh"
	local bin; bin=$(pg_bindir)
	trap 'pg_stop "$TEST_TMP/standby"; pg_stop "$TEST_TMP/primary"' EXIT
	pg_start "$TEST_TMP/primary" >/dev/null || fail "no primary"
	local pport=$PGPORT phost=$PGHOST
	mkdir -p "$TEST_TMP/standby"
	[ "$(id -u)" = 0 ] && chown postgres: "$TEST_TMP/standby"
	pg_as_owner "$bin/pg_basebackup" -h "$phost" -p "$pport" -U postgres \
		-D "$TEST_TMP/standby/data" -R -X stream -c fast || fail "pg_basebackup failed"
	pg_serve "$TEST_TMP/standby" || fail "the standby did not start"
	local sport=$PGPORT shost=$PGHOST
	export PGHOST=$phost PGPORT=$pport
	assert_eq t "$(psql -X -At -h "$shost" -p "$sport" -d postgres -c "SELECT pg_is_in_recovery()")"
	sync_mode two sync_incr_standby
	incr_schema
	# replayed: the standby has reached the primary's current WAL position
	replayed() {
		local lsn i
		lsn=$(q postgres "SELECT pg_current_wal_lsn()")
		for ((i = 0; i < 500; i++)); do
			[ "$(psql -X -At -h "$shost" -p "$sport" -d postgres -c \
				"SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return 0
			sleep 0.02
		done
		fail "the standby did not replay up to $lsn"
	}
	replayed
	local primary_url=$SOURCE_DATABASE_URL
	export SOURCE_DATABASE_URL="postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:$sport/$SRC_DB"
	export SYNC_RULES='{"o": {"incremental": {"column": "updated_at", "lookback": "0"}}}'
	sync_ok; expect_counts 5 0 0
	assert_eq "true first run" "$(inc full) $(inc reason)"
	assert_contains "$OUT" "incremental column updated_at keeps no watermark while the source is a standby"
	assert_eq NULL "$(wm)"
	# a transaction open on the primary across a run: its row, stamped
	# with its start, commits later; an unstamped change shows only to a
	# full run, which every run on the standby is
	psql -X -q -d "$SRC_DB" -c "BEGIN; INSERT INTO o (id, note) VALUES (100, 'late');
	  SELECT pg_sleep(3); COMMIT" >/dev/null 2>&1 &
	local late=$! i
	wait_pg_sleep "$SRC_DB" "datname = '$SRC_DB'" || fail "the open source transaction never slept"
	src_q "UPDATE o SET note = 'stamped', updated_at = now() WHERE id = 1;
	       UPDATE o SET note = 'unstamped' WHERE id = 2"
	replayed
	sync_ok; expect_counts 0 2 3
	assert_eq "true the source is a standby" "$(inc full) $(inc reason)"
	assert_eq NULL "$(wm)"
	wait "$late"
	replayed
	sync_ok; expect_counts 1 0 5
	same_rows o
	# a watermark made on the primary stays while the standby is the source
	SOURCE_DATABASE_URL=$primary_url sync_ok
	local w; w=$(wm)
	[ "$w" != NULL ] || fail "no watermark on the primary: $OUT"
	src_q "UPDATE o SET note = 'after', updated_at = now() WHERE id = 3"
	replayed
	sync_ok; expect_counts 0 1 0
	assert_eq "false $w" "$(inc full) $(inc from)"
	assert_contains "$OUT" "the watermark of incremental column updated_at did not move: the source is a standby"
	assert_eq "$w" "$(wm)"
	same_rows o
}
