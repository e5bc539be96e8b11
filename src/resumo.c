/*-------------------------------------------------------------------------
 *
 * resumo.c
 *	  The view estoque_cache_saldo read like a table.
 *
 * estoque_cache.resumo keeps one row per group of the folded state (saldo,
 * grupo, nome), with the view's columns computed for one D0 and one set of
 * settings (its `chave`).  It is written only with the folded tables, in the
 * same transactions (estoque_cache.resumir), so every snapshot sees it
 * consistent with them.  The view is SQL over it, so that a filter on
 * cod_produto reaches its primary key:
 *
 *	 1. the stored row of every group that nothing pending touches in the
 *		reader's snapshot (estoque_cache.intacto, a cheap test per row);
 *	 2. for the stored groups that pending work does touch, their row
 *		computed afresh from the cache tables in that snapshot
 *		(estoque_cache.linha_atual), or nothing when the group's principal
 *		changed;
 *	 3. codes with pending deltas that the folded state does not know at all
 *		(linha_atual with `novo`), reached through estoque_cache.delta by
 *		index;
 *	 4. groups that pending link changes make out of codes whose folded
 *		group has another principal (estoque_cache.linhas_reagrupadas).
 *
 * Each principal of the snapshot belongs to exactly one of these: a stored
 * principal to 1 or 2; a code no folded row knows to 3, unless a pending
 * link touches it; any other principal that pending links create to 4.
 * "Today" and the settings are part of intacto's test: a row stored for
 * another day is computed again when read (and the folder stores it again).
 *
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
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "estoque_cache.h"
#include "leitura.h"

PG_FUNCTION_INFO_V1(estoque_cache_linhas_dobradas);
PG_FUNCTION_INFO_V1(estoque_cache_chave_atual);
PG_FUNCTION_INFO_V1(estoque_cache_intacto);
PG_FUNCTION_INFO_V1(estoque_cache_linha_atual);
PG_FUNCTION_INFO_V1(estoque_cache_linhas_reagrupadas);
PG_FUNCTION_INFO_V1(estoque_cache_saldo_produto);

/* Columns of estoque_cache.resumo: the view's, then visivel and chave. */
#define Anum_resumo_codigos Anum_saldo_codigos
#define Anum_resumo_visivel (NUM_COLUNAS + 1)
#define Anum_resumo_chave   (NUM_COLUNAS + 2)
#define NUM_COLUNAS_RESUMO  (NUM_COLUNAS + 2)

/*
 * Calls of estoque_cache.intacto() in one query after which it reads the
 * pending tables once instead of probing them by index per group: a lookup
 * probes, a list scans.
 */
#define PROBES_ANTES_DE_VARRER 8

/* What is pending in the snapshot of one query, as far as it was needed. */
typedef struct Pendencias
{
	char *chave;     /* D0 and settings of this query */
	HTAB *vinculos;  /* codes a visible link change touches; NULL: none */
	int   chamadas;  /* intacto() calls so far */
	bool  varrido;   /* com_delta and com_nome hold every code */
	HTAB *com_delta; /* codes with visible rows of delta (once varrido) */
	HTAB *com_nome;  /* codes with visible rows of nome_delta (once varrido) */
	Oid   delta, delta_idx, delta_colacao; /* for the probes by code */
	Oid   nome_delta, nome_delta_idx, nome_delta_colacao;
} Pendencias;

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
 * Whether the active snapshot sees a row of table `relid` whose code, the
 * first column of index `indice` (of collation `colacao`), is `codigo`.
 */
static bool
existe(Oid relid, Oid indice, Oid colacao, const char *codigo)
{
	Relation    rel = table_open(relid, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	bool        achou;

	ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid, colacao, F_TEXTEQ,
						   CStringGetTextDatum(codigo));
	scan = systable_beginscan(rel, indice, true, GetActiveSnapshot(), 1, &key);
	achou = systable_getnext(scan) != NULL;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return achou;
}

/* The same, naming the internal table and its index. */
static bool
existe_em(const char *tabela, const char *indice, const char *codigo)
{
	Oid indice_oid = ec_relid(indice);

	return existe(ec_relid(tabela), indice_oid, colacao_do_indice(indice_oid), codigo);
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

static bool
contem(HTAB *codigos, char *codigo)
{
	return codigos != NULL && hash_get_num_entries(codigos) > 0 &&
		   hash_search(codigos, &codigo, HASH_FIND, NULL);
}

/*
 * The pending state as the active snapshot sees it, shared by every call in
 * the transaction that reads in the same snapshot (the view calls intacto()
 * twice per row and linhas_reagrupadas() once).  It lives in the
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
	return a->xmin == b->xmin && a->xmax == b->xmax && a->curcid == b->curcid &&
		   a->xcnt == b->xcnt && a->subxcnt == b->subxcnt && a->suboverflowed == b->suboverflowed &&
		   memcmp(a->xip, b->xip, sizeof(TransactionId) * a->xcnt) == 0 &&
		   memcmp(a->subxip, b->subxip, sizeof(TransactionId) * a->subxcnt) == 0;
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
	Config        cfg;

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
	carregar_config(&cfg);
	p->chave = chave_de(&cfg);
	coletar_vinculos(&p->vinculos);
	p->delta = ec_relid("delta");
	p->delta_idx = ec_relid("delta_codigo_idx");
	p->delta_colacao = colacao_do_indice(p->delta_idx);
	p->nome_delta = ec_relid("nome_delta");
	p->nome_delta_idx = ec_relid("nome_delta_codigo_idx");
	p->nome_delta_colacao = colacao_do_indice(p->nome_delta_idx);
	pendencias_foto = *foto;
	pendencias_foto.xip = palloc(sizeof(TransactionId) * Max(foto->xcnt, 1));
	memcpy(pendencias_foto.xip, foto->xip, sizeof(TransactionId) * foto->xcnt);
	pendencias_foto.subxip = palloc(sizeof(TransactionId) * Max(foto->subxcnt, 1));
	memcpy(pendencias_foto.subxip, foto->subxip, sizeof(TransactionId) * foto->subxcnt);
	MemoryContextSwitchTo(antigo);
	pendencias_atuais = p;
	return p;
}

/*
 * Whether a stored row (its chave and codes) is its group's row in the
 * active snapshot: stored for today's D0 and settings, and no pending change
 * (delta, link, name) visible for any of its codes.
 */
static bool
grupo_intacto(Pendencias *p, text *chave, ArrayType *codigos)
{
	Datum *elems;
	bool  *nulos;
	int    n;

	if (VARSIZE_ANY_EXHDR(chave) != strlen(p->chave) ||
		memcmp(VARDATA_ANY(chave), p->chave, VARSIZE_ANY_EXHDR(chave)) != 0)
		return false;

	if (!p->varrido && ++p->chamadas > PROBES_ANTES_DE_VARRER)
	{
		MemoryContext antigo = MemoryContextSwitchTo(pendencias_mcxt);

		p->com_delta = criar_hash("estoque_cache codigos com delta", sizeof(char *), 256);
		p->com_nome = criar_hash("estoque_cache codigos com nome", sizeof(char *), 16);
		coletar("delta", 1, p->com_delta);
		coletar("nome_delta", 1, p->com_nome);
		p->varrido = true;
		MemoryContextSwitchTo(antigo);
	}
	if (p->varrido && hash_get_num_entries(p->com_delta) == 0 &&
		hash_get_num_entries(p->com_nome) == 0 && p->vinculos == NULL)
		return true;

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
		if (p->varrido
				? contem(p->com_delta, codigo) || contem(p->com_nome, codigo)
				: existe(p->delta, p->delta_idx, p->delta_colacao, codigo) ||
					  existe(p->nome_delta, p->nome_delta_idx, p->nome_delta_colacao, codigo))
			return false;
	}
	return true;
}

/* estoque_cache.intacto(principal text, codigos text[], chave text): grupo_intacto for SQL. */
Datum
estoque_cache_intacto(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(grupo_intacto(pendencias(), PG_GETARG_TEXT_PP(2), PG_GETARG_ARRAYTYPE_P(1)));
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
 * Emit linha_calculada's row, as a row of estoque_cache.resumo, into a
 * materialized SRF's tuplestore.
 */
static void
emitir_calculada(ReturnSetInfo *rsinfo, const char *principal, const char *chave)
{
	MemoryContext trabalho =
		AllocSetContextCreate(CurrentMemoryContext, "estoque_cache linha", ALLOCSET_DEFAULT_SIZES);
	MemoryContext antigo = MemoryContextSwitchTo(trabalho);
	Datum         valores[NUM_COLUNAS_RESUMO];
	bool          nulos[NUM_COLUNAS_RESUMO];

	if (linha_calculada(principal, valores, nulos))
	{
		valores[Anum_resumo_visivel - 1] = BoolGetDatum(true);
		nulos[Anum_resumo_visivel - 1] = false;
		valores[Anum_resumo_chave - 1] = CStringGetTextDatum(chave);
		nulos[Anum_resumo_chave - 1] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
	}
	MemoryContextSwitchTo(antigo);
	MemoryContextDelete(trabalho);
}

/*
 * estoque_cache.linha_atual(principal text, novo boolean)
 *
 * The view's row of the group of `principal` computed in the reader's
 * snapshot: no row when the code is no longer a principal (pending links
 * joined its group to a smaller code) or its group has nothing to show.
 * With `novo` (a code with pending deltas), no row when the folded state
 * knows the code (its group's stored row stands for it), nor when a pending
 * link touches it (linhas_reagrupadas() gives that group).
 */
Datum
estoque_cache_linha_atual(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Pendencias    *p = pendencias();
	char          *principal = text_to_cstring(PG_GETARG_TEXT_PP(0));

	InitMaterializedSRF(fcinfo, 0);
	/* a code some folded row knows is read through that row */
	if (PG_GETARG_BOOL(1) &&
		(contem(p->vinculos, principal) || existe_em("resumo", "resumo_pkey", principal) ||
		 existe_em("grupo", "grupo_pkey", principal)))
		return (Datum) 0;
	emitir_calculada(rsinfo, principal, p->chave);
	return (Datum) 0;
}

/*
 * estoque_cache.linhas_reagrupadas()
 *
 * The rows of the groups that visible link changes make and whose
 * principal has no stored row: found from the codes those changes touch
 * (every group they change contains one of them).  Nothing, at the cost of
 * one look at aresta_delta, when no link change is pending.
 */
Datum
estoque_cache_linhas_reagrupadas(PG_FUNCTION_ARGS)
{
	ReturnSetInfo  *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Pendencias     *p = pendencias();
	HTAB           *vistos;
	HASH_SEQ_STATUS st;
	char          **codigo;

	InitMaterializedSRF(fcinfo, 0);
	if (p->vinculos == NULL)
		return (Datum) 0;
	vistos = criar_hash("estoque_cache principais vistos", sizeof(char *), 16);
	hash_seq_init(&st, p->vinculos);
	while ((codigo = hash_seq_search(&st)) != NULL)
	{
		char *principal = principal_de(*codigo);
		bool  achou;

		hash_search(vistos, &principal, HASH_ENTER, &achou);
		if (achou || existe_em("resumo", "resumo_pkey", principal))
			continue;
		emitir_calculada(rsinfo, principal, p->chave);
	}
	return (Datum) 0;
}

/* Fill the two columns resumo has after the view's. */
static void
completar(Grupo *g, Config *cfg, const char *chave, Datum *valores, bool *nulos)
{
	valores_grupo(g, cfg, valores, nulos);
	valores[Anum_resumo_visivel - 1] = BoolGetDatum(tem_algo(g, cfg->horizonte));
	nulos[Anum_resumo_visivel - 1] = false;
	valores[Anum_resumo_chave - 1] = CStringGetTextDatum(chave);
	nulos[Anum_resumo_chave - 1] = false;
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
 * Rows of estoque_cache.resumo computed from the folded state only (saldo,
 * grupo, nome; nothing pending), for the groups of `principais` (each a
 * group's principal in estoque_cache.grupo, or a code in no group), or for
 * every group when NULL.  A group without figures and of one code gets no
 * row.
 */
Datum
estoque_cache_linhas_dobradas(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Config         cfg;
	char          *chave;
	Datum          valores[NUM_COLUNAS_RESUMO];
	bool           nulos[NUM_COLUNAS_RESUMO];

	InitMaterializedSRF(fcinfo, 0);
	carregar_config(&cfg);
	chave = chave_de(&cfg);

	if (PG_ARGISNULL(0))
	{
		Carga           carga;
		HASH_SEQ_STATUS st;
		Grupo          *g;

		carregar_grupos(&carga, NULL, cfg.horizonte, &cfg, true);
		hash_seq_init(&st, carga.grupos);
		while ((g = hash_seq_search(&st)) != NULL)
		{
			if (!guardar(g))
				continue;
			completar(g, &cfg, chave, valores, nulos);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
		}
	}
	else
	{
		Datum        *elems;
		bool         *elem_nulos;
		int           n;
		HTAB         *feitos = criar_hash("estoque_cache principais feitos", sizeof(char *), 64);
		MemoryContext trabalho = AllocSetContextCreate(CurrentMemoryContext, "estoque_cache resumo",
													   ALLOCSET_DEFAULT_SIZES);

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
				completar(g, &cfg, chave, valores, nulos);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
			}
			MemoryContextSwitchTo(antigo);
			MemoryContextReset(trabalho);
		}
		MemoryContextDelete(trabalho);
	}
	return (Datum) 0;
}

/*
 * The stored row of `principal` when it is its group's row in the active
 * snapshot (see grupo_intacto): fills the view's columns and *visivel.
 */
static bool
linha_guardada(Pendencias *p, const char *principal, Datum *valores, bool *nulos, bool *visivel)
{
	Relation    rel = table_open(ec_relid("resumo"), AccessShareLock);
	Oid         indice = ec_relid("resumo_pkey");
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple   tup;
	bool        serve = false;

	ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid, colacao_do_indice(indice),
						   F_TEXTEQ, CStringGetTextDatum(principal));
	scan = systable_beginscan(rel, indice, true, GetActiveSnapshot(), 1, &key);
	if ((tup = systable_getnext(scan)) != NULL)
	{
		Datum v[NUM_COLUNAS_RESUMO];
		bool  n[NUM_COLUNAS_RESUMO];

		heap_deform_tuple(tup, RelationGetDescr(rel), v, n);
		if (grupo_intacto(p, DatumGetTextPP(v[Anum_resumo_chave - 1]),
						  DatumGetArrayTypeP(v[Anum_resumo_codigos - 1])))
		{
			/* copied: the tuple goes with the scan */
			for (int i = 0; i < NUM_COLUNAS; i++)
			{
				nulos[i] = n[i];
				valores[i] =
					n[i] ? (Datum) 0
						 : datumCopy(v[i], TupleDescAttr(RelationGetDescr(rel), i)->attbyval,
									 TupleDescAttr(RelationGetDescr(rel), i)->attlen);
			}
			*visivel = DatumGetBool(v[Anum_resumo_visivel - 1]);
			serve = true;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return serve;
}

/*
 * estoque_cache_saldo_produto(produto text): the view's row for the group of
 * one code (any member); no row when it has nothing to show.  The stored
 * row when nothing pending touches the group, else computed by index from
 * the cache tables in the reader's snapshot.
 */
Datum
estoque_cache_saldo_produto(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Pendencias    *p = pendencias();
	char          *codigo = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (!contem(p->vinculos, codigo))
	{
		Datum valores[NUM_COLUNAS];
		bool  nulos[NUM_COLUNAS];
		bool  visivel;
		char *principal = principal_dobrado(codigo);

		if (linha_guardada(p, principal, valores, nulos, &visivel))
		{
			InitMaterializedSRF(fcinfo, 0);
			if (visivel)
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
			return (Datum) 0;
		}
	}
	emitir_um_grupo(fcinfo, codigo, false, 0, false);
	return (Datum) 0;
}
