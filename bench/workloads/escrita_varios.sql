-- One transaction that moves 3 to 5 products, drawn independently with the
-- popularity skew, so they come in random order (two transactions often touch
-- the same products in opposite orders).
\set n random(3, 5)
\set c1 4310001 + int(:produtos * pow(random(0, 999999) / 1000000.0, 3))
\set q1 random(1, 200) * (2 * random(0, 1) - 1)
\set c2 4310001 + int(:produtos * pow(random(0, 999999) / 1000000.0, 3))
\set q2 random(1, 200) * (2 * random(0, 1) - 1)
\set c3 4310001 + int(:produtos * pow(random(0, 999999) / 1000000.0, 3))
\set q3 random(1, 200) * (2 * random(0, 1) - 1)
\set c4 4310001 + int(:produtos * pow(random(0, 999999) / 1000000.0, 3))
\set q4 random(1, 200) * (2 * random(0, 1) - 1)
\set c5 4310001 + int(:produtos * pow(random(0, 999999) / 1000000.0, 3))
\set q5 random(1, 200) * (2 * random(0, 1) - 1)
BEGIN;
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
    tipo_movimentacao, local_movimentacao, data_movimentacao)
VALUES (:c1, 'BENCH', :q1, 'AJUSTE', 'BENCH', CURRENT_DATE);
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
    tipo_movimentacao, local_movimentacao, data_movimentacao)
VALUES (:c2, 'BENCH', :q2, 'AJUSTE', 'BENCH', CURRENT_DATE);
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
    tipo_movimentacao, local_movimentacao, data_movimentacao)
VALUES (:c3, 'BENCH', :q3, 'AJUSTE', 'BENCH', CURRENT_DATE);
\if :n >= 4
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
    tipo_movimentacao, local_movimentacao, data_movimentacao)
VALUES (:c4, 'BENCH', :q4, 'AJUSTE', 'BENCH', CURRENT_DATE);
\endif
\if :n >= 5
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
    tipo_movimentacao, local_movimentacao, data_movimentacao)
VALUES (:c5, 'BENCH', :q5, 'AJUSTE', 'BENCH', CURRENT_DATE);
\endif
END;
