# Privileges.  An application role (regress_ec_app) that may only write one
# source table and the code links, and create objects in a schema of its
# own:
#   - can write its source table without any privilege on the cache, and the
#     cache follows;
#   - can read the view and the read functions (open by default), until an
#     administrator revokes that;
#   - cannot read the internal tables, cannot write them, cannot call the
#     admin functions (attach*, detach, rebuild, refresh, verify, fold,
#     configurar: SQLSTATE 42501) nor any internal function that writes;
#   - cannot escalate: it cannot attach a table of its own, cannot put the
#     cache's trigger functions on its own table, and a search_path trick
#     (operators, functions, aggregates and tables shadowing pg_catalog's and
#     the cache's, with search_path = evil, pg_catalog, public) does not run
#     when it writes or reads, and the figures stay exact.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $db = 'postgres';
my $role = 'regress_ec_app';
my $node = ec_node('privileges', fold_database => $db);
my $log_offset = ec_log_offset($node);
ec_load_sample($node, $db, produtos => 100, movimentos => 5000);
ec_attach_all($node, $db);

$node->safe_psql(
	$db, qq{
	CREATE ROLE $role LOGIN;
	GRANT CREATE ON DATABASE $db TO $role;
	GRANT SELECT, INSERT, UPDATE, DELETE ON movimentacao_estoque, unificacao_codigos,
		pre_separacao_item TO $role;
	GRANT USAGE ON SEQUENCE movimentacao_estoque_id_seq, unificacao_codigos_id_seq,
		pre_separacao_item_id_seq TO $role;
});

# Runs SQL as the role; returns (SQLSTATE or '', stderr, stdout).
sub as_role
{
	my ($sql) = @_;
	my ($state, $stderr, $rc, $stdout) = ec_sql_error($node, $db, $sql, connstr => "user=$role");
	return ($state, $stderr, $stdout);
}

# Test: SQL run as the role fails with permission denied (42501).
sub denied
{
	my ($name, $sql) = @_;
	my ($state, $stderr) = as_role($sql);
	is($state, '42501', "$name: permission denied") or diag(substr($stderr, 0, 400));
	return;
}

# Test: SQL run as the role succeeds; returns its output.
sub allowed
{
	my ($name, $sql) = @_;
	my ($state, $stderr, $stdout) = as_role($sql);
	is($state, '', "$name: allowed") or diag(substr($stderr, 0, 400));
	chomp $stdout;
	return $stdout;
}

# ---------------------------------------------------------------- writing its own source

my $saldo_sql = q{SELECT saldo_atual FROM estoque_cache_saldo_produto('4310030')};
my $antes = $node->safe_psql($db, $saldo_sql);
allowed('writing movimentacao_estoque with no privilege on the cache', q{
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	VALUES ('4310030', 11.5, 'APP', true);
	UPDATE movimentacao_estoque SET qtd_movimentacao = qtd_movimentacao + 1
	 WHERE tipo_movimentacao = 'APP';
	INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
	VALUES (4310030, 4310031, true, 'APP');});
is( $node->safe_psql(
		$db, qq{SELECT saldo_atual - $antes
		        - (SELECT coalesce(sum(qtd_movimentacao), 0) FROM movimentacao_estoque
		            WHERE cod_produto = '4310031' AND ativo)
		        FROM estoque_cache_saldo_produto('4310030')}),
	'12.500', "the role's writes reach the cache (movement and link)");
ec_verify_empty($node, $db, "after the role's writes");

# ---------------------------------------------------------------- reading is open

is(allowed('the view', q{SELECT count(*) > 0 FROM estoque_cache_saldo}), 't',
	'the role reads rows from the view');
allowed('estoque_cache_produto', q{SELECT estoque_cache_produto('4310030') IS NOT NULL});
allowed('estoque_cache_saldo_produto', q{SELECT * FROM estoque_cache_saldo_produto('4310030')});
allowed('estoque_cache_projecao', q{SELECT count(*) FROM estoque_cache_projecao('4310030')});
allowed('estoque_cache_principal and _codigos',
	q{SELECT estoque_cache_principal('4310031'), estoque_cache_codigos('4310031')});
allowed('estoque_cache_status', q{SELECT estoque_cache_status() IS NOT NULL});

# An administrator may close reading.
$node->safe_psql(
	$db, q{REVOKE SELECT ON estoque_cache_saldo FROM PUBLIC;
	       REVOKE EXECUTE ON FUNCTION estoque_cache_produto(text) FROM PUBLIC;});
denied('the view after REVOKE', q{SELECT count(*) FROM estoque_cache_saldo});
denied('estoque_cache_produto after REVOKE', q{SELECT estoque_cache_produto('4310030')});
$node->safe_psql(
	$db, q{GRANT SELECT ON estoque_cache_saldo TO PUBLIC;
	       GRANT EXECUTE ON FUNCTION estoque_cache_produto(text) TO PUBLIC;});

# ---------------------------------------------------------------- the internal tables

my @tables = split /\n/, $node->safe_psql(
	$db, q{SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
	       JOIN pg_namespace n ON n.oid = c.relnamespace
	       WHERE n.nspname = 'estoque_cache' AND c.relkind IN ('r', 'p') ORDER BY 1});
cmp_ok(scalar @tables, '>=', 6, 'the internal schema has its tables (' . scalar(@tables) . ')');
for my $t (@tables)
{
	denied("SELECT from $t", "SELECT * FROM $t LIMIT 1");
	denied("DELETE from $t", "DELETE FROM $t");
	denied("TRUNCATE $t", "TRUNCATE $t");
}
denied('INSERT into estoque_cache.delta', q{
	INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade)
	VALUES ('4310001', 1, '-infinity', 1, 1000000)});
denied('UPDATE estoque_cache.saldo', q{UPDATE estoque_cache.saldo SET quantidade = 0});
denied('UPDATE estoque_cache.anexo (changing a filter)',
	q{UPDATE estoque_cache.anexo SET filtro = 'true'});
denied('UPDATE estoque_cache.configuracao',
	q{UPDATE estoque_cache.configuracao SET estoque_minimo = 0});
for my $s (split /\n/, $node->safe_psql(
	$db, q{SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
	       JOIN pg_namespace n ON n.oid = c.relnamespace
	       WHERE n.nspname = 'estoque_cache' AND c.relkind = 'S' ORDER BY 1}))
{
	denied("nextval of $s", "SELECT nextval('$s')");
}

# ---------------------------------------------------------------- admin functions

denied('estoque_cache_attach', q{SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque')});
denied('estoque_cache_attach_unificacao', q{SELECT estoque_cache_attach_unificacao('unificacao_codigos')});
denied('estoque_cache_attach_produtos', q{SELECT estoque_cache_attach_produtos('cadastro_produto')});
denied('estoque_cache_detach', q{SELECT estoque_cache_detach('movimentacao_estoque')});
denied('estoque_cache_rebuild', q{SELECT estoque_cache_rebuild()});
denied('estoque_cache_refresh()', q{SELECT estoque_cache_refresh()});
denied('estoque_cache_refresh(code)', q{SELECT estoque_cache_refresh('4310001')});
denied('estoque_cache_verify()', q{SELECT * FROM estoque_cache_verify()});
denied('estoque_cache_verify(code)', q{SELECT * FROM estoque_cache_verify('4310001')});
denied('estoque_cache_fold', q{SELECT estoque_cache_fold()});
denied('estoque_cache_configurar', q{SELECT estoque_cache_configurar(estoque_minimo => 0)});

# No internal function that writes (volatile) is executable by the role.
is( $node->safe_psql(
		$db, qq{SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1) FROM pg_proc p
		        WHERE p.pronamespace = 'estoque_cache'::regnamespace AND p.provolatile = 'v'
		          AND has_function_privilege('$role', p.oid, 'EXECUTE')}),
	'', 'no volatile internal function is executable by the role');
for my $f (split /\n/, $node->safe_psql(
	$db, q{SELECT format('estoque_cache.%I(%s)', p.proname,
	                     (SELECT string_agg('NULL::' || format_type(t, NULL), ', ')
	                        FROM unnest(p.proargtypes::oid[]) AS t))
	       FROM pg_proc p
	       WHERE p.pronamespace = 'estoque_cache'::regnamespace AND p.provolatile = 'v'
	         AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
	       ORDER BY 1}))
{
	denied("calling $f", "SELECT $f");
}

# ---------------------------------------------------------------- no escalation

allowed('creating its own schema and table', q{
	CREATE SCHEMA regress_app;
	CREATE TABLE regress_app.minha (cod_produto text, qtd_movimentacao numeric, ativo boolean);
	INSERT INTO regress_app.minha VALUES ('4310001', 1000000, true);});
denied('attaching its own table',
	q{SELECT estoque_cache_attach('movimentacao', 'regress_app.minha')});
denied('attaching its own table with a filter',
	q{SELECT estoque_cache_attach('movimentacao', 'regress_app.minha', filtro => 'true')});
denied('a trigger with estoque_cache.trg_fonte on its own table', q{
	CREATE TRIGGER estoque_cache_ins AFTER INSERT ON regress_app.minha
	REFERENCING NEW TABLE AS novas FOR EACH STATEMENT EXECUTE FUNCTION estoque_cache.trg_fonte('1')});
denied('a trigger with estoque_cache.trg_codigos on its own table', q{
	CREATE TRIGGER estoque_cache_ins AFTER INSERT ON regress_app.minha
	REFERENCING NEW TABLE AS novas FOR EACH STATEMENT EXECUTE FUNCTION estoque_cache.trg_codigos('6')});
allowed('writing its own table', q{INSERT INTO regress_app.minha VALUES ('4310001', 5, true)});
is( $node->safe_psql(
		$db, q{SELECT count(*) FROM pg_trigger WHERE tgrelid = 'regress_app.minha'::regclass}),
	'0', 'its table has no trigger');
ec_verify_empty($node, $db, 'after the attempts to attach');

# ---------------------------------------------------------------- the search_path trick

# Objects shadowing pg_catalog's (and the cache's tables), each leaving a
# trace in evil.rastro and a NOTICE when used.
allowed('creating the shadowing objects', q{
	CREATE SCHEMA evil;
	CREATE TABLE evil.rastro (oque text, usuario text DEFAULT current_user);
	GRANT INSERT ON evil.rastro TO PUBLIC;
	CREATE FUNCTION evil.rastrear(oque text) RETURNS boolean LANGUAGE plpgsql AS $f$
	BEGIN
		INSERT INTO evil.rastro (oque) VALUES (oque);
		RAISE NOTICE 'ARMADILHA % (as %)', oque, current_user;
		RETURN true;
	END $f$;
	GRANT EXECUTE ON FUNCTION evil.rastrear(text) TO PUBLIC;

	CREATE FUNCTION evil.texteq(a text, b text) RETURNS boolean LANGUAGE sql
		AS $f$ SELECT evil.rastrear('text =') AND pg_catalog.texteq(a, b) $f$;
	CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq);
	CREATE FUNCTION evil.textlt(a text, b text) RETURNS boolean LANGUAGE sql
		AS $f$ SELECT evil.rastrear('text <') AND pg_catalog.text_lt(a, b) $f$;
	CREATE OPERATOR evil.< (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.textlt);
	CREATE FUNCTION evil.int4eq(a integer, b integer) RETURNS boolean LANGUAGE sql
		AS $f$ SELECT evil.rastrear('integer =') AND pg_catalog.int4eq(a, b) $f$;
	CREATE OPERATOR evil.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = evil.int4eq);
	CREATE FUNCTION evil.numeric_add(a numeric, b numeric) RETURNS numeric LANGUAGE sql
		AS $f$ SELECT CASE WHEN evil.rastrear('numeric +') THEN pg_catalog.numeric_add(a, b) END $f$;
	CREATE OPERATOR evil.+ (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = evil.numeric_add);
	CREATE FUNCTION evil.numeric_sub(a numeric, b numeric) RETURNS numeric LANGUAGE sql
		AS $f$ SELECT CASE WHEN evil.rastrear('numeric -') THEN pg_catalog.numeric_sub(a, b) END $f$;
	CREATE OPERATOR evil.- (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = evil.numeric_sub);
	CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql
		AS $f$ SELECT CASE WHEN evil.rastrear('now()') THEN pg_catalog.now() END $f$;
	CREATE FUNCTION evil.unnest(a anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS $f$
	BEGIN
		PERFORM evil.rastrear('unnest()');
		RETURN QUERY SELECT * FROM pg_catalog.unnest(a);
	END $f$;
	CREATE FUNCTION evil.soma(s numeric, v numeric) RETURNS numeric LANGUAGE sql
		AS $f$ SELECT CASE WHEN evil.rastrear('sum()') THEN pg_catalog.numeric_add(coalesce(s, 0), v) END $f$;
	CREATE AGGREGATE evil.sum(numeric) (SFUNC = evil.soma, STYPE = numeric);
	CREATE FUNCTION evil.junta(s text[], v text) RETURNS text[] LANGUAGE sql
		AS $f$ SELECT CASE WHEN evil.rastrear('array_agg()') THEN pg_catalog.array_append(s, v) END $f$;
	CREATE AGGREGATE evil.array_agg(text) (SFUNC = evil.junta, STYPE = text[], INITCOND = '{}');
	CREATE FUNCTION evil.lower(a text) RETURNS text LANGUAGE sql
		AS $f$ SELECT CASE WHEN evil.rastrear('lower()') THEN pg_catalog.lower(a) END $f$;

	-- tables named like the cache's
	CREATE FUNCTION evil.tabela_usada() RETURNS trigger LANGUAGE plpgsql AS $f$
	BEGIN
		PERFORM evil.rastrear('table ' || TG_TABLE_NAME);
		RETURN NULL;
	END $f$;
	CREATE TABLE evil.delta (codigo text, anexo_id integer, data date, fonte smallint,
		quantidade numeric, atualizado_em timestamptz);
	CREATE TABLE evil.saldo (LIKE evil.delta);
	CREATE TABLE evil.anexo (anexo_id integer, fonte text, tabela regclass, produto text,
		quantidade text, data text, destino text, nome text, filtro text);
	CREATE TABLE evil.grupo (codigo text, principal text);
	CREATE TRIGGER t AFTER INSERT OR UPDATE OR DELETE ON evil.delta
		FOR EACH STATEMENT EXECUTE FUNCTION evil.tabela_usada();
	CREATE TRIGGER t AFTER INSERT OR UPDATE OR DELETE ON evil.saldo
		FOR EACH STATEMENT EXECUTE FUNCTION evil.tabela_usada();
	CREATE TRIGGER t AFTER INSERT OR UPDATE OR DELETE ON evil.grupo
		FOR EACH STATEMENT EXECUTE FUNCTION evil.tabela_usada();
	GRANT USAGE ON SCHEMA evil TO PUBLIC;
	GRANT ALL ON ALL TABLES IN SCHEMA evil TO PUBLIC;
	GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA evil TO PUBLIC;});

my $trick = 'SET search_path = evil, pg_catalog, public;';

# The trap is armed: in that search_path, plain SQL does pick these objects.
my (undef, $armed_err) = as_role(
	"$trick SELECT cod_produto = tipo_movimentacao, length(cod_produto) = 7, length(cod_produto)::numeric + 1,
	        lower(tipo_movimentacao), now() IS NOT NULL
	 FROM movimentacao_estoque LIMIT 1;
	 SELECT sum(x) FROM unnest(ARRAY[1.0, 2.0]) AS x;");
like($armed_err, qr/ARMADILHA text =/, 'the shadowing operator is picked by plain SQL (the trap works)');
like($armed_err, qr/ARMADILHA unnest/, 'the shadowing function is picked by plain SQL (the trap works)');
like($armed_err, qr/ARMADILHA sum/, 'the shadowing aggregate is picked by plain SQL (the trap works)');
$node->safe_psql($db, 'TRUNCATE evil.rastro');

# Now the role writes and reads with that search_path (its own statements
# name pg_catalog's operators explicitly, so that any trace comes from the
# extension).  pre_separacao_item's filter, status IN ('CRIADO',
# 'RECOMPOSTO'), uses the text = operator that evil shadows.
my $antes_30 = $node->safe_psql($db, $saldo_sql);
my ($state, $err, $out) = as_role(
	"$trick
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	VALUES ('4310030', 100, 'APP', true), ('4310030', 0.25, 'APP', true),
	       ('4310062', 7, 'APP', true);
	UPDATE movimentacao_estoque SET qtd_movimentacao = qtd_movimentacao OPERATOR(pg_catalog.+) 1
	 WHERE tipo_movimentacao::text OPERATOR(pg_catalog.=) 'APP'
	   AND cod_produto::text OPERATOR(pg_catalog.=) '4310062';
	DELETE FROM movimentacao_estoque WHERE tipo_movimentacao::text OPERATOR(pg_catalog.=) 'APP'
	   AND qtd_movimentacao OPERATOR(pg_catalog.=) 0.25;
	INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
	VALUES (4310062, 4310063, true, 'APP');
	UPDATE unificacao_codigos SET ativo = false WHERE motivo::text OPERATOR(pg_catalog.=) 'APP'
	   AND codigo_origem OPERATOR(pg_catalog.=) 4310062;
	UPDATE unificacao_codigos SET ativo = true WHERE motivo::text OPERATOR(pg_catalog.=) 'APP'
	   AND codigo_origem OPERATOR(pg_catalog.=) 4310062;
	INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario,
		data_expedicao_editada, status)
	VALUES ('APP', '4310030', 40, current_date + 1, 'CRIADO'),
	       ('APP', '4310030', 50, current_date + 1, 'CANCELADO');
	UPDATE pre_separacao_item SET status = 'RECOMPOSTO'
	 WHERE num_pedido::text OPERATOR(pg_catalog.=) 'APP';
	BEGIN;
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	VALUES ('4310030', 999, 'APP', true);
	SELECT saldo_atual FROM estoque_cache_saldo_produto('4310030');
	ROLLBACK;
	SELECT count(*) FROM estoque_cache_saldo;
	SELECT estoque_cache_produto('4310063') IS NOT NULL;
	SELECT count(*) FROM estoque_cache_saldo_produto('4310030');
	SELECT count(*) FROM estoque_cache_projecao('4310063', 40);
	SELECT estoque_cache_principal('4310063'), estoque_cache_codigos('4310063');
	SELECT estoque_cache_status() IS NOT NULL;");
is($state, '', 'writes and reads with search_path = evil, pg_catalog, public succeed') or diag($err);
unlike($err, qr/ARMADILHA/, 'no shadowing object ran (no NOTICE)') or diag($err);
is($node->safe_psql($db, q{SELECT string_agg(oque || ' as ' || usuario, ', ') FROM evil.rastro}),
	'', 'no shadowing object ran (evil.rastro is empty)');
my $inside = $node->safe_psql($db, "SELECT $antes_30 + 100 + 999");
like($out, qr/^\Q$inside\E$/m,
	"inside its transaction the role saw its own uncommitted movement in the cache");
is($node->safe_psql($db, qq{SELECT saldo_atual - $antes_30 FROM estoque_cache_saldo_produto('4310030')}),
	'100.000', 'the figure moved by exactly the committed movements');
is( $node->safe_psql(
		$db, q{SELECT qtd_pre_separacao - (SELECT coalesce(sum(qtd_selecionada_usuario), 0) FROM pre_separacao_item
		         WHERE cod_produto IN ('4310030', '4310031') AND status IN ('CRIADO', 'RECOMPOSTO')
		           AND num_pedido <> 'APP')
		       FROM estoque_cache_saldo_produto('4310030')}),
	'90.000', 'the pre-separations written under the trick are counted through their filter');
is($node->safe_psql($db, q{SELECT estoque_cache_principal('4310063')}),
	'4310062', 'the link written under the trick groups the codes');
ec_verify_empty($node, $db, 'after the search_path trick');

# The same trick, for a superuser session calling the admin functions: they
# pin their own search_path.
my ($sstate, $serr) = ec_sql_error($node, $db,
	"$trick SELECT estoque_cache_refresh(); SELECT count(*) FROM estoque_cache_verify();
	 SELECT estoque_cache_rebuild(); SELECT estoque_cache_fold();");
is($sstate, '', 'admin functions run under the trick search_path') or diag($serr);
unlike($serr, qr/ARMADILHA/, 'no shadowing object ran inside the admin functions');
is($node->safe_psql($db, q{SELECT count(*) FROM evil.rastro}), '0',
	'evil.rastro is still empty');
ec_verify_empty($node, $db, 'at the end');

# ---------------------------------------------------------------- cleanup

$node->safe_psql(
	$db, qq{
	DROP SCHEMA evil CASCADE;
	DROP SCHEMA regress_app CASCADE;
	DROP OWNED BY $role;
	DROP ROLE $role;});
is($node->safe_psql($db, qq{SELECT count(*) FROM pg_roles WHERE rolname = '$role'}), '0',
	'the test role is dropped');
ec_log_has_no_crash($node, 'privileges', $log_offset);
$node->stop;
done_testing();
