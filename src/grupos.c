/*-------------------------------------------------------------------------
 *
 * grupos.c
 *	  Groups read from the cache's tables in the caller's snapshot: their
 *	  members, figures and names, and the helpers to scan those tables.
 *
 * Figures are kept per code (estoque_cache.saldo plus the pending rows of
 * estoque_cache.delta); groups are resolved when read, through
 * estoque_cache.grupo, so a link change never rewrites figures.  Link and
 * name changes are appended by their writers (estoque_cache.aresta_delta,
 * nome_delta) and folded later: while any is visible, the groups and names
 * they touch are computed from the folded state plus the visible changes
 * (estoque_cache.grupos_pendentes, nomes_pendentes).  Every query here runs
 * in the caller's snapshot, so a reader sees committed work and its own
 * transaction's, and never waits for writers.  The figures go to
 * projecao.c as they are read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "estoque_cache.h"
#include "leitura.h"

static uint32
texto_hash(const void *key, Size keysize)
{
	return string_hash(*(char *const *) key, 0);
}

static int
texto_comparar(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

/* A hash keyed by a C string pointer (the string lives in the caller's context). */
HTAB *
criar_hash(const char *nome, Size entrysize, long n)
{
	HASHCTL ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = entrysize;
	ctl.hash = texto_hash;
	ctl.match = texto_comparar;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(nome, n, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/*
 * Collation of an index's first column.  An index keeps its columns'
 * collations for life, so the last few are remembered by OID without
 * opening the index again.
 */
Oid
colacao_do_indice(Oid indice)
{
	static Oid indices[8];
	static Oid colacoes[8];
	static int proximo = 0;
	Relation   idx;
	Oid        colacao;

	for (int i = 0; i < lengthof(indices); i++)
		if (indices[i] == indice && OidIsValid(indice))
			return colacoes[i];
	idx = index_open(indice, AccessShareLock);
	colacao = idx->rd_indcollation[0];
	index_close(idx, AccessShareLock);
	indices[proximo] = indice;
	colacoes[proximo] = colacao;
	proximo = (proximo + 1) % lengthof(indices);
	return colacao;
}

/*
 * A text datum as a C string, in buf when it fits (the scans below look up
 * one code per tuple; most codes are short).
 */
char *
texto_em(Datum valor, char *buf, Size tamanho)
{
	text *t = DatumGetTextPP(valor);
	Size  n = VARSIZE_ANY_EXHDR(t);
	char *s = n < tamanho ? buf : palloc(n + 1);

	memcpy(s, VARDATA_ANY(t), n);
	s[n] = '\0';
	return s;
}

/*
 * Scanning the internal tables directly, in the caller's snapshot: all rows
 * (indexname NULL) or the rows whose first indexed column equals `chave`.
 * Runs the callback on each tuple's deformed values.
 */
void
varrer(const char *tabela, const char *indice, AttrNumber coluna, Datum chave, VisitaTupla visita,
	   void *arg)
{
	Relation  rel = table_open(ec_relid(tabela), AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);
	Datum    *valores = palloc(sizeof(Datum) * desc->natts);
	bool     *nulos = palloc(sizeof(bool) * desc->natts);
	HeapTuple tup;

	if (indice == NULL)
	{
		TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);

		while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			heap_deform_tuple(tup, desc, valores, nulos);
			visita(valores, nulos, arg);
		}
		table_endscan(scan);
	}
	else
	{
		ScanKeyData key;
		SysScanDesc scan;
		Oid         indice_oid = ec_relid(indice);

		/* the index's own collation (codes are compared for equality only) */
		ScanKeyEntryInitialize(&key, 0, coluna, BTEqualStrategyNumber, InvalidOid,
							   colacao_do_indice(indice_oid), F_TEXTEQ, chave);
		scan = systable_beginscan(rel, indice_oid, true, GetActiveSnapshot(), 1, &key);
		while ((tup = systable_getnext(scan)) != NULL)
		{
			heap_deform_tuple(tup, desc, valores, nulos);
			visita(valores, nulos, arg);
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	pfree(valores);
	pfree(nulos);
}

/* estoque_cache.grupo row: codigo, principal. */
static void
visitar_grupo(Datum *valores, bool *nulos, void *arg)
{
	Carga    *carga = (Carga *) arg;
	char      buf[128];
	char     *codigo = texto_em(valores[Anum_grupo_codigo - 1], buf, sizeof(buf));
	bool      achou;
	ParTexto *par = hash_search(carga->membros, &codigo, HASH_ENTER, &achou);

	if (!achou)
	{
		par->chave = pstrdup(codigo);
		par->valor = TextDatumGetCString(valores[Anum_grupo_principal - 1]);
	}
}

/* estoque_cache.grupo row, read by its code: the code's principal. */
static void
visitar_principal(Datum *valores, bool *nulos, void *arg)
{
	*(char **) arg = TextDatumGetCString(valores[Anum_grupo_principal - 1]);
}

/* estoque_cache.saldo / delta row, during a load: to the code's group. */
static void
visitar_figura(Datum *valores, bool *nulos, void *arg)
{
	Carga *carga = (Carga *) arg;
	char   buf[128];
	char  *codigo = texto_em(valores[Anum_figura_codigo - 1], buf, sizeof(buf));
	/* both hashes use string_hash: hash the code once */
	uint32    hash = string_hash(codigo, 0);
	ParTexto *par =
		hash_get_num_entries(carga->membros) == 0
			? NULL
			: hash_search_with_hash_value(carga->membros, &codigo, hash, HASH_FIND, NULL);
	Grupo *g = par ? grupo_entrar(carga->grupos, par->valor)
				   : grupo_entrar_hash(carga->grupos, codigo, hash);

	aplicar_figura(g, carga->cfg, carga->dias, valores);
}

/* A name behind the anexo_id it came from, as carga->nomes keeps them. */
static char *
nome_com_anexo(int32 anexo, const char *nome)
{
	char *v = palloc(sizeof(int32) + strlen(nome) + 1);

	*(int32 *) v = anexo;
	strcpy(v + sizeof(int32), nome);
	return v;
}

/*
 * estoque_cache.nome row: codigo, anexo_id, nome, n.  The catalogue with the
 * lowest anexo_id wins, and within it the smallest name (byte order).
 */
static void
visitar_nome(Datum *valores, bool *nulos, void *arg)
{
	Carga    *carga = (Carga *) arg;
	char      buf[128];
	char     *codigo = texto_em(valores[Anum_nome_codigo - 1], buf, sizeof(buf));
	int32     anexo = DatumGetInt32(valores[Anum_nome_anexo_id - 1]);
	char     *nome;
	bool      achou;
	ParTexto *par;

	/* 1.0's table (a database not updated yet) has no counts */
	if (carga->nomes_contados && DatumGetInt32(valores[Anum_nome_n - 1]) <= 0)
		return;
	nome = TextDatumGetCString(valores[Anum_nome_nome - 1]);
	par = hash_search(carga->nomes, &codigo, HASH_ENTER, &achou);
	if (!achou)
		par->chave = pstrdup(codigo);
	if (!achou || anexo < *(int32 *) par->valor ||
		(anexo == *(int32 *) par->valor && strcmp(nome, par->valor + sizeof(int32)) < 0))
		par->valor = nome_com_anexo(anexo, nome);
}

/*
 * Whether the active snapshot sees any row of an internal table; false when
 * the table does not exist (installed objects still of 1.0, which has no
 * pending link or name changes).
 */
static bool
ha_linhas(const char *tabela)
{
	Oid           relid = get_relname_relid(tabela, ec_schema_oid());
	Relation      rel;
	TableScanDesc scan;
	bool          ha;

	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, AccessShareLock);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	ha = heap_getnext(scan, ForwardScanDirection) != NULL;

	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return ha;
}

typedef void (*VisitaPar)(char *x, char *y, void *arg);

/*
 * The queries consultar_pares() runs: the groups or names that pending link
 * or name changes make, of some codes ($1) or of all.  The SQL functions
 * they call are inlined by the planner; each query is planned once per
 * backend and kept (SPI_keepplan), as ri_triggers.c keeps its plans.
 */
typedef enum Consulta
{
	GRUPOS_DE,
	GRUPOS_DE_TODOS,
	NOMES_DE,
	NOMES_DE_TODOS,
	NUM_CONSULTAS
} Consulta;

static const char *const textos_das_consultas[NUM_CONSULTAS] = {
	"SELECT codigo, principal FROM estoque_cache.grupos_pendentes($1)",
	"SELECT codigo, principal FROM estoque_cache.grupos_pendentes(NULL)",
	"SELECT codigo, nome FROM estoque_cache.nomes_pendentes($1)",
	"SELECT codigo, nome FROM estoque_cache.nomes_pendentes(NULL)"};

static SPIPlanPtr planos_das_consultas[NUM_CONSULTAS];

/*
 * Run one of the queries above (the codes of `codigos` as $1 for those that
 * take them) as the cache owner in the active snapshot, and hand each row,
 * copied into the caller's memory, to `visita`.  Planned and run with
 * search_path = pg_catalog, pg_temp, so that what the inlined functions
 * name resolves safely, and the same way as when the plan was kept.
 */
static void
consultar_pares(Consulta consulta, List *codigos, VisitaPar visita, void *arg)
{
	MemoryContext chamador = CurrentMemoryContext;
	Identidade    salva;
	Oid           tipo = TEXTARRAYOID;
	bool          com_codigos = (consulta == GRUPOS_DE || consulta == NOMES_DE);
	Datum         valor = (Datum) 0;

	if (com_codigos)
	{
		Datum    *d = palloc(sizeof(Datum) * list_length(codigos));
		int       i = 0;
		ListCell *lc;

		foreach (lc, codigos)
			d[i++] = CStringGetTextDatum((char *) lfirst(lc));
		valor = PointerGetDatum(construct_array(d, i, TEXTOID, -1, false, TYPALIGN_INT));
	}
	ec_como_dono_do_cache_sem_caminho(&salva);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (planos_das_consultas[consulta] == NULL)
	{
		/* one generic plan: the codes change every time, the plan need not */
		SPIPlanPtr plano = SPI_prepare_cursor(textos_das_consultas[consulta], com_codigos ? 1 : 0,
											  &tipo, CURSOR_OPT_GENERIC_PLAN);

		if (plano == NULL)
			elog(ERROR, "SPI_prepare of \"%s\" failed: %s", textos_das_consultas[consulta],
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plano) != 0)
			elog(ERROR, "SPI_keepplan failed");
		planos_das_consultas[consulta] = plano;
	}
	if (SPI_execute_plan(planos_das_consultas[consulta], com_codigos ? &valor : NULL, NULL, true,
						 0) != SPI_OK_SELECT)
		elog(ERROR, "estoque_cache: %s failed", textos_das_consultas[consulta]);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char         *x = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char         *y = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		MemoryContext antigo = MemoryContextSwitchTo(chamador);

		visita(pstrdup(x), y ? pstrdup(y) : NULL, arg);
		MemoryContextSwitchTo(antigo);
	}
	SPI_finish();
	ec_restaurar(&salva);
}

/* A row of grupos_pendentes: the code's group as the snapshot sees it. */
static void
sobrepor_grupo(char *codigo, char *principal, void *arg)
{
	HTAB     *membros = (HTAB *) arg;
	bool      achou;
	ParTexto *par;

	if (principal == NULL)
	{
		hash_search(membros, &codigo, HASH_REMOVE, NULL);
		return;
	}
	par = hash_search(membros, &codigo, HASH_ENTER, &achou);
	par->chave = codigo;
	par->valor = principal;
}

/* A row of nomes_pendentes: the code's name as the snapshot sees it. */
static void
sobrepor_nome(char *codigo, char *nome, void *arg)
{
	HTAB     *nomes = (HTAB *) arg;
	bool      achou;
	ParTexto *par;

	if (nome == NULL)
	{
		hash_search(nomes, &codigo, HASH_REMOVE, NULL);
		return;
	}
	par = hash_search(nomes, &codigo, HASH_ENTER, &achou);
	par->chave = codigo;
	par->valor = nome_com_anexo(0, nome);
}

/* Comparison of codes in principal order (see estoque_cache.ordenar_codigos). */
static bool
codigo_inteiro(const char *c)
{
	if (*c == '-')
		c++;
	if (*c == '\0')
		return false;
	for (; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

static int
comparar_inteiros(const char *a, const char *b)
{
	bool        na = (*a == '-');
	bool        nb = (*b == '-');
	const char *da = a + na;
	const char *db = b + nb;
	size_t      la, lb;
	int         r;

	while (*da == '0' && da[1] != '\0')
		da++;
	while (*db == '0' && db[1] != '\0')
		db++;
	/* -0 equals 0 */
	if (strcmp(da, "0") == 0)
		na = false;
	if (strcmp(db, "0") == 0)
		nb = false;
	if (na != nb)
		return na ? -1 : 1;
	la = strlen(da);
	lb = strlen(db);
	r = (la != lb) ? (la < lb ? -1 : 1) : strcmp(da, db);
	return na ? -r : r;
}

static bool ordenacao_inteira;

static int
comparar_codigos(const void *a, const void *b)
{
	const char *x = *(const char *const *) a;
	const char *y = *(const char *const *) b;

	if (ordenacao_inteira)
	{
		int r = comparar_inteiros(x, y);

		if (r != 0)
			return r;
	}
	return strcmp(x, y);
}

/*
 * text[] of codes in principal order (see estoque_cache.ordenar_codigos), each
 * once.
 */
Datum
array_ordenado(List *codigos)
{
	int       n = list_length(codigos);
	char    **v = palloc(sizeof(char *) * n);
	Datum    *d = palloc(sizeof(Datum) * n);
	ListCell *lc;
	int       i = 0;
	int       k = 0;

	ordenacao_inteira = true;
	foreach (lc, codigos)
	{
		v[i] = lfirst(lc);
		ordenacao_inteira &= codigo_inteiro(v[i]);
		i++;
	}
	qsort(v, n, sizeof(char *), comparar_codigos);
	/* equal codes compare equal in both orders: they are neighbours */
	for (int j = 0; j < n; j++)
		if (k == 0 || strcmp(v[j], v[j - 1]) != 0)
			d[k++] = CStringGetTextDatum(v[j]);
	return PointerGetDatum(construct_array(d, k, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Name of a group: the principal's, else the first member's that has one. */
static void
nomear(Grupo *g, HTAB *nomes)
{
	ParTexto *par = hash_search(nomes, &g->principal, HASH_FIND, NULL);

	if (par == NULL && g->codigos != (Datum) 0)
	{
		Datum *elems;
		int    n;

		deconstruct_array(DatumGetArrayTypeP(g->codigos), TEXTOID, -1, false, TYPALIGN_INT, &elems,
						  NULL, &n);
		for (int j = 0; j < n && par == NULL; j++)
		{
			char *codigo = TextDatumGetCString(elems[j]);

			par = hash_search(nomes, &codigo, HASH_FIND, NULL);
		}
	}
	if (par != NULL)
	{
		g->nome = par->valor + sizeof(int32);
		g->conhecido = true;
	}
}

/*
 * Whether the active snapshot sees a row of table `relid` whose code, column
 * `coluna` and the first of index `indice` (of collation `colacao`), is
 * `codigo` (any row when `codigo` is NULL): one probe of the index.  With
 * `primeira`, also the TID of the first such row in the index's order.
 */
bool
primeira_linha(Oid relid, Oid indice, AttrNumber coluna, Oid colacao, const char *codigo,
			   ItemPointer primeira)
{
	Relation    rel = table_open(relid, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple   tup;

	if (codigo != NULL)
		ScanKeyEntryInitialize(&key, 0, coluna, BTEqualStrategyNumber, InvalidOid, colacao,
							   F_TEXTEQ, CStringGetTextDatum(codigo));
	scan = systable_beginscan(rel, indice, true, GetActiveSnapshot(), codigo != NULL ? 1 : 0,
							  codigo != NULL ? &key : NULL);
	tup = systable_getnext(scan);
	if (tup != NULL && primeira != NULL)
		*primeira = tup->t_self;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return tup != NULL;
}

/* The same, without the TID. */
bool
existe_codigo(Oid relid, Oid indice, AttrNumber coluna, Oid colacao, const char *codigo)
{
	return primeira_linha(relid, indice, coluna, colacao, codigo, NULL);
}

/*
 * The same, naming the internal table and its index.  Without the index
 * (installed objects of 1.0, whose link and name changes are never
 * pending), whether the snapshot sees any row of the table at all.
 */
static bool
pendente_para(const char *tabela, const char *indice, AttrNumber coluna, const char *codigo)
{
	Oid idx = get_relname_relid(indice, ec_schema_oid());

	if (!OidIsValid(idx))
		return ha_linhas(tabela);
	return existe_codigo(ec_relid(tabela), idx, coluna, colacao_do_indice(idx), codigo);
}

/* Whether a visible link change touches one of `codigos`. */
static bool
vinculos_pendentes_tocam(List *codigos)
{
	ListCell *lc;

	foreach (lc, codigos)
	{
		const char *c = lfirst(lc);

		/* aresta_delta: a is column 1, b column 2 */
		if (pendente_para("aresta_delta", "aresta_delta_a_idx", 1, c) ||
			pendente_para("aresta_delta", "aresta_delta_b_idx", 2, c))
			return true;
	}
	return false;
}

/* Whether a visible name change touches one of `codigos`. */
static bool
nomes_pendentes_tocam(List *codigos)
{
	ListCell *lc;

	foreach (lc, codigos)
		if (pendente_para("nome_delta", "nome_delta_codigo_idx", 1, lfirst(lc)))
			return true;
	return false;
}

/* The text[] of a group of one code. */
static Datum
codigos_de_um(const char *codigo)
{
	Datum um = CStringGetTextDatum(codigo);

	return PointerGetDatum(construct_array(&um, 1, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * The group of `produto`: fills `membros` (code -> principal) and returns
 * the member codes, or NIL when the code is in no group of two or more;
 * *principal is the group's principal (the code itself for a group of
 * one).  From estoque_cache.grupo, by index; unless so_dobrado, from the
 * links as the snapshot sees them when a visible link change touches the
 * folded group (estoque_cache.grupos_pendentes).
 */
static List *
membros_do_grupo(const char *produto, HTAB *membros, char **principal, bool so_dobrado)
{
	Carga           carga;
	ParTexto       *par;
	HASH_SEQ_STATUS st;
	List           *lista = NIL;

	memset(&carga, 0, sizeof(carga));
	carga.membros = membros;
	varrer("grupo", "grupo_pkey", 1, CStringGetTextDatum(produto), visitar_grupo, &carga);
	par = hash_search(membros, &produto, HASH_FIND, NULL);
	/* every member, the code itself included, points to the same principal */
	if (par != NULL)
		varrer("grupo", "grupo_principal_idx", 2, CStringGetTextDatum(par->valor), visitar_grupo,
			   &carga);
	hash_seq_init(&st, membros);
	while ((par = hash_seq_search(&st)) != NULL)
		lista = lappend(lista, par->chave);

	if (!so_dobrado &&
		vinculos_pendentes_tocam(lista != NIL ? lista : list_make1((char *) produto)))
	{
		/* link changes pending: the group of produto over the links as seen */
		hash_seq_init(&st, membros);
		while ((par = hash_seq_search(&st)) != NULL)
			hash_search(membros, &par->chave, HASH_REMOVE, NULL);
		consultar_pares(GRUPOS_DE, list_make1((char *) produto), sobrepor_grupo, membros);
		lista = NIL;
		hash_seq_init(&st, membros);
		while ((par = hash_seq_search(&st)) != NULL)
			lista = lappend(lista, par->chave);
	}
	par = hash_search(membros, &produto, HASH_FIND, NULL);
	if (par == NULL)
	{
		*principal = pstrdup(produto);
		return NIL;
	}
	*principal = par->valor;
	return lista;
}

/*
 * Read groups into carga->grupos, keyed by principal: the group of
 * `produto`, or all of them (then also every group of two or more codes,
 * with or without figures).  Day arrays have `dias` entries from cfg->hoje.
 * Reads the cache tables directly in the active snapshot, by index for one
 * group.  so_dobrado reads the folded state only (saldo, grupo, nome),
 * leaving out every pending change (delta, aresta_delta, nome_delta), as
 * estoque_cache.resumo keeps it.  carga->membros (code -> principal) and
 * carga->nomes (code -> name) stay filled for the caller.
 */
void
carregar_grupos(Carga *carga_saida, const char *produto, int dias, Config *cfg, bool so_dobrado)
{
	Carga           carga;
	HASH_SEQ_STATUS status;
	Grupo          *g;

	memset(&carga, 0, sizeof(carga));
	carga.grupos = criar_hash("estoque_cache grupos", sizeof(Grupo), produto ? 4 : 4096);
	carga.membros = criar_hash("estoque_cache membros", sizeof(ParTexto), produto ? 8 : 1024);
	carga.nomes = criar_hash("estoque_cache nomes", sizeof(ParTexto), produto ? 8 : 4096);
	carga.cfg = cfg;
	carga.dias = dias;
	carga.nomes_contados = OidIsValid(get_relname_relid("nome_delta", ec_schema_oid()));

	if (produto != NULL)
	{
		char     *principal;
		List     *codigos = membros_do_grupo(produto, carga.membros, &principal, so_dobrado);
		ListCell *lc;

		g = grupo_entrar(carga.grupos, principal);
		if (codigos != NIL)
			g->conhecido = true;
		else
			codigos = list_make1(pstrdup(produto));
		g->codigos = array_ordenado(codigos);

		foreach (lc, codigos)
		{
			Datum c = CStringGetTextDatum((char *) lfirst(lc));

			varrer("saldo", "saldo_pkey", 1, c, visitar_figura, &carga);
			if (!so_dobrado)
				varrer("delta", "delta_codigo_idx", 1, c, visitar_figura, &carga);
			varrer("nome", "nome_pkey", 1, c, visitar_nome, &carga);
		}
		if (!so_dobrado && nomes_pendentes_tocam(codigos))
			consultar_pares(NOMES_DE, codigos, sobrepor_nome, carga.nomes);
	}
	else
	{
		HASH_SEQ_STATUS st;
		ParTexto       *par;
		HTAB           *listas = criar_hash("estoque_cache listas", sizeof(ParTexto), 1024);

		varrer("grupo", NULL, 0, (Datum) 0, visitar_grupo, &carga);
		if (!so_dobrado && ha_linhas("aresta_delta"))
			consultar_pares(GRUPOS_DE_TODOS, NIL, sobrepor_grupo, carga.membros);
		varrer("saldo", NULL, 0, (Datum) 0, visitar_figura, &carga);
		if (!so_dobrado)
			varrer("delta", NULL, 0, (Datum) 0, visitar_figura, &carga);
		varrer("nome", NULL, 0, (Datum) 0, visitar_nome, &carga);
		if (!so_dobrado && ha_linhas("nome_delta"))
			consultar_pares(NOMES_DE_TODOS, NIL, sobrepor_nome, carga.nomes);

		/* members of each group of two or more, in principal order */
		hash_seq_init(&st, carga.membros);
		while ((par = hash_seq_search(&st)) != NULL)
		{
			bool      achou;
			ParTexto *lista = hash_search(listas, &par->valor, HASH_ENTER, &achou);

			if (!achou)
				lista->valor = NULL;
			lista->valor = (char *) lappend((List *) lista->valor, par->chave);
		}
		hash_seq_init(&st, listas);
		while ((par = hash_seq_search(&st)) != NULL)
		{
			g = grupo_entrar(carga.grupos, par->chave);
			g->codigos = array_ordenado((List *) par->valor);
		}
		hash_destroy(listas);
	}

	/* names, and single-code groups' member list */
	hash_seq_init(&status, carga.grupos);
	while ((g = hash_seq_search(&status)) != NULL)
	{
		if (g->codigos == (Datum) 0)
			g->codigos = codigos_de_um(g->principal);
		nomear(g, carga.nomes);
	}
	*carga_saida = carga;
}

/* The group of one code, or NULL when the cache does not know the code. */
Grupo *
carregar_um_grupo(const char *produto, int dias, Config *cfg)
{
	Carga           carga;
	HASH_SEQ_STATUS status;
	Grupo          *g;

	carregar_grupos(&carga, produto, dias, cfg, false);
	hash_seq_init(&status, carga.grupos);
	g = hash_seq_search(&status);
	if (g != NULL)
		hash_seq_term(&status);
	return g != NULL && g->conhecido ? g : NULL;
}

/* The group of a code: principal and ordered members, from estoque_cache.grupo. */
void
resolver_grupo(text *produto, Datum *principal, Datum *codigos)
{
	char *codigo = text_to_cstring(produto);
	char *p;
	List *lista = membros_do_grupo(codigo, criar_hash("estoque_cache membros", sizeof(ParTexto), 8),
								   &p, false);

	*principal = CStringGetTextDatum(p);
	*codigos = array_ordenado(lista != NIL ? lista : list_make1(codigo));
}

/* The principal of a code's group in estoque_cache.grupo (pending links left out). */
char *
principal_dobrado(const char *codigo)
{
	char *principal = NULL;

	varrer("grupo", "grupo_pkey", Anum_grupo_codigo, CStringGetTextDatum(codigo), visitar_principal,
		   &principal);
	return principal != NULL ? principal : pstrdup(codigo);
}

/*
 * The groups that visible link changes make, as the active snapshot sees
 * them: code -> principal (a ParTexto hash) for every code those changes
 * touch and every member of their folded groups, a code alone in its group
 * left out; one run of estoque_cache.grupos_pendentes for all of them.
 */
HTAB *
grupos_com_vinculos_pendentes(void)
{
	HTAB *membros = criar_hash("estoque_cache membros pendentes", sizeof(ParTexto), 64);

	consultar_pares(GRUPOS_DE_TODOS, NIL, sobrepor_grupo, membros);
	return membros;
}
