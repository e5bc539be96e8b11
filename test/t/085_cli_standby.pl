# The command-line tool on a hot standby: the reading commands (status,
# produto, verificar) work there with the same answers and exit codes as on
# the primary and write nothing; the writing ones (atualizar, inicializar)
# stop with a clear message and exit status 3 before trying anything.
#
# verificar on a standby needs an extension whose estoque_cache_verify()
# does not write its log row during recovery (version 1.1).

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The tool: $ESTOQUE_CACHE_CLI, else the one installed beside pg_config's
# bindir, else the one built in cli/.
my $cli = $ENV{ESTOQUE_CACHE_CLI};
if (!defined $cli || $cli eq '')
{
	my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
	my $bindir = `$pg_config --bindir`;
	chomp $bindir;
	for my $c ("$bindir/estoque-cache", ec_src() . '/cli/estoque-cache')
	{
		if (-x $c)
		{
			$cli = $c;
			last;
		}
	}
}
BAIL_OUT('estoque-cache not found (install it, or set ESTOQUE_CACHE_CLI)')
  unless defined $cli && -x $cli;
note("tool: $cli");

my $db = 'postgres';
my $primary = ec_node('primary', streaming => 1);
ec_load_sample($primary, $db, produtos => 30, movimentos => 2000);
ec_attach_all($primary, $db);

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

sub catch_up
{
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	return;
}
catch_up();
is($standby->safe_psql($db, 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

# Runs the tool against a node; returns (exit status, stdout, stderr).
sub run_cli
{
	my ($node, @args) = @_;
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run([ $cli, '-d', $node->connstr($db), @args ],
		'<', \'', '>', \$stdout, '2>', \$stderr,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($? >> 8, $stdout, $stderr);
}

# Test: the tool's exit status, and its stdout and stderr when given
# (a string is compared whole, a Regexp must match).
sub cli_is
{
	my ($name, $node, $args, $want_rc, $want_out, $want_err) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($rc, $out, $err) = run_cli($node, @$args);
	my $ok = is($rc, $want_rc, "$name: exit status $want_rc");
	for ([ 'stdout', $out, $want_out ], [ 'stderr', $err, $want_err ])
	{
		my ($what, $got, $want) = @$_;
		next unless defined $want;
		if (ref $want eq 'Regexp')
		{
			$ok = like($got, $want, "$name: $what") && $ok;
		}
		else
		{
			$ok = is($got, $want, "$name: $what") && $ok;
		}
	}
	diag("estoque-cache @$args\nexit status $rc\nstdout:\n$out\nstderr:\n$err")
	  unless $ok;
	return ($rc, $out, $err);
}

my $exact = "Cache exact: no differences from the sources.\n";
my $unknown = qq{estoque-cache: error: unknown product code "NAO_EXISTE"\n};
my $standby_msg =
  qr/\Aestoque-cache: error: the server is a standby \(in recovery\): run this on the primary\n/;

# A group with links (4310007's group) and a code the cache does not know.
my $code = '4310007';
my $log_offset = ec_log_offset($standby);

# ---- status ------------------------------------------------------------------
my %primary_status = %{ ec_status($primary, $db) };
my (undef, $out) =
  cli_is('status on the standby', $standby, ['status'], 0, qr/^grupos: \d+$/m, '');
like($out, qr/^grupos: $primary_status{grupos}$/m, "status on the standby: the primary's groups");
like($out, qr/^codigos: $primary_status{codigos}$/m, "status on the standby: the primary's codes");

(undef, $out) =
  cli_is('status --json on the standby', $standby, [ 'status', '--json' ], 0, qr/\A\{.*\}\n\z/, '');
require JSON::PP;
my $doc = eval { JSON::PP::decode_json($out) } // {};
is($doc->{grupos}, $primary_status{grupos}, 'status --json on the standby: the primary\'s groups');

# ---- produto -----------------------------------------------------------------
my (undef, $primary_out) = cli_is('produto on the primary', $primary, [ 'produto', $code ], 0);
(undef, $out) = cli_is('produto on the standby', $standby, [ 'produto', $code ],
	0, qr/^cod_produto +\d+$/m, '');
is($out, $primary_out, 'produto on the standby prints what it prints on the primary');
my $rows = () = $out =~ /^ *\d+ +\d{4}-\d{2}-\d{2} /mg;
is($rows, 29, 'produto on the standby prints 29 projection rows');
cli_is('produto of an unknown code on the standby', $standby, [ 'produto', 'NAO_EXISTE' ],
	1, '', $unknown);

# ---- verificar ---------------------------------------------------------------
cli_is('verificar on the standby', $standby, ['verificar'], 0, $exact, '');
cli_is('verificar --produto on the standby', $standby, [ 'verificar', '--produto', $code ],
	0, $exact, '');
cli_is('verificar --produto of an unknown code on the standby',
	$standby, [ 'verificar', '--produto', 'NAO_EXISTE' ], 1, '', $unknown);

# A difference made on the primary (a movement written with the cache
# trigger off; the triggers stay off until the repair, as enabling them again
# would correct the attachment by itself) is found by verificar on the
# standby once replayed.
$primary->safe_psql(
	$db, qq{
	ALTER TABLE movimentacao_estoque DISABLE TRIGGER USER;
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	VALUES ('$code', 7, 'CLI', true);
});
catch_up();
cli_is('verificar on the standby finds the difference', $standby, ['verificar'],
	1, qr/^ *\S+ +saldo_atual +\S+ +\S+\n\n1 difference found;/m, '');

# ---- atualizar and inicializar need the primary --------------------------------
cli_is('atualizar on the standby', $standby, ['atualizar'], 3, '', $standby_msg);
cli_is('atualizar --produto on the standby', $standby, [ 'atualizar', '--produto', $code ],
	3, '', $standby_msg);
cli_is('inicializar --yes on the standby', $standby, [ 'inicializar', '--yes' ],
	3, '', $standby_msg);

# Nothing the tool did on the standby made the server refuse a write, or
# fail at all.
my @errors = grep { /ERROR:/ } split /\n/, slurp_file($standby->logfile, $log_offset);
is(scalar(@errors), 0, 'the standby logged no error while the tool ran on it');
diag(join("\n", @errors[ 0 .. ($#errors < 9 ? $#errors : 9) ])) if @errors;

# The repair on the primary reaches the standby.
cli_is('atualizar on the primary', $primary, ['atualizar'], 0, "1 row fixed.\n", '');
$primary->safe_psql($db, 'ALTER TABLE movimentacao_estoque ENABLE TRIGGER USER');
catch_up();
cli_is('verificar on the standby after the repair', $standby, ['verificar'], 0, $exact, '');

ec_verify_empty($primary, $db, 'primary');
ec_log_has_no_crash($primary, 'primary');
ec_log_has_no_crash($standby, 'standby');
$standby->stop;
$primary->stop;
done_testing();
