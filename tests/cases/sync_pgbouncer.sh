# Syncing through PgBouncer in transaction mode, as through Supabase's
# Supavisor pooler (port 6543): every statement of a run keeps to what a
# transaction pooler allows (no session state across transactions, no
# prepared statements), the advisory run lock included.
# timeout: 120
# builds: last

source "$ROOT/tests/lib/pg.sh"

# start_bouncer: PgBouncer (pool_mode = transaction, a pool of 2) in front
# of the test server, on a free port; BOUNCER_PORT, BOUNCER_PID
start_bouncer() {
	command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] \
		|| skip "pgbouncer is not installed (make deps installs it)"
	local bin; bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
	BOUNCER_PORT=$(free_port)
	local dir=$TEST_TMP/bouncer
	mkdir -p "$dir"
	printf '"postgres" "%s"\n' "$PGPASSWORD_TEST" >"$dir/userlist.txt"
	cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PGPORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
	[ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
	pg_as_owner "$bin" "$dir/pgbouncer.ini" >"$dir/stdout.log" 2>&1 &
	BOUNCER_PID=$!
	BOUNCER_DIR=$dir
	# a failing assertion exits the test: take the pooler with it
	trap stop_bouncer EXIT
	local i
	for ((i = 0; i < 250; i++)); do
		PGPASSWORD=$PGPASSWORD_TEST psql -X -q -At -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres \
			-d postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	fail "pgbouncer did not start: $(cat "$dir"/*.log)"
}
bouncer_url() { echo "postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:${BOUNCER_PORT}/$1"; }
# runuser does not pass a signal on: stop pgbouncer itself, by its pidfile
stop_bouncer() {
	[ -s "$BOUNCER_DIR/pgbouncer.pid" ] && kill "$(cat "$BOUNCER_DIR/pgbouncer.pid")" 2>/dev/null
	wait "$BOUNCER_PID" 2>/dev/null || true
}

test_sync_through_pgbouncer_in_transaction_mode() {
	source "$ROOT/tests/lib/sync.sh"
	start_bouncer
	sync_mode two pgb
	export SOURCE_DATABASE_URL=$(bouncer_url "$SRC_DB") TARGET_DATABASE_URL=$(bouncer_url "$DST_DB")
	both_q "CREATE TABLE parent (id bigserial PRIMARY KEY, name text NOT NULL);
	        CREATE TABLE child (id int PRIMARY KEY, parent_id bigint REFERENCES parent, v jsonb)"
	src_q "INSERT INTO parent (name) SELECT 'p' || g FROM generate_series(1, 300) g;
	       INSERT INTO child SELECT g, 1 + g % 300, jsonb_build_object('g', g) FROM generate_series(1, 2000) g"
	sync_ok; expect_counts 2300 0 0
	same_rows parent; same_rows child
	# a re-sync (the checksum path) that writes nothing, then one change
	sync_ok; expect_counts 0 0 2300
	src_q "UPDATE child SET v = '{\"changed\": true}' WHERE id = 7; INSERT INTO parent (name) VALUES ('new')"
	sync_ok; expect_counts 1 1 2299
	same_rows parent; same_rows child
	# the sequence behind parent.id was advanced through the pooler too
	assert_eq 302 "$(dst_q "INSERT INTO parent (name) VALUES ('x') RETURNING id")"
	# one sync at a time, whoever triggers it: the run lock holds through
	# the pooler (a transaction-level advisory lock)
	dst_q "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN PERFORM pg_sleep(3); RETURN NEW; END\$\$;
	       CREATE TRIGGER slow BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION slow()"
	src_q "UPDATE child SET v = '{\"again\": 1}' WHERE id = 8"
	"$SYNCFN" sync >"$TEST_TMP/first.out" 2>"$TEST_TMP/first.log" &
	local first=$!
	sleep 1.2
	run_sync
	assert_eq 3 "$RC" "a second sync while the first holds the lock: $OUT $(printf '%.600s' "$ERR")"
	wait_rc "$first"
	assert_eq 0 "$WAIT_RC" "the first sync: $(cat "$TEST_TMP/first.out")"
	assert_eq "ok busy" "$(dst_q "SELECT string_agg(status, ' ' ORDER BY id) FROM (SELECT * FROM syncfn.runs ORDER BY id DESC LIMIT 2) r" | tr ' ' '\n' | sort -r | tr '\n' ' ' | sed 's/ $//')" \
		"the last two runs"
	# the status command reads the run log through the pooler too
	"$SYNCFN" status --limit 3 >"$TEST_TMP/status.txt" || fail "status through the pooler"
	assert_contains "$(cat "$TEST_TMP/status.txt")" "OUTCOME"
	stop_bouncer
}
