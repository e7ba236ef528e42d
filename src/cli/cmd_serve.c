/*
 * tripact serve: runs a TAXII 2.1 node on the store in --data until
 * SIGINT/SIGTERM, one access log line per request on stdout.
 *
 *	tripact serve --data /var/lib/tripact --listen 127.0.0.1:9000
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tripact/store.h"
#include "tripact/taxii.h"

static const char usage[] =
	"usage: tripact serve --data DIR [options]\n"
	"\n"
	"Runs a TAXII 2.1 node on the store in DIR (set it up with 'tripact admin').\n"
	"\n"
	"  --data DIR               the node's data directory (required)\n"
	"  --listen HOST:PORT       address to listen on (default 127.0.0.1:9000; port 0\n"
	"                           picks a free port)\n"
	"  --threads N              worker threads (default 4)\n"
	"  --tls-cert FILE          serve HTTPS with this PEM certificate ...\n"
	"  --tls-key FILE           ... and this PEM private key\n"
	"  --default-tlp LEVEL      TLP of unmarked objects: clear, green, amber,\n"
	"                           amber+strict, red (default: the node setting made\n"
	"                           with 'admin node set', else amber)\n"
	"  --timeout SECONDS        close connections silent this long (default 30)\n"
	"  --max-content-length N   largest request body in bytes (default 10485760)\n"
	"  --port-file FILE         write the bound port to FILE once listening\n"
	"  --quiet                  no access log\n";

static void log_line(void *ctx, const char *line)
{
	char ts[TP_TIME_BUFSZ];
	tp_time_format(tp_time_now(), -1, ts);
	fprintf(stdout, "%s %s\n", ts, line);
	fflush(stdout);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || v > max)
		return 0;
	*out = v;
	return 1;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 't'},
		{"tls-cert", required_argument, NULL, 'c'},
		{"tls-key", required_argument, NULL, 'k'},
		{"default-tlp", required_argument, NULL, 'p'},
		{"timeout", required_argument, NULL, 'o'},
		{"max-content-length", required_argument, NULL, 'm'},
		{"port-file", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *data = NULL, *port_file = NULL, *tlp = NULL;
	struct tp_taxii_config cfg = {.listen = "127.0.0.1:9000", .log = log_line};
	unsigned long long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			data = optarg;
			break;
		case 'l':
			cfg.listen = optarg;
			break;
		case 't':
			if (!parse_uint(optarg, 256, &v) || v == 0)
				return tp_cli_fail("--threads: '%s' is not 1-256", optarg);
			cfg.threads = (unsigned)v;
			break;
		case 'c':
			cfg.tls_cert = optarg;
			break;
		case 'k':
			cfg.tls_key = optarg;
			break;
		case 'p':
			tlp = optarg;
			break;
		case 'o':
			if (!parse_uint(optarg, 3600, &v) || v == 0)
				return tp_cli_fail("--timeout: '%s' is not 1-3600 seconds", optarg);
			cfg.timeout = (unsigned)v;
			break;
		case 'm':
			if (!parse_uint(optarg, 1ull << 31, &v) || v < 1024)
				return tp_cli_fail(
					"--max-content-length: '%s' is not 1024-2147483648",
					optarg);
			cfg.max_content_length = (size_t)v;
			break;
		case 'f':
			port_file = optarg;
			break;
		case 'q':
			cfg.log = NULL;
			break;
		case 'h':
			fputs(usage, stdout);
			return TP_EXIT_OK;
		default:
			fputs(usage, stderr);
			return TP_EXIT_ERROR;
		}
	}
	if (optind < argc)
		return tp_cli_fail("serve: unexpected argument '%s'", argv[optind]);
	if (!data)
		return tp_cli_fail("serve: --data DIR is required (see 'tripact serve --help')");

	struct tp_diag d = {0};
	struct tp_store *s = NULL;
	if (tp_store_open(data, &s, &d) != TP_OK)
		return tp_cli_fail("%s", d.message);
	char *setting = NULL;
	enum tp_tlp level = TP_TLP_AMBER;
	if (!tlp && tp_store_setting_get(s, "node.default_tlp", &setting) == TP_OK)
		tlp = setting;
	if (tlp && tp_tlp_parse(tlp, &level) != TP_OK) {
		tp_store_close(s);
		int rc = tp_cli_fail(
			"--default-tlp: '%s' is not clear, green, amber, amber+strict or red", tlp);
		free(setting);
		return rc;
	}
	cfg.default_tlp = level;
	free(setting);
	setting = NULL;
	if (tp_store_setting_get(s, "node.org", &setting) == TP_OK &&
	    tp_store_org_find(s, setting, &cfg.node_org) != TP_OK)
		fprintf(stderr, "tripact: warning: node organisation '%s' does not exist\n",
			setting);
	free(setting);
	setting = NULL;
	if (tp_store_setting_get(s, "node.title", &setting) == TP_OK)
		cfg.title = setting;
	cfg.store = s;

	/* Block the stop signals in every thread; the main thread waits for them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct tp_taxii_server *srv;
	if (tp_taxii_start(&cfg, &srv, &d) != TP_OK) {
		tp_store_close(s);
		free(setting);
		return tp_cli_fail("%s", d.message);
	}
	const char *colon = strrchr(cfg.listen, ':');
	fprintf(stderr, "tripact: TAXII 2.1 node on %s://%.*s:%u/taxii2/ (default TLP %s)\n",
		cfg.tls_cert ? "https" : "http", (int)(colon - cfg.listen), cfg.listen,
		tp_taxii_port(srv), tp_tlp_name(level));
	if (port_file) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%u\n", tp_taxii_port(srv)) < 0 || fclose(f) != 0 ||
		    rename(tmp, port_file) != 0) {
			tp_taxii_stop(srv);
			tp_store_close(s);
			free(setting);
			return tp_cli_fail("cannot write %s", port_file);
		}
	}
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "tripact: stopping (signal %d)\n", sig);
	tp_taxii_stop(srv);
	tp_store_close(s);
	free(setting);
	return TP_EXIT_OK;
}
