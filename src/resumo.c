/*-------------------------------------------------------------------------
 *
 * resumo.c
 *	  The view estoque_cache_saldo read like a table.
 *
 * estoque_cache.resumo keeps one row per group of the folded state (saldo,
 * grupo, nome), with the view's columns computed for the D0 and settings
 * of estoque_cache.resumo_chave; estoque_cache.resumo_evento keeps the
 * group's dated exits and production by date.  Both are written only with
 * the folded tables, in the same transactions (estoque_cache.resumir), so
 * every snapshot sees them consistent with those.  The view is SQL over
 * them, so that a filter on cod_produto reaches the primary key:
 *
 *	 1. the stored row of every group that nothing pending touches in the
 *		reader's snapshot (estoque_cache.intacto, a cheap test per row);
 *	 2. estoque_cache.linhas_pendentes(): for a list, every stored group that
 *		pending work or another day touches, brought up to date at once
 *		from the stored totals and dated events plus the group's pending
 *		deltas, projected from today with no read of the folded tables
 *		(computed from the cache tables when a pending link or name change
 *		touches the group, nothing when its principal changed), and the
 *		codes with pending deltas the folded state does not know at all;
 *		for any query, the groups that pending link changes make out of
 *		codes whose folded group has another principal;
 *	 3. for a lookup, the stored groups of 2, row by row
 *		(estoque_cache.linha_recalculada), by the primary key;
 *	 4. for a lookup, the codes of 2 that the folded state does not know
 *		(estoque_cache.linha_nova), through the index of estoque_cache.delta.
 *
 * estoque_cache.por_linha() tells, once per query, whether 3 and 4 or the
 * list part of 2 serve it (recalcular_em_lote).  Each principal of the
 * snapshot belongs to exactly one part: a stored principal to 1, or to 2 or
 * 3; a code no folded row knows to 2 or 4, unless a pending link touches
 * it; any other principal that pending links create to 2.

 * Nothing is kept between transactions: the state the functions build
 * (which codes have pending work) lives in the transaction's memory.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/toast_compression.h"
#include "access/toast_internals.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "estoque_cache.h"
#include "leitura.h"

PG_FUNCTION_INFO_V1(estoque_cache_linhas_dobradas);
PG_FUNCTION_INFO_V1(estoque_cache_chave_atual);
PG_FUNCTION_INFO_V1(estoque_cache_intacto);
PG_FUNCTION_INFO_V1(estoque_cache_linha_recalculada);
PG_FUNCTION_INFO_V1(estoque_cache_linhas_pendentes);
PG_FUNCTION_INFO_V1(estoque_cache_por_linha);
PG_FUNCTION_INFO_V1(estoque_cache_linha_nova);
PG_FUNCTION_INFO_V1(estoque_cache_saldo_produto);
PG_FUNCTION_INFO_V1(estoque_cache_produto);

/* Columns of estoque_cache.resumo: the view's, then visivel. */
#define Anum_resumo_codigos Anum_saldo_codigos
#define Anum_resumo_visivel (NUM_COLUNAS + 1)
#define NUM_COLUNAS_RESUMO  (NUM_COLUNAS + 1)

/*
 * Columns of estoque_cache.linhas_dobradas(): resumo's, then the folded exits
 * and production by date (arrays of the same length; NULL for none), then
 * the document of estoque_cache_produto().
 */
#define Anum_dobrada_eventos_data     (NUM_COLUNAS_RESUMO + 1)
#define Anum_dobrada_eventos_saida    (NUM_COLUNAS_RESUMO + 2)
#define Anum_dobrada_eventos_producao (NUM_COLUNAS_RESUMO + 3)
#define Anum_dobrada_detalhe          (NUM_COLUNAS_RESUMO + 4)
#define NUM_COLUNAS_DOBRADA           (NUM_COLUNAS_RESUMO + 4)

/* Columns of estoque_cache.resumo_detalhe. */
#define Anum_resumo_detalhe_detalhe 2
#define NUM_COLUNAS_RESUMO_DETALHE  2

/* Columns of estoque_cache.resumo_evento. */
#define Anum_resumo_evento_cod_produto 1
#define Anum_resumo_evento_data        2
#define Anum_resumo_evento_saida       3
#define Anum_resumo_evento_producao    4
#define NUM_COLUNAS_RESUMO_EVENTO      4

/*
 * Calls of estoque_cache.intacto() in one query after which it reads the
 * pending tables once instead of probing them by index per group: a lookup
 * probes, a list scans.
 */
#define PROBES_ANTES_DE_VARRER 8

/*
 * Stored groups to bring up to date at once above which
 * linhas_pendentes() reads resumo and resumo_evento whole instead of
 * probing them by primary key for each group.
 */
#define GRUPOS_ANTES_DE_VARRER 256

/* What is pending in the snapshot of one query, as far as it was needed. */
typedef struct Pendencias
{
	Config cfg;       /* settings and D0 */
	char  *chave;     /* the same, as resumo_chave.chave spells it */
	bool   em_dia;    /* the stored rows were computed for it */
	bool   ocioso;    /* em_dia, and no delta, link or name change is visible */
	HTAB  *vinculos;  /* codes a visible link change touches; NULL: none */
	int    chamadas;  /* intacto() calls so far */
	bool   varrido;   /* com_delta and com_nome hold every code */
	HTAB  *com_delta; /* DeltasDoCodigo of every visible row of delta (once varrido) */
	HTAB  *com_nome;  /* codes with visible rows of nome_delta (once varrido) */
	HTAB  *afetados;  /* once varrido: folded principals of the codes above; NULL: none */
	HTAB  *membros;   /* with afetados: estoque_cache.grupo, code -> principal */
	List  *escolhas;  /* EscolhaDeConsulta of each query recalcular_em_lote() decided for */
	Oid    delta, delta_idx, delta_colacao; /* for the probes by code */
	Oid    nome_delta, nome_delta_idx, nome_delta_colacao;
} Pendencias;

/* What recalcular_em_lote() decided for one query (by its executor memory context). */
typedef struct EscolhaDeConsulta
{
	MemoryContext consulta;
	bool          em_lote;
} EscolhaDeConsulta;

/* The stored events of one group (a copy of its row of resumo_evento). */
typedef struct EventosDoGrupo
{
	char *principal; /* hash key */
	Datum valores[NUM_COLUNAS_RESUMO_EVENTO];
	bool  nulos[NUM_COLUNAS_RESUMO_EVENTO];
} EventosDoGrupo;

/* The visible rows of delta of one code, each a copy of its values. */
typedef struct DeltasDoCodigo
{
	char *codigo; /* hash key */
	List *linhas; /* of Datum[6] */
} DeltasDoCodigo;

/* The settings and D0 a stored row depends on, as text. */
static char *
chave_de(Config *cfg)
{
	return psprintf("%d|%d|%d|%s", (int) cfg->hoje, cfg->horizonte, cfg->janela,
					DatumGetCString(DirectFunctionCall1(numeric_out, cfg->estoque_minimo)));
}

/*
 * estoque_cache.chave_atual(): the chave rows stored now would get.  The
 * folder compares it with what it stored last (estoque_cache.resumo_chave).
 */
Datum
estoque_cache_chave_atual(PG_FUNCTION_ARGS)
{
	Config cfg;

	carregar_config(&cfg);
	PG_RETURN_TEXT_P(cstring_to_text(chave_de(&cfg)));
}

/*
 * Stop when an internal table (or a function's result) does not have the
 * columns this file numbers (an install that does not match the library).
 */
static void
exigir_colunas(TupleDesc desc, int colunas, const char *nome)
{
	if (desc->natts != colunas)
		elog(ERROR, "estoque_cache.%s has %d columns, not %d", nome, desc->natts, colunas);
}

/* Whether a row of an internal table has `codigo` as its first column (by its index). */
static bool
existe_em(const char *tabela, const char *indice, const char *codigo)
{
	Oid indice_oid = ec_relid(indice);

	return existe_codigo(ec_relid(tabela), indice_oid, 1, colacao_do_indice(indice_oid), codigo);
}

/* Add the text in column `coluna` of every visible row of `tabela` to `codigos`. */
static void
coletar(const char *tabela, int coluna, HTAB *codigos)
{
	Relation      rel = table_open(ec_relid(tabela), AccessShareLock);
	TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	HeapTuple     tup;

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool   nulo;
		Datum  v = heap_getattr(tup, coluna, RelationGetDescr(rel), &nulo);
		char   buf[128];
		char  *codigo;
		bool   achou;
		char **chave;

		if (nulo)
			continue;
		codigo = texto_em(v, buf, sizeof(buf));
		chave = hash_search(codigos, &codigo, HASH_ENTER, &achou);
		if (!achou)
			*chave = pstrdup(codigo);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* Every visible row of delta, by code, copied into the current memory context. */
static void
coletar_deltas(HTAB *deltas)
{
	Relation      rel = table_open(ec_relid("delta"), AccessShareLock);
	TupleDesc     desc = RelationGetDescr(rel);
	TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	HeapTuple     tup;

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Datum          *v = palloc(sizeof(Datum) * desc->natts);
		bool           *n = palloc(sizeof(bool) * desc->natts);
		char           *codigo;
		bool            achou;
		DeltasDoCodigo *e;

		heap_deform_tuple(tup, desc, v, n);
		for (int i = 0; i < desc->natts; i++)
			if (!n[i])
				v[i] = datumCopy(v[i], TupleDescAttr(desc, i)->attbyval,
								 TupleDescAttr(desc, i)->attlen);
		codigo = TextDatumGetCString(v[Anum_figura_codigo - 1]);
		e = hash_search(deltas, &codigo, HASH_ENTER, &achou);
		if (!achou)
			e->linhas = NIL;
		e->linhas = lappend(e->linhas, v);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

static bool
contem(HTAB *codigos, char *codigo)
{
	return codigos != NULL && hash_get_num_entries(codigos) > 0 &&
		   hash_search(codigos, &codigo, HASH_FIND, NULL);
}

/*
 * The pending state as the active snapshot sees it, shared by every call in
 * the transaction that reads in the same snapshot (the view calls intacto()
 * once per stored row, twice for a lookup, and linhas_pendentes() and
 * por_linha() once each).  It lives in the
 * transaction's memory and goes with it: nothing stays allocated in the
 * backend after the transaction ends.  Two snapshots with the same xmin,
 * xmax, in-progress transactions and command id in the same transaction
 * see exactly the same rows, so one can serve for the other.
 */
static LocalTransactionId pendencias_lxid = InvalidLocalTransactionId;
static MemoryContext      pendencias_mcxt = NULL;
static Pendencias        *pendencias_atuais = NULL;
static SnapshotData       pendencias_foto;
static Oid                leitor = InvalidOid; /* whose reading was checked */

static bool
mesma_foto(Snapshot a, Snapshot b)
{
	if (a->curcid != b->curcid || a->xmin != b->xmin || a->xmax != b->xmax)
		return false;
	/*
	 * Taken when the same number of transactions had completed: the server
	 * itself reuses a snapshot's in-progress transactions on that ground
	 * (GetSnapshotDataReuse), so the arrays need no comparison.  The view
	 * asks once per row, and under writers they hold a few ids each.
	 */
	if (a->snapXactCompletionCount != 0 && a->snapXactCompletionCount == b->snapXactCompletionCount)
		return true;
	return a->xcnt == b->xcnt && a->subxcnt == b->subxcnt && a->suboverflowed == b->suboverflowed &&
		   memcmp(a->xip, b->xip, sizeof(TransactionId) * a->xcnt) == 0 &&
		   memcmp(a->subxip, b->subxip, sizeof(TransactionId) * a->subxcnt) == 0;
}

/*
 * Whether the stored rows were computed for `chave` (the row of
 * estoque_cache.resumo_chave, read through its primary key: no look at the
 * table's size, which costs a system call).
 */
static bool
guardadas_para(const char *chave)
{
	Relation    rel = table_open(ec_relid("resumo_chave"), AccessShareLock);
	SysScanDesc scan =
		systable_beginscan(rel, ec_relid("resumo_chave_pkey"), true, GetActiveSnapshot(), 0, NULL);
	HeapTuple tup = systable_getnext(scan);
	bool      em_dia = false;

	if (tup != NULL)
	{
		bool  nulo;
		Datum v = heap_getattr(tup, 2, RelationGetDescr(rel), &nulo);

		em_dia = !nulo && strcmp(TextDatumGetCString(v), chave) == 0;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return em_dia;
}

/* Add both codes of every visible link change to `codigos`, in one pass. */
static void
coletar_vinculos(HTAB **codigos)
{
	Relation rel = table_open(ec_relid("aresta_delta"), AccessShareLock);
	/* through its index: no look at the table's size, which costs a system call */
	SysScanDesc scan =
		systable_beginscan(rel, ec_relid("aresta_delta_a_idx"), true, GetActiveSnapshot(), 0, NULL);
	HeapTuple tup;

	while ((tup = systable_getnext(scan)) != NULL)
	{
		for (int coluna = 1; coluna <= 2; coluna++)
		{
			bool   nulo;
			Datum  v = heap_getattr(tup, coluna, RelationGetDescr(rel), &nulo);
			char  *codigo;
			bool   achou;
			char **chave;

			if (nulo)
				continue;
			if (*codigos == NULL)
				*codigos = criar_hash("estoque_cache vinculos pendentes", sizeof(char *), 16);
			codigo = TextDatumGetCString(v);
			chave = hash_search(*codigos, &codigo, HASH_ENTER, &achou);
			if (!achou)
				*chave = codigo;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * The pending state of the active snapshot: the current chave and the codes
 * visible link changes touch (aresta_delta is folded every second and
 * small).  Making it also checks that the caller may read the view.
 */
static Pendencias *
pendencias(void)
{
	Snapshot      foto = GetActiveSnapshot();
	MemoryContext antigo;
	Pendencias   *p;

	if (pendencias_lxid == MyProc->lxid && pendencias_atuais != NULL &&
		mesma_foto(foto, &pendencias_foto) && leitor == GetUserId())
		return pendencias_atuais;

	/* who may read is checked once per transaction and role */
	if (pendencias_lxid != MyProc->lxid || leitor != GetUserId())
	{
		leitor = InvalidOid;
		checar_leitura_da_view();
		leitor = GetUserId();
	}
	if (pendencias_lxid != MyProc->lxid || pendencias_mcxt == NULL)
	{
		/* the previous transaction's context went with it */
		pendencias_mcxt = AllocSetContextCreate(TopTransactionContext, "estoque_cache pendencias",
												ALLOCSET_SMALL_SIZES);
		pendencias_lxid = MyProc->lxid;
	}
	else
		MemoryContextReset(pendencias_mcxt);
	pendencias_atuais = NULL;

	antigo = MemoryContextSwitchTo(pendencias_mcxt);
	p = palloc0(sizeof(Pendencias));
	carregar_config(&p->cfg);
	p->chave = chave_de(&p->cfg);
	p->em_dia = guardadas_para(p->chave);
	coletar_vinculos(&p->vinculos);
	p->delta = ec_relid("delta");
	p->delta_idx = ec_relid("delta_codigo_idx");
	p->delta_colacao = colacao_do_indice(p->delta_idx);
	p->nome_delta = ec_relid("nome_delta");
	p->nome_delta_idx = ec_relid("nome_delta_codigo_idx");
	p->nome_delta_colacao = colacao_do_indice(p->nome_delta_idx);
	/* when nothing is pending every stored row is its group's: no probe per code */
	p->ocioso = p->em_dia && p->vinculos == NULL &&
				!primeira_linha(p->delta, p->delta_idx, 0, InvalidOid, NULL, NULL) &&
				!primeira_linha(p->nome_delta, p->nome_delta_idx, 0, InvalidOid, NULL, NULL);
	pendencias_foto = *foto;
	pendencias_foto.xip = palloc(sizeof(TransactionId) * Max(foto->xcnt, 1));
	memcpy(pendencias_foto.xip, foto->xip, sizeof(TransactionId) * foto->xcnt);
	pendencias_foto.subxip = palloc(sizeof(TransactionId) * Max(foto->subxcnt, 1));
	memcpy(pendencias_foto.subxip, foto->subxip, sizeof(TransactionId) * foto->subxcnt);
	MemoryContextSwitchTo(antigo);
	pendencias_atuais = p;
	return p;
}

/* estoque_cache.grupo row, as principais_afetados reads it: code -> principal. */
static void
visitar_membro(Datum *valores, bool *nulos, void *arg)
{
	ParTexto *par;
	char     *codigo = TextDatumGetCString(valores[Anum_grupo_codigo - 1]);

	par = hash_search((HTAB *) arg, &codigo, HASH_ENTER, NULL);
	par->chave = codigo;
	par->valor = TextDatumGetCString(valores[Anum_grupo_principal - 1]);
}

/* Add to `afetados` the folded principal of every code of `codigos`. */
static void
afetar(HTAB *afetados, HTAB *codigos, HTAB *membros)
{
	HASH_SEQ_STATUS st;
	char          **codigo;

	if (codigos == NULL)
		return;
	hash_seq_init(&st, codigos);
	while ((codigo = hash_seq_search(&st)) != NULL)
	{
		ParTexto *par = hash_search(membros, codigo, HASH_FIND, NULL);
		char     *principal = par != NULL ? par->valor : *codigo;
		char    **entrada = hash_search(afetados, &principal, HASH_ENTER, NULL);

		*entrada = principal;
	}
}

/*
 * The principals, in estoque_cache.grupo (the folded groups, those of the
 * stored rows), of every code some visible pending change touches; NULL
 * when nothing is pending.  With it a list tests each stored row by its
 * principal alone.  Keeps the folded groups' members in p->membros.
 */
static HTAB *
principais_afetados(Pendencias *p)
{
	HTAB *afetados;

	if (hash_get_num_entries(p->com_delta) == 0 && hash_get_num_entries(p->com_nome) == 0 &&
		p->vinculos == NULL)
		return NULL;
	p->membros = criar_hash("estoque_cache membros dobrados", sizeof(ParTexto), 1024);
	varrer("grupo", NULL, 0, (Datum) 0, visitar_membro, p->membros);
	afetados = criar_hash("estoque_cache principais afetados", sizeof(char *), 256);
	afetar(afetados, p->com_delta, p->membros);
	afetar(afetados, p->com_nome, p->membros);
	afetar(afetados, p->vinculos, p->membros);
	return afetados;
}

/*
 * Whether a stored row (its principal and codes) is its group's row in the
 * active snapshot: the rows were stored for today's D0 and settings, and no
 * pending change (delta, link, name) is visible for any of its codes.
 */
static bool
grupo_intacto(Pendencias *p, text *principal, Datum codigos_datum)
{
	ArrayType *codigos;
	Datum     *elems;
	bool      *nulos;
	int        n;

	if (p->ocioso)
		return true;
	if (!p->varrido && ++p->chamadas > PROBES_ANTES_DE_VARRER)
	{
		MemoryContext antigo = MemoryContextSwitchTo(pendencias_mcxt);

		p->com_delta = criar_hash("estoque_cache deltas", sizeof(DeltasDoCodigo), 256);
		p->com_nome = criar_hash("estoque_cache codigos com nome", sizeof(char *), 16);
		coletar_deltas(p->com_delta);
		coletar("nome_delta", 1, p->com_nome);
		p->afetados = principais_afetados(p);
		p->varrido = true;
		MemoryContextSwitchTo(antigo);
	}
	if (!p->em_dia)
		return false;
	if (p->varrido)
	{
		char buf[128];

		/* one look per row, by its principal */
		return p->afetados == NULL ||
			   !contem(p->afetados, texto_em(PointerGetDatum(principal), buf, sizeof(buf)));
	}

	codigos = DatumGetArrayTypeP(codigos_datum);
	deconstruct_array(codigos, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulos, &n);
	for (int i = 0; i < n; i++)
	{
		char  buf[128];
		char *codigo;

		if (nulos[i])
			continue;
		codigo = texto_em(elems[i], buf, sizeof(buf));
		if (contem(p->vinculos, codigo))
			return false;
		if (p->varrido ? contem(p->com_delta, codigo) || contem(p->com_nome, codigo)
					   : existe_codigo(p->delta, p->delta_idx, 1, p->delta_colacao, codigo) ||
							 existe_codigo(p->nome_delta, p->nome_delta_idx, 1,
										   p->nome_delta_colacao, codigo))
			return false;
	}
	return true;
}

/* estoque_cache.intacto(principal text, codigos text[]): grupo_intacto for SQL. */
Datum
estoque_cache_intacto(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(grupo_intacto(pendencias(), PG_GETARG_TEXT_PP(0), PG_GETARG_DATUM(1)));
}

/*
 * The view's row of the group whose principal is `principal`, as the
 * active snapshot sees it (pending changes included); false when no group
 * has that principal or it has nothing to show.  Works in its own memory
 * context; the values are copied into the caller's tuplestore.
 */
static bool
linha_calculada(const char *principal, Datum *valores, bool *nulos)
{
	Config          cfg;
	Carga           carga;
	HASH_SEQ_STATUS st;
	Grupo          *g;
	bool            emitir = false;

	carregar_config(&cfg);
	carregar_grupos(&carga, principal, cfg.horizonte, &cfg, false);
	hash_seq_init(&st, carga.grupos);
	while ((g = hash_seq_search(&st)) != NULL)
	{
		if (strcmp(g->principal, principal) == 0 && tem_algo(g, cfg.horizonte))
		{
			valores_grupo(g, &cfg, valores, nulos);
			emitir = true;
		}
	}
	return emitir;
}

/*
 * Emit a group's row, computed for the reader (the view's columns filled),
 * as a row of estoque_cache.resumo, visible.
 */
static void
emitir_linha(ReturnSetInfo *rsinfo, Datum *valores, bool *nulos)
{
	valores[Anum_resumo_visivel - 1] = BoolGetDatum(true);
	nulos[Anum_resumo_visivel - 1] = false;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
}

/*
 * Emit linha_calculada's row, as a row of estoque_cache.resumo, into a
 * materialized SRF's tuplestore.
 */
static void
emitir_calculada(ReturnSetInfo *rsinfo, const char *principal)
{
	MemoryContext trabalho =
		AllocSetContextCreate(CurrentMemoryContext, "estoque_cache linha", ALLOCSET_DEFAULT_SIZES);
	MemoryContext antigo = MemoryContextSwitchTo(trabalho);
	Datum         valores[NUM_COLUNAS_RESUMO];
	bool          nulos[NUM_COLUNAS_RESUMO];

	if (linha_calculada(principal, valores, nulos))
		emitir_linha(rsinfo, valores, nulos);
	MemoryContextSwitchTo(antigo);
	MemoryContextDelete(trabalho);
}

/* A row of estoque_cache.delta, read by index: added to the group. */
static void
visitar_delta(Datum *valores, bool *nulos, void *arg)
{
	void  **args = (void **) arg;
	Config *cfg = (Config *) args[1];

	aplicar_figura((Grupo *) args[0], cfg, cfg->horizonte, valores);
}

/*
 * A row of estoque_cache.resumo_evento, read by index: the stored group's
 * exits and production by date, added to its days from today.
 */
static void
visitar_eventos(Datum *valores, bool *nulos, void *arg)
{
	void  **args = (void **) arg;
	Grupo  *g = (Grupo *) args[0];
	Config *cfg = (Config *) args[1];
	Datum  *datas, *saidas, *producoes;
	bool   *nd, *ns, *np;
	int     k;

	deconstruct_array(DatumGetArrayTypeP(valores[Anum_resumo_evento_data - 1]), DATEOID,
					  sizeof(DateADT), true, TYPALIGN_INT, &datas, &nd, &k);
	deconstruct_array(DatumGetArrayTypeP(valores[Anum_resumo_evento_saida - 1]), NUMERICOID, -1,
					  false, TYPALIGN_INT, &saidas, &ns, &k);
	deconstruct_array(DatumGetArrayTypeP(valores[Anum_resumo_evento_producao - 1]), NUMERICOID, -1,
					  false, TYPALIGN_INT, &producoes, &np, &k);
	for (int i = 0; i < k; i++)
		aplicar_evento(g, cfg, cfg->horizonte, DatumGetDateADT(datas[i]),
					   ns[i] ? (Datum) 0 : saidas[i], np[i] ? (Datum) 0 : producoes[i]);
}

/*
 * Whether a pending link or name change touches one of the codes of a stored
 * row: its group (or name) may then differ from the stored one.
 */
static bool
toca_vinculos_ou_nomes(Pendencias *p, Datum *r)
{
	Datum *codigos;
	bool  *nulos;
	int    n;

	if (p->ocioso)
		return false;
	deconstruct_array(DatumGetArrayTypeP(r[Anum_resumo_codigos - 1]), TEXTOID, -1, false,
					  TYPALIGN_INT, &codigos, &nulos, &n);
	for (int i = 0; i < n; i++)
	{
		char *c = TextDatumGetCString(codigos[i]);

		if (contem(p->vinculos, c) || (p->varrido ? contem(p->com_nome, c)
												  : existe_codigo(p->nome_delta, p->nome_delta_idx,
																  1, p->nome_delta_colacao, c)))
			return true;
	}
	return false;
}

/*
 * A group as the active snapshot sees it, from its stored row (the values
 * of a row of estoque_cache.resumo) and the pending deltas of its codes:
 * totals, and days from today's D0 out of the stored dated events, with no
 * read of the folded tables.  Only for a group no pending link or name
 * change touches (toca_vinculos_ou_nomes).  `eventos`: the stored events of
 * the groups being brought up to date, read at once; NULL to read this
 * group's by index.
 */
static void
grupo_de_guardada(Pendencias *p, Datum *r, bool *rn, Grupo *g, HTAB *eventos)
{
	Config *cfg = &p->cfg;
	Datum  *codigos;
	bool   *nulos_c;
	int     n;

	deconstruct_array(DatumGetArrayTypeP(r[Anum_resumo_codigos - 1]), TEXTOID, -1, false,
					  TYPALIGN_INT, &codigos, &nulos_c, &n);
	memset(g, 0, sizeof(Grupo));
	g->conhecido = true;
	g->principal = TextDatumGetCString(r[Anum_saldo_cod_produto - 1]);
	g->codigos = r[Anum_resumo_codigos - 1];
	g->nome = rn[Anum_saldo_nome_produto - 1] ? NULL
											  : TextDatumGetCString(r[Anum_saldo_nome_produto - 1]);
	for (int f = FONTE_MOVIMENTACAO; f <= FONTE_SEPARACAO; f++)
		somar_total(g, f, r[Anum_saldo_saldo_atual - 2 + f]);
	if (!rn[Anum_saldo_atualizado_em - 1])
	{
		g->tem_atualizado = true;
		g->atualizado_em = DatumGetTimestampTz(r[Anum_saldo_atualizado_em - 1]);
	}
	{
		void *args[2] = {g, cfg};

		/* its dated events: from those read at once, or by primary key */
		if (eventos != NULL)
		{
			EventosDoGrupo *e = hash_search(eventos, &g->principal, HASH_FIND, NULL);

			if (e != NULL)
				visitar_eventos(e->valores, e->nulos, args);
		}
		else
			varrer("resumo_evento", "resumo_evento_pkey", Anum_resumo_evento_cod_produto,
				   r[Anum_saldo_cod_produto - 1], visitar_eventos, args);
	}
	/* the pending deltas of its codes */
	for (int i = 0; i < n && !p->ocioso; i++)
	{
		char *c = TextDatumGetCString(codigos[i]);

		if (p->varrido)
		{
			DeltasDoCodigo *e = hash_get_num_entries(p->com_delta) > 0
									? hash_search(p->com_delta, &c, HASH_FIND, NULL)
									: NULL;
			ListCell       *lc;

			if (e != NULL)
				foreach (lc, e->linhas)
					aplicar_figura(g, cfg, cfg->horizonte, (Datum *) lfirst(lc));
		}
		else
		{
			void *args[2] = {g, cfg};

			varrer("delta", "delta_codigo_idx", Anum_figura_codigo, codigos[i], visitar_delta,
				   args);
		}
	}
}

/*
 * The view's row, in the reader's snapshot, of a stored group that pending
 * work or another day touches (intacto() is false for it), emitted when it
 * has something to show: from the stored row and the pending deltas; from
 * the cache tables when pending links or names touch it, then nothing when
 * the group's principal changed.  Works in `trabalho`, which it resets.
 */
static void
emitir_recalculada(ReturnSetInfo *rsinfo, Pendencias *p, Datum *r, bool *rn, HTAB *eventos,
				   MemoryContext trabalho)
{
	MemoryContext antigo = MemoryContextSwitchTo(trabalho);
	Grupo         g;

	if (toca_vinculos_ou_nomes(p, r))
		emitir_calculada(rsinfo, TextDatumGetCString(r[Anum_saldo_cod_produto - 1]));
	else
	{
		grupo_de_guardada(p, r, rn, &g, eventos);
		if (tem_algo(&g, p->cfg.horizonte))
		{
			Datum valores[NUM_COLUNAS_RESUMO];
			bool  nulos[NUM_COLUNAS_RESUMO];

			valores_grupo(&g, &p->cfg, valores, nulos);
			emitir_linha(rsinfo, valores, nulos);
		}
	}
	MemoryContextSwitchTo(antigo);
	MemoryContextReset(trabalho);
}

/*
 * estoque_cache.linha_recalculada(r estoque_cache.resumo)
 *
 * The view's row of a stored group that pending work touches (intacto()
 * was false), in the reader's snapshot: from the stored row and the
 * pending deltas; from the cache tables when pending links or names touch
 * it, then no row when the group's principal changed.  No row either when
 * it has nothing to show.
 */
Datum
estoque_cache_linha_recalculada(PG_FUNCTION_ARGS)
{
	ReturnSetInfo  *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Pendencias     *p = pendencias();
	HeapTupleHeader linha = PG_GETARG_HEAPTUPLEHEADER(0);
	TupleDesc       desc =
		lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(linha), HeapTupleHeaderGetTypMod(linha));
	HeapTupleData tup;
	Datum         r[NUM_COLUNAS_RESUMO];
	bool          rn[NUM_COLUNAS_RESUMO];
	MemoryContext trabalho;

	exigir_colunas(desc, NUM_COLUNAS_RESUMO, "resumo");
	tup.t_len = HeapTupleHeaderGetDatumLength(linha);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = linha;
	heap_deform_tuple(&tup, desc, r, rn);
	ReleaseTupleDesc(desc);

	InitMaterializedSRF(fcinfo, 0);
	trabalho =
		AllocSetContextCreate(CurrentMemoryContext, "estoque_cache linha", ALLOCSET_DEFAULT_SIZES);
	emitir_recalculada(rsinfo, p, r, rn, NULL, trabalho);
	MemoryContextDelete(trabalho);
	return (Datum) 0;
}

/*
 * The row of `principal` in `tabela` (resumo or resumo_detalhe, each of
 * `colunas` columns), every column copied and detoasted, read by the
 * primary key; false when there is none.
 */
static bool
ler_por_principal(const char *tabela, const char *indice_nome, int colunas, const char *principal,
				  Datum *r, bool *rn)
{
	Relation    rel = table_open(ec_relid(tabela), AccessShareLock);
	TupleDesc   desc = RelationGetDescr(rel);
	Oid         indice = ec_relid(indice_nome);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple   tup;
	bool        achou = false;

	ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid, colacao_do_indice(indice),
						   F_TEXTEQ, CStringGetTextDatum(principal));
	scan = systable_beginscan(rel, indice, true, GetActiveSnapshot(), 1, &key);
	if ((tup = systable_getnext(scan)) != NULL)
	{
		exigir_colunas(desc, colunas, tabela);
		heap_deform_tuple(tup, desc, r, rn);
		/* copied: the tuple goes with the scan */
		for (int i = 0; i < colunas; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (rn[i])
				continue;
			if (att->attlen == -1)
				r[i] = PointerGetDatum(PG_DETOAST_DATUM_COPY(r[i]));
			else
				r[i] = datumCopy(r[i], att->attbyval, att->attlen);
		}
		achou = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return achou;
}

/* The stored row of `principal` (every column of estoque_cache.resumo). */
static bool
ler_guardada(const char *principal, Datum *r, bool *rn)
{
	return ler_por_principal("resumo", "resumo_pkey", NUM_COLUNAS_RESUMO, principal, r, rn);
}

/* The stored document of `principal` (estoque_cache.resumo_detalhe.detalhe). */
static bool
ler_detalhe(const char *principal, Datum *doc)
{
	Datum w[NUM_COLUNAS_RESUMO_DETALHE];
	bool  wn[NUM_COLUNAS_RESUMO_DETALHE];

	if (!ler_por_principal("resumo_detalhe", "resumo_detalhe_pkey", NUM_COLUNAS_RESUMO_DETALHE,
						   principal, w, wn))
		return false;
	*doc = w[Anum_resumo_detalhe_detalhe - 1];
	return true;
}

/*
 * Whether the stored groups pending work touches are brought up to date all
 * at once, by linhas_pendentes(), or row by row, by linha_recalculada():
 * decided once per query (its executor memory context, which the view's
 * parts share) by whichever of the two asks first, from whether the query
 * reads a list (intacto() went over to scanning).  Either way exactly one
 * of them gives those groups, in whatever order the executor runs them.  A
 * later query of the same snapshot whose context has the address of an
 * earlier one finds that one's choice: both choices give every row ("at
 * once" is only chosen after this snapshot's pending tables were scanned),
 * so that costs at most time.
 */
static bool
recalcular_em_lote(Pendencias *p, MemoryContext consulta)
{
	ListCell          *lc;
	EscolhaDeConsulta *e;
	MemoryContext      antigo;

	/*
	 * Each query keeps its own choice: a query that another one runs in the
	 * same snapshot (a function reading the view) must not change it.
	 */
	foreach (lc, p->escolhas)
	{
		e = (EscolhaDeConsulta *) lfirst(lc);
		if (e->consulta == consulta)
			return e->em_lote;
	}
	antigo = MemoryContextSwitchTo(pendencias_mcxt);
	e = palloc(sizeof(EscolhaDeConsulta));
	e->consulta = consulta;
	e->em_lote = p->varrido;
	p->escolhas = lappend(p->escolhas, e);
	MemoryContextSwitchTo(antigo);
	return e->em_lote;
}

/*
 * estoque_cache.por_linha(): whether this query brings the stored groups
 * pending work touches up to date row by row (the view's third and fourth
 * parts) rather than at once (its second); false for both when nothing is
 * pending, so that a lookup then reads one stored row and nothing else.
 * The planner evaluates it once, before the parts it guards run.
 */
Datum
estoque_cache_por_linha(PG_FUNCTION_ARGS)
{
	Pendencias *p = pendencias();

	/* with nothing pending neither part has a row to give */
	PG_RETURN_BOOL(!p->ocioso && !recalcular_em_lote(p, fcinfo->flinfo->fn_mcxt));
}

/* Every visible row of resumo_evento whose principal is in `alvos` (all when NULL), copied. */
static HTAB *
ler_eventos(HTAB *alvos)
{
	HTAB         *eventos = criar_hash("estoque_cache eventos", sizeof(EventosDoGrupo), 1024);
	Relation      rel = table_open(ec_relid("resumo_evento"), AccessShareLock);
	TupleDesc     desc = RelationGetDescr(rel);
	TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	HeapTuple     tup;

	exigir_colunas(desc, NUM_COLUNAS_RESUMO_EVENTO, "resumo_evento");
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool  nulo;
		char  buf[128];
		char *principal = texto_em(heap_getattr(tup, Anum_resumo_evento_cod_produto, desc, &nulo),
								   buf, sizeof(buf));
		EventosDoGrupo *e;

		if (alvos != NULL && !contem(alvos, principal))
			continue;
		principal = pstrdup(principal);
		e = hash_search(eventos, &principal, HASH_ENTER, NULL);
		heap_deform_tuple(tup, desc, e->valores, e->nulos);
		for (int i = 0; i < NUM_COLUNAS_RESUMO_EVENTO; i++)
			if (!e->nulos[i])
				e->valores[i] = datumCopy(e->valores[i], TupleDescAttr(desc, i)->attbyval,
										  TupleDescAttr(desc, i)->attlen);
		e->principal = principal;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return eventos;
}

/*
 * For a list, the row linha_nova() would give: `codigo` is the principal of
 * pending work no stored row has; when it is in no folded group, has
 * pending deltas and no pending link touches it, its group is computed
 * (pending links give theirs in emitir_reagrupadas()).
 */
static void
emitir_nova(ReturnSetInfo *rsinfo, Pendencias *p, char *codigo, MemoryContext trabalho)
{
	MemoryContext antigo;

	if (contem(p->membros, codigo) || !contem(p->com_delta, codigo) || contem(p->vinculos, codigo))
		return;
	antigo = MemoryContextSwitchTo(trabalho);
	emitir_calculada(rsinfo, codigo);
	MemoryContextSwitchTo(antigo);
	MemoryContextReset(trabalho);
}

/*
 * For a query that reads a list (recalcular_em_lote): the view's rows of
 * every stored group that pending work or another day touches, the rows
 * intacto() rejects, brought up to date at once, with one tuplestore and one
 * working context for all, and, when there are many, one pass over resumo
 * and resumo_evento instead of index probes per group; then the rows of the
 * codes only pending deltas know.  Nothing for a query that reads row by
 * row: linha_recalculada() and linha_nova() give them.
 */
static void
emitir_recalculadas(ReturnSetInfo *rsinfo, Pendencias *p, MemoryContext consulta)
{
	MemoryContext trabalho;
	Datum         r[NUM_COLUNAS_RESUMO];
	bool          rn[NUM_COLUNAS_RESUMO];

	if (!recalcular_em_lote(p, consulta))
		return;
	/* recalcular_em_lote() is true only once intacto() scanned: p->afetados is known */
	if (p->em_dia && p->afetados == NULL)
		return;
	trabalho =
		AllocSetContextCreate(CurrentMemoryContext, "estoque_cache linha", ALLOCSET_DEFAULT_SIZES);
	if (p->em_dia && hash_get_num_entries(p->afetados) <= GRUPOS_ANTES_DE_VARRER)
	{
		/* a few groups: each by the primary keys of resumo and resumo_evento */
		HASH_SEQ_STATUS st;
		char          **principal;

		hash_seq_init(&st, p->afetados);
		while ((principal = hash_seq_search(&st)) != NULL)
		{
			if (ler_guardada(*principal, r, rn))
				emitir_recalculada(rsinfo, p, r, rn, NULL, trabalho);
			else
				emitir_nova(rsinfo, p, *principal, trabalho);
		}
	}
	else
	{
		/* many, or every row (another day): one pass over each table */
		HTAB         *eventos = ler_eventos(p->em_dia ? p->afetados : NULL);
		HTAB         *vistos = p->afetados == NULL
								   ? NULL
								   : criar_hash("estoque_cache principais guardados", sizeof(char *),
												hash_get_num_entries(p->afetados));
		Relation      rel = table_open(ec_relid("resumo"), AccessShareLock);
		TupleDesc     desc = RelationGetDescr(rel);
		TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
		HeapTuple     tup;

		exigir_colunas(desc, NUM_COLUNAS_RESUMO, "resumo");
		while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			bool  nulo;
			char  buf[128];
			char *principal =
				texto_em(heap_getattr(tup, Anum_saldo_cod_produto, desc, &nulo), buf, sizeof(buf));
			bool afetado = contem(p->afetados, principal);

			if (p->em_dia && !afetado)
				continue;
			if (vistos != NULL && afetado)
			{
				principal = pstrdup(principal);
				hash_search(vistos, &principal, HASH_ENTER, NULL);
			}
			heap_deform_tuple(tup, desc, r, rn);
			emitir_recalculada(rsinfo, p, r, rn, eventos, trabalho);
		}
		table_endscan(scan);
		table_close(rel, AccessShareLock);
		/* the pending principals no stored row has */
		if (vistos != NULL)
		{
			HASH_SEQ_STATUS st;
			char          **outro;

			hash_seq_init(&st, p->afetados);
			while ((outro = hash_seq_search(&st)) != NULL)
				if (!contem(vistos, *outro))
					emitir_nova(rsinfo, p, *outro, trabalho);
		}
	}
	MemoryContextDelete(trabalho);
}

/*
 * estoque_cache.linha_nova(codigo text, linha tid)
 *
 * The view's row of a code with pending deltas that no stored row knows (no
 * row of resumo, in no folded group), computed in the reader's snapshot; no
 * row when a pending link touches the code (linhas_pendentes() gives its
 * group) or it has nothing to show.  The view calls it for each visible row
 * of delta of the code (`linha` is that row's ctid) and only the call for
 * the first of them answers, so that the view needs no DISTINCT, whose setup
 * every lookup would pay; a rescan of the view (a lateral join repeating a
 * code) gives the row again.
 */
Datum
estoque_cache_linha_nova(PG_FUNCTION_ARGS)
{
	ReturnSetInfo  *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Pendencias     *p = pendencias();
	char           *codigo = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ItemPointerData primeira;

	InitMaterializedSRF(fcinfo, 0);
	/* only the code's first visible delta, in the index's order, answers */
	if (!primeira_linha(p->delta, p->delta_idx, Anum_figura_codigo, p->delta_colacao, codigo,
						&primeira) ||
		!ItemPointerEquals(&primeira, (ItemPointer) PG_GETARG_POINTER(1)))
		return (Datum) 0;
	if (contem(p->vinculos, codigo) || existe_em("resumo", "resumo_pkey", codigo) ||
		existe_em("grupo", "grupo_pkey", codigo))
		return (Datum) 0;
	emitir_calculada(rsinfo, codigo);
	return (Datum) 0;
}

/*
 * The rows of the groups that visible link changes make and whose
 * principal has no stored row: found from the codes those changes touch
 * (every group they change contains one of them).  Nothing when no link
 * change is pending.
 */
static void
emitir_reagrupadas(ReturnSetInfo *rsinfo, Pendencias *p)
{
	HTAB           *vistos;
	HTAB           *grupos;
	HASH_SEQ_STATUS st;
	char          **codigo;

	if (p->vinculos == NULL)
		return;
	vistos = criar_hash("estoque_cache principais vistos", sizeof(char *), 16);
	grupos = grupos_com_vinculos_pendentes();
	hash_seq_init(&st, p->vinculos);
	while ((codigo = hash_seq_search(&st)) != NULL)
	{
		ParTexto *par = hash_search(grupos, codigo, HASH_FIND, NULL);
		char     *principal = par != NULL ? par->valor : *codigo;
		bool      achou;

		hash_search(vistos, &principal, HASH_ENTER, &achou);
		if (achou || existe_em("resumo", "resumo_pkey", principal))
			continue;
		emitir_calculada(rsinfo, principal);
	}
}

/*
 * estoque_cache.linhas_pendentes()
 *
 * The view's rows that pending work makes and that its row-by-row parts do
 * not give: for a list, every stored group pending work or another day
 * touches and the codes only pending deltas know (emitir_recalculadas);
 * for any query, the groups pending links make with a principal no stored
 * row has (emitir_reagrupadas).  One function for both, so that a lookup
 * starts one part fewer.
 */
Datum
estoque_cache_linhas_pendentes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Pendencias    *p = pendencias();

	InitMaterializedSRF(fcinfo, 0);
	emitir_recalculadas(rsinfo, p, fcinfo->flinfo->fn_mcxt);
	emitir_reagrupadas(rsinfo, p);
	return (Datum) 0;
}

static int
comparar_eventos(const void *a, const void *b)
{
	DateADT x = ((const Evento *) a)->data;
	DateADT y = ((const Evento *) b)->data;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * A document as resumo_detalhe stores it: compressed already (lz4 where the
 * server has it, as the column), so that the rows resumir passes between
 * its steps are a fifth of the size (a fold's rows then stay in memory
 * instead of going to temporary files), and the write stores it as is.
 */
static Datum
detalhe_comprimido(Datum doc)
{
#ifdef USE_LZ4
	Datum comprimido = toast_compress_datum(doc, TOAST_LZ4_COMPRESSION);
#else
	Datum comprimido = toast_compress_datum(doc, TOAST_PGLZ_COMPRESSION);
#endif

	return comprimido != (Datum) 0 ? comprimido : doc;
}

/* Fill the columns linhas_dobradas() has after the view's. */
static void
completar(Grupo *g, Config *cfg, Datum *valores, bool *nulos)
{
	valores_grupo(g, cfg, valores, nulos);
	valores[Anum_resumo_visivel - 1] = BoolGetDatum(tem_algo(g, cfg->horizonte));
	nulos[Anum_resumo_visivel - 1] = false;
	valores[Anum_dobrada_detalhe - 1] = detalhe_comprimido(produto_jsonb(g, cfg, valores, nulos));
	nulos[Anum_dobrada_detalhe - 1] = false;
	/* the dated events, by date, with no total of zero */
	if (g->n_eventos > 0)
	{
		Datum *datas = palloc(sizeof(Datum) * g->n_eventos);
		Datum *saidas = palloc(sizeof(Datum) * g->n_eventos);
		Datum *producoes = palloc(sizeof(Datum) * g->n_eventos);
		bool  *ns = palloc(sizeof(bool) * g->n_eventos);
		bool  *np = palloc(sizeof(bool) * g->n_eventos);
		int    k = 0;
		int    dims[1];
		int    lbs[1] = {1};

		qsort(g->eventos, g->n_eventos, sizeof(Evento), comparar_eventos);
		for (int i = 0; i < g->n_eventos; i++)
		{
			Evento *e = &g->eventos[i];
			bool    sem_saida = e->saida == (Datum) 0 || numeric_e_zero(e->saida);
			bool    sem_producao = e->producao == (Datum) 0 || numeric_e_zero(e->producao);

			if (sem_saida && sem_producao)
				continue;
			datas[k] = DateADTGetDatum(e->data);
			saidas[k] = sem_saida ? (Datum) 0 : e->saida;
			ns[k] = sem_saida;
			producoes[k] = sem_producao ? (Datum) 0 : e->producao;
			np[k] = sem_producao;
			k++;
		}
		if (k > 0)
		{
			dims[0] = k;
			valores[Anum_dobrada_eventos_data - 1] = PointerGetDatum(
				construct_array(datas, k, DATEOID, sizeof(DateADT), true, TYPALIGN_INT));
			valores[Anum_dobrada_eventos_saida - 1] = PointerGetDatum(
				construct_md_array(saidas, ns, 1, dims, lbs, NUMERICOID, -1, false, TYPALIGN_INT));
			valores[Anum_dobrada_eventos_producao - 1] = PointerGetDatum(construct_md_array(
				producoes, np, 1, dims, lbs, NUMERICOID, -1, false, TYPALIGN_INT));
			for (int i = Anum_dobrada_eventos_data; i <= Anum_dobrada_eventos_producao; i++)
				nulos[i - 1] = false;
			return;
		}
	}
	for (int i = Anum_dobrada_eventos_data; i <= Anum_dobrada_eventos_producao; i++)
		nulos[i - 1] = true;
}

/* Whether a folded group deserves a stored row: figures, or two codes or more. */
static bool
guardar(Grupo *g)
{
	return g->tem_figuras || ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(g->codigos)),
											ARR_DIMS(DatumGetArrayTypeP(g->codigos))) > 1;
}

/*
 * estoque_cache.linhas_dobradas(principais text[])
 *
 * Rows of estoque_cache.resumo, each with the group's dated events as
 * estoque_cache.resumo_evento keeps them, computed from the folded state
 * only (saldo, grupo, nome; nothing pending), for the groups of
 * `principais` (each a group's principal in estoque_cache.grupo, or a code
 * in no group), or for every group when NULL.  A group without figures and
 * of one code gets no row.
 */
Datum
estoque_cache_linhas_dobradas(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Config         cfg;
	Datum          valores[NUM_COLUNAS_DOBRADA];
	bool           nulos[NUM_COLUNAS_DOBRADA];
	/* what each group's rows and document need, freed once they are stored */
	MemoryContext trabalho =
		AllocSetContextCreate(CurrentMemoryContext, "estoque_cache resumo", ALLOCSET_DEFAULT_SIZES);

	InitMaterializedSRF(fcinfo, 0);
	exigir_colunas(rsinfo->setDesc, NUM_COLUNAS_DOBRADA, "linhas_dobradas()");
	carregar_config(&cfg);

	if (PG_ARGISNULL(0))
	{
		Carga           carga;
		HASH_SEQ_STATUS st;
		Grupo          *g;

		carregar_grupos(&carga, NULL, cfg.horizonte, &cfg, true);
		hash_seq_init(&st, carga.grupos);
		while ((g = hash_seq_search(&st)) != NULL)
		{
			MemoryContext antigo;

			if (!guardar(g))
				continue;
			antigo = MemoryContextSwitchTo(trabalho);
			completar(g, &cfg, valores, nulos);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
			MemoryContextSwitchTo(antigo);
			MemoryContextReset(trabalho);
		}
	}
	else
	{
		Datum *elems;
		bool  *elem_nulos;
		int    n;
		HTAB  *feitos = criar_hash("estoque_cache principais feitos", sizeof(char *), 64);

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT, &elems,
						  &elem_nulos, &n);
		for (int i = 0; i < n; i++)
		{
			char           *principal;
			bool            achou;
			Carga           carga;
			HASH_SEQ_STATUS st;
			Grupo          *g;
			MemoryContext   antigo;

			if (elem_nulos[i])
				continue;
			principal = TextDatumGetCString(elems[i]);
			hash_search(feitos, &principal, HASH_ENTER, &achou);
			if (achou)
				continue;
			antigo = MemoryContextSwitchTo(trabalho);
			carregar_grupos(&carga, principal, cfg.horizonte, &cfg, true);
			hash_seq_init(&st, carga.grupos);
			while ((g = hash_seq_search(&st)) != NULL)
			{
				if (strcmp(g->principal, principal) != 0 || !guardar(g))
					continue;
				completar(g, &cfg, valores, nulos);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
			}
			MemoryContextSwitchTo(antigo);
			MemoryContextReset(trabalho);
		}
	}
	MemoryContextDelete(trabalho);
	return (Datum) 0;
}

/*
 * Whether the installed objects have the stored rows: a database still at
 * 1.0 served by this library has not (see README, "Upgrading"), and its
 * public read functions then compute from the cache tables, as 1.0 did.
 */
static bool
resumo_instalado(void)
{
	return OidIsValid(get_relname_relid("resumo", ec_schema_oid()));
}

/*
 * estoque_cache_saldo_produto(produto text): the view's row for the group of
 * one code (any member); no row when it has nothing to show.  The stored
 * row when nothing pending touches the group; with pending deltas, the
 * stored row and those deltas; with pending links or names, computed by
 * index from the cache tables in the reader's snapshot.
 */
Datum
estoque_cache_saldo_produto(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char          *codigo = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Pendencias    *p = resumo_instalado() ? pendencias() : NULL;

	if (p != NULL && !contem(p->vinculos, codigo))
	{
		Datum r[NUM_COLUNAS_RESUMO];
		bool  rn[NUM_COLUNAS_RESUMO];

		/* with pending links or names touching it: from the cache tables */
		if (ler_guardada(principal_dobrado(codigo), r, rn) && !toca_vinculos_ou_nomes(p, r))
		{
			InitMaterializedSRF(fcinfo, 0);
			if (!grupo_intacto(p, DatumGetTextPP(r[Anum_saldo_cod_produto - 1]),
							   r[Anum_resumo_codigos - 1]))
			{
				MemoryContext trabalho = AllocSetContextCreate(
					CurrentMemoryContext, "estoque_cache linha", ALLOCSET_DEFAULT_SIZES);

				emitir_recalculada(rsinfo, p, r, rn, NULL, trabalho);
				MemoryContextDelete(trabalho);
			}
			else if (DatumGetBool(r[Anum_resumo_visivel - 1]))
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, r, rn);
			return (Datum) 0;
		}
	}
	emitir_um_grupo(fcinfo, codigo, false, 0, false);
	return (Datum) 0;
}

/*
 * estoque_cache_produto(produto text) returns jsonb
 *
 * The group of `produto` (any member): the view's columns plus
 * projecao_29_dias (see produto_jsonb); NULL for a code the cache does not
 * know.  The stored document when nothing pending touches the group; from
 * the stored row, its dated events and the pending deltas when no pending
 * link or name change touches it; else from the cache tables.
 */
Datum
estoque_cache_produto(PG_FUNCTION_ARGS)
{
	char       *codigo = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Pendencias *p = resumo_instalado() ? pendencias() : NULL;
	Datum       doc;

	if (p != NULL && !contem(p->vinculos, codigo))
	{
		char *principal = principal_dobrado(codigo);
		Datum r[NUM_COLUNAS_RESUMO];
		bool  rn[NUM_COLUNAS_RESUMO];

		/* nothing pending at all: no need of the row to know the document is right */
		if (p->ocioso && ler_detalhe(principal, &doc))
			PG_RETURN_DATUM(doc);
		if (ler_guardada(principal, r, rn) && !toca_vinculos_ou_nomes(p, r))
		{
			Grupo g;
			Datum valores[NUM_COLUNAS];
			bool  nulos[NUM_COLUNAS];

			if (grupo_intacto(p, DatumGetTextPP(r[Anum_saldo_cod_produto - 1]),
							  r[Anum_resumo_codigos - 1]) &&
				ler_detalhe(principal, &doc))
				PG_RETURN_DATUM(doc);
			grupo_de_guardada(p, r, rn, &g, NULL);
			valores_grupo(&g, &p->cfg, valores, nulos);
			PG_RETURN_DATUM(produto_jsonb(&g, &p->cfg, valores, nulos));
		}
	}
	doc = produto_calculado(codigo);
	if (doc == (Datum) 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(doc);
}
