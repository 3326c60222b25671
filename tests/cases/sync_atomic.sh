# All or nothing: a failure in the last table, a kill -9 in the middle of
# a large COPY, or a cancel leave the target exactly as it was; one sync at
# a time per target.
# timeout: 300
# builds: last

atomic_case() {
	sync_mode "$1" "sync_atomic_$1"
	both_q "CREATE TABLE a (id int PRIMARY KEY, v int); CREATE TABLE b (id int PRIMARY KEY, v int)"
	src_q "CREATE TABLE c (id int PRIMARY KEY, v int); CREATE TABLE d (id int PRIMARY KEY, v text)"
	dst_q "CREATE TABLE c (id int PRIMARY KEY, v int CHECK (v < 100)); CREATE TABLE d (id int PRIMARY KEY, v int)"
	src_q "INSERT INTO a VALUES (1, 1); INSERT INTO b VALUES (1, 1); INSERT INTO c VALUES (1, 1), (2, 500);
	       INSERT INTO d VALUES (1, '7'), (2, 'seven')"
	dst_q "INSERT INTO a VALUES (1, 0)"
	export SYNC_TABLES=a,b,c
	run_sync
	assert_eq 1 "$RC" "exit ($1): $OUT"
	assert_contains "$OUT" "table $DST_PATH.c"
	assert_contains "$OUT" "c_v_check"
	assert_eq "1|0 0 0" "$(dst_q "SELECT * FROM a") $(dst_q "SELECT count(*) FROM b") $(dst_q "SELECT count(*) FROM c")" \
		"tables before the failing one were applied ($1)"
	assert_eq failed "$(dst_q "SELECT status FROM syncfn.runs ORDER BY id DESC LIMIT 1")"
	# a value the target type cannot take: table, column and both types
	export SYNC_TABLES=d
	run_sync
	assert_eq 1 "$RC" "exit ($1): $OUT"
	assert_contains "$OUT" "column $DST_PATH.d.v is text on the source and integer on the target"
	# the value itself only in the local log, never the answer
	assert_not_contains "$OUT" "seven"
	assert_contains "$ERR" "seven"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM d")"
}
test_failure_in_third_table_two() { source "$ROOT/tests/lib/sync.sh"; atomic_case two; }
test_failure_in_third_table_same() { source "$ROOT/tests/lib/sync.sh"; atomic_case same; }

# big_table ROWS: a source table large enough to catch the COPY in flight,
# and a target that already holds one (different) row of it.
big_table() {
	sync_mode two "$2"
	both_q "CREATE TABLE big (id int PRIMARY KEY, payload text)"
	src_q "INSERT INTO big SELECT g, repeat('x', 40) || g FROM generate_series(1, $1) g"
	dst_q "INSERT INTO big VALUES (1, 'prod')"
}
# wait_copy LOG: until the target's backend is receiving COPY data,
# polled by the server itself every 5 ms. The copy diff sends big_table in
# COPYs of 20-70 ms, 0.3 s in all; a poll that starts a psql takes longer
# on a loaded machine (the likely reason one loaded run never saw one).
# When it never is, the end of the sync's log LOG says what the run did
# instead.
wait_copy() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$DST_DB" -c "DO \$\$BEGIN
		FOR i IN 1..12000 LOOP
			PERFORM pg_stat_clear_snapshot();
			PERFORM 1 FROM pg_stat_activity WHERE datname = '$DST_DB'
				AND state = 'active' AND query LIKE 'COPY%FROM STDIN%';
			IF FOUND THEN RETURN; END IF;
			PERFORM pg_sleep(0.005);
		END LOOP;
		RAISE EXCEPTION 'no COPY';
	END\$\$" >/dev/null 2>&1 && return 0
	fail "no COPY seen on the target; the sync's log ends:
$(tail -n 8 "$1" 2>/dev/null)"
}

# run_lock_held: 1 while some session holds the target's run lock (sql/sync_lock.sql)
run_lock_held() {
	dst_q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1937337955 AND objid = 2 AND granted"
}

# wait_lock WANT: until run_lock_held says WANT (the server needs a moment to
# see a dead client's socket close, or a new holder's statement start)
wait_lock() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(run_lock_held)" = "$1" ] && return 0
		sleep 0.025
	done
	fail "the run lock never became held=$1"
}

test_kill_9_during_copy_then_next_run_completes() {
	source "$ROOT/tests/lib/sync.sh"
	big_table 500000 sync_kill
	"$SYNCFN" sync > "$TEST_TMP/killed.out" 2> "$TEST_TMP/killed.log" &
	local pid=$!
	wait_copy "$TEST_TMP/killed.log"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	# until the server has seen the dead client go, the next run is rightly
	# told "busy"; a busy loaded server can take a moment to notice
	wait_lock 0
	assert_eq "1|1|prod" "$(dst_q "SELECT count(*), max(id), max(payload) FROM big")" "target changed by a killed run"
	sync_ok
	expect_counts 499999 1 0
	assert_eq 500000 "$(dst_q "SELECT count(*) FROM big")"
}

# A lost machine closes no socket: during the run the backends keep
# their own TCP keepalives and a bound on unacknowledged data, so a dead
# peer is found in about 30 s (the system's default: two hours, holding
# the run lock). A trigger on the target reads them inside the run.
test_backends_watch_for_a_lost_client() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_watch
	both_q "CREATE TABLE t (id int PRIMARY KEY)"
	dst_q "CREATE TABLE seen (s text);
	       CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN
	         INSERT INTO seen SELECT string_agg(current_setting(n), ' ' ORDER BY o)
	         FROM unnest(ARRAY['client_connection_check_interval', 'tcp_keepalives_idle',
	                           'tcp_keepalives_interval', 'tcp_keepalives_count',
	                           'tcp_user_timeout']) WITH ORDINALITY AS x(n, o);
	         RETURN NEW; END\$\$;
	       CREATE TRIGGER note AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION note()"
	src_q "INSERT INTO t VALUES (1)"
	sync_ok
	expect_counts 1 0 0
	assert_eq "2s 10 5 3 30000" "$(dst_q "SELECT s FROM seen")"
}

test_cancel_during_copy_rolls_back() {
	source "$ROOT/tests/lib/sync.sh"
	big_table 500000 sync_cancel
	"$SYNCFN" sync > "$TEST_TMP/cancel.out" 2> "$TEST_TMP/cancel.log" &
	local pid=$!
	wait_copy "$TEST_TMP/cancel.log"
	kill -INT "$pid"
	wait_rc "$pid"
	assert_eq 1 "$WAIT_RC" "cancelled run exit: $(cat "$TEST_TMP/cancel.out")"
	assert_contains "$(cat "$TEST_TMP/cancel.out")" "cancelled"
	assert_eq "1|prod" "$(dst_q "SELECT count(*), max(payload) FROM big")"
	assert_eq cancelled "$(dst_q "SELECT status FROM syncfn.runs ORDER BY id DESC LIMIT 1")"
}

test_busy_when_another_run_holds_the_lock() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode same sync_busy
	both_q "CREATE TABLE t (id int PRIMARY KEY)"
	src_q "INSERT INTO t VALUES (1)"
	# another run, as the engine takes it: the transaction-level advisory lock
	psql -X -q -d "$DST_DB" -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1937337955, 2)" -c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null &
	local holder=$!
	wait_lock 1
	run_sync
	assert_eq 3 "$RC" "busy exit: $OUT"
	assert_contains "$OUT" "another sync is running"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM t")"
	wait "$holder"
	sync_ok
	expect_counts 1 0 0
}

test_two_runs_at_once_one_is_refused() {
	source "$ROOT/tests/lib/sync.sh"
	big_table 300000 sync_race
	"$SYNCFN" sync > "$TEST_TMP/r1.out" 2> "$TEST_TMP/r1.log" &
	local p1=$!
	"$SYNCFN" sync > "$TEST_TMP/r2.out" 2> "$TEST_TMP/r2.log" &
	local p2=$!
	wait_rc "$p1"; local e1=$WAIT_RC
	wait_rc "$p2"; local e2=$WAIT_RC
	assert_eq "0 3" "$(printf '%s\n' "$e1" "$e2" | sort | tr '\n' ' ' | sed 's/ $//')" \
		"exits: $(cat "$TEST_TMP/r1.out" "$TEST_TMP/r2.out")"
	assert_eq 300000 "$(dst_q "SELECT count(*) FROM big")"
	assert_eq "busy ok" "$(dst_q "SELECT string_agg(status, ' ' ORDER BY status) FROM syncfn.runs")"
}

# A cancel that comes while a COPY into an empty target ends (the server
# still runs the rows' triggers) is honoured: the run does not commit.
test_cancel_while_a_copy_ends() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_cancel_end
	both_q "CREATE TABLE z (id int PRIMARY KEY, v text)"
	src_q "INSERT INTO z VALUES (1, 'slow')"
	dst_q "CREATE FUNCTION z_slow() RETURNS trigger LANGUAGE plpgsql AS \$\$
	       BEGIN PERFORM pg_sleep(3); RETURN NEW; END\$\$;
	       CREATE TRIGGER z_slow BEFORE INSERT ON z FOR EACH ROW EXECUTE FUNCTION z_slow()"
	"$SYNCFN" sync > "$TEST_TMP/cancel.out" 2> "$TEST_TMP/cancel.log" &
	local pid=$! i
	wait_pg_sleep "$DST_DB" "datname = '$DST_DB'" || fail "the target's trigger never slept"
	kill -INT "$pid"
	wait_rc "$pid"
	assert_eq 1 "$WAIT_RC" "cancelled run: $(cat "$TEST_TMP/cancel.out")"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM z")"
	assert_eq cancelled "$(dst_q "SELECT status FROM syncfn.runs ORDER BY id DESC LIMIT 1")"
}
