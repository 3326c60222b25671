-- One side's segments, run on both servers at once: per segment ("seg", an
-- expression of the key), the row count and the XOR of the rows' 64-bit
-- hashes, packed as 16 bytes (seg int4, count int4, hash int8) and
-- returned in groups of 4096 segments, so a million rows cost about 1 MB
-- however wide they are. Segments from $1 on.
SELECT string_agg(int4send(seg) || int4send(n) || int8send(h), ''::bytea
                  ORDER BY seg)
FROM (SELECT {{seg}} AS seg, count(*)::int AS n, bit_xor({{rowhash}}) AS h
      FROM {{tbl}} GROUP BY 1) s
WHERE seg >= $1::int
GROUP BY seg >> 12
