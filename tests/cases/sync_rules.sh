# Per-table rules (SYNC_RULES): where, exclude_columns and mode
# insert_only on every path (insert_direct and insert_select in one
# database; copy_direct, copy_diff, copy_stage and checksum between two;
# --dry-run), and every malformed rule reported at once with its path.
# timeout: 240
# builds: last

# methods: the methods of the last sync's tables, as a JSON list
methods() { printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.dumps([t["method"] for t in json.load(sys.stdin)["statistics"]["tables"]]))'; }

# rules_schema: o (integer key: copy_diff, checksum) and t (text key:
# copy_stage when checksums are off), the same on both sides; the
# source's rows have tenants 0, 1, 2 (0 is out of scope)
rules_schema() {
	both_q "CREATE TABLE o (id int PRIMARY KEY, tenant int, note text, secret text DEFAULT 'dflt');
	CREATE TABLE t (k text PRIMARY KEY, tenant int, note text, secret text DEFAULT 'dflt')"
	src_q "INSERT INTO o SELECT g, g % 3, 'n' || g, 's' || g FROM generate_series(1, 9) g;
	INSERT INTO t SELECT 'k' || g, g % 3, 'n' || g, 's' || g FROM generate_series(1, 9) g;
	INSERT INTO o VALUES (10, NULL, 'null tenant', 's10')"
}
# variant MODE VARIANT: SYNC_CHECKSUM and the methods expected of a
# first sync (FIRST) and a re-sync (NEXT) of o and t
variant() {
	if [ "$1" = same ]; then
		FIRST='["insert_direct", "insert_direct"]' NEXT='["insert_select", "insert_select"]'
	elif [ "$2" = checksum ]; then
		export SYNC_CHECKSUM=on
		FIRST='["copy_direct", "copy_direct"]' NEXT='["checksum", "checksum"]'
	else
		export SYNC_CHECKSUM=off
		FIRST='["copy_direct", "copy_direct"]' NEXT='["copy_diff", "copy_stage"]'
	fi
}
# target rows of a table, as text
trows() { dst_q "SELECT string_agg(concat_ws('|', $2, tenant, note, secret), ' ' ORDER BY $2) FROM $1"; }

# where + exclude_columns: only rows in scope are read and written, target
# rows out of scope are never touched, excluded columns never written
scope_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_rules_scope_$1_${2:-x}"
	variant "$1" "${2:-}"
	rules_schema
	# tenant IS NULL evaluates the filter to NULL: out of scope
	export SYNC_RULES='{"o": {"where": "tenant <> 0", "exclude_columns": ["secret"]},
	                    "t": {"where": "tenant <> 0", "exclude_columns": ["secret"]}}'
	sync_ok; expect_counts 12 0 0
	assert_eq "$FIRST" "$(methods)" "first sync ($1 ${2:-})"
	# the run log keeps the rules' hash with the run
	assert_eq 16 "$(dst_q "SELECT length(statistics->>'rules_hash') FROM syncfn.runs WHERE status = 'ok' ORDER BY id DESC LIMIT 1")"
	assert_eq "1|1|n1|dflt 2|2|n2|dflt 4|1|n4|dflt 5|2|n5|dflt 7|1|n7|dflt 8|2|n8|dflt" "$(trows o id)" "o in scope, secret left to its default"
	assert_eq "k1|1|n1|dflt k2|2|n2|dflt k4|1|n4|dflt k5|2|n5|dflt k7|1|n7|dflt k8|2|n8|dflt" "$(trows t k)" "t in scope"
	# only the excluded column differs: nothing is written
	src_q "UPDATE o SET secret = 'changed'; UPDATE t SET secret = 'changed'"
	local v_o v_t; v_o=$(versions o); v_t=$(versions t)
	sync_ok; expect_counts 0 0 12
	assert_eq "$NEXT" "$(methods)" "re-sync ($1 ${2:-})"
	assert_eq "$v_o" "$(versions o)" "o rewritten though only an excluded column changed"
	assert_eq "$v_t" "$(versions t)" "t rewritten though only an excluded column changed"
	# in scope: a source change (1), target drift (4); out of scope: a
	# source change (3), the target's own row (50), a target row that left
	# the scope (5: its source row is in scope, but it is never updated)
	src_q "UPDATE o SET note = 'new' WHERE id IN (1, 3); UPDATE t SET note = 'new' WHERE k IN ('k1', 'k3')"
	dst_q "UPDATE o SET note = 'drift', secret = 'keep' WHERE id = 4; UPDATE o SET tenant = 0, note = 'left' WHERE id = 5;
	INSERT INTO o VALUES (50, 0, 'prod', 'p'), (3, 0, 'prod3', 'p');
	UPDATE t SET note = 'drift', secret = 'keep' WHERE k = 'k4'; UPDATE t SET tenant = 0, note = 'left' WHERE k = 'k5';
	INSERT INTO t VALUES ('k50', 0, 'prod', 'p'), ('k3', 0, 'prod3', 'p')"
	sync_ok; expect_counts 0 4 8
	assert_eq "$NEXT" "$(methods)" "re-sync after changes ($1 ${2:-})"
	assert_eq "1|1|new|dflt 2|2|n2|dflt 3|0|prod3|p 4|1|n4|keep 5|0|left|dflt 7|1|n7|dflt 8|2|n8|dflt 50|0|prod|p" "$(trows o id)" "o after changes"
	assert_eq "k1|1|new|dflt k2|2|n2|dflt k3|0|prod3|p k4|1|n4|keep k5|0|left|dflt k50|0|prod|p k7|1|n7|dflt k8|2|n8|dflt" "$(trows t k)" "t after changes"
	v_o=$(versions o); v_t=$(versions t)
	sync_ok; expect_counts 0 0 12
	assert_eq "$v_o" "$(versions o)" "a no-change re-sync rewrote o"
	assert_eq "$v_t" "$(versions t)" "a no-change re-sync rewrote t"
	# a dry run reports and writes nothing
	src_q "UPDATE o SET note = 'dry' WHERE id = 2"
	sync_ok --dry-run; expect_counts 0 1 11
	assert_eq "$v_o" "$(versions o)" "a dry run wrote"
}
# SYNC_CHECKSUM=auto on a filtered table: the target holds only the
# scope's rows, so its size is weighed against the planner's share of the
# source in scope, not the whole source table (which made every filtered
# re-sync stream both sides)
test_filtered_resync_takes_the_checksum_on_auto() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_rules_auto
	export SYNC_CHECKSUM=auto
	both_q "CREATE TABLE o (id int PRIMARY KEY, note text)"
	src_q "INSERT INTO o SELECT g, repeat('n', 200) FROM generate_series(1, 20000) g; ANALYZE o"
	export SYNC_RULES='{"o": {"where": "id <= 2000"}}'
	sync_ok; expect_counts 2000 0 0
	assert_eq '["copy_direct"]' "$(methods)"
	dst_q "ANALYZE o"
	sync_ok; expect_counts 0 0 2000
	assert_eq '["checksum"]' "$(methods)" "a filtered no-change re-sync"
	# a target far behind the scope still streams
	dst_q "TRUNCATE o; INSERT INTO o SELECT g, repeat('n', 200) FROM generate_series(1, 100) g"
	sync_ok; expect_counts 1900 0 100
	assert_eq '["copy_diff"]' "$(methods)" "a filtered backlog"
}
# A filtered table whose source takes four times the target's bytes or
# more: the source's checksum scans get one parallel worker (the target,
# production, keeps one backend), and what they find is the same. The
# source's planner is made to use the worker on tables this small, and
# its plans are logged (auto_explain) to show the worker ran.
worker_sql="set_config('max_parallel_workers_per_gather', '1', true)"
worker_sent() { # how often the worker setting was logged since line $1
	tail -n +"$1" "$PGHOST/server.log" | grep -cF "$worker_sql" || true
}
workers_launched() { # plans since line $1 that launched a worker
	tail -n +"$1" "$PGHOST/server.log" | grep -c "Workers Launched: [1-9]" || true
}
test_filtered_checksum_source_worker() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_rules_worker
	export SYNC_CHECKSUM=on
	q postgres "ALTER DATABASE $SRC_DB SET log_statement = 'all';
	ALTER DATABASE $SRC_DB SET parallel_setup_cost = 0;
	ALTER DATABASE $SRC_DB SET parallel_tuple_cost = 0;
	ALTER DATABASE $SRC_DB SET min_parallel_table_scan_size = 0"
	both_q "CREATE TABLE o (id int PRIMARY KEY, note text)"
	src_q "INSERT INTO o SELECT g, repeat('n', 200) FROM generate_series(1, 20000) g; ANALYZE o"
	export SYNC_RULES='{"o": {"where": "id % 10 = 0"}}'
	sync_ok; expect_counts 2000 0 0
	local mark
	mark=$(($(wc -l <"$PGHOST/server.log") + 1))
	sync_ok; expect_counts 0 0 2000
	assert_eq '["checksum"]' "$(methods)" "a filtered no-change re-sync"
	assert_eq 1 "$(worker_sent "$mark")" "the worker setting sent to the source once"
	# changes in scope on both sides and one out of scope; no delete
	# rule, so the target keeps 30. The source's plans are logged from
	# here on (their text repeats the statements, so not before the
	# count above).
	q postgres "ALTER DATABASE $SRC_DB SET session_preload_libraries = 'auto_explain';
	ALTER DATABASE $SRC_DB SET auto_explain.log_min_duration = 0;
	ALTER DATABASE $SRC_DB SET auto_explain.log_analyze = on"
	src_q "UPDATE o SET note = 'new' WHERE id IN (10, 5000, 5001); DELETE FROM o WHERE id = 30; INSERT INTO o VALUES (20010, 'added')"
	dst_q "UPDATE o SET note = 'drift' WHERE id = 19990"
	mark=$(($(wc -l <"$PGHOST/server.log") + 1))
	sync_ok; expect_counts 1 3 1996
	[ "$(workers_launched "$mark")" -ge 1 ] || fail "no source plan launched a worker"
	local scope="SELECT string_agg(id || ':' || note, ',' ORDER BY id) FROM o WHERE id % 10 = 0"
	assert_eq "$(src_q "$scope")" "$(dst_q "$scope AND id <> 30")" "the scope after the re-sync"
	# the same table unfiltered, both sides of like size: one backend each
	export SYNC_RULES='{}'
	src_q "DELETE FROM o WHERE id % 10 <> 0"
	q "$SRC_DB" "VACUUM FULL o"
	mark=$(($(wc -l <"$PGHOST/server.log") + 1))
	sync_ok
	assert_eq 0 "$(worker_sent "$mark")" "the worker setting sent for tables of like size"
}
test_scope_same() { scope_case same; }
test_scope_two_streamed() { scope_case two off; }
test_scope_two_checksum() { scope_case two checksum; }

# mode insert_only: new rows arrive, existing ones are never updated
insert_only_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_rules_ins_$1_${2:-x}"
	variant "$1" "${2:-}"
	rules_schema
	export SYNC_RULES='{"o": {"mode": "insert_only"}, "public.t": {"mode": "insert_only", "where": "tenant = 1"}}'
	[ "$1" = same ] && export SYNC_RULES='{"o": {"mode": "insert_only"}, "slave.t": {"mode": "insert_only", "where": "tenant = 1"}}'
	sync_ok; expect_counts 13 0 0
	assert_eq "$FIRST" "$(methods)"
	src_q "UPDATE o SET note = 'changed'; UPDATE t SET note = 'changed'; INSERT INTO o VALUES (11, 1, 'n11', 's'); INSERT INTO t VALUES ('k11', 1, 'n11', 's'), ('k12', 2, 'n12', 's')"
	dst_q "UPDATE o SET note = 'drift' WHERE id = 2"
	local v_t; v_t=$(versions t)
	sync_ok; expect_counts 2 0 13
	assert_eq "$NEXT" "$(methods)"
	assert_eq "0" "$(dst_q "SELECT count(*) FROM o WHERE note = 'changed'")" "an insert-only row was updated"
	assert_eq "drift" "$(dst_q "SELECT note FROM o WHERE id = 2")"
	assert_eq "n11|k11" "$(dst_q "SELECT note FROM o WHERE id = 11")|$(dst_q "SELECT k FROM t WHERE k IN ('k11', 'k12')")"
	sync_ok; expect_counts 0 0 15
}
test_insert_only_same() { insert_only_case same; }
test_insert_only_two_streamed() { insert_only_case two off; }
test_insert_only_two_checksum() { insert_only_case two checksum; }

# insert_only reads keys: a re-sync reads the source's keys and the rows
# of the keys the target lacks, never the rows that exist (streamed: the
# copy diff reads both sides' keys; checksum: the key's hash)
insert_only_keys_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two "sync_rules_ins_keys_$1"
	export SYNC_CHECKSUM=$1
	both_q "CREATE TABLE w (id bigint PRIMARY KEY, body text)"
	src_q "INSERT INTO w SELECT g, repeat('b', 500) FROM generate_series(1, 2000) g"
	export SYNC_RULES='{"w": {"mode": "insert_only"}}'
	sync_ok; expect_counts 2000 0 0
	src_q "UPDATE w SET body = 'changed' WHERE id <= 100; INSERT INTO w SELECT g, repeat('n', 500) FROM generate_series(2001, 2010) g"
	sync_ok; expect_counts 10 0 2000
	assert_json "$OUT" '[t["method"] for t in j["statistics"]["tables"]]' "[\"$2\"]"
	local b; b=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["statistics"]["bytes_from_source"])')
	# the rows are 1 MB; the keys about 10 kB and the new rows 5 kB
	[ "$b" -lt 60000 ] || fail "$b bytes from the source for 10 new rows of an insert-only table"
	assert_eq "0|10" "$(dst_q "SELECT count(*) FILTER (WHERE body = 'changed') || '|' || count(*) FILTER (WHERE body LIKE 'n%') FROM w")"
	sync_ok; expect_counts 0 0 2010
}
test_insert_only_reads_keys_streamed() { insert_only_keys_case off copy_diff; }
test_insert_only_reads_keys_checksum() { insert_only_keys_case on checksum; }

# A quoted name and a mapped (src=dst) table; the file form
test_names_and_file() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_rules_names
	src_q 'CREATE TABLE "Odd.Name" (id int PRIMARY KEY, v int); CREATE TABLE a (id int PRIMARY KEY, v int)'
	dst_q 'CREATE TABLE "Odd.Name" (id int PRIMARY KEY, v int); CREATE TABLE b (id int PRIMARY KEY, v int)'
	src_q 'INSERT INTO "Odd.Name" SELECT g, g FROM generate_series(1, 10) g; INSERT INTO a SELECT g, g FROM generate_series(1, 10) g'
	export SYNC_TABLES='"Odd.Name",a=b'
	printf '%s' '{"\"Odd.Name\"": {"where": "v > 5"}, "a=b": {"where": "v <= 2"}}' >"$TEST_TMP/rules.json"
	export SYNC_RULES="@$TEST_TMP/rules.json"
	sync_ok; expect_counts 7 0 0
	assert_eq "5|2" "$(dst_q 'SELECT count(*) FROM "Odd.Name"')|$(dst_q 'SELECT count(*) FROM b')"
	printf '%s' '{"a": {"where": "v <= 3"}}' >"$TEST_TMP/rules.json"
	export SYNC_TABLES='a=b'
	sync_ok; expect_counts 1 0 2
}

# Every problem of the rules, with its path, in one answer; nothing written
test_problems_at_once() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_rules_problems
	both_q "CREATE TABLE o (id int PRIMARY KEY, v int, r text NOT NULL, d text NOT NULL DEFAULT 'x')"
	both_q "CREATE TABLE p (id int PRIMARY KEY)"
	src_q "ALTER TABLE p ADD COLUMN src_only int; INSERT INTO o VALUES (1, 1, 'r', 'd'); INSERT INTO p VALUES (1, 1)"
	export SYNC_RULES='{"o": {"exclude_columns": ["id", "r", "nope", "d"]}, "p": {"where": "src_only > 0"}, "missing": {}, "public.o2": {"mode": "insert_only"}}'
	run_sync
	assert_eq 2 "$RC" "exit status of a configuration error: $OUT"
	local e; e=$(json_value "$OUT" 'j["error"]')
	assert_contains "$e" 'SYNC_RULES["o"].exclude_columns: column "id" is part of the key'
	assert_contains "$e" 'SYNC_RULES["o"].exclude_columns[1]: column public.o.r is NOT NULL without a default'
	assert_contains "$e" 'SYNC_RULES["o"].exclude_columns[2]: table public.o has no column "nope"'
	assert_not_contains "$e" 'exclude_columns[3]'
	assert_contains "$e" 'SYNC_RULES["p"].where: refused by the target database'
	assert_not_contains "$e" 'refused by the source database'
	assert_contains "$e" 'SYNC_RULES["missing"]: no such table is synced'
	assert_contains "$e" 'SYNC_RULES["public.o2"]: no such table is synced'
	assert_eq '0 0' "$(dst_q 'SELECT count(*) FROM o') $(dst_q 'SELECT count(*) FROM p')"
	assert_eq config_error "$(dst_q 'SELECT status FROM syncfn.runs ORDER BY id DESC LIMIT 1')"
	# a table SYNC_EXCLUDE leaves out
	export SYNC_RULES='{"o": {"where": "v > 0"}}' SYNC_EXCLUDE=o
	run_sync
	assert_eq 2 "$RC"
	assert_contains "$OUT" 'SYNC_RULES[\"o\"]: no such table is synced'
	# a filter both servers refuse, a subquery, a filter that is no boolean
	unset SYNC_EXCLUDE
	for w in '"v >"' '"v + 1"' '"nope = 1"' '"v IN (SELECT 1)"' '"lower(v)"'; do
		export SYNC_RULES="{\"o\": {\"where\": $w}}"
		run_sync
		assert_eq 2 "$RC" "where $w: $OUT"
		assert_contains "$OUT$ERR" "\"].where: " "where $w"
	done
}

# Malformed SYNC_RULES: refused before any database is touched, exit 2,
# every problem listed
test_malformed() {
	export TARGET_DATABASE_URL=postgresql://nobody@127.0.0.1:1/none
	local -a cases=(
		'[1]|SYNC_RULES: expected a JSON object'
		'{"t": 1}|SYNC_RULES["t"]: expected an object of rules'
		'{"t": {"wher": "x"}}|SYNC_RULES["t"]: unknown key "wher"'
		'{"t": {"where": 1}}|SYNC_RULES["t"].where: expected an SQL boolean expression'
		'{"t": {"where": "a; b"}}|SYNC_RULES["t"].where: a filter is one expression'
		'{"t": {"where": "a --"}}|SYNC_RULES["t"].where: no comments'
		'{"t": {"where": "(a"}}|SYNC_RULES["t"].where: a '"'('"' is not closed'
		'{"t": {"where": "a)"}}|SYNC_RULES["t"].where: a '"')'"' closes nothing'
		'{"t": {"where": "  "}}|SYNC_RULES["t"].where: expected an SQL boolean expression, not an empty string'
		'{"t": {"exclude_columns": "a"}}|SYNC_RULES["t"].exclude_columns: expected an array'
		'{"t": {"exclude_columns": ["a", 2]}}|SYNC_RULES["t"].exclude_columns[1]: expected a column name'
		'{"t": {"mode": "merge"}}|SYNC_RULES["t"].mode: expected "upsert" or "insert_only"'
		'{"t": {"triggers": true}}|SYNC_RULES["t"].triggers: expected "fire" or "skip"'
		'{"t": {"delete": "yes"}}|SYNC_RULES["t"].delete: expected true, false or an object'
		'{"t": {"delete": {"max_rows": -1}}}|SYNC_RULES["t"].delete.max_rows: expected a whole number >= 0'
		'{"t": {"delete": {"max_rows": 1.5}}}|SYNC_RULES["t"].delete.max_rows: expected a whole number >= 0'
		'{"t": {"delete": {"max_percent": 101}}}|SYNC_RULES["t"].delete.max_percent: expected a number from 0 to 100'
		'{"t": {"delete": {"cascade": 1}}}|SYNC_RULES["t"].delete.cascade: expected true or false'
		'{"t": {"delete": {"limit": 1}}}|SYNC_RULES["t"].delete: unknown key "limit"'
		'{"t": {"mode": "upsert", "mode": "upsert"}}|SYNC_RULES["t"]: key "mode" appears twice'
		'{"t": {}, "t": {}}|SYNC_RULES repeats a key'
		'{"t": {}|SYNC_RULES is not valid JSON'
		'{"a\"b": {"x": 1}}|SYNC_RULES["a\"b"]: unknown key "x"'
		'{"t": {"incremental": "updated_at"}}|SYNC_RULES["t"].incremental: expected an object'
		'{"t": {"incremental": {}}}|SYNC_RULES["t"].incremental: "column" is required'
		'{"t": {"incremental": {"column": ""}}}|SYNC_RULES["t"].incremental.column: expected a column name'
		'{"t": {"incremental": {"column": "u", "lookback": "1 minute"}}}|SYNC_RULES["t"].incremental.lookback: expected a duration'
		'{"t": {"incremental": {"column": "u", "lookback": -1}}}|SYNC_RULES["t"].incremental.lookback: expected a duration'
		'{"t": {"incremental": {"column": "u", "full_every": "0"}}}|SYNC_RULES["t"].incremental.full_every: expected a duration over 0'
		'{"t": {"incremental": {"column": "u", "every": "1h"}}}|SYNC_RULES["t"].incremental: unknown key "every"'
	)
	local c
	for c in "${cases[@]}"; do
		local rules=${c%%|*} want=${c#*|}
		local rc=0 out
		out=$(SYNC_RULES=$rules "$SYNCFN" sync 2>&1) || rc=$?
		assert_eq 2 "$rc" "exit status for $rules: $out"
		assert_contains "$out" "$want" "$rules"
	done
	# all at once
	local rc=0 out
	out=$(SYNC_RULES='{"t": {"mode": 1, "delete": {"max_rows": "x"}}, "u": []}' "$SYNCFN" sync 2>&1) || rc=$?
	assert_eq 2 "$rc"
	assert_contains "$out" 'SYNC_RULES["t"].mode'
	assert_contains "$out" 'SYNC_RULES["t"].delete.max_rows'
	assert_contains "$out" 'SYNC_RULES["u"]: expected an object'
	# nested 5000 deep, a file that does not exist, a file too large
	rc=0; out=$(SYNC_RULES="$(printf '%5000s' | tr ' ' '[')" "$SYNCFN" sync 2>&1) || rc=$?
	assert_eq 2 "$rc"; assert_contains "$out" "SYNC_RULES nests deeper than 8 levels"
	rc=0; out=$(SYNC_RULES="@$TEST_TMP/none.json" "$SYNCFN" sync 2>&1) || rc=$?
	assert_eq 2 "$rc"; assert_contains "$out" "SYNC_RULES=@$TEST_TMP/none.json: cannot open the file"
	head -c 300000 /dev/zero | tr '\0' ' ' >"$TEST_TMP/big.json"
	rc=0; out=$(SYNC_RULES="@$TEST_TMP/big.json" "$SYNCFN" sync 2>&1) || rc=$?
	assert_eq 2 "$rc"; assert_contains "$out" "larger than 256 KiB"
	printf '{"t": {"where": 1}}' >"$TEST_TMP/bad.json"
	rc=0; out=$(SYNC_RULES="@$TEST_TMP/bad.json" "$SYNCFN" sync 2>&1) || rc=$?
	assert_eq 2 "$rc"; assert_contains "$out" 'SYNC_RULES["t"].where: expected'
	# serve starts, says what is wrong, and a manual sync answers 500
	export SYNC_ADMIN_TOKEN=rules-test-admin-token-0123456789
	SYNC_RULES='{"t": 1}' start_serve
	assert_contains "$(cat "$SERVE_LOG")" 'SYNC_RULES[\"t\"]: expected an object'
	http GET "$SERVE_URL/api/background/sync/slave-to-prod" -H "Authorization: Bearer $SYNC_ADMIN_TOKEN"
	assert_eq 500 "$HTTP_STATUS" "$HTTP_BODY"
	assert_contains "$HTTP_BODY" 'SYNC_RULES[\"t\"]: expected an object'
	kill "$SERVE_PID"
}

# delete: target rows in scope whose key the source lacks, children before
# parents, behind the guard (exactly at the limit passes, one over trips
# and writes nothing); NULL filter results are out of scope; an empty
# scope never empties the target; a dry run reports without deleting
delete_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_rules_del_$1_${2:-x}"
	variant "$1" "${2:-}"
	both_q "CREATE TABLE p (id int PRIMARY KEY, tenant int, note text);
	CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p, tenant int)"
	src_q "INSERT INTO p SELECT g, CASE WHEN g = 20 THEN NULL ELSE g % 2 END, 'n' FROM generate_series(1, 20) g;
	INSERT INTO c SELECT g, g, g % 2 FROM generate_series(1, 20) g"
	local rules='{"p": {"where": "tenant = 1", "delete": {"max_rows": 2, "max_percent": 20}},
	              "c": {"where": "tenant = 1", "delete": {"max_rows": 2}}}'
	export SYNC_RULES=$rules
	sync_ok; expect_counts 20 0 0
	assert_json "$OUT" 'j["statistics"]["deleted"]' 0
	# the target's own rows: one out of scope (tenant 0), one NULL
	dst_q "INSERT INTO p VALUES (100, 0, 'own'), (101, NULL, 'own')"
	# 2 of the 10 rows in scope of each table: at both limits
	src_q "DELETE FROM c WHERE id IN (1, 3); DELETE FROM p WHERE id IN (1, 3); UPDATE p SET note = 'x' WHERE id = 5"
	local v; v=$(versions p)
	sync_ok --dry-run; expect_counts 0 1 15
	assert_json "$OUT" '[t.get("deleted") for t in j["statistics"]["tables"]]' '[2, 2]'
	assert_eq "$v" "$(versions p)" "a dry run deleted"
	sync_ok; expect_counts 0 1 15
	assert_json "$OUT" 'j["statistics"]["deleted"]' 4
	assert_json "$OUT" '[(t["table"].split(".")[1], t["deleted"], t["scope"]) for t in j["statistics"]["tables"]]' '[["p", 2, "filtered"], ["c", 2, "filtered"]]'
	assert_eq "100 101" "$(dst_q "SELECT string_agg(id::text, ' ' ORDER BY id) FROM p WHERE id NOT IN (SELECT id FROM p WHERE id < 100)")"
	assert_eq "0" "$(dst_q "SELECT count(*) FROM p WHERE id IN (1, 3)")"
	sync_ok; expect_counts 0 0 16
	assert_json "$OUT" 'j["statistics"]["deleted"]' 0
	# one over max_rows (3 > 2): nothing written, not even the update
	src_q "DELETE FROM c WHERE id IN (5, 7, 9); UPDATE p SET note = 'y' WHERE id = 11"
	v=$(versions p); local vc; vc=$(versions c)
	run_sync
	assert_eq 2 "$RC" "a tripped guard: $OUT"
	assert_contains "$OUT" '.c: the delete rule would delete 3 of the 8 target rows in scope (37.5%), over its guard (max_rows 2)'
	assert_eq "$v|$vc" "$(versions p)|$(versions c)" "a tripped guard wrote"
	assert_eq guard_tripped "$(dst_q 'SELECT status FROM syncfn.runs ORDER BY id DESC LIMIT 1')"
	# one over max_percent: 2 of 8 in scope is 25% > 20%
	src_q "INSERT INTO c SELECT id, id, 1 FROM (VALUES (5), (7), (9)) v(id); DELETE FROM c WHERE id IN (5, 7); DELETE FROM p WHERE id IN (5, 7)"
	export SYNC_RULES='{"p": {"where": "tenant = 1", "delete": {"max_percent": 20}}, "c": {"where": "tenant = 1", "delete": {"max_percent": 50}}}'
	run_sync
	assert_eq 2 "$RC" "$OUT"
	assert_contains "$OUT" '.p: the delete rule would delete 2 of the 8 target rows in scope (25.0%), over its guard (max_percent 20)'
	export SYNC_RULES='{"p": {"where": "tenant = 1", "delete": {"max_percent": 25}}, "c": {"where": "tenant = 1", "delete": true}}'
	run_sync
	assert_eq 2 "$RC" "$OUT"
	assert_contains "$OUT" '.c: the delete rule would delete 2 of the 8 target rows in scope (25.0%), over its guard (max_percent 10)'
	export SYNC_RULES='{"p": {"where": "tenant = 1", "delete": {"max_percent": 25}}, "c": {"where": "tenant = 1", "delete": {"max_percent": 25}}}'
	sync_ok; expect_counts 0 1 11
	assert_json "$OUT" 'j["statistics"]["deleted"]' 4
	# an empty scope on the source: every row in scope would go; refused
	# whatever max_rows says, unless max_percent is 100
	src_q "DELETE FROM c; UPDATE p SET tenant = 3"
	export SYNC_RULES='{"c": {"delete": {"max_rows": 1000}}}'
	run_sync
	assert_eq 2 "$RC" "$OUT"
	assert_contains "$OUT" '.c: the delete rule would delete 6 of the 6 target rows in scope (100.0%), over its guard (every row in scope'
	export SYNC_RULES='{"c": {"delete": {"max_percent": 100}}}'
	sync_ok
	assert_json "$OUT" 'j["statistics"]["deleted"]' 6
	assert_eq 0 "$(dst_q 'SELECT count(*) FROM c')"
}
test_delete_same() { delete_case same; }
test_delete_two_streamed() { delete_case two off; }
test_delete_two_checksum() { delete_case two checksum; }

# The checksum path deletes the target-only keys its segments found: a
# delete-only change reads the source's aggregates and nothing else (no
# stream of the source's keys, which was 12 bytes a row), also for a
# text key whose rows are found at row level (keys with a tab, a
# backslash, a newline and a quote go through COPY text)
test_delete_checksum_reads_no_source_keys() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_rules_del_keys
	export SYNC_CHECKSUM=on
	both_q "CREATE TABLE o (id int PRIMARY KEY, note text);
	CREATE TABLE t (k text PRIMARY KEY, note text)"
	src_q "INSERT INTO o SELECT g, 'n' || g FROM generate_series(1, 20000) g;
	INSERT INTO t SELECT 'k' || g, 'n' FROM generate_series(1, 2000) g;
	INSERT INTO t VALUES (E'a\tb', 'x'), (E'c\\\\d', 'x'), (E'e\nf', 'x'), ('g\"h', 'x')"
	export SYNC_RULES='{"o": {"delete": {"max_percent": 5}}, "t": {"delete": {"max_rows": 4}}}'
	sync_ok; expect_counts 22004 0 0
	src_q "DELETE FROM o WHERE id % 100 = 7; DELETE FROM t WHERE note = 'x'"
	sync_ok; expect_counts 0 0 21800
	assert_json "$OUT" '[(t["method"], t["deleted"]) for t in j["statistics"]["tables"]]' '[["checksum", 200], ["checksum", 4]]'
	local b_o b_t
	b_o=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["statistics"]["tables"][0]["bytes_from_source"])')
	b_t=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["statistics"]["tables"][1]["bytes_from_source"])')
	# the aggregates: 1,250 segments of 20 bytes, 125 of 16
	[ "$b_o" -lt 60000 ] || fail "o: $b_o bytes from the source for 200 deletes (its keys streamed?)"
	[ "$b_t" -lt 10000 ] || fail "t: $b_t bytes from the source for 4 deletes (its keys streamed?)"
	same_rows o; same_rows t
	# the guard is counted from those keys, before anything is written
	src_q "DELETE FROM t WHERE k IN ('k1', 'k2', 'k3', 'k4', 'k5'); UPDATE o SET note = 'u' WHERE id = 1"
	local v; v=$(versions o)
	run_sync
	assert_eq 2 "$RC" "$OUT"
	assert_contains "$OUT" '.t: the delete rule would delete 5 of the 2000 target rows in scope (0.2%), over its guard (max_rows 4)'
	assert_eq "$v" "$(versions o)" "a tripped guard wrote"
	export SYNC_RULES='{"o": {"delete": {"max_percent": 5}}, "t": {"delete": {"max_rows": 5}}}'
	sync_ok --dry-run; expect_counts 0 1 21794
	assert_json "$OUT" '[t["deleted"] for t in j["statistics"]["tables"]]' '[0, 5]'
	assert_eq "$v" "$(versions o)" "a dry run wrote"
	sync_ok; expect_counts 0 1 21794
	same_rows o; same_rows t
}

# A table referenced with ON DELETE CASCADE needs "cascade": true; a NO
# ACTION reference that blocks a delete fails naming the constraint
test_delete_references() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode two sync_rules_refs
	both_q "CREATE TABLE p (id int PRIMARY KEY);
	CREATE TABLE c (id int PRIMARY KEY, pid int CONSTRAINT c_cascades REFERENCES p ON DELETE CASCADE);
	CREATE TABLE q (id int PRIMARY KEY);
	CREATE TABLE r (id int PRIMARY KEY, qid int CONSTRAINT r_blocks REFERENCES q)"
	src_q "INSERT INTO p SELECT generate_series(1, 20); INSERT INTO c SELECT g, g FROM generate_series(1, 20) g;
	INSERT INTO q SELECT generate_series(1, 20); INSERT INTO r SELECT g, g FROM generate_series(1, 20) g"
	sync_ok; expect_counts 80 0 0
	export SYNC_RULES='{"p": {"delete": true}}'
	run_sync
	assert_eq 2 "$RC" "$OUT"
	assert_contains "$OUT" 'SYNC_RULES[\"p\"].delete: table public.p is referenced by table public.c (constraint c_cascades, ON DELETE CASCADE)'
	src_q "DELETE FROM c WHERE id = 1; DELETE FROM p WHERE id = 1"
	export SYNC_RULES='{"p": {"delete": {"cascade": true}}}'
	sync_ok
	assert_json "$OUT" 'j["statistics"]["deleted"]' 1
	# r still references q 1 on the target (r has no delete rule)
	src_q "DELETE FROM r WHERE id = 1; DELETE FROM q WHERE id = 1"
	export SYNC_RULES='{"q": {"delete": true}}'
	run_sync
	assert_eq 1 "$RC" "$OUT"
	assert_contains "$OUT" 'still referenced through constraint r_blocks'
	assert_eq 20 "$(dst_q 'SELECT count(*) FROM q')"
	export SYNC_RULES='{"q": {"delete": true}, "r": {"delete": true}}'
	sync_ok
	assert_json "$OUT" 'j["statistics"]["deleted"]' 2
}

# triggers: a target trigger that rewrites a column (moddatetime style):
# "skip" writes the source's values exactly and a re-sync writes nothing;
# "fire" (the default) lets it fire; a role that may not set
# session_replication_role is refused before any write, naming the table
# and its triggers
triggers_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_rules_trig_$1_${2:-x}"
	variant "$1" "${2:-}"
	both_q "CREATE TABLE m (id int PRIMARY KEY, v text, stamped timestamptz)"
	dst_q "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN NEW.stamped := '2000-01-01'; RETURN NEW; END\$\$;
	CREATE TRIGGER m_stamp BEFORE INSERT OR UPDATE ON m FOR EACH ROW EXECUTE FUNCTION stamp()"
	src_q "INSERT INTO m SELECT g, 'v' || g, '2024-01-01' FROM generate_series(1, 10) g"
	sync_ok; expect_counts 10 0 0
	assert_eq 10 "$(dst_q "SELECT count(*) FROM m WHERE stamped = '2000-01-01'")" "fire: the trigger fired"
	export SYNC_RULES='{"m": {"triggers": "skip"}}'
	sync_ok; expect_counts 0 10 0
	same_rows m
	src_q "UPDATE m SET v = 'new' WHERE id = 1"
	sync_ok; expect_counts 0 1 9
	same_rows m
	local v; v=$(versions m)
	sync_ok; expect_counts 0 0 10
	assert_eq "$v" "$(versions m)" "a no-change re-sync wrote"
	assert_eq origin "$(dst_q 'SHOW session_replication_role')"
	# a role that may not set it: a member of the owner's role, no superuser
	# roles are the cluster's: a name of this process, so that another
	# build's run of the same case (or a rerun) never meets it
	local weak="sync_weak_$1_${2:-x}_$$"
	q postgres "CREATE ROLE $weak LOGIN PASSWORD 'weak-pw-42' IN ROLE postgres"
	export TARGET_DATABASE_URL="postgresql://$weak:weak-pw-42@127.0.0.1:$PGPORT/$DST_DB"
	src_q "UPDATE m SET v = 'newer' WHERE id = 2"
	run_sync
	assert_eq 2 "$RC" "$OUT $ERR"
	assert_contains "$OUT" 'SYNC_RULES[\"m\"].triggers: \"skip\" runs the table'
	assert_contains "$OUT" 'has the triggers m_stamp'
	assert_eq "v2" "$(dst_q 'SELECT v FROM m WHERE id = 2')"
	export SYNC_RULES='{"m": {"triggers": "fire"}}'
	sync_ok; expect_counts 0 1 9
	assert_eq "2000-01-01 00:00:00+00" "$(dst_q "SET TimeZone = UTC; SELECT stamped FROM m WHERE id = 2")"
}
test_triggers_same() { triggers_case same; }
test_triggers_two_streamed() { triggers_case two off; }
test_triggers_two_checksum() { triggers_case two checksum; }
