-- Reads one product (any code, drawn uniformly from all product codes; codes
-- of unified groups resolve to their group).
\set c 4310001 + random(0, :produtos - 1)
SELECT estoque_cache_produto(:c);
