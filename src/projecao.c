/*-------------------------------------------------------------------------
 *
 * projecao.c
 *	  Reading the cache: per-group figures, the day-by-day projection and
 *	  the rupture status, and the group resolution functions.
 *
 * Figures are kept per code (estoque_cache.saldo plus the pending rows of
 * estoque_cache.delta); groups are resolved when read, through
 * estoque_cache.grupo, so a link change never rewrites figures.  Link and
 * name changes are appended by their writers (estoque_cache.aresta_delta,
 * nome_delta) and folded later: while any is visible, the groups and names
 * they touch are computed from the folded state plus the visible changes
 * (estoque_cache.grupos_pendentes, nomes_pendentes).  Every query here runs
 * in the caller's snapshot, so a reader sees committed work and its own
 * transaction's, and never waits for writers.
 *
 * The projection of a group over `dias` days from D0:
 *	 saida(d)	   exits (pre_separacao + separacao) dated d; undated or past
 *				   exits count on D0
 *	 producao(d)   production dated d; past or undated production is ignored
 *	 final(d)	   = final(d-1) - saida(d) + producao(d), final(-1) = saldo
 * Only days with movement change the running figure, so summarising a group
 * costs as many numeric operations as it has dated events, not days.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "executor/spi.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/jsonfuncs.h"
#include "utils/lsyscache.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "access/heapam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "estoque_cache.h"
#include "leitura.h"

PG_FUNCTION_INFO_V1(estoque_cache_saldo_grupos);
PG_FUNCTION_INFO_V1(estoque_cache_projecao);
PG_FUNCTION_INFO_V1(estoque_cache_principal);
PG_FUNCTION_INFO_V1(estoque_cache_codigos);
PG_FUNCTION_INFO_V1(estoque_cache_config);

#define SITUACAO_CRITICO 0
#define SITUACAO_ATENCAO 1
#define SITUACAO_OK      2

/* What the day-by-day projection says about a group. */
typedef struct Previsao
{
	Datum   previsao; /* min final over D0..D(janela) */
	bool    tem_ruptura;
	DateADT data_ruptura;
	bool    ruptura_na_janela;
	int     status; /* SITUACAO_CRITICO, SITUACAO_ATENCAO or SITUACAO_OK */
} Previsao;

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

static Datum
zero_se_nulo(Datum valor)
{
	return valor == (Datum) 0 ? numeric_zero() : valor;
}

int
comparar_numeric(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

static bool
negativo(Datum valor)
{
	return comparar_numeric(valor, numeric_zero()) < 0;
}

/* Defaults of the settings, used while estoque_cache.configuracao is empty. */
#define PADRAO_HORIZONTE      29
#define PADRAO_JANELA         7
#define PADRAO_ESTOQUE_MINIMO 10
#define PADRAO_FUSO           "America/Sao_Paulo"

/*
 * Load the settings (the row of estoque_cache.configuracao, or the defaults)
 * and today's date, D0: the current date in the configured time zone, so a
 * server running in UTC rolls over at the configured zone's midnight.
 * estoque_cache.config() exposes the same to SQL.
 */
static Datum numeric_copia(Datum valor);

/* Collation of an index's first column (cached by the relcache). */
Oid
colacao_do_indice(Oid indice)
{
	Relation idx = index_open(indice, AccessShareLock);
	Oid      colacao = idx->rd_indcollation[0];

	index_close(idx, AccessShareLock);
	return colacao;
}

void
carregar_config(Config *cfg)
{
	Relation rel = table_open(ec_relid("configuracao"), AccessShareLock);
	/* through its primary key: no look at the table's size (a system call) */
	SysScanDesc scan =
		systable_beginscan(rel, ec_relid("configuracao_pkey"), true, GetActiveSnapshot(), 0, NULL);
	HeapTuple tup = systable_getnext(scan);
	Datum     agora;

	cfg->horizonte = PADRAO_HORIZONTE;
	cfg->janela = PADRAO_JANELA;
	cfg->estoque_minimo = NumericGetDatum(int64_to_numeric(PADRAO_ESTOQUE_MINIMO));
	cfg->fuso = PADRAO_FUSO;
	if (tup != NULL)
	{
		TupleDesc desc = RelationGetDescr(rel);
		Datum     v[NUM_COLUNAS_CONFIGURACAO];
		bool      n[NUM_COLUNAS_CONFIGURACAO];

		/* columns: id, horizonte_dias, janela_critica_dias, estoque_minimo, fuso_horario */
		heap_deform_tuple(tup, desc, v, n);
		cfg->horizonte = DatumGetInt32(v[Anum_configuracao_horizonte - 1]);
		cfg->janela = DatumGetInt32(v[Anum_configuracao_janela - 1]);
		/* 4-byte header: compared per group */
		cfg->estoque_minimo = numeric_copia(v[Anum_configuracao_estoque_minimo - 1]);
		cfg->fuso = TextDatumGetCString(v[Anum_configuracao_fuso - 1]);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	agora = DirectFunctionCall2(timestamptz_zone, CStringGetTextDatum(cfg->fuso),
								TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()));
	cfg->hoje = DatumGetDateADT(DirectFunctionCall1(timestamp_date, agora));
}

static Grupo *
grupo_entrar_hash(HTAB *grupos, const char *principal, uint32 hash)
{
	bool   achou;
	Grupo *g = hash_search_with_hash_value(grupos, &principal, hash, HASH_ENTER, &achou);

	if (!achou)
	{
		memset(((char *) g) + sizeof(char *), 0, sizeof(Grupo) - sizeof(char *));
		g->principal = pstrdup(principal);
	}
	return g;
}

Grupo *
grupo_entrar(HTAB *grupos, const char *principal)
{
	return grupo_entrar_hash(grupos, principal, string_hash(principal, 0));
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

/*
 * A private copy of a numeric from a scanned tuple, with a 4-byte header so
 * that the numeric functions do not copy it again on every operation.
 */
static Datum
numeric_copia(Datum valor)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(valor);

	if (VARATT_IS_EXTENDED(v))
		return PointerGetDatum(PG_DETOAST_DATUM_COPY(valor));
	return datumCopy(valor, false, -1);
}

/* Add a scanned quantity to an accumulator that may still be empty. */
static void
somar(Datum *acumulado, Datum valor)
{
	*acumulado = *acumulado == (Datum) 0 ? numeric_copia(valor)
										 : DirectFunctionCall2(numeric_add, *acumulado, valor);
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

/* Add an exit (or production) dated `data` to the day it counts on, if any. */
static void
somar_no_dia(Grupo *g, Config *cfg, int dias, DateADT data, bool producao, Datum q)
{
	int64 dia;

	if (!producao)
	{
		/* undated or past exits are still pending: they count on D0 */
		dia = (DATE_IS_NOBEGIN(data) || data <= cfg->hoje) ? 0 : (int64) data - cfg->hoje;
		if (dia < dias)
		{
			if (g->saida == NULL)
				g->saida = palloc0(sizeof(Datum) * dias);
			somar(&g->saida[dia], q);
		}
	}
	else if (!DATE_NOT_FINITE(data) && data >= cfg->hoje)
	{
		/* production dated before D0 (or undated) is not counted */
		dia = (int64) data - cfg->hoje;
		if (dia < dias)
		{
			if (g->producao == NULL)
				g->producao = palloc0(sizeof(Datum) * dias);
			somar(&g->producao[dia], q);
		}
	}
}

/* Record a dated figure by its date, whatever D0 is (see Evento). */
static void
registrar_evento(Grupo *g, DateADT data, bool producao, Datum q)
{
	Evento *e = NULL;

	for (int i = 0; i < g->n_eventos && e == NULL; i++)
		if (g->eventos[i].data == data)
			e = &g->eventos[i];
	if (e == NULL)
	{
		if (g->n_eventos == g->max_eventos)
		{
			g->max_eventos = Max(8, g->max_eventos * 2);
			g->eventos = g->eventos == NULL ? palloc(sizeof(Evento) * g->max_eventos)
											: repalloc(g->eventos, sizeof(Evento) * g->max_eventos);
		}
		e = &g->eventos[g->n_eventos++];
		e->data = data;
		e->saida = e->producao = (Datum) 0;
	}
	somar(producao ? &e->producao : &e->saida, q);
}

/* Add to a group's total of a source (1..4). */
void
somar_total(Grupo *g, int fonte, Datum valor)
{
	somar(&g->total[fonte], valor);
}

/*
 * Add the stored exits and production of one date (estoque_cache.resumo's
 * eventos) to a group's days from cfg->hoje.
 */
void
aplicar_evento(Grupo *g, Config *cfg, int dias, DateADT data, Datum saida, Datum producao)
{
	if (saida != (Datum) 0)
		somar_no_dia(g, cfg, dias, data, false, saida);
	if (producao != (Datum) 0)
		somar_no_dia(g, cfg, dias, data, true, producao);
}

/*
 * Add one row of estoque_cache.saldo or estoque_cache.delta (codigo,
 * anexo_id, data, fonte, quantidade, atualizado_em) to its group.  Day
 * arrays have `dias` entries from cfg->hoje; dated figures are also kept by
 * date (g->eventos).  Never changes a numeric in place: accumulators are
 * replaced, so a copied Grupo may share them.
 */
void
aplicar_figura(Grupo *g, Config *cfg, int dias, Datum *valores)
{
	DateADT     data = DatumGetDateADT(valores[Anum_figura_data - 1]);
	int         fonte = DatumGetInt16(valores[Anum_figura_fonte - 1]);
	Datum       q = valores[Anum_figura_quantidade - 1];
	TimestampTz quando = DatumGetTimestampTz(valores[Anum_figura_atualizado_em - 1]);

	g->conhecido = true;
	g->tem_figuras = true;
	if (!g->tem_atualizado || quando > g->atualizado_em)
		g->atualizado_em = quando;
	g->tem_atualizado = true;
	if (fonte < FONTE_MOVIMENTACAO || fonte > FONTE_PRODUCAO)
		return;
	if (fonte != FONTE_PRODUCAO)
		somar(&g->total[fonte], q);
	if (FONTE_TEM_DATA(fonte))
	{
		somar_no_dia(g, cfg, dias, data, fonte == FONTE_PRODUCAO, q);
		registrar_evento(g, data, fonte == FONTE_PRODUCAO, q);
	}
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
 * Run `sql` (a query of two text columns over the cache's tables, taking a
 * text[] of codes, NULL for all) as the cache owner in the active snapshot,
 * and hand each row, copied into the caller's memory, to `visita`.
 */
static void
consultar_pares(const char *sql, List *codigos, VisitaPar visita, void *arg)
{
	MemoryContext chamador = CurrentMemoryContext;
	Identidade    salva;
	Oid           tipo = TEXTARRAYOID;
	Datum         valor = (Datum) 0;
	char          nulo = 'n';

	if (codigos != NIL)
	{
		Datum    *d = palloc(sizeof(Datum) * list_length(codigos));
		int       i = 0;
		ListCell *lc;

		foreach (lc, codigos)
			d[i++] = CStringGetTextDatum((char *) lfirst(lc));
		valor = PointerGetDatum(construct_array(d, i, TEXTOID, -1, false, TYPALIGN_INT));
		nulo = ' ';
	}
	ec_como_dono_do_cache(&salva);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 1, &tipo, &valor, &nulo, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "estoque_cache: %s failed", sql);
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

/* text[] of codes in principal order. */
static Datum
array_ordenado(List *codigos)
{
	int       n = list_length(codigos);
	char    **v = palloc(sizeof(char *) * n);
	Datum    *d = palloc(sizeof(Datum) * n);
	ListCell *lc;
	int       i = 0;

	ordenacao_inteira = true;
	foreach (lc, codigos)
	{
		v[i] = lfirst(lc);
		ordenacao_inteira &= codigo_inteiro(v[i]);
		i++;
	}
	qsort(v, n, sizeof(char *), comparar_codigos);
	for (int j = 0; j < n; j++)
		d[j] = CStringGetTextDatum(v[j]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Name of a group: the principal's, else the first member's that has one. */
void
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
 * `codigo`: one probe of the index.
 */
bool
existe_codigo(Oid relid, Oid indice, AttrNumber coluna, Oid colacao, const char *codigo)
{
	Relation    rel = table_open(relid, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	bool        achou;

	ScanKeyEntryInitialize(&key, 0, coluna, BTEqualStrategyNumber, InvalidOid, colacao, F_TEXTEQ,
						   CStringGetTextDatum(codigo));
	scan = systable_beginscan(rel, indice, true, GetActiveSnapshot(), 1, &key);
	achou = systable_getnext(scan) != NULL;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return achou;
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
		consultar_pares("SELECT codigo, principal FROM estoque_cache.grupos_pendentes($1)",
						list_make1((char *) produto), sobrepor_grupo, membros);
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
			consultar_pares("SELECT codigo, nome FROM estoque_cache.nomes_pendentes($1)", codigos,
							sobrepor_nome, carga.nomes);
	}
	else
	{
		HASH_SEQ_STATUS st;
		ParTexto       *par;
		HTAB           *listas = criar_hash("estoque_cache listas", sizeof(ParTexto), 1024);

		varrer("grupo", NULL, 0, (Datum) 0, visitar_grupo, &carga);
		if (!so_dobrado && ha_linhas("aresta_delta"))
			consultar_pares("SELECT codigo, principal FROM estoque_cache.grupos_pendentes($1)", NIL,
							sobrepor_grupo, carga.membros);
		varrer("saldo", NULL, 0, (Datum) 0, visitar_figura, &carga);
		if (!so_dobrado)
			varrer("delta", NULL, 0, (Datum) 0, visitar_figura, &carga);
		varrer("nome", NULL, 0, (Datum) 0, visitar_nome, &carga);
		if (!so_dobrado && ha_linhas("nome_delta"))
			consultar_pares("SELECT codigo, nome FROM estoque_cache.nomes_pendentes($1)", NIL,
							sobrepor_nome, carga.nomes);

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

/* The text[] of a group of one code. */
Datum
codigos_de_um(const char *codigo)
{
	Datum um = CStringGetTextDatum(codigo);

	return PointerGetDatum(construct_array(&um, 1, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Day-by-day summary: forecast over the critical window, rupture date, status. */
static void
prever(Grupo *g, Config *cfg, Previsao *r)
{
	Datum corrente = zero_se_nulo(g->total[FONTE_MOVIMENTACAO]);
	Datum minimo = (Datum) 0;
	bool  mudou = true; /* day 0 is always looked at */

	r->tem_ruptura = false;
	r->data_ruptura = 0;
	r->ruptura_na_janela = false;
	for (int d = 0; d < cfg->horizonte; d++)
	{
		if (g->saida && g->saida[d] != (Datum) 0)
		{
			corrente = DirectFunctionCall2(numeric_sub, corrente, g->saida[d]);
			mudou = true;
		}
		if (g->producao && g->producao[d] != (Datum) 0)
		{
			corrente = DirectFunctionCall2(numeric_add, corrente, g->producao[d]);
			mudou = true;
		}
		if (!mudou)
			continue;
		mudou = false;
		if (d <= cfg->janela && (minimo == (Datum) 0 || comparar_numeric(corrente, minimo) < 0))
			minimo = corrente;
		if (!r->tem_ruptura && negativo(corrente))
		{
			r->tem_ruptura = true;
			r->data_ruptura = cfg->hoje + d;
			r->ruptura_na_janela = d <= cfg->janela;
		}
	}
	r->previsao = minimo;
	if (r->ruptura_na_janela)
		r->status = SITUACAO_CRITICO;
	else if (r->tem_ruptura || comparar_numeric(minimo, cfg->estoque_minimo) < 0)
		r->status = SITUACAO_ATENCAO;
	else
		r->status = SITUACAO_OK;
}

/* The status as a text datum, made once per backend for each of the three. */
static Datum
texto_status(int status)
{
	static Datum feitos[3];

	if (feitos[status] == (Datum) 0)
	{
		static const char *nomes[3] = {"CRÍTICO", "ATENÇÃO", "OK"};
		MemoryContext      antigo = MemoryContextSwitchTo(TopMemoryContext);

		feitos[status] = CStringGetTextDatum(nomes[status]);
		MemoryContextSwitchTo(antigo);
	}
	return feitos[status];
}

/* Whether a group has anything to show in the view. */
bool
tem_algo(Grupo *g, int dias)
{
	for (int f = FONTE_MOVIMENTACAO; f <= FONTE_SEPARACAO; f++)
		if (g->total[f] != (Datum) 0 && !numeric_e_zero(g->total[f]))
			return true;
	for (int d = 0; d < dias; d++)
		if ((g->saida && g->saida[d] != (Datum) 0 && !numeric_e_zero(g->saida[d])) ||
			(g->producao && g->producao[d] != (Datum) 0 && !numeric_e_zero(g->producao[d])))
			return true;
	return false;
}

int
comparar_grupos(const void *a, const void *b)
{
	return strcmp((*(Grupo *const *) a)->principal, (*(Grupo *const *) b)->principal);
}

/*
 * estoque_cache.saldo_grupos(produto text, data_base date, incluir_vazios bool)
 *
 * The rows of the view estoque_cache_saldo: every group with something to
 * show, or only the group of `produto` (with incluir_vazios, also when it
 * has nothing to show, as long as the code is known at all).
 */
/* The view's columns for one group. */
void
valores_grupo(Grupo *g, Config *cfg, Datum *valores, bool *nulos)
{
	Previsao r;
	Datum    disponivel;

	memset(nulos, 0, sizeof(bool) * NUM_COLUNAS);
	prever(g, cfg, &r);
	valores[Anum_saldo_cod_produto - 1] = CStringGetTextDatum(g->principal);
	if (g->nome)
		valores[Anum_saldo_nome_produto - 1] = CStringGetTextDatum(g->nome);
	else
		nulos[Anum_saldo_nome_produto - 1] = true;
	valores[Anum_saldo_codigos - 1] = g->codigos; /* carregar_grupos fills it for every group */
	for (int f = FONTE_MOVIMENTACAO; f <= FONTE_SEPARACAO; f++)
		valores[Anum_saldo_saldo_atual - 2 + f] = zero_se_nulo(g->total[f]);
	disponivel = valores[Anum_saldo_saldo_atual - 1];
	for (int f = FONTE_CARTEIRA; f <= FONTE_SEPARACAO; f++)
		if (g->total[f] != (Datum) 0)
			disponivel = DirectFunctionCall2(numeric_sub, disponivel, g->total[f]);
	valores[Anum_saldo_disponivel - 1] = disponivel;
	valores[Anum_saldo_previsao - 1] = r.previsao;
	if (r.tem_ruptura)
		valores[Anum_saldo_data_ruptura - 1] = DateADTGetDatum(r.data_ruptura);
	else
		nulos[Anum_saldo_data_ruptura - 1] = true;
	valores[Anum_saldo_status - 1] = texto_status(r.status);
	if (g->tem_atualizado)
		valores[Anum_saldo_atualizado_em - 1] = TimestampTzGetDatum(g->atualizado_em);
	else
		nulos[Anum_saldo_atualizado_em - 1] = true;
}

/*
 * The view's row for the group of `produto` (by index), when it has
 * something to show; with incluir_vazios, also when it has nothing to show,
 * as long as the code is known at all.
 */
void
emitir_um_grupo(FunctionCallInfo fcinfo, char *produto, bool tem_data_base, DateADT data_base,
				bool incluir_vazios)
{
	ReturnSetInfo  *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Config          cfg;
	Carga           carga;
	HASH_SEQ_STATUS status;
	Grupo          *g;

	InitMaterializedSRF(fcinfo, 0);
	carregar_config(&cfg);
	if (tem_data_base)
		cfg.hoje = data_base;
	carregar_grupos(&carga, produto, cfg.horizonte, &cfg, false);

	hash_seq_init(&status, carga.grupos);
	while ((g = hash_seq_search(&status)) != NULL)
	{
		if (incluir_vazios ? g->conhecido : tem_algo(g, cfg.horizonte))
		{
			Datum valores[NUM_COLUNAS];
			bool  nulos[NUM_COLUNAS];

			valores_grupo(g, &cfg, valores, nulos);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
		}
	}
}

/*
 * Every group with something to show, in principal order, computed from the
 * cache tables in the active snapshot (estoque_cache.saldo_grupos(NULL,
 * data_base); the view itself reads estoque_cache.resumo, see resumo.c).
 * Nothing stays allocated after the query.
 */
static void
emitir_todos(FunctionCallInfo fcinfo, bool tem_data_base, DateADT data_base)
{
	ReturnSetInfo  *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Config          cfg;
	Carga           carga;
	HASH_SEQ_STATUS st;
	Grupo          *g;
	Grupo         **ordem;
	long            n = 0;

	InitMaterializedSRF(fcinfo, 0);
	carregar_config(&cfg);
	if (tem_data_base)
		cfg.hoje = data_base;
	carregar_grupos(&carga, NULL, cfg.horizonte, &cfg, false);
	ordem = palloc(sizeof(Grupo *) * (hash_get_num_entries(carga.grupos) + 1));
	hash_seq_init(&st, carga.grupos);
	while ((g = hash_seq_search(&st)) != NULL)
		ordem[n++] = g;
	qsort(ordem, n, sizeof(Grupo *), comparar_grupos);
	for (long i = 0; i < n; i++)
	{
		Datum valores[NUM_COLUNAS];
		bool  nulos[NUM_COLUNAS];

		if (!tem_algo(ordem[i], cfg.horizonte))
			continue;
		valores_grupo(ordem[i], &cfg, valores, nulos);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
	}
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

Datum
estoque_cache_saldo_grupos(PG_FUNCTION_ARGS)
{
	bool    tem_data_base = !PG_ARGISNULL(1);
	DateADT data_base = tem_data_base ? PG_GETARG_DATEADT(1) : 0;

	checar_leitura_da_view();
	if (tem_data_base)
	{
		Config cfg;

		/* the same checks as estoque_cache_projecao's */
		carregar_config(&cfg);
		if (DATE_NOT_FINITE(data_base))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("data_base must be a finite date")));
		if (!IS_VALID_DATE((int64) data_base + cfg.horizonte - 1))
			ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							errmsg("the projection from data_base runs past the last valid date"),
							errhint("Pass an earlier data_base.")));
	}
	if (PG_ARGISNULL(0))
		emitir_todos(fcinfo, tem_data_base, data_base);
	else
		emitir_um_grupo(fcinfo, text_to_cstring(PG_GETARG_TEXT_PP(0)), tem_data_base, data_base,
						PG_NARGS() > 2 && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2));
	return (Datum) 0;
}

/* The group of one code, or NULL when the cache does not know the code. */
static Grupo *
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

/* One day of a group's projection. */
typedef struct DiaProjecao
{
	Datum inicial;
	Datum saida;
	Datum producao;
	Datum final;
} DiaProjecao;

/* Day d, starting from `inicial` (the previous day's final stock). */
static void
projetar_dia(Grupo *g, int d, Datum inicial, DiaProjecao *dia)
{
	dia->inicial = inicial;
	dia->saida = zero_se_nulo(g->saida ? g->saida[d] : (Datum) 0);
	dia->producao = zero_se_nulo(g->producao ? g->producao[d] : (Datum) 0);
	dia->final = DirectFunctionCall2(
		numeric_add, DirectFunctionCall2(numeric_sub, inicial, dia->saida), dia->producao);
}

/*
 * estoque_cache_projecao(produto text, dias int, data_base date)
 *
 * Day-by-day projection of the group of `produto`.  dias NULL means the
 * configured horizon; data_base NULL means today.  A code the cache does
 * not know is a group of one with nothing: `dias` rows of zeros.
 */
Datum
estoque_cache_projecao(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char          *produto;
	int            dias;
	Config         cfg;
	Grupo         *g;
	Grupo          vazio;
	Datum          corrente;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("produto must not be null"),
						errhint("Pass a product code, e.g. estoque_cache_projecao('4310152').")));
	produto = text_to_cstring(PG_GETARG_TEXT_PP(0));

	carregar_config(&cfg);
	dias = PG_ARGISNULL(1) ? cfg.horizonte : PG_GETARG_INT32(1);
	if (dias < 1 || dias > 3660)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("dias must be between 1 and 3660, not %d", dias)));
	if (!PG_ARGISNULL(2))
		cfg.hoje = PG_GETARG_DATEADT(2);
	if (DATE_NOT_FINITE(cfg.hoje))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("data_base must be a finite date")));
	if (!IS_VALID_DATE((int64) cfg.hoje + dias - 1))
		ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						errmsg("the projection from data_base runs past the last valid date"),
						errhint("Pass an earlier data_base or fewer dias.")));
	g = carregar_um_grupo(produto, dias, &cfg);
	if (g == NULL)
	{
		/* a code the cache does not know is a group of one with nothing */
		memset(&vazio, 0, sizeof(vazio));
		g = &vazio;
	}

	corrente = zero_se_nulo(g->total[FONTE_MOVIMENTACAO]);
	for (int d = 0; d < dias; d++)
	{
		Datum       valores[6];
		bool        nulos[6] = {0};
		DiaProjecao dia;

		projetar_dia(g, d, corrente, &dia);
		valores[0] = Int32GetDatum(d);
		valores[1] = DateADTGetDatum(cfg.hoje + d);
		valores[2] = dia.inicial;
		valores[3] = dia.saida;
		valores[4] = dia.producao;
		valores[5] = dia.final;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
		corrente = dia.final;
	}
	return (Datum) 0;
}

/* The group of a code: principal and ordered members, from estoque_cache.grupo. */
static void
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
	Carga     carga;
	ParTexto *par;

	memset(&carga, 0, sizeof(carga));
	carga.membros = criar_hash("estoque_cache membros", sizeof(ParTexto), 4);
	varrer("grupo", "grupo_pkey", 1, CStringGetTextDatum(codigo), visitar_grupo, &carga);
	par = hash_search(carga.membros, &codigo, HASH_FIND, NULL);
	return par != NULL ? par->valor : pstrdup(codigo);
}

/* The principal of a code's group, as the active snapshot sees it. */
char *
principal_de(const char *codigo)
{
	char *p;

	membros_do_grupo(codigo, criar_hash("estoque_cache membros", sizeof(ParTexto), 8), &p, false);
	return p;
}

/* estoque_cache_principal(produto text) returns text */
Datum
estoque_cache_principal(PG_FUNCTION_ARGS)
{
	Datum principal, codigos;

	resolver_grupo(PG_GETARG_TEXT_PP(0), &principal, &codigos);
	PG_RETURN_DATUM(principal);
}

/* estoque_cache_codigos(produto text) returns text[] */
Datum
estoque_cache_codigos(PG_FUNCTION_ARGS)
{
	Datum principal, codigos;

	resolver_grupo(PG_GETARG_TEXT_PP(0), &principal, &codigos);
	PG_RETURN_DATUM(codigos);
}

/*
 * estoque_cache.config(): the effective settings and D0, for SQL callers.
 */
Datum
estoque_cache_config(PG_FUNCTION_ARGS)
{
	Config    cfg;
	TupleDesc desc;
	Datum     valores[5];
	bool      nulos[5] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "estoque_cache.config() must return a record");
	carregar_config(&cfg);
	valores[0] = Int32GetDatum(cfg.horizonte);
	valores[1] = Int32GetDatum(cfg.janela);
	valores[2] = cfg.estoque_minimo;
	valores[3] = CStringGetTextDatum(cfg.fuso);
	valores[4] = DateADTGetDatum(cfg.hoje);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), valores, nulos)));
}

/* Push a string (a key or a value) into a jsonb being built. */
static void
json_texto(JsonbParseState **estado, JsonbIteratorToken token, const char *texto)
{
	JsonbValue v;

	v.type = jbvString;
	v.val.string.val = (char *) texto;
	v.val.string.len = strlen(texto);
	pushJsonbValue(estado, token, &v);
}

/*
 * Push a datum of the view's or the projection's columns as a jsonb value:
 * numbers as numerics (their scale kept), dates and timestamps as their
 * ISO strings, arrays of codes as arrays of strings.
 */
static void
json_valor(JsonbParseState **estado, Datum valor, bool nulo, Oid tipo)
{
	JsonbValue v;
	char       data[128];

	if (nulo)
	{
		v.type = jbvNull;
		pushJsonbValue(estado, WJB_VALUE, &v);
		return;
	}
	switch (tipo)
	{
		case NUMERICOID:
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(valor);
			pushJsonbValue(estado, WJB_VALUE, &v);
			break;
		case INT4OID:
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(DatumGetInt32(valor));
			pushJsonbValue(estado, WJB_VALUE, &v);
			break;
		case DATEOID:
		case TIMESTAMPTZOID:
			/* copied: the tree keeps a pointer to the string until it is flattened */
			json_texto(estado, WJB_VALUE, pstrdup(JsonEncodeDateTime(data, valor, tipo, NULL)));
			break;
		case TEXTARRAYOID:
		{
			Datum *elems;
			int    n;

			deconstruct_array(DatumGetArrayTypeP(valor), TEXTOID, -1, false, TYPALIGN_INT, &elems,
							  NULL, &n);
			pushJsonbValue(estado, WJB_BEGIN_ARRAY, NULL);
			for (int i = 0; i < n; i++)
				json_texto(estado, WJB_ELEM, TextDatumGetCString(elems[i]));
			pushJsonbValue(estado, WJB_END_ARRAY, NULL);
			break;
		}
		default:
			json_texto(estado, WJB_VALUE, TextDatumGetCString(valor));
			break;
	}
}

/* Push a key and its value. */
static void
json_par(JsonbParseState **estado, const char *chave, Datum valor, bool nulo, Oid tipo)
{
	json_texto(estado, WJB_KEY, chave);
	json_valor(estado, valor, nulo, tipo);
}

/*
 * The jsonb of estoque_cache_produto() for a group: the view's columns plus
 * projecao_29_dias, the projection over the configured horizon (dates as
 * 'YYYY-MM-DD').  The shape an HTTP layer returns as-is.
 */
Datum
produto_jsonb(Grupo *g, Config *cfg)
{
	static const char *colunas[NUM_COLUNAS] = {
		"cod_produto",         "nome_produto",      "codigos",        "saldo_atual",
		"qtd_carteira",        "qtd_pre_separacao", "qtd_separacao",  "saldo_disponivel",
		"previsao_ruptura_7d", "data_ruptura",      "status_ruptura", "atualizado_em"};
	static const Oid tipos[NUM_COLUNAS] = {TEXTOID,    TEXTOID,    TEXTARRAYOID, NUMERICOID,
										   NUMERICOID, NUMERICOID, NUMERICOID,   NUMERICOID,
										   NUMERICOID, DATEOID,    TEXTOID,      TIMESTAMPTZOID};
	Datum            valores[NUM_COLUNAS];
	bool             nulos[NUM_COLUNAS];
	JsonbParseState *estado = NULL;
	JsonbValue      *doc;
	Datum            corrente;

	valores_grupo(g, cfg, valores, nulos);
	/* built as a jsonb value tree: no JSON text to parse again */
	pushJsonbValue(&estado, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < NUM_COLUNAS; i++)
		json_par(&estado, colunas[i], valores[i], nulos[i], tipos[i]);
	json_texto(&estado, WJB_KEY, "projecao_29_dias");
	pushJsonbValue(&estado, WJB_BEGIN_ARRAY, NULL);
	corrente = zero_se_nulo(g->total[FONTE_MOVIMENTACAO]);
	for (int d = 0; d < cfg->horizonte; d++)
	{
		DiaProjecao dia;

		projetar_dia(g, d, corrente, &dia);
		pushJsonbValue(&estado, WJB_BEGIN_OBJECT, NULL);
		json_par(&estado, "dia", Int32GetDatum(d), false, INT4OID);
		json_par(&estado, "data", DateADTGetDatum(cfg->hoje + d), false, DATEOID);
		json_par(&estado, "estoque_inicial", dia.inicial, false, NUMERICOID);
		json_par(&estado, "saida_prevista", dia.saida, false, NUMERICOID);
		json_par(&estado, "producao_programada", dia.producao, false, NUMERICOID);
		json_par(&estado, "estoque_final", dia.final, false, NUMERICOID);
		pushJsonbValue(&estado, WJB_END_OBJECT, NULL);
		corrente = dia.final;
	}
	pushJsonbValue(&estado, WJB_END_ARRAY, NULL);
	doc = pushJsonbValue(&estado, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(doc));
}

/*
 * The jsonb of the group of `produto` computed from the cache tables in the
 * active snapshot, or (Datum) 0 when the cache does not know the code.
 */
Datum
produto_calculado(const char *produto)
{
	Config cfg;
	Grupo *g;

	carregar_config(&cfg);
	g = carregar_um_grupo(produto, cfg.horizonte, &cfg);
	return g == NULL ? (Datum) 0 : produto_jsonb(g, &cfg);
}
