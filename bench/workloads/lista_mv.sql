-- The list page: every group with its status.
SELECT * FROM mv_saldo;
