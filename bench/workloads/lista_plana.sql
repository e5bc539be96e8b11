-- The list page: every group with its status.
SELECT * FROM lista_plana;
