# runtime_engines.sh - the seam between the runtime and the engines it
# loads: an engine built for another interface (a stale .so left by an old
# install) is refused with a message, never called.
# timeout: 60

# fake_engine DIR VERSION|none: engines that export the entry points and,
# unless "none", an interface version with other struct sizes
fake_engine() {
	mkdir -p "$1"
	{
		echo 'int sync_run(void) { return 0; } int sync_runs(void) { return 0; }'
		echo 'int schedule_run(void) { return 0; }'
		[ "$2" = none ] || echo "struct abi { unsigned v, a, b, c, d, e, f; };
const struct abi syncfn_engine_abi = { $2, 1, 2, 3, 4, 5, 6 };"
	} >"$1/fake.c"
	cc -shared -fPIC -o "$1/syncfn-sync.so" "$1/fake.c" || fail "cannot build the fake engine"
	cp "$1/syncfn-sync.so" "$1/syncfn-schedule.so"
}

test_engine_of_another_interface_is_refused() {
	fake_engine "$TEST_TMP/lib" 999
	local rc=0
	SYNCFN_LIBDIR=$TEST_TMP/lib TARGET_DATABASE_URL=postgresql://u@127.0.0.1:1/db \
		"$SYNCFN" sync >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
	assert_eq 1 "$rc" "exit status"
	assert_contains "$(cat "$TEST_TMP/err")" "syncfn-sync.so was built for engine interface 999, this syncfn needs"
	rc=0
	SYNCFN_LIBDIR=$TEST_TMP/lib QSTASH_TOKEN=t APP_URL=https://a.example \
		"$SYNCFN" schedule list >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
	assert_eq 1 "$rc" "exit status"
	assert_contains "$(cat "$TEST_TMP/err")" "syncfn-schedule.so was built for engine interface 999"
}

test_engine_without_an_interface_version_is_refused() {
	fake_engine "$TEST_TMP/lib" none
	local rc=0
	SYNCFN_LIBDIR=$TEST_TMP/lib TARGET_DATABASE_URL=postgresql://u@127.0.0.1:1/db \
		"$SYNCFN" sync >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
	assert_eq 1 "$rc" "exit status"
	assert_contains "$(cat "$TEST_TMP/err")" "syncfn-sync.so was built for an older syncfn"
}

test_engine_over_http_is_refused_with_500() {
	fake_engine "$TEST_TMP/lib" 999
	SYNCFN_LIBDIR=$TEST_TMP/lib SYNC_ADMIN_TOKEN=adm-token-123456789 \
		TARGET_DATABASE_URL=postgresql://u@127.0.0.1:1/db start_serve
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H 'x-manual-trigger: true' \
		-H 'Authorization: Bearer adm-token-123456789'
	[ "$HTTP_STATUS" -ge 500 ] || fail "status $HTTP_STATUS for a mismatched engine"
	assert_json "$HTTP_BODY" 'j["success"]' false
	grep -q 'was built for engine interface 999' "$SERVE_LOG" || fail "the log does not say why: $(cat "$SERVE_LOG")"
	kill "$SERVE_PID"
}
