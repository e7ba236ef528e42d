/*
 * Traffic Light Protocol (FIRST TLP 2.0) as tripact enforces it: the level
 * of a STIX object and the one rule deciding who may read it. The policy is
 * written down in docs/sharing-policy.md; tp_tlp_may_read() is its only
 * implementation, used by every read path of the store and the server.
 *
 * Three families of marking-definition ids are recognised: the STIX 2.1
 * built-in TLP 1.0 markings, the OASIS TLP 2.0 extension markings and
 * OpenCTI's AMBER+STRICT. A reference to any other marking definition is
 * looked up through a caller's resolver; one the node has never seen counts
 * as RED until its definition arrives.
 *
 *	enum tp_tlp t;
 *	int unresolved;
 *	tp_tlp_of_object(obj, NULL, NULL, TP_TLP_GREEN, &t, &unresolved);
 *	// obj with "object_marking_refs": ["marking-definition--5e57c739-..."]
 *	// gives t == TP_TLP_RED
 */
#ifndef TRIPACT_TLP_H
#define TRIPACT_TLP_H

#include <jansson.h>
#include <stdint.h>

#include "tripact/error.h"

/* Ordered from least to most restrictive: a larger value is stricter. */
enum tp_tlp {
	TP_TLP_CLEAR = 0, /* TLP 1.0 WHITE is the same level */
	TP_TLP_GREEN = 1,
	TP_TLP_AMBER = 2,
	TP_TLP_AMBER_STRICT = 3,
	TP_TLP_RED = 4,
};

/* What a marking-definition id stands for. */
enum tp_marking_kind {
	TP_MARKING_UNKNOWN = 0, /* never seen: counts as RED */
	TP_MARKING_TLP,		/* a TLP level */
	TP_MARKING_OTHER,	/* a known definition that is not TLP (statement) */
};

/* "clear", "green", "amber", "amber+strict", "red" (static). */
const char *tp_tlp_name(enum tp_tlp t);

/*
 * Parses a level name, case-insensitive, with or without the "TLP:" prefix;
 * "white" is CLEAR. TP_EINVAL if s names no level.
 */
enum tp_err tp_tlp_parse(const char *s, enum tp_tlp *out) TP_MUST_CHECK;

/* 1 and *out set if id (a full "marking-definition--..." id) is one of the
 * built-in TLP 1.0 / TLP 2.0 / OpenCTI ids; 0 otherwise. */
int tp_tlp_builtin(const char *id, enum tp_tlp *out);

/*
 * Classifies a marking-definition object (borrowed): TLP 1.0 style
 * (definition_type "tlp"), the TLP 2.0 extension ("tlp_2_0" property),
 * OpenCTI style (definition_type "TLP", definition.TLP "TLP:AMBER+STRICT"),
 * or anything else (TP_MARKING_OTHER). A TLP definition whose level cannot
 * be read is RED.
 */
enum tp_marking_kind tp_tlp_of_definition(const json_t *def, enum tp_tlp *level);

/*
 * Looks up a marking-definition id the node has stored. Returns its kind and
 * sets *level for TP_MARKING_TLP. ctx is the caller's.
 */
typedef enum tp_marking_kind (*tp_marking_resolver)(void *ctx, const char *id, enum tp_tlp *level);

/*
 * The effective TLP of a STIX object (borrowed): the strictest level among
 * its object_marking_refs and granular_markings[].marking_ref (a granular
 * marking stricter than the object's applies to the whole object). Unknown
 * ids count as RED and set *unresolved to 1 (so the caller can revisit the
 * object when the definition arrives). An object with no TLP marking gets
 * default_tlp. resolve may be NULL (only built-in ids are known). A
 * marking-definition object that is itself a TLP definition is CLEAR.
 */
void tp_tlp_of_object(const json_t *obj, tp_marking_resolver resolve, void *ctx,
		      enum tp_tlp default_tlp, enum tp_tlp *out, int *unresolved);

/* Who is asking: an authenticated account and what it may do. */
struct tp_tlp_viewer {
	int64_t org;	  /* the account's organisation */
	int can_read;	  /* the account holds read on the collection */
	int64_t node_org; /* this node's own organisation (0 if not set) */
};

/* What is asked for: one stored version of an object. */
struct tp_tlp_subject {
	enum tp_tlp tlp;  /* effective TLP */
	int64_t origin;	  /* originating organisation */
	int from_partner; /* arrived from a partner node */
};

/*
 * The sharing policy (docs/sharing-policy.md): 1 if the viewer may read the
 * subject, 0 if it is withheld.
 *   - no read grant on the collection: nothing;
 *   - CLEAR, GREEN: every reader;
 *   - AMBER, AMBER+STRICT: readers of the originating organisation; other
 *     readers only if the object was first posted on this node; an object
 *     from a partner node only to this node's own organisation;
 *   - RED (and anything unknown): readers of the originating organisation.
 */
int tp_tlp_may_read(const struct tp_tlp_viewer *v, const struct tp_tlp_subject *s);

#endif
