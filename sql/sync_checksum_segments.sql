-- One side's segments, run on both servers at once: per segment ("seg", an
-- expression of the key), the XOR of the rows' 64-bit hashes and either
-- the row count, packed as 16 bytes (seg int4, count int4, hash int8), or,
-- for integer keys in segments of at most 64 values, which of the
-- segment's keys are present (a bit per key offset; the count is its
-- popcount), packed as 20 bytes (seg int4, hash int8, bits int8); the
-- aggregate {{pack}} does not read is left out by the planner. Returned
-- in groups of 4096 segments, so a million rows cost 1 to 1.25 MB however
-- wide they are. No filter on seg and no order inside a group (the client
-- sorts): either doubles the statement's time, a filter on the segment
-- expression being evaluated for every row a second time.
-- OFFSET 0 keeps the planner from counting the groups as the key's
-- distinct values (a million for a million rows, where there are 62,500
-- segments): with that count it sizes a hash table of tens of MB before
-- the first row, and without parallel workers it sorts the whole table
-- on disk instead (a million rows: 3.4 s and 175 MB of temporary files
-- against 2.5 s). With it, one backend per server aggregates in a hash
-- table a few MB large, 10% faster here than two parallel workers and a
-- leader; a sync does not take the production server's other cores.
SELECT string_agg({{pack}}, ''::bytea)
FROM (SELECT seg, bit_xor(h) AS h, bit_or(b) AS b, count(*)::int AS n
      FROM (SELECT {{seg}} AS seg, {{rowhash}} AS h, {{keybit}} AS b
            FROM {{tbl}} OFFSET 0) r
      GROUP BY 1) s
GROUP BY seg >> 12
