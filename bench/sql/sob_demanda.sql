-- Baseline of the benchmark: the figures of estoque_cache computed on demand,
-- in plain SQL over the application's tables (SPEC sections 2 to 4), the way
-- the application had to before the cache. Nothing here uses the extension.
--
--   sd_figuras(produto)        one group's sums and its day-by-day projection
--   sd_linha(...)              the view's columns from those sums and projection
--   sd_saldo_produto(produto)  the columns of estoque_cache_saldo_produto()
--   sd_produto(produto)        the jsonb of estoque_cache_produto()
--   sd_saldo                   view: the columns of estoque_cache_saldo, every
--                              group with something to show
--
-- The settings are the extension's defaults: horizon 29 days, critical window
-- D0..D7, estoque_minimo 10, "today" in America/Sao_Paulo. Link codes are the
-- integer columns of unificacao_codigos, so every linked code is an integer and
-- a group's principal is its smallest member by integer value. The functions
-- are single SELECTs in SQL so that the planner inlines them into the caller's
-- prepared statement (planned once, like a query the application prepares).

SET client_min_messages = warning;

DROP VIEW IF EXISTS sd_saldo;
DROP FUNCTION IF EXISTS sd_produto(text), sd_saldo_produto(text), sd_figuras(text),
	sd_linha(text, text[], date, numeric, numeric, numeric, numeric, numeric[]);

CREATE FUNCTION sd_figuras(produto text)
RETURNS TABLE (cod_produto text, codigos text[], d0 date,
               saldo_atual numeric, qtd_carteira numeric,
               qtd_pre_separacao numeric, qtd_separacao numeric,
               saidas numeric[], producoes numeric[], finais numeric[])
LANGUAGE sql STABLE
AS $$
WITH RECURSIVE
cfg AS (
    SELECT (now() AT TIME ZONE 'America/Sao_Paulo')::date AS d0
),
-- The code as an integer, when it is one written the way integers print
-- ('0012' is not 12: codes compare as text). Only such codes can be linked.
inicio AS (
    SELECT s.v::integer AS n
      FROM (SELECT CASE WHEN produto ~ '^-?[0-9]{1,10}$' THEN produto::bigint END AS v) AS s
     WHERE s.v BETWEEN -2147483648 AND 2147483647 AND s.v::text = produto
),
-- Every code reachable through active links, in either direction.
alcance (n) AS (
    SELECT n FROM inicio
    UNION
    SELECT CASE WHEN u.codigo_origem = a.n THEN u.codigo_destino ELSE u.codigo_origem END
      FROM alcance AS a
      JOIN unificacao_codigos AS u
        ON u.codigo_origem = a.n OR u.codigo_destino = a.n
     WHERE u.ativo
),
-- Members in principal order: the smallest integer first.
grupo AS (
    SELECT CASE WHEN count(*) = 0 THEN ARRAY[produto]
                ELSE array_agg(n::text ORDER BY n) END AS codigos
      FROM alcance
),
somas AS (
    SELECT
        (SELECT coalesce(sum(m.qtd_movimentacao), 0) FROM movimentacao_estoque AS m
          WHERE m.cod_produto = ANY (g.codigos) AND m.ativo) AS saldo_atual,
        (SELECT coalesce(sum(c.qtd_saldo_produto_pedido), 0) FROM carteira_principal AS c
          WHERE c.cod_produto = ANY (g.codigos)
            AND c.ativo AND c.separacao_lote_id IS NULL) AS qtd_carteira,
        (SELECT coalesce(sum(p.qtd_selecionada_usuario), 0) FROM pre_separacao_item AS p
          WHERE p.cod_produto = ANY (g.codigos)
            AND p.status IN ('CRIADO', 'RECOMPOSTO')) AS qtd_pre_separacao,
        (SELECT coalesce(sum(s.qtd_saldo::numeric), 0) FROM separacao AS s
          WHERE s.cod_produto = ANY (g.codigos)
            AND s.sincronizado_nf IS NOT TRUE) AS qtd_separacao
      FROM grupo AS g
),
-- Dated flows of the group: exits dated before D0 or undated count on D0;
-- production before D0 or undated does not count.
fluxo (dia, saida, producao) AS (
    SELECT greatest(coalesce(p.data_expedicao_editada - cfg.d0, 0), 0),
           p.qtd_selecionada_usuario::numeric, 0::numeric
      FROM grupo AS g, cfg, pre_separacao_item AS p
     WHERE p.cod_produto = ANY (g.codigos) AND p.status IN ('CRIADO', 'RECOMPOSTO')
       AND p.qtd_selecionada_usuario IS NOT NULL
    UNION ALL
    SELECT greatest(coalesce(s.expedicao - cfg.d0, 0), 0), s.qtd_saldo::numeric, 0
      FROM grupo AS g, cfg, separacao AS s
     WHERE s.cod_produto = ANY (g.codigos) AND s.sincronizado_nf IS NOT TRUE
       AND s.qtd_saldo IS NOT NULL
    UNION ALL
    SELECT r.data_programacao - cfg.d0, 0, r.qtd_programada::numeric
      FROM grupo AS g, cfg, programacao_producao AS r
     WHERE r.cod_produto = ANY (g.codigos)
       AND r.data_programacao >= cfg.d0 AND r.data_programacao < cfg.d0 + 29
       AND r.qtd_programada IS NOT NULL
),
dias AS (
    SELECT d.dia, coalesce(sum(f.saida), 0) AS saida, coalesce(sum(f.producao), 0) AS producao
      FROM generate_series(0, 28) AS d (dia)
      LEFT JOIN fluxo AS f ON f.dia = d.dia
     GROUP BY d.dia
),
projecao AS (
    SELECT d.dia, d.saida, d.producao,
           s.saldo_atual - sum(d.saida - d.producao) OVER (ORDER BY d.dia) AS final
      FROM dias AS d, somas AS s
)
SELECT g.codigos[1], g.codigos, cfg.d0,
       s.saldo_atual, s.qtd_carteira, s.qtd_pre_separacao, s.qtd_separacao,
       (SELECT array_agg(p.saida ORDER BY p.dia) FROM projecao AS p),
       (SELECT array_agg(p.producao ORDER BY p.dia) FROM projecao AS p),
       (SELECT array_agg(p.final ORDER BY p.dia) FROM projecao AS p)
  FROM grupo AS g, cfg, somas AS s
$$;

-- The view's columns of one group, from its sums and its estoque_final per day
-- (finais[1] is D0).
CREATE FUNCTION sd_linha(principal text, codigos text[], d0 date, saldo_atual numeric,
                         qtd_carteira numeric, qtd_pre_separacao numeric,
                         qtd_separacao numeric, finais numeric[])
RETURNS TABLE (cod_produto text, nome_produto text, codigos text[],
               saldo_atual numeric, qtd_carteira numeric, qtd_pre_separacao numeric,
               qtd_separacao numeric, saldo_disponivel numeric,
               previsao_ruptura_7d numeric, data_ruptura date, status_ruptura text)
LANGUAGE sql STABLE
AS $$
SELECT principal,
       (SELECT c.nome_produto::text FROM cadastro_produto AS c
         WHERE c.cod_produto = principal),
       codigos, saldo_atual, qtd_carteira, qtd_pre_separacao, qtd_separacao,
       saldo_atual - qtd_carteira - qtd_pre_separacao - qtd_separacao,
       r.previsao, d0 + r.dia_ruptura,
       CASE WHEN r.dia_ruptura <= 7 THEN 'CRÍTICO'
            WHEN r.dia_ruptura IS NOT NULL OR r.previsao < 10 THEN 'ATENÇÃO'
            ELSE 'OK' END
  FROM (SELECT min(u.final) FILTER (WHERE u.i <= 8) AS previsao,
               (min(u.i) FILTER (WHERE u.final < 0))::integer - 1 AS dia_ruptura
          FROM unnest(finais) WITH ORDINALITY AS u (final, i)) AS r
$$;

CREATE FUNCTION sd_saldo_produto(produto text)
RETURNS TABLE (cod_produto text, nome_produto text, codigos text[],
               saldo_atual numeric, qtd_carteira numeric, qtd_pre_separacao numeric,
               qtd_separacao numeric, saldo_disponivel numeric,
               previsao_ruptura_7d numeric, data_ruptura date, status_ruptura text)
LANGUAGE sql STABLE
AS $$
SELECT l.*
  FROM sd_figuras(produto) AS f,
       sd_linha(f.cod_produto, f.codigos, f.d0, f.saldo_atual, f.qtd_carteira,
                f.qtd_pre_separacao, f.qtd_separacao, f.finais) AS l
$$;

CREATE FUNCTION sd_produto(produto text) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT to_jsonb(l) || jsonb_build_object('projecao_29_dias',
         (SELECT jsonb_agg(jsonb_build_object(
                     'dia', u.i - 1,
                     'data', to_char(f.d0 + (u.i - 1)::integer, 'YYYY-MM-DD'),
                     'estoque_inicial', u.final + u.saida - u.producao,
                     'saida_prevista', u.saida,
                     'producao_programada', u.producao,
                     'estoque_final', u.final) ORDER BY u.i)
            FROM unnest(f.finais, f.saidas, f.producoes) WITH ORDINALITY
                 AS u (final, saida, producao, i)))
  FROM sd_figuras(produto) AS f,
       sd_linha(f.cod_produto, f.codigos, f.d0, f.saldo_atual, f.qtd_carteira,
                f.qtd_pre_separacao, f.qtd_separacao, f.finais) AS l
$$;

-- Every group at once, set-based (one pass over each source), as a list page
-- would compute it: sums per code and day, groups by a recursive query over the
-- active links, sums and daily flows per principal, the projection by a
-- running sum.
CREATE VIEW sd_saldo AS
WITH RECURSIVE
cfg AS (
    SELECT (now() AT TIME ZONE 'America/Sao_Paulo')::date AS d0
),
ligacoes (a, b) AS (
    SELECT codigo_origem, codigo_destino FROM unificacao_codigos WHERE ativo
    UNION
    SELECT codigo_destino, codigo_origem FROM unificacao_codigos WHERE ativo
),
alcance (codigo, outro) AS (
    SELECT a, a FROM ligacoes
    UNION
    SELECT r.codigo, l.b FROM alcance AS r JOIN ligacoes AS l ON l.a = r.outro
),
grupo AS (
    SELECT codigo::text AS codigo, min(outro)::text AS principal
      FROM alcance GROUP BY codigo
),
membros AS (
    SELECT principal, array_agg(codigo ORDER BY codigo::integer) AS codigos
      FROM grupo GROUP BY principal
),
-- Counted quantities summed per (code, source, projection day), one pass over
-- each source; fonte 1..5 = movimentacao, carteira, pre_separacao, separacao,
-- producao.
linhas (codigo, fonte, dia, qtd) AS (
    SELECT cod_produto::text, 1, NULL::integer, sum(qtd_movimentacao)::numeric
      FROM movimentacao_estoque WHERE ativo GROUP BY cod_produto
    UNION ALL
    SELECT cod_produto::text, 2, NULL, sum(qtd_saldo_produto_pedido)::numeric
      FROM carteira_principal WHERE ativo AND separacao_lote_id IS NULL GROUP BY cod_produto
    UNION ALL
    SELECT p.cod_produto::text, 3, greatest(coalesce(p.data_expedicao_editada - cfg.d0, 0), 0),
           sum(p.qtd_selecionada_usuario)::numeric
      FROM pre_separacao_item AS p, cfg WHERE p.status IN ('CRIADO', 'RECOMPOSTO')
     GROUP BY 1, 3
    UNION ALL
    SELECT s.cod_produto::text, 4, greatest(coalesce(s.expedicao - cfg.d0, 0), 0),
           sum(s.qtd_saldo::numeric)
      FROM separacao AS s, cfg WHERE s.sincronizado_nf IS NOT TRUE
     GROUP BY 1, 3
    UNION ALL
    SELECT r.cod_produto::text, 5, r.data_programacao - cfg.d0, sum(r.qtd_programada::numeric)
      FROM programacao_producao AS r, cfg
     WHERE r.data_programacao >= cfg.d0 AND r.data_programacao < cfg.d0 + 29
     GROUP BY 1, 3
),
por_grupo AS (
    SELECT coalesce(g.principal, l.codigo) AS principal, l.fonte, l.dia, l.qtd
      FROM linhas AS l LEFT JOIN grupo AS g ON g.codigo = l.codigo
     WHERE l.codigo IS NOT NULL AND l.qtd IS NOT NULL
),
somas AS (
    SELECT principal,
           coalesce(sum(qtd) FILTER (WHERE fonte = 1), 0) AS saldo_atual,
           coalesce(sum(qtd) FILTER (WHERE fonte = 2), 0) AS qtd_carteira,
           coalesce(sum(qtd) FILTER (WHERE fonte = 3), 0) AS qtd_pre_separacao,
           coalesce(sum(qtd) FILTER (WHERE fonte = 4), 0) AS qtd_separacao,
           bool_or(fonte >= 3 AND dia < 29) AS tem_fluxo
      FROM por_grupo GROUP BY principal
),
fluxo AS (
    SELECT principal, dia,
           coalesce(sum(qtd) FILTER (WHERE fonte IN (3, 4)), 0)
             - coalesce(sum(qtd) FILTER (WHERE fonte = 5), 0) AS saida_liquida
      FROM por_grupo WHERE fonte >= 3 AND dia < 29
     GROUP BY principal, dia
),
projecao AS (
    SELECT s.principal, d.dia,
           s.saldo_atual - sum(coalesce(f.saida_liquida, 0))
             OVER (PARTITION BY s.principal ORDER BY d.dia) AS final
      FROM somas AS s
     CROSS JOIN generate_series(0, 28) AS d (dia)
      LEFT JOIN fluxo AS f ON f.principal = s.principal AND f.dia = d.dia
),
finais AS (
    SELECT principal, array_agg(final ORDER BY dia) AS finais
      FROM projecao GROUP BY principal
)
SELECT l.*
  FROM somas AS s
  JOIN finais AS p USING (principal)
  LEFT JOIN membros AS m USING (principal)
 CROSS JOIN cfg
 CROSS JOIN LATERAL sd_linha(s.principal, coalesce(m.codigos, ARRAY[s.principal]), cfg.d0,
                             s.saldo_atual, s.qtd_carteira, s.qtd_pre_separacao,
                             s.qtd_separacao, p.finais) AS l
 WHERE s.saldo_atual <> 0 OR s.qtd_carteira <> 0 OR s.qtd_pre_separacao <> 0
    OR s.qtd_separacao <> 0 OR s.tem_fluxo;

RESET client_min_messages;
