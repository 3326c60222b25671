# The HTTP face against hostile input, over real sockets: a
# stack overflow, starvation, stalled and ambiguous bodies, echoes of
# request input, and the odd request lines civetweb does not route.
# timeout: 90

# nest N: N '[' then N ']'
nest() { printf '%*s' "$1" '' | tr ' ' '['; printf '%*s' "$1" '' | tr ' ' ']'; }

source "$ROOT/tests/lib/raw.sh"

# A crash once: an unsigned header segment nested 800 deep overflowed
# the 100 KiB civetweb worker stack inside cJSON (exit 139, every build).
test_deep_json_in_a_signature_does_not_crash() {
	QSTASH_CURRENT_SIGNING_KEY=k1 QSTASH_NEXT_SIGNING_KEY=k2 start_serve
	local h; h=$(printf '{"a":%s}' "$(nest 800)" | b64url)
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: $h.e30.AAAA"
	local rc=0
	kill -0 "$SERVE_PID" 2>/dev/null || { wait "$SERVE_PID" || rc=$?; fail "serve died (exit $rc)"; }
	assert_eq 401 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" "header nests deeper than 8 levels"
	# A signed token whose payload nests deep gets past the signature.
	local p s
	p=$(printf '{"iss":"Upstash","x":%s}' "$(nest 900)" | b64url)
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	s=$(printf '%s' "$h.$p" | openssl dgst -sha256 -hmac k1 -binary | b64url)
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: $h.$p.$s"
	assert_eq 401 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" "payload nests deeper than 8 levels"
	http GET "$SERVE_URL/healthz"
	assert_eq 200 "$HTTP_STATUS" "still serving"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5; assert_eq 0 "$EXIT_CODE"
}

test_deep_schedule_body_does_not_crash() {
	SYNC_ADMIN_TOKEN=adm-token-hostile-1 start_serve
	nest 900 > "$TEST_TMP/deep.json"
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-hostile-1' \
		--data-binary @"$TEST_TMP/deep.json"
	local rc=0
	kill -0 "$SERVE_PID" 2>/dev/null || { wait "$SERVE_PID" || rc=$?; fail "serve died (exit $rc)"; }
	assert_eq 400 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" "nests deeper than 8 levels"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5; assert_eq 0 "$EXIT_CODE"
}

# The failure callback's body is signed by QStash, and still parsed with a
# bounded depth: a body nested 900 deep is refused (400), never a crash.
test_deep_failure_callback_does_not_crash() {
	local key=sig_hostileCurrentKey0001 app=https://syncfn.example.test now
	QSTASH_CURRENT_SIGNING_KEY=$key QSTASH_NEXT_SIGNING_KEY=sig_hostileNextKey0002 APP_URL=$app start_serve
	{ printf '{"sourceMessageId":"msg_1","x":'; nest 900; printf '}'; } > "$TEST_TMP/deep.json"
	now=$(date +%s)
	local sig; sig=$(jwt_hs256 "$key" '{"alg":"HS256","typ":"JWT"}' \
		"{\"iss\":\"Upstash\",\"sub\":\"$app/api/background/sync/failure\",\"exp\":$((now + 300)),\"nbf\":$now,\"iat\":$now,\"jti\":\"jwt_deep\",\"body\":\"$(body_hash "$TEST_TMP/deep.json")\"}")
	http POST "$SERVE_URL/api/background/sync/failure" -H "Upstash-Signature: $sig" --data-binary @"$TEST_TMP/deep.json"
	local rc=0
	kill -0 "$SERVE_PID" 2>/dev/null || { wait "$SERVE_PID" || rc=$?; fail "serve died (exit $rc)"; }
	assert_eq 400 "$HTTP_STATUS" "deep failure callback: $HTTP_BODY"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5; assert_eq 0 "$EXIT_CODE"
}

# 50 connections trickling headers or bodies must not keep /healthz or an
# authorised sync waiting: both answered within 2 s (more on a loaded
# machine would still be far from the 30 s and 60 s seen before the fix).
test_fifty_trickling_connections_do_not_starve_the_server() {
	new_db hostile_db
	q hostile_db "create schema src; create table src.t (id int primary key); insert into src.t values (1); create table public.t (id int primary key)"
	SYNC_ADMIN_TOKEN=adm-token-hostile-1 TARGET_DATABASE_URL=$(db_url hostile_db) SYNC_SOURCE_SCHEMA=src start_serve
	python3 - "$SERVE_PORT" > "$TEST_TMP/tricklers.out" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for i in range(50):
    s = socket.create_connection(("127.0.0.1", port))
    if i % 2:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    else:
        s.sendall(b"POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 60000\r\n\r\n")
    socks.append(s)
print("open", flush=True)
end = time.time() + 12
while time.time() < end:
    for i, s in enumerate(socks):
        try:
            s.sendall(b"X-a: b\r\n" if i % 2 else b"a")
        except OSError:
            pass
    time.sleep(0.5)
PY
	local tricklers=$!
	local i; for i in $(seq 1 100); do grep -q open "$TEST_TMP/tricklers.out" && break; sleep 0.05; done
	sleep 1
	local rss; rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVE_PID/status")
	local t0 t1 t2
	t0=$(date +%s%N)
	http GET "$SERVE_URL/healthz"
	t1=$(date +%s%N)
	assert_eq 200 "$HTTP_STATUS" "health beside 50 tricklers"
	http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H 'Authorization: Bearer adm-token-hostile-1'
	t2=$(date +%s%N)
	assert_eq 200 "$HTTP_STATUS" "sync beside 50 tricklers: $HTTP_BODY"
	kill "$tricklers" 2>/dev/null || true
	echo "healthz $(( (t1 - t0) / 1000000 )) ms, sync $(( (t2 - t1) / 1000000 )) ms, RSS ${rss} KiB"
	[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || fail "healthz took $(( (t1 - t0) / 1000000 )) ms"
	[ $(( (t2 - t1) / 1000000 )) -lt 2000 ] || fail "the sync took $(( (t2 - t1) / 1000000 )) ms"
	case $BUILD_DIR in *asan*) ;; *) [ "$rss" -lt 65536 ] || fail "RSS $rss KiB with 50 tricklers" ;; esac
	assert_eq 1 "$(q hostile_db 'select count(*) from public.t')"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

# The workers start after the thread that accepts (so the first request
# is not kept waiting for all of them): all 64 are there all the same.
test_all_64_workers_start() {
	start_serve
	local i n=0
	for i in $(seq 1 100); do
		n=$(cat /proc/"$SERVE_PID"/task/*/comm 2>/dev/null | grep -c '^civetweb-worker$' || true)
		[ "$n" = 64 ] && break
		sleep 0.02
	done
	assert_eq 64 "$n" "civetweb workers running"
	assert_eq 1 "$(cat /proc/"$SERVE_PID"/task/*/comm | grep -c '^civetweb-master$')" "accepting threads"
	! grep -q 'Fewer HTTP workers' "$SERVE_LOG" || fail "$(cat "$SERVE_LOG")"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

# A body shorter than its Content-Length is never processed, and the body
# deadline holds whether or not bytes arrive (test deadline: 1.5 s).
test_short_or_stalled_bodies_are_never_processed() {
	SYNCFN_TEST_BODY_DEADLINE_MS=1500 SYNC_ADMIN_TOKEN=adm-token-hostile-1 start_serve
	local auth='Authorization: Bearer adm-token-hostile-1\r\n' out
	# Declares 40 bytes, sends a complete {"action":"list"} (17), waits.
	out=$(raw "$SERVE_PORT" "b'POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\n$auth"'Content-Length: 40\r\n\r\n{"action":"list"}'"'")
	assert_contains "$out" "HTTP/1.1 408" "short schedule body"
	# The sync route: Content-Length 10, "ab", socket kept open.
	out=$(raw "$SERVE_PORT" "b'POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\n${auth}x-manual-trigger: true\r\nContent-Length: 10\r\n\r\nab'")
	assert_contains "$out" "HTTP/1.1 408" "short sync body"
	# A chunked body that stalls mid-chunk, and one that stalls between chunks.
	out=$(raw "$SERVE_PORT" "b'POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n5\r\n{\"act'")
	assert_contains "$out" "HTTP/1.1 408" "stalled chunk"
	out=$(raw "$SERVE_PORT" "b'POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n11\r\n{\"action\":\"list\"}\r\n'")
	assert_contains "$out" "HTTP/1.1 408" "stalled between chunks"
	# A client closing early is not processed either.
	python3 - "$SERVE_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer adm-token-hostile-1\r\n"
          b"Content-Length: 40\r\n\r\n{\"action\":\"list\"}")
s.shutdown(socket.SHUT_WR)
s.recv(4096)
PY
	# Bytes that keep arriving do not stretch the deadline.
	python3 - "$SERVE_PORT" > "$TEST_TMP/drip.out" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.05)
t = time.time()
s.sendall(b"POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n")
out = b""
while time.time() - t < 10 and not out:
    try:
        s.sendall(b"a")
        out = s.recv(4096)
    except socket.timeout:
        pass
    except OSError:
        break
print("%.2f %s" % (time.time() - t, out.split(b"\r\n")[0].decode()))
PY
	out=$(cat "$TEST_TMP/drip.out")
	assert_contains "$out" "HTTP/1.1 408" "dripping body"
	awk '{ if ($1 > 3) exit 1 }' <<<"$out" || fail "dripping body answered after ${out%% *} s (deadline 1.5 s)"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	# refused 400/408 (an answer to a client that half-closed its side is
	# logged as not delivered, with the status it would have had)
	local processed; processed=$(grep '"path":"/api' "$SERVE_LOG" | grep -v '"status\(_not_delivered\)\?":40[08]' || true)
	[ -z "$processed" ] || fail "a short body was processed: $processed"
	# The 17 bytes of a list action never reached the schedule route.
	! grep -q 'schedule not configured' "$SERVE_LOG" || fail "processed"
}

# Two different Content-Length values, or one beside Transfer-Encoding,
# is how request smuggling behind a proxy starts.
test_conflicting_content_length_is_400() {
	SYNC_ADMIN_TOKEN=adm-token-hostile-1 start_serve
	local auth='Authorization: Bearer adm-token-hostile-1\r\nx-manual-trigger: true\r\n' out
	out=$(raw "$SERVE_PORT" "b'POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde'")
	assert_contains "$out" "HTTP/1.1 400"
	assert_contains "$out" "Content-Length must be given once"
	out=$(raw "$SERVE_PORT" "b'POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'")
	assert_contains "$out" "HTTP/1.1 400"
	# The same value twice is one value (RFC 9110 8.6).
	out=$(raw "$SERVE_PORT" "b'POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}'")
	assert_contains "$out" "HTTP/1.1 503" "sync not configured: the request was read"
	kill "$SERVE_PID"
	! grep -q '"path":"/api.*"status":200' "$SERVE_LOG" || fail "a smuggled request ran"
}

# Redaction must not become an oracle: nothing of the request is echoed to
# an unauthenticated caller; the log keeps a truncated path.
test_no_request_input_in_answers() {
	SYNC_ADMIN_TOKEN=xxPg-S3cret-Pa55w0rd-7781xx start_serve
	http GET "$SERVE_URL/xxPg-S3cret-Pa55w0rd-7781xx"
	assert_eq 404 "$HTTP_STATUS"
	assert_not_contains "$HTTP_BODY" "REDACTED"
	assert_not_contains "$HTTP_BODY" "S3cret"
	assert_not_contains "$HTTP_BODY" "7781"
	http GET "$SERVE_URL/probe-guess-1234"
	assert_not_contains "$HTTP_BODY" "probe-guess"
	http DELETE "$SERVE_URL/healthz"
	assert_eq 405 "$HTTP_STATUS"
	assert_not_contains "$HTTP_BODY" "DELETE"
	local long; long=$(head -c 3000 /dev/zero | tr '\0' 'p')
	http GET "$SERVE_URL/$long"
	assert_eq 404 "$HTTP_STATUS"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	grep -q '"path":"/probe-guess-1234"' "$SERVE_LOG" || fail "the path is not logged"
	local logged; logged=$(grep -o '"path":"/ppp*"' "$SERVE_LOG" | head -1)
	[ "${#logged}" -le 215 ] || fail "a 3000-byte path logged whole (${#logged} bytes)"
}

# A short printable alg used to be quoted: with a guess of the (short)
# admin token, the answer said [REDACTED] when the guess was right.
test_signature_with_an_unknown_alg_is_not_quoted() {
	QSTASH_CURRENT_SIGNING_KEY=sig_hostile_current QSTASH_NEXT_SIGNING_KEY=sig_hostile_next \
		SYNC_ADMIN_TOKEN=Gu3ss-T0ken-x9 start_serve
	local h; h=$(printf '{"alg":"Gu3ss-T0ken-x9"}' | b64url)
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: $h.e30.AAAA"
	assert_eq 401 "$HTTP_STATUS"
	assert_contains "$HTTP_BODY" "token alg is not HS256"
	assert_not_contains "$HTTP_BODY" "REDACTED"
	kill "$SERVE_PID"
}

test_head_healthz_is_get_without_a_body() {
	start_serve
	local out; out=$(raw "$SERVE_PORT" "b'HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n'")
	assert_contains "$out" "HTTP/1.1 200"
	assert_contains "$out" "Content-Length: 16"
	assert_not_contains "$out" '"status"'
	kill "$SERVE_PID"
}

# curl sends Expect: 100-continue for bodies over 1 KiB and otherwise
# waits a second before sending the body.
test_expect_100_continue_is_answered() {
	SYNC_ADMIN_TOKEN=adm-token-hostile-1 start_serve
	python3 - "$SERVE_PORT" > "$TEST_TMP/expect.out" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.8)
body = b'{"action":"explode"}'
s.sendall(b"POST /api/background/sync/schedule HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer adm-token-hostile-1\r\n"
          b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
try:
    first = s.recv(4096)
except socket.timeout:
    first = b"<nothing in 0.8 s>"
print("interim:", first.split(b"\r\n")[0].decode())
s.settimeout(5)
s.sendall(body)
out = b""
while True:
    c = s.recv(4096)
    if not c:
        break
    out += c
print("final:", out.split(b"\r\n")[0].decode())
PY
	local out; out=$(cat "$TEST_TMP/expect.out")
	assert_contains "$out" "interim: HTTP/1.1 100 Continue"
	assert_contains "$out" "final: HTTP/1.1 400"
	local t0=$SECONDS
	head -c 2000 /dev/zero | tr '\0' ' ' > "$TEST_TMP/big"
	http POST "$SERVE_URL/api/background/sync/schedule" -H 'Authorization: Bearer adm-token-hostile-1' \
		-H 'Expect: 100-continue' --expect100-timeout 10 --data-binary @"$TEST_TMP/big"
	assert_eq 400 "$HTTP_STATUS"
	[ $((SECONDS - t0)) -lt 5 ] || fail "curl waited for 100 Continue"
	kill "$SERVE_PID"
}

# civetweb hands neither to begin_request; they are answered and logged.
test_options_star_and_absolute_form_are_answered() {
	start_serve
	local out
	out=$(raw "$SERVE_PORT" "b'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'")
	assert_contains "$out" "HTTP/1.1 200"
	assert_contains "$out" "Allow: GET, HEAD, POST"
	out=$(raw "$SERVE_PORT" "b'GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: x\r\n\r\n'")
	assert_contains "$out" "HTTP/1.1 400"
	assert_contains "$out" "origin-form"
	http GET "$SERVE_URL/healthz"
	assert_eq 200 "$HTTP_STATUS"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	grep -q '"method":"OPTIONS","target":"\*","status":200' "$SERVE_LOG" || fail "no log line for OPTIONS *: $(cat "$SERVE_LOG")"
	grep -q '"target":"http://127.0.0.1/healthz","status":400' "$SERVE_LOG" || fail "no log line for the absolute form"
}

test_admin_token_is_trimmed_and_a_short_one_warned() {
	SYNC_ADMIN_TOKEN=' short-tok
' start_serve
	http GET "$SERVE_URL/api/background/sync/status" -H 'Authorization: Bearer short-tok'
	assert_eq 503 "$HTTP_STATUS" "the trimmed token is accepted: $HTTP_BODY"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	grep -q 'SYNC_ADMIN_TOKEN has fewer than 16 characters' "$SERVE_LOG" || fail "no warning: $(cat "$SERVE_LOG")"
	SYNC_ADMIN_TOKEN=0123456789abcdef-long start_serve
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	! grep -q 'fewer than 16' "$SERVE_LOG" || fail "warned about a long token"
}

test_serve_bad_usage_exits_1() {
	local rc=0 out
	out=$("$SYNCFN" serve --port 99999 2>&1) || rc=$?
	assert_eq 1 "$rc" "--port 99999"
	assert_contains "$out" "--port needs a number from 1 to 65535"
	rc=0; out=$("$SYNCFN" serve --idle-exit 0 2>&1) || rc=$?
	assert_eq 1 "$rc" "--idle-exit 0"
}

# qstash-dev's stall knob is bounded, and SIGTERM ends a stalled call.
test_qstash_dev_stall_is_bounded() {
	source "$ROOT/tests/lib/schedule.sh"
	start_qdev
	http POST "$QD_URL/__test/stall?ms=99999999999999"
	assert_eq 400 "$HTTP_STATUS"
	http POST "$QD_URL/__test/stall?ms=120000&count=1"
	assert_eq 200 "$HTTP_STATUS"
	curl -s -o /dev/null --max-time 30 -H "Authorization: Bearer $QD_TOKEN" "$QD_URL/v2/schedules" &
	local client=$!
	sleep 0.5
	kill -TERM "$QD_PID"
	wait_exit "$QD_PID" 5
	assert_eq 0 "$EXIT_CODE"
	kill "$client" 2>/dev/null || true
}
