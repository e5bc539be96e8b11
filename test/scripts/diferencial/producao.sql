-- pgbench transaction on programacao_producao (see ../diferencial.sh and
-- movimentacao.sql for the pattern).  No filter; qtd_programada is float8;
-- production dated before today or undated does not enter the projection.
\set p1 random(0, 63)
\set p2 random(0, 63)
\set q1 random(1, 900)
\set q2 random(1, 9000)
\set d random(-10, 44)
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
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao,
    linha_producao)
VALUES (dif_codigo(:p1), :q1, dif_data(:d), 'B' || :tag);
\if :multi <= 50
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao,
    linha_producao)
VALUES (dif_codigo(:p2), :q2 / 8.0, dif_data(:d - 2), 'B' || :tag),
       (dif_codigo(:p1), :q1, dif_data(:d + 11), 'B' || :tag);
\endif
SAVEPOINT sp;
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao,
    linha_producao)
VALUES (dif_codigo(:p2), :q1 + 0.5, dif_data(:d + 1), 'B' || :tag);
\if :multi > 70
UPDATE programacao_producao
   SET data_programacao = data_programacao + 3, qtd_programada = qtd_programada / 2
 WHERE linha_producao = 'B' || :tag;
\endif
\if :sp <= 30
ROLLBACK TO SAVEPOINT sp;
\endif
\if :acao <= 2
UPDATE programacao_producao SET qtd_programada = :q2 / 8.0
 WHERE id = (SELECT dif_alvo('programacao_producao', :alvo));
\elif :acao = 3
UPDATE programacao_producao SET cod_produto = dif_codigo(:p2)
 WHERE id = (SELECT dif_alvo('programacao_producao', :alvo));
\elif :acao = 4
UPDATE programacao_producao SET data_programacao = dif_data(:d)
 WHERE id = (SELECT dif_alvo('programacao_producao', :alvo));
\elif :acao = 5
DELETE FROM programacao_producao WHERE id = (SELECT dif_alvo('programacao_producao', :alvo));
\endif
\if :fim <= 12
ROLLBACK;
\else
COMMIT;
\endif
