/*
 * The pattern module's private view: tokens, the syntax tree, the arena it
 * lives in, and the functions the parser, evaluator and compiled matcher
 * share. Nothing here is public API.
 *
 * `[file:name = 'a.exe' AND file:size > 10] WITHIN 60 SECONDS` becomes
 *
 *	N_WITHIN (60 s)
 *	  N_OBS
 *	    N_CMP_AND
 *	      N_TEST file:name = 'a.exe'
 *	      N_TEST file:size > 10
 *
 * AND/OR/FOLLOWEDBY nodes are n-ary, so a long flat chain is one node with
 * many children: the tree's depth is the nesting depth of the text, which
 * the parser bounds (TP_PATTERN_MAX_DEPTH), and every recursive walk is
 * bounded with it.
 */
#ifndef TP_PATTERN_AST_H
#define TP_PATTERN_AST_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tripact/pattern.h"
#include "tripact/time.h"

/* ---- arena: every node, string and array of one parse ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct arena {
	struct arena_chunk *head;
	size_t total;
};

void *arena_alloc(struct arena *a, size_t n);
void arena_free(struct arena *a);

/* ---- literals ---- */

enum lit_kind { LIT_INT, LIT_FLOAT, LIT_STR, LIT_BOOL, LIT_BIN, LIT_TIME, LIT_SET };

struct lit {
	enum lit_kind kind;
	bool hex;	 /* LIT_BIN written as h'..' (else b'..') */
	const char *src; /* the literal as written (for explain) */
	size_t srclen;
	int64_t i;	   /* LIT_INT, LIT_BOOL (0/1), LIT_TIME (microseconds) */
	double f;	   /* LIT_FLOAT; also LIT_INT as a double */
	const char *s;	   /* LIT_STR (unescaped UTF-8), LIT_BIN (bytes) */
	size_t n;	   /* length of s; LIT_SET: number of items */
	struct lit *items; /* LIT_SET */
};

/* ---- object paths ---- */

enum step_kind { STEP_KEY, STEP_INDEX, STEP_STAR };

struct step {
	enum step_kind kind;
	bool quoted; /* key was written as a string literal */
	const char *key;
	size_t keylen;
	long index; /* STEP_INDEX; negative counts from the end */
};

struct path {
	const char *type;
	size_t typelen;
	struct step *steps; /* steps[0] is the first property */
	size_t n;
};

/* ---- nodes ---- */

enum cmp_op {
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_IN,
	OP_LIKE,
	OP_MATCHES,
	OP_ISSUBSET,
	OP_ISSUPERSET,
	OP_EXISTS
};

enum node_kind {
	N_TEST,	      /* one comparison */
	N_CMP_AND,    /* comparison AND (n-ary) */
	N_CMP_OR,     /* comparison OR (n-ary) */
	N_OBS,	      /* [ comparison expression ] */
	N_OBS_AND,    /* observation AND (n-ary) */
	N_OBS_OR,     /* observation OR (n-ary) */
	N_FOLLOWEDBY, /* n-ary, folded left to right */
	N_WITHIN,     /* kid[0] WITHIN within_us */
	N_REPEATS,    /* kid[0] REPEATS repeats TIMES */
	N_STARTSTOP,  /* kid[0] START start STOP stop */
};

/* An IP network for ISSUBSET/ISSUPERSET: 16 bytes (IPv4 mapped at the end). */
struct cidr {
	uint8_t addr[16];
	int bits; /* prefix length within the family (0..32 or 0..128) */
	bool v6;
};

struct node {
	enum node_kind kind;
	long column; /* 1-based column where the node starts */
	struct node **kids;
	size_t nkids;
	/* N_TEST */
	struct path path;
	enum cmp_op op;
	bool neg; /* NOT */
	struct lit lit;
	pcre2_code *re; /* OP_MATCHES (UTF mode), OP_LIKE (translated) */
	/* LIKE / MATCHES constant in Unicode NFC (the value is normalized too
	 * before matching, as the OASIS matcher does); == lit.s when already NFC */
	const char *rx;
	size_t rxn;
	pcre2_code *re_bin; /* OP_MATCHES against binary values (byte mode) */
	struct cidr cidr;   /* OP_ISSUBSET / OP_ISSUPERSET */
	/* qualifiers */
	int64_t within_us;
	int64_t repeats;
	tp_time_us start, stop;
};

struct tp_pattern {
	struct arena arena;
	struct node *root;
	char *text; /* copy of the source (arena) */
	size_t len;
	const char **warnings;
	size_t nwarnings;
	/* pcre2 codes to free (they are not in the arena) */
	pcre2_code **codes;
	size_t ncodes, capcodes;
};

/* ---- shared helpers ---- */

/* Parses "a.b.c.d", "a.b.c.d/n", IPv6 forms; 0 on success. */
int tp_pattern_cidr_parse(const char *s, size_t n, struct cidr *out);
/* 1 if network a is inside network b (same family). */
int tp_pattern_cidr_within(const struct cidr *a, const struct cidr *b);

/* Max observations one binding of node can use (REPEATS multiplies). */
int64_t tp_pattern_binding_size(const struct node *n);

/* Warnings and (with TP_PATTERN_STRICT) hash checks over a parsed tree. */
enum tp_err tp_pattern_check_tree(struct tp_pattern *p, unsigned flags, struct tp_diag *d);

/* Schema check of one path: NULL or a warning (static or arena string). */
const char *tp_pattern_schema_check(struct arena *a, const struct path *p);

/*
 * s[0..n) in Unicode NFC: 0 with *out NULL when it already is (ASCII, the
 * common case), 0 with *out malloc'd (caller frees) otherwise, -1 when it
 * is not UTF-8 or memory ran out.
 */
int tp_pattern_nfc(const char *s, size_t n, char **out, size_t *outn);

/* Decodes base64 s[0..n) into out (at least n bytes); -1 if invalid. */
long tp_pattern_b64_decode(const char *s, size_t n, uint8_t *out);

#endif
