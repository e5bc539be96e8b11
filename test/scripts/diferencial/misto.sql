-- pgbench transaction over several sources at once (see ../diferencial.sh):
-- inserts only, for two products taken in an order that depends on the
-- draw, so that concurrent transactions move the same products in opposite
-- orders.  Without the cache nothing here can wait or deadlock, so with it
-- nothing may either.
\set p1 random(0, 63)
\set p2 random(0, 63)
\set q random(1, 500)
\set d random(-3, 35)
\set ordem random(0, 1)
\set fim random(1, 100)
BEGIN;
\if :ordem = 0
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
VALUES (dif_codigo(:p1), :q, 'ENTRADA', true);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao, sincronizado_nf)
VALUES (dif_codigo(:p2), :q / 4.0, dif_data(:d), false);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
VALUES (dif_codigo(:p2), -:q, 'SAIDA', true);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada,
    status)
VALUES (dif_codigo(:p1), :q, dif_data(:d), 'CRIADO');
\else
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
VALUES (dif_codigo(:p2), -:q, 'SAIDA', true);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada,
    status)
VALUES (dif_codigo(:p1), :q, dif_data(:d), 'CRIADO');
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
VALUES (dif_codigo(:p1), :q, 'ENTRADA', true);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao, sincronizado_nf)
VALUES (dif_codigo(:p2), :q / 4.0, dif_data(:d), false);
\endif
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES (dif_codigo(:p2), :q * 2, dif_data(:d + 2)),
       (dif_codigo(:p1), :q, dif_data(:d));
INSERT INTO carteira_principal (cod_produto, qtd_saldo_produto_pedido, ativo)
VALUES (dif_codigo(:p1), :q, true), (dif_codigo(:p2), :q, true);
\if :fim <= 10
ROLLBACK;
\else
COMMIT;
\endif
