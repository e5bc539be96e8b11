# Partitioned movement ledgers: the partitioned table is attached, and every
# way rows reach it counts exactly.
#
# - Declarative partitioning by month, with a sub-partitioned month: writes
#   through the partitioned table and straight into partitions (INSERT,
#   UPDATE moving rows between partitions, DELETE, COPY, MERGE), a partition
#   created later, ATTACH PARTITION of a table that has rows (they join),
#   DETACH PARTITION (they leave; the detached table is no longer followed
#   and still writes), TRUNCATE of one partition and of the whole table,
#   DROP of a partition.
# - pg_partman creating monthly partitions ahead, its maintenance creating
#   more and its retention dropping old ones.
# - A single partition and an inheritance parent are refused at attach.
# - pg_dump / pg_restore of the partitioned ledger.
# After each step the view's saldo_atual is compared with a sum computed
# directly from the table, and estoque_cache_verify() must return no rows.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = ec_node('particoes');
my $log_offset = ec_log_offset($node);
my $db = 'app';
$node->safe_psql('postgres', "CREATE DATABASE $db");

# The view against the table, code by code, and verify.
sub conferir
{
	my ($tabela, $name, %opt) = @_;
	my $dbn = $opt{db} // $db;
	my $n = $opt{node} // $node;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $dif = $n->safe_psql(
		$dbn, qq{
		WITH esperado AS (
			SELECT cod_produto::text AS cod, sum(qtd_movimentacao) AS q
			  FROM $tabela WHERE ativo AND cod_produto IS NOT NULL GROUP BY 1
			HAVING sum(qtd_movimentacao) <> 0),
		 visto AS (
			SELECT cod_produto AS cod, saldo_atual AS q FROM estoque_cache_saldo
			 WHERE cod_produto LIKE '$opt{prefixo}%' AND saldo_atual <> 0)
		SELECT coalesce(e.cod, v.cod) || ': ' || coalesce(v.q::text, '-') || ' vs ' || coalesce(e.q::text, '-')
		  FROM esperado e FULL JOIN visto v ON v.cod = e.cod
		 WHERE e.q IS DISTINCT FROM v.q ORDER BY 1});
	is($dif, '', "$name: the view sums what the table holds");
	ec_verify_empty($n, $dbn, $name, oracle => 0);
	return;
}

# ------------------------------------------------------------ declarative
$node->safe_psql(
	$db, q{
	SET client_min_messages = warning;
	CREATE EXTENSION estoque_cache;
	CREATE TABLE mov (
		id bigserial,
		cod_produto text,
		qtd_movimentacao numeric(15,3),
		ativo boolean NOT NULL DEFAULT true,
		data_movimentacao date NOT NULL
	) PARTITION BY RANGE (data_movimentacao);
	CREATE TABLE mov_2026_10 PARTITION OF mov FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
	CREATE TABLE mov_2026_11 PARTITION OF mov FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
	-- December is itself partitioned, by whether the movement is active
	CREATE TABLE mov_2026_12 PARTITION OF mov FOR VALUES FROM ('2026-12-01') TO ('2027-01-01')
		PARTITION BY LIST (ativo);
	CREATE TABLE mov_2026_12_a PARTITION OF mov_2026_12 FOR VALUES IN (true);
	CREATE TABLE mov_2026_12_i PARTITION OF mov_2026_12 FOR VALUES IN (false);
	INSERT INTO mov (cod_produto, qtd_movimentacao, ativo, data_movimentacao)
	SELECT 'P' || (g % 7), g, g % 5 <> 0, DATE '2026-10-01' + (g % 90)
	  FROM generate_series(1, 300) g;
});
is( $node->safe_psql(
		$db, q{SELECT estoque_cache_attach('movimentacao', 'mov', filtro => 'ativo')->>'fonte'}),
	'movimentacao', 'a partitioned table is attached');
is( $node->safe_psql(
		$db,
		q{SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'estoque\_cache\_%'
		   AND tgrelid IN (SELECT relid FROM pg_partition_tree('mov'))}),
	'35',
	'its partitions have triggers too (4 on the table and each of its 4 leaves, 3 on December, '
	  . 'and the 3 row triggers of the replica path on each leaf)');
conferir('mov', 'after attach', prefixo => 'P');

my ($state, $stderr) =
  ec_sql_error($node, $db, q{SELECT estoque_cache_attach('movimentacao', 'mov_2026_10')});
is($state, '42809', 'a single partition is refused');
like($stderr, qr/Attach the partitioned table/, '... with a hint naming what to attach');

$node->safe_psql(
	$db, q{
	INSERT INTO mov (cod_produto, qtd_movimentacao, data_movimentacao)
	VALUES ('P1', 1000, '2026-10-15'), ('P2', 50, '2026-12-03'), ('P9', 9, '2026-11-30');
	UPDATE mov SET qtd_movimentacao = qtd_movimentacao + 1 WHERE cod_produto = 'P3';
	-- rows move between partitions (and between December's sub-partitions)
	UPDATE mov SET data_movimentacao = data_movimentacao + 31
	 WHERE id % 11 = 0 AND data_movimentacao < '2026-12-01';
	UPDATE mov SET ativo = NOT ativo WHERE data_movimentacao >= '2026-12-01' AND id % 3 = 0;
	DELETE FROM mov WHERE id % 13 = 0;
});
conferir('mov', 'writes through the partitioned table', prefixo => 'P');

$node->safe_psql(
	$db, q{
	INSERT INTO mov_2026_11 (cod_produto, qtd_movimentacao, data_movimentacao)
	VALUES ('P4', 44, '2026-11-04');
	INSERT INTO mov_2026_12_a (cod_produto, qtd_movimentacao, data_movimentacao)
	VALUES ('P5', 55, '2026-12-05');
	UPDATE mov_2026_10 SET qtd_movimentacao = 0 WHERE cod_produto = 'P6';
	DELETE FROM mov_2026_12_i WHERE cod_produto = 'P0';
	COPY mov_2026_11 (cod_produto, qtd_movimentacao, data_movimentacao) FROM STDIN;
P1	10	2026-11-10
P8	8	2026-11-11
\.
	MERGE INTO mov_2026_10 m USING (VALUES ('P2', 2)) AS v(cod, q) ON m.cod_produto = v.cod
	WHEN MATCHED THEN UPDATE SET qtd_movimentacao = m.qtd_movimentacao + v.q;
	COPY mov (cod_produto, qtd_movimentacao, data_movimentacao) FROM STDIN;
P3	33	2026-12-24
\.
});
conferir('mov', 'writes straight into partitions, COPY and MERGE', prefixo => 'P');

# a partition created later, then one attached with rows of its own
$node->safe_psql(
	$db, q{
	CREATE TABLE mov_2027_01 PARTITION OF mov FOR VALUES FROM ('2027-01-01') TO ('2027-02-01');
	INSERT INTO mov (cod_produto, qtd_movimentacao, data_movimentacao) VALUES ('P1', 7, '2027-01-02');
	INSERT INTO mov_2027_01 (cod_produto, qtd_movimentacao, data_movimentacao)
	VALUES ('P7', 70, '2027-01-03');
	CREATE TABLE mov_2027_02 (LIKE mov INCLUDING DEFAULTS);
	INSERT INTO mov_2027_02 (cod_produto, qtd_movimentacao, ativo, data_movimentacao)
	SELECT 'P' || (g % 3), 100 + g, true, DATE '2027-02-01' + g FROM generate_series(1, 20) g;
	ALTER TABLE mov ATTACH PARTITION mov_2027_02 FOR VALUES FROM ('2027-02-01') TO ('2027-03-01');
	INSERT INTO mov_2027_02 (cod_produto, qtd_movimentacao, data_movimentacao)
	VALUES ('P2', 1, '2027-02-27');
});
conferir('mov', 'a partition created later, one attached with rows', prefixo => 'P');

# detached: its rows leave, and it is no longer followed
$node->safe_psql($db, 'ALTER TABLE mov DETACH PARTITION mov_2026_10');
conferir('mov', 'after DETACH PARTITION', prefixo => 'P');
($state, $stderr) = ec_sql_error($node, $db,
	q{INSERT INTO mov_2026_10 (cod_produto, qtd_movimentacao, data_movimentacao)
	  VALUES ('P1', 5000, '2026-10-20')});
is($state, '', 'the detached table still takes writes') or diag($stderr);
conferir('mov', 'writes to the detached table do not count', prefixo => 'P');
is_deeply(ec_status($node, $db)->{alertas}, [], 'status has no alert');

# TRUNCATE of one partition, DROP of another, TRUNCATE of everything
$node->safe_psql($db, 'TRUNCATE mov_2026_11');
conferir('mov', 'after TRUNCATE of one partition', prefixo => 'P');
$node->safe_psql($db, 'TRUNCATE mov_2026_12');
conferir('mov', 'after TRUNCATE of a sub-partitioned partition', prefixo => 'P');
$node->safe_psql($db, 'DROP TABLE mov_2027_01');
conferir('mov', 'after DROP of a partition', prefixo => 'P');
$node->safe_psql(
	$db, q{
	INSERT INTO mov (cod_produto, qtd_movimentacao, data_movimentacao)
	SELECT 'P' || (g % 4), g, DATE '2026-11-01' + g FROM generate_series(1, 60) g;
	TRUNCATE mov;
	INSERT INTO mov (cod_produto, qtd_movimentacao, data_movimentacao) VALUES ('P1', 3, '2026-12-01');
});
conferir('mov', 'after TRUNCATE of the partitioned table', prefixo => 'P');

# inheritance: refused at attach, and a child inheriting from an attached table
$node->safe_psql($db,
	q{CREATE TABLE mae (cod_produto text, qtd_movimentacao numeric, ativo boolean DEFAULT true);
	  CREATE TABLE filha () INHERITS (mae)});
($state) = ec_sql_error($node, $db, q{SELECT estoque_cache_attach('movimentacao', 'mae')});
is($state, '0A000', 'an inheritance parent is refused');
$node->safe_psql($db,
	q{CREATE TABLE avulsa (cod_produto text, qtd_movimentacao numeric, ativo boolean DEFAULT true);
	  SELECT estoque_cache_attach('movimentacao', 'avulsa')});
($state) = ec_sql_error($node, $db, q{CREATE TABLE herdeira () INHERITS (avulsa)});
is($state, '0A000', 'a table cannot inherit from an attached table');
($state) = ec_sql_error($node, $db,
	q{CREATE TABLE outra (cod_produto text, qtd_movimentacao numeric, ativo boolean);
	  ALTER TABLE outra INHERIT avulsa});
is($state, '0A000', '... nor be made to inherit from one');

# ------------------------------------------------------------ dump and restore
my $dump = $node->basedir . '/particoes.dump';
my ($out, $err);
ok(IPC::Run::run([ 'pg_dump', '-Fc', '-d', $node->connstr($db), '-f', $dump ], '>', \$out,
		'2>', \$err), 'pg_dump of the partitioned ledger') or diag($err);
$node->safe_psql('postgres', 'CREATE DATABASE restaurada');
IPC::Run::run([ 'pg_restore', '-d', $node->connstr('restaurada'), $dump ], '>', \$out,
	'2>', \$err);
is($err, '', 'pg_restore reports nothing');
conferir('mov', 'restored', db => 'restaurada', prefixo => 'P');
$node->safe_psql('restaurada',
	q{INSERT INTO mov_2026_12_a (cod_produto, qtd_movimentacao, data_movimentacao)
	  VALUES ('P2', 2, '2026-12-02');
	  INSERT INTO mov (cod_produto, qtd_movimentacao, data_movimentacao) VALUES ('P3', 3, '2026-11-03')});
conferir('mov', 'restored, after writes', db => 'restaurada', prefixo => 'P');

# ------------------------------------------------------------ pg_partman
$node->safe_psql(
	$db, q{
	SET client_min_messages = warning;
	CREATE SCHEMA partman;
	CREATE EXTENSION pg_partman SCHEMA partman;
	CREATE TABLE razao (
		id bigserial,
		cod_produto text,
		qtd_movimentacao numeric(15,3),
		ativo boolean NOT NULL DEFAULT true,
		data_movimentacao date NOT NULL
	) PARTITION BY RANGE (data_movimentacao);
	SELECT partman.create_parent('public.razao', 'data_movimentacao', 'native', 'monthly',
		p_premake := 2, p_start_partition := (date_trunc('month', current_date) - interval '2 months')::text);
	SELECT estoque_cache_attach('movimentacao', 'razao');
	INSERT INTO razao (cod_produto, qtd_movimentacao, data_movimentacao)
	SELECT 'R' || (g % 5), g, current_date - 60 + (g % 120) FROM generate_series(1, 400) g;
});
my $particoes = $node->safe_psql($db,
	q{SELECT count(*) FROM pg_partition_tree('razao') WHERE relid <> 'razao'::regclass});
cmp_ok($particoes, '>=', 5, "pg_partman made monthly partitions and a default ($particoes)");
conferir('razao', 'pg_partman: rows in every month and the default', prefixo => 'R');

# maintenance: more partitions ahead (rows in the default move into them? no:
# partman refuses to create a partition whose rows sit in the default, so
# move them first, as its own partition_data_proc does)
$node->safe_psql(
	$db, q{
	SET client_min_messages = warning;
	UPDATE partman.part_config SET premake = 6 WHERE parent_table = 'public.razao';
	CALL partman.partition_data_proc('public.razao');
	SELECT partman.run_maintenance('public.razao');
	INSERT INTO razao (cod_produto, qtd_movimentacao, data_movimentacao)
	SELECT 'R' || (g % 5), 2 * g, current_date + 90 + g FROM generate_series(1, 50) g;
});
cmp_ok(
	$node->safe_psql($db,
		q{SELECT count(*) FROM pg_partition_tree('razao') WHERE relid <> 'razao'::regclass}),
	'>', $particoes, 'maintenance created partitions ahead');
conferir('razao', 'pg_partman: after maintenance', prefixo => 'R');
is( $node->safe_psql(
		$db,
		q{SELECT count(*) FROM pg_partition_tree('razao') p
		   WHERE p.relid <> 'razao'::regclass AND p.isleaf
		     AND (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = p.relid
		           AND t.tgname LIKE 'estoque\_cache\_%') <> 7}),
	'0', 'every partition pg_partman made has its triggers');

# retention: old months dropped
$node->safe_psql(
	$db, q{
	SET client_min_messages = warning;
	UPDATE partman.part_config SET retention = '1 month', retention_keep_table = false
	 WHERE parent_table = 'public.razao';
	SELECT partman.run_maintenance('public.razao');
});
conferir('razao', 'pg_partman: after retention dropped old months', prefixo => 'R');

ec_log_has_no_crash($node, 'partitions', $log_offset);
$node->stop;
done_testing();
