# qstash_fuzz.sh - a short libFuzzer run over the QStash signature verifier
# (tests/fuzz/run.sh); any crash, leak or sanitizer report fails it. The
# harness is its own sanitized build, so it runs once, in the first build's
# pass, not again for build/asan.
# timeout: 150
# builds: first

test_fuzz_qstash_verify_20s() {
	FUZZ_DIR=$TEST_TMP/fuzz bash "$ROOT/tests/fuzz/run.sh" 20 >"$TEST_TMP/fuzz-run.log" 2>&1 || {
		tail -n 80 "$TEST_TMP/fuzz-run.log"
		fail "the fuzzer found a problem (tests/fuzz/run.sh 20)"
	}
	local out; out=$(cat "$TEST_TMP/fuzz-run.log")
	assert_contains "$out" "no crash in 20s"
	# It really ran: libFuzzer's own count of executed inputs.
	local n; n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TEST_TMP/fuzz-run.log")
	[ "${n:-0}" -gt 10000 ] || fail "the fuzzer ran only ${n:-0} inputs"
	rm -rf "$TEST_TMP/fuzz"
}
