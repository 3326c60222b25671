# `syncfn setup`: every configuration problem at once, the doctor's checks
# (databases and plan, the signing keys against GET /v2/keys) before it
# creates anything, the test sync's result from the run log (qstash-dev
# delivers it over HTTP to a running `syncfn serve`), and what it prints
# (never a secret).
# timeout: 90

source "$ROOT/tests/lib/schedule.sh"

setup_env() {
	start_qdev
	new_db setup_db
	q setup_db "CREATE SCHEMA slave; CREATE TABLE slave.items (id int PRIMARY KEY); CREATE TABLE public.items (id int PRIMARY KEY)"
	export TARGET_DATABASE_URL=$(db_url setup_db) SYNC_SOURCE_SCHEMA=slave
	export QSTASH_CURRENT_SIGNING_KEY=$QD_CURRENT QSTASH_NEXT_SIGNING_KEY=$QD_NEXT
}

test_setup_lists_every_problem_at_once() {
	OUT=$(env -u TARGET_DATABASE_URL -u QSTASH_TOKEN -u APP_URL -u NEXT_PUBLIC_APP_URL \
		-u QSTASH_CURRENT_SIGNING_KEY -u QSTASH_NEXT_SIGNING_KEY SYNC_RETRIES=lots \
		"$SYNCFN" setup 2>&1) && RC=0 || RC=$?
	assert_eq 2 "$RC"
	for v in TARGET_DATABASE_URL QSTASH_TOKEN APP_URL QSTASH_CURRENT_SIGNING_KEY \
		QSTASH_NEXT_SIGNING_KEY SYNC_RETRIES; do
		assert_contains "$OUT" "syncfn setup: $v" "$v reported"
	done
	assert_contains "$OUT" "6 problems"
}

# serve_env: setup_env with `syncfn serve` at APP_URL, where qstash-dev
# delivers the test sync, and 3 source rows to sync.
serve_env() {
	SERVE_PORT=$(free_port)
	export APP_URL=http://127.0.0.1:$SERVE_PORT
	setup_env
	q setup_db "INSERT INTO slave.items VALUES (1), (2), (3)"
	SERVE_LOG=$TEST_TMP/serve.$SERVE_PORT.log
	PORT=$SERVE_PORT "$SYNCFN" serve >"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	wait_http "$APP_URL/healthz"
}

serve_stop() {
	kill "$SERVE_PID" 2>/dev/null || true
	wait "$SERVE_PID" 2>/dev/null || true
	stop_qdev
}

setup_message() { printf '%s' "$OUT" | sed -n 's/.*message \(msg_[A-Za-z0-9]*\):.*/\1/p'; }

test_setup_waits_for_the_test_sync_and_prints_it() {
	serve_env
	sf setup
	assert_eq 0 "$RC" "setup ($OUT $ERR)"
	assert_contains "$OUT" "Waiting for its result in the run log (up to 60s)... ok"
	RUN=$(q setup_db "SELECT id FROM syncfn.runs WHERE message_id = '$(setup_message)' AND status = 'ok'")
	[ -n "$RUN" ] || fail "no ok run for the test sync's message"
	assert_contains "$OUT" "run $RUN: ok in "
	assert_contains "$OUT" ": 3 inserted, 0 updated, 0 deleted, 3 rows compared"
	assert_contains "$OUT" "Schedule id: slave-to-prod-sync" "then how to manage it"
	assert_eq 3 "$(q setup_db 'SELECT count(*) FROM public.items')"
	serve_stop
}

# A failure the doctor cannot see (it writes nothing): a target CHECK
# that the source's rows break fails the run at write time.
test_setup_reports_a_failed_test_sync() {
	serve_env
	q setup_db "ALTER TABLE public.items ADD CONSTRAINT small CHECK (id < 3)"
	sf setup
	assert_eq 1 "$RC" "setup with a failing test sync ($OUT $ERR)"
	assert_contains "$OUT" "Waiting for its result in the run log (up to 60s)... failed"
	assert_contains "$OUT" "failed after "
	assert_contains "$OUT" "23514 check_violation"
	assert_contains "$OUT" "constraint small"
	assert_contains "$ERR" "syncfn setup: the test sync failed (QStash retries it"
	assert_contains "$ERR" "not ready yet"
	assert_contains "$OUT" "Schedule id: slave-to-prod-sync" "the schedule exists: how to manage it"
	assert_eq 0 "$(q setup_db 'SELECT count(*) FROM public.items')"
	serve_stop
}

# Nothing listens at APP_URL: the message is never delivered, and setup
# says after --wait what it waited for instead of hanging.
test_setup_gives_up_when_no_result_arrives() {
	setup_env
	START=$(date +%s)
	sf setup --wait 2
	assert_eq 1 "$RC" "setup without a result ($OUT $ERR)"
	[ $(( $(date +%s) - START )) -lt 15 ] || fail "the wait was not bounded"
	assert_contains "$OUT" "Waiting for its result in the run log (up to 2s)... no result"
	assert_contains "$ERR" "syncfn setup: waited 2s for the run of message $(setup_message) in the run log (syncfn.runs on the target) and found no run for it yet"
	assert_contains "$ERR" "--wait SECONDS"
	assert_contains "$OUT" "Schedule id: slave-to-prod-sync"
	stop_qdev
}

# The test sync arrives while another sync holds the run lock: busy is no
# result (QStash delivers it again later), and setup says what it saw.
test_setup_gives_up_on_a_busy_test_sync() {
	serve_env
	psql -X -q -d setup_db -c "BEGIN; SELECT pg_advisory_xact_lock(1937337955, 2); SELECT pg_sleep(5); COMMIT" >/dev/null 2>&1 &
	LOCKER=$!
	sf setup --wait 2
	assert_eq 1 "$RC" "setup while another sync holds the lock ($OUT $ERR)"
	assert_contains "$OUT" "Waiting for its result in the run log (up to 2s)... no result"
	RUN=$(q setup_db "SELECT id FROM syncfn.runs WHERE message_id = '$(setup_message)' ORDER BY id LIMIT 1")
	assert_contains "$ERR" "waited 2s for the run of message $(setup_message) in the run log (syncfn.runs on the target) and found run $RUN refused as busy (another sync held the lock)"
	wait "$LOCKER" || true
	serve_stop
}

test_setup_wait_usage() {
	sf setup --wait soon
	assert_eq 2 "$RC"
	assert_contains "$ERR" "--wait needs a number of seconds"
	sf setup --later
	assert_eq 2 "$RC"
	assert_contains "$ERR" 'unknown option "--later"'
}

test_setup_prints_ids_and_commands() {
	setup_env
	SYNC_SCHEDULE_ID=nightly SYNC_CRON='0 2 * * *' EXTRA_SECRET=$PGPASSWORD_TEST sf setup --wait 1
	assert_eq 1 "$RC" "setup: nothing listens at $APP_URL, no test sync result ($ERR)"
	assert_contains "$OUT" "Schedule id: nightly"
	for c in "syncfn schedule list" "syncfn schedule get nightly" "syncfn schedule pause nightly" \
		"syncfn schedule resume nightly" "syncfn schedule delete nightly" "syncfn schedule trigger"; do
		assert_contains "$OUT" "$c"
	done
	assert_contains "$OUT" "-d '{\"action\":\"pause\",\"scheduleId\":\"nightly\"}' $APP_URL/api/background/sync/schedule"
	assert_contains "$OUT" '"action":"trigger-manual"'
	assert_contains "$OUT" "SYNC_ADMIN_TOKEN is not set"
	assert_not_contains "$ERR" '{"time"' "no JSON log lines beside the progress text"
	assert_json "$(last_req)" '[j["method"], j["path"]]' "[\"POST\", \"/v2/publish/$DEST\"]"
	assert_json "$(schedule_state nightly)" 'j["cron"]' '0 2 * * *'
	stop_qdev
}

test_setup_refuses_keys_qstash_does_not_use() {
	setup_env
	EXTRA_SECRET=sig_stale_key_9 QSTASH_NEXT_SIGNING_KEY=sig_stale_key_9 sf setup
	assert_eq 2 "$RC"
	assert_contains "$ERR" "QSTASH_NEXT_SIGNING_KEY is not the next signing key"
	assert_not_contains "$ERR" "QSTASH_CURRENT_SIGNING_KEY is not"
	assert_eq 1 "$(req_count)" "stopped after GET /v2/keys"
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["GET", "/v2/keys"]'
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)" "no schedule created"
	stop_qdev
}

test_setup_with_a_bad_token_fails_early() {
	setup_env
	EXTRA_SECRET=bad-token-8c QSTASH_TOKEN=bad-token-8c sf setup
	assert_eq 1 "$RC"
	assert_contains "$ERR" "check QSTASH_TOKEN"
	assert_eq 1 "$(req_count)"
	stop_qdev
}

test_setup_with_qstash_down_says_what_to_check() {
	setup_env
	QSTASH_URL=http://127.0.0.1:$(free_port) sf setup
	assert_eq 1 "$RC"
	assert_contains "$ERR" "cannot reach QStash"
	assert_contains "$ERR" "check QSTASH_URL and the network"
	stop_qdev
}

# Setup used to print "ok" for every step with a database nobody could
# reach: now it stops before it creates anything.
test_setup_stops_on_an_unreachable_database() {
	setup_env
	TARGET_DATABASE_URL=postgresql://u:DBPASS-x1@127.0.0.1:1/none EXTRA_SECRET=DBPASS-x1 sf setup
	assert_eq 1 "$RC" "setup with an unreachable database ($OUT $ERR)"
	assert_contains "$OUT" "Checking both databases and the plan (nothing is written)... failed"
	assert_contains "$ERR" "syncfn setup: could not connect to the target database: connection refused"
	assert_contains "$ERR" "nothing was created"
	assert_eq 1 "$(req_count)" "one QStash call: GET /v2/keys"
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)" "no schedule created"
	stop_qdev
}

test_setup_stops_on_a_plan_problem() {
	setup_env
	SYNC_TABLES=items,missing sf setup
	assert_eq 2 "$RC" "a table that does not exist is a configuration error"
	assert_contains "$ERR" "syncfn setup: table slave.missing does not exist in the source database"
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)" "no schedule created"
	stop_qdev
}
