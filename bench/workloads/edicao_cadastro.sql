-- A user renames one product in the catalogue (autocommit); codes drawn
-- uniformly.
\set c 4310001 + random(0, :produtos - 1)
\set n random(1, 1000000)
UPDATE cadastro_produto SET nome_produto = format('PRODUTO %s REV %s', :c::text, :n::text) WHERE cod_produto = :c::text;
