-- One connection's memory around one read of the list (psql variable tabela:
-- estoque_cache_saldo or lista_plana): the total of the backend's memory
-- contexts (all under TopMemoryContext) before and after the read, printed as
-- "pid<TAB>antes<TAB>depois"; the connection then stays idle until the file
-- $BENCH_FIM exists (10 minutes at most), so that the caller can look at it
-- from outside.
SELECT sum(total_bytes) AS antes FROM pg_backend_memory_contexts \gset
SELECT * FROM :tabela \g /dev/null
SELECT pg_backend_pid() AS pid, :antes AS antes, sum(total_bytes) AS depois
  FROM pg_backend_memory_contexts;
\! i=0; while [ ! -e "$BENCH_FIM" ] && [ $i -lt 3000 ]; do sleep 0.2; i=$((i + 1)); done
