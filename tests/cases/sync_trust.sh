# What the checksum must never miss, and what every path must refuse: the
# changes an adversarial review found hashed alike (arrays with NULL
# elements, numeric columns changed together, columns whose type differs
# between the sides, bpchar's trailing blanks), keys that are two on the
# source and one on the target, and the user's columns named like the
# statements' own (segments sized from stale statistics and texts across
# encodings are in sync_checksum.sh). Each change
# goes both ways: made on the source (the sync carries it) and made on the
# target (drift: the sync repairs it), and each case runs on every path:
# the checksum (forced on), every row read (off), one database.
# The changes are data, not memory: the sanitizer build runs the same C in
# sync_checksum.sh, so these run once.
# builds: first
# timeout: 400

# on_paths NAME BODY [PATHS]: runs function BODY once per path (on, off,
# same: all three unless PATHS says), with the databases of NAME, after
# `sync_mode` and SYNC_CHECKSUM are set for it.
on_paths() {
	local p
	for p in ${3:-on off same}; do
		PATH_NAME=$p
		if [ $p = same ]; then
			sync_mode same "${1}_same"
		else
			sync_mode two "${1}_$p"; export SYNC_CHECKSUM=$p
		fi
		"$2"
		unset SYNC_CHECKSUM
	done
}

# exact TABLE: the target's rows are, byte for byte, what COPY gives of
# the source's (read with COPY on each side: none of syncfn's code)
exact() {
	local a b
	a=$(src_q "COPY (SELECT * FROM $1 ORDER BY 1) TO STDOUT")
	b=$(dst_q "COPY (SELECT * FROM $1 ORDER BY 1) TO STDOUT")
	[ -n "$a" ] || fail "source table $1 is empty: the test would prove nothing"
	[ "$a" = "$b" ] || fail "rows of $1 differ on path $PATH_NAME (< source, > target):
$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 20)"
}

# change SIDE SQL: one change on the source (src) or the target (dst),
# then a sync that must leave the tables exact; after a source change, a
# second must write nothing.
change() {
	"${1}_q" "$2"
	sync_ok
	exact "$TABLE"
	[ "$1" = src ] || return 0
	sync_ok
	assert_json "$OUT" 'j["statistics"]["inserted"] + j["statistics"]["updated"]' 0 \
		"a re-sync after [$2] on path $PATH_NAME wrote rows"
}

# changes SQL...: each change made first on the target alone (drift: the
# sync must put the source's rows back), then on the source (the sync
# must carry it), from tables that are alike
changes() {
	local sql
	for sql in "$@"; do
		change dst "$sql"
		change src "$sql"
	done
}

# array_changes VALUE...: one statement a value, which sets column c of
# row 10 * n + c's index to it, for every array column c at once: each
# row gets one change, and each must be found on its own
ARRAY_COLS="i s t v b d u y"
array_changes() {
	local v c n sql stmts=()
	for v in "$@"; do
		sql="" n=0
		for c in $ARRAY_COLS; do
			n=$((n + 1))
			sql="$sql UPDATE arr SET $c = $v WHERE id = $((10 * n + 1));"
		done
		stmts+=("$sql")
	done
	changes "${stmts[@]}"
}

arrays_body() {
	TABLE=arr
	both_q "CREATE TABLE arr (id int PRIMARY KEY, i int[], s smallint[],
		t text[], v varchar[], b bool[], d date[], u uuid[], y bytea[], z int)"
	src_q "INSERT INTO arr SELECT g, '{1}', '{1}', '{a}', '{a}', '{t}', '{2020-01-01}',
		'{00000000-0000-0000-0000-000000000001}', '{\\x01}', g FROM generate_series(1, 300) g"
	sync_ok; exact arr
	array_changes "'{}'" "'{NULL}'" "'[0:1]={NULL,NULL}'" "'{{NULL},{NULL}}'" \
		"'{NULL,NULL}'" "NULL"
}
test_arrays_with_null_elements() {
	source "$ROOT/tests/lib/sync.sh"
	on_paths trust_arr arrays_body
}

numeric_body() {
	TABLE=num
	both_q "CREATE TABLE num (id int PRIMARY KEY, a numeric(12,2), b numeric(12,2), c int)"
	src_q "INSERT INTO num SELECT g, g, g + 1, g FROM generate_series(1, 300) g"
	sync_ok; exact num
	# one change a row, each pair of columns chosen to cancel out in a
	# hash that XORs columns or drops a numeric's weight or sign
	changes "UPDATE num SET a = a * 10000, b = b * 10000 WHERE id = 11;
		UPDATE num SET a = 'NaN', b = 0 WHERE id = 12;
		UPDATE num SET a = 1.00, b = 10000.00 WHERE id = 13;
		UPDATE num SET a = -a, b = -b WHERE id = 14;
		UPDATE num SET a = 0.01, b = 100 WHERE id = 15"
	changes "UPDATE num SET a = 0, b = 'NaN' WHERE id = 12;
		UPDATE num SET a = 10000.00, b = 1.00 WHERE id = 13;
		UPDATE num SET a = 100, b = 0.01 WHERE id = 15;
		UPDATE num SET a = 'NaN', b = 'NaN' WHERE id = 16"
}
test_numeric_columns_changed_together() {
	source "$ROOT/tests/lib/sync.sh"
	on_paths trust_num numeric_body
}

bpchar_body() {
	TABLE=pad
	both_q "CREATE TABLE pad (id int PRIMARY KEY, p bpchar, q char(4), r text)"
	src_q "INSERT INTO pad SELECT g, 'ab', 'ab', 'x' FROM generate_series(1, 200) g"
	sync_ok; exact pad
	changes "UPDATE pad SET p = 'ab  ' WHERE id = 5; UPDATE pad SET p = ' ab' WHERE id = 6"
	changes "UPDATE pad SET p = 'ab' WHERE id = 5"
}
# An xml value whose stored text has a declaration its output (and so
# COPY) drops is what COPY would write: left alone, on every path.
xml_body() {
	TABLE=xm
	both_q "CREATE TABLE xm (id int PRIMARY KEY, v xml)"
	src_q "INSERT INTO xm SELECT g, ('<a>' || g || '</a>')::xml FROM generate_series(1, 200) g"
	sync_ok; exact xm
	dst_q "UPDATE xm SET v = '<?xml version=\"1.0\"?><a>5</a>' WHERE id = 5"
	sync_ok; exact xm
	expect_counts 0 0 200
}
test_xml_declaration_only_in_stored_text() {
	source "$ROOT/tests/lib/sync.sh"
	on_paths trust_xml xml_body
}

test_bpchar_trailing_blanks() {
	source "$ROOT/tests/lib/sync.sh"
	on_paths trust_pad bpchar_body
}

# Source types whose cast to text is not their output function, into text
# columns: a target drifted to the cast's form is repaired, and rows that
# COPY would leave as they are stay unfetched.
types_body() {
	TABLE=conv
	src_q "CREATE TABLE conv (id int PRIMARY KEY, b bool, c char(4), n inet, x xml,
		ts timestamp, r real, k int)"
	dst_q "CREATE TABLE conv (id int PRIMARY KEY, b text, c varchar(10), n text, x text,
		ts timestamptz, r float8, k int)"
	src_q "INSERT INTO conv SELECT g, g % 2 = 0, 'ab', '10.0.0.1', '<a>1</a>',
		'2024-01-01 10:00:00'::timestamp + g * interval '1 second', g / 10.0, g
		FROM generate_series(1, 300) g"
	sync_ok
	exact_conv
	sync_ok
	if [ $PATH_NAME = on ]; then
		assert_json "$OUT" 'j["statistics"]["tables"][0]["segments_differing"]' 0 \
			"rows that COPY would leave alone are fetched again"
	fi
	local d
	for d in "b = 'true' WHERE id = 4" "c = 'ab' WHERE id = 5" \
		"n = '10.0.0.1/32' WHERE id = 6" "x = '<a>2</a>' WHERE id = 7" \
		"ts = ts + interval '1 microsecond' WHERE id = 8" "r = 0.1000001 WHERE id = 1"; do
		dst_q "UPDATE conv SET $d"
		sync_ok
		exact_conv
	done
}
# exact_conv: the target holds what COPY makes of the source's text
exact_conv() {
	local a b
	a=$(src_q "COPY (SELECT * FROM conv ORDER BY 1) TO STDOUT")
	dst_q "DROP TABLE IF EXISTS conv_expected; CREATE TABLE conv_expected (LIKE conv)"
	printf '%s\n' "$a" | PGTZ=UTC psql -X -q -v ON_ERROR_STOP=1 -d "$DST_DB" \
		-c "SET search_path TO $DST_PATH, public; COPY conv_expected FROM STDIN" \
		|| fail "COPY into conv_expected"
	a=$(dst_q "SET TimeZone = 'UTC'; COPY (SELECT * FROM conv_expected ORDER BY 1) TO STDOUT")
	b=$(dst_q "SET TimeZone = 'UTC'; COPY (SELECT * FROM conv ORDER BY 1) TO STDOUT")
	dst_q "DROP TABLE conv_expected"
	[ "$a" = "$b" ] || fail "conv differs from COPY's on path $PATH_NAME (< COPY's, > target):
$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 20)"
}
test_types_that_differ_compared_as_copy_writes_them() {
	source "$ROOT/tests/lib/sync.sh"
	on_paths trust_conv types_body "on off"
}

# refused TABLE ROWS: the run fails, naming the repeated key, and the
# target's rows (their v, sorted) are still ROWS
refused() {
	run_sync
	[ "$RC" != 0 ] || fail "path $PATH_NAME: keys the target merges were synced: $OUT"
	assert_contains "$OUT$ERR" "more than one row with the same key" "path $PATH_NAME"
	assert_eq "$2" "$(dst_q "SELECT string_agg(v, ',' ORDER BY v) FROM $1")" \
		"path $PATH_NAME wrote rows"
}
# Two source keys that the target's key takes for one: refused before any
# write, on every path, with the message SYNC_CHECKSUM=off always gave.
keys_body() {
	src_q "CREATE TABLE k (id text PRIMARY KEY, v text)"
	dst_q "CREATE TABLE k (id int PRIMARY KEY, v text)"
	src_q "INSERT INTO k SELECT g::text, 'v' FROM generate_series(2, 100) g;
		INSERT INTO k VALUES ('1', 'one'), ('01', 'zero one')"
	# the target already holds the source's '1' row: only '01' looks new
	dst_q "INSERT INTO k VALUES (1, 'one'), (500, 'prod')"
	refused k one,prod
	src_q "CREATE TABLE ci (id text PRIMARY KEY, v text)"
	dst_q "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
		CREATE TABLE ci (id text COLLATE ci PRIMARY KEY, v text)"
	src_q "INSERT INTO ci SELECT 'k' || g, 'v' FROM generate_series(1, 100) g;
		INSERT INTO ci VALUES ('a', 'lower'), ('A', 'upper')"
	dst_q "INSERT INTO ci VALUES ('a', 'lower'), ('prod', 'prod')"
	export SYNC_TABLES=ci
	refused ci lower,prod
	unset SYNC_TABLES
}
test_keys_the_target_takes_for_one_are_refused() {
	source "$ROOT/tests/lib/sync.sh"
	on_paths trust_keys keys_body "on off"
}

# Keys whose equality is looser than their text (citext on the target, a
# numeric key, a case-insensitive collation): a source row whose key
# changed only in what that equality ignores still finds its target row,
# and must be written as COPY writes it, key included.
loose_keys_body() {
	q "$SRC_DB" "CREATE EXTENSION IF NOT EXISTS citext SCHEMA public"
	q "$DST_DB" "CREATE EXTENSION IF NOT EXISTS citext SCHEMA public"
	q "$DST_DB" "CREATE COLLATION IF NOT EXISTS public.ci
		(provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
	src_q "CREATE TABLE lc (id text PRIMARY KEY, v int);
		CREATE TABLE ln (id numeric PRIMARY KEY, v int);
		CREATE TABLE lk (id text PRIMARY KEY, v int)"
	dst_q "CREATE TABLE lc (id citext PRIMARY KEY, v int);
		CREATE TABLE ln (id numeric PRIMARY KEY, v int);
		CREATE TABLE lk (id text COLLATE public.ci PRIMARY KEY, v int)"
	src_q "INSERT INTO lc SELECT 'k' || g, g FROM generate_series(1, 300) g;
		INSERT INTO ln SELECT g, g FROM generate_series(1, 300) g;
		INSERT INTO lk SELECT 'k' || g, g FROM generate_series(1, 300) g"
	sync_ok
	for TABLE in lc ln lk; do exact_c $TABLE; done
	local c
	for c in "UPDATE lc SET id = 'K9' WHERE id = 'k9'; UPDATE lk SET id = 'K77' WHERE id = 'k77';
		UPDATE ln SET id = 5.00 WHERE id = 5"; do
		dst_q "$c"; sync_ok; for TABLE in lc ln lk; do exact_c $TABLE; done
		src_q "$c"; sync_ok; for TABLE in lc ln lk; do exact_c $TABLE; done
		sync_ok
		assert_json "$OUT" 'j["statistics"]["inserted"] + j["statistics"]["updated"]' 0 \
			"a re-sync after a key's change on path $PATH_NAME wrote rows"
	done
}
# exact_c TABLE: exact, the rows sorted by their bytes (the sides' orders
# of a case-insensitive key differ)
exact_c() {
	local a b
	a=$(src_q "COPY $1 TO STDOUT" | LC_ALL=C sort)
	b=$(dst_q "COPY $1 TO STDOUT" | LC_ALL=C sort)
	[ -n "$a" ] || fail "source table $1 is empty: the test would prove nothing"
	[ "$a" = "$b" ] || fail "rows of $1 differ on path $PATH_NAME (< source, > target):
$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 20)"
}
test_loose_keys_written_as_the_source_has_them() {
	source "$ROOT/tests/lib/sync.sh"
	on_paths trust_loose loose_keys_body
}

# Columns named like every name the statements make up for themselves.
names_body() {
	TABLE=nm
	local cols="id int PRIMARY KEY, seg int, pos int, h int, b int, n int, k text, r text,
		s text, x text, d text, t text, syncfn_ck_seg int, c1 int, c2 int, excluded int,
		g int, e int, m int, p int, v int, w int"
	both_q "CREATE TABLE nm ($cols)"
	src_q "INSERT INTO nm SELECT g, g, g, g, g, g, 'k', 'r', 's', 'x', 'd', 't', g, g, g, g,
		g, g, g, g, g, g FROM generate_series(1, 400) g"
	dst_q "INSERT INTO nm (id) VALUES (1)"
	sync_ok; exact nm
	changes "UPDATE nm SET seg = -1, syncfn_ck_seg = -1, h = -1 WHERE id = 9;
		UPDATE nm SET k = 'other', c1 = 0 WHERE id = 300"
	# text keys: segments without slots, so a change goes to row level
	TABLE=nt
	both_q "CREATE TABLE nt (id text PRIMARY KEY, syncfn_ck_seg int, seg int, k text)"
	src_q "INSERT INTO nt SELECT 'key' || g, g, g, 'k' FROM generate_series(1, 400) g"
	dst_q "INSERT INTO nt VALUES ('key1', 1, 1, 'k')"
	sync_ok; exact nt
	changes "UPDATE nt SET syncfn_ck_seg = -1 WHERE id = 'key9'; UPDATE nt SET k = 'x' WHERE id = 'key77'"
}
test_user_columns_named_like_generated_names() {
	source "$ROOT/tests/lib/sync.sh"
	on_paths trust_names names_body
}

# The row hash chains PostgreSQL's seeded hash functions: each must depend
# on its seed for every input it is given, the edge values included (a
# function that returned a constant for one value, as the array and record
# hashes do for NULLs and the numeric hash does for NaN, would drop every
# column before it), and a bytea's hash through a record must be its
# text's (how a non-UTF-8 server hashes a text's UTF-8 bytes).
test_hash_steps_depend_on_their_seed() {
	new_db trust_steps
	local s1=1783652790038589654 s2=3146842684398508057
	local sql="SELECT f, hashes[1] <> hashes[2] FROM (VALUES
		('int4 0', ARRAY[hashint4extended(0, $s1), hashint4extended(0, $s2)]),
		('int4 min', ARRAY[hashint4extended(-2147483648, $s1), hashint4extended(-2147483648, $s2)]),
		('int8 0', ARRAY[hashint8extended(0, $s1), hashint8extended(0, $s2)]),
		('float8 0', ARRAY[hashfloat8extended(0, $s1), hashfloat8extended(0, $s2)]),
		('float8 NaN', ARRAY[hashfloat8extended('NaN', $s1), hashfloat8extended('NaN', $s2)]),
		('uuid 0', ARRAY[uuid_hash_extended('00000000-0000-0000-0000-000000000000', $s1),
		                 uuid_hash_extended('00000000-0000-0000-0000-000000000000', $s2)]),
		('text empty', ARRAY[hashtextextended('' COLLATE \"C\", $s1), hashtextextended('' COLLATE \"C\", $s2)]),
		('bytea empty', ARRAY[hash_record_extended(ROW(''::bytea), $s1), hash_record_extended(ROW(''::bytea), $s2)]),
		('date epoch', ARRAY[hash_record_extended(ROW('1970-01-01'::date), $s1),
		                     hash_record_extended(ROW('1970-01-01'::date), $s2)])
	) v(f, hashes) ORDER BY 1"
	local got
	got=$(q trust_steps "$sql")
	assert_not_contains "$got" "|f" "a hash that ignores its seed: $got"
	assert_eq t "$(q trust_steps "SELECT bool_and(hash_record_extended(ROW(convert_to(x, 'UTF8')), $s1)
		= hashtextextended(x COLLATE \"C\", $s1))
		FROM (VALUES (''), ('a'), ('caf' || chr(233)), (repeat('x', 300))) v(x)")" \
		"a bytea's hash through a record is not its text's"
}
