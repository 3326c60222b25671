# Table shapes: partitioned tables, inheritance children (FROM ONLY),
# names that need quoting, in both modes.
# timeout: 120
# builds: last

shapes_case() {
	sync_mode "$1" "sync_shapes_$1"
	both_q "CREATE TABLE events (id int, day date, v text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
	        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
	        CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
	        CREATE TABLE parent (id int PRIMARY KEY, v text);
	        CREATE TABLE child (extra int) INHERITS (parent);
	        CREATE TABLE \"Order Items\" (\"Id\" int PRIMARY KEY, \"Qty\" int, \"select\" text)"
	src_q "INSERT INTO events VALUES (1, '2024-05-01', 'a'), (2, '2025-05-01', 'b');
	       INSERT INTO parent VALUES (1, 'parent row'); INSERT INTO child VALUES (2, 'child row', 7);
	       INSERT INTO \"Order Items\" VALUES (1, 2, 'quoted')"
	export SYNC_TABLES='events, parent, Order Items'
	sync_ok
	expect_counts 4 0 0
	assert_eq "(1,2024-05-01,a) (2,2025-05-01,b)" "$(rows dst events | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "1|parent row" "$(dst_q "SELECT * FROM parent")" "child rows leaked into parent ($1)"
	assert_eq "1|2|quoted" "$(dst_q "SELECT * FROM \"Order Items\"")"
	src_q "UPDATE events SET v = 'B' WHERE id = 2"
	sync_ok
	expect_counts 0 1 3
	same_rows events
}
test_shapes_two() { source "$ROOT/tests/lib/sync.sh"; shapes_case two; }
test_shapes_same() { source "$ROOT/tests/lib/sync.sh"; shapes_case same; }
