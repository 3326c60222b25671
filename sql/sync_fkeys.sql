-- Foreign keys among the synced target tables ($1: their oids, '{...}'):
-- child, parent, and whether the check can be deferred to commit.
SELECT c.conname, c.conrelid, c.confrelid, c.condeferrable
FROM pg_catalog.pg_constraint c
WHERE c.contype = 'f'
  AND c.conrelid = ANY ($1::oid[])
  AND c.confrelid = ANY ($1::oid[])
ORDER BY c.conname
