/*
 * One indicator value: its kind, canonical form and STIX pattern. Shared by
 * the readers (which name or infer the kind) and the exporters (which read a
 * pattern back into a kind and value).
 *
 *	"hxxps://evil[.]example/x"  -> TP_IOC_URL "https://evil.example/x"
 *	                            -> [url:value = 'https://evil.example/x']
 */
#ifndef TP_CONVERT_IOC_H
#define TP_CONVERT_IOC_H

#include <stddef.h>

#include "tripact/buf.h"
#include "tripact/error.h"

enum tp_ioc_kind {
	TP_IOC_UNKNOWN = 0,
	TP_IOC_IPV4,	     /* 192.0.2.1 or 192.0.2.0/24 */
	TP_IOC_IPV6,	     /* 2001:db8::1 or 2001:db8::/32 */
	TP_IOC_IPV4_PORT,    /* 192.0.2.1:8080 (network-traffic) */
	TP_IOC_DOMAIN,	     /* example.com */
	TP_IOC_URL,	     /* http://example.com/x */
	TP_IOC_URL_NOSCHEME, /* example.com/x: any scheme (LIKE) */
	TP_IOC_URL_PATH,     /* /x/y: any host (LIKE) */
	TP_IOC_MD5,
	TP_IOC_SHA1,
	TP_IOC_SHA256,
	TP_IOC_SHA512,
	TP_IOC_EMAIL,
	TP_IOC_FILENAME,
	TP_IOC_BTC,
	TP_IOC_ETH,
	TP_IOC_XMR,
	TP_IOC_KIND_COUNT
};

/* A short stable name ("ipv4", "domain", "sha256", ...). */
const char *tp_ioc_kind_name(enum tp_ioc_kind k);
/* The kind of a name from tp_ioc_kind_name or a common vendor synonym
 * ("ip", "ip-dst", "hostname", "fqdn", "sha-256", "emailwhois", ...);
 * TP_IOC_UNKNOWN if none. Case-insensitive. */
enum tp_ioc_kind tp_ioc_kind_parse(const char *name);
/* The kinds (bit 1 << kind) a type name allows: one kind for most names,
 * IPv4 or IPv6 for "ip"-like names, the URL kinds for "url"/"uri"; 0 for an
 * unknown name. */
unsigned tp_ioc_name_kinds(const char *name);
#define TP_IOC_KINDS_IP ((1u << TP_IOC_IPV4) | (1u << TP_IOC_IPV6))
#define TP_IOC_KINDS_URL                                                                           \
	((1u << TP_IOC_URL) | (1u << TP_IOC_URL_NOSCHEME) | (1u << TP_IOC_URL_PATH))

/* 1 if the kind is a file hash. */
int tp_ioc_is_hash(enum tp_ioc_kind k);

/*
 * Undoes the usual defanging in place: hxxp -> http, [.] (.) {.} [dot] -> .,
 * [:] -> :, [@] [at] -> @, [://] -> ://, drops the final dot of an absolute
 * host name ("evil.example.") and trims blanks. Returns the new length.
 */
size_t tp_ioc_refang(char *s, size_t len);

/*
 * Checks s as a value of kind k (TP_IOC_UNKNOWN: infers it) and writes the
 * canonical form into out (domains and hashes lower-cased). *kind receives
 * the kind. TP_EPARSE with a message in d when s is not such a value.
 */
enum tp_err tp_ioc_classify(const char *s, enum tp_ioc_kind *kind, struct tp_buf *out,
			    struct tp_diag *d) TP_MUST_CHECK;

/* Appends the STIX 2.1 pattern matching value (canonical) of kind k. */
enum tp_err tp_ioc_pattern(enum tp_ioc_kind k, const char *value, struct tp_buf *out) TP_MUST_CHECK;

/*
 * Reads a pattern made by tp_ioc_pattern (or any single comparison
 * `[obj:path = 'v']` that maps to a kind) back into kind and value.
 * TP_EUNSUPPORTED for any other pattern.
 */
enum tp_err tp_ioc_from_pattern(const char *pattern, enum tp_ioc_kind *kind,
				struct tp_buf *value) TP_MUST_CHECK;

/* Appends s as a STIX pattern string literal body ('\\' and '\'' escaped). */
enum tp_err tp_ioc_quote(struct tp_buf *out, const char *s) TP_MUST_CHECK;

#endif
