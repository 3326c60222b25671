# Every common built-in type survives a sync byte for byte, in both modes,
# and a re-sync with no change writes no row.
# timeout: 120
# builds: last

types_schema() {
	both_q "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
	CREATE DOMAIN posint AS int CHECK (VALUE > 0);
	CREATE TABLE alltypes (
		id int PRIMARY KEY, i2 smallint, i4 int, i8 bigint, num numeric(12,3),
		numx numeric, f4 real, f8 double precision, t text, vc varchar(20),
		ch char(5), by bytea, b bool, d date, ts timestamp, tstz timestamptz,
		tm time, iv interval, u uuid, ip inet, net cidr, j json, jb jsonb,
		ai int[], at text[], aj jsonb[], m mood, ma mood[], dm posint, x xml, pt point)"
	src_q "INSERT INTO alltypes VALUES
	(1, -32768, 2147483647, -9223372036854775808, 123456789.125, 1.50, 3.4028235e38,
	 1.7976931348623157e308, E'tab\there\nnewline \\\\ backslash é ✓ 日本', 'varchar',
	 'ab', '\\x00ff10', true, '2024-02-29', '2024-01-15 10:30:00.123456',
	 '2024-01-15 10:30:00.5+02', '23:59:59.999999', '1 year 2 mons 3 days 04:05:06.7',
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24', '10.0.0.0/8',
	 '{\"b\": 1,  \"a\": [1, 2]}', '{\"b\": 1.50, \"a\": null}', '{1,NULL,3}',
	 ARRAY['x y', 'q\"uote', 'back\\slash', NULL], ARRAY['{\"k\": 1}'::jsonb], 'happy', '{sad,ok}', 7,
	 '<a>x &amp; y</a>', '(1.5,-2)'),
	(2, 0, 0, 0, 0, 'NaN', 'NaN', '-Infinity', '', '', '', '', false, '-infinity',
	 'infinity', '1970-01-01 00:00:00+00', '00:00', '-1 days +00:00:01', '00000000-0000-0000-0000-000000000000',
	 '::1', '2001:db8::/32', '[]', '{}', '{}', '{}', '{}', 'sad', '{}', 1, '<b/>', '(0,0)'),
	(3, 1, 1, 1, -0.001, 0.1, '-0', 1e-308, 'x', 'y', 'z', '\\x', true, '0001-01-01 BC',
	 '2000-01-01', '2000-01-01', '12:00', '0', gen_random_uuid(), '0.0.0.0', '0.0.0.0/0',
	 'null', 'null', '{{1,2},{3,4}}', '{\"\"}', '{null}', 'ok', NULL, 2147483647, '', '(1e-10,1e10)'),
	(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
}

types_case() {
	sync_mode "$1" "sync_types_$1"
	types_schema
	sync_ok
	expect_counts 4 0 0
	same_rows alltypes

	# changes only a text comparison sees: json spacing, numeric scale,
	# -0 versus 0, 24 hours versus 1 day, jsonb number scale
	src_q "UPDATE alltypes SET j = '{\"b\":1,\"a\":[1,2]}', numx = 1.5 WHERE id = 1;
	       UPDATE alltypes SET f4 = 0, iv = '1 day' WHERE id = 3;
	       UPDATE alltypes SET jb = '{\"b\": 1.5}' WHERE id = 2"
	dst_q "UPDATE alltypes SET iv = '24 hours' WHERE id = 3"
	sync_ok
	expect_counts 0 3 1
	same_rows alltypes

	local before_v before_w
	before_v=$(versions alltypes); before_w=$(writes alltypes)
	sync_ok
	expect_counts 0 0 4
	assert_eq "$before_v" "$(versions alltypes)" "a no-change re-sync rewrote rows ($1)"
	assert_eq "$before_w" "$(writes alltypes)" "pg_stat_user_tables counted writes ($1)"
}

test_types_two_databases() { source "$ROOT/tests/lib/sync.sh"; types_case two; }
test_types_same_database() { source "$ROOT/tests/lib/sync.sh"; types_case same; }
