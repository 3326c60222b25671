# `syncfn doctor`: every readiness check, writing nothing: both databases
# with the configured roles, the plan (every table's problem at once),
# the QStash token and signing keys, APP_URL's /healthz (a warning).
# timeout: 90

source "$ROOT/tests/lib/schedule.sh"

doctor_env() {
	start_qdev
	export QSTASH_CURRENT_SIGNING_KEY=$QD_CURRENT QSTASH_NEXT_SIGNING_KEY=$QD_NEXT
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two "$1"
	both_q "CREATE TABLE items (id int PRIMARY KEY, v text); CREATE TABLE notes (id int PRIMARY KEY)"
	src_q "INSERT INTO items VALUES (1, 'a')"
	both_q "CREATE TABLE keyless (v text)"
}

test_doctor_ready_writes_nothing() {
	doctor_env doc_ok
	start_serve
	APP_URL=$SERVE_URL EXTRA_SECRET=$PGPASSWORD_TEST sf doctor
	assert_eq 0 "$RC" "doctor ($OUT $ERR)"
	assert_contains "$OUT" "Checking the environment... ok"
	assert_contains "$OUT" "Checking both databases and the plan (nothing is written)... ok: 2 tables"
	assert_contains "$OUT" "  public.items"
	assert_contains "$OUT" "  warning: table public.keyless skipped"
	assert_contains "$OUT" "Checking QSTASH_TOKEN and the signing keys... ok"
	assert_contains "$OUT" "Checking $SERVE_URL/healthz from here... ok"
	assert_contains "$OUT" "Ready (see the warnings)."
	assert_eq "" "$ERR" "nothing on stderr"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM pg_namespace WHERE nspname = 'syncfn'")" "no run log created"
	assert_eq 0 "$(dst_q 'SELECT count(*) FROM items')" "no row written"
	assert_eq 1 "$(req_count)" "one QStash call, GET /v2/keys"
	assert_eq "[]" "$(requests | python3 -c 'import json,sys; print(json.dumps([r["path"] for r in json.load(sys.stdin) if r["path"] != "/v2/keys"]))')"
	kill "$SERVE_PID"
	stop_qdev
}

test_doctor_finds_every_problem_at_once() {
	doctor_env doc_all
	SYNC_TABLES='items,nope,keyless,"Odd.Name"' QSTASH_NEXT_SIGNING_KEY=sig_stale_1 \
		APP_URL=http://127.0.0.1:$(free_port) EXTRA_SECRET=sig_stale_1 sf doctor
	assert_eq 1 "$RC" "doctor with problems ($OUT)"
	assert_contains "$OUT" "... failed"
	assert_contains "$ERR" "syncfn doctor: table public.nope does not exist in the source database"
	assert_contains "$ERR" "syncfn doctor: table public.keyless has no primary key"
	assert_contains "$ERR" 'syncfn doctor: table public.Odd.Name does not exist in the source database'
	assert_contains "$ERR" "syncfn doctor: QSTASH_NEXT_SIGNING_KEY is not the next signing key"
	assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c 'public.nope')" "each problem once"
	assert_contains "$OUT" "/healthz from here... warning: it did not answer:"
	assert_contains "$OUT" "Not ready: 4 problems"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM pg_namespace WHERE nspname = 'syncfn'")" "no run log created"
	stop_qdev
}

# Under *, every table the target role may not write is named, not the
# first one only.
test_doctor_star_names_every_table_the_role_cannot_write() {
	doctor_env doc_role
	dst_q "SET client_min_messages = warning; DROP ROLE IF EXISTS doc_reader; CREATE ROLE doc_reader LOGIN PASSWORD 'rd-SECRET-41';
	       GRANT USAGE, CREATE ON SCHEMA public TO doc_reader; GRANT SELECT ON items, notes, keyless TO doc_reader"
	TARGET_DATABASE_URL="postgresql://doc_reader:rd-SECRET-41@127.0.0.1:$PGPORT/$DST_DB" \
		APP_URL=http://127.0.0.1:$(free_port) EXTRA_SECRET=rd-SECRET-41 sf doctor
	assert_eq 1 "$RC" "($OUT $ERR)"
	assert_contains "$ERR" "public.items"
	assert_contains "$ERR" "public.notes"
	assert_contains "$ERR" "public.keyless"
	assert_eq 3 "$(printf '%s\n' "$ERR" | grep -c '^syncfn doctor: .*lacks INSERT')" "three problems: $ERR"
	dst_q "DROP OWNED BY doc_reader; DROP ROLE doc_reader"
	stop_qdev
}

test_doctor_unreachable_database_and_missing_variables() {
	doctor_env doc_down
	TARGET_DATABASE_URL="postgresql://u:pw-SECRET-77@127.0.0.1:1/none" \
		EXTRA_SECRET=pw-SECRET-77 sf doctor
	assert_eq 1 "$RC"
	assert_contains "$ERR" "syncfn doctor: could not connect to the target database: connection refused"
	assert_contains "$ERR" "(libpq: could not connect to the target database (host 127.0.0.1:1, database none)"
	assert_contains "$OUT" "Checking QSTASH_TOKEN and the signing keys... ok" "the other checks still run"
	env -u QSTASH_TOKEN -u TARGET_DATABASE_URL "$SYNCFN" doctor >"$TEST_TMP/out" 2>"$TEST_TMP/err" && RC=0 || RC=$?
	assert_eq 1 "$RC"
	assert_contains "$(cat "$TEST_TMP/err")" "syncfn doctor: TARGET_DATABASE_URL is not set"
	assert_contains "$(cat "$TEST_TMP/err")" "syncfn doctor: QSTASH_TOKEN is not set"
	sf doctor --now
	assert_eq 2 "$RC" "bad usage"
	stop_qdev
}
