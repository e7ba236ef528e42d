/*
 * Output scripts to script types and addresses, following Bitcoin Core's
 * Solver() (script/solver.cpp) so types match `scriptPubKey.type`:
 *
 *	76 a9 14 <20> 88 ac           pubkeyhash   -> Base58Check 0x00 / 0x6f
 *	a9 14 <20> 87                 scripthash   -> Base58Check 0x05 / 0xc4
 *	00 14 <20>                    witness_v0_keyhash    -> bc1q... (Bech32)
 *	00 20 <32>                    witness_v0_scripthash -> bc1q... (Bech32)
 *	51 20 <32>                    witness_v1_taproot    -> bc1p... (Bech32m)
 *	51 02 4e 73                   anchor (pay-to-anchor) -> Bech32m
 *	<OP_1..16> <2..40 bytes>      witness_unknown       -> Bech32m
 *	21 <33> ac | 41 <65> ac       pubkey   -> P2PKH of HASH160(key)
 *	<m> <keys...> <n> ae          multisig -> "nonstandard" + hex
 *	6a <pushes only>              nulldata -> "nonstandard" + hex
 *	anything else                 nonstandard -> "nonstandard" + hex
 *
 * where hex is the first 20 bytes of SHA-256(script), as bitcoin-etl names
 * outputs that have no address. See include/tripact/btc.h for why P2PK is
 * addressed through its key hash.
 */
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#include "btc_codec.h"
#include "tripact/btc.h"

struct net_params {
	const char *name;
	uint8_t pkh, sh;
	const char *hrp;
};

static const struct net_params NETS[TP_BTC_NETWORK_COUNT] = {
	[TP_BTC_MAINNET] = {"main", 0x00, 0x05, "bc"},
	[TP_BTC_TESTNET] = {"test", 0x6f, 0xc4, "tb"},
	[TP_BTC_TESTNET4] = {"testnet4", 0x6f, 0xc4, "tb"},
	[TP_BTC_SIGNET] = {"signet", 0x6f, 0xc4, "tb"},
	[TP_BTC_REGTEST] = {"regtest", 0x6f, 0xc4, "bcrt"},
};

static const char *const NAMES[TP_BTC_SCRIPT_COUNT] = {
	[TP_BTC_NONSTANDARD] = "nonstandard",
	[TP_BTC_P2PK] = "pubkey",
	[TP_BTC_P2PKH] = "pubkeyhash",
	[TP_BTC_P2SH] = "scripthash",
	[TP_BTC_MULTISIG] = "multisig",
	[TP_BTC_OP_RETURN] = "nulldata",
	[TP_BTC_P2WPKH] = "witness_v0_keyhash",
	[TP_BTC_P2WSH] = "witness_v0_scripthash",
	[TP_BTC_P2TR] = "witness_v1_taproot",
	[TP_BTC_WITNESS_UNKNOWN] = "witness_unknown",
	[TP_BTC_ANCHOR] = "anchor",
};

const char *tp_btc_script_name(enum tp_btc_script type)
{
	return (unsigned)type < TP_BTC_SCRIPT_COUNT ? NAMES[type] : "?";
}

const char *tp_btc_network_name(enum tp_btc_network net)
{
	return (unsigned)net < TP_BTC_NETWORK_COUNT ? NETS[net].name : "?";
}

enum tp_err tp_btc_network_parse(const char *name, enum tp_btc_network *out)
{
	static const struct {
		const char *alias;
		enum tp_btc_network net;
	} extra[] = {{"mainnet", TP_BTC_MAINNET},
		     {"bitcoin", TP_BTC_MAINNET},
		     {"testnet", TP_BTC_TESTNET},
		     {"testnet3", TP_BTC_TESTNET}};
	for (int i = 0; i < TP_BTC_NETWORK_COUNT; i++) {
		if (strcmp(name, NETS[i].name) == 0) {
			*out = (enum tp_btc_network)i;
			return TP_OK;
		}
	}
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		if (strcmp(name, extra[i].alias) == 0) {
			*out = extra[i].net;
			return TP_OK;
		}
	}
	return TP_EPARSE;
}

enum tp_btc_script tp_btc_address_class(enum tp_btc_script type)
{
	switch (type) {
	case TP_BTC_P2PK:
		return TP_BTC_P2PKH;
	case TP_BTC_MULTISIG:
	case TP_BTC_OP_RETURN:
		return TP_BTC_NONSTANDARD;
	default:
		return type;
	}
}

/* CPubKey::ValidSize: the header byte says compressed (33) or not (65). */
static int pubkey_size_ok(const uint8_t *k, size_t n)
{
	if (n == 33)
		return k[0] == 2 || k[0] == 3;
	if (n == 65)
		return k[0] == 4 || k[0] == 6 || k[0] == 7;
	return 0;
}

/*
 * Core's CScript::GetOp: the opcode at *pp and, for a push, its data; *pp
 * moves past both. 0 if the push runs past end.
 */
static int get_op(const uint8_t **pp, const uint8_t *end, uint8_t *op, const uint8_t **data,
		  size_t *n)
{
	const uint8_t *p = *pp;
	if (p >= end)
		return 0;
	*op = *p++;
	*n = 0;
	if (*op <= 0x4e) {
		size_t w = *op < 0x4c ? 0 : *op == 0x4c ? 1 : *op == 0x4d ? 2 : 4;
		if ((size_t)(end - p) < w)
			return 0;
		if (w == 0)
			*n = *op;
		for (size_t i = 0; i < w; i++)
			*n |= (size_t)p[i] << (8 * i);
		p += w;
		if ((size_t)(end - p) < *n)
			return 0;
	}
	*data = p;
	*pp = p + *n;
	return 1;
}

/* Core's IsPushOnly from p: every opcode up to OP_16 with its data in range. */
static int push_only(const uint8_t *p, const uint8_t *end)
{
	uint8_t op;
	const uint8_t *data;
	size_t n;
	while (p < end)
		if (!get_op(&p, end, &op, &data, &n) || op > 0x60)
			return 0;
	return 1;
}

static int small_int(uint8_t op)
{
	return op >= 0x51 && op <= 0x60 ? op - 0x50 : -1;
}

/* A key count as Core's GetScriptNumber reads it: OP_1..OP_16, or a
 * minimal one-byte push of 17..20 (MAX_PUBKEYS_PER_MULTISIG). */
static int key_count(uint8_t op, const uint8_t *data, size_t n)
{
	if (small_int(op) > 0)
		return small_int(op);
	if (op == 1 && n == 1 && data[0] >= 17 && data[0] <= 20)
		return data[0];
	return -1;
}

/* Core's MatchMultisig: <m> <key>... <n> OP_CHECKMULTISIG, m <= n = keys. */
static int is_multisig(const uint8_t *s, size_t len)
{
	const uint8_t *p = s, *end = s + len, *data;
	uint8_t op;
	size_t n;
	if (len < 3 || s[len - 1] != 0xae || !get_op(&p, end, &op, &data, &n))
		return 0;
	int m = key_count(op, data, n), keys = 0;
	if (m < 1)
		return 0;
	for (;;) {
		if (!get_op(&p, end, &op, &data, &n))
			return 0;
		if (op > 0x4e || !pubkey_size_ok(data, n))
			break;
		keys++;
	}
	int total = key_count(op, data, n);
	return total >= m && total == keys && p + 1 == end;
}

/* The type of a valid witness program (v0 of 20 or 32 bytes, or v1+). */
static enum tp_btc_script witness_type(int ver, const uint8_t *prog, size_t n)
{
	if (ver == 0)
		return n == 20 ? TP_BTC_P2WPKH : TP_BTC_P2WSH;
	if (ver == 1 && n == 32)
		return TP_BTC_P2TR;
	if (ver == 1 && n == 2 && prog[0] == 0x4e && prog[1] == 0x73)
		return TP_BTC_ANCHOR;
	return TP_BTC_WITNESS_UNKNOWN;
}

static void script_key(const uint8_t *s, size_t len, struct tp_btc_txout *o)
{
	uint8_t h[32];
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, len, s);
	sha256_digest(&c, 32, h);
	memcpy(o->key, h, 20);
	o->key_len = 20;
}

void tp_btc_script_classify(enum tp_btc_network net, const uint8_t *s, size_t len, int no_address,
			    struct tp_btc_txout *o)
{
	o->witness_version = 0;
	if (len == 25 && s[0] == 0x76 && s[1] == 0xa9 && s[2] == 0x14 && s[23] == 0x88 &&
	    s[24] == 0xac) {
		o->type = TP_BTC_P2PKH;
		memcpy(o->key, s + 3, 20);
		o->key_len = 20;
	} else if (len == 23 && s[0] == 0xa9 && s[1] == 0x14 && s[22] == 0x87) {
		o->type = TP_BTC_P2SH;
		memcpy(o->key, s + 2, 20);
		o->key_len = 20;
	} else if (len >= 4 && len <= 42 && (s[0] == 0 || small_int(s[0]) > 0) &&
		   s[1] + 2u == len) {
		int ver = s[0] ? small_int(s[0]) : 0;
		size_t pl = len - 2;
		if (ver == 0 && pl != 20 && pl != 32) {
			o->type = TP_BTC_NONSTANDARD;
			script_key(s, len, o);
		} else {
			o->type = witness_type(ver, s + 2, pl);
			o->witness_version = (uint8_t)ver;
			memcpy(o->key, s + 2, pl);
			o->key_len = (uint8_t)pl;
		}
	} else if (len >= 1 && s[0] == 0x6a && push_only(s + 1, s + len)) {
		o->type = TP_BTC_OP_RETURN;
		script_key(s, len, o);
	} else if ((len == 35 || len == 67) && s[0] == len - 2 && s[len - 1] == 0xac &&
		   pubkey_size_ok(s + 1, len - 2)) {
		o->type = TP_BTC_P2PK;
		tp_btc_hash160(s + 1, len - 2, o->key);
		o->key_len = 20;
	} else if (is_multisig(s, len)) {
		o->type = TP_BTC_MULTISIG;
		script_key(s, len, o);
	} else {
		o->type = TP_BTC_NONSTANDARD;
		script_key(s, len, o);
	}
	o->address[0] = '\0';
	if (!no_address && tp_btc_address_format(net, o->type, o->witness_version, o->key,
						 o->key_len, o->address) != TP_OK)
		o->address[0] = '\0';
}

enum tp_err tp_btc_address_format(enum tp_btc_network net, enum tp_btc_script type, uint8_t witver,
				  const uint8_t *key, size_t key_len, char out[TP_BTC_ADDR_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	if ((unsigned)net >= TP_BTC_NETWORK_COUNT)
		return TP_EINVAL;
	out[0] = '\0';
	switch (tp_btc_address_class(type)) {
	case TP_BTC_P2PKH:
		if (key_len == 20)
			n = tp_base58check_encode(NETS[net].pkh, key, 20, out, TP_BTC_ADDR_MAX);
		break;
	case TP_BTC_P2SH:
		if (key_len == 20)
			n = tp_base58check_encode(NETS[net].sh, key, 20, out, TP_BTC_ADDR_MAX);
		break;
	case TP_BTC_P2WPKH:
	case TP_BTC_P2WSH:
	case TP_BTC_P2TR:
	case TP_BTC_WITNESS_UNKNOWN:
	case TP_BTC_ANCHOR:
		n = tp_bech32_segwit_encode(NETS[net].hrp, witver, key, key_len, out,
					    TP_BTC_ADDR_MAX);
		break;
	case TP_BTC_NONSTANDARD:
		if (key_len == 20) {
			memcpy(out, "nonstandard", 11);
			for (size_t i = 0; i < 20; i++) {
				out[11 + 2 * i] = hex[key[i] >> 4];
				out[12 + 2 * i] = hex[key[i] & 15];
			}
			out[51] = '\0';
			n = 51;
		}
		break;
	default:
		break;
	}
	return n ? TP_OK : TP_EINVAL;
}

size_t tp_btc_txout_key(const struct tp_btc_txout *o, uint8_t out[TP_BTC_KEY_MAX])
{
	size_t n = o->key_len <= 40 ? o->key_len : 40;
	out[0] = (uint8_t)tp_btc_address_class(o->type);
	out[1] = o->witness_version;
	memcpy(out + 2, o->key, n);
	return n + 2;
}

enum tp_err tp_btc_key_format(enum tp_btc_network net, const uint8_t *key, size_t len,
			      char out[TP_BTC_ADDR_MAX])
{
	out[0] = '\0';
	if (len < 2 || len > TP_BTC_KEY_MAX || key[0] >= TP_BTC_SCRIPT_COUNT)
		return TP_EINVAL;
	return tp_btc_address_format(net, (enum tp_btc_script)key[0], key[1], key + 2, len - 2,
				     out);
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

enum tp_err tp_btc_address_parse(enum tp_btc_network net, const char *addr,
				 enum tp_btc_script *type, uint8_t *witver, uint8_t key[40],
				 size_t *key_len, struct tp_diag *d)
{
	if ((unsigned)net >= TP_BTC_NETWORK_COUNT)
		return tp_diag_set(d, TP_EINVAL, "unknown Bitcoin network %d", (int)net);
	size_t len = strlen(addr);
	if (len == 51 && strncmp(addr, "nonstandard", 11) == 0) {
		for (size_t i = 0; i < 20; i++) {
			int hi = hexval(addr[11 + 2 * i]), lo = hexval(addr[12 + 2 * i]);
			if (hi < 0 || lo < 0)
				return tp_diag_set(d, TP_EPARSE,
						   "address '%s': bad hex digit at %zu", addr,
						   11 + 2 * i);
			key[i] = (uint8_t)(hi << 4 | lo);
		}
		*type = TP_BTC_NONSTANDARD;
		*witver = 0;
		*key_len = 20;
		return TP_OK;
	}
	int ver;
	long pl = tp_bech32_segwit_decode(NETS[net].hrp, addr, &ver, key);
	if (pl > 0) {
		*witver = (uint8_t)ver;
		*key_len = (size_t)pl;
		*type = witness_type(ver, key, (size_t)pl);
		return TP_OK;
	}
	uint8_t v;
	uint8_t buf[64];
	pl = len <= 40 ? tp_base58check_decode(addr, &v, buf, sizeof buf) : -1;
	if (pl == 20 && (v == NETS[net].pkh || v == NETS[net].sh)) {
		memcpy(key, buf, 20);
		*type = v == NETS[net].pkh ? TP_BTC_P2PKH : TP_BTC_P2SH;
		*witver = 0;
		*key_len = 20;
		return TP_OK;
	}
	return tp_diag_set(d, TP_EPARSE,
			   "'%.100s' is not a valid %s Bitcoin address (Base58Check or "
			   "Bech32/Bech32m with prefix '%s')",
			   addr, NETS[net].name, NETS[net].hrp);
}

void tp_btc_hash_to_hex(const uint8_t hash[32], char out[TP_BTC_HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[hash[31 - i] >> 4];
		out[2 * i + 1] = hex[hash[31 - i] & 15];
	}
	out[64] = '\0';
}

enum tp_err tp_btc_hash_from_hex(const char *s, uint8_t hash[32])
{
	uint8_t tmp[32];
	for (int i = 0; i < 32; i++) {
		int hi = hexval(s[2 * i]);
		int lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return TP_EPARSE;
		tmp[31 - i] = (uint8_t)(hi << 4 | lo);
	}
	if (s[64] != '\0')
		return TP_EPARSE;
	memcpy(hash, tmp, 32);
	return TP_OK;
}
