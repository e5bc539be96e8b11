# Helpers shared by the estoque_cache TAP tests (test/t/*.pl).
#
# Every test makes its own PostgreSQL::Test::Cluster; these functions only
# remove the repetition: a node with the library preloaded, the sample data,
# attaching the application's tables, the checks that end every test (the
# cache is exact, the server log shows no crash) and running SQL that is
# expected to fail while keeping its SQLSTATE.
#
# "Exact" is checked two ways: estoque_cache_verify() (the extension's own
# repair query finds nothing to fix) and the oracle of test/lib/oraculo.sql,
# written from the specification alone in plain SQL, which recomputes every
# column of estoque_cache_saldo from the application's tables, the rupture
# columns included.  ec_attach_all loads the oracle; ec_verify_empty then
# checks both.

package EstoqueCacheTest;

use strict;
use warnings FATAL => 'all';

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

our @EXPORT = qw(
  ec_src ec_node ec_load_sample ec_attach_all ec_verify_rows ec_verify_empty
  ec_log_has_no_crash ec_sql_error ec_status ec_wait_deltas_folded
  ec_pgbench_writer_script ec_log_offset ec_ensure_running
  ec_oracle_load ec_oracle_diff ec_oracle_empty ec_log_rows
);

# Root of the source tree: $ENV{ESTOQUE_CACHE_SRC} when the runner sets it,
# else two levels above this file (test/t/lib -> repository root).
sub ec_src
{
	return $ENV{ESTOQUE_CACHE_SRC}
	  if defined $ENV{ESTOQUE_CACHE_SRC} && -d $ENV{ESTOQUE_CACHE_SRC};
	return abs_path(dirname(__FILE__) . '/../../..');
}

# A started node with estoque_cache preloaded.  Options:
#   fold_database => DB    run the background folder there (every 200 ms);
#                          without it the background folder is off
#   streaming => 1         allow a streaming standby
#   conf => [lines]        more postgresql.conf lines
#   start => 0             leave it stopped
sub ec_node
{
	my ($name, %opt) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => $opt{streaming} ? 1 : 0);

	my @conf = (
		"shared_preload_libraries = 'estoque_cache'",
		# Cluster.pm logs every statement; the tests read the log for crashes
		# and unexpected errors, and a soak would make it huge.
		"log_statement = none",
		"log_min_messages = warning",
		"log_line_prefix = '%m [%p] %q%a '",
		"max_connections = 40",
		"shared_buffers = 32MB",
		"max_wal_size = 512MB",
		"timezone = 'UTC'",);
	if (defined $opt{fold_database})
	{
		push @conf, "estoque_cache.fold_database = '$opt{fold_database}'";
		push @conf, "estoque_cache.fold_interval = 200";
	}
	else
	{
		# preloading alone folds every database; these tests fold when they say
		push @conf, "estoque_cache.fold_worker = off";
	}
	push @conf, @{ $opt{conf} } if $opt{conf};
	$node->append_conf('postgresql.conf', join("\n", @conf));
	$node->start unless defined $opt{start} && !$opt{start};
	return $node;
}

# Loads scripts/dados_exemplo.sql into $db with the given psql variables
# (default produtos=100, movimentos=5000).
sub ec_load_sample
{
	my ($node, $db, %vars) = @_;
	%vars = (produtos => 100, movimentos => 5000, %vars);
	my $script = ec_src() . '/scripts/dados_exemplo.sql';
	die "sample data script $script not found" unless -f $script;
	my @cmd = (
		'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
		'-d', $node->connstr($db),
		(map { ('-v', "$_=$vars{$_}") } sort keys %vars),
		'-f', $script);
	my ($stdout, $stderr);
	my $ok = IPC::Run::run(\@cmd, '>', \$stdout, '2>', \$stderr);
	BAIL_OUT("loading the sample data failed: $stderr") unless $ok;
	return;
}

# Creates the extension (if needed) and attaches the five sources of the
# sample data with their defaults, the code links and the catalogue.
sub ec_attach_all
{
	my ($node, $db) = @_;
	$node->safe_psql(
		$db, q{
		SET client_min_messages = warning;
		CREATE EXTENSION IF NOT EXISTS estoque_cache;
		SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque');
		SELECT estoque_cache_attach('carteira', 'carteira_principal');
		SELECT estoque_cache_attach('pre_separacao', 'pre_separacao_item');
		SELECT estoque_cache_attach('separacao', 'separacao');
		SELECT estoque_cache_attach('producao', 'programacao_producao');
		SELECT estoque_cache_attach_unificacao('unificacao_codigos');
		SELECT estoque_cache_attach_produtos('cadastro_produto');
	});
	ec_oracle_load($node, $db);
	return;
}

# Loads the oracle (schema oraculo, test/lib/oraculo.sql) into $db, whose
# application tables must exist.
sub ec_oracle_load
{
	my ($node, $db) = @_;
	my $script = ec_src() . '/test/lib/oraculo.sql';
	my @cmd = ('psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'SET client_min_messages = warning',
		'-f', $script, '-d', $node->connstr($db));
	my ($stdout, $stderr);
	IPC::Run::run(\@cmd, '>', \$stdout, '2>', \$stderr)
	  or BAIL_OUT("loading the oracle failed: $stderr");
	return;
}

# The rows of estoque_cache_saldo that differ from the oracle, one
# "code|problem|view row|expected row" line each (empty when the view is
# right).  %opt: hoje, horizonte, janela, minimo (SQL literals) override D0
# and the settings; prefix => SQL run first in the same session.
sub ec_oracle_diff
{
	my ($node, $db, %opt) = @_;
	my @args = map { defined $opt{$_} ? "$_ => $opt{$_}" : () } qw(hoje horizonte janela minimo);
	my $sql = ($opt{prefix} // '')
	  . 'SELECT cod_produto, problema, na_view, esperado FROM oraculo.diferencas('
	  . join(', ', @args)
	  . ') ORDER BY 1';
	return $node->safe_psql($db, $sql);
}

# Test: the view equals the oracle (shows the first differences when not).
sub ec_oracle_empty
{
	my ($node, $db, $name, %opt) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my @lines = grep { $_ ne '' } split /\n/, ec_oracle_diff($node, $db, %opt);
	my $ok = is(scalar(@lines), 0, "$name: estoque_cache_saldo equals the oracle");
	diag("differences (first 10):\n" . join("\n", @lines[ 0 .. ($#lines < 9 ? $#lines : 9) ]))
	  unless $ok;
	return $ok;
}

# The log's row count (estoque_cache.log.linhas) of the latest operation of
# a kind (attach, detach, rebuild, refresh, verify, fold, configurar), and
# optionally with a given argumento.
sub ec_log_rows
{
	my ($node, $db, $operacao, $argumento) = @_;
	my $where = "operacao = '$operacao'";
	$where .= " AND argumento = '$argumento'" if defined $argumento;
	return $node->safe_psql($db,
		"SELECT coalesce(linhas::text, 'NULL') FROM estoque_cache.log WHERE $where ORDER BY id DESC LIMIT 1");
}

# The rows estoque_cache_verify() returns, one "cod|campo|cache|fontes" line each.
sub ec_verify_rows
{
	my ($node, $db, $produto) = @_;
	my $arg = defined $produto ? "'$produto'" : '';
	return $node->safe_psql($db,
		"SELECT cod_produto, campo, no_cache, nas_fontes FROM estoque_cache_verify($arg)");
}

# Test: estoque_cache_verify() returns no rows (shows them when it does) and,
# when the oracle is loaded in $db (schema oraculo) and %opt has no
# oracle => 0, the view equals the oracle.
sub ec_verify_empty
{
	my ($node, $db, $name, %opt) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $rows = ec_verify_rows($node, $db);
	my @lines = grep { $_ ne '' } split /\n/, $rows;
	my $ok = is(scalar(@lines), 0, "$name: estoque_cache_verify() returns no rows");
	diag("verify rows (first 20):\n" . join("\n", @lines[ 0 .. ($#lines < 19 ? $#lines : 19) ]))
	  unless $ok;
	if ((!defined $opt{oracle} || $opt{oracle})
		&& $node->safe_psql($db, q{SELECT to_regnamespace('oraculo') IS NOT NULL}) eq 't')
	{
		$ok = ec_oracle_empty($node, $db, $name) && $ok;
	}
	return $ok;
}

# After a step that may have crashed the server (restart_after_crash is off
# in these clusters, so a crashed backend stops the whole server): start it
# again if it is down.  Returns true if it was running.
sub ec_ensure_running
{
	my ($node) = @_;
	my $ret = $node->psql('postgres', 'SELECT 1');
	return 1 if $ret == 0;
	note('the server is down (crashed?); starting it again');
	$node->_update_pid(-1);
	$node->stop('immediate', fail_ok => 1) if defined $node->{_pid};
	$node->start;
	return 0;
}

# Size of the server log now, to look only at what comes after.
sub ec_log_offset
{
	my ($node) = @_;
	return -s $node->logfile // 0;
}

# Test: the server log (from $offset) has no PANIC and no backend killed by a
# signal or terminated abnormally.  Immediate shutdowns the test asks for
# itself do not write such lines (they log "received immediate shutdown").
sub ec_log_has_no_crash
{
	my ($node, $name, $offset) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $log = slurp_file($node->logfile, $offset // 0);
	my @bad = grep {
		/PANIC:/
		  || /server process .* (was terminated|terminated by|exited with exit code)/
		  || /was terminated by signal/
		  || /terminating any other active server processes/
	} split /\n/, $log;
	my $ok = is(scalar(@bad), 0, "$name: server log shows no crash");
	diag(join("\n", @bad[ 0 .. ($#bad < 9 ? $#bad : 9) ])) unless $ok;
	return $ok;
}

# Runs SQL expected to fail.  Returns (sqlstate, stderr, exit code); sqlstate
# is '' when the statement succeeded or no SQLSTATE was printed.  %opt may
# carry connstr => extra connection options (e.g. "user=regress_x").
sub ec_sql_error
{
	my ($node, $db, $sql, %opt) = @_;
	my ($stdout, $stderr) = ('', '');
	my $connstr = $node->connstr($db) . (defined $opt{connstr} ? " $opt{connstr}" : '');
	my @cmd = ('psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose',
		'-d', $connstr, '-f', '-');
	IPC::Run::run(\@cmd, '<', \$sql, '>', \$stdout, '2>', \$stderr,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	my $rc = $? >> 8;
	my $state = '';
	$state = $1 if $stderr =~ /(?:ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}):/;
	return ($state, $stderr, $rc, $stdout);
}

# estoque_cache_status() as a Perl structure (decoded with JSON::PP).
sub ec_status
{
	my ($node, $db, $prefix) = @_;
	require JSON::PP;
	my $json = $node->safe_psql($db, ($prefix // '') . 'SELECT estoque_cache_status()');
	$json =~ s/^.*\n(?=\{)//s;    # drop output of a prefix statement, if any
	return JSON::PP::decode_json($json);
}

# Waits until estoque_cache.delta is empty (the background folder caught up);
# returns true if it did within $seconds.
sub ec_wait_deltas_folded
{
	my ($node, $db, $seconds) = @_;
	$seconds //= 30;
	for (my $i = 0; $i < $seconds * 10; $i++)
	{
		my $n = $node->safe_psql($db,
			q{SELECT (estoque_cache_status()->>'deltas_pendentes')::bigint});
		return 1 if $n eq '0';
		usleep(100_000);
	}
	return 0;
}

# A pgbench script of random writes over every source of the sample data and
# the code links, for products 4310001..(4310000 + $produtos).  Each
# transaction works on one product (and link rows in increasing id order),
# and touches the tables in a fixed order, so that the workload itself
# cannot deadlock; it mixes INSERT, UPDATE (of quantity, code, date and the
# filter columns), DELETE, savepoints rolled back and whole transactions
# rolled back.  Options: extra => SQL run last in the transaction (before
# COMMIT/ROLLBACK).
sub ec_pgbench_writer_script
{
	my ($produtos, %opt) = @_;
	my $max = 4310000 + $produtos;
	my $extra = $opt{extra} // '';
	return <<"EOS";
\\set p random(4310001, $max)
\\set p2 random(4310001, $max)
\\set x random(-400, 400)
\\set d random(-8, 45)
\\set k random(0, 12)
\\set a random(1, 100)
\\set b random(1, 100)
\\set c random(1, 100)
\\set l1 random(1, 60)
\\set l2 random(61, 120)
BEGIN;
\\if :a <= 60
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, data_movimentacao, ativo) SELECT (:p)::text, (:x + g) / 8.0, 'SOAK', current_date, (:x + g) % 11 <> 0 FROM generate_series(1, 1 + :k % 4) AS g;
\\endif
\\if :b <= 15
UPDATE movimentacao_estoque SET qtd_movimentacao = qtd_movimentacao + 1.5, ativo = NOT ativo WHERE cod_produto = (:p)::text AND id % 13 = :k;
\\elif :b <= 20
DELETE FROM movimentacao_estoque WHERE cod_produto = (:p)::text AND id % 29 = :k;
\\endif
SAVEPOINT s1;
\\if :c <= 30
INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido, expedicao, separacao_lote_id, ativo) VALUES ('SOAK' || :a, (:p)::text, abs(:x) + 1, current_date + :d, CASE WHEN :k = 0 THEN 'LOTE_SOAK' END, :k <> 1);
\\elif :c <= 40
UPDATE carteira_principal SET separacao_lote_id = CASE WHEN separacao_lote_id IS NULL THEN 'LOTE_S' END, qtd_saldo_produto_pedido = qtd_saldo_produto_pedido + 1 WHERE cod_produto = (:p)::text AND id % 7 = :k % 7;
\\endif
\\if :c % 9 = 0
ROLLBACK TO SAVEPOINT s1;
\\endif
\\if :a % 3 = 0
INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario, data_expedicao_editada, status) VALUES ('SOAK', (:p)::text, abs(:x) / 3.0 + 1, CASE WHEN :k = 5 THEN NULL ELSE current_date + :d END, (ARRAY['CRIADO','RECOMPOSTO','ENVIADO_SEPARACAO','CANCELADO'])[1 + :k % 4]);
\\elif :a % 3 = 1
UPDATE pre_separacao_item SET status = CASE status WHEN 'CRIADO' THEN 'ENVIADO_SEPARACAO' ELSE 'CRIADO' END, data_expedicao_editada = data_expedicao_editada + 1 WHERE cod_produto = (:p)::text AND id % 5 = :k % 5;
\\endif
SAVEPOINT s2;
\\if :b % 4 = 0
INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao, sincronizado_nf) VALUES ('LOTE_SOAK', 'SOAK', (:p)::text, abs(:x) / 4.0 + 0.25, current_date + :d, CASE :k % 3 WHEN 0 THEN NULL WHEN 1 THEN false ELSE true END);
\\elif :b % 4 = 1
UPDATE separacao SET expedicao = expedicao + :d % 3, sincronizado_nf = NOT coalesce(sincronizado_nf, false), cod_produto = CASE WHEN :k = 3 THEN (:p2)::text ELSE cod_produto END WHERE cod_produto = (:p)::text AND id % 6 = :k % 6;
\\elif :b % 4 = 2
DELETE FROM separacao WHERE cod_produto = (:p)::text AND id % 11 = :k;
\\endif
\\if :b % 7 = 0
ROLLBACK TO SAVEPOINT s2;
\\endif
\\if :c % 5 = 0
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao, linha_producao) VALUES ((:p)::text, 10 * (1 + :k), current_date + :d, 'SOAK');
\\elif :c % 5 = 1
UPDATE programacao_producao SET qtd_programada = qtd_programada + 0.5, data_programacao = data_programacao - 1 WHERE cod_produto = (:p)::text;
\\endif
\\if :a <= 4
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo) VALUES (:p, :p2, :k % 3 <> 0, 'SOAK');
\\elif :a <= 8
UPDATE unificacao_codigos SET ativo = NOT ativo WHERE id = :l1;
UPDATE unificacao_codigos SET ativo = NOT ativo WHERE id = :l2;
\\elif :a <= 10
UPDATE unificacao_codigos SET codigo_destino = :p2 WHERE id = :l2;
\\elif :a <= 11
DELETE FROM unificacao_codigos WHERE id = :l2 AND motivo = 'SOAK';
\\endif
$extra
\\if :x % 10 = 0
ROLLBACK;
\\else
COMMIT;
\\endif
EOS
}

1;
