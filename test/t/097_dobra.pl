# Background folding with nothing set but shared_preload_libraries.
#
# - Every database with the extension is folded, one created later too, and
#   the folds are logged.
# - The folder never blocks DROP DATABASE, ALTER DATABASE ... RENAME or
#   CREATE DATABASE ... TEMPLATE, and follows a renamed database.
# - estoque_cache.fold_database restricts it to one database.
# - A snapshot held for long beside writers grows estoque_cache.delta; once
#   it ends the table returns to its size by itself.
# - Without preloading: folding settings in postgresql.conf cause no warning,
#   and estoque_cache_status() alerts when deltas wait because nothing folds.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

# (fold_truncate_pages small, so that the growth test below needs a few
# megabytes of deltas rather than the default's 64)
my $node = ec_node('dobra',
	conf => [
		'estoque_cache.fold_interval = 200', 'estoque_cache.fold_worker = on',
		'estoque_cache.fold_truncate_pages = 128'
	]);
my $log_offset = ec_log_offset($node);

# A database with one attached movement table.
sub preparar
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql(
		$db, q{
		SET client_min_messages = warning;
		CREATE EXTENSION estoque_cache;
		CREATE TABLE mov (id serial, cod text, qtd numeric, ativo boolean DEFAULT true);
		SELECT estoque_cache_attach('movimentacao', 'mov', produto => 'cod', quantidade => 'qtd');
	});
	return;
}

sub pendentes
{
	my ($db) = @_;
	return $node->safe_psql($db, 'SELECT count(*) FROM estoque_cache.delta');
}

# $n movements over min($n, $codigos) codes (one delta per code).
sub escrever
{
	my ($db, $n, $codigos) = @_;
	$codigos //= 50;
	$node->safe_psql($db,
		"INSERT INTO mov (cod, qtd) SELECT 'P' || (g % $codigos), 1 FROM generate_series(1, $n) g");
	return;
}

# Waits until the deltas of $db are folded; true if they were within 30 s.
sub esperar_dobra
{
	my ($db) = @_;
	for (1 .. 300)
	{
		return 1 if pendentes($db) eq '0';
		usleep(100_000);
	}
	return 0;
}

preparar('a');
escrever('a', 100);
ok(esperar_dobra('a'), 'the deltas of a database with the extension are folded');
cmp_ok(
	$node->safe_psql('a',
		q{SELECT count(*) FROM estoque_cache.log WHERE operacao = 'fold'
		   AND argumento = 'background folder' AND linhas > 0}),
	'>=', 1, 'the background folds are in estoque_cache.log');
ec_verify_empty($node, 'a', 'after background folds');

# a database created after the server started
preparar('b');
escrever('b', 10);
ok(esperar_dobra('b'), 'a database created later is folded too, without a restart');

# DROP, RENAME and TEMPLATE are not blocked by the folder
for my $i (1 .. 5)
{
	escrever('b', 5);
	my ($state, $stderr) =
	  ec_sql_error($node, 'postgres', "CREATE DATABASE copia$i TEMPLATE b");
	is($state, '', "CREATE DATABASE ... TEMPLATE b ($i) is not blocked") or diag($stderr);
	$node->safe_psql('postgres', "DROP DATABASE copia$i");
}
my ($state, $stderr) = ec_sql_error($node, 'postgres', 'ALTER DATABASE a RENAME TO a2');
is($state, '', 'ALTER DATABASE ... RENAME is not blocked') or diag($stderr);
escrever('a2', 50);
ok(esperar_dobra('a2'), 'the renamed database is folded');
($state, $stderr) = ec_sql_error($node, 'postgres', 'DROP DATABASE b');
is($state, '', 'DROP DATABASE is not blocked') or diag($stderr);

# restricted to one database
$node->append_conf('postgresql.conf', "estoque_cache.fold_database = 'a2'");
$node->reload;
preparar('c');
escrever('c', 10);
escrever('a2', 10);
ok(esperar_dobra('a2'), 'fold_database: its database is folded');
sleep(2);
is(pendentes('c'), '10', 'fold_database: another database is left alone');
$node->append_conf('postgresql.conf', "estoque_cache.fold_database = ''");
$node->reload;
ok(esperar_dobra('c'), 'with fold_database empty again, every database is folded');

# A long snapshot beside writers grows the delta table; afterwards it shrinks.
my $leitor = $node->background_psql('a2');
$leitor->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$leitor->query_safe('SELECT count(*) FROM mov');
for (1 .. 20)
{
	escrever('a2', 2000, 2000);
	usleep(300_000);    # the folder folds them; the snapshot keeps their space
}
my $grande = $node->safe_psql('a2', q{SELECT pg_relation_size('estoque_cache.delta') / 8192});
cmp_ok($grande, '>', 128, "a held snapshot lets estoque_cache.delta grow ($grande pages)");
$leitor->query_safe('COMMIT');
$leitor->quit;
my $pequeno = $grande;
for (1 .. 300)
{
	escrever('a2', 1) if $_ % 10 == 0;    # writers go on meanwhile
	$pequeno = $node->safe_psql('a2', q{SELECT pg_relation_size('estoque_cache.delta') / 8192});
	last if $pequeno <= 128;
	usleep(100_000);
}
cmp_ok($pequeno, '<=', 128, "once the snapshot ends the table returns to its size ($pequeno pages)");
ec_verify_empty($node, 'a2', 'after the table shrank');
ec_log_has_no_crash($node, 'folder', $log_offset);
$node->stop;

# ------------------------------------------------------------ without preloading
my $solto = PostgreSQL::Test::Cluster->new('sem_preload');
$solto->init;
$solto->append_conf('postgresql.conf',
	"estoque_cache.fold_interval = 500\nestoque_cache.fold_worker = on\nlog_min_messages = warning\n");
$solto->start;
$solto->safe_psql('postgres', 'CREATE DATABASE d');
my ($out, $err) = ('', '');
$solto->psql(
	'd', q{
	SET client_min_messages = warning;
	CREATE EXTENSION estoque_cache;
	CREATE TABLE mov (id serial, cod text, qtd numeric, ativo boolean DEFAULT true);
	SELECT estoque_cache_attach('movimentacao', 'mov', produto => 'cod', quantidade => 'qtd');
	INSERT INTO mov (cod, qtd) VALUES ('X', 1);
	SELECT count(*) FROM estoque_cache_saldo;
}, stdout => \$out, stderr => \$err);
is($err, '', 'without preloading, the folding settings in postgresql.conf cause no warning');
my $alertas = ec_status($solto, 'd')->{alertas};
is_deeply($alertas, [], 'no alert while deltas are young');
$solto->safe_psql('d',
	q{UPDATE estoque_cache.delta SET atualizado_em = atualizado_em - interval '10 minutes'});
$alertas = ec_status($solto, 'd')->{alertas};
ok((grep { /nothing folds them/ } @$alertas), 'status alerts when deltas wait because nothing folds')
  or diag(explain($alertas));
$solto->safe_psql('d', 'SELECT estoque_cache_fold()');
is_deeply(ec_status($solto, 'd')->{alertas}, [], 'the alert goes once they are folded');
$solto->stop;

done_testing();
