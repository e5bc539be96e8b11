-- The list page: every group with its status.
SELECT * FROM sd_saldo;
