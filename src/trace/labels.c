/*
 * Address labels: who owns an address, as far as anyone has published.
 * Three sources, one table keyed by (chain, address):
 *
 *	GraphSense TagPack (YAML)   header fields (category, abuse, label,
 *	                            source, currency) apply to every tag
 *	                            unless the tag overrides them
 *	CSV                         chain,address,category,name,source
 *	OFAC list                   sanctioned_addresses_XBT.txt: one
 *	                            address a line, category "sanctioned"
 *
 * e.g. the TagPack header `category: exchange` with a tag
 * `{address: 34xp4v..., currency: BTC, label: binance}` becomes
 * (btc, 34xp4v...) -> exchange "binance". Ethereum addresses are stored
 * in lower case (EIP-55 mixed case is only a checksum).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "bigmem.h"
#include "labels.h"
#include "reader.h"
#include "tripact/trace.h"

struct label {
	char *key; /* "chain\0address" */
	uint32_t keylen;
	uint32_t tag; /* upper half of the key's hash: most probes skip the key */
	enum tp_label_cat cat;
	char *name, *source;
};

struct tp_trace_labels {
	struct label *slots; /* in huge pages when large (bigmem.h): probes land anywhere */
	size_t cap, n, slotsmap;
	/* cap * 4 bits, one set for each key's hash: most addresses a trace
	 * asks about have no label, and a clear bit answers without a probe */
	uint64_t *seen;
};

static const char *const cat_names[TP_CAT_COUNT] = {
	"held", "exchange", "mixer", "bridge", "service", "sanctioned", "theft", "other"};

const char *tp_label_cat_name(enum tp_label_cat c)
{
	return c < TP_CAT_COUNT ? cat_names[c] : "other";
}

enum tp_label_cat tp_label_cat_parse(const char *s)
{
	for (int i = 1; i < TP_CAT_COUNT; i++)
		if (strcmp(s, cat_names[i]) == 0)
			return (enum tp_label_cat)i;
	return TP_CAT_NONE;
}

/* Lower is stronger: the category kept when an address is labelled twice. */
static int rank(enum tp_label_cat c)
{
	static const int r[TP_CAT_COUNT] = {9, 0, 1, 2, 3, 4, 5, 6};
	return r[c];
}

enum tp_err tp_trace_labels_new(struct tp_trace_labels **out)
{
	struct tp_trace_labels *l = calloc(1, sizeof *l);
	if (!l)
		return TP_ENOMEM;
	*out = l;
	return TP_OK;
}

void tp_trace_labels_free(struct tp_trace_labels *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->cap; i++) {
		free(l->slots[i].key);
		free(l->slots[i].name);
		free(l->slots[i].source);
	}
	tpt_big_free(l->slots, l->slotsmap);
	free(l->seen);
	free(l);
}

size_t tp_trace_labels_count(const struct tp_trace_labels *l)
{
	return l ? l->n : 0;
}

/* The longest key, NUL included. */
#define KEY_MAX 512
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/*
 * Key hashes go 8 bytes at a time: a trace asks about ~100,000 addresses
 * of 34-42 characters, and a byte-at-a-time hash (one multiply a byte,
 * each waiting on the last) was most of a lookup. The hash of a key is
 * that of its chain part (chain and NUL, made once per trace) carried on
 * over the address, so lookups need not build the key.
 */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ h >> 32;
}

/* Upper-case ASCII letters of the 8 bytes in w made lower case. */
static uint64_t lower8(uint64_t w)
{
	uint64_t low7 = w & ~HIGHS; /* no carry from one byte into the next */
	uint64_t from_a = low7 + (0x80 - 'A') * ONES, past_z = low7 + (0x80 - 'Z' - 1) * ONES;
	return w | ((from_a & ~past_z & ~w & HIGHS) >> 2);
}

/* h carried on over s[0..n), lower-cased first if fold. */
static uint64_t hash_more(uint64_t h, const char *s, size_t n, int fold)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = mix(h, fold ? lower8(w) : w);
	}
	if (i < n) {
		uint64_t w = 0;
		memcpy(&w, s + i, n - i);
		h = mix(h, fold ? lower8(w) : w);
	}
	/* the length, then a final mix: the table uses low and high bits */
	h ^= n;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ h >> 33;
}

/* The hash of a chain part (chain and its NUL, n bytes). */
static uint64_t hash_chain(const char *chain, size_t n)
{
	return hash_more(0x243f6a8885a308d3ULL, chain, n, 0);
}

/* The hash of key[0..n): chain NUL address, as made by make_key. */
static uint64_t hash(const char *key, size_t n)
{
	size_t c = strlen(key) + 1;
	return hash_more(hash_chain(key, c), key + c, n - c, 0);
}

/* ASCII only, whatever the locale: keys are made and looked up alike. */
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

static int hex_address(const char *addr)
{
	return addr[0] == '0' && (addr[1] == 'x' || addr[1] == 'X') && addr[2];
}

/* key = chain NUL address (lower-cased when 0x-prefixed); returns length. */
static size_t make_key(char *key, size_t cap, const char *chain, const char *addr)
{
	size_t c = strlen(chain), a = strlen(addr);
	if (c + a + 2 > cap)
		return 0;
	for (size_t i = 0; i <= c; i++)
		key[i] = lower(chain[i]);
	int low = hex_address(addr);
	for (size_t i = 0; i < a; i++)
		key[c + 1 + i] = low ? lower(addr[i]) : addr[i];
	key[c + 1 + a] = '\0';
	return c + 1 + a;
}

/* The slot of key (hash h), or the empty slot where it would go. */
static struct label *slot(const struct tp_trace_labels *l, const char *key, size_t n, uint64_t h)
{
	for (size_t i = h & (l->cap - 1);; i = (i + 1) & (l->cap - 1)) {
		struct label *s = &l->slots[i];
		if (!s->key ||
		    (s->tag == (uint32_t)(h >> 32) && s->keylen == n && memcmp(s->key, key, n) == 0))
			return s;
	}
}

static size_t seen_bit(const struct tp_trace_labels *l, uint64_t h)
{
	return (size_t)(h >> 32) & (l->cap * 4 - 1);
}

static int seen(const struct tp_trace_labels *l, uint64_t h)
{
	size_t b = seen_bit(l, h);
	return l->seen[b / 64] >> (b % 64) & 1;
}

static void mark_seen(struct tp_trace_labels *l, uint64_t h)
{
	size_t b = seen_bit(l, h);
	l->seen[b / 64] |= 1ull << (b % 64);
}

static enum tp_err put(struct tp_trace_labels *l, const char *chain, const char *addr,
		       enum tp_label_cat cat, const char *name, const char *source)
{
	char key[KEY_MAX];
	size_t n = make_key(key, sizeof key, chain, addr);
	if (!n || !*addr)
		return TP_EINVAL;
	if ((l->n + 1) * 2 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct label *old = l->slots;
		size_t oldcap = l->cap, oldmap = l->slotsmap;
		uint64_t *bits = calloc(cap / 16, sizeof *bits);
		l->slots = tpt_big_zalloc(cap, sizeof *l->slots, &l->slotsmap);
		if (!l->slots || !bits) {
			tpt_big_free(l->slots, l->slotsmap);
			free(bits);
			l->slots = old;
			l->slotsmap = oldmap;
			return TP_ENOMEM;
		}
		free(l->seen);
		l->seen = bits;
		l->cap = cap;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].key) {
				uint64_t h = hash(old[i].key, old[i].keylen);
				*slot(l, old[i].key, old[i].keylen, h) = old[i];
				mark_seen(l, h);
			}
		tpt_big_free(old, oldmap);
	}
	uint64_t h = hash(key, n);
	struct label *s = slot(l, key, n, h);
	if (s->key) {
		if (rank(cat) >= rank(s->cat))
			return TP_OK;
		free(s->name);
		free(s->source);
	} else {
		s->key = malloc(n + 1);
		if (!s->key)
			return TP_ENOMEM;
		memcpy(s->key, key, n + 1);
		s->keylen = (uint32_t)n;
		s->tag = (uint32_t)(h >> 32);
		mark_seen(l, h);
		l->n++;
	}
	s->cat = cat;
	s->name = strdup(name ? name : "");
	s->source = strdup(source ? source : "");
	return s->name && s->source ? TP_OK : TP_ENOMEM;
}

enum tp_label_cat tp_trace_labels_get(const struct tp_trace_labels *l, const char *chain,
				      const char *address, const char **name)
{
	char key[KEY_MAX];
	size_t n;
	if (!l || !l->cap || !(n = make_key(key, sizeof key, chain, address)))
		return TP_CAT_NONE;
	uint64_t h = hash(key, n);
	if (!seen(l, h))
		return TP_CAT_NONE;
	struct label *s = slot(l, key, n, h);
	if (!s->key)
		return TP_CAT_NONE;
	if (name)
		*name = s->name;
	return s->cat;
}

void tpl_chain_init(struct tpl_chain *c, const char *chain)
{
	size_t n = strlen(chain);
	c->len = 0;
	if (n + 1 > sizeof c->key)
		return; /* no address of it can be labelled: see tpl_get */
	for (size_t i = 0; i <= n; i++)
		c->key[i] = lower(chain[i]);
	c->len = n + 1;
	c->h = hash_chain(c->key, c->len);
}

enum tp_label_cat tpl_get(const struct tp_trace_labels *l, const struct tpl_chain *c,
			  const char *address, const char **name)
{
	if (!l || !l->cap || !c->len)
		return TP_CAT_NONE;
	/* the key's hash from the chain's, no copy of the address */
	int low = hex_address(address);
	size_t a = strlen(address);
	if (c->len + a + 1 > KEY_MAX)
		return TP_CAT_NONE; /* too long to be a key */
	uint64_t h = hash_more(c->h, address, a, low);
	if (!seen(l, h))
		return TP_CAT_NONE;
	for (size_t i = h & (l->cap - 1);; i = (i + 1) & (l->cap - 1)) {
		const struct label *s = &l->slots[i];
		if (!s->key)
			return TP_CAT_NONE;
		if (s->tag != (uint32_t)(h >> 32) || s->keylen != c->len + a ||
		    memcmp(s->key, c->key, c->len))
			continue;
		size_t k = 0;
		while (k < a && s->key[c->len + k] == (low ? lower(address[k]) : address[k]))
			k++;
		if (k < a)
			continue;
		if (name)
			*name = s->name;
		return s->cat;
	}
}

/* The chain of a TagPack currency or OFAC ticker ("BTC", "XBT" -> "btc"). */
static void currency_chain(const char *cur, const char *addr, char *out, size_t cap)
{
	if (!strcasecmp(cur, "xbt") || !strcasecmp(cur, "btc"))
		snprintf(out, cap, "btc");
	else if (!strcasecmp(cur, "usdt") || !strcasecmp(cur, "usdc"))
		snprintf(out, cap, "%s", addr[0] == '0' && addr[1] == 'x' ? "eth" : "trx");
	else {
		size_t i = 0;
		for (; cur[i] && i + 1 < cap; i++)
			out[i] = (char)tolower((unsigned char)cur[i]);
		out[i] = '\0';
	}
}

/* TagPack category + abuse -> one of ours. */
static enum tp_label_cat tagpack_cat(const char *cat, const char *abuse)
{
	static const char *const services[] = {
		"service", "wallet_service", "payment_processor", "gambling", "market", "shop",
		"defi", "defi_dex", "defi_lending", "dex", "miner", "mining_service", "faucet",
		"atm", "otc_broker", "hosting", NULL};
	if (cat) {
		if (!strcmp(cat, "exchange"))
			return TP_CAT_EXCHANGE;
		if (!strcmp(cat, "mixing_service") || !strcmp(cat, "mixer") ||
		    !strcmp(cat, "coinjoin"))
			return TP_CAT_MIXER;
		if (!strcmp(cat, "bridge") || !strcmp(cat, "defi_bridge"))
			return TP_CAT_BRIDGE;
		for (int i = 0; services[i]; i++)
			if (!strcmp(cat, services[i]))
				return TP_CAT_SERVICE;
	}
	if (abuse) {
		if (!strcmp(abuse, "sanction"))
			return TP_CAT_SANCTIONED;
		if (!strcmp(abuse, "hack") || !strcmp(abuse, "theft"))
			return TP_CAT_THEFT;
	}
	if (cat) {
		enum tp_label_cat c = tp_label_cat_parse(cat);
		if (c)
			return c;
	}
	return TP_CAT_OTHER;
}

/* ---- TagPack YAML ---------------------------------------------------- */

static const char *scalar(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return v && v->type == YAML_SCALAR_NODE ? (char *)v->data.scalar.value
								 : NULL;
	}
	return NULL;
}

static yaml_node_t *child(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *pick(yaml_document_t *doc, yaml_node_t *tag, yaml_node_t *root, const char *k)
{
	const char *v = scalar(doc, tag, k);
	return v ? v : scalar(doc, root, k);
}

static enum tp_err load_tagpack(struct tp_trace_labels *l, const char *path, size_t *added,
				struct tp_diag *d)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return tp_diag_set(d, TP_EIO, "%s: %s", path, strerror(errno));
	yaml_parser_t p;
	yaml_document_t doc;
	enum tp_err e = TP_OK;
	if (!yaml_parser_initialize(&p)) {
		fclose(f);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &doc)) {
		e = tp_diag_set(d, TP_EPARSE, "%s:%lu:%lu: YAML: %s", path,
				(unsigned long)p.problem_mark.line + 1,
				(unsigned long)p.problem_mark.column + 1,
				p.problem ? p.problem : "unreadable");
		if (d)
			d->line = (long)p.problem_mark.line + 1;
		yaml_parser_delete(&p);
		fclose(f);
		return e;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *tags = root && root->type == YAML_MAPPING_NODE ? child(&doc, root, "tags") : NULL;
	if (!tags || tags->type != YAML_SEQUENCE_NODE) {
		e = tp_diag_set(d, TP_EPARSE, "%s: not a TagPack (no 'tags:' list)", path);
		goto out;
	}
	for (yaml_node_item_t *it = tags->data.sequence.items.start;
	     it < tags->data.sequence.items.top; it++) {
		yaml_node_t *tag = yaml_document_get_node(&doc, *it);
		const char *addr = scalar(&doc, tag, "address");
		const char *cur = pick(&doc, tag, root, "currency");
		if (!tag || tag->type != YAML_MAPPING_NODE || !addr || !cur) {
			unsigned long line = tag ? (unsigned long)tag->start_mark.line + 1 : 0;
			e = tp_diag_set(d, TP_EPARSE, "%s:%lu: tag needs 'address' and 'currency'", path,
					line);
			if (d)
				d->line = (long)line;
			goto out;
		}
		char chain[16];
		currency_chain(cur, addr, chain, sizeof chain);
		const char *name = pick(&doc, tag, root, "label");
		if (!name)
			name = pick(&doc, tag, root, "actor");
		enum tp_label_cat c =
			tagpack_cat(pick(&doc, tag, root, "category"), pick(&doc, tag, root, "abuse"));
		if ((e = put(l, chain, addr, c, name, pick(&doc, tag, root, "source"))) != TP_OK) {
			e = tp_diag_set(d, e, "%s:%lu: cannot add address '%s'", path,
					(unsigned long)tag->start_mark.line + 1, addr);
			goto out;
		}
		if (added)
			(*added)++;
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	fclose(f);
	return e;
}

/* ---- CSV and OFAC lists ------------------------------------------------ */

static enum tp_err load_csv(struct tp_trace_labels *l, const char *path, size_t *added,
			    struct tp_diag *d)
{
	struct tpr r = {0};
	enum tp_err e = tpr_open(&r, path, d);
	if (e != TP_OK)
		return e;
	char *f[TPR_MAX_FIELDS];
	int col[5] = {-1, -1, -1, -1, -1}, rc, header = 1;
	static const char *const want[5] = {"chain", "address", "category", "name", "source"};
	while ((rc = tpr_next(&r, d)) > 0) {
		if (r.len == 0 || r.line[0] == '#')
			continue;
		int n = tpr_csv_split(r.line, f, TPR_MAX_FIELDS);
		if (n < 0) {
			e = tpr_bad(&r, d, TP_EPARSE, "malformed CSV row (unterminated quote)");
			break;
		}
		if (header) {
			header = 0;
			for (int i = 0; i < n; i++)
				for (int k = 0; k < 5; k++)
					if (!strcmp(f[i], want[k]))
						col[k] = i;
			if (col[0] < 0 || col[1] < 0 || col[2] < 0) {
				e = tpr_bad(&r, d, TP_EPARSE,
					    "label CSV needs the header chain,address,category,name,"
					    "source");
				break;
			}
			continue;
		}
		if (col[0] >= n || col[1] >= n || col[2] >= n) {
			e = tpr_bad(&r, d, TP_EPARSE, "malformed CSV row: %d fields", n);
			break;
		}
		enum tp_label_cat c = tp_label_cat_parse(f[col[2]]);
		if (!c) {
			e = tpr_bad(&r, d, TP_EPARSE,
				    "unknown category '%s' (exchange, mixer, bridge, service, "
				    "sanctioned, theft, other)",
				    f[col[2]]);
			break;
		}
		const char *name = col[3] >= 0 && col[3] < n ? f[col[3]] : "";
		const char *src = col[4] >= 0 && col[4] < n ? f[col[4]] : "";
		if (!*f[col[0]] || !*f[col[1]]) {
			e = tpr_bad(&r, d, TP_EPARSE, "empty chain or address");
			break;
		}
		if ((e = put(l, f[col[0]], f[col[1]], c, name, src)) != TP_OK) {
			e = tpr_bad(&r, d, e, "cannot add address '%s'", f[col[1]]);
			break;
		}
		if (added)
			(*added)++;
	}
	if (rc < 0)
		e = d ? d->code : TP_EIO;
	tpr_close(&r);
	return e;
}

static enum tp_err load_ofac(struct tp_trace_labels *l, const char *path, const char *ticker,
			     size_t *added, struct tp_diag *d)
{
	struct tpr r = {0};
	enum tp_err e = tpr_open(&r, path, d);
	if (e != TP_OK)
		return e;
	int rc;
	while ((rc = tpr_next(&r, d)) > 0) {
		char *a = r.line;
		while (*a == ' ' || *a == '\t')
			a++;
		size_t n = strlen(a);
		while (n && (a[n - 1] == ' ' || a[n - 1] == '\t'))
			a[--n] = '\0';
		if (!n || *a == '#')
			continue;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)a[i])) {
				e = tpr_bad(&r, d, TP_EPARSE, "not an address: '%s'", a);
				goto out;
			}
		char chain[16];
		currency_chain(ticker, a, chain, sizeof chain);
		if ((e = put(l, chain, a, TP_CAT_SANCTIONED, "OFAC SDN list", "OFAC")) != TP_OK) {
			e = tpr_bad(&r, d, e, "cannot add address '%s'", a);
			goto out;
		}
		if (added)
			(*added)++;
	}
	if (rc < 0)
		e = d ? d->code : TP_EIO;
out:
	tpr_close(&r);
	return e;
}

enum tp_err tp_trace_labels_load(struct tp_trace_labels *l, const char *path, size_t *added,
				 struct tp_diag *d)
{
	size_t local = 0;
	if (!added)
		added = &local;
	*added = 0;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if ((n > 5 && !strcmp(base + n - 5, ".yaml")) || (n > 4 && !strcmp(base + n - 4, ".yml")))
		return load_tagpack(l, path, added, d);
	if (n > 4 && !strcmp(base + n - 4, ".csv"))
		return load_csv(l, path, added, d);
	const char *pfx = "sanctioned_addresses_";
	if (!strncmp(base, pfx, strlen(pfx)) && n > strlen(pfx) + 4 &&
	    !strcmp(base + n - 4, ".txt")) {
		char ticker[16];
		size_t t = n - strlen(pfx) - 4;
		if (t >= sizeof ticker)
			t = sizeof ticker - 1;
		memcpy(ticker, base + strlen(pfx), t);
		ticker[t] = '\0';
		return load_ofac(l, path, ticker, added, d);
	}
	return tp_diag_set(d, TP_EINVAL,
			   "%s: unknown label file kind (TagPack .yaml, .csv, or "
			   "sanctioned_addresses_<TICKER>.txt)",
			   path);
}

static int csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r"))
		return fputs(s, f) < 0;
	int bad = fputc('"', f) == EOF;
	for (; *s; s++) {
		if (*s == '"')
			bad |= fputc('"', f) == EOF;
		bad |= fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f) == EOF;
	}
	return bad | (fputc('"', f) == EOF);
}

/* Orders labels by chain, then address (keys are "chain\0address"). */
static int cmp_label(const void *a, const void *b)
{
	const struct label *x = *(const struct label *const *)a, *y = *(const struct label *const *)b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->key + strlen(x->key) + 1, y->key + strlen(y->key) + 1);
}

/* Sorted by chain and address, so a listing (and labels.csv) does not
 * depend on the table's hash. */
enum tp_err tp_trace_labels_write_csv(const struct tp_trace_labels *l, FILE *f)
{
	const struct label **all = malloc((l && l->n ? l->n : 1) * sizeof *all);
	if (!all)
		return TP_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; l && i < l->cap; i++)
		if (l->slots[i].key)
			all[n++] = &l->slots[i];
	qsort(all, n, sizeof *all, cmp_label);
	int bad = fputs("chain,address,category,name,source\n", f) < 0;
	for (size_t i = 0; i < n; i++) {
		const struct label *s = all[i];
		const char *addr = s->key + strlen(s->key) + 1;
		bad |= csv_field(f, s->key) | (fputc(',', f) == EOF) | csv_field(f, addr) |
		       (fputc(',', f) == EOF) | csv_field(f, tp_label_cat_name(s->cat)) |
		       (fputc(',', f) == EOF) | csv_field(f, s->name) | (fputc(',', f) == EOF) |
		       csv_field(f, s->source) | (fputc('\n', f) == EOF);
	}
	free(all);
	return bad ? TP_EIO : TP_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every file in dir whose name starts with prefix and ends with suffix. */
static enum tp_err load_dir(struct tp_trace_labels *l, const char *dir, const char *prefix,
			    const char *suffix, size_t *added, struct tp_diag *d)
{
	DIR *dh = opendir(dir);
	if (!dh)
		return tp_diag_set(d, TP_ENOTFOUND, "%s: %s (set TRIPACT_DATA_DIR)", dir,
				   strerror(errno));
	char **names = NULL;
	size_t n = 0;
	enum tp_err e = TP_OK;
	struct dirent *de;
	while ((de = readdir(dh))) {
		size_t len = strlen(de->d_name), sl = strlen(suffix);
		if (strncmp(de->d_name, prefix, strlen(prefix)) || len < sl ||
		    strcmp(de->d_name + len - sl, suffix))
			continue;
		char **q = realloc(names, (n + 1) * sizeof *names);
		if (!q || !(q[n] = strdup(de->d_name))) {
			names = q ? q : names;
			e = TP_ENOMEM;
			break;
		}
		names = q;
		n++;
	}
	closedir(dh);
	if (names)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && e == TP_OK; i++) {
		char path[4096];
		size_t k = 0;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		e = tp_trace_labels_load(l, path, &k, d);
		*added += k;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return e;
}

enum tp_err tp_trace_labels_load_defaults(struct tp_trace_labels *l, size_t *added,
					  struct tp_diag *d)
{
	const char *data = getenv("TRIPACT_DATA_DIR");
	if (!data || !*data)
		data = TP_TRACE_DATA_DIR;
	size_t local = 0;
	if (!added)
		added = &local;
	*added = 0;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/crypto/graphsense_tagpacks", data);
	enum tp_err e = load_dir(l, dir, "", ".yaml", added, d);
	if (e == TP_OK) {
		snprintf(dir, sizeof dir, "%s/crypto/ofac_sdn_0xB10C", data);
		e = load_dir(l, dir, "sanctioned_addresses_", ".txt", added, d);
	}
	return e;
}
