/*
 * Exact 256-bit unsigned arithmetic for chain values (see trace_u256.h).
 * Limbs are 64-bit, little-endian; products use unsigned __int128. The
 * 512-bit muldiv is schoolbook multiplication followed by long division
 * on 64-bit digits (Knuth's algorithm D): haircut runs it once per
 * transfer, and wei balances pass 2^64 at about 18 ETH, so the wide case
 * is common on real chains. Operands all below 2^64 take a 128-bit path.
 */
#include <string.h>

#include "tripact/trace_u256.h"

typedef unsigned __int128 u128;

void tp_u256_from_u64(struct tp_u256 *out, uint64_t v)
{
	memset(out, 0, sizeof *out);
	out->w[0] = v;
}

int tp_u256_is_zero(const struct tp_u256 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

int tp_u256_to_u64(const struct tp_u256 *a, uint64_t *v)
{
	if (a->w[1] | a->w[2] | a->w[3])
		return 0;
	if (v)
		*v = a->w[0];
	return 1;
}

int tp_u256_cmp(const struct tp_u256 *a, const struct tp_u256 *b)
{
	for (int i = 3; i >= 0; i--) {
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	}
	return 0;
}

enum tp_err tp_u256_add(struct tp_u256 *out, const struct tp_u256 *a, const struct tp_u256 *b)
{
	struct tp_u256 r;
	uint64_t carry = 0;
	for (int i = 0; i < 4; i++) {
		u128 s = (u128)a->w[i] + b->w[i] + carry;
		r.w[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	if (carry)
		return TP_EOVERFLOW;
	*out = r;
	return TP_OK;
}

enum tp_err tp_u256_sub(struct tp_u256 *out, const struct tp_u256 *a, const struct tp_u256 *b)
{
	if (tp_u256_cmp(a, b) < 0)
		return TP_EOVERFLOW;
	struct tp_u256 r;
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		u128 d = (u128)a->w[i] - b->w[i] - borrow;
		r.w[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) ? 1 : 0;
	}
	*out = r;
	return TP_OK;
}

/* p[0..8) = a * b, the full 512-bit product. Zero limbs of a are skipped. */
static void mul512(const struct tp_u256 *a, const struct tp_u256 *b, uint64_t p[8])
{
	memset(p, 0, 8 * sizeof p[0]);
	for (int i = 0; i < 4; i++) {
		if (!a->w[i])
			continue;
		uint64_t carry = 0;
		for (int j = 0; j < 4; j++) {
			u128 t = (u128)a->w[i] * b->w[j] + p[i + j] + carry;
			p[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		p[i + 4] = carry;
	}
}

enum tp_err tp_u256_mul(struct tp_u256 *out, const struct tp_u256 *a, const struct tp_u256 *b)
{
	uint64_t p[8];
	mul512(a, b, p);
	if (p[4] | p[5] | p[6] | p[7])
		return TP_EOVERFLOW;
	memcpy(out->w, p, sizeof out->w);
	return TP_OK;
}

/* Number of limbs up to the highest nonzero one (0 for zero). */
static int used_limbs(const uint64_t *n, int limbs)
{
	while (limbs > 0 && n[limbs - 1] == 0)
		limbs--;
	return limbs;
}

/*
 * Knuth's algorithm D (TAOCP 4.3.1) on 64-bit digits: u[0..nl] is the
 * dividend shifted left so that v[0..m) (the divisor, m >= 2) has its top
 * bit set; u gets the remainder, still shifted, in u[0..m). Each quotient
 * digit is estimated from the top two digits of u and v[m-1], corrected
 * with v[m-2] (now at most one too large), and fixed by adding v back in
 * the rare case the multiply-subtract goes negative.
 */
static void knuth_d(uint64_t *u, int nl, const uint64_t *v, int m, uint64_t *qw)
{
	for (int j = nl - m; j >= 0; j--) {
		u128 num = (u128)u[j + m] << 64 | u[j + m - 1];
		u128 qhat = num / v[m - 1], rhat = num % v[m - 1];
		while (qhat >> 64 || qhat * v[m - 2] > (rhat << 64 | u[j + m - 2])) {
			qhat--;
			rhat += v[m - 1];
			if (rhat >> 64)
				break;
		}
		uint64_t q = (uint64_t)qhat, carry = 0, borrow = 0;
		for (int i = 0; i < m; i++) {
			u128 p = (u128)q * v[i] + carry;
			carry = (uint64_t)(p >> 64);
			u128 t = (u128)u[i + j] - (uint64_t)p - borrow;
			u[i + j] = (uint64_t)t;
			borrow = (uint64_t)(t >> 64) ? 1 : 0;
		}
		u128 t = (u128)u[j + m] - carry - borrow;
		u[j + m] = (uint64_t)t;
		if (t >> 64) {
			q--;
			carry = 0;
			for (int i = 0; i < m; i++) {
				u128 s = (u128)u[i + j] + v[i] + carry;
				u[i + j] = (uint64_t)s;
				carry = (uint64_t)(s >> 64);
			}
			u[j + m] += carry;
		}
		qw[j] = q;
	}
}

/*
 * Long division of the limbs-wide n (at most 8) by d (256-bit, nonzero):
 * quotient into qw (limbs wide), remainder into r. A divisor of one limb
 * divides 128 by 64 bits a limb at a time; wider ones go through knuth_d.
 */
static void divmod(const uint64_t *n, int limbs, const struct tp_u256 *d, uint64_t *qw,
		   struct tp_u256 *r)
{
	struct tp_u256 rem = {{0}};
	int nl = used_limbs(n, limbs), m = used_limbs(d->w, 4);
	memset(qw, 0, (size_t)limbs * sizeof qw[0]);
	if (nl < m) {
		memcpy(rem.w, n, (size_t)nl * sizeof n[0]);
		*r = rem;
		return;
	}
	if (m == 1) {
		uint64_t k = 0;
		for (int i = nl - 1; i >= 0; i--) {
			u128 cur = (u128)k << 64 | n[i];
			qw[i] = (uint64_t)(cur / d->w[0]);
			k = (uint64_t)(cur % d->w[0]);
		}
		rem.w[0] = k;
		*r = rem;
		return;
	}
	/* normalise: shift both left until the divisor's top bit is set */
	int s = __builtin_clzll(d->w[m - 1]);
	uint64_t u[9], v[4];
	for (int i = m - 1; i > 0; i--)
		v[i] = d->w[i] << s | (s ? d->w[i - 1] >> (64 - s) : 0);
	v[0] = d->w[0] << s;
	u[nl] = s ? n[nl - 1] >> (64 - s) : 0;
	for (int i = nl - 1; i > 0; i--)
		u[i] = n[i] << s | (s ? n[i - 1] >> (64 - s) : 0);
	u[0] = n[0] << s;
	knuth_d(u, nl, v, m, qw);
	for (int i = 0; i < m; i++)
		rem.w[i] = u[i] >> s | (s ? u[i + 1] << (64 - s) : 0);
	*r = rem;
}

enum tp_err tp_u256_div(const struct tp_u256 *a, const struct tp_u256 *b, struct tp_u256 *q,
			struct tp_u256 *r)
{
	if (tp_u256_is_zero(b))
		return TP_EINVAL;
	uint64_t x, y;
	if (tp_u256_to_u64(a, &x) && tp_u256_to_u64(b, &y)) {
		if (q)
			tp_u256_from_u64(q, x / y);
		if (r)
			tp_u256_from_u64(r, x % y);
		return TP_OK;
	}
	uint64_t qw[4];
	struct tp_u256 rem;
	divmod(a->w, 4, b, qw, &rem);
	if (q)
		memcpy(q->w, qw, sizeof q->w);
	if (r)
		*r = rem;
	return TP_OK;
}

enum tp_err tp_u256_muldiv(const struct tp_u256 *a, const struct tp_u256 *b,
			   const struct tp_u256 *c, struct tp_u256 *q, struct tp_u256 *r)
{
	if (tp_u256_is_zero(c))
		return TP_EINVAL;
	uint64_t x, y, z;
	if (tp_u256_to_u64(a, &x) && tp_u256_to_u64(b, &y) && tp_u256_to_u64(c, &z)) {
		u128 p = (u128)x * y;
		if (q) {
			u128 qq = p / z;
			memset(q, 0, sizeof *q);
			q->w[0] = (uint64_t)qq;
			q->w[1] = (uint64_t)(qq >> 64);
		}
		if (r)
			tp_u256_from_u64(r, (uint64_t)(p % z));
		return TP_OK;
	}
	uint64_t p[8], qw[8];
	struct tp_u256 rem;
	mul512(a, b, p);
	divmod(p, 8, c, qw, &rem);
	if (qw[4] | qw[5] | qw[6] | qw[7])
		return TP_EOVERFLOW;
	if (q)
		memcpy(q->w, qw, sizeof q->w);
	if (r)
		*r = rem;
	return TP_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum tp_err tp_u256_parse(const char *s, size_t len, struct tp_u256 *out)
{
	if (len == SIZE_MAX)
		len = strlen(s);
	struct tp_u256 v = {{0}};
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
		size_t i = 0;
		while (i < len && s[i] == '0')
			i++;
		if (len - i > 64)
			return TP_EOVERFLOW;
		for (; i < len; i++) {
			int h = hexval(s[i]);
			if (h < 0)
				return TP_EPARSE;
			for (int k = 3; k > 0; k--)
				v.w[k] = v.w[k] << 4 | v.w[k - 1] >> 60;
			v.w[0] = v.w[0] << 4 | (uint64_t)h;
		}
		*out = v;
		return TP_OK;
	}
	if (len == 0)
		return TP_EPARSE;
	struct tp_u256 ten;
	tp_u256_from_u64(&ten, 10);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return TP_EPARSE;
		struct tp_u256 d;
		tp_u256_from_u64(&d, (uint64_t)(s[i] - '0'));
		if (tp_u256_mul(&v, &v, &ten) != TP_OK || tp_u256_add(&v, &v, &d) != TP_OK)
			return TP_EOVERFLOW;
	}
	*out = v;
	return TP_OK;
}

void tp_u256_format(const struct tp_u256 *a, char *out)
{
	char tmp[TP_U256_DECSZ];
	int n = 0;
	struct tp_u256 v = *a;
	/* divide by 10^19 repeatedly: each step yields 19 digits */
	const uint64_t base = 10000000000000000000ULL;
	do {
		uint64_t rem = 0;
		for (int i = 3; i >= 0; i--) {
			u128 cur = (u128)rem << 64 | v.w[i];
			v.w[i] = (uint64_t)(cur / base);
			rem = (uint64_t)(cur % base);
		}
		int last = tp_u256_is_zero(&v);
		for (int k = 0; k < 19; k++) {
			tmp[n++] = (char)('0' + rem % 10);
			rem /= 10;
			if (last && rem == 0)
				break;
		}
	} while (!tp_u256_is_zero(&v));
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}
