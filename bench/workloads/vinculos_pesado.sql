-- Link-heavy writer: one transaction that edits the links of a pair of
-- neighbouring codes (links them, deactivates or reactivates their links, or
-- deletes the links added here; see edicao_vinculo.sql) and inserts one
-- movement for each of the two codes.
\set p random(0, :produtos / 2 - 1)
\set a 4310001 + 2 * :p
\set b :a + 1
\set op random(1, 3)
\set q1 random(1, 200) * (2 * random(0, 1) - 1)
\set q2 random(1, 200) * (2 * random(0, 1) - 1)
BEGIN;
\if :op = 1
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo) VALUES (:a, :b, true, 'BENCH');
\elif :op = 2
UPDATE unificacao_codigos SET ativo = NOT ativo WHERE codigo_origem = :a AND codigo_destino = :b;
\else
DELETE FROM unificacao_codigos WHERE codigo_origem = :a AND codigo_destino = :b AND motivo = 'BENCH';
\endif
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao, tipo_movimentacao, local_movimentacao, data_movimentacao) VALUES (:a, 'BENCH', :q1, 'AJUSTE', 'BENCH', CURRENT_DATE);
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao, tipo_movimentacao, local_movimentacao, data_movimentacao) VALUES (:b, 'BENCH', :q2, 'AJUSTE', 'BENCH', CURRENT_DATE);
END;
