-- The list computed from the cache tables on every read
-- (estoque_cache.saldo_grupos(NULL, NULL)): every group summed and projected
-- from the folded rows and the pending deltas, which the view's stored rows
-- spare it.  What the first read after a fold cost when each backend kept
-- the list (version 1.0).
SELECT * FROM estoque_cache.saldo_grupos(NULL, NULL);
