/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Background folding: a launcher that finds the databases with the
 *	  extension, and short-lived workers that fold committed deltas there.
 *
 * Folding is housekeeping, not correctness: readers add pending deltas to
 * the folded figures, so they are exact whether or not anything folds.  It
 * keeps the delta table short so that reads stay fast.
 *
 * With the library in shared_preload_libraries, and nothing else set, a
 * launcher (connected to no database, like the logical replication
 * launcher) lists the databases every estoque_cache.fold_interval ms and,
 * one at a time, starts a worker in each database that has the extension
 * (estoque_cache.fold_database restricts this to one database).  The worker
 * folds once, logs the fold in estoque_cache.log when it moved something,
 * vacuums the delta table and exits: no connection stays open, so DROP,
 * RENAME and CREATE DATABASE ... TEMPLATE of a database are never blocked by
 * it, and a database created or renamed later is found by the next pass.  A
 * database without the extension is looked at again only every
 * REVER_SEM_EXTENSAO_MS.
 *
 * The vacuum after a fold never truncates the table (truncation takes a lock
 * writers would wait for) unless the table has grown past
 * estoque_cache.fold_truncate_pages (64 MB by default), which only a
 * snapshot held long beside writers makes it do; then VACUUM's own
 * truncation, which gives the lock up as soon as a writer waits for it,
 * brings the table back to its size.  Under many writers the table spans
 * a few megabytes between two folds: the threshold is far above that, so
 * that no writer waits for a truncation in normal operation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
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
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "storage/bufmgr.h"
#include "utils/hsearch.h"

#include "estoque_cache.h"

PGDLLEXPORT void estoque_cache_launcher_main(Datum arg);
PGDLLEXPORT void estoque_cache_folder_main(Datum arg);

#define REVER_SEM_EXTENSAO_MS 30000

static bool  fold_worker = true;
static int   fold_truncar_paginas = 8192;
static char *fold_database = NULL;
static int   fold_interval = 1000;
static int   fold_limite = 100000;
static bool  fold_vacuum = true;

/* What the last folder worker found, read by the launcher once it exited. */
typedef struct EstadoFolder
{
	bool tem_extensao;
} EstadoFolder;

static EstadoFolder           *estado = NULL;
static shmem_request_hook_type anterior_shmem_request = NULL;
static shmem_startup_hook_type anterior_shmem_startup = NULL;

static void
pedir_memoria(void)
{
	if (anterior_shmem_request)
		anterior_shmem_request();
	RequestAddinShmemSpace(MAXALIGN(sizeof(EstadoFolder)));
}

static void
iniciar_memoria(void)
{
	bool achou;

	if (anterior_shmem_startup)
		anterior_shmem_startup();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	estado = ShmemInitStruct("estoque_cache folder", sizeof(EstadoFolder), &achou);
	if (!achou)
		estado->tem_extensao = false;
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Define the folding settings (always, so that a postgresql.conf naming them
 * is understood whether or not the library is preloaded), and register the
 * launcher when the library is being preloaded (called from _PG_init).
 */
void
ec_worker_registrar(void)
{
	BackgroundWorker worker;

	DefineCustomBoolVariable("estoque_cache.fold_worker",
							 "Runs the background folder (with shared_preload_libraries).", NULL,
							 &fold_worker, true, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable(
		"estoque_cache.fold_database",
		"The only database where the background folder folds; empty for every database "
		"that has the extension.",
		NULL, &fold_database, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable(
		"estoque_cache.fold_interval", "Milliseconds between two passes of the background folder.",
		NULL, &fold_interval, 1000, 10, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("estoque_cache.fold_batch",
							"Most deltas one fold moves into the folded figures.", NULL,
							&fold_limite, 100000, 100, INT_MAX, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("estoque_cache.fold_truncate_pages",
							"Size in pages above which the vacuum after a fold gives "
							"estoque_cache.delta's empty pages back.",
							"Truncating makes writers wait for a moment; below this size the "
							"pages are kept for them to reuse.",
							&fold_truncar_paginas, 8192, 1, INT_MAX, PGC_SIGHUP, 0, NULL, NULL,
							NULL);
	DefineCustomBoolVariable("estoque_cache.fold_vacuum",
							 "Vacuums estoque_cache.delta after each fold of the background "
							 "folder that moved something.",
							 "Off leaves the table to autovacuum: writers then extend it more.",
							 &fold_vacuum, true, PGC_SIGHUP, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("estoque_cache");

	if (!process_shared_preload_libraries_in_progress)
		return;

	anterior_shmem_request = shmem_request_hook;
	shmem_request_hook = pedir_memoria;
	anterior_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = iniciar_memoria;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "estoque_cache");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "estoque_cache_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "estoque_cache launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "estoque_cache launcher");
	RegisterBackgroundWorker(&worker);
}

/*
 * One fold, in its own transaction; nothing when the extension is absent
 * (then returns -1).  Logs a fold that moved something.  Returns how many
 * deltas it moved.
 */
static int64
dobrar_uma_vez(void)
{
	int64 movidas = -1;

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
		Oid   tipos[2] = {INT4OID, TIMESTAMPTZOID};
		Datum args[2];
		bool  nulo;

		args[0] = Int32GetDatum(fold_limite);
		args[1] = TimestampTzGetDatum(GetCurrentTimestamp());
		if (SPI_execute_with_args("SELECT estoque_cache.fold($1)", 1, tipos, args, NULL, false,
								  0) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "estoque_cache.fold failed");
		movidas =
			DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &nulo));
		if (movidas > 0)
		{
			Oid   tipos_log[2] = {TIMESTAMPTZOID, INT8OID};
			Datum args_log[2] = {args[1], Int64GetDatum(movidas)};

			if (SPI_execute_with_args(
					"SELECT estoque_cache.registrar('fold', 'background folder', $1, $2)", 2,
					tipos_log, args_log, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "estoque_cache.registrar failed");
		}
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
 * truncation unless the table grew large (see the header), and skipping the
 * table when it is locked.  vacuum() runs its
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
	Relation             rel;
	bool                 grande;

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
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
	{
		CommitTransactionCommand();
		return;
	}
	grande = RelationGetNumberOfBlocks(rel) > (BlockNumber) fold_truncar_paginas;
	relation_close(rel, AccessShareLock);

	memset(&params, 0, sizeof(params));
	params.options = VACOPT_VACUUM | VACOPT_SKIP_LOCKED;
	params.freeze_min_age = -1;
	params.freeze_table_age = -1;
	params.multixact_freeze_min_age = -1;
	params.multixact_freeze_table_age = -1;
	params.log_min_duration = -1;
	params.index_cleanup = VACOPTVALUE_AUTO;
	/* only a table grown past its usual size gives pages back (see above) */
	params.truncate = grande ? VACOPTVALUE_ENABLED : VACOPTVALUE_DISABLED;
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

/* OIDs of the databases the folder may visit (in the launcher's memory). */
static List *
listar_bancos(MemoryContext mcxt)
{
	List         *bancos = NIL;
	Relation      rel;
	TableScanDesc scan;
	HeapTuple     tup;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database banco = (Form_pg_database) GETSTRUCT(tup);
		MemoryContext    antigo;

		/* templates are left alone (so CREATE DATABASE ... TEMPLATE never waits for us),
		 * and so are databases being dropped (datconnlimit -2) */
		if (!banco->datallowconn || banco->datistemplate || banco->datconnlimit == -2)
			continue;
		if (fold_database != NULL && fold_database[0] != '\0' &&
			strcmp(NameStr(banco->datname), fold_database) != 0)
			continue;
		antigo = MemoryContextSwitchTo(mcxt);
		bancos = lappend_oid(bancos, banco->oid);
		MemoryContextSwitchTo(antigo);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return bancos;
}

/*
 * Start the folder in one database and wait for it to end.  Returns whether
 * the database has the extension (true also when no worker slot was free:
 * try again on the next pass).
 */
static bool
dobrar_em(Oid banco)
{
	BackgroundWorker        worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "estoque_cache");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "estoque_cache_folder_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "estoque_cache folder");
	snprintf(worker.bgw_type, BGW_MAXLEN, "estoque_cache folder");
	worker.bgw_main_arg = ObjectIdGetDatum(banco);
	worker.bgw_notify_pid = MyProcPid;

	estado->tem_extensao = false;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		ereport(LOG, (errmsg("estoque_cache launcher: no background worker slot free to fold"),
					  errhint("Raise max_worker_processes.")));
		return true;
	}
	if (WaitForBackgroundWorkerShutdown(handle) == BGWH_POSTMASTER_DIED)
		proc_exit(1);
	return estado->tem_extensao;
}

/* A database and when the launcher looks at it next. */
typedef struct BancoVisitado
{
	Oid         banco; /* hash key */
	TimestampTz proxima;
} BancoVisitado;

/*
 * The launcher: every fold_interval, a folder in each database that has
 * the extension, one at a time.
 */
void
estoque_cache_launcher_main(Datum arg)
{
	HASHCTL       ctl;
	HTAB         *visitados;
	MemoryContext passagem;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(BancoVisitado);
	visitados = hash_create("estoque_cache databases", 16, &ctl, HASH_ELEM | HASH_BLOBS);
	passagem =
		AllocSetContextCreate(TopMemoryContext, "estoque_cache launcher", ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		List       *bancos;
		ListCell   *lc;
		TimestampTz agora;

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, fold_interval,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (!fold_worker)
			continue;

		MemoryContextReset(passagem);
		bancos = listar_bancos(passagem);
		agora = GetCurrentTimestamp();
		foreach (lc, bancos)
		{
			Oid            banco = lfirst_oid(lc);
			bool           achou;
			BancoVisitado *v = hash_search(visitados, &banco, HASH_ENTER, &achou);

			if (achou && v->proxima > agora)
				continue;
			v->proxima =
				dobrar_em(banco) ? 0 : TimestampTzPlusMilliseconds(agora, REVER_SEM_EXTENSAO_MS);
			CHECK_FOR_INTERRUPTS();
		}
	}
}

/* A folder: one fold (and vacuum) in the database given by the launcher. */
void
estoque_cache_folder_main(Datum arg)
{
	int64 movidas;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(arg), InvalidOid, 0);

	movidas = dobrar_uma_vez();
	estado->tem_extensao = movidas >= 0;
	if (movidas > 0 && fold_vacuum)
		aspirar_delta();
	proc_exit(0);
}
