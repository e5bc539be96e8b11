/*-------------------------------------------------------------------------
 *
 * trigger.c
 *	  The C triggers that keep the cache exact inside the writing
 *	  transaction.
 *
 * estoque_cache.trg_fonte() is attached to the five quantity sources as
 * AFTER ... FOR EACH STATEMENT triggers with transition tables (one each
 * for INSERT, UPDATE and DELETE, plus TRUNCATE).  It reads the statement's
 * old and new rows, keeps those that pass the filter, nets them per
 * (code, date) and appends one row per non-zero net change to
 * estoque_cache.delta.  It never updates a shared row, so writers of the
 * same product never wait for each other and cannot deadlock through the
 * cache; readers add the appended changes to the folded figures, so they see
 * committed work plus their own transaction's, and nothing else.
 *
 * estoque_cache.trg_codigos() is attached to link tables and product
 * catalogues.  It appends the statement's net link (or name) changes to
 * estoque_cache.aresta_delta (or nome_delta) the same way: readers combine
 * them with the folded links and names, the folder regroups later.
 *
 * The application's code (filter, casts) runs as the table's owner and the
 * cache's tables are written as the cache owner: see seguranca.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "parser/parse_func.h"
#include "nodes/value.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "estoque_cache.h"

PG_FUNCTION_INFO_V1(estoque_cache_trg_fonte);
PG_FUNCTION_INFO_V1(estoque_cache_trg_codigos);

/* Net change of one (code, date) within a statement. */
typedef struct ChaveDelta
{
	const char *codigo; /* bytes of the code as text, not NUL-terminated */
	int         tamanho;
	DateADT     data;
} ChaveDelta;

typedef struct Delta
{
	ChaveDelta chave; /* hash key */
	Soma       quantidade;
} Delta;

static uint32
chave_hash(const void *key, Size keysize)
{
	const ChaveDelta *k = (const ChaveDelta *) key;

	return hash_combine(hash_bytes((const unsigned char *) k->codigo, k->tamanho),
						murmurhash32((uint32) k->data));
}

static int
chave_comparar(const void *key1, const void *key2, Size keysize)
{
	const ChaveDelta *a = (const ChaveDelta *) key1;
	const ChaveDelta *b = (const ChaveDelta *) key2;

	if (a->data != b->data || a->tamanho != b->tamanho)
		return 1;
	return memcmp(a->codigo, b->codigo, a->tamanho);
}

/* Check how a trigger function was called; complain like contrib/tcn. */
static TriggerData *
checar_chamada(FunctionCallInfo fcinfo, const char *funcao)
{
	TriggerData *trigdata;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("%s: not called by trigger manager", funcao)));
	trigdata = (TriggerData *) fcinfo->context;
	/*
	 * AFTER ... FOR EACH STATEMENT; BEFORE for the codes tables' lock and a
	 * partition's TRUNCATE; AFTER ... FOR EACH ROW for the replica path.
	 */
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event)
			? !TRIGGER_FIRED_AFTER(trigdata->tg_event)
			: (!TRIGGER_FIRED_AFTER(trigdata->tg_event) &&
			   !(TRIGGER_FIRED_BEFORE(trigdata->tg_event) &&
				 (strcmp(funcao, "estoque_cache.trg_codigos") == 0 ||
				  TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event)))))
		ereport(
			ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("%s: must be fired AFTER ... FOR EACH STATEMENT or ROW", funcao),
			 errhint(
				 "Attach tables with estoque_cache_attach instead of creating triggers by hand.")));
	/*
	 * The arguments describe the attachment (see estoque_cache.criar_gatilhos)
	 * so that a restored trigger can register it again; the attachment is
	 * found by the table, whatever they say.
	 */
	if (trigdata->tg_trigger->tgnargs < 1)
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("%s: expected the attachment's arguments", funcao)));
	if (!TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) && TRIGGER_FIRED_AFTER(trigdata->tg_event) &&
		TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
	{
		bool precisa_old = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ||
						   TRIGGER_FIRED_BY_DELETE(trigdata->tg_event);
		bool precisa_new = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ||
						   TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);

		if ((precisa_old && trigdata->tg_oldtable == NULL) ||
			(precisa_new && trigdata->tg_newtable == NULL))
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("%s: trigger \"%s\" lacks its transition tables", funcao,
							trigdata->tg_trigger->tgname),
					 errhint("Detach and attach the table again with estoque_cache_attach.")));
	}
	return trigdata;
}

/*
 * Add sinal * the quantity of one row to the hash, if it passes the filter
 * (evaluated with econtext) and has a code and a finite quantity.
 */
static void
acumular_linha(TupleTableSlot *slot, Anexo *anexo, int sinal, HTAB *deltas, ExprState *filtro,
			   ExprContext *econtext, MemoryContext mcxt)
{
	Datum         codigo, quantidade;
	bool          nulo;
	ChaveDelta    chave;
	Delta        *delta;
	bool          achou;
	MemoryContext antigo;

	if (filtro != NULL)
	{
		Datum ok;

		econtext->ecxt_scantuple = slot;
		ok = ExecEvalExprSwitchContext(filtro, econtext, &nulo);
		ResetExprContext(econtext);
		if (nulo || !DatumGetBool(ok))
			return;
	}
	codigo = slot_getattr(slot, anexo->att_produto, &nulo);
	if (nulo)
		return; /* a NULL code does not count */
	quantidade = slot_getattr(slot, anexo->att_quantidade, &nulo);
	if (nulo)
		return; /* nor does a NULL quantity */

	antigo = MemoryContextSwitchTo(mcxt);
	{
		text *t = DatumGetTextPP(conversao_aplicar(&anexo->conv_produto, codigo));

		/* points into the slot (or a fresh copy): copied below if kept */
		chave.codigo = VARDATA_ANY(t);
		chave.tamanho = VARSIZE_ANY_EXHDR(t);
	}
	chave.data = DATEVAL_NOBEGIN;
	if (anexo->att_data != 0)
	{
		Datum data = slot_getattr(slot, anexo->att_data, &nulo);

		if (!nulo)
			chave.data = DatumGetDateADT(conversao_aplicar(&anexo->conv_data, data));
	}
	quantidade = conversao_aplicar(&anexo->conv_quantidade, quantidade);
	if (numeric_nao_finito(quantidade))
	{
		/* nor does a NaN or infinite one (verify and repairs agree) */
		MemoryContextSwitchTo(antigo);
		return;
	}

	/*
	 * The slot's values live only until the next tuple is read (a
	 * transition table larger than work_mem is read back from disk): a new
	 * entry keeps a copy of the code; the sum never points into the slot
	 * (soma_adicionar keeps an integer or a fresh numeric).
	 */
	delta = hash_search(deltas, &chave, HASH_ENTER, &achou);
	if (!achou)
	{
		char *copia = palloc(chave.tamanho + 1);

		memcpy(copia, chave.codigo, chave.tamanho);
		copia[chave.tamanho] = '\0';
		delta->chave.codigo = copia;
		soma_iniciar(&delta->quantidade);
	}
	soma_adicionar(&delta->quantidade, quantidade, sinal);
	MemoryContextSwitchTo(antigo);
}

/*
 * Read every row of a transition table with a read pointer of our own (the
 * tuplestore is shared with other triggers of the statement), and add
 * sinal * quantity of the rows that pass the filter to the hash.
 */
static void
acumular(Tuplestorestate *ts, Relation rel, Anexo *anexo, int sinal, HTAB *deltas,
		 ExprState *filtro, ExprContext *econtext, MemoryContext mcxt)
{
	TupleTableSlot *slot;
	int             ptr;

	if (ts == NULL)
		return;
	slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	ptr = tuplestore_alloc_read_pointer(ts, 0);
	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);

	while (tuplestore_gettupleslot(ts, true, false, slot))
		acumular_linha(slot, anexo, sinal, deltas, filtro, econtext, mcxt);
	ExecDropSingleTupleTableSlot(slot);
}

#define LOTE_DELTAS 1000

/* Insert a batch of slots into the delta heap at once, then their index entries. */
static void
gravar_lote(Relation rel, ResultRelInfo *rri, EState *estate, TupleTableSlot **slots, int n,
			BulkInsertState bistate)
{
	if (n == 1)
		simple_table_tuple_insert(rel, slots[0]);
	else
		table_multi_insert(rel, slots, n, GetCurrentCommandId(true), 0, bistate);
	for (int i = 0; i < n; i++)
	{
		ExecInsertIndexTuples(rri, slots[i], estate, false, false, NULL, NIL);
		ResetPerTupleExprContext(estate);
		ExecClearTuple(slots[i]);
	}
}

/*
 * Append the non-zero net changes to estoque_cache.delta (the caller runs as
 * the cache owner).  The rows go straight into the heap and its indexes, as
 * logical replication's apply does, rather than through a planned INSERT:
 * this runs once per writing statement of the application, so executor
 * start-up would be a good part of its cost.  The table has no triggers, no
 * constraints beyond NOT NULL (always satisfied here) and plain indexes.
 */
static void
gravar_deltas(Anexo *anexo, HTAB *deltas)
{
	HASH_SEQ_STATUS  status;
	Delta           *delta;
	Relation         rel = NULL;
	ResultRelInfo   *rri = NULL;
	EState          *estate = NULL;
	TupleTableSlot **slots = NULL;
	BulkInsertState  bistate = NULL;
	int              n = 0;
	Datum            valores[6];
	bool             nulos[6] = {0};

	hash_seq_init(&status, deltas);
	while ((delta = hash_seq_search(&status)) != NULL)
	{
		if (soma_e_zero(&delta->quantidade))
			continue;
		if (rel == NULL)
		{
			rel = table_open(ec_relid("delta"), RowExclusiveLock);
			estate = CreateExecutorState();
			rri = makeNode(ResultRelInfo);
			InitResultRelInfo(rri, rel, 1, NULL, 0);
			ExecOpenIndices(rri, false);
			slots = palloc0(sizeof(TupleTableSlot *) * LOTE_DELTAS);
			/* columns: codigo, anexo_id, data, fonte, quantidade, atualizado_em */
			valores[1] = Int32GetDatum(anexo->anexo_id);
			valores[3] = Int16GetDatum((int16) anexo->fonte);
			valores[5] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		}
		if (slots[n] == NULL)
			slots[n] = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsHeapTuple);
		valores[0] =
			PointerGetDatum(cstring_to_text_with_len(delta->chave.codigo, delta->chave.tamanho));
		valores[2] = DateADTGetDatum(delta->chave.data);
		valores[4] = soma_numeric(&delta->quantidade);
		ExecStoreHeapTuple(heap_form_tuple(RelationGetDescr(rel), valores, nulos), slots[n], true);
		if (++n == LOTE_DELTAS)
		{
			if (bistate == NULL)
				bistate = GetBulkInsertState();
			gravar_lote(rel, rri, estate, slots, n, bistate);
			n = 0;
		}
	}
	if (rel != NULL)
	{
		if (n > 0)
			gravar_lote(rel, rri, estate, slots, n, bistate);
		for (int i = 0; i < LOTE_DELTAS && slots[i] != NULL; i++)
			ExecDropSingleTupleTableSlot(slots[i]);
		if (bistate != NULL)
			FreeBulkInsertState(bistate);
		ExecCloseIndices(rri);
		FreeExecutorState(estate);
		table_close(rel, RowExclusiveLock);
	}
}

/* Run "SELECT estoque_cache.<funcao>($1, $2)". */
static void
chamar_sincronizacao(const char *sql, int32 anexo_id, Datum codigos, bool codigos_nulo)
{
	Oid   tipos[2] = {INT4OID, TEXTARRAYOID};
	Datum valores[2];
	char  nulos[2] = {' ', codigos_nulo ? 'n' : ' '};
	int   ret;

	valores[0] = Int32GetDatum(anexo_id);
	valores[1] = codigos;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(sql, 2, tipos, valores, nulos, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "estoque_cache: %s failed: %s", sql, SPI_result_code_string(ret));
	SPI_finish();
}

/* Run "SELECT estoque_cache.subtrair_particao($1, $2)". */
static void
subtrair_particao(int32 anexo_id, Oid particao)
{
	Oid   tipos[2] = {INT4OID, REGCLASSOID};
	Datum valores[2] = {Int32GetDatum(anexo_id), ObjectIdGetDatum(particao)};
	int   ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT estoque_cache.subtrair_particao($1, $2)", 2, tipos, valores,
								NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "estoque_cache.subtrair_particao failed: %s", SPI_result_code_string(ret));
	SPI_finish();
}

/*
 * estoque_cache.trg_fonte(): AFTER INSERT/UPDATE/DELETE/TRUNCATE FOR EACH
 * STATEMENT on a quantity source; argument: the attachment id.
 *
 * Three steps, each as the role it needs (seguranca.c): the attachment's
 * configuration is read as the cache owner; the statement's rows are
 * filtered and converted as the table's owner in a security-restricted
 * operation (the filter, casts and output functions are the application's
 * code); the deltas are appended as the cache owner, by code that runs
 * nothing user-defined.  The writing role needs no privilege on the cache.
 * An error aborts the (sub)transaction, which restores the user.
 */
Datum
estoque_cache_trg_fonte(PG_FUNCTION_ARGS)
{
	TriggerData  *trigdata = checar_chamada(fcinfo, "estoque_cache.trg_fonte");
	Relation      rel = trigdata->tg_relation;
	Anexo        *anexo;
	Identidade    salva;
	MemoryContext mcxt;
	MemoryContext antigo;
	HASHCTL       ctl;
	HTAB         *deltas;
	EState       *estate = NULL;
	ExprState    *filtro = NULL;
	ExprContext  *econtext = NULL;

	ec_como_dono_do_cache(&salva);
	anexo = anexo_obter(rel);
	if (!FONTE_E_QUANTIDADE(anexo->fonte))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("estoque_cache.trg_fonte: attachment %d is a %s, not a quantity source",
						anexo->anexo_id, fonte_nome(anexo->fonte))));

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) && TRIGGER_FIRED_BEFORE(trigdata->tg_event))
	{
		/*
		 * A partition about to be emptied (alone, or with its partitioned
		 * table): subtract its own rows, as every committed transaction
		 * left them; the partitioned table's AFTER TRUNCATE, if it fires,
		 * then finds nothing left to cancel.
		 */
		subtrair_particao(anexo->anexo_id, RelationGetRelid(rel));
		ec_restaurar(&salva);
		return PointerGetDatum(NULL);
	}
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
	{
		/*
		 * The table is empty now: cancel its whole contribution, as every
		 * committed transaction left it (contribuicao.c), after the row
		 * lock that orders it with the repairs of this attachment.
		 */
		chamar_sincronizacao("SELECT estoque_cache.travar_anexo($1)", anexo->anexo_id, (Datum) 0,
							 true);
		contribuicao_cancelar(anexo->anexo_id);
		ec_restaurar(&salva);
		return PointerGetDatum(NULL);
	}
	ec_restaurar(&salva);

	mcxt = AllocSetContextCreate(CurrentMemoryContext, "estoque_cache trigger",
								 ALLOCSET_DEFAULT_SIZES);
	antigo = MemoryContextSwitchTo(mcxt);

	ctl.keysize = sizeof(ChaveDelta);
	ctl.entrysize = sizeof(Delta);
	ctl.hash = chave_hash;
	ctl.match = chave_comparar;
	ctl.hcxt = mcxt;
	deltas = hash_create("estoque_cache deltas", 64, &ctl,
						 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);

	ec_como_dono_da_tabela(RelationGetRelid(rel), &salva);
	if (anexo->filtro != NULL)
	{
		estate = CreateExecutorState();
		filtro = ExecPrepareExpr(anexo->filtro, estate);
		econtext = GetPerTupleExprContext(estate);
	}
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		/*
		 * The replica path (logical replication's apply, sessions with
		 * session_replication_role = replica), where statement triggers do
		 * not fire: one row, old and new as the event has them.
		 */
		if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
			acumular_linha(trigdata->tg_trigslot, anexo, +1, deltas, filtro, econtext, mcxt);
		else
		{
			acumular_linha(trigdata->tg_trigslot, anexo, -1, deltas, filtro, econtext, mcxt);
			if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
				acumular_linha(trigdata->tg_newslot, anexo, +1, deltas, filtro, econtext, mcxt);
		}
	}
	else
	{
		acumular(trigdata->tg_oldtable, rel, anexo, -1, deltas, filtro, econtext, mcxt);
		acumular(trigdata->tg_newtable, rel, anexo, +1, deltas, filtro, econtext, mcxt);
	}
	if (estate != NULL)
		FreeExecutorState(estate);
	ec_restaurar(&salva);

	ec_como_dono_do_cache(&salva);
	gravar_deltas(anexo, deltas);
	ec_restaurar(&salva);

	MemoryContextSwitchTo(antigo);
	MemoryContextDelete(mcxt);
	return PointerGetDatum(NULL);
}

/* A link (a, b) or a name (code, name) counted within a statement. */
typedef struct ChavePar
{
	char *x; /* NUL-terminated copies */
	char *y;
} ChavePar;

typedef struct Par
{
	ChavePar chave; /* hash key */
	int32    n;
} Par;

static uint32
par_hash(const void *key, Size keysize)
{
	const ChavePar *k = (const ChavePar *) key;

	return hash_combine(string_hash(k->x, 0), string_hash(k->y, 0));
}

static int
par_comparar(const void *key1, const void *key2, Size keysize)
{
	const ChavePar *a = (const ChavePar *) key1;
	const ChavePar *b = (const ChavePar *) key2;

	return strcmp(a->x, b->x) != 0 || strcmp(a->y, b->y) != 0;
}

/* A converted code or name as a C string (text holds no NUL). */
static char *
texto_de(Conversao *conv, Datum valor)
{
	return text_to_cstring(DatumGetTextPP(conversao_aplicar(conv, valor)));
}

/*
 * Count sinal for the link (codes in byte order, as estoque_cache.aresta
 * keeps them) or the (code, name) of one row, when it counts: both columns
 * non-null and the filter, if any, true.
 */
static void
contar_linha(TupleTableSlot *slot, Anexo *anexo, int sinal, HTAB *pares, ExprState *filtro,
			 ExprContext *econtext, MemoryContext mcxt)
{
	bool          e_link = anexo->fonte == FONTE_UNIFICACAO;
	AttrNumber    att_y = e_link ? anexo->att_destino : anexo->att_nome;
	Conversao    *conv_y = e_link ? &anexo->conv_destino : &anexo->conv_nome;
	bool          nulo_x, nulo_y;
	Datum         x = slot_getattr(slot, anexo->att_produto, &nulo_x);
	Datum         y = slot_getattr(slot, att_y, &nulo_y);
	ChavePar      chave;
	Par          *par;
	bool          achou;
	MemoryContext antigo;

	if (nulo_x || nulo_y)
		return;
	if (filtro != NULL)
	{
		bool  nulo;
		Datum ok;

		econtext->ecxt_scantuple = slot;
		ok = ExecEvalExprSwitchContext(filtro, econtext, &nulo);
		ResetExprContext(econtext);
		if (nulo || !DatumGetBool(ok))
			return;
	}
	antigo = MemoryContextSwitchTo(mcxt);
	chave.x = texto_de(&anexo->conv_produto, x);
	chave.y = texto_de(conv_y, y);
	if (e_link && strcmp(chave.x, chave.y) > 0)
	{
		char *t = chave.x;

		chave.x = chave.y;
		chave.y = t;
	}
	par = hash_search(pares, &chave, HASH_ENTER, &achou);
	if (!achou)
		par->n = 0;
	par->n += sinal;
	MemoryContextSwitchTo(antigo);
}

/* contar_linha for every row of a transition table, read with a pointer of our own. */
static void
contar_pares(Tuplestorestate *ts, Relation rel, Anexo *anexo, int sinal, HTAB *pares,
			 ExprState *filtro, ExprContext *econtext, MemoryContext mcxt)
{
	TupleTableSlot *slot;
	int             ptr;

	if (ts == NULL)
		return;
	slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	ptr = tuplestore_alloc_read_pointer(ts, 0);
	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	while (tuplestore_gettupleslot(ts, true, false, slot))
		contar_linha(slot, anexo, sinal, pares, filtro, econtext, mcxt);
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * Whether the installed objects append link and name changes (1.1 on): a
 * database still at 1.0 runs the new library until ALTER EXTENSION UPDATE.
 */
static bool
anotacao_instalada(void)
{
	Oid tipos[4] = {INT4OID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID};

	return OidIsValid(LookupFuncName(
		list_make2(makeString(EC_SCHEMA), makeString("anotar_arestas")), 4, tipos, true));
}

/*
 * Append a statement's net link or name changes (estoque_cache.anotar_arestas
 * or anotar_nomes); the caller runs as the cache owner.
 */
static void
anotar_pares(Anexo *anexo, HTAB *pares)
{
	long            total = hash_get_num_entries(pares);
	Datum          *xs = palloc(sizeof(Datum) * (total + 1));
	Datum          *ys = palloc(sizeof(Datum) * (total + 1));
	Datum          *ns = palloc(sizeof(Datum) * (total + 1));
	int             k = 0;
	HASH_SEQ_STATUS st;
	Par            *par;
	Oid             tipos[4] = {INT4OID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID};
	Datum           valores[4];
	int             ret;

	hash_seq_init(&st, pares);
	while ((par = hash_seq_search(&st)) != NULL)
	{
		if (par->n == 0)
			continue;
		xs[k] = CStringGetTextDatum(par->chave.x);
		ys[k] = CStringGetTextDatum(par->chave.y);
		ns[k] = Int32GetDatum(par->n);
		k++;
	}
	if (k == 0)
		return;
	if (!anotacao_instalada())
	{
		/* 1.0's objects: recompute the touched codes as 1.0 did */
		Datum *codigos = palloc(sizeof(Datum) * 2 * k);

		for (int i = 0; i < k; i++)
		{
			codigos[2 * i] = xs[i];
			codigos[2 * i + 1] = anexo->fonte == FONTE_UNIFICACAO ? ys[i] : xs[i];
		}
		chamar_sincronizacao(
			"SELECT estoque_cache.sincronizar_codigos($1, $2)", anexo->anexo_id,
			PointerGetDatum(construct_array(codigos, 2 * k, TEXTOID, -1, false, TYPALIGN_INT)),
			false);
		return;
	}
	valores[0] = Int32GetDatum(anexo->anexo_id);
	valores[1] = PointerGetDatum(construct_array(xs, k, TEXTOID, -1, false, TYPALIGN_INT));
	valores[2] = PointerGetDatum(construct_array(ys, k, TEXTOID, -1, false, TYPALIGN_INT));
	valores[3] = PointerGetDatum(construct_array(ns, k, INT4OID, 4, true, TYPALIGN_INT));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(anexo->fonte == FONTE_UNIFICACAO
									? "SELECT estoque_cache.anotar_arestas($1, $2, $3, $4)"
									: "SELECT estoque_cache.anotar_nomes($1, $2, $3, $4)",
								4, tipos, valores, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "estoque_cache: appending link or name changes failed: %s",
			 SPI_result_code_string(ret));
	SPI_finish();
}

/*
 * estoque_cache.trg_codigos(): AFTER INSERT/UPDATE/DELETE/TRUNCATE FOR EACH
 * STATEMENT on a link table or a catalogue.  Like trg_fonte it only
 * appends: +1 for every link (or code and name) the statement's new rows
 * make, -1 for every one its old rows made, netted per statement, into
 * estoque_cache.aresta_delta (or nome_delta).  Readers combine them with the
 * folded links and names in their own snapshot; the folder regroups later.
 * No shared row is updated, so writers of links and names never wait for
 * each other, nor deadlock with anyone, because of the cache.  The filter
 * and the columns' conversions run as the table's owner, the cache is
 * written as the cache owner.  Tables attached by an earlier version may
 * still have a BEFORE trigger with this function: it does nothing.
 */
Datum
estoque_cache_trg_codigos(PG_FUNCTION_ARGS)
{
	TriggerData  *trigdata = checar_chamada(fcinfo, "estoque_cache.trg_codigos");
	Relation      rel = trigdata->tg_relation;
	Anexo        *anexo;
	Identidade    salva;
	MemoryContext mcxt;
	MemoryContext antigo;
	HASHCTL       ctl;
	HTAB         *pares;
	EState       *estate = NULL;
	ExprState    *filtro = NULL;
	ExprContext  *econtext = NULL;

	if (TRIGGER_FIRED_BEFORE(trigdata->tg_event))
	{
		/*
		 * Only tables attached under 1.0 have this BEFORE trigger; while the
		 * installed objects are still 1.0's, it takes 1.0's lock.
		 */
		if (!anotacao_instalada())
		{
			ec_como_dono_do_cache(&salva);
			chamar_sincronizacao("SELECT estoque_cache.travar_codigos($1)",
								 anexo_obter(rel)->anexo_id, (Datum) 0, true);
			ec_restaurar(&salva);
		}
		return PointerGetDatum(NULL);
	}

	ec_como_dono_do_cache(&salva);
	anexo = anexo_obter(rel);

	if (anexo->fonte != FONTE_UNIFICACAO && anexo->fonte != FONTE_PRODUTOS)
		ereport(
			ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("estoque_cache.trg_codigos: attachment %d is a %s, not links or a catalogue",
					anexo->anexo_id, fonte_nome(anexo->fonte))));

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
	{
		if (!anotacao_instalada())
			/* installed objects still of 1.0, before ALTER EXTENSION UPDATE */
			chamar_sincronizacao("SELECT estoque_cache.sincronizar_codigos($1, $2)",
								 anexo->anexo_id, (Datum) 0, true);
		else
			contribuicao_cancelar_codigos(anexo->anexo_id, anexo->fonte == FONTE_UNIFICACAO);
		ec_restaurar(&salva);
		return PointerGetDatum(NULL);
	}
	ec_restaurar(&salva);

	mcxt = AllocSetContextCreate(CurrentMemoryContext, "estoque_cache trigger",
								 ALLOCSET_DEFAULT_SIZES);
	antigo = MemoryContextSwitchTo(mcxt);
	ctl.keysize = sizeof(ChavePar);
	ctl.entrysize = sizeof(Par);
	ctl.hash = par_hash;
	ctl.match = par_comparar;
	ctl.hcxt = mcxt;
	pares = hash_create("estoque_cache pares", 64, &ctl,
						HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);

	ec_como_dono_da_tabela(RelationGetRelid(rel), &salva);
	if (anexo->filtro != NULL)
	{
		estate = CreateExecutorState();
		filtro = ExecPrepareExpr(anexo->filtro, estate);
		econtext = GetPerTupleExprContext(estate);
	}
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		/* the replica path: the row's old version counts -1, its new one +1 */
		TriggerEvent ev = trigdata->tg_event;

		if (TRIGGER_FIRED_BY_INSERT(ev))
			contar_linha(trigdata->tg_trigslot, anexo, +1, pares, filtro, econtext, mcxt);
		else
		{
			contar_linha(trigdata->tg_trigslot, anexo, -1, pares, filtro, econtext, mcxt);
			if (TRIGGER_FIRED_BY_UPDATE(ev))
				contar_linha(trigdata->tg_newslot, anexo, +1, pares, filtro, econtext, mcxt);
		}
	}
	contar_pares(trigdata->tg_oldtable, rel, anexo, -1, pares, filtro, econtext, mcxt);
	contar_pares(trigdata->tg_newtable, rel, anexo, +1, pares, filtro, econtext, mcxt);
	if (estate != NULL)
		FreeExecutorState(estate);
	ec_restaurar(&salva);

	ec_como_dono_do_cache(&salva);
	anotar_pares(anexo, pares);
	ec_restaurar(&salva);

	MemoryContextSwitchTo(antigo);
	MemoryContextDelete(mcxt);
	return PointerGetDatum(NULL);
}
