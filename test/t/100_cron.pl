# The pg_cron jobs of examples/cron.sql, on a server with pg_cron and
# estoque_cache preloaded (cron.database_name = postgres) and the application
# in another database (loja), as an operator would have them:
#   - the script schedules its jobs in the cron database for the application's
#     database, runs again without duplicating them, and fold=off removes the
#     fold job;
#   - the nightly verification's body records an exact cache as a run with no
#     differences; after writes that bypassed the triggers it stores every
#     differing figure, shows the run in estoque_ops.alerta, logs a WARNING
#     and sends NOTIFY estoque_cache_alerta;
#   - pg_cron itself runs both jobs (rescheduled to run at once: every second
#     when the installed pg_cron accepts it, else every minute, with a bounded
#     wait): the verification records a new run and warns in the server log,
#     folding leaves no pending delta;
#   - estoque_cache_refresh() repairs the drift and verify is empty.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $cron_db = 'postgres';
my $db = 'loja';
my $script = ec_src() . '/examples/cron.sql';

# No fold_database: nothing but the cron job folds.
my $node = ec_node(
	'cron',
	start => 0,
	conf => [
		"shared_preload_libraries = 'pg_cron,estoque_cache'",
		"cron.database_name = '$cron_db'",
	]);
# pg_cron connects to run a job; the test cluster listens on its socket only.
$node->append_conf('postgresql.conf', "cron.host = '" . $node->host . "'");
$node->start;
my $log_offset = ec_log_offset($node);

$node->safe_psql($cron_db, 'CREATE EXTENSION pg_cron');
my $cron_version = $node->safe_psql($cron_db,
	q{SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'});
note("pg_cron $cron_version");
$node->safe_psql($cron_db, "CREATE DATABASE $db");
ec_load_sample($node, $db, produtos => 100, movimentos => 3000);
ec_attach_all($node, $db);

# Runs examples/cron.sql in the application's database with psql variables.
sub run_script
{
	my (%vars) = @_;
	my @cmd = (
		'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
		'-d', $node->connstr($db),
		(map { ('-v', "$_=$vars{$_}") } sort keys %vars),
		'-f', $script);
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(\@cmd, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	diag("cron.sql failed:\n$err") unless $ok;
	return ($ok, $err);
}

sub jobs
{
	return $node->safe_psql($cron_db,
		q{SELECT jobname, schedule, database, username, active, command
		  FROM cron.job WHERE jobname LIKE 'estoque-cache-%' ORDER BY jobname});
}

sub job_id
{
	my ($name) = @_;
	return $node->safe_psql($cron_db, "SELECT jobid FROM cron.job WHERE jobname = '$name'");
}

# ---------------------------------------------------------------- scheduling

my ($ok, $err) = run_script(cron_db => $cron_db);
ok($ok, 'cron.sql runs in the application database');
is($err, '', 'cron.sql prints no warning or notice');

my $expected = join("\n",
	'estoque-cache-fold-loja|* * * * *|loja|postgres|t|SELECT estoque_cache_fold()',
	q{estoque-cache-historico|15 4 * * *|postgres|postgres|t|DELETE FROM cron.job_run_details WHERE end_time < now() - interval '7 days' AND jobid IN (SELECT jobid FROM cron.job WHERE jobname LIKE 'estoque-cache-%')},
	'estoque-cache-verificar-loja|30 3 * * *|loja|postgres|t|SELECT estoque_ops.verificar(reparar => false)');
is(jobs(), $expected, 'the three jobs are registered in the cron database for loja');
my %ids = map { ($_ => job_id($_)) }
  qw(estoque-cache-fold-loja estoque-cache-verificar-loja estoque-cache-historico);

($ok) = run_script(cron_db => $cron_db);
ok($ok, 'cron.sql runs a second time');
is(jobs(), $expected, 'running it again leaves the same jobs');
is(job_id('estoque-cache-verificar-loja'), $ids{'estoque-cache-verificar-loja'},
	'and keeps their ids');

($ok) = run_script(cron_db => $cron_db, fold => 'off', reparar => 'on');
ok($ok, 'cron.sql with fold=off reparar=on');
is( jobs(),
	join("\n",
		(grep { !/^estoque-cache-(fold|verificar)/ } split /\n/, $expected),
		'estoque-cache-verificar-loja|30 3 * * *|loja|postgres|t|SELECT estoque_ops.verificar(reparar => true)'),
	'fold=off removes the fold job, reparar=on makes the verification repair');

($ok) = run_script(cron_db => $cron_db);
ok($ok, 'cron.sql with the defaults again');
is(jobs(), $expected, 'the defaults bring the fold job back');
$ids{$_} = job_id($_) for keys %ids;    # the fold job has a new id

# ---------------------------------------------------------------- the verification's body

is($node->safe_psql($db, 'SELECT estoque_ops.verificar()'),
	'0', 'verificar() on an exact cache returns 0');
is( $node->safe_psql($db,
		q{SELECT count(*), sum(diferencas), bool_and(duracao IS NOT NULL)
		  FROM estoque_ops.verificacao}),
	'1|0|t',
	'it records one run with no differences');
is($node->safe_psql($db, 'SELECT count(*) FROM estoque_ops.alerta'),
	'0', 'no alert for an exact cache');

# Writes the cache loses (deltas that cancel them appended by hand, as a
# damaged cache would have it).
$node->safe_psql(
	$db, q{
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao,
	                                  data_movimentacao, ativo)
	VALUES ('4310005', 17, 'AJUSTE', current_date, true);
	INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo,
	                       expedicao, sincronizado_nf)
	VALUES ('LOTE_CRON', 'CRON', '4310007', 3, current_date + 2, false);
	INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade)
	SELECT v.c, a.anexo_id, v.d, v.f, v.q
	  FROM (VALUES ('4310005', 'movimentacao_estoque', '-infinity'::date, 1::smallint, -17),
	               ('4310007', 'separacao', current_date + 2, 4::smallint, -3)) AS v(c, t, d, f, q)
	  JOIN estoque_cache.anexo a ON a.tabela = v.t::regclass;
});
my $verify_rows = ec_verify_rows($node, $db);
my $n_verify = scalar(grep { $_ ne '' } split /\n/, $verify_rows);
cmp_ok($n_verify, '>', 0, 'the cache now differs from the sources');

my $offset = ec_log_offset($node);
my ($stdout, $stderr);
$node->psql(
	$db,
	'LISTEN estoque_cache_alerta; SELECT estoque_ops.verificar();',
	stdout => \$stdout,
	stderr => \$stderr);
like($stdout, qr/^$n_verify$/m, "verificar() returns the $n_verify differing figures");
like(
	$stdout,
	qr/Asynchronous notification "estoque_cache_alerta" with payload "\{"verificacao" : 2, "diferencas" : $n_verify\}"/,
	'it sends NOTIFY estoque_cache_alerta with the run and the count');
like($stderr, qr/WARNING:  estoque_cache: $n_verify figure\(s\) of the cache differ/,
	'it raises a WARNING');
like(slurp_file($node->logfile, $offset),
	qr/WARNING:  estoque_cache: $n_verify figure\(s\) of the cache differ/,
	'the WARNING is in the server log');
is( $node->safe_psql($db,
		q{SELECT string_agg(cod_produto || '|' || campo || '|' || no_cache || '|' || nas_fontes,
		                    E'\n' ORDER BY cod_produto, campo)
		  FROM estoque_ops.divergencia WHERE verificacao_id = 2}),
	$node->safe_psql($db,
		q{SELECT string_agg(cod_produto || '|' || campo || '|' || no_cache || '|' || nas_fontes,
		                    E'\n' ORDER BY cod_produto, campo)
		  FROM estoque_cache_verify()}),
	'estoque_ops.divergencia keeps exactly what estoque_cache_verify() returns');
is( $node->safe_psql($db,
		q{SELECT string_agg(DISTINCT cod_produto, ',' ORDER BY cod_produto)
		  FROM estoque_ops.divergencia}),
	$node->safe_psql($db,
		q{SELECT string_agg(DISTINCT c, ',' ORDER BY c)
		  FROM (VALUES (estoque_cache_principal('4310005')),
		               (estoque_cache_principal('4310007'))) AS p(c)}),
	'the differing groups are those the cache lost');
is($node->safe_psql($db, 'SELECT id, diferencas FROM estoque_ops.alerta'),
	"2|$n_verify", 'estoque_ops.alerta shows the run');
$node->safe_psql($db, 'UPDATE estoque_ops.verificacao SET reconhecido_em = now() WHERE id = 2');
is($node->safe_psql($db, 'SELECT count(*) FROM estoque_ops.alerta'),
	'0', 'an acknowledged run leaves the alert view');

# ---------------------------------------------------------------- pg_cron runs the jobs

# Pending deltas for the fold job: ordinary writes (triggers on).
$node->safe_psql(
	$db, q{
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao,
	                                  data_movimentacao, ativo)
	SELECT (4310001 + g % 50)::text, g, 'CRON', current_date, true
	  FROM generate_series(1, 200) AS g;
});
cmp_ok($node->safe_psql($db, q{SELECT estoque_cache_status()->>'deltas_pendentes'}),
	'>', 0, 'writes left deltas to fold');

# The fastest schedule this pg_cron accepts: seconds since 1.5, else minutes.
my ($sec_ret, $sec_out, $sec_err) = $node->psql($cron_db,
	q{SELECT cron.schedule('estoque-cache-teste-segundos', '1 seconds', 'SELECT 1')});
my $fast;
if ($sec_ret == 0)
{
	$fast = '1 seconds';
	$node->safe_psql($cron_db, q{SELECT cron.unschedule('estoque-cache-teste-segundos')});
}
else
{
	like($sec_err, qr/invalid schedule/, "pg_cron $cron_version has no seconds schedules");
	$fast = '* * * * *';
}
note("jobs rescheduled to '$fast'");
my $wait = $fast eq '* * * * *' ? 100 : 30;

my $runs_before = $node->safe_psql($db, 'SELECT count(*) FROM estoque_ops.verificacao');
$offset = ec_log_offset($node);
$node->safe_psql(
	$cron_db, qq{
	SELECT cron.alter_job($ids{'estoque-cache-verificar-loja'}, schedule => '$fast');
	SELECT cron.alter_job($ids{'estoque-cache-fold-loja'}, schedule => '$fast');
});

# Waits until both jobs have finished a run started after now; returns their
# "jobname|status|return_message" lines.
my $since = $node->safe_psql($cron_db, 'SELECT now()');
my $done = '';
for (my $i = 0; $i < $wait * 5; $i++)
{
	$done = $node->safe_psql(
		$cron_db, qq{
		SELECT string_agg(DISTINCT j.jobname || '|' || d.status || '|' || coalesce(d.return_message, ''),
		                  E'\n')
		  FROM cron.job_run_details d JOIN cron.job j USING (jobid)
		 WHERE d.start_time >= '$since' AND d.end_time IS NOT NULL
		   AND j.jobid IN ($ids{'estoque-cache-verificar-loja'}, $ids{'estoque-cache-fold-loja'})});
	last if $done =~ /fold/ && $done =~ /verificar/;
	usleep(200_000);
}
like($done, qr/^estoque-cache-fold-loja\|succeeded\|/m, 'pg_cron ran the fold job');
like($done, qr/^estoque-cache-verificar-loja\|succeeded\|/m,
	'pg_cron ran the verification job');

# Stop the jobs before looking at what they did.
$node->safe_psql($cron_db,
	q{SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'estoque-cache-%'});
is($node->safe_psql($cron_db, 'SELECT count(*) FROM cron.job'), '0', 'jobs unscheduled');
# a run may still be finishing
for (my $i = 0; $i < 50; $i++)
{
	last if $node->safe_psql($cron_db,
		q{SELECT count(*) FROM cron.job_run_details WHERE status IN ('starting', 'running')}) eq '0';
	usleep(100_000);
}

cmp_ok($node->safe_psql($db, 'SELECT count(*) FROM estoque_ops.verificacao'),
	'>', $runs_before, 'the cron run recorded a verification');
is( $node->safe_psql($db,
		'SELECT diferencas FROM estoque_ops.verificacao ORDER BY id DESC LIMIT 1'),
	$n_verify, 'which found the same differences');
like(slurp_file($node->logfile, $offset),
	qr/WARNING:  estoque_cache: $n_verify figure\(s\) of the cache differ/,
	'and warned in the server log');
is($node->safe_psql($db, q{SELECT estoque_cache_status()->>'deltas_pendentes'}),
	'0', 'the fold job left no pending delta');

# ---------------------------------------------------------------- repair

cmp_ok($node->safe_psql($db, 'SELECT estoque_cache_refresh()'),
	'>', 0, 'estoque_cache_refresh() repairs the drift');
is($node->safe_psql($db, 'SELECT estoque_ops.verificar()'),
	'0', 'verificar() finds nothing after the repair');
ec_verify_empty($node, $db, 'end');
ec_log_has_no_crash($node, 'end', $log_offset);

$node->stop;
done_testing();
