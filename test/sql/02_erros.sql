--
-- 02_erros: bad input gets a clear error (SQLSTATE, message, hint) and
-- changes nothing (SPEC section 6).
--
-- tentar(comando) runs one statement that must fail and shows its SQLSTATE,
-- message, detail and hint, and whether anything changed: nada_mudou compares
-- the number of attachments, of triggers on this test's tables, of rows in
-- the cache tables, and the settings, before and after.  Every bad attach
-- is made against tables that already have rows, so a partial build would
-- show.  At the end, the same tables are attached for real, which would fail
-- if a bad attempt had left a trigger or an attachment behind.
--
\set SHOW_CONTEXT never
\pset null '<null>'
SET client_min_messages = warning;

SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') AS config;

CREATE SCHEMA t02;
SET search_path = t02, public;

-- ---------------------------------------------------------------------------
-- Tables.
-- ---------------------------------------------------------------------------
CREATE TABLE movimentacao_estoque (
    id                bigserial PRIMARY KEY,
    cod_produto       varchar(50),
    qtd_movimentacao  numeric(15,3),
    data_movimentacao date,
    ativo             boolean DEFAULT true,
    criado_em         timestamptz DEFAULT now()
);
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, data_movimentacao)
VALUES ('4102001', 100, current_date), ('4102002', 7.5, current_date);

-- every column of a wrong type for its role
CREATE TABLE tipos_errados (
    id            serial PRIMARY KEY,
    cod_produto   varchar(50),
    codigos       varchar(50)[],
    foto          bytea,
    qtd_texto     text,
    qtd_dinheiro  money,
    qtd_numeric   numeric(15,3),
    data_tz       timestamptz,
    data_texto    text,
    data_ok       date,
    ativo         boolean DEFAULT true,
    status        varchar(20)
);
INSERT INTO tipos_errados (cod_produto, codigos, foto, qtd_texto, qtd_dinheiro, qtd_numeric,
                           data_tz, data_texto, data_ok, status)
VALUES ('4102001', '{4102001,4102002}', '\x00', '10', 10, 10, now(), '2030-01-01',
        current_date, 'CRIADO');

CREATE TABLE unificacao_codigos (
    id             serial PRIMARY KEY,
    codigo_origem  integer NOT NULL,
    codigo_destino integer NOT NULL,
    ativo          boolean DEFAULT true
);
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (4102001, 4102002);

CREATE TABLE cadastro_produto (
    cod_produto  varchar(50) PRIMARY KEY,
    nome_produto varchar(255)
);
INSERT INTO cadastro_produto VALUES ('4102001', 'PALMITO PREMIUM VIDRO 500G');

-- relations that are not ordinary tables
CREATE VIEW movimentacao_visao AS SELECT * FROM movimentacao_estoque;
CREATE MATERIALIZED VIEW movimentacao_materializada AS SELECT * FROM movimentacao_estoque;
CREATE SEQUENCE sequencia;
CREATE TABLE movimentacao_particionada (
    cod_produto      varchar(50),
    qtd_movimentacao numeric(15,3),
    ativo            boolean
) PARTITION BY LIST (ativo);
CREATE TABLE movimentacao_particionada_ativa PARTITION OF movimentacao_particionada
    FOR VALUES IN (true);
CREATE TABLE movimentacao_mae (
    cod_produto      varchar(50),
    qtd_movimentacao numeric(15,3),
    ativo            boolean
);
CREATE TABLE movimentacao_filha () INHERITS (movimentacao_mae);
CREATE TEMP TABLE movimentacao_temporaria (
    cod_produto      varchar(50),
    qtd_movimentacao numeric(15,3),
    ativo            boolean
);

-- the table that injection attempts would drop
CREATE TABLE alvo (id integer);

-- ---------------------------------------------------------------------------
-- Helpers.
-- ---------------------------------------------------------------------------
CREATE VIEW situacao AS
SELECT (SELECT count(*) FROM estoque_cache.anexo) AS anexos,
       (SELECT count(*) FROM estoque_cache.anexo a JOIN pg_class c ON c.oid = a.tabela
         WHERE c.relnamespace = 't02'::regnamespace) AS anexos_t02,
       (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace IN ('t02'::regnamespace, pg_my_temp_schema())
           AND NOT t.tgisinternal) AS gatilhos,
       (SELECT count(*) FROM estoque_cache.saldo)
         + (SELECT count(*) FROM estoque_cache.delta) AS linhas_cache,
       (SELECT count(*) FROM estoque_cache.aresta)
         + (SELECT count(*) FROM estoque_cache.grupo)
         + (SELECT count(*) FROM estoque_cache.nome) AS linhas_codigos,
       (SELECT to_jsonb(c) - 'hoje' FROM estoque_cache.config() c) AS configuracao,
       to_regclass('t02.alvo') IS NOT NULL AS alvo_existe;

CREATE FUNCTION tentar(comando text)
    RETURNS TABLE (estado text, mensagem text, detalhe text, dica text, nada_mudou boolean)
    LANGUAGE plpgsql AS $$
DECLARE
    antes jsonb := (SELECT to_jsonb(s) FROM t02.situacao s);
BEGIN
    BEGIN
        EXECUTE comando;
        estado := 'sem erro';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS estado = RETURNED_SQLSTATE, mensagem = MESSAGE_TEXT,
                                detalhe = PG_EXCEPTION_DETAIL, dica = PG_EXCEPTION_HINT;
    END;
    -- attachment ids depend on what ran before
    detalhe := regexp_replace(nullif(detalhe, ''), 'attachment [0-9]+', 'attachment N');
    dica := nullif(dica, '');
    nada_mudou := antes = (SELECT to_jsonb(s) FROM t02.situacao s);
    RETURN NEXT;
END;
$$;

-- nothing attached from this schema yet
SELECT anexos_t02, gatilhos, alvo_existe FROM situacao;

\x on

-- ---------------------------------------------------------------------------
-- Unknown or NULL fonte, NULL or missing table.
-- ---------------------------------------------------------------------------
SELECT * FROM tentar($$SELECT estoque_cache_attach('estoque', 'movimentacao_estoque')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('Movimentacao', 'movimentacao_estoque')$$);
-- the link table and the catalogue have their own functions
SELECT * FROM tentar($$SELECT estoque_cache_attach('unificacao', 'unificacao_codigos')$$);
-- NULL arguments: 22004 (null_value_not_allowed), like a NULL tabela
SELECT estado, mensagem FROM tentar($$SELECT estoque_cache_attach(NULL, 'movimentacao_estoque')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', NULL)$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_unificacao(NULL)$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_produtos(NULL)$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'nao_existe')$$);
-- the default link table, unificacao_codigos, is not in the search_path
SET search_path = public;
SELECT * FROM t02.tentar($$SELECT estoque_cache_attach_unificacao()$$);
SET search_path = t02, public;

-- ---------------------------------------------------------------------------
-- Columns that do not exist.
-- ---------------------------------------------------------------------------
-- carteira's defaults name columns this table does not have (the hint's
-- example must fit the column's role: checked below as dica_coerente)
SELECT estado, mensagem, detalhe, dica IS NOT NULL AS tem_dica,
       dica NOT LIKE '%=> ''cod_produto''%' AS dica_coerente, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach('carteira', 'movimentacao_estoque')$$);
SELECT estado, mensagem, detalhe, dica IS NOT NULL AS tem_dica, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                            produto => 'codigo')$$);
-- names are matched exactly: no case folding
SELECT estado, mensagem, detalhe, dica IS NOT NULL AS tem_dica, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                            produto => 'COD_PRODUTO')$$);
-- the hint's example must fit the column's role: it must not suggest the
-- code column, cod_produto, as the quantity, date, destino or nome column
SELECT estado, mensagem, detalhe, dica IS NOT NULL AS tem_dica,
       dica NOT LIKE '%=> ''cod_produto''%' AS dica_coerente, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                            quantidade => 'quantidade')$$);
SELECT estado, mensagem, detalhe, dica IS NOT NULL AS tem_dica,
       dica NOT LIKE '%=> ''cod_produto''%' AS dica_coerente, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach('separacao', 'movimentacao_estoque',
                                            quantidade => 'qtd_movimentacao', filtro => 'true')$$);
-- a system column is not a column of the table's data
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   produto => 'ctid')$$);
SELECT estado, mensagem, detalhe, dica IS NOT NULL AS tem_dica,
       dica NOT LIKE '%=> ''cod_produto''%' AS dica_coerente, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach_unificacao('unificacao_codigos',
                                                       destino => 'codigo_para')$$);
SELECT estado, mensagem, detalhe, dica IS NOT NULL AS tem_dica,
       dica NOT LIKE '%=> ''cod_produto''%' AS dica_coerente, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach_produtos('cadastro_produto',
                                                     nome => 'descricao')$$);

-- ---------------------------------------------------------------------------
-- Columns of the wrong type.
-- ---------------------------------------------------------------------------
-- quantity as text, as money
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'tipos_errados',
                                                   quantidade => 'qtd_texto')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'tipos_errados',
                                                   quantidade => 'qtd_dinheiro')$$);
-- date as timestamptz (the day depends on the session's time zone), as text
SELECT * FROM tentar($$SELECT estoque_cache_attach('separacao', 'tipos_errados',
                                                   quantidade => 'qtd_numeric',
                                                   data => 'data_tz', filtro => 'true')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('producao', 'tipos_errados',
                                                   quantidade => 'qtd_numeric',
                                                   data => 'data_texto')$$);
-- code as an array, as bytea
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'tipos_errados',
                                                   produto => 'codigos',
                                                   quantidade => 'qtd_numeric')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'tipos_errados',
                                                   produto => 'foto',
                                                   quantidade => 'qtd_numeric')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_unificacao('tipos_errados', 'cod_produto',
                                                              'codigos', 'true')$$);

-- ---------------------------------------------------------------------------
-- Filters.
-- ---------------------------------------------------------------------------
-- does not parse
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'ativo AND')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => '(ativo')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'ativo = = true')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => '')$$);
-- names a column the table does not have
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'cancelado = false')$$);
-- not boolean
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'qtd_movimentacao')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => '1')$$);
-- subqueries, aggregates, window and set-returning functions
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'ativo AND EXISTS (SELECT 1 FROM alvo)')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'cod_produto IN (SELECT cod_produto FROM cadastro_produto)')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'sum(qtd_movimentacao) > 0')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'row_number() OVER () > 1')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'generate_series(1, 2) > 1')$$);
-- not immutable: the result would change without any write to the table
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'criado_em > now() - interval ''30 days''')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'random() < 0.5')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'data_movimentacao >= current_date')$$);
-- timestamptz to text depends on the session's TimeZone
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'criado_em::text > ''2020''')$$);
-- system columns
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'xmin <> ''0''::xid')$$);
-- an immutable filter that fails on the table's rows: the attach fails as a whole
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'qtd_movimentacao / 0 > 1')$$);

-- ---------------------------------------------------------------------------
-- Filters trying to escape into the surrounding query.
-- ---------------------------------------------------------------------------
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'true) OR (1=1')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'ativo; DROP TABLE alvo')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'ativo); DROP TABLE alvo; SELECT (true')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'true FROM pg_class')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'ativo UNION SELECT true')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'ativo AS x')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                                   filtro => 'ativo, true')$$);
-- column names trying the same
SELECT estado, mensagem, detalhe, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                            produto => 'cod_produto; DROP TABLE alvo')$$);
SELECT estado, mensagem, detalhe, nada_mudou
  FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque',
                                            quantidade => 'qtd_movimentacao" FROM alvo; --')$$);
\x off
SELECT anexos_t02, gatilhos, alvo_existe FROM situacao;

-- ---------------------------------------------------------------------------
-- Relations that cannot be attached.
-- ---------------------------------------------------------------------------
\x on
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_visao')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_materializada')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'sequencia')$$);
-- a partition (its partitioned table is what is attached), a partitioned
-- table as links, and table inheritance
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_particionada_ativa')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_unificacao('movimentacao_particionada',
                                                              'cod_produto', 'cod_produto')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_mae')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_filha')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_temporaria')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_unificacao('movimentacao_visao',
                                                              'cod_produto', 'cod_produto')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_produtos('movimentacao_visao', 'cod_produto',
                                                            'cod_produto')$$);
\x off

-- ---------------------------------------------------------------------------
-- After all that, the tables attach cleanly: no trigger or attachment was
-- left behind by the failed attempts.
-- ---------------------------------------------------------------------------
SELECT anexos_t02, gatilhos, alvo_existe FROM situacao;
SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque') ->> 'linhas' AS linhas;
SELECT estoque_cache_attach_unificacao('unificacao_codigos') ->> 'linhas' IS NOT NULL AS unificacao;
SELECT estoque_cache_attach_produtos('cadastro_produto') ->> 'linhas' AS linhas;
SELECT c.relname, count(*) >= 4 AS gatilhos
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 't02'::regnamespace AND NOT t.tgisinternal
 GROUP BY c.relname ORDER BY 1;
SELECT cod_produto, nome_produto, codigos, trim_scale(saldo_atual) AS saldo_atual
  FROM estoque_cache_saldo WHERE '4102001' = ANY (codigos);
SELECT count(*) AS verify FROM estoque_cache_verify();

-- hostile but valid identifiers are quoted wherever they are used; a comment
-- in the filter does not swallow what follows it where the filter is used
CREATE TABLE "Saída; DROP TABLE alvo; --" (
    "cod""produto" varchar(50),
    "qtd) FROM alvo; --" numeric(15,3),
    "ativo'" boolean DEFAULT true
);
INSERT INTO "Saída; DROP TABLE alvo; --" VALUES ('4102003', 4, true), ('4102003', 40, false);
SELECT estoque_cache_attach('movimentacao', '"Saída; DROP TABLE alvo; --"',
                            produto => 'cod"produto', quantidade => 'qtd) FROM alvo; --',
                            filtro => '"ativo''" -- comentário') ->> 'linhas' AS linhas;
INSERT INTO "Saída; DROP TABLE alvo; --" VALUES ('4102003', 0.5, true);
UPDATE "Saída; DROP TABLE alvo; --" SET "ativo'" = NOT "ativo'" WHERE "qtd) FROM alvo; --" = 40;
SELECT cod_produto, trim_scale(saldo_atual) AS saldo_atual
  FROM estoque_cache_saldo WHERE cod_produto = '4102003';
SELECT estoque_cache_refresh() AS corrigidas;
SELECT count(*) AS verify FROM estoque_cache_verify();
SELECT anexos_t02, gatilhos > 0 AS gatilhos, alvo_existe FROM situacao;

-- ---------------------------------------------------------------------------
-- Attaching the same table twice, under any function.
-- ---------------------------------------------------------------------------
\x on
SELECT * FROM tentar($$SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach('carteira', 'movimentacao_estoque',
                                                   quantidade => 'qtd_movimentacao',
                                                   filtro => 'ativo')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_unificacao('unificacao_codigos')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_produtos('cadastro_produto')$$);
SELECT * FROM tentar($$SELECT estoque_cache_attach_unificacao('movimentacao_estoque',
                                                              'cod_produto', 'cod_produto')$$);

-- ---------------------------------------------------------------------------
-- Detaching a table that is not attached.
-- ---------------------------------------------------------------------------
SELECT * FROM tentar($$SELECT estoque_cache_detach('tipos_errados')$$);
SELECT * FROM tentar($$SELECT estoque_cache_detach('movimentacao_visao')$$);
SELECT estado, mensagem FROM tentar($$SELECT estoque_cache_detach(NULL)$$);
SELECT * FROM tentar($$SELECT estoque_cache_detach('nao_existe')$$);

-- ---------------------------------------------------------------------------
-- Settings.
-- ---------------------------------------------------------------------------
-- the critical window must be inside the horizon
SELECT * FROM tentar($$SELECT estoque_cache_configurar(janela_critica_dias => 29)$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(janela_critica_dias => 40)$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(horizonte_dias => 7)$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(janela_critica_dias => -1)$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(horizonte_dias => 0)$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(horizonte_dias => 367)$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(estoque_minimo => 'NaN')$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(fuso_horario => 'America/Sao_Paul')$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(fuso_horario => 'Marte/Olympus_Mons')$$);
SELECT * FROM tentar($$SELECT estoque_cache_configurar(fuso_horario => '')$$);
-- a bad value next to good ones: none of them is applied
SELECT * FROM tentar($$SELECT estoque_cache_configurar(60, 10, 5, 'Nowhere/Nada')$$);
\x off
SELECT configuracao FROM situacao;

-- ---------------------------------------------------------------------------
-- Read functions and fold.
-- ---------------------------------------------------------------------------
\x on
SELECT * FROM tentar($$SELECT * FROM estoque_cache_projecao('4102001', 0)$$);
SELECT * FROM tentar($$SELECT * FROM estoque_cache_projecao('4102001', -5)$$);
SELECT * FROM tentar($$SELECT * FROM estoque_cache_projecao('4102001', 3661)$$);
SELECT * FROM tentar($$SELECT * FROM estoque_cache_projecao(NULL)$$);
SELECT * FROM tentar($$SELECT * FROM estoque_cache_projecao('4102001', 5, 'infinity')$$);
SELECT * FROM tentar($$SELECT estoque_cache_fold(0)$$);
SELECT * FROM tentar($$SELECT estoque_cache_fold(-1)$$);
\x off
-- the limits themselves are accepted
SELECT count(*) AS dias FROM estoque_cache_projecao('4102001', 1);
SELECT count(*) AS dias FROM estoque_cache_projecao('4102001', 3660);
-- an unknown code is not an error: a group of one with nothing (dias rows of
-- zeros), and NULL
SELECT count(*) AS dias, count(*) FILTER (WHERE estoque_final = 0) AS zeros
  FROM estoque_cache_projecao('nao-existe');
SELECT estoque_cache_produto('nao-existe') IS NULL AS produto_nulo;

-- ---------------------------------------------------------------------------
-- Clean up.
-- ---------------------------------------------------------------------------
SELECT count(*) AS verify FROM estoque_cache_verify();
SELECT estoque_cache_detach(t) ->> 'fonte' AS fonte
  FROM unnest(ARRAY['movimentacao_estoque', 'unificacao_codigos', 'cadastro_produto',
                    '"Saída; DROP TABLE alvo; --"']::regclass[]) AS t;
SELECT anexos_t02, gatilhos, alvo_existe FROM situacao;
SELECT count(*) AS linhas_na_view FROM estoque_cache_saldo WHERE codigos && '{4102001,4102002,4102003}';
DROP TABLE movimentacao_temporaria;
DROP SCHEMA t02 CASCADE;
RESET search_path;
