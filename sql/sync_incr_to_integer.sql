-- The watermark a run stores for an integer column: the largest value it
-- read (NULL when none).
SELECT pg_catalog.max(s.{{col}})::text FROM {{src}} s
