-- pgbench transaction on movimentacao_estoque (see ../diferencial.sh).
-- Inserts (single and multi-row), a savepoint that is sometimes rolled back,
-- a multi-row update of the rows this transaction inserted, at most one
-- update or delete of an existing row picked at random (30% of the time
-- among the first rows, so that sessions collide on the same rows), and a
-- random ROLLBACK of the whole transaction.  Entries scale with the
-- product's slot modulo 8, so that some products receive far more stock than
-- others and the final figures spread over OK, ATENÇÃO and CRÍTICO.
\set p1 random(0, 63)
\set p2 random(0, 63)
\set p3 random(0, 63)
\set q1 random(-50, 200)
\set q2 random(-400, 400)
\set q3 random(1, 8000)
\set k1 :p1 % 8
\set k3 :p3 % 8
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
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao,
    local_movimentacao, data_movimentacao, ativo)
VALUES (dif_codigo(:p1), :q1 * :k1 + 0.25, 'AJUSTE', 'B' || :tag, current_date, :sp <= 95);
\if :multi <= 50
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao,
    local_movimentacao, data_movimentacao, ativo)
VALUES (dif_codigo(:p2), :q2, 'SAIDA', 'B' || :tag, current_date, true),
       (dif_codigo(:p3), :q3 * :k3 / 16.0, 'ENTRADA', 'B' || :tag, current_date, true),
       (dif_codigo(:p1), -:q3 / 1000.0, 'SAIDA', 'B' || :tag, current_date, :fim > 5);
\endif
SAVEPOINT sp;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao,
    local_movimentacao, data_movimentacao, ativo)
VALUES (dif_codigo(:p3), :q1 * :k3, 'ENTRADA', 'B' || :tag, current_date, true);
\if :multi > 70
UPDATE movimentacao_estoque
   SET qtd_movimentacao = qtd_movimentacao * 2 - 1, cod_produto = dif_codigo(:p3)
 WHERE local_movimentacao = 'B' || :tag;
\endif
\if :sp <= 30
ROLLBACK TO SAVEPOINT sp;
\endif
\if :acao = 1
UPDATE movimentacao_estoque SET qtd_movimentacao = :q3 / 8.0
 WHERE id = (SELECT dif_alvo('movimentacao_estoque', :alvo));
\elif :acao = 2
UPDATE movimentacao_estoque SET cod_produto = dif_codigo(:p2)
 WHERE id = (SELECT dif_alvo('movimentacao_estoque', :alvo));
\elif :acao = 3
UPDATE movimentacao_estoque SET ativo = NOT ativo
 WHERE id = (SELECT dif_alvo('movimentacao_estoque', :alvo));
\elif :acao = 4
UPDATE movimentacao_estoque
   SET cod_produto = dif_codigo(:p3), qtd_movimentacao = qtd_movimentacao + :q1,
       data_movimentacao = current_date - 1
 WHERE id = (SELECT dif_alvo('movimentacao_estoque', :alvo));
\elif :acao = 5
DELETE FROM movimentacao_estoque WHERE id = (SELECT dif_alvo('movimentacao_estoque', :alvo));
\endif
\if :fim <= 12
ROLLBACK;
\else
COMMIT;
\endif
