/*
 * A Bitcoin Core blocks directory, read in place. Core appends each block
 * it receives to blk?????.dat as a record
 *
 *	magic (4, network) | size (4, LE) | block (size bytes)
 *
 * in arrival order: blocks of the best chain out of height order (blocks
 * are downloaded in parallel), stale blocks, and zero padding where a file
 * was preallocated. Since Core 28 every byte of the file is XORed with the
 * 8-byte key in blocks/xor.dat, at (file offset mod 8).
 *
 * Open reads only the 8-byte framing and the 80-byte header of each record
 * (hashing the header), links each block to its parent through a hash
 * table, sums the work of every branch (2^256 / (target+1), from the
 * header's bits) and walks the branch with the most work back to its root.
 * Example: records A(genesis) C B D' D with parents A<-B<-C<-D and B<-D'
 * give the chain A B C D (heights 0..3); D' is stale and never decoded.
 *
 * Blocks are read and decoded one at a time when asked for, so memory is a
 * record (~110 bytes) per block on disk plus one block buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btc_codec.h"
#include "tripact/btc.h"

static const uint8_t MAGIC[TP_BTC_NETWORK_COUNT][4] = {
	[TP_BTC_MAINNET] = {0xf9, 0xbe, 0xb4, 0xd9},  [TP_BTC_TESTNET] = {0x0b, 0x11, 0x09, 0x07},
	[TP_BTC_TESTNET4] = {0x1c, 0x16, 0x3f, 0x28}, [TP_BTC_SIGNET] = {0x0a, 0x03, 0xcf, 0x40},
	[TP_BTC_REGTEST] = {0xfa, 0xbf, 0xb5, 0xda},
};

struct rec {
	uint8_t hash[32];
	uint8_t prev[32];
	uint64_t offset;	/* of the block bytes in the file */
	unsigned __int128 work; /* chain work from the root, once known */
	int64_t height;		/* from the root; -1 until known */
	int32_t parent;		/* record index, -1 if not on disk */
	int32_t root;		/* record index of the branch's oldest block */
	uint32_t file;
	uint32_t size;
	uint32_t bits;
};

struct tp_btc_chain {
	char **files;
	size_t n_files;
	uint8_t key[8];
	int has_key;
	struct rec *rec;
	size_t n_rec, cap_rec;
	int32_t *table; /* open addressing, -1 empty */
	size_t table_mask;
	int32_t *best; /* record per height - root */
	int64_t root, tip;
	size_t truncated, duplicates;
	int fd;
	uint32_t fd_file;
	uint8_t *buf;
	size_t buf_cap;
};

static enum tp_err sys_fail(struct tp_diag *d, const char *what, const char *path)
{
	return tp_diag_set(d, errno == ENOENT ? TP_ENOTFOUND : TP_EIO, "%s %s: %s", what, path,
			   strerror(errno));
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* blk<digits>.dat -> number, or -1 */
static long blk_number(const char *name)
{
	size_t n = strlen(name);
	if (n < 12 || strncmp(name, "blk", 3) != 0 || strcmp(name + n - 4, ".dat") != 0)
		return -1;
	long v = 0;
	for (size_t i = 3; i < n - 4; i++) {
		if (name[i] < '0' || name[i] > '9' || v > 100000000)
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

struct named {
	long num;
	char *path;
};

static int by_num(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	return x->num < y->num ? -1 : x->num > y->num;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static enum tp_err list_files(struct tp_btc_chain *c, const char *dir, struct tp_diag *d)
{
	DIR *dh = opendir(dir);
	struct named *v = NULL;
	size_t n = 0, cap = 0;
	enum tp_err e = TP_OK;
	struct dirent *de;
	if (!dh)
		return sys_fail(d, "cannot open blocks directory", dir);
	while ((de = readdir(dh)) != NULL) {
		long num = blk_number(de->d_name);
		if (num < 0)
			continue;
		if (n == cap) {
			struct named *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof *v);
			if (!nv) {
				e = TP_ENOMEM;
				goto out;
			}
			v = nv;
		}
		v[n].num = num;
		if (!(v[n].path = join(dir, de->d_name))) {
			e = TP_ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(v, n, sizeof *v, by_num);
	if (n && !(c->files = malloc(n * sizeof *c->files))) {
		e = TP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		c->files[i] = v[i].path;
	c->n_files = n;
	n = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	closedir(dh);
	return e;
}

static enum tp_err read_key(struct tp_btc_chain *c, const char *dir, struct tp_diag *d)
{
	char *p = join(dir, "xor.dat");
	enum tp_err e = TP_OK;
	if (!p)
		return TP_ENOMEM;
	int fd = open(p, O_RDONLY);
	if (fd < 0) {
		if (errno != ENOENT)
			e = sys_fail(d, "cannot open", p);
		free(p);
		return e;
	}
	ssize_t r = read(fd, c->key, 8);
	if (r != 8) {
		e = tp_diag_set(d, TP_EPARSE,
				"%s: expected an 8-byte obfuscation key, got %zd bytes", p, r);
	} else {
		static const uint8_t zero[8];
		c->has_key = memcmp(c->key, zero, 8) != 0;
	}
	close(fd);
	free(p);
	return e;
}

static void unxor(const struct tp_btc_chain *c, uint8_t *p, size_t n, uint64_t file_off)
{
	if (!c->has_key)
		return;
	for (size_t i = 0; i < n; i++)
		p[i] ^= c->key[(file_off + i) & 7];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t slot(const struct tp_btc_chain *c, const uint8_t *hash)
{
	uint64_t h;
	memcpy(&h, hash, 8); /* SHA-256d output: already uniform */
	return (size_t)h & c->table_mask;
}

static int32_t lookup(const struct tp_btc_chain *c, const uint8_t *hash)
{
	for (size_t i = slot(c, hash);; i = (i + 1) & c->table_mask) {
		int32_t r = c->table[i];
		if (r < 0 || memcmp(c->rec[r].hash, hash, 32) == 0)
			return r;
	}
}

static enum tp_err table_grow(struct tp_btc_chain *c)
{
	size_t n = c->table_mask ? 2 * (c->table_mask + 1) : 1024;
	int32_t *t = malloc(n * sizeof *t);
	if (!t)
		return TP_ENOMEM;
	free(c->table);
	c->table = t;
	c->table_mask = n - 1;
	memset(t, 0xff, n * sizeof *t);
	for (size_t r = 0; r < c->n_rec; r++) {
		size_t i = slot(c, c->rec[r].hash);
		while (t[i] >= 0)
			i = (i + 1) & c->table_mask;
		t[i] = (int32_t)r;
	}
	return TP_OK;
}

static enum tp_err add_record(struct tp_btc_chain *c, const uint8_t *hdr, uint32_t file,
			      uint64_t offset, uint32_t size)
{
	enum tp_err e;
	uint8_t hash[32];
	tp_btc_sha256d(hdr, 80, hash);
	if ((c->n_rec + 1) * 2 > c->table_mask + 1 && (e = table_grow(c)))
		return e;
	if (lookup(c, hash) >= 0) {
		c->duplicates++;
		return TP_OK;
	}
	if (c->n_rec == c->cap_rec) {
		if (c->cap_rec >= 0x40000000u)
			return TP_ELIMIT;
		size_t cap = c->cap_rec ? 2 * c->cap_rec : 1024;
		struct rec *r = realloc(c->rec, cap * sizeof *r);
		if (!r)
			return TP_ENOMEM;
		c->rec = r;
		c->cap_rec = cap;
	}
	struct rec *r = &c->rec[c->n_rec];
	memcpy(r->hash, hash, 32);
	memcpy(r->prev, hdr + 4, 32);
	r->offset = offset;
	r->size = size;
	r->file = file;
	r->bits = le32(hdr + 72);
	r->height = -1;
	r->parent = -1;
	r->root = (int32_t)c->n_rec;
	r->work = 0;
	size_t i = slot(c, hash);
	while (c->table[i] >= 0)
		i = (i + 1) & c->table_mask;
	c->table[i] = (int32_t)c->n_rec++;
	return TP_OK;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Reads the framing and header of every record of one file. */
static enum tp_err scan_file(struct tp_btc_chain *c, enum tp_btc_network net, uint32_t fno,
			     struct tp_diag *d)
{
	const char *path = c->files[fno];
	enum tp_err e = TP_OK;
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0)
		return sys_fail(d, "cannot open", path);
	if (fstat(fd, &st) != 0) {
		e = sys_fail(d, "cannot stat", path);
		goto out;
	}
	uint64_t pos = 0, end = (uint64_t)st.st_size;
	while (pos + 8 <= end) {
		uint8_t fr[8 + 80], raw[8];
		ssize_t got = pread(fd, fr, sizeof fr, (off_t)pos);
		if (got < 8) {
			e = sys_fail(d, "cannot read", path);
			goto out;
		}
		memcpy(raw, fr, 8);
		unxor(c, fr, (size_t)got, pos);
		int magic = memcmp(fr, MAGIC[net], 4) == 0;
		if (!magic && (all_zero(raw, 4) || all_zero(fr, 4)))
			break; /* preallocated zeros: the end of the data */
		if (!magic) {
			e = tp_diag_set(d, TP_EPARSE,
					"%s: file offset %llu: expected the %s network magic "
					"%02x%02x%02x%02x, found %02x%02x%02x%02x%s",
					base(path), (unsigned long long)pos,
					tp_btc_network_name(net), MAGIC[net][0], MAGIC[net][1],
					MAGIC[net][2], MAGIC[net][3], fr[0], fr[1], fr[2], fr[3],
					c->has_key ? "" : " (no xor.dat beside the file)");
			goto out;
		}
		uint32_t size = le32(fr + 4);
		if (size < 81 || size > TP_BTC_BLOCK_MAX) {
			e = tp_diag_set(d, TP_EPARSE,
					"%s: file offset %llu: block record of %u bytes (a block "
					"has 81 to %u)",
					base(path), (unsigned long long)pos + 4, size,
					TP_BTC_BLOCK_MAX);
			goto out;
		}
		if (pos + 8 + size > end || got < (ssize_t)sizeof fr) {
			c->truncated++;
			break;
		}
		if ((e = add_record(c, fr + 8, fno, pos + 8, size)))
			goto out;
		pos += 8 + (uint64_t)size;
	}
out:
	close(fd);
	return e;
}

/* 2^256 / (target + 1), approximated as 2^(256 - 8(exp-3)) / mantissa. */
static unsigned __int128 block_work(uint32_t bits)
{
	uint32_t mant = bits & 0x007fffff;
	int exp = (int)(bits >> 24);
	if (mant == 0 || (bits & 0x00800000))
		return 1;
	int shift = 256 - 8 * (exp - 3);
	if (shift > 100)
		shift = 100;
	if (shift < 0)
		return 1;
	unsigned __int128 w = ((unsigned __int128)1 << shift) / mant;
	return w ? w : 1;
}

/* Heights and work from each record's root, without recursion. */
static enum tp_err link_tree(struct tp_btc_chain *c)
{
	int32_t *stack = malloc(c->n_rec * sizeof *stack);
	if (c->n_rec && !stack)
		return TP_ENOMEM;
	for (size_t r = 0; r < c->n_rec; r++)
		c->rec[r].parent = lookup(c, c->rec[r].prev);
	for (size_t r = 0; r < c->n_rec; r++) {
		size_t sp = 0;
		int32_t x = (int32_t)r;
		/* sp < n_rec: a cycle would need a SHA-256 collision */
		while (x >= 0 && c->rec[x].height < 0 && sp < c->n_rec) {
			stack[sp++] = x;
			x = c->rec[x].parent;
		}
		while (sp > 0) {
			struct rec *q = &c->rec[stack[--sp]];
			if (q->parent >= 0) {
				q->height = c->rec[q->parent].height + 1;
				q->work = c->rec[q->parent].work + block_work(q->bits);
				q->root = c->rec[q->parent].root;
			} else {
				q->height = 0;
				q->work = block_work(q->bits);
				q->root = (int32_t)(q - c->rec);
			}
		}
	}
	free(stack);
	return TP_OK;
}

static void close_fd(struct tp_btc_chain *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Reads record r into c->buf (de-obfuscated). */
static enum tp_err read_record(struct tp_btc_chain *c, int32_t r, struct tp_diag *d)
{
	struct rec *q = &c->rec[r];
	if (c->fd < 0 || c->fd_file != q->file) {
		close_fd(c);
		if ((c->fd = open(c->files[q->file], O_RDONLY)) < 0)
			return sys_fail(d, "cannot open", c->files[q->file]);
		c->fd_file = q->file;
	}
	if (q->size > c->buf_cap) {
		uint8_t *b = realloc(c->buf, q->size);
		if (!b)
			return TP_ENOMEM;
		c->buf = b;
		c->buf_cap = q->size;
	}
	size_t got = 0;
	while (got < q->size) {
		ssize_t n = pread(c->fd, c->buf + got, q->size - got, (off_t)(q->offset + got));
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return sys_fail(d, "cannot read block from", c->files[q->file]);
		}
		got += (size_t)n;
	}
	/* read once: let its pages go (tpr_drop_cache says why) */
	(void)posix_fadvise(c->fd, (off_t)q->offset, (off_t)q->size, POSIX_FADV_DONTNEED);
	unxor(c, c->buf, q->size, q->offset);
	return TP_OK;
}

/*
 * BIP-34: the coinbase's scriptSig starts by pushing the height (blocks of
 * version 2 and up). The block is whole (its record was read), but it has
 * not been decoded yet, so every step is bounds-checked.
 */
static int64_t bip34_height(const uint8_t *b, size_t n)
{
	size_t p = 80;
	if (n < p + 1 || (int32_t)le32(b) < 2)
		return -1;
	p += b[p] < 0xfd ? 1 : b[p] == 0xfd ? 3 : b[p] == 0xfe ? 5 : 9; /* tx count */
	p += 4;								/* version */
	if (p + 2 <= n && b[p] == 0 && b[p + 1] == 1)
		p += 2;
	if (p + 1 + 36 + 1 > n || b[p] != 1)
		return -1;
	p += 1 + 36;
	size_t slen = b[p++];
	if (slen == 0 || slen >= 0xfd || p + slen > n)
		return -1;
	uint8_t op = b[p];
	if (op >= 0x51 && op <= 0x60)
		return op - 0x50;
	if (op < 1 || op > 8 || (size_t)op + 1 > slen || (b[p + op] & 0x80))
		return -1;
	int64_t h = 0;
	for (int i = op; i >= 1; i--)
		h = h << 8 | b[p + i];
	return h;
}

static enum tp_err pick_best(struct tp_btc_chain *c, struct tp_diag *d)
{
	static const uint8_t zero[32];
	int32_t best = -1;
	int best_genesis = 0;
	for (size_t r = 0; r < c->n_rec; r++) {
		struct rec *q = &c->rec[r];
		int genesis = memcmp(c->rec[q->root].prev, zero, 32) == 0;
		if (best < 0 || genesis > best_genesis ||
		    (genesis == best_genesis && q->work > c->rec[best].work)) {
			best = (int32_t)r;
			best_genesis = genesis;
		}
	}
	c->root = 0;
	c->tip = -1;
	if (best < 0)
		return TP_OK;
	int32_t root = c->rec[best].root;
	if (!best_genesis) {
		enum tp_err e = read_record(c, root, d);
		if (e)
			return e;
		int64_t h = bip34_height(c->buf, c->rec[root].size);
		char hex[TP_BTC_HASH_HEX];
		tp_btc_hash_to_hex(c->rec[root].hash, hex);
		if (h < 1)
			return tp_diag_set(d, TP_EUNSUPPORTED,
					   "the oldest block on disk (%s) is not the genesis block "
					   "and its coinbase gives no BIP-34 height, so heights "
					   "are unknown (a pruned node?)",
					   hex);
		c->root = h;
	}
	size_t n = (size_t)c->rec[best].height + 1;
	if (!(c->best = malloc(n * sizeof *c->best)))
		return TP_ENOMEM;
	for (int32_t x = best; x >= 0; x = c->rec[x].parent)
		c->best[c->rec[x].height] = x;
	c->tip = c->root + (int64_t)n - 1;
	return TP_OK;
}

enum tp_err tp_btc_chain_open(const char *path, enum tp_btc_network net, struct tp_btc_chain **out,
			      struct tp_diag *d)
{
	struct stat st;
	enum tp_err e;
	if ((unsigned)net >= TP_BTC_NETWORK_COUNT || !path)
		return tp_diag_set(d, TP_EINVAL, "no path or unknown network");
	if (stat(path, &st) != 0)
		return sys_fail(d, "cannot open", path);
	struct tp_btc_chain *c = calloc(1, sizeof *c);
	if (!c)
		return TP_ENOMEM;
	c->fd = -1;
	if (S_ISDIR(st.st_mode)) {
		char *sub = join(path, "blocks");
		const char *dir = path;
		struct stat sst;
		if (!sub) {
			e = TP_ENOMEM;
			goto fail;
		}
		if ((e = list_files(c, dir, d)) == TP_OK && c->n_files == 0 &&
		    stat(sub, &sst) == 0 && S_ISDIR(sst.st_mode)) {
			dir = sub; /* a node's data directory: its blocks are in blocks/ */
			e = list_files(c, dir, d);
		}
		if (!e)
			e = read_key(c, dir, d);
		if (!e && c->n_files == 0)
			e = tp_diag_set(d, TP_ENOTFOUND, "%s: no blk*.dat files", dir);
		free(sub);
		if (e)
			goto fail;
	} else {
		char *dir = strdup(path), *slash;
		if (!dir || !(c->files = malloc(sizeof *c->files)) ||
		    !(c->files[0] = strdup(path))) {
			free(dir);
			e = TP_ENOMEM;
			goto fail;
		}
		c->n_files = 1;
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		e = read_key(c, slash ? dir : ".", d);
		free(dir);
		if (e)
			goto fail;
	}
	if ((e = table_grow(c)))
		goto fail;
	for (size_t f = 0; f < c->n_files; f++)
		if ((e = scan_file(c, net, (uint32_t)f, d)))
			goto fail;
	if ((e = link_tree(c)) || (e = pick_best(c, d)))
		goto fail;
	*out = c;
	return TP_OK;
fail:
	tp_btc_chain_free(c);
	return e;
}

void tp_btc_chain_free(struct tp_btc_chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c->rec);
	free(c->table);
	free(c->best);
	free(c->buf);
	close_fd(c);
	free(c);
}

int64_t tp_btc_chain_tip(const struct tp_btc_chain *c)
{
	return c->tip;
}

int64_t tp_btc_chain_root(const struct tp_btc_chain *c)
{
	return c->root;
}

size_t tp_btc_chain_records(const struct tp_btc_chain *c)
{
	return c->n_rec + c->duplicates;
}

size_t tp_btc_chain_truncated(const struct tp_btc_chain *c)
{
	return c->truncated;
}

uint64_t tp_btc_chain_bytes(const struct tp_btc_chain *c, int64_t from, int64_t to)
{
	uint64_t sum = 0;
	if (from < c->root)
		from = c->root;
	if (to < 0 || to > c->tip)
		to = c->tip;
	for (int64_t h = from; h <= to; h++)
		sum += c->rec[c->best[h - c->root]].size;
	return sum;
}

enum tp_err tp_btc_chain_hash(const struct tp_btc_chain *c, int64_t height, uint8_t hash[32])
{
	if (height < c->root || height > c->tip)
		return TP_ENOTFOUND;
	memcpy(hash, c->rec[c->best[height - c->root]].hash, 32);
	return TP_OK;
}

enum tp_err tp_btc_chain_block(struct tp_btc_chain *c, int64_t height, const uint8_t **raw,
			       size_t *len, struct tp_btc_header *h, struct tp_diag *d)
{
	enum tp_err e;
	if (height < c->root || height > c->tip)
		return tp_diag_set(d, TP_ENOTFOUND,
				   "no block at height %lld (the chain on disk has %lld..%lld)",
				   (long long)height, (long long)c->root, (long long)c->tip);
	int32_t r = c->best[height - c->root];
	if ((e = read_record(c, r, d)))
		return e;
	if (h) {
		if ((e = tp_btc_header_parse(c->buf, c->rec[r].size, h, d)))
			return e;
		h->height = height;
		h->size = c->rec[r].size;
	}
	*raw = c->buf;
	*len = c->rec[r].size;
	return TP_OK;
}

enum tp_err tp_btc_chain_decode(struct tp_btc_chain *c, struct tp_btc_decoder *dec, int64_t from,
				int64_t to, tp_btc_tx_fn fn, void *ctx, struct tp_diag *d)
{
	if (from < c->root)
		from = c->root;
	if (to < 0 || to > c->tip)
		to = c->tip;
	for (int64_t ht = from; ht <= to; ht++) {
		const uint8_t *raw;
		size_t len;
		enum tp_err e = tp_btc_chain_block(c, ht, &raw, &len, NULL, d);
		if (e)
			return e;
		e = tp_btc_block_decode(dec, raw, len, ht, fn, ctx, NULL, d);
		if (e == TP_EPARSE && d) {
			struct rec *q = &c->rec[c->best[ht - c->root]];
			char msg[sizeof d->message];
			memcpy(msg, d->message, sizeof msg);
			tp_diag_set(d, e, "%s: block at file offset %llu (height %lld): %s",
				    base(c->files[q->file]), (unsigned long long)q->offset,
				    (long long)ht, msg);
		}
		if (e)
			return e;
	}
	return TP_OK;
}
