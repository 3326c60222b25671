-- The planner's estimate of the source rows in a rule's scope, and of all
-- the table's rows: one plan, two branches (an Append's two children, in
-- this order). Nothing is read. Used only to choose the checksum or the
-- stream for a filtered table, whose target holds the scope's rows only,
-- so that its bytes cannot be compared with the whole source table's.
EXPLAIN (FORMAT JSON)
SELECT 1 FROM {{src}} s
UNION ALL
SELECT 1 FROM {{src_table}}
