# shellcheck shell=bash
# Report of bench/run (sourced; nothing runs at source time). The markdown and
# the plots' data come from one awk pass over the results (relatorio.awk); the
# plots from gnuplot.

# relatorio_markdown img-path-in-doc > file
relatorio_markdown() {
	local log_lido=0
	[ -n "${SERVER_LOG:-}" ] && [ -r "$SERVER_LOG" ] && log_lido=1
	awk -v img="$1" -v dir="$RES" -v log_lido="$log_lido" -f "$ROOT/bench/lib/relatorio.awk" \
		"$RES/info.tsv" "$RES/resultados.tsv" "$RES/comandos.tsv" \
		"$RES/verificacao.tsv" "$RES/verificacao_exemplos.tsv" "$RES/esperas.tsv"
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
