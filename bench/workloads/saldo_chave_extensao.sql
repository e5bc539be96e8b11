-- One row of the view by its key, as an application or ORM reads it: any
-- product code, drawn uniformly (codes that are not a group's principal, or
-- have nothing to show, return no row, here and in the plain table alike).
\set c 4310001 + random(0, :produtos - 1)
SELECT * FROM estoque_cache_saldo WHERE cod_produto = :c;
