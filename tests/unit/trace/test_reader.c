/*
 * The line reader's look-ahead: tpr_peek_more returns the lines after
 * r->line one by one, as tpr_next will return them, and stops at a line
 * not read in whole (the last one, without its newline). And the pages of
 * what was read are let go behind it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/reader.h"

static void expect_peek(struct tpr *r, const char *want)
{
	const char *line;
	size_t len;
	assert_int_equal(tpr_peek_more(r, &line, &len), 1);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(line, want, len);
}

static void expect_next(struct tpr *r, const char *want)
{
	assert_int_equal(tpr_next(r, NULL), 1);
	assert_string_equal(r->line, want);
}

/* Writes text to a fresh file named in path and opens r on it. */
static void open_text(struct tpr *r, char path[static 22], const char *text)
{
	strcpy(path, "/tmp/tp_reader_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(tpr_open(r, path, NULL), TP_OK);
}

static void test_peek_more(void **state)
{
	(void)state;
	char path[22];
	struct tpr r = {0};
	open_text(&r, path, "one\ntwo\r\n\nfour\nfive");
	expect_next(&r, "one");
	expect_peek(&r, "two");
	expect_peek(&r, "");
	expect_peek(&r, "four");
	const char *line;
	size_t len;
	assert_int_equal(tpr_peek_more(&r, &line, &len), 0); /* "five" has no newline */
	expect_next(&r, "two");
	expect_next(&r, "");
	/* on after "four", the last line peeked, not after r->line */
	assert_int_equal(tpr_peek_more(&r, &line, &len), 0);
	expect_next(&r, "four");
	expect_next(&r, "five");
	assert_int_equal(tpr_peek_more(&r, &line, &len), 0);
	assert_int_equal(tpr_next(&r, NULL), 0);
	tpr_close(&r);
	unlink(path);
}

static void test_peek_restarts(void **state)
{
	(void)state;
	char path[22];
	struct tpr r = {0};
	open_text(&r, path, "a\nb\nc\n");
	expect_next(&r, "a");
	expect_peek(&r, "b");
	expect_next(&r, "b");
	expect_peek(&r, "c"); /* all peeked lines returned: on from r->line */
	const char *line;
	size_t len;
	assert_int_equal(tpr_peek_more(&r, &line, &len), 0);
	expect_next(&r, "c");
	assert_int_equal(tpr_next(&r, NULL), 0);
	tpr_close(&r);
	unlink(path);
}

/*
 * Lines read and returned let their pages go a step at a time: every
 * line still reads back whole, and the part let go moves on behind the
 * lines returned (only whole steps, never past them).
 */
static void test_drops_read_pages(void **state)
{
	(void)state;
	const uint64_t step = tpr_drop_step;
	tpr_drop_step = 8192;
	char path[] = "/tmp/tp_reader_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	const int n = 600000; /* 9 MB: more than two of the reader's reads */
	for (int i = 0; i < n; i++)
		fprintf(f, "line %08d\n", i);
	assert_int_equal(fclose(f), 0);
	struct tpr r = {0};
	assert_int_equal(tpr_open(&r, path, NULL), TP_OK);
	char want[32];
	uint64_t last = 0;
	for (int i = 0; i < n; i++) {
		snprintf(want, sizeof want, "line %08d", i);
		expect_next(&r, want);
		assert_true(r.dropped <= r.consumed);
		assert_int_equal(r.dropped % 8192, 0);
		assert_true(r.dropped >= last);
		last = r.dropped;
	}
	assert_int_equal(tpr_next(&r, NULL), 0);
	assert_true(r.dropped >= (uint64_t)n * 14 - (8u << 20) - 8192);
	tpr_close(&r);
	unlink(path);
	tpr_drop_step = step;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peek_more),
		cmocka_unit_test(test_peek_restarts),
		cmocka_unit_test(test_drops_read_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
