-- One product by a random member code of a unified group (bench_membros lists
-- the codes of the active links when the data was loaded, numbered 1..membros).
\set k random(1, :membros)
SELECT * FROM estoque_cache_saldo_produto((SELECT codigo FROM bench_membros WHERE k = :k));
