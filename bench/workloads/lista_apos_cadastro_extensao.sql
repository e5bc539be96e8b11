-- The list read right after a committed catalogue change (one product
-- renamed), usually before the background folder has folded it. The read is
-- the last statement; its own latency comes from pgbench's per-statement report.
\set c 4310001 + random(0, :produtos - 1)
\set n random(1, 1000000)
UPDATE cadastro_produto SET nome_produto = format('PRODUTO %s REV %s', :c::text, :n::text) WHERE cod_produto = :c::text;
SELECT * FROM estoque_cache_saldo;
