-- The full source rows of the keys the checksum found new or different,
-- as COPY text that the client forwards into the target's stage as it
-- comes (sync_table.c): both servers work at once. COPY takes no
-- parameters, so the keys (an array literal of the source's own key type,
-- so the key's index serves the lookup) wait in a setting of the
-- transaction (sync_checksum_fetch_keys.sql): row data never becomes
-- statement text, which a server logs with a failed statement.
COPY (SELECT {{cols}} FROM {{src}}
      WHERE {{key}} = ANY (pg_catalog.current_setting('syncfn.fetch_keys')::{{keytype}}[]))
TO STDOUT
