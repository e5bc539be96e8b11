# A bounded soak: pgbench with 6 clients (2 threads, loopback) runs random
# writes over every source, a second movement table (truncated now and
# then) and the code links, with savepoints rolled back and whole
# transactions rolled back, for 60 seconds.  Meanwhile the background worker
# folds every 200 ms, estoque_cache_fold() is also called by hand, verify is
# run twice (a consistent snapshot must show no difference even while
# writers are busy) and one estoque_cache_rebuild() happens, which must find
# nothing to correct.  Afterwards verify returns no rows, the pending deltas
# drain, no pgbench transaction failed, and the server log has no ERROR at
# all (this test causes none on purpose).  The figures (transactions,
# statements, rows) are printed.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

my $db = 'postgres';
my $duration = 60;
my $node = ec_node(
	'soak',
	fold_database => $db,
	conf => [
		"shared_preload_libraries = 'estoque_cache, pg_stat_statements'",
		"pg_stat_statements.track = top",
		"log_min_error_statement = error",
		"deadlock_timeout = 200ms",
	]);
my $log_offset = ec_log_offset($node);
ec_load_sample($node, $db, produtos => 100, movimentos => 5000);
ec_attach_all($node, $db);
$node->safe_psql(
	$db, q{
	CREATE TABLE movimentacao_extra (
		id bigserial PRIMARY KEY, cod_produto text, qtd numeric(12, 2), ativo boolean DEFAULT true);
	SELECT estoque_cache_attach('movimentacao', 'movimentacao_extra', quantidade => 'qtd');
	CREATE EXTENSION pg_stat_statements;
	-- the oracle counts the extra movements too (default filter: ativo)
	CREATE OR REPLACE VIEW oraculo.linhas_extras (codigo, fonte, data, q) AS
	SELECT cod_produto, 'movimentacao'::text, NULL::date, qtd::numeric
	  FROM movimentacao_extra WHERE ativo;
});
ec_verify_empty($node, $db, 'before the soak');

# ---------------------------------------------------------------- the workload

my $dir = $node->basedir;
my $writer = "$dir/soak_escritas.sql";
append_to_file(
	$writer,
	ec_pgbench_writer_script(
		100,
		extra => q{\if :k % 3 = 0
INSERT INTO movimentacao_extra (cod_produto, qtd, ativo) VALUES ((:p)::text, :x / 4.0, :k <> 6);
\elif :k = 1
UPDATE movimentacao_extra SET qtd = qtd + 1 WHERE cod_produto = (:p)::text;
\endif}));
my $truncator = "$dir/soak_truncar.sql";
append_to_file($truncator, "TRUNCATE movimentacao_extra;\n");

my $antes = $node->safe_psql(
	$db, q{SELECT xact_commit || ' ' || xact_rollback FROM pg_stat_database
	       WHERE datname = current_database()});
$node->safe_psql($db, 'SELECT pg_stat_statements_reset()');

my $pgbench_out = "$dir/pgbench_soak.log";
my $t0 = time;
my $pgbench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', '6', '-j', '2', '-T', $duration, '-h', $node->host, '-p',
		$node->port, '-f', "$writer\@50", '-f', "$truncator\@1", $db
	],
	'>', $pgbench_out, '2>&1');

# While it runs: folds by hand, two verifies, one rebuild.
my ($verifies, $folds, $max_pendentes) = (0, 0, 0);
my $rebuild;
my @verify_rows;
while (time - $t0 < $duration - 5)
{
	sleep 5;
	my $elapsed = time - $t0;
	my $pendentes = $node->safe_psql($db,
		q{SELECT (estoque_cache_status()->>'deltas_pendentes')::bigint});
	$max_pendentes = $pendentes if $pendentes > $max_pendentes;
	$node->safe_psql($db, 'SELECT estoque_cache_fold()');
	$folds++;
	if (!defined $rebuild && $elapsed >= $duration / 2)
	{
		$rebuild = decode_json($node->safe_psql($db, 'SELECT estoque_cache_rebuild()'));
		note(sprintf('rebuild during the soak at %.0fs: %s', $elapsed, encode_json($rebuild)));
	}
	elsif ($verifies < 2 && $elapsed >= ($verifies == 0 ? 15 : 40))
	{
		my $rows = ec_verify_rows($node, $db);
		push @verify_rows, $rows if $rows ne '';
		$verifies++;
	}
}
$pgbench->finish;
my $pgbench_rc = $? >> 8;
my $pgbench_log = slurp_file($pgbench_out);

ok(defined $rebuild, 'a rebuild ran during the soak');
is($rebuild->{linhas_corrigidas}, 0,
	'the rebuild during the soak found nothing to correct (the cache was exact in its snapshot)');
is($verifies, 2, 'verify ran twice during the soak');
is(scalar(@verify_rows), 0, 'verify during the soak returned no rows')
  or diag(substr(join("\n---\n", @verify_rows), 0, 2000));

# ---------------------------------------------------------------- afterwards

is($pgbench_rc, 0, 'pgbench ended normally') or diag($pgbench_log);
my ($tx) = $pgbench_log =~ /number of transactions actually processed: (\d+)/;
my ($failed) = $pgbench_log =~ /number of failed transactions: (\d+)/;
$tx //= 0;
$failed //= 0;
cmp_ok($tx, '>', 500, "pgbench processed transactions ($tx)");
is($failed, 0, 'no pgbench transaction failed') or diag($pgbench_log);

ec_verify_empty($node, $db, 'after the soak');
ok(ec_wait_deltas_folded($node, $db, 60), 'the pending deltas drain after the soak');
ec_verify_empty($node, $db, 'after folding');
my $final = decode_json($node->safe_psql($db, 'SELECT estoque_cache_rebuild()'));
is($final->{linhas_corrigidas}, 0, 'a rebuild after the soak finds nothing to correct');

# The figures.
my $stats = $node->safe_psql(
	$db, q{
	SELECT coalesce(sum(calls) FILTER (WHERE query ~* '^\s*(insert|update|delete|truncate)'), 0)
	       || ' ' || coalesce(sum(calls), 0)
	       || ' ' || coalesce(sum(rows) FILTER (WHERE query ~* '^\s*(insert|update|delete)'), 0)
	       || ' ' || coalesce(sum(calls) FILTER (WHERE query ~* '^\s*rollback to'), 0)
	       || ' ' || coalesce(sum(calls) FILTER (WHERE query ~* '^\s*truncate'), 0)
	FROM pg_stat_statements
	WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
	  AND query !~* 'estoque_cache|pg_stat'});
my ($dml, $statements, $rows, $savepoint_rollbacks, $truncates) = split / /, $stats;
my $depois = $node->safe_psql(
	$db, q{SELECT xact_commit || ' ' || xact_rollback FROM pg_stat_database
	       WHERE datname = current_database()});
my ($c0, $r0) = split / /, $antes;
my ($c1, $r1) = split / /, $depois;
my $status = ec_status($node, $db);
my $summary = sprintf(
	"soak: %ds, 6 clients; %d pgbench transactions (%d failed); %d statements, of which %d "
	  . "INSERT/UPDATE/DELETE/TRUNCATE touching %d rows; %d savepoint rollbacks; %d TRUNCATEs; "
	  . "about %d commits and %d rollbacks in the database; %d manual folds, at most %d pending "
	  . "deltas seen; cache: %d groups, %d codes, %d folded rows",
	$duration, $tx, $failed, $statements, $dml, $rows, $savepoint_rollbacks, $truncates,
	$c1 - $c0, $r1 - $r0, $folds, $max_pendentes, $status->{grupos}, $status->{codigos},
	$status->{linhas_consolidadas});
diag($summary);
cmp_ok($dml, '>', 1000, 'the soak ran more than a thousand writing statements');
cmp_ok($savepoint_rollbacks, '>', 0, 'savepoints were rolled back');
cmp_ok($truncates, '>', 0, 'the extra movement table was truncated');
cmp_ok($r1 - $r0, '>', 0, 'transactions were rolled back');

# Nothing went wrong in the server.
my $log = slurp_file($node->logfile, $log_offset);
my @errors = grep { /\b(ERROR|FATAL|PANIC):/ } split /\n/, $log;
is(scalar(@errors), 0, 'the server log has no ERROR, FATAL or PANIC line')
  or diag(join("\n", @errors[ 0 .. ($#errors < 14 ? $#errors : 14) ]));
ec_log_has_no_crash($node, 'soak', $log_offset);

$node->stop;
done_testing();
