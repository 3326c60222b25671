# The databases' own defaults (ALTER DATABASE ... SET) must not change a
# single value: every common type, on every path (insert_direct and
# insert_select in one database; copy_direct, copy_diff and copy_stage
# between two), with hostile defaults for each setting the run pins, on
# the source and the target (different ones, so nothing cancels out).
# timeout: 240
# builds: last

# hostile DB: the defaults a careless or malicious owner could have set
hostile() {
	local db=$1 style=$2 istyle=$3 tz=$4 path=${5:-'evil, pg_catalog, public'}
	q "$db" "ALTER DATABASE $db SET array_nulls = off;
	ALTER DATABASE $db SET xmloption = document;
	ALTER DATABASE $db SET standard_conforming_strings = off;
	ALTER DATABASE $db SET search_path = $path;
	ALTER DATABASE $db SET DateStyle = '$style';
	ALTER DATABASE $db SET IntervalStyle = $istyle;
	ALTER DATABASE $db SET extra_float_digits = -15;
	ALTER DATABASE $db SET TimeZone = '$tz';
	ALTER DATABASE $db SET bytea_output = escape;
	ALTER DATABASE $db SET quote_all_identifiers = on;
	ALTER DATABASE $db SET client_encoding = 'LATIN1'"
}
# evil SCHEMA-DB: an = for integers that says every pair is equal, found
# before pg_catalog's on the database's search_path
evil_schema() {
	q "$1" "CREATE SCHEMA IF NOT EXISTS evil;
	CREATE FUNCTION evil.eq(int, int) RETURNS bool LANGUAGE sql AS 'SELECT true';
	CREATE OPERATOR evil.= (FUNCTION = evil.eq, LEFTARG = int, RIGHTARG = int)"
}

settings_case() {
	source "$ROOT/tests/lib/sync.sh"
	source "$ROOT/tests/cases/sync_types.sh"
	export PGCLIENTENCODING=UTF8
	sync_mode "$1" "sync_settings_$1"
	if [ "${2:-}" = checksum ]; then export SYNC_CHECKSUM=on; else export SYNC_CHECKSUM=off; fi
	types_schema
	# a text key: copy_stage between two databases
	both_q "CREATE TABLE alltext (k text PRIMARY KEY, LIKE alltypes)"
	src_q "INSERT INTO alltext SELECT 'k' || id, * FROM alltypes"
	evil_schema "$SRC_DB"
	[ "$SRC_DB" = "$DST_DB" ] || evil_schema "$DST_DB"
	hostile "$SRC_DB" 'SQL, DMY' sql_standard 'Pacific/Chatham'
	# two databases: an empty search_path on the source
	[ "$SRC_DB" = "$DST_DB" ] || hostile "$DST_DB" 'German' iso_8601 'America/St_Johns'
	[ "$SRC_DB" = "$DST_DB" ] || hostile "$SRC_DB" 'SQL, DMY' sql_standard 'Pacific/Chatham' "''"

	sync_ok
	expect_counts 8 0 0
	local first=insert_direct; [ "$1" = two ] && first=copy_direct
	assert_json "$OUT" '[t["method"] for t in j["statistics"]["tables"]]' "[\"$first\", \"$first\"]"
	# a change on every row, and one target row that differs
	src_q "UPDATE alltypes SET i4 = coalesce(i4, 0) - 1; UPDATE alltext SET i4 = coalesce(i4, 0) - 1"
	dst_q "UPDATE alltypes SET at = NULL WHERE id = 2; UPDATE alltext SET ai = NULL WHERE k = 'k2'"
	sync_ok
	expect_counts 0 8 0
	local next='["insert_select", "insert_select"]'
	[ "$1" = two ] && next='["copy_stage", "copy_diff"]'
	[ "${2:-}" = checksum ] && next='["checksum", "checksum"]'
	assert_json "$OUT" '[t["method"] for t in j["statistics"]["tables"]]' "$next"
	sync_ok
	expect_counts 0 0 8

	# compared with the server's own defaults, not the hostile ones
	q "$SRC_DB" "ALTER DATABASE $SRC_DB RESET ALL"
	q "$DST_DB" "ALTER DATABASE $DST_DB RESET ALL"
	same_rows alltypes
	same_rows alltext
	assert_eq "t|t" "$(dst_q "SELECT at[4] IS NULL, ai[2] IS NULL FROM alltypes WHERE id = 1")" "array NULLs ($1)"
}
test_settings_two() { settings_case two; }
test_settings_two_checksum() { settings_case two checksum; }
test_settings_same() { settings_case same; }
