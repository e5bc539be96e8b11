/*-------------------------------------------------------------------------
 *
 * configuracao.c
 *	  The settings of the projection (estoque_cache.configuracao, or the
 *	  defaults) and D0, today in the configured time zone.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "estoque_cache.h"
#include "leitura.h"

PG_FUNCTION_INFO_V1(estoque_cache_config);

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
