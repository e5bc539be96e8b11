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
#include "utils/memutils.h"
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

/* The numeric of a small number (the projection's day numbers), made once per backend. */
static Numeric
numero_pequeno(int32 n)
{
	static Numeric feitos[64];

	if (n < 0 || n >= (int32) lengthof(feitos))
		return int64_to_numeric(n);
	if (feitos[n] == NULL)
	{
		MemoryContext antigo = MemoryContextSwitchTo(TopMemoryContext);

		feitos[n] = int64_to_numeric(n);
		MemoryContextSwitchTo(antigo);
	}
	return feitos[n];
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
			v.val.numeric = numero_pequeno(DatumGetInt32(valor));
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
 * The jsonb of estoque_cache_produto() for a group: the view's columns
 * (`valores`, `nulos`, as valores_grupo() gives them) plus projecao_29_dias,
 * the projection over the configured horizon (dates as 'YYYY-MM-DD').  The
 * shape an HTTP layer returns as-is.
 */
Datum
produto_jsonb(Grupo *g, Config *cfg, const Datum *valores, const bool *nulos)
{
	/*
	 * Keys in the order jsonb keeps them (shorter first, then bytewise), so
	 * that the sort each object gets when it is closed finds them in order.
	 * The order only saves time: jsonb sorts the keys whatever the order.
	 */
	static const struct
	{
		const char *chave;
		int         coluna; /* Anum_saldo_*; 0: projecao_29_dias */
		Oid         tipo;
	} campos[NUM_COLUNAS + 1] = {
		{"codigos", Anum_saldo_codigos, TEXTARRAYOID},
		{"cod_produto", Anum_saldo_cod_produto, TEXTOID},
		{"saldo_atual", Anum_saldo_saldo_atual, NUMERICOID},
		{"data_ruptura", Anum_saldo_data_ruptura, DATEOID},
		{"nome_produto", Anum_saldo_nome_produto, TEXTOID},
		{"qtd_carteira", Anum_saldo_saldo_atual + 1, NUMERICOID},
		{"atualizado_em", Anum_saldo_atualizado_em, TIMESTAMPTZOID},
		{"qtd_separacao", Anum_saldo_saldo_atual + 3, NUMERICOID},
		{"status_ruptura", Anum_saldo_status, TEXTOID},
		{"projecao_29_dias", 0, InvalidOid},
		{"saldo_disponivel", Anum_saldo_disponivel, NUMERICOID},
		{"qtd_pre_separacao", Anum_saldo_saldo_atual + 2, NUMERICOID},
		{"previsao_ruptura_7d", Anum_saldo_previsao, NUMERICOID},
	};
	JsonbParseState *estado = NULL;
	JsonbValue      *doc;

	/* built as a jsonb value tree: no JSON text to parse again */
	pushJsonbValue(&estado, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < lengthof(campos); i++)
	{
		int   c = campos[i].coluna;
		Datum corrente;

		if (c != 0)
		{
			json_par(&estado, campos[i].chave, valores[c - 1], nulos[c - 1], campos[i].tipo);
			continue;
		}
		json_texto(&estado, WJB_KEY, campos[i].chave);
		pushJsonbValue(&estado, WJB_BEGIN_ARRAY, NULL);
		corrente = zero_se_nulo(g->total[FONTE_MOVIMENTACAO]);
		for (int d = 0; d < cfg->horizonte; d++)
		{
			DiaProjecao dia;

			projetar_dia(g, d, corrente, &dia);
			/* in jsonb's order too */
			pushJsonbValue(&estado, WJB_BEGIN_OBJECT, NULL);
			json_par(&estado, "dia", Int32GetDatum(d), false, INT4OID);
			json_par(&estado, "data", DateADTGetDatum(cfg->hoje + d), false, DATEOID);
			json_par(&estado, "estoque_final", dia.final, false, NUMERICOID);
			json_par(&estado, "saida_prevista", dia.saida, false, NUMERICOID);
			json_par(&estado, "estoque_inicial", dia.inicial, false, NUMERICOID);
			json_par(&estado, "producao_programada", dia.producao, false, NUMERICOID);
			pushJsonbValue(&estado, WJB_END_OBJECT, NULL);
			corrente = dia.final;
		}
		pushJsonbValue(&estado, WJB_END_ARRAY, NULL);
	}
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
	Datum  valores[NUM_COLUNAS];
	bool   nulos[NUM_COLUNAS];

	carregar_config(&cfg);
	g = carregar_um_grupo(produto, cfg.horizonte, &cfg);
	if (g == NULL)
		return (Datum) 0;
	valores_grupo(g, &cfg, valores, nulos);
	return produto_jsonb(g, &cfg, valores, nulos);
}
