-- Row level, for the segments whose aggregates differ ($2, or every one
-- from $1 on when $2 is null): each row's key as text and its hash,
-- packed (length int4, key bytes, hash int8), in groups of 64 segments
-- (seg >> 6) in group order, so the client reads both sides' answers side
-- by side (a key is in the same segment on both). OFFSET 0 makes the
-- server filter and hash first and aggregate small rows after, in a hash
-- table of a thousand groups per million rows, instead of sorting whole
-- rows on disk.
-- {{segcol}} is a name none of the synced columns has.
SELECT {{segcol}} >> 6,
       string_agg(int4send(octet_length(k)) || k || int8send(h), ''::bytea)
FROM (SELECT {{segcol}}, convert_to(({{key}})::text, 'UTF8') AS k,
             {{rowhash}} AS h
      FROM (SELECT {{seg}} AS {{segcol}}, {{cols}} FROM {{tbl}} syncfn_ck_t) x
      WHERE {{segcol}} >= $1::int
        AND ($2::int[] IS NULL OR {{segcol}} = ANY ($2::int[]))
      OFFSET 0) s
GROUP BY 1
ORDER BY 1
