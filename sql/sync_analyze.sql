-- Autovacuum never analyzes temporary tables: without this the merge
-- would plan on guesses.
ANALYZE {{stage}}
