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

/* OID of the internal schema; errors out if the extension is not there. */
Oid
ec_schema_oid(void)
{
	return get_namespace_oid(EC_SCHEMA, false);
}

/* OID of an internal table. */
Oid
ec_relid(const char *relname)
{
	Oid relid = get_relname_relid(relname, ec_schema_oid());

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("internal table %s.%s of estoque_cache does not exist", EC_SCHEMA, relname),
				 errhint("Reinstall the extension with DROP EXTENSION and CREATE EXTENSION.")));
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
