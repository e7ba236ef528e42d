/*
 * etl_scan's strings, wherever their special bytes fall: a control byte,
 * an escape, a two-byte UTF-8 character, a byte that is not UTF-8, DEL and
 * a closing quote, after 0 to 47 plain bytes and before 0 to 19 more (the
 * scanner looks at 8 bytes at a time), in {"hash":"..."}.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "trace/etl_scan.h"

enum special { CONTROL, ESCAPE, UTF8, NOT_UTF8, QUOTE, DEL };

/* Scans {"hash":"<k a's><special><m b's>"}; the result and the hash. */
static enum tp_err scan(struct tpe_scan *sc, int k, enum special sp, int m,
			const struct tpe_tx **tx)
{
	static const char *const bytes[] = {"\x01", "\\n",	   "\xc3\xa9",
					    "\xff", "\",\"x\":\"", "\x7f"};
	static char line[200]; /* the hash may point into it */
	char msg[300];
	int n = sprintf(line, "{\"hash\":\"%.*s%s%.*s\"}", k,
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", bytes[sp], m,
			"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	return tpe_scan_line(sc, line, (size_t)n, tx, msg, sizeof msg);
}

static void test_special_bytes_anywhere(void **state)
{
	(void)state;
	struct tpe_scan *sc;
	assert_int_equal(tpe_scan_new(&sc), TP_OK);
	const struct tpe_tx *tx;
	for (int k = 0; k < 48; k++) {
		for (int m = 0; m < 20; m++) {
			assert_int_equal(scan(sc, k, CONTROL, m, &tx), TP_EPARSE);
			assert_int_equal(scan(sc, k, NOT_UTF8, m, &tx), TP_EPARSE);
			assert_int_equal(scan(sc, k, QUOTE, m, &tx), TP_OK); /* "a..","x":"b.." */
			assert_int_equal(tx->hash.len, (size_t)k);
			assert_int_equal(scan(sc, k, ESCAPE, m, &tx), TP_OK);
			assert_int_equal(tx->hash.kind, TPE_STR);
			assert_int_equal(tx->hash.len, (size_t)(k + 1 + m));
			assert_int_equal(tx->hash.s[k], '\n');
			assert_int_equal(scan(sc, k, UTF8, m, &tx), TP_OK);
			assert_int_equal(tx->hash.len, (size_t)(k + 2 + m));
			assert_memory_equal(tx->hash.s + k, "\xc3\xa9", 2);
			assert_int_equal(scan(sc, k, DEL, m, &tx), TP_OK); /* 0x7f is allowed */
			assert_int_equal(tx->hash.len, (size_t)(k + 1 + m));
		}
	}
	tpe_scan_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_special_bytes_anywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
