/* estoque_cache--1.0--1.1.sql: upgrade from 1.0 to 1.1 */

\echo Use "ALTER EXTENSION estoque_cache UPDATE TO '1.1'" to load this file. \quit

/*
 * Every change to installed objects made while 1.1 is in development goes
 * both here and in sql/estoque_cache.sql (the full install script); the
 * upgrade test (test/t/090_atualizacao.pl) requires a database updated from
 * 1.0 to end with exactly the objects of a fresh install.
 */
