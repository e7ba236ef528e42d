/*
 * Bech32 (BIP-173) and Bech32m (BIP-350) segwit addresses: the text of
 * P2WPKH, P2WSH (witness v0, Bech32) and P2TR (v1, Bech32m) outputs.
 *
 *	hrp "bc", version 0, program 751e76e8...d6 (20 bytes)
 *	-> "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
 *
 * The string is hrp, "1", the version as one 5-bit symbol, the program
 * regrouped into 5-bit symbols, and a 6-symbol BCH checksum over the
 * expanded hrp and the data; the checksum's final constant is 1 for Bech32
 * and 0x2bc830a3 for Bech32m.
 */
#include <string.h>

#include "btc_codec.h"

#define BECH32_CONST  1u
#define BECH32M_CONST 0x2bc830a3u
#define MAX_LEN	      90

static const char CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* GEN[b]: the XOR of the BCH generator terms selected by the 5 bits b. */
static const uint32_t GEN[32] = {
	0x00000000u, 0x3b6a57b2u, 0x26508e6du, 0x1d3ad9dfu, 0x1ea119fau, 0x25cb4e48u, 0x38f19797u,
	0x039bc025u, 0x3d4233ddu, 0x0628646fu, 0x1b12bdb0u, 0x2078ea02u, 0x23e32a27u, 0x18897d95u,
	0x05b3a44au, 0x3ed9f3f8u, 0x2a1462b3u, 0x117e3501u, 0x0c44ecdeu, 0x372ebb6cu, 0x34b57b49u,
	0x0fdf2cfbu, 0x12e5f524u, 0x298fa296u, 0x1756516eu, 0x2c3c06dcu, 0x3106df03u, 0x0a6c88b1u,
	0x09f74894u, 0x329d1f26u, 0x2fa7c6f9u, 0x14cd914bu,
};

static uint32_t polymod_step(uint32_t pre)
{
	return ((pre & 0x1ffffffu) << 5) ^ GEN[pre >> 25];
}

static uint32_t hrp_polymod(const char *hrp, size_t n)
{
	uint32_t chk = 1;
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk) ^ ((uint8_t)hrp[i] >> 5);
	chk = polymod_step(chk);
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk) ^ ((uint8_t)hrp[i] & 0x1f);
	return chk;
}

/* Regroups bits; pad adds a final partial group (encoding). */
static int convert_bits(uint8_t *out, size_t *outlen, int outbits, const uint8_t *in, size_t inlen,
			int inbits, int pad)
{
	uint32_t val = 0;
	int bits = 0;
	uint32_t maxv = (1u << outbits) - 1;
	*outlen = 0;
	for (size_t i = 0; i < inlen; i++) {
		val = (val << inbits) | in[i];
		bits += inbits;
		while (bits >= outbits) {
			bits -= outbits;
			out[(*outlen)++] = (uint8_t)((val >> bits) & maxv);
		}
	}
	if (pad) {
		if (bits)
			out[(*outlen)++] = (uint8_t)((val << (outbits - bits)) & maxv);
	} else if (bits >= inbits || ((val << (outbits - bits)) & maxv)) {
		return -1;
	}
	return 0;
}

size_t tp_bech32_segwit_encode(const char *hrp, int witver, const uint8_t *prog, size_t prog_len,
			       char *out, size_t outcap)
{
	size_t hl = strlen(hrp);
	if (witver < 0 || witver > 16 || prog_len < 2 || prog_len > 40)
		return 0;
	if (witver == 0 && prog_len != 20 && prog_len != 32)
		return 0;
	uint8_t data[1 + 64];
	size_t dl;
	data[0] = (uint8_t)witver;
	convert_bits(data + 1, &dl, 5, prog, prog_len, 8, 1);
	dl += 1;
	size_t total = hl + 1 + dl + 6;
	if (hl < 1 || total > MAX_LEN || total + 1 > outcap)
		return 0;
	uint32_t chk = hrp_polymod(hrp, hl);
	char *p = out;
	memcpy(p, hrp, hl);
	p += hl;
	*p++ = '1';
	for (size_t i = 0; i < dl; i++) {
		chk = polymod_step(chk) ^ data[i];
		*p++ = CHARSET[data[i]];
	}
	for (int i = 0; i < 6; i++)
		chk = polymod_step(chk);
	chk ^= witver == 0 ? BECH32_CONST : BECH32M_CONST;
	for (int i = 0; i < 6; i++)
		*p++ = CHARSET[(chk >> (5 * (5 - i))) & 31];
	*p = '\0';
	return total;
}

static int charset_rev(char c)
{
	const char *p = c ? strchr(CHARSET, c) : NULL;
	return p ? (int)(p - CHARSET) : -1;
}

long tp_bech32_segwit_decode(const char *hrp, const char *addr, int *witver, uint8_t prog[40])
{
	size_t len = strlen(addr), hl = strlen(hrp);
	int lower = 0, upper = 0;
	char s[MAX_LEN + 1];
	if (len > MAX_LEN || len < 8)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c < 33 || c > 126)
			return -1;
		if (c >= 'a' && c <= 'z')
			lower = 1;
		if (c >= 'A' && c <= 'Z') {
			upper = 1;
			c = (unsigned char)(c - 'A' + 'a');
		}
		s[i] = (char)c;
	}
	s[len] = '\0';
	if (lower && upper)
		return -1;
	const char *sep = strrchr(s, '1');
	if (!sep || (size_t)(sep - s) != hl || strncmp(s, hrp, hl) != 0)
		return -1;
	size_t dl = len - hl - 1;
	if (dl < 7) /* version + checksum */
		return -1;
	uint8_t data[MAX_LEN];
	uint32_t chk = hrp_polymod(s, hl);
	for (size_t i = 0; i < dl; i++) {
		int v = charset_rev(sep[1 + i]);
		if (v < 0)
			return -1;
		data[i] = (uint8_t)v;
		chk = polymod_step(chk) ^ (uint32_t)v;
	}
	int ver = data[0];
	if (ver > 16)
		return -1;
	if (chk != (ver == 0 ? BECH32_CONST : BECH32M_CONST))
		return -1;
	size_t pl;
	uint8_t tmp[MAX_LEN];
	if (convert_bits(tmp, &pl, 8, data + 1, dl - 7, 5, 0) != 0)
		return -1;
	if (pl < 2 || pl > 40 || (ver == 0 && pl != 20 && pl != 32))
		return -1;
	memcpy(prog, tmp, pl);
	*witver = ver;
	return (long)pl;
}
