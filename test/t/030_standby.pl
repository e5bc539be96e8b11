# Hot standby: a streaming replica serves estoque_cache_saldo and the read
# functions (estoque_cache_produto, _saldo_produto, _projecao, _principal,
# _codigos, _status) with exactly the primary's figures once it has replayed
# the primary's writes, both while deltas are still pending (the primary's
# folder held back) and after they were folded.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $db = 'postgres';
my $primary = ec_node('primary', streaming => 1, fold_database => $db);
ec_load_sample($primary, $db, produtos => 100, movimentos => 5000);
ec_attach_all($primary, $db);

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

is($standby->safe_psql($db, 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

# Everything a reader can ask, as one text to compare between the nodes.
my @codes = ('4310001', '4310002', '4310007', '4310008', '4310050', 'NOVO1', 'NAO_EXISTE');
my $codes = join(',', map { "'$_'" } @codes);
my %reads = (
	view => 'SELECT * FROM estoque_cache_saldo ORDER BY cod_produto',
	produto => "SELECT c, estoque_cache_produto(c) FROM unnest(ARRAY[$codes]) AS c",
	saldo_produto =>
	  "SELECT s.* FROM unnest(ARRAY[$codes]) AS c, estoque_cache_saldo_produto(c) AS s",
	projecao => q{SELECT * FROM estoque_cache_projecao('4310007', 40)},
	grupos => "SELECT c, estoque_cache_principal(c), estoque_cache_codigos(c) FROM unnest(ARRAY[$codes]) AS c",
	status => q{SELECT s->'grupos', s->'codigos', s->'codigos_agrupados', s->'configuracao'
	            FROM estoque_cache_status() AS s},);

sub compare_nodes
{
	my ($when) = @_;
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	for my $name (sort keys %reads)
	{
		my $p = $primary->safe_psql($db, $reads{$name});
		my $s = $standby->safe_psql($db, $reads{$name});
		is($s, $p, "$when: $name is the same on the standby as on the primary");
	}
	return;
}

compare_nodes('after attaching');

sub saldo
{
	my ($node, $code) = @_;
	return $node->safe_psql($db,
		"SELECT saldo_atual FROM estoque_cache_saldo_produto('$code')");
}
my $antes_7 = saldo($standby, '4310007');

# Hold the primary's folder back: folds need to write estoque_cache.saldo,
# which this session locks against writers (readers are not blocked).
my $holder = $primary->background_psql($db);
$holder->query_safe('BEGIN; LOCK TABLE estoque_cache.saldo IN EXCLUSIVE MODE;');

$primary->safe_psql(
	$db, q{
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	VALUES ('4310007', 250.125, 'STANDBY', true), ('NOVO1', 17, 'STANDBY', true),
	       ('4310008', -3, 'STANDBY', true);
	UPDATE movimentacao_estoque SET ativo = false WHERE cod_produto = '4310050' AND id % 3 = 0;
	INSERT INTO carteira_principal (num_pedido, cod_produto, qtd_saldo_produto_pedido, expedicao, ativo)
	VALUES ('STANDBY', '4310007', 40, current_date + 3, true);
	INSERT INTO pre_separacao_item (num_pedido, cod_produto, qtd_selecionada_usuario, data_expedicao_editada, status)
	VALUES ('STANDBY', '4310007', 300, current_date + 2, 'CRIADO');
	INSERT INTO separacao (separacao_lote_id, num_pedido, cod_produto, qtd_saldo, expedicao, sincronizado_nf)
	VALUES ('LOTE_STANDBY', 'STANDBY', '4310008', 12.5, NULL, false);
	INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao, linha_producao)
	VALUES ('4310007', 500, current_date + 5, 'STANDBY');
	INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
	VALUES (4310008, 4310007, true, 'STANDBY');
	UPDATE cadastro_produto SET nome_produto = 'NOME NO PRIMARIO' WHERE cod_produto = '4310007';
});

$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
my $pendentes = $standby->safe_psql($db, 'SELECT count(*) FROM estoque_cache.delta');
cmp_ok($pendentes, '>', 0, "the standby sees pending (unfolded) deltas ($pendentes)");
compare_nodes('with pending deltas');

is( $standby->safe_psql($db,
		q{SELECT cod_produto, nome_produto, codigos FROM estoque_cache_saldo_produto('4310008')}),
	'4310007|NOME NO PRIMARIO|{4310007,4310008}',
	'the standby sees the new link and the new name');
is( $standby->safe_psql(
		$db, qq{SELECT (SELECT saldo_atual FROM estoque_cache_saldo_produto('4310007')) - $antes_7
		        - (SELECT coalesce(sum(qtd_movimentacao), 0) FROM movimentacao_estoque
		           WHERE cod_produto = '4310008' AND ativo)}),
	'250.125',
	"the standby's figure moved by the primary's movement (and 4310008's joined it)");

# Let the folder run, then compare again.
$holder->query_safe('COMMIT;');
$holder->quit;
ok(ec_wait_deltas_folded($primary, $db, 30), "the primary's folder folds the deltas");
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql($db, 'SELECT count(*) FROM estoque_cache.delta'),
	'0', 'the standby has replayed the fold');
compare_nodes('after folding');
# the oracle (replicated with the rest of the database) on the standby itself
ec_oracle_empty($standby, $db, 'standby, after folding');

ec_verify_empty($primary, $db, 'primary');

# The standby is read-only: writes to a source are refused there, as they
# would be without the extension.
my ($state) = ec_sql_error($standby, $db,
	q{INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('X', 1)});
is($state, '25006', 'writes on the standby fail as read-only');

ec_log_has_no_crash($primary, 'primary');
ec_log_has_no_crash($standby, 'standby');
$standby->stop;
$primary->stop;
done_testing();
