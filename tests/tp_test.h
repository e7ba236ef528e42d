/*
 * Helpers shared by the cmocka unit tests. Include after cmocka's headers:
 *
 *	#include <stdarg.h>
 *	#include <stddef.h>
 *	#include <setjmp.h>
 *	#include <stdint.h>
 *	#include <cmocka.h>
 *	#include "tp_test.h"
 */
#ifndef TP_TEST_H
#define TP_TEST_H

#include <stdio.h>
#include <stdlib.h>

/*
 * A test group's scratch directory: defines scratch[], a /tmp/NAME_XXXXXX
 * template, and the cmocka group fixtures tp_scratch_make (mkdtemp) and
 * tp_scratch_remove (rm -rf):
 *
 *	TP_TEST_SCRATCH("tp_trace_graph");
 *	...
 *	return cmocka_run_group_tests(tests, tp_scratch_make, tp_scratch_remove);
 */
#define TP_TEST_SCRATCH(name)                                                  \
	static char scratch[] = "/tmp/" name "_XXXXXX";                         \
	static int tp_scratch_make(void **state)                                \
	{                                                                       \
		(void)state;                                                    \
		return mkdtemp(scratch) ? 0 : -1;                               \
	}                                                                       \
	static int tp_scratch_remove(void **state)                              \
	{                                                                       \
		(void)state;                                                    \
		char cmd[200];                                                  \
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);              \
		return system(cmd) == 0 ? 0 : -1;                               \
	}

/* An absolute path below the source tree (TP_SOURCE_DIR, set by ctest). */
static inline const char *tp_test_path(const char *rel)
{
	static char buf[4][4096];
	static int k;
	const char *top = getenv("TP_SOURCE_DIR");
	char *out = buf[k++ % 4];
	snprintf(out, sizeof buf[0], "%s/%s", top ? top : ".", rel);
	return out;
}

/* The whole file at path, NUL-terminated (caller frees); NULL if unreadable. */
static inline char *tp_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	size_t r;
	while (p && (r = fread(p + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n - 1 == 0) {
			char *q = realloc(p, cap *= 2);
			if (!q) {
				free(p);
				p = NULL;
			}
			p = q;
		}
	}
	fclose(f);
	if (p)
		p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

#endif
