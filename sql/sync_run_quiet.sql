-- The tables (as the statistics name them) the last finished run found
-- alike on both sides by checksum: no segment's aggregates differed (a
-- table without segments, its source empty, is not one); with the
-- servers' write counts it saw (sync_checksum_writes.sql), as text.
-- Only a hint of where the whole-table comparison pays
-- (sync_checksum_whole.sql): a statistics value of another shape matches
-- nothing and never fails the run.
SELECT e->>'table', e->>'source_writes', e->>'target_writes'
FROM (SELECT statistics FROM syncfn.runs
      WHERE status IN ('ok', 'dry_run')
      ORDER BY id DESC
      LIMIT 1) r,
     jsonb_array_elements(CASE jsonb_typeof(r.statistics->'tables')
                          WHEN 'array' THEN r.statistics->'tables'
                          ELSE '[]' END) e
WHERE e->>'method' = 'checksum' AND e->>'segments_differing' = '0'
  AND e->>'segments' <> '0'
