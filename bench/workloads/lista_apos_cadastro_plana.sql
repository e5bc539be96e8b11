-- The plain-table floor of lista_apos_cadastro: the same catalogue change,
-- then the plain table with the list's columns read. The read is the last
-- statement; its own latency comes from pgbench's per-statement report.
\set c 4310001 + random(0, :produtos - 1)
\set n random(1, 1000000)
UPDATE cadastro_produto SET nome_produto = format('PRODUTO %s REV %s', :c::text, :n::text) WHERE cod_produto = :c::text;
SELECT * FROM lista_plana;
