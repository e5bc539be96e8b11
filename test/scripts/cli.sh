#!/usr/bin/env bash
# End-to-end test of estoque-cache, the operators' command-line tool.
#
# Runs as a database superuser against a cluster where the extension and the
# tool are installed (PGHOST, PGPORT and PGUSER say where). It creates its own
# database with small application tables, attaches them, then runs every
# command and checks exit status and output shape:
#
#   usage errors exit 2, a bad connection exits 3, verificar exits 1 when the
#   cache was made to differ from the sources (a row written with the cache
#   trigger disabled) and 0 again after atualizar, produto, verificar
#   --produto and atualizar --produto exit 1 with "unknown product code" for
#   a code the cache does not know (but list and repair a code that only the
#   sources have), and the admin commands fail with SQLSTATE 42501 (exit 3)
#   for an unprivileged role.
#
# Prints PASS/FAIL per check; exits non-zero when a check failed.
#
# Environment: ESTOQUE_CACHE_CLI (the tool; default: estoque-cache in PATH or
# in pg_config's bindir, else the one built in cli/), ESTOQUE_CACHE_SRC (the
# source tree; default: the current directory), PG_CONFIG, TMPDIR.

set -uo pipefail

DB=regress_estoque_cache_cli
APP_ROLE=regress_cli_app
APP_PASSWORD=regress_cli_app_pw
SRC=${ESTOQUE_CACHE_SRC:-$(pwd)}
PG_BINDIR=$("${PG_CONFIG:-pg_config}" --bindir) || exit 1

CLI=${ESTOQUE_CACHE_CLI:-}
if [ -z "$CLI" ]; then
	for c in "$(command -v estoque-cache 2>/dev/null)" \
		"$PG_BINDIR/estoque-cache" "$SRC/cli/estoque-cache"; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			CLI=$c
			break
		fi
	done
fi
if [ -z "$CLI" ]; then
	echo "FAIL estoque-cache not found (install it, or set ESTOQUE_CACHE_CLI)"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/estoque_cache_cli.XXXXXX") || exit 1

# Superuser sessions on the postgres database and on the test database;
# warnings and errors only.
psql_admin() {
	PGOPTIONS='-c client_min_messages=warning' \
		"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
}
psql_db() {
	PGOPTIONS='-c client_min_messages=warning' \
		"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"
}

cleanup() {
	psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	psql_admin -c "DROP ROLE IF EXISTS $APP_ROLE" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# ---- checks ------------------------------------------------------------------
PASSED=0
FAILED=0
LAST_CMD=

pass() {
	PASSED=$((PASSED + 1))
	echo "PASS $1"
}

fail() { # fail NAME WHY: also shows the last command and what it printed
	FAILED=$((FAILED + 1))
	echo "FAIL $1: $2"
	echo "     command: $LAST_CMD"
	echo "     exit status: $RC"
	sed -n '1,25s/^/     stdout: /p' "$T/out"
	sed -n '1,25s/^/     stderr: /p' "$T/err"
}

# run [VAR=value...] -- ARGS...: runs the tool with ARGS (stdin /dev/null,
# environment additions before "--"); sets RC, output in $T/out and $T/err.
run() {
	local env_add=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		env_add+=("$1")
		shift
	done
	shift
	LAST_CMD="estoque-cache $*"
	env "${env_add[@]}" PGDATABASE="$DB" timeout 120 "$CLI" "$@" \
		</dev/null >"$T/out" 2>"$T/err"
	RC=$?
}

# expect NAME STATUS [out|err|!out|!err REGEX]...: status and output patterns
# (extended regular expressions; "!" means the pattern must not appear).
expect() {
	local name=$1 want=$2 where re file
	shift 2
	if [ "$RC" -ne "$want" ]; then
		fail "$name" "exit status $RC, expected $want"
		return
	fi
	while [ $# -ge 2 ]; do
		where=$1 re=$2
		shift 2
		file=$T/${where#!}
		if [ "${where:0:1}" = "!" ]; then
			if grep -Eq -- "$re" "$file"; then
				fail "$name" "${where#!} matches /$re/"
				return
			fi
		elif ! grep -Eq -- "$re" "$file"; then
			fail "$name" "$where does not match /$re/"
			return
		fi
	done
	pass "$name"
}

# expect_exact NAME STATUS STDOUT STDERR: status and the whole of both
# outputs (each compared without its final newline).
expect_exact() {
	local name=$1 want=$2 out=$3 err=$4
	if [ "$RC" -ne "$want" ]; then
		fail "$name" "exit status $RC, expected $want"
	elif [ "$(cat "$T/out")" != "$out" ]; then
		fail "$name" "stdout is not: $out"
	elif [ "$(cat "$T/err")" != "$err" ]; then
		fail "$name" "stderr is not: $err"
	else
		pass "$name"
	fi
}

# ---- database, tables, data, extension ---------------------------------------
echo "== setup: database $DB, tool $CLI"
psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || exit 1
psql_admin -c "DROP ROLE IF EXISTS $APP_ROLE" || exit 1
psql_admin -c "CREATE DATABASE $DB" || exit 1
psql_admin -c "CREATE ROLE $APP_ROLE LOGIN PASSWORD '$APP_PASSWORD'" || exit 1

# The application's tables, with the column names the extension defaults to.
# Group 1001+1002 runs out tomorrow (CRÍTICO), 3001 falls below the minimum
# of 10 (ATENÇÃO), 2001 has plenty (OK).
psql_db -o /dev/null <<'SQL' || exit 1
CREATE TABLE movimentacao_estoque (
    id serial PRIMARY KEY,
    cod_produto varchar(50),
    qtd_movimentacao numeric(15,3) NOT NULL,
    ativo boolean NOT NULL DEFAULT true);
CREATE TABLE carteira_principal (
    id serial PRIMARY KEY,
    cod_produto varchar(50),
    qtd_saldo_produto_pedido numeric(15,3),
    expedicao date,
    ativo boolean NOT NULL DEFAULT true,
    separacao_lote_id varchar(50));
CREATE TABLE pre_separacao_item (
    id serial PRIMARY KEY,
    cod_produto varchar(50),
    qtd_selecionada_usuario numeric(15,3),
    data_expedicao_editada date,
    status varchar(20));
CREATE TABLE separacao (
    id serial PRIMARY KEY,
    cod_produto varchar(50),
    qtd_saldo float8,
    expedicao date,
    sincronizado_nf boolean);
CREATE TABLE programacao_producao (
    id serial PRIMARY KEY,
    cod_produto varchar(50),
    qtd_programada numeric(15,3),
    data_programacao date);
CREATE TABLE unificacao_codigos (
    id serial PRIMARY KEY,
    codigo_origem integer,
    codigo_destino integer,
    ativo boolean NOT NULL DEFAULT true);
CREATE TABLE cadastro_produto (
    cod_produto varchar(50) PRIMARY KEY,
    nome_produto varchar(200));

-- some rows before the tables are attached (the attach builds from them)
INSERT INTO cadastro_produto VALUES
    ('1001', 'Parafuso sextavado M8'), ('1002', 'Parafuso sextavado M8 (antigo)'),
    ('2001', 'Porca M8'), ('3001', 'Arruela lisa 8 mm');
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao, ativo) VALUES
    ('1001', 100, true), ('2001', 500, true), ('1001', 999, false);
INSERT INTO unificacao_codigos (codigo_origem, codigo_destino) VALUES (1001, 1002);

CREATE EXTENSION estoque_cache;
SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque');
SELECT estoque_cache_attach('carteira', 'carteira_principal');
SELECT estoque_cache_attach('pre_separacao', 'pre_separacao_item');
SELECT estoque_cache_attach('separacao', 'separacao');
SELECT estoque_cache_attach('producao', 'programacao_producao');
SELECT estoque_cache_attach_unificacao('unificacao_codigos');
SELECT estoque_cache_attach_produtos('cadastro_produto', 'cod_produto', 'nome_produto');

-- and more afterwards, through the triggers
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES
    ('1002', 20), ('1001', -5), ('3001', 40);
INSERT INTO carteira_principal (cod_produto, qtd_saldo_produto_pedido, expedicao)
    VALUES ('2001', 30, current_date + 10);
INSERT INTO pre_separacao_item (cod_produto, qtd_selecionada_usuario,
                                data_expedicao_editada, status)
    VALUES ('3001', 35, current_date + 1, 'CRIADO');
INSERT INTO separacao (cod_produto, qtd_saldo, expedicao, sincronizado_nf)
    VALUES ('1001', 200, current_date + 1, false);
INSERT INTO programacao_producao (cod_produto, qtd_programada, data_programacao)
    VALUES ('1001', 50, current_date + 20);
SQL

# ---- usage -------------------------------------------------------------------
echo "== usage"
run -- --help
expect "--help" 0 out '^Usage:' out 'inicializar' out 'verificar' out '^Exit status:'
run -- -'?'
expect "-? prints the help" 0 out '^Usage:'
run -- --version
expect "--version" 0 out '^estoque-cache .*[0-9]+\.[0-9]+'
run -- status --help
expect "--help after a command" 0 out '^Usage:'
run --
expect "no command: exit 2" 2 err 'no command' err '--help'
run -- desconhecido
expect "unknown command: exit 2" 2 err 'unknown command'
run -- --no-such-option status
expect "unknown option: exit 2" 2
run -- produto
expect "produto without a code: exit 2" 2 err 'product code'
run -- produto 1001 1002
expect "produto with two codes: exit 2" 2 err 'too many arguments'
run -- status --produto 1001
expect "option of another command: exit 2" 2 err 'not valid'
run -- verificar --produto=
expect "empty --produto: exit 2" 2
run -- inicializar
expect "inicializar off a terminal without --yes: exit 2" 2 err '--yes'

# ---- connection --------------------------------------------------------------
echo "== connection"
run -- -d 'host=127.0.0.1 port=1' status
expect "unreachable server: exit 3" 3 err 'could not connect' !out '.'
run -- -p 1 -d "dbname=$DB port=$PGPORT" status
expect "a connection string in -d wins over -p" 0 out '.'
run -- -d "postgresql://$PGUSER@$PGHOST:$PGPORT/$DB" status --json
expect "URI in -d" 0 out '^\{'
run -- -d postgres status
expect "database without the extension: exit 3" 3 err 'not installed'

# ---- status ------------------------------------------------------------------
echo "== status"
run -- status
expect "status" 0 out '^[a-z_]+:' !out $'\033' !err '.'
run -- status --json
if [ "$RC" -ne 0 ]; then
	fail "status --json" "exit status $RC"
elif [ "$(wc -l <"$T/out")" -ne 1 ]; then
	fail "status --json" "not a single line"
elif [ "$(psql_db -At -v doc="$(cat "$T/out")" \
	<<<"SELECT jsonb_typeof(:'doc'::jsonb);" 2>&1)" != object ]; then
	fail "status --json" "not a JSON object"
else
	pass "status --json is one JSON object"
fi

# ---- inicializar -------------------------------------------------------------
echo "== inicializar"
run -- inicializar --yes
expect "inicializar --yes" 0 out 'grupos' out 'codigos' out 'duracao_ms' \
	!out $'\033' !err $'\r' !err 'progresso'
run -- --sim inicializar -v
expect "inicializar --sim --verbose" 0 out 'grupos' !err $'\r'
# A rebuild always reports its progress (README: NOTICE progresso K/N), so
# --verbose must print those lines.
PROGRESS_LINES=$(grep -c 'progresso [0-9]*/[0-9]*' "$T/err")
if [ "$PROGRESS_LINES" -eq 0 ]; then
	fail "--verbose progress lines" "none printed (the rebuild reports its progress)"
elif grep -v '^progresso [0-9][0-9]*/[0-9][0-9]*: ' "$T/err" | grep -q 'progresso'; then
	fail "--verbose progress lines" "malformed progress lines"
else
	pass "--verbose prints $PROGRESS_LINES plain progress lines"
fi

# On a terminal (a pseudo-terminal made by script(1)): confirmation, progress
# bar, colours.
if command -v script >/dev/null 2>&1; then
	on_tty() { # on_tty INPUT ARGS...: output of the tool run on a terminal
		local input=$1 cmd q
		shift
		printf -v q '%q ' "$CLI" "$@"
		# script(1) runs the command with $SHELL, which may fork instead of
		# exec; timeout must then stay in the terminal's foreground process
		# group (--foreground), or the tool's read of the terminal stops it.
		cmd="PGDATABASE=$DB TERM=xterm timeout --foreground 120 $q"
		printf '%s' "$input" | SHELL=/bin/sh timeout 150 script -qec "$cmd" /dev/null \
			>"$T/out" 2>"$T/err"
		RC=$?
		LAST_CMD="(on a terminal) estoque-cache $*"
	}
	on_tty $'n\n' inicializar
	expect "terminal: inicializar asks, 'n' does nothing" 0 \
		out 'Rebuild the whole cache\? \[s/N\]' out 'Nothing done' !out 'grupos'
	on_tty $'s\n' inicializar
	expect "terminal: inicializar asks, 's' rebuilds" 0 \
		out '\[s/N\]' out 'grupos'
	on_tty '' inicializar --yes
	expect "terminal: progress bar" 0 out $'\r\\[[#.]+\\] +[0-9]+% [0-9]+/[0-9]+' \
		out 'grupos'
	on_tty '' produto 1001
	expect "terminal: colours" 0 out $'\033\\[[0-9;]*m'
	on_tty '' --no-color produto 1001
	expect "terminal: --no-color" 0 out 'status_ruptura' !out $'\033\\['
else
	# script(1) is part of util-linux (Debian: bsdutils, essential): without
	# it the terminal behaviour goes untested, which is a failure, not a pass
	fail "terminal checks" "script(1) not found (package bsdutils)"
fi

# ---- atualizar, verificar, produto -------------------------------------------
echo "== atualizar, verificar, produto"
run -- atualizar
expect "atualizar" 0 out '^[0-9]+ rows? fixed'
run -- atualizar --produto 1001
expect "atualizar --produto" 0 out '^[0-9]+ rows? fixed'
run -- verificar
expect "verificar: cache exact, exit 0" 0 out 'exact' !err '.'

run -- produto 1001
expect "produto 1001" 0 out '^cod_produto +1001$' out '^codigos +.*1001.*1002' \
	out '^nome_produto +Parafuso' out '^saldo_atual +115(\.0*)?$' \
	out '^status_ruptura +CRÍTICO$' out '^ *dia +data +estoque_inicial' !out $'\033'
ROWS=$(grep -Ec '^ *[0-9]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} ' "$T/out")
if [ "$ROWS" -eq 29 ]; then
	pass "produto prints 29 projection rows"
else
	fail "produto prints 29 projection rows" "$ROWS rows"
fi
run -- produto 1002
expect "produto: a member code shows its group" 0 out '^cod_produto +1001$'
run -- produto 2001
expect "produto 2001 is OK" 0 out '^status_ruptura +OK$'
run -- produto 3001
expect "produto 3001 is ATENÇÃO" 0 out '^status_ruptura +ATENÇÃO$'

# A code the cache does not know: every command that takes a code says so
# the same way, and none of them reports success for it.
UNKNOWN_99999='estoque-cache: error: unknown product code "99999"'
run -- produto 99999
expect_exact "produto of an unknown code: exit 1" 1 '' "$UNKNOWN_99999"
run -- verificar --produto 99999
expect_exact "verificar --produto of an unknown code: exit 1, never exact" 1 \
	'' "$UNKNOWN_99999"
run -- atualizar --produto 99999
expect_exact "atualizar --produto of an unknown code: exit 1, not 0 rows fixed" 1 \
	'' "$UNKNOWN_99999"
run -- verificar --produto=1002
expect_exact "verificar --produto of a known member code: exit 0" 0 \
	'Cache exact: no differences from the sources.' ''
run -- produto "1001'; DROP TABLE movimentacao_estoque; --"
expect "a code with SQL in it is only a code" 1 err 'unknown product'
if psql_db -c 'SELECT 1 FROM movimentacao_estoque LIMIT 1' >/dev/null 2>&1; then
	pass "the sources are intact"
else
	fail "the sources are intact" "movimentacao_estoque is gone"
fi

# Make the cache differ from the sources: a movement written while the cache
# trigger is disabled.  The triggers stay disabled while the tool looks
# (enabling them again would make the attachment correct itself).
psql_db <<'SQL' || exit 1
ALTER TABLE movimentacao_estoque DISABLE TRIGGER USER;
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('1002', 7);
SQL
run -- verificar
expect "verificar finds the difference: exit 1" 1 \
	out '^ *cod_produto +campo +no_cache +nas_fontes' out '^ *1001 ' out 'difference'
run -- verificar --produto 1002
expect "verificar --produto (member code): exit 1" 1 out '^ *1001 '
run -- verificar --produto 2001
expect "verificar --produto of an exact group: exit 0" 0 out 'exact'
run -- atualizar --produto 1002
expect "atualizar repairs it" 0 out '^[1-9][0-9]* rows? fixed'
run -- verificar
expect "verificar after atualizar: exit 0" 0 out 'exact'

# A code that only the sources have (its only movement was written while the
# cache trigger was off) is unknown to the cache, yet verificar lists its
# difference and atualizar repairs it rather than calling it unknown.
psql_db <<'SQL' || exit 1
INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao) VALUES ('5001', 3);
SQL
run -- verificar --produto 5001
expect "verificar --produto of a code only the sources have: exit 1, listed" 1 \
	out '^ *5001 +saldo_atual +0 +3(\.0*)?$' out '^1 difference found' !err '.'
run -- atualizar --produto 5001
expect_exact "atualizar --produto of a code only the sources have repairs it" 0 \
	'1 row fixed in the group of product 5001.' ''
run -- verificar --produto 5001
expect_exact "verificar --produto after the repair: exit 0" 0 \
	'Cache exact: no differences from the sources.' ''
run -- atualizar --produto 5001
expect_exact "atualizar --produto of a known exact group: 0 rows, exit 0" 0 \
	'0 rows fixed in the group of product 5001.' ''
run -- produto 1001
expect "produto shows the repaired figure" 0 out '^saldo_atual +122(\.0*)?$'
psql_db <<'SQL' || exit 1
ALTER TABLE movimentacao_estoque ENABLE TRIGGER USER;
SQL
run -- verificar
expect "verificar after the triggers are enabled again: exit 0" 0 out 'exact'

# ---- privileges --------------------------------------------------------------
echo "== an unprivileged role"
APP_ENV=(PGUSER="$APP_ROLE" PGPASSWORD="$APP_PASSWORD")
run "${APP_ENV[@]}" -- -w inicializar --yes
expect "inicializar refused: exit 3, SQLSTATE 42501" 3 err '42501'
run "${APP_ENV[@]}" -- -w atualizar
expect "atualizar refused: exit 3, SQLSTATE 42501" 3 err '42501'
run "${APP_ENV[@]}" -- -w verificar
expect "verificar refused: exit 3, SQLSTATE 42501" 3 err '42501'
run "${APP_ENV[@]}" -- -w status
expect "status is open to any role" 0 out '.'
run "${APP_ENV[@]}" -- -w produto 1001
expect "produto is open to any role" 0 out '^cod_produto +1001$'

run -- verificar
expect "cache still exact at the end" 0 out 'exact'

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
