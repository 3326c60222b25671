COPY (SELECT {{cols}} FROM {{src}}) TO STDOUT
