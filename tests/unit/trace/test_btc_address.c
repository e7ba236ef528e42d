/*
 * Addresses and script types: Base58 vectors, the BIP-350 segwit address
 * vectors (tests/data/btc/, one line a case), Base58Check addresses whose
 * hashes are well known, and every output script type Bitcoin Core's
 * Solver() tells apart, including the edge cases (P2PK with a bad key
 * header, OP_RETURN followed by a non-push, witness v0 of the wrong size,
 * the v1 anchor).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "tp_test.h"
#include "trace/btc_codec.h"
#include "tripact/btc.h"

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		assert_true(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Calls fn(a, b) for each "a b..." line of a data file; returns the count. */
static int each_line(const char *rel, void (*fn)(char *a, char *b))
{
	char *text = tp_test_slurp(tp_test_path(rel), NULL);
	int n = 0;
	assert_non_null(text);
	for (char *save, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *sp = strchr(line, ' ');
		assert_non_null(sp);
		*sp = '\0';
		fn(line, sp + 1);
		n++;
	}
	free(text);
	return n;
}

static void base58_case(char *hex, char *text)
{
	uint8_t in[128], back[128];
	char out[256];
	size_t n = strcmp(hex, "-") == 0 ? 0 : unhex(hex, in, sizeof in);
	const char *want = strcmp(text, "-") == 0 ? "" : text;
	size_t len = tp_base58_encode(in, n, out, sizeof out);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(tp_base58_decode(want, back, sizeof back), (long)n);
	assert_memory_equal(back, in, n);
}

static void test_base58_vectors(void **state)
{
	(void)state;
	assert_int_equal(each_line("tests/data/btc/base58.txt", base58_case), 14);
	uint8_t b[8];
	char small[4];
	assert_int_equal(tp_base58_decode("0OIl", b, sizeof b), -1); /* not in the alphabet */
	assert_int_equal(tp_base58_encode((const uint8_t *)"\x61\x62\x63", 3, small, 4), 0);
}

static void test_base58check_addresses(void **state)
{
	(void)state;
	uint8_t key[40];
	char out[TP_BTC_ADDR_MAX];
	enum tp_btc_script type;
	uint8_t ver;
	size_t klen;
	/* the genesis block's coinbase key, and the Bitcoin wiki's P2SH example */
	unhex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18", key, sizeof key);
	assert_int_equal(tp_btc_address_format(TP_BTC_MAINNET, TP_BTC_P2PKH, 0, key, 20, out),
			 TP_OK);
	assert_string_equal(out, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
	unhex("b472a266d0bd89c13706a4132ccfb16f7c3b9fcb", key, sizeof key);
	assert_int_equal(tp_btc_address_format(TP_BTC_MAINNET, TP_BTC_P2SH, 0, key, 20, out),
			 TP_OK);
	assert_string_equal(out, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy");
	assert_int_equal(tp_btc_address_parse(TP_BTC_MAINNET, out, &type, &ver, key, &klen, NULL),
			 TP_OK);
	assert_int_equal(type, TP_BTC_P2SH);
	assert_int_equal(klen, 20);
	/* testnet prefixes; a mainnet address is not a testnet one */
	assert_int_equal(tp_btc_address_format(TP_BTC_TESTNET, TP_BTC_P2SH, 0, key, 20, out),
			 TP_OK);
	assert_int_equal(out[0], '2');
	struct tp_diag d = {0};
	assert_int_equal(tp_btc_address_parse(TP_BTC_TESTNET, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
					      &type, &ver, key, &klen, &d),
			 TP_EPARSE);
	assert_non_null(strstr(d.message, "not a valid test Bitcoin address"));
	/* one changed character breaks the checksum */
	assert_int_equal(tp_btc_address_parse(TP_BTC_MAINNET, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
					      &type, &ver, key, &klen, NULL),
			 TP_EPARSE);
	assert_int_equal(tp_btc_address_format(TP_BTC_MAINNET, TP_BTC_P2PKH, 0, key, 19, out),
			 TP_EINVAL);
}

static void segwit_valid_case(char *addr, char *spk_hex)
{
	uint8_t spk[64], prog[40];
	size_t n = unhex(spk_hex, spk, sizeof spk);
	char want[100], out[TP_BTC_ADDR_MAX];
	int ver;
	snprintf(want, sizeof want, "%s", addr);
	lower(want);
	const char *hrp = strncmp(want, "bc1", 3) == 0 ? "bc" : "tb";
	enum tp_btc_network net = hrp[0] == 'b' ? TP_BTC_MAINNET : TP_BTC_TESTNET;
	long pl = tp_bech32_segwit_decode(hrp, addr, &ver, prog);
	assert_int_equal(pl, (long)n - 2);
	assert_int_equal(ver ? 0x50 + ver : 0, spk[0]);
	assert_memory_equal(prog, spk + 2, n - 2);
	/* the script classifies to this address */
	struct tp_btc_txout o;
	tp_btc_script_classify(net, spk, n, 0, &o);
	assert_string_equal(o.address, want);
	assert_int_equal(o.witness_version, ver);
	assert_true(o.type == TP_BTC_P2WPKH || o.type == TP_BTC_P2WSH || o.type == TP_BTC_P2TR ||
		    o.type == TP_BTC_ANCHOR || o.type == TP_BTC_WITNESS_UNKNOWN);
	assert_int_equal(tp_bech32_segwit_encode(hrp, ver, prog, (size_t)pl, out, sizeof out),
			 strlen(want));
	assert_string_equal(out, want);
	/* and the address parses back to the same binary form */
	enum tp_btc_script type;
	uint8_t v, key[40];
	size_t klen;
	assert_int_equal(tp_btc_address_parse(net, addr, &type, &v, key, &klen, NULL), TP_OK);
	assert_int_equal(type, o.type);
	assert_int_equal(klen, o.key_len);
	assert_memory_equal(key, o.key, klen);
}

static void segwit_invalid_case(char *addr, char *why)
{
	uint8_t prog[40], key[40];
	int ver;
	enum tp_btc_script type;
	uint8_t v;
	size_t klen;
	if (tp_bech32_segwit_decode("bc", addr, &ver, prog) >= 0 ||
	    tp_bech32_segwit_decode("tb", addr, &ver, prog) >= 0)
		fail_msg("%s accepted (%s)", addr, why);
	assert_int_equal(tp_btc_address_parse(TP_BTC_MAINNET, addr, &type, &v, key, &klen, NULL),
			 TP_EPARSE);
	assert_int_equal(tp_btc_address_parse(TP_BTC_TESTNET, addr, &type, &v, key, &klen, NULL),
			 TP_EPARSE);
}

static void test_bip350_vectors(void **state)
{
	(void)state;
	assert_int_equal(each_line("tests/data/btc/segwit_valid.txt", segwit_valid_case), 8);
	assert_int_equal(each_line("tests/data/btc/segwit_invalid.txt", segwit_invalid_case), 15);
}

struct script_case {
	const char *hex;
	enum tp_btc_network net;
	enum tp_btc_script type;
	const char *address;
};

#define G   "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define K4  "21" G "21" G "21" G "21" G
#define K17 K4 K4 K4 K4 "21" G

static const struct script_case SCRIPTS[] = {
	{"21" G "ac", TP_BTC_MAINNET, TP_BTC_P2PK, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"},
	{"210579be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798ac", TP_BTC_MAINNET,
	 TP_BTC_NONSTANDARD, NULL}, /* key header 0x05 */
	{"76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", TP_BTC_MAINNET, TP_BTC_P2PKH,
	 "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"},
	{"76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", TP_BTC_REGTEST, TP_BTC_P2PKH,
	 "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"},
	{"0014751e76e8199196d454941c45d1b3a323f1433bd6", TP_BTC_REGTEST, TP_BTC_P2WPKH,
	 "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"},
	{"5121" G "21" G "52ae", TP_BTC_MAINNET, TP_BTC_MULTISIG,
	 "nonstandardec16f11ce09609e92feeab4efee80dac69b1a840"},
	{"5121" G "51ae", TP_BTC_MAINNET, TP_BTC_MULTISIG,
	 "nonstandard28205333db922f66e8a941b4a32d66de5cea03d9"},
	{"5221" G "51ae", TP_BTC_MAINNET, TP_BTC_NONSTANDARD, NULL}, /* 2-of-1 */
	{"", TP_BTC_MAINNET, TP_BTC_NONSTANDARD,
	 "nonstandarde3b0c44298fc1c149afbf4c8996fb92427ae41e4"},
	{"6a", TP_BTC_MAINNET, TP_BTC_OP_RETURN,
	 "nonstandard189f40034be7a199f1fa9891668ee3ab6049f82d"},
	{"6a0548656c6c6f", TP_BTC_MAINNET, TP_BTC_OP_RETURN,
	 "nonstandard1e46a0bb0714683e95f8b61f011bc33dc6553726"},
	{"6aac", TP_BTC_MAINNET, TP_BTC_NONSTANDARD,
	 "nonstandard93af8b469f9cfcfd82e49c981dd861f1fdf78bff"},
	{"6a05aabb", TP_BTC_MAINNET, TP_BTC_NONSTANDARD, NULL}, /* push runs past the end */
	{"0019"
	 "00000000000000000000000000000000000000000000000000",
	 TP_BTC_MAINNET, TP_BTC_NONSTANDARD, "nonstandard7acc09475078717e08654e6432c7cbf322556c24"},
	{"51024e73", TP_BTC_MAINNET, TP_BTC_ANCHOR, "bc1pfeessrawgf"},
	{"51024e74", TP_BTC_MAINNET, TP_BTC_WITNESS_UNKNOWN, NULL},
	/* keys pushed with OP_PUSHDATA1 count; 17 keys by a one-byte push */
	{"51"
	 "4c21" G "51ae",
	 TP_BTC_MAINNET, TP_BTC_MULTISIG, NULL},
	{"51"
	 "21" G "21" G "0102ae",
	 TP_BTC_MAINNET, TP_BTC_NONSTANDARD, NULL},		       /* non-minimal 2 */
	{"5121" G "52ae", TP_BTC_MAINNET, TP_BTC_NONSTANDARD, NULL},   /* says 2 keys, has 1 */
	{"5121" G "5175ae", TP_BTC_MAINNET, TP_BTC_NONSTANDARD, NULL}, /* OP_DROP before ae */
	{"51" K17 "0111ae", TP_BTC_MAINNET, TP_BTC_MULTISIG, NULL},
	{"51" K17 "51ae", TP_BTC_MAINNET, TP_BTC_NONSTANDARD, NULL},
	{"a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb88", TP_BTC_MAINNET, TP_BTC_NONSTANDARD,
	 NULL}, /* P2SH with OP_EQUALVERIFY */
};

static void test_script_types(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof SCRIPTS / sizeof SCRIPTS[0]; i++) {
		const struct script_case *c = &SCRIPTS[i];
		uint8_t s[1024];
		size_t n = unhex(c->hex, s, sizeof s);
		struct tp_btc_txout o, q;
		tp_btc_script_classify(c->net, s, n, 0, &o);
		if (o.type != c->type)
			fail_msg("case %zu (%s): type %s, want %s", i, c->hex,
				 tp_btc_script_name(o.type), tp_btc_script_name(c->type));
		if (c->address)
			assert_string_equal(o.address, c->address);
		assert_true(o.address[0] != '\0');
		/* without the address string: same binary form, empty string */
		tp_btc_script_classify(c->net, s, n, 1, &q);
		assert_int_equal(q.type, o.type);
		assert_int_equal(q.key_len, o.key_len);
		assert_memory_equal(q.key, o.key, o.key_len);
		assert_string_equal(q.address, "");
		/* the dictionary key formats to the same string */
		uint8_t k[TP_BTC_KEY_MAX];
		char again[TP_BTC_ADDR_MAX];
		size_t kl = tp_btc_txout_key(&q, k);
		assert_int_equal(kl, 2u + o.key_len);
		assert_int_equal(tp_btc_key_format(c->net, k, kl, again), TP_OK);
		assert_string_equal(again, o.address);
		/* and the string parses back to that binary form (by class) */
		enum tp_btc_script type;
		uint8_t v, key[40];
		size_t klen;
		assert_int_equal(
			tp_btc_address_parse(c->net, o.address, &type, &v, key, &klen, NULL),
			TP_OK);
		assert_int_equal(type, tp_btc_address_class(o.type));
		assert_int_equal(klen, o.key_len);
		assert_memory_equal(key, o.key, klen);
	}
}

static void test_keys_match_strings(void **state)
{
	(void)state;
	/* P2PK and P2PKH of the same key: one address, one key */
	uint8_t s1[64], s2[64], k1[TP_BTC_KEY_MAX], k2[TP_BTC_KEY_MAX];
	size_t n1 = unhex("21" G "ac", s1, sizeof s1);
	size_t n2 = unhex("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", s2, sizeof s2);
	struct tp_btc_txout a, b;
	tp_btc_script_classify(TP_BTC_MAINNET, s1, n1, 0, &a);
	tp_btc_script_classify(TP_BTC_MAINNET, s2, n2, 0, &b);
	assert_string_equal(a.address, b.address);
	assert_int_equal(tp_btc_txout_key(&a, k1), tp_btc_txout_key(&b, k2));
	assert_memory_equal(k1, k2, 22);
	/* P2SH with the same 20 bytes: another address, another key */
	n2 = unhex("a914751e76e8199196d454941c45d1b3a323f1433bd687", s2, sizeof s2);
	tp_btc_script_classify(TP_BTC_MAINNET, s2, n2, 0, &b);
	tp_btc_txout_key(&b, k2);
	assert_memory_not_equal(k1, k2, 22);
	char out[TP_BTC_ADDR_MAX];
	k2[0] = 200;
	assert_int_equal(tp_btc_key_format(TP_BTC_MAINNET, k2, 22, out), TP_EINVAL);
	assert_int_equal(tp_btc_key_format(TP_BTC_MAINNET, k2, 1, out), TP_EINVAL);
}

static void test_names_and_hashes(void **state)
{
	(void)state;
	enum tp_btc_network net;
	assert_int_equal(tp_btc_network_parse("mainnet", &net), TP_OK);
	assert_int_equal(net, TP_BTC_MAINNET);
	assert_int_equal(tp_btc_network_parse("regtest", &net), TP_OK);
	assert_int_equal(net, TP_BTC_REGTEST);
	assert_int_equal(tp_btc_network_parse("testnet4", &net), TP_OK);
	assert_int_equal(net, TP_BTC_TESTNET4);
	assert_int_equal(tp_btc_network_parse("dogecoin", &net), TP_EPARSE);
	assert_string_equal(tp_btc_script_name(TP_BTC_P2TR), "witness_v1_taproot");
	assert_string_equal(tp_btc_network_name(TP_BTC_SIGNET), "signet");

	const char *hex = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
	uint8_t h[32];
	char back[TP_BTC_HASH_HEX];
	assert_int_equal(tp_btc_hash_from_hex(hex, h), TP_OK);
	assert_int_equal(h[31], 0x00);
	assert_int_equal(h[0], 0x6f); /* internal order is reversed */
	tp_btc_hash_to_hex(h, back);
	assert_string_equal(back, hex);
	assert_int_equal(tp_btc_hash_from_hex("00ff", h), TP_EPARSE);
	assert_int_equal(
		tp_btc_hash_from_hex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b"
				     "60a8ce26f00",
				     h),
		TP_EPARSE);
	assert_int_equal(
		tp_btc_hash_from_hex("x00000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b"
				     "60a8ce26f",
				     h),
		TP_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base58_vectors),
		cmocka_unit_test(test_base58check_addresses),
		cmocka_unit_test(test_bip350_vectors),
		cmocka_unit_test(test_script_types),
		cmocka_unit_test(test_keys_match_strings),
		cmocka_unit_test(test_names_and_hashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
