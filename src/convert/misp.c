/*
 * MISP event JSON (the MISP core format): {"Event":{...}}, a list of them,
 * or the REST search form {"response":[{"Event":{...}}]}.
 *
 * Each attribute (top-level or inside an Object) with to_ids true becomes an
 * indicator, with to_ids false an SCO. Composite types are split:
 * "filename|sha256" gives the hash indicator described by its file name,
 * "domain|ip" two values, "ip-dst|port" a network-traffic pattern. Object
 * attributes that are context (text, port, ...) go into the description of
 * the object's indicators, and so do its to_ids false values (which are
 * also SCOs); the address-crypto (type text) of a coin-address object whose
 * symbol is ETH, or that has none, is an ETH address. `tlp:` tags become TLP markings, other tags
 * labels; the first `link` attribute becomes the url of every indicator's
 * external reference; galaxy clusters become `indicates` targets when the ATT&CK bundle
 * given in the options has the object (by ATT&CK id, name or alias).
 *
 *	{"type":"ip-dst","value":"38.108.185.115","to_ids":true}
 *	  -> [ipv4-addr:value = '38.108.185.115']
 */
#include <string.h>
#include <strings.h>

#include "convert_int.h"
#include "tripact/json.h"

#define MAX_TARGETS 64
#define MAX_LABELS  32

struct event {
	struct tp_convert *c;
	const char *file;
	const json_t *attack;
	enum tp_tlp tlp;
	const char *info;
	const char *uuid;
	const char *link; /* the first `link` attribute: the reference url */
	const char *targets[MAX_TARGETS];
	size_t ntargets;
	const char *labels[MAX_LABELS];
	size_t nlabels;
	struct tp_buf path, desc, value;
};

/* A MISP type name -> kind. ok = 0 if the type is context, not an IOC. */
static enum tp_ioc_kind misp_kind(const char *t, int *ok)
{
	static const struct {
		const char *type;
		enum tp_ioc_kind kind;
	} map[] = {
		{"ip-src", TP_IOC_UNKNOWN},
		{"ip-dst", TP_IOC_UNKNOWN},
		{"ip", TP_IOC_UNKNOWN}, /* the second half of domain|ip */
		{"domain", TP_IOC_DOMAIN},
		{"hostname", TP_IOC_DOMAIN},
		{"url", TP_IOC_UNKNOWN},
		{"uri", TP_IOC_UNKNOWN},
		{"md5", TP_IOC_MD5},
		{"sha1", TP_IOC_SHA1},
		{"sha256", TP_IOC_SHA256},
		{"sha512", TP_IOC_SHA512},
		{"email", TP_IOC_EMAIL},
		{"email-src", TP_IOC_EMAIL},
		{"email-dst", TP_IOC_EMAIL},
		{"whois-registrant-email", TP_IOC_EMAIL},
		{"filename", TP_IOC_FILENAME},
		{"btc", TP_IOC_BTC},
		{"xmr", TP_IOC_XMR},
		{"ip-dst|port", TP_IOC_IPV4_PORT},
		{"ip-src|port", TP_IOC_IPV4_PORT},
		/* not a MISP type: the address-crypto of a coin-address object
		 * whose symbol is ETH (see eth_attr) */
		{"coin-address/ETH", TP_IOC_ETH},
	};
	*ok = 1;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(t, map[i].type) == 0)
			return map[i].kind;
	*ok = 0;
	return TP_IOC_UNKNOWN;
}

static enum tp_tlp tags_tlp(const json_t *tags, enum tp_tlp tlp)
{
	size_t i;
	const json_t *t;
	json_array_foreach(tags, i, t)
	{
		const char *name = tp_json_str(t, "name");
		enum tp_tlp x;
		if (name && strncasecmp(name, "tlp:", 4) == 0 &&
		    tp_convert_tlp_parse(name, &x) == TP_OK && x > tlp)
			tlp = x;
	}
	return tlp;
}

/* The id of the ATT&CK object with this external_id, name or alias. */
static const char *attack_lookup(const json_t *attack, const char *type, const char *ext_id,
				 const char *name)
{
	size_t i;
	const json_t *o;
	json_array_foreach(json_object_get(attack, "objects"), i, o)
	{
		const char *t = tp_json_str(o, "type");
		if (!t || strcmp(t, type) != 0 || json_is_true(json_object_get(o, "revoked")))
			continue;
		if (ext_id) {
			size_t j;
			const json_t *r;
			json_array_foreach(json_object_get(o, "external_references"), j, r)
			{
				const char *x = tp_json_str(r, "external_id");
				if (x && strcmp(x, ext_id) == 0)
					return tp_json_str(o, "id");
			}
		}
		if (name) {
			const char *n = tp_json_str(o, "name");
			if (n && strcasecmp(n, name) == 0)
				return tp_json_str(o, "id");
			size_t j;
			const json_t *a;
			json_array_foreach(json_object_get(o, "aliases"), j, a)
			{
				if (json_is_string(a) &&
				    strcasecmp(json_string_value(a), name) == 0)
					return tp_json_str(o, "id");
			}
		}
	}
	return NULL;
}

static void galaxies(struct event *ev, const json_t *gal, const char *path)
{
	size_t i, j;
	const json_t *g, *cl;
	json_array_foreach(gal, i, g)
	{
		const char *gtype = tp_json_str(g, "type");
		json_array_foreach(json_object_get(g, "GalaxyCluster"), j, cl)
		{
			const char *value = tp_json_str(cl, "value");
			const char *id = NULL;
			if (!value)
				continue;
			const char *stype = NULL, *ext = NULL;
			const json_t *meta = json_object_get(cl, "meta");
			const json_t *eid = json_object_get(meta, "external_id");
			if (json_is_array(eid))
				ext = json_string_value(json_array_get(eid, 0));
			if (gtype && strcmp(gtype, "threat-actor") == 0)
				stype = "intrusion-set";
			else if (gtype && strcmp(gtype, "mitre-attack-pattern") == 0)
				stype = "attack-pattern";
			else if (gtype && (strcmp(gtype, "mitre-malware") == 0 ||
					   strcmp(gtype, "malpedia") == 0))
				stype = "malware";
			else if (gtype && strcmp(gtype, "mitre-tool") == 0)
				stype = "tool";
			if (stype && ev->attack) {
				/* ATT&CK ids are of the form T1234(.001), G0032, S0001 */
				if (ext && strncmp(ext, "CAPEC", 5) == 0)
					ext = NULL;
				id = attack_lookup(ev->attack, stype, ext, ext ? NULL : value);
				if (!id && !ext) {
					/* "Name - T1234.001": the id is after the dash */
					const char *dash = strstr(value, " - ");
					if (dash)
						id = attack_lookup(ev->attack, stype, dash + 3,
								   NULL);
				}
				if (!id && stype[0] == 'i') {
					const json_t *syn = json_object_get(meta, "synonyms");
					size_t k;
					const json_t *s;
					json_array_foreach(syn, k, s)
					{
						if (!id && json_is_string(s))
							id = attack_lookup(ev->attack, stype, NULL,
									   json_string_value(s));
					}
				}
			}
			if (id && ev->ntargets < MAX_TARGETS) {
				int dup = 0;
				for (size_t k = 0; k < ev->ntargets; k++)
					dup |= strcmp(ev->targets[k], id) == 0;
				if (!dup)
					ev->targets[ev->ntargets++] = id;
			} else if (!id) {
				tp_convert_reject(
					ev->c, ev->file, 0, path,
					"galaxy cluster '%.100s' (%s) has no ATT&CK object "
					"to relate to%s",
					value, gtype ? gtype : "?",
					ev->attack ? "" : " (no ATT&CK bundle given)");
			}
		}
	}
}

/* Converts one value of one attribute. */
static enum tp_err one(struct event *ev, const json_t *a, const char *type, const char *value,
		       const char *context, enum tp_tlp tlp)
{
	int ok;
	enum tp_ioc_kind k = misp_kind(type, &ok);
	struct tp_convert *c = ev->c;
	if (!ok) {
		c->st.rows++;
		return tp_convert_reject(c, ev->file, 0, ev->path.data,
					 "MISP type '%.40s' ('%.80s') is not an indicator type",
					 type, value);
	}
	tp_buf_reset(&ev->desc);
	enum tp_err e = TP_OK;
	const char *comment = tp_json_str(a, "comment");
	if (ev->info)
		e = tp_buf_puts(&ev->desc, ev->info);
	if (e == TP_OK && comment && *comment)
		e = tp_buf_printf(&ev->desc, "%s%s", ev->desc.len ? "\n" : "", comment);
	if (e == TP_OK && context && *context)
		e = tp_buf_printf(&ev->desc, "%s%s", ev->desc.len ? "\n" : "", context);
	if (e == TP_ELIMIT)
		e = TP_OK; /* a description over 64 KiB is cut, the value still goes */
	if (e != TP_OK)
		return e;
	tp_buf_reset(&ev->value);
	e = tp_buf_puts(&ev->value, value);
	if (e != TP_OK)
		return e;
	tp_ioc_refang(ev->value.data, ev->value.len);
	struct tp_convert_rec rec = {
		.file = ev->file,
		.path = ev->path.data,
		.value = ev->value.data,
		.kind = k,
		.allowed = k != TP_IOC_UNKNOWN		 ? 0
			   : strncmp(type, "ip", 2) == 0 ? TP_IOC_KINDS_IP
							 : TP_IOC_KINDS_URL,
		.declared = type,
		.description = ev->desc.len ? ev->desc.data : NULL,
		.ref_id = ev->uuid,
		.ref_url = ev->link,
		.tlp = tlp,
		.observable = !json_is_true(json_object_get(a, "to_ids")),
		.targets = ev->targets,
		.ntargets = ev->ntargets,
		.labels = ev->labels,
		.nlabels = ev->nlabels,
	};
	return tp_convert_rec(c, &rec);
}

/*
 * MISP has no ETH attribute type; an ETH address travels as the
 * address-crypto (type text) of a coin-address object with symbol ETH, as
 * MISP's own coin-address template has it. Without a symbol the value must
 * still read as an ETH address (tp_convert_rec checks it).
 */
static int eth_attr(const json_t *o, const json_t *a)
{
	const char *rel = tp_json_str(a, "object_relation");
	const char *name = tp_json_str(o, "name");
	if (!rel || !name || strcmp(name, "coin-address") != 0 ||
	    strcmp(rel, "address-crypto") != 0)
		return 0;
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(o, "Attribute"), i, x)
	{
		const char *r = tp_json_str(x, "object_relation"), *v = tp_json_str(x, "value");
		if (r && v && strcmp(r, "symbol") == 0 && strcasecmp(v, "ETH") != 0)
			return 0;
	}
	return 1;
}

static enum tp_err attribute(struct event *ev, const json_t *a, const char *context,
			     const char *type_override)
{
	const char *type = type_override ? type_override : tp_json_str(a, "type");
	const char *value = tp_json_str(a, "value");
	if (!type || !value) {
		ev->c->st.rows++;
		return tp_convert_reject(ev->c, ev->file, 0, ev->path.data,
					 "attribute without a string type and value");
	}
	if (json_is_true(json_object_get(a, "deleted")))
		return TP_OK;
	if (strcmp(type, "link") == 0 && ev->link && strcmp(value, ev->link) == 0)
		return TP_OK; /* the event's reference, on every indicator */
	enum tp_tlp tlp = tags_tlp(json_object_get(a, "Tag"), ev->tlp);
	const char *bar = strchr(type, '|');
	const char *vbar = strchr(value, '|');
	if (!bar || strcmp(type, "ip-dst|port") == 0 || strcmp(type, "ip-src|port") == 0) {
		if (bar && vbar) {
			char v[128];
			int n = snprintf(v, sizeof v, "%.*s:%s", (int)(vbar - value), value,
					 vbar + 1);
			if (n < 0 || (size_t)n >= sizeof v) {
				ev->c->st.rows++;
				return tp_convert_reject(ev->c, ev->file, 0, ev->path.data,
							 "'%.80s' is not an address|port value",
							 value);
			}
			return one(ev, a, type, v, context, tlp);
		}
		return one(ev, a, type, value, context, tlp);
	}
	if (!vbar) {
		ev->c->st.rows++;
		return tp_convert_reject(ev->c, ev->file, 0, ev->path.data,
					 "composite type '%.40s' without '|' in the value", type);
	}
	char t1[64], t2[64];
	snprintf(t1, sizeof t1, "%.*s", (int)(bar - type), type);
	snprintf(t2, sizeof t2, "%s", bar + 1);
	char *v1 = strndup(value, (size_t)(vbar - value));
	if (!v1)
		return TP_ENOMEM;
	const char *v2 = vbar + 1;
	enum tp_err e;
	if (strcmp(t1, "filename") == 0) {
		/* the hash is the indicator; the name describes it */
		char *ctx = NULL;
		if (asprintf(&ctx, "%s%sfile name: %s", context ? context : "",
			     context && *context ? "\n" : "", v1) < 0) {
			free(v1);
			return TP_ENOMEM;
		}
		e = one(ev, a, t2, v2, ctx, tlp);
		free(ctx);
	} else {
		e = one(ev, a, t1, v1, context, tlp);
		if (e == TP_OK)
			e = one(ev, a, t2, v2, context, tlp);
	}
	free(v1);
	return e;
}

static enum tp_err set_path(struct event *ev, const char *base, const char *fmt, size_t i, size_t j)
{
	tp_buf_reset(&ev->path);
	enum tp_err e = tp_buf_puts(&ev->path, base);
	if (e == TP_OK)
		e = tp_buf_printf(&ev->path, fmt, i, j);
	return e;
}

static enum tp_err object(struct event *ev, const json_t *o, const char *base, size_t oi)
{
	const json_t *attrs = json_object_get(o, "Attribute");
	struct tp_buf ctx;
	tp_buf_init(&ctx, 4096);
	size_t i;
	const json_t *a;
	int ok;
	const char *oname = tp_json_str(o, "name");
	enum tp_err e = TP_OK;
	if (oname)
		e = tp_buf_printf(&ctx, "MISP object %s", oname);
	/* context first: every non-IOC attribute of the object */
	json_array_foreach(attrs, i, a)
	{
		const char *t = tp_json_str(a, "type");
		const char *rel = tp_json_str(a, "object_relation");
		const char *v = tp_json_str(a, "value");
		int ctx_only = t && !strchr(t, '|') && (misp_kind(t, &ok), !ok) && !eth_attr(o, a);
		if (e == TP_OK && v && (ctx_only || !json_is_true(json_object_get(a, "to_ids"))))
			e = tp_buf_printf(&ctx, "%s%s: %s", ctx.len ? "\n" : "", rel ? rel : t, v);
	}
	if (e == TP_ELIMIT)
		e = TP_OK; /* a long context is cut */
	size_t iocs = 0;
	json_array_foreach(attrs, i, a)
	{
		const char *t = tp_json_str(a, "type");
		if (t && (strchr(t, '|') || (misp_kind(t, &ok), ok) || eth_attr(o, a)))
			iocs++;
	}
	if (e == TP_OK && iocs == 0) {
		char p[128];
		snprintf(p, sizeof p, "%s.Object[%zu]", base, oi);
		ev->c->st.rows++;
		for (char *q = ctx.data; q && *q; q++)
			if (*q == '\n')
				*q = ';';
		tp_convert_reject(ev->c, ev->file, 0, p,
				  "MISP object holds no indicator value, only context (%.300s)",
				  ctx.data ? ctx.data : "empty");
	}
	json_array_foreach(attrs, i, a)
	{
		const char *t = tp_json_str(a, "type");
		if (e != TP_OK)
			break;
		int eth = eth_attr(o, a);
		if (t && !strchr(t, '|') && (misp_kind(t, &ok), !ok) && !eth)
			continue; /* already in the context */
		e = set_path(ev, base, ".Object[%zu].Attribute[%zu]", oi, i);
		if (e == TP_OK)
			e = attribute(ev, a, ctx.data, eth ? "coin-address/ETH" : NULL);
		if (e != TP_OK)
			break;
	}
	tp_buf_free(&ctx);
	return e;
}

static enum tp_err event(struct tp_convert *c, const char *file, const json_t *ev_json,
			 const char *base)
{
	struct event ev = {.c = c, .file = file, .attack = c->o.attack};
	tp_buf_init(&ev.path, 4096);
	tp_buf_init(&ev.desc, 1 << 16);
	tp_buf_init(&ev.value, 1 << 20);
	ev.info = tp_json_str(ev_json, "info");
	ev.uuid = tp_json_str(ev_json, "uuid");
	ev.tlp = tags_tlp(json_object_get(ev_json, "Tag"), TP_TLP_NONE);
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(ev_json, "Tag"), i, x)
	{
		const char *name = tp_json_str(x, "name");
		if (name && strncasecmp(name, "tlp:", 4) != 0 &&
		    strncmp(name, "misp-galaxy:", 12) != 0 && ev.nlabels < MAX_LABELS)
			ev.labels[ev.nlabels++] = name;
	}
	json_array_foreach(json_object_get(ev_json, "Attribute"), i, x)
	{
		const char *t = tp_json_str(x, "type"), *v = tp_json_str(x, "value");
		if (!ev.link && t && v && strcmp(t, "link") == 0 &&
		    (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0))
			ev.link = v;
	}
	enum tp_err e = set_path(&ev, base, ".Galaxy", 0, 0);
	if (e == TP_OK)
		galaxies(&ev, json_object_get(ev_json, "Galaxy"), ev.path.data);
	json_array_foreach(json_object_get(ev_json, "Attribute"), i, x)
	{
		if (e != TP_OK)
			break;
		e = set_path(&ev, base, ".Attribute[%zu]%.0zu", i, 0);
		if (e == TP_OK)
			e = attribute(&ev, x, NULL, NULL);
	}
	json_array_foreach(json_object_get(ev_json, "Object"), i, x)
	{
		if (e != TP_OK)
			break;
		if (!json_is_true(json_object_get(x, "deleted")))
			e = object(&ev, x, base, i);
	}
	tp_buf_free(&ev.path);
	tp_buf_free(&ev.desc);
	tp_buf_free(&ev.value);
	return e;
}

enum tp_err tp_convert_misp(struct tp_convert *c, const char *file, const char *text, size_t len,
			    struct tp_diag *d)
{
	json_t *root;
	enum tp_err e = tp_json_load(text, len, &root, d);
	if (e != TP_OK)
		return e;
	const json_t *list = root;
	const char *base = "";
	if (json_is_object(root) && json_object_get(root, "response")) {
		list = json_object_get(root, "response");
		base = "response";
	}
	char pbase[64];
	if (json_is_object(list) && json_object_get(list, "Event")) {
		e = event(c, file, json_object_get(list, "Event"), "Event");
	} else if (json_is_array(list)) {
		size_t i;
		const json_t *x;
		json_array_foreach(list, i, x)
		{
			const json_t *ev = json_object_get(x, "Event");
			snprintf(pbase, sizeof pbase, "%s[%zu].Event", base, i);
			if (!json_is_object(ev)) {
				tp_convert_reject(c, file, 0, pbase, "not a MISP event");
				continue;
			}
			e = event(c, file, ev, pbase);
			if (e != TP_OK)
				break;
		}
	} else {
		e = tp_diag_set(d, TP_EPARSE,
				"%s: not a MISP event (no \"Event\" or \"response\" member)", file);
	}
	json_decref(root);
	return e;
}
