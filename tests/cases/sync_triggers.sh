# "triggers": "fire" (the default) without churn: a target BEFORE row
# trigger that rewrites a column (moddatetime, updated_at = now()) is
# found by the merge, warned about once, recorded in syncfn.rewritten and
# left out of later comparisons until the table's BEFORE triggers change;
# on every path (one database; two with checksum, the copy diff, the
# stage), in incremental runs, partitioned targets and the plain UPDATE;
# a table without such a trigger runs the statements it did before, a
# trigger that rewrites nothing is not reported, a dry run records nothing
# timeout: 240
# builds: last

# rewrites: how many of the last sync's warnings say a column was rewritten
rewrites() { printf '%s' "$OUT" | python3 -c 'import json,sys; print(sum("rewritten on the target" in w for w in json.load(sys.stdin)["statistics"].get("warnings", [])))'; }
# method TABLE: how the last sync moved it
method() { json_value "$OUT" "[t['method'] for t in j['statistics']['tables'] if t['table'].endswith('.$1')][0]"; }
# recorded TABLE: the columns syncfn.rewritten holds for it
recorded() { dst_q "SELECT coalesce((SELECT array_to_string(columns, ',') FROM syncfn.rewritten WHERE table_name = '$DST_PATH.$1'), '-')"; }

fire_case() {
	source "$ROOT/tests/lib/sync.sh"
	local key=$3
	sync_mode "$1" "sync_trig_fire_$1_${2}_$key"
	[ "$1" = same ] || export SYNC_CHECKSUM=$2
	both_q "CREATE TABLE m (id $key PRIMARY KEY, v text, updated_at timestamptz);
	CREATE TABLE n (id $key PRIMARY KEY, v text, updated_at timestamptz)"
	# m: moddatetime style; n: the same trigger, disabled (never fires)
	dst_q "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN NEW.updated_at := now(); RETURN NEW; END\$\$;
	CREATE TRIGGER m_touch BEFORE UPDATE ON m FOR EACH ROW EXECUTE FUNCTION touch();
	CREATE TRIGGER n_touch BEFORE UPDATE ON n FOR EACH ROW EXECUTE FUNCTION touch();
	ALTER TABLE n DISABLE TRIGGER n_touch;
	CREATE TABLE qlog (tbl text, q text);
	CREATE FUNCTION logq() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN
	  EXECUTE format('INSERT INTO %I.qlog VALUES (\$1, \$2)', TG_TABLE_SCHEMA) USING TG_TABLE_NAME, current_query();
	  RETURN NULL; END\$\$;
	CREATE TRIGGER m_log AFTER UPDATE ON m FOR EACH STATEMENT EXECUTE FUNCTION logq();
	CREATE TRIGGER n_log AFTER UPDATE ON n FOR EACH STATEMENT EXECUTE FUNCTION logq()"
	src_q "INSERT INTO m SELECT g, 'v' || g, '2024-01-01' FROM generate_series(1, 10) g;
	INSERT INTO n SELECT g, 'v' || g, '2024-01-01' FROM generate_series(1, 10) g"
	sync_ok; expect_counts 20 0 0
	same_rows m
	src_q "UPDATE m SET v = 'new' WHERE id::int <= 2; UPDATE n SET v = 'new' WHERE id::int <= 2"
	# a dry run finds the rewrite and warns, but records nothing
	sync_ok --dry-run; expect_counts 0 4 16
	assert_eq 1 "$(rewrites)" "dry run warning ($1 ${2:-})"
	assert_eq - "$(recorded m)" "a dry run recorded"
	sync_ok; expect_counts 0 4 16
	assert_eq "$4" "$(method m)" "the path"
	assert_eq 1 "$(rewrites)" "one warning ($1 ${2:-}): $OUT"
	assert_contains "$OUT" "table $DST_PATH.m: column updated_at was rewritten on the target by its BEFORE trigger m_touch"
	assert_contains "$ERR" "column updated_at was rewritten"
	assert_eq updated_at "$(recorded m)"
	assert_eq - "$(recorded n)" "a disabled trigger's table"
	assert_eq 2 "$(dst_q "SELECT count(*) FROM m WHERE updated_at > '2024-01-01'")" "the trigger fired"
	same_rows n
	# only the table with a BEFORE trigger pays for the comparison
	assert_eq "m:1 n:0" "$(dst_q "SELECT string_agg(tbl || ':' || (q LIKE '%syncfn_c%')::int, ' ' ORDER BY tbl) FROM qlog WHERE q LIKE '%WITH ins AS%'")" "statements ($1 ${2:-})"
	# no change: nothing written, no new warning
	local v; v=$(versions m)
	sync_ok; expect_counts 0 0 20
	assert_eq "$v" "$(versions m)" "a no-change re-sync wrote ($1 ${2:-})"
	assert_eq 0 "$(rewrites)"
	# another column changed: written (the trigger fires), no warning;
	# the rewritten column alone changed: not compared, not written
	src_q "UPDATE m SET v = 'newer' WHERE id::int = 3; UPDATE m SET updated_at = '2025-01-01' WHERE id::int = 4"
	sync_ok; expect_counts 0 1 19
	assert_eq 0 "$(rewrites)"
	assert_eq "newer" "$(dst_q 'SELECT v FROM m WHERE id::int = 3')"
	# a new function body: the column is compared again (rows 1-4 differ)
	dst_q "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN NEW.updated_at := now() + interval '1 day'; RETURN NEW; END\$\$"
	sync_ok; expect_counts 0 4 16
	assert_eq 1 "$(rewrites)" "after the function changed ($1 ${2:-})"
	sync_ok; expect_counts 0 0 20
	# a new trigger: compared again, the warning names every BEFORE trigger
	dst_q "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN RETURN NEW; END\$\$;
	CREATE TRIGGER m_keep BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION keep()"
	sync_ok; expect_counts 0 4 16
	assert_contains "$OUT" "by one of its BEFORE triggers m_keep, m_touch"
	sync_ok; expect_counts 0 0 20
	# the trigger dropped: compared again, the source's values come back
	dst_q "DROP TRIGGER m_touch ON m"
	sync_ok; expect_counts 0 4 16
	assert_eq 0 "$(rewrites)"
	same_rows m
}
test_fire_same() { fire_case same - int insert_select; }
test_fire_two_checksum() { fire_case two on int checksum; }
test_fire_two_diff() { fire_case two off int copy_diff; }
# a text key: copy_stage, the merge of the whole stage
test_fire_two_stage() { fire_case two off text copy_stage; }

# an incremental rule on the column the target's trigger also stamps:
# partial runs merge by key lookups (the few rows' merge), and rows the
# lookback reads again are not rewritten
incr_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_trig_incr_$1"
	both_q "CREATE TABLE p (id int PRIMARY KEY, v text, updated_at timestamptz)"
	dst_q "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN NEW.updated_at := now(); RETURN NEW; END\$\$;
	CREATE TRIGGER p_touch BEFORE UPDATE ON p FOR EACH ROW EXECUTE FUNCTION touch()"
	src_q "INSERT INTO p SELECT g, 'v' || g, '2024-01-01' FROM generate_series(1, 100) g"
	export SYNC_RULES='{"p": {"incremental": {"column": "updated_at", "lookback": "1h"}}}'
	sync_ok; expect_counts 100 0 0
	src_q "UPDATE p SET v = 'new', updated_at = now() WHERE id <= 2"
	sync_ok; expect_counts 0 2 0
	assert_json "$OUT" 'j["statistics"]["tables"][0]["incremental"]["full"]' false
	assert_eq 1 "$(rewrites)" "one warning ($1): $OUT"
	local v; v=$(versions p)
	sync_ok; expect_counts 0 0 2
	assert_json "$OUT" 'j["statistics"]["tables"][0]["incremental"]["full"]' false
	assert_eq "$v" "$(versions p)" "a no-change incremental run wrote ($1)"
	assert_eq 0 "$(rewrites)"
}
test_fire_incremental_same() { incr_case same; }
test_fire_incremental_two() { incr_case two; }

# honest: a BEFORE trigger that leaves the values alone, and a target
# type that rounds the source's value (numeric(10,2)), report nothing
honest_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_trig_honest_$1"
	src_q "CREATE TABLE h (id int PRIMARY KEY, v text, price numeric)"
	dst_q "CREATE TABLE h (id int PRIMARY KEY, v text, price numeric(10,2));
	CREATE FUNCTION same() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN NEW.v := NEW.v; RETURN NEW; END\$\$;
	CREATE TRIGGER h_same BEFORE INSERT OR UPDATE ON h FOR EACH ROW EXECUTE FUNCTION same()"
	src_q "INSERT INTO h SELECT g, 'v' || g, g + 0.001 FROM generate_series(1, 10) g"
	sync_ok; expect_counts 10 0 0
	src_q "UPDATE h SET v = 'new' WHERE id <= 3; INSERT INTO h VALUES (11, 'v11', 0.005)"
	sync_ok
	assert_eq 0 "$(rewrites)" "a trigger that rewrote nothing was reported ($1): $OUT"
	assert_eq - "$(recorded h)"
	assert_eq "new" "$(dst_q 'SELECT v FROM h WHERE id = 3')"
}
test_fire_honest_same() { honest_case same; }
test_fire_honest_two() { honest_case two; }

# a partitioned target, its trigger declared on the partitioned table,
# then another whose trigger is on one of its partitions
part_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_trig_part_$1"
	src_q "CREATE TABLE q (id int PRIMARY KEY, v text, updated_at timestamptz)"
	dst_q "CREATE TABLE q (id int PRIMARY KEY, v text, updated_at timestamptz) PARTITION BY RANGE (id);
	CREATE TABLE q_1 PARTITION OF q FOR VALUES FROM (0) TO (6);
	CREATE TABLE q_2 PARTITION OF q FOR VALUES FROM (6) TO (100);
	CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN NEW.updated_at := now(); RETURN NEW; END\$\$;
	CREATE TRIGGER q_touch BEFORE UPDATE ON q FOR EACH ROW EXECUTE FUNCTION touch()"
	src_q "INSERT INTO q SELECT g, 'v' || g, '2024-01-01' FROM generate_series(1, 10) g"
	sync_ok; expect_counts 10 0 0
	src_q "UPDATE q SET v = 'new' WHERE id IN (1, 9)"
	sync_ok; expect_counts 0 2 8
	assert_eq 1 "$(rewrites)" "one warning ($1): $OUT"
	assert_eq updated_at "$(recorded q)"
	local v; v=$(versions q)
	sync_ok; expect_counts 0 0 10
	assert_eq "$v" "$(versions q)" "a no-change re-sync wrote ($1)"
	# a trigger created on one partition alone fires there only, and is
	# read as the parent's is
	src_q "CREATE TABLE r (id int PRIMARY KEY, v text, updated_at timestamptz);
	INSERT INTO r SELECT g, 'v' || g, '2024-01-01' FROM generate_series(1, 10) g"
	dst_q "CREATE TABLE r (id int PRIMARY KEY, v text, updated_at timestamptz) PARTITION BY RANGE (id);
	CREATE TABLE r_1 PARTITION OF r FOR VALUES FROM (0) TO (6);
	CREATE TABLE r_2 PARTITION OF r FOR VALUES FROM (6) TO (100);
	CREATE TRIGGER r_2_touch BEFORE UPDATE ON r_2 FOR EACH ROW EXECUTE FUNCTION touch()"
	sync_ok; expect_counts 10 0 10
	src_q "UPDATE r SET v = 'new' WHERE id IN (1, 9)"
	sync_ok; expect_counts 0 2 18
	assert_eq 1 "$(rewrites)" "one warning for the partition's trigger ($1): $OUT"
	assert_contains "$OUT" "table $DST_PATH.r: column updated_at was rewritten on the target by its BEFORE trigger r_2_touch"
	assert_eq updated_at "$(recorded r)"
	assert_eq 1 "$(dst_q "SELECT count(*) FROM r WHERE updated_at > '2024-01-01'")" "the partition's trigger fired"
	v=$(versions r)
	sync_ok; expect_counts 0 0 20
	assert_eq "$v" "$(versions r)" "a no-change re-sync wrote ($1)"
}
test_fire_partitioned_same() { part_case same; }
test_fire_partitioned_two() { part_case two; }

# a target-only NOT NULL column without a default: the rows that differ
# are updated by a plain UPDATE, which reports the rewrite too
update_only_case() {
	source "$ROOT/tests/lib/sync.sh"
	sync_mode "$1" "sync_trig_upd_$1"
	src_q "CREATE TABLE u (id int PRIMARY KEY, v text, updated_at timestamptz)"
	dst_q "CREATE TABLE u (id int PRIMARY KEY, v text, updated_at timestamptz, extra text NOT NULL);
	CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN NEW.updated_at := now(); RETURN NEW; END\$\$;
	CREATE TRIGGER u_touch BEFORE UPDATE ON u FOR EACH ROW EXECUTE FUNCTION touch();
	INSERT INTO u SELECT g, 'v' || g, '2024-01-01', 'x' FROM generate_series(1, 10) g"
	src_q "INSERT INTO u SELECT g, 'v' || g, '2024-01-01' FROM generate_series(1, 10) g"
	sync_ok; expect_counts 0 0 10
	src_q "UPDATE u SET v = 'new' WHERE id <= 2"
	sync_ok; expect_counts 0 2 8
	assert_eq 1 "$(rewrites)" "one warning ($1): $OUT"
	local v; v=$(versions u)
	sync_ok; expect_counts 0 0 10
	assert_eq "$v" "$(versions u)" "a no-change re-sync wrote ($1)"
}
test_fire_update_only_same() { update_only_case same; }
test_fire_update_only_two() { update_only_case two; }
