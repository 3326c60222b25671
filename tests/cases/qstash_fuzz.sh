# qstash_fuzz.sh - a short libFuzzer run (10 s; `make fuzz` runs longer)
# over the QStash signature verifier and the schedule-body parser, each on
# a thread with a civetweb worker's stack (tests/fuzz/run.sh); any crash,
# leak or sanitizer report fails it. The harness is its own sanitized
# build, so it runs once, in the first build's pass, not again for
# build/asan.
# timeout: 150
# builds: first

test_fuzz_qstash_verify_10s() {
	FUZZ_DIR=$TEST_TMP/fuzz bash "$ROOT/tests/fuzz/run.sh" 10 >"$TEST_TMP/fuzz-run.log" 2>&1 || {
		tail -n 80 "$TEST_TMP/fuzz-run.log"
		fail "the fuzzer found a problem (tests/fuzz/run.sh 10)"
	}
	local out; out=$(cat "$TEST_TMP/fuzz-run.log")
	assert_contains "$out" "no crash in 10s"
	# It really ran: libFuzzer's own count of executed inputs, for the
	# verifier and for the schedule-body parser (both on a worker's stack).
	# A floor that says it ran, not a speed: on a loaded 2-core machine
	# the schedule-body parser ran 846 inputs in its 10 s (tens of
	# thousands when idle), and a floor of 1,000 failed a whole run.
	local n h
	for h in fuzz_qstash_verify fuzz_schedule_body; do
		n=$(sed -n "s/^$h stat::number_of_executed_units: *//p" "$TEST_TMP/fuzz-run.log")
		[ "${n:-0}" -ge 100 ] || fail "$h ran only ${n:-0} inputs"
	done
	rm -rf "$TEST_TMP/fuzz"
}
