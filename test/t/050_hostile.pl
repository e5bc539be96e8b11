# Hostile input.  First, tables whose names need quoting (a mixed-case table
# in another schema with mixed-case columns, a table whose name and columns
# hold quotes, semicolons and comment markers) must attach and be counted
# exactly.  Then malformed arguments are thrown at every public function:
# NULLs, empty strings, 1 MB strings, wrong types, SQL meant to escape the
# filter expression (closing parentheses, statement separators, UNION,
# comments, dollar quoting), unicode, objects that are not plain tables,
# the extension's own tables.  Every bad call must fail with an ERROR with
# the one SQLSTATE that names its fault (a bad filter also with a hint
# saying what a valid filter looks like) and change nothing: the
# attachments, the cache triggers, the settings, the tables of the
# database, the operations log and every figure of the view stay as they
# were.  Calls that are merely odd (unknown or empty codes for the read
# functions) must give their one right answer (an unknown code is a group
# of one with nothing) or their one error, and change nothing either.  At
# the end the server is still up, its log shows no crash, and the cache is
# exact (verify and the oracle of test/lib/oraculo.sql).

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $db = 'postgres';
my $node = ec_node('hostile', fold_database => $db);
my $log_offset = ec_log_offset($node);
ec_load_sample($node, $db, produtos => 100, movimentos => 5000);
ec_attach_all($node, $db);

# ---------------------------------------------------------------- names that need quoting

$node->safe_psql(
	$db, q{
	CREATE SCHEMA "Estoque";
	CREATE TABLE "Estoque"."MovEstoque" (
		id serial PRIMARY KEY,
		"CodProduto" varchar(20),
		"Qtd" numeric(12, 3),
		"Ativo" boolean DEFAULT true);
	INSERT INTO "Estoque"."MovEstoque" ("CodProduto", "Qtd", "Ativo")
	SELECT CASE WHEN g % 3 = 0 THEN 'MX' || (g % 7) ELSE (4310001 + g % 20)::text END,
	       g * 0.125, g % 5 <> 0
	  FROM generate_series(1, 300) AS g;

	CREATE TABLE "Estoque"."Separação Aberta" (
		"Cód" text, "Qtd Saldo" float8, "Data Exp" date, "Status" text);
	INSERT INTO "Estoque"."Separação Aberta"
	SELECT 'MX' || (g % 7), g, current_date + g % 10, CASE WHEN g % 4 = 0 THEN 'FECHADO' ELSE 'ABERTO' END
	  FROM generate_series(1, 40) AS g;

	CREATE TABLE "x""; DROP TABLE alvo; --" (
		"cod""produto" text, "qtd'mov" numeric, "ativo)" boolean);
	INSERT INTO "x""; DROP TABLE alvo; --" VALUES ('Q1', 5, true), ('Q1', 7, false), ('Q2', 1.5, true);

	CREATE TABLE alvo (cod_produto text, qtd numeric, qtd_txt text, dia date,
		dia_tz timestamptz, ativo boolean, status text);
});

my ($state, $err) = ec_sql_error(
	$node, $db, q{
	SELECT estoque_cache_attach('movimentacao', '"Estoque"."MovEstoque"',
		produto => 'CodProduto', quantidade => 'Qtd', filtro => '"Ativo"')});
is($state, '', 'a mixed-case table in another schema with mixed-case columns attaches')
  or diag($err);
($state, $err) = ec_sql_error(
	$node, $db, q{
	SELECT estoque_cache_attach('separacao', '"Estoque"."Separação Aberta"',
		produto => 'Cód', quantidade => 'Qtd Saldo', data => 'Data Exp',
		filtro => '"Status" = ''ABERTO''')});
is($state, '', 'a table with accents and spaces in its names attaches (dated source)')
  or diag($err);
($state, $err) = ec_sql_error(
	$node, $db, q{
	SELECT estoque_cache_attach('movimentacao', '"x""; DROP TABLE alvo; --"',
		produto => 'cod"produto', quantidade => 'qtd''mov', filtro => '"ativo)"')});
is($state, '', 'a table whose names hold quotes, a semicolon and a comment marker attaches')
  or diag($err);

# Writes after attaching, through the triggers.
$node->safe_psql(
	$db, q{
	INSERT INTO "Estoque"."MovEstoque" ("CodProduto", "Qtd", "Ativo")
	VALUES ('MX1', 1000.5, true), ('MX2', 2000, false), ('4310003', 3.25, true);
	UPDATE "Estoque"."MovEstoque" SET "Ativo" = NOT "Ativo" WHERE id % 11 = 0;
	DELETE FROM "Estoque"."MovEstoque" WHERE id % 13 = 0;
	UPDATE "Estoque"."Separação Aberta" SET "Status" = 'FECHADO' WHERE "Qtd Saldo" = 1;
	UPDATE "Estoque"."Separação Aberta" SET "Data Exp" = NULL WHERE "Qtd Saldo" = 2;
	INSERT INTO "x""; DROP TABLE alvo; --" VALUES ('Q1', 0.25, true);
});

# The oracle counts these three tables too, with their filters.
my $extras = q{
	SELECT "CodProduto"::text, 'movimentacao'::text, NULL::date, "Qtd"::numeric
	  FROM "Estoque"."MovEstoque" WHERE "Ativo"
	UNION ALL
	SELECT "Cód", 'separacao', "Data Exp", "Qtd Saldo"::numeric
	  FROM "Estoque"."Separação Aberta" WHERE "Status" = 'ABERTO'
	UNION ALL
	SELECT "cod""produto", 'movimentacao', NULL, "qtd'mov"
	  FROM "x""; DROP TABLE alvo; --" WHERE "ativo)"};
$node->safe_psql($db,
	"CREATE OR REPLACE VIEW oraculo.linhas_extras (codigo, fonte, data, q) AS $extras");

is( $node->safe_psql(
		$db, q{SELECT string_agg(format('%s=%s', cod_produto, saldo_atual), ' ' ORDER BY cod_produto)
		       FROM estoque_cache_saldo WHERE cod_produto ~ '^MX'}),
	$node->safe_psql(
		$db, q{SELECT string_agg(format('%s=%s', c, s), ' ' ORDER BY c)
		       FROM (SELECT "CodProduto" AS c, sum("Qtd") AS s FROM "Estoque"."MovEstoque"
		              WHERE "Ativo" AND "CodProduto" ~ '^MX' GROUP BY 1) x}),
	'saldo_atual of the MX codes is the sum over "Estoque"."MovEstoque" with its filter');
is( $node->safe_psql(
		$db, q{SELECT string_agg(format('%s=%s', cod_produto, qtd_separacao), ' ' ORDER BY cod_produto)
		       FROM estoque_cache_saldo WHERE cod_produto ~ '^MX'}),
	$node->safe_psql(
		$db, q{SELECT string_agg(format('%s=%s', c, s), ' ' ORDER BY c)
		       FROM (SELECT "Cód" AS c, sum("Qtd Saldo")::numeric AS s FROM "Estoque"."Separação Aberta"
		              WHERE "Status" = 'ABERTO' GROUP BY 1) x}),
	'qtd_separacao of the MX codes is the sum over "Estoque"."Separação Aberta" with its filter');
is( $node->safe_psql(
		$db, q{SELECT string_agg(format('%s=%s', cod_produto, saldo_atual), ' ' ORDER BY cod_produto)
		       FROM estoque_cache_saldo WHERE cod_produto IN ('Q1', 'Q2')}),
	'Q1=5.25 Q2=1.5', 'the table with quotes in its names is counted with its filter');
ec_verify_empty($node, $db, 'tables with names that need quoting');
my $rebuild = $node->safe_psql($db,
	q{SELECT (estoque_cache_rebuild()->>'linhas_corrigidas')::bigint});
is($rebuild, '0', 'a rebuild finds nothing to correct in them');

# ---------------------------------------------------------------- fingerprint

# Everything a bad call must leave as it was.
my $fingerprint_sql = q{
	SELECT 'anexos: ' || (SELECT count(*) FROM estoque_cache.anexo)
	UNION ALL
	SELECT 'anexo detail: ' || (SELECT md5(string_agg(row(a.anexo_id, a.fonte, a.tabela::oid, a.produto,
	         a.quantidade, a.data, a.destino, a.nome, a.filtro)::text, ';' ORDER BY a.anexo_id))
	       FROM estoque_cache.anexo a)
	UNION ALL
	SELECT 'cache triggers: ' || (SELECT string_agg(format('%s.%s=%s', tgrelid::regclass, tgname, tgenabled),
	         ' ' ORDER BY tgrelid::regclass::text, tgname)
	       FROM pg_trigger WHERE tgname LIKE 'estoque\_cache\_%')
	UNION ALL
	SELECT 'tables: ' || (SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p', 'v', 'm'))
	UNION ALL
	SELECT 'settings: ' || (SELECT row(c.horizonte_dias, c.janela_critica_dias, c.estoque_minimo,
	         c.fuso_horario)::text FROM estoque_cache.config() c)
	UNION ALL
	SELECT 'log: ' || (SELECT count(*) FROM estoque_cache.log)
	UNION ALL
	SELECT 'view: ' || (SELECT md5(string_agg(row(cod_produto, nome_produto, codigos, saldo_atual,
	         qtd_carteira, qtd_pre_separacao, qtd_separacao, saldo_disponivel,
	         previsao_ruptura_7d, data_ruptura, status_ruptura)::text, ';' ORDER BY cod_produto))
	       FROM estoque_cache_saldo)
	UNION ALL
	SELECT 'rows: ' || (SELECT count(*) FROM alvo) || ' ' || (SELECT count(*) FROM movimentacao_estoque)
};

sub fingerprint
{
	return $node->safe_psql($db, $fingerprint_sql);
}

sub without_log
{
	my ($fp) = @_;
	$fp =~ s/^log: .*$//m;
	return $fp;
}

my $reference = fingerprint();

# Runs $sql (inside a transaction when $wrap) and then, in the same session,
# the fingerprint query.  Returns (SQLSTATE of the first error or '',
# stderr, fingerprint).
sub call
{
	my ($sql, $wrap) = @_;
	$sql = "BEGIN;\n$sql;\nROLLBACK;" if $wrap;
	my ($stdout, $stderr) = ('', '');
	my @cmd = ('psql', '-X', '-q', '-A', '-t', '-v', 'VERBOSITY=verbose', '-d', $node->connstr($db),
		'-f', '-');
	my $input = "$sql;\n\\echo ===fingerprint===\n$fingerprint_sql;\n";
	IPC::Run::run(\@cmd, '<', \$input, '>', \$stdout, '2>', \$stderr,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	my $state = $stderr =~ /(?:ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}):/ ? $1 : '';
	my $fp = $stdout =~ /===fingerprint===\n(.*)\z/s ? $1 : "(no fingerprint)\n$stderr";
	$fp =~ s/\n+\z//;
	my ($out) = split /\n/, $stdout;
	$out = '' if !defined $out || $out eq '===fingerprint===';
	return ($state, $stderr, $fp, $out);
}

# A bad call: must fail with SQLSTATE $expected and leave the fingerprint as
# it was; with $hint (a regexp), its HINT must match it.  It runs inside a
# transaction that a success would roll back, so that a call wrongly
# accepted (which fails the first check) does not spoil the checks that
# follow.
sub bad
{
	my ($name, $sql, $expected, $hint) = @_;
	die "bad('$name'): no expected SQLSTATE" unless defined $expected;
	my ($state, $stderr, $fp) = call($sql, 1);
	my $ok = is($state, $expected, "$name: fails with SQLSTATE $expected");
	diag(substr($stderr, 0, 600)) unless $ok;
	if (defined $hint)
	{
		like($stderr, qr/^HINT:\s+.*$hint/m, "$name: the hint says what a valid filter looks like")
		  or diag(substr($stderr, 0, 600));
	}
	is($fp, $reference, "$name: changes nothing") or $reference = $fp;
	return;
}

# An odd but legitimate call: must answer (its first output line being
# $answer) when $answer is defined, else fail with SQLSTATE $state; changes
# nothing (verify writes its log line, so the log is not compared).
sub odd
{
	my ($name, $sql, $answer, $state_expected) = @_;
	my ($state, $stderr, $fp, $out) = call($sql, 0);
	if (defined $answer)
	{
		is("$state|$out", "|$answer", "$name: answers '$answer'") or diag(substr($stderr, 0, 600));
	}
	else
	{
		is($state, $state_expected, "$name: fails with SQLSTATE $state_expected")
		  or diag(substr($stderr, 0, 600));
	}
	is(without_log($fp), without_log($reference), "$name: changes nothing");
	$reference = $fp;
	return;
}

my $mb = q{repeat('x', 1048576)};
my $att = q{SELECT estoque_cache_attach};

# ---------------------------------------------------------------- estoque_cache_attach: fonte and tabela

bad('attach: NULL fonte', "$att(NULL, 'alvo', 'cod_produto', 'qtd')", '22004');
bad('attach: empty fonte', "$att('', 'alvo', 'cod_produto', 'qtd')", '22023');
bad('attach: unknown fonte', "$att('xpto', 'alvo', 'cod_produto', 'qtd')", '22023');
bad('attach: fonte in capitals', "$att('MOVIMENTACAO', 'alvo', 'cod_produto', 'qtd')", '22023');
bad('attach: fonte unificacao through attach', "$att('unificacao', 'alvo', 'cod_produto', 'qtd')", '22023');
bad('attach: 1 MB fonte', "$att($mb, 'alvo', 'cod_produto', 'qtd')", '22023');
bad('attach: SQL in fonte', qq{$att('movimentacao''); DROP TABLE alvo; --', 'alvo', 'cod_produto', 'qtd')},
	'22023');
bad('attach: NULL tabela', "$att('movimentacao', NULL, 'cod_produto', 'qtd')", '22004');
bad('attach: empty tabela', "$att('movimentacao', '', 'cod_produto', 'qtd')", '42602');
bad('attach: unknown tabela', "$att('movimentacao', 'nao_existe', 'cod_produto', 'qtd')", '42P01');
bad('attach: 1 MB tabela', "$att('movimentacao', $mb\::regclass, 'cod_produto', 'qtd')", '42P01');
bad('attach: SQL in tabela',
	qq{$att('movimentacao', 'alvo; DROP TABLE alvo', 'cod_produto', 'qtd')}, '42602');
bad('attach: integer as tabela', "$att('movimentacao', 0, 'cod_produto', 'qtd')", '42P01');
bad('attach: integers as column names', "$att('movimentacao', 'alvo', 1, 2)", '42883');
bad('attach: a view', "$att('movimentacao', 'estoque_cache_saldo', 'codigos', 'saldo_atual')", '42809');
bad('attach: a system catalog',
	"$att('movimentacao', 'pg_catalog.pg_class', 'relname', 'reltuples', filtro => 'true')", '42501');
bad('attach: the cache\'s own delta table',
	"$att('movimentacao', 'estoque_cache.delta', 'codigo', 'quantidade', filtro => 'true')", '22023');
bad('attach: the cache\'s own saldo table',
	"$att('movimentacao', 'estoque_cache.saldo', 'codigo', 'quantidade', filtro => 'true')", '22023');
bad('attach: the same table twice', "$att('movimentacao', 'movimentacao_estoque')", '42710');
bad('attach: an attached table as another fonte', "$att('carteira', 'movimentacao_estoque')", '42710');
bad('attach: an attached link table as a source',
	"$att('movimentacao', 'unificacao_codigos', 'codigo_origem', 'codigo_destino', filtro => 'true')",
	'42710');
bad('attach: a partition',
	q{CREATE TABLE part (cod_produto text, qtd numeric) PARTITION BY LIST (cod_produto);
	  CREATE TABLE part_a PARTITION OF part FOR VALUES IN ('A');
	  SELECT estoque_cache_attach('movimentacao', 'part_a', 'cod_produto', 'qtd', filtro => 'true')},
	'42809');
bad('attach: a partitioned table as links',
	q{CREATE TABLE part (cod_produto text, qtd numeric) PARTITION BY LIST (cod_produto);
	  SELECT estoque_cache_attach_unificacao('part', 'cod_produto', 'cod_produto', 'true')},
	'0A000');
bad('attach: an inheritance child',
	q{CREATE TABLE mae (cod_produto text, qtd numeric);
	  CREATE TABLE filha () INHERITS (mae);
	  SELECT estoque_cache_attach('movimentacao', 'filha', 'cod_produto', 'qtd', filtro => 'true')},
	'0A000');
bad('attach: a temporary table',
	q{CREATE TEMP TABLE tmp (cod_produto text, qtd numeric);
	  SELECT estoque_cache_attach('movimentacao', 'tmp', 'cod_produto', 'qtd', filtro => 'true')},
	'0A000');
bad('attach: a sequence',
	q{SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque_id_seq', 'last_value', 'last_value')},
	'42809');

# ---------------------------------------------------------------- estoque_cache_attach: columns

bad('attach: empty produto', "$att('movimentacao', 'alvo', '', 'qtd', filtro => 'true')", '42703');
bad('attach: unknown produto', "$att('movimentacao', 'alvo', 'nao_existe', 'qtd', filtro => 'true')",
	'42703');
bad('attach: 1 MB produto', "$att('movimentacao', 'alvo', $mb, 'qtd', filtro => 'true')", '42703');
bad('attach: SQL in produto',
	qq{$att('movimentacao', 'alvo', 'cod_produto; DROP TABLE alvo; --', 'qtd', filtro => 'true')},
	'42703');
bad('attach: quoted identifier as produto',
	qq{$att('movimentacao', 'alvo', '"cod_produto"', 'qtd', filtro => 'true')}, '42703');
bad('attach: system column as produto', "$att('movimentacao', 'alvo', 'ctid', 'qtd', filtro => 'true')", '42P10');
bad('attach: text quantity', "$att('movimentacao', 'alvo', 'cod_produto', 'qtd_txt', filtro => 'true')",
	'42804');
bad('attach: date quantity', "$att('movimentacao', 'alvo', 'cod_produto', 'dia', filtro => 'true')",
	'42804');
bad('attach: boolean quantity', "$att('movimentacao', 'alvo', 'cod_produto', 'ativo', filtro => 'true')",
	'42804');
bad('attach: unknown quantity', "$att('movimentacao', 'alvo', 'cod_produto', 'nao_existe', filtro => 'true')",
	'42703');
bad('attach: timestamptz date', "$att('producao', 'alvo', 'cod_produto', 'qtd', 'dia_tz')", '42804');
bad('attach: text date', "$att('producao', 'alvo', 'cod_produto', 'qtd', 'status')", '42804');
bad('attach: unknown date', "$att('producao', 'alvo', 'cod_produto', 'qtd', 'nao_existe')", '42703');
bad('attach: default columns missing', "$att('movimentacao', 'alvo')", '42703');

# ---------------------------------------------------------------- estoque_cache_attach: filter

my $f = "$att('movimentacao', 'alvo', 'cod_produto', 'qtd', filtro => ";
# every filter error's hint shows a valid filter or says what one may hold
my $valid = qr/(e\.g\. '|row's columns|row's own columns)/;
bad('filter: closes the expression and calls pg_sleep',
	$f . q{'true) OR (SELECT pg_sleep(1)) IS NULL OR (true')}, '42601', $valid);
bad('filter: statement separator and DROP', $f . q{'ativo; DROP TABLE alvo; --')}, '42601', $valid);
bad('filter: closing parenthesis and UNION', $f . q{'ativo) UNION SELECT 1 --')}, '42601', $valid);
bad('filter: UNION', $f . q{'ativo UNION SELECT true')}, '42601', $valid);
bad('filter: FROM clause', $f . q{'ativo FROM pg_class')}, '42601', $valid);
bad('filter: ORDER BY', $f . q{'ativo ORDER BY 1')}, '42601', $valid);
bad('filter: INTO', $f . q{'ativo INTO x')}, '42601', $valid);
bad('filter: two expressions', $f . q{'ativo, ativo')}, '42601', $valid);
bad('filter: an alias', $f . q{'ativo AS x')}, '42601', $valid);
bad('filter: a subquery', $f . q{'(SELECT true)')}, '0A000', $valid);
bad('filter: EXISTS over a table', $f . q{'EXISTS (SELECT 1 FROM movimentacao_estoque)')}, '0A000', $valid);
bad('filter: an aggregate', $f . q{'count(*) > 0')}, '42803', $valid);
bad('filter: a set-returning function', $f . q{'generate_series(1, 2) > 0')}, '0A000', $valid);
bad('filter: a volatile function', $f . q{'pg_terminate_backend(pg_backend_pid())')}, '22023', $valid);
bad('filter: pg_sleep', $f . q{'pg_sleep(1) IS NULL')}, '22023', $valid);
bad('filter: now()', $f . q{'dia < now()')}, '22023', $valid);
bad('filter: a system column', $f . q{'xmin::text <> ''0''')}, '42P10', $valid);
bad('filter: another table', $f . q{'movimentacao_estoque.ativo')}, '42P01', $valid);
bad('filter: a parameter', $f . q{'ativo = $1')}, '42P02', $valid);
bad('filter: not boolean', $f . q{'qtd')}, '42804', $valid);
bad('filter: NULL literal', $f . q{'NULL')}, '42804', $valid);
bad('filter: empty', $f . q{'')}, '42601', $valid);
bad('filter: blanks', $f . q{E' \t\n ')}, '42601', $valid);
bad('filter: only a comment', $f . q{'/* nothing */')}, '42601', $valid);
bad('filter: unterminated comment', $f . q{'ativo /* ; DROP TABLE alvo')}, '42601', $valid);
bad('filter: unterminated dollar quote', $f . q{'ativo AND $q$ ) OR true')}, '42601', $valid);
bad('filter: unterminated string', $f . q{'status = ''x')}, '42601', $valid);
bad('filter: invalid unicode escape', $f . q{'status = U&''\0000''')}, '42601', $valid);
bad('filter: unknown column', $f . q{'nao_existe')}, '42703', $valid);
bad('filter: unicode column', $f . q{'"☃" IS NULL')}, '42703', $valid);
bad('filter: 1 MB of nested parentheses',
	$f . q{repeat('(', 524288) || 'ativo' || repeat(')', 524288))}, '42601', $valid);
bad('filter: 1 MB identifier', $f . $mb . ')', '42703', $valid);

# ---------------------------------------------------------------- other attach functions

my $au = 'SELECT estoque_cache_attach_unificacao';
bad('attach_unificacao: NULL tabela', "$au(NULL)", '22004');
bad('attach_unificacao: same table twice', "$au('unificacao_codigos')", '42710');
bad('attach_unificacao: unknown origem', "$au('alvo', 'nao_existe', 'status', 'true')", '42703');
bad('attach_unificacao: unknown destino', "$au('alvo', 'cod_produto', $mb, 'true')", '42703');
bad('attach_unificacao: NULL origem', "$au('alvo', NULL, 'status', 'true')", '22004');
bad('attach_unificacao: SQL in filter', "$au('alvo', 'cod_produto', 'status', 'ativo; DROP TABLE alvo')",
	'42601', $valid);
bad('attach_unificacao: filter escaping the expression',
	"$au('alvo', 'cod_produto', 'status', 'true) OR (SELECT pg_sleep(1)) IS NULL OR (true')", '42601', $valid);
bad('attach_unificacao: non-boolean filter', "$au('alvo', 'cod_produto', 'status', 'qtd')", '42804', $valid);

my $ap = 'SELECT estoque_cache_attach_produtos';
bad('attach_produtos: NULL tabela', "$ap(NULL)", '22004');
bad('attach_produtos: same table twice', "$ap('cadastro_produto')", '42710');
bad('attach_produtos: unknown codigo', "$ap('alvo', 'nao_existe', 'status')", '42703');
bad('attach_produtos: unknown nome', "$ap('alvo', 'cod_produto', 'nao existe')", '42703');
bad('attach_produtos: NULL nome', "$ap('alvo', 'cod_produto', NULL)", '22004');

# ---------------------------------------------------------------- detach, fold, configurar, rebuild

bad('detach: NULL', 'SELECT estoque_cache_detach(NULL)', '22004');
bad('detach: a table that is not attached', q{SELECT estoque_cache_detach('alvo')}, '42704');
bad('detach: unknown table', q{SELECT estoque_cache_detach('nao_existe')}, '42P01');
bad('detach: empty name', q{SELECT estoque_cache_detach('')}, '42602');
bad('detach: an internal table', q{SELECT estoque_cache_detach('estoque_cache.saldo')}, '42704');

bad('fold: zero', 'SELECT estoque_cache_fold(0)', '22023');
bad('fold: negative', 'SELECT estoque_cache_fold(-2147483648)', '22023');
bad('fold: text', q{SELECT estoque_cache_fold('x')}, '22P02');

my $cf = 'SELECT estoque_cache_configurar';
bad('configurar: horizonte 0', "$cf(0)", '22023');
bad('configurar: horizonte 367', "$cf(367)", '22023');
bad('configurar: horizonte negative', "$cf(-2147483648)", '22023');
bad('configurar: janela = horizonte', "$cf(10, 10)", '22023');
bad('configurar: janela negative', "$cf(NULL, -1)", '22023');
bad('configurar: janela beyond the current horizonte', "$cf(NULL, 29)", '22023');
bad('configurar: estoque_minimo NaN', qq{$cf(NULL, NULL, 'NaN')}, '22023');
bad('configurar: estoque_minimo not a number', qq{$cf(NULL, NULL, 'dez')}, '22P02');
bad('configurar: empty time zone', qq{$cf(NULL, NULL, NULL, '')}, '22023');
bad('configurar: unknown time zone', qq{$cf(NULL, NULL, NULL, 'Nowhere/City')}, '22023');
bad('configurar: SQL in time zone', qq{$cf(NULL, NULL, NULL, 'UTC''; DROP TABLE alvo; --')}, '22023');
bad('configurar: 1 MB time zone', "$cf(NULL, NULL, NULL, $mb)", '22023');
bad('configurar: unicode time zone', qq{$cf(NULL, NULL, NULL, 'América/São_Paulo☃')}, '22023');

bad('rebuild: an argument', 'SELECT estoque_cache_rebuild(1)', '42883');
bad('status: an argument', 'SELECT estoque_cache_status(NULL)', '42883');

# ---------------------------------------------------------------- read functions

my $pj = 'SELECT count(*) FROM estoque_cache_projecao';
bad('projecao: dias 0', "$pj('4310001', 0)", '22023');
bad('projecao: dias negative', "$pj('4310001', -1)", '22023');
bad('projecao: dias huge', "$pj('4310001', 2147483647)", '22023');
bad('projecao: data_base infinity', qq{$pj('4310001', 29, 'infinity')}, '22023');
bad('projecao: data_base -infinity', qq{$pj('4310001', 29, '-infinity')}, '22023');
bad('projecao: data_base not a date', qq{$pj('4310001', 29, 'amanhã')}, '22007');
# Near the ends of the date range: three days from the last valid date run
# past it (an error, with a hint); three days from the first one are valid.
bad('projecao: data_base 5874897-12-30',
	q{SELECT count(*) FROM estoque_cache_projecao('4310001', 3, '5874897-12-30')}, '22008');
odd('projecao: data_base 4713-01-01 BC',
	q{SELECT string_agg(data::text, ',' ORDER BY dia) FROM estoque_cache_projecao('4310001', 3, '4713-01-01 BC')},
	'4713-01-01 BC,4713-01-02 BC,4713-01-03 BC');

# Unknown codes of any shape are groups of one with nothing (SPEC 4): the
# projection has its 29 rows, the detail is NULL, the principal is the code
# itself, verify and refresh find nothing.
odd('projecao: NULL produto', "$pj(NULL)", undef, '22004');
odd('projecao: empty produto', "$pj('')", '29');
odd('projecao: 1 MB produto', "$pj($mb)", '29');
odd('projecao: 1 MB of digits', "$pj(repeat('9', 1048576))", '29');

odd('estoque_cache_produto: NULL', 'SELECT estoque_cache_produto(NULL) IS NULL', 't');
odd('estoque_cache_principal: NULL', 'SELECT estoque_cache_principal(NULL) IS NULL', 't');
odd('estoque_cache_codigos: NULL', 'SELECT estoque_cache_codigos(NULL) IS NULL', 't');
for my $c (
	[ 'empty', q{''} ],
	[ '1 MB', $mb ],
	[ '1 MB of digits', q{repeat('9', 1048576)} ],
	[ 'unicode', q{E'\\u2603\\u00e7'} ],
	[ 'SQL', q{'''; DROP TABLE alvo; --'} ])
{
	my ($what, $code) = @$c;
	odd("estoque_cache_produto: $what", "SELECT estoque_cache_produto($code) IS NULL", 't');
	odd("estoque_cache_principal: $what", "SELECT estoque_cache_principal($code) = $code", 't');
	odd("estoque_cache_codigos: $what", "SELECT estoque_cache_codigos($code) = ARRAY[$code]", 't');
}
for my $fn (qw(estoque_cache_produto estoque_cache_principal estoque_cache_codigos))
{
	bad("$fn: wrong type", "SELECT $fn(ARRAY[1])", '42883');
}
odd('saldo_produto: 1 MB', "SELECT count(*) FROM estoque_cache_saldo_produto($mb)", '0');
odd('saldo_produto: SQL', q{SELECT count(*) FROM estoque_cache_saldo_produto('x'' OR true --')}, '0');

odd('verify: empty produto', q{SELECT count(*) FROM estoque_cache_verify('')}, '0');
odd('verify: 1 MB of digits', q{SELECT count(*) FROM estoque_cache_verify(repeat('9', 1048576))}, '0');
odd('verify: SQL', q{SELECT count(*) FROM estoque_cache_verify('x'' OR true --')}, '0');
odd('refresh: empty produto', q{SELECT estoque_cache_refresh('')}, '0');
odd('refresh: 1 MB', "SELECT estoque_cache_refresh($mb)", '0');
# (codes are ordered as integers by their digits, never through numeric,
# which a million digits would overflow)
odd('refresh: 1 MB of digits', q{SELECT estoque_cache_refresh(repeat('9', 1048576))}, '0');

# ---------------------------------------------------------------- odd filters that are valid

# Comments and dollar quoting inside a valid filter are fine: the filter is
# stored in its canonical (deparsed) form, with no trace of the comment.
my $stored = $node->safe_psql(
	$db, q{
	SELECT estoque_cache_attach('movimentacao', 'alvo', 'cod_produto', 'qtd',
		filtro => E'ativo /* ; DROP TABLE x; */ AND status <> $q$AB''C$q$ -- ; DROP TABLE x\n')->>'filtro'});
unlike($stored, qr/DROP|--|\/\*/, "a filter's comments are not stored ($stored)");
$node->safe_psql(
	$db, q{INSERT INTO alvo (cod_produto, qtd, ativo, status)
	       VALUES ('AL1', 2, true, 'ok'), ('AL1', 3, true, 'AB''C'), ('AL1', 4, false, 'ok')});
is($node->safe_psql($db, q{SELECT saldo_atual FROM estoque_cache_saldo_produto('AL1')}),
	'2', 'that filter selects the right rows');
# (and the oracle alvo's rows that count, for as long as it is attached)
$node->safe_psql($db,
	"CREATE OR REPLACE VIEW oraculo.linhas_extras (codigo, fonte, data, q) AS $extras
	 UNION ALL
	 SELECT cod_produto, 'movimentacao', NULL, qtd FROM alvo WHERE ativo AND status <> 'AB''C'");
ec_verify_empty($node, $db, 'with the commented filter');
$node->safe_psql($db, q{SELECT estoque_cache_detach('alvo')});
$node->safe_psql($db,
	"CREATE OR REPLACE VIEW oraculo.linhas_extras (codigo, fonte, data, q) AS $extras");

# ---------------------------------------------------------------- the end

is($node->safe_psql($db, 'SELECT 1'), '1', 'the server is still up');
ec_verify_empty($node, $db, 'after all the hostile calls');
ec_log_has_no_crash($node, 'hostile input', $log_offset);
$node->stop;
done_testing();
