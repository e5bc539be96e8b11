-- Variant "estoque_cache": the extension attached to the code links, the
-- catalogue and the five sources, all with the default columns and filters.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS estoque_cache;
SELECT estoque_cache_attach_unificacao('unificacao_codigos');
SELECT estoque_cache_attach_produtos('cadastro_produto');
SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque');
SELECT estoque_cache_attach('carteira', 'carteira_principal');
SELECT estoque_cache_attach('pre_separacao', 'pre_separacao_item');
SELECT estoque_cache_attach('separacao', 'separacao');
SELECT estoque_cache_attach('producao', 'programacao_producao');
RESET client_min_messages;
