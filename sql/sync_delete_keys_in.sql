COPY {{keys}} ({{key}}) FROM STDIN
