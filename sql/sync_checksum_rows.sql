-- Row level, for the segments whose aggregates differ ($2, or every one
-- from $1 on when $2 is null): per segment, each row's key as text and its
-- hash, packed (length int4, key bytes, hash int8), in segment order so the
-- client reads both sides' answers side by side.
SELECT seg, string_agg(int4send(octet_length(k)) || k || int8send(h), ''::bytea)
FROM (SELECT {{seg}} AS seg, convert_to(({{key}})::text, 'UTF8') AS k,
             {{rowhash}} AS h
      FROM {{tbl}}) s
WHERE seg >= $1::int AND ($2::int[] IS NULL OR seg = ANY ($2::int[]))
GROUP BY seg
ORDER BY seg
