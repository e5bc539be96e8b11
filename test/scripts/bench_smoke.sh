#!/usr/bin/env bash
# Keeps the benchmark suite from rotting: runs bench/run in smoke mode (tiny
# scale, a few transactions per workload) against the test cluster, in
# databases of its own that it drops at the end. Passes when every workload
# ran and the report was written; speed is not judged. It also asserts the
# benchmark's exactness cross-check: the extension's figures must equal the
# on-demand SQL computation over the same sources, before and after the
# workloads (a difference is a bug in one of the two, reported with details).
set -uo pipefail

cd "${ESTOQUE_CACHE_SRC:-$(dirname "$0")/../..}" || exit 1
export BENCH_RESULTADOS=${TMPDIR:-/tmp}/bench_smoke.$$
mkdir -p "$BENCH_RESULTADOS" || exit 1

if ! bench/run --smoke --existing-server; then
	echo "FAIL: bench/run --smoke did not run every workload"
	exit 1
fi

falhas=0
doc=$BENCH_RESULTADOS/BENCHMARKS.md
if ! grep -q '^## Targets' "$doc" 2>/dev/null; then
	echo "FAIL: no report with a targets table in $doc"
	falhas=1
fi
# every workload has a number in the results
for carga in escrita_1c escrita_8c varios_8c insert produto detalhe lista rebuild \
	leitura_sem_escrita leitura_com_escrita erp_sync vinculos_8c cadastro_8c \
	saldo_chave saldo_membro lista_nova_conexao lista_apos_fold lista_apos_vinculo \
	lista_apos_cadastro lista_sem_escrita lista_com_escrita; do
	if ! awk -F'\t' -v c="$carga" '$1 == c && ($4 == "tps" || $4 == "ms") && $5 + 0 > 0 { f = 1 }
		END { exit !f }' "$BENCH_RESULTADOS/resultados.tsv"; then
		echo "FAIL: no measurement for workload $carga"
		falhas=1
	fi
done
# the memory of the connections that read the list was measured
if ! awk -F'\t' '$1 == "memoria" && $2 == "extensao" && $4 == "contextos_kb" && $5 + 0 > 0 { f = 1 }
	END { exit !f }' "$BENCH_RESULTADOS/resultados.tsv"; then
	echo "FAIL: no memory measurement of the connections reading the list"
	falhas=1
fi
# the cross-check compared something, and found no difference
if ! awk -F'\t' '$2 == "lista.grupos" && $3 > 0 { f++ } END { exit f != 2 }' \
	"$BENCH_RESULTADOS/verificacao.tsv"; then
	echo "FAIL: the cross-check did not run before and after the workloads"
	falhas=1
fi
if awk -F'\t' '$2 != "lista.grupos" && $2 != "produto.codigos" && $3 != 0 { f = 1 } END { exit !f }' \
	"$BENCH_RESULTADOS/verificacao.tsv"; then
	echo "FAIL: the extension and the on-demand SQL disagree (phase, figure, groups/codes that differ):"
	awk -F'\t' '$2 != "lista.grupos" && $2 != "produto.codigos" && $3 != 0' \
		"$BENCH_RESULTADOS/verificacao.tsv"
	cat "$BENCH_RESULTADOS/verificacao_exemplos.tsv"
	falhas=1
fi
[ "$falhas" -eq 0 ] && rm -rf "$BENCH_RESULTADOS"
exit "$falhas"
