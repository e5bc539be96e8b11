-- The list read right after a movement was written and folded, so that the
-- read finds folded figures newer than the list it read before. The read is
-- the last statement; its own latency comes from pgbench's per-statement report.
\set i int(:produtos * pow(random(0, 999999) / 1000000.0, 3))
\set c 4310001 + :i
\set q random(1, 200) * (2 * random(0, 1) - 1)
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao, tipo_movimentacao, local_movimentacao, data_movimentacao) VALUES (:c, 'BENCH', :q, 'AJUSTE', 'BENCH', CURRENT_DATE);
SELECT estoque_cache_fold();
SELECT * FROM estoque_cache_saldo;
