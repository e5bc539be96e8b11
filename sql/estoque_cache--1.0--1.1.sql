/* estoque_cache--1.0--1.1.sql: upgrade from 1.0 to 1.1 */

\echo Use "ALTER EXTENSION estoque_cache UPDATE TO '1.1'" to load this file. \quit

/*
 * Every change to installed objects made while 1.1 is in development goes
 * both here and in sql/estoque_cache.sql (the full install script); the
 * upgrade test (test/t/090_atualizacao.pl) requires a database updated from
 * 1.0 to end with exactly the objects of a fresh install.
 */

/* ------------------------------------------------------------------------
 * The application's code runs as the source table's owner
 * ------------------------------------------------------------------------ */

/*
 * Rows of a query over an attached table, run as that table's owner in a
 * security-restricted operation (src/seguranca.c): every read of a source
 * table by the repairs, verify and the link and name recomputations goes
 * through it, because the filter, the casts and the output functions of the
 * mapped columns are the application's code and must never run with the
 * rights of the cache owner or of the administrator calling a repair.  $1 in
 * the query is `codigos`.  Reads in the caller's snapshot.
 */
CREATE FUNCTION estoque_cache.ler_como_dono(tabela regclass, consulta text, codigos text[])
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'estoque_cache_ler_como_dono'
    LANGUAGE C CALLED ON NULL INPUT;
REVOKE ALL ON FUNCTION estoque_cache.ler_como_dono(regclass, text, text[]) FROM PUBLIC;

/*
 * Bring the cached contribution of one quantity source (optionally only for
 * some codes) in line with the table: append to estoque_cache.delta the
 * difference between the sources and the cache, computed in a single
 * statement so both sides are read in the same snapshot.  Writers that have
 * not committed are in neither side, so their own deltas stay right.
 * Returns how many (code, date) figures were corrected.
 */
CREATE OR REPLACE FUNCTION estoque_cache.corrigir_anexo(p_anexo integer, codigos text[])
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    data_expr text;
    consulta text;
    n bigint;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    PERFORM estoque_cache.travar_anexo(p_anexo);
    data_expr := estoque_cache.expressao_data(anx);
    -- the source side, read as the table's owner (see ler_como_dono)
    consulta := format($q$
        SELECT (%1$I)::text AS codigo, %2$s AS data, sum((%3$I)::numeric) AS q
          FROM ONLY %4$s
         WHERE %5$s
           AND ($1 IS NULL OR (%1$I)::text = ANY ($1))
         GROUP BY 1, 2
        $q$,
        anx.produto, data_expr, anx.quantidade, estoque_cache.nome_qualificado(anx.tabela),
        estoque_cache.condicao_fonte(anx));
    EXECUTE format($sql$
        WITH fontes AS (
            SELECT f.codigo COLLATE "C" AS codigo, f.data, f.q
              FROM estoque_cache.ler_como_dono($2, $3, $1) AS f(codigo text, data date, q numeric)
        ), cache AS (
            SELECT c.codigo, c.data, sum(c.quantidade) AS q
              FROM (SELECT codigo, data, quantidade FROM estoque_cache.saldo
                     WHERE anexo_id = %1$s AND ($1 IS NULL OR codigo = ANY ($1))
                    UNION ALL
                    SELECT codigo, data, quantidade FROM estoque_cache.delta
                     WHERE anexo_id = %1$s AND ($1 IS NULL OR codigo = ANY ($1))) c
             GROUP BY 1, 2
        ), corrigidas AS (
            INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade)
            SELECT coalesce(f.codigo, c.codigo), %1$s, coalesce(f.data, c.data), %2$s,
                   coalesce(f.q, 0) - coalesce(c.q, 0)
              FROM fontes f FULL JOIN cache c ON c.codigo = f.codigo AND c.data = f.data
             WHERE coalesce(f.q, 0) <> coalesce(c.q, 0)
            RETURNING 1
        )
        SELECT count(*) FROM corrigidas
        $sql$,
        p_anexo, estoque_cache.fonte_numero(anx.fonte))
    INTO n USING codigos, anx.tabela, consulta;
    RETURN n;
END;
$$;

/*
 * Recompute the links of one link table that touch `codigos` (all when
 * NULL), writing only what differs.  Returns the codes whose links changed.
 * The caller holds the links lock.
 */
CREATE OR REPLACE FUNCTION estoque_cache.sincronizar_arestas(p_anexo integer, codigos text[],
                                                  OUT tocados text[], OUT alterados bigint)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    consulta text;
    na text[];
    nb text[];
    nn integer[];
    t1 text[];
    t2 text[];
    n1 bigint;
    n2 bigint;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = anx.tabela) THEN
        -- the links' source rows, read as the table's owner (see ler_como_dono)
        consulta := format($q$
            SELECT (%1$I)::text AS o, (%2$I)::text AS d
              FROM ONLY %3$s
             WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND (%4$s)
               AND ($1 IS NULL OR (%1$I)::text = ANY ($1) OR (%2$I)::text = ANY ($1))
            $q$, anx.produto, anx.destino, estoque_cache.nome_qualificado(anx.tabela),
            coalesce(anx.filtro, 'true'));
        SELECT array_agg(e.a), array_agg(e.b), array_agg(e.n)
          INTO na, nb, nn
          FROM (SELECT least(l.o, l.d) AS a, greatest(l.o, l.d) AS b, count(*)::integer AS n
                  FROM (SELECT x.o COLLATE "C" AS o, x.d COLLATE "C" AS d
                          FROM estoque_cache.ler_como_dono(anx.tabela, consulta, codigos)
                            AS x(o text, d text)) l
                 GROUP BY 1, 2) e;
    END IF;

    WITH removidas AS (
        DELETE FROM estoque_cache.aresta x
         WHERE x.anexo_id = p_anexo
           AND (codigos IS NULL OR x.a = ANY (codigos) OR x.b = ANY (codigos))
           AND NOT EXISTS (SELECT 1 FROM unnest(na, nb, nn) AS u(a, b, n)
                            WHERE u.a = x.a AND u.b = x.b AND u.n = x.n)
        RETURNING x.a, x.b
    )
    SELECT array_agg(r.a) || array_agg(r.b), count(*) INTO t1, n1 FROM removidas r;

    WITH novas AS (
        INSERT INTO estoque_cache.aresta (a, b, anexo_id, n)
        SELECT u.a, u.b, p_anexo, u.n FROM unnest(na, nb, nn) AS u(a, b, n)
         WHERE NOT EXISTS (SELECT 1 FROM estoque_cache.aresta x
                            WHERE x.anexo_id = p_anexo AND x.a = u.a AND x.b = u.b)
        RETURNING a, b
    )
    SELECT array_agg(v.a) || array_agg(v.b), count(*) INTO t2, n2 FROM novas v;

    tocados := coalesce(t1, '{}') || coalesce(t2, '{}');
    alterados := n1 + n2;
END;
$$;

/*
 * Recompute the names of `codigos` (all when NULL) from one catalogue,
 * writing only what differs.  Returns how many rows changed.
 */
CREATE OR REPLACE FUNCTION estoque_cache.sincronizar_nomes(p_anexo integer, codigos text[])
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    consulta text;
    nc text[];
    nn text[];
    n1 bigint;
    n2 bigint;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    PERFORM estoque_cache.travar_anexo(p_anexo);
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = anx.tabela) THEN
        -- the catalogue's rows, read as the table's owner (see ler_como_dono)
        consulta := format($q$
            SELECT (%1$I)::text AS c, min((%2$I)::text) AS n
              FROM ONLY %3$s
             WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL
               AND ($1 IS NULL OR (%1$I)::text = ANY ($1))
             GROUP BY 1
            $q$, anx.produto, anx.nome, estoque_cache.nome_qualificado(anx.tabela));
        SELECT array_agg(x.c COLLATE "C"), array_agg(x.n)
          INTO nc, nn
          FROM estoque_cache.ler_como_dono(anx.tabela, consulta, codigos) AS x(c text, n text);
    END IF;

    DELETE FROM estoque_cache.nome x
     WHERE x.anexo_id = p_anexo
       AND (codigos IS NULL OR x.codigo = ANY (codigos))
       AND NOT EXISTS (SELECT 1 FROM unnest(nc, nn) AS u(c, n)
                        WHERE u.c = x.codigo AND u.n = x.nome);
    GET DIAGNOSTICS n1 = ROW_COUNT;
    INSERT INTO estoque_cache.nome (codigo, anexo_id, nome)
    SELECT u.c, p_anexo, u.n FROM unnest(nc, nn) AS u(c, n)
    ON CONFLICT (codigo, anexo_id) DO NOTHING;
    GET DIAGNOSTICS n2 = ROW_COUNT;
    RETURN n1 + n2;
END;
$$;

/*
 * Compare the cache with the sources, recomputed here from scratch in one
 * statement (one snapshot): groups by a recursive query over the link
 * tables, figures by aggregating every attached table with its filter.
 * Returns a row for every figure that differs; none when the cache is exact.
 * Logged, except on a hot standby, which cannot write.
 * Figures: saldo_atual, qtd_carteira, qtd_pre_separacao, qtd_separacao per
 * group; the same per date ("qtd_separacao[2026-12-01]", "[sem data]" for
 * undated rows) and producao_programada per date; "principal" per code.
 */
CREATE OR REPLACE FUNCTION @extschema@.estoque_cache_verify(produto text DEFAULT NULL)
    RETURNS TABLE (cod_produto text, campo text, no_cache text, nas_fontes text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    inicio timestamptz := clock_timestamp();
    anx estoque_cache.anexo;
    sql_fontes text := '';
    sql_links text := '';
    codigos text[];
    n bigint;
BEGIN
    FOR anx IN SELECT * FROM estoque_cache.anexo ORDER BY anexo_id LOOP
        -- source rows are read as each table's owner (see ler_como_dono)
        IF anx.fonte = 'unificacao' THEN
            sql_links := sql_links || format(
                'UNION ALL SELECT l.o COLLATE "C", l.d COLLATE "C" '
                'FROM estoque_cache.ler_como_dono(%s::pg_catalog.oid::pg_catalog.regclass, %L, NULL) '
                'AS l(o text, d text) ',
                anx.tabela::oid,
                format('SELECT (%1$I)::text, (%2$I)::text FROM ONLY %3$s '
                       'WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND (%4$s)',
                       anx.produto, anx.destino, estoque_cache.nome_qualificado(anx.tabela),
                       coalesce(anx.filtro, 'true')));
        ELSIF anx.fonte <> 'produtos' THEN
            sql_fontes := sql_fontes || format(
                'UNION ALL SELECT f.codigo COLLATE "C", %s::smallint, f.data, f.q '
                'FROM estoque_cache.ler_como_dono(%s::pg_catalog.oid::pg_catalog.regclass, %L, NULL) '
                'AS f(codigo text, data date, q numeric) ',
                estoque_cache.fonte_numero(anx.fonte), anx.tabela::oid,
                format('SELECT (%1$I)::text, %2$s, (%3$I)::numeric FROM ONLY %4$s WHERE %5$s',
                       anx.produto, estoque_cache.expressao_data(anx), anx.quantidade,
                       estoque_cache.nome_qualificado(anx.tabela),
                       estoque_cache.condicao_fonte(anx)));
        END IF;
    END LOOP;

    IF produto IS NOT NULL THEN
        codigos := @extschema@.estoque_cache_codigos(produto);
    END IF;

    RETURN QUERY EXECUTE format($sql$
        WITH RECURSIVE
        links(o, d) AS (
            SELECT NULL::text COLLATE "C", NULL::text COLLATE "C" WHERE false %1$s
        ), arestas(a, b) AS (
            SELECT o, d FROM links UNION SELECT d, o FROM links
        ), alcance(s, c) AS (
            SELECT a, a FROM arestas
            UNION
            SELECT r.s, e.b FROM alcance r JOIN arestas e ON e.a = r.c
        ), componentes AS (
            SELECT r.s AS codigo,
                   (estoque_cache.ordenar_codigos(array_agg(r.c)))[1] AS principal
              FROM alcance r GROUP BY r.s
        ), fontes(codigo, fonte, data, q) AS (
            SELECT NULL::text COLLATE "C", NULL::smallint, NULL::date, NULL::numeric
             WHERE false %2$s
        ), cache(codigo, fonte, data, q) AS (
            SELECT codigo, fonte, data, quantidade FROM estoque_cache.saldo
            UNION ALL
            SELECT codigo, fonte, data, quantidade FROM estoque_cache.delta
        ), por_fonte AS (
            SELECT coalesce(k.principal, f.codigo) AS principal, f.fonte, f.data, f.q
              FROM fontes f LEFT JOIN componentes k ON k.codigo = f.codigo
        ), por_cache AS (
            SELECT coalesce(g.principal, c.codigo) AS principal, c.fonte, c.data, c.q
              FROM cache c LEFT JOIN estoque_cache.grupo g ON g.codigo = c.codigo
        ), campos_fonte AS (
            SELECT principal, (ARRAY['saldo_atual', 'qtd_carteira', 'qtd_pre_separacao',
                                     'qtd_separacao'])[fonte] AS campo, sum(q) AS q
              FROM por_fonte WHERE fonte <= 4 GROUP BY 1, 2
            UNION ALL
            SELECT principal, (ARRAY['', '', 'qtd_pre_separacao', 'qtd_separacao',
                                     'producao_programada'])[fonte]
                   || '[' || CASE WHEN data = '-infinity' THEN 'sem data'
                                  ELSE to_char(data, 'YYYY-MM-DD') END || ']', sum(q)
              FROM por_fonte WHERE fonte >= 3 GROUP BY principal, fonte, data
        ), campos_cache AS (
            SELECT principal, (ARRAY['saldo_atual', 'qtd_carteira', 'qtd_pre_separacao',
                                     'qtd_separacao'])[fonte] AS campo, sum(q) AS q
              FROM por_cache WHERE fonte <= 4 GROUP BY 1, 2
            UNION ALL
            SELECT principal, (ARRAY['', '', 'qtd_pre_separacao', 'qtd_separacao',
                                     'producao_programada'])[fonte]
                   || '[' || CASE WHEN data = '-infinity' THEN 'sem data'
                                  ELSE to_char(data, 'YYYY-MM-DD') END || ']', sum(q)
              FROM por_cache WHERE fonte >= 3 GROUP BY principal, fonte, data
        ), diferencas AS (
            SELECT coalesce(c.principal, f.principal)::text AS cod_produto,
                   coalesce(c.campo, f.campo) AS campo,
                   coalesce(c.q, 0)::text AS no_cache, coalesce(f.q, 0)::text AS nas_fontes
              FROM campos_cache c
              FULL JOIN campos_fonte f ON f.principal = c.principal AND f.campo = c.campo
             WHERE coalesce(c.q, 0) <> coalesce(f.q, 0)
            UNION ALL
            SELECT coalesce(g.codigo, k.codigo)::text, 'principal',
                   coalesce(g.principal, g.codigo, k.codigo)::text,
                   coalesce(k.principal, k.codigo, g.codigo)::text
              FROM estoque_cache.grupo g
              FULL JOIN componentes k ON k.codigo = g.codigo
             WHERE coalesce(g.principal, g.codigo, k.codigo)
                   IS DISTINCT FROM coalesce(k.principal, k.codigo, g.codigo)
        )
        SELECT d.cod_produto, d.campo, d.no_cache, d.nas_fontes FROM diferencas d
         WHERE $1 IS NULL OR d.cod_produto = ANY ($1)
         ORDER BY 1, 2
        $sql$, sql_links, sql_fontes)
    USING codigos;
    GET DIAGNOSTICS n = ROW_COUNT;
    -- a hot standby cannot write the log; verifying there is still useful
    IF NOT pg_is_in_recovery() THEN
        PERFORM estoque_cache.registrar('verify', produto, inicio, n);
    END IF;
END;
$$;
