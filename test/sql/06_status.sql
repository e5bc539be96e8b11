--
-- 06_status: the rupture status thresholds at their exact edges (SPEC
-- section 3), the settings (estoque_cache_configurar: immediate effect,
-- validation, time zone of D0) and the status report estoque_cache_status()
-- with the operations log.
--
-- The view always uses today (D0 = current date in the configured time zone),
-- so source dates are written relative to hoje (today in America/Sao_Paulo, computed here),
-- inside one transaction (now(), hence hoje, is fixed there), and data_ruptura
-- is printed as an offset from hoje. No timestamp or duration is printed.
--
\set SHOW_CONTEXT never
\pset null '<null>'
SET client_min_messages = warning;
SET DateStyle = 'ISO, YMD';

-- Known settings, whatever ran before.
SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') AS config;

-- Baselines: the cache and its log are shared by the whole database.
SELECT (s->>'grupos')::bigint AS grupos0, (s->>'codigos')::bigint AS codigos0,
       (s->>'codigos_agrupados')::bigint AS agrupados0
  FROM estoque_cache_status() AS s \gset
SELECT coalesce(max(id), 0) AS log0, clock_timestamp() AS inicio_teste FROM estoque_cache.log \gset

CREATE SCHEMA t06;
SET search_path = t06, public;

CREATE TABLE movimentacao_estoque (
    id               bigserial PRIMARY KEY,
    cod_produto      varchar(50),
    qtd_movimentacao numeric(15,3),
    ativo            boolean DEFAULT true
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
CREATE TABLE unificacao_codigos (
    id             serial PRIMARY KEY,
    codigo_origem  integer NOT NULL,
    codigo_destino integer NOT NULL,
    ativo          boolean DEFAULT true
);

SELECT j->>'fonte' AS fonte, j->>'tabela' AS tabela
  FROM (VALUES (estoque_cache_attach('movimentacao', 'movimentacao_estoque')),
               (estoque_cache_attach('pre_separacao', 'pre_separacao_item')),
               (estoque_cache_attach('separacao', 'separacao')),
               (estoque_cache_attach_unificacao('unificacao_codigos'))) AS a(j);

-- The view rows of this test: previsao, data_ruptura as an offset from hoje,
-- status. (hoje is set below, in the transaction.)
\set ver 'SELECT cod_produto, previsao_ruptura_7d, data_ruptura - :''hoje''::date AS ruptura_em_dias, status_ruptura FROM estoque_cache_saldo WHERE cod_produto LIKE ''60__'' ORDER BY cod_produto;'

-- ===========================================================================
-- Status thresholds at their edges (defaults: horizon 29, window D0..D7,
-- estoque_minimo 10).
-- ===========================================================================
BEGIN;
SELECT (now() AT TIME ZONE 'America/Sao_Paulo')::date AS hoje \gset

-- 6001: saldo 10; exit 10 on hoje+3 -> estoque_final 0 from D3 on.
--   0 is not negative: no data_ruptura, not CRÍTICO; previsao = 0 < 10 -> ATENÇÃO
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('6001', 10);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada)
VALUES ('6001', 10, :'hoje'::date + 3);
-- 6002: saldo 10; exit 10.001 on hoje+7 -> -0.001 on D7, the last day of the
--   window: data_ruptura +7, previsao -0.001, CRÍTICO
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('6002', 10);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada)
VALUES ('6002', 10.001, :'hoje'::date + 7);
-- 6003: saldo 20; exit 20.001 on hoje+8 -> negative first on D8, just after
--   the window: data_ruptura +8, previsao (D0..D7) 20, ATENÇÃO
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('6003', 20);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada)
VALUES ('6003', 20.001, :'hoje'::date + 8);
-- 6004: saldo 30; exit 20 on hoje+1 -> previsao 10 = estoque_minimo: not
--   below it -> OK
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('6004', 30);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('6004', 20, :'hoje'::date + 1);
-- 6005: saldo 30; exit 20.001 on hoje+1 -> previsao 9.999 < 10 -> ATENÇÃO
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('6005', 30);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada)
VALUES ('6005', 20.001, :'hoje'::date + 1);
-- 6006: saldo 50; exit 60 on hoje+40 (beyond a 29-day horizon) -> no
--   data_ruptura, previsao 50, OK
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('6006', 50);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('6006', 60, :'hoje'::date + 40);
-- group {6010, 6011}: 5 + 5 -> saldo 10, previsao 10, OK (one row, 6010)
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (6011, 6010);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('6010', 5), ('6011', 5);

-- Defaults. Expected:
--   6001  0       -   ATENÇÃO
--   6002  -0.001  7   CRÍTICO
--   6003  20      8   ATENÇÃO
--   6004  10      -   OK
--   6005  9.999   -   ATENÇÃO
--   6006  50      -   OK
--   6010  10      -   OK
:ver

-- ---------------------------------------------------------------------------
-- Settings take effect at once, with no refresh.
-- ---------------------------------------------------------------------------
-- estoque_minimo 0: nothing is below 0 in the window except 6002, which is
-- CRÍTICO anyway. 6001 (0), 6005 (9.999) -> OK; 6003 stays ATENÇÃO (it goes
-- negative on D8, later in the horizon).
SELECT estoque_cache_configurar(estoque_minimo => 0) AS config;
:ver
-- estoque_minimo 10.001: 6004 (10) and 6010 (10) are now below -> ATENÇÃO;
-- 6006 (50) stays OK.
SELECT estoque_cache_configurar(estoque_minimo => 10.001) AS config;
:ver
SELECT estoque_cache_configurar(estoque_minimo => 10) AS config;

-- janela_critica_dias 8 (window D0..D8): 6003's -0.001 on D8 is inside it ->
-- CRÍTICO, previsao -0.001. The rest as with the defaults.
SELECT estoque_cache_configurar(janela_critica_dias => 8) AS config;
:ver
-- janela_critica_dias 6 (window D0..D6): 6002's -0.001 on D7 is outside ->
-- ATENÇÃO (negative later), previsao min(D0..D6) = 10; data_ruptura still +7.
SELECT estoque_cache_configurar(janela_critica_dias => 6) AS config;
:ver
-- janela_critica_dias 0 (window D0 only): previsao = estoque_final(D0):
--   6001 10 -> OK; 6002 10, negative on D7 -> ATENÇÃO; 6003 20, negative on
--   D8 -> ATENÇÃO; 6004 30 OK; 6005 30 OK; 6006 50 OK; 6010 10 OK
SELECT estoque_cache_configurar(janela_critica_dias => 0) AS config;
:ver
SELECT estoque_cache_configurar(janela_critica_dias => 7) AS config;

-- horizonte_dias 8 (D0..D7): 6003's negative day D8 is outside the horizon ->
-- no data_ruptura, previsao 20 -> OK. 6002 (D7) is still CRÍTICO.
SELECT estoque_cache_configurar(horizonte_dias => 8) AS config;
:ver
-- horizonte_dias 60: 6006's exit on D40 is inside: 50 - 60 = -10 ->
-- data_ruptura +40, ATENÇÃO. 6003 back to +8 ATENÇÃO.
SELECT estoque_cache_configurar(horizonte_dias => 60) AS config;
:ver
-- estoque_cache_projecao keeps its own default of 29 days whatever the horizon.
SELECT count(*) AS dias FROM estoque_cache_projecao('6006');
-- horizonte_dias 1, janela 0 (the smallest): only D0, where every group of
-- this test still has its saldo (10, 10, 20, 30, 30, 50, 10): all OK, no
-- data_ruptura.
SELECT estoque_cache_configurar(horizonte_dias => 1, janela_critica_dias => 0) AS config;
:ver
-- the largest: 366 days, window 365
SELECT estoque_cache_configurar(horizonte_dias => 366, janela_critica_dias => 365) AS config;
SELECT estoque_cache_configurar(29, 7, 10) AS config;
:ver
COMMIT;

-- ---------------------------------------------------------------------------
-- Validation: every bad value is refused with 22023 and changes nothing.
-- ---------------------------------------------------------------------------
SELECT estoque_cache_configurar(horizonte_dias => 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT estoque_cache_configurar(horizonte_dias => 367);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT estoque_cache_configurar(janela_critica_dias => -1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the window must be shorter than the horizon
SELECT estoque_cache_configurar(janela_critica_dias => 29);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- ... also when only the horizon changes (the window is 7)
SELECT estoque_cache_configurar(horizonte_dias => 7);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT estoque_cache_configurar(estoque_minimo => 'NaN');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT estoque_cache_configurar(fuso_horario => 'Mars/Olympus_Mons');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT estoque_cache_configurar(fuso_horario => '');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a valid value next to an invalid one is not applied either
SELECT estoque_cache_configurar(estoque_minimo => 99, horizonte_dias => 400);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT horizonte_dias, janela_critica_dias, estoque_minimo, fuso_horario FROM estoque_cache.config();

-- Settings are for administrators; reading the status is open.
CREATE ROLE regress_t06_leitor;
GRANT USAGE ON SCHEMA t06 TO regress_t06_leitor;
SET ROLE regress_t06_leitor;
SELECT estoque_cache_configurar(estoque_minimo => 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT jsonb_typeof(estoque_cache_status()) AS status_legivel;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Time zone: D0 is the current date in the configured zone, not the session's.
-- Pacific/Kiritimati is UTC+14 and Pacific/Pago_Pago UTC-11 (25 hours apart,
-- no daylight saving): at any instant their dates differ by 1 or 2 days.
-- One transaction, so now() is the same instant for both.
-- ---------------------------------------------------------------------------
BEGIN;
SELECT estoque_cache_configurar(fuso_horario => 'Pacific/Kiritimati')->>'fuso_horario' AS fuso;
SELECT c.hoje = (now() AT TIME ZONE 'Pacific/Kiritimati')::date AS hoje_confere,
       (SELECT p.data FROM estoque_cache_projecao('6004') p WHERE p.dia = 0) = c.hoje AS projecao_comeca_hoje,
       (estoque_cache_status()->'configuracao'->>'hoje')::date = c.hoje AS status_confere
  FROM estoque_cache.config() c;
SELECT hoje AS hoje_kiritimati FROM estoque_cache.config() \gset
-- The session time zone does not move D0.
SET LOCAL TimeZone = 'Pacific/Pago_Pago';
SELECT hoje = :'hoje_kiritimati'::date AS hoje_igual FROM estoque_cache.config();
SET LOCAL TimeZone = 'UTC';
SELECT hoje = :'hoje_kiritimati'::date AS hoje_igual FROM estoque_cache.config();

SELECT estoque_cache_configurar(fuso_horario => 'Pacific/Pago_Pago')->>'fuso_horario' AS fuso;
SELECT c.hoje = (now() AT TIME ZONE 'Pacific/Pago_Pago')::date AS hoje_confere,
       (SELECT p.data FROM estoque_cache_projecao('6004') p WHERE p.dia = 0) = c.hoje AS projecao_comeca_hoje,
       (estoque_cache_status()->'configuracao'->>'hoje')::date = c.hoje AS status_confere,
       :'hoje_kiritimati'::date - c.hoje IN (1, 2) AS um_ou_dois_dias_antes
  FROM estoque_cache.config() c;
SELECT hoje AS hoje_pago_pago FROM estoque_cache.config() \gset
SET LOCAL TimeZone = 'Pacific/Kiritimati';
SELECT hoje = :'hoje_pago_pago'::date AS hoje_igual FROM estoque_cache.config();
SET LOCAL TimeZone = 'UTC';
SELECT hoje = :'hoje_pago_pago'::date AS hoje_igual FROM estoque_cache.config();

-- The view follows the zone's D0: 6002's exit is dated (São Paulo's hoje) + 7,
-- which is day 6..8 from either zone's D0, so inside the horizon, and
-- data_ruptura is that same date whichever zone is configured.
SELECT data_ruptura = :'hoje'::date + 7 AS ruptura_mesma_data,
       data_ruptura = (SELECT min(p.data) FROM estoque_cache_projecao('6002') p
                        WHERE p.estoque_final < 0) AS confere_com_projecao
  FROM estoque_cache_saldo WHERE cod_produto = '6002';
SELECT estoque_cache_configurar(fuso_horario => 'Pacific/Kiritimati')->>'fuso_horario' AS fuso;
SELECT data_ruptura = :'hoje'::date + 7 AS ruptura_mesma_data,
       data_ruptura = (SELECT min(p.data) FROM estoque_cache_projecao('6002') p
                        WHERE p.estoque_final < 0) AS confere_com_projecao
  FROM estoque_cache_saldo WHERE cod_produto = '6002';
SELECT estoque_cache_configurar(fuso_horario => 'America/Sao_Paulo')->>'fuso_horario' AS fuso;
SELECT hoje = (now() AT TIME ZONE 'America/Sao_Paulo')::date AS hoje_confere FROM estoque_cache.config();
COMMIT;
SHOW TimeZone;

-- ===========================================================================
-- estoque_cache_status()
-- ===========================================================================
SELECT k FROM jsonb_object_keys(estoque_cache_status()) AS k ORDER BY k;
SELECT k FROM jsonb_object_keys(estoque_cache_status()->'configuracao') AS k ORDER BY k;

-- This test added 8 codes (6001..6006, 6010, 6011) in 7 groups (6 alone and
-- {6010, 6011}); 2 codes are in a group of two or more.
SELECT (s->>'grupos')::bigint - :grupos0 AS grupos_novos,
       (s->>'codigos')::bigint - :codigos0 AS codigos_novos,
       (s->>'codigos_agrupados')::bigint - :agrupados0 AS agrupados_novos,
       s->>'versao' = (SELECT extversion FROM pg_extension WHERE extname = 'estoque_cache') AS versao_confere,
       jsonb_typeof(s->'deltas_pendentes') AS deltas_pendentes,
       jsonb_typeof(s->'linhas_consolidadas') AS linhas_consolidadas,
       (s->'configuracao') - 'hoje'::text AS configuracao,
       (s->'configuracao'->>'hoje')::date = (SELECT hoje FROM estoque_cache.config()) AS hoje_confere
  FROM estoque_cache_status() AS s;

-- The sources of this test, with their triggers, all enabled; no alert about them.
\set fontes 'SELECT f->>''fonte'' AS fonte, f->>''tabela'' AS tabela, f->''gatilhos'' AS gatilhos, f->''gatilhos_ativos'' AS ativos FROM jsonb_array_elements(estoque_cache_status()->''fontes'') AS f WHERE f->>''tabela'' LIKE ''t06.%'' ORDER BY (f->>''anexo_id'')::int;'
\set alertas 'SELECT count(*) FILTER (WHERE a LIKE ''%t06.separacao%'') AS alertas_separacao, count(*) FILTER (WHERE a LIKE ''%replica%'') AS alertas_replica FROM jsonb_array_elements_text(estoque_cache_status()->''alertas'') AS a;'
:fontes
:alertas

-- A disabled trigger: gatilhos_ativos false for that table, and an alert
-- that names it.
ALTER TABLE separacao DISABLE TRIGGER estoque_cache_ins;
:fontes
:alertas
ALTER TABLE separacao ENABLE TRIGGER estoque_cache_ins;
:alertas

-- session_replication_role = replica: the statement triggers do not fire in
-- this session, the replica path's row triggers do; nothing to report.
SET session_replication_role = replica;
:alertas
RESET session_replication_role;
:alertas

-- The last rebuild: when, by whom, how long. The cache is exact, so the
-- rebuild corrects nothing.
SELECT k FROM jsonb_object_keys(estoque_cache_rebuild()) AS k ORDER BY k;
SELECT r->'linhas_corrigidas' AS linhas_corrigidas,
       (r->>'duracao_ms')::numeric >= 0 AS duracao_ok,
       (r->>'grupos')::bigint = (estoque_cache_status()->>'grupos')::bigint AS grupos_confere,
       (r->>'codigos')::bigint = (estoque_cache_status()->>'codigos')::bigint AS codigos_confere
  FROM estoque_cache_rebuild() AS r;
SELECT k FROM jsonb_object_keys(estoque_cache_status()->'ultimo_rebuild') AS k ORDER BY k;
SELECT u->>'por' = current_user AS por_confere,
       (u->>'quando')::timestamptz BETWEEN :'inicio_teste'::timestamptz AND clock_timestamp() AS quando_ok,
       (u->>'duracao_ms')::numeric >= 0 AS duracao_ok,
       u->'linhas_corrigidas' AS linhas_corrigidas
  FROM (SELECT estoque_cache_status()->'ultimo_rebuild' AS u) AS x;

SELECT * FROM estoque_cache_verify();

-- ---------------------------------------------------------------------------
-- Clean up, then the operations log of this test.
-- ---------------------------------------------------------------------------
SELECT j->>'fonte' AS fonte, j->>'tabela' AS tabela
  FROM (VALUES (estoque_cache_detach('movimentacao_estoque')),
               (estoque_cache_detach('pre_separacao_item')),
               (estoque_cache_detach('separacao')),
               (estoque_cache_detach('unificacao_codigos'))) AS d(j);
SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') AS config;

-- By hand: 4 attach, 4 detach, 2 rebuild, 1 verify; configurar: 12 in the
-- thresholds transaction, 4 in the time zone transaction and 1 at the end
-- = 17 (the call at the very start precedes the baseline; the refused calls
-- rolled back and left no row).
SELECT operacao, count(*) AS vezes,
       bool_and(usuario = current_user) AS usuario_ok,
       bool_and(duracao >= '0'::interval) AS duracao_ok,
       bool_and(inicio >= :'inicio_teste'::timestamptz) AS inicio_ok
  FROM estoque_cache.log
 WHERE id > :log0 AND operacao IN ('attach', 'detach', 'rebuild', 'refresh', 'verify', 'configurar')
 GROUP BY operacao
 ORDER BY operacao;
-- attach and detach name their table.
SELECT operacao, argumento
  FROM estoque_cache.log
 WHERE id > :log0 AND operacao IN ('attach', 'detach')
 ORDER BY id;

-- Nothing of this test is left in the cache.
SELECT (s->>'grupos')::bigint - :grupos0 AS grupos_novos,
       (s->>'codigos')::bigint - :codigos0 AS codigos_novos,
       (s->>'codigos_agrupados')::bigint - :agrupados0 AS agrupados_novos,
       (SELECT count(*) FROM jsonb_array_elements(s->'fontes') f WHERE f->>'tabela' LIKE 't06.%') AS fontes
  FROM estoque_cache_status() AS s;

RESET search_path;
DROP SCHEMA t06 CASCADE;
DROP ROLE regress_t06_leitor;
