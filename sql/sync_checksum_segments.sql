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
-- expression being evaluated for every row a second time. The planner
-- may use parallel workers: where both servers share a machine (the
-- bench), they take the core the side that finished first leaves idle.
SELECT string_agg({{pack}}, ''::bytea)
FROM (SELECT {{seg}} AS seg, bit_xor({{rowhash}}) AS h,
             bit_or({{keybit}}) AS b, count(*)::int AS n
      FROM {{tbl}} GROUP BY 1) s
GROUP BY seg >> 12
