/*
 * Exact unsigned 256-bit integers for chain values: wei and token base
 * units have up to 78 decimal digits, which no machine integer and no
 * double holds exactly. Every operation that could lose a digit fails
 * with TP_EOVERFLOW instead.
 *
 *	struct tp_u256 a, b, q, r;
 *	tp_u256_parse("115792089237316195423570985008687907853269984665640564039457584007913129639935",
 *		      SIZE_MAX, &a);                       // 2^256 - 1
 *	tp_u256_from_u64(&b, 10);
 *	tp_u256_muldiv(&a, &b, &a, &q, &r);             // a * 10 / a = 10, r = 0
 *	char s[TP_U256_DECSZ];
 *	tp_u256_format(&q, s);                          // "10"
 *
 * muldiv computes a*b/c through a 512-bit product, so a*b may exceed
 * 2^256 as long as the quotient fits.
 */
#ifndef TRIPACT_TRACE_U256_H
#define TRIPACT_TRACE_U256_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"

/* Little-endian 64-bit limbs: w[0] is the least significant. */
struct tp_u256 {
	uint64_t w[4];
};

/* Room for 78 digits and a NUL. */
#define TP_U256_DECSZ 80

void tp_u256_from_u64(struct tp_u256 *out, uint64_t v);
int tp_u256_is_zero(const struct tp_u256 *a);
/* 1 if a fits in 64 bits (and then *v holds it; v may be NULL). */
int tp_u256_to_u64(const struct tp_u256 *a, uint64_t *v);
/* -1, 0 or 1 as a <, ==, > b. */
int tp_u256_cmp(const struct tp_u256 *a, const struct tp_u256 *b);

/* out = a + b; TP_EOVERFLOW past 2^256 - 1 (out unchanged). out may alias. */
enum tp_err tp_u256_add(struct tp_u256 *out, const struct tp_u256 *a,
			const struct tp_u256 *b) TP_MUST_CHECK;
/* out = a - b; TP_EOVERFLOW if b > a (out unchanged). out may alias. */
enum tp_err tp_u256_sub(struct tp_u256 *out, const struct tp_u256 *a,
			const struct tp_u256 *b) TP_MUST_CHECK;
/* out = a * b; TP_EOVERFLOW past 2^256 - 1. out may alias. */
enum tp_err tp_u256_mul(struct tp_u256 *out, const struct tp_u256 *a,
			const struct tp_u256 *b) TP_MUST_CHECK;
/* q = a / b, r = a % b (either may be NULL); TP_EINVAL if b is zero. */
enum tp_err tp_u256_div(const struct tp_u256 *a, const struct tp_u256 *b, struct tp_u256 *q,
			struct tp_u256 *r) TP_MUST_CHECK;
/*
 * q = floor(a * b / c), r = (a * b) mod c, with a 512-bit intermediate.
 * TP_EINVAL if c is zero, TP_EOVERFLOW if the quotient needs more than
 * 256 bits. q and r may be NULL.
 */
enum tp_err tp_u256_muldiv(const struct tp_u256 *a, const struct tp_u256 *b,
			   const struct tp_u256 *c, struct tp_u256 *q,
			   struct tp_u256 *r) TP_MUST_CHECK;

/*
 * Parses s[0..len) (len SIZE_MAX: up to the NUL) as a decimal number
 * (digits only, at most 78; a leading '+', '-', '.', exponent or anything
 * else is TP_EPARSE) or, with a "0x" prefix, as hex (at most 64 digits).
 * TP_EOVERFLOW past 2^256 - 1.
 */
enum tp_err tp_u256_parse(const char *s, size_t len, struct tp_u256 *out) TP_MUST_CHECK;
/* Writes the decimal form and a NUL into out (TP_U256_DECSZ bytes). */
void tp_u256_format(const struct tp_u256 *a, char *out);

#endif
