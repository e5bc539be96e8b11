/*-------------------------------------------------------------------------
 *
 * projecao.c
 *	  Reading the cache: per-group figures, the day-by-day projection and
 *	  the rupture status, and the group resolution functions.
 *
 * Figures are kept per code (estoque_cache.saldo plus the pending rows of
 * estoque_cache.delta); groups are resolved when read, through
 * estoque_cache.grupo, so a link change never rewrites figures.  Every
 * query here runs in the caller's snapshot, so a reader sees committed work
 * and its own transaction's, and never waits for writers.
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

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "estoque_cache.h"

PG_FUNCTION_INFO_V1(estoque_cache_saldo_grupos);
PG_FUNCTION_INFO_V1(estoque_cache_projecao);
PG_FUNCTION_INFO_V1(estoque_cache_principal);
PG_FUNCTION_INFO_V1(estoque_cache_codigos);
PG_FUNCTION_INFO_V1(estoque_cache_hoje);

#define NUM_TOTAIS (FONTE_PRODUCAO + 1)

/* Settings, as estoque_cache.config() gives them. */
typedef struct Config
{
	int			horizonte;
	int			janela;
	Datum		estoque_minimo; /* numeric */
	DateADT		hoje;
} Config;

/* One group being read. */
typedef struct Grupo
{
	char	   *principal;		/* hash key */
	Datum		codigos;		/* text[] of members, ordered */
	char	   *nome;
	Datum		total[NUM_TOTAIS];	/* numeric, (Datum) 0 when none */
	Datum	   *saida;			/* per day, (Datum) 0 when none */
	Datum	   *producao;
	bool		tem_atualizado;
	TimestampTz atualizado_em;
	bool		conhecido;		/* any figure, link or name */
} Grupo;

/* What the day-by-day projection says about a group. */
typedef struct Resumo
{
	Datum		previsao;		/* min final over D0..D(janela) */
	bool		tem_ruptura;
	DateADT		data_ruptura;
	bool		ruptura_na_janela;
	const char *status;
} Resumo;

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
static HTAB *
criar_hash(const char *nome, Size entrysize, long n)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = entrysize;
	ctl.hash = texto_hash;
	ctl.match = texto_comparar;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(nome, n, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

static Datum
somar(Datum acumulado, Datum valor)
{
	if (acumulado == (Datum) 0)
		return valor;
	return DirectFunctionCall2(numeric_add, acumulado, valor);
}

static Datum
zero_se_nulo(Datum valor)
{
	return valor == (Datum) 0 ? NumericGetDatum(int64_to_numeric(0)) : valor;
}

static int
comparar_numeric(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

static bool
negativo(Datum valor)
{
	return comparar_numeric(valor, NumericGetDatum(int64_to_numeric(0))) < 0;
}

/* Run a query through SPI (already connected), failing loudly. */
static void
executar(const char *sql, int nargs, Oid *tipos, Datum *valores, int esperado)
{
	int			ret = SPI_execute_with_args(sql, nargs, tipos, valores, NULL, true, 0);

	if (ret != esperado)
		elog(ERROR, "estoque_cache: query failed (%s): %s", SPI_result_code_string(ret), sql);
}

/* Load the settings and today's date (D0) in the configured time zone. */
static void
carregar_config(Config *cfg)
{
	bool		nulo;

	executar("SELECT horizonte_dias, janela_critica_dias, estoque_minimo, hoje "
			 "FROM estoque_cache.config()", 0, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "estoque_cache.config() returned %lu rows", (unsigned long) SPI_processed);
	cfg->horizonte = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &nulo));
	cfg->janela = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &nulo));
	cfg->estoque_minimo = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 3, &nulo),
											false, -1);
	cfg->hoje = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &nulo));
}

static Grupo *
grupo_entrar(HTAB *grupos, char *principal)
{
	bool		achou;
	Grupo	   *g = hash_search(grupos, &principal, HASH_ENTER, &achou);

	if (!achou)
	{
		memset(((char *) g) + sizeof(char *), 0, sizeof(Grupo) - sizeof(char *));
		g->principal = principal;
	}
	return g;
}

/*
 * Read groups into a hash keyed by principal: one group (the one of
 * `produto`) or all of them.  Day arrays have `dias` entries from cfg->hoje.
 * Must be called inside SPI; results are copied to `mcxt`.
 */
static HTAB *
carregar_grupos(const char *produto, int dias, Config *cfg, MemoryContext mcxt)
{
	MemoryContext antigo = MemoryContextSwitchTo(mcxt);
	HTAB	   *grupos = criar_hash("estoque_cache grupos", sizeof(Grupo), produto ? 4 : 4096);
	HTAB	   *membros = criar_hash("estoque_cache membros", sizeof(char *) * 2, produto ? 8 : 1024);
	Datum		codigos_arg = (Datum) 0;
	Oid			tipo_array = TEXTARRAYOID;
	uint64		i;

	MemoryContextSwitchTo(antigo);

	/* 1. Groups with more than one code, and their members. */
	if (produto != NULL)
	{
		Oid			tipo = TEXTOID;
		Datum		arg = CStringGetTextDatum(produto);

		executar("SELECT p, estoque_cache.ordenar_codigos(coalesce("
				 "  (SELECT pg_catalog.array_agg(g.codigo) FROM estoque_cache.grupo g"
				 "    WHERE g.principal OPERATOR(pg_catalog.=) p), ARRAY[p])), "
				 "  EXISTS (SELECT 1 FROM estoque_cache.grupo g WHERE g.principal OPERATOR(pg_catalog.=) p) "
				 "FROM (SELECT coalesce((SELECT g.principal FROM estoque_cache.grupo g"
				 "   WHERE g.codigo OPERATOR(pg_catalog.=) $1), $1) COLLATE \"C\" AS p) s",
				 1, &tipo, &arg, SPI_OK_SELECT);
	}
	else
		executar("SELECT principal, estoque_cache.ordenar_codigos(pg_catalog.array_agg(codigo)), true "
				 "FROM estoque_cache.grupo GROUP BY principal",
				 0, NULL, NULL, SPI_OK_SELECT);

	for (i = 0; i < SPI_processed; i++)
	{
		bool		nulo;
		HeapTuple	tup = SPI_tuptable->vals[i];
		char	   *principal;
		Grupo	   *g;
		ArrayType  *arr;
		Datum	   *elems;
		int			n;

		antigo = MemoryContextSwitchTo(mcxt);
		principal = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
		g = grupo_entrar(grupos, principal);
		g->codigos = datumCopy(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &nulo), false, -1);
		g->conhecido = DatumGetBool(SPI_getbinval(tup, SPI_tuptable->tupdesc, 3, &nulo));
		arr = DatumGetArrayTypeP(g->codigos);
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
		for (int j = 0; j < n; j++)
		{
			char	   *codigo = TextDatumGetCString(elems[j]);
			char	  **par = hash_search(membros, &codigo, HASH_ENTER, NULL);

			par[1] = principal;
		}
		if (produto != NULL)
			codigos_arg = g->codigos;
		MemoryContextSwitchTo(antigo);
	}

	/* 2. Figures: folded rows plus pending deltas. */
	{
		const char *sql_todos =
			"SELECT codigo, fonte, data, quantidade, atualizado_em FROM estoque_cache.saldo "
			"UNION ALL "
			"SELECT codigo, fonte, data, quantidade, atualizado_em FROM estoque_cache.delta";
		const char *sql_um =
			"SELECT codigo, fonte, data, quantidade, atualizado_em FROM estoque_cache.saldo "
			"WHERE codigo OPERATOR(pg_catalog.=) ANY ($1) "
			"UNION ALL "
			"SELECT codigo, fonte, data, quantidade, atualizado_em FROM estoque_cache.delta "
			"WHERE codigo OPERATOR(pg_catalog.=) ANY ($1)";

		if (produto != NULL)
			executar(sql_um, 1, &tipo_array, &codigos_arg, SPI_OK_SELECT);
		else
			executar(sql_todos, 0, NULL, NULL, SPI_OK_SELECT);
	}

	antigo = MemoryContextSwitchTo(mcxt);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		nulo;
		char	   *codigo = SPI_getvalue(tup, desc, 1);
		int			fonte = DatumGetInt16(SPI_getbinval(tup, desc, 2, &nulo));
		DateADT		data = DatumGetDateADT(SPI_getbinval(tup, desc, 3, &nulo));
		Datum		q = datumCopy(SPI_getbinval(tup, desc, 4, &nulo), false, -1);
		TimestampTz quando = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &nulo));
		char	  **par = hash_search(membros, &codigo, HASH_FIND, NULL);
		Grupo	   *g = grupo_entrar(grupos, par ? par[1] : codigo);
		int64		dia;

		g->conhecido = true;
		if (!g->tem_atualizado || quando > g->atualizado_em)
			g->atualizado_em = quando;
		g->tem_atualizado = true;
		if (fonte < 1 || fonte > FONTE_PRODUCAO)
			continue;
		if (fonte != FONTE_PRODUCAO)
			g->total[fonte] = somar(g->total[fonte], q);

		if (fonte == FONTE_PRE_SEPARACAO || fonte == FONTE_SEPARACAO)
		{
			/* undated or past exits are still pending: they count on D0 */
			dia = (DATE_IS_NOBEGIN(data) || data <= cfg->hoje) ? 0 : (int64) data - cfg->hoje;
			if (dia < dias)
			{
				if (g->saida == NULL)
					g->saida = palloc0(sizeof(Datum) * dias);
				g->saida[dia] = somar(g->saida[dia], q);
			}
		}
		else if (fonte == FONTE_PRODUCAO && !DATE_IS_NOBEGIN(data) && data >= cfg->hoje)
		{
			dia = (int64) data - cfg->hoje;
			if (dia < dias)
			{
				if (g->producao == NULL)
					g->producao = palloc0(sizeof(Datum) * dias);
				g->producao[dia] = somar(g->producao[dia], q);
			}
		}
	}
	MemoryContextSwitchTo(antigo);

	/* 3. Names: the principal's, else the first member's that has one. */
	if (produto != NULL)
		executar("SELECT codigo, nome FROM estoque_cache.nome "
				 "WHERE codigo OPERATOR(pg_catalog.=) ANY ($1) ORDER BY anexo_id",
				 1, &tipo_array, &codigos_arg, SPI_OK_SELECT);
	else
		executar("SELECT codigo, nome FROM estoque_cache.nome ORDER BY anexo_id",
				 0, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
	{
		HTAB	   *nomes;

		antigo = MemoryContextSwitchTo(mcxt);
		nomes = criar_hash("estoque_cache nomes", sizeof(char *) * 2, SPI_processed);
		for (i = 0; i < SPI_processed; i++)
		{
			char	   *codigo = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
			bool		achou;
			char	  **par = hash_search(nomes, &codigo, HASH_ENTER, &achou);

			if (!achou)
				par[1] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		}
		{
			HASH_SEQ_STATUS status;
			Grupo	   *g;

			hash_seq_init(&status, grupos);
			while ((g = hash_seq_search(&status)) != NULL)
			{
				char	  **par = hash_search(nomes, &g->principal, HASH_FIND, NULL);

				if (par == NULL && g->codigos != (Datum) 0)
				{
					Datum	   *elems;
					int			n;

					deconstruct_array(DatumGetArrayTypeP(g->codigos), TEXTOID, -1, false,
									  TYPALIGN_INT, &elems, NULL, &n);
					for (int j = 0; j < n && par == NULL; j++)
					{
						char	   *codigo = TextDatumGetCString(elems[j]);

						par = hash_search(nomes, &codigo, HASH_FIND, NULL);
					}
				}
				if (par != NULL)
				{
					g->nome = par[1];
					g->conhecido = true;
				}
			}
		}
		MemoryContextSwitchTo(antigo);
	}
	return grupos;
}

/* Day-by-day summary: forecast over the critical window, rupture date, status. */
static void
resumir(Grupo *g, Config *cfg, Resumo *r)
{
	Datum		corrente = zero_se_nulo(g->total[FONTE_MOVIMENTACAO]);
	Datum		minimo = corrente;
	bool		mudou = true;

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
		if (d <= cfg->janela && comparar_numeric(corrente, minimo) < 0)
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
		r->status = "CRÍTICO";
	else if (r->tem_ruptura || comparar_numeric(minimo, cfg->estoque_minimo) < 0)
		r->status = "ATENÇÃO";
	else
		r->status = "OK";
}

/* Whether a group has anything to show in the view. */
static bool
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

static int
comparar_grupos(const void *a, const void *b)
{
	return strcmp((*(Grupo *const *) a)->principal, (*(Grupo *const *) b)->principal);
}

/* Connect to SPI as the cache owner and load the settings. */
static void
iniciar_leitura(Config *cfg, Oid *usuario, int *contexto)
{
	ec_trocar_usuario(usuario, contexto);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	carregar_config(cfg);
}

static void
terminar_leitura(Oid usuario, int contexto)
{
	SPI_finish();
	ec_restaurar_usuario(usuario, contexto);
}

/*
 * estoque_cache.saldo_grupos(produto text, data_base date, incluir_vazios bool)
 *
 * The rows of the view estoque_cache_saldo: every group with something to
 * show, or only the group of `produto` (with incluir_vazios, also when it
 * has nothing to show, as long as the code is known at all).
 */
Datum
estoque_cache_saldo_grupos(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *produto = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		incluir_vazios = PG_NARGS() > 2 && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	Config		cfg;
	Oid			usuario;
	int			contexto;
	HTAB	   *grupos;
	Grupo	  **lista;
	long		n = 0;
	HASH_SEQ_STATUS status;
	Grupo	   *g;
	MemoryContext mcxt = CurrentMemoryContext;

	InitMaterializedSRF(fcinfo, 0);

	iniciar_leitura(&cfg, &usuario, &contexto);
	if (!PG_ARGISNULL(1))
		cfg.hoje = PG_GETARG_DATEADT(1);
	grupos = carregar_grupos(produto, cfg.horizonte, &cfg, mcxt);
	terminar_leitura(usuario, contexto);

	lista = palloc(sizeof(Grupo *) * (hash_get_num_entries(grupos) + 1));
	hash_seq_init(&status, grupos);
	while ((g = hash_seq_search(&status)) != NULL)
	{
		if (produto != NULL && incluir_vazios ? g->conhecido : tem_algo(g, cfg.horizonte))
			lista[n++] = g;
	}
	qsort(lista, n, sizeof(Grupo *), comparar_grupos);

	for (long i = 0; i < n; i++)
	{
		Datum		valores[12];
		bool		nulos[12] = {0};
		Resumo		r;
		Datum		disponivel;

		g = lista[i];
		resumir(g, &cfg, &r);
		valores[0] = CStringGetTextDatum(g->principal);
		if (g->nome)
			valores[1] = CStringGetTextDatum(g->nome);
		else
			nulos[1] = true;
		if (g->codigos != (Datum) 0)
			valores[2] = g->codigos;
		else
		{
			Datum		um = CStringGetTextDatum(g->principal);

			valores[2] = PointerGetDatum(construct_array(&um, 1, TEXTOID, -1, false, TYPALIGN_INT));
		}
		for (int f = FONTE_MOVIMENTACAO; f <= FONTE_SEPARACAO; f++)
			valores[2 + f] = zero_se_nulo(g->total[f]);
		disponivel = valores[3];
		for (int f = FONTE_CARTEIRA; f <= FONTE_SEPARACAO; f++)
			disponivel = DirectFunctionCall2(numeric_sub, disponivel, valores[2 + f]);
		valores[7] = disponivel;
		valores[8] = r.previsao;
		if (r.tem_ruptura)
			valores[9] = DateADTGetDatum(r.data_ruptura);
		else
			nulos[9] = true;
		valores[10] = CStringGetTextDatum(r.status);
		if (g->tem_atualizado)
			valores[11] = TimestampTzGetDatum(g->atualizado_em);
		else
			nulos[11] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
	}
	return (Datum) 0;
}

/*
 * estoque_cache_projecao(produto text, dias int, data_base date)
 *
 * Day-by-day projection of the group of `produto`.  dias NULL means the
 * configured horizon; data_base NULL means today.  No rows for a code the
 * cache does not know.
 */
Datum
estoque_cache_projecao(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *produto;
	int			dias;
	Config		cfg;
	Oid			usuario;
	int			contexto;
	HTAB	   *grupos;
	HASH_SEQ_STATUS status;
	Grupo	   *g;
	Datum		corrente;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("produto must not be null"),
				 errhint("Pass a product code, e.g. estoque_cache_projecao('4310152').")));
	produto = text_to_cstring(PG_GETARG_TEXT_PP(0));

	iniciar_leitura(&cfg, &usuario, &contexto);
	dias = PG_ARGISNULL(1) ? cfg.horizonte : PG_GETARG_INT32(1);
	if (dias < 1 || dias > 3660)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dias must be between 1 and 3660, not %d", dias)));
	if (!PG_ARGISNULL(2))
		cfg.hoje = PG_GETARG_DATEADT(2);
	if (DATE_NOT_FINITE(cfg.hoje))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("data_base must be a finite date")));
	grupos = carregar_grupos(produto, dias, &cfg, CurrentMemoryContext);
	terminar_leitura(usuario, contexto);

	hash_seq_init(&status, grupos);
	g = hash_seq_search(&status);
	if (g != NULL)
		hash_seq_term(&status);
	if (g == NULL || !g->conhecido)
		return (Datum) 0;

	corrente = zero_se_nulo(g->total[FONTE_MOVIMENTACAO]);
	for (int d = 0; d < dias; d++)
	{
		Datum		valores[6];
		bool		nulos[6] = {0};
		Datum		saida = zero_se_nulo(g->saida ? g->saida[d] : (Datum) 0);
		Datum		producao = zero_se_nulo(g->producao ? g->producao[d] : (Datum) 0);

		valores[0] = Int32GetDatum(d);
		valores[1] = DateADTGetDatum(cfg.hoje + d);
		valores[2] = corrente;
		valores[3] = saida;
		valores[4] = producao;
		corrente = DirectFunctionCall2(numeric_add,
									   DirectFunctionCall2(numeric_sub, corrente, saida),
									   producao);
		valores[5] = corrente;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valores, nulos);
	}
	return (Datum) 0;
}

/* The group of a code: principal and ordered members (one SPI query). */
static void
resolver_grupo(text *produto, Datum *principal, Datum *codigos)
{
	Oid			usuario;
	int			contexto;
	Oid			tipo = TEXTOID;
	Datum		arg = PointerGetDatum(produto);
	bool		nulo;
	MemoryContext mcxt = CurrentMemoryContext;

	ec_trocar_usuario(&usuario, &contexto);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	executar("SELECT p::pg_catalog.text, estoque_cache.ordenar_codigos(coalesce("
			 "  (SELECT pg_catalog.array_agg(g.codigo) FROM estoque_cache.grupo g"
			 "    WHERE g.principal OPERATOR(pg_catalog.=) p), ARRAY[p])) "
			 "FROM (SELECT coalesce((SELECT g.principal FROM estoque_cache.grupo g"
			 "   WHERE g.codigo OPERATOR(pg_catalog.=) $1), $1) COLLATE \"C\" AS p) s",
			 1, &tipo, &arg, SPI_OK_SELECT);
	{
		MemoryContext antigo = MemoryContextSwitchTo(mcxt);

		*principal = datumCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &nulo),
							   false, -1);
		*codigos = datumCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &nulo),
							 false, -1);
		MemoryContextSwitchTo(antigo);
	}
	SPI_finish();
	ec_restaurar_usuario(usuario, contexto);
}

/* estoque_cache_principal(produto text) returns text */
Datum
estoque_cache_principal(PG_FUNCTION_ARGS)
{
	Datum		principal,
				codigos;

	resolver_grupo(PG_GETARG_TEXT_PP(0), &principal, &codigos);
	PG_RETURN_DATUM(principal);
}

/* estoque_cache_codigos(produto text) returns text[] */
Datum
estoque_cache_codigos(PG_FUNCTION_ARGS)
{
	Datum		principal,
				codigos;

	resolver_grupo(PG_GETARG_TEXT_PP(0), &principal, &codigos);
	PG_RETURN_DATUM(codigos);
}

/* estoque_cache.hoje(): D0, today in the configured time zone. */
Datum
estoque_cache_hoje(PG_FUNCTION_ARGS)
{
	Config		cfg;
	Oid			usuario;
	int			contexto;

	iniciar_leitura(&cfg, &usuario, &contexto);
	terminar_leitura(usuario, contexto);
	PG_RETURN_DATEADT(cfg.hoje);
}
