# Errors a person can act on: which database, which table, which
# privilege; never a password.
# timeout: 120
# builds: last

# A rejected password is a configuration error (exit 2), naming the
# database and the fix; the answer names neither the
# host, the database name nor the role, which the local log keeps.
test_wrong_password_names_the_database_not_the_secret() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_err_pw
	export SOURCE_DATABASE_URL="postgresql://postgres:Wrong-Secret-123@127.0.0.1:$PGPORT/$SRC_DB"
	run_sync
	assert_eq 2 "$RC" "exit: $OUT"
	assert_contains "$OUT" "the source database refused the user name or password (PostgreSQL 28P01 invalid_password): fix them in SOURCE_DATABASE_URL"
	assert_not_contains "$OUT" "127.0.0.1"
	assert_not_contains "$OUT" "$SRC_DB"
	assert_not_contains "$OUT" '\"postgres\"'
	assert_contains "$ERR" "(host 127.0.0.1:$PGPORT, database $SRC_DB)"
	assert_contains "$ERR" "password authentication failed"
	assert_not_contains "$OUT$ERR" "Wrong-Secret-123"
	assert_not_contains "$OUT$ERR" "$PGPASSWORD_TEST"
	# the failure is recorded in the (reachable) target
	assert_eq config_error "$(dst_q "SELECT status FROM syncfn.runs ORDER BY id DESC LIMIT 1")"
}

# An unknown role (28000) and an unknown database (3D000)
# are configuration errors too.
test_unknown_role_or_database_is_a_config_error() {
	source "$ROOT/tests/lib/sync.sh"
	export TARGET_DATABASE_URL="postgresql://nosuchrole:x@127.0.0.1:$PGPORT/postgres"
	run_sync
	assert_eq 2 "$RC" "exit: $OUT"
	assert_contains "$OUT" "the target database refused the "
	assert_contains "$OUT" "TARGET_DATABASE_URL"
	assert_not_contains "$OUT" "nosuchrole"
	export TARGET_DATABASE_URL="postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:$PGPORT/no_such_db_23"
	run_sync
	assert_eq 2 "$RC" "exit: $OUT"
	assert_contains "$OUT" "the target database does not exist on its server (PostgreSQL 3D000 invalid_catalog_name): fix the database name in TARGET_DATABASE_URL"
	assert_not_contains "$OUT" "no_such_db_23"
	assert_contains "$ERR" "no_such_db_23"
}

test_unreachable_host() {
	source "$ROOT/tests/lib/sync.sh"
	local port; port=$(free_port)
	export TARGET_DATABASE_URL="postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:$port/nowhere?connect_timeout=3"
	run_sync
	assert_eq 1 "$RC" "exit: $OUT"
	assert_contains "$OUT" "could not connect to the target database: connection refused"
	assert_not_contains "$OUT" "nowhere"
	assert_contains "$ERR" "(host 127.0.0.1:$port, database nowhere)"
	assert_not_contains "$OUT$ERR" "$PGPASSWORD_TEST"
	# the source connects while the target does: with both unreachable,
	# the target's error is the one reported, as when they connected in turn
	export SOURCE_DATABASE_URL="postgresql://postgres:x@127.0.0.1:$port/elsewhere?connect_timeout=3"
	run_sync
	assert_eq 1 "$RC" "exit: $OUT"
	assert_contains "$OUT" "could not connect to the target database: connection refused"
	assert_not_contains "$OUT" "source database"
	# and the local log's detail is the target's too
	assert_contains "$ERR" "(host 127.0.0.1:$port, database nowhere)"
	assert_not_contains "$ERR" "elsewhere"
	# a reachable target and an unreachable source: the source's error,
	# recorded in the target's run log
	sync_mode two sync_err_unreach
	export SOURCE_DATABASE_URL="postgresql://postgres:x@127.0.0.1:$port/elsewhere?connect_timeout=3"
	run_sync
	assert_eq 1 "$RC" "exit: $OUT"
	assert_contains "$OUT" "could not connect to the source database: connection refused"
	assert_eq unreachable "$(dst_q "SELECT status FROM syncfn.runs ORDER BY id DESC LIMIT 1")"
}

test_missing_schema_and_table_exit_2() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode same sync_err_schema
	export SYNC_SOURCE_SCHEMA=nosuch
	run_sync
	assert_eq 2 "$RC" "exit: $OUT"
	assert_contains "$OUT" 'schema \"nosuch\" does not exist in the source database'
	export SYNC_SOURCE_SCHEMA=slave SYNC_TABLES=ghost
	src_q "CREATE TABLE ghost (id int PRIMARY KEY)"
	run_sync
	assert_eq 2 "$RC" "exit: $OUT"
	assert_contains "$OUT" "table prod.ghost does not exist in the target database"
	export SYNC_TABLES=phantom
	run_sync
	assert_eq 2 "$RC"
	assert_contains "$OUT" "table slave.phantom does not exist in the source database"
}

test_permission_denied_names_table_and_privilege() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_err_perm
	both_q "CREATE TABLE secret (id int PRIMARY KEY, v text); CREATE TABLE open (id int PRIMARY KEY)"
	src_q "INSERT INTO secret VALUES (1, 'x')"
	q postgres "DROP ROLE IF EXISTS sync_reader; CREATE ROLE sync_reader LOGIN PASSWORD 'reader-pw-42'"
	src_q "GRANT SELECT ON open TO sync_reader"
	export SOURCE_DATABASE_URL="postgresql://sync_reader:reader-pw-42@127.0.0.1:$PGPORT/$SRC_DB"
	run_sync
	assert_eq 2 "$RC" "exit: $OUT"
	assert_contains "$OUT" 'permission denied: the role in SOURCE_DATABASE_URL lacks SELECT on table public.secret in the source database'
	assert_not_contains "$OUT" "sync_reader"
	assert_not_contains "$OUT$ERR" "reader-pw-42"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM secret")"
}

test_rls_hiding_rows_is_warned_about() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_err_rls
	both_q "CREATE TABLE notes (id int PRIMARY KEY, owner text)"
	src_q "INSERT INTO notes VALUES (1, 'me'), (2, 'you');
	       ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
	       CREATE POLICY mine ON notes USING (owner = 'me')"
	q postgres "DROP ROLE IF EXISTS sync_rls; CREATE ROLE sync_rls LOGIN PASSWORD 'rls-pw-42'"
	src_q "GRANT SELECT ON notes TO sync_rls"
	export SOURCE_DATABASE_URL="postgresql://sync_rls:rls-pw-42@127.0.0.1:$PGPORT/$SRC_DB"
	sync_ok
	assert_contains "$OUT" 'source table public.notes has row level security and the role in SOURCE_DATABASE_URL does not bypass it'
	assert_contains "$ERR" "row level security"
	expect_counts 1 0 0
}

test_lock_timeout_instead_of_queueing_forever() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_err_lock
	both_q "CREATE TABLE busy (id int PRIMARY KEY)"
	src_q "INSERT INTO busy VALUES (1)"
	psql -X -q -d "$DST_DB" -c "BEGIN" -c "LOCK TABLE busy IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(6)" -c "COMMIT" >/dev/null &
	local holder=$! i
	for ((i = 0; i < 200; i++)); do
		[ "$(dst_q "SELECT count(*) FROM pg_locks WHERE relation = 'busy'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break
		sleep 0.02
	done
	local t0=$SECONDS
	SYNC_LOCK_TIMEOUT=1s run_sync
	assert_eq 1 "$RC" "exit: $OUT"
	assert_contains "$OUT" "lock timeout"
	assert_contains "$OUT" "SYNC_LOCK_TIMEOUT"
	[ $((SECONDS - t0)) -lt 5 ] || fail "the run waited for the lock $((SECONDS - t0))s"
	wait "$holder" || true
}
