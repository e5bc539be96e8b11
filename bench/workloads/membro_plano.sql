-- The floor for one product by a random member code of a unified group: the
-- primary-key lookup of a plain table with one row per code (bench_membros
-- lists the codes of the active links when the data was loaded).
\set k random(1, :membros)
SELECT * FROM saldo_plano WHERE codigo = (SELECT codigo FROM bench_membros WHERE k = :k);
