/*
 * Arena allocation for jansson values: a thread that parses, checks and
 * drops one JSON value after another (tripact validate) takes every jansson
 * allocation from a bump-pointer chunk and starts the chunk over after each
 * value, instead of a malloc and a free per string, number, object and key.
 *
 *	struct tp_json_arena *a;
 *	if (tp_json_arena_new(&a) == TP_OK)
 *		tp_json_arena_enter(a);
 *	for (each object) {
 *		json_t *o;
 *		if (tp_json_load(text, len, &o, &d) == TP_OK) { check(o); json_decref(o); }
 *		tp_json_arena_reset(a);
 *	}
 *	tp_json_arena_free(a);
 *
 * json_set_alloc_funcs is process-wide, so the functions installed here
 * (on the first tp_json_arena_new) serve every thread: an allocation comes
 * from the arena only while this thread has one entered, and from malloc
 * otherwise. A free finds out where its pointer came from: chunks are
 * CHUNK-aligned and registered in a small table, so the chunk base
 * (pointer & ~(CHUNK - 1)) is either a registered chunk or the pointer is
 * malloc's.
 *
 * Values may outlive the reset, or be freed by another thread: each chunk
 * counts its allocations and frees (the owner's without atomics, other
 * threads' in an atomic balance). A reset starts the chunk over only when
 * everything allocated in it has been freed; otherwise the arena leaves the
 * chunk to its remaining values (the last free releases it) and takes a
 * new one. So nothing is ever freed under a live value. Strings that
 * jansson returns to be freed by the caller (json_dumps) must be released
 * with jansson's free function (json_get_alloc_funcs), or made with
 * tp_json_dump, which returns malloc'd memory.
 *
 * Under AddressSanitizer the free part of a chunk is poisoned, so a value
 * used after its arena was reset is reported as such.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/json.h"

#if defined(__SANITIZE_ADDRESS__)
#define TP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TP_ASAN 1
#endif
#endif
#ifdef TP_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define CHUNK	  ((size_t)256 * 1024) /* size and alignment of a chunk */
#define ALIGN	  16
#define REG_SLOTS 512 /* chunks that can exist at once */
#define REG_TOMB  ((uintptr_t)1)

struct chunk {
	/* frees by other threads (or after the chunk left its arena), minus,
	 * once the chunk is left, the allocations it still had out */
	atomic_long balance;
};
#define HDR ((sizeof(struct chunk) + ALIGN - 1) / ALIGN * ALIGN)

struct tp_json_arena {
	struct chunk *chunk; /* NULL: allocate from malloc */
	size_t off;	     /* next free byte in chunk */
	long allocs, frees;  /* by the owner while the chunk is current */
};

static _Thread_local struct tp_json_arena *current;

/* Registered chunk bases: 0 empty, REG_TOMB removed. */
static _Atomic uintptr_t reg[REG_SLOTS];
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static size_t reg_hash(uintptr_t base)
{
	return (size_t)(((uint64_t)base / CHUNK * 0x9e3779b97f4a7c15ULL) >> 40) % REG_SLOTS;
}

static int reg_has(uintptr_t base)
{
	size_t h = reg_hash(base);
	for (size_t i = 0; i < REG_SLOTS; i++) {
		uintptr_t v = atomic_load_explicit(&reg[(h + i) % REG_SLOTS], memory_order_acquire);
		if (v == base)
			return 1;
		if (v == 0)
			return 0;
	}
	return 0;
}

static int reg_add(uintptr_t base)
{
	int ok = 0;
	pthread_mutex_lock(&reg_lock);
	size_t h = reg_hash(base);
	for (size_t i = 0; i < REG_SLOTS; i++) {
		_Atomic uintptr_t *s = &reg[(h + i) % REG_SLOTS];
		uintptr_t v = atomic_load_explicit(s, memory_order_relaxed);
		if (v == 0 || v == REG_TOMB) {
			atomic_store_explicit(s, base, memory_order_release);
			ok = 1;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return ok;
}

static void reg_remove(uintptr_t base)
{
	pthread_mutex_lock(&reg_lock);
	size_t h = reg_hash(base);
	for (size_t i = 0; i < REG_SLOTS; i++) {
		_Atomic uintptr_t *s = &reg[(h + i) % REG_SLOTS];
		uintptr_t v = atomic_load_explicit(s, memory_order_relaxed);
		if (v == base) {
			atomic_store_explicit(s, REG_TOMB, memory_order_release);
			break;
		}
		if (v == 0)
			break;
	}
	pthread_mutex_unlock(&reg_lock);
}

static void chunk_release(struct chunk *c)
{
	reg_remove((uintptr_t)c);
	UNPOISON(c, CHUNK);
	free(c);
}

static struct chunk *chunk_new(void)
{
	struct chunk *c = aligned_alloc(CHUNK, CHUNK);
	if (!c)
		return NULL;
	atomic_init(&c->balance, 0);
	if (!reg_add((uintptr_t)c)) {
		free(c);
		return NULL;
	}
	POISON((char *)c + HDR, CHUNK - HDR);
	return c;
}

/* The arena gives up its chunk; the chunk's last free releases it. */
static void chunk_leave(struct tp_json_arena *a)
{
	struct chunk *c = a->chunk;
	if (!c)
		return;
	long out = a->allocs - a->frees;
	a->chunk = NULL;
	if (atomic_fetch_add_explicit(&c->balance, out, memory_order_acq_rel) + out == 0)
		chunk_release(c);
}

static void *arena_malloc(size_t size)
{
	struct tp_json_arena *a = current;
	if (a && a->chunk) {
		size_t n = size ? (size + ALIGN - 1) / ALIGN * ALIGN : ALIGN;
		if (n <= CHUNK - a->off) {
			char *p = (char *)a->chunk + a->off;
			a->off += n;
			a->allocs++;
			UNPOISON(p, size);
			return p;
		}
	}
	return malloc(size);
}

static void arena_free(void *p)
{
	if (!p)
		return;
	uintptr_t base = (uintptr_t)p & ~(uintptr_t)(CHUNK - 1);
	struct tp_json_arena *a = current;
	if (a && (uintptr_t)a->chunk == base) {
		a->frees++;
		return;
	}
	if (reg_has(base)) {
		struct chunk *c = (struct chunk *)base;
		if (atomic_fetch_sub_explicit(&c->balance, 1, memory_order_acq_rel) == 1)
			chunk_release(c);
		return;
	}
	free(p);
}

static void install(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

enum tp_err tp_json_arena_new(struct tp_json_arena **out)
{
	pthread_once(&install_once, install);
	struct tp_json_arena *a = calloc(1, sizeof *a);
	if (!a)
		return TP_ENOMEM;
	a->chunk = chunk_new(); /* NULL: the arena just hands out malloc */
	a->off = HDR;
	*out = a;
	return TP_OK;
}

void tp_json_arena_enter(struct tp_json_arena *a)
{
	if (a)
		current = a;
}

void tp_json_arena_leave(struct tp_json_arena *a)
{
	if (a && current == a)
		current = NULL;
}

void tp_json_arena_reset(struct tp_json_arena *a)
{
	if (!a)
		return;
	if (!a->chunk) {
		a->chunk = chunk_new();
	} else if (a->allocs - a->frees +
			   atomic_load_explicit(&a->chunk->balance, memory_order_acquire) ==
		   0) {
		/* everything freed: start over (no other thread holds a value) */
		atomic_store_explicit(&a->chunk->balance, 0, memory_order_relaxed);
		POISON((char *)a->chunk + HDR, a->off - HDR);
	} else {
		chunk_leave(a);
		a->chunk = chunk_new();
	}
	a->off = HDR;
	a->allocs = a->frees = 0;
}

void tp_json_arena_free(struct tp_json_arena *a)
{
	if (!a)
		return;
	tp_json_arena_leave(a);
	chunk_leave(a);
	free(a);
}
