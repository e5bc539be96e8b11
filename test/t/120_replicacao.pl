# A subscriber of logical replication keeps an exact cache.
#
# The application's tables are filled on a publisher (an ERP, a central
# database) and replicated to a subscriber that has the extension: the
# initial copy, INSERT, UPDATE (code, quantity, date and filter columns),
# DELETE and TRUNCATE applied there must all reach the cache (the apply
# worker runs with session_replication_role = replica, where statement
# triggers do not fire; the replica path's row triggers do).  Checked with
# estoque_cache_verify() and the independent oracle after each step.  What
# applying costs with the cache is printed (not asserted): the time the
# subscriber takes to apply the same batch of rows before and after its
# tables are attached.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $db = 'app';
my $pub = ec_node('publicador',
	conf => [ 'wal_level = logical', 'max_wal_senders = 10', 'max_replication_slots = 10' ]);
my $sub = ec_node('assinante');
my $log_offset = ec_log_offset($sub);

$pub->safe_psql('postgres', "CREATE DATABASE $db");
ec_load_sample($pub, $db, produtos => 60, movimentos => 3000);

# the subscriber gets the same tables, empty
$sub->safe_psql('postgres', "CREATE DATABASE $db");
my ($schema, $err);
IPC::Run::run([ 'pg_dump', '--schema-only', '-d', $pub->connstr($db) ], '>', \$schema,
	'2>', \$err)
  or die "pg_dump --schema-only: $err";
$sub->safe_psql($db, $schema);
ec_attach_all($sub, $db);
is($sub->safe_psql($db, 'SELECT count(*) FROM estoque_cache_saldo'), '0',
	'the subscriber starts empty');

my @tabelas = qw(movimentacao_estoque carteira_principal pre_separacao_item separacao
  programacao_producao unificacao_codigos cadastro_produto);
$pub->safe_psql($db, 'CREATE PUBLICATION pub FOR TABLE ' . join(', ', @tabelas));
my $conexao = 'host=' . $pub->host . ' port=' . $pub->port . " dbname=$db";
$sub->safe_psql($db, "CREATE SUBSCRIPTION sub CONNECTION '$conexao' PUBLICATION pub");
$sub->wait_for_subscription_sync($pub, 'sub', $db);

sub contagens
{
	my ($n) = @_;
	return $n->safe_psql($db,
		join(' UNION ALL ', map { "SELECT '$_', count(*) FROM $_" } @tabelas) . ' ORDER BY 1');
}
is(contagens($sub), contagens($pub), 'the initial copy brought every row');
ec_verify_empty($sub, $db, 'after the initial copy');

$pub->safe_psql(
	$db, q{
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	SELECT (4310001 + g % 9)::text, g * 1.5, 'REPL', g % 4 <> 0 FROM generate_series(1, 200) g;
	UPDATE movimentacao_estoque SET qtd_movimentacao = qtd_movimentacao + 2 WHERE id % 7 = 0;
	UPDATE movimentacao_estoque SET ativo = NOT ativo WHERE id % 11 = 0;
	UPDATE movimentacao_estoque SET cod_produto = '4310003' WHERE id % 13 = 0;
	DELETE FROM movimentacao_estoque WHERE id % 17 = 0;
	UPDATE carteira_principal SET separacao_lote_id = NULL WHERE id % 5 = 0;
	UPDATE pre_separacao_item SET data_expedicao_editada = data_expedicao_editada + 2,
	       status = 'CRIADO' WHERE id % 3 = 0;
	UPDATE separacao SET sincronizado_nf = true WHERE id % 4 = 0;
	DELETE FROM programacao_producao WHERE id % 2 = 0;
	INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
	VALUES (4310005, 4310006, true, 'REPL'), (4310006, 4310007, true, 'REPL');
	UPDATE cadastro_produto SET nome_produto = nome_produto || ' (ERP)' WHERE cod_produto = '4310005';
});
$pub->wait_for_catchup('sub');
is(contagens($sub), contagens($pub), 'the applied changes arrived');
ec_verify_empty($sub, $db, 'after INSERT, UPDATE and DELETE applied');
is($sub->safe_psql($db, q{SELECT estoque_cache_principal('4310007')}), '4310005',
	'an applied link regroups the codes');
like($sub->safe_psql($db, q{SELECT nome_produto FROM estoque_cache_saldo_produto('4310006')}),
	qr/\(ERP\)$/, 'an applied name change reaches the view');

$pub->safe_psql($db, 'TRUNCATE separacao');
$pub->wait_for_catchup('sub');
is($sub->safe_psql($db, 'SELECT count(*) FROM separacao'), '0', 'the TRUNCATE was applied');
ec_verify_empty($sub, $db, 'after TRUNCATE applied');

# the subscriber's own sessions write too, and count once
$sub->safe_psql($db,
	q{INSERT INTO movimentacao_estoque (id, cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	  VALUES (900000001, '4310002', 5, 'LOCAL', true)});
ec_verify_empty($sub, $db, 'a local write beside the applied ones');
is_deeply(ec_status($sub, $db)->{alertas}, [], 'status has no alert on the subscriber');

# What applying costs: the same batch applied to tables not attached, then attached.
sub aplicar_lote
{
	my ($tabela) = @_;
	my $t0 = time;
	$pub->safe_psql($db,
		"INSERT INTO $tabela (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		 SELECT (4310001 + g % 50)::text, g, 'LOTE', true FROM generate_series(1, 20000) g");
	$pub->wait_for_catchup('sub');
	return time - $t0;
}
$pub->safe_psql($db,
	'CREATE TABLE mov_sem_cache (LIKE movimentacao_estoque INCLUDING ALL);
	 ALTER PUBLICATION pub ADD TABLE mov_sem_cache');
$sub->safe_psql($db, 'CREATE TABLE mov_sem_cache (LIKE movimentacao_estoque INCLUDING ALL);
	 ALTER SUBSCRIPTION sub REFRESH PUBLICATION');
$sub->wait_for_subscription_sync($pub, 'sub', $db);
aplicar_lote('mov_sem_cache');    # warm up
my $sem = aplicar_lote('mov_sem_cache');
my $com = aplicar_lote('movimentacao_estoque');
note(sprintf('applying 20,000 inserted rows: %.2f s without the cache, %.2f s into an '
	  . 'attached table (%.2fx)', $sem, $com, $com / $sem));
ec_verify_empty($sub, $db, 'after the applied batch');

$sub->safe_psql($db, 'DROP SUBSCRIPTION sub');
ec_log_has_no_crash($sub, 'subscriber', $log_offset);
$sub->stop;
$pub->stop;
done_testing();
