/*
 * Import of the real samples in data/intel: expected counts and
 * spot-checked conversions per format, determinism, TLP markings,
 * attribution, and malformed input reported with its line.
 */
/* cmocka needs these first, in this order */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on
#include <string.h>

#include "convert_test.h"
#include "tp_test.h"
#include "tripact/time.h"

#define T2026	 1767225600000000LL /* 2026-01-01T00:00:00Z */
#define LAZARUS	 "intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a"
#define ATTACK21 "data/intel/attack/attack-dprk-v18.1.stix21.json"

static const char *const maltrail[] = {
	"data/intel/maltrail/android_lazarus.txt", "data/intel/maltrail/apt_bluenoroff.txt",
	"data/intel/maltrail/apt_kimsuky.txt",	   "data/intel/maltrail/apt_lazarus.txt",
	"data/intel/maltrail/apt_reaper.txt",	   "data/intel/maltrail/konni.txt",
};

static void test_list_maltrail(void **state)
{
	struct tp_convert_opts o = {.identity = "JP NISC (demo)",
				    .tlp = TP_TLP_GREEN,
				    .time = T2026,
				    .source = "maltrail"};
	struct run r;
	run_import(&r, &o, LIST, maltrail, 6);
	/* 34,711 entries; 34,098 distinct once refanged and lower-cased */
	assert_int_equal(r.st.rows, 34711);
	assert_int_equal(r.st.indicators, 34098);
	assert_int_equal(r.st.duplicates, 613);
	assert_int_equal(r.st.rejected, 0);
	assert_int_equal(r.nrep, 0);
	assert_int_equal(count_type(r.bundle, "indicator"), 34098);
	assert_int_equal(count_type(r.bundle, "identity"), 1);
	assert_int_equal(count_type(r.bundle, "marking-definition"), 1);

	/* apt_lazarus.txt line 16, under "# Reference: .../operation-applejeus/..." */
	const json_t *i = find(r.bundle, "indicator", "name", "celasllc.com");
	assert_non_null(i);
	assert_string_equal(tp_json_str(i, "pattern"), "[domain-name:value = 'celasllc.com']");
	assert_string_equal(tp_json_str(i, "valid_from"), "2026-01-01T00:00:00.000Z");
	const json_t *ref = json_array_get(json_object_get(i, "external_references"), 0);
	assert_string_equal(tp_json_str(ref, "source_name"), "maltrail");
	assert_string_equal(tp_json_str(i, "description"),
			    "Reference: https://securelist.com/operation-applejeus/87553/");
	/* a URL in external_references SHOULD carry the document's hashes */
	assert_null(json_object_get(ref, "url"));
	assert_string_equal(tp_json_str(ref, "description"), "apt_lazarus.txt line 16");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(i, "object_marking_refs"), 0)),
		"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
	/* a real host name that merely starts with "hxxp" stays as it is */
	assert_non_null(find(r.bundle, "indicator", "name", "hxxp-naver.wetax-pay.online"));
	/* host:port/path and bare paths */
	i = find(r.bundle, "indicator", "name",
		 "newidealupvc.com:443/img/prettyPhoto/jquery.max.php");
	assert_non_null(i);
	assert_string_equal(
		tp_json_str(i, "pattern"),
		"[url:value LIKE '%://newidealupvc.com:443/img/prettyPhoto/jquery.max.php%']");
	run_free(&r);
}

static void test_list_eset_hashes(void **state)
{
	static const char *const f[] = {
		"data/intel/eset_malware-ioc/nukesped_lazarus/samples.md5",
		"data/intel/eset_malware-ioc/nukesped_lazarus/samples.sha1",
		"data/intel/eset_malware-ioc/nukesped_lazarus/samples.sha256",
	};
	struct tp_convert_opts o = {.identity = "ESET (demo)", .time = T2026};
	struct run r;
	run_import(&r, &o, LIST, f, 3);
	assert_int_equal(r.st.indicators, 3 * 555);
	assert_int_equal(r.st.rejected, 0);
	/* first line of samples.sha256 */
	const json_t *i =
		find(r.bundle, "indicator", "pattern",
		     "[file:hashes.'SHA-256' = "
		     "'6471f3898e63c2a9af25284253dc087dfda94809182c45728b3adc40e238c7f6']");
	assert_non_null(i);
	/* no description in the source: one is made */
	assert_string_equal(tp_json_str(i, "description"), "sha256 listed in samples.sha256");
	/* no --tlp: no marking */
	assert_null(json_object_get(i, "object_marking_refs"));
	assert_int_equal(count_type(r.bundle, "marking-definition"), 0);
	run_free(&r);
}

static const char *const volexity[] = {
	"data/intel/volexity_threat-intel/2021-08-17_InkySquid_APT37_part1/indicators.csv",
	"data/intel/volexity_threat-intel/2021-08-24_InkySquid_APT37_part2/indicators.csv",
	"data/intel/volexity_threat-intel/2022-07-28_SharpTongue_Kimsuky_SHARPEXT/indicators.csv",
	"data/intel/volexity_threat-intel/2022-12-01_AppleJeus/indicators.csv",
	"data/intel/volexity_threat-intel/2023-03-30_3CX_supply_chain/iocs.csv",
};

static void test_csv_volexity(void **state)
{
	struct tp_convert_opts o = {
		.identity = "Volexity (demo)", .time = T2026, .tlp = TP_TLP_CLEAR};
	struct run r;
	run_import(&r, &o, CSV, volexity, 5);
	/* 10 + 7 + 3 + 23 file rows of 3 hashes (69) + 34 = 123 values */
	assert_int_equal(r.st.rows, 123);
	assert_int_equal(r.st.indicators, 122);
	/* AppleJeus line 6 has a 63-digit "SHA-256": reported with its line */
	assert_int_equal(r.st.rejected, 1);
	assert_int_equal(r.nrep, 1);
	assert_int_equal(r.rep_line[0], 6);
	assert_non_null(strstr(r.rep_msg[0],
			       "82e67114d632795edf29ce1d50a4c1c444846d9e16cd121ce26e63c8dc4a162"));
	const json_t *i = find(r.bundle, "indicator", "name", "gonamod.com");
	assert_non_null(i);
	assert_string_equal(tp_json_str(i, "description"), "SHARPEXT C2 server");
	/* emailwhois rows are e-mail addresses */
	i = find(r.bundle, "indicator", "name", "philip.je@proton.me");
	assert_non_null(i);
	assert_string_equal(tp_json_str(i, "pattern"),
			    "[email-addr:value = 'philip.je@proton.me']");
	/* the BOM-prefixed AppleJeus header was understood: its file rows split */
	assert_non_null(find(r.bundle, "indicator", "pattern",
			     "[file:hashes.MD5 = '51871504c1d5c09ade5e2a1e6e98c37a']"));
	run_free(&r);
}

static void test_adoc_eset(void **state)
{
	static const char *const f[] = {"data/intel/eset_malware-ioc/nukesped_lazarus/README.adoc"};
	struct tp_convert_opts o = {.identity = "ESET (demo)", .time = T2026, .source = "ESET"};
	struct run r;
	run_import(&r, &o, ADOC, f, 1);
	/* tables, listings and lists of values; repeated hashes merged */
	assert_int_equal(r.st.indicators, 613);
	assert_int_equal(r.st.duplicates, 142);
	/* lists that are not network indicators or hashes: named, by line */
	static const long want[] = {91, 100, 145, 1775, 1810, 1837};
	assert_int_equal(r.nrep, 6);
	for (int k = 0; k < 6; k++)
		assert_int_equal(r.rep_line[k], want[k]);
	assert_non_null(strstr(r.rep_msg[2], "listing under 'Amazon-themed campaigns of Lazarus in "
					     "the Netherlands and Belgium / Mutexes' is not read"));
	/* `++url++` list items under "C&C servers" */
	assert_non_null(find(r.bundle, "indicator", "pattern",
			     "[url:value = 'http://www.stracarrara.org/images/img.asp']"));
	/* the 3CX table row: IP, domain, Details and context, the blog post */
	const json_t *i =
		find(r.bundle, "indicator", "pattern", "[domain-name:value = 'journalide.org']");
	assert_non_null(i);
	const char *desc = tp_json_str(i, "description");
	assert_non_null(strstr(desc, "C&C server for SimplexTea (/djour.php)"));
	assert_non_null(strstr(desc, "Hosting provider: Nexeon Technologies, Inc."));
	assert_non_null(strstr(desc,
			       "Reference: https://www.welivesecurity.com/2023/04/20/"
			       "linux-malware-strengthens-links-lazarus-3cx-supply-chain-attack"));
	/* two addresses in one cell, a URL on its own line */
	assert_non_null(
		find(r.bundle, "indicator", "pattern", "[ipv4-addr:value = '38.108.185.79']"));
	assert_non_null(
		find(r.bundle, "indicator", "pattern", "[ipv4-addr:value = '38.108.185.115']"));
	assert_non_null(find(r.bundle, "indicator", "pattern",
			     "[url:value = 'http://bug.restoroad.com/admin/view_status.php']"));
	/* SHA-1 table cells are upper case in the report */
	assert_non_null(find(r.bundle, "indicator", "pattern",
			     "[file:hashes.'SHA-1' = 'f6760fb1f8b019af2304ea6410001b63a1809f1d']"));
	run_free(&r);

	static const char *const k[] = {
		"data/intel/eset_malware-ioc/kimsuky/hotdoge_donutcat_case/README.adoc"};
	run_import(&r, &o, ADOC, k, 1);
	assert_int_equal(r.st.indicators, 14);
	int placeholders = 0;
	for (int n = 0; n < r.nrep; n++)
		placeholders += strstr(r.rep_msg[n], "holds a placeholder") != NULL;
	assert_int_equal(placeholders, 6);
	assert_non_null(find(r.bundle, "indicator", "name", "103.125.219.119:81"));
	run_free(&r);
}

static void test_adoc_edges(void **state)
{
	struct run r;
	memset(&r, 0, sizeof r);
	tp_buf_init(&r.out, 0);
	struct tp_convert_opts o = {.time = T2026};
	struct tp_convert *c;
	assert_int_equal(tp_convert_new(&o, run_sink, run_report, &r, &c), TP_OK);
	static const char text[] = "== Network indicators\n"		   /* 1 */
				   "|===\n"				   /* 2 */
				   "| IP address | Domain | Details\n"	   /* 3 */
				   "| `198.51.100[.]1` | N/A | C&C\n"	   /* 4 */
				   "| `198.51.100.2` | `c2[.]example` |\n" /* 5 */
				   "| `c2.example` | N/A | wrong column\n" /* 6 */
				   "| `198.51.100.3`\n"			   /* 7: row left open */
				   "|===\n"				   /* 8 */
				   "|===\n"				   /* 9 */
				   "|a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q\n"  /* 10: too wide */
				   "|1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17\n" /* 11 */
				   "|===\n";					  /* 12 */
	FILE *in = fmemopen((void *)text, sizeof text - 1, "r");
	struct tp_diag d = {0};
	assert_int_equal(tp_convert_adoc(c, "edges.adoc", in, &d), TP_OK);
	fclose(in);
	struct tp_convert_stats st;
	assert_int_equal(tp_convert_finish(c, &st, &d), TP_OK);
	assert_int_equal(st.indicators, 3);
	static const long want[] = {6, 7, 10};
	assert_int_equal(r.nrep, 3);
	for (int k = 0; k < 3; k++)
		assert_int_equal(r.rep_line[k], want[k]);
	assert_string_equal(r.rep_msg[0], "'c2.example' is a domain value, not IP address");
	assert_non_null(strstr(r.rep_msg[1], "incomplete table row (1 of 3 cells)"));
	assert_non_null(strstr(r.rep_msg[2], "more than 16 columns"));
	tp_convert_free(c);
	tp_buf_free(&r.out);
}

static void test_misp_eset(void **state)
{
	size_t len = 0;
	char *attack_text = tp_test_slurp(tp_test_path(ATTACK21), &len);
	assert_non_null(attack_text);
	json_t *attack;
	assert_int_equal(tp_json_load(attack_text, len, &attack, NULL), TP_OK);
	free(attack_text);
	static const char *const f[] = {
		"data/intel/eset_malware-ioc/nukesped_lazarus/lazarus_3cx.json"};
	struct tp_convert_opts o = {.identity = "ESET (demo)", .time = T2026, .attack = attack};
	struct run r;
	run_import(&r, &o, MISP, f, 1);
	/* 17 objects: 11 with values (15 to_ids, 10 context values, one IP twice) */
	assert_int_equal(r.st.indicators, 15);
	assert_int_equal(r.st.observables, 9);
	assert_int_equal(r.st.duplicates, 1);
	/* the event's galaxies: Lazarus Group + 17 of 20 techniques are in the
	 * DPRK subgraph -> 18 targets for each of the 15 indicators */
	assert_int_equal(r.st.relationships, 15 * 18);
	/* reported: 3 techniques not in the subgraph, 5 context-only objects */
	assert_int_equal(r.st.rejected, 8);
	int galaxy = 0, objs = 0;
	for (int k = 0; k < r.nrep; k++) {
		galaxy += strcmp(r.rep_path[k], "response[0].Event.Galaxy") == 0;
		objs += strncmp(r.rep_path[k], "response[0].Event.Object[", 25) == 0;
	}
	assert_int_equal(galaxy, 3);
	assert_int_equal(objs, 5);
	/* ESET's file object: filename and path go into the description */
	const json_t *i = find(r.bundle, "indicator", "pattern",
			       "[file:hashes.MD5 = 'cedb9cdbad254f60cfb215b9bff84fb9']");
	assert_non_null(i);
	assert_non_null(strstr(tp_json_str(i, "description"), "filename: guiconfigd"));
	/* to_ids false: an SCO with the STIX deterministic id */
	assert_non_null(find(r.bundle, "ipv4-addr", "value", "38.108.185.115"));
	/* indicates Lazarus Group */
	size_t k;
	const json_t *x;
	int lazarus = 0;
	json_array_foreach(json_object_get(r.bundle, "objects"), k, x)
	{
		const char *t = tp_json_str(x, "target_ref");
		lazarus += t && strcmp(t, LAZARUS) == 0 &&
			   strcmp(tp_json_str(x, "relationship_type"), "indicates") == 0;
	}
	assert_int_equal(lazarus, 15);
	run_free(&r);
	json_decref(attack);
}

static void test_misp_composites(void **state)
{
	static const char *const f[] = {"tests/data/convert/misp-event.json"};
	struct tp_convert_opts o = {.identity = "ESET (demo)", .time = T2026};
	struct run r;
	run_import(&r, &o, MISP, f, 1);
	assert_int_equal(r.st.indicators, 10);
	assert_int_equal(r.st.observables, 5);
	/* no ATT&CK bundle: the galaxy is reported; two context-only objects */
	assert_int_equal(r.st.rejected, 3);
	assert_string_equal(r.rep_path[0], "Event.Galaxy");
	assert_non_null(strstr(r.rep_msg[0], "no ATT&CK bundle given"));
	/* filename|md5: the hash, described by the name */
	const json_t *i = find(r.bundle, "indicator", "pattern",
			       "[file:hashes.MD5 = '3cf7232e5185109321921046d039cf10']");
	assert_non_null(i);
	assert_non_null(strstr(tp_json_str(i, "description"), "file name: HSBC_job_offer.pdf"));
	/* the event's link is every indicator's reference */
	assert_non_null(strstr(tp_json_str(i, "description"),
			       "\nReference: https://www.welivesecurity.com/2023/04/20/"));
	/* domain|ip: both halves */
	assert_non_null(
		find(r.bundle, "indicator", "pattern", "[domain-name:value = 'journalide.org']"));
	assert_non_null(
		find(r.bundle, "indicator", "pattern", "[ipv4-addr:value = '172.93.201.88']"));
	/* ip-dst|port with its own tlp:red tag; the rest tlp:amber from the event */
	i = find(r.bundle, "indicator", "name", "23.254.211.230:443");
	assert_non_null(i);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(i, "object_marking_refs"), 0)),
		"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1");
	i = find(r.bundle, "indicator", "pattern",
		 "[cryptocurrency-wallet:value = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT']");
	assert_non_null(i);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(i, "object_marking_refs"), 0)),
		"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
	assert_string_equal(json_string_value(json_array_get(json_object_get(i, "labels"), 0)),
			    "ESET");
	assert_int_equal(count_type(r.bundle, "marking-definition"), 2);
	run_free(&r);
}

/* ETH in MISP: coin-address's address-crypto with symbol ETH (or none). */
static void test_misp_coin_address(void **state)
{
	static const char *const f[] = {"tests/data/convert/misp-coin.json"};
	struct tp_convert_opts o = {.identity = "KR KISA (demo)", .time = T2026};
	struct run r;
	run_import(&r, &o, MISP, f, 1);
	assert_int_equal(r.st.indicators, 1);
	const json_t *i = find(
		r.bundle, "indicator", "pattern",
		"[cryptocurrency-wallet:value = '0x098b716b8aaf21512996dc57eb0615e2383e2f96']");
	assert_non_null(i);
	assert_non_null(strstr(tp_json_str(i, "description"), "symbol: ETH"));
	/* symbol BSC: context only; no symbol and not an address: refused */
	assert_int_equal(r.st.rejected, 2);
	assert_string_equal(r.rep_path[0], "Event.Object[1]");
	assert_non_null(strstr(r.rep_msg[0], "no indicator value"));
	assert_string_equal(r.rep_path[1], "Event.Object[2].Attribute[0]");
	assert_non_null(strstr(r.rep_msg[1], "not-an-address"));
	run_free(&r);
}

static void test_stix20_attack(void **state)
{
	static const char *const f[] = {"data/intel/attack/attack-dprk-v18.1.stix20.json"};
	struct tp_convert_opts o = {.time = T2026};
	struct run r;
	run_import(&r, &o, STIX20, f, 1);
	assert_int_equal(r.st.rejected, 0);
	/* object for object what MITRE's own 2.0 -> 2.1 rule gives */
	size_t len = 0;
	char *text = tp_test_slurp(tp_test_path(ATTACK21), &len);
	json_t *want;
	assert_int_equal(tp_json_load(text, len, &want, NULL), TP_OK);
	free(text);
	const json_t *a = json_object_get(r.bundle, "objects");
	const json_t *b = json_object_get(want, "objects");
	assert_int_equal(json_array_size(a), 2182);
	assert_int_equal(json_array_size(b), 2182);
	for (size_t i = 0; i < json_array_size(b); i++)
		if (!json_equal(json_array_get(a, i), json_array_get(b, i)))
			fail_msg("object %zu (%s) differs from MITRE's 2.1", i,
				 tp_json_str(json_array_get(b, i), "id"));
	json_decref(want);
	run_free(&r);
}

static void test_stix20_observed_data(void **state)
{
	static const char *const f[] = {"tests/data/convert/observed-data.stix20.json"};
	struct tp_convert_opts o = {.time = T2026, .tlp = TP_TLP_AMBER};
	struct run r;
	run_import(&r, &o, STIX20, f, 1);
	assert_int_equal(r.st.rejected, 0);
	const json_t *od = find(r.bundle, "observed-data", "spec_version", "2.1");
	assert_non_null(od);
	assert_null(json_object_get(od, "objects"));
	const json_t *refs = json_object_get(od, "object_refs");
	assert_int_equal(json_array_size(refs), 2);
	/* the STIX 2.1 deterministic id of domain-name "example.com" */
	const json_t *dn = find(r.bundle, "domain-name", "value", "example.com");
	assert_non_null(dn);
	assert_string_equal(tp_json_str(dn, "id"),
			    "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
	/* its resolves_to_refs now names the ipv4-addr SCO by id */
	const json_t *ip = find(r.bundle, "ipv4-addr", "value", "198.51.100.3");
	assert_non_null(ip);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(dn, "resolves_to_refs"), 0)),
		tp_json_str(ip, "id"));
	/* indicator: labels -> indicator_types, pattern_type added */
	const json_t *ind = find(r.bundle, "indicator", "spec_version", "2.1");
	assert_non_null(ind);
	assert_string_equal(tp_json_str(ind, "pattern_type"), "stix");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(ind, "indicator_types"), 0)),
		"malicious-activity");
	assert_null(json_object_get(ind, "labels"));
	/* --tlp joins the markings */
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(ind, "object_marking_refs"), 0)),
		"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
	run_free(&r);
}

static void test_stix20_versions(void **state)
{
	static const char *const f[] = {"tests/data/convert/versions.stix20.json"};
	struct tp_convert_opts o = {.time = T2026};
	struct run r;
	run_import(&r, &o, STIX20, f, 1);
	/* two versions of one object: both kept, neither a duplicate */
	assert_int_equal(count_type(r.bundle, "malware"), 2);
	assert_int_equal(r.st.duplicates, 0);
	const json_t *m = json_array_get(json_object_get(r.bundle, "objects"), 1);
	assert_true(json_is_true(json_object_get(m, "is_family")));
	/* vocabulary words move to malware_types; "malware" goes; others stay */
	const json_t *types = json_object_get(m, "malware_types");
	assert_int_equal(json_array_size(types), 2);
	assert_string_equal(json_string_value(json_array_get(types, 0)), "remote-access-trojan");
	assert_string_equal(json_string_value(json_array_get(types, 1)), "backdoor");
	const json_t *labels = json_object_get(m, "labels");
	assert_int_equal(json_array_size(labels), 1);
	assert_string_equal(json_string_value(json_array_get(labels, 0)), "pivy");
	run_free(&r);
}

static void test_stix20_report(void **state)
{
	static const char *const f[] = {"tests/data/convert/report.stix20.json"};
	struct tp_convert_opts o = {.time = T2026, .tlp = TP_TLP_AMBER};
	struct run r;
	run_import(&r, &o, STIX20, f, 1);
	const json_t *ta = find(r.bundle, "threat-actor", "name", "Hidden Cobra");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(ta, "threat_actor_types"), 0)),
		"nation-state");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ta, "labels"), 0)),
			    "hidden-cobra");
	/* it had TLP:GREEN (1.0): --tlp amber does not stack a second TLP */
	const json_t *m = json_object_get(ta, "object_marking_refs");
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(json_string_value(json_array_get(m, 0)),
			    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da");
	const json_t *rep = find(r.bundle, "report", "name", "HIDDEN COBRA activity");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(rep, "report_types"), 0)),
		"threat-report");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(rep, "object_marking_refs"), 0)),
		"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
	const json_t *tool = find(r.bundle, "tool", "name", "VNC");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(tool, "tool_types"), 0)),
		"remote-access");
	assert_int_equal(count_type(r.bundle, "sighting"), 1);
	assert_int_equal(r.st.rejected, 0);
	run_free(&r);
	/* and it is valid under --strict as well */
	run_import(&r, &o, STIX20, f, 1);
	validate_bundle(r.bundle, 1);
	run_free(&r);
}

static void test_deterministic_ids(void **state)
{
	static const char *const f[] = {"data/intel/maltrail/apt_reaper.txt"};
	struct tp_convert_opts o = {.identity = "KR KISA (demo)",
				    .time = T2026,
				    .attribute_to = (const char *const[]){LAZARUS},
				    .n_attribute_to = 1};
	struct run a, b;
	run_import(&a, &o, LIST, f, 1);
	o.time = T2026 + 86400000000LL; /* a day later: same ids */
	run_import(&b, &o, LIST, f, 1);
	assert_int_equal(a.st.indicators, 20);
	assert_int_equal(a.st.relationships, 20);
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(a.bundle, "objects"), i, x)
	{
		const char *id = tp_json_str(x, "id");
		assert_string_equal(
			id,
			tp_json_str(json_array_get(json_object_get(b.bundle, "objects"), i), "id"));
	}
	/* another producer: other indicator ids, same patterns */
	run_free(&b);
	o.identity = "US CISA (demo)";
	run_import(&b, &o, LIST, f, 1);
	const json_t *ia =
		find(a.bundle, "indicator", "pattern", "[domain-name:value = 'mlobby.mobi']");
	const json_t *ib =
		find(b.bundle, "indicator", "pattern", "[domain-name:value = 'mlobby.mobi']");
	if (ia && ib)
		assert_string_not_equal(tp_json_str(ia, "id"), tp_json_str(ib, "id"));
	run_free(&a);
	run_free(&b);
}

static void test_malformed_list(void **state)
{
	static const char *const f[] = {"tests/data/convert/malformed.txt"};
	struct tp_convert_opts o = {.time = T2026};
	struct run r;
	run_import(&r, &o, LIST, f, 1);
	/* every bad line named; good lines around them still converted */
	static const long want[] = {4, 6, 7, 9};
	assert_int_equal(r.nrep, 4);
	for (int k = 0; k < 4; k++)
		assert_int_equal(r.rep_line[k], want[k]);
	assert_int_equal(r.st.indicators, 3);
	const json_t *i = find(r.bundle, "indicator", "name", "good.example.com");
	assert_non_null(i);
	assert_string_equal(tp_json_str(i, "description"), "C2 of the week");
	run_free(&r);
}

static void test_malformed_csv(void **state)
{
	static const char *const f[] = {"tests/data/convert/malformed.csv"};
	struct tp_convert_opts o = {.time = T2026};
	struct run r;
	run_import(&r, &o, CSV, f, 1);
	static const long want[] = {3, 4, 7, 8, 10};
	assert_int_equal(r.nrep, 5);
	for (int k = 0; k < 5; k++)
		assert_int_equal(r.rep_line[k], want[k]);
	assert_non_null(strstr(r.rep_msg[1], "unknown type 'registry-key'"));
	/* a declared type is kept to: a host name is not an "ip" */
	assert_string_equal(r.rep_msg[4], "'not-an-ip.example' is a domain value, not ip");
	/* a quoted field with a comma and a line break */
	const json_t *i = find(r.bundle, "indicator", "name", "quoted.example.net");
	assert_non_null(i);
	assert_string_equal(tp_json_str(i, "description"), "C2, per \"vendor\"\nsecond line");
	assert_int_equal(r.st.indicators, 3);
	run_free(&r);
}

static void test_long_line(void **state)
{
	struct run r;
	memset(&r, 0, sizeof r);
	tp_buf_init(&r.out, 0);
	struct tp_convert_opts o = {.time = T2026};
	struct tp_convert *c;
	assert_int_equal(tp_convert_new(&o, run_sink, run_report, &r, &c), TP_OK);
	size_t n = 200000;
	char *text = malloc(n);
	memset(text, 'a', n);
	memcpy(text, "one.example\n", 12);
	memcpy(text + n - 12, "\ntwo.example", 12);
	FILE *in = fmemopen(text, n, "r");
	struct tp_diag d = {0};
	assert_int_equal(tp_convert_list(c, "long.txt", in, &d), TP_OK);
	fclose(in);
	struct tp_convert_stats st;
	assert_int_equal(tp_convert_finish(c, &st, &d), TP_OK);
	/* the 200 KB line is reported and skipped; the next line still read */
	assert_int_equal(st.indicators, 2);
	assert_int_equal(r.nrep, 1);
	assert_int_equal(r.rep_line[0], 2);
	assert_non_null(strstr(r.rep_msg[0], "line longer than 65536 bytes"));
	tp_convert_free(c);
	tp_buf_free(&r.out);
	free(text);
}

static void test_unterminated_csv(void **state)
{
	struct run r;
	memset(&r, 0, sizeof r);
	tp_buf_init(&r.out, 0);
	struct tp_convert_opts o = {.time = T2026};
	struct tp_convert *c;
	assert_int_equal(tp_convert_new(&o, run_sink, run_report, &r, &c), TP_OK);
	static const char text[] = "value,type\na.example,domain\n\"b.example,domain\n";
	FILE *in = fmemopen((void *)text, sizeof text - 1, "r");
	struct tp_diag d = {0};
	assert_int_equal(tp_convert_csv(c, "x.csv", in, &d), TP_EPARSE);
	assert_int_equal(d.line, 4);
	assert_non_null(strstr(d.message, "unterminated quoted field"));
	fclose(in);
	tp_convert_free(c);
	tp_buf_free(&r.out);
}

static void test_warninglists(void **state)
{
	struct tp_warninglists *w;
	struct tp_diag d = {0};
	assert_int_equal(tp_warninglists_new(&w), TP_OK);
	assert_int_equal(tp_warninglists_add(w, tp_test_path("data/intel/misp-warninglists"), &d),
			 TP_OK);
	assert_int_equal(tp_warninglists_count(w), 27);
	static const char *const f[] = {"tests/data/convert/warninglist.txt"};
	struct tp_convert_opts o = {.time = T2026, .warninglists = w};
	struct run r;
	run_import(&r, &o, LIST, f, 1);
	/* RFC 1918, Cisco top sites (a host and a URL), the empty-file MD5 and
	 * a dynamic DNS name become observables, each reported by line */
	assert_int_equal(r.st.warned, 5);
	assert_int_equal(r.st.indicators, 2);
	assert_int_equal(r.st.observables, 5);
	assert_int_equal(r.st.rejected, 0);
	static const long want[] = {3, 4, 5, 6, 8};
	assert_int_equal(r.nrep, 5);
	for (int k = 0; k < 5; k++)
		assert_int_equal(r.rep_line[k], want[k]);
	assert_non_null(strstr(r.rep_msg[0], "'List of RFC 1918 CIDR blocks'"));
	assert_non_null(find(r.bundle, "ipv4-addr", "value", "10.20.30.40"));
	assert_non_null(find(r.bundle, "indicator", "name", "celasllc.com"));
	run_free(&r);
	tp_warninglists_free(w);

	/* chosen lists only: the dynamic DNS name (a real Lazarus C2 in
	 * maltrail) stays an indicator */
	assert_int_equal(tp_warninglists_new(&w), TP_OK);
	static const char *const lists[] = {"rfc1918", "cisco_top1000", "empty-hashes",
					    "common-ioc-false-positive"};
	for (size_t i = 0; i < 4; i++) {
		char p[256];
		snprintf(p, sizeof p, "data/intel/misp-warninglists/%s.json", lists[i]);
		assert_int_equal(tp_warninglists_add(w, tp_test_path(p), &d), TP_OK);
	}
	o.warninglists = w;
	run_import(&r, &o, LIST, f, 1);
	assert_int_equal(r.st.warned, 4);
	assert_non_null(find(r.bundle, "indicator", "name", "movis-es.ignorelist.com"));
	run_free(&r);
	/* not a warninglist */
	assert_int_equal(
		tp_warninglists_add(w, tp_test_path("tests/data/convert/misp-event.json"), &d),
		TP_EPARSE);
	assert_non_null(strstr(d.message, "not a MISP warninglist"));
	tp_warninglists_free(w);
}

static void test_bad_options(void **state)
{
	struct tp_convert *c;
	struct tp_convert_opts o = {.attribute_to = (const char *const[]){"G0032"},
				    .n_attribute_to = 1};
	assert_int_equal(tp_convert_new(&o, run_sink, NULL, NULL, &c), TP_EINVAL);
	enum tp_tlp t;
	assert_int_equal(tp_convert_tlp_parse("amber+strict", &t), TP_OK);
	assert_int_equal(t, TP_TLP_AMBER_STRICT);
	assert_int_equal(tp_convert_tlp_parse("TLP:WHITE", &t), TP_OK);
	assert_int_equal(t, TP_TLP_CLEAR);
	assert_int_equal(tp_convert_tlp_parse("purple", &t), TP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_maltrail),
		cmocka_unit_test(test_list_eset_hashes),
		cmocka_unit_test(test_csv_volexity),
		cmocka_unit_test(test_adoc_eset),
		cmocka_unit_test(test_adoc_edges),
		cmocka_unit_test(test_misp_eset),
		cmocka_unit_test(test_misp_composites),
		cmocka_unit_test(test_misp_coin_address),
		cmocka_unit_test(test_stix20_attack),
		cmocka_unit_test(test_stix20_observed_data),
		cmocka_unit_test(test_stix20_versions),
		cmocka_unit_test(test_stix20_report),
		cmocka_unit_test(test_deterministic_ids),
		cmocka_unit_test(test_malformed_list),
		cmocka_unit_test(test_malformed_csv),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_unterminated_csv),
		cmocka_unit_test(test_warninglists),
		cmocka_unit_test(test_bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
