-- Sample data for estoque_cache: the application's own tables, with their real
-- names, columns and types, filled with deterministic, realistic-looking data.
--
--   psql -X -d DB -f scripts/dados_exemplo.sql
--   psql -X -d DB -v produtos=10000 -v movimentos=2000000 -f scripts/dados_exemplo.sql
--
-- The second line is the benchmark scale: 10 000 products, 2 000 000 movements,
-- 30 000 carteira rows, 10 000 pre-separations, 20 000 separations and 5 000
-- production lines; it takes well under a minute on two cores.
--
-- Variables (psql -v NAME=VALUE), with their defaults:
--   produtos       200            products in cadastro_produto
--   movimentos     20000          rows in movimentacao_estoque, one of them per
--                                 product being an inventory adjustment
--   dias           180            movements are spread over this many past days
--   horizonte      40             most orders ship within this many days
--   carteira       3 x produtos   carteira_principal rows
--   pre_separacao  produtos       pre_separacao_item rows
--   separacao      2 x produtos   separacao rows
--   producao       produtos / 2   programacao_producao rows
--   unificados     3              percent of the products that belong to a group
--                                 of unified codes (groups of 2, 3 and 4 codes)
--   semente        0.42           random seed in [-1, 1]
--
-- Same variables, same data (dates are relative to CURRENT_DATE). Product codes
-- are 7-digit integers as text ('4310001', ...), since unificacao_codigos keeps
-- them as integers. Popularity is skewed: product number floor(n * random()^3)
-- takes a movement, so a few products get most of them.
--
-- Tables are created in the first schema of search_path, dropped first if they
-- exist. This script only creates and fills application tables: it neither
-- creates nor attaches the extension.

\set ON_ERROR_STOP on
\set QUIET on

\if :{?produtos}
\else
\set produtos 200
\endif
\if :{?movimentos}
\else
\set movimentos 20000
\endif
\if :{?dias}
\else
\set dias 180
\endif
\if :{?horizonte}
\else
\set horizonte 40
\endif
\if :{?carteira}
\else
SELECT 3 * :produtos AS carteira \gset
\endif
\if :{?pre_separacao}
\else
\set pre_separacao :produtos
\endif
\if :{?separacao}
\else
SELECT 2 * :produtos AS separacao \gset
\endif
\if :{?producao}
\else
SELECT greatest(:produtos / 2, 1) AS producao \gset
\endif
\if :{?unificados}
\else
\set unificados 3
\endif
\if :{?semente}
\else
\set semente 0.42
\endif

SET client_min_messages = warning;
SELECT setseed(:semente)::text AS semente_aplicada \gset

DROP TABLE IF EXISTS movimentacao_estoque, carteira_principal, pre_separacao_item,
	separacao, programacao_producao, unificacao_codigos, cadastro_produto;

CREATE TABLE cadastro_produto (
	cod_produto  varchar(50) PRIMARY KEY,
	nome_produto varchar(255)
);

CREATE TABLE movimentacao_estoque (
	id                 bigserial PRIMARY KEY,
	cod_produto        varchar(50),
	nome_produto       varchar(255),
	qtd_movimentacao   numeric(15,3),
	tipo_movimentacao  varchar(50),
	local_movimentacao varchar(50),
	data_movimentacao  date,
	ativo              boolean DEFAULT true,
	criado_em          timestamp DEFAULT now()
);

CREATE TABLE carteira_principal (
	id                       bigserial PRIMARY KEY,
	num_pedido               varchar(50),
	cod_produto              varchar(50),
	nome_produto             varchar(255),
	qtd_saldo_produto_pedido numeric(15,3),
	expedicao                date,
	separacao_lote_id        varchar(50),
	ativo                    boolean DEFAULT true
);

CREATE TABLE pre_separacao_item (
	id                      bigserial PRIMARY KEY,
	num_pedido              varchar(50),
	cod_produto             varchar(50),
	qtd_selecionada_usuario numeric(15,3),
	data_expedicao_editada  date,
	status                  varchar(20)
);

CREATE TABLE separacao (
	id                bigserial PRIMARY KEY,
	separacao_lote_id varchar(50),
	num_pedido        varchar(50),
	cod_produto       varchar(50),
	qtd_saldo         float8,
	expedicao         date,
	sincronizado_nf   boolean
);

CREATE TABLE programacao_producao (
	id               bigserial PRIMARY KEY,
	cod_produto      varchar(50),
	nome_produto     varchar(255),
	qtd_programada   float8,
	data_programacao date,
	linha_producao   varchar(50)
);

CREATE TABLE unificacao_codigos (
	id             serial PRIMARY KEY,
	codigo_origem  integer NOT NULL,
	codigo_destino integer NOT NULL,
	ativo          boolean DEFAULT true,
	motivo         varchar(255)
);

-- The catalogue: product number i has code 4310001 + i.
INSERT INTO cadastro_produto (cod_produto, nome_produto)
SELECT (4310001 + i)::text,
	(ARRAY['AZEITONA VERDE', 'AZEITONA PRETA', 'PALMITO', 'PEPINO', 'COGUMELO',
	       'ALCAPARRA', 'PIMENTA BIQUINHO', 'CEBOLINHA', 'MOSTARDA', 'MAIONESE',
	       'CATCHUP', 'MOLHO DE TOMATE'])[1 + i % 12]
	|| ' ' || (ARRAY['TRADICIONAL', 'EXTRA', 'PREMIUM', 'LIGHT', 'GOURMET',
	                 'FOOD SERVICE'])[1 + (i / 12) % 6]
	|| ' ' || (ARRAY['POTE 200G', 'VIDRO 500G', 'BALDE 2KG', 'SACHE 7G',
	                 'LATA 1,01KG', 'BAG 5KG'])[1 + (i / 72) % 6]
FROM generate_series(0, :produtos - 1) AS i;

-- The ledger: entries and production add, exits subtract, adjustments go either
-- way; about 3% of the rows are inactive (cancelled) and do not count.
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
	tipo_movimentacao, local_movimentacao, data_movimentacao, ativo, criado_em)
SELECT c.cod_produto, c.nome_produto,
	CASE m.tipo
		WHEN 'ENTRADA'  THEN round((10 + 280 * m.r)::numeric)
		WHEN 'PRODUCAO' THEN round((50 + 300 * m.r)::numeric / 5) * 5
		WHEN 'SAIDA'    THEN -round((1 + 184 * m.r)::numeric, CASE WHEN m.i % 10 = 0 THEN 3 ELSE 0 END)
		ELSE round((40 * m.r - 20)::numeric, 3)
	END,
	m.tipo,
	CASE m.tipo
		WHEN 'ENTRADA'  THEN 'RECEBIMENTO'
		WHEN 'PRODUCAO' THEN 'FABRICA'
		WHEN 'SAIDA'    THEN 'EXPEDICAO'
		ELSE 'INVENTARIO'
	END,
	CURRENT_DATE - m.d, m.ativo, (CURRENT_DATE - m.d) + m.hora
FROM (SELECT i, r, d, ativo, hora,
             CASE WHEN t < 0.28 THEN 'ENTRADA'
                  WHEN t < 0.35 THEN 'PRODUCAO'
                  WHEN t < 0.95 THEN 'SAIDA'
                  ELSE 'AJUSTE' END AS tipo
      FROM (SELECT floor(:produtos * random() ^ 3)::int AS i,
                   random() AS t,
                   random() AS r,
                   floor(:dias * random())::int AS d,
                   random() >= 0.03 AS ativo,
                   make_interval(secs => floor(6 * 3600 + 14 * 3600 * random())) AS hora
            FROM generate_series(1, :movimentos - :produtos)) AS s) AS m
JOIN cadastro_produto AS c ON c.cod_produto = (4310001 + m.i)::text;

-- Inventory count: one AJUSTE per product, dated at the start of the period,
-- that brings its balance to a chosen target: about 5% of the products end near
-- zero or below, 25% low, the rest comfortable (more so for popular products).
-- This is what makes some products CRÍTICO or ATENÇÃO once orders are counted.
INSERT INTO movimentacao_estoque (cod_produto, nome_produto, qtd_movimentacao,
	tipo_movimentacao, local_movimentacao, data_movimentacao, ativo, criado_em)
SELECT c.cod_produto, c.nome_produto, a.alvo - coalesce(s.total, 0), 'AJUSTE',
	'INVENTARIO', CURRENT_DATE - :dias, true, (CURRENT_DATE - :dias) + time '06:00'
FROM (SELECT i,
             CASE WHEN u < 0.05 THEN round((200 * v - 100)::numeric)
                  WHEN u < 0.30 THEN round((50 + 400 * v)::numeric)
                  ELSE round((400 + 4000 * v ^ 2 + 20000.0 / (i + 5))::numeric)
             END AS alvo
      FROM (SELECT i, random() AS u, random() AS v
            FROM generate_series(0, :produtos - 1) AS i) AS x) AS a
JOIN cadastro_produto AS c ON c.cod_produto = (4310001 + a.i)::text
LEFT JOIN (SELECT cod_produto, sum(qtd_movimentacao) AS total
           FROM movimentacao_estoque WHERE ativo GROUP BY cod_produto) AS s
	ON s.cod_produto = c.cod_produto
WHERE :movimentos >= :produtos;

-- Open orders: about four items per order, shipping within 60 days; a quarter of
-- the items already went to a separation lot, 5% are inactive.
INSERT INTO carteira_principal (num_pedido, cod_produto, nome_produto,
	qtd_saldo_produto_pedido, expedicao, separacao_lote_id, ativo)
SELECT 'VCD' || (2500000 + m.n / 4), c.cod_produto, c.nome_produto,
	round((1 + 299 * m.r)::numeric),
	CASE WHEN m.e < 0.03 THEN NULL ELSE CURRENT_DATE - 5 + floor(65 * m.e)::int END,
	CASE WHEN m.l < 0.25 THEN 'LOTE_' || (700000 + m.n / 3) END,
	m.a >= 0.05
FROM (SELECT n, floor(:produtos * random() ^ 2)::int AS i, random() AS r,
             random() AS e, random() AS l, random() AS a
      FROM generate_series(1, :carteira) AS n) AS m
JOIN cadastro_produto AS c ON c.cod_produto = (4310001 + m.i)::text;

-- Pre-separations: shipping dates edited by the user; 5% without a date, 10%
-- already overdue; only CRIADO and RECOMPOSTO ones are still pending.
INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario,
	data_expedicao_editada, status)
SELECT 'VCD' || (2600000 + m.n / 3), (4310001 + m.i)::text,
	round((5 + 295 * m.r)::numeric, CASE WHEN m.n % 7 = 0 THEN 3 ELSE 0 END),
	CASE WHEN m.e < 0.05 THEN NULL
	     WHEN m.e < 0.15 THEN CURRENT_DATE - 1 - floor(10 * random())::int
	     ELSE CURRENT_DATE + floor((:horizonte + 1) * random())::int END,
	CASE WHEN m.s < 0.45 THEN 'CRIADO'
	     WHEN m.s < 0.60 THEN 'RECOMPOSTO'
	     WHEN m.s < 0.85 THEN 'ENVIADO_SEPARACAO'
	     ELSE 'CANCELADO' END
FROM (SELECT n, floor(:produtos * random() ^ 2)::int AS i, random() AS r,
             random() AS e, random() AS s
      FROM generate_series(1, :pre_separacao) AS n) AS m;

-- Separations: lots of about five items; a quarter already invoiced
-- (sincronizado_nf true), the rest false or never set (NULL).
INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo,
	expedicao, sincronizado_nf)
SELECT 'LOTE_' || (800000 + m.n / 5), 'VCD' || (2700000 + m.n / 4),
	(4310001 + m.i)::text,
	CASE WHEN m.n % 5 = 0 THEN floor(400 * m.r) / 2 + 0.5 ELSE floor(1 + 199 * m.r) END,
	CASE WHEN m.e < 0.05 THEN NULL
	     WHEN m.e < 0.15 THEN CURRENT_DATE - 1 - floor(10 * random())::int
	     ELSE CURRENT_DATE + floor((:horizonte + 1) * random())::int END,
	CASE WHEN m.s < 0.25 THEN true WHEN m.s < 0.85 THEN false END
FROM (SELECT n, floor(:produtos * random() ^ 2)::int AS i, random() AS r,
             random() AS e, random() AS s
      FROM generate_series(1, :separacao) AS n) AS m;

-- Production programme: mostly for the popular products, some of it in the past
-- (which no longer counts).
INSERT INTO programacao_producao (cod_produto, nome_produto, qtd_programada,
	data_programacao, linha_producao)
SELECT c.cod_produto, c.nome_produto, 100 + 10 * floor(190 * m.r),
	CURRENT_DATE - 5 + floor((:horizonte + 6) * m.e)::int,
	'LINHA ' || (1 + m.n % 4)
FROM (SELECT n, floor(:produtos * random() ^ 2)::int AS i, random() AS r,
             random() AS e
      FROM generate_series(1, :producao) AS n) AS m
JOIN cadastro_produto AS c ON c.cod_produto = (4310001 + m.i)::text;

-- Unified codes: a random draw of products, the first ones of which form groups
-- of 2, 3 and 4 codes chained old -> new (so a group is connected only
-- transitively). Every fifth group also has an inactive link to a product outside
-- any group, and every seventh a duplicate link in the opposite direction.
SELECT least(9 * ceil(:produtos * :unificados / 900.0),
              9 * floor(:produtos / 9.0))::int AS membros \gset

CREATE TEMP TABLE tmp_sorteio AS
SELECT i, row_number() OVER (ORDER BY random(), i)::int AS r
FROM generate_series(0, :produtos - 1) AS i;

CREATE TEMP TABLE tmp_grupo AS
SELECT i, ((r - 1) / 9) * 3 + g.grupo AS grupo, (r - 1) % 9 - g.inicio AS posicao
FROM tmp_sorteio,
     LATERAL (SELECT CASE WHEN (r - 1) % 9 < 2 THEN 0 WHEN (r - 1) % 9 < 5 THEN 1 ELSE 2 END,
                     CASE WHEN (r - 1) % 9 < 2 THEN 0 WHEN (r - 1) % 9 < 5 THEN 2 ELSE 5 END)
             AS g(grupo, inicio)
WHERE r <= :membros;

INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
SELECT 4310001 + a.i, 4310001 + b.i, true,
	(ARRAY['Troca de embalagem', 'Codigo duplicado no ERP', 'Mudanca de fornecedor',
	       'Produto substituido'])[1 + a.grupo % 4]
FROM tmp_grupo AS a
JOIN tmp_grupo AS b ON b.grupo = a.grupo AND b.posicao = a.posicao + 1
ORDER BY a.grupo, a.posicao;

INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
SELECT 4310001 + a.i, 4310001 + fora.i, false, 'Unificacao desfeita'
FROM tmp_grupo AS a
JOIN tmp_sorteio AS fora ON fora.r = :membros + 1 + a.grupo
WHERE a.grupo % 5 = 0 AND a.posicao = 0
ORDER BY a.grupo;

INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
SELECT 4310001 + b.i, 4310001 + a.i, true, 'Cadastro em duplicidade'
FROM tmp_grupo AS a
JOIN tmp_grupo AS b ON b.grupo = a.grupo AND b.posicao = 1
WHERE a.grupo % 7 = 0 AND a.posicao = 0
ORDER BY a.grupo;

DROP TABLE tmp_sorteio, tmp_grupo;

CREATE INDEX ON movimentacao_estoque (cod_produto);
CREATE INDEX ON carteira_principal (cod_produto);
CREATE INDEX ON pre_separacao_item (cod_produto);
CREATE INDEX ON separacao (cod_produto);
CREATE INDEX ON programacao_producao (cod_produto);
CREATE INDEX ON unificacao_codigos (codigo_origem);
CREATE INDEX ON unificacao_codigos (codigo_destino);

ANALYZE cadastro_produto, movimentacao_estoque, carteira_principal, pre_separacao_item,
	separacao, programacao_producao, unificacao_codigos;

RESET client_min_messages;

SELECT 'cadastro_produto' AS tabela, count(*) AS linhas FROM cadastro_produto
UNION ALL SELECT 'movimentacao_estoque', count(*) FROM movimentacao_estoque
UNION ALL SELECT 'carteira_principal', count(*) FROM carteira_principal
UNION ALL SELECT 'pre_separacao_item', count(*) FROM pre_separacao_item
UNION ALL SELECT 'separacao', count(*) FROM separacao
UNION ALL SELECT 'programacao_producao', count(*) FROM programacao_producao
UNION ALL SELECT 'unificacao_codigos', count(*) FROM unificacao_codigos;
