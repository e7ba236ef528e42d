/*
 * Fuzzes trace import and tracing end to end. The first byte picks the
 * input kind (0: bitcoin-etl JSON lines, or getblock hex blocks when the
 * file starts with a hex digit, as the importer tells them apart;
 * 1: ethereum-etl CSV, 2: label CSV, 3: a decimal/hex value for the
 * 256-bit parser); the rest is the file. An import that succeeds is opened and traced from its first
 * address under every model, and conservation must hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripact/trace.h"

static char dir[64];

static void trace_all(void)
{
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	if (tp_trace_graph_open(dir, &g, &d) != TP_OK)
		abort(); /* we just wrote it */
	const char *first = tp_trace_graph_address(g, 0);
	if (first) {
		char addr[256];
		snprintf(addr, sizeof addr, "%s", first);
		struct tp_trace_seed s = {.kind = TP_SEED_ADDRESS, .address = addr};
		for (int m = TP_MODEL_POISON; m <= TP_MODEL_TIHO; m++) {
			struct tp_trace_opts o = {.model = m, .max_hops = (uint32_t)m * 2};
			struct tp_trace_result *r;
			if (tp_trace_run(g, NULL, &s, 1, &o, &r, &d) != TP_OK)
				continue;
			if (m != TP_MODEL_POISON && !tp_trace_result_conserved(r))
				abort();
			FILE *f = fopen("/dev/null", "w");
			if (f) {
				if (tp_trace_report_write(r, TP_REPORT_JSON, NULL, f, &d) != TP_OK)
					abort();
				fclose(f);
			}
			tp_trace_result_free(r);
		}
	}
	tp_trace_graph_free(g);
}

static void cleanup(void)
{
	char p[128];
	snprintf(p, sizeof p, "%s/graph.tpg", dir);
	unlink(p);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz_trace_%ld", (long)getpid());
		atexit(cleanup);
	}
	int kind = data[0] % 4;
	if (kind == 3) {
		struct tp_u256 v;
		char out[TP_U256_DECSZ];
		if (tp_u256_parse((const char *)data + 1, size - 1, &v) == TP_OK)
			tp_u256_format(&v, out);
		return 0;
	}
	char path[128];
	snprintf(path, sizeof path, "%s.%s", dir, kind == 0 ? "json" : "csv");
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "%s/graph.tpg", dir);
	unlink(cmd);
	struct tp_diag d = {0};
	const char *files[] = {path};
	if (kind == 2) {
		struct tp_trace_labels *l;
		if (tp_trace_labels_new(&l) == TP_OK) {
			size_t n;
			if (tp_trace_labels_load(l, path, &n, &d) == TP_OK)
				(void)tp_trace_labels_count(l);
			tp_trace_labels_free(l);
		}
	} else if (tp_trace_import(dir, kind == 0 ? "btc" : "eth", files, 1, NULL, NULL, &d) ==
		   TP_OK) {
		trace_all();
	}
	unlink(path);
	return 0;
}
