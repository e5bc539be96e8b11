# shellcheck shell=bash
# Measurement helpers of bench/run (sourced; nothing runs at source time).
#
# Every figure goes to $RES/resultados.tsv as
#   carga <TAB> variante <TAB> repeticao <TAB> metrica <TAB> valor
# and the exact command of each measurement to $RES/comandos.tsv as
#   carga <TAB> variante <TAB> comando
# The report (lib/relatorio.sh) reads only these two files.
#
# Expects: RES, DB_* names, PSQL, PGBENCH, PRODUTOS, SERVER_LOG (may be empty).

registrar() { # registrar carga variante rep metrica valor
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$RES/resultados.tsv"
}

registrar_comando() { # registrar_comando carga variante comando...
	local carga=$1 variante=$2
	shift 2
	# once per (carga, variante)
	if ! awk -F'\t' -v c="$carga" -v v="$variante" '$1 == c && $2 == v { f = 1 } END { exit !f }' \
		"$RES/comandos.tsv" 2>/dev/null; then
		printf '%s\t%s\t%s\n' "$carga" "$variante" "$*" >>"$RES/comandos.tsv"
	fi
}

# Marks that something did not run as it should; bench/run exits non-zero.
FALHAS=0
falhou() {
	echo "bench: FAILED: $*" >&2
	FALHAS=$((FALHAS + 1))
}

# psql on one database, quiet, stopping at the first error.
sql() { # sql db [psql args...]
	local db=$1
	shift
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# One value from a query.
valor() { # valor db query
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# Deadlocks PostgreSQL counted in a database so far.
deadlocks() { # deadlocks db
	valor postgres "SELECT deadlocks FROM pg_stat_database WHERE datname = '$1'"
}

# Server log position, and the lock waits logged since then in a database
# (log_lock_waits is on with deadlock_timeout = 10ms in the bench databases, so
# every lock wait longer than 10 ms leaves a "still waiting" line). Nothing when
# the server log is not readable (an existing server).
log_posicao() {
	if [ -n "$SERVER_LOG" ] && [ -r "$SERVER_LOG" ]; then
		stat -c %s "$SERVER_LOG"
	fi
}

# Classifies the lock waits of a database logged since a position and records
# them: esperas (all), esperas_cache (on a relation of the cache: the
# extension's estoque_cache schema, or the PL/pgSQL variant's cache_produto,
# whether a relation lock or a row of it), esperas_linha (row locks whose
# relation the log does not name), esperas_app (locks on the application's
# tables: relation extension, as writers append to the same ledger, and rows
# the workload's own UPDATE or DELETE statements lock, both of which happen
# without any cache) and esperas_outras; one line per wait goes to
# $RES/esperas.tsv (carga variante rep tipo relacao lock). A row lock's
# relation comes from the CONTEXT line PostgreSQL logs after the wait ("while
# updating tuple (0,5) in relation ...").
#   log_esperas posicao db carga variante rep
log_esperas() {
	local pos=$1 db=$2 carga=$3 variante=$4 rep=$5 contagem
	[ -n "$pos" ] || return 0
	contagem=$(tail -c +$((pos + 1)) "$SERVER_LOG" | grep -F "@$db " |
		awk -v mapa="$RES/relacoes_$db.tsv" -v c="$carga" -v v="$variante" -v r="$rep" \
			-v detalhe="$RES/esperas.tsv" '
		BEGIN {
			FS = "\t"
			while ((getline l < mapa) > 0) {
				split(l, f, "\t"); nome[f[1]] = f[2]; cache[f[1]] = f[3]
				curto = f[2]; sub(/^[^.]*\./, "", curto)
				if (!(curto in porNome) || f[3] == 1) { porNome[curto] = f[2]; cachePorNome[curto] = f[3] }
			}
			n["cache"] = n["linha"] = n["app"] = n["outras"] = 0
		}
		function pid_de(linha,    p) {
			if (!match(linha, /\[[0-9]+\]/)) return ""
			return substr(linha, RSTART + 1, RLENGTH - 2)
		}
		function emitir(p,    lock, oid, alvo, tipo, rel) {
			if (!(p in pendente)) return
			lock = pendente[p]; rel = relacao[p]
			delete pendente[p]; delete relacao[p]
			oid = ""
			if (match(lock, /relation [0-9]+/)) oid = substr(lock, RSTART + 9, RLENGTH - 9)
			if (oid != "") alvo = (oid in nome) ? nome[oid] : "relation " oid
			else if (rel != "") alvo = (rel in porNome) ? porNome[rel] : rel
			else alvo = "-"
			if (oid != "" && cache[oid] == 1) tipo = "cache"
			else if (oid == "" && rel != "" && cachePorNome[rel] == 1) tipo = "cache"
			else if (lock ~ / on transaction / || lock ~ / on tuple /)
				tipo = ((oid != "" && (oid in nome)) || (rel != "" && (rel in porNome))) ? "app" : "linha"
			else if (lock ~ /on extension of relation/) tipo = "app"
			else tipo = "outras"
			n[tipo]++
			gsub(/[0-9]+/, "N", lock)
			printf "%s\t%s\t%s\t%s\t%s\t%s\n", c, v, r, tipo, alvo, lock >> detalhe
		}
		{
			p = pid_de($0)
			if (p == "") next
			if (index($0, "still waiting for")) {
				emitir(p)
				lock = $0; sub(/.*still waiting for /, "", lock); sub(/ after [0-9.]+ ms.*/, "", lock)
				pendente[p] = lock; relacao[p] = ""
			} else if (p in pendente) {
				if ($0 ~ / (DETAIL|HINT|STATEMENT): /) next
				if ($0 ~ / CONTEXT: / && relacao[p] == "" && match($0, /in relation "[^"]+"/))
					relacao[p] = substr($0, RSTART + 13, RLENGTH - 14)
				else emitir(p)
			}
		}
		END {
			for (p in pendente) emitir(p)
			printf "%d %d %d %d %d\n", n["cache"] + n["linha"] + n["app"] + n["outras"], n["cache"], n["linha"], n["app"], n["outras"]
		}')
	read -r -a contagem <<<"$contagem"
	registrar "$carga" "$variante" "$rep" esperas "${contagem[0]:-0}"
	registrar "$carga" "$variante" "$rep" esperas_cache "${contagem[1]:-0}"
	registrar "$carga" "$variante" "$rep" esperas_linha "${contagem[2]:-0}"
	registrar "$carga" "$variante" "$rep" esperas_app "${contagem[3]:-0}"
	registrar "$carga" "$variante" "$rep" esperas_outras "${contagem[4]:-0}"
}

# Map of the relations of a bench database, for log_esperas: oid, name, and 1
# for the cache's own relations.
mapear_relacoes() { # mapear_relacoes db
	"$PSQL" -X -q -At -F $'\t' -d "$1" -c "
		SELECT c.oid, n.nspname || '.' || c.relname,
		       (n.nspname = 'estoque_cache' OR c.relname LIKE 'cache\_produto%')::int
		  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')" \
		>"$RES/relacoes_$1.tsv"
}

# Median and 95th percentile (nearest rank) of transaction latencies, in ms,
# from pgbench per-transaction logs (third field, microseconds; failed
# transactions are skipped).
latencias() { # latencias logfile... -> "mediana p95 n"
	awk '$3 ~ /^[0-9]+$/ { print $3 }' "$@" | sort -n |
		awk '{ v[NR] = $1 }
		     END {
		         if (NR == 0) { print "NA NA 0"; exit }
		         m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		         k = int(0.95 * NR); if (k < 0.95 * NR) k++; if (k < 1) k = 1
		         printf "%.4f %.4f %d\n", m / 1000, v[k] / 1000, NR
		     }'
}

# Runs one pgbench measurement and records tps, failures, retries, deadlocks
# and lock waits (and latencies with --log).
#   bench_pgbench carga variante rep db clientes segundos script [log] [pgbench options...]
bench_pgbench() {
	local carga=$1 variante=$2 rep=$3 db=$4 clientes=$5 segundos=$6 script=$7 comlog=${8:-}
	shift 7
	[ $# -gt 0 ] && shift
	local jobs=1 nome="${carga}__${variante}__${rep}" saida pos dl0 dl1 rc duracao
	[ "$clientes" -gt 1 ] && jobs=2
	# smoke mode: a fixed number of transactions per client instead of a time
	duracao="-T $segundos"
	[ -n "${TRANSACOES:-}" ] && duracao="-t $TRANSACOES"
	# shellcheck disable=SC2206
	local args=(-n -M prepared -c "$clientes" -j "$jobs" $duracao
		-D "produtos=$PRODUTOS" -f "$script" "$@")
	saida=$RES/pgbench/$nome.out
	rm -f "$RES/logs/$nome".*
	[ "$comlog" = log ] && args+=(-l "--log-prefix=$RES/logs/$nome")
	registrar_comando "$carga" "$variante" \
		"pgbench -n -M prepared -c $clientes -j $jobs $duracao -D produtos=$PRODUTOS -f $script${*:+ $*}${comlog:+ --log} $db"
	pos=$(log_posicao)
	dl0=$(deadlocks "$db")
	"$PGBENCH" "${args[@]}" "$db" >"$saida" 2>&1
	rc=$?
	sleep "${PAUSA:-0.5}" # let the exiting backends flush their statistics
	dl1=$(deadlocks "$db")
	if [ $rc -ne 0 ] || ! grep -q '^tps = ' "$saida"; then
		falhou "pgbench $carga/$variante (exit $rc); see $saida"
		tail -n 5 "$saida" >&2
		return 1
	fi
	pgbench_registrar "$carga" "$variante" "$rep" "$saida"
	registrar "$carga" "$variante" "$rep" deadlocks $((dl1 - dl0))
	log_esperas "$pos" "$db" "$carga" "$variante" "$rep"
	if [ "$comlog" = log ]; then
		local m
		read -r -a m < <(latencias "$RES/logs/$nome".*)
		registrar "$carga" "$variante" "$rep" mediana_ms "${m[0]}"
		registrar "$carga" "$variante" "$rep" p95_ms "${m[1]}"
	fi
	printf '  %-22s %-12s rep %s: %s tps%s\n' "$carga" "$variante" "$rep" \
		"$(awk '/^tps = / { printf "%.1f", $3 }' "$saida")" \
		"$( [ "$comlog" = log ] && printf ', median %s ms, p95 %s ms' "${m[0]}" "${m[1]}")"
}

# Figures of a pgbench summary.
pgbench_registrar() { # pgbench_registrar carga variante rep saida
	local carga=$1 variante=$2 rep=$3 f=$4 v
	v=$(awk '/^tps = / { print $3 }' "$f")
	registrar "$carga" "$variante" "$rep" tps "$v"
	v=$(awk '/^number of transactions actually processed:/ { split($6, a, "/"); print a[1] }' "$f")
	registrar "$carga" "$variante" "$rep" transacoes "${v:-0}"
	v=$(awk '/^number of failed transactions:/ { print $5 }' "$f")
	registrar "$carga" "$variante" "$rep" falhas "${v:-0}"
	v=$(awk '/^number of deadlock failures:/ { print $5 }' "$f")
	registrar "$carga" "$variante" "$rep" falhas_deadlock "${v:-0}"
	v=$(awk '/^number of transactions retried:/ { print $5 }' "$f")
	registrar "$carga" "$variante" "$rep" retentadas "${v:-0}"
	v=$(awk '/^total number of retries:/ { print $5 }' "$f")
	registrar "$carga" "$variante" "$rep" retentativas "${v:-0}"
}

# Times one SQL script run by psql: the sum of the "Time:" lines that
# \timing prints inside it (the script turns \timing on around what counts).
#   bench_tempo carga variante rep db [psql args...]
bench_tempo() {
	local carga=$1 variante=$2 rep=$3 db=$4 saida ms pos
	shift 4
	saida=$RES/sql/${carga}__${variante}__$rep.out
	pos=$(log_posicao)
	if ! "$PSQL" -X -v ON_ERROR_STOP=1 -d "$db" "$@" >"$saida" 2>&1; then
		falhou "$carga/$variante: psql failed; see $saida"
		tail -n 5 "$saida" >&2
		return 1
	fi
	ms=$(awk '/^Time: / { t += $2 } END { if (NR) printf "%.1f", t }' "$saida")
	if [ -z "$ms" ]; then
		falhou "$carga/$variante: no timing in $saida"
		return 1
	fi
	registrar "$carga" "$variante" "$rep" ms "$ms"
	log_esperas "$pos" "$db" "$carga" "$variante" "$rep"
	printf '  %-22s %-12s rep %s: %s ms\n' "$carga" "$variante" "$rep" "$ms"
}

# The variants of a list in a different order for each repetition (rotation),
# so that none always runs first or last.
rodar() { # rodar rep item... -> items rotated by rep-1
	local rep=$1
	shift
	local n=$# i
	local itens=("$@")
	for ((i = 0; i < n; i++)); do
		printf '%s\n' "${itens[$(((i + rep - 1) % n))]}"
	done
}

# Average latency in ms of one statement of a pgbench run made with -r (the
# per-statement report): the first statement whose text contains a pattern.
latencia_comando() { # latencia_comando saida padrao
	awk -v p="$2" '/^statement latencies/ { f = 1; next }
		f && index($0, p) && $1 ~ /^[0-9.]+$/ { print $1; exit }' "$1"
}

# Runs one pgbench measurement whose script ends in a read (after writes), with
# the per-statement report, and records the read's own average latency as
# leitura_ms next to what bench_pgbench records.
#   bench_leitura_apos carga variante rep db script padrao [pgbench options...]
bench_leitura_apos() {
	local carga=$1 variante=$2 rep=$3 db=$4 script=$5 padrao=$6 ms
	shift 6
	bench_pgbench "$carga" "$variante" "$rep" "$db" 1 "$SEG_LEITURA" "$script" log -r "$@" || return 1
	ms=$(latencia_comando "$RES/pgbench/${carga}__${variante}__$rep.out" "$padrao")
	if [ -z "$ms" ]; then
		falhou "$carga/$variante: no per-statement latency for '$padrao'"
		return 1
	fi
	registrar "$carga" "$variante" "$rep" leitura_ms "$ms"
	printf '  %-22s %-12s rep %s: the read alone %s ms (mean)\n' "$carga" "$variante" "$rep" "$ms"
}

# The ERP synchronisation next to 8 editors: one client rewriting the names of
# $LINHAS_SYNC catalogue products in one statement, pausing $PAUSA_SYNC ms
# between two (bench/workloads/erp_sync.sql), while 8 clients insert movements,
# rename single products and edit links (weights 4, 3, 3). Records the editors'
# figures as bench_pgbench does, the synchronisation's mean duration (sync_ms)
# and count (syncs), the database's deadlocks and the lock waits of the window.
#   bench_sync carga variante rep db
bench_sync() {
	local carga=$1 variante=$2 rep=$3 db=$4 nome saida saida_sync pos dl0 dl1 rc rc_sync pid ms
	local dur_ed="-T $SEG_ESCRITA" dur_sync="-T $SEG_ESCRITA"
	[ -n "${TRANSACOES:-}" ] && dur_ed="-t $TRANSACOES" dur_sync="-t 1"
	nome="${carga}__${variante}__$rep"
	saida=$RES/pgbench/$nome.out
	saida_sync=$RES/pgbench/${nome}__sync.out
	# shellcheck disable=SC2206
	local sync=(-n -M prepared -c 1 -j 1 $dur_sync -D "produtos=$PRODUTOS" -D "linhas=$LINHAS_SYNC"
		-D "pausa=$PAUSA_SYNC" -r -f bench/workloads/erp_sync.sql)
	# shellcheck disable=SC2206
	local editores=(-n -M prepared -c 8 -j 2 $dur_ed -D "produtos=$PRODUTOS"
		-f bench/workloads/escrita_1linha.sql@4 -f bench/workloads/edicao_cadastro.sql@3
		-f bench/workloads/edicao_vinculo.sql@3 --max-tries=10 --failures-detailed)
	registrar_comando "$carga" "$variante" "pgbench ${sync[*]} $db &  pgbench ${editores[*]} $db"
	pos=$(log_posicao)
	dl0=$(deadlocks "$db")
	"$PGBENCH" "${sync[@]}" "$db" >"$saida_sync" 2>&1 &
	pid=$!
	"$PGBENCH" "${editores[@]}" "$db" >"$saida" 2>&1
	rc=$?
	wait "$pid"
	rc_sync=$?
	sleep "${PAUSA:-0.5}"
	dl1=$(deadlocks "$db")
	if [ $rc -ne 0 ] || ! grep -q '^tps = ' "$saida"; then
		falhou "pgbench $carga/$variante editors (exit $rc); see $saida"
		tail -n 5 "$saida" >&2
		return 1
	fi
	ms=$(latencia_comando "$saida_sync" "UPDATE cadastro_produto")
	if [ $rc_sync -ne 0 ] || [ -z "$ms" ]; then
		falhou "pgbench $carga/$variante synchronisation (exit $rc_sync); see $saida_sync"
		tail -n 5 "$saida_sync" >&2
		return 1
	fi
	pgbench_registrar "$carga" "$variante" "$rep" "$saida"
	registrar "$carga" "$variante" "$rep" sync_ms "$ms"
	registrar "$carga" "$variante" "$rep" syncs \
		"$(awk '/^number of transactions actually processed:/ { split($6, a, "/"); print a[1] }' "$saida_sync")"
	registrar "$carga" "$variante" "$rep" deadlocks $((dl1 - dl0))
	log_esperas "$pos" "$db" "$carga" "$variante" "$rep"
	printf '  %-22s %-12s rep %s: editors %s tps; synchronisation of %s names %s ms (mean)\n' "$carga" "$variante" \
		"$rep" "$(awk '/^tps = / { printf "%.1f", $3 }' "$saida")" "$LINHAS_SYNC" "$ms"
}

# Memory of connections that read the list once and stay idle: N psql
# sessions each run bench/sql/memoria.sql on a table or view and wait, idle,
# until every one has read and been looked at; records, per
# connection (as the "repetition"), the growth of its memory contexts over the
# read (contextos_delta_kb) and their total after it (contextos_kb), and, when
# /proc of the server's processes is readable, the idle backend's Rss, Pss and
# Pss_Anon (private heap) in kB from smaps_rollup.
#   medir_memoria variante db tabela conexoes
medir_memoria() {
	local variante=$1 db=$2 tabela=$3 n=$4 i app fim prontos pids=() backend campo valor
	app="memoria_$db"
	fim=$RES/sql/memoria__${variante}.fim
	rm -f "$fim"
	registrar_comando memoria "$variante" \
		"$n x (PGAPPNAME=$app psql -v tabela=$tabela -f bench/sql/memoria.sql $db &)"
	for i in $(seq 1 "$n"); do
		PGAPPNAME=$app BENCH_FIM=$fim "$PSQL" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 \
			-v tabela="$tabela" -d "$db" -f bench/sql/memoria.sql \
			>"$RES/sql/memoria__${variante}__$i.out" 2>&1 &
		pids+=($!)
	done
	# wait until every session has read and reported, and sits idle (at most
	# 10 minutes: at 100,000 products each read takes seconds)
	for _ in $(seq 1 3000); do
		prontos=$(valor postgres "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'
			AND state = 'idle' AND query LIKE 'SELECT pg_backend_pid()%'")
		[ "${prontos:-0}" -ge "$n" ] && break
		sleep 0.2
	done
	if [ "${prontos:-0}" -lt "$n" ]; then
		falhou "memoria/$variante: only ${prontos:-0} of $n connections idle after their read"
	fi
	i=0
	for backend in $(valor postgres "SELECT pid FROM pg_stat_activity WHERE application_name = '$app' ORDER BY pid"); do
		i=$((i + 1))
		[ -r "/proc/$backend/smaps_rollup" ] || continue
		for campo in Rss Pss Pss_Anon; do
			valor=$(awk -v c="$campo:" '$1 == c { print $2 }' "/proc/$backend/smaps_rollup")
			[ -n "$valor" ] && registrar memoria "$variante" "$i" "${campo,,}_kb" "$valor"
		done
	done
	# the sessions end once this file exists
	: >"$fim"
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || falhou "memoria/$variante: session $((i + 1)) failed; see $RES/sql/memoria__${variante}__$((i + 1)).out"
	done
	for i in $(seq 1 "$n"); do
		awk -F'\t' -v v="$variante" -v r="$i" 'NF == 3 && $1 ~ /^[0-9]+$/ {
			printf "memoria\t%s\t%s\tcontextos_delta_kb\t%.1f\n", v, r, ($3 - $2) / 1024
			printf "memoria\t%s\t%s\tcontextos_kb\t%.1f\n", v, r, $3 / 1024 }' \
			"$RES/sql/memoria__${variante}__$i.out" >>"$RES/resultados.tsv"
	done
	printf '  %-22s %-12s %s connections: memory contexts +%s kB over the read (median)%s\n' memoria "$variante" "$n" \
		"$(awk -F'\t' -v v="$variante" '$1 == "memoria" && $2 == v && $4 == "contextos_delta_kb" { print $5 }' \
			"$RES/resultados.tsv" | sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "NA") }')" \
		"$(awk -F'\t' -v v="$variante" '$1 == "memoria" && $2 == v && $4 == "pss_anon_kb" { s += $5; k++ }
			END { if (k) printf ", idle backends Pss_Anon %.0f kB each (mean)", s / k }' "$RES/resultados.tsv")"
}
