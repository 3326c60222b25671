# /api/background/sync/schedule against the QStash-compatible test server:
# every action over HTTP, the requests it makes, and the error answers.
# timeout: 90

source "$ROOT/tests/lib/schedule.sh"

ADM=adm-http-SECRET-77

http_start() {
	start_qdev
	export SYNC_ADMIN_TOKEN=$ADM EXTRA_SECRET=$ADM
	start_serve
}

# act BODY: POST the schedule route with the admin token
act() {
	http POST "$SERVE_URL/api/background/sync/schedule" -H "Authorization: Bearer $ADM" \
		-H 'Content-Type: application/json' --data-binary "$1"
	for s in "$QD_TOKEN" "$ADM"; do
		assert_not_contains "$HTTP_BODY" "$s" "a secret in the answer"
	done
}

http_stop() {
	kill "$SERVE_PID" 2>/dev/null || true
	wait "$SERVE_PID" 2>/dev/null || true
	for s in "$QD_TOKEN" "$ADM"; do
		if grep -q -F -- "$s" "$SERVE_LOG"; then fail "a secret in the serve log"; fi
	done
	stop_qdev
}

test_every_action_over_http() {
	http_start
	act '{"action":"create"}'
	assert_eq 200 "$HTTP_STATUS" "create: $HTTP_BODY"
	assert_json "$HTTP_BODY" 'j["success"]' true
	assert_json "$HTTP_BODY" 'j["scheduleId"]' slave-to-prod-sync
	R=$(last_req)
	assert_json "$R" '[j["method"], j["path"]]' "[\"POST\", \"/v2/schedules/$DEST\"]"
	assert_json "$R" 'j["h"]["authorization"]' "Bearer $QD_TOKEN"
	assert_json "$R" 'j["h"]["upstash-cron"]' '0 */6 * * *'
	assert_json "$R" 'j["h"]["upstash-retries"]' 2
	assert_json "$R" 'j["h"]["upstash-timeout"]' 30s
	assert_json "$R" 'j["h"]["upstash-method"]' POST
	assert_json "$R" 'j["h"]["upstash-schedule-id"]' slave-to-prod-sync
	assert_json "$R" 'j["h"]["content-type"]' application/json
	assert_json "$R" 'j["h"]["user-agent"].startswith("syncfn/")' true

	http GET "$SERVE_URL/api/background/sync/schedule" -H "Authorization: Bearer $ADM"
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'len(j["schedules"])' 1
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["GET", "/v2/schedules"]'

	act '{"action":"pause","scheduleId":"slave-to-prod-sync"}'
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["PATCH", "/v2/schedules/slave-to-prod-sync/pause"]'
	assert_json "$(schedule_state slave-to-prod-sync)" 'j["isPaused"]' true
	act '{"action":"resume","scheduleId":"slave-to-prod-sync"}'
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["PATCH", "/v2/schedules/slave-to-prod-sync/resume"]'
	assert_json "$(schedule_state slave-to-prod-sync)" 'j["isPaused"]' false

	act '{"action":"trigger-manual"}'
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["messageId"].startswith("msg_")' true
	assert_json "$(last_req)" '[j["method"], j["path"]]' "[\"POST\", \"/v2/publish/$DEST\"]"

	act '{"action":"delete","scheduleId":"slave-to-prod-sync"}'
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["DELETE", "/v2/schedules/slave-to-prod-sync"]'
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)"
	http_stop
}

test_bad_requests_are_400_and_reach_no_qstash() {
	http_start
	act 'not json'
	assert_eq 400 "$HTTP_STATUS"
	act '{"action":"explode"}'
	assert_eq 400 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" explode
	for a in pause resume delete; do
		act "{\"action\":\"$a\"}"
		assert_eq 400 "$HTTP_STATUS" "$a without scheduleId"
		assert_contains "$HTTP_BODY" scheduleId
	done
	act '{"action":"delete","scheduleId":"../../v2/keys"}'
	assert_eq 400 "$HTTP_STATUS" "an id outside QStash's alphabet"
	assert_eq 0 "$(req_count)" "nothing reached QStash"
	http_stop
}

test_qstash_errors_are_502_with_details() {
	http_start
	act '{"action":"pause","scheduleId":"nope"}'
	assert_eq 502 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["success"]' false
	assert_json "$HTTP_BODY" 'j["details"]["status"]' 404
	assert_json "$HTTP_BODY" 'j["details"]["message"]' "schedule not found"
	qd_knob 'fail?status=412&count=1'
	act '{"action":"create"}'
	assert_eq 502 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["details"]["status"]' 412
	qd_knob 'fail?status=429&count=1&retry_after=0'
	act '{"action":"create"}'
	assert_eq 200 "$HTTP_STATUS" "429 then success"
	qd_knob 'fail?status=401&count=1'
	http GET "$SERVE_URL/api/background/sync/schedule" -H "Authorization: Bearer $ADM"
	assert_eq 502 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["details"]["status"]' 401
	assert_contains "$HTTP_BODY" QSTASH_TOKEN
	http_stop
}

test_unreachable_qstash_is_502() {
	export SYNC_ADMIN_TOKEN=$ADM QSTASH_TOKEN=$QD_TOKEN APP_URL=https://app.example.test
	export QSTASH_URL=http://127.0.0.1:$(free_port)
	start_serve
	http GET "$SERVE_URL/api/background/sync/schedule" -H "Authorization: Bearer $ADM"
	assert_eq 502 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" "cannot reach QStash"
	assert_contains "$HTTP_BODY" "check QSTASH_URL"
	kill "$SERVE_PID"
}
