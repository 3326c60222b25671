-- A table's watermark as the last committed run left it ($1: the table
-- as the statistics name it): the hash of its rule and columns then, the
-- watermark (NULL: none could be kept), seconds since its last full run.
SELECT rule_hash, watermark,
       pg_catalog.floor(extract(epoch FROM pg_catalog.now() - full_at))::bigint
FROM syncfn.watermarks
WHERE table_name = $1
