-- An ERP synchronisation: one statement (one transaction) rewriting the names
-- of the first :linhas products of the catalogue, then a pause of :pausa ms
-- before the next one. Its duration comes from pgbench's per-statement report.
\set r random(1, 1000000)
UPDATE cadastro_produto AS c SET nome_produto = format('PRODUTO %s ERP %s', c.cod_produto, :r::text) FROM generate_series(0, :linhas - 1) AS g (i) WHERE c.cod_produto = (4310001 + g.i)::text;
\sleep :pausa ms
