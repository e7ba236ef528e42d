/*
 * The store interface: picks a back end and dispatches to its operation
 * table (backend.h). Password hashing and token handling live here, above
 * the back ends, so every back end stores the same hashes.
 */
#include <argon2.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "backend.h"

enum tp_err tp_store_open(const char *dir, struct tp_store **out, struct tp_diag *d)
{
	if (!dir || !*dir)
		return tp_diag_set(d, TP_EINVAL, "no data directory given");
	int pg = strncmp(dir, "postgres://", 11) == 0 || strncmp(dir, "postgresql://", 13) == 0;
	struct tp_store *s;
	enum tp_err e = pg ? tp_store_pg_open(dir, &s, d) : tp_store_sqlite_open(dir, &s, d);
	if (e)
		return e;
	pthread_mutex_init(&s->login_mu, NULL);
	*out = s;
	return TP_OK;
}

void tp_store_close(struct tp_store *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->login_mu);
	s->ops->close(s);
}

void tp_store_read_begin(struct tp_store *s)
{
	if (s->ops->read_begin)
		s->ops->read_begin(s);
}

void tp_store_read_end(struct tp_store *s)
{
	if (s->ops->read_end)
		s->ops->read_end(s);
}

enum tp_err tp_store_setting_get(struct tp_store *s, const char *key, char **out)
{
	return s->ops->setting_get(s, key, out);
}

enum tp_err tp_store_setting_set(struct tp_store *s, const char *key, const char *value)
{
	return s->ops->setting_set(s, key, value);
}

enum tp_err tp_store_org_add(struct tp_store *s, const char *name, const char *title, int64_t *id,
			     struct tp_diag *d)
{
	return s->ops->org_add(s, name, title, id, d);
}

enum tp_err tp_store_org_find(struct tp_store *s, const char *name, int64_t *id)
{
	return s->ops->org_find(s, name, id);
}

enum tp_err tp_store_org_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	return s->ops->org_remove(s, name, d);
}

/* OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane. */
#define PW_T 2
#define PW_M 19456
#define PW_P 1

static enum tp_err hash_password(const char *pw, char *enc, size_t encsz, struct tp_diag *d)
{
	unsigned char salt[16];
	if (!pw || strlen(pw) < 8)
		return tp_diag_set(d, TP_EINVAL, "password too short (at least 8 characters)");
	if (getrandom(salt, sizeof salt, 0) != sizeof salt)
		return tp_diag_set(d, TP_EIO, "getrandom failed");
	int rc = argon2id_hash_encoded(PW_T, PW_M, PW_P, pw, strlen(pw), salt, sizeof salt, 32, enc,
				       encsz);
	if (rc != ARGON2_OK)
		return tp_diag_set(d, TP_ENOMEM, "argon2: %s", argon2_error_message(rc));
	return TP_OK;
}

enum tp_err tp_store_user_add(struct tp_store *s, const char *name, const char *org_name,
			      const char *password, int partner, struct tp_diag *d)
{
	char enc[256];
	enum tp_err e = hash_password(password, enc, sizeof enc, d);
	if (e)
		return e;
	return s->ops->user_add(s, name, org_name, enc, partner, d);
}

enum tp_err tp_store_user_passwd(struct tp_store *s, const char *name, const char *password,
				 struct tp_diag *d)
{
	char enc[256];
	enum tp_err e = hash_password(password, enc, sizeof enc, d);
	if (e)
		return e;
	return s->ops->user_set_hash(s, name, enc, d);
}

enum tp_err tp_store_user_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	return s->ops->user_remove(s, name, d);
}

enum tp_err tp_store_user_find(struct tp_store *s, const char *name, struct tp_account *out)
{
	char *enc = NULL;
	enum tp_err e = s->ops->user_get(s, name, out, &enc);
	free(enc);
	return e;
}

enum tp_err tp_store_login(struct tp_store *s, const char *name, const char *password,
			   struct tp_account *out)
{
	struct tp_account a;
	char *enc = NULL;
	if (!name || !password)
		return TP_EAUTH;
	enum tp_err e = s->ops->user_get(s, name, &a, &enc);
	if (e == TP_ENOTFOUND)
		return TP_EAUTH;
	if (e)
		return e;
	unsigned char key[32];
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, strlen(name) + 1, (const uint8_t *)name);
	sha256_update(&c, strlen(password), (const uint8_t *)password);
	sha256_digest(&c, 32, key);
	struct tp_login_memo *m = &s->login[key[0] % TP_LOGIN_CACHE];
	pthread_mutex_lock(&s->login_mu);
	int ok = enc && memcmp(m->key, key, 32) == 0 && strcmp(m->pwhash, enc) == 0;
	pthread_mutex_unlock(&s->login_mu);
	if (!ok && enc) {
		ok = argon2id_verify(enc, password, strlen(password)) == ARGON2_OK;
		if (ok && strlen(enc) < sizeof m->pwhash) {
			pthread_mutex_lock(&s->login_mu);
			memcpy(m->key, key, 32);
			snprintf(m->pwhash, sizeof m->pwhash, "%s", enc);
			pthread_mutex_unlock(&s->login_mu);
		}
	}
	free(enc);
	if (!ok)
		return TP_EAUTH;
	*out = a;
	return TP_OK;
}

static void token_hash(const char *token, unsigned char out[32])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, strlen(token), (const uint8_t *)token);
	sha256_digest(&c, 32, out);
}

enum tp_err tp_store_token_create(struct tp_store *s, const char *user, const char *label,
				  char *token, int64_t *id, struct tp_diag *d)
{
	uint8_t raw[32];
	char enc[BASE64_ENCODE_RAW_LENGTH(32) + 1];
	if (getrandom(raw, sizeof raw, 0) != sizeof raw)
		return tp_diag_set(d, TP_EIO, "getrandom failed");
	base64_encode_raw(enc, sizeof raw, raw);
	enc[BASE64_ENCODE_RAW_LENGTH(32)] = '\0';
	/* base64url (RFC 4648 section 5) without the '=' padding */
	for (char *p = enc; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
			*p = '\0';
	}
	unsigned char h[32];
	token_hash(enc, h);
	enum tp_err e = s->ops->token_add(s, user, label ? label : "", h, id, d);
	if (e)
		return e;
	memcpy(token, enc, TP_TOKEN_LEN);
	token[TP_TOKEN_LEN] = '\0';
	return TP_OK;
}

enum tp_err tp_store_token_revoke(struct tp_store *s, int64_t id, struct tp_diag *d)
{
	return s->ops->token_revoke(s, id, d);
}

enum tp_err tp_store_token_check(struct tp_store *s, const char *token, struct tp_account *out)
{
	if (!token || strlen(token) != TP_TOKEN_LEN)
		return TP_EAUTH;
	unsigned char h[32];
	token_hash(token, h);
	enum tp_err e = s->ops->token_get(s, h, out);
	return e == TP_ENOTFOUND ? TP_EAUTH : e;
}

enum tp_err tp_store_root_add(struct tp_store *s, const char *name, const char *title,
			      const char *description, int is_default, struct tp_diag *d)
{
	return s->ops->root_add(s, name, title, description, is_default, d);
}

enum tp_err tp_store_root_find(struct tp_store *s, const char *name, struct tp_api_root *out)
{
	return s->ops->root_find(s, name, out);
}

enum tp_err tp_store_root_list(struct tp_store *s, int (*fn)(void *, const struct tp_api_root *),
			       void *ctx)
{
	return s->ops->root_list(s, fn, ctx);
}

enum tp_err tp_store_collection_add(struct tp_store *s, const char *root_name, const char *uuid,
				    const char *alias, const char *title, const char *description,
				    int default_tlp, struct tp_collection *out, struct tp_diag *d)
{
	if (default_tlp < -1 || default_tlp > TP_TLP_RED)
		return tp_diag_set(d, TP_EINVAL, "invalid default TLP");
	struct tp_api_root r;
	enum tp_err e = s->ops->root_find(s, root_name ? root_name : "", &r);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no API root '%s' (add it with 'admin api-root add')",
				   root_name ? root_name : "");
	if (e)
		return tp_diag_set(d, e, "cannot look up API root");
	char idbuf[TP_UUID_STRLEN + 1];
	e = tp_store_collection_check(uuid, alias, title, idbuf, d);
	if (e)
		return e;
	e = s->ops->collection_add(s, r.id, idbuf, alias, title, description, default_tlp, d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "a collection with id %s or alias '%s' already exists",
				   idbuf, alias ? alias : "");
	if (!e && out)
		e = s->ops->collection_find(s, r.id, idbuf, out);
	return e;
}

enum tp_err tp_store_collection_find(struct tp_store *s, int64_t root, const char *key,
				     struct tp_collection *out)
{
	return s->ops->collection_find(s, root, key, out);
}

enum tp_err tp_store_collection_list(struct tp_store *s, int64_t root,
				     int (*fn)(void *, const struct tp_collection *), void *ctx)
{
	return s->ops->collection_list(s, root, fn, ctx);
}

enum tp_err tp_store_collection_remove(struct tp_store *s, int64_t id, struct tp_diag *d)
{
	return s->ops->collection_remove(s, id, d);
}

enum tp_err tp_store_grant(struct tp_store *s, int64_t collection, const char *user,
			   const char *org, unsigned bits, int revoke, struct tp_diag *d)
{
	if (!user == !org)
		return tp_diag_set(d, TP_EINVAL, "a grant names exactly one user or organisation");
	if (!bits || bits & ~(unsigned)(TP_GRANT_READ | TP_GRANT_WRITE))
		return tp_diag_set(d, TP_EINVAL, "a grant is read, write or both");
	return s->ops->grant(s, collection, user, org, bits, revoke, d);
}

enum tp_err tp_store_access(struct tp_store *s, const struct tp_account *a, int64_t collection,
			    unsigned *bits)
{
	return s->ops->access(s, a, collection, bits);
}

enum tp_err tp_store_collection_open(struct tp_store *s, const char *root_name, const char *key,
				     const struct tp_account *a, struct tp_api_root *root,
				     struct tp_collection *c, unsigned *bits, int *found_root)
{
	*found_root = 0;
	*bits = 0;
	if (s->ops->collection_open)
		return s->ops->collection_open(s, root_name, key, a, root, c, bits, found_root);
	enum tp_err e = s->ops->root_find(s, root_name, root);
	if (e != TP_OK)
		return e;
	*found_root = 1;
	if ((e = s->ops->collection_find(s, root->id, key, c)) != TP_OK)
		return e;
	return s->ops->access(s, a, c->id, bits);
}

enum tp_err tp_store_list(struct tp_store *s, const char *what,
			  void (*fn)(void *, const char *line), void *ctx)
{
	return s->ops->list(s, what, fn, ctx);
}

enum tp_err tp_store_put_many(struct tp_store *s, const struct tp_store_put *puts, size_t n,
			      struct tp_store_put_result *res, struct tp_diag *d)
{
	return s->ops->put_many(s, puts, n, res, d);
}

enum tp_err tp_store_query(struct tp_store *s, const struct tp_query *q,
			   const struct tp_tlp_viewer *v, int with_body,
			   int (*fn)(void *, const struct tp_store_row *), void *ctx, int *more,
			   struct tp_diag *d)
{
	if (q->limit < 1)
		return tp_diag_set(d, TP_EINVAL, "limit must be at least 1");
	return s->ops->query(s, q, v, with_body, fn, ctx, more, d);
}

enum tp_err tp_store_delete(struct tp_store *s, const struct tp_query *q, const char *id,
			    const struct tp_tlp_viewer *v, int *count, struct tp_diag *d)
{
	/* one object's versions, whatever listing filters q came with */
	struct tp_query qq = *q;
	qq.n_ids = qq.n_types = 0;
	qq.added_after = qq.cursor = 0;
	if (!qq.versions && !qq.n_stamps)
		qq.versions = TP_VERSION_ALL; /* DELETE without match[version]: every version */
	return s->ops->delete_versions(s, &qq, id, v, count, d);
}

enum tp_err tp_store_status_put(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
				const char *json)
{
	return s->ops->status_put(s, uuid, root, user, json);
}

enum tp_err tp_store_status_get(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
				char **json)
{
	return s->ops->status_get(s, uuid, root, user, json);
}

enum tp_err tp_store_peer_add(struct tp_store *s, const struct tp_peer *p, struct tp_diag *d)
{
	if (!p->mode || p->mode & ~(unsigned)(TP_PEER_PULL | TP_PEER_PUSH))
		return tp_diag_set(d, TP_EINVAL, "a peer is pulled from, pushed to, or both");
	return s->ops->peer_add(s, p, d);
}

enum tp_err tp_store_peer_find(struct tp_store *s, const char *name, struct tp_peer *out)
{
	return s->ops->peer_find(s, name, out);
}

enum tp_err tp_store_peer_list(struct tp_store *s, int (*fn)(void *, const struct tp_peer *),
			       void *ctx)
{
	return s->ops->peer_list(s, fn, ctx);
}

enum tp_err tp_store_peer_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	return s->ops->peer_remove(s, name, d);
}

enum tp_err tp_store_peer_set_cursors(struct tp_store *s, int64_t id, const char *pull_cursor,
				      tp_time_us push_cursor, struct tp_diag *d)
{
	return s->ops->peer_set_cursors(s, id, pull_cursor, push_cursor, d);
}

enum tp_err tp_store_count_added(struct tp_store *s, int64_t collection, tp_time_us after,
				 tp_time_us upto, int64_t not_origin, int64_t *count,
				 tp_time_us *last)
{
	return s->ops->count_added(s, collection, after, upto, not_origin, count, last);
}

enum tp_err tp_store_id_known(struct tp_store *s, int64_t collection, const char *id, int *known)
{
	return s->ops->id_known(s, collection, id, known);
}
