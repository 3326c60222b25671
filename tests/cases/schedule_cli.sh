# `syncfn schedule ...` against the QStash-compatible test server: the
# exact requests it sends, the state it leaves, and every error path.
# timeout: 90

source "$ROOT/tests/lib/schedule.sh"

test_create_sends_the_sdk_request() {
	start_qdev
	SYNC_CRON='*/10 * * * *' SYNC_RETRIES=5 SYNC_TIMEOUT=45s SYNC_SCHEDULE_ID=my-sync.1 sf schedule create
	assert_eq 0 "$RC" "exit status ($ERR)"
	assert_json "$OUT" 'j["success"]' true
	assert_json "$OUT" 'j["scheduleId"]' my-sync.1
	assert_json "$OUT" 'j["destination"]' "$DEST"
	assert_contains "$OUT" '"timestamp"'
	R=$(last_req)
	assert_json "$R" 'j["method"]' POST
	assert_json "$R" 'j["path"]' "/v2/schedules/$DEST"
	assert_json "$R" 'j["h"]["authorization"]' "Bearer $QD_TOKEN"
	assert_json "$R" 'j["h"]["upstash-cron"]' '*/10 * * * *'
	assert_json "$R" 'j["h"]["upstash-retries"]' 5
	assert_json "$R" 'j["h"]["upstash-timeout"]' 45s
	assert_json "$R" 'j["h"]["upstash-method"]' POST
	assert_json "$R" 'j["h"]["upstash-schedule-id"]' my-sync.1
	assert_json "$R" 'j["h"]["content-type"]' application/json
	assert_json "$R" 'j["h"]["user-agent"]' "syncfn/$("$SYNCFN" --version | awk 'NR == 1 {print $2}')"
	S=$(schedule_state my-sync.1)
	assert_json "$S" 'j["cron"]' '*/10 * * * *'
	assert_json "$S" 'j["retries"]' 5
	assert_json "$S" 'j["destination"]' "$DEST"
	assert_json "$S" 'j["isPaused"]' false
	stop_qdev
}

test_create_twice_is_one_schedule() {
	start_qdev
	sf schedule create
	assert_eq 0 "$RC" "first create ($ERR)"
	SYNC_CRON='0 3 * * *' sf schedule create
	assert_eq 0 "$RC" "second create ($ERR)"
	sf schedule list
	assert_eq 0 "$RC"
	assert_json "$OUT" 'len(j["schedules"])' 1
	assert_json "$OUT" 'j["schedules"][0]["scheduleId"]' slave-to-prod-sync
	assert_json "$OUT" 'j["schedules"][0]["cron"]' '0 3 * * *'
	stop_qdev
}

test_list_keeps_only_our_destination() {
	start_qdev
	sf schedule create
	curl -s -f -X POST -H "Authorization: Bearer $QD_TOKEN" -H 'Upstash-Cron: 0 0 * * *' \
		"$QD_URL/v2/schedules/https://other.example.test/hook" >/dev/null || fail "other schedule"
	sf schedule list
	assert_eq 0 "$RC"
	assert_json "$OUT" 'len(j["schedules"])' 1
	assert_json "$OUT" 'j["schedules"][0]["destination"]' "$DEST"
	R=$(last_req)
	assert_json "$R" 'j["method"]' GET
	assert_json "$R" 'j["path"]' /v2/schedules
	assert_json "$R" 'j["h"]["authorization"]' "Bearer $QD_TOKEN"
	stop_qdev
}

test_get_pause_resume_delete() {
	start_qdev
	sf schedule create
	sf schedule get slave-to-prod-sync
	assert_eq 0 "$RC" "get ($ERR)"
	assert_json "$OUT" 'j["schedule"]["scheduleId"]' slave-to-prod-sync
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["GET", "/v2/schedules/slave-to-prod-sync"]'

	sf schedule pause slave-to-prod-sync
	assert_eq 0 "$RC" "pause ($ERR)"
	assert_json "$OUT" 'j["isPaused"]' true
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["PATCH", "/v2/schedules/slave-to-prod-sync/pause"]'
	assert_json "$(schedule_state slave-to-prod-sync)" 'j["isPaused"]' true

	sf schedule resume slave-to-prod-sync
	assert_eq 0 "$RC" "resume ($ERR)"
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["PATCH", "/v2/schedules/slave-to-prod-sync/resume"]'
	assert_json "$(schedule_state slave-to-prod-sync)" 'j["isPaused"]' false

	sf schedule delete slave-to-prod-sync
	assert_eq 0 "$RC" "delete ($ERR)"
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["DELETE", "/v2/schedules/slave-to-prod-sync"]'
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)" "deleted schedule is gone"
	sf schedule list
	assert_json "$OUT" 'len(j["schedules"])' 0
	stop_qdev
}

# Without an id, get, pause, resume and delete act on SYNC_SCHEDULE_ID.
test_actions_default_to_the_configured_schedule_id() {
	start_qdev
	export SYNC_SCHEDULE_ID=nightly-7
	sf schedule create
	sf schedule get
	assert_eq 0 "$RC" "get ($ERR)"
	assert_json "$OUT" 'j["schedule"]["scheduleId"]' nightly-7
	# createdAt (epoch ms) has its ISO 8601 twin, the same instant
	assert_json "$OUT" '__import__("datetime").datetime.fromtimestamp(j["schedule"]["createdAt"] / 1000, __import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z" == j["schedule"]["createdAtIso"]' true
	sf schedule list
	assert_json "$OUT" 'j["schedules"][0]["createdAtIso"][:2]' 20
	sf schedule pause
	assert_eq 0 "$RC" "pause ($ERR)"
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["PATCH", "/v2/schedules/nightly-7/pause"]'
	sf schedule resume
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["PATCH", "/v2/schedules/nightly-7/resume"]'
	sf schedule delete
	assert_eq 0 "$RC" "delete ($ERR)"
	assert_eq '{}' "$(schedule_state nightly-7)" "deleted"
	unset SYNC_SCHEDULE_ID
	sf schedule create
	sf schedule get
	assert_json "$OUT" 'j["schedule"]["scheduleId"]' slave-to-prod-sync
	stop_qdev
}

test_pause_falls_back_to_post_on_405() {
	start_qdev
	sf schedule create
	qd_knob 'fail?status=405&count=1'
	sf schedule pause slave-to-prod-sync
	assert_eq 0 "$RC" "pause with fallback ($ERR)"
	assert_json "$(last_req 2)" '[j["method"], j["path"]]' '["PATCH", "/v2/schedules/slave-to-prod-sync/pause"]'
	assert_json "$(last_req 1)" '[j["method"], j["path"]]' '["POST", "/v2/schedules/slave-to-prod-sync/pause"]'
	assert_json "$(schedule_state slave-to-prod-sync)" 'j["isPaused"]' true
	stop_qdev
}

test_trigger_publishes_to_the_destination() {
	start_qdev
	sf schedule trigger
	assert_eq 0 "$RC" "trigger ($ERR)"
	MID=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messageId"])')
	case "$MID" in msg_*) ;; *) fail "messageId [$MID]";; esac
	R=$(last_req)
	assert_json "$R" 'j["method"]' POST
	assert_json "$R" 'j["path"]' "/v2/publish/$DEST"
	assert_json "$R" 'j["h"]["authorization"]' "Bearer $QD_TOKEN"
	assert_json "$R" 'j["h"]["upstash-method"]' POST
	assert_json "$R" 'j["h"]["content-type"]' application/json
	assert_json "$(deliveries)" 'j[0]["messageId"]' "$MID"
	stop_qdev
}

test_bad_token_is_401_exit_1() {
	start_qdev
	EXTRA_SECRET=wrong-token-zz9 QSTASH_TOKEN=wrong-token-zz9 sf schedule list
	assert_eq 1 "$RC"
	assert_json "$OUT" 'j["success"]' false
	assert_json "$OUT" 'j["details"]["status"]' 401
	assert_json "$OUT" 'j["details"]["message"]' Unauthorized
	assert_contains "$OUT" "check QSTASH_TOKEN"
	assert_contains "$ERR" "check QSTASH_TOKEN"
	assert_eq 1 "$(req_count)" "a 401 is not retried"
	stop_qdev
}

test_unknown_schedule_is_404_exit_1() {
	start_qdev
	for a in get pause resume delete; do
		sf schedule "$a" no-such-id
		assert_eq 1 "$RC" "$a of an unknown id"
		assert_json "$OUT" 'j["details"]["status"]' 404
		assert_contains "$OUT" 'QStash has no schedule \"no-such-id\"'
		assert_contains "$ERR" "syncfn schedule list"
	done
	stop_qdev
}

test_plan_limit_is_412_exit_1() {
	start_qdev
	qd_knob 'fail?status=412&count=1'
	sf schedule create
	assert_eq 1 "$RC"
	assert_json "$OUT" 'j["details"]["status"]' 412
	assert_json "$OUT" 'j["details"]["message"]' "max number of schedules reached for this plan"
	assert_contains "$OUT" "limit"
	assert_eq 1 "$(req_count)" "a 412 is not retried"
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)"
	stop_qdev
}

test_429_is_retried_after_retry_after() {
	start_qdev
	qd_knob 'fail?status=429&count=1&retry_after=1'
	local t0=$SECONDS
	sf schedule create
	assert_eq 0 "$RC" "create after one 429 ($ERR)"
	assert_eq 2 "$(req_count)" "one 429, then the retry"
	[ $((SECONDS - t0)) -ge 1 ] || fail "Retry-After: 1 was not honoured"
	assert_json "$(schedule_state slave-to-prod-sync)" 'j["scheduleId"]' slave-to-prod-sync
	assert_contains "$ERR" "Retrying QStash call"
	stop_qdev
}

test_429_burst_reset_then_give_up() {
	start_qdev
	qd_knob 'fail?status=429&count=2&burst_reset_in=1'
	sf schedule list
	assert_eq 0 "$RC" "list after two 429s ($ERR)"
	assert_eq 3 "$(req_count)"
	qd_knob 'fail?status=429&count=50&retry_after=0'
	sf schedule list
	assert_eq 1 "$RC" "429 on every attempt"
	assert_json "$OUT" 'j["details"]["status"]' 429
	assert_contains "$OUT" "try again"
	stop_qdev
}

test_500_is_reported_not_retried() {
	start_qdev
	qd_knob 'fail?status=500&count=1'
	sf schedule create
	assert_eq 1 "$RC"
	assert_json "$OUT" 'j["details"]["status"]' 500
	assert_contains "$OUT" "QStash's side"
	assert_eq 1 "$(req_count)"
	stop_qdev
}

test_connection_refused_is_unreachable() {
	local port; port=$(free_port)
	QSTASH_URL=http://127.0.0.1:$port QSTASH_TOKEN=$QD_TOKEN APP_URL=https://app.example.test sf schedule list
	assert_eq 1 "$RC"
	assert_json "$OUT" 'j["success"]' false
	assert_contains "$OUT" "cannot reach QStash at http://127.0.0.1:$port"
	assert_contains "$OUT" "check QSTASH_URL and the network"
	assert_contains "$ERR" "4 attempts"
}

test_timeout_is_unreachable() {
	start_qdev
	qd_knob 'stall?ms=4000&count=10'
	local t0=$SECONDS
	QSTASH_HTTP_TIMEOUT=1s sf schedule list
	assert_eq 1 "$RC"
	assert_contains "$OUT" "did not answer within 1000 ms"
	assert_contains "$OUT" "check QSTASH_URL"
	[ $((SECONDS - t0)) -le 3 ] || fail "the timeout took $((SECONDS - t0))s"
	stop_qdev
}

test_bad_usage_and_config_exit_2() {
	start_qdev
	sf schedule
	assert_eq 2 "$RC" "no action"
	sf schedule frobnicate
	assert_eq 2 "$RC" "unknown action"
	assert_contains "$ERR" 'unknown action "frobnicate"'
	sf schedule keys
	assert_eq 2 "$RC" "keys is not a CLI action"
	sf schedule pause a b
	assert_eq 2 "$RC" "pause with two ids"
	assert_contains "$ERR" "takes no further arguments"
	sf schedule list extra
	assert_eq 2 "$RC" "extra argument"
	sf schedule pause 'a/b'
	assert_eq 2 "$RC" "an id that is not QStash's alphabet"
	assert_contains "$OUT$ERR" "scheduleId may hold only"
	OUT=$(env -u QSTASH_TOKEN -u APP_URL "$SYNCFN" schedule list 2>&1) && RC=0 || RC=$?
	assert_eq 2 "$RC" "missing configuration"
	assert_contains "$OUT" "QSTASH_TOKEN is not set"
	assert_contains "$OUT" "APP_URL is not set"
	assert_eq 0 "$(req_count)" "nothing reached QStash"
	stop_qdev
}

test_json_logs_hold_no_token() {
	start_qdev
	LOG_FORMAT=json sf schedule create
	assert_eq 0 "$RC"
	LOG_FORMAT=json QSTASH_HTTP_TIMEOUT=1s sf schedule get missing-one
	assert_eq 1 "$RC"
	assert_contains "$ERR" '"QStash call"'
	if grep -q -- "$QD_TOKEN" "$TEST_TMP/syncfn.all.log"; then fail "token in the log"; fi
	stop_qdev
}

test_proxy_variables_are_honoured() {
	# A stand-in HTTP proxy: records each request line, answers [].
	local port; port=$(free_port)
	python3 - "$port" "$TEST_TMP/proxy.req" >"$TEST_TMP/proxy.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2], "a") as f:
            f.write(self.requestline + "\n")
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"[]")
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
	local proxy=$!
	trap "kill $proxy 2>/dev/null || true" EXIT
	wait_http "http://127.0.0.1:$port/"
	http_proxy=http://127.0.0.1:$port QSTASH_URL=http://qstash.example.invalid \
		QSTASH_TOKEN=$QD_TOKEN APP_URL=https://app.example.test sf schedule list
	assert_eq 0 "$RC" "list through the proxy ($ERR)"
	assert_contains "$(cat "$TEST_TMP/proxy.req")" "GET http://qstash.example.invalid/v2/schedules HTTP/1.1"
	kill "$proxy"
}
