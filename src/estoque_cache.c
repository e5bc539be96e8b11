/*-------------------------------------------------------------------------
 *
 * estoque_cache.c
 *	  Module entry point of estoque_cache: module magic, _PG_init and the
 *	  small helpers every other file uses (names of the sources, the
 *	  internal schema, numeric zero).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

#include "estoque_cache.h"

PG_MODULE_MAGIC;

void _PG_init(void);

static const struct
{
	EstoqueFonte fonte;
	const char  *nome;
} fontes[] = {
	{FONTE_MOVIMENTACAO, "movimentacao"},   {FONTE_CARTEIRA, "carteira"},
	{FONTE_PRE_SEPARACAO, "pre_separacao"}, {FONTE_SEPARACAO, "separacao"},
	{FONTE_PRODUCAO, "producao"},           {FONTE_UNIFICACAO, "unificacao"},
	{FONTE_PRODUTOS, "produtos"},
};

/*
 * estoque_cache.keep_list: up to 1.0 each backend kept the whole list
 * between reads.  The view now reads stored rows (resumo.c) and keeps
 * nothing; the setting is still accepted, with no effect, so that
 * configuration files and ALTER ROLE ... SET that name it keep working.
 */
static bool manter_lista = true;

/*
 * Module load: every setting is defined here.  The fold worker can only be
 * registered while the library is being preloaded; everything else works
 * without preloading.
 */
void
_PG_init(void)
{
	DefineCustomBoolVariable("estoque_cache.keep_list",
							 "No effect since 1.1 (the list is read from stored rows).", NULL,
							 &manter_lista, true, PGC_USERSET, 0, NULL, NULL, NULL);
	ec_worker_registrar();
}

/* Kind of attachment from its SQL name; 0 when unknown. */
EstoqueFonte
fonte_de_nome(const char *nome)
{
	for (int i = 0; i < lengthof(fontes); i++)
		if (strcmp(fontes[i].nome, nome) == 0)
			return fontes[i].fonte;
	return (EstoqueFonte) 0;
}

/* SQL name of a kind of attachment. */
const char *
fonte_nome(EstoqueFonte fonte)
{
	for (int i = 0; i < lengthof(fontes); i++)
		if (fontes[i].fonte == fonte)
			return fontes[i].nome;
	return "?";
}

/*
 * The OIDs of the internal schema and relations, looked up once per backend
 * and forgotten whenever pg_class or pg_namespace entries are invalidated
 * (a relation or schema created, renamed or dropped anywhere), as the
 * system caches forget theirs.  A read of the view names a dozen of them
 * in every transaction.
 */
typedef struct OidGuardado
{
	char nome[NAMEDATALEN]; /* hash key */
	Oid  oid;
} OidGuardado;

static HTAB *oids_guardados = NULL;
static Oid   esquema_guardado = InvalidOid;
static bool  oids_esquecidos = false;

/* Syscache callback: the next lookup starts afresh (nothing is freed here). */
static void
esquecer_oids(Datum arg, int cacheid, uint32 hashvalue)
{
	oids_esquecidos = true;
	esquema_guardado = InvalidOid;
}

/* OID of the internal schema; errors out if the extension is not there. */
Oid
ec_schema_oid(void)
{
	static bool registrado = false;

	if (!registrado)
	{
		CacheRegisterSyscacheCallback(RELNAMENSP, esquecer_oids, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, esquecer_oids, (Datum) 0);
		registrado = true;
	}
	if (!OidIsValid(esquema_guardado))
		esquema_guardado = get_namespace_oid(EC_SCHEMA, false);
	return esquema_guardado;
}

/* OID of an internal table (or index). */
Oid
ec_relid(const char *relname)
{
	Oid          esquema = ec_schema_oid();
	OidGuardado *e;
	bool         achou;
	Oid          relid;

	if (oids_esquecidos && oids_guardados != NULL)
	{
		hash_destroy(oids_guardados);
		oids_guardados = NULL;
	}
	oids_esquecidos = false;
	if (oids_guardados == NULL)
	{
		HASHCTL ctl;

		ctl.keysize = NAMEDATALEN;
		ctl.entrysize = sizeof(OidGuardado);
		ctl.hcxt = TopMemoryContext;
		oids_guardados =
			hash_create("estoque_cache oids", 32, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	e = hash_search(oids_guardados, relname, HASH_FIND, &achou);
	if (e != NULL)
		return e->oid;
	relid = get_relname_relid(relname, esquema);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("internal table %s.%s of estoque_cache does not exist", EC_SCHEMA, relname),
				 errhint("Reinstall the extension with DROP EXTENSION and CREATE EXTENSION.")));
	/* looked up again if an invalidation came meanwhile */
	if (!oids_esquecidos)
	{
		e = hash_search(oids_guardados, relname, HASH_ENTER, &achou);
		e->oid = relid;
	}
	return relid;
}

/* Numeric zero, made once per backend. */
Datum
numeric_zero(void)
{
	static Numeric zero = NULL;

	if (zero == NULL)
	{
		MemoryContext antigo = MemoryContextSwitchTo(TopMemoryContext);

		zero = int64_to_numeric(0);
		MemoryContextSwitchTo(antigo);
	}
	return NumericGetDatum(zero);
}

/* True if a numeric datum is zero. */
bool
numeric_e_zero(Datum valor)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, valor, numeric_zero())) == 0;
}
