-- The source's keys in scope (a delete rule's keep list).
COPY (SELECT {{key}} FROM {{src}} s) TO STDOUT
