/*-------------------------------------------------------------------------
 *
 * consultas.c
 *	  SQL functions that compute groups from the cache's tables in the
 *	  caller's snapshot: estoque_cache.saldo_grupos, estoque_cache_projecao,
 *	  estoque_cache_principal and estoque_cache_codigos.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"

#include "estoque_cache.h"
#include "leitura.h"

PG_FUNCTION_INFO_V1(estoque_cache_saldo_grupos);
PG_FUNCTION_INFO_V1(estoque_cache_projecao);
PG_FUNCTION_INFO_V1(estoque_cache_principal);
PG_FUNCTION_INFO_V1(estoque_cache_codigos);
PG_FUNCTION_INFO_V1(estoque_cache_ordenar_codigos);

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
 * estoque_cache.ordenar_codigos(codigos text[]) returns text[]
 *
 * The codes, without NULLs and repetitions, in principal order: by integer
 * value when every code is an integer (compared by their digits, never
 * through numeric), otherwise by text in byte order; ties in byte order.
 * The first is the group's principal.  NULL when there is no code.
 */
Datum
estoque_cache_ordenar_codigos(PG_FUNCTION_ARGS)
{
	Datum *elems;
	bool  *nulos;
	int    n;
	List  *codigos = NIL;

	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulos,
					  &n);
	for (int i = 0; i < n; i++)
		if (!nulos[i])
			codigos = lappend(codigos, TextDatumGetCString(elems[i]));
	if (codigos == NIL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(array_ordenado(codigos));
}
