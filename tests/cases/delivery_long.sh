# Every QStash delivery ends true: syncs longer than the
# delivery timeout, retries of the same message, two instances, a caller
# that hangs up, a killed client, failure callbacks and alerts. Real
# PostgreSQL (a row trigger with pg_sleep makes the target slow), real
# HTTP, qstash-dev signing and retrying like QStash.
# timeout: 150

source "$ROOT/tests/lib/schedule.sh"

# long_db NAME ROWS SLEEP: slave.items with ROWS rows; public.items, whose
# row trigger sleeps SLEEP seconds per written row.
long_db() {
	DB=long_${1}_$$
	new_db "$DB"
	q "$DB" "CREATE SCHEMA slave;
		CREATE TABLE slave.items (id int PRIMARY KEY, v text);
		CREATE TABLE public.items (id int PRIMARY KEY, v text);
		INSERT INTO slave.items SELECT g, 'v' || g FROM generate_series(1, $2) g;
		CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql AS
		  \$\$BEGIN PERFORM pg_sleep($3); RETURN NEW; END\$\$;
		CREATE TRIGGER slow BEFORE INSERT OR UPDATE ON public.items
		  FOR EACH ROW EXECUTE FUNCTION public.slow();" >/dev/null
	export TARGET_DATABASE_URL=$(db_url "$DB") SYNC_SOURCE_SCHEMA=slave SYNC_TARGET_SCHEMA=public
	export SYNC_ADMIN_TOKEN=adm-long-SECRET-77 EXTRA_SECRET=adm-long-SECRET-77
	unset SOURCE_DATABASE_URL SYNC_TABLES SYNC_EXCLUDE
}

# long_qdev: qstash-dev with this test's keys; APP_URL must be set first
long_qdev() {
	export QSTASH_CURRENT_SIGNING_KEY=$QD_CURRENT QSTASH_NEXT_SIGNING_KEY=$QD_NEXT
	start_qdev
	trap 'kill $QD_PID ${SERVE_PID:-} ${SERVE2_PID:-} ${LOOP_PID:-} ${PROXY_PID:-} ${SINK_PID:-} 2>/dev/null || true' EXIT
}

# publish [headers...]: QStash publish to the sync route; sets MID
publish() {
	local out
	out=$(curl -s -f -X POST -H "Authorization: Bearer $QD_TOKEN" \
		-H 'Content-Type: application/json' "$@" \
		--data '{"source":"test"}' "$QD_URL/v2/publish/$DEST") || fail "publish"
	MID=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messageId"])')
}

wait_idle() { curl -s -f "$QD_URL/__test/idle?timeout_ms=${1:-60000}" >/dev/null || fail "deliveries still running"; }

# journal MSGID: the delivery journal entry of that message
journal() {
	curl -s -f "$QD_URL/__test/deliveries" | python3 -c '
import json, sys
d = [x for x in json.load(sys.stdin) if x["messageId"] == sys.argv[1]]
print(json.dumps(d[-1] if d else {}))' "$1"
}

runs() { q "$DB" "SELECT string_agg(status, ' ' ORDER BY id) FROM syncfn.runs WHERE status <> 'busy'"; }

# start_serve_on PORT: `syncfn serve` on a given port (APP_URL names it)
start_serve_on() {
	SERVE_PORT=$1
	SERVE_LOG=$TEST_TMP/serve.$SERVE_PORT.log
	PORT=$SERVE_PORT "$SYNCFN" serve >"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	SERVE_URL=http://127.0.0.1:$SERVE_PORT
	wait_http "$SERVE_URL/healthz"
}

# start_sink: tests/lib/sync.sh's alert_sink, at a path holding a secret
# that no log or answer may repeat
start_sink() {
	source "$ROOT/tests/lib/sync.sh"
	alert_sink
	export SYNC_ALERT_WEBHOOK_URL=http://127.0.0.1:$SINK_PORT/hooks/alert-SECRET-path
}

# A --once instance, restarted after every exit as a platform restarts a
# stopped machine; a sync (about 4 s) longer than the timeout (2 s).
test_once_instance_long_sync_ends_delivered() {
	long_db once 4 1
	SERVE_PORT=$(free_port)
	export APP_URL=http://127.0.0.1:$SERVE_PORT
	long_qdev
	SERVE_LOG=$TEST_TMP/serve.once.log
	# Killing a loop leaves its current child behind: on SIGTERM this one
	# ends the instance it waits for, then itself.
	( trap 'kill ${child:-} 2>/dev/null; exit 0' TERM
	  while :; do PORT=$SERVE_PORT "$SYNCFN" serve --once >>"$SERVE_LOG" 2>&1 & child=$!; wait $child; sleep 0.05; done ) &
	LOOP_PID=$!
	wait_http "$APP_URL/healthz"
	publish -H 'Upstash-Timeout: 2s' -H 'Upstash-Retries: 5'
	wait_idle 90000
	local j; j=$(journal "$MID")
	assert_json "$j" 'j["state"]' delivered "$(printf '%.1500s' "$j")"
	assert_json "$j" 'j["attempts"][0]["status"]' 0
	assert_json "$j" 'any(a["status"] == 503 for a in j["attempts"])' true
	assert_json "$j" 'j["attempts"][-1]["response"].count("\"deduplicated\"")' 1
	assert_eq "ok" "$(runs)" "one ok run"
	assert_eq 4 "$(q "$DB" 'SELECT count(*) FROM public.items')"
	assert_eq "$MID" "$(q "$DB" "SELECT message_id FROM syncfn.runs WHERE status = 'ok'")"
	# the 503 named a time to come back, and the cut attempt was noticed
	grep -q 'answer not delivered' "$SERVE_LOG" || fail "no 'answer not delivered' line: $(tail -5 "$SERVE_LOG")"
	kill "$LOOP_PID"; wait "$LOOP_PID" || true
}

# Two instances behind a round-robin proxy: the second delivery lands on
# the instance that is not syncing.
test_two_instances_long_sync_ends_delivered() {
	long_db two 4 1
	local p1 p2 pp
	p1=$(free_port); p2=$(free_port); pp=$(free_port)
	export APP_URL=http://127.0.0.1:$pp
	long_qdev
	python3 "$ROOT/tests/rr_proxy.py" "$pp" "$p1" "$p2" &
	PROXY_PID=$!
	PORT=$p1 "$SYNCFN" serve >"$TEST_TMP/serve.a.log" 2>&1 &
	SERVE_PID=$!
	PORT=$p2 "$SYNCFN" serve >"$TEST_TMP/serve.b.log" 2>&1 &
	SERVE2_PID=$!
	wait_http "http://127.0.0.1:$p1/healthz"; wait_http "http://127.0.0.1:$p2/healthz"
	wait_http "$APP_URL/healthz"
	publish -H 'Upstash-Timeout: 2s' -H 'Upstash-Retries: 4'
	wait_idle 90000
	local j; j=$(journal "$MID")
	assert_json "$j" 'j["state"]' delivered "$(printf '%.1500s' "$j")"
	local busy
	busy=$(printf '%s' "$j" | python3 -c 'import json,sys; print([a for a in json.load(sys.stdin)["attempts"] if a["status"] == 503][0]["response"])')
	assert_contains "$busy" "another sync is running"
	assert_contains "$busy" "application_name"
	assert_contains "$busy" '"retry_after"'
	assert_eq "ok" "$(runs)" "one ok run"
	assert_eq 4 "$(q "$DB" 'SELECT count(*) FROM public.items')"
}

# The caller hangs up before a manual sync is done: it still commits, and
# the log says the answer went nowhere.
test_caller_hangs_up_sync_commits() {
	long_db hangup 3 1
	start_serve
	curl -s -o /dev/null --max-time 1 -H "Authorization: Bearer $SYNC_ADMIN_TOKEN" \
		"$SERVE_URL/api/background/sync/slave-to-prod" || true
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q 'answer not delivered' "$SERVE_LOG" && break
		sleep 0.05
	done
	grep 'answer not delivered' "$SERVE_LOG" | grep -q 'synced and committed' ||
		fail "no 'answer not delivered ... synced and committed' line: $(tail -3 "$SERVE_LOG")"
	assert_not_contains "$(grep '"HTTP request"' "$SERVE_LOG" | grep slave-to-prod || true)" '"status":200'
	assert_eq "ok" "$(runs)"
	assert_eq 3 "$(q "$DB" 'SELECT count(*) FROM public.items')"
	kill "$SERVE_PID"
}

# kill -9 of `syncfn sync` in the middle of a slow merge: the orphaned
# backends stop within seconds (client_connection_check_interval), the
# lock is free, and the next run marks the dead one abandoned and syncs.
test_killed_client_leaves_nothing_behind() {
	long_db kill 20 1
	"$SYNCFN" sync >"$TEST_TMP/killed.out" 2>"$TEST_TMP/killed.log" &
	local pid=$! i
	wait_pg_sleep "$DB" "application_name = 'syncfn'" || fail "the sync never reached the slow merge"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	local gone=0
	for ((i = 0; i < 50; i++)); do
		if [ "$(q "$DB" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'syncfn'")" = 0 ]; then gone=1; break; fi
		sleep 0.1
	done
	[ "$gone" = 1 ] || fail "a backend of the killed sync still runs after 5 s: $(q "$DB" "SELECT pid, state, wait_event, query FROM pg_stat_activity WHERE application_name = 'syncfn'")"
	assert_eq running "$(q "$DB" "SELECT string_agg(status, ' ') FROM syncfn.runs")"
	q "$DB" "CREATE OR REPLACE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN RETURN NEW; END\$\$" >/dev/null
	"$SYNCFN" sync >"$TEST_TMP/next.out" 2>"$TEST_TMP/next.log" || fail "the next run failed: $(cat "$TEST_TMP/next.out")"
	assert_eq "abandoned ok" "$(runs)"
	assert_eq 20 "$(q "$DB" 'SELECT count(*) FROM public.items')"
	assert_contains "$(cat "$TEST_TMP/next.log")" "abandoned"
}

# A sync that fails on every attempt: the message ends failed, QStash's
# failure callback is recorded once as delivery_failed, one alert goes to
# the webhook, and no answer carries the row data of PostgreSQL's DETAIL.
test_failing_sync_ends_in_failure_callback_and_one_alert() {
	long_db fail 2 0
	q "$DB" "CREATE OR REPLACE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql AS
		\$\$BEGIN RAISE EXCEPTION 'audit refused the row' USING DETAIL = 'row-data-' || NEW.v || '-PRIVATE'; END\$\$" >/dev/null
	start_sink
	SERVE_PORT=$(free_port)
	export APP_URL=http://127.0.0.1:$SERVE_PORT
	long_qdev
	start_serve_on "$SERVE_PORT"
	publish -H 'Upstash-Retries: 1' -H "Upstash-Failure-Callback: $APP_URL/api/background/sync/failure"
	wait_idle 30000
	local j; j=$(journal "$MID")
	assert_json "$j" 'j["state"]' failed
	assert_json "$j" '[a["status"] for a in j["attempts"]]' '[500, 500]'
	assert_not_contains "$j" "PRIVATE" "row data in an answer to QStash"
	assert_contains "$(q "$DB" "SELECT string_agg(error, ' ') FROM syncfn.runs WHERE status = 'failed'")" "row-data-v1-PRIVATE"
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(q "$DB" "SELECT count(*) FROM syncfn.runs WHERE status = 'delivery_failed'")" = 1 ] && break
		sleep 0.05
	done
	assert_eq "$MID" "$(q "$DB" "SELECT message_id FROM syncfn.runs WHERE status = 'delivery_failed'")"
	assert_contains "$(q "$DB" "SELECT statistics->>'retried' || ' ' || (statistics->>'last_status') FROM syncfn.runs WHERE status = 'delivery_failed'")" "1 500"
	for ((i = 0; i < 100; i++)); do
		[ "$(wc -l <"$SINK_FILE")" -ge 1 ] && break
		sleep 0.05
	done
	assert_eq 1 "$(wc -l <"$SINK_FILE" | tr -d ' ')" "alerts posted"
	local alert; alert=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["body"])' "$SINK_FILE")
	assert_json "$alert" 'j["event"]' delivery_failed
	assert_json "$alert" 'j["message_id"]' "$MID"
	assert_json "$alert" 'j["text"] == j["content"]' true
	assert_contains "$alert" "$MID"
	assert_not_contains "$alert" "PRIVATE"
	# QStash may call back again: nothing more is recorded or posted
	local body='{"sourceMessageId":"'$MID'","status":500,"retried":1,"maxRetries":1,"body":""}'
	printf '%s' "$body" >"$TEST_TMP/cb.json"
	local now sig
	now=$(date +%s)
	sig=$(jwt_hs256 "$QD_CURRENT" '{"alg":"HS256","typ":"JWT"}' \
		"{\"iss\":\"Upstash\",\"sub\":\"$APP_URL/api/background/sync/failure\",\"exp\":$((now + 300)),\"nbf\":0,\"iat\":$now,\"jti\":\"jwt_x\",\"body\":\"$(body_hash "$TEST_TMP/cb.json")\"}")
	http POST "$APP_URL/api/background/sync/failure" -H "Upstash-Signature: $sig" --data-binary @"$TEST_TMP/cb.json"
	assert_eq 200 "$HTTP_STATUS" "$HTTP_BODY"
	assert_json "$HTTP_BODY" '[j["success"], j["recorded"], "run_id" in j, "timestamp" in j]' \
		'[true, false, false, true]'
	assert_eq 1 "$(q "$DB" "SELECT count(*) FROM syncfn.runs WHERE status = 'delivery_failed'")"
	# a token for the sync route (another sub) is refused here
	sig=$(jwt_hs256 "$QD_CURRENT" '{"alg":"HS256","typ":"JWT"}' \
		"{\"iss\":\"Upstash\",\"sub\":\"$DEST\",\"exp\":$((now + 300)),\"nbf\":0,\"iat\":$now,\"jti\":\"jwt_y\",\"body\":\"$(body_hash "$TEST_TMP/cb.json")\"}")
	http POST "$APP_URL/api/background/sync/failure" -H "Upstash-Signature: $sig" --data-binary @"$TEST_TMP/cb.json"
	assert_eq 401 "$HTTP_STATUS"
	sleep 0.3
	assert_eq 1 "$(wc -l <"$SINK_FILE" | tr -d ' ')" "alerts after a repeated callback"
}

# A failed `syncfn sync` from a shell posts one alert; a webhook that does
# not answer changes nothing about the exit status.
test_failed_cli_sync_posts_one_alert() {
	long_db clialert 2 0
	q "$DB" "CREATE OR REPLACE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql AS
		\$\$BEGIN RAISE EXCEPTION 'audit refused the row' USING DETAIL = 'row-data-PRIVATE'; END\$\$" >/dev/null
	start_sink
	local rc=0
	"$SYNCFN" sync >"$TEST_TMP/a.out" 2>"$TEST_TMP/a.log" || rc=$?
	assert_eq 1 "$rc" "exit of a failed sync"
	assert_not_contains "$(cat "$TEST_TMP/a.out")" "PRIVATE" "row data in the JSON result"
	assert_eq 1 "$(wc -l <"$SINK_FILE" | tr -d ' ')" "alerts posted"
	local alert; alert=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["body"])' "$SINK_FILE")
	assert_json "$alert" 'j["event"]' sync_failed
	assert_json "$alert" 'j["run_id"]' "$(q "$DB" "SELECT id FROM syncfn.runs WHERE status = 'failed'")"
	# the alert says the error as the answer does, from its
	# fields; the trigger's message is in the run log and the local log
	assert_contains "$alert" "P0001 raise_exception"
	assert_not_contains "$alert" "audit refused the row"
	assert_not_contains "$alert" "PRIVATE"
	assert_contains "$(cat "$TEST_TMP/a.log")" "audit refused the row"
	assert_not_contains "$(cat "$TEST_TMP/a.log")" "alert-SECRET-path" "the webhook URL in the log"
	# unreachable webhook: same exit status, a warning
	export SYNC_ALERT_WEBHOOK_URL=http://127.0.0.1:$(free_port)/hook
	rc=0
	"$SYNCFN" sync >"$TEST_TMP/b.out" 2>"$TEST_TMP/b.log" || rc=$?
	assert_eq 1 "$rc" "exit with an unreachable webhook"
	assert_contains "$(cat "$TEST_TMP/b.log")" "alert not sent"
	# a successful run posts nothing
	q "$DB" "DROP TRIGGER slow ON public.items" >/dev/null
	export SYNC_ALERT_WEBHOOK_URL=http://127.0.0.1:$SINK_PORT/hooks/alert-SECRET-path
	"$SYNCFN" sync >/dev/null 2>&1 || fail "sync after the fix"
	assert_eq 1 "$(wc -l <"$SINK_FILE" | tr -d ' ')" "alerts after a good run"
}

# schedule create sends Upstash-Failure-Callback (unless
# SYNC_FAILURE_CALLBACK=off) and warns when SYNC_TIMEOUT is below twice
# the slowest recent sync.
test_schedule_create_failure_callback_and_timeout_warning() {
	long_db warn 2 0
	"$SYNCFN" sync >/dev/null 2>&1 || fail "first sync"
	q "$DB" "UPDATE syncfn.runs SET started_at = finished_at - interval '40 seconds' WHERE status = 'ok'" >/dev/null
	unset APP_URL
	long_qdev
	export SYNC_TIMEOUT=30s
	sf schedule create
	assert_eq 0 "$RC" "$ERR"
	assert_contains "$ERR" "SYNC_TIMEOUT=30s is less than twice the slowest recent sync (40 s"
	assert_contains "$ERR" "Set SYNC_TIMEOUT=80s"
	assert_json "$(last_req 1)" 'j["h"]["upstash-failure-callback"]' "$APP_URL/api/background/sync/failure"
	assert_json "$(schedule_state slave-to-prod-sync)" 'j["failureCallback"]' "$APP_URL/api/background/sync/failure"
	export SYNC_FAILURE_CALLBACK=off SYNC_TIMEOUT=2m
	sf schedule create
	assert_eq 0 "$RC" "$ERR"
	assert_not_contains "$ERR" "Warning"
	assert_json "$(last_req 1)" '"upstash-failure-callback" in j["h"]' false
	sf schedule trigger
	assert_json "$(last_req 1)" '"upstash-failure-callback" in j["h"]' false
	unset SYNC_FAILURE_CALLBACK
	sf schedule trigger
	assert_json "$(last_req 1)" 'j["h"]["upstash-failure-callback"]' "$APP_URL/api/background/sync/failure"
}

# The 503 of a busy --once instance and of a stopping one say when to
# come back (Retry-After), as QStash honours it.
test_busy_once_and_shutdown_503_carry_retry_after() {
	long_db retry 3 1
	start_serve --once
	curl -s -o "$TEST_TMP/first.out" --max-time 30 -H "Authorization: Bearer $SYNC_ADMIN_TOKEN" \
		"$SERVE_URL/api/background/sync/slave-to-prod" &
	local first=$! i
	wait_pg_sleep "$DB" "application_name = 'syncfn'" || fail "the sync never reached the slow merge"
	http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 503 "$HTTP_STATUS" "$HTTP_BODY"
	assert_contains "$HTTP_HEADERS" "Retry-After: "
	local ra; ra=$(printf '%s' "$HTTP_HEADERS" | tr -d '\r' | sed -n 's/^Retry-After: //p')
	[ "$ra" -ge 5 ] && [ "$ra" -le 900 ] || fail "Retry-After $ra not in 5..900"
	wait "$first"
	assert_json "$(cat "$TEST_TMP/first.out")" 'j["success"]' true
	wait_exit "$SERVE_PID" 5

	SHUTDOWN_GRACE_SECONDS=7 start_serve
	q "$DB" "UPDATE slave.items SET v = v || 'x'" >/dev/null
	curl -s -o /dev/null --max-time 30 -H "Authorization: Bearer $SYNC_ADMIN_TOKEN" \
		"$SERVE_URL/api/background/sync/slave-to-prod" &
	first=$!
	wait_pg_sleep "$DB" "application_name = 'syncfn'" || fail "the sync never reached the slow merge"
	kill -TERM "$SERVE_PID"
	sleep 0.2
	http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 503 "$HTTP_STATUS" "$HTTP_BODY"
	assert_contains "$HTTP_HEADERS" "Retry-After: 7"
	wait "$first" || true
	wait_exit "$SERVE_PID" 15
}

# The run log read outside a run waits seconds, not forever, for a session
# that holds a lock on it (a VACUUM FULL, an ALTER TABLE): shown on the
# status route, whose answer says why. The busy answer's Retry-After, the
# failed-delivery record and the CLI's timeout check open the same bounded
# transaction (begin_bounded in sync_runlog.c) and are not driven here.
test_run_log_under_a_lock_answers_in_seconds() {
	long_db locked 3 0
	start_serve
	http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 200 "$HTTP_STATUS" "$HTTP_BODY"
	q "$DB" "BEGIN; LOCK syncfn.runs IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30); COMMIT" >/dev/null 2>&1 &
	local holder=$! i t0
	for ((i = 0; i < 200; i++)); do
		[ "$(q "$DB" "SELECT count(*) FROM pg_locks WHERE relation = 'syncfn.runs'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break
		sleep 0.02
	done
	t0=$SECONDS
	HTTP_TIMEOUT=20 http GET "$SERVE_URL/api/background/sync/status" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 500 "$HTTP_STATUS" "$HTTP_BODY"
	assert_contains "$HTTP_BODY" "lock timeout"
	[ $((SECONDS - t0)) -le 6 ] || fail "the status route waited $((SECONDS - t0)) s for the lock"
	kill "$holder" 2>/dev/null || true
	q "$DB" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'BEGIN; LOCK syncfn.runs%'" >/dev/null
	http GET "$SERVE_URL/api/background/sync/status" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 200 "$HTTP_STATUS" "$HTTP_BODY"
	kill "$SERVE_PID"
}

# What the run log keeps for the next run only (the hash of the target's
# own rows) is not in the status route's list of runs.
test_status_route_leaves_run_log_hints_out() {
	long_db hints 3 0
	start_serve
	http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 200 "$HTTP_STATUS" "$HTTP_BODY"
	q "$DB" "UPDATE syncfn.runs SET statistics = '{\"tables\": [{\"table\": \"public.items\", \"target_only_rows\": 7, \"target_only_hash\": \"00000000000000ff\"}]}'
	         WHERE id = (SELECT max(id) FROM syncfn.runs)" >/dev/null
	http GET "$SERVE_URL/api/background/sync/status" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 200 "$HTTP_STATUS" "$HTTP_BODY"
	assert_contains "$HTTP_BODY" '"target_only_rows"'
	assert_not_contains "$HTTP_BODY" "target_only_hash"
	assert_not_contains "$HTTP_BODY" "00000000000000ff"
	kill "$SERVE_PID"
}
