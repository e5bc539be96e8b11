# shellcheck shell=bash
# Report of bench/run (sourced; nothing runs at source time). The markdown and
# the plots' data come from one awk pass over the results (relatorio.awk); the
# plots from gnuplot.

# relatorio_markdown img-path-in-doc > file
relatorio_markdown() {
	local log_lido=0
	[ -n "${SERVER_LOG:-}" ] && [ -r "$SERVER_LOG" ] && log_lido=1
	local escala=()
	[ -n "${ESCALA_ARQ:-}" ] && [ -f "$ESCALA_ARQ" ] && escala=("$ESCALA_ARQ")
	: >>"$RES/explicacao.txt"
	awk -v img="$1" -v dir="$RES" -v log_lido="$log_lido" -f "$ROOT/bench/lib/relatorio.awk" \
		"$RES/info.tsv" "$RES/resultados.tsv" "$RES/comandos.tsv" \
		"$RES/verificacao.tsv" "$RES/verificacao_exemplos.tsv" "$RES/esperas.tsv" \
		"$RES/explicacao.txt" "${escala[@]}"
}

# relatorio_graficos dir: bench_tps.png and bench_leitura.png from the data
# files relatorio_markdown wrote.
relatorio_graficos() {
	local dir=$1 reps
	command -v gnuplot >/dev/null || return 1
	[ -s "$RES/tps.dat" ] && [ -s "$RES/latencia.dat" ] || return 1
	reps=$(awk -F'\t' '$1 == "repeticoes" { print $2 }' "$RES/info.tsv")
	gnuplot <<EOF_GNUPLOT >"$RES/gnuplot.log" 2>&1
set terminal pngcairo size 900,540 font "DejaVu Sans,10" noenhanced
set bmargin 4
set output "$dir/bench_tps.png"
set title "Movement INSERT transactions per second, median of $reps (higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "TPS"
set yrange [0:*]
set grid ytics
set key top right
plot "$RES/tps.dat" using 2:xtic(1) title "no cache (baseline)" lc rgb "#888888", \
     "" using 3 title "estoque_cache" lc rgb "#1f77b4", \
     "" using 4 title "PL/pgSQL row trigger" lc rgb "#d62728"

set output "$dir/bench_leitura.png"
set title "Read latency, median of $reps (ms, log scale; lower is better)"
set logscale y
set yrange [*:*]
set ylabel "ms"
plot "$RES/latencia.dat" using 2:xtic(1) title "no cache (on demand)" lc rgb "#888888", \
     "" using 3 title "estoque_cache" lc rgb "#1f77b4", \
     "" using 4 title "plain table" lc rgb "#2ca02c", \
     "" using 5 title "materialized view" lc rgb "#ff7f0e"
EOF_GNUPLOT
}

# The targets table of a generated report, for the terminal.
relatorio_resumo_texto() { # relatorio_resumo_texto doc
	awk '/^## Targets/ { f = 1; next } /^## / { f = 0 } f && /^\| / && !/^\|---/' "$1"
}

# Replaces this run's scale (products and movements) line in the table of
# scales (bench/escala.tsv, tab-separated with a header): the loading times and
# the medians the growth section of the report compares; NA for what the run
# did not measure (--load-only).
#   escala_registrar file
escala_registrar() {
	local arq=$1 novo
	novo=$(awk -F'\t' '
		FILENAME ~ /info\.tsv$/ { info[$1] = $2; next }
		$5 != "NA" && $5 != "" { k = $1 SUBSEP $2 SUBSEP $4; n[k]++; v[k, n[k]] = $5 + 0 }
		function med(c, va, m,    k, q, i, j, t, a) {
			k = c SUBSEP va SUBSEP m; q = n[k] + 0
			if (q == 0) return "NA"
			for (i = 1; i <= q; i++) a[i] = v[k, i]
			for (i = 2; i <= q; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return (q % 2) ? a[(q + 1) / 2] : (a[q / 2] + a[q / 2 + 1]) / 2
		}
		END {
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", info["produtos"], info["movimentos"], info["inicio"],
				info["modo"], info["tempo_gerador_s"], info["tempo_attach_s"], info["tempo_referencias_s"], info["banco_tamanho"]
			printf "\t%s\t%s", med("saldo_chave", "extensao", "mediana_ms"), med("saldo_chave", "plano", "mediana_ms")
			printf "\t%s\t%s", med("saldo_membro", "extensao", "mediana_ms"), med("saldo_membro", "plano", "mediana_ms")
			printf "\t%s\t%s", med("lista", "extensao", "mediana_ms"), med("lista", "plano", "mediana_ms")
			printf "\t%s\t%s", med("lista_nova_conexao", "extensao", "mediana_ms"), med("lista_nova_conexao", "plano", "mediana_ms")
			printf "\t%s\t%s", med("memoria", "extensao", "contextos_delta_kb"), med("memoria", "plano", "contextos_delta_kb")
			printf "\t%s\t%s\n", med("escrita_8c", "extensao", "tps"), med("escrita_8c", "sob_demanda", "tps")
		}' "$RES/info.tsv" "$RES/resultados.tsv")
	{
		printf 'produtos\tmovimentos\tdata\tmodo\tgerador_s\tattach_s\treferencias_s\ttamanho'
		printf '\tchave_ext_ms\tchave_plano_ms\tmembro_ext_ms\tmembro_plano_ms\tlista_ext_ms\tlista_plano_ms'
		printf '\tlista_nova_ext_ms\tlista_nova_plano_ms\tmemoria_ext_kb\tmemoria_plano_kb\tescrita_8c_ext_tps\tescrita_8c_base_tps\n'
		[ -f "$arq" ] && awk -F'\t' -v p="${novo%%$'\t'*}" -v m="$(cut -f2 <<<"$novo")" \
			'NR > 1 && !($1 == p && $2 == m)' "$arq"
		printf '%s\n' "$novo"
	} | { read -r cabecalho; printf '%s\n' "$cabecalho"; sort -t$'\t' -k1,1n -k2,2n; } >"$arq.novo" && mv "$arq.novo" "$arq"
}
