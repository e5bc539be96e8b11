# Writes made in a session with session_replication_role = replica count (the
# replica path); writes made with one of the cache triggers disabled do not
# reach the cache, nor do changes lost by a damaged cache.  estoque_cache_status() must say so (alertas,
# gatilhos_ativos), estoque_cache_verify() must find exactly the drift,
# estoque_cache_refresh() must repair it (returning how many rows it fixed,
# exactly), and verify must be empty again.  At the end, the operations log's
# row counts (linhas) are checked for every kind of operation.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $db = 'postgres';
my $node = ec_node('bypass', fold_database => $db);
my $log_offset = ec_log_offset($node);
ec_load_sample($node, $db, produtos => 100, movimentos => 5000);
ec_attach_all($node, $db);
ec_verify_empty($node, $db, 'after attaching');

# Codes used below are in no group of the sample data.
is( $node->safe_psql(
		$db, q{SELECT count(*) FROM estoque_cache.grupo
		       WHERE codigo IN ('4310011', '4310013', '4310014', '4310016', '4310017')}),
	'0', 'the codes this test links are not grouped yet');

sub verify_codes
{
	my ($produto) = @_;
	my $rows = ec_verify_rows($node, $db, $produto);
	my %codes = map { (split /\|/)[0] => 1 } grep { $_ ne '' } split /\n/, $rows;
	return join(',', sort keys %codes);
}

# nas_fontes - no_cache of one verify row, normalised ('' when no row).
sub drift
{
	my ($code, $campo) = @_;
	return $node->safe_psql($db,
		qq{SELECT trim_scale(nas_fontes::numeric - no_cache::numeric)
		   FROM estoque_cache_verify('$code') WHERE campo = '$campo'});
}

# status names tables as regclass text out of any search_path: public.x
sub sem_schema
{
	my ($t) = @_;
	$t //= '';
	$t =~ s/^public\.//;
	return $t;
}

sub fonte_status
{
	my ($status, $tabela) = @_;
	my ($f) = grep { sem_schema($_->{tabela}) eq $tabela } @{ $status->{fontes} };
	return $f;
}

sub refresh_count
{
	return $node->safe_psql($db,
		q{SELECT count(*) FROM estoque_cache.log WHERE operacao = 'refresh'});
}

# ---------------------------------------------------------------- session_replication_role

# Writes in a session with session_replication_role = replica count (the
# replica path's row triggers fire there).  Then the cache loses them (its
# own rows for those codes deleted by hand, as a damaged cache would): verify
# must find exactly that, and refresh repair it.
{
	my $what = 'session_replication_role = replica';
	my $status = ec_status($node, $db, 'SET session_replication_role = replica; ');
	is_deeply($status->{alertas}, [], "$what: status in that session has no alert");
	ok(!(grep { !$_->{gatilhos_ativos} } @{ $status->{fontes} }),
		"$what: status in that session says every source's triggers are active");

	$node->safe_psql(
		$db, q{
		SET session_replication_role = replica;
		INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		VALUES ('4310011', 50, 'BYPASS', true);
		INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
		VALUES (4310013, 4310014, true, 'BYPASS');
		INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao, sincronizado_nf)
		VALUES ('LOTE_BYPASS', 'BYPASS', '4310017', 7.5, current_date + 2, false);
	});
	ec_verify_empty($node, $db, "$what: the replica session's writes counted");
	is($node->safe_psql($db, q{SELECT estoque_cache_principal('4310014')}),
		'4310013', "$what: its link grouped the codes");

	# the damage: what the cache holds of those writes, gone
	$node->safe_psql(
		$db, q{
		SELECT estoque_cache_fold();
		UPDATE estoque_cache.saldo s SET quantidade = s.quantidade - 50
		  FROM estoque_cache.anexo a
		 WHERE a.anexo_id = s.anexo_id AND a.tabela = 'movimentacao_estoque'::regclass
		   AND s.codigo = '4310011' AND s.data = '-infinity';
		UPDATE estoque_cache.saldo s SET quantidade = s.quantidade - 7.5
		  FROM estoque_cache.anexo a
		 WHERE a.anexo_id = s.anexo_id AND a.tabela = 'separacao'::regclass
		   AND s.codigo = '4310017' AND s.data = current_date + 2;
		DELETE FROM estoque_cache.aresta WHERE a = '4310013' AND b = '4310014';
		DELETE FROM estoque_cache.grupo WHERE codigo IN ('4310013', '4310014');
	});
	is(drift('4310011', 'saldo_atual'), '50', "$what: verify finds the bypassed movement (off by 50)");
	like(ec_verify_rows($node, $db), qr/^4310014\|principal\|4310014\|4310013$/m,
		"$what: verify finds the bypassed link (4310014's principal should be 4310013)");
	is(drift('4310017', 'qtd_separacao'), '7.5', "$what: verify finds the bypassed separation");
	# (4310013 too: as the principal of the new group it should now carry
	# 4310014's figures)
	is(verify_codes(), '4310011,4310013,4310014,4310017',
		"$what: verify reports those codes and no other");

	my $n_log = refresh_count();
	# one figure: 4310011's movimentacao
	my $fixed = $node->safe_psql($db, q{SELECT estoque_cache_refresh('4310011')});
	is($fixed, '1', "$what: refresh('4310011') fixes one row");
	is(ec_log_rows($node, $db, 'refresh', '4310011'), '1', "$what: the log says 1 row for it");
	is(verify_codes('4310011'), '', "$what: verify('4310011') is empty after it");
	is(verify_codes(), '4310013,4310014,4310017', "$what: the other drifts are still there");

	# the new link (one correction appended; its group follows when it is
	# folded) and 4310017's separation on one day
	$fixed = $node->safe_psql($db, q{SELECT estoque_cache_refresh()});
	is($fixed, '2', "$what: refresh() fixes the remaining 2 rows");
	is(ec_log_rows($node, $db, 'refresh'), '2', "$what: the log says 2 rows for it");
	ec_verify_empty($node, $db, "$what, after refresh()");
	is($node->safe_psql($db, q{SELECT estoque_cache_principal('4310014')}),
		'4310013', "$what: the bypassed link now groups 4310013 and 4310014");
	is($node->safe_psql($db, q{SELECT estoque_cache_refresh()}),
		'0', "$what: a second refresh() fixes nothing");
	is(refresh_count() - $n_log, 3, "$what: each refresh is logged");
}

# ---------------------------------------------------------------- disabled triggers

# Disables triggers, writes, and checks status, verify and refresh.
sub disabled_case
{
	my (%c) = @_;
	my $what = $c{what};
	$node->safe_psql($db, $c{disable});

	my $status = ec_status($node, $db);
	my $f = fonte_status($status, $c{tabela});
	ok(defined $f && !$f->{gatilhos_ativos}, "$what: status says the triggers of $c{tabela} are not all active");
	is($f->{gatilhos}{ $c{gatilho} }, $c{estado}, "$what: status shows $c{gatilho} as '$c{estado}'")
	  if $c{gatilho};
	ok((grep { index($_, $c{tabela}) >= 0 } @{ $status->{alertas} }),
		"$what: status has an alert naming $c{tabela}")
	  or diag(explain $status->{alertas});
	ok(!(grep { !$_->{gatilhos_ativos} && sem_schema($_->{tabela}) ne $c{tabela} } @{ $status->{fontes} }),
		"$what: the other sources are still reported active");

	$node->safe_psql($db, $c{write});
	is(verify_codes(), $c{codes}, "$what: verify finds the drift of $c{codes}");

	my $fixed = $node->safe_psql($db, q{SELECT estoque_cache_refresh()});
	is($fixed, $c{fixed}, "$what: refresh() fixes $c{fixed} rows");
	ec_verify_empty($node, $db, "$what, after refresh()");

	$node->safe_psql($db, $c{enable});
	$status = ec_status($node, $db);
	ok(fonte_status($status, $c{tabela})->{gatilhos_ativos},
		"$what: after enabling, the triggers of $c{tabela} are active again");
	is_deeply($status->{alertas}, [], "$what: after enabling, status has no alert");

	# With the triggers back, writes reach the cache again.
	$node->safe_psql($db, $c{write});
	ec_verify_empty($node, $db, "$what, writes after enabling");
	return;
}

disabled_case(
	what => 'DISABLE TRIGGER estoque_cache_ins',
	tabela => 'separacao',
	gatilho => 'estoque_cache_ins',
	estado => 'disabled',
	disable => 'ALTER TABLE separacao DISABLE TRIGGER estoque_cache_ins',
	enable => 'ALTER TABLE separacao ENABLE TRIGGER estoque_cache_ins',
	write => q{INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao, sincronizado_nf)
	           VALUES ('LOTE_BYPASS', 'BYPASS', '4310016', 30, current_date + 4, false)},
	codes => '4310016',
	fixed => 1);    # one day of 4310016's separations

# A link deleted while its delete trigger is disabled: the cache keeps the
# codes grouped (4310013 still carries 4310014's figures).
disabled_case(
	what => 'DISABLE TRIGGER estoque_cache_del, link removed',
	tabela => 'unificacao_codigos',
	gatilho => 'estoque_cache_del',
	estado => 'disabled',
	disable => 'ALTER TABLE unificacao_codigos DISABLE TRIGGER estoque_cache_del',
	enable => 'ALTER TABLE unificacao_codigos ENABLE TRIGGER estoque_cache_del',
	write => q{DELETE FROM unificacao_codigos WHERE motivo = 'BYPASS'},
	codes => '4310013,4310014',
	fixed => 1);    # the link (one correction; the group splits when it is folded)

# A statement trigger set to fire on replicas only would let ordinary
# sessions' updates bypass the cache and replica sessions' count twice: the
# cache puts its state back in the same ALTER TABLE.
{
	my $what = 'ENABLE REPLICA TRIGGER estoque_cache_upd';
	$node->safe_psql($db,
		'ALTER TABLE movimentacao_estoque ENABLE REPLICA TRIGGER estoque_cache_upd');
	is(fonte_status(ec_status($node, $db), 'movimentacao_estoque')->{gatilhos}{estoque_cache_upd},
		'enabled', "$what: the trigger is enabled (ORIGIN) again at once");
	$node->safe_psql($db,
		q{UPDATE movimentacao_estoque SET qtd_movimentacao = qtd_movimentacao + 1
		  WHERE cod_produto = '4310020' AND ativo});
	ec_verify_empty($node, $db, "$what, after an update");
}

disabled_case(
	what => 'DISABLE TRIGGER ALL',
	tabela => 'carteira_principal',
	gatilho => 'estoque_cache_del',
	estado => 'disabled',
	disable => 'ALTER TABLE carteira_principal DISABLE TRIGGER ALL',
	enable => 'ALTER TABLE carteira_principal ENABLE TRIGGER ALL',
	write => q{INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido, expedicao, ativo)
	           VALUES ('BYPASS', '4310021', 33, current_date + 1, true)},
	codes => '4310021',
	fixed => 1);    # 4310021's carteira (undated in the cache: one row)

disabled_case(
	what => 'DISABLE TRIGGER estoque_cache_trunc',
	tabela => 'programacao_producao',
	gatilho => 'estoque_cache_trunc',
	estado => 'disabled',
	disable => 'ALTER TABLE programacao_producao DISABLE TRIGGER estoque_cache_trunc',
	enable => 'ALTER TABLE programacao_producao ENABLE TRIGGER estoque_cache_trunc',
	write => q{INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao, linha_producao)
	           VALUES ('4310022', 100, current_date + 3, 'BYPASS');
	           DELETE FROM programacao_producao WHERE cod_produto <> '4310022';
	           TRUNCATE programacao_producao},
	codes => '4310022',
	fixed => 2);    # 4310022's production on its sample day and on the new one

# ---------------------------------------------------------------- the log's row counts

# Every operation writes how many rows it handled to estoque_cache.log
# (linhas): check each kind against what the call itself returned and the
# count the test knows.
{
	my $what = 'log';
	# two figures the cache misses: 4310023 and 4310024, one movement each
	$node->safe_psql(
		$db, q{
		INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		VALUES ('4310023', 5, 'BYPASS', true), ('4310024', 6, 'BYPASS', true);
		SELECT estoque_cache_fold();
		UPDATE estoque_cache.saldo s SET quantidade = s.quantidade - m.q
		  FROM estoque_cache.anexo a, (VALUES ('4310023', 5), ('4310024', 6)) AS m(c, q)
		 WHERE a.anexo_id = s.anexo_id AND a.tabela = 'movimentacao_estoque'::regclass
		   AND s.codigo = m.c AND s.data = '-infinity';
	});
	# each drifted figure, and the view's stored row of each code, which no
	# longer matches the damaged folded table
	is( $node->safe_psql(
			$db, q{SELECT string_agg(cod_produto || ' ' || campo, ', ' ORDER BY cod_produto, campo)
			         FROM estoque_cache_verify()}),
		'4310023 linha guardada, 4310023 saldo_atual, 4310024 linha guardada, 4310024 saldo_atual',
		"$what: verify returns the 2 drifted figures and the 2 stored rows");
	is(ec_log_rows($node, $db, 'verify'), '4', "$what: verify logs 4 rows");
	is($node->safe_psql($db, q{SELECT estoque_cache_refresh('4310023')}),
		'1', "$what: refresh('4310023') fixes 1 row");
	is(ec_log_rows($node, $db, 'refresh', '4310023'), '1', "$what: refresh logs 1 row");
	is($node->safe_psql($db, q{SELECT estoque_cache_rebuild()->>'linhas_corrigidas'}),
		'1', "$what: a rebuild corrects the other one");
	is(ec_log_rows($node, $db, 'rebuild'), '1', "$what: rebuild logs 1 row");

	# fold: the count it returns, read in its own transaction (the
	# background folder logs its folds too)
	$node->safe_psql($db,
		q{INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		  SELECT (4310030 + g)::text, g, 'BYPASS', true FROM generate_series(1, 5) AS g});
	my ($moved, $logged) = split /\n/, $node->safe_psql(
		$db, q{
		BEGIN;
		SELECT estoque_cache_fold();
		SELECT string_agg(linhas::text, ',') FROM estoque_cache.log
		 WHERE operacao = 'fold' AND xmin = pg_current_xact_id()::xid;
		COMMIT;});
	is($logged, $moved, "$what: fold logs the $moved deltas it moved, in one row");

	# configurar: one settings row
	$node->safe_psql($db, q{SELECT estoque_cache_configurar(estoque_minimo => 10)});
	is(ec_log_rows($node, $db, 'configurar'), '1', "$what: configurar logs 1 row");

	# attach and detach of a small table: 3 counted rows of 2 codes,
	# undated, so 2 figures built and 2 removed
	$node->safe_psql(
		$db, q{
		CREATE TABLE mov_extra (cod_produto text, qtd numeric, ativo boolean);
		INSERT INTO mov_extra VALUES ('4310041', 1, true), ('4310041', 2, true),
		                             ('4310042', 4, true), ('4310043', 8, false);
	});
	is( $node->safe_psql($db,
			q{SELECT estoque_cache_attach('movimentacao', 'mov_extra', quantidade => 'qtd')->>'linhas'}),
		'2', "$what: attach builds 2 rows");
	is(ec_log_rows($node, $db, 'attach', 'public.mov_extra'), '2', "$what: attach logs 2 rows");
	is($node->safe_psql($db, q{SELECT estoque_cache_detach('mov_extra')->>'linhas_removidas'}),
		'2', "$what: detach removes 2 rows");
	is(ec_log_rows($node, $db, 'detach', 'public.mov_extra'), '2', "$what: detach logs 2 rows");
}

ec_verify_empty($node, $db, 'at the end');
ec_log_has_no_crash($node, 'bypass', $log_offset);
$node->stop;
done_testing();
