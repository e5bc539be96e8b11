-- pgbench transaction on separacao (see ../diferencial.sh and
-- movimentacao.sql for the pattern).  qtd_saldo is float8; the filter is
-- sincronizado_nf IS NOT TRUE (true, false or NULL are drawn).
\set p1 random(0, 63)
\set p2 random(0, 63)
\set q1 random(1, 900)
\set q2 random(1, 9000)
\set d random(-10, 44)
\set nf random(0, 2)
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
INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao,
    sincronizado_nf)
VALUES ('LOTE_' || :tag, 'B' || :tag, dif_codigo(:p1), :q1 / 2.0, dif_data(:d),
        (ARRAY[false, NULL, true])[1 + :nf]);
\if :multi <= 50
INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao,
    sincronizado_nf)
VALUES ('LOTE_' || :tag, 'B' || :tag, dif_codigo(:p2), :q2 / 4.0, dif_data(:d - 3), false),
       ('LOTE_' || :tag, 'B' || :tag, dif_codigo(:p1), :q1, dif_data(:d + 9), NULL),
       ('LOTE_' || :tag, 'B' || :tag, dif_codigo(:p2), :q1 + 1, dif_data(:d), true);
\endif
SAVEPOINT sp;
INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao,
    sincronizado_nf)
VALUES ('LOTE_' || :tag, 'B' || :tag, dif_codigo(:p2), :q1 * 2, dif_data(:d + 1), false);
\if :multi > 70
UPDATE separacao
   SET expedicao = expedicao - 4, sincronizado_nf = NOT coalesce(sincronizado_nf, false),
       qtd_saldo = qtd_saldo + 0.25
 WHERE num_pedido = 'B' || :tag;
\endif
\if :sp <= 30
ROLLBACK TO SAVEPOINT sp;
\endif
\if :acao = 1
UPDATE separacao SET qtd_saldo = :q2 / 8.0
 WHERE id = (SELECT dif_alvo('separacao', :alvo));
\elif :acao = 2
UPDATE separacao SET cod_produto = dif_codigo(:p2)
 WHERE id = (SELECT dif_alvo('separacao', :alvo));
\elif :acao = 3
UPDATE separacao SET sincronizado_nf = (ARRAY[false, NULL, true])[1 + :nf]
 WHERE id = (SELECT dif_alvo('separacao', :alvo));
\elif :acao = 4
UPDATE separacao SET expedicao = dif_data(:d), cod_produto = dif_codigo(:p1)
 WHERE id = (SELECT dif_alvo('separacao', :alvo));
\elif :acao = 5
DELETE FROM separacao WHERE id = (SELECT dif_alvo('separacao', :alvo));
\endif
\if :fim <= 12
ROLLBACK;
\else
COMMIT;
\endif
