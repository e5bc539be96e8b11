-- An oracle for the tests: what estoque_cache_saldo and
-- estoque_cache_projecao must show, computed from the application's tables
-- in plain SQL, written from the specification alone (SPEC sections 2-4).
-- It calls no function of the extension and shares no code with it; the only
-- thing it reads from the extension is the settings row
-- (estoque_cache.configuracao), and only for a setting not passed as an
-- argument.  D0 is the date in the configured time zone, computed here.
--
-- It reads the application's tables with their default names, columns and
-- filters (SPEC section 2) and the sample data's catalogue:
--   movimentacao_estoque  cod_produto, qtd_movimentacao           ativo
--   carteira_principal    cod_produto, qtd_saldo_produto_pedido   ativo AND separacao_lote_id IS NULL
--   pre_separacao_item    cod_produto, qtd_selecionada_usuario, data_expedicao_editada
--                                                                 status IN ('CRIADO','RECOMPOSTO')
--   separacao             cod_produto, qtd_saldo, expedicao       sincronizado_nf IS NOT TRUE
--   programacao_producao  cod_produto, qtd_programada, data_programacao
--   unificacao_codigos    codigo_origem, codigo_destino           ativo
--   cadastro_produto      cod_produto, nome_produto
-- so it fits a database where those tables exist and are attached with the
-- defaults (scripts/dados_exemplo.sql and estoque_cache_attach with no
-- arguments beyond the table).
--
-- Load it with psql -f after the tables exist.  Functions, all in schema
-- oraculo and all STABLE (one statement reads one snapshot):
--
--   configuracao()           horizonte, janela, minimo, fuso: the settings row,
--                            or SPEC's defaults (29, 7, 10, America/Sao_Paulo)
--   hoje()                   D0: now() in the configured time zone
--   grupos(tambem)           every known code (in a link, in a source row, or
--                            listed in tambem) with its group's principal and
--                            members (members in byte order)
--   linhas_extras            (a view) rows of other tables attached beside the
--                            default ones; empty unless a test replaces it
--   linhas()                 every source row that counts: code, fonte, date,
--                            quantity as numeric
--   projecao_grupos(hoje, dias, tambem)
--                            the projection of every group, day by day
--   projecao(produto, dias, data_base)
--                            what estoque_cache_projecao(produto, dias,
--                            data_base) must return
--   saldo(hoje, horizonte, janela, minimo, tambem)
--                            one row per group with the view's columns (but
--                            atualizado_em) plus deve_aparecer: whether the view
--                            must show the group (something to show, SPEC 5)
--   diferencas(hoje, horizonte, janela, minimo)
--                            every way estoque_cache_saldo differs from saldo();
--                            no rows when the view is right
--
-- Every parameter may be NULL (or left out): the setting from
-- configuracao(), and D0 from hoje().

CREATE SCHEMA IF NOT EXISTS oraculo;

-- Rows of tables attached beside the default ones (SPEC 2: several tables
-- may be attached to one fonte; their contributions add up).  Empty here; a
-- test that attaches another table replaces this view with that table's
-- rows that count, written by hand (CREATE OR REPLACE VIEW, same columns).
CREATE OR REPLACE VIEW oraculo.linhas_extras (codigo, fonte, data, q) AS
SELECT NULL::text, NULL::text, NULL::date, NULL::numeric WHERE false;

CREATE OR REPLACE FUNCTION oraculo.configuracao(
    OUT horizonte integer, OUT janela integer, OUT minimo numeric, OUT fuso text)
    LANGUAGE plpgsql STABLE
AS $$
BEGIN
    horizonte := 29;
    janela := 7;
    minimo := 10;
    fuso := 'America/Sao_Paulo';
    IF to_regclass('estoque_cache.configuracao') IS NOT NULL THEN
        EXECUTE 'SELECT horizonte_dias, janela_critica_dias, estoque_minimo, fuso_horario
                   FROM estoque_cache.configuracao'
           INTO horizonte, janela, minimo, fuso;
        horizonte := coalesce(horizonte, 29);
        janela := coalesce(janela, 7);
        minimo := coalesce(minimo, 10);
        fuso := coalesce(fuso, 'America/Sao_Paulo');
    END IF;
END;
$$;

-- D0: the transaction's start time seen in the configured zone, as a date.
CREATE OR REPLACE FUNCTION oraculo.hoje() RETURNS date
    LANGUAGE sql STABLE
AS $$
    SELECT (now() AT TIME ZONE c.fuso)::date FROM oraculo.configuracao() c
$$;

-- Groups: connected components of the active links (SPEC 4).  A code in no
-- link is a group of one.  The principal is the smallest member, by integer
-- value when every member is an integer, else in byte order.
CREATE OR REPLACE FUNCTION oraculo.grupos(tambem text[] DEFAULT '{}')
    RETURNS TABLE (codigo text, principal text, membros text[])
    LANGUAGE sql STABLE
AS $$
WITH RECURSIVE
ligacao AS (
    SELECT codigo_origem::text AS x, codigo_destino::text AS y
      FROM unificacao_codigos
     WHERE ativo IS TRUE AND codigo_origem IS NOT NULL AND codigo_destino IS NOT NULL
),
aresta AS (
    SELECT x, y FROM ligacao
    UNION
    SELECT y, x FROM ligacao
    UNION
    SELECT x, x FROM ligacao
    UNION
    SELECT y, y FROM ligacao
),
alcance (codigo, membro) AS (
    SELECT x, y FROM aresta
    UNION
    SELECT a.codigo, e.y FROM alcance a JOIN aresta e ON e.x = a.membro
),
ligado AS (
    SELECT a.codigo,
           array_agg(a.membro ORDER BY a.membro COLLATE "C") AS membros,
           bool_and(a.membro ~ '^-?[0-9]+$') AS inteiros
      FROM alcance a
     GROUP BY a.codigo
),
sozinho AS (
    SELECT c AS codigo FROM (
        SELECT cod_produto::text FROM movimentacao_estoque
        UNION SELECT cod_produto::text FROM carteira_principal
        UNION SELECT cod_produto::text FROM pre_separacao_item
        UNION SELECT cod_produto::text FROM separacao
        UNION SELECT cod_produto::text FROM programacao_producao
        UNION SELECT e.codigo FROM oraculo.linhas_extras e
        UNION SELECT unnest(coalesce(grupos.tambem, '{}'))
    ) AS t (c)
     WHERE c IS NOT NULL AND c NOT IN (SELECT l.codigo FROM ligado l)
)
SELECT l.codigo,
       (SELECT m FROM unnest(l.membros) AS m
         ORDER BY CASE WHEN l.inteiros THEN m::numeric END, m COLLATE "C"
         LIMIT 1),
       l.membros
  FROM ligado l
UNION ALL
SELECT s.codigo, s.codigo, ARRAY[s.codigo] FROM sozinho s
$$;

-- Source rows that count (SPEC 2): filter true, code not NULL, quantity a
-- finite number (README: a NULL, NaN or infinite quantity does not count).
CREATE OR REPLACE FUNCTION oraculo.linhas()
    RETURNS TABLE (codigo text, fonte text, data date, q numeric)
    LANGUAGE sql STABLE
AS $$
SELECT l.codigo, l.fonte, l.data, l.q
  FROM (
    SELECT cod_produto::text, 'movimentacao', NULL::date, qtd_movimentacao::numeric
      FROM movimentacao_estoque WHERE ativo IS TRUE
    UNION ALL
    SELECT cod_produto::text, 'carteira', NULL::date, qtd_saldo_produto_pedido::numeric
      FROM carteira_principal WHERE (ativo AND separacao_lote_id IS NULL) IS TRUE
    UNION ALL
    SELECT cod_produto::text, 'pre_separacao', data_expedicao_editada::date,
           qtd_selecionada_usuario::numeric
      FROM pre_separacao_item WHERE status IN ('CRIADO', 'RECOMPOSTO')
    UNION ALL
    SELECT cod_produto::text, 'separacao', expedicao::date, qtd_saldo::numeric
      FROM separacao WHERE sincronizado_nf IS NOT TRUE
    UNION ALL
    SELECT cod_produto::text, 'producao', data_programacao::date, qtd_programada::numeric
      FROM programacao_producao
    UNION ALL
    SELECT e.codigo, e.fonte, e.data, e.q FROM oraculo.linhas_extras e
  ) AS l (codigo, fonte, data, q)
 WHERE l.codigo IS NOT NULL AND l.q IS NOT NULL
   AND l.q NOT IN ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric)
$$;

-- The projection of every group over `dias` days from `hoje` (SPEC 3):
-- exits (pre-separação, separação) on their day, or on D0 when dated before
-- D0 or undated; production on its day, ignored when before D0 or undated;
-- carteira not at all.  Day by day, one row per group and day.
CREATE OR REPLACE FUNCTION oraculo.projecao_grupos(hoje date DEFAULT NULL,
                                                   dias integer DEFAULT NULL,
                                                   tambem text[] DEFAULT '{}')
    RETURNS TABLE (principal text, dia integer, data date, estoque_inicial numeric,
                   saida_prevista numeric, producao_programada numeric,
                   estoque_final numeric)
    LANGUAGE sql STABLE
AS $$
WITH
par AS (
    SELECT coalesce(projecao_grupos.hoje, oraculo.hoje()) AS d0,
           coalesce(projecao_grupos.dias, (SELECT c.horizonte FROM oraculo.configuracao() c))
               AS n
),
grupo AS (
    SELECT * FROM oraculo.grupos(projecao_grupos.tambem)
),
saldo AS (
    SELECT g.principal, coalesce(sum(l.q) FILTER (WHERE l.fonte = 'movimentacao'), 0) AS s
      FROM grupo g LEFT JOIN oraculo.linhas() l ON l.codigo = g.codigo
     GROUP BY g.principal
),
-- the day of the projection each exit and production falls on (NULL: none)
evento AS (
    SELECT g.principal, l.q,
           l.fonte = 'producao' AS producao,
           CASE WHEN l.fonte IN ('pre_separacao', 'separacao')
                     AND (l.data IS NULL OR l.data < par.d0) THEN 0
                WHEN l.data IS NULL OR l.data < par.d0 OR l.data >= par.d0 + par.n THEN NULL
                ELSE l.data - par.d0
           END AS dia
      FROM oraculo.linhas() l
      JOIN grupo g ON g.codigo = l.codigo
      CROSS JOIN par
     WHERE l.fonte IN ('pre_separacao', 'separacao', 'producao')
),
por_dia AS (
    SELECT e.principal, e.dia,
           coalesce(sum(e.q) FILTER (WHERE NOT e.producao), 0) AS saida,
           coalesce(sum(e.q) FILTER (WHERE e.producao), 0) AS producao
      FROM evento e
     WHERE e.dia IS NOT NULL
     GROUP BY e.principal, e.dia
),
fluxo AS (
    SELECT s.principal, d.dia, par.d0 + d.dia AS data, s.s,
           coalesce(p.saida, 0) AS saida, coalesce(p.producao, 0) AS producao
      FROM saldo s
      CROSS JOIN par
      CROSS JOIN LATERAL generate_series(0, par.n - 1) AS d (dia)
      LEFT JOIN por_dia p ON p.principal = s.principal AND p.dia = d.dia
),
acumulado AS (
    SELECT f.*,
           f.s + sum(f.producao - f.saida) OVER (PARTITION BY f.principal ORDER BY f.dia) AS final
      FROM fluxo f
)
SELECT a.principal, a.dia, a.data, a.final - a.producao + a.saida, a.saida, a.producao, a.final
  FROM acumulado a
$$;

-- What estoque_cache_projecao(produto, dias, data_base) must return: any
-- member code resolves to its group; an unknown code is a group of one.
CREATE OR REPLACE FUNCTION oraculo.projecao(produto text, dias integer DEFAULT NULL,
                                            data_base date DEFAULT NULL)
    RETURNS TABLE (dia integer, data date, estoque_inicial numeric, saida_prevista numeric,
                   producao_programada numeric, estoque_final numeric)
    LANGUAGE sql STABLE
AS $$
SELECT p.dia, p.data, p.estoque_inicial, p.saida_prevista, p.producao_programada,
       p.estoque_final
  FROM oraculo.projecao_grupos(projecao.data_base, projecao.dias, ARRAY[projecao.produto]) p
 WHERE p.principal = (SELECT g.principal FROM oraculo.grupos(ARRAY[projecao.produto]) g
                       WHERE g.codigo = projecao.produto)
 ORDER BY p.dia
$$;

-- The view's rows (SPEC 3 and 5), one per group of oraculo.grupos(tambem).
CREATE OR REPLACE FUNCTION oraculo.saldo(hoje date DEFAULT NULL, horizonte integer DEFAULT NULL,
                                         janela integer DEFAULT NULL,
                                         minimo numeric DEFAULT NULL,
                                         tambem text[] DEFAULT '{}')
    RETURNS TABLE (cod_produto text, nome_produto text, codigos text[], saldo_atual numeric,
                   qtd_carteira numeric, qtd_pre_separacao numeric, qtd_separacao numeric,
                   saldo_disponivel numeric, previsao_ruptura_7d numeric, data_ruptura date,
                   status_ruptura text, deve_aparecer boolean)
    LANGUAGE sql STABLE
AS $$
WITH
cfg AS (
    SELECT coalesce(saldo.hoje, oraculo.hoje()) AS d0,
           coalesce(saldo.horizonte, c.horizonte) AS h,
           coalesce(saldo.janela, c.janela) AS j,
           coalesce(saldo.minimo, c.minimo) AS m
      FROM oraculo.configuracao() c
),
grupo AS (
    SELECT * FROM oraculo.grupos(saldo.tambem)
),
total AS (
    SELECT g.principal, g.membros,
           coalesce(sum(l.q) FILTER (WHERE l.fonte = 'movimentacao'), 0) AS saldo_atual,
           coalesce(sum(l.q) FILTER (WHERE l.fonte = 'carteira'), 0) AS qtd_carteira,
           coalesce(sum(l.q) FILTER (WHERE l.fonte = 'pre_separacao'), 0) AS qtd_pre_separacao,
           coalesce(sum(l.q) FILTER (WHERE l.fonte = 'separacao'), 0) AS qtd_separacao
      FROM grupo g
      LEFT JOIN oraculo.linhas() l ON l.codigo = g.codigo
     GROUP BY g.principal, g.membros
),
projecao AS (
    SELECT p.* FROM cfg, oraculo.projecao_grupos(cfg.d0, cfg.h, saldo.tambem) p
),
risco AS (
    SELECT p.principal,
           min(p.estoque_final) FILTER (WHERE p.dia <= cfg.j) AS previsao,
           min(p.data) FILTER (WHERE p.estoque_final < 0) AS data_ruptura,
           coalesce(bool_or(p.estoque_final < 0) FILTER (WHERE p.dia <= cfg.j), false)
               AS negativo_na_janela,
           bool_or(p.estoque_final < 0) AS negativo,
           bool_or(p.saida_prevista <> 0 OR p.producao_programada <> 0) AS movimento
      FROM projecao p CROSS JOIN cfg
     GROUP BY p.principal
)
SELECT t.principal,
       (SELECT c.nome_produto::text FROM cadastro_produto c
         WHERE c.cod_produto::text = t.principal),
       t.membros,
       t.saldo_atual, t.qtd_carteira, t.qtd_pre_separacao, t.qtd_separacao,
       t.saldo_atual - t.qtd_carteira - t.qtd_pre_separacao - t.qtd_separacao,
       r.previsao,
       r.data_ruptura,
       CASE WHEN r.negativo_na_janela THEN 'CRÍTICO'
            WHEN r.negativo OR r.previsao < cfg.m THEN 'ATENÇÃO'
            ELSE 'OK'
       END,
       t.saldo_atual <> 0 OR t.qtd_carteira <> 0 OR t.qtd_pre_separacao <> 0
           OR t.qtd_separacao <> 0 OR r.movimento
  FROM total t
  JOIN risco r ON r.principal = t.principal
  CROSS JOIN cfg
$$;

-- Every way the extension's view differs from oraculo.saldo, read in one
-- statement.  Every code the view shows is given to saldo() as well, so a
-- view row keyed by a code that is not a principal is reported.  Numbers
-- are compared as numbers (0 = 0.000), codigos as sets.  nome_produto must
-- be the principal's catalogue name when it has one; otherwise NULL or the
-- name of another member (README, "Sources and their defaults").
-- A group the view leaves out is a difference only when it has something
-- to show; a row the view shows must be right.
CREATE OR REPLACE FUNCTION oraculo.diferencas(hoje date DEFAULT NULL,
                                              horizonte integer DEFAULT NULL,
                                              janela integer DEFAULT NULL,
                                              minimo numeric DEFAULT NULL)
    RETURNS TABLE (cod_produto text, problema text, na_view jsonb, esperado jsonb)
    LANGUAGE sql STABLE
AS $$
WITH
v AS (
    SELECT * FROM estoque_cache_saldo
),
e AS (
    SELECT * FROM oraculo.saldo(diferencas.hoje, diferencas.horizonte, diferencas.janela,
                                diferencas.minimo, ARRAY(SELECT v.cod_produto::text FROM v))
)
SELECT coalesce(e.cod_produto, v.cod_produto::text),
       CASE WHEN v.cod_produto IS NULL THEN 'missing from the view'
            WHEN e.cod_produto IS NULL THEN 'not a principal code'
            ELSE 'different figures'
       END,
       to_jsonb(v) - 'atualizado_em',
       to_jsonb(e)
  FROM e
  FULL JOIN v ON v.cod_produto::text = e.cod_produto
 WHERE (v.cod_produto IS NULL AND e.deve_aparecer)
    OR e.cod_produto IS NULL
    OR (v.cod_produto IS NOT NULL AND e.cod_produto IS NOT NULL AND (
           ARRAY(SELECT m FROM unnest(v.codigos) AS m ORDER BY m COLLATE "C")
               IS DISTINCT FROM e.codigos
        OR v.saldo_atual IS DISTINCT FROM e.saldo_atual
        OR v.qtd_carteira IS DISTINCT FROM e.qtd_carteira
        OR v.qtd_pre_separacao IS DISTINCT FROM e.qtd_pre_separacao
        OR v.qtd_separacao IS DISTINCT FROM e.qtd_separacao
        OR v.saldo_disponivel IS DISTINCT FROM e.saldo_disponivel
        OR v.previsao_ruptura_7d IS DISTINCT FROM e.previsao_ruptura_7d
        OR v.data_ruptura IS DISTINCT FROM e.data_ruptura
        OR v.status_ruptura IS DISTINCT FROM e.status_ruptura
        OR CASE WHEN e.nome_produto IS NOT NULL
                    THEN v.nome_produto IS DISTINCT FROM e.nome_produto
                ELSE v.nome_produto IS NOT NULL
                     AND v.nome_produto NOT IN (SELECT c.nome_produto::text
                                                  FROM cadastro_produto c
                                                 WHERE c.cod_produto::text = ANY (e.codigos))
           END))
$$;
