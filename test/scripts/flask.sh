#!/usr/bin/env bash
# End-to-end test of the Flask example (examples/flask/estoque_cache_flask.py).
#
# Runs as a database superuser against a cluster with the extension installed
# (PGHOST, PGPORT and PGUSER say where). It creates its own database with the
# sample data (400 products, with unified codes), attaches it as README "Using
# it" shows, and creates two roles: one that only reads, one granted EXECUTE on
# the repair functions. Then:
#
#   test/scripts/flask/rotas.py      every route through Flask's test client:
#                                    list page (order, pages, filter, search),
#                                    JSON detail and status as the extension
#                                    gives them, unknown code 404, bad bodies
#                                    400, repair 403 for the reader and 200 for
#                                    the granted role, database down 503;
#   test/scripts/flask/navegador.py  the application served by `flask run` on
#                                    127.0.0.1, its page loaded in headless
#                                    Chromium: critical rows first, search by a
#                                    member code, the projection chart.
#
# Everything it starts is stopped, and the database and roles dropped, on exit.
# Environment: ESTOQUE_CACHE_SRC (the source tree; default: the current
# directory), PG_CONFIG, TMPDIR, PYTHON (default /usr/bin/python3, where Debian's
# python3-flask and python3-psycopg2 are), CHROMIUM (default chromium).

set -uo pipefail

DB=regress_estoque_cache_flask
LEITOR=regress_flask_leitor
ADMIN=regress_flask_admin
SRC=${ESTOQUE_CACHE_SRC:-$(pwd)}
PG_BINDIR=$("${PG_CONFIG:-pg_config}" --bindir) || exit 1
PYTHON=${PYTHON:-/usr/bin/python3}
CHROMIUM=${CHROMIUM:-chromium}

T=$(mktemp -d "${TMPDIR:-/tmp}/estoque_cache_flask.XXXXXX") || exit 1
APP_PID=

psql_admin() {
	PGOPTIONS='-c client_min_messages=warning' \
		"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
}
psql_db() {
	PGOPTIONS='-c client_min_messages=warning' \
		"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"
}

stop_app() {
	if [ -n "$APP_PID" ]; then
		kill "$APP_PID" 2>/dev/null
		wait "$APP_PID" 2>/dev/null
		APP_PID=
	fi
}

cleanup() {
	stop_app
	psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	psql_admin -c "DROP ROLE IF EXISTS $LEITOR" >/dev/null 2>&1
	psql_admin -c "DROP ROLE IF EXISTS $ADMIN" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FAILED=0
step() { echo "== $*"; }
check() { # check NAME COMMAND...: runs it, PASS/FAIL on its status
	local name=$1
	shift
	if "$@"; then
		echo "PASS $name"
	else
		echo "FAIL $name"
		FAILED=$((FAILED + 1))
	fi
}

# ---- prerequisites -------------------------------------------------------------
if ! "$PYTHON" -c 'import flask, psycopg2' 2>"$T/py.err"; then
	echo "FAIL $PYTHON cannot import flask and psycopg2 (Debian: python3-flask python3-psycopg2):"
	cat "$T/py.err"
	exit 1
fi
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
	echo "FAIL $CHROMIUM not found (Debian: chromium)"
	exit 1
fi

# ---- database ------------------------------------------------------------------
step "database $DB with the sample data"
psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" || exit 1
psql_db -v produtos=400 -v movimentos=8000 -f "$SRC/scripts/dados_exemplo.sql" >/dev/null || exit 1
psql_db >/dev/null <<EOF || exit 1
CREATE EXTENSION estoque_cache;
SELECT estoque_cache_attach('movimentacao',  'movimentacao_estoque');
SELECT estoque_cache_attach('carteira',      'carteira_principal');
SELECT estoque_cache_attach('pre_separacao', 'pre_separacao_item');
SELECT estoque_cache_attach('separacao',     'separacao');
SELECT estoque_cache_attach('producao',      'programacao_producao');
SELECT estoque_cache_attach_unificacao('unificacao_codigos');
SELECT estoque_cache_attach_produtos('cadastro_produto', 'cod_produto', 'nome_produto');
DROP ROLE IF EXISTS $LEITOR;
DROP ROLE IF EXISTS $ADMIN;
CREATE ROLE $LEITOR LOGIN;
CREATE ROLE $ADMIN LOGIN;
GRANT EXECUTE ON FUNCTION estoque_cache_rebuild(), estoque_cache_refresh(text) TO $ADMIN;
EOF
psql_db -At -c "SELECT status_ruptura, count(*) FROM estoque_cache_saldo GROUP BY 1 ORDER BY 1" |
	sed 's/^/   groups: /'

# A local port nobody listens on: bound and released.
free_port() {
	"$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

export PYTHONPATH="$SRC/examples/flask" PYTHONDONTWRITEBYTECODE=1 TMPDIR="$T"
export ESTOQUE_DSN="dbname=$DB" ESTOQUE_LEITOR=$LEITOR ESTOQUE_ADMIN=$ADMIN CHROMIUM

# ---- routes ----------------------------------------------------------------------
step "routes (Flask test client)"
ESTOQUE_PORTA_MORTA=$(free_port) || exit 1
export ESTOQUE_PORTA_MORTA
check "routes" timeout -k 5 300 "$PYTHON" "$SRC/test/scripts/flask/rotas.py"

# ---- the page in a browser ---------------------------------------------------------
step "page in headless Chromium"
started=
for _ in 1 2 3; do
	PORT=$(free_port) || exit 1
	"$PYTHON" -m flask --app "estoque_cache_flask:create_app(\"dbname=$DB\")" \
		run --host 127.0.0.1 --port "$PORT" >"$T/flask.log" 2>&1 &
	APP_PID=$!
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
			started=1
			break
		fi
		kill -0 "$APP_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$started" ] && break
	stop_app # the port was taken meanwhile, or it failed: try again
done
if [ -z "$started" ]; then
	echo "FAIL flask run did not start; its output:"
	sed 's/^/   /' "$T/flask.log"
	exit 1
fi
echo "   flask run on 127.0.0.1:$PORT (pid $APP_PID)"
check "page" timeout -k 5 400 "$PYTHON" "$SRC/test/scripts/flask/navegador.py" \
	"http://127.0.0.1:$PORT/estoque/saldo-estoque-v2"
stop_app

if [ "$FAILED" -gt 0 ]; then
	echo "---- flask run output (last lines)"
	tail -n 40 "$T/flask.log" | sed 's/^/   /'
	for f in "$T"/chromium-*.log; do
		[ -f "$f" ] || continue
		echo "---- $(basename "$f") (last lines)"
		tail -n 15 "$f" | sed 's/^/   /'
	done
	echo "$FAILED failed"
	exit 1
fi
echo "all passed"
