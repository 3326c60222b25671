-- Moves sequence $1 (owned by a column of the target table, or drawn from
-- by its default) forward to the column's maximum, never backwards: a
-- target that is ahead keeps its sequence.
SELECT pg_catalog.setval($1::regclass, x.m::bigint)
FROM (SELECT max({{col}}) AS m FROM {{tgt}}) x, {{seq}} s
WHERE x.m IS NOT NULL
  AND x.m > CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END
