/*-------------------------------------------------------------------------
 *
 * projecao.c
 *	  One group's figures, day-by-day projection and rupture status,
 *	  accumulated from the rows grupos.c reads (or from a stored row of
 *	  estoque_cache.resumo, see resumo.c).
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

#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "estoque_cache.h"
#include "leitura.h"

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

Datum
zero_se_nulo(Datum valor)
{
	return valor == (Datum) 0 ? numeric_zero() : valor;
}

static int
comparar_numeric(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

static bool
negativo(Datum valor)
{
	return comparar_numeric(valor, numeric_zero()) < 0;
}

Grupo *
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
 * A private copy of a numeric from a scanned tuple, with a 4-byte header so
 * that the numeric functions do not copy it again on every operation.
 */
Datum
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
 * Day d, starting from `inicial` (the previous day's final stock).  A day
 * without exits or production ends as it started: no arithmetic (adding a
 * zero of scale 0 would give the same value and scale).
 */
void
projetar_dia(Grupo *g, int d, Datum inicial, DiaProjecao *dia)
{
	Datum saida = g->saida ? g->saida[d] : (Datum) 0;
	Datum producao = g->producao ? g->producao[d] : (Datum) 0;

	dia->inicial = inicial;
	dia->saida = zero_se_nulo(saida);
	dia->producao = zero_se_nulo(producao);
	dia->final = inicial;
	if (saida != (Datum) 0)
		dia->final = DirectFunctionCall2(numeric_sub, dia->final, saida);
	if (producao != (Datum) 0)
		dia->final = DirectFunctionCall2(numeric_add, dia->final, producao);
}
