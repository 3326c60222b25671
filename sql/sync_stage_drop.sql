DROP TABLE {{stage}}
