/* UUID v4/v5: see include/tripact/uuid.h. SHA-1 and SHA-256 come from nettle. */
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <string.h>
#include <sys/random.h>

#include "tripact/uuid.h"

/* Sets the version nibble and RFC 4122's variant bits. */
static void stamp(struct tp_uuid *u, unsigned version)
{
	u->b[6] = (uint8_t)((u->b[6] & 0x0f) | version << 4);
	u->b[8] = (uint8_t)((u->b[8] & 0x3f) | 0x80);
}

enum tp_err tp_uuid_v4(struct tp_uuid *out)
{
	size_t got = 0;
	while (got < sizeof out->b) {
		ssize_t n = getrandom(out->b + got, sizeof out->b - got, 0);
		if (n < 0)
			return TP_EIO;
		got += (size_t)n;
	}
	stamp(out, 4);
	return TP_OK;
}

void tp_uuid_v5(const struct tp_uuid *ns, const void *name, size_t len,
		struct tp_uuid *out)
{
	uint8_t md[SHA1_DIGEST_SIZE];
	struct sha1_ctx c;
	sha1_init(&c);
	sha1_update(&c, sizeof ns->b, ns->b);
	sha1_update(&c, len, name);
	sha1_digest(&c, sizeof md, md);
	memcpy(out->b, md, 16);
	stamp(out, 5);
}

void tp_uuid_named_v4(const struct tp_uuid *ns, const void *name, size_t len,
		      struct tp_uuid *out)
{
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, sizeof ns->b, ns->b);
	sha256_update(&c, len, name);
	sha256_digest(&c, sizeof md, md);
	memcpy(out->b, md, 16);
	stamp(out, 4);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum tp_err tp_uuid_parse(const char *s, size_t len, struct tp_uuid *out)
{
	if (len != TP_UUID_STRLEN)
		return TP_EPARSE;
	struct tp_uuid u;
	size_t k = 0;
	for (size_t i = 0; i < len;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return TP_EPARSE;
			i++;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return TP_EPARSE;
		u.b[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*out = u;
	return TP_OK;
}

void tp_uuid_format(const struct tp_uuid *u, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u->b[i] >> 4];
		out[o++] = hex[u->b[i] & 15];
	}
	out[o] = '\0';
}

int tp_uuid_version(const struct tp_uuid *u)
{
	return u->b[6] >> 4;
}

int tp_uuid_is_rfc4122(const struct tp_uuid *u)
{
	return (u->b[8] & 0xc0) == 0x80;
}
