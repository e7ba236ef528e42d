/*
 * Decoders for pattern constants and observed values: base64 (b'...',
 * *_bin properties) and IP networks (ISSUBSET / ISSUPERSET operands and
 * ipv4-addr / ipv6-addr values):
 *
 *	"10.1.2.3/8"  ->  10.0.0.0/8, IPv4 (host bits cleared)
 *	"2001:db8::1" ->  2001:db8::1/128, IPv6
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "ast.h"

long tp_pattern_b64_decode(const char *s, size_t n, uint8_t *out)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (n % 4)
		return -1;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
				return -1;
			break;
		}
		const char *q = memchr(tbl, s[i], 64);
		if (!q || !s[i])
			return -1;
		acc = (acc << 6) | (uint32_t)(q - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)o;
}

int tp_pattern_cidr_parse(const char *s, size_t n, struct cidr *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		*slash = 0;
		char *e;
		if (!slash[1] || slash[1] == '+' || slash[1] == '-')
			return -1;
		errno = 0;
		bits = strtol(slash + 1, &e, 10);
		if (*e || errno)
			return -1;
	}
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, out->addr + 12) == 1) {
		out->v6 = false;
		if (bits < 0)
			bits = 32;
		if (bits > 32)
			return -1;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->v6 = true;
		if (bits < 0)
			bits = 128;
		if (bits > 128)
			return -1;
	} else {
		return -1;
	}
	out->bits = (int)bits;
	/* Zero the host bits so containment is a prefix comparison. */
	int total = out->v6 ? (int)bits : (int)bits + 96;
	for (int i = total; i < 128; i++)
		out->addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return 0;
}

int tp_pattern_cidr_within(const struct cidr *a, const struct cidr *b)
{
	if (a->v6 != b->v6 || a->bits < b->bits)
		return 0;
	int off = a->v6 ? 0 : 96;
	int bits = b->bits + off;
	for (int i = off; i < bits; i++) {
		int ba = a->addr[i / 8] & (0x80 >> (i % 8));
		int bb = b->addr[i / 8] & (0x80 >> (i % 8));
		if (!ba != !bb)
			return 0;
	}
	return 1;
}

int tp_pattern_nfc(const char *s, size_t n, char **out, size_t *outn)
{
	*out = NULL;
	size_t i = 0;
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	if (i == n)
		return 0;
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &dst,
					  UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (r < 0) {
		free(dst);
		return -1;
	}
	*out = (char *)dst;
	*outn = (size_t)r;
	return 0;
}
