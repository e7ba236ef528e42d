/*
 * The STIX 2.1 object types as data: every SDO, SRO, SCO and meta object,
 * each property with its type, whether it is required, the object types an
 * identifier may point at, the vocabulary or enumeration it draws from, and
 * for SCOs the predefined extensions and the ID contributing properties.
 * The validator walks these tables; the pattern checker asks whether an
 * object path exists:
 *
 *	const char *path[] = {"extensions", "windows-pebinary-ext", "sections", "entropy"};
 *	tp_stix_schema_path("file", path, 4);          // TP_STIX_PROP_KNOWN
 *	const char *bad[] = {"extensions", "windows-pebinary-ext", "entropy"};
 *	tp_stix_schema_path("file", bad, 3);           // TP_STIX_PROP_UNKNOWN
 *	const char *x[] = {"x_acme_score"};
 *	tp_stix_schema_path("file", x, 1);             // TP_STIX_PROP_CUSTOM
 *
 * The definitions are public, immutable, statically allocated structs (not
 * opaque handles) because they are data meant to be read by other modules.
 */
#ifndef TRIPACT_STIX_SCHEMA_H
#define TRIPACT_STIX_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/stix.h"

enum tp_stix_ptype {
	TP_PT_STRING,
	TP_PT_INTEGER,
	TP_PT_FLOAT,
	TP_PT_BOOLEAN,
	TP_PT_TIMESTAMP,
	TP_PT_IDENTIFIER,     /* targets: allowed object types (NULL = any) */
	TP_PT_LIST,	      /* items: see `item` (and targets/vocab/embedded) */
	TP_PT_DICTIONARY,     /* keys checked, values free */
	TP_PT_HASHES,	      /* hash-algorithm-ov keys, values checked per algorithm */
	TP_PT_BINARY,	      /* base64 */
	TP_PT_HEX,	      /* even number of hex digits */
	TP_PT_OPEN_VOCAB,     /* a string, SHOULD be from vocab (warning) */
	TP_PT_ENUM,	      /* a string, MUST be from vocab (error) */
	TP_PT_KILL_CHAIN,     /* kill-chain-phase */
	TP_PT_EXTERNAL_REF,   /* external-reference */
	TP_PT_GRANULAR,	      /* granular-marking */
	TP_PT_EXTENSIONS,     /* the `extensions` dictionary */
	TP_PT_EMBEDDED,	      /* an object described by `embedded` */
	TP_PT_OBSERVABLE_MAP, /* observed-data `objects` (deprecated) */
	TP_PT_ANY,	      /* any JSON value (extension-definition schema, ...) */
};

enum tp_stix_prop_flags {
	TP_PROP_REQUIRED = 1 << 0,
	TP_PROP_DEPRECATED = 1 << 1,
	TP_PROP_RANGE = 1 << 2,	   /* integer/float within [min, max] */
	TP_PROP_NONEMPTY = 1 << 3, /* list must not be empty */
	TP_PROP_RESERVED = 1 << 4, /* reserved name: MUST NOT be used */
	TP_PROP_MILLIS = 1 << 5,   /* timestamp with at least three fraction digits */
};

struct tp_stix_vocab {
	const char *name;	   /* "malware-type-ov" */
	const char *const *values; /* NULL-terminated */
	const char *check;	   /* stix2-validator check name ("malware-types"), or NULL */
	int code;		   /* its numeric code, 0 if none */
};

struct tp_stix_type_def;

struct tp_stix_prop_def {
	const char *name;
	enum tp_stix_ptype type;
	enum tp_stix_ptype item; /* element type when type is TP_PT_LIST */
	unsigned flags;		 /* enum tp_stix_prop_flags */
	const char *const *targets;
	const struct tp_stix_vocab *vocab;
	const struct tp_stix_type_def *embedded;
	double min, max; /* with TP_PROP_RANGE */
};

struct tp_stix_type_def {
	const char *name;
	enum tp_stix_kind kind;
	const struct tp_stix_prop_def *props; /* type-specific, then... */
	size_t nprops;
	/* ...the common properties of the kind (SDO/SRO, SCO, none for
	 * embedded types and extensions) are looked up separately. */
	const struct tp_stix_type_def *const *extensions; /* predefined, NULL-terminated */
	const char *const *id_contrib; /* SCO ID contributing properties, NULL-terminated */
};

/* The definition of a type (an object type, an embedded type such as
 * "kill-chain-phase", or a predefined extension such as "ntfs-ext");
 * NULL if unknown. */
const struct tp_stix_type_def *tp_stix_schema_type(const char *type);

/* All top-level object types, NULL-terminated, in specification order. */
const struct tp_stix_type_def *const *tp_stix_schema_types(void);

/* The common properties of a kind (SDO/SRO/META share one table, SCO has
 * its own); *n gets the count. NULL for other kinds. */
const struct tp_stix_prop_def *tp_stix_schema_common(enum tp_stix_kind kind, size_t *n);

/* The property `name` of def, its own or common; NULL if none. */
const struct tp_stix_prop_def *tp_stix_schema_prop(const struct tp_stix_type_def *def,
						   const char *name);

/* The predefined extension `name` of def (e.g. "ntfs-ext" of file), or NULL. */
const struct tp_stix_type_def *tp_stix_schema_extension(const struct tp_stix_type_def *def,
							const char *name);

/* A vocabulary by name ("hash-algorithm-ov"), NULL if none. */
const struct tp_stix_vocab *tp_stix_schema_vocab(const char *name);
int tp_stix_vocab_has(const struct tp_stix_vocab *v, const char *value);

enum tp_stix_prop_lookup {
	TP_STIX_PROP_KNOWN,   /* defined by STIX 2.1 */
	TP_STIX_PROP_UNKNOWN, /* not defined, and not a custom name */
	TP_STIX_PROP_CUSTOM,  /* a custom property (x_...), an extension-definition
				 extension, or inside a dictionary/custom part */
};

/*
 * Resolves an object path such as file:extensions.'windows-pebinary-ext'.
 * sections[*].entropy given as path components {"extensions",
 * "windows-pebinary-ext", "sections", "entropy"} (list indexes removed by
 * the caller). Dictionary values (hashes, ipfix, ...) accept any key.
 * An unknown type gives TP_STIX_PROP_CUSTOM if it is a valid custom type
 * name, TP_STIX_PROP_UNKNOWN otherwise.
 */
enum tp_stix_prop_lookup tp_stix_schema_path(const char *type, const char *const *path, size_t n);

#endif
