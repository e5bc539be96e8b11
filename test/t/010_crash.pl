# Crash safety: while several sessions write to every source and to the code
# links, the server is stopped with an immediate shutdown (a real crash: no
# checkpoint, WAL replay on restart) and restarted; the cache must then be
# exactly what the committed sources say (estoque_cache_verify() returns no
# rows, and a rebuild finds nothing to correct).
#
# The crash is aimed at three points, each pinned so that the test knows it
# hit it:
#   1. mid-statement: an INSERT ... SELECT of 200 000 rows whose cache
#      trigger has already appended its deltas, while a later trigger of the
#      same statement is still running;
#   2. mid-fold: a fold of a large backlog of deltas that has deleted the
#      deltas and is half-way through writing the folded figures (it waits
#      on a row of estoque_cache.saldo that another session holds);
#   3. mid-rebuild: a rebuild that has already written corrections for one
#      source and waits before the last one (another session holds a lock on
#      that table; the test checks that the rebuild was seen waiting there).
# After every restart the background folder must still work: the pending
# deltas drain to zero within seconds.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

my $db = 'postgres';
my $node = ec_node('crash', fold_database => $db);
ec_load_sample($node, $db, produtos => 100, movimentos => 5000);
ec_attach_all($node, $db);
ec_verify_empty($node, $db, 'after attaching');

# A trigger that, when the session asks for it, makes a statement sleep after
# the cache triggers have run ("zz" sorts after "estoque_cache_ins").
$node->safe_psql(
	$db, q{
	CREATE FUNCTION teste_dormir() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF current_setting('teste.dormir', true) = 'on' THEN
			RAISE LOG 'teste_dormir: cache trigger done, sleeping';
			PERFORM pg_sleep(300);
		END IF;
		RETURN NULL;
	END $$;
	CREATE TRIGGER zz_teste_dormir AFTER INSERT ON movimentacao_estoque
		FOR EACH STATEMENT EXECUTE FUNCTION teste_dormir();
});

my $script_file = $node->basedir . '/escritas.sql';
append_to_file($script_file, ec_pgbench_writer_script(100));

# ---------------------------------------------------------------- helpers

# Starts 4 pgbench clients writing in the background; returns the harness.
my $round = 0;

sub start_writers
{
	$round++;
	my $out = $node->basedir . "/pgbench_$round.log";
	my $h = IPC::Run::start(
		[
			'pgbench', '-n', '-c', '4', '-j', '2', '-T', '240',
			'-f', $script_file, '-h', $node->host, '-p', $node->port, $db
		],
		'>', $out, '2>&1');
	return $h;
}

# The writers' committed movements so far (from the data itself, so that it
# does not depend on statistics being flushed).
sub soak_rows
{
	my ($rc, $out) = $node->psql($db,
		"SELECT count(*) FROM movimentacao_estoque WHERE tipo_movimentacao = 'SOAK'");
	return $rc == 0 ? $out : -1;
}

# Waits until the writers have committed at least $n more movement rows.
sub wait_writers_progress
{
	my ($n, $what) = @_;
	my $start = soak_rows();
	my $t0 = time;
	my $now = $start;
	while (time - $t0 < 60)
	{
		$now = soak_rows();
		last if $now - $start >= $n;
		usleep(200_000);
	}
	ok($now - $start >= $n, "$what: writers are committing ($start -> $now SOAK movements)");
	return;
}

# Runs $sql in a psql of its own in the background; returns [harness, \out, \err].
sub start_psql
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db), '-c', $sql ],
		'>', \$out, '2>', \$err);
	return [ $h, \$out, \$err ];
}

# Polls $sql until it returns 't' (at most $seconds); gives up early when
# the background session $bg (from start_psql) has ended.
sub wait_true
{
	my ($sql, $seconds, $bg) = @_;
	my $t0 = time;
	while (time - $t0 < $seconds)
	{
		my ($rc, $out) = $node->psql($db, $sql);
		return 1 if $rc == 0 && $out eq 't';
		if ($bg)
		{
			$bg->[0]->pump_nb;
			if (!$bg->[0]->pumpable)
			{
				diag("the background statement ended early: ${ $bg->[2] }");
				return 0;
			}
		}
		usleep(50_000);
	}
	return 0;
}

sub finish_quietly
{
	my ($h) = @_;
	eval { $h->finish; };
	return;
}

# Crash, restart, then the checks every crash point ends with.  (That the
# writers' committed rows survive is PostgreSQL's promise, not the cache's:
# what the cache must show after the restart is exactly what the surviving
# rows say, which check_exact asserts against verify and the oracle.)
sub crash_and_check
{
	my ($what, $writers, @sessions) = @_;
	# (fail_ok: if the server already died on its own, the tests before
	# this one have said so; go on with the restart.)
	$node->stop('immediate', fail_ok => 1);
	$node->_update_pid(-1);
	finish_quietly($writers);
	finish_quietly($_->[0]) for @sessions;
	$node->start;
	return;
}

sub check_exact
{
	my ($what) = @_;
	ec_verify_empty($node, $db, "$what, after restart");
	ok(ec_wait_deltas_folded($node, $db, 30),
		"$what: the background folder drains the pending deltas after restart");
	ec_verify_empty($node, $db, "$what, after folding");
	return;
}

my $log_offset = ec_log_offset($node);

# ---------------------------------------------------------------- 1. mid-statement

{
	my $what = 'mid-statement';
	my $insert = q{
		INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		SELECT 'CRASH' || g % 50000, g % 97 + 0.5, 'CRASH', true FROM generate_series(1, 200000) AS g;
	};

	# The statement itself, run to the end in a transaction that is rolled
	# back: its 200 000 rows (a transition table larger than work_mem) are
	# counted exactly.
	my ($rc, $out, $err) = $node->psql(
		$db, qq{
		BEGIN;
		$insert
		SELECT count(*) FROM estoque_cache_verify() WHERE cod_produto LIKE 'CRASH%';
		SELECT count(*) FROM estoque_cache_saldo WHERE cod_produto LIKE 'CRASH%';
		ROLLBACK;});
	is("$rc|$out", "0|0
50000", "$what: a 200 000-row INSERT ... SELECT is counted exactly")
	  or diag($err);
	ok(ec_ensure_running($node), "$what: the server survived that statement");

	my $writers = start_writers();
	wait_writers_progress(50, $what);

	my $big = start_psql("SET teste.dormir = on; $insert");
	# The cache trigger of that statement has run (its deltas are in the
	# table, uncommitted) and the statement is still going.
	my $pinned = wait_true(
		q{SELECT EXISTS (SELECT 1 FROM pg_stat_activity
		                 WHERE query LIKE '%CRASH%generate_series%' AND state = 'active'
		                   AND wait_event = 'PgSleep' AND pid <> pg_backend_pid())},
		120, $big);
	ok($pinned, "$what: the 200 000-row INSERT is inside its statement, cache trigger done");
	ok($node->log_contains('teste_dormir: cache trigger done', $log_offset),
		"$what: the sleeping trigger fired after the cache trigger");

	crash_and_check($what, $writers, $big);
	is( $node->safe_psql(
			$db, q{SELECT (SELECT count(*) FROM movimentacao_estoque WHERE tipo_movimentacao = 'CRASH')
			       + (SELECT count(*) FROM estoque_cache.delta WHERE codigo LIKE 'CRASH%')
			       + (SELECT count(*) FROM estoque_cache.saldo WHERE codigo LIKE 'CRASH%')}),
		'0',
		"$what: neither the rows nor the deltas of the interrupted statement survive");
	is($node->safe_psql($db, q{SELECT estoque_cache_produto('CRASH1') IS NULL}),
		't', "$what: the cache does not know a code of the interrupted statement");
	check_exact($what);
}

# ---------------------------------------------------------------- 2. mid-fold

{
	my $what = 'mid-fold';
	my $writers = start_writers();
	wait_writers_progress(30, $what);

	# Hold the folded row of 4310001 (movimentacao) so that a fold touching it
	# stops half-way, after deleting the deltas it moves.
	my $holder = $node->background_psql($db);
	my $held = $holder->query_safe(
		q{BEGIN;
		  SELECT codigo FROM estoque_cache.saldo
		   WHERE codigo = '4310001' AND anexo_id = 1 FOR UPDATE;});
	is($held, '4310001', "$what: a session holds the folded row of 4310001");

	# A backlog of 100 000 deltas (distinct codes, 100 statements of 1 000
	# rows each) plus a movement of 4310001, committed.
	$node->safe_psql(
		$db, q{
		DO $$
		BEGIN
			FOR i IN 0..99 LOOP
				INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
				SELECT 'FOLD' || g, 1 + g % 5, 'FOLD', true
				  FROM generate_series(i * 1000 + 1, i * 1000 + 1000) AS g;
			END LOOP;
		END $$;
		INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		VALUES ('4310001', 7.125, 'FOLD', true);
	});
	my $fold = start_psql(q{SELECT estoque_cache_fold()});

	# A fold (the background folder's, or the explicit one) is waiting on the
	# held row: it is inside its statement, its deletions not committed.
	my $pinned = wait_true(
		q{SELECT EXISTS (SELECT 1 FROM pg_stat_activity
		                 WHERE (query LIKE '%estoque_cache_fold%' OR backend_type = 'estoque_cache folder')
		                   AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type = 'Lock'
		                   AND wait_event IN ('transactionid', 'tuple'))},
		120, $fold);
	ok($pinned, "$what: a fold is stopped half-way (waiting on the held saldo row)");
	my $pending = $node->safe_psql($db, q{SELECT count(*) FROM estoque_cache.delta});
	note("$what: $pending deltas visible as pending at the crash");

	crash_and_check($what, $writers, $fold);
	eval { $holder->quit; };

	is( $node->safe_psql(
			$db, q{SELECT count(*) FROM estoque_cache_saldo WHERE cod_produto LIKE 'FOLD%'}),
		'100000',
		"$what: every code of the committed backlog is in the view after restart");
	is( $node->safe_psql(
			$db, q{SELECT (SELECT sum(saldo_atual) FROM estoque_cache_saldo
			               WHERE cod_produto LIKE 'FOLD%')
			            = (SELECT sum(qtd_movimentacao) FROM movimentacao_estoque
			               WHERE tipo_movimentacao = 'FOLD' AND cod_produto LIKE 'FOLD%')}),
		't', "$what: the backlog's figures add up to the committed movements");
	check_exact($what);
}

# ---------------------------------------------------------------- 3. mid-rebuild

{
	my $what = 'mid-rebuild';

	# Drift the rebuild has to correct: movements the cache lost (its rows
	# for them deleted by hand, as in a damaged cache), for codes the writers
	# never touch.
	$node->safe_psql(
		$db, q{
		INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		VALUES ('DRIFT1', 10, 'DRIFT', true), ('DRIFT2', -3.5, 'DRIFT', true);
		SELECT pg_advisory_lock(4532, 0);
		DELETE FROM estoque_cache.delta WHERE codigo IN ('DRIFT1', 'DRIFT2');
		DELETE FROM estoque_cache.saldo WHERE codigo IN ('DRIFT1', 'DRIFT2');
		SELECT pg_advisory_unlock(4532, 0);
	});
	my $drift = ec_verify_rows($node, $db);
	is( $drift,
		"DRIFT1|saldo_atual|0|10.000\nDRIFT2|saldo_atual|0|-3.500",
		"$what: verify sees the bypassed movements before the rebuild");
	my $ultimo_antes =
	  $node->safe_psql($db, q{SELECT estoque_cache_status()->'ultimo_rebuild'});

	my $writers = start_writers();
	wait_writers_progress(30, $what);

	# Stop the rebuild: a session holds an exclusive lock on
	# programacao_producao, so the rebuild, which locks every attached table
	# before it reads any (all at once or none), waits for that one holding
	# none of the others.  The writers that reach that table wait too, with
	# their transactions open.
	my $holder = $node->background_psql($db);
	$holder->query_safe("BEGIN; LOCK TABLE programacao_producao IN ACCESS EXCLUSIVE MODE;");

	my $rebuild = start_psql(q{SELECT estoque_cache_rebuild()});
	my $pinned = wait_true(
		q{SELECT EXISTS (SELECT 1 FROM pg_stat_activity
		                 WHERE query LIKE '%estoque_cache_rebuild%' AND state = 'active'
		                   AND wait_event_type = 'Lock' AND wait_event = 'relation'
		                   AND pid <> pg_backend_pid())},
		120, $rebuild);
	ok($pinned, "$what: the rebuild is stopped waiting for the locked source");

	crash_and_check($what, $writers, $rebuild);
	# It had corrected nothing yet: it waits for the locked table before
	# reading any source, holding none of them.
	unlike(${ $rebuild->[2] }, qr/progresso \d+\/\d+: movimentacao/,
		"$what: the rebuild had not started correcting before the crash");
	eval { $holder->quit; };

	is(ec_verify_rows($node, $db), $drift,
		"$what: after restart the cache is as before the rebuild (only the bypassed drift)");
	is($node->safe_psql($db, q{SELECT estoque_cache_status()->'ultimo_rebuild'}),
		$ultimo_antes, "$what: the interrupted rebuild left no log entry");
	my $fixed = $node->safe_psql($db,
		q{SELECT (r->>'linhas_corrigidas')::bigint FROM estoque_cache_rebuild() AS r});
	is($fixed, '2', "$what: a complete rebuild corrects exactly the two drifted figures");
	check_exact($what);
}

# ---------------------------------------------------------------- writers alone

{
	my $what = 'mid-write';
	my $writers = start_writers();
	wait_writers_progress(100, $what);
	crash_and_check($what, $writers);
	my $fixed = $node->safe_psql($db,
		q{SELECT (r->>'linhas_corrigidas')::bigint FROM estoque_cache_rebuild() AS r});
	is($fixed, '0', "$what: a rebuild right after restart finds nothing to correct");
	check_exact($what);
}

# ---------------------------------------------------------------- an unlogged source

# Crash recovery empties unlogged tables without firing any trigger, so the
# extension refuses to attach one (README, "Reliability"): feature not
# supported, with a hint, and nothing attached.
{
	my $what = 'unlogged source';
	$node->safe_psql(
		$db, q{
		CREATE UNLOGGED TABLE mov_rascunho (cod_produto text, qtd_movimentacao numeric, ativo boolean);
		INSERT INTO mov_rascunho SELECT (4310001 + g % 10)::text, g, true FROM generate_series(1, 100) AS g;
	});
	my ($state, $err) = ec_sql_error($node, $db,
		q{SELECT estoque_cache_attach('movimentacao', 'mov_rascunho')});
	is($state, '0A000', "$what: attaching it is refused (feature not supported)") or diag($err);
	like($err, qr/HINT:.*SET LOGGED/, "$what: the hint says how to attach it");
	is( $node->safe_psql($db,
			q{SELECT count(*) FROM estoque_cache.anexo WHERE tabela = 'mov_rascunho'::regclass}),
		'0', "$what: nothing was attached");
	check_exact($what);
}

ec_log_has_no_crash($node, 'crash rounds', $log_offset);

$node->stop;
done_testing();
