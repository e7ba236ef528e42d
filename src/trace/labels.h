/*
 * Label lookups for the tracer (private to src/trace): a trace asks
 * about tens of thousands of addresses of one chain, so the chain's part
 * of the key (and of its hash) is made once, and each address is hashed
 * in place, in one pass, without building the key.
 */
#ifndef TP_TRACE_LABELS_H
#define TP_TRACE_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/trace.h"

struct tpl_chain {
	char key[32]; /* the chain, lower case, NUL included */
	size_t len;   /* bytes of key used; 0 for a chain name too long to fit */
	uint64_t h;   /* the hash of key[0..len) */
};

/* Prepares chain ("btc", "eth") for tpl_get. */
void tpl_chain_init(struct tpl_chain *c, const char *chain);
/* tp_trace_labels_get(l, chain, address, name) for c made from chain. */
enum tp_label_cat tpl_get(const struct tp_trace_labels *l, const struct tpl_chain *c,
			  const char *address, const char **name);

#endif
