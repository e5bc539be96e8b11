/*-------------------------------------------------------------------------
 *
 * lista.c
 *	  The list of every group (the view estoque_cache_saldo), kept by each
 *	  backend between calls.
 *
 * The list page is read again and again, and reading it from scratch means
 * reading every folded row (about four per product code), summing them per
 * group and projecting every group.  Those folded rows, the groups and the
 * names change only in transactions that also update a version row in the
 * same transaction:
 *
 *	 estoque_cache.saldo   the folds and a detach: trava 'saldo'
 *	 estoque_cache.grupo   the folds of link changes, repairs, detach:
 *	 estoque_cache.nome	   trava 'unificacao' (attach/detach also change anexo)
 *
 * (The application's writers of links and names only append changes.)
 *
 * So a backend keeps what it built from them (every group, and each group's
 * finished row) together with the exact version tuples it read.  The next
 * call reads the version tuples in its own snapshot; when they are the very
 * same tuples (same inserting transaction, same contents), that snapshot
 * sees the same folded rows, groups and names, and the kept groups are
 * reused.  The pending rows of estoque_cache.delta are read on every call
 * and added to copies of the groups they touch, whose rows are computed
 * afresh.  The result is the one a full read gives, in any snapshot.
 *
 * Nothing is kept when a version tuple was written by the current
 * transaction (its own changes may still roll back), nor while link or name
 * changes are pending in the snapshot (the list is then built from the
 * groups and names as that snapshot sees them); the kept list is rebuilt
 * for another day D0 or other settings.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "leitura.h"

/* The list as this backend last built it. */
typedef struct Memo
{
	bool          valido;  /* may be reused by a later call */
	MemoryContext mcxt;    /* everything below */
	Size          bloco;   /* size of mcxt's one block (contexto_reciclar) */
	char         *versoes; /* the version tuples it was built from */
	int           versoes_tam;
	Config        cfg;    /* D0 and settings it was built for */
	int           natts;  /* columns of the rows */
	Carga         carga;  /* groups (saldo only), members, names */
	Grupo       **ordem;  /* every group, by principal */
	MinimalTuple *linhas; /* ordem[i]'s row; NULL when it has nothing to show */
	int           n;
} Memo;

static Memo memo;

/* estoque_cache.keep_list */
static bool manter_lista = true;

/* Define estoque_cache.keep_list (called from _PG_init). */
void
lista_registrar(void)
{
	DefineCustomBoolVariable(
		"estoque_cache.keep_list",
		"Keeps the list of every group in backend memory between reads of estoque_cache_saldo.",
		"Off: every read builds the list afresh from the cache tables (slower).", &manter_lista,
		true, PGC_USERSET, 0, NULL, NULL, NULL);
}

/*
 * The version tuples visible in the active snapshot, as bytes: for each
 * tuple of estoque_cache.trava and estoque_cache.anexo, its inserting
 * transaction and its contents.  *proprio is set when the current
 * transaction wrote one of them.
 */
static void
ler_versoes(StringInfo versoes, bool *proprio)
{
	static const char *tabelas[] = {"trava", "anexo"};

	*proprio = false;
	for (int t = 0; t < lengthof(tabelas); t++)
	{
		Relation      rel = table_open(ec_relid(tabelas[t]), AccessShareLock);
		Oid           relid = RelationGetRelid(rel);
		TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
		HeapTuple     tup;

		appendBinaryStringInfo(versoes, (char *) &relid, sizeof(relid));
		while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			TransactionId xmin = HeapTupleHeaderGetRawXmin(tup->t_data);
			uint8         hoff = tup->t_data->t_hoff;

			if (TransactionIdIsCurrentTransactionId(xmin))
				*proprio = true;
			appendBinaryStringInfo(versoes, (char *) &xmin, sizeof(xmin));
			appendBinaryStringInfo(versoes, (char *) &tup->t_len, sizeof(tup->t_len));
			appendBinaryStringInfo(versoes, (char *) tup->t_data + hoff, tup->t_len - hoff);
		}
		table_endscan(scan);
		table_close(rel, AccessShareLock);
	}
}

/*
 * A memory context emptied for another use: one block as large as the
 * context grew to last time, kept between uses.  Reading the whole list
 * allocates megabytes; freeing them to the C library and faulting them in
 * again on the next read costs more than the read itself on virtual
 * machines.  Only the first use pays for growing.
 */
static void
contexto_reciclar(MemoryContext *contexto, Size *bloco, const char *nome)
{
	Size usado = *contexto != NULL ? MemoryContextMemAllocated(*contexto, false) : 0;

	/* large chunks get blocks of their own: allow for them */
	if (*contexto != NULL && usado <= *bloco + *bloco / 4)
	{
		MemoryContextReset(*contexto);
		return;
	}
	if (*contexto != NULL)
		MemoryContextDelete(*contexto);
	/* whole megabytes, at least one */
	*bloco = Max(TYPEALIGN(1024 * 1024, usado + usado / 8), 1024 * 1024);
	*contexto = AllocSetContextCreateInternal(TopMemoryContext, nome, 0, *bloco, *bloco);
}

/* Whether the kept list was built from these versions, for this D0 and settings. */
static bool
memo_serve(Config *cfg, StringInfo versoes, int natts)
{
	return memo.valido && memo.natts == natts && memo.cfg.hoje == cfg->hoje &&
		   memo.cfg.horizonte == cfg->horizonte && memo.cfg.janela == cfg->janela &&
		   comparar_numeric(memo.cfg.estoque_minimo, cfg->estoque_minimo) == 0 &&
		   memo.versoes_tam == versoes->len &&
		   memcmp(memo.versoes, versoes->data, versoes->len) == 0;
}

/*
 * Build the kept list from the folded rows: every group, sorted by
 * principal, and the row of each group that has something to show.
 * Temporary values go to `trabalho`.  Kept for later calls only when
 * `guardar`.
 */
static void
memo_construir(Config *cfg, StringInfo versoes, bool guardar, TupleDesc desc,
			   MemoryContext trabalho)
{
	MemoryContext   antigo;
	HASH_SEQ_STATUS st;
	Grupo          *g;
	int             i = 0;

	memo.valido = false;
	contexto_reciclar(&memo.mcxt, &memo.bloco, "estoque_cache lista");
	antigo = MemoryContextSwitchTo(memo.mcxt);

	memo.cfg = *cfg;
	memo.cfg.estoque_minimo = datumCopy(cfg->estoque_minimo, false, -1);
	memo.cfg.fuso = pstrdup(cfg->fuso);
	carregar_grupos(&memo.carga, NULL, cfg->horizonte, &memo.cfg, false);

	memo.n = hash_get_num_entries(memo.carga.grupos);
	memo.ordem = palloc(sizeof(Grupo *) * (memo.n + 1));
	memo.linhas = palloc0(sizeof(MinimalTuple) * (memo.n + 1));
	hash_seq_init(&st, memo.carga.grupos);
	while ((g = hash_seq_search(&st)) != NULL)
		memo.ordem[i++] = g;
	qsort(memo.ordem, memo.n, sizeof(Grupo *), comparar_grupos);

	for (i = 0; i < memo.n; i++)
	{
		g = memo.ordem[i];
		g->posicao = i;
		if (tem_algo(g, cfg->horizonte))
		{
			Datum valores[NUM_COLUNAS];
			bool  nulos[NUM_COLUNAS];

			MemoryContextSwitchTo(trabalho);
			valores_grupo(g, &memo.cfg, valores, nulos);
			MemoryContextSwitchTo(memo.mcxt);
			memo.linhas[i] = heap_form_minimal_tuple(desc, valores, nulos);
		}
	}
	memo.versoes = palloc(versoes->len);
	memcpy(memo.versoes, versoes->data, versoes->len);
	memo.versoes_tam = versoes->len;
	memo.natts = desc->natts;
	MemoryContextSwitchTo(antigo);
	memo.valido = guardar;
}

/* One call's pending rows, applied to copies of the kept groups. */
typedef struct Passo
{
	Config *cfg;
	Grupo **copias; /* by posicao: the copy a pending row touched, or NULL */
	HTAB   *novos;  /* principal -> Grupo, codes the kept list does not have */
} Passo;

/* A group of the kept list that a call may change: day arrays of its own. */
static Grupo *
copiar_grupo(const Grupo *g, int dias)
{
	Grupo *c = palloc(sizeof(Grupo));

	*c = *g;
	if (g->saida != NULL)
	{
		c->saida = palloc(sizeof(Datum) * dias);
		memcpy(c->saida, g->saida, sizeof(Datum) * dias);
	}
	if (g->producao != NULL)
	{
		c->producao = palloc(sizeof(Datum) * dias);
		memcpy(c->producao, g->producao, sizeof(Datum) * dias);
	}
	return c;
}

/* estoque_cache.delta row: added to (a copy of) its group. */
static void
visitar_pendente(Datum *valores, bool *nulos, void *arg)
{
	Passo    *passo = (Passo *) arg;
	char      buf[128];
	char     *codigo = texto_em(valores[0], buf, sizeof(buf));
	ParTexto *par = hash_get_num_entries(memo.carga.membros) == 0
						? NULL
						: hash_search(memo.carga.membros, &codigo, HASH_FIND, NULL);
	char     *principal = par != NULL ? par->valor : codigo;
	Grupo    *guardado = hash_search(memo.carga.grupos, &principal, HASH_FIND, NULL);
	Grupo    *g;

	if (guardado != NULL)
	{
		g = passo->copias[guardado->posicao];
		if (g == NULL)
			g = passo->copias[guardado->posicao] = copiar_grupo(guardado, passo->cfg->horizonte);
	}
	else
	{
		/* every group of two or more codes is kept: this is a group of one */
		Assert(par == NULL);
		g = grupo_entrar(passo->novos, codigo);
		if (g->codigos == (Datum) 0)
		{
			g->codigos = codigos_de_um(g->principal);
			nomear(g, memo.carga.nomes);
		}
	}
	aplicar_figura(g, passo->cfg, passo->cfg->horizonte, valores);
}

/*
 * Scratch memory of one read of the list, kept by the backend between
 * calls (emptied before each use).
 */
static MemoryContext
contexto_leitura(void)
{
	static MemoryContext contexto = NULL;
	static Size          bloco = 0;

	contexto_reciclar(&contexto, &bloco, "estoque_cache leitura");
	return contexto;
}

/* A group changed by this call's pending rows: its row, when it has one. */
static void
emitir_calculado(ReturnSetInfo *rsinfo, Grupo *g, Config *cfg)
{
	Datum valores[NUM_COLUNAS];
	bool  nulos[NUM_COLUNAS];

	if (!tem_algo(g, cfg->horizonte))
		return;
	valores_grupo(g, cfg, valores, nulos);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
}

/*
 * estoque_cache.saldo_grupos(NULL, data_base): every group with something
 * to show, by principal.
 */
void
lista_emitir(FunctionCallInfo fcinfo, bool tem_data_base, DateADT data_base)
{
	ReturnSetInfo  *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext   trabalho;
	MemoryContext   antigo;
	Config          cfg;
	StringInfoData  versoes;
	bool            proprio;
	bool            pendente;
	Passo           passo;
	Grupo         **novos;
	long            n_novos = 0;
	HASH_SEQ_STATUS st;
	Grupo          *g;
	TupleTableSlot *slot;
	int             i = 0;
	long            j = 0;

	InitMaterializedSRF(fcinfo, 0);
	trabalho = contexto_leitura();
	antigo = MemoryContextSwitchTo(trabalho);

	carregar_config(&cfg);
	if (tem_data_base)
		cfg.hoje = data_base;
	initStringInfo(&versoes);
	ler_versoes(&versoes, &proprio);
	pendente = codigos_pendentes();
	if (proprio || pendente || !manter_lista || !memo_serve(&cfg, &versoes, rsinfo->setDesc->natts))
		memo_construir(&cfg, &versoes, !proprio && !pendente && manter_lista, rsinfo->setDesc,
					   trabalho);

	/* pending rows, always read in this call's snapshot */
	passo.cfg = &cfg;
	passo.copias = palloc0(sizeof(Grupo *) * (memo.n + 1));
	passo.novos = criar_hash("estoque_cache novos", sizeof(Grupo), 256);
	varrer("delta", NULL, 0, (Datum) 0, visitar_pendente, &passo);

	novos = palloc(sizeof(Grupo *) * (hash_get_num_entries(passo.novos) + 1));
	hash_seq_init(&st, passo.novos);
	while ((g = hash_seq_search(&st)) != NULL)
		novos[n_novos++] = g;
	qsort(novos, n_novos, sizeof(Grupo *), comparar_grupos);

	/* the kept groups and the new ones, merged in principal order */
	slot = MakeSingleTupleTableSlot(rsinfo->setDesc, &TTSOpsMinimalTuple);
	while (i < memo.n || j < n_novos)
	{
		if (j < n_novos &&
			(i >= memo.n || strcmp(novos[j]->principal, memo.ordem[i]->principal) < 0))
		{
			emitir_calculado(rsinfo, novos[j++], &cfg);
			continue;
		}
		if (passo.copias[i] != NULL)
			emitir_calculado(rsinfo, passo.copias[i], &cfg);
		else if (memo.linhas[i] != NULL)
		{
			ExecStoreMinimalTuple(memo.linhas[i], slot, false);
			tuplestore_puttupleslot(rsinfo->setResult, slot);
		}
		i++;
	}
	ExecDropSingleTupleTableSlot(slot);

	MemoryContextSwitchTo(antigo);
}
