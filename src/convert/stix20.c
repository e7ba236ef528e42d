/*
 * STIX 2.0 bundles upgraded to 2.1, object by object:
 *  - every object gets "spec_version": "2.1"; the bundle loses its own;
 *  - malware gets "is_family": true (2.0 malware objects describe
 *    families); labels that are words of the 2.1 open vocabulary move to
 *    malware_types, the same for tool/tool_types, indicator/indicator_types,
 *    threat-actor/threat_actor_types and report/report_types; the other
 *    labels stay labels, except malware's "malware" label, which 2.0
 *    required and MITRE's own 2.1 rule drops;
 *  - indicator gets "pattern_type": "stix";
 *  - observed-data's `objects` dictionary becomes SCOs with deterministic
 *    ids (references between them rewritten) and `object_refs`.
 * The --tlp marking, when given, is added to each object's markings,
 * unless the object already has a TLP marking (1.0 or 2.0): that one stays.
 *
 *	{"type":"malware","id":"malware--1","labels":["malware"],...}
 *	  -> {"type":"malware","id":"malware--1","spec_version":"2.1","is_family":true,...}
 */
#include <string.h>

#include "convert_int.h"
#include "tripact/json.h"
#include "tripact/stix.h"

static const char *const malware_ov[] = {"adware",
					 "backdoor",
					 "bot",
					 "bootkit",
					 "ddos",
					 "downloader",
					 "dropper",
					 "exploit-kit",
					 "keylogger",
					 "ransomware",
					 "remote-access-trojan",
					 "resource-exploitation",
					 "rogue-security-software",
					 "rootkit",
					 "screen-capture",
					 "spyware",
					 "trojan",
					 "unknown",
					 "virus",
					 "webshell",
					 "wiper",
					 "worm",
					 NULL};
static const char *const tool_ov[] = {"denial-of-service",
				      "exploitation",
				      "information-gathering",
				      "network-capture",
				      "credential-exploitation",
				      "remote-access",
				      "vulnerability-scanning",
				      "unknown",
				      NULL};
static const char *const indicator_ov[] = {
	"anomalous-activity", "anonymization", "benign",  "compromised",
	"malicious-activity", "attribution",   "unknown", NULL};
static const char *const actor_ov[] = {"activist",
				       "competitor",
				       "crime-syndicate",
				       "criminal",
				       "hacker",
				       "insider-accidental",
				       "insider-disgruntled",
				       "nation-state",
				       "sensationalist",
				       "spy",
				       "terrorist",
				       "unknown",
				       NULL};
static const char *const report_ov[] = {
	"attack-pattern", "campaign",	  "identity",	   "indicator", "intrusion-set", "malware",
	"observed-data",  "threat-actor", "threat-report", "tool",	"vulnerability", NULL};

static int in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (strcmp(s, *l) == 0)
			return 1;
	return 0;
}

/* labels -> <prop> for the words of vocab; `drop` is removed. */
static enum tp_err move_labels(json_t *o, const char *prop, const char *const *vocab,
			       const char *drop)
{
	json_t *labels = json_object_get(o, "labels");
	if (!json_is_array(labels))
		return TP_OK;
	json_t *keep = json_array(), *moved = json_array();
	if (!keep || !moved)
		goto nomem;
	size_t i;
	json_t *l;
	json_array_foreach(labels, i, l)
	{
		const char *s = json_string_value(l);
		if (s && drop && strcmp(s, drop) == 0)
			continue;
		if (json_array_append(s && in_list(s, vocab) ? moved : keep, l) != 0)
			goto nomem;
	}
	if (json_array_size(moved) && !json_object_get(o, prop) &&
	    json_object_set(o, prop, moved) != 0)
		goto nomem;
	if (json_array_size(keep) ? json_object_set(o, "labels", keep) != 0
				  : json_object_del(o, "labels") != 0)
		goto nomem;
	json_decref(keep);
	json_decref(moved);
	return TP_OK;
nomem:
	json_decref(keep);
	json_decref(moved);
	return TP_ENOMEM;
}

/* Rewrites a 2.0 reference ("0") to the id of that SCO; 0 if unknown. */
static int rewrite_ref(json_t *holder, const char *key, json_t *ref, const json_t *ids)
{
	const char *r = json_string_value(ref);
	const char *id = r ? tp_json_str(ids, r) : NULL;
	if (!id)
		return 0;
	json_object_set_new(holder, key, json_string(id));
	return 1;
}

/* Replaces every *_ref / *_refs member of o that names a local key. */
static int rewrite_refs(json_t *o, const json_t *ids, int *pending)
{
	const char *k;
	json_t *v;
	void *tmp;
	int ok = 1;
	json_object_foreach_safe(o, tmp, k, v)
	{
		size_t n = strlen(k);
		if (n > 4 && strcmp(k + n - 4, "_ref") == 0 && json_is_string(v)) {
			if (strstr(json_string_value(v), "--"))
				continue;
			if (!rewrite_ref(o, k, v, ids)) {
				ok = 0;
				(*pending)++;
			}
		} else if (n > 5 && strcmp(k + n - 5, "_refs") == 0 && json_is_array(v)) {
			size_t i;
			json_t *r;
			json_array_foreach(v, i, r)
			{
				const char *s = json_string_value(r);
				const char *id = s ? tp_json_str(ids, s) : NULL;
				if (s && strstr(s, "--"))
					continue;
				if (!id) {
					ok = 0;
					(*pending)++;
					continue;
				}
				json_array_set_new(v, i, json_string(id));
			}
		}
	}
	return ok;
}

static enum tp_err observed(struct tp_convert *c, const char *file, json_t *od, const char *path)
{
	json_t *objs = json_object_get(od, "objects");
	if (!json_is_object(objs))
		return TP_OK;
	json_t *ids = json_object(), *refs = json_array();
	if (!ids || !refs)
		goto nomem;
	/* resolve in dependency order: an SCO's id may depend on another's */
	size_t left = json_object_size(objs), prev = left + 1;
	while (left && left < prev) {
		prev = left;
		left = 0;
		const char *k;
		json_t *sco;
		json_object_foreach(objs, k, sco)
		{
			if (json_object_get(ids, k))
				continue;
			int pending = 0;
			if (!rewrite_refs(sco, ids, &pending)) {
				left++;
				continue;
			}
			char id[TP_STIX_ID_MAX];
			enum tp_err e = tp_convert_sco_id(sco, id);
			if (e == TP_EINVAL) {
				left++; /* reported below */
				continue;
			}
			if (e != TP_OK)
				goto nomem;
			if (json_object_set_new(ids, k, json_string(id)) != 0)
				goto nomem;
		}
	}
	const char *k;
	json_t *sco;
	json_object_foreach(objs, k, sco)
	{
		const char *id = tp_json_str(ids, k);
		if (!id) {
			char p[300];
			snprintf(p, sizeof p, "%s.objects.%s", path, k);
			tp_convert_reject(c, file, 0, p,
					  "observed object has no valid type, or refers to a key "
					  "that is not in objects");
			continue;
		}
		json_t *o = json_deep_copy(sco);
		if (!o || json_object_set_new(o, "id", json_string(id)) != 0 ||
		    json_object_set_new(o, "spec_version", json_string("2.1")) != 0 ||
		    json_array_append_new(refs, json_string(id)) != 0) {
			json_decref(o);
			goto nomem;
		}
		enum tp_err e = tp_convert_emit(c, o, TP_TLP_NONE);
		if (e != TP_OK) {
			json_decref(ids);
			json_decref(refs);
			return e;
		}
	}
	json_object_del(od, "objects");
	json_object_set(od, "object_refs", refs);
	json_decref(ids);
	json_decref(refs);
	return TP_OK;
nomem:
	json_decref(ids);
	json_decref(refs);
	return TP_ENOMEM;
}

/* The TLP 1.0 (STIX 2.x predefined) and 2.0 marking-definition ids. */
static int is_tlp(const char *id)
{
	static const char *const tlp1[] = {
		"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
		"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
		"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
		"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
	};
	for (size_t i = 0; i < 4; i++)
		if (strcmp(id, tlp1[i]) == 0)
			return 1;
	for (int t = TP_TLP_CLEAR; t <= TP_TLP_RED; t++)
		if (strcmp(id, tp_convert_tlp_id(t)) == 0)
			return 1;
	return 0;
}

static enum tp_err upgrade(struct tp_convert *c, const char *file, json_t *o, const char *path)
{
	const char *type = tp_json_str(o, "type");
	enum tp_err e = TP_OK;
	if (!type || !tp_json_str(o, "id"))
		return tp_convert_reject(c, file, 0, path, "object without a type or id");
	const char *sv = tp_json_str(o, "spec_version");
	if (sv && strcmp(sv, "2.1") != 0)
		return tp_convert_reject(c, file, 0, path, "spec_version '%s' on an object", sv);
	if (json_object_set_new(o, "spec_version", json_string("2.1")) != 0)
		return TP_ENOMEM;
	if (strcmp(type, "malware") == 0) {
		if (!json_object_get(o, "is_family"))
			json_object_set_new(o, "is_family", json_true());
		e = move_labels(o, "malware_types", malware_ov, "malware");
	} else if (strcmp(type, "tool") == 0) {
		e = move_labels(o, "tool_types", tool_ov, NULL);
	} else if (strcmp(type, "indicator") == 0) {
		e = move_labels(o, "indicator_types", indicator_ov, NULL);
		if (e == TP_OK && !json_object_get(o, "pattern_type"))
			json_object_set_new(o, "pattern_type", json_string("stix"));
	} else if (strcmp(type, "threat-actor") == 0) {
		e = move_labels(o, "threat_actor_types", actor_ov, NULL);
	} else if (strcmp(type, "report") == 0) {
		e = move_labels(o, "report_types", report_ov, NULL);
	} else if (strcmp(type, "observed-data") == 0) {
		e = observed(c, file, o, path);
	}
	if (e != TP_OK)
		return e;
	/* the --tlp marking joins whatever markings the object has */
	const char *tlp = tp_convert_tlp_id(c->o.tlp);
	if (tlp && strcmp(type, "marking-definition") != 0) {
		json_t *m = json_object_get(o, "object_marking_refs");
		if (!m) {
			m = json_array();
			if (!m || json_object_set_new(o, "object_marking_refs", m) != 0)
				return TP_ENOMEM;
		}
		if (json_is_array(m)) {
			/* an object that has a TLP marking (1.0 or 2.0) keeps its own */
			int have = 0;
			size_t i;
			json_t *x;
			json_array_foreach(m, i, x)
			{
				have |= json_is_string(x) && is_tlp(json_string_value(x));
			}
			if (!have && json_array_append_new(m, json_string(tlp)) != 0)
				return TP_ENOMEM;
		}
		e = tp_convert_need_tlp(c, c->o.tlp);
		if (e != TP_OK)
			return e;
	}
	char *id = strdup(tp_json_str(o, "id"));
	if (!id)
		return TP_ENOMEM;
	/* an SDO may come in several versions (same id, other modified) */
	e = tp_convert_emit_version(c, json_incref(o));
	if (e == TP_OK && strcmp(type, "indicator") == 0) {
		for (size_t i = 0; e == TP_OK && i < c->o.n_attribute_to; i++)
			e = tp_convert_relate(c, id, "indicates", c->o.attribute_to[i], c->o.tlp);
	}
	free(id);
	return e;
}

enum tp_err tp_convert_stix20(struct tp_convert *c, const char *file, const char *text, size_t len,
			      struct tp_diag *d)
{
	json_t *root;
	enum tp_err e = tp_json_load(text, len, &root, d);
	if (e != TP_OK)
		return e;
	const char *type = tp_json_str(root, "type");
	json_t *objs = json_object_get(root, "objects");
	if (!type || strcmp(type, "bundle") != 0 || !json_is_array(objs)) {
		json_decref(root);
		return tp_diag_set(d, TP_EPARSE, "%s: not a STIX bundle with an objects array",
				   file);
	}
	const char *sv = tp_json_str(root, "spec_version");
	if (sv && strcmp(sv, "2.0") != 0) {
		tp_diag_set(d, TP_EPARSE, "%s: bundle spec_version is '%.40s', not 2.0", file, sv);
		json_decref(root);
		return TP_EPARSE;
	}
	size_t i;
	json_t *o;
	char path[64];
	json_array_foreach(objs, i, o)
	{
		snprintf(path, sizeof path, "objects[%zu]", i);
		c->st.rows++;
		if (!json_is_object(o)) {
			tp_convert_reject(c, file, 0, path, "not a JSON object");
			continue;
		}
		e = upgrade(c, file, o, path);
		if (e != TP_OK) {
			tp_diag_path(d, "%s", path);
			tp_diag_set(d, e, "%s %s: %s", file, path, tp_strerror(e));
			break;
		}
	}
	json_decref(root);
	return e;
}
