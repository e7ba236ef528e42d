/*
 * One sync round with one peer: the local side (the peer's partner-node
 * account, its grants, the node's default TLP and organisation), the
 * peer's side (remote.c), then pull and push. Pull comes first so that
 * what it brings is already marked as the peer's and is not pushed back.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sync_int.h"

void sync_problem(const struct local *l, const char *fmt, ...)
{
	if (!l->opt->problem)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	l->opt->problem(l->opt->ctx, line);
}

/* The node settings that `tripact serve` applies too. */
static void node_settings(struct local *l)
{
	char *v = NULL;
	struct tp_collection c;
	l->default_tlp = TP_TLP_AMBER;
	l->node_org = 0;
	if (tp_store_setting_get(l->store, "node.default_tlp", &v) == TP_OK &&
	    tp_tlp_parse(v, &l->default_tlp) != TP_OK)
		l->default_tlp = TP_TLP_AMBER;
	free(v);
	v = NULL;
	if (tp_store_collection_find(l->store, 0, l->peer->collection_key, &c) == TP_OK &&
	    c.default_tlp >= 0)
		l->default_tlp = (enum tp_tlp)c.default_tlp;
	if (tp_store_setting_get(l->store, "node.org", &v) == TP_OK &&
	    tp_store_org_find(l->store, v, &l->node_org) != TP_OK)
		l->node_org = 0;
	free(v);
}

static enum tp_err local_open(struct local *l, struct tp_diag *d)
{
	const struct tp_peer *p = l->peer;
	enum tp_err e = tp_store_user_find(l->store, p->as_user, &l->as);
	if (e)
		return tp_diag_set(d, e, "peer %s: no local account '%s'", p->name, p->as_user);
	if (!l->as.partner)
		return tp_diag_set(d, TP_EINVAL,
				   "peer %s: local account '%s' is not a partner-node account "
				   "(admin user add ... --partner-node)",
				   p->name, p->as_user);
	if ((e = tp_store_access(l->store, &l->as, p->collection, &l->as_bits)) != TP_OK)
		return tp_diag_set(d, e, "peer %s: cannot read the grants of '%s'", p->name,
				   p->as_user);
	if ((p->mode & TP_PEER_PUSH) && !(l->as_bits & TP_GRANT_READ))
		return tp_diag_set(d, TP_EPERM,
				   "peer %s: '%s' holds no read grant on collection '%s', so "
				   "nothing could be pushed (admin grant read --collection %s "
				   "--user %s)",
				   p->name, p->as_user, p->collection_key, p->collection_key,
				   p->as_user);
	node_settings(l);
	return TP_OK;
}

enum tp_err tp_sync_peer(struct tp_store *s, const struct tp_peer *p,
			 const struct tp_sync_options *o, struct tp_sync_stats *st,
			 struct tp_diag *d)
{
	struct tp_sync_options opt = *o;
	if (opt.timeout <= 0)
		opt.timeout = 60;
	if (opt.page <= 0 || opt.page > 1000)
		opt.page = 1000;
	struct local l = {.store = s, .peer = p, .opt = &opt, .st = st};
	enum tp_err e = local_open(&l, d);
	if (e)
		return e;
	if ((e = tp_sync_url_check(p->url, d)) != TP_OK)
		return e;
	struct http h;
	struct tp_diag hd = {0};
	if ((e = http_open(&h, p, opt.timeout, &hd)) != TP_OK)
		return tp_diag_set(d, e, "peer %s: %s", p->name, hd.message);
	struct remote rm;
	e = remote_open(&h, p, &rm, d);
	if (!e && (p->mode & TP_PEER_PULL))
		e = sync_pull(&l, &h, &rm, d);
	if (!e && (p->mode & TP_PEER_PUSH))
		e = sync_push(&l, &h, &rm, d);
	http_close(&h);
	if (!e && (st->rejected || st->refused))
		e = tp_diag_set(d, TP_EVALIDATE, "peer %s: %zu objects rejected, %zu refused",
				p->name, st->rejected, st->refused);
	return e;
}
