-- The list read right after a committed link change (a pair of neighbouring
-- codes linked, unlinked or its link deactivated), usually before the
-- background folder has folded it. The read is the last statement; its own
-- latency comes from pgbench's per-statement report.
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
SELECT * FROM estoque_cache_saldo;
