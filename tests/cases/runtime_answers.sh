# What an answer carries. QStash stores every answer (its logs,
# its DLQ), so an answer is a publication: no row value, no database
# coordinate, no role; PostgreSQL's message text and DETAIL go to the run
# log table and the local log only. A rejected password,
# role or database name is a configuration error (489, non-retryable).
# timeout: 420

answers_env() {
	export SYNC_ADMIN_TOKEN=adm-answers-23
	export QSTASH_CURRENT_SIGNING_KEY=sig_answersCurrentKey23
	export QSTASH_NEXT_SIGNING_KEY=sig_answersNextKey23
	export APP_URL=http://127.0.0.1:9
	unset SYNC_TABLES SYNC_EXCLUDE
}

# delivery_token BODY JTI: QStash's signature of BODY (a string) for the
# sync route, with the current key; BODY is left in $TEST_TMP/body.
delivery_token() {
	printf '%s' "$1" > "$TEST_TMP/body"
	local now; now=$(date +%s)
	jwt_hs256 "$QSTASH_CURRENT_SIGNING_KEY" '{"alg":"HS256","typ":"JWT"}' \
		"{\"iss\":\"Upstash\",\"sub\":\"$APP_URL/api/background/sync/slave-to-prod\",\"exp\":$((now + 300)),\"nbf\":0,\"iat\":$now,\"jti\":\"$2\",\"body\":\"$(body_hash "$TEST_TMP/body")\"}"
}

# signed_delivery MESSAGE_ID: a QStash delivery of an empty body, signed
# with the current key, to the sync route; sets HTTP_*.
signed_delivery() {
	local tok; tok=$(delivery_token '' "jwt_$1")
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: $tok" \
		-H "Upstash-Message-Id: $1"
}

status_route() {
	http GET "$SERVE_URL/api/background/sync/status?limit=200" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 200 "$HTTP_STATUS" "status route: $HTTP_BODY"
}

# assert_private TEXT WHAT: none of the row values, coordinates or the role
assert_private() {
	local s
	for s in SECRETVAL_abc 98765432101 leaky.secret.person "$PGPASSWORD_TEST" \
	         127.0.0.1 ":$PGPORT" ans_src ans_dst '\"postgres\"' 'role \"' 'user \"'; do
		assert_not_contains "$1" "$s" "$2 carries [$s]: $1"
	done
}

test_signed_deliveries_and_status_carry_no_row_data() {
	answers_env
	new_db ans_src; new_db ans_dst
	q ans_src "CREATE TABLE items (id int PRIMARY KEY, qty text);
	           CREATE TABLE big (id int PRIMARY KEY, n bigint);
	           CREATE TABLE people (id int PRIMARY KEY, email text)"
	q ans_dst "CREATE TABLE items (id int PRIMARY KEY, qty integer);
	           CREATE TABLE big (id int PRIMARY KEY, n integer);
	           CREATE TABLE people (id int PRIMARY KEY, email text UNIQUE)"
	export SOURCE_DATABASE_URL=$(db_url ans_src) TARGET_DATABASE_URL=$(db_url ans_dst)
	local log_all=''
	# 1. text into an integer: PostgreSQL's message quotes the value
	q ans_src "INSERT INTO items VALUES (1, 'SECRETVAL_abc')"
	export SYNC_TABLES=items
	start_serve
	signed_delivery msg_ans_1
	assert_eq 500 "$HTTP_STATUS" "text into integer: $HTTP_BODY"
	assert_private "$HTTP_BODY" "answer (22P02)"
	assert_contains "$HTTP_BODY" "22P02 invalid_text_representation"
	assert_contains "$HTTP_BODY" "public.items"
	# 2. a bigint too big for an int: "value ... is out of range"
	export SYNC_TABLES=big
	q ans_src "INSERT INTO big VALUES (1, 98765432101)"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5; log_all+=$(cat "$SERVE_LOG"); start_serve
	signed_delivery msg_ans_2
	assert_eq 500 "$HTTP_STATUS" "bigint into int: $HTTP_BODY"
	assert_private "$HTTP_BODY" "answer (22003)"
	assert_contains "$HTTP_BODY" "22003 numeric_value_out_of_range"
	# 3. a unique violation: DETAIL quotes the key
	export SYNC_TABLES=people
	q ans_dst "INSERT INTO people VALUES (99, 'leaky.secret.person@example.com')"
	q ans_src "INSERT INTO people VALUES (1, 'leaky.secret.person@example.com')"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5; log_all+=$(cat "$SERVE_LOG"); start_serve
	signed_delivery msg_ans_3
	assert_eq 500 "$HTTP_STATUS" "unique violation: $HTTP_BODY"
	assert_private "$HTTP_BODY" "answer (23505)"
	assert_contains "$HTTP_BODY" "people_email_key"
	# 4. the status route answers the same safe summaries
	status_route
	assert_private "$HTTP_BODY" "status route"
	assert_contains "$HTTP_BODY" "22P02 invalid_text_representation"
	assert_contains "$HTTP_BODY" "people_email_key"
	# ... while the run log table and the local log keep the full text
	local runlog; runlog=$(q ans_dst "SELECT string_agg(error, ' | ') FROM syncfn.runs")
	assert_contains "$runlog" "SECRETVAL_abc"
	assert_contains "$runlog" "98765432101"
	assert_contains "$runlog" "leaky.secret.person"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5; log_all+=$(cat "$SERVE_LOG")
	assert_contains "$log_all" "SECRETVAL_abc"
	assert_contains "$log_all" "leaky.secret.person"
}

# Every SQLSTATE class PostgreSQL can raise while a run writes (a trigger
# on the target raises each, its message and DETAIL holding a value): the
# answer and the status route say the code and the class, never the text.
test_every_error_class_answers_from_fields() {
	answers_env
	new_db cls_src; new_db cls_dst
	q cls_src "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'x')"
	q cls_dst "CREATE TABLE t (id int PRIMARY KEY, v text);
	           CREATE TABLE raise_code (code text);
	           INSERT INTO raise_code VALUES ('22000');
	           CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS \$\$
	           BEGIN
	             RAISE EXCEPTION USING ERRCODE = (SELECT code FROM raise_code),
	               MESSAGE = 'row value SECRETVAL_abc in message',
	               DETAIL = 'Key (email)=(leaky.secret.person@example.com)',
	               HINT = 'hint 98765432101';
	           END \$\$;
	           CREATE TRIGGER boom BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION boom()"
	export SOURCE_DATABASE_URL=$(db_url cls_src) TARGET_DATABASE_URL=$(db_url cls_dst)
	start_serve
	local code n=0
	for code in 01000 02000 03000 08000 09000 0A000 0B000 0F000 0L000 0P000 0Z000 \
	            20000 21000 22000 22P02 23000 23505 24000 25000 26000 27000 28000 2B000 \
	            2D000 2F000 34000 38000 39000 3B000 3D000 3F000 40000 40001 42000 44000 \
	            53000 54000 55000 57000 58000 72000 F0000 HV000 P0000 P0001 XX000; do
		q cls_dst "UPDATE raise_code SET code = '$code'"
		http POST "$SERVE_URL/api/background/sync/slave-to-prod" \
			-H "Authorization: Bearer $SYNC_ADMIN_TOKEN" -H 'x-manual-trigger: true'
		[ "$HTTP_STATUS" != 200 ] || fail "$code: the run succeeded: $HTTP_BODY"
		assert_private "$HTTP_BODY" "answer ($code)"
		assert_not_contains "$HTTP_BODY" "in message" "answer ($code)"
		assert_contains "$HTTP_BODY" "PostgreSQL error $code" "answer ($code)"
		assert_contains "$HTTP_BODY" "class ${code:0:2}" "answer ($code)"
		n=$((n + 1))
	done
	status_route
	assert_private "$HTTP_BODY" "status route"
	assert_not_contains "$HTTP_BODY" "in message" "status route"
	assert_eq "$n" "$(q cls_dst "SELECT count(*) FROM syncfn.runs WHERE error LIKE '%SECRETVAL_abc%leaky.secret.person%'")" \
		"the run log keeps the full text"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	grep -q "leaky.secret.person" "$SERVE_LOG" || fail "the local log lacks the detail"
}

# Database errors through signed deliveries: a wrong
# password is a 489 that QStash does not retry, an unknown database too; an
# unreachable one a 503; none names the host, port, database or role.
test_connection_errors_name_the_database_only() {
	answers_env
	new_db ans_conn
	export TARGET_DATABASE_URL="postgresql://postgres:Wrong-Pass-23@127.0.0.1:$PGPORT/ans_conn"
	start_serve
	signed_delivery msg_conn_1
	assert_eq 489 "$HTTP_STATUS" "wrong password: $HTTP_BODY"
	assert_contains "$HTTP_HEADERS" "Upstash-NonRetryable-Error: true"
	assert_contains "$HTTP_BODY" "the target database refused the user name or password"
	assert_contains "$HTTP_BODY" "TARGET_DATABASE_URL"
	assert_private "$HTTP_BODY" "answer (28P01)"
	assert_not_contains "$HTTP_BODY" "ans_conn"
	assert_not_contains "$HTTP_BODY" "Wrong-Pass-23"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	grep -q "127.0.0.1:$PGPORT, database ans_conn" "$SERVE_LOG" || fail "the local log lacks the coordinates"
	! grep -q "Wrong-Pass-23" "$SERVE_LOG" || fail "the password is in the log"
	export TARGET_DATABASE_URL="postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:$PGPORT/ans_nosuch_db"
	start_serve
	signed_delivery msg_conn_2
	assert_eq 489 "$HTTP_STATUS" "unknown database: $HTTP_BODY"
	assert_contains "$HTTP_BODY" "3D000"
	assert_not_contains "$HTTP_BODY" "ans_nosuch_db"
	# a manual call: 500, the same text
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" \
		-H "Authorization: Bearer $SYNC_ADMIN_TOKEN" -H 'x-manual-trigger: true'
	assert_eq 500 "$HTTP_STATUS" "manual, unknown database: $HTTP_BODY"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	local port; port=$(free_port)
	export TARGET_DATABASE_URL="postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:$port/ans_conn?connect_timeout=3"
	start_serve
	signed_delivery msg_conn_3
	assert_eq 503 "$HTTP_STATUS" "unreachable: $HTTP_BODY"
	assert_contains "$HTTP_BODY" "could not connect to the target database: connection refused"
	assert_not_contains "$HTTP_BODY" "$port"
	assert_private "$HTTP_BODY" "answer (unreachable)"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
}

# count_proxy LISTEN_PORT BACKEND_PORT FILE: a TCP proxy to PostgreSQL that
# appends a line to FILE for every connection it accepts; sets PROXY_PID.
count_proxy() {
	python3 - "$@" <<'PY' &
import socket, sys, threading
listen, backend, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen)); srv.listen(64)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
while True:
    c, _ = srv.accept()
    with open(path, "a") as f: f.write("conn\n")
    u = socket.create_connection(("127.0.0.1", backend))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY
	PROXY_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && break
		sleep 0.05
	done
	: > "$3"
}

# A busy --once instance answers strangers 401 without any
# database work (it used to admit them first, and each 503 read the run
# log for its Retry-After: a connection per unauthenticated request).
test_unauthenticated_calls_cost_no_database_connection() {
	answers_env
	local db=once_conn_$$ pport count=$TEST_TMP/connections
	new_db "$db"
	# the sync's one row waits for an advisory lock this test holds until
	# it has made its calls
	q "$db" "CREATE SCHEMA slave;
		CREATE TABLE slave.items (id int PRIMARY KEY, v text);
		CREATE TABLE public.items (id int PRIMARY KEY, v text);
		INSERT INTO slave.items VALUES (1, 'v');
		CREATE FUNCTION public.wait_for_test() RETURNS trigger LANGUAGE plpgsql AS
		  \$\$BEGIN PERFORM pg_advisory_xact_lock(2323); RETURN NEW; END\$\$;
		CREATE TRIGGER wait_for_test BEFORE INSERT ON public.items
		  FOR EACH ROW EXECUTE FUNCTION public.wait_for_test();"
	psql -X -q -d "$db" -c "SELECT pg_advisory_lock(2323), pg_sleep(120)" >/dev/null 2>&1 &
	local holder=$! i
	for ((i = 0; i < 200; i++)); do
		[ "$(q "$db" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 2323 AND granted")" = 1 ] && break
		sleep 0.02
	done
	pport=$(free_port)
	count_proxy "$pport" "$PGPORT" "$count"
	export TARGET_DATABASE_URL="postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:$pport/$db"
	export SYNC_SOURCE_SCHEMA=slave SYNC_TARGET_SCHEMA=public SYNC_LOCK_TIMEOUT=120s
	start_serve --once
	curl -s -o "$TEST_TMP/first.out" --max-time 60 -H "Authorization: Bearer $SYNC_ADMIN_TOKEN" \
		"$SERVE_URL/api/background/sync/slave-to-prod" &
	local first=$!
	for ((i = 0; i < 500; i++)); do
		[ "$(q "$db" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'syncfn' AND wait_event_type = 'Lock'")" = 1 ] && break
		sleep 0.02
	done
	local before; before=$(wc -l < "$count")
	for ((i = 0; i < 4; i++)); do
		http POST "$SERVE_URL/api/background/sync/slave-to-prod"
		assert_eq 401 "$HTTP_STATUS" "no credentials: $HTTP_BODY"
		http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: x.y.z"
		assert_eq 401 "$HTTP_STATUS" "a bad signature: $HTTP_BODY"
		http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H "Authorization: Bearer wrong"
		assert_eq 401 "$HTTP_STATUS" "a wrong token: $HTTP_BODY"
		http POST "$SERVE_URL/api/background/sync/failure" -d '{}'
		assert_eq 401 "$HTTP_STATUS" "an unsigned failure callback: $HTTP_BODY"
		http GET "$SERVE_URL/api/background/sync/schedule"
		assert_eq 401 "$HTTP_STATUS" "schedule without a token: $HTTP_BODY"
	done
	assert_eq "$before" "$(wc -l < "$count")" "database connections opened for strangers"
	# an authorised caller still gets the busy 503 with the run log's estimate
	http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 503 "$HTTP_STATUS" "$HTTP_BODY"
	assert_contains "$HTTP_HEADERS" "Retry-After: "
	[ "$(wc -l < "$count")" -gt "$before" ] || fail "the counting proxy saw no connection"
	q "$db" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_advisory_lock(2323)%' AND pid <> pg_backend_pid()" >/dev/null
	wait "$holder" 2>/dev/null || true
	wait "$first"
	assert_json "$(cat "$TEST_TMP/first.out")" 'j["success"]' true
	wait_exit "$SERVE_PID" 5
	kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null || true
}

# --idle-exit never drops a delivery whose body is still
# arriving: a signed POST trickling its body for 6 s to an instance that
# idles out after 3 s is answered, and the instance exits after that.
test_idle_exit_waits_for_a_trickling_signed_delivery() {
	answers_env
	new_db idle_trickle
	q idle_trickle "CREATE SCHEMA slave; CREATE TABLE slave.t (id int PRIMARY KEY); CREATE TABLE public.t (id int PRIMARY KEY)"
	export TARGET_DATABASE_URL=$(db_url idle_trickle) SYNC_SOURCE_SCHEMA=slave SYNC_TARGET_SCHEMA=public
	local body='{"trickled":"abcdefghijklmnopqrstuvwxyz"}' tok
	tok=$(delivery_token "$body" jwt_idle)
	# the body trickles for 6 s, twice the idle time; the headers go out
	# as soon as the server listens
	start_serve --once --idle-exit 3
	python3 - "$SERVE_PORT" "$tok" "$body" > "$TEST_TMP/trickle.out" 2>&1 <<'PY'
import socket, sys, time
port, tok, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\n"
          b"Upstash-Signature: " + tok.encode() + b"\r\nUpstash-Message-Id: msg_idle\r\n"
          b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
for i in range(len(body)):
    time.sleep(6.0 / len(body))
    s.sendall(body[i:i + 1])
s.settimeout(30)
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
except OSError as e:
    print("error", e)
print(data.split(b"\r\n")[0].decode() if data else "no answer")
PY
	assert_contains "$(cat "$TEST_TMP/trickle.out")" "HTTP/1.1 200" "the trickled delivery: $(cat "$TEST_TMP/trickle.out") $(tail -3 "$SERVE_LOG")"
	wait_exit "$SERVE_PID" 5
	assert_eq 0 "$EXIT_CODE"
}

# The same with the headers trickling: the connection was accepted before
# the idle exit was due, so its request counts from that first byte.
test_idle_exit_waits_for_trickling_headers() {
	answers_env
	new_db idle_headers
	q idle_headers "CREATE SCHEMA slave; CREATE TABLE slave.t (id int PRIMARY KEY); CREATE TABLE public.t (id int PRIMARY KEY)"
	export TARGET_DATABASE_URL=$(db_url idle_headers) SYNC_SOURCE_SCHEMA=slave SYNC_TARGET_SCHEMA=public
	local body='{}' tok
	tok=$(delivery_token "$body" jwt_idle_h)
	# headers over 3.5 s: past the 2 s idle exit, within the server's
	# 5 s for a request's headers
	start_serve --once --idle-exit 2
	python3 - "$SERVE_PORT" "$tok" "$body" > "$TEST_TMP/trickle.out" 2>&1 <<'PY'
import socket, sys, time
port, tok, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
head = (b"POST /api/background/sync/slave-to-prod HTTP/1.1\r\nHost: x\r\n"
        b"Upstash-Signature: " + tok.encode() + b"\r\nUpstash-Message-Id: msg_idle_h\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
s = socket.create_connection(("127.0.0.1", port))
step = 3.5 / 8
for i in range(8):
    s.sendall(head[i * len(head) // 8:(i + 1) * len(head) // 8])
    time.sleep(step)
s.sendall(body)
s.settimeout(30)
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
except OSError as e:
    print("error", e)
print(data.split(b"\r\n")[0].decode() if data else "no answer")
PY
	assert_contains "$(cat "$TEST_TMP/trickle.out")" "HTTP/1.1 200" "the delivery whose headers trickled: $(cat "$TEST_TMP/trickle.out") $(tail -3 "$SERVE_LOG")"
	wait_exit "$SERVE_PID" 5
	assert_eq 0 "$EXIT_CODE"
}

# A connection that sends nothing holds an idle exit only until the
# server gives up on its headers (5 s), and only if it came before the
# exit was due: strangers cannot keep an idle instance alive.
test_idle_exit_is_held_by_silent_connections_for_the_header_wait_only() {
	start_serve --idle-exit 2
	python3 - "$SERVE_PORT" <<'PY' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))]
t0 = time.time()
while time.time() - t0 < 15:  # a new silent connection every 0.5 s
    time.sleep(0.5)
    try:
        socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    except OSError:
        break
PY
	local holder=$! t0=$SECONDS
	wait_exit "$SERVE_PID" 12
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null || true
	assert_eq 0 "$EXIT_CODE" "the idle server exits although connections keep coming"
	[ $((SECONDS - t0)) -le 9 ] || fail "silent connections held the idle exit for $((SECONDS - t0)) s"
}
