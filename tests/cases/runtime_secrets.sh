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

# Connection strings that libpq would read other than as written
# are configuration errors before anything connects, on every command,
# and name the variable and the fix; the password never shows.
test_misread_database_urls_are_config_errors() {
	local var url secret hint rc out
	while IFS='|' read -r var url secret hint; do
		url=${url//PGPORT/$PGPORT}
		rc=0; out=$(env "TARGET_DATABASE_URL=$(db_url postgres)" "$var=$url" "$SYNCFN" sync 2>&1) || rc=$?
		assert_eq 2 "$rc" "syncfn sync with $var=$url: $out"
		assert_contains "$out" "syncfn sync: $var "
		assert_contains "$out" "$hint"
		assert_not_contains "$out" "$secret" "the password in syncfn sync's output"
		unset SOURCE_DATABASE_URL
		export TARGET_DATABASE_URL=$(db_url postgres) SYNC_ADMIN_TOKEN=adm-token-secrets-11
		export "$var=$url"
		start_serve
		http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H 'Authorization: Bearer adm-token-secrets-11' -H 'x-manual-trigger: true'
		assert_eq 500 "$HTTP_STATUS" "manual sync with $var=$url"
		assert_contains "$HTTP_BODY" "sync not configured: $var "
		assert_not_contains "$HTTP_BODY" "$secret"
		http GET "$SERVE_URL/api/background/sync/status" -H 'Authorization: Bearer adm-token-secrets-11'
		# not configured answers 503 on every route but the sync route
		assert_eq 503 "$HTTP_STATUS" "status with $var=$url"
		kill "$SERVE_PID"; wait_exit "$SERVE_PID" 5
		grep -q "\"Not fully configured\".*$var " "$SERVE_LOG" || fail "no start-up warning for $var: $(head -3 "$SERVE_LOG")"
		! grep -qF -- "$secret" "$SERVE_LOG" || fail "$secret in the log: $(grep -F -- "$secret" "$SERVE_LOG")"
		! grep -q '"Sync failed"\|could not connect' "$SERVE_LOG" || fail "it tried to connect"
	done <<-EOF
		TARGET_DATABASE_URL|postgresql://app:pass/word-Secret@db.example:5432/prod|word-Secret|'/' as %2F
		TARGET_DATABASE_URL|postgresql://postgres:p@ss-Secret@127.0.0.1:PGPORT/postgres|ss-Secret|'@' as %40
		SOURCE_DATABASE_URL|dbname=postgresql://postgres:S3cret-Embedded@127.0.0.1:1/slave|S3cret-Embedded|the URI itself
		SOURCE_DATABASE_URL|host=127.0.0.1 password=Two Words-Secret|Words-Secret|single quotes
	EOF
}

# Engine errors printed by `syncfn sync` go through the redactor too: here
# the database name carries the password, and libpq's error quotes it.
test_sync_stderr_is_redacted() {
	local rc=0 out
	out=$(TARGET_DATABASE_URL="host=127.0.0.1 port=$PGPORT user=postgres password=$PGPASSWORD_TEST dbname=no-$PGPASSWORD_TEST" \
		"$SYNCFN" sync 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "synced into a database that does not exist"
	assert_contains "$out" "[REDACTED]"
	assert_not_contains "$out" "$PGPASSWORD_TEST" "the password on stderr"
}
