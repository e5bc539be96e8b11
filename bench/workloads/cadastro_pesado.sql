-- Catalogue-heavy writer: one transaction that renames two products (drawn
-- uniformly, in the order drawn) and inserts one movement for a third one
-- (drawn with the popularity skew).
\set c1 4310001 + random(0, :produtos - 1)
\set c2 4310001 + random(0, :produtos - 1)
\set c3 4310001 + int(:produtos * pow(random(0, 999999) / 1000000.0, 3))
\set n random(1, 1000000)
\set q random(1, 200) * (2 * random(0, 1) - 1)
BEGIN;
UPDATE cadastro_produto SET nome_produto = format('PRODUTO %s REV %s', :c1::text, :n::text) WHERE cod_produto = :c1::text;
UPDATE cadastro_produto SET nome_produto = format('PRODUTO %s REV %s', :c2::text, :n::text) WHERE cod_produto = :c2::text;
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao, tipo_movimentacao, local_movimentacao, data_movimentacao) VALUES (:c3, 'BENCH', :q, 'AJUSTE', 'BENCH', CURRENT_DATE);
END;
