# schedule.sh - helpers for the schedule_*.sh cases (no test_ functions
# here, so the runner runs nothing from this file itself).
#
# start_qdev starts build's qstash-dev on a free port with a distinctive
# token and keys, and points QSTASH_URL/QSTASH_TOKEN/APP_URL at it.

QD_TOKEN="qtok-SECRET-$$-5b7e1d"
QD_CURRENT="sig_CURRENTsecret$$x"
QD_NEXT="sig_NEXTsecret$$y"

start_qdev() {
	QD_PORT=$(free_port)
	QD_LOG=$TEST_TMP/qstash-dev.$QD_PORT.log
	"$BUILD_DIR/qstash-dev" --port "$QD_PORT" --token "$QD_TOKEN" \
		--current-key "$QD_CURRENT" --next-key "$QD_NEXT" \
		--retry-delay-ms "${QD_RETRY_DELAY_MS:-100}" --no-cron "$@" >"$QD_LOG" 2>&1 &
	QD_PID=$!
	# A failing assertion exits the test: take the servers with it.
	trap 'kill $QD_PID ${SERVE_PID:-} 2>/dev/null || true' EXIT
	QD_URL=http://127.0.0.1:$QD_PORT
	wait_http "$QD_URL/__test/requests"
	export QSTASH_URL=$QD_URL QSTASH_TOKEN=$QD_TOKEN
	export APP_URL=${APP_URL:-https://app.example.test}
	DEST=$APP_URL/api/background/sync/slave-to-prod
}

stop_qdev() { kill "$QD_PID" 2>/dev/null || true; wait "$QD_PID" 2>/dev/null || true; }

# sf ARGS...: runs syncfn; sets OUT, ERR, RC; fails if the token (or a
# signing key) shows up in either stream.
sf() {
	local e=$TEST_TMP/syncfn.stderr.log
	OUT=$("$SYNCFN" "$@" 2>"$e") && RC=0 || RC=$?
	slurp ERR "$e"
	[ -z "$ERR" ] || printf '%s\n' "$ERR" >>"$TEST_TMP/syncfn.all.log"
	for s in "$QD_TOKEN" "$QD_CURRENT" "$QD_NEXT" ${EXTRA_SECRET:+"$EXTRA_SECRET"}; do
		assert_not_contains "$OUT$ERR" "$s" "a secret in the output of syncfn $*"
	done
}

# qd_knob PATH?QUERY: POST to a /__test/ route
qd_knob() { curl -s -f -X POST "$QD_URL/__test/$1" >/dev/null || fail "qstash-dev knob $1"; }

# requests [PY-FILTER]: the recorded API requests as JSON
requests() { curl -s -f "$QD_URL/__test/requests"; }
deliveries() { curl -s -f "$QD_URL/__test/deliveries"; }

# req_count: how many API requests qstash-dev received
req_count() { local r; r=$(requests) && json_value "$r" 'len(j)'; }

# last_req [N]: the Nth-last request (1 = last), headers keyed lower-case
last_req() {
	requests | python3 -c '
import json, sys
r = json.load(sys.stdin)[-int(sys.argv[1])]
r["h"] = {k.lower(): v for k, v in r["headers"].items()}
print(json.dumps(r))' "${1:-1}"
}

# schedule_state ID: the schedule as qstash-dev holds it ({} if none)
schedule_state() {
	curl -s -H "Authorization: Bearer $QD_TOKEN" "$QD_URL/v2/schedules/$1" |
		python3 -c 'import json,sys; j=json.load(sys.stdin); print(json.dumps(j if "scheduleId" in j else {}))'
}
