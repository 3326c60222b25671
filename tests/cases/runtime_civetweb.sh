# Issue 23: civetweb's own behaviour, closed, over raw sockets: its error
# pages, the headers it drops, the absolute URLs it routes, and the smaller
# quirks of item 11.
# timeout: 120

# raw PORT PYTHON-BYTES-LITERAL [HOLD_SECONDS]: sends the bytes, prints what
# comes back as "<seconds> <answer>".
raw() {
	python3 - "$1" "$2" "${3:-10}" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(float(sys.argv[3]))
t = time.time()
s.sendall(eval(sys.argv[2]))
out = b""
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
except socket.timeout:
    out += b" <no answer>"
except ConnectionResetError:
    out += b" <reset>"
print("%.2f %s" % (time.time() - t, out.decode("latin1")))
PY
}

# Item 8: every error civetweb answers itself is our fixed text, never an
# echo of the request (an HTTP/1.<anything> version was echoed in the
# status line and a ~300-byte body).
test_civetweb_errors_are_our_fixed_text() {
	start_serve
	local out
	out=$(raw "$SERVE_PORT" 'b"GET /healthz HTTP/1.7SECRETECHO\r\nHost: x\r\n\r\n"')
	assert_contains "$out" "HTTP/1.1 505 HTTP Version Not Supported"
	assert_not_contains "$out" "SECRETECHO"
	assert_not_contains "$out" "HTTP/1.7"
	assert_contains "$out" '{"success":false,"error":"HTTP Version Not Supported (refused by the HTTP server before routing)"}'
	out=$(raw "$SERVE_PORT" 'b"GARBAGE-SECRETECHO\r\n\r\n"')
	assert_contains "$out" "HTTP/1.1 400 Bad Request"
	assert_not_contains "$out" "SECRETECHO"
	assert_contains "$out" '"success":false'
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	! grep -q SECRETECHO "$SERVE_LOG" || fail "the request in the log: $(grep SECRETECHO "$SERVE_LOG")"
	grep -q '"HTTP request refused by civetweb","status":505' "$SERVE_LOG" || fail "no log line for the 505"
}

# Item 9: civetweb keeps 64 headers and drops the rest silently, so a
# Transfer-Encoding (or an Authorization) after 70 filler headers went
# unseen: a request that fills its 64 is refused 431.
test_more_headers_than_civetweb_keeps_is_431() {
	SYNC_ADMIN_TOKEN=adm-civetweb-23-token start_serve
	local fill out
	fill='b"".join(b"X-Fill-%d: y\r\n" % i for i in range(70))'
	out=$(raw "$SERVE_PORT" "b\"POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\" + $fill + b\"Transfer-Encoding: chunked\r\n\r\nhello\"")
	assert_contains "$out" "HTTP/1.1 431 Request Header Fields Too Large"
	out=$(raw "$SERVE_PORT" "b\"GET /api/background/sync/status HTTP/1.1\r\nHost: x\r\n\" + $fill + b\"Authorization: Bearer adm-civetweb-23-token\r\n\r\n\"")
	assert_contains "$out" "HTTP/1.1 431"
	# 62 headers are fine
	fill='b"".join(b"X-Fill-%d: y\r\n" % i for i in range(61))'
	out=$(raw "$SERVE_PORT" "b\"GET /healthz HTTP/1.1\r\nHost: x\r\n\" + $fill + b\"\r\n\"")
	assert_contains "$out" "HTTP/1.1 200 OK"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

# Item 10: an absolute URL naming civetweb's default authentication_domain
# (mydomain.com, www.mydomain.com) with the listening port was routed.
test_absolute_form_for_civetweb_own_domain_is_400() {
	SYNC_ADMIN_TOKEN=adm-civetweb-23-token start_serve
	local host out
	for host in mydomain.com www.mydomain.com localhost 127.0.0.1; do
		out=$(raw "$SERVE_PORT" "b\"GET http://$host:$SERVE_PORT/healthz HTTP/1.1\r\nHost: x\r\n\r\n\"")
		assert_contains "$out" "HTTP/1.1 400 Bad Request" "$host"
		assert_contains "$out" "send the path only" "$host"
		out=$(raw "$SERVE_PORT" "b\"GET http://$host:$SERVE_PORT/api/background/sync/status HTTP/1.1\r\nAuthorization: Bearer adm-civetweb-23-token\r\n\r\n\"")
		assert_contains "$out" "HTTP/1.1 400 Bad Request" "$host, status route"
	done
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}
