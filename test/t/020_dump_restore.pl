# pg_dump / pg_restore of a database that uses estoque_cache, into a fresh
# database: the attachments (including a mixed-case table in another schema
# with its own filter), the settings, the code links and the product names
# come back; the restored cache is exact without a rebuild (the cache tables
# are extension configuration tables, dumped in the same snapshot as the
# sources); the restored triggers keep it exact; and a rebuild afterwards
# finds nothing to correct.

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

# No background folder: the dump then holds folded figures and pending
# deltas both.
my $node = ec_node('dump');
my $log_offset = ec_log_offset($node);

$node->safe_psql('postgres', 'CREATE DATABASE origem');
ec_load_sample($node, 'origem', produtos => 100, movimentos => 5000);
ec_attach_all($node, 'origem');

$node->safe_psql(
	'origem', q{
	CREATE SCHEMA "Estoque";
	CREATE TABLE "Estoque"."MovEstoque" (
		id serial PRIMARY KEY,
		"CodProduto" varchar(20),
		"Qtd Mov" float8,
		"Situação" text);
	INSERT INTO "Estoque"."MovEstoque" ("CodProduto", "Qtd Mov", "Situação")
	SELECT (4310001 + g % 10)::text, g * 0.25, CASE WHEN g % 4 = 0 THEN 'cancelado' ELSE 'ok' END
	  FROM generate_series(1, 200) AS g;
	SELECT estoque_cache_attach('movimentacao', '"Estoque"."MovEstoque"',
		produto => 'CodProduto', quantidade => 'Qtd Mov',
		filtro => '"Situação" <> ''cancelado''');
	SELECT estoque_cache_configurar(horizonte_dias => 40, janela_critica_dias => 5,
		estoque_minimo => 25.5, fuso_horario => 'America/Manaus');
	-- writes after attaching: these stay as pending deltas (no folder runs)
	INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	VALUES ('4310002', 12.5, 'DUMP', true), ('NOVO1', 3, 'DUMP', true);
	INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
	VALUES (4310002, 4310003, true, 'DUMP');
	UPDATE separacao SET sincronizado_nf = true WHERE id % 10 = 0;
	UPDATE cadastro_produto SET nome_produto = 'NOME RESTAURADO' WHERE cod_produto = '4310002';
	-- the oracle counts the second movimentacao table too (the dump carries
	-- this view to the restored database)
	CREATE OR REPLACE VIEW oraculo.linhas_extras (codigo, fonte, data, q) AS
	SELECT "CodProduto"::text, 'movimentacao'::text, NULL::date, "Qtd Mov"::numeric
	  FROM "Estoque"."MovEstoque" WHERE "Situação" <> 'cancelado';
});
ec_verify_empty($node, 'origem', 'before the dump');

my $pendentes = $node->safe_psql('origem', 'SELECT count(*) FROM estoque_cache.delta');
cmp_ok($pendentes, '>', 0, "the dumped database has pending deltas ($pendentes)");

# What must come back.
# The figures by value, without atualizado_em: a restore recomputes the cache
# from the restored rows (the cache tables are not dumped), so a sum may carry
# another display scale (675 and 675.0) and the groups are updated now.
my $view_sql = q{SELECT cod_produto, nome_produto, codigos, trim_scale(saldo_atual),
	trim_scale(qtd_carteira), trim_scale(qtd_pre_separacao), trim_scale(qtd_separacao),
	trim_scale(saldo_disponivel), trim_scale(previsao_ruptura_7d), data_ruptura, status_ruptura
	FROM estoque_cache_saldo ORDER BY cod_produto};
my $produtos_sql = q{SELECT estoque_cache_produto(c) - 'atualizado_em' FROM unnest(ARRAY['4310002',
	'4310003', '4310005', 'NOVO1']) AS c};
my %antes = (
	view => $node->safe_psql('origem', $view_sql),
	produtos => $node->safe_psql('origem', $produtos_sql),
	status => ec_status($node, 'origem'),);

# ---------------------------------------------------------------- dump and restore

my $dump = $node->basedir . '/origem.dump';
my ($out, $err);
my $ok = IPC::Run::run(
	[ 'pg_dump', '-Fc', '-d', $node->connstr('origem'), '-f', $dump ],
	'>', \$out, '2>', \$err);
ok($ok, 'pg_dump -Fc succeeds') or diag($err);

$node->safe_psql('postgres', 'CREATE DATABASE destino');
$ok = IPC::Run::run([ 'pg_restore', '-d', $node->connstr('destino'), $dump ],
	'>', \$out, '2>', \$err);
ok($ok, 'pg_restore succeeds');
is($err, '', 'pg_restore reports no error or warning');

# ---------------------------------------------------------------- what came back

my $depois = ec_status($node, 'destino');

sub fontes_resumo
{
	my ($status) = @_;
	return [
		map {
			{
				anexo_id => $_->{anexo_id},
				fonte => $_->{fonte},
				tabela => $_->{tabela},
				filtro => $_->{filtro},
				gatilhos => $_->{gatilhos},
				gatilhos_ativos => $_->{gatilhos_ativos}
			}
		} @{ $status->{fontes} }
	];
}

is(scalar @{ $depois->{fontes} }, 8, 'the eight attachments are restored');
is_deeply(fontes_resumo($depois), fontes_resumo($antes{status}),
	'attachments come back with their tables, filters and enabled triggers');
ok( (grep { ($_->{tabela} // '') eq '"Estoque"."MovEstoque"' } @{ $depois->{fontes} }),
	'the mixed-case table in another schema is among them');
is_deeply($depois->{alertas}, [], 'status has no alert after the restore');

my %cfg_antes = %{ $antes{status}{configuracao} };
my %cfg_depois = %{ $depois->{configuracao} };
is_deeply(\%cfg_depois, \%cfg_antes, 'the settings come back');
is_deeply(
	[ @cfg_depois{qw(horizonte_dias janela_critica_dias estoque_minimo fuso_horario)} ],
	[ 40, 5, 25.5, 'America/Manaus' ],
	'... and they are the ones estoque_cache_configurar set');
is($depois->{codigos_agrupados}, $antes{status}{codigos_agrupados},
	'the groups of unified codes come back');
is($depois->{grupos}, $antes{status}{grupos}, 'the number of groups is the same');

is($node->safe_psql('destino', $view_sql), $antes{view},
	'estoque_cache_saldo is identical in the restored database');
# jsonb compares numbers by value
my $antes_json = $antes{produtos} =~ s/\n/,/gr;
is( $node->safe_psql(
		'destino',
		"SELECT jsonb_agg(p) = '[$antes_json]'::jsonb FROM ($produtos_sql) AS x(p)"),
	't', 'estoque_cache_produto() gives the same figures in the restored database');
is( $node->safe_psql('destino',
		q{SELECT nome_produto FROM estoque_cache_saldo_produto('4310003')}),
	'NOME RESTAURADO', 'the product names come back (group of 4310002/4310003)');

ec_verify_empty($node, 'destino', 'restored, without a rebuild');

# ---------------------------------------------------------------- triggers work

sub saldo
{
	my ($code) = @_;
	return $node->safe_psql('destino',
		"SELECT saldo_atual FROM estoque_cache_saldo_produto('$code')");
}

my $s1 = saldo('4310007');
$node->safe_psql('destino',
	q{INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
	  VALUES ('4310007', 100.25, 'RESTORE', true)});
is( $node->safe_psql('destino',
		"SELECT saldo_atual - $s1 FROM estoque_cache_saldo_produto('4310007')"),
	'100.250', 'a movement inserted after the restore updates the view');

my $s2 = saldo('4310001');
$node->safe_psql('destino',
	q{INSERT INTO "Estoque"."MovEstoque" ("CodProduto", "Qtd Mov", "Situação")
	  VALUES ('4310001', 4.5, 'ok'), ('4310001', 1000, 'cancelado')});
is( $node->safe_psql('destino',
		"SELECT saldo_atual - $s2 FROM estoque_cache_saldo_produto('4310001')"),
	'4.500', 'the restored mixed-case attachment counts its rows with its filter');

$node->safe_psql('destino',
	q{INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
	  VALUES (4310007, 4310008, true, 'RESTORE')});
is($node->safe_psql('destino', q{SELECT estoque_cache_principal('4310008')}),
	'4310007', 'a link inserted after the restore regroups the codes');

$node->safe_psql('destino',
	q{UPDATE separacao SET qtd_saldo = qtd_saldo + 1 WHERE cod_produto = '4310009';
	  DELETE FROM carteira_principal WHERE cod_produto = '4310010';
	  UPDATE programacao_producao SET data_programacao = data_programacao + 1;
	  UPDATE pre_separacao_item SET status = 'CRIADO' WHERE status = 'CANCELADO';});
ec_verify_empty($node, 'destino', 'after writes to the restored database');

my $resumo = decode_json($node->safe_psql('destino', 'SELECT estoque_cache_rebuild()'));
is($resumo->{linhas_corrigidas}, 0, 'a rebuild after the restore finds nothing to correct');
ec_verify_empty($node, 'destino', 'after the rebuild');

# The restored attachments refer to the restored tables: detaching works.
is( $node->safe_psql('destino',
		q{SELECT estoque_cache_detach('"Estoque"."MovEstoque"')->>'fonte'}),
	'movimentacao', 'a restored attachment can be detached');
# its rows no longer count for the oracle either
$node->safe_psql('destino',
	q{CREATE OR REPLACE VIEW oraculo.linhas_extras (codigo, fonte, data, q) AS
	  SELECT NULL::text, NULL::text, NULL::date, NULL::numeric WHERE false});
ec_verify_empty($node, 'destino', 'after detaching');

# The original database is untouched by all this.
is($node->safe_psql('origem', $view_sql), $antes{view}, 'the original database is unchanged');

ec_log_has_no_crash($node, 'dump and restore', $log_offset);
$node->stop;
done_testing();
