# End to end: `syncfn setup` against the QStash-compatible test server,
# which then delivers signed pushes to a running `syncfn serve`, which
# verifies them and syncs a real PostgreSQL database.
# timeout: 120

source "$ROOT/tests/lib/schedule.sh"

# e2e_start NAME: a database with 5 slave rows and an empty target, then
# qstash-dev and `syncfn serve`, APP_URL pointing at the latter.
e2e_start() {
	DB=sched_e2e_${1}_$$
	new_db "$DB"
	q "$DB" "CREATE SCHEMA slave;
		CREATE TABLE slave.users (id int PRIMARY KEY, name text);
		CREATE TABLE public.users (id int PRIMARY KEY, name text);
		INSERT INTO slave.users SELECT g, 'u' || g FROM generate_series(1, 5) g;" >/dev/null
	export TARGET_DATABASE_URL=$(db_url "$DB") SYNC_SOURCE_SCHEMA=slave SYNC_TARGET_SCHEMA=public
	export SYNC_ADMIN_TOKEN=adm-e2e-SECRET-41 EXTRA_SECRET=adm-e2e-SECRET-41
	export QSTASH_CURRENT_SIGNING_KEY=$QD_CURRENT QSTASH_NEXT_SIGNING_KEY=$QD_NEXT
	SERVE_PORT=$(free_port)
	export APP_URL=http://127.0.0.1:$SERVE_PORT
	start_qdev
	SERVE_LOG=$TEST_TMP/serve.$SERVE_PORT.log
	PORT=$SERVE_PORT "$SYNCFN" serve >"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	wait_http "$APP_URL/healthz"
}

e2e_stop() {
	kill "$SERVE_PID" 2>/dev/null || true
	wait "$SERVE_PID" 2>/dev/null || true
	stop_qdev
	for s in "$QD_TOKEN" "$QD_CURRENT" "$QD_NEXT" "$SYNC_ADMIN_TOKEN" "$PGPASSWORD_TEST"; do
		if grep -q -F -- "$s" "$SERVE_LOG"; then fail "a secret in the serve log"; fi
	done
}

wait_deliveries() {
	curl -s -f "$QD_URL/__test/idle?timeout_ms=30000" >/dev/null || fail "deliveries still running"
}

# delivery MSGID: the journal entry of the last delivery of that message
delivery() {
	deliveries | python3 -c '
import json, sys
d = [x for x in json.load(sys.stdin) if x["messageId"] == sys.argv[1]]
print(json.dumps(d[-1] if d else {}))' "$1"
}

msg_id() { printf '%s' "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messageId"])'; }

test_setup_then_scheduled_pushes_sync() {
	e2e_start setup
	sf setup
	assert_eq 0 "$RC" "setup ($ERR)"
	assert_contains "$OUT" "Schedule id: slave-to-prod-sync"
	assert_contains "$OUT" "syncfn schedule pause slave-to-prod-sync"
	assert_contains "$OUT" "curl -X POST -H \"Authorization: Bearer \$SYNC_ADMIN_TOKEN\""
	assert_contains "$OUT" "$APP_URL/api/background/sync/schedule"
	MID=$(printf '%s' "$OUT" | sed -n 's/.*message \(msg_[A-Za-z0-9]*\):.*/\1/p')
	[ -n "$MID" ] || fail "no message id in the setup output"
	assert_json "$(last_req 3)" '[j["method"], j["path"]]' '["GET", "/v2/keys"]'
	assert_json "$(last_req 2)" '[j["method"], j["path"]]' "[\"POST\", \"/v2/schedules/$DEST\"]"
	assert_json "$(last_req 1)" '[j["method"], j["path"]]' "[\"POST\", \"/v2/publish/$DEST\"]"

	# The manual trigger: QStash delivers it, signed, right away.
	wait_deliveries
	D=$(delivery "$MID")
	assert_json "$D" 'j["state"]' delivered
	assert_json "$D" 'j["attempts"][0]["status"]' 200
	assert_eq 5 "$(q "$DB" 'SELECT count(*) FROM public.users')" "rows synced by the triggered push"
	assert_eq "scheduled|ok" "$(q "$DB" "SELECT type || '|' || status FROM syncfn.runs WHERE message_id = '$MID'")"

	# The schedule fires: a delivery with Upstash-Schedule-Id.
	q "$DB" "INSERT INTO slave.users VALUES (6, 'u6'), (7, 'u7'); UPDATE slave.users SET name = 'renamed' WHERE id = 1"
	F=$(curl -s -f -X POST "$QD_URL/__test/fire/slave-to-prod-sync") || fail "fire"
	MID2=$(msg_id "$F")
	wait_deliveries
	D=$(delivery "$MID2")
	assert_json "$D" 'j["state"]' delivered
	assert_json "$D" 'j["scheduleId"]' slave-to-prod-sync
	assert_json "$D" 'json.loads(j["attempts"][0]["response"])["statistics"]["inserted"]' 2
	assert_json "$D" 'json.loads(j["attempts"][0]["response"])["statistics"]["updated"]' 1
	assert_eq 7 "$(q "$DB" 'SELECT count(*) FROM public.users')"
	assert_eq renamed "$(q "$DB" 'SELECT name FROM public.users WHERE id = 1')"
	assert_eq "scheduled|ok" "$(q "$DB" "SELECT type || '|' || status FROM syncfn.runs WHERE message_id = '$MID2'")"
	grep -q -- "$MID2" "$SERVE_LOG" || fail "message id $MID2 not in the serve log"
	http GET "$APP_URL/api/background/sync/status" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 200 "$HTTP_STATUS" "status route: $HTTP_BODY"
	assert_json "$HTTP_BODY" '[j["runs"][0]["type"], j["runs"][0]["message_id"], j["runs"][0]["status"]]' \
		"[\"scheduled\", \"$MID2\", \"ok\"]"
	e2e_stop
}

test_failed_delivery_is_retried_and_succeeds() {
	QD_RETRY_DELAY_MS=300 e2e_start retry
	sf schedule create
	assert_eq 0 "$RC" "create ($ERR)"
	qd_knob 'tamper?count=1'
	F=$(curl -s -f -X POST "$QD_URL/__test/fire/slave-to-prod-sync") || fail "fire"
	MID=$(msg_id "$F")
	wait_deliveries
	D=$(delivery "$MID")
	assert_json "$D" '[a["status"] for a in j["attempts"]]' '[401, 200]'
	assert_json "$D" '[a["retried"] for a in j["attempts"]]' '[0, 1]'
	assert_json "$D" 'j["state"]' delivered
	assert_eq 5 "$(q "$DB" 'SELECT count(*) FROM public.users')"
	assert_eq 1 "$(q "$DB" "SELECT count(*) FROM syncfn.runs WHERE message_id = '$MID'")"
	grep -q "QStash signature rejected" "$SERVE_LOG" || fail "the rejected attempt is not logged"
	e2e_stop
}

test_same_message_twice_syncs_once() {
	e2e_start dedup
	sf schedule create
	F=$(curl -s -f -X POST "$QD_URL/__test/fire/slave-to-prod-sync") || fail "fire"
	MID=$(msg_id "$F")
	wait_deliveries
	assert_json "$(delivery "$MID")" 'j["state"]' delivered
	q "$DB" "INSERT INTO slave.users VALUES (8, 'late')"
	# what the run log keeps for the next run only stays out of the answer
	q "$DB" "UPDATE syncfn.runs SET statistics = jsonb_set(jsonb_set(statistics,
	           '{tables,0,target_only_rows}', '7'), '{tables,0,target_only_hash}', '\"00000000000000ff\"')
	         WHERE message_id = '$MID'" >/dev/null
	curl -s -f -X POST "$QD_URL/__test/redeliver/$MID" >/dev/null || fail "redeliver"
	wait_deliveries
	D=$(delivery "$MID")
	assert_json "$D" 'j["redelivery"]' true
	assert_json "$D" 'j["state"]' delivered
	assert_json "$D" 'json.loads(j["attempts"][0]["response"])["deduplicated"]' true
	assert_json "$D" 'json.loads(j["attempts"][0]["response"])["statistics"]["tables"][0]["target_only_rows"]' 7
	assert_json "$D" '"target_only_hash" in j["attempts"][0]["response"]' false
	assert_eq 5 "$(q "$DB" 'SELECT count(*) FROM public.users')" "the duplicate did not sync again"
	assert_eq 1 "$(q "$DB" "SELECT count(*) FROM syncfn.runs WHERE message_id = '$MID' AND status = 'ok'")"
	e2e_stop
}

test_non_retryable_answer_stops_the_retries() {
	export SYNC_TABLES=no_such_table
	e2e_start nonretry
	sf schedule create
	assert_eq 0 "$RC" "create ($ERR)"
	F=$(curl -s -f -X POST "$QD_URL/__test/fire/slave-to-prod-sync") || fail "fire"
	MID=$(msg_id "$F")
	wait_deliveries
	D=$(delivery "$MID")
	assert_json "$D" 'j["state"]' non_retryable
	assert_json "$D" '[a["status"] for a in j["attempts"]]' '[489]'
	assert_eq 0 "$(q "$DB" 'SELECT count(*) FROM public.users')"
	e2e_stop
}

test_retries_end_after_the_schedules_retries() {
	export SYNC_RETRIES=2
	e2e_start exhaust
	sf schedule create
	qd_knob 'tamper?count=10'
	F=$(curl -s -f -X POST "$QD_URL/__test/fire/slave-to-prod-sync") || fail "fire"
	MID=$(msg_id "$F")
	wait_deliveries
	D=$(delivery "$MID")
	assert_json "$D" '[a["status"] for a in j["attempts"]]' '[401, 401, 401]'
	assert_json "$D" 'j["state"]' failed
	assert_eq 0 "$(q "$DB" 'SELECT count(*) FROM public.users')"
	e2e_stop
}
