COPY {{dst}} ({{cols}}) FROM STDIN
