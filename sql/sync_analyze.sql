-- Autovacuum never analyzes temporary tables: without this the merge
-- would plan on guesses. Row count, pages and the key's statistics are
-- what the join needs; statistics of the other columns (jsonb, arrays)
-- would cost more than the merge itself on small tables.
ANALYZE {{stage}} ({{key}})
