-- An empty target table is loaded with COPY directly, without a stage.
SELECT NOT EXISTS (SELECT 1 FROM {{tgt_only}})
