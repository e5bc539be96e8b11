-- pgbench transaction on pre_separacao_item (see ../diferencial.sh and
-- movimentacao.sql for the pattern).  The filter is
-- status IN ('CRIADO', 'RECOMPOSTO'); the date (possibly NULL or past)
-- places the exit in the projection.
\set p1 random(0, 63)
\set p2 random(0, 63)
\set q1 random(1, 900)
\set q2 random(1, 9000)
\set d random(-10, 44)
\set s random(0, 3)
\set alvo random(0, 1000)
\set quente random(1, 100)
\set acao random(1, 10)
\set multi random(1, 100)
\set sp random(1, 100)
\set fim random(1, 100)
\set tag random(1, 2000000000)
\if :quente <= 30
\set alvo random(0, 15)
\endif
BEGIN;
INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario,
    data_expedicao_editada, status)
VALUES ('B' || :tag, dif_codigo(:p1), :q1, dif_data(:d),
        (ARRAY['CRIADO', 'RECOMPOSTO', 'ENVIADO_SEPARACAO', 'CANCELADO'])[1 + :s]);
\if :multi <= 50
INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario,
    data_expedicao_editada, status)
VALUES ('B' || :tag, dif_codigo(:p2), :q2 / 1000.0, dif_data(:d - 5), 'CRIADO'),
       ('B' || :tag, dif_codigo(:p1), :q1 + 0.5, dif_data(:d + 7), 'RECOMPOSTO'),
       ('B' || :tag, dif_codigo(:p2), :q1, dif_data(:d), 'CANCELADO');
\endif
SAVEPOINT sp;
INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario,
    data_expedicao_editada, status)
VALUES ('B' || :tag, dif_codigo(:p2), :q1 * 2, dif_data(:d + 1), 'CRIADO');
\if :multi > 70
UPDATE pre_separacao_item
   SET data_expedicao_editada = data_expedicao_editada + 2,
       status = CASE status WHEN 'CRIADO' THEN 'RECOMPOSTO' ELSE 'CRIADO' END
 WHERE num_pedido = 'B' || :tag;
\endif
\if :sp <= 30
ROLLBACK TO SAVEPOINT sp;
\endif
\if :acao = 1
UPDATE pre_separacao_item SET qtd_selecionada_usuario = :q2 / 8.0
 WHERE id = (SELECT dif_alvo('pre_separacao_item', :alvo));
\elif :acao = 2
UPDATE pre_separacao_item SET cod_produto = dif_codigo(:p2)
 WHERE id = (SELECT dif_alvo('pre_separacao_item', :alvo));
\elif :acao = 3
UPDATE pre_separacao_item
   SET status = (ARRAY['CRIADO', 'RECOMPOSTO', 'ENVIADO_SEPARACAO', 'CANCELADO'])[1 + :s]
 WHERE id = (SELECT dif_alvo('pre_separacao_item', :alvo));
\elif :acao = 4
UPDATE pre_separacao_item SET data_expedicao_editada = dif_data(:d)
 WHERE id = (SELECT dif_alvo('pre_separacao_item', :alvo));
\elif :acao = 5
DELETE FROM pre_separacao_item WHERE id = (SELECT dif_alvo('pre_separacao_item', :alvo));
\endif
\if :fim <= 12
ROLLBACK;
\else
COMMIT;
\endif
