# ALTER EXTENSION estoque_cache UPDATE from every released version.
#
# Each released version (CHANGELOG.md: a version with a date and its release
# commit) is built from its release commit, SQL and C library both, and run
# by a server installed beside the system's: a copy of PostgreSQL's binaries
# in a private tree whose library and extension directories link to the
# system's files, except the extension's own, which come from the release
# build.  PostgreSQL finds its library and share directories relative to its
# binaries, so that server loads the released library exactly as a server
# with that package installed would.  Why a build from the release commit and
# not a copy of the released sources kept in the tree: a git commit cannot be
# edited in place, and it is the release itself, not a second copy of it.
#
# For each released version the test
# - checks that the install and upgrade scripts of released versions in the
#   tree are byte for byte those of their release commits;
# - installs that version, attaches the sample application's tables, writes;
# - installs the current build (the links now point at the system's files)
#   and restarts: the database is still at the old version with the new
#   library loaded, and writes and reads must stay exact;
# - runs ALTER EXTENSION estoque_cache UPDATE and requires the figures to be
#   exact (verify empty, a rebuild finds nothing to correct, the view equal
#   before and after it), writes after the update to stay exact, and the
#   extension's objects to be exactly those of a fresh CREATE EXTENSION of
#   the current version in another database.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/lib";

use EstoqueCacheTest;
use File::Basename qw(basename);
use File::Compare qw(compare);
use File::Path qw(make_path);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $src = ec_src();
my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
my %pg = map { $_ => run_or_die([ $pg_config, "--$_" ]) } qw(bindir pkglibdir sharedir);

# Runs a command, dies with its output when it fails; returns stdout, chomped.
sub run_or_die
{
	my ($cmd, %opt) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run($cmd, '>', \$out, '2>', \$err)
	  or die "command failed: @$cmd\n$out\n$err";
	chomp $out;
	return $out;
}

# Released versions: [version, date, commit], oldest first.
sub released_versions
{
	my @versions;
	my $current;
	open my $fh, '<', "$src/CHANGELOG.md" or die "CHANGELOG.md: $!";
	while (my $line = <$fh>)
	{
		if ($line =~ /^## (\d+\.\d+) \((\d{4}-\d\d-\d\d)\)/)
		{
			$current = [ $1, $2, undef ];
			push @versions, $current;
		}
		elsif ($line =~ /^## /)
		{
			$current = undef;
		}
		elsif ($current && !defined $current->[2] && $line =~ /Release commit `([0-9a-f]{7,40})`/)
		{
			$current->[2] = $1;
		}
	}
	close $fh;
	return reverse @versions;
}

my $default_version = do
{
	open my $fh, '<', "$src/estoque_cache.control" or die $!;
	my ($v) = map { /^default_version = '([^']+)'/ ? $1 : () } <$fh>;
	$v;
};

my @released = released_versions();
ok(@released >= 1, 'CHANGELOG.md names at least one released version');
for my $r (@released)
{
	ok(defined $r->[2], "released version $r->[0] records its release commit");
	isnt($r->[0], $default_version,
		"released version $r->[0] is not the version in development");
}

my $releases = $ENV{ESTOQUE_CACHE_RELEASES};
BAIL_OUT('ESTOQUE_CACHE_RELEASES is not set: run this test with test/run')
  unless defined $releases && -d $releases;

my $objetos_sql = slurp_file("$FindBin::RealBin/lib/objetos_extensao.sql");

# The extension's files of the system installation (the current build).
sub current_files
{
	my %files;
	$files{lib}{'estoque_cache.so'} = "$pg{pkglibdir}/estoque_cache.so";
	for my $f (glob("$pg{sharedir}/extension/estoque_cache*"))
	{
		$files{share}{ basename($f) } = $f;
	}
	return \%files;
}

# Points the private tree's extension files at $files (a current_files-like
# hash): the libraries' and scripts' links are replaced, nothing else moves.
sub install_extension_files
{
	my ($tree, $files) = @_;
	my $lib = $tree->{lib};
	my $ext = "$tree->{share}/extension";
	unlink glob("$ext/estoque_cache*"), "$lib/estoque_cache.so";
	symlink($files->{lib}{$_}, "$lib/$_") or die "symlink $_: $!" for keys %{ $files->{lib} };
	symlink($files->{share}{$_}, "$ext/$_") or die "symlink $_: $!"
	  for keys %{ $files->{share} };
	return;
}

# A private PostgreSQL installation: copies of the binaries, links to the
# system's library and share files.  Returns the install path for
# PostgreSQL::Test::Cluster and the directories it made.
sub private_installation
{
	my ($root) = @_;
	# PostgreSQL locates pkglibdir and sharedir relative to bindir by the
	# compiled-in paths' common prefix: rebuild the same layout under $root.
	my ($bin, $lib, $share) = map { "$root$_" } @pg{qw(bindir pkglibdir sharedir)};
	make_path($bin, $lib, "$share/extension");
	for my $f (glob("$pg{bindir}/*"))
	{
		run_or_die([ 'cp', '-p', $f, "$bin/" ]);
	}
	for my $f (glob("$pg{pkglibdir}/*"))
	{
		next if basename($f) =~ /^estoque_cache/;
		symlink($f, "$lib/" . basename($f)) or die "symlink $f: $!";
	}
	for my $f (glob("$pg{sharedir}/*"))
	{
		next if basename($f) eq 'extension';
		symlink($f, "$share/" . basename($f)) or die "symlink $f: $!";
	}
	for my $f (glob("$pg{sharedir}/extension/*"))
	{
		next if basename($f) =~ /^estoque_cache/;
		symlink($f, "$share/extension/" . basename($f)) or die "symlink $f: $!";
	}
	(my $install_path = $bin) =~ s{/bin$}{};
	return ($install_path, { lib => $lib, share => $share });
}

for my $r (@released)
{
	my ($version, $date, $commit) = @$r;
	my $name = "from $version";

	if (-f "$releases/$version.missing")
	{
		fail("$name: the sources of release commit $commit are at hand");
		diag(slurp_file("$releases/$version.missing"));
		next;
	}
	my $base = PostgreSQL::Test::Utils::tempdir("release_$version");
	run_or_die([ 'tar', '-xf', "$releases/$version.tar", '-C', $base ]);

	# ------------------------------------------------ released scripts unchanged
	my @scripts = map { basename($_) } glob("$base/sql/estoque_cache--*.sql");
	ok(@scripts >= 1, "$name: the release commit has install scripts");
	for my $s (@scripts)
	{
		ok(-f "$src/sql/$s" && compare("$base/sql/$s", "$src/sql/$s") == 0,
			"$name: sql/$s is byte for byte the released one");
	}

	# ------------------------------------------------ build and install the release
	run_or_die([ 'make', '-s', '-C', $base, "PG_CONFIG=$pg_config" ]);
	my $dest = "$base/destdir";
	run_or_die([ 'make', '-s', '-C', $base, "PG_CONFIG=$pg_config", "DESTDIR=$dest", 'install' ]);
	my %release_files = (
		lib => { 'estoque_cache.so' => "$dest$pg{pkglibdir}/estoque_cache.so" },
		share => {
			map { basename($_) => $_ } glob("$dest$pg{sharedir}/extension/estoque_cache*")
		});
	ok(-f $release_files{lib}{'estoque_cache.so'}, "$name: the released library was built");

	my ($install_path, $tree) = private_installation("$base/pg");
	install_extension_files($tree, \%release_files);

	my $node = PostgreSQL::Test::Cluster->new("v$version", install_path => $install_path);
	$node->init;
	$node->append_conf(
		'postgresql.conf', qq{
shared_preload_libraries = 'estoque_cache'
estoque_cache.fold_database = 'app'
estoque_cache.fold_interval = 200
jit = off
log_min_messages = warning
timezone = 'UTC'
});
	$node->start;
	my $log_offset = ec_log_offset($node);

	$node->safe_psql('postgres', 'CREATE DATABASE app');
	ec_load_sample($node, 'app', produtos => 60, movimentos => 3000);
	$node->safe_psql('app', "CREATE EXTENSION estoque_cache VERSION '$version'");
	ec_attach_all($node, 'app');
	is($node->safe_psql('app', q{SELECT extversion FROM pg_extension WHERE extname = 'estoque_cache'}),
		$version, "$name: the database runs version $version");
	my $escritas = q{
		INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, tipo_movimentacao, ativo)
		SELECT (4310001 + g % 7)::text, g * 0.5, 'UPGRADE', g % 5 <> 0 FROM generate_series(1, 40) g;
		UPDATE carteira_principal SET separacao_lote_id = NULL WHERE id % 9 = 0;
		DELETE FROM separacao WHERE id % 13 = 0;
		UPDATE programacao_producao SET data_programacao = data_programacao + 1 WHERE id % 4 = 0;
		INSERT INTO unificacao_codigos (codigo_origem, codigo_destino, ativo, motivo)
		VALUES (4310011, 4310012, true, 'UPGRADE');
		UPDATE cadastro_produto SET nome_produto = nome_produto || ' *' WHERE cod_produto = '4310011';
	};
	$node->safe_psql('app', $escritas);
	ec_verify_empty($node, 'app', "$name: before the new library");

	# ------------------------------------------------ new library, old objects
	$node->stop;
	install_extension_files($tree, current_files());
	$node->start;
	is($node->safe_psql('app', q{SELECT extversion FROM pg_extension WHERE extname = 'estoque_cache'}),
		$version, "$name: still at $version with the new library loaded");
	my ($state, $stderr) = ec_sql_error($node, 'app', $escritas);
	is($state, '', "$name: writes to attached tables work with the new library before the update")
	  or diag($stderr);
	ec_verify_empty($node, 'app', "$name: new library, database at $version, after writes");
	my $leitura = $node->safe_psql('app',
		q{SELECT count(*) > 0, bool_and(estoque_cache_produto(cod_produto) IS NOT NULL),
		         bool_and((SELECT p FROM estoque_cache_saldo_produto(v.cod_produto) p) = v)
		    FROM estoque_cache_saldo v});
	is($leitura, 't|t|t',
		"$name: the view, the detail and one group's row read with the new library before the update"
	);

	# ------------------------------------------------ the update
	$node->safe_psql('app', 'ALTER EXTENSION estoque_cache UPDATE');
	is($node->safe_psql('app', q{SELECT extversion FROM pg_extension WHERE extname = 'estoque_cache'}),
		$default_version, "$name: updated to $default_version");
	ec_verify_empty($node, 'app', "$name: right after the update");

	my $view_sql = 'SELECT * FROM estoque_cache_saldo ORDER BY cod_produto';
	my $antes = $node->safe_psql('app', $view_sql);
	my $rebuild = $node->safe_psql('app',
		q{SET client_min_messages = warning; SELECT estoque_cache_rebuild()->>'linhas_corrigidas'});
	is($rebuild, '0', "$name: a rebuild after the update finds nothing to correct");
	is($node->safe_psql('app', $view_sql), $antes, "$name: the view is what a rebuild gives");

	$node->safe_psql('app', $escritas);
	$node->safe_psql('app', q{
		UPDATE unificacao_codigos SET ativo = false WHERE motivo = 'UPGRADE';
		TRUNCATE programacao_producao;
	});
	ec_verify_empty($node, 'app', "$name: writes after the update");

	# ------------------------------------------------ same objects as a fresh install
	$node->safe_psql('postgres', 'CREATE DATABASE fresh');
	$node->safe_psql('fresh', 'CREATE EXTENSION estoque_cache');
	my $atualizado = $node->safe_psql('app', $objetos_sql);
	my $novo = $node->safe_psql('fresh', $objetos_sql);
	cmp_ok(scalar(split /\n/, $novo), '>', 100, "$name: the object listing is not empty");
	my $iguais = is($atualizado, $novo,
		"$name: the updated extension has exactly the objects of a fresh install");
	unless ($iguais)
	{
		my %a = map { $_ => 1 } split /\n/, $atualizado;
		my %n = map { $_ => 1 } split /\n/, $novo;
		diag("only in the updated database:\n" . join("\n", grep { !$n{$_} } sort keys %a));
		diag("only in a fresh install:\n" . join("\n", grep { !$a{$_} } sort keys %n));
	}

	ec_log_has_no_crash($node, $name, $log_offset);
	$node->stop;
}

done_testing();
