/*
 * Text codecs for Bitcoin addresses, private to the trace module:
 * Base58Check (P2PKH, P2SH; base58.c) and Bech32/Bech32m segwit addresses
 * (BIP-173, BIP-350; bech32.c), plus SHA-256d and HASH160 on nettle.
 *
 *	char a[TP_BTC_ADDR_MAX];
 *	tp_base58check_encode(0x00, h160, 20, a, sizeof a);  // "1..."
 *	tp_bech32_segwit_encode("bc", 0, h160, 20, a, sizeof a); // "bc1q..."
 */
#ifndef TP_TRACE_BTC_CODEC_H
#define TP_TRACE_BTC_CODEC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Base58 of in[0..n) (n <= 128) into out (NUL-terminated). Returns the
 * string length, or 0 if outcap is too small.
 */
size_t tp_base58_encode(const uint8_t *in, size_t n, char *out, size_t outcap);
/* Decodes s (NUL-terminated); returns bytes written, or -1 on a bad digit
 * or if outcap is too small. */
long tp_base58_decode(const char *s, uint8_t *out, size_t outcap);

/* version byte + payload + 4-byte SHA-256d checksum, Base58. Returns the
 * length or 0 (payload over 64 bytes, outcap too small). */
size_t tp_base58check_encode(uint8_t version, const uint8_t *payload, size_t n, char *out,
			     size_t outcap);
/* Checks the checksum; *version and payload (out, at most outcap bytes).
 * Returns the payload length or -1. */
long tp_base58check_decode(const char *s, uint8_t *version, uint8_t *out, size_t outcap);

/*
 * A segwit address: hrp, witness version (0..16), program (2..40 bytes;
 * 20 or 32 for v0). Bech32 for v0, Bech32m otherwise. Returns the length
 * or 0 on an invalid combination or too small outcap.
 */
size_t tp_bech32_segwit_encode(const char *hrp, int witver, const uint8_t *prog, size_t prog_len,
			       char *out, size_t outcap);
/*
 * Decodes and checks a segwit address for hrp (case-insensitive input, not
 * mixed case; the right checksum variant for the version). Returns the
 * program length (prog: 40 bytes) and *witver, or -1.
 */
long tp_bech32_segwit_decode(const char *hrp, const char *addr, int *witver, uint8_t prog[40]);

/* SHA-256(SHA-256(p)) and RIPEMD-160(SHA-256(p)). */
void tp_btc_sha256d(const void *p, size_t n, uint8_t out[32]);
void tp_btc_hash160(const void *p, size_t n, uint8_t out[20]);

#endif
