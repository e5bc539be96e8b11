-- pgbench transaction mixing link, catalogue and movement writes (see
-- ../diferencial.sh), in one of two opposite orders: a link added, a
-- product renamed, a movement of a linked code, another link added; or the
-- same backwards.  Concurrent clients change links of the same groups and
-- names of the same products at once, and a link writer and a catalogue
-- writer meet in opposite orders: with the cache's bookkeeping only
-- appended, none of them waits for another or deadlocks.  Only one statement
-- per transaction touches an existing row (the rename), so the application
-- itself cannot deadlock; the inserts never conflict.  Most links are added
-- inactive, so that the active links (which the oracle walks) grow about as
-- fast as with unificacao.sql.
\set a random(0, 11)
\set b random(0, 11)
\set c random(0, 11)
\set p random(0, 59)
\set n random(1, 1000000)
\set q random(-50, 50)
\set ordem random(1, 2)
\set fim random(1, 100)
BEGIN;
\if :ordem = 1
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
VALUES (dif_link(:a), dif_link(:b), :fim > 80, 'vinculos');
UPDATE cadastro_produto SET nome_produto = 'VINCULO ' || :n WHERE cod_produto = dif_codigo(:p);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao,
    local_movimentacao, data_movimentacao, ativo)
VALUES (dif_link(:b)::text, :q, 'AJUSTE', 'V', current_date, true);
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
VALUES (dif_link(:b), dif_link(:c), :fim > 90, 'vinculos');
\else
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
VALUES (dif_link(:b), dif_link(:c), :fim > 90, 'vinculos');
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao,
    local_movimentacao, data_movimentacao, ativo)
VALUES (dif_link(:b)::text, :q, 'AJUSTE', 'V', current_date, true);
UPDATE cadastro_produto SET nome_produto = 'VINCULO ' || :n WHERE cod_produto = dif_codigo(:p);
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
VALUES (dif_link(:a), dif_link(:b), :fim > 80, 'vinculos');
\endif
\if :fim <= 10
ROLLBACK;
\else
COMMIT;
\endif
