-- Where an incremental run starts reading an integer column: the
-- watermark $1 less the lookback $2.
SELECT ($1::numeric - $2::numeric)::text
