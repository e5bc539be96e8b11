/*-------------------------------------------------------------------------
 *
 * seguranca.c
 *	  Who runs what: the cache owner for the cache's own tables, the source
 *	  table's owner for anything the application chose.
 *
 * Two kinds of code run when the cache follows a source table:
 *
 * - the extension's own work on its tables (reading its configuration,
 *   appending deltas, recomputing groups), which runs nothing user-defined
 *   and is done as the role that owns the cache tables, so that application
 *   roles need no privilege on them (as ri_triggers.c runs its queries as
 *   the referenced table's owner);
 *
 * - code the application side chose and can replace at any time: the
 *   filter and the functions and operators it calls, the casts and output
 *   functions that turn a column into a code, a quantity or a date.  That
 *   code runs as the source table's owner inside a security-restricted
 *   operation with its own GUC nest level, exactly as PostgreSQL runs index
 *   expressions during VACUUM, ANALYZE or REFRESH MATERIALIZED VIEW: it
 *   cannot gain the cache owner's or an administrator's rights, change the
 *   role, or leave settings behind.
 *
 * Row-level security does not hide rows from the cache (SECURITY_NOFORCE_RLS
 * in both modes): its figures are over every row, as the transition tables
 * the triggers read are.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "nodes/execnodes.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "estoque_cache.h"

PG_FUNCTION_INFO_V1(estoque_cache_ler_como_dono);

/* Owner of a relation. */
static Oid
dono_da_relacao(Oid relid)
{
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid       dono;

	if (!HeapTupleIsValid(tuple))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
						errmsg("relation with OID %u does not exist", relid)));
	dono = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return dono;
}

/*
 * The role that owns the cache tables.  Triggers and repairs write the
 * cache as this role.
 */
Oid
ec_dono(void)
{
	return dono_da_relacao(ec_relid("delta"));
}

/* Switch to the cache owner, to work on the cache's own tables. */
void
ec_como_dono_do_cache(Identidade *salva)
{
	GetUserIdAndSecContext(&salva->usuario, &salva->contexto);
	salva->nivel_guc = -1;
	SetUserIdAndSecContext(ec_dono(),
						   salva->contexto | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
}

/*
 * The same, with search_path = pg_catalog, pg_temp and jit off in a new GUC
 * nest level: for the cache's own SQL functions that the planner inlines
 * into a plan kept across calls (their names resolve the same, safe way
 * every time, so the plan stays valid; JIT would cost more than they do).
 */
void
ec_como_dono_do_cache_sem_caminho(Identidade *salva)
{
	ec_como_dono_do_cache(salva);
	salva->nivel_guc = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
							 false);
}

/*
 * Switch to the owner of relid, in a security-restricted operation with a
 * new GUC nest level and search_path = pg_catalog, pg_temp, to run code the
 * application chose.
 */
void
ec_como_dono_da_tabela(Oid relid, Identidade *salva)
{
	GetUserIdAndSecContext(&salva->usuario, &salva->contexto);
	SetUserIdAndSecContext(dono_da_relacao(relid), salva->contexto | SECURITY_LOCAL_USERID_CHANGE |
													   SECURITY_RESTRICTED_OPERATION |
													   SECURITY_NOFORCE_RLS);
	salva->nivel_guc = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Back to the identity saved by one of the functions above (settings
 * changed meanwhile are undone).  On error, transaction abort restores both.
 */
void
ec_restaurar(Identidade *salva)
{
	if (salva->nivel_guc >= 0)
		AtEOXact_GUC(false, salva->nivel_guc);
	SetUserIdAndSecContext(salva->usuario, salva->contexto);
}

/*
 * estoque_cache.ler_como_dono(tabela regclass, consulta text, codigos text[],
 *                             recente boolean DEFAULT false) RETURNS SETOF record
 *
 * Runs `consulta`, a SELECT over `tabela` built by the extension's SQL from
 * an attachment (quoted identifiers, the stored canonical filter, casts of
 * the mapped columns), as the table's owner in a security-restricted
 * operation, and returns its rows; $1 in the query is `codigos`.  It reads
 * in the snapshot of the query that calls it, so
 * a repair that compares its result with the cache in one statement sees
 * both sides alike; with `recente`, in the latest snapshot instead, for a
 * new attachment, whose rows committed by anyone before its triggers existed
 * must all count whatever the isolation level.  Not executable by PUBLIC.
 */
Datum
estoque_cache_ler_como_dono(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid            relid;
	char          *consulta;
	Oid            tipo = TEXTARRAYOID;
	Datum          codigos;
	char           nulo;
	Identidade     salva;
	int            ret;
	Snapshot       foto;
	SPIPlanPtr     plano;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("tabela and consulta must not be null")));
	relid = PG_GETARG_OID(0);
	consulta = text_to_cstring(PG_GETARG_TEXT_PP(1));
	codigos = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	nulo = PG_ARGISNULL(2) ? 'n' : ' ';

	InitMaterializedSRF(fcinfo, 0);

	ec_como_dono_da_tabela(relid, &salva);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/*
	 * The snapshot: the one the calling query reads with (its EState's, not
	 * whatever snapshot happens to be active: a query fetched through a
	 * cursor, as PL/pgSQL's RETURN QUERY EXECUTE does, runs without pushing
	 * its own), or the latest one.
	 */
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3) && PG_GETARG_BOOL(3))
		foto = GetLatestSnapshot();
	else if (rsinfo->econtext != NULL && rsinfo->econtext->ecxt_estate != NULL &&
			 rsinfo->econtext->ecxt_estate->es_snapshot != InvalidSnapshot)
		foto = rsinfo->econtext->ecxt_estate->es_snapshot;
	else
		foto = GetActiveSnapshot();
	plano = SPI_prepare(consulta, 1, &tipo);
	if (plano == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	ret = SPI_execute_snapshot(plano, &codigos, &nulo, foto, InvalidSnapshot, true, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "estoque_cache.ler_como_dono: %s", SPI_result_code_string(ret));
	if (SPI_tuptable->tupdesc->natts != rsinfo->setDesc->natts)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("query returns %d columns, the caller expects %d",
							   SPI_tuptable->tupdesc->natts, rsinfo->setDesc->natts)));
	for (int i = 0; i < rsinfo->setDesc->natts; i++)
		if (TupleDescAttr(SPI_tuptable->tupdesc, i)->atttypid !=
			TupleDescAttr(rsinfo->setDesc, i)->atttypid)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column %d of the query has type %s, the caller expects %s", i + 1,
							format_type_be(TupleDescAttr(SPI_tuptable->tupdesc, i)->atttypid),
							format_type_be(TupleDescAttr(rsinfo->setDesc, i)->atttypid))));
	for (uint64 i = 0; i < SPI_processed; i++)
		tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
	SPI_finish();
	ec_restaurar(&salva);
	return (Datum) 0;
}

static void
negar_leitura(void)
{
	ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					errmsg("permission denied for view estoque_cache_saldo"),
					errhint("Reading the cache was revoked for this role; ask an administrator "
							"for SELECT on estoque_cache_saldo.")));
}

/*
 * Reading through estoque_cache.saldo_grupos() is governed by the privilege
 * to read the view built on it, so that revoking SELECT on the view closes
 * this door too (a view's functions run with the caller's privileges).
 */
void
checar_leitura_da_view(void)
{
	/* the view's OID, looked up again when it no longer names the view */
	static Oid  view = InvalidOid;
	Oid         extensao;
	Oid         esquema = InvalidOid;
	Relation    rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple   tup;
	char       *nome = OidIsValid(view) ? get_rel_name(view) : NULL;

	if (nome != NULL && strcmp(nome, "estoque_cache_saldo") == 0)
	{
		if (pg_class_aclcheck(view, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			negar_leitura();
		return;
	}
	extensao = get_extension_oid("estoque_cache", false);
	rel = table_open(ExtensionRelationId, AccessShareLock);

	/* the schema of the public API: pg_extension.extnamespace */
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extensao));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	if ((tup = systable_getnext(scan)) != NULL)
		esquema = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	view = OidIsValid(esquema) ? get_relname_relid("estoque_cache_saldo", esquema) : InvalidOid;

	if (OidIsValid(view) && pg_class_aclcheck(view, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		negar_leitura();
}
