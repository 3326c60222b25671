-- One side's segments, run on both servers at once: per segment ("seg", an
-- expression of the key), the row count, the XOR of the rows' 64-bit
-- hashes and which of the segment's keys are present ("bits", a bit per
-- key offset for integer keys in segments of at most 64 values, else 0),
-- packed as 24 bytes (seg int4, count int4, hash int8, bits int8) and
-- returned in groups of 4096 segments, so a million rows cost about 1.5 MB
-- however wide they are. No filter on seg and no order inside a group
-- (the client sorts): either doubles the statement's time, a filter on
-- the segment expression being evaluated for every row a second time.
SELECT string_agg(int4send(seg) || int4send(n) || int8send(h) || int8send(b),
                  ''::bytea)
FROM (SELECT {{seg}} AS seg, count(*)::int AS n, bit_xor({{rowhash}}) AS h,
             {{bits}} AS b
      FROM {{tbl}} GROUP BY 1) s
GROUP BY seg >> 12
