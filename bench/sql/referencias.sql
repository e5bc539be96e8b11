-- Reference tables of the benchmark, in the baseline database (after
-- sob_demanda.sql):
--   mv_saldo     variant "materialized view": the on-demand figures of every
--                group, refreshed with REFRESH MATERIALIZED VIEW [CONCURRENTLY];
--                read by a member code through a GIN index on codigos
--   lista_plana  a plain table with one row per group and the columns of
--                estoque_cache_saldo: the floor for reading the whole list
--   saldo_plano  a plain table with one row per product code (the group's
--                figures, same columns plus the code): the floor for reading one
--                product, a primary-key lookup

SET client_min_messages = warning;

CREATE MATERIALIZED VIEW mv_saldo AS SELECT * FROM sd_saldo;
CREATE UNIQUE INDEX mv_saldo_cod_produto ON mv_saldo (cod_produto);
CREATE INDEX mv_saldo_codigos ON mv_saldo USING gin (codigos);

CREATE TABLE lista_plana AS SELECT *, now() AS atualizado_em FROM mv_saldo;
ALTER TABLE lista_plana ADD PRIMARY KEY (cod_produto);

CREATE TABLE saldo_plano AS
SELECT c.codigo, l.*
  FROM lista_plana AS l, unnest(l.codigos) AS c (codigo);
ALTER TABLE saldo_plano ADD PRIMARY KEY (codigo);

RESET client_min_messages;
