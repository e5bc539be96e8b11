/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Background worker that folds committed deltas into estoque_cache.saldo.
 *
 * Folding is housekeeping, not correctness: readers add pending deltas to
 * the folded figures, so they are exact whether or not the folder keeps up.
 * It keeps the delta table short so that reads stay fast.  The worker is
 * registered only when the library is in shared_preload_libraries and
 * estoque_cache.fold_database names a database; it calls
 * estoque_cache_fold() there every estoque_cache.fold_interval ms.
 *
 * After a fold that moved something it also vacuums estoque_cache.delta,
 * so that writers reuse the space the fold freed instead of extending the
 * table (and waiting for each other's relation extension lock).  That
 * VACUUM never truncates the table (truncation takes a lock writers would
 * wait for) and skips the table when another vacuum holds it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/vacuum.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "estoque_cache.h"

PGDLLEXPORT void estoque_cache_worker_main(Datum arg);

static char *fold_database = NULL;
static int   fold_interval = 1000;
static int   fold_limite = 100000;
static bool  fold_vacuum = true;

/*
 * Define the worker's settings, and register the worker when the library is
 * being preloaded (called from _PG_init).
 */
void
ec_worker_registrar(void)
{
	BackgroundWorker worker;

	/* a PGC_POSTMASTER setting can only be defined while preloading */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomStringVariable(
			"estoque_cache.fold_database",
			"Database where the background folder runs estoque_cache_fold().",
			"Empty disables the background folder.", &fold_database, "", PGC_POSTMASTER, 0, NULL,
			NULL, NULL);
	DefineCustomIntVariable(
		"estoque_cache.fold_interval", "Milliseconds between two folds of the background folder.",
		NULL, &fold_interval, 1000, 10, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("estoque_cache.fold_batch",
							"Most deltas one fold moves into the folded figures.", NULL,
							&fold_limite, 100000, 100, INT_MAX, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("estoque_cache.fold_vacuum",
							 "Vacuums estoque_cache.delta after each fold of the background "
							 "folder that moved something.",
							 "Off leaves the table to autovacuum: writers then extend it more.",
							 &fold_vacuum, true, PGC_SIGHUP, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("estoque_cache");

	if (!process_shared_preload_libraries_in_progress || fold_database == NULL ||
		fold_database[0] == '\0')
		return;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "estoque_cache");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "estoque_cache_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "estoque_cache folder");
	snprintf(worker.bgw_type, BGW_MAXLEN, "estoque_cache folder");
	RegisterBackgroundWorker(&worker);
}

/*
 * One fold, in its own transaction; skipped while the extension is absent.
 * Returns how many deltas it moved.
 */
static int64
dobrar_uma_vez(void)
{
	int64 movidas = 0;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "estoque_cache_fold");

	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'estoque_cache'", true,
					1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		Oid   tipo = INT4OID;
		Datum limite = Int32GetDatum(fold_limite);
		bool  nulo;

		if (SPI_execute_with_args("SELECT estoque_cache.fold($1)", 1, &tipo, &limite, NULL, false,
								  0) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "estoque_cache.fold failed");
		movidas =
			DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &nulo));
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	return movidas;
}

/*
 * VACUUM estoque_cache.delta, as a plain VACUUM command would, without
 * truncation and skipping the table when it is locked.  vacuum() runs its
 * own transactions: it is called inside one, commits it, and leaves a new
 * one open for the caller to commit; what it is given must therefore live
 * outside the transaction (in PortalContext, which it also needs).
 */
static void
aspirar_delta(void)
{
	static MemoryContext portal = NULL;
	VacuumParams         params;
	Oid                  esquema;
	Oid                  relid;
	List                *relacoes;
	MemoryContext        antigo;

	if (portal == NULL)
		portal =
			AllocSetContextCreate(TopMemoryContext, "estoque_cache vacuum", ALLOCSET_DEFAULT_SIZES);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	esquema = get_namespace_oid(EC_SCHEMA, true);
	relid = OidIsValid(esquema) ? get_relname_relid("delta", esquema) : InvalidOid;
	if (!OidIsValid(relid))
	{
		CommitTransactionCommand();
		return;
	}
	pgstat_report_activity(STATE_RUNNING, "VACUUM estoque_cache.delta");

	memset(&params, 0, sizeof(params));
	params.options = VACOPT_VACUUM | VACOPT_SKIP_LOCKED;
	params.freeze_min_age = -1;
	params.freeze_table_age = -1;
	params.multixact_freeze_min_age = -1;
	params.multixact_freeze_table_age = -1;
	params.log_min_duration = -1;
	params.index_cleanup = VACOPTVALUE_AUTO;
	params.truncate = VACOPTVALUE_DISABLED;
	params.nworkers = -1;

	antigo = MemoryContextSwitchTo(portal);
	relacoes = list_make1(makeVacuumRelation(makeRangeVar(EC_SCHEMA, "delta", -1), relid, NIL));
	MemoryContextSwitchTo(antigo);
	PortalContext = portal;
	vacuum(relacoes, &params, NULL, true);
	PortalContext = NULL;
	CommitTransactionCommand();
	MemoryContextReset(portal);
	pgstat_report_activity(STATE_IDLE, NULL);
}

void
estoque_cache_worker_main(Datum arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(fold_database, NULL, 0);

	for (;;)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, fold_interval,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (dobrar_uma_vez() > 0 && fold_vacuum)
			aspirar_delta();
	}
}
