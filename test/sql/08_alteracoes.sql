--
-- 08_alteracoes: DDL on attached tables.  A change that would break an
-- attachment is refused with an error naming it; a change the cache can
-- follow corrects the attachment in the same transaction; a dropped
-- attached table created again is attached again; triggers that lost their
-- attachment refuse writes and are reported.  After each step,
-- estoque_cache_verify() must return no rows.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET jit = off;

CREATE SCHEMA t08;
SET search_path = t08, public;

CREATE TABLE movimentacao_estoque (
    id               serial PRIMARY KEY,
    cod_produto      text,
    qtd_movimentacao numeric(10, 1),
    ativo            boolean DEFAULT true,
    obs              text
);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, ativo)
VALUES ('A', 2.5, true), ('A', 0.5, true), ('B', 1.4, true), ('B', 100, false);
SELECT estoque_cache_attach('movimentacao', 't08.movimentacao_estoque') IS NOT NULL AS anexado;

-- runs a statement, shows its error (attachment ids, which depend on the
-- suites run before, hidden)
CREATE FUNCTION tentar(comando text)
    RETURNS TABLE (estado text, mensagem text, detalhe text, dica text)
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE comando;
    RETURN QUERY SELECT 'sem erro'::text, NULL::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS estado = RETURNED_SQLSTATE, mensagem = MESSAGE_TEXT,
                            detalhe = PG_EXCEPTION_DETAIL, dica = PG_EXCEPTION_HINT;
    mensagem := regexp_replace(mensagem, 'attachment [0-9]+', 'attachment N');
    RETURN NEXT;
END;
$$;
\set refeitos 'SELECT count(*) AS recomputacoes FROM estoque_cache.log WHERE operacao = ''refresh'' AND argumento LIKE ''t08.%'';'

CREATE VIEW figura AS
SELECT cod_produto, saldo_atual FROM estoque_cache_saldo
 WHERE cod_produto IN ('A', 'B', 'C') ORDER BY 1;
\set checar 'SELECT count(*) AS diferencas FROM estoque_cache_verify();'

SELECT * FROM figura;

-- a mapped column's type changes: the rows are rounded, and so is the cache
ALTER TABLE movimentacao_estoque ALTER COLUMN qtd_movimentacao TYPE integer;
SELECT * FROM figura;
:checar
SELECT operacao, linhas, detalhe->>'motivo' AS motivo FROM estoque_cache.log
 WHERE operacao = 'refresh' AND argumento LIKE 't08.%' ORDER BY id DESC LIMIT 1;

-- an unmapped column may come and go without any recomputation
ALTER TABLE movimentacao_estoque ADD COLUMN lote text;
ALTER TABLE movimentacao_estoque DROP COLUMN obs;
:refeitos

-- changes that would break the attachment are refused, and change nothing
\x on
SELECT * FROM tentar('ALTER TABLE movimentacao_estoque DROP COLUMN ativo');
SELECT * FROM tentar('ALTER TABLE movimentacao_estoque RENAME COLUMN cod_produto TO codigo');
SELECT * FROM tentar('ALTER TABLE movimentacao_estoque ALTER COLUMN qtd_movimentacao TYPE text');
SELECT * FROM tentar('ALTER TABLE movimentacao_estoque SET UNLOGGED');
\x off
SELECT relpersistence FROM pg_class WHERE oid = 'movimentacao_estoque'::regclass;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'movimentacao_estoque'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('A', 10);
SELECT * FROM figura;
:checar

-- the filter column dropped and added again in one statement: followed
ALTER TABLE movimentacao_estoque DROP COLUMN ativo,
    ADD COLUMN ativo boolean DEFAULT true;
SELECT * FROM figura;
:checar

-- writes with the triggers disabled are caught up when they are enabled again
ALTER TABLE movimentacao_estoque DISABLE TRIGGER USER;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('C', 7);
DELETE FROM movimentacao_estoque WHERE cod_produto = 'B';
SELECT count(*) AS diferencas_com_gatilhos_desligados FROM estoque_cache_verify();
ALTER TABLE movimentacao_estoque ENABLE TRIGGER USER;
SELECT * FROM figura;
:checar
-- ENABLE TRIGGER USER made every trigger ORIGIN; the replica path's row
-- triggers are put back to REPLICA and TRUNCATE to ALWAYS, so that a write
-- counts once in either kind of session
SELECT tgname, tgenabled FROM pg_trigger
 WHERE tgrelid = 'movimentacao_estoque'::regclass AND NOT tgisinternal ORDER BY 1;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('C', 1);
SET session_replication_role = replica;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('C', 10);
RESET session_replication_role;
SELECT * FROM figura;
:checar

-- dropped, then created again with the same name (as pg_restore --clean -t
-- does): attached again before its rows arrive
DROP TABLE movimentacao_estoque;
SELECT count(*) AS anexos FROM estoque_cache.anexo WHERE tabela::text LIKE '%movimentacao_estoque';
SELECT nome_tabela, fonte FROM estoque_cache.anexo_removido WHERE nome_tabela LIKE 't08.%';
CREATE TABLE movimentacao_estoque (
    id               serial PRIMARY KEY,
    cod_produto      text,
    qtd_movimentacao numeric,
    ativo            boolean DEFAULT true
);
SELECT fonte, filtro FROM estoque_cache.anexo WHERE tabela = 'movimentacao_estoque'::regclass;
SELECT count(*) AS lembrados FROM estoque_cache.anexo_removido WHERE nome_tabela LIKE 't08.%';
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, ativo)
VALUES ('A', 4, true), ('A', 40, false);
SELECT * FROM figura;
:checar

-- created again with a shape that no longer fits: left unattached, with a warning
DROP TABLE movimentacao_estoque;
SET client_min_messages = warning;
CREATE TABLE movimentacao_estoque (id serial, cod_produto text, quantidade numeric);
SELECT count(*) AS anexos FROM estoque_cache.anexo WHERE tabela = 'movimentacao_estoque'::regclass;
INSERT INTO movimentacao_estoque (cod_produto, quantidade) VALUES ('A', 1);
:checar
DROP TABLE movimentacao_estoque;

-- created again by another role: not attached (no one else's table becomes a
-- source of the cache)
CREATE TABLE movimentacao_estoque (id serial, cod_produto text, qtd_movimentacao numeric,
                                   ativo boolean DEFAULT true);
SELECT estoque_cache_attach('movimentacao', 't08.movimentacao_estoque') IS NOT NULL AS anexado;
DROP TABLE movimentacao_estoque;
CREATE ROLE regress_outro_dono;
GRANT CREATE, USAGE ON SCHEMA t08 TO regress_outro_dono;
SET ROLE regress_outro_dono;
CREATE TABLE movimentacao_estoque (id serial, cod_produto text, qtd_movimentacao numeric,
                                   ativo boolean DEFAULT true);
RESET ROLE;
SELECT count(*) AS anexos FROM estoque_cache.anexo WHERE tabela = 'movimentacao_estoque'::regclass;
DROP TABLE movimentacao_estoque;
REVOKE ALL ON SCHEMA t08 FROM regress_outro_dono;
DROP ROLE regress_outro_dono;
DELETE FROM estoque_cache.anexo_removido WHERE nome_tabela = 't08.movimentacao_estoque';

-- a filter that fails on one of the table's rows: the attach says which table
-- and how to guard it, and changes nothing
CREATE TABLE fator (cod text, qtd numeric, fator numeric);
INSERT INTO fator VALUES ('F', 1, 2), ('F', 1, 0);
SELECT estado, mensagem, dica FROM tentar($$SELECT estoque_cache_attach('movimentacao', 't08.fator',
    produto => 'cod', quantidade => 'qtd', filtro => 'qtd / fator > 0')$$);
SELECT count(*) AS anexos FROM estoque_cache.anexo WHERE tabela = 'fator'::regclass;
DROP TABLE fator;

-- triggers whose attachment is gone refuse writes and are reported
CREATE TABLE outra (cod text, qtd numeric);
SELECT estoque_cache_attach('movimentacao', 't08.outra', produto => 'cod', quantidade => 'qtd',
                            filtro => 'true') IS NOT NULL AS anexado;
DELETE FROM estoque_cache.anexo WHERE tabela = 'outra'::regclass;
INSERT INTO outra VALUES ('Z', 1);
SELECT a FROM jsonb_array_elements_text(estoque_cache_status()->'alertas') a;
DROP TABLE outra;

-- a trigger created by hand with arguments that do not describe an attachment
CREATE TABLE manual (cod text, qtd numeric);
CREATE TRIGGER estoque_cache_ins AFTER INSERT ON manual REFERENCING NEW TABLE AS novas
    FOR EACH STATEMENT EXECUTE FUNCTION estoque_cache.trg_fonte('1');
DROP TABLE manual;

DROP SCHEMA t08 CASCADE;
SELECT count(*) AS lembrados FROM estoque_cache.anexo_removido WHERE nome_tabela LIKE 't08.%';
