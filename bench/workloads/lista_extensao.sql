-- The list page: every group with its status.
SELECT * FROM estoque_cache_saldo;
