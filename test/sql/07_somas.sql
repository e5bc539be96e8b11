--
-- 07_somas: the sums the triggers keep per (code, date) within a statement
-- (src/soma.c) are exactly numeric's: the same value and the same display
-- scale as SQL's sum(), whether every term is an ordinary number (kept as an
-- integer count) or some term is not (huge, too many decimals, NaN), and
-- whether the sum fits in 64 bits or not.  Each code below is one case; all
-- its rows are written by one statement, so the trigger adds them up.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET jit = off;

CREATE SCHEMA t07;
SET search_path = t07, public;

CREATE TABLE movimentacao_estoque (
    id               serial PRIMARY KEY,
    cod_produto      text,
    qtd_movimentacao numeric,
    ativo            boolean DEFAULT true
);
SELECT estoque_cache_attach('movimentacao', 't07.movimentacao_estoque') IS NOT NULL AS anexado;

-- cases: code, one term per array element
CREATE TABLE casos (codigo text, termos numeric[]);
INSERT INTO casos VALUES
    ('inteiros',      '{1, 2, 3, -10}'),
    ('decimais',      '{1.5, 2.25, 0.125, -0.875}'),
    ('escala_mista',  '{1, 2.50, 3.125000}'),
    ('zera',          '{10.500, -10.5}'),
    ('negativo',      '{-0.001, -1000000}'),
    ('doze_casas',    '{0.000000000001, 1.000000000001}'),
    ('treze_casas',   '{0.0000000000001, 1, 2.5}'),
    ('treze_depois',  '{1, 2.5, 0.0000000000001}'),
    ('enorme',        '{1000000000000000000000000, 1, 0.5}'),
    ('quase_enorme',  '{999999999999999999999999.999, 0.001}'),
    ('alem_de_int64', '{900000000000000000.123, 900000000000000000.877, 900000000000000000}'),
    ('alem_negativo', '{-9000000000000000000, -9000000000000000000.5}'),
    ('pesos',         '{10000, 100000000, 0.0001, 0.00000001, 12345678.9012}'),
    ('zeros',         '{0, 0.000, -0}'),
    ('um_termo',      '{42.4200}');

-- one INSERT for all of them: the trigger nets each code's terms
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
SELECT c.codigo, t.q FROM casos c, unnest(c.termos) WITH ORDINALITY AS t (q, n) ORDER BY n;

-- the cache's figure and SQL's sum, as text (value and display scale)
CREATE VIEW comparacao AS
SELECT c.codigo,
       (SELECT s.saldo_atual::text FROM estoque_cache_saldo_produto(c.codigo) s) AS no_cache,
       (SELECT sum(q)::text FROM unnest(c.termos) AS u (q)) AS soma_sql
  FROM casos c;
-- (a code whose terms net to zero has nothing to show: no row)
SELECT codigo, no_cache, soma_sql,
       no_cache IS NOT DISTINCT FROM soma_sql
       OR (no_cache IS NULL AND soma_sql::numeric = 0) AS igual
  FROM comparacao ORDER BY codigo;
-- 'zera' and 'zeros' net to zero: the trigger writes no row for them
SELECT codigo FROM estoque_cache.delta WHERE codigo IN ('zera', 'zeros');

-- UPDATE (old rows subtracted, new rows added) and DELETE of the same terms
UPDATE movimentacao_estoque SET qtd_movimentacao = qtd_movimentacao * 2;
UPDATE casos SET termos = ARRAY(SELECT q * 2 FROM unnest(termos) AS u (q));
SELECT count(*) FILTER (WHERE no_cache IS DISTINCT FROM soma_sql) AS diferentes_apos_update
  FROM comparacao WHERE soma_sql::numeric <> 0;
SELECT codigo, no_cache, soma_sql FROM comparacao
 WHERE codigo IN ('decimais', 'alem_de_int64', 'treze_casas') ORDER BY codigo;
DELETE FROM movimentacao_estoque WHERE cod_produto <> 'um_termo';
SELECT codigo, no_cache FROM comparacao WHERE no_cache IS NOT NULL ORDER BY codigo;

-- NaN and infinite quantities do not count, like NULL ones (a sum that met
-- one could never be taken back); verify and rebuild read them alike
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
VALUES ('nao_finito', 1.5), ('nao_finito', 'NaN'), ('nao_finito', 'Infinity'),
       ('nao_finito', '-Infinity'), ('nao_finito', 2), ('nao_finito', NULL);
SELECT saldo_atual FROM estoque_cache_saldo_produto('nao_finito');
SELECT count(*) AS verify FROM estoque_cache_verify('nao_finito');
SELECT estoque_cache_refresh('nao_finito') AS corrigidas;
UPDATE movimentacao_estoque SET qtd_movimentacao = 'NaN'
 WHERE cod_produto = 'nao_finito' AND qtd_movimentacao = 2;
SELECT saldo_atual FROM estoque_cache_saldo_produto('nao_finito');
DELETE FROM movimentacao_estoque WHERE cod_produto = 'nao_finito';
SELECT saldo_atual FROM estoque_cache_saldo_produto('nao_finito');

SELECT count(*) AS verify FROM estoque_cache_verify();

SELECT estoque_cache_detach('t07.movimentacao_estoque') IS NOT NULL AS removido;
DROP SCHEMA t07 CASCADE;
