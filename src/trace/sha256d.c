/*
 * Double SHA-256, two messages at a time (sha256d.h).
 *
 * SHA-NI holds the state as two vectors, ABEF and CDGH, and
 * _mm_sha256rnds2_epu32 does two rounds; each call needs the one before,
 * so a block is a chain of 32 calls, each waiting out the instruction's
 * latency. Two messages give two independent chains whose calls the core
 * runs side by side. A message is fed a 64-byte block at a time: pointed
 * at in place when the block lies inside one piece, else gathered (with
 * the padding) into a buffer. When one message has more blocks than the
 * other, the rest go one at a time; the second hash (of 32 bytes, one
 * block) always goes two at a time, its block built from the first
 * hash's state without leaving the registers.
 */
#include <nettle/sha2.h>
#include <string.h>

#include "sha256d.h"

void tp_btc_sha256d_nettle(const struct tp_btc_msg *m, uint8_t out[32])
{
	struct sha256_ctx h;
	sha256_init(&h);
	for (int i = 0; i < 3; i++)
		if (m->len[i])
			sha256_update(&h, m->len[i], m->part[i]);
	sha256_digest(&h, 32, out);
	sha256_init(&h);
	sha256_update(&h, 32, out);
	sha256_digest(&h, 32, out);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

#define NI __attribute__((target("sha,sse4.1")))

static int off; /* tp_btc_sha256_use_ni(0) */

/* Whether the CPU has SHA-NI and SSE4.1: asked once with cpuid (a trap to
 * the host on a virtual machine; clang 14 has no "sha" for
 * __builtin_cpu_supports). */
static int cpu_has_ni(void)
{
	static atomic_int known = -1;
	int v = atomic_load_explicit(&known, memory_order_relaxed);
	if (v < 0) {
		unsigned a, b, c, d, sse41 = 0, sha = 0;
		if (__get_cpuid(1, &a, &b, &c, &d))
			sse41 = c >> 19 & 1;
		if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
			sha = b >> 29 & 1;
		v = (int)(sse41 & sha);
		atomic_store_explicit(&known, v, memory_order_relaxed);
	}
	return v;
}

int tp_btc_sha256_ni(void)
{
	return !off && cpu_has_ni();
}

void tp_btc_sha256_use_ni(int on)
{
	off = !on;
}

/* Walks a message's padded form a block at a time. */
struct feed {
	const struct tp_btc_msg *m;
	size_t total;	     /* message bytes */
	size_t block, count; /* next block, blocks in all */
	int part;	     /* where the next block starts: piece and offset */
	size_t at;
	uint8_t buf[64];
};

static void feed_init(struct feed *f, const struct tp_btc_msg *m)
{
	f->m = m;
	f->total = m->len[0] + m->len[1] + m->len[2];
	f->block = 0;
	f->count = (f->total + 8) / 64 + 1; /* room for the 0x80 and the length */
	f->part = 0;
	f->at = 0;
}

/* The next block of the padded message: in place, or gathered into buf. */
static const uint8_t *feed_next(struct feed *f)
{
	while (f->part < 3 && f->at == f->m->len[f->part]) {
		f->part++;
		f->at = 0;
	}
	size_t start = f->block * 64;
	f->block++;
	if (f->part < 3 && f->m->len[f->part] - f->at >= 64) {
		const uint8_t *p = f->m->part[f->part] + f->at;
		f->at += 64;
		return p;
	}
	size_t n = 0;
	while (n < 64 && f->part < 3) {
		size_t take = f->m->len[f->part] - f->at;
		if (take > 64 - n)
			take = 64 - n;
		memcpy(f->buf + n, f->m->part[f->part] + f->at, take);
		n += take;
		f->at += take;
		if (f->at == f->m->len[f->part]) {
			f->part++;
			f->at = 0;
		}
	}
	if (n < 64) {
		memset(f->buf + n, 0, 64 - n);
		if (start + n == f->total)
			f->buf[n] = 0x80; /* the message ends in this block */
	}
	if (f->block == f->count) {
		uint64_t bits = (uint64_t)f->total * 8;
		for (int i = 0; i < 8; i++)
			f->buf[63 - i] = (uint8_t)(bits >> (8 * i));
	}
	return f->buf;
}

static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2};

/* The state as SHA-NI keeps it. */
struct lane {
	__m128i abef, cdgh;
};

/* Big-endian words of a block, in order, four to a vector. */
NI static inline __m128i load_be(const uint8_t *p)
{
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), swap);
}

NI static inline struct lane initial(void)
{
	/* a..h of FIPS 180-4, as ABEF and CDGH (lane 3 first) */
	struct lane s = {_mm_set_epi32(0x6a09e667, (int)0xbb67ae85, 0x510e527f, (int)0x9b05688c),
			 _mm_set_epi32(0x3c6ef372, (int)0xa54ff53a, 0x1f83d9ab, 0x5be0cd19)};
	return s;
}

/* Four rounds of each lane on message words w (four a lane) plus K[i..i+3]. */
NI static inline __attribute__((always_inline)) void rounds4(struct lane *s, int n, const __m128i *w,
							       int i)
{
	__m128i k = _mm_load_si128((const __m128i *)&K[i]), m[2];
	for (int l = 0; l < n; l++) {
		m[l] = _mm_add_epi32(w[l], k);
		s[l].cdgh = _mm_sha256rnds2_epu32(s[l].cdgh, s[l].abef, m[l]);
	}
	for (int l = 0; l < n; l++)
		s[l].abef = _mm_sha256rnds2_epu32(s[l].abef, s[l].cdgh,
						  _mm_shuffle_epi32(m[l], 0x0e));
}

/* The next four message words of each lane from the last sixteen
 * (w0 oldest): w16..19 = s1(w14..17) + w9..12 + s0(w1..4) + w0..3. */
NI static inline __attribute__((always_inline)) void schedule(int n, __m128i *w0, const __m128i *w1,
								const __m128i *w2, const __m128i *w3)
{
	for (int l = 0; l < n; l++) {
		__m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w0[l], w1[l]),
					  _mm_alignr_epi8(w3[l], w2[l], 4));
		w0[l] = _mm_sha256msg2_epu32(t, w3[l]);
	}
}

/*
 * One block into each of n (1 or 2) lanes, given as its sixteen words
 * (w[0..3], four a vector). Inline with n constant, so each lane's values
 * stay in registers and the two lanes' instructions are interleaved.
 */
NI static inline __attribute__((always_inline)) void compress(struct lane *s, int n,
								__m128i w[4][2])
{
	struct lane saved[2];
	for (int l = 0; l < n; l++)
		saved[l] = s[l];
	/* unrolled, so w[i % 4] names registers, not memory */
#pragma GCC unroll 16
	for (int i = 0; i < 16; i++) {
		rounds4(s, n, w[i % 4], 4 * i);
		if (i >= 3 && i < 15) /* the words of round group i + 1 */
			schedule(n, w[(i + 1) % 4], w[(i + 2) % 4], w[(i + 3) % 4], w[i % 4]);
	}
	for (int l = 0; l < n; l++) {
		s[l].abef = _mm_add_epi32(s[l].abef, saved[l].abef);
		s[l].cdgh = _mm_add_epi32(s[l].cdgh, saved[l].cdgh);
	}
}

NI static inline __attribute__((always_inline)) void compress_blocks(struct lane *s, int n,
								       const uint8_t **p)
{
	__m128i w[4][2];
	for (int j = 0; j < 4; j++)
		for (int l = 0; l < n; l++)
			w[j][l] = load_be(p[l] + 16 * j);
	compress(s, n, w);
}

/* a..d and e..h of a lane's state, in order (lane 0 first). */
NI static inline void words(const struct lane *s, __m128i *abcd, __m128i *efgh)
{
	__m128i feba = _mm_shuffle_epi32(s->abef, 0x1b), dchg = _mm_shuffle_epi32(s->cdgh, 0xb1);
	*abcd = _mm_blend_epi16(feba, dchg, 0xf0);
	*efgh = _mm_alignr_epi8(dchg, feba, 8);
}

/* The second hash, of the first's 32-byte digest, into out (n lanes). */
NI static inline __attribute__((always_inline)) void finish(struct lane *s, int n,
							      uint8_t *const *out)
{
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i w[4][2];
	for (int l = 0; l < n; l++) {
		/* the digest's big-endian words are the state words themselves */
		words(&s[l], &w[0][l], &w[1][l]);
		w[2][l] = _mm_set_epi32(0, 0, 0, (int)0x80000000);
		w[3][l] = _mm_set_epi32(256, 0, 0, 0);
		s[l] = initial();
	}
	compress(s, n, w);
	for (int l = 0; l < n; l++) {
		__m128i abcd, efgh;
		words(&s[l], &abcd, &efgh);
		_mm_storeu_si128((__m128i *)out[l], _mm_shuffle_epi8(abcd, swap));
		_mm_storeu_si128((__m128i *)(out[l] + 16), _mm_shuffle_epi8(efgh, swap));
	}
}

NI static void two_ni(const struct tp_btc_msg *a, const struct tp_btc_msg *b, uint8_t *const *out)
{
	struct feed f[2];
	struct lane s[2] = {initial(), initial()};
	feed_init(&f[0], a);
	feed_init(&f[1], b);
	while (f[0].block < f[0].count && f[1].block < f[1].count) {
		const uint8_t *p[2] = {feed_next(&f[0]), feed_next(&f[1])};
		compress_blocks(s, 2, p);
	}
	for (int l = 0; l < 2; l++)
		while (f[l].block < f[l].count) {
			const uint8_t *p[1] = {feed_next(&f[l])};
			compress_blocks(&s[l], 1, p);
		}
	finish(s, 2, out);
}

NI static void one_ni(const struct tp_btc_msg *m, uint8_t out[32])
{
	struct feed f;
	struct lane s = initial();
	uint8_t *o[1] = {out};
	feed_init(&f, m);
	while (f.block < f.count) {
		const uint8_t *p[1] = {feed_next(&f)};
		compress_blocks(&s, 1, p);
	}
	finish(&s, 1, o);
}

void tp_btc_sha256d_two(const struct tp_btc_msg *a, const struct tp_btc_msg *b, uint8_t outa[32],
			uint8_t outb[32])
{
	if (tp_btc_sha256_ni()) {
		uint8_t *out[2] = {outa, outb};
		two_ni(a, b, out);
		return;
	}
	tp_btc_sha256d_nettle(a, outa);
	tp_btc_sha256d_nettle(b, outb);
}

void tp_btc_sha256d_msg(const struct tp_btc_msg *m, uint8_t out[32])
{
	if (tp_btc_sha256_ni())
		one_ni(m, out);
	else
		tp_btc_sha256d_nettle(m, out);
}

#else /* no SHA-NI code for this target: nettle (which has its own) */

int tp_btc_sha256_ni(void)
{
	return 0;
}

void tp_btc_sha256_use_ni(int on)
{
	(void)on;
}

void tp_btc_sha256d_two(const struct tp_btc_msg *a, const struct tp_btc_msg *b, uint8_t outa[32],
			uint8_t outb[32])
{
	tp_btc_sha256d_nettle(a, outa);
	tp_btc_sha256d_nettle(b, outb);
}

void tp_btc_sha256d_msg(const struct tp_btc_msg *m, uint8_t out[32])
{
	tp_btc_sha256d_nettle(m, out);
}

#endif
