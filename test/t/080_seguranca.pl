# The application's code never runs with the rights of the cache owner or
# of an administrator running a repair.
#
# A role that owns attached tables (the normal case: the application owns
# its tables) and has no other right tries to become superuser through every
# piece of code the cache runs on its behalf:
# - the filter calls a function the role owns, whose body it replaces after
#   the attach;
# - a filter uses an operator the role owns;
# - the code column's type is the role's enum with the role's cast to text;
# - the code column is a domain whose CHECK calls the role's function (it
#   runs when the role's own writes are checked, as that role);
# - the links' filter calls the role's function; the catalogue's code column
#   has the role's cast.
# Each of these functions records who ran it (current_user) and tries
# ALTER ROLE ... SUPERUSER, and the test sets a custom setting naming the
# step that runs.  The steps: INSERT, UPDATE, DELETE, COPY and TRUNCATE by the
# role; verify, refresh, rebuild, detach and attach by a superuser.  Every
# step must have run the application's code (or the test would prove
# nothing), always as the table's owner, and the role must end with no new
# right; the cache stays exact throughout.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = ec_node('seguranca');
my $log_offset = ec_log_offset($node);
my $db = 'app';
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql(
	$db, q{
	CREATE ROLE regress_dono LOGIN;
	CREATE SCHEMA app AUTHORIZATION regress_dono;
	CREATE EXTENSION estoque_cache;
});

# What the role builds, as itself: tables, the recorder and the harmless
# first versions of the functions the filters call.
$node->safe_psql(
	$db, q{
	SET ROLE regress_dono;
	SET search_path = app;
	CREATE TABLE registro (id bigserial, passo text, onde text, usuario name, tentativa text);

	-- records a call and tries to escalate; VOLATILE so that it may write
	-- even when called from an immutable filter function
	CREATE FUNCTION app.registrar_chamada(onde text) RETURNS void
	LANGUAGE plpgsql AS $f$
	DECLARE
		resultado text;
	BEGIN
		BEGIN
			EXECUTE 'ALTER ROLE regress_dono SUPERUSER';
			resultado := 'escalated';
		EXCEPTION WHEN OTHERS THEN
			resultado := SQLSTATE;
		END;
		INSERT INTO app.registro (passo, onde, usuario, tentativa)
		VALUES (current_setting('teste.passo', true), onde, current_user, resultado);
	END
	$f$;

	CREATE FUNCTION app.minha_regra(ativo boolean) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN RETURN ativo; END $f$;
	CREATE FUNCTION app.mesmo_valor(a boolean, b boolean) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN RETURN a = b; END $f$;
	CREATE OPERATOR app.=== (LEFTARG = boolean, RIGHTARG = boolean, FUNCTION = app.mesmo_valor);
	CREATE FUNCTION app.codigo_ok(c text) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN RETURN c <> ''; END $f$;
	CREATE DOMAIN app.codigo_dom AS text CHECK (app.codigo_ok(VALUE));

	CREATE TABLE mov_filtro (id serial, cod text, qtd numeric, ativo boolean);
	CREATE TABLE mov_operador (id serial, cod text, qtd numeric, ativo boolean);
	CREATE TABLE mov_enum (id serial, cod text, qtd numeric);
	CREATE TABLE mov_dominio (id serial, cod app.codigo_dom, qtd numeric);
	CREATE TABLE links (id serial, origem text, destino text, ativo boolean);
	CREATE TABLE catalogo (cod text, nome text);
	INSERT INTO mov_filtro (cod, qtd, ativo) VALUES ('A1', 10, true), ('A2', 5, false);
	INSERT INTO mov_operador (cod, qtd, ativo) VALUES ('A1', 3, true);
	INSERT INTO mov_enum (cod, qtd) VALUES ('A1', 7), ('A2', 1);
	INSERT INTO mov_dominio (cod, qtd) VALUES ('A2', 2);
	INSERT INTO links (origem, destino, ativo) VALUES ('A1', 'A2', true);
	INSERT INTO catalogo VALUES ('A1', 'Produto A1');
});

# The administrator attaches the tables.
$node->safe_psql(
	$db, q{
	SET client_min_messages = warning;
	SELECT estoque_cache_attach('movimentacao', 'app.mov_filtro', produto => 'cod',
		quantidade => 'qtd', filtro => 'app.minha_regra(ativo)');
	SELECT estoque_cache_attach('carteira', 'app.mov_operador', produto => 'cod',
		quantidade => 'qtd', filtro => 'ativo OPERATOR(app.===) true');
	SELECT estoque_cache_attach('movimentacao', 'app.mov_enum', produto => 'cod',
		quantidade => 'qtd', filtro => 'true');
	SELECT estoque_cache_attach('movimentacao', 'app.mov_dominio', produto => 'cod',
		quantidade => 'qtd', filtro => 'true');
	SELECT estoque_cache_attach_unificacao('app.links', 'origem', 'destino',
		'app.minha_regra(ativo)');
	SELECT estoque_cache_attach_produtos('app.catalogo', 'cod', 'nome');
});
ec_verify_empty($node, $db, 'after attaching the harmless versions');

# The role turns its code hostile: the functions record and escalate, the
# code columns of mov_enum and catalogo become its enum with its own cast.
$node->safe_psql(
	$db, q{
	SET ROLE regress_dono;
	CREATE OR REPLACE FUNCTION app.minha_regra(ativo boolean) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE AS $f$
	BEGIN PERFORM app.registrar_chamada('filtro'); RETURN ativo; END $f$;
	CREATE OR REPLACE FUNCTION app.mesmo_valor(a boolean, b boolean) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE AS $f$
	BEGIN PERFORM app.registrar_chamada('operador'); RETURN a = b; END $f$;
	CREATE OR REPLACE FUNCTION app.codigo_ok(c text) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE AS $f$
	BEGIN PERFORM app.registrar_chamada('dominio'); RETURN c <> ''; END $f$;

	CREATE TYPE app.codigo_enum AS ENUM ('A1', 'A2', 'A3');
	CREATE FUNCTION app.enum_texto(c app.codigo_enum) RETURNS text
	LANGUAGE plpgsql IMMUTABLE AS $f$
	BEGIN PERFORM app.registrar_chamada('cast'); RETURN format('%s', c); END $f$;
	CREATE CAST (app.codigo_enum AS text) WITH FUNCTION app.enum_texto(app.codigo_enum);
	ALTER TABLE app.mov_enum ALTER COLUMN cod TYPE app.codigo_enum USING cod::app.codigo_enum;
	ALTER TABLE app.catalogo ALTER COLUMN cod TYPE app.codigo_enum USING cod::app.codigo_enum;
});

my $as_owner = "SET ROLE regress_dono;\nSET search_path = app;\n";
my %passos = (
	insert => $as_owner . q{
		INSERT INTO mov_filtro (cod, qtd, ativo) VALUES ('A1', 1, true), ('A3', 2, true);
		INSERT INTO mov_operador (cod, qtd, ativo) VALUES ('A2', 4, true);
		INSERT INTO mov_enum (cod, qtd) VALUES ('A3', 9);
		INSERT INTO mov_dominio (cod, qtd) VALUES ('A3', 1);
		INSERT INTO links (origem, destino, ativo) VALUES ('A2', 'A3', true);
		INSERT INTO catalogo VALUES ('A3', 'Produto A3');
	},
	update => $as_owner . q{
		UPDATE mov_filtro SET qtd = qtd + 1;
		UPDATE mov_operador SET ativo = NOT ativo WHERE cod = 'A2';
		UPDATE mov_enum SET qtd = qtd * 2;
		UPDATE mov_dominio SET qtd = qtd + 0.5;
		UPDATE links SET ativo = false WHERE origem = 'A2';
		UPDATE catalogo SET nome = nome || '!';
	},
	delete => $as_owner . q{
		DELETE FROM mov_filtro WHERE cod = 'A3';
		DELETE FROM mov_operador WHERE cod = 'A2';
		DELETE FROM mov_enum WHERE cod = 'A2';
		DELETE FROM mov_dominio WHERE cod = 'A3';
		DELETE FROM links WHERE origem = 'A2';
		DELETE FROM catalogo WHERE cod = 'A3';
	},
	copy => $as_owner
	  . "COPY mov_filtro (cod, qtd, ativo) FROM STDIN;\nA2\t3\tt\n\\.\n"
	  . "COPY mov_operador (cod, qtd, ativo) FROM STDIN;\nA1\t1\tt\n\\.\n"
	  . "COPY mov_enum (cod, qtd) FROM STDIN;\nA1\t2\n\\.\n"
	  . "COPY mov_dominio (cod, qtd) FROM STDIN;\nA1\t2\n\\.\n"
	  . "COPY links (origem, destino, ativo) FROM STDIN;\nA1\tA3\tt\n\\.\n"
	  . "COPY catalogo FROM STDIN;\nA2\tProduto A2\n\\.\n",
	verify => 'SELECT count(*) FROM estoque_cache_verify();',
	refresh => q{SELECT estoque_cache_refresh(); SELECT estoque_cache_refresh('A1');},
	rebuild => q{SET client_min_messages = warning; SELECT estoque_cache_rebuild();},
	reattach => q{
		SET client_min_messages = warning;
		SELECT estoque_cache_detach('app.mov_filtro');
		SELECT estoque_cache_attach('movimentacao', 'app.mov_filtro', produto => 'cod',
			quantidade => 'qtd', filtro => 'app.minha_regra(ativo)');
		SELECT estoque_cache_detach('app.mov_enum');
		SELECT estoque_cache_attach('movimentacao', 'app.mov_enum', produto => 'cod',
			quantidade => 'qtd', filtro => 'true');
		SELECT estoque_cache_detach('app.links');
		SELECT estoque_cache_attach_unificacao('app.links', 'origem', 'destino',
			'app.minha_regra(ativo)');
	},
	truncate => $as_owner . q{
		TRUNCATE mov_filtro, mov_operador, mov_enum, mov_dominio, links, catalogo;
		INSERT INTO mov_filtro (cod, qtd, ativo) VALUES ('A1', 1, true);
	},);
# what each step must run: [step, where the application's code ran]
my %esperado = (
	insert => [qw(filtro operador cast dominio)],
	update => [qw(filtro operador cast)],
	delete => [qw(filtro operador cast)],
	copy => [qw(filtro operador cast dominio)],
	verify => [qw(filtro operador cast)],
	refresh => [qw(filtro operador cast)],
	rebuild => [qw(filtro operador cast)],
	reattach => [qw(filtro cast)],
	truncate => [qw(filtro)],);

for my $passo (qw(insert update delete copy verify refresh rebuild reattach truncate))
{
	$node->safe_psql($db, "SET teste.passo = '$passo';\n" . $passos{$passo});
	ec_verify_empty($node, $db, "after $passo");
	for my $onde (@{ $esperado{$passo} })
	{
		my $n = $node->safe_psql($db,
			"SELECT count(*) FROM app.registro WHERE passo = '$passo' AND onde = '$onde'");
		cmp_ok($n, '>', 0, "$passo ran the application's $onde code");
	}
	my $quem = $node->safe_psql($db,
		"SELECT string_agg(DISTINCT usuario, ',') FROM app.registro WHERE passo = '$passo'");
	is($quem, 'regress_dono', "$passo: the application's code ran as the table's owner only");
}

is($node->safe_psql($db, q{SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_dono'}),
	'f', 'the role is still not a superuser');
is( $node->safe_psql(
		$db,
		q{SELECT string_agg(DISTINCT tentativa, ',') FROM app.registro}),
	'42501',
	'every escalation attempt was refused for lack of privilege');
is( $node->safe_psql(
		$db, q{SELECT count(*) FROM app.registro WHERE usuario <> 'regress_dono'}),
	'0', 'no application code ran as another role');

# A reader whose search_path puts the role's schema before pg_catalog, where
# the role defined a function, a set-returning function and an operator named
# like those the cache's own SQL calls (the SQL it inlines into the plans it
# keeps for pending links and names): with a link and a name change pending
# in its transaction, reading the list, one product and its detail resolves
# the cache's names in pg_catalog, never in the reader's schema.
$node->safe_psql(
	$db, q{
	SET ROLE regress_dono;
	CREATE FUNCTION app.cardinality(a anyarray) RETURNS integer
	LANGUAGE plpgsql AS $f$
	BEGIN PERFORM app.registrar_chamada('caminho'); RETURN pg_catalog.cardinality(a); END $f$;
	CREATE FUNCTION app.unnest(a anyarray) RETURNS SETOF anyelement
	LANGUAGE plpgsql AS $f$
	BEGIN PERFORM app.registrar_chamada('caminho'); RETURN QUERY SELECT pg_catalog.unnest(a); END $f$;
	CREATE FUNCTION app.texto_igual(a text, b text) RETURNS boolean
	LANGUAGE plpgsql AS $f$
	BEGIN PERFORM app.registrar_chamada('caminho'); RETURN a OPERATOR(pg_catalog.=) b; END $f$;
	CREATE OPERATOR app.= (LEFTARG = text, RIGHTARG = text, FUNCTION = app.texto_igual);
});
my $leitura = $node->safe_psql(
	$db, q{
	SET ROLE regress_dono;
	SET search_path = app, pg_catalog;
	SET teste.passo = 'leitura';
	BEGIN;
	INSERT INTO links (origem, destino, ativo) VALUES ('A1', 'A2', true);
	INSERT INTO catalogo VALUES ('A2', 'Produto A2');
	SELECT count(*) FROM public.estoque_cache_saldo;
	SELECT codigos FROM public.estoque_cache_saldo_produto('A2');
	SELECT public.estoque_cache_produto('A2') IS NOT NULL;
	COMMIT;
});
is($leitura, "1\n{A1,A2}\nt", 'the reader sees the pending link in the list, the product and its detail');
is( $node->safe_psql(
		$db, q{SELECT count(*) FROM app.registro WHERE passo = 'leitura' AND onde = 'caminho'}),
	'0', "no function or operator of the reader's search_path ran inside the cache's reads");
ec_verify_empty($node, $db, 'after the reads with a hostile search_path');

# Read functions open to PUBLIC validate their input like the public ones.
my ($state) = ec_sql_error($node, $db,
	q{SELECT * FROM estoque_cache.saldo_grupos(NULL, 'infinity')});
is($state, '22023', 'saldo_grupos refuses an infinite data_base, as estoque_cache_projecao does');
($state) = ec_sql_error($node, $db,
	q{SELECT * FROM estoque_cache.saldo_grupos('A1', '5874897-12-31')});
is($state, '22008', 'saldo_grupos refuses a data_base whose horizon runs past the last date');
is( $node->safe_psql(
		$db,
		q{SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text)
		    FROM pg_proc p
		   WHERE p.pronamespace = 'estoque_cache'::regnamespace
		     AND has_function_privilege('public', p.oid, 'EXECUTE')}),
	'estoque_cache.config(), estoque_cache.intacto(text,text[]), '
	  . 'estoque_cache.linha_nova(text,tid), estoque_cache.linha_recalculada(estoque_cache.resumo), '
	  . 'estoque_cache.linhas_pendentes(), '
	  . 'estoque_cache.ordenar_codigos(text[]), estoque_cache.por_linha(), '
	  . 'estoque_cache.saldo_grupos(text,date,boolean)',
	'PUBLIC can execute exactly the internal read functions');

$node->safe_psql($db, 'DROP OWNED BY regress_dono CASCADE; DROP ROLE regress_dono');
ec_log_has_no_crash($node, 'security', $log_offset);
$node->stop;
done_testing();
