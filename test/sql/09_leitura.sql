--
-- 09_leitura: the view read like a table (SPEC section 7).  The view is SQL
-- over estoque_cache.resumo, the stored row of each folded group; what
-- pending work touches in the reader's snapshot is computed afresh.  Every
-- step compares the view, row for row both ways, with the list computed from
-- the cache tables by another path (estoque_cache.saldo_grupos(NULL, NULL)),
-- with the view filtered on each principal, and with
-- estoque_cache_saldo_produto() of every code, and with the document of
-- estoque_cache_produto() of every code (its columns against the view's row,
-- its projection against estoque_cache_projecao(), which computes from the
-- cache tables): :checar prints the differences (must be none).  Lookups
-- must reach indexes, not the list.
--
\set SHOW_CONTEXT never
\pset null '<null>'
SET client_min_messages = warning;
SET jit = off;
SET DateStyle = 'ISO, YMD';

SELECT estoque_cache_configurar(29, 7, 10, 'America/Sao_Paulo') AS config;

CREATE SCHEMA t09;
SET search_path = t09, public;

CREATE TABLE movimentacao_estoque (
    id               bigserial PRIMARY KEY,
    cod_produto      varchar(50),
    qtd_movimentacao numeric(15,3),
    ativo            boolean DEFAULT true
);
CREATE TABLE separacao (
    id              bigserial PRIMARY KEY,
    cod_produto     varchar(50),
    qtd_saldo       numeric(15,3),
    expedicao       date,
    sincronizado_nf boolean
);
CREATE TABLE unificacao_codigos (
    id             bigserial PRIMARY KEY,
    codigo_origem  integer,
    codigo_destino integer,
    ativo          boolean DEFAULT true
);
CREATE TABLE cadastro (
    cod_produto  varchar(50) PRIMARY KEY,
    nome_produto text
);

SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque') IS NOT NULL AS anexado;
SELECT estoque_cache_attach('separacao', 'separacao') IS NOT NULL AS anexado;
SELECT estoque_cache_attach_unificacao('unificacao_codigos') IS NOT NULL AS anexado;
SELECT estoque_cache_attach_produtos('cadastro', 'cod_produto', 'nome_produto') IS NOT NULL
    AS anexado;

-- D0, today in the configured time zone
CREATE FUNCTION d0() RETURNS date LANGUAGE sql AS 'SELECT hoje FROM estoque_cache.config()';

-- every code this test uses
CREATE TABLE codigos_usados (c text PRIMARY KEY);
INSERT INTO codigos_usados SELECT (9000 + i)::text FROM generate_series(1, 12) i;

-- Differences between the view and two other readings of the same snapshot.
CREATE FUNCTION diferencas() RETURNS TABLE (onde text, cod_produto text, linha text)
LANGUAGE sql AS $$
    (SELECT 'so na view', v.cod_produto, v::text FROM public.estoque_cache_saldo v
     EXCEPT ALL
     SELECT 'so na view', g.cod_produto, g::text FROM estoque_cache.saldo_grupos(NULL, NULL) g)
    UNION ALL
    (SELECT 'so na lista', g.cod_produto, g::text FROM estoque_cache.saldo_grupos(NULL, NULL) g
     EXCEPT ALL
     SELECT 'so na lista', v.cod_produto, v::text FROM public.estoque_cache_saldo v)
    UNION ALL
    -- the view filtered on one principal gives that group's row, once
    SELECT 'por principal', g.cod_produto, g::text
      FROM estoque_cache.saldo_grupos(NULL, NULL) g
     WHERE (SELECT array_agg(v::text) FROM public.estoque_cache_saldo v
             WHERE v.cod_produto = g.cod_produto) IS DISTINCT FROM ARRAY[g::text]
    UNION ALL
    -- any member code gives its group's row through estoque_cache_saldo_produto
    SELECT 'por codigo', u.c, p::text
      FROM t09.codigos_usados u
      LEFT JOIN LATERAL public.estoque_cache_saldo_produto(u.c) p ON true
     WHERE p IS DISTINCT FROM
           (SELECT v FROM public.estoque_cache_saldo v
             WHERE v.cod_produto = public.estoque_cache_principal(u.c))
    UNION ALL
    -- and its document through estoque_cache_produto, compared as text (a
    -- numeric's scale counts)
    SELECT 'detalhe por codigo', u.c, d::text
      FROM t09.codigos_usados u
     CROSS JOIN LATERAL public.estoque_cache_produto(u.c) d
      JOIN public.estoque_cache_saldo v ON v.cod_produto = public.estoque_cache_principal(u.c)
     WHERE (d - 'projecao_29_dias')::text IS DISTINCT FROM to_jsonb(v)::text
        OR (d -> 'projecao_29_dias')::text IS DISTINCT FROM
           (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.dia)
              FROM public.estoque_cache_projecao(u.c) x)::text
    ORDER BY 1, 2, 3
$$;
\set checar 'SELECT count(*) AS linhas_na_view FROM public.estoque_cache_saldo; SELECT * FROM t09.diferencas();'

-- folded groups: single codes, a group of three, names
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
SELECT (9000 + i)::text, 10 * i FROM generate_series(1, 8) i;
-- exits dated in the horizon, undated, in the past (they count on D0) and
-- beyond the horizon (stored by date, not projected)
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao)
VALUES ('9002', 50, d0() + 2), ('9003', 5, NULL), ('9003', 2, d0() - 3),
       ('9004', 9, d0() + 40), ('9006', 1, d0() + 7);
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (9004, 9005), (9005, 9006);
INSERT INTO cadastro VALUES ('9001', 'Parafuso'), ('9004', 'Porca');
SELECT estoque_cache_fold() >= 0 AS dobrado;
SELECT count(*) > 0 AS resumo_guardado FROM estoque_cache.resumo;
:checar

-- pending deltas of stored groups (a member's, not the principal's), and
-- dated ones: projected from the stored events plus the deltas
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('9006', -100), ('9001', 1);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao)
VALUES ('9002', 30, d0() + 1), ('9004', 4, d0() - 1);
:checar
SELECT cod_produto, previsao_ruptura_7d, data_ruptura - d0() AS dia_ruptura, status_ruptura
  FROM estoque_cache_saldo WHERE cod_produto IN ('9002', '9004') ORDER BY 1;
-- pending deltas of codes no folded row knows (and one that has only a name);
-- a lookup gives such a code's row once, whatever its number of deltas
INSERT INTO cadastro VALUES ('9010', 'Arruela');
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
VALUES ('9009', 7), ('9009', 2), ('9010', 3);
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('9009', 1, d0() + 3);
:checar
SELECT cod_produto, nome_produto, saldo_atual FROM estoque_cache_saldo
 WHERE cod_produto IN ('9009', '9010') ORDER BY 1;
-- the view read again for each row of a join (OFFSET 0 keeps the lateral
-- subquery apart, so it is rescanned) gives such a code's row each time
SELECT c.k, v.saldo_atual
  FROM (VALUES (1, '9009'), (2, '9009'), (3, '9010')) AS c (n, k)
 CROSS JOIN LATERAL (SELECT * FROM estoque_cache_saldo WHERE cod_produto = c.k OFFSET 0) AS v
 ORDER BY c.n;

-- pending link changes: one merging two stored groups and a new code, one
-- splitting the group of three, inside a transaction and its savepoint
BEGIN;
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (9001, 9009), (9009, 9004);
:checar
SELECT cod_produto, codigos, saldo_atual FROM estoque_cache_saldo
 WHERE cod_produto IN ('9001', '9004', '9009') ORDER BY 1;
SAVEPOINT s;
DELETE FROM unificacao_codigos WHERE codigo_origem = 9009;
UPDATE unificacao_codigos SET ativo = false WHERE codigo_origem = 9004;
:checar
SELECT cod_produto, codigos FROM estoque_cache_saldo
 WHERE cod_produto IN ('9001', '9004', '9005', '9006', '9009') ORDER BY 1;
ROLLBACK TO SAVEPOINT s;
:checar
COMMIT;
:checar
-- pending name changes
UPDATE cadastro SET nome_produto = 'Parafuso sextavado' WHERE cod_produto = '9001';
DELETE FROM cadastro WHERE cod_produto = '9004';
:checar
SELECT estoque_cache_fold() > 0 AS dobrado;
:checar
SELECT count(*) AS pendentes FROM (SELECT 1 FROM estoque_cache.delta
    UNION ALL SELECT 1 FROM estoque_cache.aresta_delta
    UNION ALL SELECT 1 FROM estoque_cache.nome_delta) x;

-- a group whose figures all cancel out leaves the view, stored or pending
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('9008', -80);
:checar
SELECT estoque_cache_fold() > 0 AS dobrado;
:checar
SELECT count(*) AS linhas_9008 FROM estoque_cache_saldo WHERE cod_produto = '9008';

-- With nothing pending, estoque_cache_produto() returns the document stored
-- with the group's row (marked here, by any member code); a pending delta
-- of the reader's own, another day or a pending name makes it compute the
-- group's document again.
BEGIN;
UPDATE estoque_cache.resumo_detalhe SET detalhe = detalhe || '{"marca": 1}'
 WHERE cod_produto = estoque_cache_principal('9005');
SELECT estoque_cache_produto('9005') ? 'marca' AS guardado_lido,
       estoque_cache_produto('9005') ->> 'saldo_atual' AS saldo;
SAVEPOINT s;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('9006', 5);
SELECT estoque_cache_produto('9005') ? 'marca' AS guardado_lido,
       estoque_cache_produto('9005') ->> 'saldo_atual' AS saldo;
ROLLBACK TO SAVEPOINT s;
UPDATE estoque_cache.resumo_chave SET chave = 'ontem';
SELECT estoque_cache_produto('9005') ? 'marca' AS guardado_lido;
ROLLBACK TO SAVEPOINT s;
UPDATE cadastro SET nome_produto = 'Parafuso longo' WHERE cod_produto = '9001';
SELECT estoque_cache_produto('9005') ? 'marca' AS guardado_lido,
       estoque_cache_produto('9005') ->> 'nome_produto' AS nome;
ROLLBACK TO SAVEPOINT s;
-- a delta of another group leaves this one's document as stored
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('9002', 5);
SELECT estoque_cache_produto('9005') ? 'marca' AS guardado_lido;
ROLLBACK;

-- rows stored for another day or other settings are computed again when
-- read, and stored again by the next fold (and at once by configurar)
UPDATE estoque_cache.resumo SET status_ruptura = 'OBSOLETO';
UPDATE estoque_cache.resumo_detalhe SET detalhe = detalhe || '{"obsoleto": true}';
UPDATE estoque_cache.resumo_chave SET chave = 'ontem';
:checar
SELECT count(*) AS obsoletas_lidas FROM estoque_cache_saldo WHERE status_ruptura = 'OBSOLETO';
SELECT estoque_cache_fold() >= 0 AS dobrado;
SELECT count(*) AS obsoletas_guardadas FROM estoque_cache.resumo WHERE status_ruptura = 'OBSOLETO';
SELECT count(*) AS obsoletos_guardados FROM estoque_cache.resumo_detalhe WHERE detalhe ? 'obsoleto';
SELECT chave = estoque_cache.chave_atual() AS chave_de_hoje FROM estoque_cache.resumo_chave;
SELECT estoque_cache_configurar(estoque_minimo => 1000) IS NOT NULL AS configurado;
:checar
SELECT count(*) AS ok_com_minimo_1000 FROM estoque_cache_saldo WHERE status_ruptura = 'OK';
SELECT estoque_cache_configurar(estoque_minimo => 10) IS NOT NULL AS configurado;
:checar

-- detach and a repair keep the stored rows in line
SELECT estoque_cache_detach('cadastro') IS NOT NULL AS desanexado;
:checar
-- (verify reports a damaged stored row; refresh stores it again)
UPDATE estoque_cache.resumo SET saldo_atual = saldo_atual + 1 WHERE cod_produto = '9002';
UPDATE estoque_cache.resumo_detalhe SET detalhe = jsonb_set(detalhe, '{saldo_atual}', '0')
 WHERE cod_produto = '9003';
SELECT cod_produto, campo FROM estoque_cache_verify();
SELECT estoque_cache_refresh('9002') >= 0 AS corrigido;
SELECT estoque_cache_refresh('9003') >= 0 AS corrigido;
SELECT count(*) AS divergencias FROM estoque_cache_verify();
:checar
SELECT count(*) AS diferencas FROM estoque_cache_verify();

-- Lookups reach indexes: the stored row by primary key, the codes only
-- pending deltas know by the delta's index; never a scan of the list.
CREATE FUNCTION plano(consulta text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || consulta;
END;
$$;
SET enable_seqscan = off;  -- as with a table of many rows
SELECT bool_or(l ~ 'Index (Only )?Scan using resumo_pkey') AS resumo_por_indice,
       bool_or(l ~ 'delta_codigo_idx') AS delta_por_indice,
       coalesce(bool_and(l !~ 'Seq Scan|saldo_grupos'), true) AS sem_varrer_tudo
  FROM plano($q$SELECT * FROM public.estoque_cache_saldo WHERE cod_produto = '9002'$q$) l;
PREPARE consulta(text) AS SELECT * FROM public.estoque_cache_saldo WHERE cod_produto = $1;
SELECT bool_or(l ~ 'resumo_pkey') AS generico_por_indice,
       coalesce(bool_and(l !~ 'Seq Scan'), true) AS generico_sem_varrer
  FROM plano('EXECUTE consulta(''9002'')') l;
RESET enable_seqscan;
SELECT cod_produto, saldo_atual FROM estoque_cache_saldo WHERE cod_produto = ANY ('{9002,9003}')
 ORDER BY 1;

-- With nothing pending in the reader's snapshot a lookup reads the stored row
-- and nothing else: the row-by-row parts never run.  The reader's own pending
-- delta of the group (uncommitted) brings them back, and its figure with them.
CREATE FUNCTION partes_da_busca(codigo text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    l text;
BEGIN
    FOR l IN EXECUTE format('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
                             SELECT * FROM public.estoque_cache_saldo WHERE cod_produto = %L',
                            codigo) LOOP
        IF l ~ 'Scan on (linha_recalculada|linha_nova) ' THEN
            RETURN NEXT regexp_replace(trim(l), '^->  | \(actual rows=\d+ loops=\d+\)|_\d', '', 'g');
        END IF;
    END LOOP;
END;
$$;
SELECT estoque_cache_fold() >= 0 AS dobrado;
SELECT * FROM partes_da_busca('9002');
BEGIN;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('9002', 5);
SELECT * FROM partes_da_busca('9002');
SELECT saldo_atual FROM estoque_cache_saldo WHERE cod_produto = '9002';
ROLLBACK;
SELECT saldo_atual FROM estoque_cache_saldo WHERE cod_produto = '9002';

-- Nothing that grows with the products stays in the backend after a read:
-- the memory of this backend after reading the list 20 times, against before.
CREATE TABLE memoria (momento text, bytes bigint);
INSERT INTO memoria SELECT 'antes', sum(total_bytes) FROM pg_backend_memory_contexts;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
SELECT (100000 + i)::text, i FROM generate_series(1, 5000) i;
SELECT estoque_cache_fold() > 0 AS dobrado;
SELECT count(*) AS linhas FROM estoque_cache_saldo, generate_series(1, 20);
INSERT INTO memoria SELECT 'depois', sum(total_bytes) FROM pg_backend_memory_contexts;
SELECT (SELECT bytes FROM memoria WHERE momento = 'depois')
     - (SELECT bytes FROM memoria WHERE momento = 'antes') < 1024 * 1024
    AS menos_de_1mb_guardado;
-- what stays is the attachments' definitions and the internal tables' OIDs,
-- one small context each, whatever the number of products
SELECT string_agg(DISTINCT name, ', ' ORDER BY name) AS contextos_do_cache,
       sum(total_bytes) < 256 * 1024 AS pequenos
  FROM pg_backend_memory_contexts WHERE name LIKE 'estoque_cache%';

-- A list with many groups pending, more than linhas_pendentes() probes one
-- by one (it then reads resumo and resumo_evento once), codes only pending
-- deltas know, a pending link and a pending name among them; then the same
-- with the rows stored for another day.  The list brings the pending groups
-- up to date all at once: the row-by-row parts never run.
CREATE FUNCTION plano_da_lista() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    l text;
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
                      SELECT * FROM public.estoque_cache_saldo' LOOP
        IF l ~ 'linha_recalculada|linha_nova|linhas_pendentes' THEN
            RETURN NEXT regexp_replace(trim(l), ' \(actual rows=\d+ loops=\d+\)', '');
        END IF;
    END LOOP;
END;
$$;
INSERT INTO codigos_usados SELECT (20000 + i)::text FROM generate_series(1, 450) i;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
SELECT (20000 + i)::text, i FROM generate_series(1, 400) i;
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao)
SELECT (20000 + i)::text, 1, d0() + i % 20 FROM generate_series(1, 400, 3) i;
SELECT estoque_cache_fold() > 0 AS dobrado;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao)
SELECT (20000 + i)::text, -2 * i FROM generate_series(1, 450) i;
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao) VALUES ('20007', 3, d0() + 1);
-- A query chooses once between the list and the row-by-row parts, even when a
-- query it runs reads the whole view in the same snapshot in between (its own
-- choice must not become the outer query's)
CREATE FUNCTION ler_lista() RETURNS bigint LANGUAGE sql STABLE
    AS 'SELECT count(*) FROM public.estoque_cache_saldo';
SELECT estoque_cache.por_linha() AS antes, ler_lista() > 0 AS lista_lida,
       estoque_cache.por_linha() AS depois;
BEGIN;
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (20001, 20002), (20002, 20420);
INSERT INTO cadastro VALUES ('20003', 'Bucha');
:checar
SELECT * FROM plano_da_lista();
SELECT cod_produto, codigos, saldo_atual FROM estoque_cache_saldo
 WHERE cod_produto IN ('20001', '20003', '20440') ORDER BY 1;
-- the first rows in key order, as a paginated list reads them
SELECT array_agg(cod_produto) AS primeiras
  FROM (SELECT cod_produto FROM estoque_cache_saldo ORDER BY cod_produto LIMIT 5) v;
SELECT array_agg(cod_produto) AS primeiras_calculadas
  FROM (SELECT cod_produto FROM estoque_cache.saldo_grupos(NULL, NULL)
         ORDER BY cod_produto LIMIT 5) v;
UPDATE estoque_cache.resumo_chave SET chave = 'ontem';
:checar
SELECT * FROM plano_da_lista();
ROLLBACK;
:checar
SELECT estoque_cache_fold() > 0 AS dobrado;
:checar

-- Storing the rows again writes only those that changed, in place: a full
-- resumir with nothing changed leaves every row where it was (no new
-- versions, so the table does not grow by a copy at every fold); a fold that
-- changes one group rewrites that group's row alone.
-- The same for the documents.
CREATE TABLE lugares AS SELECT cod_produto, ctid::text AS lugar FROM estoque_cache.resumo;
CREATE TABLE lugares_detalhe AS
    SELECT cod_produto, ctid::text AS lugar FROM estoque_cache.resumo_detalhe;
SELECT estoque_cache.resumir(NULL) = (SELECT count(*) FROM lugares) AS todas_as_linhas;
SELECT count(*) AS reescritas
  FROM estoque_cache.resumo r JOIN lugares l USING (cod_produto) WHERE r.ctid::text <> l.lugar;
SELECT count(*) AS reescritos
  FROM estoque_cache.resumo_detalhe r JOIN lugares_detalhe l USING (cod_produto)
 WHERE r.ctid::text <> l.lugar;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('100007', 1);
SELECT estoque_cache_fold() AS dobradas;
SELECT r.cod_produto AS reescrita
  FROM estoque_cache.resumo r JOIN lugares l USING (cod_produto) WHERE r.ctid::text <> l.lugar;
SELECT r.cod_produto AS reescrito
  FROM estoque_cache.resumo_detalhe r JOIN lugares_detalhe l USING (cod_produto)
 WHERE r.ctid::text <> l.lugar;
SELECT count(*) = (SELECT count(*) FROM lugares) AS mesmas_linhas FROM estoque_cache.resumo;
SELECT count(*) = (SELECT count(*) FROM lugares) AS mesmos_detalhes
  FROM estoque_cache.resumo_detalhe;
SELECT count(*) AS divergencias FROM estoque_cache_verify();

-- estoque_cache.keep_list, of 1.0, is still accepted (with no effect)
SET estoque_cache.keep_list = off;
SELECT count(*) AS linhas FROM estoque_cache_saldo;
RESET estoque_cache.keep_list;

SELECT estoque_cache_detach('movimentacao_estoque') IS NOT NULL AS desanexado;
SELECT estoque_cache_detach('separacao') IS NOT NULL AS desanexado;
SELECT estoque_cache_detach('unificacao_codigos') IS NOT NULL AS desanexado;
SELECT count(*) AS resumo_vazio FROM estoque_cache.resumo;
SELECT count(*) AS detalhes_vazios FROM estoque_cache.resumo_detalhe;
DROP SCHEMA t09 CASCADE;
