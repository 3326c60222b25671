-- Row level for an integer key with an index, for the segments whose
-- aggregates differ ($2, from $1 on): each segment is a value range, read
-- by an index range scan and packed on its own, so a few differing
-- segments cost a few hundred rows, not a scan of the table. Same answer
-- as sync_checksum_rows.sql ($3 lo, $4 top, $5 nseg, $6 width:
-- sync_checksum_sql.c).
SELECT syncfn_ck_g.syncfn_ck_s, r.rows
FROM unnest($2::int[]) AS syncfn_ck_g(syncfn_ck_s)
CROSS JOIN LATERAL (
  SELECT string_agg(int4send(octet_length(k)) || k || int8send(h), ''::bytea) AS rows
  FROM (SELECT convert_to(({{key}})::text, 'UTF8') AS k, {{rowhash}} AS h
        FROM {{tbl}} syncfn_ck_t
        WHERE {{key}} >= $3::int8 + (syncfn_ck_g.syncfn_ck_s - 1) * $6::int8
          AND {{key}} < $3::int8 + syncfn_ck_g.syncfn_ck_s * $6::int8
          AND {{key}} < $4::int8) x) r
WHERE syncfn_ck_g.syncfn_ck_s >= $1::int AND syncfn_ck_g.syncfn_ck_s <= $5::int
  AND r.rows IS NOT NULL
ORDER BY 1
