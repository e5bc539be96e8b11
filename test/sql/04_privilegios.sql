--
-- 04_privilegios: the application's roles write their own tables without any
-- privilege on the cache, cannot write the cache directly and cannot run the
-- administration functions; reading is open to every role until an
-- administrator revokes it (SPEC section 6).
--
-- regress_app writes the source tables (it owns some, has INSERT/UPDATE/DELETE
-- on others); regress_leitor has no privilege at all beyond PUBLIC's.
--
\set SHOW_CONTEXT never
\pset null '<null>'
SET client_min_messages = warning;
SET jit = off;

SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') AS config;

DROP ROLE IF EXISTS regress_app;
DROP ROLE IF EXISTS regress_leitor;
CREATE ROLE regress_app NOLOGIN;
CREATE ROLE regress_leitor NOLOGIN;

CREATE SCHEMA t04;
GRANT USAGE ON SCHEMA t04 TO regress_app, regress_leitor;
-- a schema of the application role's own, where it may create objects
CREATE SCHEMA t04_app AUTHORIZATION regress_app;
SET search_path = t04, public;

-- ---------------------------------------------------------------------------
-- Tables: some owned by the application role, some only granted to it.
-- ---------------------------------------------------------------------------
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
    status                  varchar(20)
);
CREATE TABLE unificacao_codigos (
    id             serial PRIMARY KEY,
    codigo_origem  integer NOT NULL,
    codigo_destino integer NOT NULL,
    ativo          boolean DEFAULT true
);
ALTER TABLE movimentacao_estoque OWNER TO regress_app;
ALTER TABLE pre_separacao_item OWNER TO regress_app;
ALTER TABLE unificacao_codigos OWNER TO regress_app;

CREATE TABLE carteira_principal (
    id                       bigserial PRIMARY KEY,
    cod_produto              varchar(50),
    qtd_saldo_produto_pedido numeric(15,3),
    separacao_lote_id        varchar(50),
    ativo                    boolean DEFAULT true
);
CREATE TABLE cadastro_produto (
    cod_produto  varchar(50) PRIMARY KEY,
    nome_produto varchar(255)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON carteira_principal, cadastro_produto TO regress_app;
GRANT USAGE ON SEQUENCE carteira_principal_id_seq TO regress_app;

-- the administrator attaches them
SELECT j->>'fonte' AS fonte, j->>'tabela' AS tabela
  FROM (VALUES (estoque_cache_attach('movimentacao', 'movimentacao_estoque')),
               (estoque_cache_attach('pre_separacao', 'pre_separacao_item')),
               (estoque_cache_attach('carteira', 'carteira_principal')),
               (estoque_cache_attach_unificacao('unificacao_codigos')),
               (estoque_cache_attach_produtos('cadastro_produto'))) AS a(j);

-- nobody but the administrator has any privilege on the cache's tables
SELECT count(*) > 0 AS tabelas,
       count(*) FILTER (WHERE has_table_privilege('regress_app', c.oid, 'SELECT')) AS app_select,
       count(*) FILTER (WHERE has_table_privilege('regress_app', c.oid,
                                                  'INSERT,UPDATE,DELETE,TRUNCATE')) AS app_escrita,
       count(*) FILTER (WHERE has_table_privilege('regress_leitor', c.oid, 'SELECT')) AS leitor_select
  FROM pg_class c
 WHERE c.relnamespace = 'estoque_cache'::regnamespace AND c.relkind IN ('r', 'p', 'S');

-- Runs a statement that must fail; shows its SQLSTATE and message.
CREATE FUNCTION tentar(comando text) RETURNS TABLE (estado text, mensagem text)
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE comando;
    RETURN QUERY SELECT 'sem erro'::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS estado = RETURNED_SQLSTATE, mensagem = MESSAGE_TEXT;
    RETURN NEXT;
END;
$$;

-- the view as shown in this file
CREATE VIEW mostrar AS
SELECT cod_produto, nome_produto, codigos, trim_scale(saldo_atual) AS saldo,
       trim_scale(qtd_carteira) AS carteira, trim_scale(qtd_pre_separacao) AS pre_sep,
       trim_scale(saldo_disponivel) AS disponivel, status_ruptura AS status
  FROM estoque_cache_saldo
 WHERE codigos && '{4104001,4104002,4104003}'::text[];
GRANT SELECT ON mostrar TO regress_app, regress_leitor;

-- ---------------------------------------------------------------------------
-- The application role writes its tables: every kind of statement works and
-- the cache follows, inside its transaction.
-- ---------------------------------------------------------------------------
SET ROLE regress_app;
SELECT current_user;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
VALUES ('4104001', 100), ('4104002', 50), ('4104003', 5);
UPDATE movimentacao_estoque SET qtd_movimentacao = 60 WHERE cod_produto = '4104002';
DELETE FROM movimentacao_estoque WHERE cod_produto = '4104003';
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada, status)
VALUES ('4104001', 7, current_date + 2, 'CRIADO'), ('4104002', 8, NULL, 'CANCELADO');
UPDATE pre_separacao_item SET status = 'RECOMPOSTO' WHERE status = 'CANCELADO';
INSERT INTO carteira_principal (cod_produto, qtd_saldo_produto_pedido)
VALUES ('4104001', 10), ('4104002', 3);
UPDATE carteira_principal SET separacao_lote_id = 'L1' WHERE cod_produto = '4104002';
INSERT INTO cadastro_produto VALUES ('4104001', 'COGUMELO FATIADO LATA 1,01KG');
-- 4104001: 100, carteira 10, pre_sep 7; 4104002: 60, carteira 0, pre_sep 8
SELECT * FROM mostrar ORDER BY 1;
-- a link between its codes
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (4104002, 4104001);
SELECT * FROM mostrar ORDER BY 1;
-- TRUNCATE of a table it owns; a transaction sees its own writes, and a
-- rollback leaves nothing
BEGIN;
TRUNCATE pre_separacao_item;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('4104003', 1);
SELECT * FROM mostrar ORDER BY 1;
ROLLBACK;
SELECT * FROM mostrar ORDER BY 1;
-- the reading functions are open
SELECT estoque_cache_principal('4104002') AS principal, estoque_cache_codigos('4104002') AS codigos;
SELECT count(*) AS dias, trim_scale(min(estoque_final)) AS minimo FROM estoque_cache_projecao('4104002');
SELECT estoque_cache_produto('4104002') ->> 'cod_produto' AS produto,
       jsonb_array_length(estoque_cache_produto('4104002') -> 'projecao_29_dias') AS dias;
SELECT cod_produto, trim_scale(saldo_atual) AS saldo FROM estoque_cache_saldo_produto('4104002');
SELECT estoque_cache_status() ?& ARRAY['versao', 'grupos', 'fontes', 'configuracao'] AS status;
RESET ROLE;
SELECT count(*) AS verify FROM estoque_cache_verify();

-- ---------------------------------------------------------------------------
-- The application role cannot write the cache's tables, nor read them directly.
-- ---------------------------------------------------------------------------
SET ROLE regress_app;
\x on
SELECT * FROM tentar($$INSERT INTO estoque_cache.saldo (codigo, anexo_id, data, fonte, quantidade, atualizado_em)
                       VALUES ('4104001', 1, '-infinity', 1, 1000, now())$$);
SELECT * FROM tentar($$INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade)
                       VALUES ('4104001', 1, '-infinity', 1, 1000)$$);
SELECT * FROM tentar($$UPDATE estoque_cache.saldo SET quantidade = 0$$);
SELECT * FROM tentar($$DELETE FROM estoque_cache.delta$$);
SELECT * FROM tentar($$TRUNCATE estoque_cache.delta$$);
SELECT * FROM tentar($$INSERT INTO estoque_cache.grupo VALUES ('4104003', '4104001')$$);
SELECT * FROM tentar($$UPDATE estoque_cache.grupo SET principal = '4104002'$$);
SELECT * FROM tentar($$DELETE FROM estoque_cache.grupo$$);
SELECT * FROM tentar($$DELETE FROM estoque_cache.anexo$$);
SELECT * FROM tentar($$UPDATE estoque_cache.configuracao SET estoque_minimo = 0$$);
SELECT * FROM tentar($$DELETE FROM estoque_cache.log$$);
SELECT * FROM tentar($$SELECT count(*) FROM estoque_cache.saldo$$);

-- ---------------------------------------------------------------------------
-- ... nor run the administration functions (42501), not even on its own tables.
-- ---------------------------------------------------------------------------
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'carteira_principal',
                                                   quantidade => 'qtd_saldo_produto_pedido')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_unificacao('unificacao_codigos')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_produtos('cadastro_produto')$$);
SELECT * FROM tentar($$SELECT estoque_cache_detach('movimentacao_estoque')$$);
SELECT * FROM tentar($$SELECT estoque_cache_rebuild()$$);
SELECT * FROM tentar($$SELECT estoque_cache_refresh()$$);
SELECT * FROM tentar($$SELECT estoque_cache_refresh('4104001')$$);
SELECT * FROM tentar($$SELECT * FROM estoque_cache_verify()$$);
SELECT * FROM tentar($$SELECT estoque_cache_fold()$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(estoque_minimo => 0)$$);
-- nor the internal functions behind them
SELECT * FROM tentar($$SELECT estoque_cache.fold(NULL, true)$$);
SELECT * FROM tentar($$SELECT estoque_cache.truncar_anexo(1)$$);
SELECT * FROM tentar($$SELECT estoque_cache.corrigir(NULL, false)$$);
SELECT * FROM tentar($$SELECT estoque_cache.anotar_arestas(1, ARRAY['4104001'], ARRAY['4104002'], ARRAY[1])$$);
-- nor attach the cache's trigger function to a table of its own to write
-- deltas under another attachment's id
CREATE TABLE t04_app.falsa (cod_produto varchar(50), qtd_movimentacao numeric, ativo boolean);
SELECT * FROM tentar($$CREATE TRIGGER estoque_cache_ins AFTER INSERT ON t04_app.falsa
                       REFERENCING NEW TABLE AS novas FOR EACH STATEMENT
                       EXECUTE FUNCTION estoque_cache.trg_fonte('1')$$);
SELECT * FROM tentar($$CREATE TRIGGER estoque_cache_ins AFTER INSERT ON t04_app.falsa
                       REFERENCING NEW TABLE AS novas FOR EACH STATEMENT
                       EXECUTE FUNCTION estoque_cache.trg_codigos('1')$$);
DROP TABLE t04_app.falsa;
\x off
RESET ROLE;
-- none of it changed anything
SELECT count(*) AS verify FROM estoque_cache_verify();
SELECT * FROM mostrar ORDER BY 1;
SELECT estoque_minimo FROM estoque_cache.config();

-- ---------------------------------------------------------------------------
-- The application's session settings do not change what its triggers count,
-- and its code never runs with the cache owner's rights: an operator of its
-- own, found first on its search_path, is not used in place of the one in
-- the filter (status IN ('CRIADO', 'RECOMPOSTO')).  Were it used, it would
-- count a CANCELADO row, and, run by anyone but regress_app, it would make
-- regress_app a superuser.
-- ---------------------------------------------------------------------------
SET ROLE regress_app;
CREATE FUNCTION t04_app.escalar() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> 'regress_app' THEN
        EXECUTE 'ALTER ROLE regress_app SUPERUSER';
    END IF;
END;
$$;
CREATE FUNCTION t04_app.sempre(text, text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM t04_app.escalar();
    RETURN true;
END;
$$;
CREATE OPERATOR t04_app.= (LEFTARG = text, RIGHTARG = text, FUNCTION = t04_app.sempre);
SET search_path = t04_app, pg_catalog, t04, public;
-- the table changes, so its triggers load their configuration again
ALTER TABLE t04.pre_separacao_item ALTER COLUMN status SET STATISTICS 200;
INSERT INTO t04.pre_separacao_item (cod_produto, qtd_selecionada_usuario, status)
VALUES ('4104001', 1000, 'CANCELADO');
UPDATE t04.pre_separacao_item SET qtd_selecionada_usuario = 2000 WHERE qtd_selecionada_usuario = 1000;
RESET search_path;
RESET ROLE;
SET search_path = t04, public;
SELECT rolsuper AS app_superusuario FROM pg_roles WHERE rolname = 'regress_app';
-- the CANCELADO row does not count: pre_sep of the group is still 15
SELECT * FROM mostrar ORDER BY 1;
SELECT cod_produto, campo, no_cache, nas_fontes FROM estoque_cache_verify();
ALTER ROLE regress_app NOSUPERUSER;
-- verify is empty: nothing to fix
SELECT estoque_cache_refresh() AS refresh;
SELECT count(*) AS verify FROM estoque_cache_verify();

-- ---------------------------------------------------------------------------
-- Reading is open to a role without any grant ...
-- ---------------------------------------------------------------------------
SET ROLE regress_leitor;
SELECT cod_produto, trim_scale(saldo_atual) AS saldo FROM estoque_cache_saldo
 WHERE codigos && '{4104001}'::text[];
SELECT estoque_cache_principal('4104001') AS principal;
SELECT count(*) AS dias FROM estoque_cache_projecao('4104001');
SELECT estoque_cache_produto('4104001') ->> 'status_ruptura' AS status;
RESET ROLE;

-- ... until an administrator revokes it
REVOKE SELECT ON estoque_cache_saldo FROM PUBLIC;
SET ROLE regress_leitor;
\x on
SELECT * FROM tentar($$SELECT count(*) FROM estoque_cache_saldo$$);
\x off
RESET ROLE;
-- a role granted SELECT reads it
GRANT SELECT ON estoque_cache_saldo TO regress_app;
SET ROLE regress_app;
SELECT cod_produto, trim_scale(saldo_atual) AS saldo FROM estoque_cache_saldo
 WHERE codigos && '{4104001}'::text[];
RESET ROLE;
REVOKE SELECT ON estoque_cache_saldo FROM regress_app;

-- with the read functions revoked as well, no function of the extension
-- hands the figures to that role
REVOKE EXECUTE ON FUNCTION estoque_cache_saldo_produto(text), estoque_cache_projecao(text, integer, date),
                           estoque_cache_produto(text), estoque_cache_principal(text),
                           estoque_cache_codigos(text), estoque_cache_status()
  FROM PUBLIC;
SET ROLE regress_leitor;
\x on
SELECT * FROM tentar($$SELECT * FROM estoque_cache_saldo_produto('4104001')$$);
SELECT * FROM tentar($$SELECT * FROM estoque_cache_projecao('4104001')$$);
SELECT * FROM tentar($$SELECT estoque_cache_produto('4104001')$$);
SELECT * FROM tentar($$SELECT estoque_cache_principal('4104001')$$);
SELECT * FROM tentar($$SELECT estoque_cache_status()$$);
-- not even the internal function behind the view
SELECT estado FROM tentar($$SELECT * FROM estoque_cache.saldo_grupos(NULL, NULL)$$);
SELECT estado FROM tentar($$SELECT * FROM estoque_cache.saldo_grupos('4104001', NULL, true)$$);
\x off
RESET ROLE;

-- granted back: open again
GRANT SELECT ON estoque_cache_saldo TO PUBLIC;
GRANT EXECUTE ON FUNCTION estoque_cache_saldo_produto(text), estoque_cache_projecao(text, integer, date),
                          estoque_cache_produto(text), estoque_cache_principal(text),
                          estoque_cache_codigos(text), estoque_cache_status()
  TO PUBLIC;
SET ROLE regress_leitor;
SELECT cod_produto, trim_scale(saldo_atual) AS saldo FROM estoque_cache_saldo
 WHERE codigos && '{4104001}'::text[];
SELECT estoque_cache_principal('4104002') AS principal;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Clean up.
-- ---------------------------------------------------------------------------
SELECT count(*) AS verify FROM estoque_cache_verify();
SELECT estoque_cache_detach(t) ->> 'fonte' AS fonte
  FROM unnest(ARRAY['movimentacao_estoque', 'pre_separacao_item', 'carteira_principal',
                    'unificacao_codigos', 'cadastro_produto']::regclass[]) AS t;
SELECT * FROM mostrar;
DROP SCHEMA t04_app CASCADE;
DROP SCHEMA t04 CASCADE;
RESET search_path;
DROP ROLE regress_app;
DROP ROLE regress_leitor;
SELECT count(*) AS papeis_restantes FROM pg_roles WHERE rolname IN ('regress_app', 'regress_leitor');
