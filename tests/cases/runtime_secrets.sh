# No secret ever reaches a log line or a response: a full run with every
# secret set, success and failure paths, then every byte written is searched.
# timeout: 90

secret_env() {
	export SYNC_ADMIN_TOKEN=adm-SECRET-7f3a9c
	export QSTASH_TOKEN=qst-SECRET-b81d22
	export QSTASH_CURRENT_SIGNING_KEY=sig_CURRENTSECRET5e1
	export QSTASH_NEXT_SIGNING_KEY=sig_NEXTSECRET0c77
	export APP_URL=http://127.0.0.1:9
	export QSTASH_URL=http://127.0.0.1:9
}

assert_no_secrets() { # files...
	local s f
	for s in "$PGPASSWORD_TEST" "$SYNC_ADMIN_TOKEN" "$QSTASH_TOKEN" "$QSTASH_CURRENT_SIGNING_KEY" \
	         "$QSTASH_NEXT_SIGNING_KEY" wrong-pass-SECRET-91; do
		for f in "$@"; do
			! grep -qF -- "$s" "$f" || fail "secret ${s:0:6}... found in $(basename "$f"): $(grep -F -- "$s" "$f" | head -2)"
		done
	done
}

test_full_run_leaks_no_secret() {
	secret_env
	new_db sec_src; new_db sec_dst
	q sec_src "create table items (id int primary key, name text); insert into items select g, 'n' || g from generate_series(1, 50) g"
	q sec_dst "create table items (id int primary key, name text)"
	export TARGET_DATABASE_URL=$(db_url sec_dst) SOURCE_DATABASE_URL=$(db_url sec_src)
	start_serve
	local out=$TEST_TMP/responses.log
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN" -H 'x-manual-trigger: true'
	echo "$HTTP_HEADERS $HTTP_BODY" >> "$out"
	assert_eq 200 "$HTTP_STATUS" "manual sync: $HTTP_BODY"
	# a QStash delivery signed with the current key
	printf '' > "$TEST_TMP/body"
	local now; now=$(date +%s)
	local tok; tok=$(jwt_hs256 "$QSTASH_CURRENT_SIGNING_KEY" '{"alg":"HS256","typ":"JWT"}' \
		"{\"iss\":\"Upstash\",\"sub\":\"$APP_URL/api/background/sync/slave-to-prod\",\"exp\":$((now + 300)),\"nbf\":0,\"iat\":$now,\"jti\":\"jwt_1\",\"body\":\"$(body_hash "$TEST_TMP/body")\"}")
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: $tok" -H 'Upstash-Message-Id: msg_secret_test'
	echo "$HTTP_HEADERS $HTTP_BODY" >> "$out"
	assert_eq 200 "$HTTP_STATUS" "signed delivery: $HTTP_BODY"
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H "Upstash-Signature: ${tok}x"
	echo "$HTTP_BODY" >> "$out"; assert_eq 401 "$HTTP_STATUS"
	http GET "$SERVE_URL/api/background/sync/status" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	echo "$HTTP_BODY" >> "$out"
	http GET "$SERVE_URL/api/background/sync/schedule" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	echo "$HTTP_BODY" >> "$out"; assert_eq 502 "$HTTP_STATUS" "QStash unreachable"
	http GET "$SERVE_URL/api/background/sync/status" -H "Authorization: Bearer ${SYNC_ADMIN_TOKEN}x"
	echo "$HTTP_BODY" >> "$out"
	kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
	# the CLI, including a wrong password and an unreachable host
	"$SYNCFN" sync > "$TEST_TMP/cli-ok.log" 2>&1 || fail "cli sync: $(cat "$TEST_TMP/cli-ok.log")"
	TARGET_DATABASE_URL=postgresql://postgres:wrong-pass-SECRET-91@127.0.0.1:$PGPORT/sec_dst \
		"$SYNCFN" sync > "$TEST_TMP/cli-badpass.log" 2>&1 && fail "wrong password synced"
	grep -q "password authentication failed\|authentication" "$TEST_TMP/cli-badpass.log" || fail "no auth reason: $(cat "$TEST_TMP/cli-badpass.log")"
	TARGET_DATABASE_URL="host=127.0.0.1 port=9 dbname=x user=postgres password=wrong-pass-SECRET-91" \
		"$SYNCFN" sync > "$TEST_TMP/cli-unreach.log" 2>&1 && fail "unreachable synced"
	"$SYNCFN" schedule list > "$TEST_TMP/cli-sched.log" 2>&1 && fail "schedule list against nothing succeeded"
	"$SYNCFN" setup > "$TEST_TMP/cli-setup.log" 2>&1 && fail "setup against nothing succeeded"
	assert_no_secrets "$TEST_TMP"/*.log
}
