/*-------------------------------------------------------------------------
 *
 * detalhe.c
 *	  The jsonb of estoque_cache_produto: a group's row of the view and its
 *	  projection, built as a jsonb value tree.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "estoque_cache.h"
#include "leitura.h"

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
