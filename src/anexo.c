/*-------------------------------------------------------------------------
 *
 * anexo.c
 *	  Attached tables: validation when a table is attached, and the
 *	  per-backend cache of what the triggers need to know about it.
 *
 * The cache is keyed by the table's OID: an attachment is found by its table
 * (or, for a partition, by its attached partitioned ancestor, the columns
 * then being looked up in the partition), not by the triggers' arguments, so that triggers restored from a dump (whose
 * attachment may have been registered again under another id) or created by
 * an older version find it all the same.  An entry holds
 * the attribute numbers of the configured columns, how to convert their
 * values and the planned filter.  A relcache invalidation of the table
 * (ALTER TABLE, DROP/ADD COLUMN, trigger changes) marks the entry invalid
 * and the next trigger call reloads it, so a dropped-and-re-added column is
 * found at its new attnum and a renamed column gives a clean error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "optimizer/optimizer.h"
#include "access/sysattr.h"
#include "parser/parse_coerce.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "estoque_cache.h"

PG_FUNCTION_INFO_V1(estoque_cache_checar_anexo);
PG_FUNCTION_INFO_V1(estoque_cache_argumentos_gatilho);
PG_FUNCTION_INFO_V1(estoque_cache_colunas_do_filtro);

static HTAB *anexos = NULL;

/* Relcache callback: only mark entries invalid, as relcache callbacks must. */
static void
anexo_invalidar(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	Anexo          *anexo;

	if (anexos == NULL)
		return;
	hash_seq_init(&status, anexos);
	while ((anexo = hash_seq_search(&status)) != NULL)
		if (!OidIsValid(relid) || anexo->relid == relid)
			anexo->valido = false;
}

/*
 * Prepare the conversion of a value of tipo_origem into tipo_destino, the
 * same way an explicit cast does.  Domains are looked through.
 */
void
conversao_preparar(Conversao *conv, Oid tipo_origem, Oid tipo_destino, MemoryContext mcxt)
{
	Oid              base = getBaseType(tipo_origem);
	Oid              funcid = InvalidOid;
	CoercionPathType caminho;

	memset(conv, 0, sizeof(Conversao));
	conv->tipo_origem = base;
	conv->tipo_destino = tipo_destino;
	if (base == tipo_destino)
	{
		conv->identidade = true;
		return;
	}
	caminho = find_coercion_pathway(tipo_destino, base, COERCION_EXPLICIT, &funcid);
	switch (caminho)
	{
		case COERCION_PATH_RELABELTYPE:
			conv->identidade = true;
			break;
		case COERCION_PATH_FUNC:
			fmgr_info_cxt(funcid, &conv->funcao, mcxt);
			break;
		case COERCION_PATH_COERCEVIAIO:
			if (tipo_destino != TEXTOID)
				ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
								errmsg("type %s cannot be used as %s", format_type_be(base),
									   format_type_be(tipo_destino))));
			{
				Oid  saida;
				bool varlena;

				getTypeOutputInfo(base, &saida, &varlena);
				fmgr_info_cxt(saida, &conv->funcao, mcxt);
				conv->via_io = true;
			}
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
							errmsg("type %s cannot be converted to %s", format_type_be(base),
								   format_type_be(tipo_destino))));
	}
}

/* Convert one non-null value as prepared by conversao_preparar. */
Datum
conversao_aplicar(Conversao *conv, Datum valor)
{
	if (conv->identidade)
		return valor;
	if (conv->via_io)
		return CStringGetTextDatum(OutputFunctionCall(&conv->funcao, valor));
	return FunctionCall1Coll(&conv->funcao, DEFAULT_COLLATION_OID, valor);
}

/* The names of a table's columns, for hints. */
static char *
colunas_da_tabela(Relation rel)
{
	TupleDesc      desc = RelationGetDescr(rel);
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, quote_identifier(NameStr(att->attname)));
	}
	return buf.data;
}

/* Attribute number of a configured column, with a clean error if missing. */
static AttrNumber
coluna_attnum(Relation rel, const char *coluna, const char *papel)
{
	AttrNumber attnum;

	if (coluna == NULL)
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("the %s column of table \"%s\" must be given", papel,
							   RelationGetRelationName(rel))));
	attnum = get_attnum(RelationGetRelid(rel), coluna);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
						errmsg("column \"%s\" of relation \"%s\" does not exist", coluna,
							   RelationGetRelationName(rel)),
						errdetail("It was given as the %s column.", papel),
						errhint("Column names are matched exactly, as stored in the catalog. "
								"The table's columns are: %s.",
								colunas_da_tabela(rel))));
	if (attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
				 errmsg("system column \"%s\" cannot be used as the %s column", coluna, papel)));
	return attnum;
}

/* Type of an attribute; domains looked through. */
static Oid
coluna_tipo(Relation rel, AttrNumber attnum)
{
	return getBaseType(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid);
}

/* Check that a quantity column is numeric; prepare its conversion. */
static void
checar_quantidade(Relation rel, const char *coluna, AttrNumber attnum, Conversao *conv,
				  MemoryContext mcxt)
{
	Oid  tipo = coluna_tipo(rel, attnum);
	char categoria;
	bool preferido;

	get_type_category_preferred(tipo, &categoria, &preferido);
	if (categoria != TYPCATEGORY_NUMERIC || tipo == OIDOID || tipo == REGCLASSOID ||
		tipo == MONEYOID)
		ereport(
			ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("quantity column \"%s\" of relation \"%s\" has type %s", coluna,
					RelationGetRelationName(rel), format_type_be(tipo)),
			 errdetail("Quantities are summed as numeric."),
			 errhint(
				 "Use a column of type numeric, integer, bigint, smallint, real or double precision.")));
	conversao_preparar(conv, tipo, NUMERICOID, mcxt);
}

/* Check that a date column is date or timestamp; prepare its conversion. */
static void
checar_data(Relation rel, const char *coluna, AttrNumber attnum, Conversao *conv,
			MemoryContext mcxt)
{
	Oid tipo = coluna_tipo(rel, attnum);

	if (tipo != DATEOID && tipo != TIMESTAMPOID)
		ereport(
			ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("date column \"%s\" of relation \"%s\" has type %s", coluna,
					RelationGetRelationName(rel), format_type_be(tipo)),
			 errdetail(
				 "Only date and timestamp without time zone give the same day in every session."),
			 errhint(
				 tipo == TIMESTAMPTZOID
					 ? "A timestamp with time zone falls on different days in different time zones; "
					   "store the day in a date column (a generated column works)."
					 : "Use a column of type date.")));
	conversao_preparar(conv, tipo, DATEOID, mcxt);
}

/* Check that a code column can become text; prepare its conversion. */
static void
checar_codigo(Relation rel, const char *coluna, AttrNumber attnum, Conversao *conv,
			  MemoryContext mcxt)
{
	Oid tipo = coluna_tipo(rel, attnum);

	if (type_is_array(tipo) || type_is_rowtype(tipo) || tipo == BYTEAOID)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("code column \"%s\" of relation \"%s\" has type %s", coluna,
							   RelationGetRelationName(rel), format_type_be(tipo)),
						errhint("Product codes must be text, varchar, char or an integer type.")));
	conversao_preparar(conv, tipo, TEXTOID, mcxt);
}

/*
 * Fill an Anexo from its configuration, checking everything against the
 * relation.  Used both when attaching (errors reach the user) and when a
 * trigger loads its entry.  Returns the planned-ready transformed filter.
 */
static Node *
anexo_preparar(Anexo *anexo, Relation rel, const char *produto, const char *quantidade,
			   const char *data, const char *destino, const char *filtro)
{
	EstoqueFonte fonte = anexo->fonte;
	Node        *expr = NULL;

	anexo->relid = RelationGetRelid(rel);
	anexo->att_produto =
		coluna_attnum(rel, produto, fonte == FONTE_UNIFICACAO ? "origem" : "produto");
	checar_codigo(rel, produto, anexo->att_produto, &anexo->conv_produto, anexo->mcxt);
	if (FONTE_E_QUANTIDADE(fonte))
	{
		anexo->att_quantidade = coluna_attnum(rel, quantidade, "quantidade");
		checar_quantidade(rel, quantidade, anexo->att_quantidade, &anexo->conv_quantidade,
						  anexo->mcxt);
	}
	if (FONTE_TEM_DATA(fonte) || (data != NULL && FONTE_E_QUANTIDADE(fonte)))
	{
		AttrNumber att = coluna_attnum(rel, data, "data");

		checar_data(rel, data, att, &anexo->conv_data, anexo->mcxt);
		anexo->att_data = FONTE_TEM_DATA(fonte) ? att : 0;
	}
	if (fonte == FONTE_UNIFICACAO)
	{
		anexo->att_destino = coluna_attnum(rel, destino, "destino");
		checar_codigo(rel, destino, anexo->att_destino, &anexo->conv_destino, anexo->mcxt);
	}
	if (filtro != NULL)
		expr = filtro_transformar(rel, filtro);
	return expr;
}

/*
 * estoque_cache.checar_anexo(fonte, tabela, produto, quantidade, data,
 *                            filtro, destino, nome) returns text
 *
 * Validates an attachment before anything is written and returns the
 * canonical filter (NULL when there is none).
 */
Datum
estoque_cache_checar_anexo(PG_FUNCTION_ARGS)
{
	char        *fonte_txt;
	EstoqueFonte fonte;
	Oid          relid;
	Relation     rel;
	Anexo        anexo;
	char        *args[8] = {0};
	char        *canonico = NULL;
	Identidade   salva;

	for (int i = 0; i < 8; i++)
		if (i != 1 && !PG_ARGISNULL(i))
			args[i] = text_to_cstring(PG_GETARG_TEXT_PP(i));
	fonte_txt = args[0];
	if (fonte_txt == NULL)
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("fonte must not be null")));
	fonte = fonte_de_nome(fonte_txt);
	if (fonte == 0)
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown fonte \"%s\"", fonte_txt),
			 errhint(
				 "Valid fontes are movimentacao, carteira, pre_separacao, separacao and producao.")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("tabela must not be null")));
	relid = PG_GETARG_OID(1);

	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
						errmsg("relation with OID %u does not exist", relid),
						errhint("Pass the table by name, e.g. 'movimentacao_estoque'.")));
	if (RelationGetNamespace(rel) == ec_schema_oid())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is a table of estoque_cache itself", RelationGetRelationName(rel)),
				 errhint("Attach the application's tables, not the cache's.")));
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE && !FONTE_E_QUANTIDADE(fonte))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("partitioned table \"%s\" cannot be attached as %s",
						RelationGetRelationName(rel), fonte_nome(fonte)),
				 errhint("Partitioned tables are followed as quantity sources; attach the code "
						 "links and the catalogue as plain tables.")));
	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(
			ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("\"%s\" is not a table", RelationGetRelationName(rel)),
			 errhint(
				 "Only tables can be attached: views and foreign tables have no triggers that see every change.")));
	if (rel->rd_rel->relispartition)
		ereport(
			ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("\"%s\" is a partition", RelationGetRelationName(rel)),
			 errdetail("Writes routed through its partitioned table would not reach the cache."),
			 errhint("Attach the partitioned table: its partitions, present and future, count "
					 "through it.")));
	if (has_superclass(relid) || (rel->rd_rel->relkind == RELKIND_RELATION && has_subclass(relid) &&
								  find_inheritance_children(relid, NoLock) != NIL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" is part of an inheritance hierarchy",
						RelationGetRelationName(rel)),
				 errdetail("Writes to a parent or to its children fire different statement "
						   "triggers, which table inheritance does not let the cache follow."),
				 errhint("Use declarative partitioning (PARTITION BY), whose partitioned table "
						 "can be attached.")));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("temporary table \"%s\" cannot be attached",
							   RelationGetRelationName(rel))));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unlogged table \"%s\" cannot be attached", RelationGetRelationName(rel)),
				 errdetail("Crash recovery empties an unlogged table without firing its triggers, "
						   "so the cache would keep figures the table no longer has."),
				 errhint("Make it a logged table first: ALTER TABLE %s SET LOGGED.",
						 quote_identifier(RelationGetRelationName(rel)))));

	/* the filter and the columns' conversions are the application's code */
	ec_como_dono_da_tabela(relid, &salva);
	memset(&anexo, 0, sizeof(Anexo));
	anexo.fonte = fonte;
	anexo.mcxt = CurrentMemoryContext;
	if (fonte == FONTE_PRODUTOS)
	{
		AttrNumber att;
		Conversao  conv;

		anexo.att_produto = coluna_attnum(rel, args[2], "codigo");
		checar_codigo(rel, args[2], anexo.att_produto, &anexo.conv_produto, anexo.mcxt);
		att = coluna_attnum(rel, args[7], "nome");
		checar_codigo(rel, args[7], att, &conv, anexo.mcxt);
	}
	else
		anexo_preparar(&anexo, rel, args[2], args[3], args[4], args[6], args[5]);
	if (args[5] != NULL)
		canonico = filtro_canonico(rel, args[5]);
	ec_restaurar(&salva);
	table_close(rel, AccessShareLock);

	if (canonico == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(canonico));
}

/*
 * Load an attachment's configuration from estoque_cache.anexo into a fresh
 * entry (the caller has the relation open).
 */
static void
anexo_carregar(Anexo *anexo, Relation rel)
{
	Identidade        salva;
	static SPIPlanPtr plano = NULL;
	Datum             arg = ObjectIdGetDatum(anexo->relid);
	Oid               argtipo = OIDOID;
	char             *valores[6];
	char             *nome;
	Node             *expr;
	MemoryContext     antigo;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plano == NULL)
	{
		SPIPlanPtr p =
			SPI_prepare("SELECT fonte, anexo_id::pg_catalog.text, produto, "
						"quantidade, data, destino, filtro, nome "
						"FROM estoque_cache.anexo "
						"WHERE tabela::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
						"   OR tabela::pg_catalog.oid IN "
						"      (SELECT relid FROM pg_catalog.pg_partition_ancestors($1))",
						1, &argtipo);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plano = p;
	}
	/*
	 * Configuration is read like a catalog, with the latest snapshot: a
	 * REPEATABLE READ transaction older than the attachment must still find
	 * it (its triggers exist, so its writes must count).
	 */
	if (SPI_execute_snapshot(plano, &arg, NULL, GetLatestSnapshot(), InvalidSnapshot, true, false,
							 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed");
	if (SPI_processed != 1)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
						errmsg("table \"%s\" has estoque_cache triggers but is not attached",
							   RelationGetRelationName(rel)),
						errdetail("Its writes cannot reach the cache, so they are refused."),
						errhint("Attach it with estoque_cache_attach(), or drop its triggers named "
								"estoque_cache_* if it should not be attached.")));

	anexo->fonte = fonte_de_nome(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	anexo->anexo_id = pg_strtoint32(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
	for (int i = 0; i < 5; i++)
	{
		char *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 3);

		valores[i] = v ? MemoryContextStrdup(anexo->mcxt, v) : NULL;
	}
	nome = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 8);
	if (nome != NULL)
		nome = MemoryContextStrdup(anexo->mcxt, nome);
	SPI_finish();

	/*
	 * Parsing and planning the filter may run the application's code
	 * (constant folding calls its immutable functions; type input and output
	 * functions): as the table's owner, restricted.  That also parses the
	 * stored canonical text, deparsed under search_path = pg_catalog, under
	 * that same path: the writing session's search_path never chooses which
	 * function or operator runs.
	 */
	ec_como_dono_da_tabela(RelationGetRelid(rel), &salva);
	antigo = MemoryContextSwitchTo(anexo->mcxt);
	expr = anexo_preparar(anexo, rel, valores[0], valores[1], valores[2], valores[3], valores[4]);
	anexo->filtro = expr ? expression_planner((Expr *) expr) : NULL;
	if (anexo->fonte == FONTE_PRODUTOS)
	{
		anexo->att_nome = coluna_attnum(rel, nome, "nome");
		checar_codigo(rel, nome, anexo->att_nome, &anexo->conv_nome, anexo->mcxt);
	}
	MemoryContextSwitchTo(antigo);
	ec_restaurar(&salva);
}

/*
 * The cache entry of the attachment of rel (the trigger's relation), loaded
 * or reloaded as needed.
 */
Anexo *
anexo_obter(Relation rel)
{
	Oid    relid = RelationGetRelid(rel);
	Anexo *anexo;
	bool   achou;

	if (anexos == NULL)
	{
		HASHCTL ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(Anexo);
		ctl.hcxt = CacheMemoryContext;
		anexos =
			hash_create("estoque_cache anexos", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(anexo_invalidar, (Datum) 0);
	}
	anexo = hash_search(anexos, &relid, HASH_ENTER, &achou);
	if (achou && anexo->valido)
		return anexo;

	if (achou && anexo->mcxt != NULL)
		MemoryContextDelete(anexo->mcxt);
	memset(((char *) anexo) + sizeof(Oid), 0, sizeof(Anexo) - sizeof(Oid));
	anexo->mcxt =
		AllocSetContextCreate(CacheMemoryContext, "estoque_cache anexo", ALLOCSET_SMALL_SIZES);
	/* set before loading, so that an invalidation arriving meanwhile sticks */
	anexo->valido = true;
	PG_TRY();
	{
		anexo_carregar(anexo, rel);
	}
	PG_CATCH();
	{
		MemoryContextDelete(anexo->mcxt);
		hash_search(anexos, &relid, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return anexo;
}

/*
 * estoque_cache.argumentos_gatilho(gatilho oid) returns text[]
 *
 * The arguments of a trigger, as CREATE TRIGGER received them; NULL when the
 * trigger does not exist.  The event trigger that registers attachments from
 * restored triggers reads them (tgargs is a bytea of NUL-terminated strings,
 * awkward to split in SQL).
 */
Datum
estoque_cache_argumentos_gatilho(PG_FUNCTION_ARGS)
{
	Oid         gatilho = PG_GETARG_OID(0);
	Relation    rel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData chave;
	SysScanDesc scan;
	HeapTuple   tup;
	ArrayType  *resultado = NULL;

	ScanKeyInit(&chave, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(gatilho));
	scan = systable_beginscan(rel, TriggerOidIndexId, true, NULL, 1, &chave);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		Form_pg_trigger forma = (Form_pg_trigger) GETSTRUCT(tup);
		Datum          *elementos = palloc0(sizeof(Datum) * Max(forma->tgnargs, 1));
		bool            nulo;
		Datum args = heap_getattr(tup, Anum_pg_trigger_tgargs, RelationGetDescr(rel), &nulo);

		if (!nulo && forma->tgnargs > 0)
		{
			bytea *bytes = DatumGetByteaPP(args);
			char  *p = VARDATA_ANY(bytes);
			char  *fim = p + VARSIZE_ANY_EXHDR(bytes);

			for (int i = 0; i < forma->tgnargs && p < fim; i++)
			{
				elementos[i] = CStringGetTextDatum(p);
				p += strlen(p) + 1;
			}
		}
		resultado = construct_array(elementos, forma->tgnargs, TEXTOID, -1, false, TYPALIGN_INT);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (resultado == NULL)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(resultado);
}

/*
 * estoque_cache.colunas_do_filtro(tabela regclass, filtro text) returns text
 *
 * The columns a filter reads, as "number:type" in column order: part of an
 * attachment's assinatura, so that a filter column dropped and added again
 * (same name, new number, no values) makes the attachment recompute.  The
 * filter is transformed as the table's owner, as everywhere else.
 */
Datum
estoque_cache_colunas_do_filtro(PG_FUNCTION_ARGS)
{
	Oid            relid = PG_GETARG_OID(0);
	char          *filtro = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Relation       rel = relation_open(relid, AccessShareLock);
	Identidade     salva;
	Node          *expr;
	Bitmapset     *colunas = NULL;
	StringInfoData buf;
	int            c = -1;

	ec_como_dono_da_tabela(relid, &salva);
	expr = filtro_transformar(rel, filtro);
	ec_restaurar(&salva);
	pull_varattnos(expr, 1, &colunas);
	initStringInfo(&buf);
	while ((c = bms_next_member(colunas, c)) >= 0)
	{
		AttrNumber        attnum = c + FirstLowInvalidHeapAttributeNumber;
		Form_pg_attribute att;

		if (attnum <= 0)
			continue; /* a filter reads no system column (filtro_transformar) */
		att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
		appendStringInfo(&buf, "%s%d:%s", buf.len > 0 ? "," : "", attnum,
						 format_type_with_typemod(att->atttypid, att->atttypmod));
	}
	relation_close(rel, AccessShareLock);
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}
