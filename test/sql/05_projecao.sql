--
-- 05_projecao: the day-by-day projection (SPEC section 3), the view's
-- previsao_ruptura_7d / data_ruptura / status_ruptura for the same rules, and
-- the jsonb detail of estoque_cache_produto().
--
-- Part 1 uses a FIXED data_base (2030-01-10, called B below) with source dates
-- written as B + k, so the expected output does not depend on the day the test
-- runs. Part 2 (the view, which always uses today) uses dates relative to
-- hoje = today in America/Sao_Paulo, computed here from now() inside one
-- transaction (now() is fixed there), and prints data_ruptura as an offset
-- from hoje.
--
-- Every expected figure is computed by hand in the comment above its query,
-- and the whole view of part 2 and the projections are also compared with
-- the oracle of test/lib/oraculo.sql (plain SQL written from the
-- specification, loaded into schema oraculo).
--
\set SHOW_CONTEXT never
\pset null '<null>'
SET client_min_messages = warning;
SET DateStyle = 'ISO, YMD';

-- Known settings, whatever ran before.
SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') - 'fuso_horario' AS config;

CREATE SCHEMA t05;
SET search_path = t05, public;

-- Application tables with the SPEC section 2 names and the real column types.
CREATE TABLE movimentacao_estoque (
    id               bigserial PRIMARY KEY,
    cod_produto      varchar(50),
    qtd_movimentacao numeric(15,3),
    ativo            boolean DEFAULT true
);
CREATE TABLE carteira_principal (
    id                       bigserial PRIMARY KEY,
    cod_produto              varchar(50),
    qtd_saldo_produto_pedido numeric(15,3),
    expedicao                date,
    separacao_lote_id        varchar(50),
    ativo                    boolean DEFAULT true
);
CREATE TABLE pre_separacao_item (
    id                      bigserial PRIMARY KEY,
    cod_produto             varchar(50),
    qtd_selecionada_usuario numeric(15,3),
    data_expedicao_editada  date,
    status                  varchar(20) DEFAULT 'CRIADO'
);
CREATE TABLE separacao (
    id                bigserial PRIMARY KEY,
    separacao_lote_id varchar(50),
    cod_produto       varchar(50),
    qtd_saldo         float8,
    expedicao         date,
    sincronizado_nf   boolean DEFAULT false
);
CREATE TABLE programacao_producao (
    id               bigserial PRIMARY KEY,
    cod_produto      varchar(50),
    qtd_programada   float8,
    data_programacao date
);
CREATE TABLE unificacao_codigos (
    id             serial PRIMARY KEY,
    codigo_origem  integer NOT NULL,
    codigo_destino integer NOT NULL,
    ativo          boolean DEFAULT true
);
CREATE TABLE cadastro_produto (
    cod_produto  varchar(50) PRIMARY KEY,
    nome_produto varchar(255)
);

-- The oracle (test/lib/oraculo.sql) reads the application's tables by their
-- default names: these ones, through the search_path.
\getenv abs_srcdir PG_ABS_SRCDIR
\set oraculo :abs_srcdir '/lib/oraculo.sql'
\set ECHO none
\i :oraculo
\set ECHO all

-- Attach everything with the defaults (empty tables: 0 rows built).
SELECT j->>'fonte' AS fonte, j->>'tabela' AS tabela, j->>'linhas' AS linhas
  FROM (VALUES (estoque_cache_attach('movimentacao', 'movimentacao_estoque')),
               (estoque_cache_attach('carteira', 'carteira_principal')),
               (estoque_cache_attach('pre_separacao', 'pre_separacao_item')),
               (estoque_cache_attach('separacao', 'separacao')),
               (estoque_cache_attach('producao', 'programacao_producao')),
               (estoque_cache_attach_unificacao('unificacao_codigos')),
               (estoque_cache_attach_produtos('cadastro_produto'))) AS a(j);

-- ===========================================================================
-- Part 1: fixed data_base B = 2030-01-10
-- ===========================================================================

-- Product A '5001': one of everything.
--   movimentacao: +120, -20                       -> saldo_atual 100
--                 +1000 inactive (ativo false)    -> not counted
--   carteira:     1000 (expedicao B+2)            -> qtd_carteira, not projected
--   pre_separacao: 5 dated B-3 (past due)         -> D0
--                  7 with NULL date               -> D0
--                  11 dated B+7                   -> D7
--   separacao:    3 dated B (D0)                  -> D0
--                 13 dated B+28 (last day)        -> D28
--                 17 dated B+29 (beyond horizon)  -> not in a 29-day projection
--   producao:     4 dated B+7 (same day as the exit of 11) -> D7
--                 50 dated B-1 (before D0)        -> ignored
--                 60 with NULL date               -> ignored
INSERT INTO cadastro_produto VALUES ('5001', 'PRODUTO A');
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, ativo)
VALUES ('5001', 120, true), ('5001', -20, true), ('5001', 1000, false);
INSERT INTO carteira_principal (cod_produto, qtd_saldo_produto_pedido, expedicao)
VALUES ('5001', 1000, DATE '2030-01-10' + 2);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada, status)
VALUES ('5001', 5, DATE '2030-01-10' - 3, 'CRIADO'),
       ('5001', 7, NULL, 'RECOMPOSTO'),
       ('5001', 11, DATE '2030-01-10' + 7, 'CRIADO');
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao, sincronizado_nf)
VALUES ('5001', 3, DATE '2030-01-10', false),
       ('5001', 13, DATE '2030-01-10' + 28, NULL),
       ('5001', 17, DATE '2030-01-10' + 29, false);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('5001', 4, DATE '2030-01-10' + 7),
       ('5001', 50, DATE '2030-01-10' - 1),
       ('5001', 60, NULL);

-- Product B '5002': negative saldo_atual from the start.
--   movimentacao -30; producao 50 dated B+3; separacao 10 dated B+5.
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('5002', -30);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('5002', 50, DATE '2030-01-10' + 3);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('5002', 10, DATE '2030-01-10' + 5);

-- Group C: links 5011-5010 and 5012-5011 make one group {5010, 5011, 5012},
-- principal 5010. Figures per member:
--   5010: movimentacao 40
--   5011: movimentacao 60; separacao 10 dated B+2
--   5012: pre_separacao 5 dated B-1 (past due -> D0); producao 20 dated B+2;
--         carteira 7
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (5011, 5010), (5012, 5011);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('5010', 40), ('5011', 60);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('5011', 10, DATE '2030-01-10' + 2);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada)
VALUES ('5012', 5, DATE '2030-01-10' - 1);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('5012', 20, DATE '2030-01-10' + 2);
INSERT INTO carteira_principal (cod_produto, qtd_saldo_produto_pedido, expedicao)
VALUES ('5012', 7, NULL);

-- ---------------------------------------------------------------------------
-- A, 29 days from B. By hand:
--   D0  (2030-01-10): inicial 100, saida 5+7+3 = 15, producao 0, final 85
--   D1..D6 (01-11..01-16): 85 -> 85
--   D7  (2030-01-17): inicial 85, saida 11, producao 4, final 78
--   D8..D27 (01-18..02-06): 78 -> 78
--   D28 (2030-02-07): inicial 78, saida 13, producao 0, final 65
--   29 rows (dia 0..28); the exit of 17 on B+29 does not appear; production
--   of 50 (B-1) and 60 (NULL) appears nowhere; carteira 1000 appears nowhere.
-- ---------------------------------------------------------------------------
SELECT * FROM estoque_cache_projecao('5001', 29, '2030-01-10');

-- The default for dias is 29: same rows.
SELECT count(*) AS linhas,
       count(*) FILTER (WHERE (p.*) IS DISTINCT FROM (q.*)) AS diferentes
  FROM estoque_cache_projecao('5001', data_base => '2030-01-10') p
  FULL JOIN estoque_cache_projecao('5001', 29, '2030-01-10') q USING (dia);

-- A, dias = 1: only D0: inicial 100, saida 15, producao 0, final 85.
SELECT * FROM estoque_cache_projecao('5001', 1, '2030-01-10');

-- A, dias = 60: days 0..59. Rows that move, by hand:
--   D0 100 -15 -> 85; D7 85 -11 +4 -> 78; D28 78 -13 -> 65;
--   D29 (2030-02-08): 65 -17 -> 48 (now inside the projection)
--   D59 (2030-03-10): nothing moves, 48 -> 48
SELECT * FROM estoque_cache_projecao('5001', 60, '2030-01-10')
 WHERE saida_prevista <> 0 OR producao_programada <> 0 OR dia IN (0, 59)
 ORDER BY dia;
-- 60 rows, the first 29 identical to the 29-day projection, and every day
-- chains: estoque_inicial(d) = estoque_final(d-1).
SELECT count(*) AS linhas,
       count(*) FILTER (WHERE p.dia < 29 AND
                        (p.data, p.estoque_inicial, p.saida_prevista, p.producao_programada, p.estoque_final)
                        IS DISTINCT FROM
                        (q.data, q.estoque_inicial, q.saida_prevista, q.producao_programada, q.estoque_final))
           AS diferentes_de_29,
       count(*) FILTER (WHERE p.data <> DATE '2030-01-10' + p.dia) AS datas_erradas,
       count(*) FILTER (WHERE p.dia > 0 AND p.estoque_inicial IS DISTINCT FROM p.anterior) AS quebras
  FROM (SELECT x.*, lag(x.estoque_final) OVER (ORDER BY x.dia) AS anterior
          FROM estoque_cache_projecao('5001', 60, '2030-01-10') x) p
  LEFT JOIN estoque_cache_projecao('5001', 29, '2030-01-10') q USING (dia);

-- ---------------------------------------------------------------------------
-- B, 29 days from B: negative from the start. By hand:
--   D0..D2: inicial -30, nothing moves, final -30
--   D3 (2030-01-13): -30 + 50 -> 20
--   D4: 20
--   D5 (2030-01-15): 20 - 10 -> 10
--   D6..D28: 10
-- ---------------------------------------------------------------------------
SELECT * FROM estoque_cache_projecao('5002', 29, '2030-01-10')
 WHERE dia <= 6 OR dia = 28
 ORDER BY dia;

-- ---------------------------------------------------------------------------
-- Group C, asked by its principal 5010. Figures summed over the members:
--   saldo 40 + 60 = 100
--   D0 (2030-01-10): saida 5 (5012, past due), final 95
--   D1: 95
--   D2 (2030-01-12): saida 10 (5011), producao 20 (5012): 95 - 10 + 20 = 105
--   D3..D28: 105
-- ---------------------------------------------------------------------------
SELECT * FROM estoque_cache_projecao('5010', 29, '2030-01-10')
 WHERE dia <= 3 OR dia = 28
 ORDER BY dia;
-- Any member code gives the same 29 rows.
SELECT m.codigo, count(*) AS linhas,
       count(*) FILTER (WHERE (p.*) IS DISTINCT FROM (q.*)) AS diferentes
  FROM unnest(ARRAY['5011', '5012']) AS m(codigo)
 CROSS JOIN LATERAL estoque_cache_projecao(m.codigo, 29, '2030-01-10') p
  FULL JOIN estoque_cache_projecao('5010', 29, '2030-01-10') q USING (dia)
 GROUP BY m.codigo
 ORDER BY m.codigo;
-- And a member's own figures are never projected alone: the member 5012 (5
-- out, 20 in) would end at 15, the group ends at 105.
SELECT estoque_final FROM estoque_cache_projecao('5012', 29, '2030-01-10') WHERE dia = 28;

-- ---------------------------------------------------------------------------
-- Unknown codes: a code in no link is a group of one (SPEC 4), so the
-- projection has its `dias` rows, all zeros, dated from data_base; and
-- estoque_cache_produto returns NULL.  '05001' is not '5001' (codes compare
-- as text).
-- ---------------------------------------------------------------------------
SELECT count(*) AS linhas_5999,
       count(*) FILTER (WHERE estoque_inicial = 0 AND saida_prevista = 0
                          AND producao_programada = 0 AND estoque_final = 0
                          AND data = DATE '2030-01-10' + dia) AS zeros
  FROM estoque_cache_projecao('5999', 29, '2030-01-10');
SELECT count(*) AS linhas_05001,
       count(*) FILTER (WHERE estoque_inicial = 0 AND saida_prevista = 0
                          AND producao_programada = 0 AND estoque_final = 0
                          AND data = DATE '2030-01-10' + dia) AS zeros
  FROM estoque_cache_projecao('05001', 29, '2030-01-10');
SELECT estoque_cache_produto('5999') IS NULL AS produto_5999_nulo,
       estoque_cache_produto('05001') IS NULL AS produto_05001_nulo;

-- Bad arguments.
SELECT * FROM estoque_cache_projecao(NULL, 29, '2030-01-10');
SELECT * FROM estoque_cache_projecao('5001', 0, '2030-01-10');
SELECT * FROM estoque_cache_projecao('5001', -1, '2030-01-10');

-- ---------------------------------------------------------------------------
-- The totals of the view do not depend on dates: the exit of 17 beyond the
-- horizon still counts in qtd_separacao, carteira counts in qtd_carteira.
--   A:  saldo 100; carteira 1000; pre 5+7+11 = 23; sep 3+13+17 = 33;
--       disponivel 100 - 1000 - 23 - 33 = -956
--   B:  saldo -30; carteira 0; pre 0; sep 10; disponivel -40
--   C:  saldo 100; carteira 7; pre 5; sep 10; disponivel 78;
--       codigos {5010,5011,5012}; one row, keyed by 5010
-- (previsao/data_ruptura/status of these rows depend on today; part 2 checks
-- them with today-relative dates.)
-- ---------------------------------------------------------------------------
SELECT cod_produto, nome_produto, codigos, saldo_atual, qtd_carteira,
       qtd_pre_separacao, qtd_separacao, saldo_disponivel
  FROM estoque_cache_saldo
 WHERE cod_produto IN ('5001', '5002', '5010', '5011', '5012')
 ORDER BY cod_produto;

-- ===========================================================================
-- Part 2: the view (D0 = today in America/Sao_Paulo). One transaction, so
-- now() and therefore hoje stay the same for every statement.
-- ===========================================================================
BEGIN;
SELECT (now() AT TIME ZONE 'America/Sao_Paulo')::date AS hoje \gset

-- V1 '5101': saldo 100; pre_separacao 30 dated hoje-5 (past due -> D0);
--   separacao 20 with NULL date (-> D0); pre_separacao 60 dated hoje+7;
--   producao 1000 dated hoje-2 and 500 undated (both ignored); carteira 400.
--   D0: 100 - 50 = 50; D1..D6: 50; D7: 50 - 60 = -10; D8..D28: -10
--   previsao_ruptura_7d = min(D0..D7) = -10; data_ruptura = hoje+7;
--   negative within D0..D7 -> CRÍTICO
--   disponivel = 100 - 400 - 90 - 20 = -410
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('5101', 100);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada)
VALUES ('5101', 30, :'hoje'::date - 5), ('5101', 60, :'hoje'::date + 7);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('5101', 20, NULL);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('5101', 1000, :'hoje'::date - 2), ('5101', 500, NULL);
INSERT INTO carteira_principal (cod_produto, qtd_saldo_produto_pedido, expedicao)
VALUES ('5101', 400, :'hoje'::date + 1);

-- V2 '5102': saldo 50; separacao 80 dated hoje+28 (last day of the horizon).
--   D0..D27: 50; D28: -30. previsao 50; data_ruptura hoje+28;
--   negative only after D7 -> ATENÇÃO
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('5102', 50);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('5102', 80, :'hoje'::date + 28);

-- V3 '5103': saldo 50; separacao 80 dated hoje+29 (beyond the horizon).
--   D0..D28: 50. previsao 50; data_ruptura NULL; 50 >= 10 -> OK;
--   qtd_separacao 80 all the same; disponivel -30
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('5103', 50);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('5103', 80, :'hoje'::date + 29);

-- V4 '5104': saldo 5; producao 100 dated hoje (D0).
--   estoque_final(D0) = 5 - 0 + 100 = 105, and 105 on every day after.
--   previsao_ruptura_7d = min estoque_final over D0..D7 = 105 (saldo_atual 5
--   is estoque_inicial(D0), not an estoque_final); data_ruptura NULL;
--   105 >= 10 -> OK
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('5104', 5);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
VALUES ('5104', 100, :'hoje');

-- V5 group {5110, 5111} (link 5111 -> 5110): 5110 movimentacao 10; 5111
--   separacao 15 dated hoje-1 (past due -> D0).
--   D0: 10 - 15 = -5 ... D28: -5. previsao -5; data_ruptura hoje+0; CRÍTICO;
--   one row keyed by 5110, codigos {5110,5111}; disponivel 10 - 15 = -5
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (5111, 5110);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('5110', 10);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('5111', 15, :'hoje'::date - 1);

SELECT cod_produto, codigos, saldo_atual, qtd_carteira, qtd_pre_separacao, qtd_separacao,
       saldo_disponivel, previsao_ruptura_7d, data_ruptura - :'hoje'::date AS ruptura_em_dias,
       status_ruptura
  FROM estoque_cache_saldo
 WHERE cod_produto LIKE '51__'
 ORDER BY cod_produto;

-- The same projection the view summarises, for V1 (no data_base: from hoje).
--   D0: inicial 100, saida 30 + 20 = 50, producao 0, final 50
--   D7: inicial 50, saida 60, final -10
SELECT dia, data - :'hoje'::date AS offset_dias, estoque_inicial, saida_prevista,
       producao_programada, estoque_final
  FROM estoque_cache_projecao('5101')
 WHERE dia IN (0, 1, 6, 7, 8, 28)
 ORDER BY dia;
-- V4: production on D0 lifts D0 itself (final 105).
SELECT dia, estoque_inicial, saida_prevista, producao_programada, estoque_final
  FROM estoque_cache_projecao('5104')
 WHERE dia IN (0, 1, 7)
 ORDER BY dia;

-- previsao_ruptura_7d and data_ruptura recomputed from the projection must
-- agree with the view for every group of this test (and the 29 days start
-- at hoje).
SELECT s.cod_produto,
       s.previsao_ruptura_7d = (SELECT min(p.estoque_final) FROM estoque_cache_projecao(s.cod_produto) p
                                 WHERE p.dia <= 7) AS previsao_confere,
       s.data_ruptura IS NOT DISTINCT FROM (SELECT min(p.data) FROM estoque_cache_projecao(s.cod_produto) p
                                             WHERE p.estoque_final < 0) AS ruptura_confere,
       (SELECT min(p.data) FROM estoque_cache_projecao(s.cod_produto) p) = :'hoje'::date AS comeca_hoje
  FROM estoque_cache_saldo s
 WHERE s.cod_produto LIKE '51__'
 ORDER BY s.cod_produto;

-- estoque_cache_saldo_produto(): the view's row, from any member code.
SELECT cod_produto, codigos, saldo_atual, previsao_ruptura_7d, status_ruptura
  FROM estoque_cache_saldo_produto('5111');

-- ---------------------------------------------------------------------------
-- estoque_cache_produto(): view columns + projecao_29_dias.
-- ---------------------------------------------------------------------------
SELECT k FROM jsonb_object_keys(estoque_cache_produto('5101')) AS k ORDER BY k;
SELECT k FROM jsonb_object_keys(estoque_cache_produto('5101')->'projecao_29_dias'->0) AS k ORDER BY k;

-- Figures of V1 from the jsonb (hand values as above).
SELECT j->>'cod_produto' AS cod_produto, j->'codigos' AS codigos,
       j->'saldo_atual' AS saldo_atual, j->'saldo_disponivel' AS saldo_disponivel,
       j->'previsao_ruptura_7d' AS previsao, (j->>'data_ruptura')::date - :'hoje'::date AS ruptura_em_dias,
       j->>'status_ruptura' AS status,
       jsonb_typeof(j->'projecao_29_dias') AS tipo,
       jsonb_array_length(j->'projecao_29_dias') AS dias,
       j->'projecao_29_dias'->0->>'data' = to_char(:'hoje'::date, 'YYYY-MM-DD') AS primeiro_dia_hoje
  FROM estoque_cache_produto('5101') AS j;

-- Dates are 'YYYY-MM-DD' strings, days 0..28 in order.
SELECT count(*) AS elementos,
       count(*) FILTER (WHERE jsonb_typeof(e->'data') = 'string'
                          AND e->>'data' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') AS datas_iso,
       count(*) FILTER (WHERE (e->>'dia')::int = n - 1
                          AND (e->>'data')::date = :'hoje'::date + (n::int - 1)) AS em_ordem
  FROM jsonb_array_elements(estoque_cache_produto('5101')->'projecao_29_dias') WITH ORDINALITY AS x(e, n);

-- The jsonb figures equal the view row and estoque_cache_projecao, for every
-- group of this test (asked by a member code for the groups).
SELECT c.codigo,
       (estoque_cache_produto(c.codigo) - 'projecao_29_dias') =
       (SELECT to_jsonb(s) FROM estoque_cache_saldo s
         WHERE s.cod_produto = estoque_cache_principal(c.codigo)) AS igual_a_view,
       (SELECT count(*) FROM jsonb_array_elements(estoque_cache_produto(c.codigo)->'projecao_29_dias') e
          JOIN estoque_cache_projecao(c.codigo) p ON p.dia = (e->>'dia')::int
         WHERE e->>'data' = to_char(p.data, 'YYYY-MM-DD')
           AND (e->>'estoque_inicial')::numeric = p.estoque_inicial
           AND (e->>'saida_prevista')::numeric = p.saida_prevista
           AND (e->>'producao_programada')::numeric = p.producao_programada
           AND (e->>'estoque_final')::numeric = p.estoque_final) AS dias_iguais
  FROM unnest(ARRAY['5001', '5002', '5012', '5101', '5102', '5103', '5104', '5111']) AS c(codigo)
 ORDER BY c.codigo;

-- The oracle: the whole view, D0 as computed above; the projections from
-- hoje and from B, for every code of this test and an unknown one.
SELECT * FROM oraculo.diferencas(hoje => :'hoje');
SELECT c.codigo, b.data_base IS NOT NULL AS de_b,
       (SELECT count(*) FROM estoque_cache_projecao(c.codigo, 29, b.data_base)) AS linhas,
       (SELECT count(*) FROM (SELECT * FROM estoque_cache_projecao(c.codigo, 29, b.data_base)
                              EXCEPT
                              SELECT * FROM oraculo.projecao(c.codigo, 29,
                                                             coalesce(b.data_base, :'hoje'))) d)
           AS diferentes
  FROM unnest(ARRAY['5001', '5002', '5010', '5011', '5012', '5101', '5102', '5103', '5104',
                    '5111', '5999']) AS c(codigo)
  CROSS JOIN (VALUES (NULL::date), (DATE '2030-01-10')) AS b(data_base)
 ORDER BY 1, 2;
COMMIT;

-- Every figure is exact against the sources.
SELECT * FROM estoque_cache_verify();

-- ---------------------------------------------------------------------------
-- Clean up: detach, drop, settings back to the defaults.
-- ---------------------------------------------------------------------------
SELECT j->>'fonte' AS fonte, j->>'tabela' AS tabela
  FROM (VALUES (estoque_cache_detach('movimentacao_estoque')),
               (estoque_cache_detach('carteira_principal')),
               (estoque_cache_detach('pre_separacao_item')),
               (estoque_cache_detach('separacao')),
               (estoque_cache_detach('programacao_producao')),
               (estoque_cache_detach('unificacao_codigos')),
               (estoque_cache_detach('cadastro_produto'))) AS d(j);
-- Nothing of this test is left in the cache: 5001 is a group of one with
-- nothing, 29 rows of zeros.
SELECT count(*) AS linhas,
       count(*) FILTER (WHERE estoque_inicial = 0 AND saida_prevista = 0
                          AND producao_programada = 0 AND estoque_final = 0) AS zeros
  FROM estoque_cache_projecao('5001', 29, '2030-01-10');
SELECT count(*) AS grupos FROM estoque_cache_saldo WHERE cod_produto LIKE '50__' OR cod_produto LIKE '51__';
SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') - 'fuso_horario' AS config;
RESET search_path;
DROP SCHEMA oraculo CASCADE;
DROP SCHEMA t05 CASCADE;
