-- One side's segments, run on both servers at once: per segment ("seg", an
-- expression of the key), the row count and the XOR of the rows' 64-bit
-- hashes, packed as 16 bytes (seg int4, count int4, hash int8) and
-- returned in groups of 4096 segments, so a million rows cost about 1 MB
-- however wide they are. No filter on seg and no order inside a group
-- (the client sorts): either doubles the statement's time, a filter on
-- the segment expression being evaluated for every row a second time.
SELECT string_agg(int4send(seg) || int4send(n) || int8send(h), ''::bytea)
FROM (SELECT {{seg}} AS seg, count(*)::int AS n, bit_xor({{rowhash}}) AS h
      FROM {{tbl}} GROUP BY 1) s
GROUP BY seg >> 12
