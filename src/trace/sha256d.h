/*
 * Double SHA-256 of messages given in pieces, two at a time where the CPU
 * has the SHA extensions. A txid is SHA-256d of a transaction without its
 * SegWit marker, flag and witness: three byte ranges of the block, hashed
 * in place as one message.
 *
 *	struct tp_btc_msg a = {{ver, body, lock}, {4, body_len, 4}}, b = ...;
 *	tp_btc_sha256d_two(&a, &b, ida, idb);
 *
 * One hash on SHA-NI waits on each round's result (the rounds of a block
 * are a chain), so the core sits mostly idle; two independent messages'
 * rounds interleaved fill those gaps and take little longer than one.
 * Without SHA-NI (or with it turned off) both go through nettle.
 */
#ifndef TP_TRACE_SHA256D_H
#define TP_TRACE_SHA256D_H

#include <stddef.h>
#include <stdint.h>

/* A message: the concatenation of len[0] bytes at part[0], len[1] at
 * part[1] and len[2] at part[2] (borrowed; a length may be 0). */
struct tp_btc_msg {
	const uint8_t *part[3];
	size_t len[3];
};

/* SHA-256(SHA-256(a)) into outa and the same of b into outb. */
void tp_btc_sha256d_two(const struct tp_btc_msg *a, const struct tp_btc_msg *b, uint8_t outa[32],
			uint8_t outb[32]);
/* SHA-256(SHA-256(m)), one message. */
void tp_btc_sha256d_msg(const struct tp_btc_msg *m, uint8_t out[32]);
/* The same through nettle alone (the reference the fast path is tested
 * and timed against). */
void tp_btc_sha256d_nettle(const struct tp_btc_msg *m, uint8_t out[32]);
/* Whether the SHA-NI path is in use: the CPU has it and it is not turned
 * off. tp_btc_sha256_use_ni(0) turns it off (for tests and benchmarks;
 * not thread safe: call before hashing starts); 1 turns it back on where
 * the CPU has it. */
int tp_btc_sha256_ni(void);
void tp_btc_sha256_use_ni(int on);

#endif
