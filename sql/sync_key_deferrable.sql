-- Why table $1 has no key to match rows on, when it is because its
-- primary key or unique constraint is DEFERRABLE (ON CONFLICT cannot use
-- one as its arbiter): the constraint's name, primary key first.
SELECT c.conname, c.contype = 'p' AS primary
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = $1::oid AND c.contype IN ('p', 'u') AND c.condeferrable
ORDER BY c.contype = 'p' DESC, c.conname
LIMIT 1
