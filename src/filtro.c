/*-------------------------------------------------------------------------
 *
 * filtro.c
 *	  The boolean filter of an attached table ("only rows where ... count").
 *
 * A filter is a SQL expression over the table's columns, like a CHECK
 * constraint.  It is parsed on its own (never pasted into a larger query
 * text before validation), transformed against the relation, and required
 * to be boolean, immutable and free of subqueries, aggregates, window and
 * set-returning functions.  The canonical form deparsed from the validated
 * tree is what gets stored and used in the set-based queries; the triggers
 * evaluate the tree itself per row with the executor's expression machinery.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "estoque_cache.h"

typedef struct FiltroContexto
{
	const char *relname;
	const char *texto;
} FiltroContexto;

/* Error context line naming the filter being processed. */
static void
filtro_callback(void *arg)
{
	FiltroContexto *ctx = (FiltroContexto *) arg;

	errcontext("estoque_cache filter \"%s\" on table \"%s\"", ctx->texto, ctx->relname);
}

/* Walker: true if the expression references a system column. */
static bool
usa_coluna_de_sistema(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) && ((Var *) node)->varattno <= 0)
		return true;
	return expression_tree_walker(node, usa_coluna_de_sistema, context);
}

#define FILTRO_EXEMPLO "e.g. 'ativo AND separacao_lote_id IS NULL'"

static void
filtro_invalido(const char *motivo)
{
	ereport(
		ERROR,
		(errcode(ERRCODE_SYNTAX_ERROR), errmsg("filter is not a single boolean expression"),
		 errdetail("%s", motivo),
		 errhint(
			 "Write the filter like a CHECK constraint over the table's columns, " FILTRO_EXEMPLO
			 ".")));
}

/*
 * The hint for an error the parser or transformExpr raised about a filter
 * (they give none): what a valid filter looks like, worded for the error.
 */
static char *
filtro_dica(int sqlerrcode, const char *relname)
{
	switch (sqlerrcode)
	{
		case ERRCODE_UNDEFINED_COLUMN:
			return psprintf(
				"A filter may use only the columns of table \"%s\", " FILTRO_EXEMPLO ".", relname);
		case ERRCODE_UNDEFINED_TABLE:
		case ERRCODE_FEATURE_NOT_SUPPORTED:
		case ERRCODE_GROUPING_ERROR:
		case ERRCODE_WINDOWING_ERROR:
		case ERRCODE_INVALID_COLUMN_REFERENCE:
			return pstrdup("A filter is evaluated on one row at a time, over that row's "
						   "columns: no subqueries, other tables, aggregates, window or "
						   "set-returning functions or system columns; " FILTRO_EXEMPLO ".");
		case ERRCODE_UNDEFINED_FUNCTION:
			return pstrdup("Compare a column with a value of its type, e.g. "
						   "'status = ''CRIADO'''; a filter is read with search_path = "
						   "pg_catalog, so write a function or operator of your own with its "
						   "schema, e.g. 'public.minha_regra(ativo)'.");
		default:
			return pstrdup(
				"Write the filter like a CHECK constraint over the table's columns, " FILTRO_EXEMPLO
				".");
	}
}

static Node *filtro_validar(Relation rel, const char *texto);

/*
 * Parse, validate and transform a filter against rel.  Returns the
 * transformed (not yet planned) expression; errors out on anything that is
 * not a single immutable boolean expression over rel's own columns.
 */
Node *
filtro_transformar(Relation rel, const char *texto)
{
	FiltroContexto       ctx;
	ErrorContextCallback callback;
	MemoryContext        mcxt = CurrentMemoryContext;
	Node                *expr = NULL;

	ctx.relname = RelationGetRelationName(rel);
	ctx.texto = texto;
	callback.callback = filtro_callback;
	callback.arg = &ctx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	if (texto == NULL || texto[strspn(texto, " \t\r\n")] == '\0')
		filtro_invalido("The filter is empty.");

	/*
	 * The parser's and transformExpr's errors (syntax, unknown column,
	 * subquery, aggregate...) carry no hint: add one saying what a filter
	 * looks like, and rethrow.  Errors that are not about the filter's text
	 * (out of memory, a cancel) go on unchanged.
	 */
	PG_TRY();
	{
		expr = filtro_validar(rel, texto);
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(mcxt);
		edata = CopyErrorData();
		if (edata->hint == NULL && edata->elevel == ERROR &&
			(ERRCODE_TO_CATEGORY(edata->sqlerrcode) ==
				 ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION ||
			 ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_FEATURE_NOT_SUPPORTED ||
			 ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_DATA_EXCEPTION))
		{
			FlushErrorState();
			edata->hint = filtro_dica(edata->sqlerrcode, ctx.relname);
			error_context_stack = callback.previous;
			ReThrowError(edata);
		}
		PG_RE_THROW();
	}
	PG_END_TRY();

	error_context_stack = callback.previous;
	return expr;
}

/*
 * The body of filtro_transformar: parse, check the shape, transform against
 * rel and check the result.
 */
static Node *
filtro_validar(Relation rel, const char *texto)
{
	List               *raw;
	RawStmt            *rawstmt;
	SelectStmt         *select;
	ResTarget          *alvo;
	ParseState         *pstate;
	ParseNamespaceItem *nsitem;
	Node               *expr;

	/* The PL/pgSQL expression grammar: a target list, nothing around it. */
	raw = raw_parser(texto, RAW_PARSE_PLPGSQL_EXPR);
	if (list_length(raw) != 1)
		filtro_invalido("The text holds more than one statement.");
	rawstmt = linitial_node(RawStmt, raw);
	if (!IsA(rawstmt->stmt, SelectStmt))
		filtro_invalido("The text is not an expression.");
	select = (SelectStmt *) rawstmt->stmt;
	if (list_length(select->targetList) != 1)
		filtro_invalido("The text holds a list of expressions, not one.");
	if (select->distinctClause || select->intoClause || select->fromClause || select->whereClause ||
		select->groupClause || select->havingClause || select->windowClause ||
		select->valuesLists || select->sortClause || select->limitOffset || select->limitCount ||
		select->lockingClause || select->withClause || select->op != SETOP_NONE)
		filtro_invalido("The text holds query clauses (FROM, WHERE, ...), not just an expression.");
	alvo = linitial_node(ResTarget, select->targetList);
	if (alvo->name != NULL)
		filtro_invalido("The expression carries an alias.");

	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = texto;
	nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock, NULL, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);

	/* The CHECK constraint kind forbids subqueries, aggregates, SRFs... */
	expr = transformExpr(pstate, alvo->val, EXPR_KIND_CHECK_CONSTRAINT);
	if (exprType(expr) != BOOLOID)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("filter must be of type boolean, not type %s",
							   format_type_be(exprType(expr))),
						errhint("Compare the column with a value, e.g. 'status = ''CRIADO'''.")));
	assign_expr_collations(pstate, expr);

	if (contain_mutable_functions(expr))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("filter must be immutable"),
				 errdetail("A filter whose result changes over time (now(), random(), "
						   "a table lookup) would make the cache drift from its sources."),
				 errhint("Use only the row's columns, constants and immutable functions.")));
	if (usa_coluna_de_sistema(expr, NULL))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("filter must not use system columns"),
						errhint("Use only the row's own columns, " FILTRO_EXEMPLO ".")));

	free_parsestate(pstate);
	return expr;
}

/* The canonical text of a valid filter, as it is stored in estoque_cache.anexo. */
char *
filtro_canonico(Relation rel, const char *texto)
{
	Node *expr = filtro_transformar(rel, texto);

	return deparse_expression(
		expr, deparse_context_for(RelationGetRelationName(rel), RelationGetRelid(rel)), false,
		false);
}
