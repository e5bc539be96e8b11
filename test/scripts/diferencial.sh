#!/usr/bin/env bash
# Randomized differential test of estoque_cache under concurrency.
#
# In a database of its own: the application's tables filled with sample data
# (scripts/dados_exemplo.sql, 60 products), the extension attached to the five
# sources, the links and the catalogue, and a movement ledger partitioned by
# month beside them (diferencial/particionada.sql writes through it and into
# its partitions, moving rows between them), and a logical replication
# subscriber of the seven tables in another database, with its own cache,
# compared with its own oracle at the end; then pgbench runs six clients of
# random transactions over every source (inserts single and multi-row,
# updates of quantity, code, date and filter columns, deletes, link and
# catalogue changes, transactions mixing links, names and movements in
# opposite orders, savepoints rolled back, whole transactions rolled back)
# as an application role without any privilege on the cache, while an
# administrator folds now and then and rebuilds once in the middle, and
# another compares the cache with the sources and refreshes single products
# over and over.
#
# The comparison is independent of the extension: the oracle of
# test/lib/oraculo.sql recomputes the whole view in plain SQL written from
# the specification (groups by its own recursive query over the active
# links, the principal rule, the five figures with their filters,
# saldo_disponivel, the projection, the rupture date and status, with D0
# computed from the configured time zone) and dif_diferencas
# (diferencial/preparar.sql) lists every row of the view that differs from
# it.  Passing means, during the run and after it (and again after a fold
# and after a rebuild):
#   - dif_diferencas is empty and estoque_cache_verify() returns no rows;
#   - refresh and rebuild find nothing to correct;
#   - pgbench ran without errors, aborted clients or failed transactions
#     (the scripts cannot deadlock by themselves, so a deadlock would come
#     from the cache).
#
# Runs as the cluster superuser with PGHOST/PGPORT/PGUSER set (test/run does
# this); DIFERENCIAL_SEGUNDOS sets pgbench's duration (default 40);
# DIFERENCIAL_MANTER=1 keeps the database and the role for inspection.
#
# Randomness: pgbench draws every transaction's choices from its
# --random-seed, and the checker its choice of product to refresh from
# bash's RANDOM seeded with the same number.  The seed is printed first; to replay a run,
# give it back in DIFERENCIAL_SEMENTE (an integer):
#   DIFERENCIAL_SEMENTE=1234 test/run scripts diferencial
# The same seed gives every client the same sequence of transactions; how
# they interleave still depends on timing.
#
# Logs (pgbench's, the folding and checking sessions', what they saw) are
# written to a directory under $TMPDIR.  It is removed when the run passes
# and kept when it fails, or always with KEEP_TMP=1; its path is printed.
# (test/run removes its own temporary directory, where TMPDIR points, unless
# KEEP_TMP=1 is set for it too.)
set -euo pipefail

AQUI=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAIZ=${ESTOQUE_CACHE_SRC:-$(cd "$AQUI/../.." && pwd)}
SCRIPTS=$AQUI/diferencial
DURACAO=${DIFERENCIAL_SEGUNDOS:-40}
CLIENTES=6
DB=regress_diferencial_$$
ASSINANTE=regress_dif_assinante_$$
SLOT=regress_dif_slot_$$
APP=regress_dif_app
TMP=$(mktemp -d "${TMPDIR:-/tmp}/diferencial.XXXXXX")
BG_PIDS=()
SEMENTE=${DIFERENCIAL_SEMENTE:-$(( (RANDOM << 15 | RANDOM) ))}
if ! [[ $SEMENTE =~ ^[0-9]+$ ]]; then
	echo "DIFERENCIAL_SEMENTE must be a non-negative integer, not '$SEMENTE'" >&2
	exit 2
fi
echo "random seed: $SEMENTE (replay with DIFERENCIAL_SEMENTE=$SEMENTE)"
# rebuild's progress NOTICEs are not wanted here
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
valor() { psql_db -At -c "$1"; }

limpar() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ -n "${DIFERENCIAL_MANTER:-}" ]; then
		echo "kept database $DB and role $APP (DIFERENCIAL_MANTER)"
	else
		psql -X -q -d "$ASSINANTE" -c "ALTER SUBSCRIPTION dif_sub DISABLE" \
			-c "ALTER SUBSCRIPTION dif_sub SET (slot_name = NONE)" \
			-c "DROP SUBSCRIPTION dif_sub" >/dev/null 2>&1 || true
		psql -X -q -d postgres -c "SELECT pg_drop_replication_slot('$SLOT')
		  FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null 2>&1 || true
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $ASSINANTE WITH (FORCE)" || true
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
		psql -X -q -d postgres -c "DROP ROLE IF EXISTS $APP" || true
	fi
	if [ "${FALHAS:-0}" -gt 0 ] || [ "$SAIDA" -ne 0 ] ||
		{ [ -n "${KEEP_TMP:-}" ] && [ "$KEEP_TMP" != 0 ]; }; then
		echo "logs of this run (seed $SEMENTE) kept in $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap 'SAIDA=$?; limpar' EXIT

FALHAS=0
falha() {
	echo "FAIL: $*"
	FALHAS=$((FALHAS + 1))
}

# Compares the view with the independent computation and runs verify; prints
# the differences (at most 20 of each) and counts a failure when there are any.
comparar() { # comparar LABEL
	local dif ver
	dif=$(valor "SELECT count(*) FROM dif_diferencas")
	ver=$(valor "SELECT count(*) FROM estoque_cache_verify()")
	echo "$1: view rows differing from the independent computation: $dif;" \
		"estoque_cache_verify() rows: $ver"
	if [ "$dif" != 0 ]; then
		falha "$1: $dif rows of estoque_cache_saldo differ from the sources"
		psql_db -c "SELECT * FROM dif_diferencas ORDER BY 1 LIMIT 20"
	fi
	if [ "$ver" != 0 ]; then
		falha "$1: estoque_cache_verify() returned $ver rows"
		psql_db -c "SELECT * FROM estoque_cache_verify() LIMIT 20"
	fi
}

# ---- database, sample data, extension ------------------------------------------
psql -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL
DROP ROLE IF EXISTS $APP;
CREATE ROLE $APP LOGIN;
CREATE DATABASE $DB;
SQL

echo "== sample data: 60 products, 3000 movements"
psql_db -v produtos=60 -v movimentos=3000 -f "$RAIZ/scripts/dados_exemplo.sql" >/dev/null

psql_db >/dev/null <<'SQL'
CREATE EXTENSION estoque_cache;
SELECT estoque_cache_attach('movimentacao', 'movimentacao_estoque');
SELECT estoque_cache_attach('carteira', 'carteira_principal');
SELECT estoque_cache_attach('pre_separacao', 'pre_separacao_item');
SELECT estoque_cache_attach('separacao', 'separacao');
SELECT estoque_cache_attach('producao', 'programacao_producao');
SELECT estoque_cache_attach_unificacao('unificacao_codigos');
SELECT estoque_cache_attach_produtos('cadastro_produto');
SQL
psql_db -c 'SET client_min_messages = warning' -f "$RAIZ/test/lib/oraculo.sql" >/dev/null
psql_db -v app="$APP" -f "$SCRIPTS/preparar.sql" >/dev/null
echo "view rows: $(valor "SELECT count(*) FROM estoque_cache_saldo")," \
	"groups of 2+ codes: $(valor "SELECT count(*) FROM estoque_cache_saldo WHERE cardinality(codigos) > 1")"
comparar "before the run"
if [ "$(valor "SELECT count(*) FROM estoque_cache_saldo")" -lt 30 ]; then
	falha "the sample data gave too few groups for a meaningful comparison"
fi

# The application role must be able to write its tables with no privilege on
# the cache (SPEC section 6).  If it cannot, that is reported as a failure and
# the load runs as the superuser instead, so that the rest still gets tested.
USUARIO_CARGA=$APP
for tabela in movimentacao_estoque.cod_produto carteira_principal.cod_produto \
	pre_separacao_item.cod_produto separacao.cod_produto programacao_producao.cod_produto \
	unificacao_codigos.codigo_origem cadastro_produto.cod_produto; do
	coluna=${tabela#*.}
	tabela=${tabela%.*}
	if ! saida=$(psql -X -q -v ON_ERROR_STOP=1 -U "$APP" -d "$DB" 2>&1 <<SQL
BEGIN;
UPDATE $tabela SET $coluna = $coluna WHERE ctid = (SELECT ctid FROM $tabela LIMIT 1);
ROLLBACK;
SQL
	); then
		falha "role $APP (no privilege on the cache) cannot write $tabela: $saida"
		USUARIO_CARGA=$PGUSER
	fi
done
INSTRUCOES_ANTES=$(valor "SELECT nextval('dif_instrucoes')")

# ---- a logical replication subscriber ---------------------------------------------
# Another database of the same cluster subscribes to the seven tables, with
# the extension attached to its copies: the initial copy and every change the
# load makes reach its cache through the replica path (row triggers enabled
# REPLICA; the apply worker fires no statement trigger).  Compared with its
# own oracle after the run.  (A subscription to the same cluster needs its
# slot made beforehand.)
TABELAS="movimentacao_estoque, carteira_principal, pre_separacao_item, separacao,
	programacao_producao, unificacao_codigos, cadastro_produto"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $ASSINANTE" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$ASSINANTE" -c 'CREATE EXTENSION estoque_cache' >/dev/null
# The tables' definitions with their cache triggers, as a schema-only restore
# would bring them: creating the triggers attaches the copies (the test's own
# statement counters are left out).
pg_dump --schema-only -d "$DB" $(for t in $TABELAS; do printf -- '-t %s ' "${t%,}"; done) |
	grep -v 'dif_contar' |
	psql -X -q -v ON_ERROR_STOP=1 -d "$ASSINANTE" >/dev/null
if [ "$(psql -X -At -d "$ASSINANTE" -c 'SELECT count(*) FROM estoque_cache.anexo')" != 7 ]; then
	falha "the subscriber's tables were not attached by their restored triggers"
fi
psql -X -q -v ON_ERROR_STOP=1 -d "$ASSINANTE" -c 'SET client_min_messages = warning' \
	-f "$RAIZ/test/lib/oraculo.sql" >/dev/null
psql_db -c "CREATE PUBLICATION dif_pub FOR TABLE $TABELAS" \
	-c "SELECT pg_create_logical_replication_slot('$SLOT', 'pgoutput')" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$ASSINANTE" -c "CREATE SUBSCRIPTION dif_sub
	CONNECTION 'host=$PGHOST port=$PGPORT user=$PGUSER dbname=$DB'
	PUBLICATION dif_pub WITH (create_slot = false, slot_name = '$SLOT')" >/dev/null

# ---- the administrator, in the background ----------------------------------------
# Two sessions loop while pgbench runs.  The folder folds every ~0.3 s (all
# pending deltas, or 50 of them) and rebuilds once half-way (must correct
# nothing).  The checker, in a loop, compares the view with the sources and
# runs verify (both must agree with the sources at every moment, since each
# reads one snapshot) and refreshes one random product (must correct
# nothing).  Results go to files read at the end.
dobrar() {
	local fim=$((SECONDS + DURACAO)) meio=$((SECONDS + DURACAO / 2)) n=0 reconstruido=0
	while [ "$SECONDS" -lt "$fim" ]; do
		n=$((n + 1))
		if [ $((n % 3)) = 0 ]; then
			valor "SELECT estoque_cache_fold(50)" >>"$TMP/fold"
		else
			valor "SELECT estoque_cache_fold()" >>"$TMP/fold"
		fi
		if [ "$reconstruido" = 0 ] && [ "$SECONDS" -ge "$meio" ]; then
			reconstruido=1
			valor "SELECT r->>'linhas_corrigidas' FROM estoque_cache_rebuild() AS r" \
				>>"$TMP/rebuild"
		fi
		sleep 0.3
	done
}
verificar() {
	local fim=$((SECONDS + DURACAO))
	RANDOM=$SEMENTE
	while [ "$SECONDS" -lt "$fim" ]; do
		valor "SELECT count(*) FROM dif_diferencas" >>"$TMP/diferencas"
		valor "SELECT count(*) FROM estoque_cache_verify()" >>"$TMP/verify"
		valor "SELECT estoque_cache_refresh(dif_codigo($((RANDOM % 63))))" >>"$TMP/refresh"
		sleep 0.2
	done
}
for f in fold refresh diferencas verify rebuild; do
	: >"$TMP/$f"
done
dobrar >"$TMP/dobrar.log" 2>&1 &
DOBRAR_PID=$!
BG_PIDS+=("$DOBRAR_PID")
verificar >"$TMP/verificar.log" 2>&1 &
VERIFICAR_PID=$!
BG_PIDS+=("$VERIFICAR_PID")

# ---- pgbench ----------------------------------------------------------------------
echo "== pgbench: $CLIENTES clients for ${DURACAO}s as $USUARIO_CARGA"
set +e
pgbench -n -U "$USUARIO_CARGA" -d "$DB" -c "$CLIENTES" -j 3 -T "$DURACAO" --failures-detailed \
	--random-seed="$SEMENTE" \
	-f "$SCRIPTS/movimentacao.sql@6" \
	-f "$SCRIPTS/carteira.sql@3" \
	-f "$SCRIPTS/pre_separacao.sql@3" \
	-f "$SCRIPTS/separacao.sql@3" \
	-f "$SCRIPTS/producao.sql@2" \
	-f "$SCRIPTS/misto.sql@2" \
	-f "$SCRIPTS/unificacao.sql@2" \
	-f "$SCRIPTS/cadastro.sql@1" \
	-f "$SCRIPTS/particionada.sql@2" \
	-f "$SCRIPTS/vinculos.sql@1" \
	>"$TMP/pgbench.log" 2>&1
PGBENCH_RC=$?
wait "$DOBRAR_PID"
DOBRAR_RC=$?
wait "$VERIFICAR_PID"
VERIFICAR_RC=$?
set -e
BG_PIDS=()

grep -E '^(number of|latency average|tps|SQL script| - [0-9]+ transactions)' "$TMP/pgbench.log" || true
PROCESSADAS=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$TMP/pgbench.log")
FALHADAS=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$TMP/pgbench.log")
INSTRUCOES=$(($(valor "SELECT nextval('dif_instrucoes')") - INSTRUCOES_ANTES - 1))
echo "transactions processed: ${PROCESSADAS:-?}, failed: ${FALHADAS:-?};" \
	"DML statements executed on the seven tables (rolled back ones included): $INSTRUCOES"
if [ "$PGBENCH_RC" -ne 0 ]; then
	falha "pgbench exited with status $PGBENCH_RC"
fi
if grep -qiE 'error|aborted' "$TMP/pgbench.log"; then
	falha "pgbench reported errors:"
	grep -iE 'error|aborted' "$TMP/pgbench.log" | sort | uniq -c | head -20
fi
if [ -z "$FALHADAS" ] || [ "$FALHADAS" != 0 ]; then
	falha "pgbench failed transactions: ${FALHADAS:-not reported}"
fi
if [ -z "$PROCESSADAS" ] || [ "$PROCESSADAS" -lt 200 ]; then
	falha "too few transactions ran (${PROCESSADAS:-none}) for the test to mean anything"
fi

# ---- what the administrator saw during the run ------------------------------------
if [ "$DOBRAR_RC" -ne 0 ] || [ -s "$TMP/dobrar.log" ]; then
	falha "the folding session failed (status $DOBRAR_RC):"
	head -40 "$TMP/dobrar.log"
fi
if [ "$VERIFICAR_RC" -ne 0 ] || [ -s "$TMP/verificar.log" ]; then
	falha "the checking session failed (status $VERIFICAR_RC):"
	head -40 "$TMP/verificar.log"
fi
echo "during the run: $(wc -l <"$TMP/fold") folds moving $(awk '{s += $1} END {print s + 0}' "$TMP/fold") deltas," \
	"$(wc -l <"$TMP/refresh") refreshes, $(wc -l <"$TMP/diferencas") comparisons," \
	"rebuild corrections: $(cat "$TMP/rebuild")"
if [ "$(wc -l <"$TMP/diferencas")" -lt 5 ]; then
	falha "fewer than 5 comparisons ran during the load"
fi
if grep -qv '^0$' "$TMP/diferencas"; then
	falha "the view differed from the sources during the run: $(tr '\n' ' ' <"$TMP/diferencas")"
fi
if grep -qv '^0$' "$TMP/verify"; then
	falha "estoque_cache_verify() returned rows during the run: $(tr '\n' ' ' <"$TMP/verify")"
fi
if grep -qv '^0$' "$TMP/refresh"; then
	falha "estoque_cache_refresh(produto) corrected rows during the run: $(tr '\n' ' ' <"$TMP/refresh")"
fi
if [ "$(cat "$TMP/rebuild")" != 0 ]; then
	falha "the rebuild in the middle of the run corrected '$(cat "$TMP/rebuild")' rows (expected 0)"
fi

# ---- the subscriber ----------------------------------------------------------------
assinante() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$ASSINANTE" -c "$1"; }
ALVO=$(valor "SELECT pg_current_wal_lsn()")
alcancou=0
for _ in $(seq 1 600); do
	if [ "$(assinante "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate NOT IN ('r', 's')")" = 0 ] &&
		[ "$(valor "SELECT confirmed_flush_lsn >= '$ALVO' FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = t ]; then
		alcancou=1
		break
	fi
	sleep 0.2
done
if [ "$alcancou" = 0 ]; then
	falha "the subscriber did not catch up within 120 s"
else
	DIF_ASSINANTE=$(assinante "SELECT count(*) FROM oraculo.diferencas()")
	VER_ASSINANTE=$(assinante "SELECT count(*) FROM estoque_cache_verify()")
	LINHAS_ASSINANTE=$(assinante "SELECT count(*) FROM movimentacao_estoque")
	echo "subscriber: $LINHAS_ASSINANTE movements; view rows differing from its oracle:" \
		"$DIF_ASSINANTE; estoque_cache_verify() rows: $VER_ASSINANTE"
	if [ "$LINHAS_ASSINANTE" != "$(valor "SELECT count(*) FROM movimentacao_estoque")" ]; then
		falha "the subscriber has not the publisher's movements"
	fi
	if [ "$DIF_ASSINANTE" != 0 ] || [ "$VER_ASSINANTE" != 0 ]; then
		falha "the subscriber's cache differs from its sources"
		assinante "SELECT * FROM oraculo.diferencas() LIMIT 20"
	fi
fi

# ---- after the run ------------------------------------------------------------------
echo "view rows: $(valor "SELECT count(*) FROM estoque_cache_saldo")," \
	"groups of 2+ codes: $(valor "SELECT count(*) FROM estoque_cache_saldo WHERE cardinality(codigos) > 1")," \
	"pending deltas: $(valor "SELECT estoque_cache_status()->>'deltas_pendentes'")"
comparar "after the run"
echo "fold: $(valor "SELECT estoque_cache_fold()") deltas moved"
comparar "after a fold"
CORRIGIDAS=$(valor "SELECT r->>'linhas_corrigidas' FROM estoque_cache_rebuild() AS r")
echo "rebuild: $CORRIGIDAS rows corrected"
if [ "$CORRIGIDAS" != 0 ]; then
	falha "the final rebuild corrected $CORRIGIDAS rows (expected 0)"
fi
comparar "after a rebuild"

if [ "$FALHAS" -gt 0 ]; then
	echo "$FALHAS check(s) failed (seed $SEMENTE; replay with DIFERENCIAL_SEMENTE=$SEMENTE)"
	exit 1
fi
echo "all checks passed"
