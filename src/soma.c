/*-------------------------------------------------------------------------
 *
 * soma.c
 *	  Exact sums of numeric quantities, fast while the terms are ordinary.
 *
 * The statement triggers net every row of a statement per (code, date): a
 * 100,000-row INSERT ... SELECT makes 100,000 additions, and numeric_add
 * costs an allocation and several hundred instructions each.  Quantities
 * in a stock ledger are ordinary numbers (a few decimals, far from 10^24),
 * so a sum is kept as a 128-bit count of 10^-SOMA_ESCALA units while every
 * term fits, and continues in numeric arithmetic from the first term that
 * does not (more decimals, 10^24 or more, NaN, infinity).  The result is
 * the numeric numeric_add would have produced: the same value, and the same
 * display scale, the largest of the terms'.
 *
 * Reading a numeric's digits relies on its stored form, which is part of
 * the on-disk format (pg_upgrade keeps data files as they are, so it cannot
 * change within a major version or across them): a 16-bit header, short
 * or long, followed by base-10000 digits, the value being
 * sign * sum(digit[i] * 10000^(weight - i)).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "estoque_cache.h"

/* Header bits of a stored numeric. */
#define CAB_FORMA         0xC000 /* the two high bits say which form */
#define CAB_CURTO         0x8000
#define CAB_ESPECIAL      0xC000 /* NaN, infinities */
#define CAB_LONGO_NEG     0x4000
#define CAB_ESCALA_LONGO  0x3FFF
#define CAB_CURTO_NEG     0x2000
#define CAB_CURTO_ESCALA  0x1F80
#define CAB_CURTO_DESLOC  7
#define CAB_CURTO_PESO_NG 0x0040
#define CAB_CURTO_PESO    0x003F

/*
 * The stored bytes of a numeric kept inline (4-byte or short varlena
 * header) and its first header word; false when it is compressed or out of
 * line.
 */
static bool
numeric_em_linha(Datum valor, const char **dados, Size *tamanho, uint16 *cab)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(valor);

	if (VARATT_IS_SHORT(v))
	{
		*dados = VARDATA_SHORT(v);
		*tamanho = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;
	}
	else if (!VARATT_IS_EXTENDED(v))
	{
		*dados = VARDATA(v);
		*tamanho = VARSIZE(v) - VARHDRSZ;
	}
	else
		return false;
	if (*tamanho < sizeof(uint16))
		return false;
	memcpy(cab, *dados, sizeof(uint16));
	return true;
}

#if defined(HAVE_INT128) && defined(HAVE__BUILTIN_OP_OVERFLOW)
#define SOMA_INTEIRA 1
#endif

#ifdef SOMA_INTEIRA

#define SOMA_ESCALA   12 /* decimals a term may have, a multiple of 4 */
#define SOMA_PESO_MAX 5  /* largest base-10000 weight: terms below 10^24 */

/*
 * A numeric as a count of 10^-SOMA_ESCALA units, and its display scale;
 * false when it does not fit (see the file header) or is not stored inline.
 */
static bool
numeric_inteira(Datum valor, int128 *inteira, int *escala)
{
	const char *dados;
	Size        tamanho;
	uint16      cab;
	bool        negativo;
	int         peso;
	int         ndigitos;
	int         expoente;
	int128      soma = 0;

	if (!numeric_em_linha(valor, &dados, &tamanho, &cab))
		return false; /* compressed or out of line: not worth it */

	if ((cab & CAB_FORMA) == CAB_ESPECIAL)
		return false;
	if ((cab & CAB_FORMA) == CAB_CURTO)
	{
		negativo = (cab & CAB_CURTO_NEG) != 0;
		*escala = (cab & CAB_CURTO_ESCALA) >> CAB_CURTO_DESLOC;
		peso = cab & CAB_CURTO_PESO;
		if (cab & CAB_CURTO_PESO_NG)
			peso |= ~CAB_CURTO_PESO;
		dados += sizeof(uint16);
		tamanho -= sizeof(uint16);
	}
	else
	{
		int16 peso16;

		if (tamanho < 2 * sizeof(uint16))
			return false;
		negativo = (cab & CAB_FORMA) == CAB_LONGO_NEG;
		*escala = cab & CAB_ESCALA_LONGO;
		memcpy(&peso16, dados + sizeof(uint16), sizeof(int16));
		peso = peso16;
		dados += 2 * sizeof(uint16);
		tamanho -= 2 * sizeof(uint16);
	}
	ndigitos = tamanho / sizeof(int16);
	if (*escala > SOMA_ESCALA)
		return false;
	if (ndigitos == 0)
	{
		*inteira = 0;
		return true;
	}
	/* value = (digits read as one integer) * 10000^expoente */
	expoente = peso - (ndigitos - 1);
	if (peso > SOMA_PESO_MAX || expoente < -SOMA_ESCALA / 4)
		return false;
	for (int i = 0; i < ndigitos; i++)
	{
		int16 d;

		memcpy(&d, dados + i * sizeof(int16), sizeof(int16));
		if (d < 0 || d > 9999)
			return false;
		soma = soma * 10000 + d;
	}
	/* to 10^-SOMA_ESCALA units: times 10^(SOMA_ESCALA + 4 * expoente) */
	for (int k = 0; k < SOMA_ESCALA / 4 + expoente; k++)
		soma *= 10000;
	*inteira = negativo ? -soma : soma;
	return true;
}

/* The sum so far as a numeric (only while it is still an integer count). */
static Datum
inteira_para_numeric(int128 inteira, int escala)
{
	int128 q = inteira;
	char   buf[64];
	char  *p = buf + sizeof(buf) - 1;
	bool   negativo = q < 0;
	int    casas = 0;

	/* exact: every term had at most `escala` decimals */
	for (int k = escala; k < SOMA_ESCALA; k++)
		q /= 10;
	if (q >= PG_INT64_MIN && q <= PG_INT64_MAX)
		return NumericGetDatum(int64_div_fast_to_numeric((int64) q, escala));

	/* beyond int64: through the text form */
	*p = '\0';
	do
	{
		int d = (int) (q % 10);

		*--p = '0' + (d < 0 ? -d : d);
		q /= 10;
		if (++casas == escala)
			*--p = '.';
	} while (q != 0 || casas < escala);
	if (*p == '.')
		*--p = '0';
	if (negativo)
		*--p = '-';
	return DirectFunctionCall3(numeric_in, CStringGetDatum(p), ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(-1));
}
#endif /* SOMA_INTEIRA */

/*
 * Whether a numeric is NaN or infinite: quantities the cache does not count
 * (a sum that met one could never be taken back).  Reads the header in
 * place, without detoasting a short value.
 */
bool
numeric_nao_finito(Datum valor)
{
	const char *dados;
	Size        tamanho;
	uint16      cab;

	if (!numeric_em_linha(valor, &dados, &tamanho, &cab))
	{
		Numeric n = DatumGetNumeric(valor);

		return numeric_is_nan(n) || numeric_is_inf(n);
	}
	return (cab & CAB_FORMA) == CAB_ESPECIAL;
}

/* An empty sum. */
void
soma_iniciar(Soma *s)
{
	memset(s, 0, sizeof(Soma));
#ifndef SOMA_INTEIRA
	s->numerica = true;
	s->valor = numeric_zero();
#endif
}

/*
 * Add sinal * valor (a numeric) to the sum.  Values are never changed in
 * place; what the sum keeps is allocated in the current memory context.
 */
void
soma_adicionar(Soma *s, Datum valor, int sinal)
{
#ifdef SOMA_INTEIRA
	if (!s->numerica)
	{
		int128 termo;
		int    escala;

		if (numeric_inteira(valor, &termo, &escala) &&
			!__builtin_add_overflow(s->inteira, sinal < 0 ? -termo : termo, &s->inteira))
		{
			s->escala = Max(s->escala, escala);
			return;
		}
		/* from here on in numeric arithmetic */
		s->valor = inteira_para_numeric(s->inteira, s->escala);
		s->numerica = true;
	}
#endif
	s->valor = DirectFunctionCall2(sinal < 0 ? numeric_sub : numeric_add, s->valor, valor);
}

/* The sum as a numeric. */
Datum
soma_numeric(Soma *s)
{
#ifdef SOMA_INTEIRA
	if (!s->numerica)
		return inteira_para_numeric(s->inteira, s->escala);
#endif
	return s->valor;
}

/* Whether the sum is zero. */
bool
soma_e_zero(Soma *s)
{
#ifdef SOMA_INTEIRA
	if (!s->numerica)
		return s->inteira == 0;
#endif
	return numeric_e_zero(s->valor);
}
