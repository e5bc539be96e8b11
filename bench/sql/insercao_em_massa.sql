-- One INSERT ... SELECT of :linhas movements (psql variables linhas and
-- produtos), products drawn with the sample data's popularity skew, dates over
-- the last 30 days; the seed makes every variant insert the same rows. Run
-- inside a transaction that the benchmark rolls back, so every repetition and
-- every variant starts from the same data.
SELECT setseed(0.25) \gset
\timing on
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
    tipo_movimentacao, local_movimentacao, data_movimentacao)
SELECT (4310001 + floor(:produtos * random() ^ 3))::integer::text, 'BENCH',
       round((200 * random() - 100)::numeric, 3), 'AJUSTE', 'BENCH',
       CURRENT_DATE - floor(30 * random())::integer
  FROM generate_series(1, :linhas);
\timing off
