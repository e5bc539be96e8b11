/*-------------------------------------------------------------------------
 *
 * leitura.h
 *	  The read side of the cache: configuracao.c (settings and D0),
 *	  projecao.c (one group's figures, projection and rupture status),
 *	  grupos.c (groups read from the cache's tables), consultas.c and
 *	  detalhe.c (SQL functions over them) and, above all, resumo.c (the view
 *	  read through the stored rows of estoque_cache.resumo).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ESTOQUE_CACHE_LEITURA_H
#define ESTOQUE_CACHE_LEITURA_H

#include "postgres.h"

#include "fmgr.h"
#include "storage/itemptr.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "estoque_cache.h"

#define NUM_TOTAIS (FONTE_PRODUCAO + 1)

/*
 * Column numbers of the cache's tables, as the install script creates them
 * (index into a deformed tuple: Anum_x - 1).
 */
/* estoque_cache.saldo and estoque_cache.delta */
#define Anum_figura_codigo        1
#define Anum_figura_anexo_id      2
#define Anum_figura_data          3
#define Anum_figura_fonte         4
#define Anum_figura_quantidade    5
#define Anum_figura_atualizado_em 6
/* estoque_cache.grupo */
#define Anum_grupo_codigo    1
#define Anum_grupo_principal 2
/* estoque_cache.nome */
#define Anum_nome_codigo   1
#define Anum_nome_anexo_id 2
#define Anum_nome_nome     3
#define Anum_nome_n        4
/* estoque_cache.configuracao */
#define Anum_configuracao_horizonte      2
#define Anum_configuracao_janela         3
#define Anum_configuracao_estoque_minimo 4
#define Anum_configuracao_fuso           5
#define NUM_COLUNAS_CONFIGURACAO         5

/* Columns of the view estoque_cache_saldo (and the first of estoque_cache.resumo). */
#define Anum_saldo_cod_produto   1
#define Anum_saldo_nome_produto  2
#define Anum_saldo_codigos       3
#define Anum_saldo_saldo_atual   4 /* then one per source up to separacao */
#define Anum_saldo_disponivel    8
#define Anum_saldo_previsao      9
#define Anum_saldo_data_ruptura  10
#define Anum_saldo_status        11
#define Anum_saldo_atualizado_em 12
#define NUM_COLUNAS              12

/* Settings, as estoque_cache.config() gives them. */
typedef struct Config
{
	int     horizonte;
	int     janela;
	Datum   estoque_minimo; /* numeric */
	char   *fuso;
	DateADT hoje;
} Config;

/* The folded exits and production of a group on one date (any date). */
typedef struct Evento
{
	DateADT data;     /* DATEVAL_NOBEGIN for undated rows */
	Datum   saida;    /* numeric, (Datum) 0 when none */
	Datum   producao; /* numeric, (Datum) 0 when none */
} Evento;

/* One group being read. */
typedef struct Grupo
{
	char       *principal; /* hash key */
	Datum       codigos;   /* text[] of members, ordered */
	char       *nome;
	Datum       total[NUM_TOTAIS]; /* numeric, (Datum) 0 when none */
	Datum      *saida;             /* per day, (Datum) 0 when none */
	Datum      *producao;
	bool        tem_atualizado;
	TimestampTz atualizado_em;
	bool        conhecido;   /* any figure, link or name */
	bool        tem_figuras; /* any row of saldo or delta */
	Evento     *eventos;     /* every date with exits or production, as read */
	int         n_eventos;
	int         max_eventos;
} Grupo;

/* A code and a string that goes with it (principal, name), hashed by code. */
typedef struct ParTexto
{
	char *chave;
	char *valor;
} ParTexto;

/* What one load of groups read. */
typedef struct Carga
{
	HTAB   *grupos;  /* principal -> Grupo */
	HTAB   *membros; /* codigo -> principal, codes in groups of 2+ */
	Config *cfg;
	int     dias;
	HTAB   *nomes;          /* codigo -> name (behind the anexo_id it came from) */
	bool    nomes_contados; /* estoque_cache.nome has counts (1.1 on) */
} Carga;

typedef void (*VisitaTupla)(Datum *valores, bool *nulos, void *arg);

/* One day of a group's projection. */
typedef struct DiaProjecao
{
	Datum inicial;
	Datum saida;
	Datum producao;
	Datum final;
} DiaProjecao;

/*
 * Calls go one way: resumo.c (the view) uses all below it; consultas.c and
 * detalhe.c use grupos.c, projecao.c and configuracao.c; grupos.c uses
 * projecao.c; projecao.c and configuracao.c use nothing of these.
 */

/* configuracao.c */
extern void carregar_config(Config *cfg);

/* projecao.c */
extern Datum  zero_se_nulo(Datum valor);
extern Datum  numeric_copia(Datum valor);
extern Grupo *grupo_entrar(HTAB *grupos, const char *principal);
extern Grupo *grupo_entrar_hash(HTAB *grupos, const char *principal, uint32 hash);
extern void   aplicar_figura(Grupo *g, Config *cfg, int dias, Datum *valores);
extern void   aplicar_evento(Grupo *g, Config *cfg, int dias, DateADT data, Datum saida,
							 Datum producao);
extern void   somar_total(Grupo *g, int fonte, Datum valor);
extern bool   tem_algo(Grupo *g, int dias);
extern int    comparar_grupos(const void *a, const void *b);
extern void   valores_grupo(Grupo *g, Config *cfg, Datum *valores, bool *nulos);
extern void   projetar_dia(Grupo *g, int d, Datum inicial, DiaProjecao *dia);

/* grupos.c */
extern HTAB  *criar_hash(const char *nome, Size entrysize, long n);
extern Oid    colacao_do_indice(Oid indice);
extern char  *texto_em(Datum valor, char *buf, Size tamanho);
extern void   varrer(const char *tabela, const char *indice, AttrNumber coluna, Datum chave,
					 VisitaTupla visita, void *arg);
extern bool   primeira_linha(Oid relid, Oid indice, AttrNumber coluna, Oid colacao,
							 const char *codigo, ItemPointer primeira);
extern bool   existe_codigo(Oid relid, Oid indice, AttrNumber coluna, Oid colacao,
							const char *codigo);
extern void   carregar_grupos(Carga *carga, const char *produto, int dias, Config *cfg,
							  bool so_dobrado);
extern Grupo *carregar_um_grupo(const char *produto, int dias, Config *cfg);
extern Datum  array_ordenado(List *codigos);
extern void   resolver_grupo(text *produto, Datum *principal, Datum *codigos);
extern HTAB  *grupos_com_vinculos_pendentes(void);
extern char  *principal_dobrado(const char *codigo);

/* consultas.c */
extern void emitir_um_grupo(FunctionCallInfo fcinfo, char *produto, bool tem_data_base,
							DateADT data_base, bool incluir_vazios);

/* detalhe.c */
extern Datum produto_jsonb(Grupo *g, Config *cfg, const Datum *valores, const bool *nulos);
extern Datum produto_calculado(const char *produto);

#endif /* ESTOQUE_CACHE_LEITURA_H */
