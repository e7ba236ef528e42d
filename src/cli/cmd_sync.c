/*
 * tripact sync: exchange a collection with partner nodes over TAXII 2.1
 * (docs/sync.md). Peers are kept in the node's store; `sync run` pulls
 * from and pushes to them, one summary line per peer.
 *
 *	tripact sync peer add jp --data us-node --url https://jp.example:9443/dprk/ \
 *		--remote-collection feed --collection feed --as node-jp \
 *		--pull --push --token-file jp.token
 *	tripact sync run --data us-node
 *	peer jp: pulled 4057 (0 already here), pushed 4401, skipped by TLP 4740, ...
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tripact/store.h"
#include "tripact/sync.h"

static const char usage[] =
	"usage: tripact sync <command> --data DIR [options]\n"
	"\n"
	"  peer add NAME --data DIR --url URL --remote-collection ID-OR-ALIAS\n"
	"           --collection LOCAL --as LOCAL-USER (--pull | --push | --pull --push)\n"
	"           [--token-file FILE | --user U] [--ca-file FILE]\n"
	"                          add a partner node; with --user its password is\n"
	"                          read from standard input (one line)\n"
	"  peer list --data DIR\n"
	"  peer remove NAME --data DIR\n"
	"  run --data DIR [--peer NAME] [--every SECONDS] [--timeout SECONDS]\n"
	"                          pull from and push to every peer (or one), once or\n"
	"                          every SECONDS until stopped\n"
	"\n"
	"URL is the peer's API root (https://host:port/api-root/). LOCAL-USER is the\n"
	"account made for the peer with 'admin user add ... --partner-node': what is\n"
	"pulled is stored as posted by it, and what it may read here is pushed.\n";

struct opts {
	const char *data, *url, *remote, *collection, *as, *token_file, *user, *ca_file, *peer;
	unsigned mode;
	long every, timeout;
};

static int parse_seconds(const char *s, const char *what, long *out)
{
	char *end;
	long v = s && *s != '-' ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || v < 1 || v > 86400 * 7)
		return tp_cli_fail("sync: %s: '%s' is not 1 to 604800 seconds", what, s ? s : "");
	*out = v;
	return TP_EXIT_OK;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"data", required_argument, NULL, 'd'},
		{"url", required_argument, NULL, 'U'},
		{"remote-collection", required_argument, NULL, 'r'},
		{"collection", required_argument, NULL, 'c'},
		{"as", required_argument, NULL, 'a'},
		{"token-file", required_argument, NULL, 't'},
		{"user", required_argument, NULL, 'u'},
		{"ca-file", required_argument, NULL, 'C'},
		{"peer", required_argument, NULL, 'p'},
		{"pull", no_argument, NULL, 'P'},
		{"push", no_argument, NULL, 'S'},
		{"every", required_argument, NULL, 'e'},
		{"timeout", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->data = optarg;
			break;
		case 'U':
			o->url = optarg;
			break;
		case 'r':
			o->remote = optarg;
			break;
		case 'c':
			o->collection = optarg;
			break;
		case 'a':
			o->as = optarg;
			break;
		case 't':
			o->token_file = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'C':
			o->ca_file = optarg;
			break;
		case 'p':
			o->peer = optarg;
			break;
		case 'P':
			o->mode |= TP_PEER_PULL;
			break;
		case 'S':
			o->mode |= TP_PEER_PUSH;
			break;
		case 'e':
			if (parse_seconds(optarg, "--every", &o->every))
				return TP_EXIT_ERROR;
			break;
		case 'T':
			if (parse_seconds(optarg, "--timeout", &o->timeout))
				return TP_EXIT_ERROR;
			break;
		default:
			return tp_cli_fail("sync: see 'tripact sync --help'");
		}
	}
	return TP_EXIT_OK;
}

static int need(const char *v, const char *what)
{
	if (v)
		return 1;
	tp_cli_fail("sync peer add: %s is required (see 'tripact sync --help')", what);
	return 0;
}

/* Copies src into a fixed field, refusing what does not fit. */
static int field(char *dst, size_t n, const char *src, const char *what)
{
	if (strlen(src) >= n) {
		tp_cli_fail("sync peer add: %s is longer than %zu characters", what, n - 1);
		return 0;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 1;
}

static int readable(const char *path, const char *what)
{
	if (access(path, R_OK) == 0)
		return 1;
	tp_cli_fail("sync peer add: %s %s: %m", what, path);
	return 0;
}

static int peer_add(struct tp_store *s, const char *name, const struct opts *o)
{
	struct tp_peer p = {.mode = o->mode};
	struct tp_collection c;
	struct tp_account a;
	struct tp_diag d = {0};
	if (!need(name, "NAME") || !need(o->url, "--url") ||
	    !need(o->remote, "--remote-collection") || !need(o->collection, "--collection") ||
	    !need(o->as, "--as"))
		return TP_EXIT_ERROR;
	if (!o->mode)
		return tp_cli_fail("sync peer add: say --pull, --push or both");
	if (!o->token_file == !o->user)
		return tp_cli_fail("sync peer add: give exactly one of --token-file and --user");
	if (tp_sync_url_check(o->url, &d) != TP_OK)
		return tp_cli_fail("sync peer add: --url: %s", d.message);
	if (tp_store_collection_find(s, 0, o->collection, &c) != TP_OK)
		return tp_cli_fail(
			"sync peer add: no collection '%s' (see 'admin collection list')",
			o->collection);
	if (tp_store_user_find(s, o->as, &a) != TP_OK)
		return tp_cli_fail("sync peer add: no user '%s' (add it with 'admin user add %s "
				   "--org ORG --partner-node')",
				   o->as, o->as);
	if (!a.partner)
		return tp_cli_fail("sync peer add: '%s' is not a partner-node account; what is "
				   "pulled must be stored as from a partner node (admin user add "
				   "... --partner-node)",
				   o->as);
	if ((o->token_file && !readable(o->token_file, "--token-file")) ||
	    (o->ca_file && !readable(o->ca_file, "--ca-file")))
		return TP_EXIT_ERROR;
	p.collection = c.id;
	if (!field(p.name, sizeof p.name, name, "NAME") ||
	    !field(p.url, sizeof p.url, o->url, "--url") ||
	    !field(p.remote_collection, sizeof p.remote_collection, o->remote,
		   "--remote-collection") ||
	    !field(p.as_user, sizeof p.as_user, o->as, "--as") ||
	    (o->token_file &&
	     !field(p.token_file, sizeof p.token_file, o->token_file, "--token-file")) ||
	    (o->user && !field(p.login, sizeof p.login, o->user, "--user")) ||
	    (o->ca_file && !field(p.ca_file, sizeof p.ca_file, o->ca_file, "--ca-file")))
		return TP_EXIT_ERROR;
	if (o->user) {
		if (isatty(STDIN_FILENO))
			return tp_cli_fail("sync peer add: pipe the password of '%s' on standard "
					   "input",
					   o->user);
		if (!fgets(p.password, sizeof p.password, stdin) ||
		    !p.password[strcspn(p.password, "\r\n")])
			return tp_cli_fail("sync peer add: no password on standard input");
		p.password[strcspn(p.password, "\r\n")] = '\0';
	}
	if (tp_store_peer_add(s, &p, &d) != TP_OK)
		return tp_cli_fail("sync peer add: %s", d.message);
	return TP_EXIT_OK;
}

static int print_peer(void *ctx, const struct tp_peer *p)
{
	(void)ctx;
	char push[TP_TIME_BUFSZ] = "none";
	if (p->push_cursor)
		tp_time_format(p->push_cursor, 6, push);
	printf("%s  %s  remote=%s  local=%s  as=%s  %s%s%s  auth=%s%s%s%s  pull_cursor=%s  "
	       "push_cursor=%s\n",
	       p->name, p->url, p->remote_collection, p->collection_key, p->as_user,
	       (p->mode & TP_PEER_PULL) ? "pull" : "", p->mode == 3 ? "," : "",
	       (p->mode & TP_PEER_PUSH) ? "push" : "",
	       p->token_file[0] ? "token:" : "user:", p->token_file[0] ? p->token_file : p->login,
	       p->ca_file[0] ? "  ca=" : "", p->ca_file,
	       p->pull_cursor[0] ? p->pull_cursor : "none", push);
	return 0;
}

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void on_problem(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "tripact: %s\n", line);
}

struct round {
	struct tp_store *s;
	long timeout;
	int failed;
	int peers; /* peers seen this round */
};

static int sync_one(void *ctx, const struct tp_peer *p)
{
	struct round *r = ctx;
	r->peers++;
	struct tp_sync_stats st = {0};
	struct tp_sync_options o = {.timeout = r->timeout, .problem = on_problem};
	struct tp_diag d = {0};
	enum tp_err e = tp_sync_peer(r->s, p, &o, &st, &d);
	printf("peer %s: pulled %zu (%zu already here), pushed %zu, skipped by TLP %zu, "
	       "not echoed %zu%s\n",
	       p->name, st.pulled, st.pulled_known, st.pushed, st.skipped_tlp, st.not_echoed,
	       e ? " (errors below)" : "");
	fflush(stdout);
	if (e) {
		fprintf(stderr, "tripact: %s\n", d.message[0] ? d.message : tp_strerror(e));
		r->failed = 1;
	}
	return stopping;
}

static int run(struct tp_store *s, const struct opts *o)
{
	struct round r = {.s = s, .timeout = o->timeout ? o->timeout : 60};
	struct tp_peer one;
	if (o->peer && tp_store_peer_find(s, o->peer, &one) != TP_OK)
		return tp_cli_fail("sync run: no peer '%s' (see 'sync peer list')", o->peer);
	if (o->every) {
		struct sigaction sa = {.sa_handler = on_stop};
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	do {
		r.failed = 0;
		r.peers = 0;
		if (o->peer) {
			sync_one(&r, &one);
			/* the next round starts from the cursors just saved */
			if (o->every && tp_store_peer_find(s, o->peer, &one) != TP_OK)
				return tp_cli_fail("sync run: peer '%s' was removed", o->peer);
		} else if (tp_store_peer_list(s, sync_one, &r) != TP_OK) {
			return tp_cli_fail("sync run: cannot read the peers");
		} else if (!r.peers) {
			return tp_cli_fail("sync run: no peers (add one with 'sync peer add')");
		}
		for (long t = 0; o->every && t < o->every && !stopping; t++)
			sleep(1);
	} while (o->every && !stopping);
	return r.failed ? TP_EXIT_ERROR : TP_EXIT_OK;
}

int cmd_sync(int argc, char **argv)
{
	if (argc < 2 || tp_cli_wants_help(argc, argv)) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? TP_EXIT_ERROR : TP_EXIT_OK;
	}
	/* options may come anywhere; getopt moves the words to the end */
	struct opts o = {0};
	if (parse_opts(argc, argv, &o))
		return TP_EXIT_ERROR;
	char **word = argv + optind;
	int nword = argc - optind;
	const char *cmd = nword > 0 ? word[0] : "";
	const char *verb = nword > 1 ? word[1] : "";
	int is_peer = strcmp(cmd, "peer") == 0;
	if (!is_peer && strcmp(cmd, "run") != 0)
		return tp_cli_fail("sync: unknown command '%s' (see 'tripact sync --help')", cmd);
	if (is_peer && strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "remove"))
		return tp_cli_fail("sync peer: add, list or remove? (see 'tripact sync --help')");
	const char *name = is_peer && nword > 2 ? word[2] : NULL;
	int extra = is_peer ? (verb[0] == 'l' ? 2 : 3) : 1;
	if (nword > extra)
		return tp_cli_fail("sync: unexpected argument '%s'", word[extra]);
	if (!o.data)
		return tp_cli_fail("sync: --data DIR is required (see 'tripact sync --help')");
	struct tp_diag d = {0};
	struct tp_store *s;
	if (tp_store_open(o.data, &s, &d) != TP_OK)
		return tp_cli_fail("%s", d.message);
	int rc = TP_EXIT_OK;
	if (!is_peer) {
		rc = run(s, &o);
	} else if (verb[0] == 'a') {
		rc = peer_add(s, name, &o);
	} else if (verb[0] == 'l') {
		if (tp_store_peer_list(s, print_peer, NULL) != TP_OK)
			rc = tp_cli_fail("sync peer list: cannot read the peers");
	} else if (!name) {
		rc = tp_cli_fail("sync peer remove: which peer? (see 'sync peer list')");
	} else if (tp_store_peer_remove(s, name, &d) != TP_OK) {
		rc = tp_cli_fail("sync peer remove: %s", d.message);
	}
	tp_store_close(s);
	return rc;
}
