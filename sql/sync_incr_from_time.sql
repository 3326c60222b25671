-- Where an incremental run starts reading a time column of type {{type}}:
-- the watermark $1 less the lookback $2 (seconds), as the type writes it
-- (a date rounds down).
SELECT ($1::{{type}} - pg_catalog.make_interval(secs => $2::float8))::{{type}}::text
