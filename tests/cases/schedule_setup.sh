# `syncfn setup`: every configuration problem at once, the doctor's checks
# (databases and plan, the signing keys against GET /v2/keys) before it
# creates anything, and what it prints (never a secret).
# timeout: 60

source "$ROOT/tests/lib/schedule.sh"

setup_env() {
	start_qdev
	new_db setup_db
	q setup_db "CREATE SCHEMA slave; CREATE TABLE slave.items (id int PRIMARY KEY); CREATE TABLE public.items (id int PRIMARY KEY)"
	export TARGET_DATABASE_URL=$(db_url setup_db) SYNC_SOURCE_SCHEMA=slave
	export QSTASH_CURRENT_SIGNING_KEY=$QD_CURRENT QSTASH_NEXT_SIGNING_KEY=$QD_NEXT
}

test_setup_lists_every_problem_at_once() {
	OUT=$(env -u TARGET_DATABASE_URL -u QSTASH_TOKEN -u APP_URL -u NEXT_PUBLIC_APP_URL \
		-u QSTASH_CURRENT_SIGNING_KEY -u QSTASH_NEXT_SIGNING_KEY SYNC_RETRIES=lots \
		"$SYNCFN" setup 2>&1) && RC=0 || RC=$?
	assert_eq 2 "$RC"
	for v in TARGET_DATABASE_URL QSTASH_TOKEN APP_URL QSTASH_CURRENT_SIGNING_KEY \
		QSTASH_NEXT_SIGNING_KEY SYNC_RETRIES; do
		assert_contains "$OUT" "syncfn setup: $v" "$v reported"
	done
	assert_contains "$OUT" "6 problems"
}

test_setup_prints_ids_and_commands() {
	setup_env
	SYNC_SCHEDULE_ID=nightly SYNC_CRON='0 2 * * *' EXTRA_SECRET=$PGPASSWORD_TEST sf setup
	assert_eq 0 "$RC" "setup ($ERR)"
	assert_contains "$OUT" "Schedule id: nightly"
	for c in "syncfn schedule list" "syncfn schedule get nightly" "syncfn schedule pause nightly" \
		"syncfn schedule resume nightly" "syncfn schedule delete nightly" "syncfn schedule trigger"; do
		assert_contains "$OUT" "$c"
	done
	assert_contains "$OUT" "-d '{\"action\":\"pause\",\"scheduleId\":\"nightly\"}' $APP_URL/api/background/sync/schedule"
	assert_contains "$OUT" '"action":"trigger-manual"'
	assert_contains "$OUT" "SYNC_ADMIN_TOKEN is not set"
	assert_not_contains "$ERR" '{"time"' "no JSON log lines beside the progress text"
	assert_json "$(last_req)" '[j["method"], j["path"]]' "[\"POST\", \"/v2/publish/$DEST\"]"
	assert_json "$(schedule_state nightly)" 'j["cron"]' '0 2 * * *'
	stop_qdev
}

test_setup_refuses_keys_qstash_does_not_use() {
	setup_env
	EXTRA_SECRET=sig_stale_key_9 QSTASH_NEXT_SIGNING_KEY=sig_stale_key_9 sf setup
	assert_eq 2 "$RC"
	assert_contains "$ERR" "QSTASH_NEXT_SIGNING_KEY is not the next signing key"
	assert_not_contains "$ERR" "QSTASH_CURRENT_SIGNING_KEY is not"
	assert_eq 1 "$(req_count)" "stopped after GET /v2/keys"
	assert_json "$(last_req)" '[j["method"], j["path"]]' '["GET", "/v2/keys"]'
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)" "no schedule created"
	stop_qdev
}

test_setup_with_a_bad_token_fails_early() {
	setup_env
	EXTRA_SECRET=bad-token-8c QSTASH_TOKEN=bad-token-8c sf setup
	assert_eq 1 "$RC"
	assert_contains "$ERR" "check QSTASH_TOKEN"
	assert_eq 1 "$(req_count)"
	stop_qdev
}

test_setup_with_qstash_down_says_what_to_check() {
	setup_env
	QSTASH_URL=http://127.0.0.1:$(free_port) sf setup
	assert_eq 1 "$RC"
	assert_contains "$ERR" "cannot reach QStash"
	assert_contains "$ERR" "check QSTASH_URL and the network"
	stop_qdev
}

# Setup used to print "ok" for every step with a database nobody could
# reach: now it stops before it creates anything.
test_setup_stops_on_an_unreachable_database() {
	setup_env
	TARGET_DATABASE_URL=postgresql://u:DBPASS-x1@127.0.0.1:1/none EXTRA_SECRET=DBPASS-x1 sf setup
	assert_eq 1 "$RC" "setup with an unreachable database ($OUT $ERR)"
	assert_contains "$OUT" "Checking both databases and the plan (nothing is written)... failed"
	assert_contains "$ERR" "syncfn setup: could not connect to the target database: connection refused"
	assert_contains "$ERR" "nothing was created"
	assert_eq 1 "$(req_count)" "one QStash call: GET /v2/keys"
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)" "no schedule created"
	stop_qdev
}

test_setup_stops_on_a_plan_problem() {
	setup_env
	SYNC_TABLES=items,missing sf setup
	assert_eq 2 "$RC" "a table that does not exist is a configuration error"
	assert_contains "$ERR" "syncfn setup: table slave.missing does not exist in the source database"
	assert_eq '{}' "$(schedule_state slave-to-prod-sync)" "no schedule created"
	stop_qdev
}
