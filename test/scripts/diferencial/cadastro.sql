-- pgbench transaction on cadastro_produto (see ../diferencial.sh): rename a
-- product, or give the codes outside the catalogue ('7', '12', '0012') a
-- name and take it away again.  One statement per transaction.
\set p random(0, 62)
\set n random(1, 1000000)
\set fim random(1, 100)
BEGIN;
\if :p < 60
UPDATE cadastro_produto SET nome_produto = 'PRODUTO ' || :n WHERE cod_produto = dif_codigo(:p);
\elif :n <= 500000
INSERT INTO cadastro_produto (cod_produto, nome_produto)
VALUES (dif_codigo(:p), 'AVULSO ' || :n)
ON CONFLICT (cod_produto) DO UPDATE SET nome_produto = excluded.nome_produto;
\else
DELETE FROM cadastro_produto WHERE cod_produto = dif_codigo(:p);
\endif
\if :fim <= 10
ROLLBACK;
\else
COMMIT;
\endif
