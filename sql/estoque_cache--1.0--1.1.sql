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
 * the query is `codigos`.  Reads in the caller's snapshot, or with `recente`
 * in the latest one (a new attachment: see contar_anexo_novo).
 */
CREATE FUNCTION estoque_cache.ler_como_dono(tabela regclass, consulta text, codigos text[],
                                            recente boolean DEFAULT false)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'estoque_cache_ler_como_dono'
    LANGUAGE C CALLED ON NULL INPUT;
REVOKE ALL ON FUNCTION estoque_cache.ler_como_dono(regclass, text, text[], boolean) FROM PUBLIC;

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
    consulta text;
    n bigint;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    -- the source side, read as the table's owner (see ler_como_dono); locked
    -- before the statement's snapshot is taken, as reading it directly would, so
    -- that no TRUNCATE commits between that snapshot and the read
    EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE',
                   estoque_cache.nome_qualificado(anx.tabela));
    consulta := estoque_cache.consulta_fonte(anx);
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

/* ------------------------------------------------------------------------
 * Attachments travel with their tables' triggers; the cache is not dumped,
 * it is recomputed when a restore creates the triggers; DDL on attached
 * tables is followed or refused.
 * ------------------------------------------------------------------------ */

ALTER TABLE estoque_cache.anexo
    ADD COLUMN gatilhos_ativos boolean NOT NULL DEFAULT true,
    ADD COLUMN assinatura text,
    ADD COLUMN dono name;

/*
 * Attachments of tables that were dropped, by the table's qualified name:
 * when a table of that name and the same owner is created again (pg_restore
 * --clean -t drops a table and creates it without its triggers), it is
 * attached again with the same definition before its rows arrive
 * (reanexar).
 */
CREATE TABLE estoque_cache.anexo_removido (
    nome_tabela text PRIMARY KEY,   -- schema-qualified, quoted
    anexo_id    integer NOT NULL,
    fonte       text NOT NULL,
    produto     text NOT NULL,
    quantidade  text,
    data        text,
    destino     text,
    nome        text,
    filtro      text,
    dono        name,               -- the dropped table's owner
    removido_em timestamptz NOT NULL DEFAULT pg_catalog.now()
);
REVOKE ALL ON estoque_cache.anexo_removido FROM PUBLIC;

/*
 * When an attached table is dropped, its contribution goes with it; its
 * definition is kept by name in estoque_cache.anexo_removido.
 */
CREATE OR REPLACE FUNCTION estoque_cache.ao_remover_tabela() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx record;
BEGIN
    FOR anx IN SELECT x.*, x.tabela::oid AS relid,
                      format('%I.%I', o.schema_name, o.object_name) AS nome_tabela
               FROM estoque_cache.anexo x
               JOIN pg_event_trigger_dropped_objects() o
                 ON o.classid = 'pg_class'::regclass AND o.objid = x.tabela::oid
                AND o.objsubid = 0
    LOOP
        -- remembered, in case a table of that name comes back (reanexar)
        INSERT INTO estoque_cache.anexo_removido AS r (nome_tabela, anexo_id, fonte, produto,
               quantidade, data, destino, nome, filtro, dono)
        VALUES (anx.nome_tabela, anx.anexo_id, anx.fonte, anx.produto, anx.quantidade, anx.data,
                anx.destino, anx.nome, anx.filtro, anx.dono)
        ON CONFLICT (nome_tabela) DO UPDATE
           SET anexo_id = excluded.anexo_id, fonte = excluded.fonte, produto = excluded.produto,
               quantidade = excluded.quantidade, data = excluded.data, destino = excluded.destino,
               nome = excluded.nome, filtro = excluded.filtro, dono = excluded.dono,
               removido_em = pg_catalog.now();
        PERFORM estoque_cache.registrar('detach', anx.nome_tabela, clock_timestamp(),
                                        estoque_cache.remover_anexo(anx.anexo_id, false),
                                        jsonb_build_object('anexo_id', anx.anexo_id,
                                                           'motivo', 'table dropped'));
    END LOOP;
    -- a partition dropped: the rows it held leave its partitioned table's figures
    IF EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() o
                WHERE o.classid = 'pg_class'::regclass AND o.objsubid = 0
                  AND o.object_type = 'table') THEN
        FOR anx IN SELECT x.*, x.tabela::oid AS relid, NULL::text AS nome_tabela
                     FROM estoque_cache.anexo x
                     JOIN pg_class c ON c.oid = x.tabela AND c.relkind = 'p'
        LOOP
            PERFORM estoque_cache.revisar_anexo(anx.relid);
        END LOOP;
    END IF;
END;
$$;


-- only the settings are dumped now (see the install script)
ALTER EXTENSION estoque_cache DROP TABLE estoque_cache.anexo;
ALTER EXTENSION estoque_cache ADD TABLE estoque_cache.anexo;
ALTER EXTENSION estoque_cache DROP SEQUENCE estoque_cache.anexo_id_seq;
ALTER EXTENSION estoque_cache ADD SEQUENCE estoque_cache.anexo_id_seq;
ALTER EXTENSION estoque_cache DROP TABLE estoque_cache.saldo;
ALTER EXTENSION estoque_cache ADD TABLE estoque_cache.saldo;
ALTER EXTENSION estoque_cache DROP TABLE estoque_cache.delta;
ALTER EXTENSION estoque_cache ADD TABLE estoque_cache.delta;
ALTER EXTENSION estoque_cache DROP TABLE estoque_cache.aresta;
ALTER EXTENSION estoque_cache ADD TABLE estoque_cache.aresta;
ALTER EXTENSION estoque_cache DROP TABLE estoque_cache.grupo;
ALTER EXTENSION estoque_cache ADD TABLE estoque_cache.grupo;
ALTER EXTENSION estoque_cache DROP TABLE estoque_cache.nome;
ALTER EXTENSION estoque_cache ADD TABLE estoque_cache.nome;
ALTER EXTENSION estoque_cache DROP TABLE estoque_cache.log;
ALTER EXTENSION estoque_cache ADD TABLE estoque_cache.log;
ALTER EXTENSION estoque_cache DROP SEQUENCE estoque_cache.log_id_seq;
ALTER EXTENSION estoque_cache ADD SEQUENCE estoque_cache.log_id_seq;

/*
 * Create the triggers of an attached table.  Their arguments are the
 * attachment's definition (id, fonte, produto, quantidade, data, destino,
 * nome, filtro; '' for none), so that a table restored from a dump brings
 * its attachment with it (registrar_de_gatilho); the triggers themselves find
 * the attachment by their table.  Their names start with `prefixo`:
 * estoque_cache_, or estoque_cache_reanexo_ for the triggers of a table
 * attached again when it was created (reanexar), which the restored ones
 * replace if they come.
 */
DROP FUNCTION estoque_cache.criar_gatilhos(integer, regclass, text);
CREATE FUNCTION estoque_cache.criar_gatilhos(p_anexo integer, tabela regclass, funcao text,
                                             prefixo text DEFAULT 'estoque_cache_')
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    alvo text := estoque_cache.nome_qualificado(tabela);
    anx estoque_cache.anexo;
    args text;
    particao regclass;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    args := format('%L, %L, %L, %L, %L, %L, %L, %L', anx.anexo_id, anx.fonte,
                   coalesce(anx.produto, ''), coalesce(anx.quantidade, ''), coalesce(anx.data, ''),
                   coalesce(anx.destino, ''), coalesce(anx.nome, ''), coalesce(anx.filtro, ''));
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS novas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION %s(%s)', prefixo || 'ins', alvo, funcao, args);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS antigas NEW TABLE AS novas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION %s(%s)', prefixo || 'upd', alvo, funcao, args);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS antigas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION %s(%s)', prefixo || 'del', alvo, funcao, args);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION %s(%s)', prefixo || 'trunc', alvo, funcao,
                   args);
    IF funcao = 'estoque_cache.trg_codigos' THEN
        -- links and names serialise their writers before any row is locked
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE '
                       'OR TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION %s(%s)',
                       prefixo || 'trava', alvo, funcao, args);
    END IF;
    -- TRUNCATE in every session, replica ones too (logical replication applies it)
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', alvo, prefixo || 'trunc');
    IF (SELECT relkind FROM pg_class WHERE oid = tabela) = 'r' THEN
        PERFORM estoque_cache.criar_gatilhos_replica(tabela, funcao, args, prefixo);
    END IF;
    FOR particao IN SELECT p.relid FROM pg_partition_tree(tabela) p WHERE p.relid <> tabela LOOP
        PERFORM estoque_cache.criar_gatilhos_particao(p_anexo, particao, prefixo);
    END LOOP;
    UPDATE estoque_cache.anexo x
       SET assinatura = estoque_cache.assinatura(x),
           gatilhos_ativos = estoque_cache.gatilhos_ativos(x),
           dono = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = x.tabela)
     WHERE x.anexo_id = p_anexo;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.estoque_cache_status() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    fontes jsonb;
    alertas jsonb := '[]';
    ultimo jsonb;
BEGIN
    SELECT * INTO c FROM estoque_cache.contagem();
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'anexo_id', x.anexo_id, 'fonte', x.fonte,
               'tabela', CASE WHEN x.existe THEN x.tabela::text END,
               'filtro', x.filtro,
               'gatilhos', x.gatilhos,
               'gatilhos_ativos', x.ativos) ORDER BY x.anexo_id), '[]')
      INTO fontes
      FROM (SELECT a.*, EXISTS (SELECT 1 FROM pg_class WHERE oid = a.tabela) AS existe,
                   coalesce((SELECT jsonb_object_agg(t.tgname, CASE t.tgenabled
                                 WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled'
                                 WHEN 'R' THEN 'replica only' WHEN 'A' THEN 'always' END)
                               FROM pg_trigger t
                              WHERE t.tgrelid = a.tabela AND t.tgname LIKE 'estoque\_cache\_%'),
                            '{}') AS gatilhos,
                   estoque_cache.gatilhos_ativos(a) AS ativos
              FROM estoque_cache.anexo a) x;

    SELECT coalesce(jsonb_agg(m), '[]') INTO alertas FROM (
        SELECT format('triggers of %s (%s) are missing or disabled: the cache may drift from it; '
                      'enable them and run estoque_cache_refresh()', f->>'tabela', f->>'fonte') AS m
          FROM jsonb_array_elements(fontes) f
         WHERE NOT (f->>'gatilhos_ativos')::boolean

        UNION ALL
        SELECT format('table %s has estoque_cache triggers but is not attached: its writes are '
                      'refused; attach it, or drop its estoque_cache_* triggers', t.tgrelid::regclass)
          FROM pg_trigger t
         WHERE t.tgfoid IN ('estoque_cache.trg_fonte()'::regprocedure,
                            'estoque_cache.trg_codigos()'::regprocedure)
           AND NOT EXISTS (SELECT 1 FROM estoque_cache.anexo a
                            WHERE a.tabela = t.tgrelid
                               OR a.tabela IN (SELECT p.relid
                                                 FROM pg_partition_ancestors(t.tgrelid) p))
         GROUP BY t.tgrelid
        UNION ALL
        SELECT format('%s deltas have waited more than 5 minutes to be folded: nothing folds them, '
                      'so reads slow down as they pile up; preload the library '
                      '(shared_preload_libraries = ''estoque_cache'') or schedule '
                      'SELECT estoque_cache_fold() (README, Settings)', x.n)
          FROM (SELECT count(*) AS n FROM estoque_cache.delta
                 WHERE atualizado_em < now() - interval '5 minutes') x
         WHERE x.n > 0) s;

    SELECT jsonb_build_object('quando', l.inicio, 'por', l.usuario,
                              'duracao_ms', round(extract(epoch FROM l.duracao) * 1000, 1),
                              'linhas_corrigidas', l.linhas)
      INTO ultimo
      FROM estoque_cache.log l WHERE l.operacao = 'rebuild' ORDER BY l.id DESC LIMIT 1;

    RETURN jsonb_build_object(
        'versao', (SELECT extversion FROM pg_extension WHERE extname = 'estoque_cache'),
        'grupos', c.grupos,
        'codigos', c.codigos,
        'codigos_agrupados', (SELECT count(*) FROM estoque_cache.grupos_vistos()),
        'fontes', fontes,
        'alertas', alertas,
        'ultimo_rebuild', ultimo,
        'deltas_pendentes', (SELECT count(*) FROM estoque_cache.delta),
        'linhas_consolidadas', (SELECT count(*) FROM estoque_cache.saldo),
        'configuracao', (SELECT to_jsonb(x) FROM estoque_cache.config() x));
END;
$$;

/*
 * Drop the cache triggers of a table (those whose names start with
 * `prefixo`, or all of them when NULL), found by their function.
 */
CREATE FUNCTION estoque_cache.remover_gatilhos(tabela regclass, prefixo text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT g.tgname FROM pg_trigger g
              WHERE g.tgrelid = tabela
                AND g.tgfoid IN ('estoque_cache.trg_fonte()'::regprocedure,
                                 'estoque_cache.trg_codigos()'::regprocedure)
                AND (prefixo IS NULL OR starts_with(g.tgname, prefixo))
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, estoque_cache.nome_qualificado(tabela));
    END LOOP;
END;
$$;

/*
 * Remove an attachment and its whole contribution.  Called by
 * estoque_cache_detach and by the event trigger when the table is dropped
 * (then its triggers are already gone).
 */
CREATE OR REPLACE FUNCTION estoque_cache.remover_anexo(p_anexo integer, remover_gatilhos boolean)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    tocados text[];
    n bigint := 0;
    k bigint;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    IF remover_gatilhos THEN
        PERFORM estoque_cache.remover_gatilhos(anx.tabela, NULL);
    END IF;
    -- no fold may move this attachment's deltas while they are removed
    PERFORM pg_advisory_xact_lock(4532, 0);
    PERFORM estoque_cache.travar_anexo(p_anexo);
    PERFORM estoque_cache.versao_saldo();
    -- as every committed transaction left them, whatever the isolation level
    n := n + estoque_cache.apagar_contribuicao(p_anexo);
    IF anx.fonte IN ('unificacao', 'produtos') THEN
        PERFORM estoque_cache.travar_unificacao();
    END IF;
    IF anx.fonte = 'unificacao' THEN
        DELETE FROM estoque_cache.aresta_delta WHERE anexo_id = p_anexo;
        GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
        WITH removidas AS (
            DELETE FROM estoque_cache.aresta WHERE anexo_id = p_anexo RETURNING a, b)
        SELECT array_agg(r.a) || array_agg(r.b), count(*) INTO tocados, k FROM removidas r;
        n := n + k + estoque_cache.reagrupar(coalesce(tocados, '{}'));
    END IF;
    DELETE FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    PERFORM estoque_cache.resumir(NULL);
    RETURN n;
END;
$$;

/*
 * The arguments of a trigger, as CREATE TRIGGER received them (tgargs split
 * into text); NULL when there is no such trigger.
 */
CREATE FUNCTION estoque_cache.argumentos_gatilho(gatilho oid) RETURNS text[]
    AS 'MODULE_PATHNAME', 'estoque_cache_argumentos_gatilho' LANGUAGE C STABLE STRICT;

/* The columns a filter reads, "number:type" each (src/anexo.c). */
CREATE FUNCTION estoque_cache.colunas_do_filtro(tabela regclass, filtro text) RETURNS text
    AS 'MODULE_PATHNAME', 'estoque_cache_colunas_do_filtro' LANGUAGE C STABLE STRICT;

/*
 * What an attachment depends on in its table: the persistence, each mapped
 * column's number, type and collation, and the columns its filter reads.  A
 * change to any of it (ALTER COLUMN ... TYPE, a column dropped and added
 * again) changes the values the cache holds, so the attachment is corrected
 * (revisar_anexo).
 */
CREATE FUNCTION estoque_cache.assinatura(anx estoque_cache.anexo) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (SELECT c.relpersistence::text FROM pg_class c WHERE c.oid = anx.tabela) || ' '
           || string_agg(format('%s:%s:%s:%s', u.col, a.attnum,
                                format_type(a.atttypid, a.atttypmod), a.attcollation),
                         ',' ORDER BY u.ord)
           || ' filtro ' || coalesce(estoque_cache.colunas_do_filtro(anx.tabela, anx.filtro), '')
           || coalesce(' particoes ' || (SELECT string_agg(p.relid::oid::text, ',' ORDER BY p.relid)
                                           FROM pg_partition_tree(anx.tabela) p
                                          WHERE p.relid <> anx.tabela), '')
      FROM unnest(ARRAY[anx.produto, anx.quantidade, anx.data, anx.destino, anx.nome])
           WITH ORDINALITY AS u(col, ord)
      LEFT JOIN pg_attribute a
        ON a.attrelid = anx.tabela AND a.attname = u.col AND a.attnum > 0 AND NOT a.attisdropped
     WHERE u.col IS NOT NULL
$$;

/*
 * Whether every cache trigger of an attachment is there and fires: the
 * statement triggers in ordinary sessions, the row triggers of the replica
 * path in replica sessions, on the table and on each of its partitions.
 */
CREATE FUNCTION estoque_cache.gatilhos_ativos(anx estoque_cache.anexo) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT bool_and(x.certo)
      FROM (SELECT p.relid,
                   count(*) FILTER (WHERE t.tgtype & 1 = 0 AND t.tgenabled IN ('O', 'A'))
                       = CASE WHEN anx.fonte IN ('unificacao', 'produtos') THEN 5
                              WHEN p.relid <> anx.tabela AND NOT p.isleaf THEN 3
                              ELSE 4 END
                   AND count(*) FILTER (WHERE t.tgtype & 1 = 1 AND t.tgenabled IN ('R', 'A'))
                       = CASE WHEN p.isleaf THEN 3 ELSE 0 END AS certo
              FROM (SELECT anx.tabela::oid AS relid,
                           (SELECT relkind FROM pg_class WHERE oid = anx.tabela) = 'r' AS isleaf
                    UNION
                    SELECT q.relid, q.isleaf FROM pg_partition_tree(anx.tabela) q) p
              LEFT JOIN pg_trigger t
                ON t.tgrelid = p.relid
               AND t.tgfoid IN ('estoque_cache.trg_fonte()'::regprocedure,
                                'estoque_cache.trg_codigos()'::regprocedure)
             GROUP BY p.relid, p.isleaf) x
$$;

/*
 * Bring one attachment's whole contribution in line with its table; `novo`
 * for an attachment just registered (see contar_anexo_novo).
 */
CREATE FUNCTION estoque_cache.corrigir_um(p_anexo integer, novo boolean DEFAULT false)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s record;
BEGIN
    CASE (SELECT fonte FROM estoque_cache.anexo WHERE anexo_id = p_anexo)
        WHEN 'unificacao' THEN
            PERFORM estoque_cache.travar_unificacao();
            SELECT * INTO s FROM estoque_cache.sincronizar_arestas(p_anexo, NULL);
            RETURN s.alterados + estoque_cache.reagrupar(s.tocados);
        WHEN 'produtos' THEN
            RETURN estoque_cache.sincronizar_nomes(p_anexo, NULL);
        ELSE
            IF novo THEN
                RETURN estoque_cache.contar_anexo_novo(p_anexo);
            END IF;
            RETURN estoque_cache.corrigir_anexo(p_anexo, NULL);
    END CASE;
END;
$$;

/*
 * A cache trigger was created on a table that has no attachment: a restore
 * (pg_restore, psql of a dump) is recreating an attached table.  The
 * triggers carry their attachment's definition (criar_gatilhos), so it is
 * registered again, validated as at attach, and its contribution computed
 * from the rows the table has now; rows written later fire the triggers.
 * The cache's own tables are not dumped: whatever the order in which the
 * table's data and its triggers arrive, the cache ends exact.
 */
CREATE FUNCTION estoque_cache.registrar_de_gatilho(gatilho oid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    inicio timestamptz := clock_timestamp();
    t record;
    args text[];
    a text[];
    novo integer;
    linhas bigint;
BEGIN
    SELECT tgrelid, tgfoid, tgname INTO t FROM pg_trigger WHERE oid = gatilho;
    IF NOT FOUND OR t.tgfoid NOT IN ('estoque_cache.trg_fonte()'::regprocedure,
                                     'estoque_cache.trg_codigos()'::regprocedure) THEN
        RETURN;
    END IF;
    IF (SELECT relispartition FROM pg_class WHERE oid = t.tgrelid) THEN
        RETURN;     -- a partition's trigger: its partitioned table's trigger registers it
    END IF;
    LOCK TABLE estoque_cache.anexo IN SHARE ROW EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM estoque_cache.anexo WHERE tabela = t.tgrelid) THEN
        -- attached already: by estoque_cache_attach, which creates its triggers after
        -- registering, or by reanexar when the table was created, whose triggers the
        -- restored ones replace
        IF NOT starts_with(t.tgname, 'estoque_cache_reanexo_') THEN
            PERFORM estoque_cache.remover_gatilhos(t.tgrelid, 'estoque_cache_reanexo_');
        END IF;
        RETURN;
    END IF;
    args := estoque_cache.argumentos_gatilho(gatilho);
    IF cardinality(args) IS DISTINCT FROM 8 THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('trigger %s on table %s belongs to an attachment that is not registered',
                             t.tgname, t.tgrelid::regclass),
            DETAIL = 'Its arguments do not describe the attachment (it was created by an older '
                     'version or by hand), so the attachment cannot be registered again from it.',
            HINT = format('Drop the triggers named estoque_cache_* on %s and attach it again '
                          'with estoque_cache_attach.', t.tgrelid::regclass);
    END IF;
    -- id, fonte, produto, quantidade, data, destino, nome, filtro ('' is none)
    a := ARRAY(SELECT nullif(x, '') FROM unnest(args) AS x);
    PERFORM estoque_cache.checar_anexo(a[2], t.tgrelid, a[3], a[4], a[5], a[8], a[6], a[7]);
    novo := a[1]::integer;
    IF EXISTS (SELECT 1 FROM estoque_cache.anexo WHERE anexo_id = novo) THEN
        novo := nextval('estoque_cache.anexo_id_seq');
    END IF;
    INSERT INTO estoque_cache.anexo (anexo_id, fonte, tabela, produto, quantidade, data,
                                     destino, nome, filtro)
    -- the filter as it was stored (validated above): deparsing a deparsed filter
    -- again may spell it differently
    VALUES (novo, a[2], t.tgrelid, a[3], a[4], a[5], a[6], a[7], a[8]);
    PERFORM setval('estoque_cache.anexo_id_seq',
                   greatest((SELECT max(anexo_id) FROM estoque_cache.anexo),
                            (SELECT last_value FROM estoque_cache.anexo_id_seq)));
    UPDATE estoque_cache.anexo x
       SET assinatura = estoque_cache.assinatura(x), gatilhos_ativos = estoque_cache.gatilhos_ativos(x),
           dono = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = x.tabela)
     WHERE x.anexo_id = novo;
    linhas := estoque_cache.corrigir_um(novo, true);
    PERFORM estoque_cache.registrar('attach', t.tgrelid::regclass::text, inicio, linhas,
        jsonb_build_object('anexo_id', novo, 'fonte', a[2],
                           'motivo', 'trigger created by a restore'));
END;
$$;

/*
 * An attached table was altered.  A change that would break the attachment
 * (a mapped or filter column dropped, renamed or given a type the cache
 * cannot read, SET UNLOGGED) is refused: the ALTER is rolled back with an
 * error that names the attachment.  A change the cache can follow (a mapped
 * column's type, its triggers enabled again after a restore with
 * --disable-triggers or a DISABLE TRIGGER) corrects the attachment's whole
 * contribution in the same transaction.
 */
CREATE FUNCTION estoque_cache.revisar_anexo(relid oid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    inicio timestamptz := clock_timestamp();
    anx estoque_cache.anexo;
    sig text;
    ativos boolean;
    msg text;
    det text;
    linhas bigint;
BEGIN
    SELECT * INTO anx FROM estoque_cache.anexo WHERE tabela = relid;
    IF NOT FOUND THEN
        PERFORM estoque_cache.recusar_heranca(relid);
        RETURN;
    END IF;
    IF anx.assinatura IS NULL THEN
        RETURN;     -- being attached: criar_gatilhos is setting its triggers up
    END IF;
    -- ALTER TABLE ... OWNER TO: remembered for reanexar
    UPDATE estoque_cache.anexo x
       SET dono = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = x.tabela)
     WHERE x.anexo_id = anx.anexo_id
       AND x.dono IS DISTINCT FROM (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                                     WHERE c.oid = x.tabela);
    BEGIN
        PERFORM estoque_cache.checar_anexo(anx.fonte, anx.tabela, anx.produto, anx.quantidade,
                                           anx.data, anx.filtro, anx.destino, anx.nome);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist',
            MESSAGE = format('table %s is attached to estoque_cache (attachment %s, fonte %s); '
                             'this change would break the attachment: %s',
                             anx.tabela, anx.anexo_id, anx.fonte, msg),
            DETAIL = coalesce(nullif(det, ''), 'The cache could no longer read the table '
                                               'as it was attached.'),
            HINT = format('Detach it first with SELECT estoque_cache_detach(%L), make the change, '
                          'and attach it again.', anx.tabela::text);
    END;
    IF (SELECT relkind FROM pg_class WHERE oid = anx.tabela) = 'p' THEN
        -- partitions attached or detached: their triggers follow
        PERFORM estoque_cache.sincronizar_gatilhos_particoes(anx.anexo_id);
    END IF;
    PERFORM estoque_cache.normalizar_gatilhos(r.relid::regclass)
       FROM (SELECT anx.tabela::oid AS relid
             UNION SELECT q.relid FROM pg_partition_tree(anx.tabela) q) r;
    -- as the nested ALTER TABLEs may have left it
    SELECT * INTO anx FROM estoque_cache.anexo WHERE tabela = relid;
    sig := estoque_cache.assinatura(anx);
    ativos := estoque_cache.gatilhos_ativos(anx);
    -- the filter's text stays as stored: what it reads is in the assinatura
    IF sig IS NOT DISTINCT FROM anx.assinatura AND (NOT ativos OR anx.gatilhos_ativos) THEN
        IF ativos IS DISTINCT FROM anx.gatilhos_ativos THEN
            UPDATE estoque_cache.anexo SET gatilhos_ativos = ativos WHERE anexo_id = anx.anexo_id;
        END IF;
        RETURN;
    END IF;
    UPDATE estoque_cache.anexo
       SET assinatura = sig, gatilhos_ativos = ativos
     WHERE anexo_id = anx.anexo_id;
    IF ativos THEN
        linhas := estoque_cache.corrigir_um(anx.anexo_id);
        PERFORM estoque_cache.registrar('refresh', anx.tabela::text, inicio, linhas,
            jsonb_build_object('anexo_id', anx.anexo_id, 'motivo', 'table altered'));
    END IF;
END;
$$;

/*
 * A table was created with the name of a dropped attached table: attach it
 * again with the dropped attachment's definition.  A table that no longer
 * fits that definition is left unattached, with a warning; creating it never
 * fails because of the cache.
 */
CREATE FUNCTION estoque_cache.reanexar(relid oid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    inicio timestamptz := clock_timestamp();
    r estoque_cache.anexo_removido;
    novo integer;
    linhas bigint;
    msg text;
BEGIN
    DELETE FROM estoque_cache.anexo_removido
     WHERE nome_tabela = estoque_cache.nome_qualificado(relid::regclass)
       -- only for the same owner: no one else's table becomes a source of the cache
       AND dono = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = relid)
    RETURNING * INTO r;
    IF NOT FOUND OR EXISTS (SELECT 1 FROM estoque_cache.anexo WHERE tabela = relid) THEN
        RETURN;
    END IF;
    BEGIN
        novo := estoque_cache.registrar_anexo(r.fonte, relid::regclass, r.produto, r.quantidade,
                                              r.data, r.destino, r.nome, r.filtro);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RAISE WARNING 'table % was attached to estoque_cache before it was dropped, but it cannot '
                      'be attached again as it was: %', relid::regclass, msg
              USING HINT = 'Attach it with estoque_cache_attach if it should be.';
        RETURN;
    END;
    PERFORM estoque_cache.criar_gatilhos(novo, relid::regclass,
        CASE WHEN r.fonte IN ('unificacao', 'produtos') THEN 'estoque_cache.trg_codigos'
             ELSE 'estoque_cache.trg_fonte' END, 'estoque_cache_reanexo_');
    linhas := estoque_cache.corrigir_um(novo, true);
    PERFORM estoque_cache.registrar('attach', relid::regclass::text, inicio, linhas,
        jsonb_build_object('anexo_id', novo, 'fonte', r.fonte,
                           'motivo', 'created again after being dropped'));
END;
$$;

/*
 * ddl_command_end: cache triggers created (a restore), attached tables
 * altered, a dropped attached table created again.
 */
CREATE FUNCTION estoque_cache.ao_mudar_tabela() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT DISTINCT d.command_tag, d.objid
               FROM pg_event_trigger_ddl_commands() d
              WHERE (d.command_tag = 'CREATE TRIGGER' AND d.classid = 'pg_trigger'::regclass)
                 OR (d.command_tag IN ('ALTER TABLE', 'CREATE TABLE')
                     AND d.classid = 'pg_class'::regclass)
    LOOP
        IF c.command_tag = 'CREATE TRIGGER' THEN
            PERFORM estoque_cache.registrar_de_gatilho(c.objid);
        ELSIF c.command_tag = 'CREATE TABLE' THEN
            PERFORM estoque_cache.nova_tabela(c.objid);
        ELSE
            PERFORM estoque_cache.revisar_anexo(c.objid);
        END IF;
    END LOOP;
END;
$$;
CREATE EVENT TRIGGER estoque_cache_tabela_alterada ON ddl_command_end
    WHEN TAG IN ('CREATE TRIGGER', 'ALTER TABLE', 'CREATE TABLE')
    EXECUTE FUNCTION estoque_cache.ao_mudar_tabela();

REVOKE ALL ON FUNCTION estoque_cache.argumentos_gatilho(oid),
    estoque_cache.colunas_do_filtro(regclass, text),
    estoque_cache.assinatura(estoque_cache.anexo),
    estoque_cache.gatilhos_ativos(estoque_cache.anexo),
    estoque_cache.corrigir_um(integer, boolean),
    estoque_cache.registrar_de_gatilho(oid),
    estoque_cache.revisar_anexo(oid),
    estoque_cache.reanexar(oid),
    estoque_cache.remover_gatilhos(regclass, text),
    estoque_cache.criar_gatilhos(integer, regclass, text, text),
    estoque_cache.ao_mudar_tabela()
FROM PUBLIC;


/* ------------------------------------------------------------------------
 * TRUNCATE, attach, detach and DROP are exact from any isolation level
 * ------------------------------------------------------------------------ */

/*
 * Deletes what the cache holds for an attachment with the latest snapshot
 * (src/contribuicao.c): for detach and DROP, from any isolation level.
 */
CREATE FUNCTION estoque_cache.apagar_contribuicao(anexo_id integer) RETURNS bigint
    AS 'MODULE_PATHNAME', 'estoque_cache_apagar_contribuicao' LANGUAGE C CALLED ON NULL INPUT;

/*
 * The query (for ler_como_dono) of a quantity source's rows that count,
 * summed per (code, date); $1 restricts it to some codes (all when NULL).
 * A partitioned table is read with its partitions.
 */
CREATE FUNCTION estoque_cache.consulta_fonte(anx estoque_cache.anexo) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format($q$
        SELECT (%1$I)::text AS codigo, %2$s AS data, sum((%3$I)::numeric) AS q
          FROM %6$s%4$s
         WHERE %5$s
           AND ($1 IS NULL OR (%1$I)::text = ANY ($1))
         GROUP BY 1, 2
        $q$,
        anx.produto, estoque_cache.expressao_data(anx), anx.quantidade,
        estoque_cache.nome_qualificado(anx.tabela), estoque_cache.condicao_fonte(anx),
        CASE WHEN (SELECT relkind FROM pg_class WHERE oid = anx.tabela) = 'p' THEN ''
             ELSE 'ONLY ' END)
$$;

/*
 * A new attachment's contribution: the rows of its table as every committed
 * transaction left them (the latest snapshot, whatever the isolation level:
 * rows written before its triggers existed must all count), appended as
 * deltas.  The cache holds nothing for it yet.  Returns how many figures.
 */
CREATE FUNCTION estoque_cache.contar_anexo_novo(p_anexo integer) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    n bigint;
    msg text;
    det text;
    estado text;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    BEGIN
        INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade)
        SELECT f.codigo, p_anexo, f.data, estoque_cache.fonte_numero(anx.fonte), f.q
          FROM estoque_cache.ler_como_dono(anx.tabela, estoque_cache.consulta_fonte(anx), NULL,
                                           true) AS f(codigo text, data date, q numeric)
         WHERE f.q <> 0;
    EXCEPTION WHEN data_exception THEN
        -- a filter or a conversion that fails on some row of the table
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                                estado = RETURNED_SQLSTATE;
        RAISE EXCEPTION USING ERRCODE = estado,
            MESSAGE = format('%s, reading the rows of %s', msg, anx.tabela),
            DETAIL = coalesce(nullif(det, ''), format('The filter is %s.',
                                                      coalesce(anx.filtro, 'true'))),
            HINT = 'The filter and the mapped columns must evaluate on every row of the table: '
                   'guard divisions and casts in the filter, e.g. '
                   '''qtd_movimentacao / NULLIF(fator, 0) > 1''.';
    END;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.estoque_cache_attach(fonte text, tabela regclass,
    produto text DEFAULT NULL, quantidade text DEFAULT NULL, data text DEFAULT NULL,
    filtro text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    inicio timestamptz := clock_timestamp();
    f text := $1;
    p text := $3;
    q text := $4;
    d text := $5;
    filtro_txt text := $6;
    id integer;
    linhas bigint;
BEGIN
    IF f IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'fonte must not be null',
            HINT = 'Pass one of movimentacao, carteira, pre_separacao, separacao, producao.';
    END IF;
    IF f NOT IN ('movimentacao', 'carteira', 'pre_separacao', 'separacao', 'producao') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown fonte %s', coalesce(quote_literal(f), 'NULL')),
            DETAIL = 'Quantity sources are movimentacao, carteira, pre_separacao, separacao and producao.',
            HINT = 'Attach code links with estoque_cache_attach_unificacao() and a product '
                   'catalogue with estoque_cache_attach_produtos().';
    END IF;
    IF $2 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'tabela must not be null', HINT = 'Pass the table to attach, e.g. ''movimentacao_estoque''.';
    END IF;
    CASE f
        WHEN 'movimentacao' THEN
            p := coalesce(p, 'cod_produto'); q := coalesce(q, 'qtd_movimentacao');
            filtro_txt := coalesce(filtro_txt, 'ativo');
        WHEN 'carteira' THEN
            p := coalesce(p, 'cod_produto'); q := coalesce(q, 'qtd_saldo_produto_pedido');
            filtro_txt := coalesce(filtro_txt, 'ativo AND separacao_lote_id IS NULL');
        WHEN 'pre_separacao' THEN
            p := coalesce(p, 'cod_produto'); q := coalesce(q, 'qtd_selecionada_usuario');
            d := coalesce(d, 'data_expedicao_editada');
            filtro_txt := coalesce(filtro_txt, 'status IN (''CRIADO'', ''RECOMPOSTO'')');
        WHEN 'separacao' THEN
            p := coalesce(p, 'cod_produto'); q := coalesce(q, 'qtd_saldo');
            d := coalesce(d, 'expedicao');
            filtro_txt := coalesce(filtro_txt, 'sincronizado_nf IS NOT TRUE');
        WHEN 'producao' THEN
            p := coalesce(p, 'cod_produto'); q := coalesce(q, 'qtd_programada');
            d := coalesce(d, 'data_programacao');
    END CASE;

    id := estoque_cache.registrar_anexo(f, $2, p, q, d, NULL, NULL, filtro_txt);
    PERFORM estoque_cache.criar_gatilhos(id, $2, 'estoque_cache.trg_fonte');
    linhas := estoque_cache.contar_anexo_novo(id);
    PERFORM estoque_cache.fold(NULL, true);
    PERFORM estoque_cache.registrar('attach', $2::text, inicio, linhas,
                                    jsonb_build_object('anexo_id', id, 'fonte', f));
    RETURN (SELECT jsonb_build_object('anexo_id', a.anexo_id, 'fonte', a.fonte,
                                      'tabela', a.tabela::text, 'produto', a.produto,
                                      'quantidade', a.quantidade, 'data', a.data,
                                      'filtro', a.filtro, 'linhas', linhas)
              FROM estoque_cache.anexo a WHERE a.anexo_id = id);
END;
$$;

REVOKE ALL ON FUNCTION estoque_cache.apagar_contribuicao(integer),
    estoque_cache.consulta_fonte(estoque_cache.anexo),
    estoque_cache.contar_anexo_novo(integer)
FROM PUBLIC;

/* ------------------------------------------------------------------------
 * Partitioned tables
 * ------------------------------------------------------------------------ */

/*
 * The replica path of a table that holds rows (a plain table, a leaf
 * partition): row triggers enabled REPLICA, which fire only where statement
 * triggers do not — in logical replication's apply and initial copy, and in
 * sessions with session_replication_role = replica — so that every row is
 * counted once, by one path or the other.
 */
CREATE FUNCTION estoque_cache.criar_gatilhos_replica(tabela regclass, funcao text, args text,
                                                     prefixo text)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    alvo text := estoque_cache.nome_qualificado(tabela);
    evento text;
BEGIN
    FOREACH evento IN ARRAY ARRAY['ins', 'upd', 'del'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s FOR EACH ROW EXECUTE FUNCTION %s(%s)',
                       prefixo || 'rep_' || evento,
                       CASE evento WHEN 'ins' THEN 'INSERT' WHEN 'upd' THEN 'UPDATE'
                                   ELSE 'DELETE' END,
                       alvo, funcao, args);
        EXECUTE format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', alvo,
                       prefixo || 'rep_' || evento);
    END LOOP;
END;
$$;

/*
 * Put the enabled state of a table's cache triggers back where the cache
 * needs it after an ALTER TABLE ... ENABLE TRIGGER (ALL, USER or by name,
 * as pg_restore --disable-triggers and DBAs do): the statement triggers fire
 * in ordinary sessions (ORIGIN), the replica path's row triggers only where
 * those do not (REPLICA), TRUNCATE everywhere (ALWAYS).  Any other state
 * would count rows twice or not at all.  A disabled trigger stays disabled
 * (status reports it).  One ALTER TABLE for all of them.
 */
CREATE FUNCTION estoque_cache.normalizar_gatilhos(tabela regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    comandos text;
BEGIN
    SELECT string_agg(format('%s TRIGGER %I', x.estado, x.tgname), ', ')
      INTO comandos
      FROM (SELECT t.tgname,
                   -- tgtype: 1 row, 4 insert, 8 delete, 16 update, 32 truncate
                   CASE WHEN t.tgtype & 1 = 1 THEN 'ENABLE REPLICA'
                        WHEN t.tgtype & (4 | 8 | 16) = 0 THEN 'ENABLE ALWAYS'
                        ELSE 'ENABLE' END AS estado,
                   CASE WHEN t.tgtype & 1 = 1 THEN 'R'
                        WHEN t.tgtype & (4 | 8 | 16) = 0 THEN 'A'
                        ELSE 'O' END AS devido,
                   t.tgenabled
              FROM pg_trigger t
             WHERE t.tgrelid = tabela
               AND t.tgfoid IN ('estoque_cache.trg_fonte()'::regprocedure,
                                'estoque_cache.trg_codigos()'::regprocedure)) x
     WHERE x.tgenabled <> 'D' AND x.tgenabled <> x.devido;
    IF comandos IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %s %s', estoque_cache.nome_qualificado(tabela), comandos);
    END IF;
END;
$$;

/*
 * The statement triggers of one partition of an attached partitioned table
 * (or of a partition of one of its partitions).  A statement fires the
 * triggers of the table it names only, so writes through the partitioned
 * table and writes straight into a partition are each counted once.  A leaf
 * partition's TRUNCATE trigger fires BEFORE, to subtract the rows it is
 * about to lose (subtrair_particao); a partitioned partition has no rows of
 * its own, and its leaves are truncated with it.
 */
CREATE FUNCTION estoque_cache.criar_gatilhos_particao(p_anexo integer, particao regclass,
                                                      prefixo text DEFAULT 'estoque_cache_')
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    alvo text := estoque_cache.nome_qualificado(particao);
    anx estoque_cache.anexo;
    args text;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    args := format('%L, %L, %L, %L, %L, %L, %L, %L', anx.anexo_id, anx.fonte,
                   coalesce(anx.produto, ''), coalesce(anx.quantidade, ''), coalesce(anx.data, ''),
                   coalesce(anx.destino, ''), coalesce(anx.nome, ''), coalesce(anx.filtro, ''));
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS novas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION estoque_cache.trg_fonte(%s)', prefixo || 'ins', alvo, args);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS antigas NEW TABLE AS novas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION estoque_cache.trg_fonte(%s)', prefixo || 'upd', alvo, args);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS antigas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION estoque_cache.trg_fonte(%s)', prefixo || 'del', alvo, args);
    IF (SELECT relkind FROM pg_class WHERE oid = particao) = 'r' THEN
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION estoque_cache.trg_fonte(%s)',
                       prefixo || 'trunc', alvo, args);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', alvo, prefixo || 'trunc');
        PERFORM estoque_cache.criar_gatilhos_replica(particao, 'estoque_cache.trg_fonte', args,
                                                     prefixo);
    END IF;
END;
$$;

/*
 * Give every partition of an attached partitioned table its triggers, and
 * take them from tables that are no longer its partitions (DETACH
 * PARTITION): a detached table's rows leave the cache with it.
 */
CREATE FUNCTION estoque_cache.sincronizar_gatilhos_particoes(p_anexo integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    r record;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    FOR r IN SELECT p.relid FROM pg_partition_tree(anx.tabela) p
              WHERE p.relid <> anx.tabela
                AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                                 WHERE t.tgrelid = p.relid
                                   AND t.tgfoid = 'estoque_cache.trg_fonte()'::regprocedure)
    LOOP
        PERFORM estoque_cache.criar_gatilhos_particao(p_anexo, r.relid);
    END LOOP;
    FOR r IN SELECT DISTINCT t.tgrelid FROM pg_trigger t
              WHERE t.tgfoid = 'estoque_cache.trg_fonte()'::regprocedure
                AND t.tgrelid <> anx.tabela
                AND (estoque_cache.argumentos_gatilho(t.oid))[1] = p_anexo::text
                AND NOT EXISTS (SELECT 1 FROM pg_partition_tree(anx.tabela) p
                                 WHERE p.relid = t.tgrelid)
    LOOP
        PERFORM estoque_cache.remover_gatilhos(r.tgrelid::regclass, NULL);
    END LOOP;
END;
$$;

/*
 * BEFORE TRUNCATE of a leaf partition: append the deltas that subtract its
 * rows, read as every committed transaction left them (TRUNCATE holds the
 * partition exclusively, so no other write to it is in progress).
 */
CREATE FUNCTION estoque_cache.subtrair_particao(p_anexo integer, particao regclass)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    anx.tabela := particao;     -- its own rows: a leaf, read ONLY
    INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade)
    SELECT f.codigo, p_anexo, f.data, estoque_cache.fonte_numero(anx.fonte), -f.q
      FROM estoque_cache.ler_como_dono(particao, estoque_cache.consulta_fonte(anx), NULL, true)
           AS f(codigo text, data date, q numeric)
     WHERE f.q <> 0;
END;
$$;

/*
 * A table that would inherit (INHERITS, ALTER TABLE ... INHERIT) from an
 * attached table is refused: the cache follows declarative partitions only.
 */
CREATE FUNCTION estoque_cache.recusar_heranca(relid oid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    pai regclass;
BEGIN
    SELECT a.tabela INTO pai
      FROM pg_inherits i JOIN estoque_cache.anexo a ON a.tabela = i.inhparent
      JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhrelid = relid AND NOT c.relispartition
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
            MESSAGE = format('table %s cannot inherit from %s, which is attached to estoque_cache',
                             relid::regclass, pai),
            DETAIL = 'Writes to a parent or to its children fire different statement triggers, '
                     'which table inheritance does not let the cache follow.',
            HINT = 'Use declarative partitioning (PARTITION BY), or detach the parent first.';
    END IF;
END;
$$;

/*
 * A table was created: a new partition of an attached table gets its
 * triggers (it is empty: nothing to count); a table that inherits from an
 * attached one is refused; one with the name of a dropped attached table is
 * attached again (reanexar).
 */
CREATE FUNCTION estoque_cache.nova_tabela(relid oid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
BEGIN
    IF (SELECT relispartition FROM pg_class WHERE oid = relid) THEN
        SELECT a.* INTO anx FROM estoque_cache.anexo a
         WHERE a.tabela IN (SELECT p.relid FROM pg_partition_ancestors(relid) p);
        IF FOUND THEN
            PERFORM estoque_cache.criar_gatilhos_particao(anx.anexo_id, relid::regclass);
            UPDATE estoque_cache.anexo x
               SET assinatura = estoque_cache.assinatura(x),
                   gatilhos_ativos = estoque_cache.gatilhos_ativos(x)
             WHERE x.anexo_id = anx.anexo_id;
        END IF;
        RETURN;
    END IF;
    PERFORM estoque_cache.recusar_heranca(relid);
    PERFORM estoque_cache.reanexar(relid);
END;
$$;

REVOKE ALL ON FUNCTION estoque_cache.criar_gatilhos_particao(integer, regclass, text),
    estoque_cache.criar_gatilhos_replica(regclass, text, text, text),
    estoque_cache.normalizar_gatilhos(regclass),
    estoque_cache.sincronizar_gatilhos_particoes(integer),
    estoque_cache.subtrair_particao(integer, regclass),
    estoque_cache.recusar_heranca(oid),
    estoque_cache.nova_tabela(oid)
FROM PUBLIC;

/* ------------------------------------------------------------------------
 * Principal order without numeric (a million-digit code overflowed it)
 * ------------------------------------------------------------------------ */

/*
 * Codes of a group in principal order, each once, NULLs left out: by
 * integer value when every code is an integer, otherwise by text in byte
 * order; the first is the principal.  Integers are compared by their digits
 * (sign, then number of digits without leading zeros, then the digits),
 * never through numeric, which a code of a million digits would overflow;
 * ties (0012 and 12, -0 and 0) in byte order.  In C (src/consultas.c), with
 * the comparison the read path uses (src/grupos.c): it runs once per group
 * whenever groups are computed, and as SQL it cost a plan each time.
 */
CREATE OR REPLACE FUNCTION estoque_cache.ordenar_codigos(codigos text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'estoque_cache_ordenar_codigos' LANGUAGE C IMMUTABLE STRICT;

/* ------------------------------------------------------------------------
 * Last: the triggers of the attached tables, made again
 * ------------------------------------------------------------------------ */

/*
 * The triggers of 1.0 carry only the attachment id: create them again with
 * the attachment's definition, keeping each one's enabled state.
 */
DO $$
DECLARE
    anx estoque_cache.anexo;
    nomes name[];
    estados text[];
    alvo text;
BEGIN
    FOR anx IN SELECT * FROM estoque_cache.anexo ORDER BY anexo_id LOOP
        alvo := estoque_cache.nome_qualificado(anx.tabela);
        SELECT array_agg(t.tgname ORDER BY t.tgname), array_agg(t.tgenabled::text ORDER BY t.tgname)
          INTO nomes, estados
          FROM pg_trigger t
         WHERE t.tgrelid = anx.tabela AND t.tgname LIKE 'estoque\_cache\_%';
        FOR i IN 1 .. coalesce(cardinality(nomes), 0) LOOP
            EXECUTE format('DROP TRIGGER %I ON %s', nomes[i], alvo);
        END LOOP;
        PERFORM estoque_cache.criar_gatilhos(anx.anexo_id, anx.tabela,
            CASE WHEN anx.fonte IN ('unificacao', 'produtos') THEN 'estoque_cache.trg_codigos'
                 ELSE 'estoque_cache.trg_fonte' END);
        FOR i IN 1 .. coalesce(cardinality(nomes), 0) LOOP
            CONTINUE WHEN estados[i] = 'O';
            EXECUTE format('ALTER TABLE %s %s TRIGGER %I', alvo,
                           CASE estados[i] WHEN 'D' THEN 'DISABLE'
                                WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'ENABLE ALWAYS' END,
                           nomes[i]);
        END LOOP;
    END LOOP;
END;
$$;

/* ------------------------------------------------------------------------
 * Link and catalogue writers only append (estoque_cache.aresta_delta,
 * nome_delta); the folder folds them and regroups; repairs append
 * corrections and lock the attached tables all at once or none.
 * ------------------------------------------------------------------------ */
DROP FUNCTION estoque_cache.sincronizar_codigos(integer, text[]);
DROP FUNCTION estoque_cache.travar_codigos(integer);
DROP FUNCTION estoque_cache.sincronizar_arestas(integer, text[]);
DROP FUNCTION estoque_cache.sincronizar_nomes(integer, text[]);

-- a link's count may reach zero in a fold (the row is then deleted)
ALTER TABLE estoque_cache.aresta DROP CONSTRAINT aresta_n_check;

/*
 * Append-only link changes: +1 / -1 per active link row a statement added
 * or removed (netted per statement), and the repairs' corrections.  A
 * link exists in a snapshot when aresta.n plus the visible changes is
 * positive; the folder moves them into aresta and regroups.
 */
CREATE TABLE estoque_cache.aresta_delta (
    a        text COLLATE "C" NOT NULL,
    b        text COLLATE "C" NOT NULL,
    anexo_id integer NOT NULL,
    n        integer NOT NULL
);
ALTER TABLE estoque_cache.aresta_delta SET (autovacuum_vacuum_scale_factor = 0.0,
                                            autovacuum_vacuum_threshold = 1000,
                                            vacuum_truncate = false);

-- names are counted per (code, name) now: the table is recomputed below
DROP TABLE estoque_cache.nome;

/*
 * Product names from the attached catalogues, as folded: how many rows of
 * each catalogue give each code each name (n).  A code's name is the
 * smallest (byte order) of the names of the catalogue with the lowest
 * anexo_id that names it.  Written only by the folder (and by detach).
 */
CREATE TABLE estoque_cache.nome (
    codigo   text COLLATE "C" NOT NULL,
    anexo_id integer NOT NULL,
    nome     text COLLATE "C" NOT NULL,
    n        integer NOT NULL,
    PRIMARY KEY (codigo, anexo_id, nome)
);

/* Append-only name changes, like aresta_delta: +1 / -1 per (code, name). */
CREATE TABLE estoque_cache.nome_delta (
    codigo   text COLLATE "C" NOT NULL,
    anexo_id integer NOT NULL,
    nome     text COLLATE "C" NOT NULL,
    n        integer NOT NULL
);
ALTER TABLE estoque_cache.nome_delta SET (autovacuum_vacuum_scale_factor = 0.0,
                                          autovacuum_vacuum_threshold = 1000,
                                          vacuum_truncate = false);
REVOKE ALL ON estoque_cache.aresta_delta, estoque_cache.nome, estoque_cache.nome_delta FROM PUBLIC;

/*
 * The links of one link table as its rows give them, for the rows that
 * touch `codigos` (all when NULL): (a, b, n), a <= b in byte order, read as
 * the table's owner (see ler_como_dono).  Empty when the table is gone.
 */
CREATE OR REPLACE FUNCTION estoque_cache.arestas_da_tabela(p_anexo integer, codigos text[])
    RETURNS TABLE (a text, b text, n bigint)
    LANGUAGE plpgsql STABLE     -- in its caller's snapshot (corrigir_arestas)
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = anx.tabela) THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT least(l.o, l.d)::text, greatest(l.o, l.d)::text, count(*)
          FROM (SELECT x.o COLLATE "C" AS o, x.d COLLATE "C" AS d
                  FROM estoque_cache.ler_como_dono(anx.tabela, format($q$
                           SELECT (%1$I)::text AS o, (%2$I)::text AS d
                             FROM ONLY %3$s
                            WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND (%4$s)
                              AND ($1 IS NULL OR (%1$I)::text = ANY ($1)
                                   OR (%2$I)::text = ANY ($1))
                           $q$, anx.produto, anx.destino,
                           estoque_cache.nome_qualificado(anx.tabela),
                           coalesce(anx.filtro, 'true')), codigos) AS x(o text, d text)) l
         GROUP BY 1, 2;
END;
$$;

/*
 * Bring the links of one link table that touch `codigos` (all when NULL) in
 * line with the table: append to estoque_cache.aresta_delta the difference
 * between the table and the cache (aresta plus the visible changes), both
 * read in one statement, so writers that have not committed are in neither
 * side.  Returns the corrections appended.
 */
CREATE OR REPLACE FUNCTION estoque_cache.corrigir_arestas(p_anexo integer, codigos text[])
    RETURNS bigint
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH fontes AS (
        SELECT f.a COLLATE "C" AS a, f.b COLLATE "C" AS b, f.n
          FROM estoque_cache.arestas_da_tabela(p_anexo, codigos) f
    ), cache AS (
        SELECT c.a, c.b, sum(c.n) AS n
          FROM (SELECT a, b, n FROM estoque_cache.aresta
                 WHERE anexo_id = p_anexo
                   AND (codigos IS NULL OR a = ANY (codigos) OR b = ANY (codigos))
                UNION ALL
                SELECT a, b, n FROM estoque_cache.aresta_delta
                 WHERE anexo_id = p_anexo
                   AND (codigos IS NULL OR a = ANY (codigos) OR b = ANY (codigos))) c
         GROUP BY 1, 2
    ), corrigidas AS (
        INSERT INTO estoque_cache.aresta_delta (a, b, anexo_id, n)
        SELECT coalesce(f.a, c.a), coalesce(f.b, c.b), p_anexo,
               (coalesce(f.n, 0) - coalesce(c.n, 0))::integer
          FROM fontes f FULL JOIN cache c ON c.a = f.a AND c.b = f.b
         WHERE coalesce(f.n, 0) <> coalesce(c.n, 0)
        RETURNING 1
    )
    SELECT count(*) FROM corrigidas
$$;

/*
 * The same for the names of one catalogue: (code, name) counted over its
 * rows with both non-null, against nome plus the visible nome_delta.
 */
CREATE OR REPLACE FUNCTION estoque_cache.corrigir_nomes(p_anexo integer, codigos text[])
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    consulta text := 'SELECT NULL::text, NULL::text WHERE false';
    corrigidos bigint;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = anx.tabela) THEN
        -- the catalogue's rows, read as the table's owner (see ler_como_dono)
        consulta := format($q$
            SELECT (%1$I)::text AS c, (%2$I)::text AS n
              FROM ONLY %3$s
             WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL
               AND ($1 IS NULL OR (%1$I)::text = ANY ($1))
            $q$, anx.produto, anx.nome, estoque_cache.nome_qualificado(anx.tabela));
    END IF;
    WITH fontes AS (
        SELECT x.c COLLATE "C" AS codigo, x.n COLLATE "C" AS nome, count(*) AS n
          FROM estoque_cache.ler_como_dono(anx.tabela, consulta, codigos) AS x(c text, n text)
         GROUP BY 1, 2
    ), cache AS (
        SELECT c.codigo, c.nome, sum(c.n) AS n
          FROM (SELECT codigo, nome, n FROM estoque_cache.nome
                 WHERE anexo_id = p_anexo AND (codigos IS NULL OR codigo = ANY (codigos))
                UNION ALL
                SELECT codigo, nome, n FROM estoque_cache.nome_delta
                 WHERE anexo_id = p_anexo AND (codigos IS NULL OR codigo = ANY (codigos))) c
         GROUP BY 1, 2
    ), corrigidas AS (
        INSERT INTO estoque_cache.nome_delta (codigo, anexo_id, nome, n)
        SELECT coalesce(f.codigo, c.codigo), p_anexo, coalesce(f.nome, c.nome),
               (coalesce(f.n, 0) - coalesce(c.n, 0))::integer
          FROM fontes f FULL JOIN cache c ON c.codigo = f.codigo AND c.nome = f.nome
         WHERE coalesce(f.n, 0) <> coalesce(c.n, 0)
        RETURNING 1
    )
    SELECT count(*) INTO corrigidos FROM corrigidas;
    RETURN corrigidos;
END;
$$;

/*
 * The groups as the caller's snapshot sees them where they differ from
 * estoque_cache.grupo: the links are aresta plus the visible aresta_delta
 * (a link exists while its count is positive).  With `codigos`, the
 * components of those codes; without, the components of every code a
 * visible link change touches and of the other members of their folded
 * groups.  One row per code reached; principal NULL for a group of one.
 * Readers call it only when link changes are pending.
 */
CREATE OR REPLACE FUNCTION estoque_cache.grupos_pendentes(codigos text[])
    RETURNS TABLE (codigo text, principal text)
    LANGUAGE sql STABLE
    -- no SET: the planner inlines it into its callers' queries, which run
    -- with search_path = pg_catalog, pg_temp and jit off (grupos_vistos,
    -- and the plans src/grupos.c keeps); not executable by PUBLIC
AS $$
    WITH RECURSIVE pendentes AS MATERIALIZED (
        SELECT d.a, d.b, sum(d.n) AS n FROM estoque_cache.aresta_delta d GROUP BY 1, 2
    ), sementes AS (
        SELECT u.c COLLATE "C" AS c FROM unnest(codigos) AS u(c)
         WHERE codigos IS NOT NULL AND u.c IS NOT NULL
        UNION
        SELECT x.c FROM (SELECT p.a AS c FROM pendentes p UNION SELECT p.b FROM pendentes p) x
         WHERE codigos IS NULL
        UNION
        SELECT g2.codigo FROM pendentes p
          JOIN estoque_cache.grupo g1 ON g1.codigo IN (p.a, p.b)
          JOIN estoque_cache.grupo g2 ON g2.principal = g1.principal
         WHERE codigos IS NULL
    ), alcance(s, c) AS (
        SELECT s.c, s.c FROM sementes s
        UNION
        SELECT r.s, v.o
          FROM alcance r
         CROSS JOIN LATERAL (
               SELECT CASE WHEN e.a = r.c THEN e.b ELSE e.a END AS o
                 FROM (SELECT x.a, x.b, x.n::numeric AS n FROM estoque_cache.aresta x
                        WHERE x.a = r.c
                       UNION ALL
                       SELECT x.a, x.b, x.n FROM estoque_cache.aresta x
                        WHERE x.b = r.c AND x.a <> r.c
                       UNION ALL
                       SELECT p.a, p.b, p.n FROM pendentes p
                        WHERE p.a = r.c OR p.b = r.c) e
                GROUP BY e.a, e.b
               HAVING sum(e.n) > 0) v
    ), componentes AS (
        SELECT DISTINCT estoque_cache.ordenar_codigos(array_agg(r.c)) AS membros
          FROM alcance r GROUP BY r.s
    )
    SELECT DISTINCT m.c::text,
           CASE WHEN cardinality(cp.membros) > 1 THEN cp.membros[1]::text END
      FROM componentes cp, unnest(cp.membros) AS m(c)
$$;

/*
 * Every code in a group of two or more and its principal, as the caller's
 * snapshot sees them: estoque_cache.grupo where no pending link change
 * reaches, grupos_pendentes where one does.
 */
CREATE OR REPLACE FUNCTION estoque_cache.grupos_vistos()
    RETURNS TABLE (codigo text, principal text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    SET jit = off   -- small queries whose JIT compilation would cost 0.5 s
AS $$
    WITH pendentes AS MATERIALIZED (
        SELECT p.codigo COLLATE "C" AS codigo, p.principal COLLATE "C" AS principal
          FROM estoque_cache.grupos_pendentes(NULL) p
    )
    SELECT g.codigo::text, g.principal::text FROM estoque_cache.grupo g
     WHERE NOT EXISTS (SELECT 1 FROM pendentes p WHERE p.codigo = g.codigo)
    UNION ALL
    SELECT p.codigo::text, p.principal::text FROM pendentes p WHERE p.principal IS NOT NULL
$$;

/*
 * The names as the caller's snapshot sees them, for the codes (of
 * `codigos`, or all) that a visible estoque_cache.nome_delta row touches:
 * NULL when the code has no name any more.
 */
CREATE OR REPLACE FUNCTION estoque_cache.nomes_pendentes(codigos text[])
    RETURNS TABLE (codigo text, nome text)
    LANGUAGE sql STABLE
    -- no SET: the planner inlines it into its callers' queries, which run
    -- with search_path = pg_catalog, pg_temp and jit off (grupos_vistos,
    -- and the plans src/grupos.c keeps); not executable by PUBLIC
AS $$
    WITH tocados AS MATERIALIZED (
        SELECT DISTINCT d.codigo FROM estoque_cache.nome_delta d
         WHERE codigos IS NULL OR d.codigo = ANY (codigos)
    ), contagem AS (
        SELECT x.codigo, x.anexo_id, x.nome
          FROM (SELECT v.codigo, v.anexo_id, v.nome, v.n FROM estoque_cache.nome v
                 WHERE v.codigo IN (SELECT t.codigo FROM tocados t)
                UNION ALL
                SELECT d.codigo, d.anexo_id, d.nome, d.n FROM estoque_cache.nome_delta d
                 WHERE d.codigo IN (SELECT t.codigo FROM tocados t)) x
         GROUP BY 1, 2, 3
        HAVING sum(x.n) > 0
    )
    SELECT t.codigo::text,
           (SELECT c.nome FROM contagem c WHERE c.codigo = t.codigo
             ORDER BY c.anexo_id, c.nome LIMIT 1)::text
      FROM tocados t
$$;

/*
 * Called by trg_codigos (as the cache owner) with a statement's net link
 * (or name) changes: appended, never updated, so that writers of links and
 * names wait for nobody and deadlock with nobody because of the cache.
 */
CREATE OR REPLACE FUNCTION estoque_cache.anotar_arestas(p_anexo integer, a text[], b text[], n integer[])
    RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO estoque_cache.aresta_delta (a, b, anexo_id, n)
    SELECT u.a, u.b, p_anexo, u.n FROM unnest(a, b, n) AS u(a, b, n) WHERE u.n <> 0
$$;

CREATE OR REPLACE FUNCTION estoque_cache.anotar_nomes(p_anexo integer, codigo text[], nome text[],
                                           n integer[])
    RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO estoque_cache.nome_delta (codigo, anexo_id, nome, n)
    SELECT u.c, p_anexo, u.nm, u.n FROM unnest(codigo, nome, n) AS u(c, nm, n) WHERE u.n <> 0
$$;

/*
 * Move committed link and name changes into aresta and nome, and regroup
 * the codes whose links changed; the caller holds the folder's lock.
 * Returns how many changes were moved and how many rows of grupo changed.
 */
CREATE OR REPLACE FUNCTION estoque_cache.fold_codigos(OUT movidas bigint, OUT reagrupados bigint)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tocados text[];
    nomeados text[];
    k1 bigint;
    k2 bigint;
BEGIN
    reagrupados := 0;
    WITH movidas AS (
        DELETE FROM estoque_cache.aresta_delta d RETURNING d.a, d.b, d.anexo_id, d.n
    ), somas AS (
        SELECT m.a, m.b, m.anexo_id, sum(m.n)::integer AS n, count(*) AS k
          FROM movidas m GROUP BY 1, 2, 3
    ), gravadas AS (
        INSERT INTO estoque_cache.aresta AS x (a, b, anexo_id, n)
        SELECT s.a, s.b, s.anexo_id, s.n FROM somas s WHERE s.n <> 0
        ON CONFLICT (a, b, anexo_id) DO UPDATE SET n = x.n + excluded.n
    )
    SELECT array_agg(s.a) FILTER (WHERE s.n <> 0) || array_agg(s.b) FILTER (WHERE s.n <> 0),
           coalesce(sum(s.k), 0)
      INTO tocados, k1 FROM somas s;
    DELETE FROM estoque_cache.aresta WHERE n = 0;

    WITH movidas AS (
        DELETE FROM estoque_cache.nome_delta d
        RETURNING d.codigo, d.anexo_id, d.nome, d.n
    ), somas AS (
        SELECT m.codigo, m.anexo_id, m.nome, sum(m.n)::integer AS n, count(*) AS k
          FROM movidas m GROUP BY 1, 2, 3
    ), gravadas AS (
        INSERT INTO estoque_cache.nome AS x (codigo, anexo_id, nome, n)
        SELECT s.codigo, s.anexo_id, s.nome, s.n FROM somas s WHERE s.n <> 0
        ON CONFLICT (codigo, anexo_id, nome) DO UPDATE SET n = x.n + excluded.n
    )
    SELECT coalesce(sum(s.k), 0), array_agg(DISTINCT s.codigo) FILTER (WHERE s.n <> 0)
      INTO k2, nomeados FROM somas s;
    DELETE FROM estoque_cache.nome WHERE n = 0;

    IF cardinality(tocados) > 0 THEN
        reagrupados := estoque_cache.reagrupar(tocados);
    END IF;
    IF k1 + k2 > 0 THEN
        PERFORM estoque_cache.travar_unificacao();
        PERFORM estoque_cache.resumir(coalesce(tocados, '{}') || coalesce(nomeados, '{}'));
    END IF;
    movidas := k1 + k2;
END;
$$;

/*
 * Before a repair reads the attached tables: serialise with other repairs,
 * then take ACCESS SHARE on every attached table, all at once or none.  A
 * table that is locked (TRUNCATE, DDL) is waited for while holding none of
 * the others, so a repair cannot close a cycle of waits with a transaction
 * that locks several attached tables in any order; it waits for it and then
 * reads, in a snapshot taken after the locks, what that transaction did.
 */
CREATE OR REPLACE FUNCTION estoque_cache.travar_reparo() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t regclass;
    esperar text;
BEGIN
    PERFORM pg_advisory_xact_lock(4532, 1);
    LOOP
        esperar := NULL;
        BEGIN
            FOR t IN SELECT x.tabela FROM estoque_cache.anexo x
                      WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = x.tabela)
                      ORDER BY x.anexo_id LOOP
                esperar := estoque_cache.nome_qualificado(t);
                EXECUTE format('LOCK TABLE ONLY %s IN ACCESS SHARE MODE NOWAIT', esperar);
            END LOOP;
            RETURN;
        EXCEPTION WHEN lock_not_available OR undefined_table THEN
            NULL;   -- every lock taken in the block is released
        END;
        IF esperar IS NOT NULL THEN
            BEGIN
                -- wait for that one, holding no other, and let it go again
                EXECUTE format('LOCK TABLE ONLY %s IN ACCESS SHARE MODE', esperar);
                RAISE EXCEPTION USING ERRCODE = 'EC001';
            EXCEPTION WHEN SQLSTATE 'EC001' OR undefined_table THEN
                NULL;
            END;
        END IF;
    END LOOP;
END;
$$;

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
    consulta text;
    n bigint;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    -- the source side, read as the table's owner (see ler_como_dono); locked
    -- before the statement's snapshot is taken, as reading it directly would, so
    -- that no TRUNCATE commits between that snapshot and the read
    EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE',
                   estoque_cache.nome_qualificado(anx.tabela));
    consulta := estoque_cache.consulta_fonte(anx);
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
 * Recompute the groups of `codigos` (every group when NULL) from the folded
 * links: the connected components over estoque_cache.aresta reached from
 * those codes and from the other members of their current groups.  Writes
 * only the rows of estoque_cache.grupo that change; returns how many.  Run
 * by the folder and the repairs, under the folder's lock.
 */
CREATE OR REPLACE FUNCTION estoque_cache.reagrupar(codigos text[]) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sementes text[];
    nos text[];
    novos_codigos text[];
    novos_principais text[];
    n1 bigint;
    n2 bigint;
BEGIN
    IF codigos IS NULL THEN
        SELECT array_agg(DISTINCT x.c) INTO sementes
          FROM (SELECT a AS c FROM estoque_cache.aresta
                UNION SELECT b FROM estoque_cache.aresta
                UNION SELECT codigo FROM estoque_cache.grupo) x;
    ELSE
        SELECT array_agg(DISTINCT x.c) INTO sementes
          FROM (SELECT u.c COLLATE "C" AS c FROM unnest(codigos) AS u(c) WHERE u.c IS NOT NULL
                UNION
                SELECT g2.codigo FROM estoque_cache.grupo g1
                  JOIN estoque_cache.grupo g2 ON g2.principal = g1.principal
                 WHERE g1.codigo = ANY (codigos)) x;
    END IF;
    IF sementes IS NULL THEN
        RETURN 0;
    END IF;

    WITH RECURSIVE alcance(s, c) AS (
        SELECT u.s COLLATE "C", u.s COLLATE "C" FROM unnest(sementes) AS u(s)
        UNION
        SELECT r.s, CASE WHEN x.a = r.c THEN x.b ELSE x.a END
          FROM alcance r JOIN estoque_cache.aresta x ON (x.a = r.c OR x.b = r.c) AND x.n > 0
    ), componentes AS (
        SELECT DISTINCT estoque_cache.ordenar_codigos(array_agg(r.c)) AS membros
          FROM alcance r GROUP BY r.s
    ), novos AS (
        SELECT m.c AS codigo, cp.membros[1] AS principal
          FROM componentes cp, unnest(cp.membros) AS m(c)
         WHERE cardinality(cp.membros) > 1
    )
    SELECT (SELECT array_agg(DISTINCT r.c) FROM alcance r),
           (SELECT array_agg(codigo) FROM novos),
           (SELECT array_agg(principal) FROM novos)
      INTO nos, novos_codigos, novos_principais;

    DELETE FROM estoque_cache.grupo g
     WHERE g.codigo = ANY (nos)
       AND NOT EXISTS (SELECT 1 FROM unnest(novos_codigos, novos_principais) AS n(c, p)
                        WHERE n.c = g.codigo AND n.p = g.principal);
    GET DIAGNOSTICS n1 = ROW_COUNT;

    INSERT INTO estoque_cache.grupo (codigo, principal)
    SELECT n.c, n.p FROM unnest(novos_codigos, novos_principais) AS n(c, p)
    ON CONFLICT (codigo) DO NOTHING;
    GET DIAGNOSTICS n2 = ROW_COUNT;
    RETURN n1 + n2;
END;
$$;

/*
 * Move committed deltas into estoque_cache.saldo, at most `limite` of them,
 * in one statement (one snapshot): readers see either the deltas or the
 * folded result, never both or neither.  Only one folder runs at a time;
 * with esperar = false a busy folder makes this return 0 at once.
 */
CREATE OR REPLACE FUNCTION estoque_cache.fold(limite integer DEFAULT NULL, esperar boolean DEFAULT false)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    movidas bigint;
    tocados text[];
BEGIN
    IF esperar THEN
        PERFORM pg_advisory_xact_lock(4532, 0);
    ELSIF NOT pg_try_advisory_xact_lock(4532, 0) THEN
        RETURN 0;
    END IF;

    WITH movidas AS (
        DELETE FROM estoque_cache.delta d
         WHERE d.ctid = ANY (ARRAY(SELECT x.ctid FROM estoque_cache.delta x
                                    LIMIT coalesce(limite, 2147483647)))
        RETURNING d.codigo, d.anexo_id, d.data, d.fonte, d.quantidade, d.atualizado_em
    ), somas AS (
        SELECT m.codigo, m.anexo_id, m.data, min(m.fonte) AS fonte,
               sum(m.quantidade) AS quantidade, max(m.atualizado_em) AS atualizado_em,
               count(*) AS n
          FROM movidas m
         GROUP BY m.codigo, m.anexo_id, m.data
    ), gravadas AS (
        INSERT INTO estoque_cache.saldo AS s
               (codigo, anexo_id, data, fonte, quantidade, atualizado_em)
        SELECT codigo, anexo_id, data, fonte, quantidade, atualizado_em FROM somas
        ON CONFLICT (codigo, anexo_id, data) DO UPDATE
           SET quantidade = s.quantidade + excluded.quantidade,
               atualizado_em = greatest(s.atualizado_em, excluded.atualizado_em)
    )
    SELECT coalesce(sum(n), 0), array_agg(DISTINCT codigo) INTO movidas, tocados FROM somas;

    IF movidas > 0 THEN
        DELETE FROM estoque_cache.saldo WHERE quantidade = 0;
        PERFORM estoque_cache.versao_saldo();
    END IF;
    PERFORM estoque_cache.fold_codigos();
    -- the stored rows follow, in this transaction: the groups of the codes
    -- moved, or all of them for another day or other settings (resumir sees it)
    PERFORM estoque_cache.resumir(coalesce(tocados, '{}'));
    RETURN movidas;
END;
$$;

/*
 * Create the triggers of an attached table.  Their arguments are the
 * attachment's definition (id, fonte, produto, quantidade, data, destino,
 * nome, filtro; '' for none), so that a table restored from a dump brings
 * its attachment with it (registrar_de_gatilho); the triggers themselves find
 * the attachment by their table.  Their names start with `prefixo`:
 * estoque_cache_, or estoque_cache_reanexo_ for the triggers of a table
 * attached again when it was created (reanexar), which the restored ones
 * replace if they come.
 */
CREATE OR REPLACE FUNCTION estoque_cache.criar_gatilhos(p_anexo integer, tabela regclass, funcao text,
                                             prefixo text DEFAULT 'estoque_cache_')
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    alvo text := estoque_cache.nome_qualificado(tabela);
    anx estoque_cache.anexo;
    args text;
    particao regclass;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    args := format('%L, %L, %L, %L, %L, %L, %L, %L', anx.anexo_id, anx.fonte,
                   coalesce(anx.produto, ''), coalesce(anx.quantidade, ''), coalesce(anx.data, ''),
                   coalesce(anx.destino, ''), coalesce(anx.nome, ''), coalesce(anx.filtro, ''));
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS novas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION %s(%s)', prefixo || 'ins', alvo, funcao, args);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS antigas NEW TABLE AS novas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION %s(%s)', prefixo || 'upd', alvo, funcao, args);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS antigas FOR EACH STATEMENT '
                   'EXECUTE FUNCTION %s(%s)', prefixo || 'del', alvo, funcao, args);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION %s(%s)', prefixo || 'trunc', alvo, funcao,
                   args);
    -- TRUNCATE in every session, replica ones too (logical replication applies it)
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', alvo, prefixo || 'trunc');
    IF (SELECT relkind FROM pg_class WHERE oid = tabela) = 'r' THEN
        PERFORM estoque_cache.criar_gatilhos_replica(tabela, funcao, args, prefixo);
    END IF;
    FOR particao IN SELECT p.relid FROM pg_partition_tree(tabela) p WHERE p.relid <> tabela LOOP
        PERFORM estoque_cache.criar_gatilhos_particao(p_anexo, particao, prefixo);
    END LOOP;
    UPDATE estoque_cache.anexo x
       SET assinatura = estoque_cache.assinatura(x),
           gatilhos_ativos = estoque_cache.gatilhos_ativos(x),
           dono = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = x.tabela)
     WHERE x.anexo_id = p_anexo;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.estoque_cache_attach_unificacao(
    tabela regclass DEFAULT 'unificacao_codigos'::text::regclass,
    origem text DEFAULT 'codigo_origem', destino text DEFAULT 'codigo_destino',
    filtro text DEFAULT 'ativo')
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    inicio timestamptz := clock_timestamp();
    id integer;
    linhas bigint;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'tabela must not be null';
    END IF;
    id := estoque_cache.registrar_anexo('unificacao', $1, $2, NULL, NULL, $3, NULL, $4);
    PERFORM estoque_cache.criar_gatilhos(id, $1, 'estoque_cache.trg_codigos');
    linhas := estoque_cache.corrigir_arestas(id, NULL);
    PERFORM estoque_cache.fold(NULL, true);
    PERFORM estoque_cache.registrar('attach', $1::text, inicio, linhas,
                                    jsonb_build_object('anexo_id', id, 'fonte', 'unificacao'));
    RETURN (SELECT jsonb_build_object('anexo_id', a.anexo_id, 'fonte', a.fonte,
                                      'tabela', a.tabela::text, 'origem', a.produto,
                                      'destino', a.destino, 'filtro', a.filtro,
                                      'linhas', linhas)
              FROM estoque_cache.anexo a WHERE a.anexo_id = id);
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.estoque_cache_attach_produtos(tabela regclass,
    codigo text DEFAULT 'cod_produto', nome text DEFAULT 'nome_produto')
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    inicio timestamptz := clock_timestamp();
    id integer;
    linhas bigint;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'tabela must not be null';
    END IF;
    id := estoque_cache.registrar_anexo('produtos', $1, $2, NULL, NULL, NULL, $3, NULL);
    PERFORM estoque_cache.criar_gatilhos(id, $1, 'estoque_cache.trg_codigos');
    linhas := estoque_cache.corrigir_nomes(id, NULL);
    PERFORM estoque_cache.fold(NULL, true);
    PERFORM estoque_cache.registrar('attach', $1::text, inicio, linhas,
                                    jsonb_build_object('anexo_id', id, 'fonte', 'produtos'));
    RETURN (SELECT jsonb_build_object('anexo_id', a.anexo_id, 'fonte', a.fonte,
                                      'tabela', a.tabela::text, 'codigo', a.produto,
                                      'nome', a.nome, 'linhas', linhas)
              FROM estoque_cache.anexo a WHERE a.anexo_id = id);
END;
$$;

/*
 * Remove an attachment and its whole contribution.  Called by
 * estoque_cache_detach and by the event trigger when the table is dropped
 * (then its triggers are already gone).
 */
CREATE OR REPLACE FUNCTION estoque_cache.remover_anexo(p_anexo integer, remover_gatilhos boolean)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    tocados text[];
    n bigint := 0;
    k bigint;
BEGIN
    SELECT * INTO STRICT anx FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    IF remover_gatilhos THEN
        PERFORM estoque_cache.remover_gatilhos(anx.tabela, NULL);
    END IF;
    -- no fold may move this attachment's deltas while they are removed
    PERFORM pg_advisory_xact_lock(4532, 0);
    PERFORM estoque_cache.travar_anexo(p_anexo);
    PERFORM estoque_cache.versao_saldo();
    -- as every committed transaction left them, whatever the isolation level
    n := n + estoque_cache.apagar_contribuicao(p_anexo);
    IF anx.fonte IN ('unificacao', 'produtos') THEN
        PERFORM estoque_cache.travar_unificacao();
    END IF;
    IF anx.fonte = 'unificacao' THEN
        DELETE FROM estoque_cache.aresta_delta WHERE anexo_id = p_anexo;
        GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
        WITH removidas AS (
            DELETE FROM estoque_cache.aresta WHERE anexo_id = p_anexo RETURNING a, b)
        SELECT array_agg(r.a) || array_agg(r.b), count(*) INTO tocados, k FROM removidas r;
        n := n + k + estoque_cache.reagrupar(coalesce(tocados, '{}'));
    END IF;
    DELETE FROM estoque_cache.anexo WHERE anexo_id = p_anexo;
    PERFORM estoque_cache.resumir(NULL);
    RETURN n;
END;
$$;

/*
 * Common part of rebuild and refresh: correct every attachment for
 * `codigos`.  Corrections are appended like the writers' changes; only the
 * groups of the folded links are rewritten here, under the folder's lock
 * (the folder is the only other writer of estoque_cache.grupo).  Writers
 * never wait for a repair: it takes only ACCESS SHARE on their tables
 * (travar_reparo).
 */
CREATE OR REPLACE FUNCTION estoque_cache.corrigir(codigos text[], progresso boolean) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anx estoque_cache.anexo;
    linhas bigint := 0;
    k integer := 0;
    total integer;
    tocados text[];
    g bigint;
BEGIN
    PERFORM estoque_cache.travar_reparo();
    -- the folder is held off; what is pending is folded first (not a fix)
    PERFORM pg_advisory_xact_lock(4532, 0);
    PERFORM estoque_cache.fold_codigos();
    SELECT count(*) + 2 INTO total FROM estoque_cache.anexo;
    FOR anx IN SELECT * FROM estoque_cache.anexo WHERE fonte = 'unificacao' ORDER BY anexo_id LOOP
        k := k + 1;
        IF progresso THEN
            RAISE NOTICE 'progresso %/%: links %', k, total, anx.tabela;
        END IF;
        linhas := linhas + estoque_cache.corrigir_arestas(anx.anexo_id, codigos);
    END LOOP;
    k := k + 1;
    IF progresso THEN
        RAISE NOTICE 'progresso %/%: groups', k, total;
    END IF;
    -- the corrections folded at once (their regrouping is the fold's, not
    -- counted: other writers' committed changes fold with them), and groups
    -- that drifted from the folded links recomputed
    PERFORM estoque_cache.fold_codigos();
    IF codigos IS NOT NULL THEN
        SELECT array_agg(x.a) || array_agg(x.b) INTO tocados
          FROM estoque_cache.aresta x WHERE x.a = ANY (codigos) OR x.b = ANY (codigos);
    END IF;
    g := estoque_cache.reagrupar(CASE WHEN codigos IS NULL THEN NULL
                                      ELSE codigos || coalesce(tocados, '{}') END);
    IF g > 0 THEN
        PERFORM estoque_cache.travar_unificacao();
    END IF;
    PERFORM estoque_cache.resumir(CASE WHEN codigos IS NULL THEN NULL
                                       ELSE codigos || coalesce(tocados, '{}') END);
    linhas := linhas + g;
    FOR anx IN SELECT * FROM estoque_cache.anexo WHERE fonte <> 'unificacao' ORDER BY anexo_id LOOP
        k := k + 1;
        IF progresso THEN
            RAISE NOTICE 'progresso %/%: % %', k, total, anx.fonte, anx.tabela;
        END IF;
        IF anx.fonte = 'produtos' THEN
            linhas := linhas + estoque_cache.corrigir_nomes(anx.anexo_id, codigos);
        ELSE
            linhas := linhas + estoque_cache.corrigir_anexo(anx.anexo_id, codigos);
        END IF;
    END LOOP;
    k := k + 1;
    IF progresso THEN
        RAISE NOTICE 'progresso %/%: fold', k, total;
    END IF;
    RETURN linhas;
END;
$$;

/*
 * Bring one attachment's whole contribution in line with its table; `novo`
 * for an attachment just registered (see contar_anexo_novo).
 */
CREATE OR REPLACE FUNCTION estoque_cache.corrigir_um(p_anexo integer, novo boolean DEFAULT false)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    CASE (SELECT fonte FROM estoque_cache.anexo WHERE anexo_id = p_anexo)
        WHEN 'unificacao' THEN
            RETURN estoque_cache.corrigir_arestas(p_anexo, NULL);
        WHEN 'produtos' THEN
            RETURN estoque_cache.corrigir_nomes(p_anexo, NULL);
        ELSE
            IF novo THEN
                RETURN estoque_cache.contar_anexo_novo(p_anexo);
            END IF;
            RETURN estoque_cache.corrigir_anexo(p_anexo, NULL);
    END CASE;
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
        -- locked before the comparison's snapshot is taken (see corrigir_anexo)
        IF anx.fonte <> 'produtos' THEN
            EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE',
                           estoque_cache.nome_qualificado(anx.tabela));
        END IF;
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
                estoque_cache.consulta_fonte(anx));
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
        ), grupos AS MATERIALIZED (
            SELECT g.codigo COLLATE "C" AS codigo, g.principal COLLATE "C" AS principal
              FROM estoque_cache.grupos_vistos() g
        ), cache(codigo, fonte, data, q) AS (
            SELECT codigo, fonte, data, quantidade FROM estoque_cache.saldo
            UNION ALL
            SELECT codigo, fonte, data, quantidade FROM estoque_cache.delta
        ), por_fonte AS (
            SELECT coalesce(k.principal, f.codigo) AS principal, f.fonte, f.data, f.q
              FROM fontes f LEFT JOIN componentes k ON k.codigo = f.codigo
        ), por_cache AS (
            SELECT coalesce(g.principal, c.codigo) AS principal, c.fonte, c.data, c.q
              FROM cache c LEFT JOIN grupos g ON g.codigo = c.codigo
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
              FROM grupos g
              FULL JOIN componentes k ON k.codigo = g.codigo
             WHERE coalesce(g.principal, g.codigo, k.codigo)
                   IS DISTINCT FROM coalesce(k.principal, k.codigo, g.codigo)
            UNION ALL
            -- the view's stored rows and their events, then their documents,
            -- against the folded tables they come from (rows stored for
            -- another day are recomputed when read: then only which rows
            -- exist is compared); documents by their bytes (*=), printed only
            -- when they differ
            SELECT k.cod_produto, k.campo,
                   CASE k.campo WHEN 'linha guardada' THEN k.linha_guardada
                                ELSE k.detalhe_guardado::text END,
                   CASE k.campo WHEN 'linha guardada' THEN k.linha_dobrada
                                ELSE k.detalhe_dobrado::text END
              FROM (SELECT coalesce(x.cod_produto, g.cod_produto) AS cod_produto,
                           g.linha AS linha_guardada, x.linha AS linha_dobrada,
                           g.detalhe AS detalhe_guardado, x.detalhe AS detalhe_dobrado,
                           CASE WHEN g.cod_produto IS NULL OR x.cod_produto IS NULL
                                     OR NOT g.tem_linha
                                     OR (h.hoje AND g.linha IS DISTINCT FROM x.linha)
                                THEN 'linha guardada'
                                WHEN h.hoje
                                     AND NOT row(g.cod_produto, g.detalhe)::estoque_cache.resumo_detalhe
                                         *= row(x.cod_produto, x.detalhe)::estoque_cache.resumo_detalhe
                                THEN 'detalhe guardado' END AS campo
                      FROM (SELECT d.cod_produto, d.detalhe,
                                   row(d.cod_produto, d.nome_produto, d.codigos, d.saldo_atual,
                                       d.qtd_carteira, d.qtd_pre_separacao, d.qtd_separacao,
                                       d.saldo_disponivel, d.previsao_ruptura_7d, d.data_ruptura,
                                       d.status_ruptura, d.atualizado_em, d.visivel,
                                       d.eventos_data, d.eventos_saida, d.eventos_producao)::text
                                       AS linha
                              FROM estoque_cache.linhas_dobradas(NULL) d) x
                      FULL JOIN (SELECT coalesce(r.cod_produto, v.cod_produto, w.cod_produto)
                                            AS cod_produto,
                                        row(r.cod_produto, r.nome_produto, r.codigos,
                                            r.saldo_atual, r.qtd_carteira, r.qtd_pre_separacao,
                                            r.qtd_separacao, r.saldo_disponivel,
                                            r.previsao_ruptura_7d, r.data_ruptura,
                                            r.status_ruptura, r.atualizado_em, r.visivel,
                                            v.eventos_data, v.eventos_saida,
                                            v.eventos_producao)::text AS linha,
                                        w.detalhe, r.cod_produto IS NOT NULL AS tem_linha
                                   FROM estoque_cache.resumo r
                                   FULL JOIN estoque_cache.resumo_evento v
                                     ON v.cod_produto = r.cod_produto
                                   FULL JOIN estoque_cache.resumo_detalhe w
                                     ON w.cod_produto = coalesce(r.cod_produto, v.cod_produto)) g
                        ON g.cod_produto = x.cod_produto
                     CROSS JOIN (SELECT (SELECT c.chave FROM estoque_cache.resumo_chave c)
                                        IS NOT DISTINCT FROM estoque_cache.chave_atual()
                                        AS hoje) h) k
             WHERE k.campo IS NOT NULL
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

/* Groups and codes the cache knows. */
CREATE OR REPLACE FUNCTION estoque_cache.contagem(OUT grupos bigint, OUT codigos bigint)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH grupos AS MATERIALIZED (
        SELECT g.codigo COLLATE "C" AS codigo, g.principal FROM estoque_cache.grupos_vistos() g
    )
    SELECT count(*) - (SELECT count(*) FROM grupos)
                    + (SELECT count(DISTINCT principal) FROM grupos),
           count(*)
      FROM (SELECT codigo FROM estoque_cache.saldo
            UNION SELECT codigo FROM estoque_cache.delta
            UNION SELECT codigo FROM grupos) c
$$;

CREATE OR REPLACE FUNCTION @extschema@.estoque_cache_status() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    fontes jsonb;
    alertas jsonb := '[]';
    ultimo jsonb;
BEGIN
    SELECT * INTO c FROM estoque_cache.contagem();
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'anexo_id', x.anexo_id, 'fonte', x.fonte,
               'tabela', CASE WHEN x.existe THEN x.tabela::text END,
               'filtro', x.filtro,
               'gatilhos', x.gatilhos,
               'gatilhos_ativos', x.ativos) ORDER BY x.anexo_id), '[]')
      INTO fontes
      FROM (SELECT a.*, EXISTS (SELECT 1 FROM pg_class WHERE oid = a.tabela) AS existe,
                   coalesce((SELECT jsonb_object_agg(t.tgname, CASE t.tgenabled
                                 WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled'
                                 WHEN 'R' THEN 'replica only' WHEN 'A' THEN 'always' END)
                               FROM pg_trigger t
                              WHERE t.tgrelid = a.tabela AND t.tgname LIKE 'estoque\_cache\_%'),
                            '{}') AS gatilhos,
                   estoque_cache.gatilhos_ativos(a) AS ativos
              FROM estoque_cache.anexo a) x;

    SELECT coalesce(jsonb_agg(m), '[]') INTO alertas FROM (
        SELECT format('triggers of %s (%s) are missing or disabled: the cache may drift from it; '
                      'enable them and run estoque_cache_refresh()', f->>'tabela', f->>'fonte') AS m
          FROM jsonb_array_elements(fontes) f
         WHERE NOT (f->>'gatilhos_ativos')::boolean

        UNION ALL
        SELECT format('table %s has estoque_cache triggers but is not attached: its writes are '
                      'refused; attach it, or drop its estoque_cache_* triggers', t.tgrelid::regclass)
          FROM pg_trigger t
         WHERE t.tgfoid IN ('estoque_cache.trg_fonte()'::regprocedure,
                            'estoque_cache.trg_codigos()'::regprocedure)
           AND NOT EXISTS (SELECT 1 FROM estoque_cache.anexo a
                            WHERE a.tabela = t.tgrelid
                               OR a.tabela IN (SELECT p.relid
                                                 FROM pg_partition_ancestors(t.tgrelid) p))
         GROUP BY t.tgrelid
        UNION ALL
        SELECT format('%s deltas have waited more than 5 minutes to be folded: nothing folds them, '
                      'so reads slow down as they pile up; preload the library '
                      '(shared_preload_libraries = ''estoque_cache'') or schedule '
                      'SELECT estoque_cache_fold() (README, Settings)', x.n)
          FROM (SELECT count(*) AS n FROM estoque_cache.delta
                 WHERE atualizado_em < now() - interval '5 minutes') x
         WHERE x.n > 0) s;

    SELECT jsonb_build_object('quando', l.inicio, 'por', l.usuario,
                              'duracao_ms', round(extract(epoch FROM l.duracao) * 1000, 1),
                              'linhas_corrigidas', l.linhas)
      INTO ultimo
      FROM estoque_cache.log l WHERE l.operacao = 'rebuild' ORDER BY l.id DESC LIMIT 1;

    RETURN jsonb_build_object(
        'versao', (SELECT extversion FROM pg_extension WHERE extname = 'estoque_cache'),
        'grupos', c.grupos,
        'codigos', c.codigos,
        'codigos_agrupados', (SELECT count(*) FROM estoque_cache.grupos_vistos()),
        'fontes', fontes,
        'alertas', alertas,
        'ultimo_rebuild', ultimo,
        'deltas_pendentes', (SELECT count(*) FROM estoque_cache.delta),
        'linhas_consolidadas', (SELECT count(*) FROM estoque_cache.saldo),
        'configuracao', (SELECT to_jsonb(x) FROM estoque_cache.config() x));
END;
$$;

/*
 * Whether every cache trigger of an attachment is there and fires: the
 * statement triggers in ordinary sessions, the row triggers of the replica
 * path in replica sessions, on the table and on each of its partitions.
 */
CREATE OR REPLACE FUNCTION estoque_cache.gatilhos_ativos(anx estoque_cache.anexo) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT bool_and(x.certo)
      FROM (SELECT p.relid,
                   count(*) FILTER (WHERE t.tgtype & 1 = 0 AND t.tgenabled IN ('O', 'A'))
                       = CASE WHEN p.relid <> anx.tabela AND NOT p.isleaf THEN 3
                              ELSE 4 END
                   AND count(*) FILTER (WHERE t.tgtype & 1 = 1 AND t.tgenabled IN ('R', 'A'))
                       = CASE WHEN p.isleaf THEN 3 ELSE 0 END AS certo
              FROM (SELECT anx.tabela::oid AS relid,
                           (SELECT relkind FROM pg_class WHERE oid = anx.tabela) = 'r' AS isleaf
                    UNION
                    SELECT q.relid, q.isleaf FROM pg_partition_tree(anx.tabela) q) p
              LEFT JOIN pg_trigger t
                ON t.tgrelid = p.relid
               AND t.tgfoid IN ('estoque_cache.trg_fonte()'::regprocedure,
                                'estoque_cache.trg_codigos()'::regprocedure)
             GROUP BY p.relid, p.isleaf) x
$$;

REVOKE ALL ON FUNCTION estoque_cache.arestas_da_tabela(integer, text[]),
    estoque_cache.corrigir_arestas(integer, text[]),
    estoque_cache.corrigir_nomes(integer, text[]),
    estoque_cache.grupos_pendentes(text[]),
    estoque_cache.grupos_vistos(),
    estoque_cache.nomes_pendentes(text[]),
    estoque_cache.anotar_arestas(integer, text[], text[], integer[]),
    estoque_cache.anotar_nomes(integer, text[], text[], integer[]),
    estoque_cache.fold_codigos(OUT bigint, OUT bigint),
    estoque_cache.travar_reparo()
FROM PUBLIC;

/* ------------------------------------------------------------------------
 * The view reads stored rows (estoque_cache.resumo) like a table: a filter
 * on cod_produto reaches an index; nothing is kept per backend.
 * ------------------------------------------------------------------------ */
DROP INDEX estoque_cache.delta_codigo_idx;
-- in the database's collation, as the view's cod_produto: a lookup of a code
-- that only pending deltas know reaches it by this index
CREATE INDEX delta_codigo_idx ON estoque_cache.delta (codigo COLLATE "default");
-- readers look through it once per snapshot, and by code (src/resumo.c)
CREATE INDEX aresta_delta_a_idx ON estoque_cache.aresta_delta (a);
CREATE INDEX aresta_delta_b_idx ON estoque_cache.aresta_delta (b);
CREATE INDEX nome_delta_codigo_idx ON estoque_cache.nome_delta (codigo);

/*
 * The view's row of every group of the folded state (saldo, grupo, nome,
 * nothing pending): groups with figures, and groups of two or more codes,
 * computed for the D0 and settings of estoque_cache.resumo_chave.
 * visivel: it has something to show.  Written only by
 * estoque_cache.resumir, in the transactions that write the folded tables,
 * so that every snapshot sees it consistent with them.  The view reads it
 * by its primary key and computes afresh only what pending changes touch
 * in the reader's snapshot (src/resumo.c).  Its rows are as narrow as the
 * view's: a list reads every page of it.
 */
CREATE TABLE estoque_cache.resumo (
    cod_produto         text PRIMARY KEY,   -- the principal, in the view's collation
    nome_produto        text,
    codigos             text[] NOT NULL,
    saldo_atual         numeric NOT NULL,
    qtd_carteira        numeric NOT NULL,
    qtd_pre_separacao   numeric NOT NULL,
    qtd_separacao       numeric NOT NULL,
    saldo_disponivel    numeric NOT NULL,
    previsao_ruptura_7d numeric NOT NULL,
    data_ruptura        date,
    status_ruptura      text NOT NULL,
    atualizado_em       timestamptz,
    visivel             boolean NOT NULL
);
CREATE INDEX resumo_codigos_idx ON estoque_cache.resumo USING gin (codigos)
    WITH (fastupdate = off);

/*
 * The folded exits (pre_separacao + separacao) and production of a stored
 * group by date ('-infinity': undated), ordered by date, for the groups
 * that have any: what the projection needs for another D0, so that a row
 * is brought up to date with pending deltas, another day or other settings
 * without reading the folded tables.  Read by primary key, only for the
 * groups pending work touches; written with resumo.
 */
CREATE TABLE estoque_cache.resumo_evento (
    cod_produto      text PRIMARY KEY,  -- a principal of resumo
    eventos_data     date[] NOT NULL,
    eventos_saida    numeric[] NOT NULL,
    eventos_producao numeric[] NOT NULL
);

/*
 * The document estoque_cache_produto() returns for each stored group (its
 * view's columns and the projection over the horizon), computed with the
 * row: a lookup when nothing pending touches the group reads it as it
 * would read a plain table's column.  Apart from resumo, whose rows a list
 * reads whole, and written with it.
 */
CREATE TABLE estoque_cache.resumo_detalhe (
    cod_produto text PRIMARY KEY,  -- a principal of resumo
    detalhe     jsonb NOT NULL
);
-- compressed with lz4 where the server has it: a fold writes many of them
DO $do$
BEGIN
    IF 'lz4' = ANY ((SELECT s.enumvals FROM pg_catalog.pg_settings s
                      WHERE s.name = 'default_toast_compression')::text[]) THEN
        ALTER TABLE estoque_cache.resumo_detalhe ALTER COLUMN detalhe SET COMPRESSION lz4;
    END IF;
END;
$do$;

/*
 * The chave (estoque_cache.chave_atual(): D0 and the settings) every row of
 * resumo, resumo_evento and resumo_detalhe was computed for.
 */
CREATE TABLE estoque_cache.resumo_chave (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    chave text NOT NULL
);

REVOKE ALL ON estoque_cache.resumo, estoque_cache.resumo_evento, estoque_cache.resumo_detalhe,
    estoque_cache.resumo_chave FROM PUBLIC;

/* The read path of the view (src/resumo.c). */
CREATE FUNCTION estoque_cache.chave_atual() RETURNS text
    AS 'MODULE_PATHNAME', 'estoque_cache_chave_atual' LANGUAGE C STABLE;

CREATE FUNCTION estoque_cache.intacto(principal text, codigos text[])
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'estoque_cache_intacto' LANGUAGE C STABLE STRICT;

/*
 * They return rows of estoque_cache.resumo (visivel always true), whose type
 * the executor finds in the type cache on every execution of the view.
 */
CREATE FUNCTION estoque_cache.linha_recalculada(r estoque_cache.resumo)
    RETURNS SETOF estoque_cache.resumo AS 'MODULE_PATHNAME', 'estoque_cache_linha_recalculada'
    LANGUAGE C STABLE STRICT ROWS 1;

CREATE FUNCTION estoque_cache.linhas_pendentes()
    RETURNS SETOF estoque_cache.resumo AS 'MODULE_PATHNAME', 'estoque_cache_linhas_pendentes'
    LANGUAGE C STABLE ROWS 10;

CREATE FUNCTION estoque_cache.por_linha() RETURNS boolean
    AS 'MODULE_PATHNAME', 'estoque_cache_por_linha' LANGUAGE C STABLE;

CREATE FUNCTION estoque_cache.linha_nova(codigo text, linha tid)
    RETURNS SETOF estoque_cache.resumo AS 'MODULE_PATHNAME', 'estoque_cache_linha_nova'
    LANGUAGE C STABLE STRICT ROWS 1;

/*
 * Rows of estoque_cache.resumo from the folded state, for some groups or all,
 * each with its dated events (NULL when none), as estoque_cache.resumo_evento
 * keeps them, and its document, as estoque_cache.resumo_detalhe keeps it.
 */
CREATE FUNCTION estoque_cache.linhas_dobradas(principais text[],
    OUT cod_produto text, OUT nome_produto text, OUT codigos text[],
    OUT saldo_atual numeric, OUT qtd_carteira numeric,
    OUT qtd_pre_separacao numeric, OUT qtd_separacao numeric,
    OUT saldo_disponivel numeric, OUT previsao_ruptura_7d numeric,
    OUT data_ruptura date, OUT status_ruptura text,
    OUT atualizado_em timestamptz, OUT visivel boolean,
    OUT eventos_data date[], OUT eventos_saida numeric[], OUT eventos_producao numeric[],
    OUT detalhe jsonb)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'estoque_cache_linhas_dobradas' LANGUAGE C STABLE CALLED ON NULL INPUT;

/*
 * Store again the rows of estoque_cache.resumo of the groups of `codigos`
 * (as the folded tables now make them: the groups the codes were in and
 * the groups they are in), or of every group when NULL, and of every group
 * too when the day or the settings changed since they were stored (an empty
 * array then stores them all, and else nothing).  Called in every
 * transaction that writes saldo, grupo or nome, after those writes, and by
 * estoque_cache_configurar.
 */
CREATE FUNCTION estoque_cache.resumir(codigos text[]) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    pedidos text[] := codigos;  -- NULL: every group
    guardadas text[];           -- the stored rows that hold one of them
    alvos text[];
    linhas bigint;
BEGIN
    -- the folder's lock (already held by the folds, repairs and detach): two
    -- transactions storing the same group's row would collide on its key
    PERFORM pg_advisory_xact_lock(4532, 0);
    -- every stored row is computed for one chave: for another one, all of them
    IF (SELECT c.chave FROM estoque_cache.resumo_chave c) IS DISTINCT FROM
       estoque_cache.chave_atual() THEN
        pedidos := NULL;
    ELSIF cardinality(pedidos) = 0 THEN
        RETURN 0;
    END IF;
    IF pedidos IS NOT NULL THEN
        -- the stored rows that hold one of the codes: for a few codes by the
        -- GIN index of codigos; for many, in one pass that joins the rows'
        -- members with the codes (testing each row's codes against an array
        -- costs the array's length per row)
        IF cardinality(pedidos) <= 64 THEN
            SELECT array_agg(r.cod_produto) INTO guardadas FROM estoque_cache.resumo r
             WHERE r.codigos && pedidos OR r.cod_produto = ANY (pedidos);
        ELSE
            SELECT array_agg(DISTINCT r.cod_produto) INTO guardadas
              FROM estoque_cache.resumo r
             CROSS JOIN LATERAL unnest(r.codigos) AS m(c)
              JOIN (SELECT DISTINCT u.c FROM unnest(pedidos) AS u(c)) AS p ON p.c = m.c;
        END IF;
        -- the groups, in estoque_cache.grupo, of the codes and of every
        -- member of those rows
        SELECT array_agg(DISTINCT coalesce(g.principal, x.c)) INTO alvos
          FROM (SELECT u.c FROM unnest(pedidos) AS u(c) WHERE u.c IS NOT NULL
                UNION
                SELECT m.c FROM unnest(guardadas) AS t(p)
                  JOIN estoque_cache.resumo r ON r.cod_produto = t.p
                 CROSS JOIN LATERAL unnest(r.codigos) AS m(c)) AS x
          LEFT JOIN estoque_cache.grupo g ON g.codigo = x.c COLLATE "C";
        IF alvos IS NULL THEN
            RETURN 0;
        END IF;
    END IF;
    -- Rows are updated in place, and only when they changed: an update that
    -- keeps the key and the codes finds room on its own page (HOT), so the
    -- tables keep their size instead of growing by a copy at every fold.
    -- Compared as text: numeric equality would keep 1.0 where 1.00 is due.
    WITH novas AS MATERIALIZED (
        SELECT * FROM estoque_cache.linhas_dobradas(alvos)
    ), escopo AS (
        -- the rows this call may delete: all, or those found above and the
        -- groups' own (joined, not searched in arrays, whatever their size)
        SELECT r.cod_produto FROM estoque_cache.resumo r WHERE alvos IS NULL
        UNION
        SELECT u.c FROM unnest(guardadas) AS u(c)
        UNION
        SELECT u.c FROM unnest(alvos) AS u(c)
    ), mudadas AS (
        UPDATE estoque_cache.resumo AS r
           SET (nome_produto, codigos, saldo_atual, qtd_carteira, qtd_pre_separacao,
                qtd_separacao, saldo_disponivel, previsao_ruptura_7d, data_ruptura,
                status_ruptura, atualizado_em, visivel)
             = (n.nome_produto, n.codigos, n.saldo_atual, n.qtd_carteira, n.qtd_pre_separacao,
                n.qtd_separacao, n.saldo_disponivel, n.previsao_ruptura_7d, n.data_ruptura,
                n.status_ruptura, n.atualizado_em, n.visivel)
          FROM novas AS n
         WHERE r.cod_produto = n.cod_produto
           AND r::text IS DISTINCT FROM
               row(n.cod_produto, n.nome_produto, n.codigos, n.saldo_atual, n.qtd_carteira,
                   n.qtd_pre_separacao, n.qtd_separacao, n.saldo_disponivel,
                   n.previsao_ruptura_7d, n.data_ruptura, n.status_ruptura, n.atualizado_em,
                   n.visivel)::text
    ), apagadas AS (
        DELETE FROM estoque_cache.resumo AS r
         USING escopo e
         WHERE r.cod_produto = e.cod_produto
           AND NOT EXISTS (SELECT FROM novas n WHERE n.cod_produto = r.cod_produto)
    ), inseridas AS (
        INSERT INTO estoque_cache.resumo
        SELECT n.cod_produto, n.nome_produto, n.codigos, n.saldo_atual, n.qtd_carteira,
               n.qtd_pre_separacao, n.qtd_separacao, n.saldo_disponivel,
               n.previsao_ruptura_7d, n.data_ruptura, n.status_ruptura, n.atualizado_em,
               n.visivel
          FROM novas n
         WHERE NOT EXISTS (SELECT FROM estoque_cache.resumo r WHERE r.cod_produto = n.cod_produto)
    ), eventos_mudados AS (
        UPDATE estoque_cache.resumo_evento AS v
           SET (eventos_data, eventos_saida, eventos_producao)
             = (n.eventos_data, n.eventos_saida, n.eventos_producao)
          FROM novas AS n
         WHERE v.cod_produto = n.cod_produto AND n.eventos_data IS NOT NULL
           AND row(v.eventos_data, v.eventos_saida, v.eventos_producao)::text
               IS DISTINCT FROM row(n.eventos_data, n.eventos_saida, n.eventos_producao)::text
    ), eventos_apagados AS (
        DELETE FROM estoque_cache.resumo_evento AS v
         USING (SELECT e.cod_produto FROM escopo e
                UNION
                SELECT n.cod_produto FROM novas n) AS e
         WHERE v.cod_produto = e.cod_produto
           AND NOT EXISTS (SELECT FROM novas n
                            WHERE n.cod_produto = v.cod_produto AND n.eventos_data IS NOT NULL)
    ), eventos_inseridos AS (
        INSERT INTO estoque_cache.resumo_evento
        SELECT n.cod_produto, n.eventos_data, n.eventos_saida, n.eventos_producao
          FROM novas n
         WHERE n.eventos_data IS NOT NULL
           AND NOT EXISTS (SELECT FROM estoque_cache.resumo_evento v
                            WHERE v.cod_produto = n.cod_produto)
    ), detalhes_apagados AS (
        -- by the primary key too: the codes are few, the table is wide
        DELETE FROM estoque_cache.resumo_detalhe AS w
         WHERE w.cod_produto = ANY (ARRAY(SELECT e.cod_produto FROM escopo e
                                          EXCEPT
                                          SELECT n.cod_produto FROM novas n))
    ), detalhes_gravados AS (
        -- one probe of the primary key per document, never a pass over the
        -- table (a fold stores a few groups of many); rewritten only when
        -- its bytes differ (*=, a numeric's scale is in them; as text the
        -- comparison would cost about what writing one does)
        INSERT INTO estoque_cache.resumo_detalhe AS w
        SELECT n.cod_produto, n.detalhe FROM novas n
            ON CONFLICT (cod_produto) DO UPDATE SET detalhe = excluded.detalhe
         WHERE NOT w *= row(excluded.cod_produto, excluded.detalhe)::estoque_cache.resumo_detalhe
    )
    SELECT count(*) INTO linhas FROM novas;
    IF pedidos IS NULL THEN
        INSERT INTO estoque_cache.resumo_chave AS c (id, chave)
        VALUES (true, estoque_cache.chave_atual())
        ON CONFLICT (id) DO UPDATE SET chave = excluded.chave;
    END IF;
    RETURN linhas;
END;
$$;

/*
 * Read like a table (src/resumo.c): the stored row of each group nothing
 * pending touches; the groups pending work touches and the codes only
 * pending deltas know, computed in the reader's snapshot, all at once for a
 * list (linhas_pendentes(), which also gives the groups pending links make)
 * or row by row for a lookup (por_linha() says which, once per query).  A
 * filter on cod_produto reaches the primary key of resumo and the index of
 * delta.
 */
CREATE OR REPLACE VIEW @extschema@.estoque_cache_saldo AS
    SELECT r.cod_produto, r.nome_produto, r.codigos, r.saldo_atual, r.qtd_carteira,
           r.qtd_pre_separacao, r.qtd_separacao, r.saldo_disponivel, r.previsao_ruptura_7d,
           r.data_ruptura, r.status_ruptura, r.atualizado_em
      FROM estoque_cache.resumo r
     WHERE r.visivel AND estoque_cache.intacto(r.cod_produto, r.codigos)
    UNION ALL
    SELECT l.cod_produto, l.nome_produto, l.codigos, l.saldo_atual, l.qtd_carteira,
           l.qtd_pre_separacao, l.qtd_separacao, l.saldo_disponivel, l.previsao_ruptura_7d,
           l.data_ruptura, l.status_ruptura, l.atualizado_em
      FROM estoque_cache.linhas_pendentes() l
    UNION ALL
    SELECT r.cod_produto, l.nome_produto, l.codigos, l.saldo_atual, l.qtd_carteira,
           l.qtd_pre_separacao, l.qtd_separacao, l.saldo_disponivel, l.previsao_ruptura_7d,
           l.data_ruptura, l.status_ruptura, l.atualizado_em
      FROM estoque_cache.resumo r
     CROSS JOIN LATERAL estoque_cache.linha_recalculada(r) l
     WHERE estoque_cache.por_linha() AND NOT estoque_cache.intacto(r.cod_produto, r.codigos)
    UNION ALL
    SELECT d.codigo COLLATE "default", l.nome_produto, l.codigos, l.saldo_atual, l.qtd_carteira,
           l.qtd_pre_separacao, l.qtd_separacao, l.saldo_disponivel, l.previsao_ruptura_7d,
           l.data_ruptura, l.status_ruptura, l.atualizado_em
      FROM estoque_cache.delta d
     CROSS JOIN LATERAL estoque_cache.linha_nova(d.codigo, d.ctid) l
     WHERE estoque_cache.por_linha();

CREATE OR REPLACE FUNCTION @extschema@.estoque_cache_configurar(horizonte_dias integer DEFAULT NULL,
    janela_critica_dias integer DEFAULT NULL, estoque_minimo numeric DEFAULT NULL,
    fuso_horario text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    inicio timestamptz := clock_timestamp();
    atual record;
    h integer;
    j integer;
    m numeric;
    z text;
BEGIN
    SELECT * INTO atual FROM estoque_cache.config();
    h := coalesce($1, atual.horizonte_dias);
    j := coalesce($2, atual.janela_critica_dias);
    m := coalesce($3, atual.estoque_minimo);
    z := coalesce($4, atual.fuso_horario);
    IF h < 1 OR h > 366 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('horizonte_dias must be between 1 and 366, not %s', h);
    END IF;
    IF j < 0 OR j >= h THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('janela_critica_dias must be between 0 and horizonte_dias - 1 (%s), not %s', h - 1, j),
            HINT = 'The critical window is part of the horizon: D0..D(janela).';
    END IF;
    IF m IS NULL OR m = 'NaN'::numeric OR m IN ('Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'estoque_minimo must be a finite number';
    END IF;
    BEGIN
        PERFORM now() AT TIME ZONE z;
    EXCEPTION WHEN invalid_parameter_value OR feature_not_supported THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown time zone %L', z),
            HINT = 'Use a name from pg_timezone_names, e.g. America/Sao_Paulo.';
    END;
    INSERT INTO estoque_cache.configuracao AS c
           (id, horizonte_dias, janela_critica_dias, estoque_minimo, fuso_horario)
    VALUES (true, h, j, m, z)
    ON CONFLICT (id) DO UPDATE
       SET horizonte_dias = excluded.horizonte_dias,
           janela_critica_dias = excluded.janela_critica_dias,
           estoque_minimo = excluded.estoque_minimo,
           fuso_horario = excluded.fuso_horario;
    PERFORM estoque_cache.resumir(NULL);
    PERFORM estoque_cache.registrar('configurar', NULL, inicio, 1,
        jsonb_build_object('horizonte_dias', h, 'janela_critica_dias', j,
                           'estoque_minimo', m, 'fuso_horario', z));
    RETURN (SELECT to_jsonb(c) - 'hoje' FROM estoque_cache.config() c);
END;
$$;

REVOKE ALL ON FUNCTION estoque_cache.chave_atual(),
    estoque_cache.linhas_dobradas(text[]),
    estoque_cache.resumir(text[]),
    estoque_cache.intacto(text, text[]),
    estoque_cache.linha_recalculada(estoque_cache.resumo),
    estoque_cache.linhas_pendentes(),
    estoque_cache.por_linha(),
    estoque_cache.linha_nova(text, tid)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION estoque_cache.intacto(text, text[]),
    estoque_cache.linha_recalculada(estoque_cache.resumo),
    estoque_cache.linhas_pendentes(),
    estoque_cache.por_linha(),
    estoque_cache.linha_nova(text, tid)
TO PUBLIC;

-- link tables and catalogues lose the BEFORE trigger that serialised their
-- writers; the names of every catalogue are counted again
DO $$
DECLARE
    anx estoque_cache.anexo;
    t record;
BEGIN
    FOR anx IN SELECT * FROM estoque_cache.anexo
                WHERE fonte IN ('unificacao', 'produtos') ORDER BY anexo_id LOOP
        FOR t IN SELECT g.tgname FROM pg_trigger g
                  WHERE g.tgrelid = anx.tabela
                    AND g.tgfoid = 'estoque_cache.trg_codigos()'::regprocedure
                    AND g.tgname LIKE 'estoque\_cache\_%trava' LOOP
            EXECUTE format('DROP TRIGGER %I ON %s', t.tgname,
                           estoque_cache.nome_qualificado(anx.tabela));
        END LOOP;
        IF anx.fonte = 'produtos' THEN
            PERFORM estoque_cache.corrigir_nomes(anx.anexo_id, NULL);
        END IF;
        UPDATE estoque_cache.anexo x SET gatilhos_ativos = estoque_cache.gatilhos_ativos(x)
         WHERE x.anexo_id = anx.anexo_id;
    END LOOP;
    PERFORM estoque_cache.fold(NULL, true);
END;
$$;
