-- Whether the run log exists already (the common case: no DDL, no lock).
SELECT pg_catalog.to_regclass('syncfn.runs') IS NOT NULL
