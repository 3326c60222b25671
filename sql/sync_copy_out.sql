-- A plain table is read with COPY table TO (faster than a query, and like
-- FROM ONLY it leaves out inheritance children).
COPY {{src_table}} ({{cols}}) TO STDOUT
