/*-------------------------------------------------------------------------
 *
 * contribuicao.c
 *	  An attachment's whole contribution, cancelled or removed under a
 *	  strong lock: TRUNCATE, detach, DROP.
 *
 * These run under a lock that keeps every writer of the attached table out
 * (TRUNCATE and DROP hold ACCESS EXCLUSIVE, detach drops the triggers under
 * SHARE ROW EXCLUSIVE), so every write to the table that is not the running
 * transaction's own has committed.  They must therefore see every committed
 * change of the cache, whatever the transaction's isolation level: a
 * REPEATABLE READ transaction whose snapshot predates another session's
 * committed write would otherwise cancel or remove too little, and leave
 * figures (or orphaned deltas) behind.  So their statements run with the
 * latest snapshot, as the referential-integrity triggers check rows with
 * one (ri_triggers.c), as the cache owner, and touch only the cache's own
 * tables (nothing user-defined runs).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/snapmgr.h"

#include "estoque_cache.h"

PG_FUNCTION_INFO_V1(estoque_cache_apagar_contribuicao);

/*
 * Run one kept plan with argument $1 = anexo_id and the latest snapshot;
 * the caller is connected to SPI.  Returns the rows processed.
 */
static uint64
executar_recente(SPIPlanPtr *plano, const char *sql, int32 anexo_id)
{
	Oid   tipo = INT4OID;
	Datum arg = Int32GetDatum(anexo_id);
	int   ret;

	if (*plano == NULL)
	{
		SPIPlanPtr p = SPI_prepare(sql, 1, &tipo);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*plano = p;
	}
	/* the command counter moves, so that each statement sees the previous one */
	CommandCounterIncrement();
	ret = SPI_execute_snapshot(*plano, &arg, NULL, GetLatestSnapshot(), InvalidSnapshot, false,
							   false, 0);
	if (ret < 0)
		elog(ERROR, "estoque_cache: %s: %s", sql, SPI_result_code_string(ret));
	return SPI_processed;
}

/*
 * After TRUNCATE of a quantity source: append the deltas that cancel the
 * attachment's whole contribution (what saldo and delta hold for it, as
 * every committed transaction left them).  The caller runs as the cache
 * owner.
 */
void
contribuicao_cancelar(int32 anexo_id)
{
	static SPIPlanPtr plano = NULL;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	executar_recente(&plano,
					 "INSERT INTO estoque_cache.delta (codigo, anexo_id, data, fonte, quantidade) "
					 "SELECT c.codigo, $1, c.data, pg_catalog.min(c.fonte), "
					 "       OPERATOR(pg_catalog.-) pg_catalog.sum(c.quantidade) "
					 "  FROM (SELECT codigo, data, fonte, quantidade FROM estoque_cache.saldo "
					 "         WHERE anexo_id OPERATOR(pg_catalog.=) $1 "
					 "        UNION ALL "
					 "        SELECT codigo, data, fonte, quantidade FROM estoque_cache.delta "
					 "         WHERE anexo_id OPERATOR(pg_catalog.=) $1) c "
					 " GROUP BY c.codigo, c.data "
					 "HAVING pg_catalog.sum(c.quantidade) OPERATOR(pg_catalog.<>) 0",
					 anexo_id);
	SPI_finish();
}

/*
 * After TRUNCATE of a link table (links true) or a catalogue: append the
 * counts that cancel its whole contribution (what aresta and aresta_delta,
 * or nome and nome_delta, hold for it, as every committed transaction left
 * them).  The caller runs as the cache owner.
 */
void
contribuicao_cancelar_codigos(int32 anexo_id, bool links)
{
	static SPIPlanPtr planos[2] = {NULL, NULL};

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (links)
		executar_recente(&planos[0],
						 "INSERT INTO estoque_cache.aresta_delta (a, b, anexo_id, n) "
						 "SELECT c.a, c.b, $1, "
						 "       (OPERATOR(pg_catalog.-) pg_catalog.sum(c.n))::pg_catalog.int4 "
						 "  FROM (SELECT a, b, n FROM estoque_cache.aresta "
						 "         WHERE anexo_id OPERATOR(pg_catalog.=) $1 "
						 "        UNION ALL "
						 "        SELECT a, b, n FROM estoque_cache.aresta_delta "
						 "         WHERE anexo_id OPERATOR(pg_catalog.=) $1) c "
						 " GROUP BY c.a, c.b "
						 "HAVING pg_catalog.sum(c.n) OPERATOR(pg_catalog.<>) 0",
						 anexo_id);
	else
		executar_recente(&planos[1],
						 "INSERT INTO estoque_cache.nome_delta (codigo, anexo_id, nome, n) "
						 "SELECT c.codigo, $1, c.nome, "
						 "       (OPERATOR(pg_catalog.-) pg_catalog.sum(c.n))::pg_catalog.int4 "
						 "  FROM (SELECT codigo, nome, n FROM estoque_cache.nome "
						 "         WHERE anexo_id OPERATOR(pg_catalog.=) $1 "
						 "        UNION ALL "
						 "        SELECT codigo, nome, n FROM estoque_cache.nome_delta "
						 "         WHERE anexo_id OPERATOR(pg_catalog.=) $1) c "
						 " GROUP BY c.codigo, c.nome "
						 "HAVING pg_catalog.sum(c.n) OPERATOR(pg_catalog.<>) 0",
						 anexo_id);
	SPI_finish();
}

/*
 * estoque_cache.apagar_contribuicao(anexo_id integer) returns bigint
 *
 * Delete the folded figures, deltas and names the cache holds for an
 * attachment, as every committed transaction left them; returns
 * how many rows.  For detach and DROP, which hold the folders off with
 * their advisory lock.  Not executable by PUBLIC.
 */
Datum
estoque_cache_apagar_contribuicao(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr  planos[5] = {NULL, NULL, NULL, NULL, NULL};
	static const char *sql[5] = {
		"DELETE FROM estoque_cache.saldo WHERE anexo_id OPERATOR(pg_catalog.=) $1",
		"DELETE FROM estoque_cache.delta WHERE anexo_id OPERATOR(pg_catalog.=) $1",
		"DELETE FROM estoque_cache.nome WHERE anexo_id OPERATOR(pg_catalog.=) $1",
		"DELETE FROM estoque_cache.nome_delta WHERE anexo_id OPERATOR(pg_catalog.=) $1",
		"DELETE FROM estoque_cache.aresta_delta WHERE anexo_id OPERATOR(pg_catalog.=) $1",
	};
	int32  anexo_id;
	uint64 n = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("anexo_id must not be null")));
	anexo_id = PG_GETARG_INT32(0);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (int i = 0; i < lengthof(sql); i++)
		n += executar_recente(&planos[i], sql[i], anexo_id);
	SPI_finish();
	PG_RETURN_INT64((int64) n);
}
