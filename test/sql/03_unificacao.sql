--
-- 03_unificacao: unified codes (SPEC section 4).  Groups are the connected
-- components of the active links; the principal is the smallest code, by
-- integer value when every code of the group is an integer, else by byte
-- order; every figure is the sum over the group; codes are compared as text.
--
-- As in 01_fontes, every step is followed by :checar, which prints the row
-- count of estoque_cache_verify() (must be 0) and every difference between
-- the extension and a from-scratch computation written below (must be no
-- rows): the view, estoque_cache_saldo_produto() and estoque_cache_projecao()
-- of every group, and estoque_cache_principal() / estoque_cache_codigos() of
-- every code this test uses.
--
\set SHOW_CONTEXT never
\pset null '<null>'
SET client_min_messages = warning;
-- the from-scratch queries below have large cost estimates; compiling them
-- with JIT would only slow this small test down
SET jit = off;
SET DateStyle = 'ISO, YMD';

SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') AS config;

CREATE SCHEMA t03;
SET search_path = t03, public;

-- ---------------------------------------------------------------------------
-- The application's tables.
-- ---------------------------------------------------------------------------
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
    status                  varchar(20)
);
CREATE TABLE separacao (
    id                bigserial PRIMARY KEY,
    cod_produto       varchar(50),
    qtd_saldo         float8,
    expedicao         date,
    sincronizado_nf   boolean
);
CREATE TABLE programacao_producao (
    id               bigserial PRIMARY KEY,
    cod_produto      varchar(50),
    qtd_programada   float8,
    data_programacao date
);
-- the real link table keeps codes as integers
CREATE TABLE unificacao_codigos (
    id             serial PRIMARY KEY,
    codigo_origem  integer NOT NULL,
    codigo_destino integer NOT NULL,
    ativo          boolean DEFAULT true,
    motivo         varchar(255)
);
-- a second link table, with text codes (codes that are not integers)
CREATE TABLE unificacao_texto (
    id             serial PRIMARY KEY,
    codigo_origem  varchar(50),
    codigo_destino varchar(50),
    ativo          boolean DEFAULT true
);
CREATE TABLE cadastro_produto (
    cod_produto  varchar(50) PRIMARY KEY,
    nome_produto varchar(255)
);

-- ---------------------------------------------------------------------------
-- The independent computation.
-- ---------------------------------------------------------------------------
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

-- every code this test uses, in figures or in links
CREATE TABLE codigos_do_teste (codigo text PRIMARY KEY);
INSERT INTO codigos_do_teste VALUES
    ('999'), ('1000'), ('1001'), ('1002'), ('1003'), ('1004'), ('1005'), ('1006'),
    ('1007'), ('900'), ('X9'), ('ABC-1'), ('12'), ('13'), ('0012'), ('0013'),
    ('-1'), ('-2');

-- the rows that count, per source (the sources do not change in this test)
CREATE VIEW fontes_esperadas (codigo, tipo, data, qtd) AS
SELECT cod_produto::text, 'movimentacao', NULL::date, qtd_movimentacao::numeric
  FROM movimentacao_estoque WHERE ativo
UNION ALL
SELECT cod_produto::text, 'carteira', NULL::date, qtd_saldo_produto_pedido::numeric
  FROM carteira_principal WHERE ativo AND separacao_lote_id IS NULL
UNION ALL
SELECT cod_produto::text, 'pre_separacao', data_expedicao_editada, qtd_selecionada_usuario::numeric
  FROM pre_separacao_item WHERE status IN ('CRIADO', 'RECOMPOSTO')
UNION ALL
SELECT cod_produto::text, 'separacao', expedicao, qtd_saldo::numeric
  FROM separacao WHERE sincronizado_nf IS NOT TRUE
UNION ALL
SELECT cod_produto::text, 'producao', data_programacao, qtd_programada::numeric
  FROM programacao_producao;

-- the active links of the attached link tables; the test redefines this view
-- as it attaches, detaches and drops the second link table
CREATE VIEW links_esperados (a, b) AS
SELECT codigo_origem::text, codigo_destino::text FROM unificacao_codigos WHERE ativo;

-- every code in a group of two or more: its members and its principal
CREATE VIEW grupos_esperados AS
WITH RECURSIVE links AS (
    SELECT a, b FROM links_esperados WHERE a IS NOT NULL AND b IS NOT NULL
), arestas AS (
    SELECT a, b FROM links UNION SELECT b, a FROM links
), alcance (codigo, outro) AS (
    SELECT a, a FROM arestas
    UNION
    SELECT r.codigo, e.b FROM alcance r JOIN arestas e ON e.a = r.outro
), membros AS (
    SELECT codigo, array_agg(outro ORDER BY outro COLLATE "C") AS codigos,
           bool_and(outro ~ '^-?[0-9]+$') AS inteiros
      FROM alcance GROUP BY codigo
)
SELECT codigo, codigos,
       CASE WHEN inteiros
            THEN (SELECT c FROM unnest(codigos) AS c ORDER BY c::numeric LIMIT 1)
            ELSE codigos[1] END AS principal
  FROM membros
 WHERE cardinality(codigos) > 1;

-- every counted row, keyed by its group's principal
CREATE VIEW linhas_esperadas AS
SELECT coalesce(g.principal, f.codigo) AS principal, f.tipo, f.data, f.qtd
  FROM fontes_esperadas f LEFT JOIN grupos_esperados g ON g.codigo = f.codigo
 WHERE f.codigo IS NOT NULL AND f.qtd IS NOT NULL;

CREATE VIEW projecao_esperada AS
WITH saldo AS (
    SELECT principal, coalesce(sum(qtd) FILTER (WHERE tipo = 'movimentacao'), 0) AS saldo_atual
      FROM linhas_esperadas GROUP BY principal
), eventos AS (
    SELECT principal,
           CASE WHEN tipo = 'producao' THEN data - d0()
                ELSE greatest(coalesce(data - d0(), 0), 0) END AS dia,
           CASE WHEN tipo = 'producao' THEN 0 ELSE qtd END AS saida,
           CASE WHEN tipo = 'producao' THEN qtd ELSE 0 END AS producao
      FROM linhas_esperadas WHERE tipo IN ('pre_separacao', 'separacao', 'producao')
), dias AS (
    SELECT s.principal, d.dia, s.saldo_atual,
           coalesce(sum(e.saida), 0) AS saida, coalesce(sum(e.producao), 0) AS producao
      FROM saldo s
     CROSS JOIN generate_series(0, 28) AS d(dia)
      LEFT JOIN eventos e ON e.principal = s.principal AND e.dia = d.dia
     GROUP BY s.principal, d.dia, s.saldo_atual
), acumulado AS (
    SELECT principal, dia, saida, producao,
           saldo_atual + sum(producao - saida) OVER (PARTITION BY principal ORDER BY dia)
               AS estoque_final
      FROM dias
)
SELECT principal AS codigo, dia, d0() + dia AS data,
       estoque_final + saida - producao AS estoque_inicial,
       saida AS saida_prevista, producao AS producao_programada, estoque_final
  FROM acumulado;

-- product names from the catalogue
CREATE VIEW nomes_esperados AS
SELECT cod_produto::text AS codigo, nome_produto::text AS nome
  FROM cadastro_produto WHERE nome_produto IS NOT NULL;

CREATE VIEW esperado AS
WITH grupos AS MATERIALIZED (
    SELECT * FROM grupos_esperados
), totais AS (
    SELECT principal,
           coalesce(sum(qtd) FILTER (WHERE tipo = 'movimentacao'), 0) AS saldo_atual,
           coalesce(sum(qtd) FILTER (WHERE tipo = 'carteira'), 0) AS qtd_carteira,
           coalesce(sum(qtd) FILTER (WHERE tipo = 'pre_separacao'), 0) AS qtd_pre_separacao,
           coalesce(sum(qtd) FILTER (WHERE tipo = 'separacao'), 0) AS qtd_separacao
      FROM linhas_esperadas GROUP BY principal
), resumo AS (
    SELECT codigo AS principal,
           min(estoque_final) FILTER (WHERE dia <= 7) AS previsao,
           min(data) FILTER (WHERE estoque_final < 0) AS data_ruptura,
           bool_or(estoque_final < 0 AND dia <= 7) AS critico,
           bool_or(estoque_final < 0) AS ruptura,
           bool_or(saida_prevista <> 0 OR producao_programada <> 0) AS tem_fluxo
      FROM projecao_esperada GROUP BY codigo
), membros AS (
    SELECT t.principal, coalesce(g.codigos, ARRAY[t.principal]) AS codigos
      FROM totais t LEFT JOIN grupos g ON g.codigo = t.principal
)
SELECT t.principal AS cod_produto,
       -- the principal's name, else another member's
       coalesce((SELECT n.nome FROM nomes_esperados n WHERE n.codigo = t.principal),
                (SELECT n.nome FROM nomes_esperados n
                  WHERE n.codigo = ANY (m.codigos) ORDER BY n.codigo COLLATE "C" LIMIT 1))
           AS nome_produto,
       m.codigos,
       t.saldo_atual, t.qtd_carteira, t.qtd_pre_separacao, t.qtd_separacao,
       t.saldo_atual - t.qtd_carteira - t.qtd_pre_separacao - t.qtd_separacao
           AS saldo_disponivel,
       r.previsao AS previsao_ruptura_7d, r.data_ruptura,
       CASE WHEN r.critico THEN 'CRÍTICO'
            WHEN r.ruptura OR r.previsao < 10 THEN 'ATENÇÃO'
            ELSE 'OK' END AS status_ruptura
  FROM totais t JOIN resumo r USING (principal) JOIN membros m USING (principal)
 WHERE t.saldo_atual <> 0 OR t.qtd_carteira <> 0 OR t.qtd_pre_separacao <> 0
    OR t.qtd_separacao <> 0 OR r.tem_fluxo;

-- principal and members of every code of this test, as the SPEC defines them
-- (a code in no link is a group of one)
CREATE VIEW grupo_de_cada_codigo AS
SELECT c.codigo, coalesce(g.principal, c.codigo) AS principal,
       coalesce(g.codigos, ARRAY[c.codigo]) AS codigos,
       coalesce(g.principal, c.codigo) AS primeiro
  FROM codigos_do_teste c LEFT JOIN grupos_esperados g ON g.codigo = c.codigo;

CREATE VIEW diferencas AS
WITH esperado AS MATERIALIZED (
    SELECT * FROM esperado
), cache AS (
    SELECT s.cod_produto::text, s.nome_produto::text,
           ARRAY(SELECT c FROM unnest(s.codigos) AS c ORDER BY c COLLATE "C") AS codigos,
           s.saldo_atual, s.qtd_carteira, s.qtd_pre_separacao, s.qtd_separacao,
           s.saldo_disponivel, s.previsao_ruptura_7d, s.data_ruptura, s.status_ruptura::text
      FROM estoque_cache_saldo s
     WHERE s.codigos && ARRAY(SELECT codigo FROM codigos_do_teste)
), por_produto AS (
    -- estoque_cache_saldo_produto() of every member gives its group's row
    SELECT s.cod_produto::text, s.nome_produto::text,
           ARRAY(SELECT c FROM unnest(s.codigos) AS c ORDER BY c COLLATE "C") AS codigos,
           s.saldo_atual, s.qtd_carteira, s.qtd_pre_separacao, s.qtd_separacao,
           s.saldo_disponivel, s.previsao_ruptura_7d, s.data_ruptura, s.status_ruptura::text
      FROM esperado e, unnest(e.codigos) AS membro, estoque_cache_saldo_produto(membro) s
), fontes AS (
    SELECT * FROM esperado
), fontes_por_membro AS (
    SELECT e.* FROM esperado e, unnest(e.codigos) AS membro
), projecao_cache AS (
    SELECT e.cod_produto AS codigo, p.*
      FROM esperado e, estoque_cache_projecao(e.codigos[cardinality(e.codigos)]) p
), projecao_fontes AS (
    SELECT * FROM projecao_esperada WHERE codigo IN (SELECT cod_produto FROM esperado)
), grupo_cache AS (
    SELECT c.codigo, estoque_cache_principal(c.codigo) AS principal,
           ARRAY(SELECT x FROM unnest(estoque_cache_codigos(c.codigo)) AS x
                  ORDER BY x COLLATE "C") AS codigos,
           (estoque_cache_codigos(c.codigo))[1] AS primeiro
      FROM codigos_do_teste c
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
  FROM (SELECT * FROM por_produto EXCEPT ALL SELECT * FROM fontes_por_membro) x
UNION ALL
SELECT 'saldo_produto', 'fontes', x.cod_produto, x::text
  FROM (SELECT * FROM fontes_por_membro EXCEPT ALL SELECT * FROM por_produto) x
UNION ALL
SELECT 'projecao', 'cache', x.codigo, x::text
  FROM (SELECT * FROM projecao_cache EXCEPT SELECT * FROM projecao_fontes) x
UNION ALL
SELECT 'projecao', 'fontes', x.codigo, x::text
  FROM (SELECT * FROM projecao_fontes EXCEPT SELECT * FROM projecao_cache) x
UNION ALL
SELECT 'grupo', 'cache', x.codigo, x::text
  FROM (SELECT * FROM grupo_cache EXCEPT SELECT * FROM grupo_de_cada_codigo) x
UNION ALL
SELECT 'grupo', 'fontes', x.codigo, x::text
  FROM (SELECT * FROM grupo_de_cada_codigo EXCEPT SELECT * FROM grupo_cache) x
ORDER BY 1, 3, 2, 4;

-- the view as shown in this file
CREATE VIEW mostrar AS
SELECT cod_produto,
       ARRAY(SELECT c FROM unnest(codigos) AS c ORDER BY c COLLATE "C") AS codigos,
       trim_scale(saldo_atual) AS saldo, trim_scale(qtd_carteira) AS carteira,
       trim_scale(qtd_pre_separacao) AS pre_sep, trim_scale(qtd_separacao) AS sep,
       trim_scale(saldo_disponivel) AS disponivel, trim_scale(previsao_ruptura_7d) AS prev_7d,
       data_ruptura - d0() AS dia_ruptura, status_ruptura AS status
  FROM estoque_cache_saldo
 WHERE codigos && ARRAY(SELECT codigo FROM codigos_do_teste);

-- the groups as the cache has them (codes in groups of two or more)
CREATE VIEW grupos AS
SELECT * FROM (SELECT estoque_cache_principal(codigo) AS principal,
                      array_agg(codigo ORDER BY codigo COLLATE "C") AS codigos
                 FROM codigos_do_teste
                GROUP BY 1 HAVING count(*) > 1) g
 ORDER BY principal COLLATE "C";

\set checar 'SELECT count(*) AS verify FROM estoque_cache_verify(); SELECT * FROM diferencas;'

-- ---------------------------------------------------------------------------
-- Figures, then everything attached; no links yet: every code alone.
-- ---------------------------------------------------------------------------
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES
    ('1001', 10), ('1002', 20), ('1003', 30), ('1004', 40), ('1005', 5), ('1006', 6),
    ('900', 9), ('1000', 100), ('X9', 1), ('ABC-1', 0.5),
    ('12', 12), ('13', 13), ('0012', 1.2), ('0013', 1.3), ('-1', 1), ('-2', 2);
INSERT INTO carteira_principal (cod_produto, qtd_saldo_produto_pedido) VALUES
    ('1001', 1), ('1003', 2), ('1000', 3);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario, data_expedicao_editada, status) VALUES
    ('1002', 3, d0() + 1, 'CRIADO'), ('1004', 4, NULL, 'RECOMPOSTO');
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES
    ('1003', 5, d0() + 2), ('1005', 1, d0()), ('900', 50, d0() + 1);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao) VALUES
    ('1001', 7, d0() + 3), ('1004', 100, d0() + 10);
INSERT INTO cadastro_produto VALUES
    ('1001', 'AZEITONA VERDE POTE 200G'), ('1003', 'PALMITO EXTRA VIDRO 500G'),
    ('1004', 'PALMITO EXTRA BALDE 2KG'), ('1000', 'PEPINO LIGHT SACHE 7G');

SELECT j->>'fonte' AS fonte, j->>'tabela' AS tabela
  FROM (VALUES (estoque_cache_attach('movimentacao', 'movimentacao_estoque')),
               (estoque_cache_attach('carteira', 'carteira_principal')),
               (estoque_cache_attach('pre_separacao', 'pre_separacao_item')),
               (estoque_cache_attach('separacao', 'separacao')),
               (estoque_cache_attach('producao', 'programacao_producao')),
               (estoque_cache_attach_unificacao('unificacao_codigos')),
               (estoque_cache_attach_produtos('cadastro_produto'))) AS a(j);

SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1002', '1003', '1004') ORDER BY 1;
SELECT * FROM grupos;
:checar

-- ---------------------------------------------------------------------------
-- Two groups, then a bridge merges them, then removing the bridge splits them.
-- ---------------------------------------------------------------------------
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, motivo)
VALUES (1002, 1001, 'mesmo produto, embalagem nova');
-- {1001, 1002}: principal 1001, saldo 10 + 20 = 30, carteira 1, pre_sep 3
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1002') ORDER BY 1;
SELECT estoque_cache_principal('1002') AS principal, estoque_cache_codigos('1002') AS codigos;
:checar
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1003, 1004);
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1002', '1003', '1004') ORDER BY 1;
SELECT * FROM grupos;
:checar
-- the bridge 1002 - 1003: one group of four, principal 1001
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1002, 1003);
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1002', '1003', '1004') ORDER BY 1;
SELECT estoque_cache_principal('1004') AS principal, estoque_cache_codigos('1004') AS codigos;
:checar
-- the bridge removed: two groups again
DELETE FROM unificacao_codigos WHERE codigo_origem = 1002 AND codigo_destino = 1003;
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1002', '1003', '1004') ORDER BY 1;
SELECT * FROM grupos;
:checar

-- ---------------------------------------------------------------------------
-- A chain 1001 - 1002 - 1003 (transitive), then 1002's links removed.
-- ---------------------------------------------------------------------------
DELETE FROM unificacao_codigos WHERE codigo_origem = 1003 AND codigo_destino = 1004;
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1003, 1002);
-- 1001 and 1003 are not linked directly, yet they are one group
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1003', '1004') ORDER BY 1;
SELECT * FROM grupos;
:checar
DELETE FROM unificacao_codigos WHERE 1002 IN (codigo_origem, codigo_destino);
-- every code alone again
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1002', '1003') ORDER BY 1;
SELECT * FROM grupos;
SELECT estoque_cache_principal('1003') AS principal, estoque_cache_codigos('1003') AS codigos;
:checar

-- ---------------------------------------------------------------------------
-- A cycle; one link of it removed leaves a chain (still one group).
-- ---------------------------------------------------------------------------
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino)
VALUES (1001, 1002), (1002, 1003), (1003, 1001);
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1002', '1003') ORDER BY 1;
SELECT * FROM grupos;
:checar
DELETE FROM unificacao_codigos WHERE codigo_origem = 1003 AND codigo_destino = 1001;
SELECT * FROM grupos;
:checar

-- ---------------------------------------------------------------------------
-- A self-link makes no group; with another link it is harmless.
-- ---------------------------------------------------------------------------
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1005, 1005);
SELECT * FROM mostrar WHERE cod_produto IN ('1005', '1006') ORDER BY 1;
SELECT estoque_cache_principal('1005') AS principal, estoque_cache_codigos('1005') AS codigos;
:checar
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1006, 1005);
SELECT * FROM mostrar WHERE cod_produto IN ('1005', '1006') ORDER BY 1;
:checar
DELETE FROM unificacao_codigos WHERE codigo_origem = 1006;
SELECT * FROM mostrar WHERE cod_produto IN ('1005', '1006') ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- Inactive links do not count; flipping ativo merges and splits.
-- ---------------------------------------------------------------------------
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo) VALUES (1004, 1005, false);
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo) VALUES (1004, 1006, NULL);
SELECT * FROM mostrar WHERE cod_produto IN ('1004', '1005', '1006') ORDER BY 1;
:checar
UPDATE unificacao_codigos SET ativo = true WHERE codigo_origem = 1004;
SELECT * FROM mostrar WHERE cod_produto IN ('1004', '1005', '1006') ORDER BY 1;
SELECT * FROM grupos;
:checar
UPDATE unificacao_codigos SET ativo = false WHERE codigo_origem = 1004 AND codigo_destino = 1005;
SELECT * FROM mostrar WHERE cod_produto IN ('1004', '1005', '1006') ORDER BY 1;
SELECT * FROM grupos;
:checar
UPDATE unificacao_codigos SET ativo = NOT ativo WHERE codigo_origem = 1004;
SELECT * FROM grupos;
:checar

-- ---------------------------------------------------------------------------
-- The same link twice, and in both directions: removing one copy keeps the group.
-- ---------------------------------------------------------------------------
DELETE FROM unificacao_codigos WHERE codigo_origem = 1004;
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino)
VALUES (1004, 1005), (1004, 1005), (1005, 1004);
SELECT * FROM grupos;
:checar
DELETE FROM unificacao_codigos WHERE id = (SELECT min(id) FROM unificacao_codigos WHERE codigo_origem = 1004);
SELECT * FROM grupos;
:checar
DELETE FROM unificacao_codigos WHERE codigo_origem = 1004;
SELECT * FROM grupos;
:checar
DELETE FROM unificacao_codigos WHERE codigo_origem = 1005;
SELECT * FROM grupos;
:checar

-- ---------------------------------------------------------------------------
-- UPDATE of a link's codes moves a code from one group to another.
-- ---------------------------------------------------------------------------
-- now: {1001, 1002, 1003}; add {1004, 1005}
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1005, 1004);
SELECT * FROM grupos;
:checar
-- the link 1002 -> 1003 becomes 1002 -> 1004: 1003 leaves, 1002 joins the other
-- group through it, and 1001 follows 1002
UPDATE unificacao_codigos SET codigo_destino = 1004 WHERE codigo_origem = 1002 AND codigo_destino = 1003;
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1003', '1004') ORDER BY 1;
SELECT * FROM grupos;
:checar
-- the link 1005 -> 1004 becomes 1003 -> 1004 (its origin changes)
UPDATE unificacao_codigos SET codigo_origem = 1003 WHERE codigo_origem = 1005;
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1005') ORDER BY 1;
SELECT * FROM grupos;
:checar
-- one statement rewriting every link at once
UPDATE unificacao_codigos SET codigo_origem = codigo_destino, codigo_destino = codigo_origem;
SELECT * FROM grupos;
:checar
UPDATE unificacao_codigos SET codigo_destino = codigo_destino + 1 WHERE codigo_destino < 1006;
SELECT * FROM grupos;
:checar

-- ---------------------------------------------------------------------------
-- Writes to the sources while codes are grouped: the group's row follows.
-- ---------------------------------------------------------------------------
-- now {1003, 1004}
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('1004', -100);
UPDATE carteira_principal SET cod_produto = '1004' WHERE cod_produto = '1000';
UPDATE separacao SET expedicao = d0() + 4 WHERE cod_produto = '1003';
UPDATE pre_separacao_item SET cod_produto = '1003' WHERE cod_produto = '1004';
SELECT * FROM mostrar WHERE '1004' = ANY (codigos);
:checar

-- ---------------------------------------------------------------------------
-- Link changes rolled back (whole transaction, savepoint) leave no trace.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE antes AS SELECT * FROM mostrar;
CREATE TEMP TABLE grupos_antes AS SELECT * FROM grupos;
BEGIN;
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1001, 1006), (900, 1000);
SAVEPOINT s1;
DELETE FROM unificacao_codigos WHERE codigo_origem <> 900;
-- inside the transaction its own link changes are seen
SELECT * FROM grupos;
:checar
ROLLBACK TO SAVEPOINT s1;
SELECT * FROM grupos;
:checar
ROLLBACK;
SELECT * FROM (SELECT * FROM grupos EXCEPT SELECT * FROM grupos_antes) a
UNION ALL
SELECT * FROM (SELECT * FROM grupos_antes EXCEPT SELECT * FROM grupos) b;
SELECT * FROM (SELECT * FROM mostrar EXCEPT SELECT * FROM antes) a
UNION ALL
SELECT * FROM (SELECT * FROM antes EXCEPT SELECT * FROM mostrar) b;
:checar

-- ---------------------------------------------------------------------------
-- Folding and rebuilding change no group and no figure.
-- ---------------------------------------------------------------------------
-- every pending delta is committed (no other session writes): fold moves
-- them all
SELECT p.pendentes, estoque_cache_fold() AS movidas
  FROM (SELECT count(*) AS pendentes FROM estoque_cache.delta) AS p;
SELECT (r->>'linhas_corrigidas')::int AS linhas_corrigidas FROM estoque_cache_rebuild() AS r;
SELECT estoque_cache_refresh('1006') AS corrigidas;
SELECT * FROM (SELECT * FROM mostrar EXCEPT SELECT * FROM antes) a
UNION ALL
SELECT * FROM (SELECT * FROM antes EXCEPT SELECT * FROM mostrar) b;
:checar

-- ---------------------------------------------------------------------------
-- TRUNCATE of the link table: every code alone.
-- ---------------------------------------------------------------------------
TRUNCATE unificacao_codigos;
SELECT * FROM grupos;
SELECT * FROM mostrar WHERE cod_produto IN ('1001', '1002', '1003', '1004', '1005', '1006') ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- The principal: by integer value when every code is an integer, else by
-- byte order; codes are text, so '0012' and '12' are different codes.
-- ---------------------------------------------------------------------------
-- {900, 1000}: all integers, 900 < 1000
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1000, 900);
-- {-2, -1}: -2 < -1 as integers (as text '-1' < '-2')
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (-1, -2);
-- {12, 13} from the integer table
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (13, 12);
SELECT * FROM grupos;
-- estoque_cache_codigos() puts the principal first
SELECT c, estoque_cache_principal(c) AS principal, estoque_cache_codigos(c) AS codigos
  FROM unnest(ARRAY['1000', '-1', '13', '12']) AS c;
-- {900, 1000}: saldo 109, carteira 0 (moved to 1004 above), separacao 50 on day 1
SELECT * FROM mostrar WHERE cod_produto IN ('900', '1000', '-1', '-2') ORDER BY 1;
:checar
-- the order itself (estoque_cache.ordenar_codigos, which the folds and the
-- pending groups use): each code once, NULLs left out, integers by value
-- (negatives first), ties by byte order, any non-integer makes it byte order
SELECT estoque_cache.ordenar_codigos(
           ARRAY['13', '0012', '12', NULL, '-2', '-10', '-0', '0', '12']) AS inteiros,
       estoque_cache.ordenar_codigos(ARRAY['b', 'A', '10', '9', 'A']) AS texto,
       estoque_cache.ordenar_codigos('{}') AS vazio,
       estoque_cache.ordenar_codigos(ARRAY[NULL, NULL]::text[]) AS so_nulos,
       estoque_cache.ordenar_codigos(ARRAY[repeat('9', 100000), '10'])
           = ARRAY['10', repeat('9', 100000)] AS cem_mil_digitos;

-- the second link table, with text codes, attached as another unificacao
INSERT INTO unificacao_texto (codigo_origem, codigo_destino) VALUES
    ('X9', '900'),        -- joins {900, 1000}: not all integers now, '1000' < '900' < 'X9'
    ('0013', '0012'),     -- {0012, 0013}: integers, 12 < 13; not the group of '12'
    ('ABC-1', 'ABC-1');   -- self-link
SELECT estoque_cache_attach_unificacao('unificacao_texto') ->> 'fonte' AS fonte;
CREATE OR REPLACE VIEW links_esperados (a, b) AS
SELECT codigo_origem::text, codigo_destino::text FROM unificacao_codigos WHERE ativo
UNION ALL
SELECT codigo_origem::text, codigo_destino::text FROM unificacao_texto WHERE ativo;
SELECT * FROM grupos;
SELECT c, estoque_cache_principal(c) AS principal, estoque_cache_codigos(c) AS codigos
  FROM unnest(ARRAY['900', '1000', 'X9', '12', '13', '0012', '0013', 'ABC-1']) AS c;
SELECT * FROM mostrar WHERE cod_produto IN ('1000', '900', '12', '0012') ORDER BY 1;
:checar
-- links from the two tables add up: 13 - ABC-1 (text table) joins {12, 13}
-- (integer table); not all integers now: byte order, '12' first
INSERT INTO unificacao_texto (codigo_origem, codigo_destino) VALUES ('13', 'ABC-1');
SELECT * FROM grupos;
SELECT * FROM mostrar WHERE 'ABC-1' = ANY (codigos);
:checar
-- the text link X9 - 900 deactivated: {900, 1000} is all integers again
UPDATE unificacao_texto SET ativo = false WHERE codigo_origem = 'X9';
SELECT * FROM grupos;
SELECT * FROM mostrar WHERE cod_produto IN ('900', '1000', 'X9') ORDER BY 1;
:checar
UPDATE unificacao_texto SET ativo = true WHERE codigo_origem = 'X9';
SELECT * FROM grupos;
:checar

-- ---------------------------------------------------------------------------
-- Codes that appear only in links; names from the catalogue.
-- ---------------------------------------------------------------------------
-- 999 and 1007 have no figures; 999 becomes the principal of {999, 1003}
-- and 1007 is a member of {1001, 1007}
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (999, 1003), (1007, 1001);
SELECT * FROM grupos;
-- 999 has no name: the view shows a member's (1003's); 1001 shows its own
SELECT cod_produto, nome_produto, codigos, trim_scale(saldo_atual) AS saldo
  FROM estoque_cache_saldo WHERE cod_produto IN ('999', '1001', '1000', '1004') ORDER BY 1;
SELECT estoque_cache_principal('1007') AS principal, estoque_cache_codigos('1007') AS codigos;
:checar
-- the principal gets a name: it wins
INSERT INTO cadastro_produto VALUES ('999', 'PALMITO EXTRA VIDRO 500G (NOVO)');
SELECT cod_produto, nome_produto FROM estoque_cache_saldo WHERE cod_produto = '999';
:checar
-- names edited and removed
UPDATE cadastro_produto SET nome_produto = 'AZEITONA VERDE POTE 200G - SEM CAROCO' WHERE cod_produto = '1001';
DELETE FROM cadastro_produto WHERE cod_produto = '999';
SELECT cod_produto, nome_produto FROM estoque_cache_saldo WHERE cod_produto IN ('999', '1001') ORDER BY 1;
:checar
-- a code with a name and no group
SELECT cod_produto, nome_produto, codigos FROM estoque_cache_saldo WHERE cod_produto = '1004';
-- names follow the link changes: 1004 joins {999, 1003} while 1003 has no
-- name: the group shows 1004's
UPDATE cadastro_produto SET nome_produto = NULL WHERE cod_produto = '1003';
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1004, 999);
SELECT cod_produto, nome_produto, codigos FROM estoque_cache_saldo WHERE cod_produto = '999';
:checar
-- 1004 leaves again and 1003 gets its name back
DELETE FROM unificacao_codigos WHERE codigo_origem = 1004 AND codigo_destino = 999;
UPDATE cadastro_produto SET nome_produto = 'PALMITO EXTRA VIDRO 500G' WHERE cod_produto = '1003';
SELECT cod_produto, nome_produto, codigos FROM estoque_cache_saldo
 WHERE cod_produto IN ('999', '1004') ORDER BY 1;
:checar

-- ---------------------------------------------------------------------------
-- Detach, re-attach and DROP of a link table.
-- ---------------------------------------------------------------------------
SELECT estoque_cache_detach('unificacao_texto') ->> 'fonte' AS fonte;
CREATE OR REPLACE VIEW links_esperados (a, b) AS
SELECT codigo_origem::text, codigo_destino::text FROM unificacao_codigos WHERE ativo;
SELECT * FROM grupos;
:checar
SELECT estoque_cache_attach_unificacao('unificacao_texto') ->> 'fonte' AS fonte;
CREATE OR REPLACE VIEW links_esperados (a, b) AS
SELECT codigo_origem::text, codigo_destino::text FROM unificacao_codigos WHERE ativo
UNION ALL
SELECT codigo_origem::text, codigo_destino::text FROM unificacao_texto WHERE ativo;
SELECT * FROM grupos;
:checar
CREATE OR REPLACE VIEW links_esperados (a, b) AS
SELECT codigo_origem::text, codigo_destino::text FROM unificacao_codigos WHERE ativo;
DROP TABLE unificacao_texto;
SELECT * FROM grupos;
:checar

-- ---------------------------------------------------------------------------
-- Clean up.
-- ---------------------------------------------------------------------------
SELECT estoque_cache_detach(t) ->> 'fonte' AS fonte
  FROM unnest(ARRAY['movimentacao_estoque', 'carteira_principal', 'pre_separacao_item',
                    'separacao', 'programacao_producao', 'unificacao_codigos',
                    'cadastro_produto']::regclass[]) AS t;
SELECT count(*) AS anexos FROM estoque_cache.anexo a JOIN pg_class c ON c.oid = a.tabela
 WHERE c.relnamespace = 't03'::regnamespace;
SELECT count(*) AS codigos_agrupados FROM estoque_cache.grupo
 WHERE codigo IN (SELECT codigo FROM codigos_do_teste);
SELECT count(*) AS nomes FROM estoque_cache.nome
 WHERE codigo IN (SELECT codigo FROM codigos_do_teste);
SELECT * FROM mostrar;
SELECT count(*) AS verify FROM estoque_cache_verify();
DROP SCHEMA t03 CASCADE;
RESET search_path;
