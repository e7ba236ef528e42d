/*
 * bench_validate: validates a generated bundle of mixed STIX 2.1 objects
 * the way `tripact validate` does (streaming reader, one object parsed at
 * a time, full validation with cross-object checks) and prints objects/s,
 * MB/s and peak memory. The bundle is written to a temporary file first
 * (never stored in git).
 *
 *	bench_validate            1,000,000 objects
 *	bench_validate 200000     another size (peak memory should not grow)
 *
 * Goal: >= 200,000 objects/s on one core, peak RSS < 64 MiB at any size.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tripact/json.h"
#include "tripact/reader.h"
#include "tripact/stix.h"
#include "tripact/validate.h"
#include "bench.h"

/* A v4-looking UUID from a counter (distinct, deterministic). */
static void uuid_of(unsigned long n, unsigned salt, char *out)
{
	sprintf(out, "%08lx-%04x-4%03x-8%03x-%012lx", n & 0xffffffffUL, salt & 0xffff,
		(unsigned)(n >> 32) & 0xfff, salt & 0xfff, n * 2654435761UL & 0xffffffffffffUL);
}

/* The deterministic id of the SCO json_pack builds from fmt (static buffer). */
static const char *sco_id(const char *fmt, ...)
{
	static char id[TP_STIX_ID_MAX];
	va_list ap;
	va_start(ap, fmt);
	json_t *o = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	if (!o || tp_stix_sco_id(o, id, NULL) != TP_OK)
		strcpy(id, "ipv4-addr--00000000-0000-4000-8000-000000000000");
	json_decref(o);
	return id;
}

static void write_object(FILE *f, unsigned long i)
{
	char u[40], v[40];
	uuid_of(i, 0x1a2b, u);
	uuid_of(i ? i - 1 : 0, 0x1a2b, v);
	const char *common = "\"spec_version\":\"2.1\",\"created\":\"2024-03-01T09:00:00.000Z\","
			     "\"modified\":\"2024-03-02T10:30:00.000Z\"";
	switch (i % 8) {
	case 0:
		fprintf(f,
			"{\"type\":\"indicator\",\"id\":\"indicator--%s\",%s,\"name\":\"C2 domain "
			"%lu\","
			"\"description\":\"Lazarus "
			"infrastructure\",\"indicator_types\":[\"malicious-activity\"],"
			"\"pattern\":\"[domain-name:value = "
			"'c2-%lu.example.com']\",\"pattern_type\":\"stix\","
			"\"valid_from\":\"2024-03-01T09:00:00Z\",\"labels\":[\"dprk\"],"
			"\"confidence\":80,"
			"\"object_marking_refs\":[\"marking-definition--34098fce-860f-48ae-8e50-"
			"ebd3cc5e41da\"]}",
			u, common, i, i);
		break;
	case 1:
		fprintf(f,
			"{\"type\":\"relationship\",\"id\":\"relationship--%s\",%s,\"relationship_"
			"type\":\"indicates\","
			"\"source_ref\":\"indicator--%s\",\"target_ref\":\"malware--%s\"}",
			u, common, v, v);
		break;
	case 2:
		fprintf(f,
			"{\"type\":\"malware\",\"id\":\"malware--%s\",%s,\"name\":\"AppleJeus "
			"variant %lu\","
			"\"is_family\":false,\"malware_types\":[\"trojan\",\"backdoor\"],"
			"\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\",\"phase_"
			"name\":\"execution\"}],"
			"\"external_references\":[{\"source_name\":\"cisa\",\"external_id\":\"AA21-"
			"048A\"}]}",
			u, common, i);
		break;
	case 3: {
		char val[40];
		snprintf(val, sizeof val, "198.51.%lu.%lu", (i >> 8) & 255, i & 255);
		fprintf(f,
			"{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"value\":"
			"\"%s\"}",
			sco_id("{s:s,s:s}", "type", "ipv4-addr", "value", val), val);
		break;
	}
	case 4: {
		char name[40], sha[80], md5[40];
		snprintf(name, sizeof name, "update-%lu.dmg", i);
		snprintf(sha, sizeof sha, "%064lx", i);
		snprintf(md5, sizeof md5, "%032lx", i);
		fprintf(f,
			"{\"type\":\"file\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"name\":\"%s\","
			"\"size\":%lu,\"hashes\":{\"SHA-256\":\"%s\",\"MD5\":\"%s\"}}",
			sco_id("{s:s,s:s,s:{s:s}}", "type", "file", "name", name, "hashes", "MD5",
			       md5),
			name, 1000 + i, sha, md5);
		break;
	}
	case 5:
		fprintf(f,
			"{\"type\":\"observed-data\",\"id\":\"observed-data--%s\",%s,"
			"\"first_observed\":\"2024-03-01T09:00:00Z\",\"last_observed\":\"2024-03-"
			"01T10:00:00Z\","
			"\"number_observed\":%lu,\"object_refs\":[\"ipv4-addr--%s\",\"domain-name--"
			"%s\"]}",
			u, common, 1 + i % 50, v, v);
		break;
	case 6: {
		char val[60];
		snprintf(val, sizeof val, "c2-%lu.example.com", i);
		fprintf(f,
			"{\"type\":\"domain-name\",\"spec_version\":\"2.1\",\"id\":\"%s\","
			"\"value\":\"%s\"}",
			sco_id("{s:s,s:s}", "type", "domain-name", "value", val), val);
		break;
	}
	default:
		fprintf(f,
			"{\"type\":\"identity\",\"id\":\"identity--%s\",%s,\"name\":\"Exchange "
			"%lu\","
			"\"identity_class\":\"organization\",\"sectors\":[\"financial-services\"],"
			"\"x_acme_region\":\"apac\"}",
			u, common, i);
		break;
	}
}

/* CPU seconds to read and parse every object of path; -1 on error. */
static double parse_cpu(const char *path, int with_jansson)
{
	double t = tp_bench_cpu();
	FILE *in = fopen(path, "rb");
	struct tp_reader *r;
	if (!in || tp_reader_new(in, path, 0, &r) != TP_OK) {
		if (in)
			fclose(in);
		return -1;
	}
	struct tp_reader_item it;
	while (tp_reader_next(r, &it, NULL) == TP_OK) {
		json_t *o;
		json_error_t je;
		if (with_jansson)
			o = json_loadb(it.text, it.len, JSON_REJECT_DUPLICATES, &je);
		else if (tp_json_load(it.text, it.len, &o, NULL) != TP_OK)
			o = NULL;
		json_decref(o);
	}
	tp_reader_free(r);
	fclose(in);
	return tp_bench_cpu() - t;
}

static void count_problem(void *ctx, const struct tp_stix_problem *p)
{
	(void)p;
	++*(size_t *)ctx;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: bench_validate [OBJECTS]   (default 1000000)\n"
		       "Generates a bundle of OBJECTS mixed STIX 2.1 objects in /tmp, validates "
		       "it\n"
		       "streaming and prints objects/s, MB/s and peak memory. TP_BENCH_KEEP=PATH\n"
		       "keeps the generated bundle.\n");
		return 0;
	}
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000UL;
	if (n == 0)
		n = 1000000UL;
	const char *keep = getenv("TP_BENCH_KEEP"); /* keep the generated file there */
	char path[] = "/tmp/tripact-bench-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return 2;
	}
	FILE *f = fdopen(fd, "w");
	fprintf(f, "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\","
		   "\"objects\":[\n");
	for (unsigned long i = 0; i < n; i++) {
		if (i)
			fputs(",\n", f);
		write_object(f, i);
	}
	fputs("\n]}\n", f);
	long bytes = ftell(f);
	fclose(f);

	/* Baselines: the same streaming read and parse, no validation, to show
	 * what validation itself costs on this (shared) machine -- once with
	 * tp_json_load (its fast parser) and once with jansson's json_loadb. */
	double base_cpu = parse_cpu(path, 0), jansson_cpu = parse_cpu(path, 1);
	if (base_cpu < 0 || jansson_cpu < 0)
		return 2;

	struct tp_stix_validator *v;
	struct tp_stix_validate_set *set;
	if (tp_stix_validator_new(NULL, &v, NULL) != TP_OK ||
	    tp_stix_validate_set_new(v, 0, &set) != TP_OK)
		return 2;
	FILE *in = fopen(path, "rb");
	struct tp_reader *r;
	if (!in || tp_reader_new(in, path, 0, &r) != TP_OK)
		return 2;
	struct tp_stix_counts c = {0};
	size_t problems = 0;
	struct rusage ru0;
	getrusage(RUSAGE_SELF, &ru0);
	double cpu0 = ru0.ru_utime.tv_sec + ru0.ru_utime.tv_usec / 1e6 + ru0.ru_stime.tv_sec +
		      ru0.ru_stime.tv_usec / 1e6;
	double t0 = tp_bench_wall();
	struct tp_reader_item it;
	enum tp_err e;
	struct tp_json_arena *arena;
	if (tp_json_arena_new(&arena) != TP_OK)
		return 2;
	tp_json_arena_enter(arena);
	while ((e = tp_reader_next(r, &it, NULL)) == TP_OK) {
		tp_json_arena_reset(arena);
		json_t *o;
		if (tp_json_load(it.text, it.len, &o, NULL) != TP_OK) {
			fprintf(stderr, "bench: generated object at line %ld does not parse\n",
				it.line);
			return 2;
		}
		if (it.where == TP_READER_BUNDLE) {
			if (tp_stix_validate_object(v, o, count_problem, &problems, NULL) ==
			    TP_ENOMEM)
				return 2;
		} else if (tp_stix_validate_set_add(set, o, it.line, count_problem, &problems,
						    &c) == TP_ENOMEM) {
			return 2;
		}
		json_decref(o);
	}
	if (tp_stix_validate_set_finish(set, count_problem, &problems, &c) == TP_ENOMEM)
		return 2;
	tp_json_arena_free(arena);
	double dt = tp_bench_wall() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		     ru.ru_stime.tv_usec / 1e6 - cpu0;
	tp_reader_free(r);
	fclose(in);
	if (keep && rename(path, keep) == 0)
		printf("  bundle kept as %s\n", keep);
	else
		unlink(path);
	tp_stix_validate_set_free(set);
	tp_stix_validator_free(v);

	printf("bench_validate: %lu objects, %.1f MB bundle (generated), validated streaming in "
	       "%.2f s\n",
	       (unsigned long)c.objects, bytes / 1e6, dt);
	printf("  %.0f objects/s, %.1f MB/s wall clock; %.0f objects/s, %.1f MB/s per CPU second\n",
	       c.objects / dt, bytes / 1e6 / dt, c.objects / cpu, bytes / 1e6 / cpu);
	printf("  read + parse alone (no validation): %.0f objects/s per CPU second with "
	       "tp_json_load,\n  %.0f with jansson's json_loadb\n",
	       c.objects / base_cpu, c.objects / jansson_cpu);
	printf("  peak RSS %.1f MiB, %zu problems (%zu errors)\n", ru.ru_maxrss / 1024.0, problems,
	       c.errors);
	printf("  goal: >= 200000 objects/s on one core, peak RSS < 64 MiB (one thread; the "
	       "machine is\n"
	       "  shared, so figures are noisy)\n");
	printf("  rerun: build/release/bench/bench_validate [OBJECTS]\n");
	if (system("command -v stix2_validator >/dev/null 2>&1") == 0)
		printf("  reference: stix2_validator is installed; time it with: stix2_validator "
		       "FILE\n");
	else
		printf("  reference: OASIS stix2-validator is not installed (PyPI is unreachable "
		       "here), so no\n"
		       "  figure is given for it\n");
	return c.errors ? 1 : 0;
}
