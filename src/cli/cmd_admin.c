/*
 * tripact admin: sets up and manages a node's store -- organisations,
 * users, API tokens, API roots, collections, grants, node settings -- and
 * loads STIX bundles straight into a collection. Passwords are read from
 * standard input, never from the command line.
 *
 *	tripact admin --data node org add jp-nisc --title "NISC Japan"
 *	echo 's3cret-pass' | tripact admin --data node user add alice --org jp-nisc
 *	tripact admin --data node token create --user alice
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "tripact/json.h"
#include "tripact/store.h"
#include "tripact/taxii.h"
#include "tripact/validate.h"

static const char usage[] =
	"usage: tripact admin --data DIR <command> [options]\n"
	"\n"
	"  org add NAME [--title T]            add an organisation\n"
	"  org list | org remove NAME\n"
	"  user add NAME --org ORG [--partner-node]\n"
	"                                      add a user; password on stdin (one line)\n"
	"  user passwd NAME                    new password on stdin\n"
	"  user list | user remove NAME\n"
	"  token create --user U [--label L]   print a new API token (Bearer)\n"
	"  token list | token revoke ID\n"
	"  api-root add NAME [--title T] [--description D] [--default]\n"
	"  api-root list\n"
	"  collection add --api-root R --title T [--alias A] [--id UUID]\n"
	"                 [--description D] [--tlp LEVEL]\n"
	"                                      LEVEL: TLP of its unmarked objects\n"
	"  collection list | collection remove ID-OR-ALIAS\n"
	"  grant read|write|read,write --collection C (--user U | --org O)\n"
	"  revoke read|write|read,write --collection C (--user U | --org O)\n"
	"  grant list\n"
	"  node set [--org ORG] [--default-tlp LEVEL] [--title T]\n"
	"  node show\n"
	"  load --collection C --org ORG [--partner] FILE...\n"
	"                                      store STIX 2.1 bundles as posted by ORG\n"
	"\n"
	"LEVEL is clear, green, amber, amber+strict or red.\n";

struct opts {
	const char *title, *description, *org, *user, *label, *root, *alias, *id, *collection, *tlp,
		*default_tlp;
	int partner, is_default;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"title", required_argument, NULL, 't'},
		{"description", required_argument, NULL, 'D'},
		{"org", required_argument, NULL, 'o'},
		{"user", required_argument, NULL, 'u'},
		{"label", required_argument, NULL, 'l'},
		{"api-root", required_argument, NULL, 'r'},
		{"alias", required_argument, NULL, 'a'},
		{"id", required_argument, NULL, 'i'},
		{"collection", required_argument, NULL, 'c'},
		{"tlp", required_argument, NULL, 'T'},
		{"default-tlp", required_argument, NULL, 'L'},
		{"partner-node", no_argument, NULL, 'p'},
		{"partner", no_argument, NULL, 'p'},
		{"default", no_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			o->title = optarg;
			break;
		case 'D':
			o->description = optarg;
			break;
		case 'o':
			o->org = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'a':
			o->alias = optarg;
			break;
		case 'i':
			o->id = optarg;
			break;
		case 'c':
			o->collection = optarg;
			break;
		case 'T':
			o->tlp = optarg;
			break;
		case 'L':
			o->default_tlp = optarg;
			break;
		case 'p':
			o->partner = 1;
			break;
		case 'd':
			o->is_default = 1;
			break;
		default:
			return 0;
		}
	}
	return 1;
}

static int read_password(char *buf, size_t n)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);
	if (tty) {
		fputs("password: ", stderr);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	char *ok = fgets(buf, (int)n, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	if (!ok)
		return 0;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 1;
}

static void print_line(void *ctx, const char *line)
{
	puts(line);
}

static int fail_diag(const struct tp_diag *d, enum tp_err e)
{
	return tp_cli_fail("%s", d->message[0] ? d->message : tp_strerror(e));
}

static int need(const char *v, const char *what)
{
	if (v)
		return 1;
	tp_cli_fail("admin: %s is required (see 'tripact admin --help')", what);
	return 0;
}

static int find_collection(struct tp_store *s, const char *key, struct tp_collection *c)
{
	if (!need(key, "--collection"))
		return 0;
	if (tp_store_collection_find(s, 0, key, c) != TP_OK) {
		tp_cli_fail("admin: no collection '%s' (see 'admin collection list')", key);
		return 0;
	}
	return 1;
}

static int parse_bits(const char *s, unsigned *bits)
{
	if (!s)
		return 0;
	if (strcmp(s, "read") == 0)
		*bits = TP_GRANT_READ;
	else if (strcmp(s, "write") == 0)
		*bits = TP_GRANT_WRITE;
	else if (strcmp(s, "read,write") == 0 || strcmp(s, "write,read") == 0)
		*bits = TP_GRANT_READ | TP_GRANT_WRITE;
	else
		return 0;
	return 1;
}

/* admin load: bundles straight into the store, checked like a POST. */
static int load(struct tp_store *s, const struct opts *o, int argc, char **argv)
{
	struct tp_collection c;
	int64_t org;
	if (!find_collection(s, o->collection, &c) || !need(o->org, "--org"))
		return TP_EXIT_ERROR;
	if (tp_store_org_find(s, o->org, &org) != TP_OK)
		return tp_cli_fail("admin: no organisation '%s'", o->org);
	if (argc < 1)
		return tp_cli_fail("admin load: no bundle files given");
	char *setting = NULL;
	enum tp_tlp dflt = TP_TLP_AMBER;
	if (c.default_tlp >= 0)
		dflt = (enum tp_tlp)c.default_tlp;
	else if (tp_store_setting_get(s, "node.default_tlp", &setting) == TP_OK &&
		 tp_tlp_parse(setting, &dflt) != TP_OK)
		dflt = TP_TLP_AMBER;
	free(setting);
	struct tp_stix_validator *v;
	struct tp_diag vd = {0};
	if (tp_stix_validator_new(NULL, &v, &vd) != TP_OK)
		return tp_cli_fail("%s", vd.message);
	int status = TP_EXIT_OK;
	for (int f = 0; f < argc; f++) {
		json_t *b = NULL;
		struct tp_diag d = {0};
		if (tp_json_load_file(argv[f], &b, &d) != TP_OK) {
			fprintf(stderr, "tripact: %s:%ld:%ld: %s\n", argv[f], d.line, d.column,
				d.message);
			status = TP_EXIT_ERROR;
			continue;
		}
		json_t *objs = json_object_get(b, "objects");
		size_t n = json_array_size(objs), stored = 0, failed = 0, dup = 0;
		struct tp_store_put *puts = calloc(n ? n : 1, sizeof *puts);
		struct tp_store_put_result *res = calloc(n ? n : 1, sizeof *res);
		size_t np = 0;
		if (!json_is_array(objs) || !puts || !res) {
			fprintf(stderr, "tripact: %s: not a STIX bundle with an \"objects\" list\n",
				argv[f]);
			status = TP_EXIT_ERROR;
			goto next;
		}
		for (size_t i = 0; i < n; i++) {
			json_t *obj = json_array_get(objs, i);
			struct tp_diag od = {0};
			if (tp_taxii_check_object(v, obj, i, &od) != TP_OK) {
				fprintf(stderr, "tripact: %s: %s\n", argv[f], od.message);
				failed++;
				continue;
			}
			puts[np++] = (struct tp_store_put){.collection = c.id,
							   .object = obj,
							   .origin = org,
							   .from_partner = o->partner,
							   .default_tlp = dflt};
		}
		if (np && tp_store_put_many(s, puts, np, res, &d) != TP_OK) {
			fprintf(stderr, "tripact: %s: nothing stored: %s\n", argv[f], d.message);
			status = TP_EXIT_ERROR;
			goto next;
		}
		for (size_t k = 0; k < np; k++) {
			if (res[k].err) {
				fprintf(stderr, "tripact: %s: %s: %s\n", argv[f],
					tp_json_str(puts[k].object, "id"), res[k].message);
				failed++;
			} else if (res[k].duplicate) {
				dup++;
			} else {
				stored++;
			}
		}
		printf("%s: %zu stored, %zu already present, %zu rejected -> %s\n", argv[f], stored,
		       dup, failed, c.alias[0] ? c.alias : c.uuid);
		if (failed)
			status = TP_EXIT_NO;
	next:
		free(puts);
		free(res);
		json_decref(b);
	}
	tp_stix_validator_free(v);
	return status;
}

static int run(struct tp_store *s, int argc, char **argv)
{
	struct tp_diag d = {0};
	enum tp_err e = TP_OK;
	struct opts o = {0};
	if (argc < 1)
		return tp_cli_fail("admin: no command (see 'tripact admin --help')");
	const char *noun = argv[0], *verb = argc > 1 ? argv[1] : "";
	/* options after "<noun> <verb>"; positional arguments stay in argv */
	int skip = strcmp(noun, "load") == 0 ? 1 : 2;
	if (argc < skip)
		return tp_cli_fail("admin %s: what to do? (see 'tripact admin --help')", noun);
	int sub_argc = argc - skip + 1;
	char **sub_argv = argv + skip - 1;
	if (!parse_opts(sub_argc, sub_argv, &o))
		return TP_EXIT_ERROR;
	int npos = sub_argc - optind;
	char **pos = sub_argv + optind;
	const char *arg = npos > 0 ? pos[0] : NULL;

	if (strcmp(noun, "load") == 0)
		return load(s, &o, npos, pos);
	if (strcmp(noun, "org") == 0 && strcmp(verb, "add") == 0) {
		if (!need(arg, "NAME"))
			return TP_EXIT_ERROR;
		e = tp_store_org_add(s, arg, o.title, NULL, &d);
	} else if (strcmp(noun, "org") == 0 && strcmp(verb, "remove") == 0) {
		if (!need(arg, "NAME"))
			return TP_EXIT_ERROR;
		e = tp_store_org_remove(s, arg, &d);
	} else if (strcmp(noun, "user") == 0 &&
		   (strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0)) {
		char pw[1024];
		if (!need(arg, "NAME") || (verb[0] == 'a' && !need(o.org, "--org")))
			return TP_EXIT_ERROR;
		if (!read_password(pw, sizeof pw))
			return tp_cli_fail("admin user: no password on standard input");
		e = verb[0] == 'a' ? tp_store_user_add(s, arg, o.org, pw, o.partner, &d)
				   : tp_store_user_passwd(s, arg, pw, &d);
		memset(pw, 0, sizeof pw);
	} else if (strcmp(noun, "user") == 0 && strcmp(verb, "remove") == 0) {
		if (!need(arg, "NAME"))
			return TP_EXIT_ERROR;
		e = tp_store_user_remove(s, arg, &d);
	} else if (strcmp(noun, "token") == 0 && strcmp(verb, "create") == 0) {
		char tok[TP_TOKEN_LEN + 1];
		int64_t id;
		if (!need(o.user, "--user"))
			return TP_EXIT_ERROR;
		e = tp_store_token_create(s, o.user, o.label, tok, &id, &d);
		if (!e)
			printf("%s\n", tok);
	} else if (strcmp(noun, "token") == 0 && strcmp(verb, "revoke") == 0) {
		char *end;
		long long id = arg ? strtoll(arg, &end, 10) : 0;
		if (!arg || *end || id <= 0)
			return tp_cli_fail(
				"admin token revoke: give the token number (see 'token list')");
		e = tp_store_token_revoke(s, id, &d);
	} else if (strcmp(noun, "api-root") == 0 && strcmp(verb, "add") == 0) {
		if (!need(arg, "NAME"))
			return TP_EXIT_ERROR;
		if (strcmp(arg, "taxii2") == 0)
			return tp_cli_fail(
				"admin: 'taxii2' is the discovery path, not an API root name");
		e = tp_store_root_add(s, arg, o.title, o.description, o.is_default, &d);
	} else if (strcmp(noun, "collection") == 0 && strcmp(verb, "add") == 0) {
		struct tp_collection c;
		enum tp_tlp t = TP_TLP_CLEAR;
		if (!need(o.root, "--api-root") || !need(o.title, "--title"))
			return TP_EXIT_ERROR;
		if (o.tlp && tp_tlp_parse(o.tlp, &t) != TP_OK)
			return tp_cli_fail("admin: --tlp '%s' is not a TLP level", o.tlp);
		e = tp_store_collection_add(s, o.root, o.id, o.alias, o.title, o.description,
					    o.tlp ? (int)t : -1, &c, &d);
		if (!e)
			printf("%s\n", c.uuid);
	} else if (strcmp(noun, "collection") == 0 && strcmp(verb, "remove") == 0) {
		struct tp_collection c;
		if (!find_collection(s, arg, &c))
			return TP_EXIT_ERROR;
		e = tp_store_collection_remove(s, c.id, &d);
	} else if ((strcmp(noun, "grant") == 0 || strcmp(noun, "revoke") == 0) &&
		   strcmp(verb, "list") != 0) {
		unsigned bits;
		struct tp_collection c;
		if (!parse_bits(verb, &bits))
			return tp_cli_fail("admin %s: say read, write or read,write", noun);
		if (!find_collection(s, o.collection, &c))
			return TP_EXIT_ERROR;
		e = tp_store_grant(s, c.id, o.user, o.org, bits, noun[0] == 'r', &d);
	} else if (strcmp(noun, "node") == 0 && strcmp(verb, "set") == 0) {
		enum tp_tlp t;
		int64_t id;
		if (o.org && tp_store_org_find(s, o.org, &id) != TP_OK)
			return tp_cli_fail("admin: no organisation '%s'", o.org);
		if (o.default_tlp && tp_tlp_parse(o.default_tlp, &t) != TP_OK)
			return tp_cli_fail("admin: --default-tlp '%s' is not a TLP level",
					   o.default_tlp);
		if ((o.org && tp_store_setting_set(s, "node.org", o.org) != TP_OK) ||
		    (o.default_tlp &&
		     tp_store_setting_set(s, "node.default_tlp", tp_tlp_name(t)) != TP_OK) ||
		    (o.title && tp_store_setting_set(s, "node.title", o.title) != TP_OK))
			return tp_cli_fail("admin: cannot save the node settings");
	} else if (strcmp(noun, "node") == 0 && strcmp(verb, "show") == 0) {
		static const char *const keys[] = {"node.org", "node.default_tlp", "node.title"};
		for (int i = 0; i < 3; i++) {
			char *v = NULL;
			if (tp_store_setting_get(s, keys[i], &v) == TP_OK)
				printf("%s=%s\n", keys[i] + 5, v);
			else
				printf("%s=%s\n", keys[i] + 5,
				       i == 1 ? "amber (not set)" : "(not set)");
			free(v);
		}
	} else if (strcmp(verb, "list") == 0) {
		static const struct {
			const char *noun, *what;
		} lists[] = {{"org", "orgs"},
			     {"user", "users"},
			     {"token", "tokens"},
			     {"api-root", "roots"},
			     {"collection", "collections"},
			     {"grant", "grants"}};
		const char *what = NULL;
		for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
			if (strcmp(noun, lists[i].noun) == 0)
				what = lists[i].what;
		if (!what)
			return tp_cli_fail("admin: cannot list '%s'", noun);
		e = tp_store_list(s, what, print_line, NULL);
	} else {
		return tp_cli_fail("admin: unknown command '%s %s' (see 'tripact admin --help')",
				   noun, verb);
	}
	if (e)
		return fail_diag(&d, e);
	return TP_EXIT_OK;
}

int cmd_admin(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? TP_EXIT_ERROR : TP_EXIT_OK;
	}
	const char *data = NULL;
	int i = 1;
	if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
		data = argv[i + 1];
		i += 2;
	} else if (strncmp(argv[i], "--data=", 7) == 0) {
		data = argv[i] + 7;
		i++;
	}
	if (!data)
		return tp_cli_fail(
			"admin: --data DIR must come first (see 'tripact admin --help')");
	struct tp_diag d = {0};
	struct tp_store *s;
	if (tp_store_open(data, &s, &d) != TP_OK)
		return tp_cli_fail("%s", d.message);
	int rc = run(s, argc - i, argv + i);
	tp_store_close(s);
	return rc;
}
