/*-------------------------------------------------------------------------
 *
 * leitura.h
 *	  The read side of the cache, shared by projecao.c (groups, projection,
 *	  rupture status) and lista.c (the list of every group, kept between
 *	  calls).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ESTOQUE_CACHE_LEITURA_H
#define ESTOQUE_CACHE_LEITURA_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "estoque_cache.h"

#define NUM_TOTAIS (FONTE_PRODUCAO + 1)

/* Columns of the view estoque_cache_saldo. */
#define NUM_COLUNAS 12

/* Settings, as estoque_cache.config() gives them. */
typedef struct Config
{
	int     horizonte;
	int     janela;
	Datum   estoque_minimo; /* numeric */
	char   *fuso;
	DateADT hoje;
} Config;

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
	bool        conhecido; /* any figure, link or name */
	int         posicao;   /* lista.c: index in the kept, sorted list */
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

/* projecao.c */
extern void   carregar_config(Config *cfg);
extern int    comparar_numeric(Datum a, Datum b);
extern HTAB  *criar_hash(const char *nome, Size entrysize, long n);
extern Grupo *grupo_entrar(HTAB *grupos, const char *principal);
extern char  *texto_em(Datum valor, char *buf, Size tamanho);
extern void   varrer(const char *tabela, const char *indice, AttrNumber coluna, Datum chave,
					 VisitaTupla visita, void *arg);
extern void   carregar_grupos(Carga *carga, const char *produto, int dias, Config *cfg,
							  bool com_delta);
extern void   aplicar_figura(Grupo *g, Config *cfg, int dias, Datum *valores);
extern void   nomear(Grupo *g, HTAB *nomes);
extern bool   codigos_pendentes(void);
extern Datum  codigos_de_um(const char *codigo);
extern bool   tem_algo(Grupo *g, int dias);
extern int    comparar_grupos(const void *a, const void *b);
extern void   valores_grupo(Grupo *g, Config *cfg, Datum *valores, bool *nulos);

/* lista.c */
extern void lista_emitir(FunctionCallInfo fcinfo, bool tem_data_base, DateADT data_base);

#endif /* ESTOQUE_CACHE_LEITURA_H */
