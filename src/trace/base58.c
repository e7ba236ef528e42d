/*
 * Base58 and Base58Check, the address text of P2PKH ("1...") and P2SH
 * ("3...") outputs. The number is converted through limbs of 58^5 (which
 * fits 32 bits), so a 25-byte address costs a few dozen multiplications
 * rather than the byte-at-a-time long division of the textbook version;
 * import formats millions of these a second.
 *
 *	payload 00 || 62e907b1...44ee (HASH160) || checksum 4 bytes
 *	-> "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
 */
#include <nettle/ripemd160.h>
#include <nettle/sha2.h>
#include <string.h>

#include "btc_codec.h"
#include "sha256d.h"

static const char ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

#define LIMB   656356768u /* 58^5 */
#define MAX_IN 128

size_t tp_base58_encode(const uint8_t *in, size_t n, char *out, size_t outcap)
{
	if (n > MAX_IN)
		return 0;
	size_t zeros = 0;
	while (zeros < n && in[zeros] == 0)
		zeros++;
	/* little-endian limbs of the value, base 58^5 */
	uint32_t limb[MAX_IN * 8 / 29 + 2];
	size_t nl = 0;
	size_t i = zeros;
	size_t head = (n - zeros) % 4;
	while (i < n) {
		size_t take = head ? head : 4;
		head = 0;
		uint64_t word = 0;
		for (size_t k = 0; k < take; k++)
			word = (word << 8) | in[i + k];
		i += take;
		uint64_t mul = (uint64_t)1 << (8 * take);
		uint64_t carry = word;
		for (size_t k = 0; k < nl; k++) {
			uint64_t v = (uint64_t)limb[k] * mul + carry;
			limb[k] = (uint32_t)(v % LIMB);
			carry = v / LIMB;
		}
		while (carry) {
			limb[nl++] = (uint32_t)(carry % LIMB);
			carry /= LIMB;
		}
	}
	/* digits, least significant first */
	char dig[MAX_IN * 2];
	size_t nd = 0;
	for (size_t k = 0; k < nl; k++) {
		uint32_t v = limb[k];
		for (int j = 0; j < 5; j++) {
			dig[nd++] = ALPHABET[v % 58];
			v /= 58;
		}
	}
	while (nd > 0 && dig[nd - 1] == '1')
		nd--;
	if (zeros + nd + 1 > outcap)
		return 0;
	memset(out, '1', zeros);
	for (size_t k = 0; k < nd; k++)
		out[zeros + k] = dig[nd - 1 - k];
	out[zeros + nd] = '\0';
	return zeros + nd;
}

static int digit(char c)
{
	const char *p = c ? strchr(ALPHABET, c) : NULL;
	return p ? (int)(p - ALPHABET) : -1;
}

long tp_base58_decode(const char *s, uint8_t *out, size_t outcap)
{
	size_t len = strlen(s);
	if (len > MAX_IN * 2)
		return -1;
	size_t zeros = 0;
	while (zeros < len && s[zeros] == '1')
		zeros++;
	uint8_t b256[MAX_IN * 2]; /* big-endian, right aligned */
	size_t size = sizeof b256, used = 0;
	memset(b256, 0, size);
	for (size_t i = zeros; i < len; i++) {
		int c = digit(s[i]);
		if (c < 0)
			return -1;
		uint32_t carry = (uint32_t)c;
		size_t j = 0;
		for (size_t k = size; k-- > 0 && (carry || j < used); j++) {
			carry += 58u * b256[k];
			b256[k] = (uint8_t)carry;
			carry >>= 8;
		}
		if (carry)
			return -1;
		used = j;
	}
	if (zeros + used > outcap)
		return -1;
	memset(out, 0, zeros);
	memcpy(out + zeros, b256 + size - used, used);
	return (long)(zeros + used);
}

void tp_btc_sha256d(const void *p, size_t n, uint8_t out[32])
{
	/* on SHA-NI without nettle's per-call work (sha256d.h) */
	struct tp_btc_msg m = {{p, p, p}, {n, 0, 0}};
	tp_btc_sha256d_msg(&m, out);
}

void tp_btc_hash160(const void *p, size_t n, uint8_t out[20])
{
	uint8_t h[32];
	struct sha256_ctx c;
	struct ripemd160_ctx r;
	sha256_init(&c);
	sha256_update(&c, n, p);
	sha256_digest(&c, 32, h);
	ripemd160_init(&r);
	ripemd160_update(&r, 32, h);
	ripemd160_digest(&r, 20, out);
}

size_t tp_base58check_encode(uint8_t version, const uint8_t *payload, size_t n, char *out,
			     size_t outcap)
{
	uint8_t buf[1 + 64 + 4], sum[32];
	if (n > 64)
		return 0;
	buf[0] = version;
	memcpy(buf + 1, payload, n);
	tp_btc_sha256d(buf, n + 1, sum);
	memcpy(buf + 1 + n, sum, 4);
	return tp_base58_encode(buf, n + 5, out, outcap);
}

long tp_base58check_decode(const char *s, uint8_t *version, uint8_t *out, size_t outcap)
{
	uint8_t buf[MAX_IN], sum[32];
	long n = tp_base58_decode(s, buf, sizeof buf);
	if (n < 5)
		return -1;
	tp_btc_sha256d(buf, (size_t)n - 4, sum);
	if (memcmp(sum, buf + n - 4, 4) != 0)
		return -1;
	size_t plen = (size_t)n - 5;
	if (plen > outcap)
		return -1;
	*version = buf[0];
	memcpy(out, buf + 1, plen);
	return (long)plen;
}
