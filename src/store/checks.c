/*
 * Rules every back end applies the same way, before any SQL: what a name
 * may contain, what makes a collection's id, alias and title, and when an
 * object is added and which version it is.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "tripact/json.h"

enum tp_err tp_store_check_name(const char *name, const char *what, struct tp_diag *d)
{
	if (!name || !*name || strlen(name) > 100)
		return tp_diag_set(d, TP_EINVAL, "%s name must be 1 to 100 characters", what);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '@'))
			return tp_diag_set(d, TP_EINVAL,
					   "%s name '%s': only letters, digits and - _ . @ are "
					   "allowed",
					   what, name);
	return TP_OK;
}

enum tp_err tp_store_collection_check(const char *uuid, const char *alias, const char *title,
				      char idbuf[TP_UUID_STRLEN + 1], struct tp_diag *d)
{
	struct tp_uuid u;
	if (uuid) {
		if (tp_uuid_parse(uuid, strlen(uuid), &u) != TP_OK)
			return tp_diag_set(d, TP_EINVAL, "collection id '%s' is not a UUID", uuid);
	} else if (tp_uuid_v4(&u) != TP_OK) {
		return tp_diag_set(d, TP_EIO, "cannot make a random UUID");
	}
	tp_uuid_format(&u, idbuf);
	if (alias && *alias) {
		enum tp_err e = tp_store_check_name(alias, "collection alias", d);
		if (e)
			return e;
		struct tp_uuid tmp;
		if (tp_uuid_parse(alias, strlen(alias), &tmp) == TP_OK)
			return tp_diag_set(d, TP_EINVAL, "a collection alias cannot be a UUID");
	}
	if (!title || !*title)
		return tp_diag_set(d, TP_EINVAL, "a collection needs a title");
	return TP_OK;
}

static int stamp(const json_t *o, const char *key, tp_time_us *t)
{
	const char *s = tp_json_str(o, key);
	return s && tp_time_parse(s, strlen(s), 0, t, NULL, NULL) == TP_OK;
}

int tp_store_put_stamps(const json_t *o, tp_time_us last, tp_time_us *added, tp_time_us *version,
			struct tp_store_put_result *r)
{
	memset(r, 0, sizeof *r);
	if (!tp_json_str(o, "id") || !tp_json_str(o, "type")) {
		r->err = TP_EVALIDATE;
		snprintf(r->message, sizeof r->message, "object has no id or type");
		return 0;
	}
	tp_time_us now = tp_time_now();
	*added = now > last ? now : last + 1;
	*version = *added;
	static const char *const keys[] = {"created", "modified"}; /* the later one wins */
	for (int k = 0; k < 2; k++) {
		if (!json_object_get(o, keys[k]))
			continue;
		if (!stamp(o, keys[k], version)) {
			r->err = TP_EVALIDATE;
			snprintf(r->message, sizeof r->message, "%s: not an RFC 3339 timestamp",
				 keys[k]);
			return 0;
		}
	}
	return 1;
}
