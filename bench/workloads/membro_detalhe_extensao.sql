-- One product's jsonb detail by a random member code of a unified group
-- (bench_membros lists the codes of the active links when the data was loaded).
\set k random(1, :membros)
SELECT estoque_cache_produto((SELECT codigo FROM bench_membros WHERE k = :k));
