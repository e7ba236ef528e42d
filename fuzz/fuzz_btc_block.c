/*
 * Fuzzes the raw Bitcoin block decoder, the hex block reader and the
 * address parser with the same bytes; an input that starts with the
 * regtest network magic is also read as a blk*.dat file (framing, block
 * tree, best chain, decoding with the merkle check). Contract checked: malformed input is
 * TP_EPARSE (or TP_ELIMIT for an oversized hex line) with a message naming
 * the byte offset, line or file offset, never a crash, hang or
 * out-of-bounds read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tripact/btc.h"

static enum tp_err touch(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	uint64_t *sum = ctx;
	*sum += h->n_tx + tx->txid[0];
	for (size_t i = 0; i < tx->n_in; i++)
		*sum += tx->in[i].prev_index + tx->in[i].prev_txid[31];
	for (size_t i = 0; i < tx->n_out; i++) {
		const struct tp_btc_txout *o = &tx->out[i];
		if (o->address[0] == '\0' || strlen(o->address) >= TP_BTC_ADDR_MAX)
			abort(); /* every output has an address */
		if (o->script_len)
			*sum += o->script[o->script_len - 1];
		*sum += o->value;
	}
	return TP_OK;
}

/* The bytes as a blk file (an in-memory file named through /proc). */
static void as_blk_file(struct tp_btc_decoder *dec, const uint8_t *data, size_t size, uint64_t *sum)
{
	int fd = memfd_create("blk00000.dat", 0);
	char path[64];
	struct tp_btc_chain *c;
	struct tp_diag d = {0};
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	enum tp_err e = tp_btc_chain_open(path, TP_BTC_REGTEST, &c, &d);
	if (e == TP_OK) {
		if (tp_btc_chain_tip(c) < tp_btc_chain_root(c) - 1)
			abort();
		e = tp_btc_chain_decode(c, dec, 0, -1, touch, sum, &d);
		if (e == TP_EPARSE && !strstr(d.message, "offset"))
			abort();
		tp_btc_chain_free(c);
	} else if (e == TP_EPARSE && !strstr(d.message, "offset")) {
		abort();
	} else if (e != TP_EPARSE && e != TP_EUNSUPPORTED && e != TP_ENOMEM) {
		abort();
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_btc_decoder *dec;
	struct tp_diag d = {0};
	uint64_t sum = 0;
	enum tp_err e;
	if (!dec && tp_btc_decoder_new(TP_BTC_MAINNET, 0, &dec) != TP_OK)
		return 0;

	e = tp_btc_block_decode(dec, data, size, -1, touch, &sum, NULL, &d);
	if (e == TP_EPARSE && !strstr(d.message, "offset"))
		abort();
	if (e != TP_OK && e != TP_EPARSE && e != TP_ENOMEM)
		abort();

	tp_diag_clear(&d);
	e = tp_btc_hex_decode(dec, (const char *)data, size, 0, touch, &sum, &d);
	if ((e == TP_EPARSE || e == TP_ELIMIT) && !strstr(d.message, "line "))
		abort();
	if (e != TP_OK && e != TP_EPARSE && e != TP_ELIMIT && e != TP_ENOMEM)
		abort();

	if (size >= 4 && memcmp(data, "\xfa\xbf\xb5\xda", 4) == 0) {
		static struct tp_btc_decoder *rdec;
		if (rdec || tp_btc_decoder_new(TP_BTC_REGTEST, TP_BTC_CHECK_MERKLE, &rdec) == TP_OK)
			as_blk_file(rdec, data, size, &sum);
	}

	char addr[128];
	size_t n = size < sizeof addr - 1 ? size : sizeof addr - 1;
	memcpy(addr, data, n);
	addr[n] = '\0';
	enum tp_btc_script type;
	uint8_t ver, key[40];
	size_t klen;
	if (tp_btc_address_parse(TP_BTC_MAINNET, addr, &type, &ver, key, &klen, NULL) == TP_OK) {
		char back[TP_BTC_ADDR_MAX];
		if (tp_btc_address_format(TP_BTC_MAINNET, type, ver, key, klen, back) != TP_OK)
			abort(); /* what parses, formats */
	}
	return 0;
}
