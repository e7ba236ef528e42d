/* Shared between the files of the stix module; not installed. */
#ifndef TP_STIX_INTERNAL_H
#define TP_STIX_INTERNAL_H

#include "tripact/stix_schema.h"

extern const struct tp_stix_vocab tp_v_attack_motivation, tp_v_attack_resource_level,
	tp_v_identity_class, tp_v_indicator_type, tp_v_industry_sector, tp_v_malware_type,
	tp_v_report_type, tp_v_threat_actor_type, tp_v_threat_actor_role,
	tp_v_threat_actor_sophistication, tp_v_tool_type, tp_v_region, tp_v_grouping_context,
	tp_v_implementation_language, tp_v_infrastructure_type, tp_v_malware_capabilities,
	tp_v_processor_architecture, tp_v_malware_result, tp_v_hash_algorithm,
	tp_v_windows_pebinary_type, tp_v_account_type, tp_v_pattern_type, tp_e_opinion,
	tp_e_encryption_algorithm, tp_e_extension_type, tp_e_address_family, tp_e_socket_type,
	tp_e_integrity_level, tp_e_registry_datatype, tp_e_service_start_type, tp_e_service_type,
	tp_e_service_status, tp_e_tlp1, tp_e_tlp2, tp_e_spec_version;

/* Pseudo target types in identifier target lists: any object of a kind. */
#define TP_TARGET_SDO "<sdo>"
#define TP_TARGET_SRO "<sro>"
#define TP_TARGET_SCO "<sco>"

/* The TLP 2.0 extension definition (FIRST TLP 2.0 in STIX 2.1). */
#define TP_TLP2_EXTENSION_ID "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/* Embedded and marking types the validator names directly. */
extern const struct tp_stix_type_def tp_def_kill_chain_phase, tp_def_external_reference,
	tp_def_granular_marking, tp_def_statement, tp_def_tlp, tp_def_tlp2;

/* ---- validator internals (validate.c, checks.c, set.c) ---- */
#include <jansson.h>

#include "tripact/validate.h"

#define TP_CHECK_CODE_MAX 400

struct tp_stix_validator {
	struct tp_stix_validate_opts o;
	unsigned char on[TP_CHECK_CODE_MAX]; /* SHOULD checks by code */
};

/* One object being validated: where we are and where problems go. */
struct vctx {
	const struct tp_stix_validator *v;
	const json_t *obj;
	const char *id;
	const char *type;
	enum tp_stix_kind kind;
	const struct tp_stix_type_def *def;
	tp_stix_report_fn report;
	void *rctx;
	struct tp_stix_counts *counts;
	size_t errors; /* in this object */
	/* The JSON path as a stack of components (a name, or an index when
	 * the name is NULL), formatted into path only when a problem is
	 * reported: most objects have none. */
	const char *pname[48];
	size_t pidx[48];
	size_t plen;
	char path[256];
	int depth;
};

/* MUST violations: always errors. check is a tripact check name. */
void vc_error(struct vctx *c, const char *check, const char *fmt, ...) TP_PRINTF(3, 4);
/* SHOULD checks by stix2-validator code: skipped when disabled, errors
 * under --strict, warnings otherwise. */
void vc_should(struct vctx *c, int code, const char *fmt, ...) TP_PRINTF(3, 4);
int vc_on(const struct vctx *c, int code);
/* Path stack: push ".name" / "[i]", pop back to a saved length. */
size_t vc_push(struct vctx *c, const char *name);
size_t vc_push_index(struct vctx *c, size_t i);
void vc_pop(struct vctx *c, size_t saved);

/* Timestamp of member key of o into *t; 0 if absent or invalid. */
int vc_time(const json_t *o, const char *key, long long *t);

/* 1 if o has member k. */
static inline int vc_has(const json_t *o, const char *k)
{
	return json_object_get(o, k) != NULL;
}
/* An error at property prop (NULL: the object). */
void vc_error_at(struct vctx *c, const char *prop, const char *check, const char *msg);
/* later >= earlier (> with strict_gt), when both are valid timestamps. */
void vc_order(struct vctx *c, const char *earlier, const char *later, int strict_gt);

/* Type-specific MUST rules and SHOULD checks (checks.c, observable.c). */
void tp_check_sco_rules(struct vctx *c);
void tp_check_object_rules(struct vctx *c);
void tp_check_hashes(struct vctx *c, const json_t *h);
void tp_check_open_vocab(struct vctx *c, const struct tp_stix_vocab *vc, const char *value);
void tp_check_kill_chain(struct vctx *c, const json_t *kcp);
void tp_check_granular(struct vctx *c, const json_t *gm);
void tp_check_marking_definition(struct vctx *c);
void tp_check_custom_property(struct vctx *c, const char *name);
void tp_check_custom_type(struct vctx *c);
void tp_check_observable_dict_keys(struct vctx *c, const char *prop, const json_t *dict);

/* Recursion into properties (validate.c), used by checks.c for the
 * extension and definition sub-objects. */
void tp_validate_props(struct vctx *c, const struct tp_stix_type_def *def, const json_t *o,
		       int top);

/* 1 for the ids of the TLP 1.0 and TLP 2.0 marking definitions. */
int tp_stix_is_predefined_marking(const char *id);

#endif /* validator internals */
