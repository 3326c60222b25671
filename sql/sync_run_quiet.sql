-- The tables (as the statistics name them) the last finished run found
-- alike on both sides by checksum: no segment's aggregates differed (a
-- table without segments, its source empty, is not one), or only by the
-- target's own rows, all of them counted and nothing fetched; or copied
-- whole into an empty target (copy_direct, with the write counts: a
-- table the checksum covers) of at least one row; with the
-- servers' write counts it saw (sync_checksum_writes.sql; the target's
-- moved on by the rows a copy inserted, when both are counts) and the count
-- and hash of those target-only rows ('0' and 16 zeros for none), as
-- text. Only a hint of where the whole-table comparison pays
-- (sync_checksum_whole.sql): a statistics value of another shape matches
-- nothing and never fails the run. $1: the hash of the rules in force
-- (NULL: none); a run under other rules compared other rows.
SELECT e->>'table', e->>'source_writes',
       CASE WHEN e->>'method' <> 'copy_direct' THEN e->>'target_writes'
            WHEN e->>'target_writes' ~ '^[0-9]{1,15}$'
                 AND e->>'inserted' ~ '^[0-9]{1,15}$'
            THEN ((e->>'target_writes')::bigint
                  + (e->>'inserted')::bigint)::text END,
       CASE WHEN e ? 'target_only_hash' THEN e->>'target_only_rows'
            ELSE '0' END,
       CASE WHEN e ? 'target_only_hash' THEN e->>'target_only_hash'
            ELSE '0000000000000000' END
FROM (SELECT statistics FROM syncfn.runs
      WHERE status IN ('ok', 'dry_run')
      ORDER BY id DESC
      LIMIT 1) r,
     jsonb_array_elements(CASE jsonb_typeof(r.statistics->'tables')
                          WHEN 'array' THEN r.statistics->'tables'
                          ELSE '[]' END) e
WHERE r.statistics->>'rules_hash' IS NOT DISTINCT FROM $1::text
  AND ((e->>'method' = 'checksum' AND e->>'segments' <> '0'
       AND (e ? 'target_only_hash' OR e->>'segments_differing' = '0'))
   OR (e->>'method' = 'copy_direct' AND e ? 'target_writes'
       AND e->>'source_rows' <> '0'))
