-- The figures of estoque_cache_saldo computed on demand, in plain SQL over the
-- application's tables (default tables and columns, SPEC sections 2 to 4), as the
-- application had to before the cache. Creates the session's temporary view
-- saldo_sob_demanda with the same columns as estoque_cache_saldo (without
-- atualizado_em); nothing permanent is created.
--
--   psql -X -d DB -f scripts/saldo_sob_demanda.sql -c 'SELECT * FROM saldo_sob_demanda'
--
-- Optional psql variables: fuso (time zone of "today", default America/Sao_Paulo),
-- horizonte (29), janela_critica (7), estoque_minimo (10).

\if :{?fuso}
\else
\set fuso America/Sao_Paulo
\endif
\if :{?horizonte}
\else
\set horizonte 29
\endif
\if :{?janela_critica}
\else
\set janela_critica 7
\endif
\if :{?estoque_minimo}
\else
\set estoque_minimo 10
\endif

CREATE OR REPLACE TEMP VIEW saldo_sob_demanda AS
WITH RECURSIVE
hoje AS (
	SELECT (now() AT TIME ZONE :'fuso')::date AS d0
),
-- Active links, both ways; a group is a connected component.
arestas AS (
	SELECT codigo_origem::text AS a, codigo_destino::text AS b
	FROM unificacao_codigos WHERE ativo
	UNION
	SELECT codigo_destino::text, codigo_origem::text
	FROM unificacao_codigos WHERE ativo
),
alcance (codigo, outro) AS (
	SELECT a, a FROM arestas
	UNION
	SELECT r.codigo, e.b FROM alcance AS r JOIN arestas AS e ON e.a = r.outro
),
-- Each linked code's principal: the smallest member, by integer value when all
-- members are integers, else by bytes.
grupo AS (
	SELECT codigo,
		CASE WHEN bool_and(outro ~ '^-?[0-9]+$')
			THEN (array_agg(outro ORDER BY outro::numeric, outro COLLATE "C"))[1]
			ELSE (array_agg(outro ORDER BY outro COLLATE "C"))[1]
		END AS principal
	FROM alcance
	GROUP BY codigo
),
membros AS (
	SELECT principal, array_agg(codigo ORDER BY codigo COLLATE "C") AS codigos
	FROM grupo
	GROUP BY principal
),
-- Every counted source row as (principal, kind, day, quantity); day is the
-- projection day (NULL: outside the horizon or not dated).
linhas AS (
	SELECT cod_produto::text AS codigo, 'saldo' AS tipo, NULL::int AS dia,
		qtd_movimentacao::numeric AS qtd
	FROM movimentacao_estoque WHERE ativo
	UNION ALL
	SELECT cod_produto::text, 'carteira', NULL, qtd_saldo_produto_pedido::numeric
	FROM carteira_principal WHERE ativo AND separacao_lote_id IS NULL
	UNION ALL
	SELECT cod_produto::text, 'pre_separacao',
		greatest(coalesce(data_expedicao_editada - (SELECT d0 FROM hoje), 0), 0),
		qtd_selecionada_usuario::numeric
	FROM pre_separacao_item WHERE status IN ('CRIADO', 'RECOMPOSTO')
	UNION ALL
	SELECT cod_produto::text, 'separacao',
		greatest(coalesce(expedicao - (SELECT d0 FROM hoje), 0), 0),
		qtd_saldo::numeric
	FROM separacao WHERE sincronizado_nf IS NOT TRUE
	UNION ALL
	SELECT cod_produto::text, 'producao', data_programacao - (SELECT d0 FROM hoje),
		qtd_programada::numeric
	FROM programacao_producao
),
fontes AS (
	SELECT coalesce(g.principal, l.codigo) AS principal, l.tipo,
		CASE WHEN l.dia >= 0 AND l.dia < :horizonte THEN l.dia END AS dia, l.qtd
	FROM linhas AS l
	LEFT JOIN grupo AS g ON g.codigo = l.codigo
	WHERE l.codigo IS NOT NULL AND l.qtd IS NOT NULL
),
totais AS (
	SELECT principal,
		coalesce(sum(qtd) FILTER (WHERE tipo = 'saldo'), 0) AS saldo_atual,
		coalesce(sum(qtd) FILTER (WHERE tipo = 'carteira'), 0) AS qtd_carteira,
		coalesce(sum(qtd) FILTER (WHERE tipo = 'pre_separacao'), 0) AS qtd_pre_separacao,
		coalesce(sum(qtd) FILTER (WHERE tipo = 'separacao'), 0) AS qtd_separacao,
		bool_or(dia IS NOT NULL AND tipo IN ('pre_separacao', 'separacao', 'producao'))
			AS tem_fluxo
	FROM fontes
	GROUP BY principal
),
fluxo AS (
	SELECT principal, dia,
		sum(CASE WHEN tipo = 'producao' THEN -qtd ELSE qtd END) AS saida_liquida
	FROM fontes
	WHERE dia IS NOT NULL AND tipo IN ('pre_separacao', 'separacao', 'producao')
	GROUP BY principal, dia
),
projecao AS (
	SELECT t.principal, d.dia,
		t.saldo_atual - sum(coalesce(f.saida_liquida, 0))
			OVER (PARTITION BY t.principal ORDER BY d.dia) AS estoque_final
	FROM totais AS t
	CROSS JOIN generate_series(0, :horizonte - 1) AS d (dia)
	LEFT JOIN fluxo AS f ON f.principal = t.principal AND f.dia = d.dia
),
ruptura AS (
	SELECT principal,
		min(estoque_final) FILTER (WHERE dia <= :janela_critica) AS previsao_ruptura_7d,
		min(dia) FILTER (WHERE estoque_final < 0) AS dia_ruptura
	FROM projecao
	GROUP BY principal
)
SELECT t.principal::varchar AS cod_produto,
	p.nome_produto::text AS nome_produto,
	coalesce(m.codigos, ARRAY[t.principal]) AS codigos,
	t.saldo_atual, t.qtd_carteira, t.qtd_pre_separacao, t.qtd_separacao,
	t.saldo_atual - t.qtd_carteira - t.qtd_pre_separacao - t.qtd_separacao
		AS saldo_disponivel,
	r.previsao_ruptura_7d,
	(SELECT d0 FROM hoje) + r.dia_ruptura AS data_ruptura,
	CASE
		WHEN r.dia_ruptura <= :janela_critica THEN 'CRÍTICO'
		WHEN r.dia_ruptura IS NOT NULL OR r.previsao_ruptura_7d < :estoque_minimo
			THEN 'ATENÇÃO'
		ELSE 'OK'
	END AS status_ruptura
FROM totais AS t
JOIN ruptura AS r USING (principal)
LEFT JOIN membros AS m USING (principal)
LEFT JOIN cadastro_produto AS p ON p.cod_produto::text = t.principal
WHERE t.saldo_atual <> 0 OR t.qtd_carteira <> 0 OR t.qtd_pre_separacao <> 0
	OR t.qtd_separacao <> 0 OR t.tem_fluxo;
