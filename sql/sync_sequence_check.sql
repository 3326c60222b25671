-- Whether sequence $1 (owned by a column of the target table, or drawn
-- from by its default) can reach the column's maximum: a row (the maximum,
-- the sequence's MAXVALUE) when it cannot, so a dry run fails where setval
-- would.
SELECT x.m::text, ps.seqmax::text
FROM (SELECT max({{col}}) AS m FROM {{tgt}}) x, pg_catalog.pg_sequence ps
WHERE ps.seqrelid = $1::regclass
  AND x.m > ps.seqmax
