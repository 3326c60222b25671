-- How many source rows an incremental run would read, counted up to $1
-- only: past that share of the table the whole-table method is faster.
SELECT pg_catalog.count(*) FROM (SELECT 1 FROM {{src}} s LIMIT $1) x
