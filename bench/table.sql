-- table.sql - the sync benchmark's table: eight columns, bigint key.
-- Created in the current search_path (psql -c 'SET search_path = ...').
CREATE TABLE t (
	id bigint PRIMARY KEY,
	name text NOT NULL,
	qty int,
	price numeric(12,2),
	tags text[],
	attrs jsonb,
	created_at timestamptz NOT NULL,
	active bool NOT NULL
);
