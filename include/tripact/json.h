/*
 * JSON helpers on top of jansson.
 *
 * Ownership, once for all of tripact: jansson values are reference counted.
 * A function documented "borrowed" returns a reference the caller must not
 * json_decref; "caller owns" means the caller must json_decref it; "takes
 * ownership" (jansson's *_new/_set_new "steal" functions) means the callee
 * decrefs it, even on failure.
 */
#ifndef TRIPACT_JSON_H
#define TRIPACT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "tripact/error.h"

/*
 * Parses one JSON document from text[0..len). Rejects duplicate object
 * keys, invalid UTF-8, NUL bytes in strings and trailing garbage; nesting
 * deeper than jansson's limit (2048) is a TP_ELIMIT. On failure d gets the
 * line, column and message. *out: caller owns.
 */
enum tp_err tp_json_load(const char *text, size_t len, json_t **out,
			 struct tp_diag *d) TP_MUST_CHECK;

/*
 * The fast path of tp_json_load on its own: TP_OK and the value (caller
 * owns), equal to what jansson would give, or TP_EPARSE without detail when
 * it declines -- malformed input, or legal input it leaves to jansson (very
 * deep nesting, integers beyond json_int_t). tp_json_load uses it first;
 * call tp_json_load, not this, unless testing the two against each other.
 */
enum tp_err tp_json_load_fast(const char *text, size_t len, json_t **out) TP_MUST_CHECK;

/* As tp_json_load, reading a whole file (path "-" is stdin). */
enum tp_err tp_json_load_file(const char *path, json_t **out, struct tp_diag *d) TP_MUST_CHECK;

/* The string member `key` of object o, or NULL (borrowed). */
const char *tp_json_str(const json_t *o, const char *key);

/*
 * An arena for the jansson values of one thread (see src/common/json_arena.c):
 * while entered, this thread's jansson allocations come from it; a reset
 * starts it over once every value allocated since the last reset has been
 * freed (values still alive keep their memory until their last free, from
 * any thread). One thread at a time uses an arena. Strings jansson returns
 * to its caller (json_dumps) must then be freed with jansson's free function
 * (json_get_alloc_funcs), or use tp_json_dump. All accept NULL.
 */
struct tp_json_arena;
enum tp_err tp_json_arena_new(struct tp_json_arena **out) TP_MUST_CHECK;
void tp_json_arena_enter(struct tp_json_arena *a);
void tp_json_arena_leave(struct tp_json_arena *a);
void tp_json_arena_reset(struct tp_json_arena *a);
void tp_json_arena_free(struct tp_json_arena *a);

/*
 * Serialises v compactly with keys in insertion order; caller owns
 * (free(), also inside a tp_json_arena). NULL on allocation failure.
 */
char *tp_json_dump(const json_t *v);

#endif
