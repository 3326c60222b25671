-- An incremental rule's column on source table $1 (oid), $2 its name: its
-- type's name and whether it is PostgreSQL's own, NOT NULL, whether an
-- index leads with it, and the type as SQL writes it.
SELECT t.typname, t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace,
       a.attnotnull,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i
               WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum),
       pg_catalog.format_type(a.atttypid, NULL)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1::oid AND a.attname = $2 AND a.attnum > 0
  AND NOT a.attisdropped
