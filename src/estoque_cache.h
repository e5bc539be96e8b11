/*-------------------------------------------------------------------------
 *
 * estoque_cache.h
 *	  Declarations shared by the estoque_cache extension's C files.
 *
 * The extension keeps, per product code, the figures of the stock ledger
 * (saldo, carteira, pre-separação, separação, produção) in tables of the
 * internal schema "estoque_cache".  Triggers append per-statement changes to
 * estoque_cache.delta; estoque_cache_fold() moves committed changes into
 * estoque_cache.saldo; readers add both (see docs/DESIGN.md).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ESTOQUE_CACHE_H
#define ESTOQUE_CACHE_H

#include "postgres.h"

#include "access/attnum.h"
#include "fmgr.h"
#include "nodes/primnodes.h"
#include "utils/date.h"
#include "utils/relcache.h"

/* Schema holding the internal tables. */
#define EC_SCHEMA "estoque_cache"

/* Kinds of attached tables; the quantity sources are 1..5 as stored. */
typedef enum EstoqueFonte
{
	FONTE_MOVIMENTACAO = 1,
	FONTE_CARTEIRA = 2,
	FONTE_PRE_SEPARACAO = 3,
	FONTE_SEPARACAO = 4,
	FONTE_PRODUCAO = 5,
	FONTE_UNIFICACAO = 10,
	FONTE_PRODUTOS = 11
} EstoqueFonte;

#define FONTE_E_QUANTIDADE(f) ((f) >= FONTE_MOVIMENTACAO && (f) <= FONTE_PRODUCAO)
#define FONTE_TEM_DATA(f)                                                                          \
	((f) == FONTE_PRE_SEPARACAO || (f) == FONTE_SEPARACAO || (f) == FONTE_PRODUCAO)

/*
 * How a column's value becomes the type the cache stores (text codes,
 * numeric quantities, dates): the same coercion an explicit SQL cast uses,
 * so that triggers and the set-based rebuild always agree.
 */
typedef struct Conversao
{
	Oid      tipo_origem;
	Oid      tipo_destino;
	bool     identidade; /* binary compatible: no call */
	bool     via_io;     /* output function, then text */
	FmgrInfo funcao;     /* cast or output function */
} Conversao;

/* One attached table, as the triggers need it. */
typedef struct Anexo
{
	Oid           relid;  /* hash key: the attached table */
	bool          valido; /* false once a relcache inval hits it */
	int32         anexo_id;
	EstoqueFonte  fonte;
	AttrNumber    att_produto;
	AttrNumber    att_quantidade; /* quantity sources only */
	AttrNumber    att_data;       /* dated sources only; 0 otherwise */
	AttrNumber    att_destino;    /* unificacao only */
	AttrNumber    att_nome;       /* produtos only */
	Conversao     conv_produto;
	Conversao     conv_quantidade;
	Conversao     conv_data;
	Conversao     conv_destino;
	Conversao     conv_nome;
	Expr         *filtro; /* planned filter, or NULL */
	MemoryContext mcxt;   /* owns filtro and the FmgrInfos' data */
} Anexo;

/*
 * An exact sum of numerics (soma.c): an integer count of small units while
 * every term fits, numeric arithmetic from the first that does not.
 */
typedef struct Soma
{
	bool numerica; /* the sum is in `valor` */
	int  escala;   /* largest display scale of the terms so far */
#ifdef HAVE_INT128
	int128 inteira; /* while !numerica */
#endif
	Datum valor; /* numeric, once numerica */
} Soma;

/* The user and security context to go back to (seguranca.c). */
typedef struct Identidade
{
	Oid usuario;
	int contexto;
	int nivel_guc; /* -1 when no GUC nest level was opened */
} Identidade;

/* estoque_cache.c */
extern EstoqueFonte fonte_de_nome(const char *nome);
extern const char  *fonte_nome(EstoqueFonte fonte);
extern Oid          ec_schema_oid(void);
extern Oid          ec_relid(const char *relname);
extern Datum        numeric_zero(void);
extern bool         numeric_e_zero(Datum valor);

/* seguranca.c */
extern Oid  ec_dono(void);
extern void ec_como_dono_do_cache(Identidade *salva);
extern void ec_como_dono_do_cache_sem_caminho(Identidade *salva);
extern void ec_como_dono_da_tabela(Oid relid, Identidade *salva);
extern void ec_restaurar(Identidade *salva);
extern void checar_leitura_da_view(void);

/* filtro.c */
extern Node *filtro_transformar(Relation rel, const char *texto);
extern char *filtro_canonico(Relation rel, const char *texto);

/* anexo.c */
extern Anexo *anexo_obter(Relation rel);
extern void   conversao_preparar(Conversao *conv, Oid tipo_origem, Oid tipo_destino,
								 MemoryContext mcxt);
extern Datum  conversao_aplicar(Conversao *conv, Datum valor);

/* contribuicao.c */
extern void contribuicao_cancelar(int32 anexo_id);
extern void contribuicao_cancelar_codigos(int32 anexo_id, bool links);

/* soma.c */
extern void  soma_iniciar(Soma *s);
extern void  soma_adicionar(Soma *s, Datum valor, int sinal);
extern Datum soma_numeric(Soma *s);
extern bool  soma_e_zero(Soma *s);
extern bool  numeric_nao_finito(Datum valor);

/* worker.c (defines the settings' prefix as reserved: called last) */
extern void ec_worker_registrar(void);

#endif /* ESTOQUE_CACHE_H */
