-- The full source rows of the keys the checksum found new or different
-- ({{keys}}, an array literal of the source's own key type, so the key's
-- index serves the lookup), as COPY text that the client forwards into
-- the target's stage as it comes (sync_table.c): both servers work at
-- once. COPY takes no parameters, so the list is a quoted literal.
COPY (SELECT {{cols}} FROM {{src}} WHERE {{key}} = ANY ({{keys}}::{{keytype}}[])) TO STDOUT
