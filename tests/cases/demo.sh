# `make run`'s demo keeps working: one sync with rows written, then a re-sync
# that writes nothing.
# timeout: 120
# builds: first

test_make_run_demo() {
	DEMO_PORT=$(free_port) BUILD_DIR=$BUILD_DIR CI=1 bash "$ROOT/tests/demo/run.sh" > "$TEST_TMP/demo.out" 2>&1 \
		|| fail "demo failed: $(tail -30 "$TEST_TMP/demo.out")"
	local out; out=$(cat "$TEST_TMP/demo.out")
	assert_contains "$out" '"success": true'
	assert_contains "$out" "Slave-to-prod sync completed successfully"
	python3 - "$TEST_TMP/demo.out" <<'PY' || fail "demo statistics: $(cat "$TEST_TMP/demo.out" | head -80)"
import json, re, sys
text = open(sys.argv[1]).read()
# the two pretty-printed sync answers, in order
objs, depth, start = [], 0, None
for i, ch in enumerate(text):
    if ch == '{':
        if depth == 0: start = i
        depth += 1
    elif ch == '}' and depth:
        depth -= 1
        if depth == 0:
            try: objs.append(json.loads(text[start:i+1]))
            except ValueError: pass
syncs = [o for o in objs if "statistics" in o]
first, second = syncs[0]["statistics"], syncs[1]["statistics"]
assert first["inserted"] + first["updated"] > 0, first
assert second["inserted"] == 0 and second["updated"] == 0, second
assert second["unchanged"] == second["total_records"], second
PY
}
