-- Whether the run log has its latest shape (the migration's last index,
-- and the answer_error column, watermarks and rewritten tables that came
-- after it).
SELECT pg_catalog.to_regclass('syncfn.runs_message_id_delivery_failed') IS NOT NULL
       AND EXISTS (SELECT FROM pg_catalog.pg_attribute
                   WHERE attrelid = pg_catalog.to_regclass('syncfn.runs')
                     AND attname = 'answer_error' AND NOT attisdropped)
       AND pg_catalog.to_regclass('syncfn.watermarks') IS NOT NULL
       AND pg_catalog.to_regclass('syncfn.rewritten') IS NOT NULL
