-- Whether the run log has its latest shape (the migration's last index).
SELECT pg_catalog.to_regclass('syncfn.runs_message_id_delivery_failed') IS NOT NULL
