# Correctness at the edges: conversions in one database that
# must give what COPY between two gives, keys that collide only on the
# target, collations, names the generated SQL invents, sequences, odd
# keys, the run log's lock, FK cycles, triggers, unique swaps, table lists.
# Each case runs on the path(s) where it failed: insert_direct and
# insert_select (one database), copy_direct, copy_diff, copy_stage (two).
# timeout: 240
# builds: last

# methods: the methods of the last sync's tables, as a JSON list
methods() { printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.dumps([t["method"] for t in json.load(sys.stdin)["statistics"]["tables"]]))'; }
# method_for MODE VARIANT: sets SYNC_CHECKSUM for a two-database re-sync
# and WANT_METHODS, the methods its two tables are expected to take
method_for() {
	if [ "${2:-}" = checksum ]; then
		export SYNC_CHECKSUM=on; WANT_METHODS='["checksum", "checksum"]'
	else
		export SYNC_CHECKSUM=off; WANT_METHODS='["copy_diff", "copy_stage"]'
	fi
}

# 2. A value goes through the source type's output function and the
# target type's input function, as COPY does: bool to text is t, not
# true; inet /32 is left out; char(5) keeps its blanks into varchar.
conv_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_conv_$1"
	src_q "CREATE TABLE c (id int PRIMARY KEY, b bool, ip inet, ch char(5), n numeric, a int[])"
	dst_q "CREATE TABLE c (id int PRIMARY KEY, b text, ip text, ch varchar(10), n numeric(6,2), a text)"
	src_q "INSERT INTO c VALUES (1, true, '1.2.3.4', 'ab', 1.005, '{1,NULL}'), (2, NULL, NULL, NULL, NULL, NULL)"
	sync_ok; expect_counts 2 0 0
	local want='1|t|1.2.3.4|ab   |1.01|{1,NULL}
2|||||'
	assert_eq "$want" "$(dst_q "SELECT id, b, ip, ch, n, a FROM c ORDER BY id")" "insert_direct / copy_direct ($1)"
	dst_q "UPDATE c SET b = 'x', ip = 'x', ch = 'x', n = 0, a = 'x'; INSERT INTO c (id) VALUES (0)"
	sync_ok; expect_counts 0 2 0
	assert_eq "0|||||
$want" "$(dst_q "SELECT id, b, ip, ch, n, a FROM c ORDER BY id")" "insert_select / copy_diff ($1)"
	sync_ok; expect_counts 0 0 2
}
test_conversion_as_copy_two() { conv_case two; }
test_conversion_as_copy_same() { conv_case same; }

# 2. A value the target's type cannot hold whole is an error, never cut.
narrow_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_narrow_$1"
	src_q "CREATE TABLE v (id int PRIMARY KEY, s varchar(10), c char(6), b varbit(8))"
	dst_q "CREATE TABLE v (id int PRIMARY KEY, s varchar(5), c char(3), b varbit(3))"
	local col
	for col in "s = 'abcdef'" "c = 'abcd'" "b = '1011'"; do
		src_q "TRUNCATE v; INSERT INTO v VALUES (1, 'abc', 'ab', '101'); UPDATE v SET $col"
		dst_q "TRUNCATE v"
		run_sync
		assert_eq 1 "$RC" "a value too long ($col, empty target, $1): $OUT"
		assert_contains "$OUT" "too long"
		assert_eq 0 "$(dst_q "SELECT count(*) FROM v")"
		dst_q "INSERT INTO v VALUES (0, 'x', 'x', '1')"
		run_sync
		assert_eq 1 "$RC" "a value too long ($col, merge, $1): $OUT"
		assert_contains "$OUT" "too long"
		assert_eq "0|x|x  |1" "$(dst_q "SELECT id, s, c, b FROM v")"
	done
	# blanks beyond the length are cut, as the input functions do
	src_q "TRUNCATE v; INSERT INTO v VALUES (1, 'abc    ', 'ab    ', '101')"
	sync_ok; expect_counts 1 0 0
	assert_eq "abc  |ab |101" "$(dst_q "SELECT s, c, b FROM v WHERE id = 1")"
}
test_narrow_types_error_two() { narrow_case two; }
test_narrow_types_error_same() { narrow_case same; }

# The same through a domain over a domain over varchar(5): the length is
# the innermost type's, and still an error, never a cut.
nested_domain_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_domain_$1"
	dst_q "CREATE DOMAIN short5 AS varchar(5); CREATE DOMAIN short5b AS short5"
	src_q "CREATE TABLE w (id int PRIMARY KEY, s text)"
	dst_q "CREATE TABLE w (id int PRIMARY KEY, s short5b)"
	src_q "INSERT INTO w VALUES (1, 'abcdefgh')"
	run_sync
	assert_eq 1 "$RC" "a value too long for a nested domain ($1): $OUT"
	assert_contains "$OUT" "too long"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM w")"
	src_q "UPDATE w SET s = 'abc'"
	sync_ok; expect_counts 1 0 0
	assert_eq "abc" "$(dst_q "SELECT s FROM w")"
}
test_nested_domain_too_long_two() { nested_domain_case two; }
test_nested_domain_too_long_same() { nested_domain_case same; }

# 3. Keys that are one key on the target ('1' and '01' as integers; 'a'
# and 'A' in a case-insensitive collation) are refused, not flipped.
collide_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_collide_$1"
	q "$DST_DB" "CREATE COLLATION IF NOT EXISTS public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
	src_q "CREATE TABLE k (id text PRIMARY KEY, v text); CREATE TABLE kc (id text PRIMARY KEY, v text)"
	dst_q "CREATE TABLE k (id int PRIMARY KEY, v text); CREATE TABLE kc (id text COLLATE public.ci PRIMARY KEY, v text)"
	src_q "INSERT INTO k VALUES ('1', 'one'), ('01', 'zero one'); INSERT INTO kc VALUES ('a', 'small'), ('A', 'capital')"
	local t
	for t in k kc; do
		# empty target (copy_direct / insert_direct), then a merge
		export SYNC_TABLES=$t
		run_sync
		assert_eq 1 "$RC" "colliding keys in $t, empty target ($1): $OUT"
		assert_contains "$OUT" "the source has more than one row with the same key"
		dst_q "INSERT INTO $t VALUES ('7', 'target')"
		run_sync
		assert_eq 1 "$RC" "colliding keys in $t, merge ($1): $OUT"
		assert_contains "$OUT" "the source has more than one row with the same key"
		assert_eq "7|target" "$(dst_q "SELECT id, v FROM $t")"
	done
}
test_keys_collide_on_target_two() { collide_case two; }
test_keys_collide_on_target_same() { collide_case same; }

# 4. The target's collation decides equality, not a non-deterministic
# one of the source: 'abc' over 'ABC' is a change, key 'A' is not 'a'.
collation_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_coll_$1"
	q "$SRC_DB" "CREATE COLLATION IF NOT EXISTS public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
	src_q "CREATE TABLE t (k text COLLATE public.ci PRIMARY KEY, v text COLLATE public.ci)"
	dst_q "CREATE TABLE t (k text PRIMARY KEY, v text)"
	src_q "INSERT INTO t VALUES ('A', 'x'), ('b', 'abc')"
	dst_q "INSERT INTO t VALUES ('a', 'keep'), ('b', 'ABC')"
	sync_ok; expect_counts 1 1 0
	assert_eq "A|x,a|keep,b|abc" "$(dst_q "SELECT string_agg(k || '|' || v, ',' ORDER BY k COLLATE \"C\") FROM t")"
	sync_ok; expect_counts 0 0 2
}
test_target_collation_decides_two() { collation_case two; }
test_target_collation_decides_same() { collation_case same; }

# 5. Names the generated SQL invents cannot collide with the user's.
names_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_names_$1"
	both_q "CREATE TABLE p (id int, syncfn_missing int, m int, c1 text, s int, d int, t int, excluded_ int,
	          PRIMARY KEY (id)) PARTITION BY RANGE (id);
	        CREATE TABLE p_1 PARTITION OF p FOR VALUES FROM (0) TO (1000)"
	src_q "INSERT INTO p SELECT g, g, g, 'v' || g, g, g, g, g FROM generate_series(1, 5) g"
	dst_q "INSERT INTO p (id) VALUES (1)"
	sync_ok; expect_counts 4 1 0
	same_rows p
	sync_ok; expect_counts 0 0 5
}
test_invented_names_two() { names_case two; }
test_invented_names_same() { names_case same; }

# 6. A sequence owned by a text column is left alone, with a warning; one
# whose MAXVALUE is below the synced values fails the real run and the
# dry run alike, with the same message.
sequence_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_seq_$1"
	both_q "CREATE TABLE st (id text PRIMARY KEY, v text); CREATE SEQUENCE st_seq OWNED BY st.id;
	        CREATE SEQUENCE small_seq MAXVALUE 100;
	        CREATE TABLE sm (id int PRIMARY KEY DEFAULT nextval('small_seq'), v text);
	        ALTER SEQUENCE small_seq OWNED BY sm.id"
	src_q "INSERT INTO st VALUES ('a', 'x')"
	export SYNC_TABLES=st
	sync_ok; expect_counts 1 0 0
	assert_contains "$OUT" "not an integer"
	src_q "INSERT INTO sm VALUES (500, 'big')"
	export SYNC_TABLES=sm
	run_sync --dry-run
	assert_eq 1 "$RC" "dry run with a sequence that cannot follow ($1): $OUT"
	assert_contains "$OUT" "MAXVALUE 100"
	local dry=$OUT
	run_sync
	assert_eq 1 "$RC" "real run ($1): $OUT"
	assert_eq "$(printf '%s' "$dry" | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"])')" \
		"$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"])')" "dry run and real run disagree"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM sm")"
}
test_sequences_two() { sequence_case two; }
test_sequences_same() { sequence_case same; }

# 7. A unique index that lists a column twice is a key of that column.
twice_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_twice_$1"
	method_for "$1" "${2:-}"
	both_q "CREATE TABLE ui (a int NOT NULL, v text); CREATE UNIQUE INDEX ON ui (a, a);
	        CREATE TABLE ut (a text NOT NULL, v text); CREATE UNIQUE INDEX ON ut (a, a)"
	src_q "INSERT INTO ui SELECT g, 'v' || g FROM generate_series(1, 5) g;
	       INSERT INTO ut SELECT g, 'v' || g FROM generate_series(1, 5) g"
	dst_q "INSERT INTO ui VALUES (1, 'old'); INSERT INTO ut VALUES ('1', 'old')"
	sync_ok; expect_counts 8 2 0
	[ "$1" = same ] || assert_eq "$WANT_METHODS" "$(methods)"
	same_rows ui; same_rows ut
	sync_ok; expect_counts 0 0 10
}
test_index_lists_column_twice_two() { twice_case two; }
test_index_lists_column_twice_two_checksum() { twice_case two checksum; }
test_index_lists_column_twice_same() { twice_case same; }

# 8. The failure record after a lock timeout is bounded too: a session
# that holds syncfn.runs cannot hang the run.
# lock_run_log SECONDS: another session holds syncfn.runs in ACCESS
# EXCLUSIVE mode for that long (until unlock_run_log); returns once granted
lock_run_log() {
	psql -X -q -d "$DST_DB" -c "BEGIN" -c "LOCK TABLE syncfn.runs IN ACCESS EXCLUSIVE MODE" \
		-c "SELECT pg_sleep($1)" -c "COMMIT" >/dev/null &
	RUN_LOG_HOLDER=$!
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(dst_q "SELECT count(*) FROM pg_locks WHERE relation = 'syncfn.runs'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && return 0
		sleep 0.02
	done
	fail "the lock on syncfn.runs was never granted"
}
# ends the holder's backend too: killing psql leaves it asleep, holding the
# lock and the database, until its pg_sleep is over
unlock_run_log() {
	dst_q "SELECT pg_terminate_backend(pid) FROM pg_locks
	       WHERE relation = 'syncfn.runs'::regclass AND mode = 'AccessExclusiveLock' AND granted
	         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())" >/dev/null
	kill "$RUN_LOG_HOLDER" 2>/dev/null || true; wait "$RUN_LOG_HOLDER" 2>/dev/null || true
}

test_failure_record_bounded() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_edge_runlock
	both_q "CREATE TABLE t (id int PRIMARY KEY)"
	src_q "INSERT INTO t VALUES (1)"
	sync_ok
	src_q "INSERT INTO t VALUES (2)"
	lock_run_log 25
	local t0=$SECONDS
	SYNC_LOCK_TIMEOUT=2s run_sync
	local took=$((SECONDS - t0))
	unlock_run_log
	assert_eq 1 "$RC" "exit: $OUT"
	assert_contains "$OUT" "SYNC_LOCK_TIMEOUT"
	[ "$took" -lt 15 ] || fail "the run waited ${took}s for syncfn.runs"
	assert_eq 1 "$(dst_q "SELECT count(*) FROM t")"
}

# The first run's migration of the run log is bounded too: an older
# syncfn.runs that someone holds locked fails the run, never hangs it.
test_migration_bounded() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_edge_migrate
	both_q "CREATE TABLE t (id int PRIMARY KEY)"
	src_q "INSERT INTO t VALUES (1)"
	dst_q "CREATE SCHEMA syncfn; CREATE TABLE syncfn.runs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	       started_at timestamptz NOT NULL, finished_at timestamptz, type text NOT NULL, message_id text,
	       status text NOT NULL, statistics jsonb, error text)"
	lock_run_log 40
	local t0=$SECONDS
	SYNC_LOCK_TIMEOUT=1s run_sync  # the failure record's bound; the migration has its own 10 s
	local took=$((SECONDS - t0))
	unlock_run_log
	assert_eq 1 "$RC" "exit: $OUT"
	assert_contains "$OUT" "lock"
	[ "$took" -lt 30 ] || fail "the run waited ${took}s for the run log's migration"
	assert_eq 0 "$(dst_q "SELECT count(*) FROM t")"
}

# 9. A cycle with one NOT DEFERRABLE key loads in the order that key
# needs, deferring only the other; a DEFERRABLE primary key is named.
cycle_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_cycle_$1"
	both_q "CREATE TABLE a (id int PRIMARY KEY, b_id int);
	        CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a DEFERRABLE);
	        ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b"
	src_q "BEGIN; SET CONSTRAINTS ALL DEFERRED;
	       INSERT INTO b VALUES (1, 1), (2, NULL); INSERT INTO a VALUES (1, 1), (2, 2); COMMIT"
	export SYNC_TABLES=a,b
	sync_ok; expect_counts 4 0 0
	assert_json "$OUT" '[t["table"] for t in j["statistics"]["tables"]]' "[\"$DST_PATH.b\", \"$DST_PATH.a\"]" "load order ($1)"
	same_rows a; same_rows b
	src_q "BEGIN; SET CONSTRAINTS ALL DEFERRED;
	       INSERT INTO b VALUES (3, 3); INSERT INTO a VALUES (3, 3); COMMIT"
	sync_ok; expect_counts 2 0 4
	# both NOT DEFERRABLE: refused before any write
	dst_q "ALTER TABLE b DROP CONSTRAINT b_a_id_fkey; ALTER TABLE b ADD FOREIGN KEY (a_id) REFERENCES a"
	run_sync
	assert_eq 2 "$RC" "a cycle of NOT DEFERRABLE keys ($1): $OUT"
	assert_contains "$OUT" "NOT DEFERRABLE"
	# a DEFERRABLE primary key is reported as such
	both_q "CREATE TABLE dk (id int PRIMARY KEY DEFERRABLE, v text)"
	export SYNC_TABLES=dk
	run_sync
	assert_eq 2 "$RC" "deferrable primary key ($1): $OUT"
	assert_contains "$OUT" "primary key dk_pkey is DEFERRABLE"
	assert_not_contains "$OUT" "has no primary key"
}
test_fk_cycle_one_deferrable_two() { cycle_case two; }
test_fk_cycle_one_deferrable_same() { cycle_case same; }

# A re-sync with no change runs no statement against a table: no
# statement-level trigger fires (copy_stage, copy_diff with a row whose
# text alone differs, insert_select).
triggers_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_trig_$1"
	method_for "$1" "${2:-}"
	q "$DST_DB" "CREATE TABLE public.trig_log (tbl text, op text);
	  CREATE FUNCTION public.log_stmt() RETURNS trigger LANGUAGE plpgsql AS
	  \$\$BEGIN INSERT INTO public.trig_log VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; END\$\$"
	src_q "CREATE TABLE tt (k text PRIMARY KEY, v text); CREATE TABLE ti (id int PRIMARY KEY, n numeric)"
	dst_q "CREATE TABLE tt (k text PRIMARY KEY, v text); CREATE TABLE ti (id int PRIMARY KEY, n numeric(10,2))"
	local t
	for t in tt ti; do
		dst_q "CREATE TRIGGER s_ins AFTER INSERT ON $t FOR EACH STATEMENT EXECUTE FUNCTION public.log_stmt();
		       CREATE TRIGGER s_upd AFTER UPDATE ON $t FOR EACH STATEMENT EXECUTE FUNCTION public.log_stmt()"
	done
	src_q "INSERT INTO tt VALUES ('a', '1'); INSERT INTO ti VALUES (1, 1.5)"
	dst_q "INSERT INTO tt VALUES ('z', 'target'); INSERT INTO ti VALUES (9, 0)"
	sync_ok; expect_counts 2 0 0
	[ "$1" = same ] || assert_eq "$WANT_METHODS" "$(methods)"
	local before; before=$(q "$DST_DB" "SELECT count(*) FROM public.trig_log")
	[ "$before" -gt 0 ] || fail "the first run fired no trigger ($1)"
	sync_ok; expect_counts 0 0 2
	assert_eq "$before" "$(q "$DST_DB" "SELECT count(*) FROM public.trig_log")" "a no-change re-sync fired statement triggers ($1)"
}
test_no_change_fires_no_trigger_two() { triggers_case two; }
test_no_change_fires_no_trigger_two_checksum() { triggers_case two checksum; }
test_no_change_fires_no_trigger_same() { triggers_case same; }

# Row triggers fire for the rows written and no others: a re-sync of a
# few changed and new rows among many (merged from a stage of the rows
# the diff found, with no lookup first when the types match) proposes
# exactly those rows to the INSERT, and the changed ones go on to UPDATE.
row_triggers_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two "sync_edge_rowtrig_$1"
	export SYNC_CHECKSUM=$1
	both_q "CREATE TABLE r (id int PRIMARY KEY, v text, n numeric(10,2), j jsonb)"
	both_q "INSERT INTO r SELECT g, 'v' || g, g / 4.0, jsonb_build_object('a', g) FROM generate_series(1, 400) g"
	q "$DST_DB" "CREATE TABLE public.row_log (op text, id int);
	  CREATE FUNCTION public.log_row() RETURNS trigger LANGUAGE plpgsql AS
	  \$\$BEGIN INSERT INTO public.row_log VALUES (TG_OP, NEW.id); RETURN NEW; END\$\$"
	dst_q "CREATE TRIGGER r_ins BEFORE INSERT ON r FOR EACH ROW EXECUTE FUNCTION public.log_row();
	       CREATE TRIGGER r_upd BEFORE UPDATE ON r FOR EACH ROW EXECUTE FUNCTION public.log_row()"
	src_q "UPDATE r SET v = 'changed' WHERE id = 7; UPDATE r SET n = -n WHERE id = 200;
	       UPDATE r SET j = '{\"a\": 300.0}' WHERE id = 300;
	       INSERT INTO r VALUES (401, 'new', 1, NULL), (0, 'new', 2, '[]')"
	sync_ok; expect_counts 2 3 397
	assert_eq "INSERT:0 INSERT:7 INSERT:200 INSERT:300 INSERT:401 UPDATE:7 UPDATE:200 UPDATE:300" \
		"$(q "$DST_DB" "SELECT string_agg(op || ':' || id, ' ' ORDER BY op, id) FROM public.row_log")" \
		"row triggers fired for other rows than the ones written ($1)"
	same_rows r
}
test_row_triggers_fire_for_written_rows_only() { row_triggers_case off; }
test_row_triggers_fire_for_written_rows_only_checksum() { row_triggers_case on; }

# Two rows that swap a unique non-key value: the error names the
# constraint and the fix; with the fix the run passes.
swap_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_swap_$1"
	both_q "CREATE TABLE ui (id int PRIMARY KEY, email text CONSTRAINT ui_email_key UNIQUE);
	        CREATE TABLE ut (id text PRIMARY KEY, email text CONSTRAINT ut_email_key UNIQUE)"
	src_q "INSERT INTO ui VALUES (1, 'b'), (2, 'a'); INSERT INTO ut VALUES ('1', 'b'), ('2', 'a')"
	dst_q "INSERT INTO ui VALUES (1, 'a'), (2, 'b'); INSERT INTO ut VALUES ('1', 'a'), ('2', 'b')"
	local t
	for t in ui ut; do
		export SYNC_TABLES=$t
		run_sync
		assert_eq 1 "$RC" "swap in $t ($1): $OUT"
		assert_contains "$OUT" "${t}_email_key"
		assert_contains "$OUT" "DEFERRABLE INITIALLY IMMEDIATE"
		dst_q "ALTER TABLE $t DROP CONSTRAINT ${t}_email_key,
		       ADD CONSTRAINT ${t}_email_key UNIQUE (email) DEFERRABLE INITIALLY IMMEDIATE"
		sync_ok; expect_counts 0 2 0
		same_rows $t
	done
}
test_unique_swap_two() { swap_case two; }
test_unique_swap_same() { swap_case same; }

# copy_direct (and insert_direct): the source's duplicate keys get the
# documented message, not the raw unique violation.
direct_dup_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_edge_ddup_$1"
	src_q "CREATE TABLE d (k text, v text); INSERT INTO d VALUES ('a', '1'), ('a', '2')"
	dst_q "CREATE TABLE d (k text PRIMARY KEY, v text)"
	run_sync
	assert_eq 1 "$RC" "$OUT"
	assert_contains "$OUT" "table ${DST_PATH}.d: the source has more than one row with the same key"
}
test_direct_duplicate_keys_two() { direct_dup_case two; }
test_direct_duplicate_keys_same() { direct_dup_case same; }

# SYNC_EXCLUDE names the source or the target table, src=dst pairs, and
# "quoted" names that hold a dot or a comma, in SYNC_TABLES too.
test_table_lists_same_database() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode same sync_edge_lists
	both_q "CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE u (id int PRIMARY KEY);
	        CREATE TABLE \"my.table\" (id int PRIMARY KEY); CREATE TABLE \"a,b\" (id int PRIMARY KEY)"
	src_q "INSERT INTO t VALUES (1); INSERT INTO u VALUES (1); INSERT INTO \"my.table\" VALUES (1); INSERT INTO \"a,b\" VALUES (1)"
	tables() { assert_json "$OUT" 'sorted(t["table"] for t in j["statistics"]["tables"])' "$1" "$2"; }
	SYNC_EXCLUDE='prod.t, "my.table"' sync_ok --dry-run
	tables '["prod.a,b", "prod.u"]' "target-qualified and quoted exclusions"
	SYNC_EXCLUDE='slave.u, "a,b"' sync_ok --dry-run
	tables '["prod.my.table", "prod.t"]' "source-qualified exclusions"
	SYNC_TABLES='t=u, "my.table"' SYNC_EXCLUDE='t=u' sync_ok --dry-run
	tables '["prod.my.table"]' "an excluded src=dst pair"
	SYNC_TABLES='"my.table"="a,b"' sync_ok
	tables '["prod.a,b"]' "a quoted src=dst pair"
	assert_json "$OUT" 'j["statistics"]["tables"][0]["source"]' 'slave.my.table'
	SYNC_TABLES='"unclosed' run_sync
	assert_eq 2 "$RC" "a malformed entry: $OUT"
	assert_contains "$OUT" "SYNC_TABLES entry"
}

# The statement-timeout error names the database once.
test_statement_timeout_wording() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_edge_stmt
	both_q "CREATE TABLE w (id int PRIMARY KEY)"
	src_q "INSERT INTO w VALUES (1)"
	psql -X -q -d "$SRC_DB" -c "BEGIN" -c "LOCK TABLE w IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(8)" -c "COMMIT" >/dev/null &
	local holder=$! i
	for ((i = 0; i < 200; i++)); do
		[ "$(src_q "SELECT count(*) FROM pg_locks WHERE relation = 'w'::regclass AND granted")" = 1 ] && break
		sleep 0.02
	done
	SYNC_STATEMENT_TIMEOUT=1s SYNC_LOCK_TIMEOUT=60s run_sync
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	assert_eq 1 "$RC" "$OUT"
	assert_contains "$OUT" "statement timeout"
	local err; err=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"])')
	assert_eq 1 "$(grep -o 'the source database' <<<"$err" | wc -l)" "the source database named more than once: $err"
}

# One row over the bound fails with a clear error (not an OOM kill); the
# table's other rows do not matter.
test_row_size_bound() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_edge_big
	both_q "CREATE TABLE big (id int PRIMARY KEY, v text)"
	src_q "INSERT INTO big VALUES (1, 'small'), (2, repeat('x', 33 * 1024 * 1024))"
	run_sync
	assert_eq 1 "$RC" "copy_direct: $OUT"
	assert_contains "$OUT" "over the 32 MB one row may take"
	dst_q "INSERT INTO big VALUES (0, 'target')"
	SYNC_CHECKSUM=off run_sync
	assert_eq 1 "$RC" "copy_diff: $OUT"
	assert_contains "$OUT" "over the 32 MB one row may take"
	SYNC_CHECKSUM=on run_sync
	assert_eq 1 "$RC" "checksum: $OUT"
	assert_contains "$OUT" "over the 32 MB one row may take"
}
