-- One side's segments, run on both servers at once: per segment ("seg",
-- an expression of the key: for integer keys the key shifted right, which
-- {{pack}} turns into the segment's number once per group), the XOR of the
-- rows' 64-bit hashes and either the row count, packed as 16 bytes (seg
-- int4, count int4, hash int8), or, for integer keys in segments of at
-- most 64 values, a slot of K bits per key offset ("pos", the key's low
-- bits), 0 where the key is absent, else a K-bit hint of the row's hash
-- that is never 0 ({{slot}}: sync_checksum_sql.c), packed as 20 bytes
-- (seg int4, hash int8, slots int8); the aggregate {{pack}} does not read
-- is left out by the planner. Returned in groups of 4096 segments, so a
-- million rows cost 1 to 1.25 MB however wide they are.
-- The row hash is computed once per row in the inner query (OFFSET 0
-- keeps it from being merged into the aggregates, which would hash every
-- row twice) and that query runs in one backend per server: both servers
-- work at once, and where they share cores (the bench) parallel workers
-- only take the other side's core; it also spares production's other
-- cores (a source four times the target's size or more gets one worker:
-- sync_checksum_worker.sql). No filter on seg and no order inside a
-- group (the client sorts): either doubles the statement's time, a
-- filter on the segment expression being evaluated for every row a
-- second time.
SELECT string_agg({{pack}}, ''::bytea)
FROM (SELECT seg, bit_xor(h) AS h, bit_or({{slot}}) AS b, count(*)::int AS n
      FROM (SELECT {{group}} AS seg, {{pos}} AS pos, {{rowhash}} AS h
            FROM {{tbl}} syncfn_ck_t OFFSET 0) r
      GROUP BY 1) s
GROUP BY seg >> 12
