-- Cross-check in the estoque_cache database: the extension's figures against
-- the on-demand computation of sob_demanda.sql over the same sources, in one
-- snapshot. Prints "campo<TAB>diferencas" lines (0 everywhere when both agree),
-- checks every code of a unified group plus :amostra random product codes
-- one by one through the per-product functions, and counts the rows of
-- estoque_cache_verify() (the extension's own check, in the same snapshot).
SET client_min_messages = warning;
BEGIN ISOLATION LEVEL REPEATABLE READ;
CREATE TEMP TABLE v_ext ON COMMIT DROP AS
    SELECT * FROM estoque_cache_saldo;
CREATE TEMP TABLE v_sd ON COMMIT DROP AS
    SELECT * FROM sd_saldo;
SELECT x.campo, x.n
  FROM (SELECT count(*) FILTER (WHERE e.cod_produto IS NULL) AS so_sob_demanda,
               count(*) FILTER (WHERE s.cod_produto IS NULL) AS so_extensao,
               count(*) FILTER (WHERE e.nome_produto IS DISTINCT FROM s.nome_produto) AS nome_produto,
               count(*) FILTER (WHERE e.codigos IS DISTINCT FROM s.codigos) AS codigos,
               count(*) FILTER (WHERE e.saldo_atual IS DISTINCT FROM s.saldo_atual) AS saldo_atual,
               count(*) FILTER (WHERE e.qtd_carteira IS DISTINCT FROM s.qtd_carteira) AS qtd_carteira,
               count(*) FILTER (WHERE e.qtd_pre_separacao IS DISTINCT FROM s.qtd_pre_separacao) AS qtd_pre_separacao,
               count(*) FILTER (WHERE e.qtd_separacao IS DISTINCT FROM s.qtd_separacao) AS qtd_separacao,
               count(*) FILTER (WHERE e.saldo_disponivel IS DISTINCT FROM s.saldo_disponivel) AS saldo_disponivel,
               count(*) FILTER (WHERE e.previsao_ruptura_7d IS DISTINCT FROM s.previsao_ruptura_7d) AS previsao_ruptura_7d,
               count(*) FILTER (WHERE e.data_ruptura IS DISTINCT FROM s.data_ruptura) AS data_ruptura,
               count(*) FILTER (WHERE e.status_ruptura IS DISTINCT FROM s.status_ruptura) AS status_ruptura,
               count(*) AS grupos
          FROM v_ext AS e FULL JOIN v_sd AS s USING (cod_produto)) AS t,
       LATERAL (VALUES ('lista.grupos', t.grupos), ('lista.so_sob_demanda', t.so_sob_demanda),
                       ('lista.so_extensao', t.so_extensao), ('lista.nome_produto', t.nome_produto),
                       ('lista.codigos', t.codigos), ('lista.saldo_atual', t.saldo_atual),
                       ('lista.qtd_carteira', t.qtd_carteira),
                       ('lista.qtd_pre_separacao', t.qtd_pre_separacao),
                       ('lista.qtd_separacao', t.qtd_separacao),
                       ('lista.saldo_disponivel', t.saldo_disponivel),
                       ('lista.previsao_ruptura_7d', t.previsao_ruptura_7d),
                       ('lista.data_ruptura', t.data_ruptura),
                       ('lista.status_ruptura', t.status_ruptura)) AS x (campo, n);
-- a few differing groups, for the report
SELECT 'exemplo', e.cod_produto, e.previsao_ruptura_7d, s.previsao_ruptura_7d,
       e.status_ruptura, s.status_ruptura
  FROM v_ext AS e JOIN v_sd AS s USING (cod_produto)
 WHERE (e.*)::text IS DISTINCT FROM (s.*)::text
   AND (e.saldo_atual, e.previsao_ruptura_7d, e.data_ruptura, e.status_ruptura)
       IS DISTINCT FROM (s.saldo_atual, s.previsao_ruptura_7d, s.data_ruptura, s.status_ruptura)
 ORDER BY e.cod_produto
 LIMIT 3;
CREATE TEMP TABLE amostra ON COMMIT DROP AS
    SELECT c FROM (SELECT DISTINCT codigo_origem::text AS c FROM unificacao_codigos
                   UNION SELECT codigo_destino::text FROM unificacao_codigos) AS u
    UNION
    (SELECT cod_produto::text FROM cadastro_produto ORDER BY md5(cod_produto) LIMIT :amostra);
CREATE TEMP TABLE por_produto (campo text, n bigint) ON COMMIT DROP;
-- One statement per code, planned for its value (as an application would run
-- them); a correlated subquery over the sample would plan the on-demand query
-- for an unknown code.
DO $$
DECLARE
    codigo text;
    total bigint := 0;
    linha bigint := 0;
    detalhe bigint := 0;
    diferente boolean;
BEGIN
    FOR codigo IN SELECT c FROM amostra ORDER BY c LOOP
        total := total + 1;
        EXECUTE format($q$
            SELECT (SELECT ROW(e.cod_produto, e.nome_produto, e.codigos, e.saldo_atual,
                               e.qtd_carteira, e.qtd_pre_separacao, e.qtd_separacao,
                               e.saldo_disponivel, e.previsao_ruptura_7d, e.data_ruptura,
                               e.status_ruptura)
                      FROM estoque_cache_saldo_produto(%1$L) AS e)
                   IS DISTINCT FROM (SELECT ROW(s.*) FROM sd_saldo_produto(%1$L) AS s)$q$,
            codigo) INTO diferente;
        IF diferente THEN
            linha := linha + 1;
        END IF;
        EXECUTE format($q$
            SELECT (estoque_cache_produto(%1$L) - 'atualizado_em')
                   IS DISTINCT FROM sd_produto(%1$L)$q$, codigo) INTO diferente;
        IF diferente THEN
            detalhe := detalhe + 1;
        END IF;
    END LOOP;
    INSERT INTO por_produto VALUES ('produto.codigos', total),
        ('produto.saldo_produto', linha), ('produto.detalhe', detalhe);
END;
$$;
SELECT campo, n FROM por_produto;
SELECT 'verify.linhas', count(*) FROM estoque_cache_verify();
COMMIT;
