-- The source's rows in key order, for the diff against the target's
-- (sync_copy_target_ordered.sql): same columns, same order of rows.
COPY (SELECT {{cols}} FROM {{src}} s ORDER BY {{key}}) TO STDOUT
