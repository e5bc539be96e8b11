-- pgbench transaction on carteira_principal (see ../diferencial.sh and
-- movimentacao.sql for the pattern).  The filter is
-- ativo AND separacao_lote_id IS NULL: both columns are flipped.
\set p1 random(0, 63)
\set p2 random(0, 63)
\set q1 random(1, 900)
\set q2 random(1, 9000)
\set d random(-10, 60)
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
INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido,
    expedicao, separacao_lote_id, ativo)
VALUES ('B' || :tag, dif_codigo(:p1), :q1, dif_data(:d), NULL, :sp <= 95);
\if :multi <= 50
INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido,
    expedicao, separacao_lote_id, ativo)
VALUES ('B' || :tag, dif_codigo(:p2), :q2 / 100.0, dif_data(:d + 3), NULL, true),
       ('B' || :tag, dif_codigo(:p1), :q1 + 1, NULL, 'LOTE_' || :tag, true);
\endif
SAVEPOINT sp;
INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido,
    expedicao, separacao_lote_id, ativo)
VALUES ('B' || :tag, dif_codigo(:p2), :q1 * 2, dif_data(:d), NULL, true);
\if :multi > 70
UPDATE carteira_principal
   SET qtd_saldo_produto_pedido = qtd_saldo_produto_pedido + 7,
       separacao_lote_id = CASE WHEN separacao_lote_id IS NULL THEN 'LOTE_X' END
 WHERE num_pedido = 'B' || :tag;
\endif
\if :sp <= 30
ROLLBACK TO SAVEPOINT sp;
\endif
\if :acao = 1
UPDATE carteira_principal SET qtd_saldo_produto_pedido = :q2 / 8.0
 WHERE id = (SELECT dif_alvo('carteira_principal', :alvo));
\elif :acao = 2
UPDATE carteira_principal SET cod_produto = dif_codigo(:p2)
 WHERE id = (SELECT dif_alvo('carteira_principal', :alvo));
\elif :acao = 3
UPDATE carteira_principal SET ativo = NOT ativo
 WHERE id = (SELECT dif_alvo('carteira_principal', :alvo));
\elif :acao = 4
UPDATE carteira_principal
   SET separacao_lote_id = CASE WHEN separacao_lote_id IS NULL THEN 'LOTE_' || :tag END,
       expedicao = dif_data(:d)
 WHERE id = (SELECT dif_alvo('carteira_principal', :alvo));
\elif :acao = 5
DELETE FROM carteira_principal WHERE id = (SELECT dif_alvo('carteira_principal', :alvo));
\endif
\if :fim <= 12
ROLLBACK;
\else
COMMIT;
\endif
