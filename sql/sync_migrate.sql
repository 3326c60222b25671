-- The run log in schema syncfn of the target. Idempotent; the advisory
-- lock (key 'sync', 1) makes two first runs take turns instead of both
-- creating the schema and one failing on the catalog's unique index.
BEGIN;
-- Bounded like every statement of a run (fixed bounds: this runs once per
-- database, before the run's own settings apply): a session holding a
-- lock on syncfn.runs, or another first run that hangs, cannot hang it.
SELECT pg_catalog.set_config('lock_timeout', '10s', true),
       pg_catalog.set_config('statement_timeout', '60s', true);
SELECT pg_catalog.pg_advisory_xact_lock(1937337955, 1);
CREATE SCHEMA IF NOT EXISTS syncfn;
CREATE TABLE IF NOT EXISTS syncfn.runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  type        text NOT NULL,
  message_id  text,
  status      text NOT NULL,
  statistics  jsonb,
  error       text
);
-- A QStash message id syncs once: at most one successful run per id.
CREATE UNIQUE INDEX IF NOT EXISTS runs_message_id_ok
  ON syncfn.runs (message_id) WHERE status = 'ok';
-- Which process runs a 'running' row (host/pid), for the busy answer.
ALTER TABLE syncfn.runs ADD COLUMN IF NOT EXISTS instance text;
-- The error as the answer said it (from the error's fields, no row
-- data); error keeps the full text for a person with database access.
ALTER TABLE syncfn.runs ADD COLUMN IF NOT EXISTS answer_error text;
-- Incremental rules: each table's watermark, written in the transaction
-- of the run that read up to it; the hash of the rule and columns it holds
-- for, and when the table was last compared whole.
CREATE TABLE IF NOT EXISTS syncfn.watermarks (
  table_name text PRIMARY KEY,
  rule_hash  text NOT NULL,
  watermark  text,
  full_at    timestamptz NOT NULL
);
-- Columns a target table's BEFORE row triggers were seen to rewrite (the
-- value written differed from the source's), with a hash of those
-- triggers as they were: written in the transaction of the run that saw
-- it, and trusted only while the triggers are the same.
CREATE TABLE IF NOT EXISTS syncfn.rewritten (
  table_name    text PRIMARY KEY,
  triggers_hash text NOT NULL,
  columns       text[] NOT NULL,
  found_at      timestamptz NOT NULL
);
-- QStash's failure callback may come more than once: one row per message.
-- Created last: sync_migrated_latest.sql looks for it.
CREATE UNIQUE INDEX IF NOT EXISTS runs_message_id_delivery_failed
  ON syncfn.runs (message_id) WHERE status = 'delivery_failed';
COMMIT;
