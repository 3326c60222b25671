# Every QStash delivery ends true (issue 10): syncs longer than the
# delivery timeout, retries of the same message, two instances, a caller
# that hangs up, a killed client, failure callbacks and alerts. Real
# PostgreSQL (a row trigger with pg_sleep makes the target slow), real
# HTTP, qstash-dev signing and retrying like QStash.
# timeout: 150

source "$ROOT/tests/cases/schedule_lib.sh"

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
	trap 'kill $QD_PID ${SERVE_PID:-} ${SERVE2_PID:-} ${LOOP_PID:-} ${PROXY_PID:-} ${SINK_PID:-} 2>/dev/null || true; pkill -P ${LOOP_PID:-0} 2>/dev/null || true' EXIT
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

start_sink() {
	SINK_PORT=$(free_port)
	SINK_FILE=$TEST_TMP/sink.jsonl
	: >"$SINK_FILE"
	python3 "$ROOT/tests/http_sink.py" "$SINK_PORT" "$SINK_FILE" &
	SINK_PID=$!
	wait_http "http://127.0.0.1:$SINK_PORT/"
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
	( while :; do PORT=$SERVE_PORT "$SYNCFN" serve --once >>"$SERVE_LOG" 2>&1; sleep 0.05; done ) &
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
	kill "$LOOP_PID"; pkill -P "$LOOP_PID" 2>/dev/null || true
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
