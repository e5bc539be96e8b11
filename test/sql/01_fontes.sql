--
-- 01_fontes: the core cache, source by source and statement kind by
-- statement kind (SPEC sections 2, 3 and 6).
--
-- Every step is followed by :checar, which prints
--   * the number of rows estoque_cache_verify() returns (must be 0), and
--   * every difference between the extension's figures (the view, the
--     projection and estoque_cache_saldo_produto) and the same figures
--     computed from scratch by the plain SQL written below, straight from the
--     source tables (must be no rows).
-- The view rows of the products a step touches are printed as well, so the
-- expected output shows the figures themselves.
--
-- Dates are written relative to D0 (today in America/Sao_Paulo) and shown as
-- day offsets, so the expected output does not depend on the day it runs.
--
\set SHOW_CONTEXT never
\pset null '<null>'
SET client_min_messages = warning;
-- the from-scratch queries below have large cost estimates; compiling them
-- with JIT would only slow this small test down
SET jit = off;
SET DateStyle = 'ISO, YMD';

-- Known settings, whatever ran before (29-day horizon, 7-day window, minimum 10).
SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') AS config;

CREATE SCHEMA t01;
SET search_path = t01, public;

-- ---------------------------------------------------------------------------
-- The application's tables: SPEC section 2 names, the real column types.
-- ---------------------------------------------------------------------------
CREATE TABLE movimentacao_estoque (
    id                bigserial PRIMARY KEY,
    cod_produto       varchar(50),
    qtd_movimentacao  numeric(15,3),
    tipo_movimentacao varchar(50),
    data_movimentacao date,
    ativo             boolean DEFAULT true
);
CREATE TABLE carteira_principal (
    id                       bigserial PRIMARY KEY,
    num_pedido               varchar(50),
    cod_produto              varchar(50),
    qtd_saldo_produto_pedido numeric(15,3),
    expedicao                date,
    separacao_lote_id        varchar(50),
    ativo                    boolean DEFAULT true
);
CREATE TABLE pre_separacao_item (
    id                      bigserial PRIMARY KEY,
    num_pedido              varchar(50),
    cod_produto             varchar(50),
    qtd_selecionada_usuario numeric(15,3),
    data_expedicao_editada  date,
    status                  varchar(20)
);
CREATE TABLE separacao (
    id                bigserial PRIMARY KEY,
    separacao_lote_id varchar(50),
    num_pedido        varchar(50),
    cod_produto       varchar(50),
    qtd_saldo         float8,
    expedicao         date,
    sincronizado_nf   boolean
);
CREATE TABLE programacao_producao (
    id               bigserial PRIMARY KEY,
    cod_produto      varchar(50),
    nome_produto     varchar(255),
    qtd_programada   float8,
    data_programacao date,
    linha_producao   varchar(50)
);

-- ---------------------------------------------------------------------------
-- The independent computation.
-- ---------------------------------------------------------------------------

-- D0: today in the configured time zone.
CREATE FUNCTION d0() RETURNS date LANGUAGE sql STABLE
    AS $$ SELECT (now() AT TIME ZONE 'America/Sao_Paulo')::date $$;

-- Rows are written at d0() + k in separate transactions and read later, and
-- the expected output holds their offsets from D0: the test must not cross
-- midnight in America/Sao_Paulo.  It takes a few seconds; when midnight
-- there is less than two minutes away, wait until it has passed.
DO $$
DECLARE
    resta interval := date_trunc('day', clock_timestamp() AT TIME ZONE 'America/Sao_Paulo')
                      + interval '1 day' - (clock_timestamp() AT TIME ZONE 'America/Sao_Paulo');
BEGIN
    IF resta < interval '2 minutes' THEN
        PERFORM pg_sleep(extract(epoch FROM resta) + 1);
    END IF;
END
$$;

-- Every code this test uses: only view rows that hold one of them are compared.
CREATE TABLE codigos_do_teste (codigo text PRIMARY KEY);
INSERT INTO codigos_do_teste
SELECT (4101000 + i)::text FROM generate_series(1, 12) AS i;

-- What each attached table contributes, written by hand as one query per
-- table giving (codigo, tipo, data, qtd) for the rows that count.  The test
-- adds and removes entries as it attaches and detaches tables.
CREATE TABLE esperado_fontes (tabela text PRIMARY KEY, consulta text NOT NULL);

CREATE FUNCTION fontes_esperadas()
    RETURNS TABLE (codigo text, tipo text, data date, qtd numeric)
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    c text;
BEGIN
    FOR c IN SELECT consulta FROM esperado_fontes ORDER BY tabela LOOP
        RETURN QUERY EXECUTE c;
    END LOOP;
END;
$$;

-- The 29-day projection of every code (SPEC section 3).  No links in this
-- test, so every code is a group of one.
CREATE VIEW projecao_esperada AS
WITH linhas AS (
    SELECT codigo, tipo, data, qtd FROM fontes_esperadas()
     WHERE codigo IS NOT NULL AND qtd IS NOT NULL
), saldo AS (
    SELECT codigo, coalesce(sum(qtd) FILTER (WHERE tipo = 'movimentacao'), 0) AS saldo_atual
      FROM linhas GROUP BY codigo
), eventos AS (
    -- exits dated before D0 or undated count on D0; production before D0 or
    -- undated is ignored (its day is negative or NULL, outside 0..28)
    SELECT codigo,
           CASE WHEN tipo = 'producao' THEN data - d0()
                ELSE greatest(coalesce(data - d0(), 0), 0) END AS dia,
           CASE WHEN tipo = 'producao' THEN 0 ELSE qtd END AS saida,
           CASE WHEN tipo = 'producao' THEN qtd ELSE 0 END AS producao
      FROM linhas WHERE tipo IN ('pre_separacao', 'separacao', 'producao')
), dias AS (
    SELECT s.codigo, d.dia, s.saldo_atual,
           coalesce(sum(e.saida), 0) AS saida, coalesce(sum(e.producao), 0) AS producao
      FROM saldo s
     CROSS JOIN generate_series(0, 28) AS d(dia)
      LEFT JOIN eventos e ON e.codigo = s.codigo AND e.dia = d.dia
     GROUP BY s.codigo, d.dia, s.saldo_atual
), acumulado AS (
    SELECT codigo, dia, saida, producao,
           saldo_atual + sum(producao - saida) OVER (PARTITION BY codigo ORDER BY dia)
               AS estoque_final
      FROM dias
)
SELECT codigo, dia, d0() + dia AS data,
       estoque_final + saida - producao AS estoque_inicial,
       saida AS saida_prevista, producao AS producao_programada, estoque_final
  FROM acumulado;

-- The view's row of every code with something to show.
CREATE VIEW esperado AS
WITH linhas AS (
    SELECT codigo, tipo, data, qtd FROM fontes_esperadas()
     WHERE codigo IS NOT NULL AND qtd IS NOT NULL
), totais AS (
    SELECT codigo,
           coalesce(sum(qtd) FILTER (WHERE tipo = 'movimentacao'), 0) AS saldo_atual,
           coalesce(sum(qtd) FILTER (WHERE tipo = 'carteira'), 0) AS qtd_carteira,
           coalesce(sum(qtd) FILTER (WHERE tipo = 'pre_separacao'), 0) AS qtd_pre_separacao,
           coalesce(sum(qtd) FILTER (WHERE tipo = 'separacao'), 0) AS qtd_separacao
      FROM linhas GROUP BY codigo
), resumo AS (
    SELECT codigo,
           min(estoque_final) FILTER (WHERE dia <= 7) AS previsao,
           min(data) FILTER (WHERE estoque_final < 0) AS data_ruptura,
           bool_or(estoque_final < 0 AND dia <= 7) AS critico,
           bool_or(estoque_final < 0) AS ruptura,
           bool_or(saida_prevista <> 0 OR producao_programada <> 0) AS tem_fluxo
      FROM projecao_esperada GROUP BY codigo
)
SELECT t.codigo AS cod_produto, NULL::text AS nome_produto, ARRAY[t.codigo] AS codigos,
       t.saldo_atual, t.qtd_carteira, t.qtd_pre_separacao, t.qtd_separacao,
       t.saldo_atual - t.qtd_carteira - t.qtd_pre_separacao - t.qtd_separacao
           AS saldo_disponivel,
       r.previsao AS previsao_ruptura_7d, r.data_ruptura,
       CASE WHEN r.critico THEN 'CRÍTICO'
            WHEN r.ruptura OR r.previsao < 10 THEN 'ATENÇÃO'
            ELSE 'OK' END AS status_ruptura
  FROM totais t JOIN resumo r USING (codigo)
 WHERE t.saldo_atual <> 0 OR t.qtd_carteira <> 0 OR t.qtd_pre_separacao <> 0
    OR t.qtd_separacao <> 0 OR r.tem_fluxo;

-- Every difference between the extension and the computation above: the
-- view (rows holding this test's codes), estoque_cache_saldo_produto() and
-- estoque_cache_projecao() of every expected group.  A view row the
-- computation does not expect is tolerated only when it shows nothing
-- (SPEC: groups with nothing may be absent).
CREATE VIEW diferencas AS
WITH cache AS (
    SELECT s.cod_produto::text, s.nome_produto::text,
           ARRAY(SELECT c FROM unnest(s.codigos) AS c ORDER BY c COLLATE "C") AS codigos,
           s.saldo_atual, s.qtd_carteira, s.qtd_pre_separacao, s.qtd_separacao,
           s.saldo_disponivel, s.previsao_ruptura_7d, s.data_ruptura, s.status_ruptura::text
      FROM estoque_cache_saldo s
     WHERE s.codigos && ARRAY(SELECT codigo FROM codigos_do_teste)
), por_produto AS (
    SELECT s.cod_produto::text, s.nome_produto::text,
           ARRAY(SELECT c FROM unnest(s.codigos) AS c ORDER BY c COLLATE "C") AS codigos,
           s.saldo_atual, s.qtd_carteira, s.qtd_pre_separacao, s.qtd_separacao,
           s.saldo_disponivel, s.previsao_ruptura_7d, s.data_ruptura, s.status_ruptura::text
      FROM esperado e, estoque_cache_saldo_produto(e.cod_produto) s
), fontes AS (
    SELECT * FROM esperado
), projecao_cache AS (
    SELECT e.cod_produto AS codigo, p.*
      FROM esperado e, estoque_cache_projecao(e.cod_produto) p
), projecao_fontes AS (
    SELECT * FROM projecao_esperada WHERE codigo IN (SELECT cod_produto FROM esperado)
)
SELECT 'view' AS onde, 'cache' AS lado, x.cod_produto, x::text AS linha
  FROM (SELECT * FROM cache EXCEPT SELECT * FROM fontes) x
 WHERE x.cod_produto IN (SELECT cod_produto FROM fontes)
    OR x.saldo_atual <> 0 OR x.qtd_carteira <> 0 OR x.qtd_pre_separacao <> 0
    OR x.qtd_separacao <> 0 OR x.previsao_ruptura_7d <> 0 OR x.data_ruptura IS NOT NULL
UNION ALL
SELECT 'view', 'fontes', x.cod_produto, x::text
  FROM (SELECT * FROM fontes EXCEPT SELECT * FROM cache) x
UNION ALL
SELECT 'saldo_produto', 'cache', x.cod_produto, x::text
  FROM (SELECT * FROM por_produto EXCEPT SELECT * FROM fontes) x
UNION ALL
SELECT 'saldo_produto', 'fontes', x.cod_produto, x::text
  FROM (SELECT * FROM fontes EXCEPT SELECT * FROM por_produto) x
UNION ALL
SELECT 'projecao', 'cache', x.codigo, x::text
  FROM (SELECT * FROM projecao_cache EXCEPT SELECT * FROM projecao_fontes) x
UNION ALL
SELECT 'projecao', 'fontes', x.codigo, x::text
  FROM (SELECT * FROM projecao_fontes EXCEPT SELECT * FROM projecao_cache) x
ORDER BY 1, 3, 2, 4;

-- The view's figures as shown in this file: without the timestamp, numbers
-- without trailing zeros, the rupture date as a day offset from D0.
CREATE VIEW mostrar AS
SELECT cod_produto, trim_scale(saldo_atual) AS saldo, trim_scale(qtd_carteira) AS carteira,
       trim_scale(qtd_pre_separacao) AS pre_sep, trim_scale(qtd_separacao) AS sep,
       trim_scale(saldo_disponivel) AS disponivel, trim_scale(previsao_ruptura_7d) AS prev_7d,
       data_ruptura - d0() AS dia_ruptura, status_ruptura AS status
  FROM estoque_cache_saldo
 WHERE codigos && ARRAY(SELECT codigo FROM codigos_do_teste);

-- estoque_cache_verify() as shown in this file: dates in campo as day offsets
-- from D0, numbers without trailing zeros.
CREATE VIEW verificar AS
SELECT cod_produto,
       CASE WHEN campo ~ '\[[0-9]{4}-[0-9]{2}-[0-9]{2}\]'
            THEN regexp_replace(campo, '\[.*\]',
                     '[D0' || to_char(substring(campo FROM '\[(.*)\]')::date - d0(), 'SGFM9999') || ']')
            ELSE campo END AS campo,
       trim_scale(no_cache::numeric) AS no_cache, trim_scale(nas_fontes::numeric) AS nas_fontes
  FROM estoque_cache_verify()
 -- the figures; the view's stored rows ('linha guardada') are checked in 09_leitura
 WHERE campo <> 'linha guardada';

-- Runs a statement that must fail; returns its SQLSTATE, message, detail, hint
-- and the lines of the error context that come from estoque_cache.
CREATE FUNCTION tentar(comando text)
    RETURNS TABLE (estado text, mensagem text, detalhe text, dica text, contexto text)
    LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    EXECUTE comando;
    RETURN QUERY SELECT 'sem erro'::text, NULL::text, NULL::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS estado = RETURNED_SQLSTATE, mensagem = MESSAGE_TEXT,
                            detalhe = PG_EXCEPTION_DETAIL, dica = PG_EXCEPTION_HINT,
                            c = PG_EXCEPTION_CONTEXT;
    detalhe := nullif(detalhe, '');
    dica := nullif(dica, '');
    contexto := (SELECT string_agg(l, E'\n') FROM regexp_split_to_table(c, E'\n') AS l
                  WHERE l LIKE 'estoque_cache%');
    RETURN NEXT;
END;
$$;

\set checar 'SELECT count(*) AS verify FROM estoque_cache_verify(); SELECT * FROM diferencas;'

-- ---------------------------------------------------------------------------
-- Attach the five sources with the defaults; movimentacao already has rows.
-- ---------------------------------------------------------------------------
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, data_movimentacao)
VALUES ('4101001', 100, 'ENTRADA', d0() - 10),
       ('4101001', -30, 'SAIDA', d0() - 5),
       ('4101002', 50.250, 'ENTRADA', d0() - 3);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
VALUES ('4101002', 1000, 'AJUSTE', false);

-- attach builds the existing rows' contribution (2 figures: one per code)
SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque') - 'anexo_id' - 'filtro' AS anexo;
SELECT estoque_cache_attach('carteira', 'carteira_principal') - 'anexo_id' - 'filtro' AS anexo;
SELECT estoque_cache_attach('pre_separacao', 'pre_separacao_item') - 'anexo_id' - 'filtro' AS anexo;
SELECT estoque_cache_attach('separacao', 'separacao') - 'anexo_id' - 'filtro' AS anexo;
SELECT estoque_cache_attach('producao', 'programacao_producao') - 'anexo_id' - 'filtro' AS anexo;

-- four triggers on each attached table
SELECT c.relname, count(*) AS gatilhos, string_agg(t.tgname, ', ' ORDER BY t.tgname) AS nomes
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 't01'::regnamespace AND NOT t.tgisinternal
 GROUP BY c.relname ORDER BY c.relname;

INSERT INTO esperado_fontes VALUES
('movimentacao_estoque', $$SELECT cod_produto::text, 'movimentacao', NULL::date, qtd_movimentacao::numeric
                            FROM movimentacao_estoque WHERE ativo$$),
('carteira_principal', $$SELECT cod_produto::text, 'carteira', NULL::date, qtd_saldo_produto_pedido::numeric
                          FROM carteira_principal WHERE ativo AND separacao_lote_id IS NULL$$),
('pre_separacao_item', $$SELECT cod_produto::text, 'pre_separacao', data_expedicao_editada, qtd_selecionada_usuario::numeric
                          FROM pre_separacao_item WHERE status IN ('CRIADO', 'RECOMPOSTO')$$),
('separacao', $$SELECT cod_produto::text, 'separacao', expedicao, qtd_saldo::numeric
                 FROM separacao WHERE sincronizado_nf IS NOT TRUE$$),
('programacao_producao', $$SELECT cod_produto::text, 'producao', data_programacao, qtd_programada::numeric
                            FROM programacao_producao$$);

-- 4101001: 100 - 30 = 70; 4101002: 50.25 (the inactive 1000 does not count)
SELECT * FROM mostrar ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- INSERT: one row, several rows, into every source.
-- ---------------------------------------------------------------------------
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao)
VALUES ('4101001', 12.5, 'ENTRADA');
INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido, expedicao)
VALUES ('P1', '4101001', 10, d0() + 4),
       ('P2', '4101001', 5, NULL),
       ('P3', '4101002', 7.125, d0() + 40);
INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario, data_expedicao_editada, status)
VALUES ('P4', '4101001', 3, d0() + 2, 'CRIADO'),
       ('P5', '4101001', 4, NULL, 'RECOMPOSTO'),
       ('P6', '4101001', 100, d0() + 1, 'CANCELADO'),
       ('P7', '4101002', 6, d0() - 2, 'CRIADO');
INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao, sincronizado_nf)
VALUES ('L1', 'P8', '4101001', 2.5, d0() + 1, NULL),
       ('L1', 'P9', '4101001', 1, d0() - 1, false),
       ('L2', 'P10', '4101001', 9, d0() + 1, true),
       ('L3', 'P11', '4101002', 0.25, d0() + 30, NULL);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao, linha_producao)
VALUES ('4101001', 20, d0() + 10, 'L1'),
       ('4101001', 5, d0() - 1, 'L1'),
       ('4101001', 8, NULL, 'L2'),
       ('4101002', 40.5, d0() + 28, 'L2');
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('4101002', 1.5, d0() + 29);

-- 4101001: saldo 82.5, carteira 15, pre_sep 3 + 4 = 7 (CANCELADO out),
--          sep 2.5 + 1 = 3.5 (sincronizado_nf true out), available 57
-- 4101002: saldo 50.25, carteira 7.125, pre_sep 6, sep 0.25, available 36.875
SELECT * FROM mostrar ORDER BY 1;
-- day 0: 4 (undated pre_sep) + 1 (separacao dated yesterday); day 1: 2.5;
-- day 2: 3; day 10: +20 production; production before D0 or undated ignored
SELECT dia, data - d0() AS d, trim_scale(estoque_inicial) AS inicial,
       trim_scale(saida_prevista) AS saida, trim_scale(producao_programada) AS producao,
       trim_scale(estoque_final) AS final
  FROM estoque_cache_projecao('4101001', 12);
-- 4101002: its pre_sep dated D0-2 counts on day 0, the production on day 28 is
-- the last day of the horizon, the one on day 29 is outside it
SELECT dia, trim_scale(saida_prevista) AS saida, trim_scale(producao_programada) AS producao,
       trim_scale(estoque_final) AS final
  FROM estoque_cache_projecao('4101002') WHERE dia IN (0, 27, 28);
:checar

-- ---------------------------------------------------------------------------
-- UPDATE of quantities.
-- ---------------------------------------------------------------------------
UPDATE movimentacao_estoque SET qtd_movimentacao = 40 WHERE qtd_movimentacao = -30;
UPDATE carteira_principal SET qtd_saldo_produto_pedido = qtd_saldo_produto_pedido * 2;
UPDATE pre_separacao_item SET qtd_selecionada_usuario = 3.5 WHERE num_pedido = 'P4';
UPDATE separacao SET qtd_saldo = 0.75 WHERE num_pedido IN ('P8', 'P11');
UPDATE programacao_producao SET qtd_programada = 25 WHERE data_programacao = d0() + 10;
-- 4101001: saldo 100 + 40 + 12.5 = 152.5, carteira 30, pre_sep 7.5, sep 1.75
-- 4101002: carteira 14.25, sep 0.75
SELECT * FROM mostrar ORDER BY 1;
:checar

-- an UPDATE that changes nothing leaves the figures alone
UPDATE movimentacao_estoque SET qtd_movimentacao = qtd_movimentacao;
SELECT * FROM mostrar ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- UPDATE of the code: the figure moves from one product to the other.
-- ---------------------------------------------------------------------------
UPDATE movimentacao_estoque SET cod_produto = '4101002' WHERE qtd_movimentacao = 12.5;
UPDATE carteira_principal SET cod_produto = '4101002' WHERE num_pedido = 'P1';
UPDATE pre_separacao_item SET cod_produto = '4101002' WHERE num_pedido = 'P5';
UPDATE separacao SET cod_produto = '4101002' WHERE num_pedido = 'P9';
UPDATE programacao_producao SET cod_produto = '4101002' WHERE data_programacao = d0() + 10;
-- 4101001: saldo 140, carteira 10, pre_sep 3.5, sep 0.75
-- 4101002: saldo 62.75, carteira 34.25, pre_sep 10, sep 1.75, production 25 on day 10
SELECT * FROM mostrar ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- UPDATE of the date: only the projection changes.
-- ---------------------------------------------------------------------------
UPDATE pre_separacao_item SET data_expedicao_editada = NULL WHERE num_pedido = 'P4';
UPDATE separacao SET expedicao = d0() + 5 WHERE num_pedido = 'P8';
UPDATE programacao_producao SET data_programacao = d0() + 3 WHERE data_programacao = d0() + 10;
UPDATE programacao_producao SET data_programacao = d0() + 1 WHERE data_programacao IS NULL;
UPDATE carteira_principal SET expedicao = d0() WHERE num_pedido = 'P3';
SELECT dia, trim_scale(saida_prevista) AS saida, trim_scale(producao_programada) AS producao,
       trim_scale(estoque_final) AS final
  FROM estoque_cache_projecao('4101001', 6);
SELECT dia, trim_scale(saida_prevista) AS saida, trim_scale(producao_programada) AS producao,
       trim_scale(estoque_final) AS final
  FROM estoque_cache_projecao('4101002', 4);
SELECT * FROM mostrar ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- UPDATE of the filter columns, both ways.
-- ---------------------------------------------------------------------------
-- movimentacao: ativo false, then back to true
UPDATE movimentacao_estoque SET ativo = false WHERE qtd_movimentacao = 100;
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar
UPDATE movimentacao_estoque SET ativo = true WHERE qtd_movimentacao = 100;
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar
-- ativo NULL does not count either; the inactive AJUSTE of 1000 turned on
UPDATE movimentacao_estoque SET ativo = NULL WHERE qtd_movimentacao = 40;
UPDATE movimentacao_estoque SET ativo = true WHERE qtd_movimentacao = 1000;
SELECT * FROM mostrar ORDER BY 1;
:checar

-- carteira: separacao_lote_id set (no longer in the carteira), then unset
UPDATE carteira_principal SET separacao_lote_id = 'L9' WHERE num_pedido = 'P2';
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar
UPDATE carteira_principal SET separacao_lote_id = NULL WHERE num_pedido = 'P2';
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar
-- carteira: ativo false on one row
UPDATE carteira_principal SET ativo = false WHERE num_pedido = 'P3';
SELECT * FROM mostrar WHERE cod_produto = '4101002';
:checar

-- pre_separacao: status to CANCELADO, back to RECOMPOSTO; the CANCELADO row to CRIADO
UPDATE pre_separacao_item SET status = 'CANCELADO' WHERE num_pedido = 'P4';
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar
UPDATE pre_separacao_item SET status = 'RECOMPOSTO' WHERE num_pedido = 'P4';
UPDATE pre_separacao_item SET status = 'CRIADO' WHERE num_pedido = 'P6';
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar

-- separacao: sincronizado_nf true (invoiced, leaves), then NULL (back)
UPDATE separacao SET sincronizado_nf = true WHERE num_pedido = 'P8';
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar
UPDATE separacao SET sincronizado_nf = NULL WHERE num_pedido IN ('P8', 'P10');
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar

-- one statement changing code, quantity, date and filter of several rows at once
UPDATE separacao
   SET cod_produto = CASE cod_produto WHEN '4101001' THEN '4101002' ELSE '4101001' END,
       qtd_saldo = qtd_saldo + 1,
       expedicao = expedicao + 1,
       sincronizado_nf = (num_pedido = 'P9');
SELECT * FROM mostrar ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- DELETE.
-- ---------------------------------------------------------------------------
DELETE FROM movimentacao_estoque WHERE qtd_movimentacao = 1000;
DELETE FROM carteira_principal WHERE num_pedido = 'P2';
DELETE FROM pre_separacao_item WHERE num_pedido IN ('P6', 'P7');
DELETE FROM separacao WHERE num_pedido = 'P10';
DELETE FROM programacao_producao WHERE cod_produto = '4101002' AND data_programacao = d0() + 28;
SELECT * FROM mostrar ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- NULL code (the row does not count, the write succeeds) and NULL quantity.
-- ---------------------------------------------------------------------------
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES (NULL, 500);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES (NULL, 3, d0());
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('4101003', NULL);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('4101003', NULL, d0() + 2);
SELECT count(*) AS linhas_sem_codigo FROM movimentacao_estoque WHERE cod_produto IS NULL;
-- nothing shows for 4101003
SELECT * FROM mostrar ORDER BY 1;
:checar
-- the NULL-code row gets a code, the NULL quantity gets a value ...
UPDATE movimentacao_estoque SET cod_produto = '4101003' WHERE qtd_movimentacao = 500;
UPDATE movimentacao_estoque SET qtd_movimentacao = 8 WHERE cod_produto = '4101003' AND qtd_movimentacao IS NULL;
UPDATE programacao_producao SET qtd_programada = 2 WHERE cod_produto = '4101003';
SELECT * FROM mostrar WHERE cod_produto = '4101003';
:checar
-- ... and back to NULL: the row leaves the figures
UPDATE movimentacao_estoque SET cod_produto = NULL WHERE qtd_movimentacao = 500;
UPDATE movimentacao_estoque SET qtd_movimentacao = NULL WHERE qtd_movimentacao = 8;
SELECT * FROM mostrar WHERE cod_produto = '4101003';
:checar
DELETE FROM movimentacao_estoque WHERE cod_produto IS NULL OR qtd_movimentacao IS NULL;
DELETE FROM separacao WHERE cod_produto IS NULL;

-- ---------------------------------------------------------------------------
-- COPY FROM STDIN and INSERT ... ON CONFLICT DO UPDATE.
-- ---------------------------------------------------------------------------
COPY movimentacao_estoque (id, cod_produto, qtd_movimentacao, tipo_movimentacao, ativo) FROM STDIN;
9001	4101004	100.000	ENTRADA	t
9002	4101004	-12.125	SAIDA	t
9003	4101004	7	AJUSTE	f
9004	\N	5	AJUSTE	t
9005	4101002	3	ENTRADA	t
\.
COPY separacao (cod_produto, qtd_saldo, expedicao, sincronizado_nf) FROM STDIN;
4101004	4.5	\N	\N
4101004	1.5	\N	t
\.
-- 4101004: 100 - 12.125 = 87.875, sep 4.5
SELECT * FROM mostrar WHERE cod_produto IN ('4101002', '4101004') ORDER BY 1;
:checar

-- 9001 exists (updated: 100 -> 150), 9006 is new, 9002 exists and moves to 4101005
INSERT INTO movimentacao_estoque AS m (id, cod_produto, qtd_movimentacao, tipo_movimentacao)
VALUES (9001, '4101004', 50, 'ENTRADA'),
       (9006, '4101004', 1, 'ENTRADA'),
       (9002, '4101005', -2, 'SAIDA')
ON CONFLICT (id) DO UPDATE
   SET qtd_movimentacao = m.qtd_movimentacao + excluded.qtd_movimentacao,
       cod_produto = excluded.cod_produto;
-- 9003 is inactive: the update turns it on
INSERT INTO movimentacao_estoque AS m (id, cod_produto, qtd_movimentacao)
VALUES (9003, '4101004', 0) ON CONFLICT (id) DO UPDATE SET ativo = true;
-- ON CONFLICT DO NOTHING: nothing changes
INSERT INTO movimentacao_estoque (id, cod_produto, qtd_movimentacao)
VALUES (9001, '4101004', 999) ON CONFLICT DO NOTHING;
-- 4101004: 150 + 1 + 7 = 158; 4101005: -12.125 - 2 = -14.125 (CRÍTICO today)
SELECT * FROM mostrar WHERE cod_produto IN ('4101004', '4101005') ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- Folding moves committed changes without changing any figure.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE antes_do_fold AS SELECT * FROM mostrar;
-- every pending delta is committed (no other session writes): fold moves
-- them all
SELECT p.pendentes, estoque_cache_fold() AS movidas
  FROM (SELECT count(*) AS pendentes FROM estoque_cache.delta) AS p;
SELECT (estoque_cache_status()->>'deltas_pendentes')::int AS deltas_pendentes;
SELECT * FROM (SELECT * FROM mostrar EXCEPT SELECT * FROM antes_do_fold) a
UNION ALL
SELECT * FROM (SELECT * FROM antes_do_fold EXCEPT SELECT * FROM mostrar) b;
SELECT count(*) > 0 AS algo_comparado FROM antes_do_fold;
:checar

-- ---------------------------------------------------------------------------
-- TRUNCATE: one table, then two in one statement; then new rows.
-- ---------------------------------------------------------------------------
TRUNCATE carteira_principal;
SELECT * FROM mostrar ORDER BY 1;
:checar
TRUNCATE pre_separacao_item, programacao_producao;
SELECT * FROM mostrar ORDER BY 1;
:checar
INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido)
VALUES ('P20', '4101001', 11), ('P21', '4101004', 2);
INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario, data_expedicao_editada, status)
VALUES ('P22', '4101001', 1, d0() + 3, 'CRIADO');
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('4101005', 30, d0() + 2);
SELECT * FROM mostrar ORDER BY 1;
:checar
-- after a fold, TRUNCATE cancels the folded part too
-- every pending delta is committed (no other session writes): fold moves
-- them all
SELECT p.pendentes, estoque_cache_fold() AS movidas
  FROM (SELECT count(*) AS pendentes FROM estoque_cache.delta) AS p;
TRUNCATE carteira_principal;
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101004') ORDER BY 1;
:checar
INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido)
VALUES ('P23', '4101001', 6);

-- ---------------------------------------------------------------------------
-- Transactions: own writes are visible, ROLLBACK TO SAVEPOINT and ROLLBACK
-- leave no trace.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE antes_da_transacao AS SELECT * FROM mostrar;
BEGIN;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('4101006', 10);
-- the transaction sees its own write (4101006 appears with 10)
SELECT * FROM mostrar WHERE cod_produto = '4101006';
SAVEPOINT s1;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('4101006', 5);
UPDATE carteira_principal SET qtd_saldo_produto_pedido = 60 WHERE num_pedido = 'P23';
DELETE FROM movimentacao_estoque WHERE id = 9001;
TRUNCATE separacao;
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('4101006', 1, d0());
-- all of it visible inside: 4101006 15 with sep 1; 4101001 carteira 60; 4101004 saldo 8
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101004', '4101006') ORDER BY 1;
:checar
ROLLBACK TO SAVEPOINT s1;
-- only the write before the savepoint is left
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101004', '4101006') ORDER BY 1;
:checar
SAVEPOINT s2;
UPDATE movimentacao_estoque SET qtd_movimentacao = 11 WHERE cod_produto = '4101006';
RELEASE SAVEPOINT s2;
COMMIT;
-- committed: 4101006 with 11
SELECT * FROM mostrar WHERE cod_produto = '4101006';
:checar
DELETE FROM movimentacao_estoque WHERE cod_produto = '4101006';

-- a whole transaction rolled back leaves every figure as it was
DROP TABLE antes_da_transacao;
CREATE TEMP TABLE antes_da_transacao AS SELECT * FROM mostrar;
BEGIN;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('4101001', 1000), ('4101007', 1);
UPDATE separacao SET qtd_saldo = qtd_saldo * 10;
DELETE FROM carteira_principal;
TRUNCATE programacao_producao;
UPDATE pre_separacao_item SET status = 'CANCELADO';
SELECT count(*) AS diferentes_dentro
  FROM (SELECT * FROM mostrar EXCEPT SELECT * FROM antes_da_transacao) x;
ROLLBACK;
SELECT * FROM (SELECT * FROM mostrar EXCEPT SELECT * FROM antes_da_transacao) a
UNION ALL
SELECT * FROM (SELECT * FROM antes_da_transacao EXCEPT SELECT * FROM mostrar) b;
:checar
-- a failed statement (here a constraint violation) adds nothing either
INSERT INTO movimentacao_estoque (id, cod_produto, qtd_movimentacao)
VALUES (9100, '4101001', 1), (9001, '4101001', 1);
SELECT * FROM (SELECT * FROM mostrar EXCEPT SELECT * FROM antes_da_transacao) a
UNION ALL
SELECT * FROM (SELECT * FROM antes_da_transacao EXCEPT SELECT * FROM mostrar) b;
:checar

-- ---------------------------------------------------------------------------
-- Rupture status from the sources (SPEC section 3).
-- ---------------------------------------------------------------------------
-- 4101007: saldo 20, separacao 25 on day 3 -> -5 on day 3: CRÍTICO
-- 4101008: saldo 20, separacao 25 on day 12 -> -5 on day 12: ATENÇÃO, prev_7d 20
-- 4101009: saldo 15, no exits: OK (15 >= 10); 4101010: saldo 9.999: ATENÇÃO
-- 4101011: saldo 5, production 100 dated D0 -> 105 at the end of D0: OK
-- 4101012: saldo 5, production 100 dated D0 + 1 -> 5 on D0: ATENÇÃO
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
VALUES ('4101007', 20), ('4101008', 20), ('4101009', 15), ('4101010', 9.999),
       ('4101011', 5), ('4101012', 5);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao)
VALUES ('4101007', 25, d0() + 3), ('4101008', 25, d0() + 12);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('4101011', 100, d0()), ('4101012', 100, d0() + 1);
SELECT * FROM mostrar WHERE cod_produto >= '4101007' ORDER BY 1;
:checar
DELETE FROM programacao_producao WHERE cod_produto = '4101011';

-- ---------------------------------------------------------------------------
-- Two tables attached to the same fonte add up; custom column names and a
-- custom filter (named arguments); integer code and quantity columns.
-- ---------------------------------------------------------------------------
CREATE TABLE entradas_deposito (
    id         serial PRIMARY KEY,
    codigo     integer,
    quantidade integer,
    cancelado  boolean NOT NULL DEFAULT false
);
INSERT INTO entradas_deposito (codigo, quantidade, cancelado)
VALUES (4101001, 1000, false), (4101001, 77, true), (4101009, 3, false);
SELECT estoque_cache_attach(fonte => 'movimentacao', tabela => 'entradas_deposito',
                            produto => 'codigo', quantidade => 'quantidade',
                            filtro => 'NOT cancelado') - 'anexo_id' - 'filtro' AS anexo;
INSERT INTO esperado_fontes VALUES
('entradas_deposito', $$SELECT codigo::text, 'movimentacao', NULL::date, quantidade::numeric
                         FROM entradas_deposito WHERE NOT cancelado$$);
-- 4101001 gets 1000 more, 4101009 3 more
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101009') ORDER BY 1;
:checar
INSERT INTO entradas_deposito (codigo, quantidade) VALUES (4101002, 20), (4101001, 1);
UPDATE entradas_deposito SET cancelado = NOT cancelado WHERE codigo = 4101001;
UPDATE entradas_deposito SET codigo = 4101010 WHERE codigo = 4101009;
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101002', '4101009', '4101010') ORDER BY 1;
:checar
-- detaching one of the two removes only its part
SELECT estoque_cache_detach('entradas_deposito') - 'anexo_id' - 'linhas_removidas' AS detach;
DELETE FROM esperado_fontes WHERE tabela = 'entradas_deposito';
SELECT count(*) AS gatilhos_restantes FROM pg_trigger
 WHERE tgrelid = 'entradas_deposito'::regclass AND NOT tgisinternal;
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101002', '4101009', '4101010') ORDER BY 1;
:checar
-- writes to a detached table do not reach the cache
INSERT INTO entradas_deposito (codigo, quantidade) VALUES (4101001, 5000);
SELECT * FROM mostrar WHERE cod_produto = '4101001';
:checar
-- attached again: its current rows are counted again
SELECT estoque_cache_attach('movimentacao', 'entradas_deposito', produto => 'codigo',
                            quantidade => 'quantidade', filtro => 'NOT cancelado')
       ->> 'fonte' AS fonte;
INSERT INTO esperado_fontes VALUES
('entradas_deposito', $$SELECT codigo::text, 'movimentacao', NULL::date, quantidade::numeric
                         FROM entradas_deposito WHERE NOT cancelado$$);
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101002', '4101010') ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- A table in a schema with a mixed-case name, with quoted column names.
-- ---------------------------------------------------------------------------
CREATE SCHEMA "Filial Sul";
CREATE TABLE "Filial Sul"."Saídas Programadas" (
    "Id"          serial PRIMARY KEY,
    "Cod Produto" varchar(50),
    "Qtd"         numeric(15,3),
    "Data Exp"    timestamp,
    "Situação"    text
);
INSERT INTO "Filial Sul"."Saídas Programadas" ("Cod Produto", "Qtd", "Data Exp", "Situação")
VALUES ('4101009', 2, d0() + interval '1 day 10 hours', 'ABERTA'),
       ('4101009', 50, NULL, 'FECHADA');
SELECT estoque_cache_attach('separacao', '"Filial Sul"."Saídas Programadas"',
                            produto => 'Cod Produto', quantidade => 'Qtd', data => 'Data Exp',
                            filtro => '"Situação" = ''ABERTA''') - 'anexo_id' - 'filtro' AS anexo;
INSERT INTO esperado_fontes VALUES
('"Filial Sul"."Saídas Programadas"',
 $$SELECT "Cod Produto"::text, 'separacao', "Data Exp"::date, "Qtd"::numeric
     FROM "Filial Sul"."Saídas Programadas" WHERE "Situação" = 'ABERTA'$$);
SELECT * FROM mostrar WHERE cod_produto = '4101009';
:checar
INSERT INTO "Filial Sul"."Saídas Programadas" ("Cod Produto", "Qtd", "Data Exp", "Situação")
VALUES ('4101009', 20, d0() + 2, 'ABERTA');
UPDATE "Filial Sul"."Saídas Programadas" SET "Situação" = 'ABERTA' WHERE "Qtd" = 50;
UPDATE "Filial Sul"."Saídas Programadas" SET "Data Exp" = "Data Exp" + interval '15 hours' WHERE "Qtd" = 2;
SELECT dia, trim_scale(saida_prevista) AS saida, trim_scale(estoque_final) AS final
  FROM estoque_cache_projecao('4101009', 4);
SELECT * FROM mostrar WHERE cod_produto = '4101009';
:checar
DELETE FROM "Filial Sul"."Saídas Programadas" WHERE "Qtd" = 50;
SELECT * FROM mostrar WHERE cod_produto = '4101009';
:checar

-- ---------------------------------------------------------------------------
-- Columns dropped and added again (their attnum changes), renamed: what the
-- cache can follow is followed, what would break an attachment is refused.
-- ---------------------------------------------------------------------------
-- an unused column dropped: the triggers go on working
ALTER TABLE separacao DROP COLUMN num_pedido;
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('4101010', 1.25, d0() + 1);
SELECT * FROM mostrar WHERE cod_produto = '4101010';
:checar
-- the quantity column dropped and added again (new attnum) in one statement
DELETE FROM programacao_producao;
ALTER TABLE programacao_producao DROP COLUMN nome_produto;
ALTER TABLE programacao_producao DROP COLUMN qtd_programada,
    ADD COLUMN qtd_programada float8;
SELECT attnum AS attnum_novo FROM pg_attribute
 WHERE attrelid = 'programacao_producao'::regclass AND attname = 'qtd_programada';
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao, linha_producao)
VALUES ('4101012', 100, d0() + 1, 'L1'), ('4101011', 100, d0() + 4, 'L1');
UPDATE programacao_producao SET qtd_programada = 40 WHERE cod_produto = '4101011';
SELECT * FROM mostrar WHERE cod_produto IN ('4101011', '4101012') ORDER BY 1;
:checar
-- the filter's column dropped, the quantity column renamed: refused, nothing changes
SELECT estado, mensagem LIKE '%attached to estoque_cache%would break the attachment%' AS explica,
       dica LIKE 'Detach it first%' AS dica
  FROM tentar($$ALTER TABLE separacao DROP COLUMN sincronizado_nf$$);
SELECT estado, mensagem LIKE '%attached to estoque_cache%would break the attachment%' AS explica,
       dica LIKE 'Detach it first%' AS dica
  FROM tentar($$ALTER TABLE movimentacao_estoque RENAME COLUMN qtd_movimentacao TO quantidade$$);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao, sincronizado_nf)
VALUES ('4101010', 2, d0() + 1, NULL), ('4101010', 200, d0() + 1, true);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('4101010', 0.001);
SELECT * FROM mostrar WHERE cod_produto = '4101010';
:checar

-- ---------------------------------------------------------------------------
-- Detach and attach again gives the same figures.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE antes_do_detach AS SELECT * FROM mostrar;
SELECT estoque_cache_detach('movimentacao_estoque') - 'anexo_id' - 'linhas_removidas' AS detach;
DELETE FROM esperado_fontes WHERE tabela = 'movimentacao_estoque';
-- only entradas_deposito is left in saldo_atual
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101004') ORDER BY 1;
:checar
SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque') ->> 'fonte' AS fonte;
INSERT INTO esperado_fontes VALUES
('movimentacao_estoque', $$SELECT cod_produto::text, 'movimentacao', NULL::date, qtd_movimentacao::numeric
                            FROM movimentacao_estoque WHERE ativo$$);
SELECT * FROM (SELECT * FROM mostrar EXCEPT SELECT * FROM antes_do_detach) a
UNION ALL
SELECT * FROM (SELECT * FROM antes_do_detach EXCEPT SELECT * FROM mostrar) b;
:checar

-- ---------------------------------------------------------------------------
-- DROP TABLE of an attached table removes its contribution.
-- ---------------------------------------------------------------------------
CREATE TABLE movimentacao_avulsa (cod_produto varchar(50), qtd_movimentacao numeric(15,3),
                                  ativo boolean DEFAULT true);
SELECT estoque_cache_attach('movimentacao', 'movimentacao_avulsa') ->> 'fonte' AS fonte;
INSERT INTO movimentacao_avulsa VALUES ('4101003', 33), ('4101001', 1);
INSERT INTO esperado_fontes VALUES
('movimentacao_avulsa', $$SELECT cod_produto::text, 'movimentacao', NULL::date, qtd_movimentacao::numeric
                           FROM movimentacao_avulsa WHERE ativo$$);
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101003') ORDER BY 1;
:checar
SELECT count(*) AS anexos_antes FROM estoque_cache.anexo \gset
DELETE FROM esperado_fontes WHERE tabela = 'movimentacao_avulsa';
DROP TABLE movimentacao_avulsa;
-- its attachment is gone
SELECT :anexos_antes - count(*) AS anexos_removidos FROM estoque_cache.anexo;
SELECT * FROM mostrar WHERE cod_produto IN ('4101001', '4101003') ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- refresh, rebuild.
-- ---------------------------------------------------------------------------
-- nothing to fix
SELECT estoque_cache_refresh() AS corrigidas;
SELECT estoque_cache_refresh('4101001') AS corrigidas;
-- rebuild returns its summary; nothing was wrong
SELECT array(SELECT jsonb_object_keys(r) ORDER BY 1) AS chaves,
       r->'linhas_corrigidas' AS linhas_corrigidas, r->'fontes' AS fontes
  FROM estoque_cache_rebuild() AS r;
SELECT (estoque_cache_status()->>'deltas_pendentes')::int AS deltas_pendentes;
:checar
-- a damaged cache (as superuser, straight into the internal tables) is
-- reported by verify and repaired by rebuild
CREATE TEMP TABLE antes_do_dano AS SELECT * FROM mostrar;
DELETE FROM estoque_cache.saldo WHERE codigo = '4101001';
INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade)
SELECT '4101002', anexo_id, '-infinity', 1, 1000 FROM estoque_cache.anexo
 WHERE tabela = 'movimentacao_estoque'::regclass;
SELECT * FROM verificar;
SELECT (r->>'linhas_corrigidas')::int > 0 AS corrigiu FROM estoque_cache_rebuild() AS r;
SELECT * FROM (SELECT * FROM mostrar EXCEPT SELECT * FROM antes_do_dano) a
UNION ALL
SELECT * FROM (SELECT * FROM antes_do_dano EXCEPT SELECT * FROM mostrar) b;
:checar

-- ---------------------------------------------------------------------------
-- Writes in a session with session_replication_role = replica (as logical
-- replication applies them): the statement triggers do not fire there, the
-- replica path's row triggers do, so every row counts once; no alert.
-- ---------------------------------------------------------------------------
SET session_replication_role = replica;
SELECT count(*) AS alertas FROM jsonb_array_elements_text(estoque_cache_status()->'alertas') AS a;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('4101007', 33), ('4101008', -4);
UPDATE movimentacao_estoque SET qtd_movimentacao = qtd_movimentacao + 1
 WHERE cod_produto = '4101008' AND qtd_movimentacao = -4;
DELETE FROM movimentacao_estoque WHERE cod_produto = '4101007' AND qtd_movimentacao = 20;
RESET session_replication_role;
SELECT * FROM verificar;
SELECT * FROM mostrar WHERE cod_produto IN ('4101007', '4101008') ORDER BY 1;
:checar
SELECT estoque_cache_refresh() AS corrigidas;

-- ---------------------------------------------------------------------------
-- A drift (the cache's own figures damaged by hand): verify shows it,
-- refresh(code) fixes that group only, refresh() the rest.
-- ---------------------------------------------------------------------------
INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade)
SELECT c, anexo_id, '-infinity', 1, 5
  FROM estoque_cache.anexo, unnest(ARRAY['4101007', '4101008']) AS c
 WHERE tabela = 'movimentacao_estoque'::regclass;
SELECT * FROM verificar;
SELECT estoque_cache_refresh('4101007') AS corrigidas;
SELECT * FROM verificar;
SELECT estoque_cache_refresh() AS corrigidas;
SELECT * FROM mostrar WHERE cod_produto IN ('4101007', '4101008') ORDER BY 1;
:checar
SELECT estoque_cache_refresh() AS corrigidas;

-- ---------------------------------------------------------------------------
-- Writes made with the triggers disabled: status reports the triggers; when
-- they are enabled again the attachment corrects itself.
-- ---------------------------------------------------------------------------
ALTER TABLE movimentacao_estoque DISABLE TRIGGER USER;
SELECT f->>'tabela' AS tabela, f->'gatilhos_ativos' AS ativos
  FROM jsonb_array_elements(estoque_cache_status()->'fontes') AS f
 WHERE f->>'tabela' LIKE 't01.%' ORDER BY 1;
SELECT count(*) AS alertas FROM jsonb_array_elements_text(estoque_cache_status()->'alertas') AS a
 WHERE a LIKE '%t01.movimentacao_estoque%';
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('4101007', 5), ('4101009', 1);
ALTER TABLE movimentacao_estoque ENABLE TRIGGER USER;
SELECT operacao, detalhe->>'motivo' AS motivo, linhas FROM estoque_cache.log
 ORDER BY id DESC LIMIT 1;
SELECT * FROM verificar;
SELECT * FROM mostrar WHERE cod_produto IN ('4101007', '4101009') ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- Clean up: detach everything, nothing left behind.
-- ---------------------------------------------------------------------------
SELECT estoque_cache_detach(t)->>'fonte' AS fonte
  FROM unnest(ARRAY['movimentacao_estoque', 'carteira_principal', 'pre_separacao_item',
                    'separacao', 'programacao_producao', 'entradas_deposito',
                    '"Filial Sul"."Saídas Programadas"']::regclass[]) AS t;
SELECT count(*) AS anexos FROM estoque_cache.anexo;
SELECT count(*) AS gatilhos FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace IN ('t01'::regnamespace, '"Filial Sul"'::regnamespace) AND NOT t.tgisinternal;
SELECT * FROM mostrar;
SELECT count(*) AS verify FROM estoque_cache_verify();
DROP SCHEMA "Filial Sul" CASCADE;
DROP SCHEMA t01 CASCADE;
RESET search_path;
