# Watching syncfn from outside: the status route's summary, the health
# route for uptime monitors, the read-only SYNC_MONITOR_TOKEN, and the
# heartbeat URL called after every run.
# timeout: 120

monitor_env() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode same "$1"
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text)"
	src_q "INSERT INTO items VALUES (1, 'a'), (2, 'b')"
	export SYNC_ADMIN_TOKEN=adm-monitor-4b1e9f22
	export SYNC_MONITOR_TOKEN=mon-readonly-77c0d3aa
}

# get ROUTE TOKEN: GET /api/background/sync/ROUTE with that bearer token
get() { http GET "$SERVE_URL/api/background/sync/$1" -H "Authorization: Bearer $2"; }

# A failing run: the target's trigger refuses every insert.
break_target() {
	dst_q "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
	       \$\$BEGIN RAISE EXCEPTION 'refused by a test trigger'; END\$\$;
	       CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION refuse()"
}

test_monitor_token_reads_status_and_health_only() {
	monitor_env mon_token
	sync_ok
	start_serve
	for tok in "$SYNC_MONITOR_TOKEN" "$SYNC_ADMIN_TOKEN"; do
		get status "$tok"
		assert_eq 200 "$HTTP_STATUS" "status with ${tok:0:4}"
		assert_json "$HTTP_BODY" 'list(j.keys())[:3]' '["success", "summary", "runs"]'
		assert_json "$HTTP_BODY" 'j["summary"]["consecutive_failures"]' 0
		assert_json "$HTTP_BODY" 'j["summary"]["last_error"]' null
		assert_json "$HTTP_BODY" 'j["summary"]["last_success_at"] == j["runs"][0]["finished_at"]' true
		assert_json "$HTTP_BODY" 'j["summary"]["last_run_at"] == j["runs"][0]["started_at"]' true
		get health "$tok"
		assert_eq 200 "$HTTP_STATUS" "health with ${tok:0:4}: $HTTP_BODY"
		assert_json "$HTTP_BODY" 'j["status"]' ok
		assert_json "$HTTP_BODY" 'j["age_s"] < 60' true
		assert_json "$HTTP_BODY" 'j["max_age_s"]' 25200
	done
	for r in status health; do
		get "$r" wrong-token-123456
		assert_eq 401 "$HTTP_STATUS" "$r with a wrong token"
		http GET "$SERVE_URL/api/background/sync/$r"
		assert_eq 401 "$HTTP_STATUS" "$r without a token"
	done
	# the monitor token opens nothing that acts
	get slave-to-prod "$SYNC_MONITOR_TOKEN"
	assert_eq 401 "$HTTP_STATUS" "manual sync with the monitor token"
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H 'x-manual-trigger: true' \
		-H "Authorization: Bearer $SYNC_MONITOR_TOKEN"
	assert_eq 401 "$HTTP_STATUS" "manual POST with the monitor token"
	get schedule "$SYNC_MONITOR_TOKEN"
	assert_eq 401 "$HTTP_STATUS" "schedule list with the monitor token"
	http POST "$SERVE_URL/api/background/sync/schedule" -H "Authorization: Bearer $SYNC_MONITOR_TOKEN" \
		--data-binary '{"action":"list"}'
	assert_eq 401 "$HTTP_STATUS" "schedule POST with the monitor token"
	http POST "$SERVE_URL/api/background/sync/health" -H "Authorization: Bearer $SYNC_MONITOR_TOKEN"
	assert_eq 405 "$HTTP_STATUS"
	assert_eq 1 "$(dst_q 'SELECT count(*) FROM syncfn.runs')" "no run started by the monitor token"
	! grep -qF "$SYNC_MONITOR_TOKEN" "$SERVE_LOG" || fail "the monitor token is in the log"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

test_monitor_token_alone_leaves_admin_routes_closed() {
	monitor_env mon_alone
	unset SYNC_ADMIN_TOKEN
	sync_ok
	start_serve
	get health "$SYNC_MONITOR_TOKEN"
	assert_eq 200 "$HTTP_STATUS"
	get slave-to-prod "$SYNC_MONITOR_TOKEN"
	assert_eq 401 "$HTTP_STATUS"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

test_summary_counts_failures_since_the_last_success() {
	monitor_env mon_fail
	sync_ok
	src_q "INSERT INTO items VALUES (3, 'c')"
	run_sync --dry-run
	start_serve
	get status "$SYNC_MONITOR_TOKEN"
	assert_json "$HTTP_BODY" 'j["runs"][0]["status"]' dry_run
	assert_json "$HTTP_BODY" 'j["summary"]["last_run_at"] == j["runs"][1]["started_at"]' true "a dry run is no run"
	break_target
	run_sync; assert_eq 1 "$RC" "a failing run"
	run_sync; assert_eq 1 "$RC"
	get status "$SYNC_MONITOR_TOKEN"
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["summary"]["consecutive_failures"]' 2
	assert_json "$HTTP_BODY" 'j["summary"]["last_error"] == [r for r in j["runs"] if r["status"] == "failed"][0]["error"]' true
	assert_contains "$HTTP_BODY" '"last_error":"table prod.items on the target database: PostgreSQL error P0001'
	assert_not_contains "$HTTP_BODY" 'refused by a test trigger' "the summary carries no message text"
	assert_json "$HTTP_BODY" 'j["summary"]["last_run_at"] == [r for r in j["runs"] if r["status"] == "failed"][0]["started_at"]' true
	# still younger than 7h: healthy, with the failures counted
	get health "$SYNC_MONITOR_TOKEN"
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["consecutive_failures"]' 2
	# the success ages: stale past max_age, fine within it
	dst_q "UPDATE syncfn.runs SET finished_at = now() - interval '8 hours' WHERE status = 'ok'"
	get "health?max_age=7h" "$SYNC_MONITOR_TOKEN"
	assert_eq 503 "$HTTP_STATUS" "8h old with max_age 7h: $HTTP_BODY"
	assert_json "$HTTP_BODY" 'j["status"]' stale
	assert_json "$HTTP_BODY" 'j["age_s"] >= 28800 and j["age_s"] < 28900' true
	assert_json "$HTTP_BODY" 'j["consecutive_failures"]' 2
	assert_contains "$HTTP_BODY" 'not younger than max_age 7h'
	assert_not_contains "$HTTP_HEADERS" 'Retry-After'
	get "health?x=1&max_age=9h" "$SYNC_MONITOR_TOKEN"
	assert_eq 200 "$HTTP_STATUS" "8h old with max_age 9h"
	get "health?max_age=1d" "$SYNC_MONITOR_TOKEN"
	assert_eq 200 "$HTTP_STATUS"
	get "health?max_age=28000" "$SYNC_MONITOR_TOKEN"
	assert_eq 503 "$HTTP_STATUS" "plain seconds"
	# a success resets the count
	dst_q "DROP TRIGGER refuse ON items"
	sync_ok
	get health "$SYNC_MONITOR_TOKEN"
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["consecutive_failures"]' 0
	assert_json "$HTTP_BODY" 'j["last_error"]' null
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

test_health_max_age_is_parsed_within_bounds() {
	monitor_env mon_parse
	sync_ok
	start_serve
	local bad
	for bad in abc 0 0h 7x 7hh 7h5 -1 1.5h 367d 999999999 123456789012345678901234567890 '7h%00' '%37h' ''; do
		get "health?max_age=$bad" "$SYNC_MONITOR_TOKEN"
		assert_eq 400 "$HTTP_STATUS" "max_age=$bad"
		assert_contains "$HTTP_BODY" 'max_age must be a duration'
	done
	for good in 90s 59m 366d 31622400 '7h&limit=2'; do
		get "health?max_age=$good" "$SYNC_MONITOR_TOKEN"
		assert_eq 200 "$HTTP_STATUS" "max_age=$good"
	done
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

test_health_without_any_success_is_503() {
	monitor_env mon_never
	start_serve
	get health "$SYNC_MONITOR_TOKEN"
	assert_eq 503 "$HTTP_STATUS" "no run log yet"
	assert_json "$HTTP_BODY" 'j["status"]' never
	assert_json "$HTTP_BODY" 'j["last_success_at"]' null
	assert_json "$HTTP_BODY" 'j["age_s"]' null
	assert_json "$HTTP_BODY" 'j["consecutive_failures"]' 0
	get status "$SYNC_MONITOR_TOKEN"
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["summary"]["last_run_at"]' null
	assert_json "$HTTP_BODY" 'j["runs"]' '[]'
	# an unreachable target proves no recent success either
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	TARGET_DATABASE_URL="postgresql://postgres@127.0.0.1:9/none" start_serve
	get health "$SYNC_MONITOR_TOKEN"
	assert_eq 503 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["success"]' false
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

# heartbeat_sink: tests/lib/sync.sh's alert_sink, SYNC_HEARTBEAT_URL at a
# secret path of it; heartbeats prints the paths it was called at
heartbeat_sink() {
	alert_sink
	# a failing assertion exits the test: take the sink with it
	trap 'kill $SINK_PID ${SERVE_PID:-} 2>/dev/null || true' EXIT
	unset SYNC_ALERT_WEBHOOK_URL
	export SYNC_HEARTBEAT_URL=http://127.0.0.1:$SINK_PORT/ping/hb-SECRET-5f0e
}
heartbeats() { python3 -c 'import json,sys; print(" ".join(json.loads(l)["path"] for l in open(sys.argv[1]) if json.loads(l).get("method") == "GET"))' "$SINK_FILE"; }

test_heartbeat_after_committed_and_failed_runs() {
	monitor_env mon_hb
	heartbeat_sink
	sync_ok
	assert_eq "/ping/hb-SECRET-5f0e" "$(heartbeats)" "one ping after a committed run"
	assert_contains "$ERR" '"event":"Heartbeat sent","ping":"success"'
	run_sync --dry-run; assert_eq 0 "$RC"
	assert_eq "/ping/hb-SECRET-5f0e" "$(heartbeats)" "a dry run pings nothing"
	break_target
	src_q "INSERT INTO items VALUES (3, 'c')"
	run_sync; assert_eq 1 "$RC"
	assert_eq "/ping/hb-SECRET-5f0e" "$(heartbeats)" "a failure without SYNC_HEARTBEAT_FAIL pings nothing"
	export SYNC_HEARTBEAT_FAIL=append
	run_sync; assert_eq 1 "$RC" "the heartbeat does not change the exit status"
	assert_eq "/ping/hb-SECRET-5f0e /ping/hb-SECRET-5f0e/fail" "$(heartbeats)"
	# a URL with a query string keeps it after /fail
	export SYNC_HEARTBEAT_URL="http://127.0.0.1:$SINK_PORT/ping/q-SECRET/?rid=1"
	run_sync; assert_eq 1 "$RC"
	assert_contains "$(heartbeats)" "/ping/q-SECRET/fail?rid=1"
	export SYNC_HEARTBEAT_FAIL=sometimes
	run_sync; assert_eq 2 "$RC" "a malformed SYNC_HEARTBEAT_FAIL"
	assert_contains "$ERR" "SYNC_HEARTBEAT_FAIL must be append or off"
	local f
	for f in "$TEST_TMP"/sync.*.log "$TEST_TMP"/sync.*.out; do
		! grep -q 'SECRET' "$f" || fail "the heartbeat URL is in $(basename "$f"): $(grep SECRET "$f" | head -2)"
	done
	kill "$SINK_PID"
}

# Over HTTP the ping follows the answer: a heartbeat receiver that takes
# 30 s delays neither the answer nor changes it, and the --once process
# ends within the heartbeat's bound.
test_heartbeat_never_delays_the_answer() {
	monitor_env mon_hb_slow
	export SINK_DELAY_S=30 SYNC_HEARTBEAT_FAIL=append
	heartbeat_sink
	start_serve --once
	local t0=$SECONDS
	HTTP_TIMEOUT=4 http POST "$SERVE_URL/api/background/sync/slave-to-prod" \
		-H 'x-manual-trigger: true' -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 200 "$HTTP_STATUS" "answered before the heartbeat ended: $HTTP_BODY"
	assert_json "$HTTP_BODY" 'j["statistics"]["inserted"]' 2
	wait_exit "$SERVE_PID" 15
	assert_eq 0 "$EXIT_CODE"
	[ $((SECONDS - t0)) -lt 14 ] || fail "the heartbeat was not bounded"
	assert_eq "/ping/hb-SECRET-5f0e" "$(heartbeats)"
	assert_contains "$(cat "$SERVE_LOG")" '"event":"Heartbeat not sent","ping":"success","error":"the heartbeat URL (SYNC_HEARTBEAT_URL) did not answer: Timeout was reached"'
	! grep -q 'SECRET' "$SERVE_LOG" || fail "the heartbeat URL is in the log: $(grep SECRET "$SERVE_LOG" | head -2)"
	kill "$SINK_PID"
}

test_status_command_prints_a_table() {
	monitor_env mon_cli
	local out rc
	out=$("$SYNCFN" status) || fail "status before any run: exit $?"
	assert_contains "$out" "Last success: none in the run log; 0 failed runs since"
	assert_contains "$out" "No runs in the run log yet."
	sync_ok
	break_target
	src_q "INSERT INTO items VALUES (3, 'c')"
	run_sync; assert_eq 1 "$RC"
	out=$("$SYNCFN" status) || fail "status: exit $?"
	assert_contains "$out" "; 1 failed run since"
	assert_contains "$out" "Last error: table prod.items on the target database: PostgreSQL error P0001"
	assert_contains "$out" "STARTED (UTC)        TYPE       OUTCOME          DURATION  INSERTED   UPDATED   DELETED  ERROR"
	local lines; lines=$(printf '%s\n' "$out" | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2} ')
	assert_eq 2 "$(printf '%s\n' "$lines" | wc -l)" "two runs: $out"
	assert_contains "$(printf '%s\n' "$lines" | sed -n 1p)" "  manual     failed    "
	assert_contains "$(printf '%s\n' "$lines" | sed -n 1p)" "table prod.items on the target database"
	printf '%s\n' "$lines" | sed -n 2p | grep -Eq '  manual     ok +[0-9.]+m?s +2 +0 +0  $' \
		|| fail "the ok run's row: $(printf '%s\n' "$lines" | sed -n 2p)"
	assert_not_contains "$out" "refused by a test trigger" "no message text"
	out=$("$SYNCFN" status --limit 1)
	assert_eq 1 "$(printf '%s\n' "$out" | grep -cE '^[0-9]{4}-')" "--limit 1"
	out=$("$SYNCFN" status --json --limit=5)
	assert_json "$out" 'j["summary"]["consecutive_failures"]' 1
	assert_json "$out" 'len(j["runs"])' 2
	rc=0; "$SYNCFN" status --limit 0 2>"$TEST_TMP/err" || rc=$?
	assert_eq 2 "$rc" "--limit 0"
	assert_contains "$(cat "$TEST_TMP/err")" "--limit needs a number from 1 to 500"
	rc=0; "$SYNCFN" status --verbose 2>/dev/null || rc=$?
	assert_eq 2 "$rc" "an unknown option"
	rc=0; TARGET_DATABASE_URL="postgresql://postgres:pw-SECRET-1@127.0.0.1:9/none" "$SYNCFN" status >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
	assert_eq 1 "$rc" "an unreachable run log"
	assert_contains "$(cat "$TEST_TMP/err")" "syncfn status: the run log cannot be read: "
	! grep -q "pw-SECRET-1" "$TEST_TMP/err" "$TEST_TMP/out" || fail "the password was printed"
	rc=0; env -u TARGET_DATABASE_URL "$SYNCFN" status 2>"$TEST_TMP/err" || rc=$?
	assert_eq 1 "$rc" "no target configured"
	assert_contains "$(cat "$TEST_TMP/err")" "syncfn status: TARGET_DATABASE_URL is not set"
}
