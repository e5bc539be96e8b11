-- One movement per transaction (autocommit). The product is drawn with the
-- sample data's popularity skew, floor(produtos * random()^3): a few products
-- get most of the writes. Quantities are signed (entries and exits).
\set i int(:produtos * pow(random(0, 999999) / 1000000.0, 3))
\set c 4310001 + :i
\set q random(1, 200) * (2 * random(0, 1) - 1)
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
    tipo_movimentacao, local_movimentacao, data_movimentacao)
VALUES (:c, 'BENCH', :q, 'AJUSTE', 'BENCH', CURRENT_DATE);
