-- pgbench transaction on movimentacao_mensal, a movement ledger partitioned by
-- month (last, this and next month, next month itself partitioned by whether
-- the movement is active), attached beside movimentacao_estoque (see
-- ../diferencial.sh and preparar.sql).  Writes through the partitioned table
-- and straight into this month's partition, updates that move rows between
-- partitions (a new date, a new ativo), deletes, savepoints rolled back and
-- whole transactions rolled back.
\set p1 random(0, 63)
\set p2 random(0, 63)
\set q1 random(-100, 300)
\set mes random(-1, 1)
\set acao random(1, 6)
\set alvo random(0, 1000)
\set sp random(1, 100)
\set fim random(1, 100)
BEGIN;
INSERT INTO movimentacao_mensal (cod_produto, qtd_movimentacao, ativo, data_movimentacao)
VALUES (dif_codigo(:p1), :q1 / 4.0, :sp <= 90,
        date_trunc('month', current_date)::date + (:mes * 28) + (:p1 % 20)),
       (dif_codigo(:p2), :q1, true, date_trunc('month', current_date)::date + (:p2 % 25));
SAVEPOINT sp;
INSERT INTO movimentacao_mensal_atual (cod_produto, qtd_movimentacao, ativo, data_movimentacao)
VALUES (dif_codigo(:p2), (0 - :q1) / 2.0, true, date_trunc('month', current_date)::date + 3);
\if :acao = 1
UPDATE movimentacao_mensal SET data_movimentacao = data_movimentacao + 31
 WHERE id = (SELECT dif_alvo('movimentacao_mensal', :alvo))
   AND data_movimentacao < date_trunc('month', current_date)::date + 28;
\elif :acao = 2
UPDATE movimentacao_mensal SET ativo = NOT ativo, cod_produto = dif_codigo(:p1)
 WHERE id = (SELECT dif_alvo('movimentacao_mensal', :alvo));
\elif :acao = 3
DELETE FROM movimentacao_mensal WHERE id = (SELECT dif_alvo('movimentacao_mensal', :alvo));
\elif :acao = 4
UPDATE movimentacao_mensal_atual SET qtd_movimentacao = qtd_movimentacao + 1
 WHERE id = (SELECT dif_alvo('movimentacao_mensal_atual', :alvo));
\endif
\if :sp <= 25
ROLLBACK TO SAVEPOINT sp;
\endif
\if :fim <= 10
ROLLBACK;
\else
COMMIT;
\endif
