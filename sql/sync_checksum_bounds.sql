-- Other keys: segment boundaries, a sample of the source's keys ($1 percent
-- of its rows) as text in byte order (COLLATE "C"), returned as one text[]
-- literal that both sides then cut their rows by with the very same
-- comparison, whatever the columns' own collations. Any set of boundaries
-- is correct; a sample only makes segments about equal in size.
SELECT coalesce(array_agg(DISTINCT b ORDER BY b), '{}')::text,
       count(DISTINCT b)
FROM (SELECT ({{key}})::text COLLATE "C" AS b
      FROM {{tbl}} TABLESAMPLE BERNOULLI ($1::float8) REPEATABLE (12)) s
