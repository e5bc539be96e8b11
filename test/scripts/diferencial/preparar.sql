-- Support objects of the differential test (test/scripts/diferencial.sh),
-- created in its own throwaway database after the application tables exist
-- and the extension is attached.  Nothing here belongs to the extension:
--
--   dif_codigo(i)       product code of pool slot i (the pgbench scripts draw
--                       slots at random, so sessions collide on products)
--   dif_link(i)         code of slot i of the smaller pool the links use
--   dif_data(d)         today + d, or NULL for d > 40
--   dif_alvo(t, f)      id of an existing row of t, about f/1000 of the way
--                       from its smallest id to its largest
--   dif_instrucoes      sequence counting every DML statement on the seven
--                       tables (statement triggers; includes rolled-back ones)
--   dif_esperado        the view's figures recomputed from scratch, in plain
--                       SQL over the application tables (SPEC sections 2-4)
--   dif_diferencas      every way the extension's view differs from
--                       dif_esperado; empty when the cache is exact
--
-- The application role (:app) gets rights on the application tables only.

\set ON_ERROR_STOP on

-- Product pool: the 60 catalogue codes, '7' and '12' (integers whose text
-- order differs from their integer order; not in the catalogue), '0012'
-- (a different code from '12') and NULL (a row that must not count).
CREATE FUNCTION dif_codigo(i integer) RETURNS varchar
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN i < 60 THEN (4310001 + i)::text
                WHEN i = 60 THEN '7'
                WHEN i = 61 THEN '12'
                WHEN i = 62 THEN '0012'
           END
$$;

-- Link pool: ten catalogue codes plus 7 and 12 (integers: the links table
-- keeps codes as integers).
CREATE FUNCTION dif_link(i integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN i < 10 THEN 4310001 + i WHEN i = 10 THEN 7 ELSE 12 END
$$;

CREATE FUNCTION dif_data(d integer) RETURNS date
    LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN d > 40 THEN NULL ELSE current_date + d END
$$;

CREATE FUNCTION dif_alvo(t regclass, f integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    menor bigint;
    maior bigint;
    escolhido bigint;
BEGIN
    EXECUTE format('SELECT min(id), max(id) FROM %s', t) INTO menor, maior;
    IF menor IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT id FROM %s WHERE id >= $1 ORDER BY id LIMIT 1', t)
        INTO escolhido USING menor + (maior - menor) * f / 1000;
    RETURN escolhido;
END;
$$;

-- Statement counter.
CREATE SEQUENCE dif_instrucoes;
CREATE FUNCTION dif_contar() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM nextval('dif_instrucoes');
    RETURN NULL;
END;
$$;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['movimentacao_estoque', 'carteira_principal',
                             'pre_separacao_item', 'separacao', 'programacao_producao',
                             'unificacao_codigos', 'cadastro_produto'] LOOP
        EXECUTE format('CREATE TRIGGER dif_contar AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION dif_contar()', t);
    END LOOP;
END;
$$;

-- The application role: its own tables, nothing of the cache.
GRANT SELECT, INSERT, UPDATE, DELETE ON movimentacao_estoque, carteira_principal,
    pre_separacao_item, separacao, programacao_producao, unificacao_codigos,
    cadastro_produto TO :"app";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"app";

/*
 * The view recomputed from the application tables alone.  One row per group
 * (a connected component of the active links, or a lone code), keyed by its
 * principal, for every code that appears in a source row or a link:
 *   membros          the group's codes, sorted by bytes
 *   deve_aparecer    the group has something to show (a non-zero figure, or
 *                    a non-zero exit or production on a day of the horizon),
 *                    so the view must have its row; others may be absent
 *   the figures      as SPEC section 3 defines them, with the settings and
 *                    D0 the extension reports in estoque_cache.config()
 */
CREATE VIEW dif_esperado AS
WITH RECURSIVE
cfg AS (
    SELECT horizonte_dias AS h, janela_critica_dias AS j, estoque_minimo AS minimo, hoje
      FROM estoque_cache.config()
),
ligacao AS (
    SELECT codigo_origem::text AS x, codigo_destino::text AS y
      FROM unificacao_codigos
     WHERE ativo IS TRUE AND codigo_origem IS NOT NULL AND codigo_destino IS NOT NULL
),
vizinho AS (
    SELECT x, y FROM ligacao
    UNION
    SELECT y, x FROM ligacao
),
alcance (codigo, membro) AS (
    SELECT x, x FROM vizinho
    UNION
    SELECT a.codigo, v.y FROM alcance a JOIN vizinho v ON v.x = a.membro
),
componente AS (
    SELECT codigo,
           array_agg(membro ORDER BY membro COLLATE "C") AS membros,
           bool_and(membro ~ '^-?[0-9]+$') AS inteiros
      FROM alcance
     GROUP BY codigo
),
ligado AS (
    SELECT c.codigo, c.membros,
           (SELECT m FROM unnest(c.membros) AS m
             ORDER BY CASE WHEN c.inteiros THEN m::numeric END, m COLLATE "C"
             LIMIT 1) AS principal
      FROM componente c
),
-- every counted source row: (code, source, date, quantity)
linha (codigo, fonte, data, q) AS (
    SELECT cod_produto::text, 'movimentacao', NULL::date, qtd_movimentacao::numeric
      FROM movimentacao_estoque WHERE ativo IS TRUE
    UNION ALL
    SELECT cod_produto::text, 'carteira', NULL::date, qtd_saldo_produto_pedido::numeric
      FROM carteira_principal WHERE ativo IS TRUE AND separacao_lote_id IS NULL
    UNION ALL
    SELECT cod_produto::text, 'pre_separacao', data_expedicao_editada,
           qtd_selecionada_usuario::numeric
      FROM pre_separacao_item WHERE status IN ('CRIADO', 'RECOMPOSTO')
    UNION ALL
    SELECT cod_produto::text, 'separacao', expedicao, qtd_saldo::numeric
      FROM separacao WHERE sincronizado_nf IS NOT TRUE
    UNION ALL
    SELECT cod_produto::text, 'producao', data_programacao, qtd_programada::numeric
      FROM programacao_producao
),
contada AS (
    SELECT coalesce(g.principal, l.codigo) AS principal, l.fonte, l.q,
           -- projection day of an exit (past or undated: D0) or of a
           -- production (past or undated: none); NULL outside the horizon
           CASE WHEN l.fonte IN ('pre_separacao', 'separacao')
                     AND coalesce(l.data, cfg.hoje) - cfg.hoje < cfg.h
                    THEN greatest(coalesce(l.data, cfg.hoje) - cfg.hoje, 0)
                WHEN l.fonte = 'producao' AND l.data >= cfg.hoje
                     AND l.data - cfg.hoje < cfg.h
                    THEN l.data - cfg.hoje
           END AS dia
      FROM linha l
      CROSS JOIN cfg
      LEFT JOIN ligado g ON g.codigo = l.codigo
     WHERE l.codigo IS NOT NULL AND l.q IS NOT NULL
),
grupo AS (
    SELECT principal FROM contada
    UNION
    SELECT principal FROM ligado
),
total AS (
    SELECT g.principal,
           coalesce(sum(c.q) FILTER (WHERE c.fonte = 'movimentacao'), 0) AS saldo_atual,
           coalesce(sum(c.q) FILTER (WHERE c.fonte = 'carteira'), 0) AS qtd_carteira,
           coalesce(sum(c.q) FILTER (WHERE c.fonte = 'pre_separacao'), 0) AS qtd_pre_separacao,
           coalesce(sum(c.q) FILTER (WHERE c.fonte = 'separacao'), 0) AS qtd_separacao
      FROM grupo g
      LEFT JOIN contada c ON c.principal = g.principal
     GROUP BY g.principal
),
-- per group and day: exits and production of that day
movimento_dia AS (
    SELECT principal, dia,
           coalesce(sum(q) FILTER (WHERE fonte IN ('pre_separacao', 'separacao')), 0) AS saida,
           coalesce(sum(q) FILTER (WHERE fonte = 'producao'), 0) AS producao
      FROM contada
     WHERE dia IS NOT NULL
     GROUP BY principal, dia
),
-- estoque_final of every day of the horizon: saldo minus everything that
-- left up to that day plus everything produced up to that day
projecao AS (
    SELECT t.principal, d.dia,
           t.saldo_atual
             - sum(coalesce(m.saida, 0) - coalesce(m.producao, 0))
                   OVER (PARTITION BY t.principal ORDER BY d.dia
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
               AS estoque_final
      FROM total t
      CROSS JOIN cfg
      CROSS JOIN LATERAL generate_series(0, cfg.h - 1) AS d (dia)
      LEFT JOIN movimento_dia m ON m.principal = t.principal AND m.dia = d.dia
),
risco AS (
    SELECT p.principal,
           min(p.estoque_final) FILTER (WHERE p.dia <= cfg.j) AS previsao_ruptura_7d,
           min(p.dia) FILTER (WHERE p.estoque_final < 0) AS primeiro_dia_negativo,
           bool_or(p.estoque_final < 0 AND p.dia <= cfg.j) AS negativo_na_janela,
           bool_or(p.estoque_final < 0) AS negativo_no_horizonte
      FROM projecao p CROSS JOIN cfg
     GROUP BY p.principal
)
SELECT t.principal,
       coalesce((SELECT g.membros FROM ligado g WHERE g.codigo = t.principal),
                ARRAY[t.principal]) AS membros,
       (SELECT c.nome_produto::text FROM cadastro_produto c
         WHERE c.cod_produto::text = t.principal) AS nome_principal,
       t.saldo_atual, t.qtd_carteira, t.qtd_pre_separacao, t.qtd_separacao,
       t.saldo_atual - t.qtd_carteira - t.qtd_pre_separacao - t.qtd_separacao
           AS saldo_disponivel,
       r.previsao_ruptura_7d,
       cfg.hoje + r.primeiro_dia_negativo AS data_ruptura,
       CASE WHEN r.negativo_na_janela THEN 'CRÍTICO'
            WHEN r.negativo_no_horizonte OR r.previsao_ruptura_7d < cfg.minimo THEN 'ATENÇÃO'
            ELSE 'OK'
       END AS status_ruptura,
       (t.saldo_atual <> 0 OR t.qtd_carteira <> 0 OR t.qtd_pre_separacao <> 0
        OR t.qtd_separacao <> 0
        OR EXISTS (SELECT 1 FROM movimento_dia m
                    WHERE m.principal = t.principal AND (m.saida <> 0 OR m.producao <> 0)))
           AS deve_aparecer
  FROM total t
  JOIN risco r USING (principal)
  CROSS JOIN cfg;

/*
 * Differences between the extension's view and dif_esperado, in one
 * statement (one snapshot).  Numbers are compared as numbers (0 = 0.000),
 * codigos as sets.  nome_produto must be the principal's catalogue name when
 * it has one; otherwise NULL or the name of some member of the group.
 */
CREATE VIEW dif_diferencas AS
SELECT coalesce(e.principal, v.cod_produto) AS cod_produto,
       CASE WHEN v.cod_produto IS NULL THEN 'missing from the view'
            WHEN e.principal IS NULL THEN 'unexpected in the view'
            ELSE 'different figures'
       END AS problema,
       to_jsonb(v) - 'atualizado_em' AS na_view,
       to_jsonb(e) AS esperado
  FROM dif_esperado e
  FULL JOIN estoque_cache_saldo v ON v.cod_produto = e.principal
 WHERE (v.cod_produto IS NULL AND e.deve_aparecer)
    OR e.principal IS NULL
    OR (v.cod_produto IS NOT NULL AND e.principal IS NOT NULL AND (
           ARRAY(SELECT m FROM unnest(v.codigos) AS m ORDER BY m COLLATE "C")
               IS DISTINCT FROM e.membros
        OR v.saldo_atual IS DISTINCT FROM e.saldo_atual
        OR v.qtd_carteira IS DISTINCT FROM e.qtd_carteira
        OR v.qtd_pre_separacao IS DISTINCT FROM e.qtd_pre_separacao
        OR v.qtd_separacao IS DISTINCT FROM e.qtd_separacao
        OR v.saldo_disponivel IS DISTINCT FROM e.saldo_disponivel
        OR v.previsao_ruptura_7d IS DISTINCT FROM e.previsao_ruptura_7d
        OR v.data_ruptura IS DISTINCT FROM e.data_ruptura
        OR v.status_ruptura IS DISTINCT FROM e.status_ruptura
        OR CASE WHEN e.nome_principal IS NOT NULL
                    THEN v.nome_produto IS DISTINCT FROM e.nome_principal
                ELSE v.nome_produto IS NOT NULL
                     AND v.nome_produto NOT IN (SELECT c.nome_produto::text
                                                  FROM cadastro_produto c
                                                 WHERE c.cod_produto::text = ANY (e.membros))
           END));
