-- The list page with estoque_cache.keep_list off: the list built from the
-- cache tables on every read, as the first read after a fold, a link or a
-- catalogue change costs.
SET estoque_cache.keep_list = off;
SELECT * FROM estoque_cache_saldo;
