/*
 * Real indicators: every IOC of the maltrail DPRK trail files in
 * data/intel/maltrail/ (Lazarus, BlueNoroff, Kimsuky, Konni, ...) becomes
 * a STIX pattern (domain, IPv4 address or URL), must pass the strict
 * check, and goes into one compiled set. Observations carrying every 50th
 * IOC (and values that are no IOC) must hit exactly the indicators with
 * that value, counted independently by comparing strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <string.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/pattern.h"
#include "tripact/pattern_set.h"

struct ioc {
	char *value;
	const char *type; /* domain-name, ipv4-addr, url */
};

static struct ioc *iocs;
static size_t niocs, capiocs;

static void add_line(char *ln)
{
	size_t n = strlen(ln);
	while (n && (ln[n - 1] == '\r' || ln[n - 1] == ' ' || ln[n - 1] == '\t'))
		ln[--n] = 0;
	if (!n || ln[0] == '#')
		return;
	if (niocs == capiocs) {
		capiocs = capiocs ? capiocs * 2 : 1024;
		iocs = realloc(iocs, capiocs * sizeof *iocs);
		assert_non_null(iocs);
	}
	struct ioc *i = &iocs[niocs++];
	unsigned char a[4];
	if (strchr(ln, '/')) {
		i->type = "url";
		size_t m = strlen(ln) + 8;
		i->value = malloc(m);
		assert_non_null(i->value);
		snprintf(i->value, m, "%s%s", strstr(ln, "://") ? "" : "http://", ln);
		return;
	}
	i->type = inet_pton(AF_INET, ln, a) == 1 ? "ipv4-addr" : "domain-name";
	i->value = strdup(ln);
	assert_non_null(i->value);
}

static void load_iocs(void)
{
	const char *dir = tp_test_path("data/intel/maltrail");
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0)
			continue;
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		char *text = tp_test_slurp(path, NULL);
		assert_non_null(text);
		char *save = NULL;
		for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save))
			add_line(ln);
		free(text);
	}
	closedir(dp);
}

/* The pattern for one IOC, with ' and \ escaped. */
static void pattern_for(const struct ioc *i, struct tp_buf *b)
{
	tp_buf_reset(b);
	assert_int_equal(tp_buf_printf(b, "[%s:value = '", i->type), TP_OK);
	for (const char *s = i->value; *s; s++) {
		if (*s == '\'' || *s == '\\')
			assert_int_equal(tp_buf_putc(b, '\\'), TP_OK);
		assert_int_equal(tp_buf_putc(b, *s), TP_OK);
	}
	assert_int_equal(tp_buf_puts(b, "']"), TP_OK);
}

static int count_hit(uint32_t id, void *ctx)
{
	size_t *n = ctx;
	n[0]++;
	n[1] += id; /* checksum of ids, compared with the oracle's */
	return 0;
}

static void test_maltrail_iocs(void **state)
{
	(void)state;
	load_iocs();
	assert_true(niocs > 30000);
	struct tp_pattern_set *set = NULL;
	assert_int_equal(tp_pattern_set_new(&set), TP_OK);
	struct tp_buf b;
	tp_buf_init(&b, 0);
	size_t invalid = 0;
	for (size_t i = 0; i < niocs; i++) {
		struct tp_diag d = {0};
		pattern_for(&iocs[i], &b);
		if (tp_pattern_validate(b.data, b.len, &d) != TP_OK && invalid++ < 5)
			fprintf(stderr, "%s: %s\n", b.data, d.message);
		assert_int_equal(tp_pattern_set_add(set, b.data, b.len, (uint32_t)i, &d), TP_OK);
	}
	assert_int_equal(invalid, 0);
	struct tp_diag d = {0};
	assert_int_equal(tp_pattern_set_compile(set, &d), TP_OK);
	struct tp_pattern_set_stats st;
	tp_pattern_set_stats(set, &st);
	assert_int_equal(st.exact, niocs); /* every one answered by the index alone */

	/* observations: every 50th IOC, and a miss after each */
	json_t *objs = json_array();
	size_t nobs = 0;
	for (size_t i = 0; i < niocs; i += 50) {
		for (int miss = 0; miss < 2; miss++) {
			char id[64], od[64], val[600];
			snprintf(id, sizeof id, "sco--%zu-%d", i, miss);
			snprintf(od, sizeof od, "observed-data--%zu-%d", i, miss);
			snprintf(val, sizeof val, "%s%s", iocs[i].value, miss ? ".not-an-ioc" : "");
			json_array_append_new(objs, json_pack("{s:s,s:s,s:s}", "type", iocs[i].type,
							      "id", id, "value", val));
			json_array_append_new(objs,
					      json_pack("{s:s,s:s,s:s,s:s,s:i,s:[s]}", "type",
							"observed-data", "id", od, "first_observed",
							"2024-01-01T00:00:00Z", "last_observed",
							"2024-01-01T00:00:00Z", "number_observed",
							1, "object_refs", id));
			nobs++;
		}
	}
	struct tp_pattern_data *data = NULL;
	assert_int_equal(tp_pattern_data_new(objs, &data, &d), TP_OK);
	struct tp_pattern_scratch *sc = NULL;
	assert_int_equal(tp_pattern_scratch_new(set, &sc), TP_OK);
	size_t k = 0, total = 0;
	for (size_t i = 0; i < niocs; i += 50) {
		for (int miss = 0; miss < 2; miss++, k++) {
			size_t got[2] = {0, 0}, want[2] = {0, 0};
			assert_int_equal(tp_pattern_set_match(set, sc, data, k, count_hit, got),
					 TP_OK);
			for (size_t j = 0; !miss && j < niocs; j++)
				if (strcmp(iocs[j].type, iocs[i].type) == 0 &&
				    strcmp(iocs[j].value, iocs[i].value) == 0) {
					want[0]++;
					want[1] += j;
				}
			assert_int_equal(got[0], want[0]);
			assert_int_equal(got[1], want[1]);
			total += got[0];
		}
	}
	fprintf(stderr, "maltrail: %zu IOCs as patterns, %zu observations, %zu hits\n", niocs, nobs,
		total);
	assert_true(total >= nobs / 2);
	tp_pattern_scratch_free(sc);
	tp_pattern_data_free(data);
	json_decref(objs);
	tp_pattern_set_free(set);
	tp_buf_free(&b);
	for (size_t i = 0; i < niocs; i++)
		free(iocs[i].value);
	free(iocs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maltrail_iocs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
