/*
 * Fuzzes the pattern parser (lenient and strict), the explainer and the
 * evaluator against a small fixed set of observed-data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/json.h"
#include "tripact/pattern.h"

static const char data_json[] =
	"[{\"type\":\"observed-data\",\"id\":\"observed-data--1\",\"first_observed\":"
	"\"2020-01-01T00:00:00Z\",\"last_observed\":\"2020-01-01T00:00:10Z\",\"number_observed\":3,"
	"\"object_refs\":[\"file--1\",\"ipv4-addr--1\",\"network-traffic--1\"]},"
	"{\"type\":\"observed-data\",\"id\":\"observed-data--2\",\"first_observed\":"
	"\"2020-01-01T00:01:00Z\",\"last_observed\":\"2020-01-01T00:02:00Z\",\"number_observed\":1,"
	"\"objects\":{\"0\":{\"type\":\"file\",\"name\":\"b\",\"parent_directory_ref\":\"1\"},"
	"\"1\":{\"type\":\"directory\",\"path\":\"/tmp\"}}},"
	"{\"type\":\"file\",\"id\":\"file--1\",\"name\":\"a.exe\",\"size\":10,\"magic_number_hex\":"
	"\"ffd8\",\"hashes\":{\"MD5\":\"79054025255fb1a26e4bc422aef54eb4\"},\"x_list\":[1,\"a\","
	"true,"
	"null,{\"k\":2.5}]},"
	"{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"10.0.0.1\"},"
	"{\"type\":\"network-traffic\",\"id\":\"network-traffic--1\",\"dst_ref\":\"ipv4-addr--1\","
	"\"protocols\":[\"tcp\"],\"src_payload_ref\":\"artifact--1\"},"
	"{\"type\":\"artifact\",\"id\":\"artifact--1\",\"payload_bin\":\"1MOyoQIA\"}]";

static struct tp_pattern_data *data;
static json_t *root;

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct tp_diag d = {0};
	if (!data) {
		if (tp_json_load(data_json, strlen(data_json), &root, &d) != TP_OK ||
		    tp_pattern_data_new(root, &data, &d) != TP_OK)
			abort();
	}
	struct tp_pattern *p = NULL;
	if (tp_pattern_validate((const char *)in, size, &d) == TP_OK) {
		/* strictly valid implies leniently valid */
		if (tp_pattern_parse((const char *)in, size, 0, &p, &d) != TP_OK)
			abort();
		tp_pattern_free(p);
		p = NULL;
	}
	if (tp_pattern_parse((const char *)in, size, 0, &p, &d) != TP_OK)
		return 0;
	struct tp_buf b;
	tp_buf_init(&b, 1 << 24);
	if (tp_pattern_explain(p, TP_PATTERN_EXPLAIN_TREE, &b) != TP_OK)
		abort();
	tp_buf_reset(&b);
	if (tp_pattern_explain(p, TP_PATTERN_EXPLAIN_COMPACT, &b) != TP_OK)
		abort();
	tp_buf_free(&b);
	struct tp_pattern_result r = {0};
	if (tp_pattern_match(p, data, &r, &d) == TP_OK && r.matched && r.n == 0)
		abort();
	tp_pattern_result_clear(&r);
	tp_pattern_free(p);
	return 0;
}
