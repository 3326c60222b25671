-- The full source rows of the keys the checksum found new or different,
-- as COPY text that the client forwards into the target's stage as it
-- comes (sync_table.c): both servers work at once. COPY takes no
-- parameters, so the keys (an array literal of the source's own key type,
-- so the key's index serves the lookup) wait in a setting of the
-- transaction (sync_checksum_fetch_keys.sql): row data never becomes
-- statement text, which a server logs with a failed statement. The
-- subquery reads and parses the list once (an InitPlan): as a plain
-- expression, a scan that filters instead of using the index would parse
-- it again for every row of the table (3000 rows: 9 s).
COPY (SELECT {{cols}} FROM {{src}} s
      WHERE {{key}} = ANY ((SELECT pg_catalog.current_setting('syncfn.fetch_keys')::{{keytype}}[])::{{keytype}}[]))
TO STDOUT
