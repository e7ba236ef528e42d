/*
 * Raw Bitcoin blocks, decoded by tripact itself: the consensus wire format
 * as Bitcoin Core stores it (blk*.dat files in a node's blocks directory)
 * and serves it (`getblock <hash> 0`, one hex block). Every transaction is
 * handed to a callback with its txid, its inputs (the outputs they spend)
 * and its outputs (value, script type, address), so a partner with a full
 * node imports straight from the node, with no export step.
 *
 *	struct tp_btc_decoder *dec;
 *	struct tp_btc_chain *chain;
 *	if (tp_btc_decoder_new(TP_BTC_MAINNET, 0, &dec) != TP_OK) ...
 *	if (tp_btc_chain_open("/srv/bitcoin/blocks", TP_BTC_MAINNET, &chain, &d))
 *		...
 *	// every transaction of the best chain, from height 800000 on
 *	e = tp_btc_chain_decode(chain, dec, 800000, -1, on_tx, ctx, &d);
 *
 *	static enum tp_err on_tx(void *ctx, const struct tp_btc_header *h,
 *				 const struct tp_btc_tx *tx)
 *	{
 *		for (size_t i = 0; i < tx->n_out; i++)
 *			credit(ctx, tx->out[i].address, tx->out[i].value);
 *		return TP_OK;
 *	}
 *
 * Byte order. Hashes (block hash, txid) are kept in internal byte order,
 * exactly as they appear on the wire and as SHA-256d produces them. Bitcoin
 * Core, block explorers and bitcoin-etl display them reversed; use
 * tp_btc_hash_to_hex() / tp_btc_hash_from_hex() to cross over.
 *
 * Addresses. Every output gets an address string the tracer can key value
 * by, never empty:
 *   - P2PKH, P2SH: Base58Check; P2WPKH, P2WSH: Bech32 (witness v0);
 *     P2TR, anchor and other witness versions 1..16: Bech32m; with the network's
 *     prefixes (1/3/bc on mainnet; m,n/2/tb on testnet and signet; bcrt on
 *     regtest).
 *   - P2PK (pay to a bare public key): the P2PKH address of that key,
 *     HASH160(pubkey). This is what older Bitcoin Core versions reported,
 *     and so bitcoin-etl exported (`addresses` of a "pubkey" output), and
 *     what explorers show; it puts coins paid to a key and to its hash
 *     under one address, which is what a tracer wants.
 *   - bare multisig, OP_RETURN and nonstandard scripts: "nonstandard"
 *     followed by the first 20 bytes (40 hex digits) of SHA-256(script), the
 *     bitcoin-etl convention for outputs without an address. The type field
 *     tells these apart from real addresses.
 * The same identity in binary form (tp_btc_txout_key) is cheaper to hash and
 * to store than the string; TP_BTC_NO_ADDRESS skips formatting the strings
 * and tp_btc_key_format() makes one on demand.
 *
 * Errors. Malformed input (truncated data, a varint beyond the buffer, a
 * count larger than the bytes left) gives TP_EPARSE with the byte offset of
 * the problem in the block, and in the file for blk*.dat, in the diag
 * message; column holds the block offset + 1 (for hex input: line, and the
 * column of the hex digits at that offset). Nothing is read past `len`.
 */
#ifndef TRIPACT_BTC_H
#define TRIPACT_BTC_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"

/* Longest address string with its NUL (a Bech32 string is at most 90). */
#define TP_BTC_ADDR_MAX 92
/* Longest block Bitcoin Core accepts on the wire (4,000,000 weight units). */
#define TP_BTC_BLOCK_MAX 4000000u
/* Bytes of a serialized block header. */
#define TP_BTC_HEADER_SIZE 80
/* Hex digits of a hash, with the NUL. */
#define TP_BTC_HASH_HEX 65

enum tp_btc_network {
	TP_BTC_MAINNET = 0,
	TP_BTC_TESTNET,	 /* testnet3 */
	TP_BTC_TESTNET4, /* testnet4 (BIP-94) */
	TP_BTC_SIGNET,	 /* the default signet */
	TP_BTC_REGTEST,
	TP_BTC_NETWORK_COUNT
};

/* Output script types, named as Bitcoin Core's `scriptPubKey.type`. */
enum tp_btc_script {
	TP_BTC_NONSTANDARD = 0, /* anything else */
	TP_BTC_P2PK,		/* <pubkey> OP_CHECKSIG ("pubkey") */
	TP_BTC_P2PKH,		/* "pubkeyhash" */
	TP_BTC_P2SH,		/* "scripthash" */
	TP_BTC_MULTISIG,	/* bare m-of-n OP_CHECKMULTISIG ("multisig") */
	TP_BTC_OP_RETURN,	/* "nulldata" */
	TP_BTC_P2WPKH,		/* "witness_v0_keyhash" */
	TP_BTC_P2WSH,		/* "witness_v0_scripthash" */
	TP_BTC_P2TR,		/* "witness_v1_taproot" */
	TP_BTC_WITNESS_UNKNOWN, /* other witness programs ("witness_unknown") */
	TP_BTC_ANCHOR,		/* v1 program 4e73, pay-to-anchor ("anchor", Core 28) */
	TP_BTC_SCRIPT_COUNT
};

struct tp_btc_txout {
	uint64_t value; /* satoshi */
	enum tp_btc_script type;
	uint8_t witness_version; /* 0..16 for witness types, else 0 */
	uint8_t key_len;	 /* bytes used in key */
	/*
	 * The address in binary: HASH160 for P2PKH, P2SH, P2WPKH and P2PK
	 * (of the key); the witness program for P2WSH, P2TR and unknown
	 * witness versions (2..40 bytes); the first 20 bytes of
	 * SHA-256(script) for multisig, OP_RETURN and nonstandard. Two
	 * outputs have the same address string exactly when they have the
	 * same tp_btc_address_class(type), witness_version and key.
	 */
	uint8_t key[40];
	const uint8_t *script; /* scriptPubKey, borrowed (inside the block) */
	size_t script_len;
	char address[TP_BTC_ADDR_MAX]; /* see "Addresses" above; "" only with
					  TP_BTC_NO_ADDRESS */
};

struct tp_btc_txin {
	uint8_t prev_txid[32]; /* internal byte order */
	uint32_t prev_index;   /* output index in that transaction */
	uint32_t sequence;
};

struct tp_btc_tx {
	uint8_t txid[32]; /* SHA-256d of the non-witness serialization */
	uint32_t index;	  /* position in the block, 0 = coinbase */
	int is_coinbase;  /* its one null-prevout input is not listed */
	int has_witness;  /* serialized with SegWit marker and flag */
	int32_t version;
	uint32_t locktime;
	size_t size; /* serialized bytes, witness included */
	size_t n_in, n_out;
	const struct tp_btc_txin *in;	/* borrowed, valid during the callback */
	const struct tp_btc_txout *out; /* borrowed, valid during the callback */
};

struct tp_btc_header {
	uint8_t hash[32];      /* SHA-256d of the 80-byte header */
	uint8_t prev_hash[32]; /* all zero for a genesis block */
	uint8_t merkle_root[32];
	int32_t version;
	uint32_t time; /* Unix seconds */
	uint32_t bits;
	uint32_t nonce;
	int64_t height; /* -1 when unknown */
	size_t n_tx;
	size_t size; /* serialized block bytes */
};

/*
 * Called once per transaction, in block order. Returning anything but TP_OK
 * stops decoding; that code is returned by the decode call. Everything
 * pointed to is borrowed and valid only during the call.
 */
typedef enum tp_err (*tp_btc_tx_fn)(void *ctx, const struct tp_btc_header *h,
				    const struct tp_btc_tx *tx);

/* Decoder flags. */
#define TP_BTC_NO_ADDRESS 0x1u /* leave txout.address empty (faster) */
/*
 * Check each block's merkle root (and reject CVE-2012-2459 mutations)
 * before any callback for it: a corrupt or altered block is TP_EPARSE at
 * block offset 36 and none of its transactions are delivered. Costs about
 * a third more hashing.
 */
#define TP_BTC_CHECK_MERKLE 0x2u

/*
 * A decoder holds the scratch arrays reused from block to block (no
 * allocation per transaction). One per thread; not shared.
 */
struct tp_btc_decoder;

enum tp_err tp_btc_decoder_new(enum tp_btc_network net, unsigned flags,
			       struct tp_btc_decoder **out) TP_MUST_CHECK;
void tp_btc_decoder_free(struct tp_btc_decoder *dec);

/*
 * Decodes one serialized block (raw, len: borrowed) and calls fn for each
 * transaction. height is stored in the header passed to fn (-1 unknown).
 * If h is not NULL it receives the header (n_tx, size filled) on success.
 * The whole block must be consumed exactly: trailing bytes are an error.
 */
enum tp_err tp_btc_block_decode(struct tp_btc_decoder *dec, const uint8_t *raw, size_t len,
				int64_t height, tp_btc_tx_fn fn, void *ctx, struct tp_btc_header *h,
				struct tp_diag *d) TP_MUST_CHECK;

/* Parses and hashes the 80-byte header at raw (len >= 80); height = -1. */
enum tp_err tp_btc_header_parse(const uint8_t *raw, size_t len, struct tp_btc_header *h,
				struct tp_diag *d) TP_MUST_CHECK;

/*
 * Formats an address from its binary form (as in struct tp_btc_txout) into
 * out (TP_BTC_ADDR_MAX bytes). TP_EINVAL if key_len does not fit the type.
 */
enum tp_err tp_btc_address_format(enum tp_btc_network net, enum tp_btc_script type,
				  uint8_t witness_version, const uint8_t *key, size_t key_len,
				  char out[TP_BTC_ADDR_MAX]) TP_MUST_CHECK;

/*
 * Classifies a scriptPubKey and fills type, witness_version, key, key_len
 * and (unless no_address) address of o; value and script are left alone.
 */
void tp_btc_script_classify(enum tp_btc_network net, const uint8_t *script, size_t len,
			    int no_address, struct tp_btc_txout *o);

/*
 * The address family of a type: P2PK counts as P2PKH, multisig and
 * OP_RETURN as nonstandard (they share the address text).
 */
enum tp_btc_script tp_btc_address_class(enum tp_btc_script type);

/* Bytes of the longest binary address key (class, version, 40-byte key). */
#define TP_BTC_KEY_MAX 42

/*
 * The output's address as a compact byte string for a dictionary: address
 * class, witness version and key (22 bytes for most outputs, at most
 * TP_BTC_KEY_MAX). Two outputs get equal keys exactly when their address
 * strings are equal. Returns the length written to out.
 */
size_t tp_btc_txout_key(const struct tp_btc_txout *o, uint8_t out[TP_BTC_KEY_MAX]);

/* The address string of a key made by tp_btc_txout_key (TP_EINVAL if bad). */
enum tp_err tp_btc_key_format(enum tp_btc_network net, const uint8_t *key, size_t len,
			      char out[TP_BTC_ADDR_MAX]) TP_MUST_CHECK;

/*
 * Parses an address string for net into its binary form: type (P2PKH,
 * P2SH, P2WPKH, P2WSH, P2TR, anchor, witness_unknown or nonstandard for the
 * "nonstandard<40 hex>" form), witness version, key (40 bytes) and
 * *key_len. Checksums are verified. TP_EPARSE with a message otherwise.
 */
enum tp_err tp_btc_address_parse(enum tp_btc_network net, const char *addr,
				 enum tp_btc_script *type, uint8_t *witness_version,
				 uint8_t key[40], size_t *key_len, struct tp_diag *d) TP_MUST_CHECK;

/* Bitcoin Core's name for a type ("pubkeyhash", "witness_v1_taproot"). */
const char *tp_btc_script_name(enum tp_btc_script type);

/* "main", "test", "testnet4", "signet", "regtest" and back. */
const char *tp_btc_network_name(enum tp_btc_network net);
enum tp_err tp_btc_network_parse(const char *name, enum tp_btc_network *out) TP_MUST_CHECK;

/* Hash in display order (reversed), 64 lowercase hex digits + NUL. */
void tp_btc_hash_to_hex(const uint8_t hash[32], char out[TP_BTC_HASH_HEX]);
/* 64 hex digits in display order to internal order; TP_EPARSE otherwise. */
enum tp_err tp_btc_hash_from_hex(const char *hex, uint8_t hash[32]) TP_MUST_CHECK;

/*
 * A Bitcoin Core blocks directory (or a list of blk*.dat files), indexed at
 * open: every block record's header is read (network magic and size
 * framing, the xor.dat obfuscation key of Bitcoin Core 28+, zero padding at
 * file ends, a partly written last record), the block tree is built and the
 * best chain (most cumulative work; on a tie, the tip seen first) is walked
 * back to its root. Heights count from the genesis block; a pruned
 * directory whose oldest block is not genesis takes the root's height from
 * its coinbase (BIP-34), or fails with TP_EUNSUPPORTED if it has none.
 * Blocks are read from disk only when decoded, so memory is about 130
 * bytes per block on disk. While a node is still downloading, blocks past
 * a gap are not connected to genesis and are left out until the gap fills.
 */
struct tp_btc_chain;

/*
 * path: a blocks directory (blk?????.dat files read in number order,
 * xor.dat applied if present), a node's data directory (its blocks/ is
 * used) or a single blk file. net selects the magic.
 */
enum tp_err tp_btc_chain_open(const char *path, enum tp_btc_network net, struct tp_btc_chain **out,
			      struct tp_diag *d) TP_MUST_CHECK;
void tp_btc_chain_free(struct tp_btc_chain *c);

/* Height of the best tip, -1 if the directory holds no block. */
int64_t tp_btc_chain_tip(const struct tp_btc_chain *c);
/* Height of the chain's root (0 unless the directory is pruned). */
int64_t tp_btc_chain_root(const struct tp_btc_chain *c);
/* Block records seen, including stale branches and duplicates. */
size_t tp_btc_chain_records(const struct tp_btc_chain *c);
/*
 * Files whose last record was cut short (a node writing, or a crash) and
 * were read up to that record; such a block, if needed, is missing from
 * the chain. Zero on a cleanly shut down node.
 */
size_t tp_btc_chain_truncated(const struct tp_btc_chain *c);

/*
 * Bytes of the best chain's blocks from height `from` to `to` inclusive
 * (clamped to [root, tip]; -1 for the tip), from the index: the total for
 * an import's progress bar (each callback's header has its block's size).
 */
uint64_t tp_btc_chain_bytes(const struct tp_btc_chain *c, int64_t from, int64_t to);

/*
 * The hash of the best chain's block at height, from the index (no disk
 * read). An incremental import checks that the last block it imported is
 * still on the best chain before resuming after it; if not, the node has
 * reorganised and the import must go back to where the chains agree.
 * TP_ENOTFOUND outside [root, tip].
 */
enum tp_err tp_btc_chain_hash(const struct tp_btc_chain *c, int64_t height,
			      uint8_t hash[32]) TP_MUST_CHECK;

/*
 * The raw block at height (borrowed, valid until the next call on c) and
 * its header (height set). TP_ENOTFOUND outside [root, tip].
 */
enum tp_err tp_btc_chain_block(struct tp_btc_chain *c, int64_t height, const uint8_t **raw,
			       size_t *len, struct tp_btc_header *h,
			       struct tp_diag *d) TP_MUST_CHECK;

/*
 * Decodes the best chain from height `from` (the resume point; values
 * below the root start at the root) to `to` inclusive (-1: the tip), in
 * height order, calling fn for every transaction.
 */
enum tp_err tp_btc_chain_decode(struct tp_btc_chain *c, struct tp_btc_decoder *dec, int64_t from,
				int64_t to, tp_btc_tx_fn fn, void *ctx,
				struct tp_diag *d) TP_MUST_CHECK;

/*
 * Hex blocks as `bitcoin-cli getblock <hash> 0` prints them: one block per
 * line (blank lines skipped; a line may be wrapped in double quotes, or be
 * a whole JSON-RPC reply {"result":"<hex>","error":null,...}, whose error
 * is reported). If first_height >= 0 the blocks are taken to be
 * consecutive from that height, and each must name the previous one as its
 * parent (TP_EPARSE otherwise); with -1 heights are unknown. Errors name
 * the line (diag line) and the byte offset in the block.
 */
enum tp_err tp_btc_hex_decode(struct tp_btc_decoder *dec, const char *text, size_t len,
			      int64_t first_height, tp_btc_tx_fn fn, void *ctx,
			      struct tp_diag *d) TP_MUST_CHECK;

/* The same, streaming a file (path; "-" is not special). */
enum tp_err tp_btc_hex_decode_file(struct tp_btc_decoder *dec, const char *path,
				   int64_t first_height, tp_btc_tx_fn fn, void *ctx,
				   struct tp_diag *d) TP_MUST_CHECK;

#endif
