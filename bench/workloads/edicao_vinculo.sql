-- A user edits one code link (autocommit): links a pair of neighbouring codes
-- (4310001 + 2p and the next one), deactivates or reactivates the pair's
-- links, or deletes the pair's links added here. Pairs keep groups small
-- however many links the run adds; a pair may join one of the data's groups.
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
