-- pgbench transaction on unificacao_codigos (see ../diferencial.sh): one
-- link statement per transaction (insert a link between two codes of a
-- pool of twelve, delete one, flip its ativo or move its destino), sometimes
-- inside a savepoint that is rolled back, sometimes rolled back entirely.
-- A single statement on existing rows per transaction keeps the
-- application itself free of deadlocks.
\set a random(0, 11)
\set b random(0, 11)
\set alvo random(0, 1000)
\set acao random(1, 4)
\set sp random(1, 100)
\set fim random(1, 100)
BEGIN;
\if :sp <= 20
SAVEPOINT sp;
\endif
\if :acao = 1
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
VALUES (dif_link(:a), dif_link(:b), :fim > 15, 'pgbench');
\elif :acao = 2
DELETE FROM unificacao_codigos WHERE id = (SELECT dif_alvo('unificacao_codigos', :alvo));
\elif :acao = 3
UPDATE unificacao_codigos SET ativo = NOT coalesce(ativo, false)
 WHERE id = (SELECT dif_alvo('unificacao_codigos', :alvo));
\else
UPDATE unificacao_codigos SET codigo_destino = dif_link(:b)
 WHERE id = (SELECT dif_alvo('unificacao_codigos', :alvo));
\endif
\if :sp <= 20
ROLLBACK TO SAVEPOINT sp;
\endif
\if :fim <= 10
ROLLBACK;
\else
COMMIT;
\endif
