# The command line of the real binary.
# timeout: 30

test_help_and_version() {
	local out
	out=$("$SYNCFN" --help) || fail "--help exit $?"
	assert_contains "$out" "usage: syncfn"
	out=$("$SYNCFN" --version) || fail "--version exit $?"
	printf '%s\n' "$out" | sed -n 1p | grep -Eq '^syncfn [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{7,}(-dirty)?\)$' \
		|| fail "the first line names the version and the commit: $out"
	local lib
	for lib in civetweb cJSON mbedTLS libpq libcurl; do
		printf '%s\n' "$out" | grep -Eq "^  $lib [0-9]+\.[0-9]+" || fail "$lib's version: $out"
	done
	for c in serve sync schedule setup doctor status; do
		out=$("$SYNCFN" "$c" --help) || fail "$c --help exit $?"
		assert_contains "$out" "usage: syncfn $c"
	done
}

test_unknown_command_and_flag_exit_2() {
	local rc=0 out
	out=$("$SYNCFN" frobnicate 2>&1) || rc=$?
	assert_eq 2 "$rc"
	assert_contains "$out" "syncfn: unknown command frobnicate"
	assert_contains "$out" "usage: syncfn"
	# serve's statuses are 0 and 1 ("could not start"), bad usage included.
	rc=0; out=$("$SYNCFN" serve --fast 2>&1) || rc=$?
	assert_eq 1 "$rc"
	assert_contains "$out" "unknown option --fast"
	rc=0; out=$("$SYNCFN" sync --nope 2>&1) || rc=$?
	assert_eq 2 "$rc"
}

test_sync_without_target_names_the_variable() {
	local rc=0 out
	out=$(env -u TARGET_DATABASE_URL "$SYNCFN" sync 2>&1) || rc=$?
	assert_eq 2 "$rc"
	assert_contains "$out" "syncfn sync: TARGET_DATABASE_URL is not set"
}

test_serve_with_malformed_port_exits_1() {
	local rc=0 out
	out=$(PORT=http "$SYNCFN" serve 2>&1) || rc=$?
	assert_eq 1 "$rc"
	assert_contains "$out" "PORT must be a whole number"
}

test_text_log_format() {
	SERVE_PORT=$(free_port)
	LOG_FORMAT=text PORT=$SERVE_PORT "$SYNCFN" serve --idle-exit 1 > "$TEST_TMP/t.log" 2>&1
	grep -Eq '^[0-9T:.-]+Z info  Listening address=0.0.0.0 port=' "$TEST_TMP/t.log" || fail "text log: $(cat "$TEST_TMP/t.log")"
}

# On a terminal (text) "Sync completed" is one short line of totals; the
# JSON format keeps the whole statistics.
test_text_log_summarises_the_statistics() {
	new_db cli_textlog
	q cli_textlog "CREATE SCHEMA slave; CREATE SCHEMA prod;
	               CREATE TABLE slave.t (id int PRIMARY KEY); CREATE TABLE prod.t (id int PRIMARY KEY);
	               INSERT INTO slave.t SELECT generate_series(1, 3)"
	export TARGET_DATABASE_URL=$(db_url cli_textlog) SYNC_SOURCE_SCHEMA=slave SYNC_TARGET_SCHEMA=prod
	LOG_FORMAT=text "$SYNCFN" sync >/dev/null 2>"$TEST_TMP/text.log" || fail "sync: $(cat "$TEST_TMP/text.log")"
	local line; line=$(grep ' Sync completed' "$TEST_TMP/text.log")
	[[ "$line" =~ \ Sync\ completed\ inserted=3\ updated=0\ unchanged=0\ deleted=0\ duration_ms=[0-9]+\ tables=1\ run_id=1$ ]] \
		|| fail "the text line: $line"
	LOG_FORMAT=json "$SYNCFN" sync >/dev/null 2>"$TEST_TMP/json.log" || fail "sync (json)"
	assert_json "$(grep '"Sync completed"' "$TEST_TMP/json.log")" 'j["statistics"]["tables"][0]["table"]' prod.t
}

# A failure is reported once on stderr (the engine's log line), besides
# the JSON result on stdout: not once by the engine and again by the CLI.
test_sync_failure_is_reported_once() {
	local rc=0 port; port=$(free_port)
	LOG_FORMAT=text TARGET_DATABASE_URL="postgresql://u@127.0.0.1:$port/db" \
		"$SYNCFN" sync >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
	assert_eq 1 "$rc" "exit status"
	assert_json "$(cat "$TEST_TMP/out")" 'j["success"]' false
	local n; n=$(grep -c 'could not connect to the target database' "$TEST_TMP/err" || true)
	assert_eq 1 "$n" "times the error is on stderr: $(cat "$TEST_TMP/err")"
	# a text line leaves out the fields without a value (no message id,
	# no detail here) instead of printing them as null
	! grep -q '=null' "$TEST_TMP/err" || fail "null fields in a text line: $(cat "$TEST_TMP/err")"
}

# A misspelt parameter is named (it used to be "not a valid libpq
# connection string" with no word of which); the rest of libpq's message,
# which may quote the URL, is not repeated.
test_unknown_url_parameter_is_named() {
	local out rc=0
	out=$(TARGET_DATABASE_URL='postgresql://u:pw-SECRET-3@127.0.0.1:1/db?sslmod=require' "$SYNCFN" sync 2>&1) || rc=$?
	assert_eq 2 "$rc"
	assert_contains "$out" 'libpq knows no parameter \"sslmod\" (a typo? sslmode'
	assert_not_contains "$out" "pw-SECRET-3"
	rc=0
	out=$(TARGET_DATABASE_URL="host=127.0.0.1 sslmod=require password=pw-SECRET-4" "$SYNCFN" sync 2>&1) || rc=$?
	assert_eq 2 "$rc"
	assert_contains "$out" 'libpq knows no parameter \"sslmod\"'
	assert_not_contains "$out" "pw-SECRET-4"
}
