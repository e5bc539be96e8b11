# Every pg_dump / pg_restore pattern a DBA uses restores every application
# row, leaves an exact cache and an application that can write.
#
# The cache's own tables are not dumped: each attached table's triggers
# carry their attachment's definition, and when a restore creates them the
# attachment is registered again and its contribution computed from the rows
# the table has then; rows that arrive later fire the triggers.  So the order
# of data and triggers does not matter, and a data-only restore counts each
# row once.  Patterns: plain SQL through psql, custom format in full, by
# section, schema-only then data-only (one job and three jobs, with and
# without --disable-triggers), --exclude-table, --exclude-table-data, one
# table with and without --clean, --no-owner --role, and pg_dumpall into
# another cluster.  After each: every table has the origin's row count, the
# cache is exact (estoque_cache_verify() and the independent oracle), status
# has no alert, and writes to every attached table work and stay exact.

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

my $node = ec_node('restauro');
my $log_offset = ec_log_offset($node);

my @tabelas = qw(movimentacao_estoque carteira_principal pre_separacao_item separacao
  programacao_producao unificacao_codigos cadastro_produto);

$node->safe_psql('postgres', 'CREATE DATABASE origem');
ec_load_sample($node, 'origem', produtos => 80, movimentos => 4000);
ec_attach_all($node, 'origem');
$node->safe_psql(
	'origem', q{
	SELECT estoque_cache_configurar(estoque_minimo => 12.5);
	-- pending deltas and folded figures both exist when the dump is taken
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	VALUES ('4310002', 12.5, 'DUMP', true), ('NOVO1', 3, 'DUMP', true);
	INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
	VALUES (4310002, 4310003, true, 'DUMP');
	UPDATE separacao SET sincronizado_nf = true WHERE id % 10 = 0;
	UPDATE cadastro_produto SET nome_produto = 'NOME RESTAURADO' WHERE cod_produto = '4310002';
});
ec_verify_empty($node, 'origem', 'origin');

sub contagens
{
	my ($n, $db, @t) = @_;
	return $n->safe_psql($db,
		join(' UNION ALL ', map { "SELECT '$_', count(*) FROM $_" } @t) . ' ORDER BY 1');
}
my $contagens_origem = contagens($node, 'origem', @tabelas);
# the figures by value (a sum recomputed from the rows may carry another
# display scale than the same sum kept incrementally: 675 and 675.0)
my $view_sem_data = q{SELECT cod_produto, nome_produto, codigos, trim_scale(saldo_atual),
	trim_scale(qtd_carteira), trim_scale(qtd_pre_separacao), trim_scale(qtd_separacao),
	trim_scale(saldo_disponivel), trim_scale(previsao_ruptura_7d), data_ruptura, status_ruptura
	FROM estoque_cache_saldo ORDER BY cod_produto};
my $view_origem = $node->safe_psql('origem', $view_sem_data);

sub run_ok
{
	my ($cmd, $name) = @_;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run($cmd, '>', \$out, '2>', \$err);
	ok($ok, $name) or diag("@$cmd\n$out\n$err");
	return $err;
}

my $dir = $node->basedir;
run_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('origem'), '-f', "$dir/completo.dump" ],
	'pg_dump -Fc');
run_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('origem'), '-f', "$dir/completo.sql" ],
	'pg_dump -Fp');

# ------------------------------------------------------------------ pg_dumpall
{
	run_ok([ 'pg_dumpall', '-d', $node->connstr('postgres'), '-f', "$dir/tudo.sql" ], 'pg_dumpall');
	my $outro = ec_node('restauro_outro');
	run_ok([ 'psql', '-X', '-q', '-d', $outro->connstr('postgres'), '-f', "$dir/tudo.sql" ],
		'pg_dumpall restored into another cluster');
	conferir($outro, 'origem', 'pg_dumpall');
	$outro->stop;
}

my $banco = 0;

# A new empty database on $n; returns its name.
sub novo_banco
{
	my ($n) = @_;
	my $nome = 'destino' . ++$banco;
	$n->safe_psql('postgres', "CREATE DATABASE $nome");
	return $nome;
}

# Everything a restore must give, for the tables in @t (all by default).
sub conferir
{
	my ($n, $db, $name, %opt) = @_;
	my @t = @{ $opt{tabelas} // \@tabelas };
	is(contagens($n, $db, @t), contagens($node, 'origem', @t),
		"$name: every application row is restored");
	ec_verify_empty($n, $db, $name, oracle => $opt{oracle} // 1);
	is_deeply(ec_status($n, $db)->{alertas}, [], "$name: status has no alert");
	is($n->safe_psql($db, $view_sem_data), $view_origem, "$name: the view shows the origin's figures")
	  unless $opt{outra_view};
	# the application writes every attached table, and the cache follows
	my %escrita = (
		# an explicit id: pg_restore -t restores a table without its id sequence
		movimentacao_estoque => q{INSERT INTO movimentacao_estoque
			(id, cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
			SELECT max(id) + 1, '4310005', 7, 'POS', true FROM movimentacao_estoque},
		carteira_principal => q{UPDATE carteira_principal SET qtd_saldo_produto_pedido =
			qtd_saldo_produto_pedido + 1 WHERE id % 7 = 0},
		pre_separacao_item => q{DELETE FROM pre_separacao_item WHERE id % 9 = 0},
		separacao => q{UPDATE separacao SET expedicao = expedicao + 1 WHERE id % 5 = 0},
		programacao_producao => q{INSERT INTO programacao_producao
			(cod_produto, qtd_programada, data_programacao, linha_producao)
			VALUES ('4310006', 50, current_date + 2, 'POS')},
		unificacao_codigos => q{INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
			VALUES (4310020, 4310021, true, 'POS')},
		cadastro_produto => q{UPDATE cadastro_produto SET nome_produto = nome_produto || '.'
			WHERE cod_produto = '4310005'});
	my $sql = join(";\n", map { $escrita{$_} } @t);
	my ($state, $stderr) = ec_sql_error($n, $db, $sql);
	is($state, '', "$name: the application writes its tables") or diag($stderr);
	ec_verify_empty($n, $db, "$name, after writes", oracle => $opt{oracle} // 1);
	return;
}

# ------------------------------------------------------------------ full, plain
{
	my $db = novo_banco($node);
	run_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db),
		'-f', "$dir/completo.sql" ], 'plain dump restored with psql');
	conferir($node, $db, 'plain SQL');
}

# ------------------------------------------------------------------ full, custom
{
	my $db = novo_banco($node);
	my $err = run_ok([ 'pg_restore', '-d', $node->connstr($db), "$dir/completo.dump" ],
		'pg_restore of the full dump');
	is($err, '', 'pg_restore reports nothing');
	conferir($node, $db, 'full');
}

# ------------------------------------------------------------------ by section
{
	my $db = novo_banco($node);
	for my $s (qw(pre-data data post-data))
	{
		run_ok([ 'pg_restore', "--section=$s", '-d', $node->connstr($db), "$dir/completo.dump" ],
			"pg_restore --section=$s");
	}
	conferir($node, $db, 'by section');
}

# ------------------------------------------------------------------ schema-only then data-only
for my $variante ([ 'one job', [] ], [ 'three jobs', [ '-j', '3' ] ],
	[ 'disable-triggers', ['--disable-triggers'] ])
{
	my ($nome, $opcoes) = @$variante;
	my $db = novo_banco($node);
	run_ok([ 'pg_restore', '--schema-only', '-d', $node->connstr($db), "$dir/completo.dump" ],
		"schema-only restore ($nome)");
	my $err = run_ok(
		[ 'pg_restore', '--data-only', @$opcoes, '-d', $node->connstr($db), "$dir/completo.dump" ],
		"data-only restore ($nome)");
	is($err, '', "data-only restore ($nome) reports nothing");
	conferir($node, $db, "schema-only then data-only, $nome");
}

# ------------------------------------------------------------------ a table left out
{
	run_ok([ 'pg_dump', '-Fc', '--exclude-table=separacao', '-d', $node->connstr('origem'),
		'-f', "$dir/sem_separacao.dump" ], 'pg_dump --exclude-table=separacao');
	my $db = novo_banco($node);
	run_ok([ 'pg_restore', '-d', $node->connstr($db), "$dir/sem_separacao.dump" ],
		'restore without separacao');
	my $fontes = join(',', sort map { $_->{tabela} =~ s/^public\.//r } @{ ec_status($node, $db)->{fontes} });
	is($fontes, join(',', sort grep { $_ ne 'separacao' } @tabelas),
		'--exclude-table: every other table is attached');
	conferir($node, $db, '--exclude-table', tabelas => [ grep { $_ ne 'separacao' } @tabelas ],
		oracle => 0, outra_view => 1);
}

{
	run_ok([ 'pg_dump', '-Fc', '--exclude-table-data=separacao', '-d',
		$node->connstr('origem'), '-f', "$dir/sem_dados.dump" ],
		'pg_dump --exclude-table-data=separacao');
	my $db = novo_banco($node);
	run_ok([ 'pg_restore', '-d', $node->connstr($db), "$dir/sem_dados.dump" ],
		'restore without separacao data');
	is($node->safe_psql($db, 'SELECT count(*) FROM separacao'), '0', 'separacao is empty');
	ec_verify_empty($node, $db, '--exclude-table-data');
	my ($state) = ec_sql_error($node, $db,
		q{INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao)
		  VALUES ('L', 'P', '4310001', 3, current_date)});
	is($state, '', '--exclude-table-data: the emptied table is written');
	ec_verify_empty($node, $db, '--exclude-table-data, after writes');
}

# ------------------------------------------------------------------ one table
{
	run_ok([ 'pg_dump', '-Fc', '-t', 'movimentacao_estoque', '-d', $node->connstr('origem'),
		'-f', "$dir/mov.dump" ], 'pg_dump -t movimentacao_estoque');

	# into a copy of the database whose movements changed since the backup
	my $db = novo_banco($node);
	run_ok([ 'pg_restore', '-d', $node->connstr($db), "$dir/completo.dump" ], 'a copy');
	$node->safe_psql($db,
		q{DELETE FROM movimentacao_estoque WHERE id % 3 = 0;
		  INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		  VALUES ('4310001', 999, 'DEPOIS', true)});
	run_ok([ 'pg_restore', '--clean', '-t', 'movimentacao_estoque', '-d', $node->connstr($db),
		"$dir/mov.dump" ], 'pg_restore --clean -t movimentacao_estoque');
	conferir($node, $db, 'one table with --clean');

	# without --clean, into a database where the table was dropped
	$node->safe_psql($db, 'DROP TABLE movimentacao_estoque');
	run_ok([ 'pg_restore', '-t', 'movimentacao_estoque', '-d', $node->connstr($db),
		"$dir/mov.dump" ], 'pg_restore -t movimentacao_estoque');
	conferir($node, $db, 'one table without --clean', tabelas => ['movimentacao_estoque'],
		outra_view => 1);
}

# ------------------------------------------------------------------ --no-owner --role
{
	$node->safe_psql('postgres', 'CREATE ROLE regress_restaurador SUPERUSER LOGIN');
	my $db = novo_banco($node);
	run_ok([ 'pg_restore', '--no-owner', '--role=regress_restaurador', '-d',
		$node->connstr($db), "$dir/completo.dump" ], 'pg_restore --no-owner --role');
	conferir($node, $db, '--no-owner --role');
	is($node->safe_psql($db, q{SELECT tableowner FROM pg_tables WHERE tablename = 'separacao'}),
		'regress_restaurador', 'the restoring role owns the restored tables');
	$node->safe_psql('postgres', "DROP DATABASE $db");
}

$node->safe_psql('postgres', 'DROP ROLE IF EXISTS regress_restaurador');
ec_log_has_no_crash($node, 'restores', $log_offset);
$node->stop;
done_testing();
