# SIGTERM while a real sync waits on production: the grace period passes,
# the sync is cancelled and rolled back, the caller gets 503, exit 0.
# timeout: 60

test_sigterm_cancels_a_sync_after_the_grace_period() {
	new_db sd_src; new_db sd_dst
	q sd_src "create table t (id int primary key, v text); insert into t select g, 'x' from generate_series(1, 100) g"
	q sd_dst "create table t (id int primary key, v text)"
	# Production holds a lock the sync must wait for.
	PGAPPNAME=sd_locker psql -X -q -d sd_dst -c "begin; lock table t in access exclusive mode; select pg_sleep(30)" >/dev/null 2>&1 &
	local locker=$!
	sleep 0.5
	SYNC_ADMIN_TOKEN=adm-1 TARGET_DATABASE_URL=$(db_url sd_dst) SOURCE_DATABASE_URL=$(db_url sd_src) \
		SYNC_LOCK_TIMEOUT=50s SHUTDOWN_GRACE_SECONDS=1 start_serve
	http POST "$SERVE_URL/api/background/sync/slave-to-prod" -H 'Authorization: Bearer adm-1' -H 'x-manual-trigger: true' &
	local client=$!
	sleep 1
	local t0=$SECONDS
	kill -TERM "$SERVE_PID"
	wait_exit "$SERVE_PID" 15
	assert_eq 0 "$EXIT_CODE"
	[ $((SECONDS - t0)) -le 6 ] || fail "took $((SECONDS - t0)) s to stop"
	wait "$client" || true
	grep -q '"event":"Grace period over: cancelling the running invocation"' "$SERVE_LOG" || fail "no cancel log: $(cat "$SERVE_LOG")"
	grep -q '"status":503' "$SERVE_LOG" || fail "the sync was not answered 503: $(cat "$SERVE_LOG")"
	q postgres "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'sd_locker'" >/dev/null
	wait "$locker" 2>/dev/null || true
	assert_eq 0 "$(q sd_dst 'select count(*) from t')" "target untouched"
	assert_eq cancelled "$(q sd_dst "select status from syncfn.runs order by id desc limit 1")"
}
