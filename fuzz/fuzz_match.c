/*
 * Fuzzes every telemetry reader and the mapping behind them. The first
 * byte picks the format (auto, zeek, zeek-json, eve, jsonl, as in
 * enum tp_match_format), the rest is the input. Bad records are skipped
 * (counted), so the lines after them are read too; whatever matched must
 * come out as a sightings bundle, and every record read is one the stats
 * count. Every input is matched twice, with the probes that let records
 * skip their JSON (probe.c) and building every record: the sightings
 * must be the same. (No LIKE or MATCHES: a Hyperscan compile per input would slow the
 * fuzzer down a hundredfold; fuzz_pattern covers them.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/engine.h"
#include "tripact/json.h"
#include "tripact/match.h"

static const char *const patterns[] = {
	"[ipv4-addr:value = '10.0.0.1']",
	"[ipv6-addr:value ISSUBSET '2001:db8::/32']",
	"[domain-name:value = 'evil.example']",
	"[url:value = 'http://evil.example/x']",
	"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
	"[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value = '10.0.0.2']",
	"[email-addr:value = 'a@b.example']",
	"[x509-certificate:hashes.'SHA-1' = '2dd19f80']",
	/* over several records: windows */
	("[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [domain-name:value = 'evil.example'] "
	 "WITHIN 60 SECONDS"),
	"[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES",
};

static const char *const map[] = {"src=a", "dst=b.c", "url=u", "ts=t", "md5=h"};

static struct tp_match *matcher(enum tp_match_format f, int no_probes)
{
	struct tp_match_opts o = {.skip_bad = 1, .max_observed = 3, .time = 1};
	if (f == TP_MATCH_JSONL) {
		o.map = map;
		o.nmap = sizeof map / sizeof map[0];
	}
	struct tp_match *m = NULL;
	if (tp_match_new(&o, NULL, NULL, NULL, &m) != TP_OK)
		abort();
	json_t *objs = json_array();
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		char id[64];
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012zu", i);
		json_array_append_new(
			objs,
			json_pack("{s:s, s:s, s:s, s:[s]}", "type", "indicator", "id", id,
				  "pattern", patterns[i], "object_marking_refs",
				  "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"));
	}
	m->no_probes = no_probes;
	if (tp_match_add_indicators(m, objs, NULL) != TP_OK || tp_match_compile(m, NULL) != TP_OK)
		abort();
	if (!no_probes && !m->probes)
		abort(); /* every pattern above is indexed */
	json_decref(objs);
	return m;
}

/* The sightings of data[1..size) as text (without the random bundle id). */
static char *sightings_of(const uint8_t *data, size_t size, int no_probes)
{
	enum tp_match_format f = (enum tp_match_format)(data[0] % TP_MATCH_FORMATS);
	struct tp_match *m = matcher(f, no_probes);
	struct tp_diag d = {0};
	enum tp_err e = tp_match_read_mem(m, "fuzz", (const char *)data + 1, size - 1, f, &d);
	if (e != TP_OK && e != TP_EPARSE && e != TP_ELIMIT && e != TP_EUNSUPPORTED)
		abort(); /* anything else is a bug: there is no I/O and memory is plenty */
	json_t *b = NULL;
	if (tp_match_sightings(m, &b, NULL) != TP_OK)
		abort();
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	size_t sightings = 0, i;
	json_t *o;
	json_array_foreach(json_object_get(b, "objects"), i, o)
	{
		const char *t = tp_json_str(o, "type");
		if (t && strcmp(t, "sighting") == 0) {
			sightings++;
			/* the indicators are TLP:RED: so is every sighting */
			json_t *mk = json_object_get(o, "object_marking_refs");
			if (json_array_size(mk) != 1)
				abort();
		}
	}
	if (sightings != st.sighted)
		abort();
	json_object_del(b, "id");
	char *text = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
	if (!text)
		abort();
	json_decref(b);
	tp_match_free(m);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *probed = sightings_of(data, size, 0), *built = sightings_of(data, size, 1);
	if (strcmp(probed, built) != 0)
		abort();
	free(probed);
	free(built);
	return 0;
}
