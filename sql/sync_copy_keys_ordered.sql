-- An insert-only table's source keys in key order, for the diff against
-- the target's keys (sync_copy_target_ordered.sql with the key for its
-- columns): a row that exists is never updated, so only the keys the
-- target lacks are read whole (sync_checksum_fetch.sql).
COPY (SELECT {{key}} FROM {{src}} s ORDER BY {{key}}) TO STDOUT
