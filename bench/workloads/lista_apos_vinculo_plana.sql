-- The plain-table floor of lista_apos_vinculo: the same link change, then
-- the plain table with the list's columns read. The read is the last
-- statement; its own latency comes from pgbench's per-statement report.
\set p random(0, :produtos / 2 - 1)
\set a 4310001 + 2 * :p
\set b :a + 1
\set op random(1, 3)
\if :op = 1
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo) VALUES (:a, :b, true, 'BENCH');
\elif :op = 2
UPDATE unificacao_codigos SET ativo = NOT ativo WHERE codigo_origem = :a AND codigo_destino = :b;
\else
DELETE FROM unificacao_codigos WHERE codigo_origem = :a AND codigo_destino = :b AND motivo = 'BENCH';
\endif
SELECT * FROM lista_plana;
