-- Same database, empty target table: every source row is new, so a plain
-- INSERT ... SELECT does it (no join, no conflict handling, no RETURNING).
INSERT INTO {{tgt}} ({{cols}}) {{overriding}}
SELECT {{s_cols}} FROM {{src}} s
