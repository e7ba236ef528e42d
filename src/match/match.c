/*
 * The matcher: indicators in, records read in batches of BATCH, each batch
 * turned into one set of observed-data and every observation checked
 * against all indicators at once (tp_pattern_set_match).
 *
 *	batch of 32 records -> probes: which may match (probe.c)
 *	  -> [od-0 {"0": ipv4-addr, "1": ipv4-addr, "2": network-traffic}, od-1 ...]
 *	  -> tp_pattern_data_new -> tp_pattern_set_match(od-i) -> hits
 *
 * A record that matches nothing costs the index probes of its values;
 * only a record some probe finds a candidate for is mapped to JSON and
 * matched, and only the records that match are mapped again with
 * deterministic ids for the sightings (sighting.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "input.h"
#include "tripact/json.h"

static const char *const format_names[TP_MATCH_FORMATS] = {"auto", "zeek", "zeek-json", "eve",
							   "jsonl"};

const char *tp_match_format_name(enum tp_match_format f)
{
	return (unsigned)f < TP_MATCH_FORMATS ? format_names[f] : "?";
}

enum tp_err tp_match_format_parse(const char *s, enum tp_match_format *out)
{
	for (int f = 0; f < TP_MATCH_FORMATS; f++)
		if (s && strcmp(s, format_names[f]) == 0) {
			*out = (enum tp_match_format)f;
			return TP_OK;
		}
	return TP_EINVAL;
}

/* "field=key" pairs; the default maps every field to its own name. */
static enum tp_err parse_map(struct tp_match *m, struct tp_diag *d)
{
	size_t n = m->o.nmap ? m->o.nmap : F_NFIELDS;
	m->map = calloc(n, sizeof *m->map);
	if (!m->map)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *spec = m->o.nmap ? m->o.map[i] : NULL;
		const char *eq = spec ? strchr(spec, '=') : NULL;
		char name[64];
		if (spec && (!eq || eq == spec || !eq[1] || (size_t)(eq - spec) >= sizeof name))
			return tp_diag_set(d, TP_EINVAL, "--map '%s': expected field=key", spec);
		if (spec)
			snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
		int f = spec ? field_of(name) : (int)i;
		if (f < 0)
			return tp_diag_set(d, TP_EINVAL,
					   "--map '%s': no field '%s' (see docs/match.md)", spec,
					   name);
		m->map[i].field = f;
		m->map[i].key = strdup(spec ? eq + 1 : field_name((enum field)f));
		m->nmap = i + 1;
		if (!m->map[i].key)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	return TP_OK;
}

enum tp_err tp_match_new(const struct tp_match_opts *opts, tp_match_report_fn report,
			 tp_match_hit_fn hit, void *ctx, struct tp_match **out)
{
	if (!opts || !out)
		return TP_EINVAL;
	struct tp_match *m = calloc(1, sizeof *m);
	if (!m)
		return TP_ENOMEM;
	m->o = *opts;
	if (!m->o.identity)
		m->o.identity = "tripact match";
	if (!m->o.max_observed)
		m->o.max_observed = 10;
	if (!m->o.time)
		m->o.time = tp_time_now();
	m->report = report;
	m->hit = hit;
	m->ctx = ctx;
	identity_id(m->o.identity, m->identity);
	m->markings = json_object();
	m->scos = json_object();
	m->epoch = json_string("1970-01-01T00:00:00Z");
	m->recs = calloc(BATCH, sizeof *m->recs);
	enum tp_err e = m->markings && m->scos && m->epoch && m->recs ? TP_OK : TP_ENOMEM;
	if (e == TP_OK)
		e = tp_json_arena_new(&m->arena);
	for (size_t i = 0; e == TP_OK && i < BATCH; i++)
		tp_buf_init(&m->recs[i].text, 1 << 24);
	if (e == TP_OK)
		e = tp_pattern_set_new(&m->set);
	if (e == TP_OK)
		e = parse_map(m, NULL);
	if (e != TP_OK) {
		tp_match_free(m);
		return e;
	}
	*out = m;
	return TP_OK;
}

void tp_match_free(struct tp_match *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ninds; i++) {
		free(m->inds[i].id);
		json_decref(m->inds[i].obj);
		json_decref(m->inds[i].observed);
	}
	free(m->inds);
	for (size_t i = 0; i < m->nmap; i++)
		free(m->map[i].key);
	free(m->map);
	for (size_t i = 0; m->recs && i < BATCH; i++)
		tp_buf_free(&m->recs[i].text);
	free(m->recs);
	free(m->found);
	json_decref(m->markings);
	json_decref(m->scos);
	json_decref(m->epoch);
	tp_json_arena_free(m->arena);
	probes_free(m->probes);
	tp_pattern_scratch_free(m->sc);
	tp_pattern_set_free(m->set);
	windows_free(m);
	free(m);
}

static void report_indicator(struct tp_match *m, const char *id, enum tp_err code, const char *why)
{
	m->st.unsupported++;
	if (!m->report)
		return;
	struct tp_diag d = {0};
	tp_diag_object(&d, id);
	tp_diag_set(&d, code, "%s", why);
	m->report(m->ctx, NULL, &d);
}

/* valid_from/valid_until of o, or why they cannot be used. */
static const char *validity_of(const json_t *o, tp_time_us *from, tp_time_us *until)
{
	static const char *const names[2] = {"valid_from", "valid_until"};
	tp_time_us *out[2] = {from, until};
	*from = INT64_MIN;
	*until = INT64_MAX;
	for (int k = 0; k < 2; k++) {
		const json_t *v = json_object_get(o, names[k]);
		if (!v)
			continue;
		const char *s = json_string_value(v);
		if (!s || tp_time_parse(s, strlen(s), 0, out[k], NULL, NULL) != TP_OK)
			return k ? "valid_until is not a STIX timestamp"
				 : "valid_from is not a STIX timestamp";
	}
	return NULL;
}

static enum tp_err add_indicator(struct tp_match *m, json_t *o, struct tp_diag *d)
{
	tp_time_us valid_from, valid_until;
	const char *id = tp_json_str(o, "id");
	const char *pattern = tp_json_str(o, "pattern");
	const char *ptype = tp_json_str(o, "pattern_type");
	const char *why = NULL;
	if (!id || !pattern)
		why = "an indicator needs an id and a pattern";
	else if (ptype && strcmp(ptype, "stix") != 0)
		why = "pattern_type is not stix";
	else if (json_is_true(json_object_get(o, "revoked")))
		why = "revoked";
	int shape = 0;
	if (!why && !(why = validity_of(o, &valid_from, &valid_until)))
		shape = pattern_shape(pattern, &why);
	if (why) {
		report_indicator(m, id ? id : "indicator", TP_EUNSUPPORTED, why);
		return TP_OK;
	}
	if (m->ninds >= m->capinds) {
		size_t cap = m->capinds ? 2 * m->capinds : 64;
		struct ind *n = realloc(m->inds, cap * sizeof *n);
		if (!n)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		m->inds = n;
		m->capinds = cap;
	}
	struct tp_diag pd = {0};
	enum tp_err e = shape ? window_add(m, m->ninds, pattern, &pd)
			      : tp_pattern_set_add(m->set, pattern, strlen(pattern),
						   (uint32_t)m->ninds, &pd);
	if (e == TP_EPARSE || e == TP_EVALIDATE || e == TP_ELIMIT) {
		char why2[600];
		snprintf(why2, sizeof why2, "pattern column %ld: %s", pd.column, pd.message);
		report_indicator(m, id, TP_EPARSE, why2);
		return TP_OK;
	}
	if (e)
		return tp_diag_set(d, e, "%s", pd.message[0] ? pd.message : tp_strerror(e));
	m->need |= pattern_needs(pattern);
	struct ind *in = &m->inds[m->ninds++];
	memset(in, 0, sizeof *in);
	in->id = strdup(id);
	in->valid_from = valid_from;
	in->valid_until = valid_until;
	in->obj = json_incref(o);
	in->observed = json_array();
	if (!in->id || !in->observed)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	return TP_OK;
}

static enum tp_err add_object(struct tp_match *m, json_t *o, int top, struct tp_diag *d)
{
	const char *type = tp_json_str(o, "type");
	if (!type)
		return TP_OK;
	if (top && strcmp(type, "bundle") == 0) {
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(o, "objects"), i, v)
		{
			enum tp_err e = add_object(m, v, 0, d);
			if (e)
				return e;
		}
		return TP_OK;
	}
	const char *id = tp_json_str(o, "id");
	if (strcmp(type, "marking-definition") == 0 && id)
		return json_object_set(m->markings, id, o)
			       ? tp_diag_set(d, TP_ENOMEM, "out of memory")
			       : TP_OK;
	if (strcmp(type, "indicator") == 0)
		return add_indicator(m, o, d);
	return TP_OK;
}

enum tp_err tp_match_add_indicators(struct tp_match *m, json_t *root, struct tp_diag *d)
{
	if (!m || !root || m->sc)
		return tp_diag_set(d, TP_EINVAL, "indicators are added before compiling");
	if (json_is_array(root)) {
		size_t i;
		json_t *v;
		json_array_foreach(root, i, v)
		{
			enum tp_err e = add_object(m, v, 1, d);
			if (e)
				return e;
		}
		return TP_OK;
	}
	if (!json_is_object(root))
		return tp_diag_set(d, TP_EPARSE, "expected a STIX bundle, an object or an array");
	return add_object(m, root, 1, d);
}

enum tp_err tp_match_compile(struct tp_match *m, struct tp_diag *d)
{
	if (!m || m->sc)
		return tp_diag_set(d, TP_EINVAL, "already compiled");
	enum tp_err e = tp_pattern_set_compile(m->set, d);
	if (e == TP_OK)
		e = tp_pattern_scratch_new(m->set, &m->sc);
	if (e == TP_OK)
		e = probes_new(m);
	m->found = calloc(m->ninds + m->nleaves + 1, sizeof *m->found);
	if (e == TP_OK && !m->found)
		e = tp_diag_set(d, TP_ENOMEM, "out of memory");
	m->st.indicators = m->ninds;
	return e;
}

/* ---- matching a batch ---- */

static int on_found(uint32_t id, void *ctx)
{
	struct tp_match *m = ctx;
	m->found[m->nfound++] = id;
	return 0;
}

/* 1 if a match of indicator in by a record at ts counts as a hit. */
static int within_validity(const struct tp_match *m, const struct ind *in, tp_time_us ts)
{
	if (!ts || m->o.validity == TP_MATCH_VALID_NONE)
		return 1;
	if (ts >= in->valid_until)
		return 0;
	return m->o.validity != TP_MATCH_VALID_BOTH || ts >= in->valid_from;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The observed-data a batch is matched as. Each keeps its SCOs in the
 * `objects` dictionary STIX 2.0 used (the evaluator resolves references
 * inside it), rather than as objects of their own: pooling them by id
 * cost more than the matching itself. Ids are cheap and per record.
 */
static enum tp_err batch_data(struct tp_match *m, json_t *all, size_t *rec_of, size_t *nobs)
{
	/* only the SCOs some indicator can look at (when none is named
	 * nothing can match: addresses alone keep the records counted) */
	struct ids ids = {.need = m->need ? m->need : S_ADDR};
	tp_buf_init(&ids.url, 1 << 20);
	enum tp_err e = TP_OK;
	*nobs = 0;
	for (size_t i = 0; e == TP_OK && i < m->nrecs; i++) {
		if (!probe_record(m, &m->recs[i]))
			continue; /* no indicator can match it: no JSON */
		json_t *objects = json_object();
		ids.next = 0;
		e = objects ? observe_objects(&m->recs[i], &ids, objects) : TP_ENOMEM;
		if (e) {
			json_decref(objects);
			e = e == TP_ENOTFOUND ? TP_OK : e; /* nothing observable */
			continue;
		}
		/* Times only matter to qualifiers, which the set never sees
		 * (windows keep each record's own, window.c): one constant
		 * spares formatting and parsing them. */
		json_t *od = json_object();
		if (!od || json_array_append_new(all, od) ||
		    json_object_set_new_nocheck(od, "type", json_string_nocheck("observed-data")) ||
		    json_object_set_nocheck(od, "first_observed", m->epoch) ||
		    json_object_set_nocheck(od, "last_observed", m->epoch) ||
		    json_object_set_new_nocheck(od, "number_observed", json_integer(1))) {
			json_decref(objects);
			e = TP_ENOMEM;
		} else if (json_object_set_new_nocheck(od, "objects", objects)) {
			e = TP_ENOMEM;
		}
		rec_of[(*nobs)++] = i;
	}
	tp_buf_free(&ids.url);
	return e;
}

static enum tp_err flush(struct tp_match *m, struct tp_diag *d)
{
	if (!m->nrecs)
		return TP_OK;
	json_t *all = json_array();
	size_t rec_of[BATCH], nobs = 0;
	struct tp_pattern_data *data = NULL;
	enum tp_err e = all ? batch_data(m, all, rec_of, &nobs) : TP_ENOMEM;
	if (e == TP_OK && nobs)
		e = tp_pattern_data_new(all, &data, d);
	for (size_t k = 0; e == TP_OK && k < nobs; k++) {
		m->nfound = 0;
		e = tp_pattern_set_match(m->set, m->sc, data, k, on_found, m);
		qsort(m->found, m->nfound, sizeof *m->found, cmp_u32);
		/* what a hit keeps outlives the batch: not from the arena */
		tp_json_arena_leave(m->arena);
		const struct record *r = &m->recs[rec_of[k]];
		m->rec_seq++;
		for (size_t h = 0; e == TP_OK && h < m->nfound; h++) {
			uint32_t id = m->found[h];
			struct ind *in = &m->inds[id & LEAF_BIT ? window_indicator(m, id) : id];
			if (!within_validity(m, in, r->ts)) {
				in->outside++;
				m->st.outside++;
			} else if (id & LEAF_BIT) {
				e = window_hit(m, id, r, d);
			} else {
				e = sighting_add(m, id, r, d);
			}
		}
		tp_json_arena_enter(m->arena);
	}
	if (e == TP_OK && m->nwins) {
		tp_json_arena_leave(m->arena); /* the windows outlive the batch */
		e = windows_evaluate(m, d);
		tp_json_arena_enter(m->arena);
	}
	if (e && !d->message[0])
		tp_diag_set(d, e, "%s", tp_strerror(e));
	tp_pattern_data_free(data);
	json_decref(all);
	tp_json_arena_reset(m->arena);
	m->nrecs = 0;
	return e;
}

/* The log a file name suggests: "NASHUA_conn.log" -> "conn". */
static void log_of_name(const char *path, char out[32])
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strchr(base, '.');
	size_t n = dot ? (size_t)(dot - base) : strlen(base);
	const char *us = memrchr(base, '_', n);
	if (us) {
		n -= (size_t)(us + 1 - base);
		base = us + 1;
	}
	snprintf(out, 32, "%.*s", (int)n, base);
}

static enum tp_err bad_record(struct tp_match *m, struct tp_diag *d)
{
	if (!m->o.skip_bad || d->code == TP_ENOMEM)
		return d->code ? d->code : TP_EPARSE;
	m->st.bad++;
	if (m->report)
		m->report(m->ctx, m->file, d);
	tp_diag_clear(d);
	return TP_OK;
}

static enum tp_err read_input(struct tp_match *m, const char *name, struct input *in,
			      enum tp_match_format f, struct tp_diag *d)
{
	char file_log[32];
	log_of_name(name, file_log);
	struct zeek_tsv *z = NULL;
	enum tp_err e = zeek_tsv_new(&z);
	m->file = name;
	/* each line's JSON and each batch's observations come and go */
	tp_json_arena_enter(m->arena);
	for (int got = 1; e == TP_OK;) {
		char *line;
		size_t len;
		size_t before = in->bytes;
		if ((e = input_next(in, &line, &len, &got, d)) || !got)
			break;
		m->st.lines++;
		m->st.bytes += in->bytes - before;
		if (len == 0)
			continue;
		if (f == TP_MATCH_AUTO && (f = detect_format(line, len)) == TP_MATCH_AUTO) {
			d->line = in->lineno;
			e = tp_diag_set(d, TP_EPARSE,
					"cannot tell the format (not a Zeek header nor a JSON "
					"object): use --format");
			break;
		}
		struct record *r = &m->recs[m->nrecs];
		int rec = 1;
		if (f == TP_MATCH_ZEEK)
			e = zeek_tsv_line(z, line, len, r, &rec, d);
		else
			e = json_line(f, line, len, file_log, m->map, m->nmap, r, d);
		if (e) {
			d->line = in->lineno;
			/* a broken header leaves the rows that follow unreadable */
			e = f == TP_MATCH_ZEEK && strchr(line, '#') == line + strspn(line, " \t")
				    ? e
				    : bad_record(m, d);
			continue;
		}
		if (!rec)
			continue;
		r->line = in->lineno;
		m->st.records[f]++;
		m->st.truncated += r->dropped > 0;
		if (++m->nrecs == BATCH)
			e = flush(m, d);
	}
	if (e == TP_OK) {
		e = flush(m, d);
	} else {
		/* the records before the bad one are good: match them, keep
		 * the first error (and never carry them into the next input) */
		struct tp_diag fd = {0};
		enum tp_err fe = flush(m, &fd);
		(void)fe;
		m->nrecs = 0;
	}
	tp_json_arena_reset(m->arena);
	tp_json_arena_leave(m->arena);
	zeek_tsv_free(z);
	return e;
}

enum tp_err tp_match_read_file(struct tp_match *m, const char *path, enum tp_match_format f,
			       struct tp_diag *d)
{
	if (!m || !m->sc || !path)
		return tp_diag_set(d, TP_EINVAL, "compile before reading");
	struct tp_diag local = {0};
	if (!d)
		d = &local; /* the readers fill in line numbers */
	struct input in;
	enum tp_err e = input_open(&in, path, d);
	if (e == TP_OK)
		e = read_input(m, path, &in, f, d);
	input_close(&in);
	return e;
}

enum tp_err tp_match_read_mem(struct tp_match *m, const char *name, const char *text, size_t len,
			      enum tp_match_format f, struct tp_diag *d)
{
	if (!m || !m->sc || !name || (!text && len))
		return tp_diag_set(d, TP_EINVAL, "compile before reading");
	struct tp_diag local = {0};
	if (!d)
		d = &local;
	struct input in;
	input_open_mem(&in, text ? text : "", len);
	enum tp_err e = read_input(m, name, &in, f, d);
	input_close(&in);
	return e;
}

void tp_match_stats(const struct tp_match *m, struct tp_match_stats *st)
{
	if (m && st)
		*st = m->st;
}

void tp_match_indicator(const struct tp_match *m, size_t i, const char **id, size_t *hits,
			size_t *outside)
{
	if (!m || i >= m->ninds)
		return;
	if (id)
		*id = m->inds[i].id;
	if (hits)
		*hits = m->inds[i].hits;
	if (outside)
		*outside = m->inds[i].outside;
}
