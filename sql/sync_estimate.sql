-- The planner's row estimate of a table ($1, an oid): -1 when it was never
-- vacuumed or analyzed. Cheap: one catalog row, no scan.
SELECT GREATEST(c.reltuples, -1)::bigint FROM pg_catalog.pg_class c WHERE c.oid = $1::oid
