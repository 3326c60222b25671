# The HTTP runtime over a real socket: routes, limits, lifecycle.
# timeout: 60

test_health_and_request_ids() {
	start_serve
	http GET "$SERVE_URL/healthz"
	assert_eq 200 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["status"]' ok
	assert_contains "$HTTP_HEADERS" "Content-Type: application/json"
	assert_contains "$HTTP_HEADERS" "X-Request-Id: "
	http GET "$SERVE_URL/healthz" -H 'X-Request-Id: abc-123'
	assert_contains "$HTTP_HEADERS" "X-Request-Id: abc-123"
	http GET "$SERVE_URL/healthz" -H 'Fly-Request-Id: 01FLY' -H 'X-Request-Id: other'
	assert_contains "$HTTP_HEADERS" "X-Request-Id: 01FLY"
	http GET "$SERVE_URL/healthz" -H 'X-Request-Id: bad id"{}'
	assert_not_contains "$HTTP_HEADERS" 'bad id'
	grep -q '"request_id":"abc-123"' "$SERVE_LOG" || fail "request id not in the log"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5; assert_eq 0 "$EXIT_CODE"
}

test_unknown_route_and_wrong_method_are_json() {
	start_serve
	http GET "$SERVE_URL/nope"
	assert_eq 404 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["success"]' false
	assert_contains "$HTTP_BODY" '"timestamp"'
	http DELETE "$SERVE_URL/api/background/sync/slave-to-prod"
	assert_eq 405 "$HTTP_STATUS"
	assert_contains "$HTTP_HEADERS" "Allow: GET, POST"
	http POST "$SERVE_URL/api/background/sync/status"
	assert_eq 405 "$HTTP_STATUS"
	kill "$SERVE_PID"
}

test_admin_routes_without_token_are_401() {
	start_serve
	for r in slave-to-prod schedule status; do
		http GET "$SERVE_URL/api/background/sync/$r"
		assert_eq 401 "$HTTP_STATUS" "GET $r without a configured token"
		assert_json "$HTTP_BODY" 'j["success"]' false
	done
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H 'x-manual-trigger: true' -H 'Authorization: Bearer guess'
	assert_eq 401 "$HTTP_STATUS"
	kill "$SERVE_PID"
}

test_manual_trigger_without_database_is_503() {
	SYNC_ADMIN_TOKEN=adm-token-1 start_serve
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H 'x-manual-trigger: true' -H 'Authorization: Bearer adm-token-1'
	assert_eq 503 "$HTTP_STATUS"
	assert_json "$HTTP_BODY" 'j["error"]' "sync not configured: TARGET_DATABASE_URL is not set"
	http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H 'Authorization: Bearer wrong'
	assert_eq 401 "$HTTP_STATUS"
	kill "$SERVE_PID"
}

# "Not configured" is one answer on every route: 503, Retry-After 60, and
# "<what> not configured: <the variable>"; a malformed database URL too on
# the read routes (the sync route answers that one as a configuration
# error: 500 to a person, 489 to QStash).
test_not_configured_is_503_on_every_route() {
	local tok='Authorization: Bearer adm-token-1' r m path what
	SYNC_ADMIN_TOKEN=adm-token-1 start_serve
	for r in "POST slave-to-prod sync" "GET slave-to-prod sync" "GET status sync" \
	         "GET health sync" "GET schedule schedule" "POST schedule schedule"; do
		read -r m path what <<<"$r"
		if [ "$m" = POST ]; then
			http POST "$SERVE_URL/api/background/sync/$path" -H "$tok" \
				-H 'x-manual-trigger: true' --data-binary '{"action":"list"}'
		else
			http GET "$SERVE_URL/api/background/sync/$path" -H "$tok"
		fi
		assert_eq 503 "$HTTP_STATUS" "$m $path unconfigured"
		assert_contains "$HTTP_HEADERS" "Retry-After: 60"
		assert_json "$HTTP_BODY" 'j["success"]' false
		assert_contains "$HTTP_BODY" "\"$what not configured: "
	done
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	SYNC_ADMIN_TOKEN=adm-token-1 TARGET_DATABASE_URL='postgresql://u:p@ss@127.0.0.1/db' start_serve
	for r in status health; do
		http GET "$SERVE_URL/api/background/sync/$r" -H "$tok"
		assert_eq 503 "$HTTP_STATUS" "GET $r with a malformed TARGET_DATABASE_URL"
		assert_contains "$HTTP_HEADERS" "Retry-After: 60"
		assert_contains "$HTTP_BODY" "sync not configured: TARGET_DATABASE_URL"
	done
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "$tok" -H 'x-manual-trigger: true'
	assert_eq 500 "$HTTP_STATUS" "a manual sync with a malformed TARGET_DATABASE_URL"
	assert_contains "$HTTP_BODY" "sync not configured: TARGET_DATABASE_URL"
	kill "$SERVE_PID"
}

test_body_limit_is_64k() {
	SYNC_ADMIN_TOKEN=adm-token-1 start_serve
	head -c 65536 /dev/zero | tr '\0' 'a' > "$TEST_TMP/64k"
	head -c 65537 /dev/zero | tr '\0' 'a' > "$TEST_TMP/64k1"
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-1' --data-binary @"$TEST_TMP/64k"
	assert_eq 400 "$HTTP_STATUS" "a 64 KiB body is read (and is bad JSON)"
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-1' --data-binary @"$TEST_TMP/64k1"
	assert_eq 413 "$HTTP_STATUS" "64 KiB + 1 with Content-Length"
	assert_json "$HTTP_BODY" 'j["success"]' false
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-1' -H 'Transfer-Encoding: chunked' --data-binary @"$TEST_TMP/64k1"
	assert_eq 413 "$HTTP_STATUS" "64 KiB + 1 chunked"
	head -c 3000000 /dev/zero > "$TEST_TMP/3m"
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-1' --data-binary @"$TEST_TMP/3m"
	[ "$HTTP_STATUS" = 413 ] || [ "$HTTP_STATUS" = 000 ] || fail "3 MB body: $HTTP_STATUS"
	http GET "$SERVE_URL/healthz"
	assert_eq 200 "$HTTP_STATUS" "still serving"
	kill "$SERVE_PID"
}

test_chunked_body_is_dechunked() {
	SYNC_ADMIN_TOKEN=adm-token-1 start_serve
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-1' \
		-H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' --data-binary '{"action":"explode"}'
	assert_eq 400 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" 'unknown action \"explode\"'
	kill "$SERVE_PID"
}

test_once_exits_after_first_invocation_not_after_health() {
	SYNC_ADMIN_TOKEN=adm-token-1 start_serve --once
	http GET "$SERVE_URL/healthz"
	http GET "$SERVE_URL/api/background/sync/status"
	assert_eq 401 "$HTTP_STATUS"
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer wrong'
	assert_eq 401 "$HTTP_STATUS"
	sleep 0.2
	kill -0 "$SERVE_PID" 2>/dev/null || fail "exited after a health check or a refused caller"
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-1' --data-binary '{"action":"x"}'
	assert_eq 400 "$HTTP_STATUS"
	wait_exit "$SERVE_PID" 2
	assert_eq 0 "$EXIT_CODE"
}

test_refused_callers_do_not_keep_an_idle_instance_alive() {
	start_serve --idle-exit 2
	local t0=$SECONDS
	while kill -0 "$SERVE_PID" 2>/dev/null && [ $((SECONDS - t0)) -lt 8 ]; do
		http GET "$SERVE_URL/api/background/sync/slave-to-prod"
		sleep 0.3
	done
	wait_exit "$SERVE_PID" 1
	assert_eq 0 "$EXIT_CODE"
	[ $((SECONDS - t0)) -le 4 ] || fail "401s kept it alive for $((SECONDS - t0)) s"
}

# A client trickling its body cannot hold a worker (or the one invocation)
# beyond the body deadline.
test_trickled_body_gets_408() {
	SYNC_ADMIN_TOKEN=adm-token-1 start_serve
	python3 - "$SERVE_PORT" > "$TEST_TMP/trickle.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n")
try:
    for _ in range(60):
        s.sendall(b"a")
        time.sleep(0.5)
except OSError:
    pass
PY
	local trickler=$!
	sleep 0.5
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-1' --data-binary '{"action":"x"}'
	assert_eq 400 "$HTTP_STATUS" "the real caller is served while a body trickles"
	local i
	for i in $(seq 1 100); do grep -q '"status":408' "$SERVE_LOG" && break; sleep 0.2; done
	grep -q '"status":408' "$SERVE_LOG" || fail "no 408 for the trickled body: $(cat "$SERVE_LOG")"
	kill "$trickler" 2>/dev/null || true
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 3
	assert_eq 0 "$EXIT_CODE"
}

# After a 408 or 413 the server stops reading: civetweb would read and
# drop the rest of the declared body for as long as the client sends it,
# one worker held all the while (the worker outlived a 40 s trickle). A
# client that floods on after its 413 may see a reset instead of the
# answer: its send is what the server refuses to take.
test_refused_body_is_not_read_on() {
	SYNCFN_TEST_BODY_DEADLINE_MS=3000 start_serve
	python3 - "$SERVE_PORT" > "$TEST_TMP/after.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def keep_sending(head, chunk, pause):
    """Sends head, then chunk every pause s for up to 30 s; returns
    whether an answer came and when the connection ended (s from start,
    s after the answer)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head)
    s.setblocking(False)
    t0, answered = time.time(), None
    while time.time() - t0 < 30:
        try:
            d = s.recv(4096)
            if d == b"":
                break
            answered = answered or time.time()
        except BlockingIOError:
            pass
        except OSError:
            break
        try:
            s.send(chunk)
        except BlockingIOError:
            pass
        except OSError:
            break
        time.sleep(pause)
    ended = time.time()
    return "answered %s, ended %.1f s in, %.1f s after the answer" % (
        answered is not None, ended - t0, ended - (answered or ended))
# a trickle: 408 at the (test) body deadline, then the connection ends
print("trickle", keep_sending(b"POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Length: 60000\r\n\r\n", b"a", 0.3))
# 1 GB declared and sent as fast as it goes: 413 at once, and the end
print("flood", keep_sending(b"POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Length: 1000000000\r\n\r\n", b"a" * 65536, 0.001))
PY
	local out; out=$(cat "$TEST_TMP/after.out")
	assert_contains "$out" "trickle answered True"
	python3 - "$out" <<'PY' || fail "a refused request kept its connection read: $out"
import re, sys
after = re.search(r"trickle .* ([0-9.]+) s after the answer", sys.argv[1])
flood = re.search(r"flood .*ended ([0-9.]+) s in", sys.argv[1])
sys.exit(0 if after and flood and float(after.group(1)) < 3 and float(flood.group(1)) < 3 else 1)
PY
	grep -q '"status":408' "$SERVE_LOG" || fail "no 408 logged"
	grep -q '"status":413' "$SERVE_LOG" || fail "no 413 logged"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 3
}

test_idle_exit() {
	local t0=$SECONDS
	start_serve --idle-exit 1
	wait_exit "$SERVE_PID" 5
	assert_eq 0 "$EXIT_CODE"
	grep -q '"event":"Idle: exiting"' "$SERVE_LOG" || fail "no idle log line"
}

test_sigterm_when_idle_exits_at_once() {
	start_serve
	kill -TERM "$SERVE_PID"
	wait_exit "$SERVE_PID" 2
	assert_eq 0 "$EXIT_CODE"
	start_serve
	kill -INT "$SERVE_PID"
	wait_exit "$SERVE_PID" 2
	assert_eq 0 "$EXIT_CODE"
}

# A request still uploading its body when SIGTERM arrives is not cut off:
# it is answered (503, nothing started), new invocations are refused with
# 503 too, then the process exits 0.
test_sigterm_lets_the_inflight_request_finish() {
	SYNC_ADMIN_TOKEN=adm-token-1 start_serve
	python3 - "$SERVE_PORT" "$SERVE_PID" > "$TEST_TMP/slow.out" 2>&1 <<'PY' &
import os, signal, socket, sys, time, urllib.request
port, pid = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
body = b'{"action":"explode"}'
s.sendall(b"POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer adm-token-1\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
time.sleep(0.3)
try:
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/api/background/sync/schedule" % port,
                           headers={"Authorization": "Bearer adm-token-1"}), timeout=2)
except urllib.error.HTTPError as e:
    print("second:", e.code)
s.sendall(body[5:])
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print("first:", data.split(b"\r\n")[0].decode())
PY
	local py=$!
	wait "$py" || fail "client failed: $(cat "$TEST_TMP/slow.out")"
	local out; out=$(cat "$TEST_TMP/slow.out")
	assert_contains "$out" "second: 503"
	assert_contains "$out" "first: HTTP/1.1 503"
	wait_exit "$SERVE_PID" 3
	assert_eq 0 "$EXIT_CODE"
}

test_silent_half_request_does_not_block_others() {
	SYNC_ADMIN_TOKEN=adm-token-1 start_serve --once
	python3 - "$SERVE_PORT" > "$TEST_TMP/half.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\nContent-Le")
time.sleep(15)
PY
	local half=$!
	sleep 0.2
	http GET "$SERVE_URL/healthz"
	assert_eq 200 "$HTTP_STATUS" "health answered beside a silent half request"
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-1' --data-binary '{}'
	assert_eq 400 "$HTTP_STATUS"
	wait_exit "$SERVE_PID" 3
	kill "$half" 2>/dev/null || true
}

test_absurd_headers_do_not_crash() {
	start_serve
	local big; big=$(head -c 40000 /dev/zero | tr '\0' 'x')
	http GET "$SERVE_URL/healthz" -H "X-Big: $big"
	[ "$HTTP_STATUS" != 200 ] || fail "a 40 KB header was accepted"
	local many=(); for i in $(seq 1 200); do many+=(-H "X-H$i: v"); done
	http GET "$SERVE_URL/healthz" "${many[@]}"
	http GET "$SERVE_URL/healthz"
	assert_eq 200 "$HTTP_STATUS" "still serving after absurd headers"
	kill -0 "$SERVE_PID" || fail "process died"
	kill "$SERVE_PID"
}

test_port_in_use_exits_1() {
	start_serve
	local rc=0
	PORT=$SERVE_PORT "$SYNCFN" serve > "$TEST_TMP/second.log" 2>&1 || rc=$?
	assert_eq 1 "$rc" "exit status of a server that could not start"
	grep -q "cannot listen" "$TEST_TMP/second.log" || fail "no reason given: $(cat "$TEST_TMP/second.log")"
	kill "$SERVE_PID"
}

test_text_log_cannot_be_forged_through_the_path() {
	LOG_FORMAT=text start_serve
	http GET "$SERVE_URL/x%0aFORGED%20line"
	assert_eq 404 "$HTTP_STATUS"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 3
	! grep -q '^FORGED' "$SERVE_LOG" || fail "a forged line: $(cat "$SERVE_LOG")"
	grep -q 'path="/x\\nFORGED line"' "$SERVE_LOG" || fail "path not quoted: $(cat "$SERVE_LOG")"
}

# On Fly, without APP_URL: https://$FLY_APP_NAME.fly.dev is the base URL
# (fly.toml leaves APP_URL out), so a delivery for another host is refused
# by the sub check; the start-up log says which URL is used and from where.
# APP_URL, when set, wins.
test_fly_app_name_is_the_app_url_fallback() {
	local key=sig_FLYFALLBACKTEST1
	unset APP_URL NEXT_PUBLIC_APP_URL
	FLY_APP_NAME=my-sync-app QSTASH_CURRENT_SIGNING_KEY=$key QSTASH_NEXT_SIGNING_KEY=sig_other start_serve
	grep '"event":"Listening"' "$SERVE_LOG" | grep -q '"app_url":"https://my-sync-app.fly.dev","app_url_from":"FLY_APP_NAME"' \
		|| fail "start-up log: $(cat "$SERVE_LOG")"
	printf '' > "$TEST_TMP/body"
	local now; now=$(date +%s)
	local tok; tok=$(jwt_hs256 "$key" '{"alg":"HS256","typ":"JWT"}' \
		"{\"iss\":\"Upstash\",\"sub\":\"https://syncfn.fly.dev/api/background/sync/slave-to-prod\",\"exp\":$((now + 300)),\"nbf\":0,\"iat\":$now,\"body\":\"$(body_hash "$TEST_TMP/body")\"}")
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: $tok"
	assert_eq 401 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" "does not match the destination https://my-sync-app.fly.dev/api/background/sync/slave-to-prod"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	FLY_APP_NAME=my-sync-app APP_URL=https://sync.example.com start_serve
	grep '"event":"Listening"' "$SERVE_LOG" | grep -q '"app_url":"https://sync.example.com","app_url_from":"APP_URL"' \
		|| fail "start-up log with APP_URL: $(cat "$SERVE_LOG")"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

# A malformed APP_URL must not switch the sub check off: deliveries are
# refused until it is fixed.
test_malformed_app_url_fails_closed() {
	local key=sig_MALFORMEDTEST1
	QSTASH_CURRENT_SIGNING_KEY=$key QSTASH_NEXT_SIGNING_KEY=sig_other APP_URL=syncfn.fly.dev start_serve
	printf '' > "$TEST_TMP/body"
	local now; now=$(date +%s)
	local tok; tok=$(jwt_hs256 "$key" '{"alg":"HS256","typ":"JWT"}' \
		"{\"iss\":\"Upstash\",\"sub\":\"https://attacker.example/hook\",\"exp\":$((now + 300)),\"nbf\":0,\"iat\":$now,\"body\":\"$(body_hash "$TEST_TMP/body")\"}")
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: $tok"
	assert_eq 401 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" "APP_URL on this function is malformed"
	kill "$SERVE_PID"
}
