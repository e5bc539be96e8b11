-- Support objects of the differential test (test/scripts/diferencial.sh),
-- created in its own throwaway database after the application tables exist
-- and the extension is attached.  Nothing here belongs to the extension:
--
--   dif_codigo(i)       product code of pool slot i (the pgbench scripts draw
--                       slots at random, so sessions collide on products)
--   dif_link(i)         code of slot i of the smaller pool the links use
--   dif_data(d)         today + d, or NULL for d > 40
--   dif_alvo(t, f)      id of an existing row of t, about f/1000 of the way
--                       from its smallest id to its largest
--   dif_instrucoes      sequence counting every DML statement on the seven
--                       tables (statement triggers; includes rolled-back ones)
--   dif_diferencas      every way the extension's view differs from the
--                       oracle (test/lib/oraculo.sql, SPEC sections 2-4);
--                       empty when the cache is exact
--
-- The application role (:app) gets rights on the application tables only.

\set ON_ERROR_STOP on

-- Product pool: the 60 catalogue codes, '7' and '12' (integers whose text
-- order differs from their integer order; not in the catalogue), '0012'
-- (a different code from '12') and NULL (a row that must not count).
CREATE FUNCTION dif_codigo(i integer) RETURNS varchar
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN i < 60 THEN (4310001 + i)::text
                WHEN i = 60 THEN '7'
                WHEN i = 61 THEN '12'
                WHEN i = 62 THEN '0012'
           END
$$;

-- Link pool: ten catalogue codes plus 7 and 12 (integers: the links table
-- keeps codes as integers).
CREATE FUNCTION dif_link(i integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN i < 10 THEN 4310001 + i WHEN i = 10 THEN 7 ELSE 12 END
$$;

CREATE FUNCTION dif_data(d integer) RETURNS date
    LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN d > 40 THEN NULL ELSE current_date + d END
$$;

CREATE FUNCTION dif_alvo(t regclass, f integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    menor bigint;
    maior bigint;
    escolhido bigint;
BEGIN
    EXECUTE format('SELECT min(id), max(id) FROM %s', t) INTO menor, maior;
    IF menor IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT id FROM %s WHERE id >= $1 ORDER BY id LIMIT 1', t)
        INTO escolhido USING menor + (maior - menor) * f / 1000;
    RETURN escolhido;
END;
$$;

-- Statement counter.
CREATE SEQUENCE dif_instrucoes;
CREATE FUNCTION dif_contar() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM nextval('dif_instrucoes');
    RETURN NULL;
END;
$$;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['movimentacao_estoque', 'carteira_principal',
                             'pre_separacao_item', 'separacao', 'programacao_producao',
                             'unificacao_codigos', 'cadastro_produto'] LOOP
        EXECUTE format('CREATE TRIGGER dif_contar AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION dif_contar()', t);
    END LOOP;
END;
$$;

-- The application role: its own tables, nothing of the cache.
GRANT SELECT, INSERT, UPDATE, DELETE ON movimentacao_estoque, carteira_principal,
    pre_separacao_item, separacao, programacao_producao, unificacao_codigos,
    cadastro_produto TO :"app";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"app";

/*
 * Every way the extension's view differs from the oracle of
 * test/lib/oraculo.sql (loaded before this file): the view recomputed from
 * the application tables alone, in plain SQL written from the specification
 * (groups by its own recursive query over the active links, the principal
 * rule, the five figures with their filters, saldo_disponivel, the
 * projection, the rupture date and status), with D0 computed from the
 * configured time zone.  One statement, so one snapshot; empty when the
 * cache is exact.
 */
CREATE VIEW dif_diferencas AS
SELECT * FROM oraculo.diferencas();

-- A movement ledger partitioned by month (last, this and next month; next
-- month itself partitioned by ativo), attached beside movimentacao_estoque:
-- the oracle counts its rows as extra movimentacao rows.
CREATE TABLE movimentacao_mensal (
    id                bigserial,
    cod_produto       varchar(50),
    qtd_movimentacao  numeric(15,3),
    ativo             boolean NOT NULL DEFAULT true,
    data_movimentacao date NOT NULL
) PARTITION BY RANGE (data_movimentacao);
SELECT format('CREATE TABLE movimentacao_mensal_anterior PARTITION OF movimentacao_mensal '
              'FOR VALUES FROM (%L) TO (%L)', m - interval '1 month', m),
       format('CREATE TABLE movimentacao_mensal_atual PARTITION OF movimentacao_mensal '
              'FOR VALUES FROM (%L) TO (%L)', m, m + interval '1 month'),
       format('CREATE TABLE movimentacao_mensal_seguinte PARTITION OF movimentacao_mensal '
              'FOR VALUES FROM (%L) TO (%L) PARTITION BY LIST (ativo)',
              m + interval '1 month', m + interval '3 months')
  FROM (SELECT date_trunc('month', current_date)::date AS m) AS x \gexec
CREATE TABLE movimentacao_mensal_seguinte_a PARTITION OF movimentacao_mensal_seguinte
    FOR VALUES IN (true);
CREATE TABLE movimentacao_mensal_seguinte_i PARTITION OF movimentacao_mensal_seguinte
    FOR VALUES IN (false);
INSERT INTO movimentacao_mensal (cod_produto, qtd_movimentacao, ativo, data_movimentacao)
SELECT dif_codigo(g % 64), g % 97, g % 6 <> 0,
       date_trunc('month', current_date)::date - 20 + (g % 70)
  FROM generate_series(1, 600) AS g;
SELECT estoque_cache_attach('movimentacao', 'movimentacao_mensal') IS NOT NULL AS anexado;
GRANT SELECT, INSERT, UPDATE, DELETE ON movimentacao_mensal, movimentacao_mensal_atual
    TO :"app";
GRANT USAGE ON SEQUENCE movimentacao_mensal_id_seq TO :"app";
CREATE OR REPLACE VIEW oraculo.linhas_extras (codigo, fonte, data, q) AS
SELECT cod_produto::text, 'movimentacao'::text, NULL::date, qtd_movimentacao::numeric
  FROM movimentacao_mensal
 WHERE ativo AND cod_produto IS NOT NULL AND qtd_movimentacao IS NOT NULL;
