/*
 * TLP levels of objects (all three id families, granular markings,
 * unknown ids, definitions) and the store re-evaluating objects when a
 * marking definition arrives -- from the originator only.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/store.h"
#include "tripact/tlp.h"
#include "unit/store/store_location.h"

static enum tp_tlp level_of(const char *json, enum tp_tlp dflt, int *unresolved)
{
	json_t *o = json_loads(json, 0, NULL);
	assert_non_null(o);
	enum tp_tlp t;
	int u;
	tp_tlp_of_object(o, NULL, NULL, dflt, &t, &u);
	json_decref(o);
	if (unresolved)
		*unresolved = u;
	return t;
}

static void test_names(void **state)
{
	enum tp_tlp t;
	assert_int_equal(tp_tlp_parse("TLP:AMBER+STRICT", &t), TP_OK);
	assert_int_equal(t, TP_TLP_AMBER_STRICT);
	assert_int_equal(tp_tlp_parse("white", &t), TP_OK);
	assert_int_equal(t, TP_TLP_CLEAR);
	assert_int_equal(tp_tlp_parse("Red", &t), TP_OK);
	assert_int_equal(t, TP_TLP_RED);
	assert_int_equal(tp_tlp_parse("amber-strict", &t), TP_EINVAL);
	assert_int_equal(tp_tlp_parse("", &t), TP_EINVAL);
	assert_string_equal(tp_tlp_name(TP_TLP_AMBER_STRICT), "amber+strict");
}

static void test_levels(void **state)
{
	int u;
	assert_int_equal(level_of("{\"type\":\"indicator\"}", TP_TLP_AMBER, &u), TP_TLP_AMBER);
	assert_int_equal(u, 0);
	assert_int_equal(level_of("{\"object_marking_refs\":[\"marking-definition--34098fce-860f-"
				  "48ae-8e50-ebd3cc5e41da\"]}",
				  TP_TLP_RED, &u),
			 TP_TLP_GREEN);
	/* case-insensitive ids; strictest wins */
	assert_int_equal(level_of("{\"object_marking_refs\":[\"marking-definition--94868C89-83C2-"
				  "464B-929B-A1A8AA3C8487\",\"marking-definition--939a9414-2ddd-"
				  "4d32-a0cd-375ea402b003\"]}",
				  TP_TLP_CLEAR, &u),
			 TP_TLP_AMBER_STRICT);
	assert_int_equal(level_of("{\"object_marking_refs\":[\"marking-definition--826578e1-40ad-"
				  "459f-bc73-ede076f81f37\"]}",
				  TP_TLP_CLEAR, &u),
			 TP_TLP_AMBER_STRICT);
	/* unknown: RED and flagged */
	assert_int_equal(level_of("{\"object_marking_refs\":[\"marking-definition--00000000-0000-"
				  "4000-8000-000000000000\"]}",
				  TP_TLP_CLEAR, &u),
			 TP_TLP_RED);
	assert_int_equal(u, 1);
	/* granular stricter than object level */
	assert_int_equal(level_of("{\"object_marking_refs\":[\"marking-definition--613f2e26-407d-"
				  "48c7-9eca-b8e91df99dc9\"],\"granular_markings\":[{\"selectors\":"
				  "[\"name\"],\"marking_ref\":\"marking-definition--f88d31f6-486f-"
				  "44da-b317-01333bde0b82\"}]}",
				  TP_TLP_CLEAR, &u),
			 TP_TLP_AMBER);
	/* a language granular marking is not a TLP marking */
	assert_int_equal(
		level_of("{\"granular_markings\":[{\"selectors\":[\"name\"],\"lang\":\"ja\"}]}",
			 TP_TLP_GREEN, &u),
		TP_TLP_GREEN);
	/* a granular marking that is neither: RED */
	assert_int_equal(
		level_of("{\"granular_markings\":[{\"selectors\":[\"name\"]}]}", TP_TLP_GREEN, &u),
		TP_TLP_RED);
	/* non-string refs are ignored, not crashes */
	assert_int_equal(level_of("{\"object_marking_refs\":[1,null,{}]}", TP_TLP_GREEN, &u),
			 TP_TLP_GREEN);
}

static void test_definitions(void **state)
{
	static const struct {
		const char *json;
		enum tp_marking_kind kind;
		enum tp_tlp level;
	} defs[] = {
		{"{\"id\":\"marking-definition--x\",\"definition_type\":\"tlp\",\"definition\":"
		 "{\"tlp\":\"green\"}}",
		 TP_MARKING_TLP, TP_TLP_GREEN},
		{"{\"id\":\"marking-definition--x\",\"definition_type\":\"TLP\",\"definition\":"
		 "{\"TLP\":\"TLP:AMBER+STRICT\"}}",
		 TP_MARKING_TLP, TP_TLP_AMBER_STRICT},
		{"{\"id\":\"marking-definition--x\",\"extensions\":{\"extension-definition--"
		 "60a3c5c5-"
		 "0d10-413e-aab3-9e08dde9e88d\":{\"extension_type\":\"property-extension\","
		 "\"tlp_2_0\":\"amber\"}}}",
		 TP_MARKING_TLP, TP_TLP_AMBER},
		{"{\"id\":\"marking-definition--x\",\"definition_type\":\"tlp\",\"definition\":"
		 "{\"tlp\":\"purple\"}}",
		 TP_MARKING_TLP, TP_TLP_RED},
		{"{\"id\":\"marking-definition--x\",\"definition_type\":\"statement\","
		 "\"definition\":{\"statement\":\"Copyright\"}}",
		 TP_MARKING_OTHER, TP_TLP_RED},
	};
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		json_t *o = json_loads(defs[i].json, 0, NULL);
		enum tp_tlp t = TP_TLP_RED;
		assert_int_equal(tp_tlp_of_definition(o, &t), defs[i].kind);
		if (defs[i].kind == TP_MARKING_TLP)
			assert_int_equal(t, defs[i].level);
		json_decref(o);
	}
}

static void test_policy(void **state)
{
	struct tp_tlp_viewer v = {.org = 2, .can_read = 1, .node_org = 1};
	struct tp_tlp_subject s = {.tlp = TP_TLP_AMBER, .origin = 3, .from_partner = 0};
	assert_true(tp_tlp_may_read(&v, &s));
	s.from_partner = 1;
	assert_false(tp_tlp_may_read(&v, &s)); /* third party */
	v.org = 1;
	assert_true(tp_tlp_may_read(&v, &s)); /* this node's own org */
	s.tlp = TP_TLP_RED;
	assert_false(tp_tlp_may_read(&v, &s));
	v.org = 3;
	assert_true(tp_tlp_may_read(&v, &s));
	v.can_read = 0;
	s.tlp = TP_TLP_CLEAR;
	assert_false(tp_tlp_may_read(&v, &s));
	v = (struct tp_tlp_viewer){.org = 0, .can_read = 1, .node_org = 0};
	s = (struct tp_tlp_subject){.tlp = TP_TLP_RED, .origin = 0};
	assert_false(tp_tlp_may_read(&v, &s)); /* org 0 is nobody */
	s.tlp = (enum tp_tlp)42;
	v.org = 5;
	assert_false(tp_tlp_may_read(&v, &s)); /* out of range: RED */
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int count_row(void *ctx, const struct tp_store_row *r)
{
	(*(int *)ctx)++;
	return 0;
}

/* Latest versions org may read in coll. */
static int count_visible(struct tp_store *s, int64_t coll, int64_t org)
{
	struct tp_query q = {.collection = coll, .limit = 100};
	struct tp_tlp_viewer v = {.org = org, .can_read = 1};
	int more, n = 0;
	struct tp_diag d = {0};
	assert_int_equal(tp_store_query(s, &q, &v, 0, count_row, &n, &more, &d), TP_OK);
	return n;
}

/* An object referencing an unknown marking is RED until its originator
 * posts the definition; a definition from another organisation does not
 * count. */
static void test_store_reevaluates(void **state)
{
	char dir[] = "/tmp/tp-tlp-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct tp_store *s;
	struct tp_diag d = {0};
	int64_t us, jp;
	struct tp_collection c;
	assert_int_equal(tp_store_open(test_store_location(dir), &s, &d), TP_OK);
	assert_int_equal(tp_store_org_add(s, "us", NULL, &us, &d), TP_OK);
	assert_int_equal(tp_store_org_add(s, "jp", NULL, &jp, &d), TP_OK);
	assert_int_equal(tp_store_root_add(s, "api", NULL, NULL, 1, &d), TP_OK);
	assert_int_equal(tp_store_collection_add(s, "api", NULL, "c", "C", NULL, -1, &c, &d),
			 TP_OK);
	const char *obj = "{\"type\":\"indicator\",\"id\":\"indicator--00000000-0000-4000-8000-"
			  "000000000001\",\"modified\":\"2024-01-01T00:00:00Z\","
			  "\"object_marking_refs\":[\"marking-definition--aaaaaaaa-0000-4000-8000-"
			  "000000000000\"]}";
	const char *def_stmt = "{\"type\":\"marking-definition\",\"id\":\"marking-definition--"
			       "aaaaaaaa-0000-4000-8000-000000000000\",\"created\":"
			       "\"2024-01-01T00:00:00Z\",\"definition_type\":\"statement\","
			       "\"definition\":{\"statement\":\"(c) us\"}}";
	json_t *o = json_loads(obj, 0, NULL), *def = json_loads(def_stmt, 0, NULL);
	struct tp_store_put p = {
		.collection = c.id, .object = o, .origin = us, .default_tlp = TP_TLP_GREEN};
	struct tp_store_put_result r;
	assert_int_equal(tp_store_put_many(s, &p, 1, &r, &d), TP_OK);
	assert_int_equal(r.tlp, TP_TLP_RED);
	assert_int_equal(count_visible(s, c.id, jp), 0);
	assert_int_equal(count_visible(s, c.id, us), 1);
	/* jp posts a definition for us's marking: ignored for us's objects */
	p = (struct tp_store_put){
		.collection = c.id, .object = def, .origin = jp, .default_tlp = TP_TLP_GREEN};
	assert_int_equal(tp_store_put_many(s, &p, 1, &r, &d), TP_OK);
	assert_int_equal(count_visible(s, c.id, jp), 1); /* only the definition itself */
	/* us posts it (a new version so it is stored): the object becomes GREEN */
	json_object_set_new(def, "created", json_string("2024-01-02T00:00:00Z"));
	p.origin = us;
	assert_int_equal(tp_store_put_many(s, &p, 1, &r, &d), TP_OK);
	assert_int_equal(count_visible(s, c.id, jp), 2); /* the object + the definition */
	json_decref(o);
	json_decref(def);
	tp_store_close(s);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_definitions),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_store_reevaluates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
