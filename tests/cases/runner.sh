# tests/run itself: whatever a case leaves running ends with it, and a
# process that left the case's process group fails the case.
# builds: first

test_runner_ends_a_case_and_fails_one_that_escaped() {
	export LEAK_TAG=$$$RANDOM
	local out rc=0
	out=$(SYNCFN_CASES="$ROOT/tests/runner" SYNCFN_TIMES=$TEST_TMP/times SYNCFN_BUILDS=build SYNCFN_JOBS=1 \
		bash "$ROOT/tests/run" ':leaks:' 2>&1) || rc=$?
	assert_eq 1 "$rc" "the runner's exit status: $out"
	assert_contains "$out" "3 passed, 1 failed"
	assert_contains "$out" "FAIL  std:leaks:test_own_session_left_running (exit 96"
	assert_contains "$out" "left processes running outside its process group"
	assert_contains "$out" "sleep 32$LEAK_TAG"
	assert_not_contains "$(pgrep -af "$LEAK_TAG" || true)" "sleep" "a process outlived the run"
}
