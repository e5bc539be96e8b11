-- The floor of a rebuild: one pass over every source, summing the counted
-- quantities per (code, source, date) as a cache must, without groups,
-- projection or writing anything.
SELECT count(*) AS linhas
  FROM (SELECT codigo, fonte, data, sum(qtd)
          FROM (SELECT cod_produto::text, 1, NULL::date, qtd_movimentacao::numeric
                  FROM movimentacao_estoque WHERE ativo
                UNION ALL
                SELECT cod_produto::text, 2, NULL, qtd_saldo_produto_pedido::numeric
                  FROM carteira_principal WHERE ativo AND separacao_lote_id IS NULL
                UNION ALL
                SELECT cod_produto::text, 3, data_expedicao_editada, qtd_selecionada_usuario::numeric
                  FROM pre_separacao_item WHERE status IN ('CRIADO', 'RECOMPOSTO')
                UNION ALL
                SELECT cod_produto::text, 4, expedicao, qtd_saldo::numeric
                  FROM separacao WHERE sincronizado_nf IS NOT TRUE
                UNION ALL
                SELECT cod_produto::text, 5, data_programacao, qtd_programada::numeric
                  FROM programacao_producao) AS f (codigo, fonte, data, qtd)
         WHERE codigo IS NOT NULL AND qtd IS NOT NULL
         GROUP BY codigo, fonte, data) AS s;
