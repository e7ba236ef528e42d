/*
 * tp_json_load_fast against jansson: whatever the fast parser accepts,
 * json_loadb(JSON_REJECT_DUPLICATES) must accept with the same value, and
 * tp_json_load must answer exactly as jansson does (value, or message, line
 * and column). Run over a table of edge cases and over every JSON file of
 * the fuzz corpora, tests/data/stix and data/, whole, cut short and with
 * single bytes changed.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
/* cmocka needs the headers above */
#include <cmocka.h>

#include "tp_test.h"
#include "tripact/json.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))

static size_t n_inputs, n_fast, n_jansson;

/*
 * Checks one input; returns 1 when the fast parser accepted it. what names
 * the input in failure messages.
 */
static int differ(const char *buf, size_t len, const char *what)
{
	json_t *f = NULL, *j, *l = NULL;
	json_error_t je;
	struct tp_diag d = {0};
	int fast = tp_json_load_fast(buf, len, &f) == TP_OK;
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	enum tp_err le = tp_json_load(buf, len, &l, &d);
	n_inputs++;
	n_fast += fast;
	n_jansson += j != NULL;
	if (fast && !j)
		fail_msg("%s: fast parser accepts, jansson rejects (%s)", what, je.text);
	if (j) {
		char *sj = json_dumps(j, DUMP_FLAGS);
		if (fast) {
			char *sf = json_dumps(f, DUMP_FLAGS);
			if (strcmp(sf, sj) != 0)
				fail_msg("%s: values differ:\n fast    %.200s\n jansson %.200s",
					 what, sf, sj);
			free(sf);
		}
		if (le != TP_OK)
			fail_msg("%s: tp_json_load rejects what jansson accepts", what);
		char *sl = json_dumps(l, DUMP_FLAGS);
		if (strcmp(sl, sj) != 0)
			fail_msg("%s: tp_json_load value differs from jansson's", what);
		free(sl);
		free(sj);
	} else {
		if (le == TP_OK)
			fail_msg("%s: tp_json_load accepts what jansson rejects", what);
		char want[300];
		snprintf(want, sizeof want, "malformed JSON: %s", je.text);
		if (strcmp(d.message, want) != 0 || d.line != (je.line > 0 ? je.line : 0) ||
		    d.column != (je.column > 0 ? je.column : 0))
			fail_msg("%s: diagnosis %ld:%ld %s, jansson %d:%d %s", what, (long)d.line,
				 (long)d.column, d.message, je.line, je.column, je.text);
	}
	json_decref(f);
	json_decref(j);
	json_decref(l);
	return fast;
}

/* Cases the fast parser must take itself. */
static const char *const accepted[] = {
	"{}",
	"[]",
	" \t\r\n{ \"a\" : [ 1 , -2 , 0 , -0 , 3.25 , -1e3 , 2E+2 , 5e-1 , 1e-400 ] } \n",
	"[\"\",\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
	"[\"\\u00e9\\u20AC\\ud83d\\ude00 plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]",
	"{\"k\\u00e9y\":1,\"k\xc3\xa9y2\":{\"\\n\":[true,false,null]}}",
	"[9223372036854775807,-9223372036854775808,0.1,123456789.123456789e-5]",
	"{\"a\":{\"a\":{\"a\":1}},\"b\":1}",
	"[[[[[[[[[[[[[[[[[[[[{\"a\":[]}]]]]]]]]]]]]]]]]]]]]",
	"{\"long escaped key \\t with more than one hundred and twenty-eight bytes in it, "
	"to go past the stack buffer kept for keys while the value is parsed\":\"\\n\"}",
};

/* Malformed: both must reject (the fast parser declines). */
static const char *const rejected[] = {
	"",
	"   ",
	"1",
	"\"s\"",
	"null",
	"{\"a\":1,\"a\":2}",
	"{\"a\":1,}",
	"[1,]",
	"[1 2]",
	"{\"a\" 1}",
	"{1:2}",
	"[01]",
	"[1.]",
	"[.5]",
	"[+1]",
	"[1e]",
	"[-]",
	"[tru]",
	"[truex]",
	"[nul]",
	"[\"\\u0000\"]",
	"{\"\\u0000\":1}",
	"[\"\\ud800\"]",
	"[\"\\udc00\"]",
	"[\"\\ud800\\u0041\"]",
	"[\"\\x\"]",
	"[\"\\u12G4\"]",
	"[\"tab\there\"]",
	"[\"\xc0\xaf\"]",
	"[\"\xed\xa0\x80\"]",
	"[\"\xf4\x90\x80\x80\"]",
	"[\"\xe2\x82\"]",
	"[\"\x80\"]",
	"[\"unterminated]",
	"{} x",
	"{}{}",
	"[1e400]",
	"[-1e400]",
	"[9223372036854775808]",
	"[-9223372036854775809]",
	"[99999999999999999999999]",
	"\xef\xbb\xbf{}",
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++)
		if (!differ(accepted[i], strlen(accepted[i]), accepted[i]))
			fail_msg("fast parser declines %s", accepted[i]);
	for (size_t i = 0; i < sizeof rejected / sizeof *rejected; i++) {
		json_t *v;
		if (differ(rejected[i], strlen(rejected[i]), rejected[i]))
			fail_msg("fast parser accepts %s", rejected[i]);
		assert_int_not_equal(tp_json_load(rejected[i], strlen(rejected[i]), &v, NULL),
				     TP_OK);
	}
	/* A NUL byte inside the span. */
	assert_int_equal(differ("[\"a\0b\"]", 7, "NUL in string"), 0);
	assert_int_equal(differ("[1]\0", 4, "NUL after value"), 0);
}

/* Legal input the fast parser leaves to jansson still loads. */
static void test_deep_nesting_goes_to_jansson(void **state)
{
	(void)state;
	size_t depth = 1000;
	char *s = malloc(2 * depth);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	json_t *v;
	assert_int_equal(tp_json_load_fast(s, 2 * depth, &v), TP_EPARSE);
	assert_int_equal(tp_json_load(s, 2 * depth, &v, NULL), TP_OK);
	json_decref(v);
	differ(s, 2 * depth, "1000 nested arrays");
	free(s);
	/* and past jansson's limit, its TP_ELIMIT */
	depth = 3000;
	s = malloc(2 * depth);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	assert_int_equal(tp_json_load(s, 2 * depth, &v, NULL), TP_ELIMIT);
	free(s);
}

static void test_duplicate_key_diagnosis(void **state)
{
	(void)state;
	const char *s = "{\n  \"type\": \"indicator\",\n  \"type\": \"malware\"\n}";
	json_t *v;
	struct tp_diag d = {0};
	assert_int_equal(tp_json_load(s, strlen(s), &v, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "duplicate object key"));
	assert_int_equal(d.line, 3);
}

/* The file, then prefixes and one-byte changes of it (small files only). */
static void check_file(const char *path)
{
	size_t len = 0;
	char *buf = tp_test_slurp(path, &len);
	assert_non_null(buf);
	char what[4200];
	int fast = differ(buf, len, path);
	json_error_t je;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	/* Every file jansson loads, the fast parser must take too. */
	if (j && !fast)
		fail_msg("%s: fast parser declines a file jansson loads", path);
	json_decref(j);
	if (len <= 65536) {
		static const char swaps[] = {'"', '\\', '}',	']',	',',
					     ':', '0',	'\x80', '\x1f', 'e'};
		size_t step = len / 24 + 1;
		for (size_t cut = 0; cut < len; cut += step) {
			snprintf(what, sizeof what, "%s cut at %zu", path, cut);
			differ(buf, cut, what);
			char keep = buf[cut];
			buf[cut] = swaps[cut % sizeof swaps];
			snprintf(what, sizeof what, "%s byte %zu changed", path, cut);
			differ(buf, len, what);
			buf[cut] = keep;
		}
	}
	free(buf);
}

static void walk(const char *dir, size_t *files)
{
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(path, files);
			continue;
		}
		size_t n = strlen(e->d_name);
		/* fuzz seeds have any name; elsewhere only .json files */
		if (strstr(dir, "fuzz/corpus") ||
		    (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)) {
			check_file(path);
			++*files;
		}
	}
	closedir(d);
}

static void test_corpora(void **state)
{
	(void)state;
	static const char *const dirs[] = {"fuzz/corpus/json", "fuzz/corpus/stix",
					   "tests/data/stix", "data"};
	size_t files = 0;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		walk(tp_test_path(dirs[i]), &files);
	printf("  %zu files, %zu inputs: %zu taken by the fast parser, %zu loaded by "
	       "jansson\n",
	       files, n_inputs, n_fast, n_jansson);
	assert_true(files > 100);
	assert_true(n_fast > files / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_deep_nesting_goes_to_jansson),
		cmocka_unit_test(test_duplicate_key_diagnosis),
		cmocka_unit_test(test_corpora),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
