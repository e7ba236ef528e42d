/*
 * The STIX 2.1 type definitions (specification sections 3-7): data, one
 * table per type. A property line reads as the spec's property table:
 *
 *	PREFS("sample_refs", T_SAMPLE, 0)   sample_refs: list of identifier
 *	                                    (file or artifact), optional
 *
 * Lookups are linear: the tables are small and the validator looks up a
 * handful of names per object.
 */
#include <string.h>

#include "stix_internal.h"

#define R TP_PROP_REQUIRED
#define N(a) (sizeof(a) / sizeof((a)[0]))

#define P(n, t, f) {.name = (n), .type = (t), .flags = (f)}
#define PL(n, it, f) {.name = (n), .type = TP_PT_LIST, .item = (it), .flags = (f)}
#define PREF(n, tg, f) {.name = (n), .type = TP_PT_IDENTIFIER, .targets = (tg), .flags = (f)}
#define PREFS(n, tg, f)                                                                     \
	{.name = (n), .type = TP_PT_LIST, .item = TP_PT_IDENTIFIER, .targets = (tg), .flags = (f)}
#define POV(n, v, f) {.name = (n), .type = TP_PT_OPEN_VOCAB, .vocab = &(v), .flags = (f)}
#define PLOV(n, v, f)                                                                       \
	{.name = (n), .type = TP_PT_LIST, .item = TP_PT_OPEN_VOCAB, .vocab = &(v), .flags = (f)}
#define PEN(n, v, f) {.name = (n), .type = TP_PT_ENUM, .vocab = &(v), .flags = (f)}
#define PEMB(n, d, f) {.name = (n), .type = TP_PT_EMBEDDED, .embedded = &(d), .flags = (f)}
#define PLEMB(n, d, f)                                                                      \
	{.name = (n), .type = TP_PT_LIST, .item = TP_PT_EMBEDDED, .embedded = &(d), .flags = (f)}
#define PRANGE(n, t, lo, hi, f)                                                             \
	{.name = (n), .type = (t), .flags = (f) | TP_PROP_RANGE, .min = (lo), .max = (hi)}
#define KCP PL("kill_chain_phases", TP_PT_KILL_CHAIN, 0)
#define STR(n) P(n, TP_PT_STRING, 0)
#define TS(n) P(n, TP_PT_TIMESTAMP, 0)
#define UINT(n) PRANGE(n, TP_PT_INTEGER, 0, 9007199254740991.0, 0)

#define TYPE(var, nm, kd, props, exts, idc) \
	const struct tp_stix_type_def var = {nm, kd, props, N(props), exts, idc};
#define EMBED(var, nm, props) const struct tp_stix_type_def var = {nm, TP_STIX_UNKNOWN, props, N(props), NULL, NULL};

/* Identifier target lists */
#define TARGETS(id, ...) static const char *const id[] = {__VA_ARGS__, NULL};
TARGETS(T_IDENTITY, "identity")
TARGETS(T_MARKING, "marking-definition")
TARGETS(T_SDO_SCO, TP_TARGET_SDO, TP_TARGET_SCO)
TARGETS(T_SCO, TP_TARGET_SCO)
TARGETS(T_SCO_SRO, TP_TARGET_SCO, TP_TARGET_SRO)
TARGETS(T_SDO, TP_TARGET_SDO)
TARGETS(T_SOFTWARE, "software")
TARGETS(T_SAMPLE, "file", "artifact")
TARGETS(T_MA_SAMPLE, "file", "artifact", "network-traffic")
TARGETS(T_OBSERVED, "observed-data")
TARGETS(T_WHERE, "identity", "location")
TARGETS(T_FILE_DIR, "file", "directory")
TARGETS(T_DOMAIN_TGT, "ipv4-addr", "ipv6-addr", "domain-name")
TARGETS(T_USER, "user-account")
TARGETS(T_EMAIL_ADDR, "email-addr")
TARGETS(T_ARTIFACT, "artifact")
TARGETS(T_ARTIFACT_FILE, "artifact", "file")
TARGETS(T_DIRECTORY, "directory")
TARGETS(T_MAC, "mac-addr")
TARGETS(T_AS, "autonomous-system")
TARGETS(T_NT_ADDR, "ipv4-addr", "ipv6-addr", "mac-addr", "domain-name")
TARGETS(T_NT, "network-traffic")
TARGETS(T_FILE, "file")
TARGETS(T_PROCESS, "process")

/* ---- embedded types ---- */
static const struct tp_stix_prop_def kcp_props[] = {
	P("kill_chain_name", TP_PT_STRING, R),
	P("phase_name", TP_PT_STRING, R),
};
EMBED(tp_def_kill_chain_phase, "kill-chain-phase", kcp_props)

static const struct tp_stix_prop_def extref_props[] = {
	P("source_name", TP_PT_STRING, R), STR("description"), STR("url"),
	P("hashes", TP_PT_HASHES, 0),	   STR("external_id"),
};
EMBED(tp_def_external_reference, "external-reference", extref_props)

static const struct tp_stix_prop_def granular_props[] = {
	STR("lang"),
	PREF("marking_ref", T_MARKING, 0),
	{.name = "selectors", .type = TP_PT_LIST, .item = TP_PT_STRING, .flags = R | TP_PROP_NONEMPTY},
};
EMBED(tp_def_granular_marking, "granular-marking", granular_props)

static const struct tp_stix_prop_def statement_props[] = {P("statement", TP_PT_STRING, R)};
EMBED(tp_def_statement, "statement", statement_props)
static const struct tp_stix_prop_def tlp_props[] = {PEN("tlp", tp_e_tlp1, R)};
EMBED(tp_def_tlp, "tlp", tlp_props)
static const struct tp_stix_prop_def tlp2_props[] = {
	PEN("extension_type", tp_e_extension_type, 0),
	PEN("tlp_2_0", tp_e_tlp2, R),
};
EMBED(tp_def_tlp2, "tlp-2-0", tlp2_props)

/* ---- common properties (section 3.2) ---- */
static const struct tp_stix_prop_def sdo_common[] = {
	P("type", TP_PT_STRING, R),
	PEN("spec_version", tp_e_spec_version, R),
	P("id", TP_PT_ANY, R) /* checked first, with the type */,
	PREF("created_by_ref", T_IDENTITY, 0),
	P("created", TP_PT_TIMESTAMP, R | TP_PROP_MILLIS),
	P("modified", TP_PT_TIMESTAMP, R | TP_PROP_MILLIS),
	P("revoked", TP_PT_BOOLEAN, 0),
	PL("labels", TP_PT_STRING, 0),
	PRANGE("confidence", TP_PT_INTEGER, 0, 100, 0),
	STR("lang"),
	PL("external_references", TP_PT_EXTERNAL_REF, 0),
	PREFS("object_marking_refs", T_MARKING, 0),
	PL("granular_markings", TP_PT_GRANULAR, 0),
	P("extensions", TP_PT_EXTENSIONS, 0),
};

static const struct tp_stix_prop_def sco_common[] = {
	P("type", TP_PT_STRING, R),
	PEN("spec_version", tp_e_spec_version, 0),
	P("id", TP_PT_ANY, R) /* checked first, with the type */,
	PREFS("object_marking_refs", T_MARKING, 0),
	PL("granular_markings", TP_PT_GRANULAR, 0),
	P("defanged", TP_PT_BOOLEAN, 0),
	P("extensions", TP_PT_EXTENSIONS, 0),
};

/* ---- SDOs (section 4) ---- */
static const struct tp_stix_prop_def attack_pattern_props[] = {
	P("name", TP_PT_STRING, R), STR("description"), PL("aliases", TP_PT_STRING, 0), KCP,
};
static const struct tp_stix_prop_def campaign_props[] = {
	P("name", TP_PT_STRING, R), STR("description"), PL("aliases", TP_PT_STRING, 0),
	TS("first_seen"),	    TS("last_seen"),	STR("objective"),
};
static const struct tp_stix_prop_def coa_props[] = {
	P("name", TP_PT_STRING, R), STR("description"), P("action", TP_PT_ANY, TP_PROP_RESERVED),
};
static const struct tp_stix_prop_def grouping_props[] = {
	STR("name"), STR("description"), POV("context", tp_v_grouping_context, R),
	{.name = "object_refs", .type = TP_PT_LIST, .item = TP_PT_IDENTIFIER, .flags = R | TP_PROP_NONEMPTY},
};
static const struct tp_stix_prop_def identity_props[] = {
	P("name", TP_PT_STRING, R),
	STR("description"),
	PL("roles", TP_PT_STRING, 0),
	POV("identity_class", tp_v_identity_class, 0),
	PLOV("sectors", tp_v_industry_sector, 0),
	STR("contact_information"),
};
static const struct tp_stix_prop_def incident_props[] = {
	P("name", TP_PT_STRING, R), STR("description"), KCP,
};
static const struct tp_stix_prop_def indicator_props[] = {
	STR("name"),
	STR("description"),
	PLOV("indicator_types", tp_v_indicator_type, 0),
	P("pattern", TP_PT_STRING, R),
	POV("pattern_type", tp_v_pattern_type, R),
	STR("pattern_version"),
	P("valid_from", TP_PT_TIMESTAMP, R),
	TS("valid_until"),
	KCP,
};
static const struct tp_stix_prop_def infrastructure_props[] = {
	P("name", TP_PT_STRING, R),
	STR("description"),
	PLOV("infrastructure_types", tp_v_infrastructure_type, 0),
	PL("aliases", TP_PT_STRING, 0),
	KCP,
	TS("first_seen"),
	TS("last_seen"),
};
static const struct tp_stix_prop_def intrusion_set_props[] = {
	P("name", TP_PT_STRING, R),
	STR("description"),
	PL("aliases", TP_PT_STRING, 0),
	TS("first_seen"),
	TS("last_seen"),
	PL("goals", TP_PT_STRING, 0),
	POV("resource_level", tp_v_attack_resource_level, 0),
	POV("primary_motivation", tp_v_attack_motivation, 0),
	PLOV("secondary_motivations", tp_v_attack_motivation, 0),
};
static const struct tp_stix_prop_def location_props[] = {
	STR("name"),
	STR("description"),
	PRANGE("latitude", TP_PT_FLOAT, -90, 90, 0),
	PRANGE("longitude", TP_PT_FLOAT, -180, 180, 0),
	PRANGE("precision", TP_PT_FLOAT, 0, 1e300, 0),
	POV("region", tp_v_region, 0),
	STR("country"),
	STR("administrative_area"),
	STR("city"),
	STR("street_address"),
	STR("postal_code"),
};
static const struct tp_stix_prop_def malware_props[] = {
	STR("name"),
	STR("description"),
	PLOV("malware_types", tp_v_malware_type, 0),
	P("is_family", TP_PT_BOOLEAN, R),
	PL("aliases", TP_PT_STRING, 0),
	KCP,
	TS("first_seen"),
	TS("last_seen"),
	PREFS("operating_system_refs", T_SOFTWARE, 0),
	PLOV("architecture_execution_envs", tp_v_processor_architecture, 0),
	PLOV("implementation_languages", tp_v_implementation_language, 0),
	PLOV("capabilities", tp_v_malware_capabilities, 0),
	PREFS("sample_refs", T_SAMPLE, 0),
};
static const struct tp_stix_prop_def malware_analysis_props[] = {
	P("product", TP_PT_STRING, R),
	STR("version"),
	PREF("host_vm_ref", T_SOFTWARE, 0),
	PREF("operating_system_ref", T_SOFTWARE, 0),
	PREFS("installed_software_refs", T_SOFTWARE, 0),
	STR("configuration_version"),
	PL("modules", TP_PT_STRING, 0),
	STR("analysis_engine_version"),
	STR("analysis_definition_version"),
	TS("submitted"),
	TS("analysis_started"),
	TS("analysis_ended"),
	STR("result_name"),
	POV("result", tp_v_malware_result, 0),
	PREFS("analysis_sco_refs", T_SCO, 0),
	PREF("sample_ref", T_MA_SAMPLE, 0),
};
static const struct tp_stix_prop_def note_props[] = {
	STR("abstract"),
	P("content", TP_PT_STRING, R),
	PL("authors", TP_PT_STRING, 0),
	{.name = "object_refs", .type = TP_PT_LIST, .item = TP_PT_IDENTIFIER, .flags = R | TP_PROP_NONEMPTY},
};
static const struct tp_stix_prop_def observed_data_props[] = {
	P("first_observed", TP_PT_TIMESTAMP, R),
	P("last_observed", TP_PT_TIMESTAMP, R),
	PRANGE("number_observed", TP_PT_INTEGER, 1, 999999999, R),
	P("objects", TP_PT_OBSERVABLE_MAP, TP_PROP_DEPRECATED),
	{.name = "object_refs", .type = TP_PT_LIST, .item = TP_PT_IDENTIFIER, .targets = T_SCO_SRO, .flags = TP_PROP_NONEMPTY},
};
static const struct tp_stix_prop_def opinion_props[] = {
	STR("explanation"),
	PL("authors", TP_PT_STRING, 0),
	PEN("opinion", tp_e_opinion, R),
	{.name = "object_refs", .type = TP_PT_LIST, .item = TP_PT_IDENTIFIER, .flags = R | TP_PROP_NONEMPTY},
};
static const struct tp_stix_prop_def report_props[] = {
	P("name", TP_PT_STRING, R),
	STR("description"),
	PLOV("report_types", tp_v_report_type, 0),
	P("published", TP_PT_TIMESTAMP, R),
	{.name = "object_refs", .type = TP_PT_LIST, .item = TP_PT_IDENTIFIER, .flags = R | TP_PROP_NONEMPTY},
};
static const struct tp_stix_prop_def threat_actor_props[] = {
	P("name", TP_PT_STRING, R),
	STR("description"),
	PLOV("threat_actor_types", tp_v_threat_actor_type, 0),
	PL("aliases", TP_PT_STRING, 0),
	TS("first_seen"),
	TS("last_seen"),
	PLOV("roles", tp_v_threat_actor_role, 0),
	PL("goals", TP_PT_STRING, 0),
	POV("sophistication", tp_v_threat_actor_sophistication, 0),
	POV("resource_level", tp_v_attack_resource_level, 0),
	POV("primary_motivation", tp_v_attack_motivation, 0),
	PLOV("secondary_motivations", tp_v_attack_motivation, 0),
	PLOV("personal_motivations", tp_v_attack_motivation, 0),
};
static const struct tp_stix_prop_def tool_props[] = {
	P("name", TP_PT_STRING, R), STR("description"), PLOV("tool_types", tp_v_tool_type, 0),
	PL("aliases", TP_PT_STRING, 0), KCP, STR("tool_version"),
};
static const struct tp_stix_prop_def vulnerability_props[] = {
	P("name", TP_PT_STRING, R),
	STR("description"),
};

TYPE(def_attack_pattern, "attack-pattern", TP_STIX_SDO, attack_pattern_props, NULL, NULL)
TYPE(def_campaign, "campaign", TP_STIX_SDO, campaign_props, NULL, NULL)
TYPE(def_coa, "course-of-action", TP_STIX_SDO, coa_props, NULL, NULL)
TYPE(def_grouping, "grouping", TP_STIX_SDO, grouping_props, NULL, NULL)
TYPE(def_identity, "identity", TP_STIX_SDO, identity_props, NULL, NULL)
TYPE(def_incident, "incident", TP_STIX_SDO, incident_props, NULL, NULL)
TYPE(def_indicator, "indicator", TP_STIX_SDO, indicator_props, NULL, NULL)
TYPE(def_infrastructure, "infrastructure", TP_STIX_SDO, infrastructure_props, NULL, NULL)
TYPE(def_intrusion_set, "intrusion-set", TP_STIX_SDO, intrusion_set_props, NULL, NULL)
TYPE(def_location, "location", TP_STIX_SDO, location_props, NULL, NULL)
TYPE(def_malware, "malware", TP_STIX_SDO, malware_props, NULL, NULL)
TYPE(def_malware_analysis, "malware-analysis", TP_STIX_SDO, malware_analysis_props, NULL, NULL)
TYPE(def_note, "note", TP_STIX_SDO, note_props, NULL, NULL)
TYPE(def_observed_data, "observed-data", TP_STIX_SDO, observed_data_props, NULL, NULL)
TYPE(def_opinion, "opinion", TP_STIX_SDO, opinion_props, NULL, NULL)
TYPE(def_report, "report", TP_STIX_SDO, report_props, NULL, NULL)
TYPE(def_threat_actor, "threat-actor", TP_STIX_SDO, threat_actor_props, NULL, NULL)
TYPE(def_tool, "tool", TP_STIX_SDO, tool_props, NULL, NULL)
TYPE(def_vulnerability, "vulnerability", TP_STIX_SDO, vulnerability_props, NULL, NULL)

/* ---- SROs (section 5) ---- */
static const struct tp_stix_prop_def relationship_props[] = {
	P("relationship_type", TP_PT_STRING, R),
	STR("description"),
	PREF("source_ref", T_SDO_SCO, R),
	PREF("target_ref", T_SDO_SCO, R),
	TS("start_time"),
	TS("stop_time"),
};
static const struct tp_stix_prop_def sighting_props[] = {
	STR("description"),
	TS("first_seen"),
	TS("last_seen"),
	PRANGE("count", TP_PT_INTEGER, 0, 999999999, 0),
	PREF("sighting_of_ref", T_SDO, R),
	PREFS("observed_data_refs", T_OBSERVED, 0),
	PREFS("where_sighted_refs", T_WHERE, 0),
	P("summary", TP_PT_BOOLEAN, 0),
};
TYPE(def_relationship, "relationship", TP_STIX_SRO, relationship_props, NULL, NULL)
TYPE(def_sighting, "sighting", TP_STIX_SRO, sighting_props, NULL, NULL)

/* ---- SCOs (section 6) and their predefined extensions ---- */
#define IDC(id, ...) static const char *const id[] = {__VA_ARGS__, NULL};

static const struct tp_stix_prop_def artifact_props[] = {
	STR("mime_type"),
	P("payload_bin", TP_PT_BINARY, 0),
	STR("url"),
	P("hashes", TP_PT_HASHES, 0),
	PEN("encryption_algorithm", tp_e_encryption_algorithm, 0),
	STR("decryption_key"),
};
IDC(idc_artifact, "hashes", "payload_bin")
static const struct tp_stix_prop_def as_props[] = {
	PRANGE("number", TP_PT_INTEGER, 0, 4294967295.0, R), STR("name"), STR("rir"),
};
IDC(idc_as, "number")
static const struct tp_stix_prop_def directory_props[] = {
	P("path", TP_PT_STRING, R), STR("path_enc"), TS("ctime"), TS("mtime"), TS("atime"),
	PREFS("contains_refs", T_FILE_DIR, 0),
};
IDC(idc_directory, "path")
static const struct tp_stix_prop_def domain_props[] = {
	P("value", TP_PT_STRING, R),
	PREFS("resolves_to_refs", T_DOMAIN_TGT, 0),
};
IDC(idc_value, "value")
static const struct tp_stix_prop_def email_addr_props[] = {
	P("value", TP_PT_STRING, R),
	STR("display_name"),
	PREF("belongs_to_ref", T_USER, 0),
};
static const struct tp_stix_prop_def mime_part_props[] = {
	STR("body"),
	PREF("body_raw_ref", T_ARTIFACT_FILE, 0),
	STR("content_type"),
	STR("content_disposition"),
};
EMBED(def_mime_part, "email-mime-part-type", mime_part_props)
static const struct tp_stix_prop_def email_message_props[] = {
	P("is_multipart", TP_PT_BOOLEAN, R),
	TS("date"),
	STR("content_type"),
	PREF("from_ref", T_EMAIL_ADDR, 0),
	PREF("sender_ref", T_EMAIL_ADDR, 0),
	PREFS("to_refs", T_EMAIL_ADDR, 0),
	PREFS("cc_refs", T_EMAIL_ADDR, 0),
	PREFS("bcc_refs", T_EMAIL_ADDR, 0),
	STR("message_id"),
	STR("subject"),
	PL("received_lines", TP_PT_STRING, 0),
	P("additional_header_fields", TP_PT_DICTIONARY, 0),
	STR("body"),
	PLEMB("body_multipart", def_mime_part, 0),
	PREF("raw_email_ref", T_ARTIFACT, 0),
};
IDC(idc_email_message, "from_ref", "subject", "body")

static const struct tp_stix_prop_def archive_ext_props[] = {
	{.name = "contains_refs", .type = TP_PT_LIST, .item = TP_PT_IDENTIFIER, .targets = T_FILE_DIR, .flags = R | TP_PROP_NONEMPTY},
	STR("comment"),
};
static const struct tp_stix_prop_def ads_props[] = {
	P("name", TP_PT_STRING, R),
	P("hashes", TP_PT_HASHES, 0),
	UINT("size"),
};
EMBED(def_ads, "alternate-data-stream-type", ads_props)
static const struct tp_stix_prop_def ntfs_ext_props[] = {
	STR("sid"),
	PLEMB("alternate_data_streams", def_ads, 0),
};
static const struct tp_stix_prop_def pdf_ext_props[] = {
	STR("version"),	 P("is_optimized", TP_PT_BOOLEAN, 0), P("document_info_dict", TP_PT_DICTIONARY, 0),
	STR("pdfid0"), STR("pdfid1"),
};
static const struct tp_stix_prop_def raster_ext_props[] = {
	P("image_height", TP_PT_INTEGER, 0),
	P("image_width", TP_PT_INTEGER, 0),
	P("bits_per_pixel", TP_PT_INTEGER, 0),
	P("exif_tags", TP_PT_DICTIONARY, 0),
};
static const struct tp_stix_prop_def pe_optional_header_props[] = {
	P("magic_hex", TP_PT_HEX, 0),
	P("major_linker_version", TP_PT_INTEGER, 0),
	P("minor_linker_version", TP_PT_INTEGER, 0),
	UINT("size_of_code"),
	UINT("size_of_initialized_data"),
	UINT("size_of_uninitialized_data"),
	P("address_of_entry_point", TP_PT_INTEGER, 0),
	P("base_of_code", TP_PT_INTEGER, 0),
	P("base_of_data", TP_PT_INTEGER, 0),
	P("image_base", TP_PT_INTEGER, 0),
	P("section_alignment", TP_PT_INTEGER, 0),
	P("file_alignment", TP_PT_INTEGER, 0),
	P("major_os_version", TP_PT_INTEGER, 0),
	P("minor_os_version", TP_PT_INTEGER, 0),
	P("major_image_version", TP_PT_INTEGER, 0),
	P("minor_image_version", TP_PT_INTEGER, 0),
	P("major_subsystem_version", TP_PT_INTEGER, 0),
	P("minor_subsystem_version", TP_PT_INTEGER, 0),
	P("win32_version_value_hex", TP_PT_HEX, 0),
	UINT("size_of_image"),
	UINT("size_of_headers"),
	P("checksum_hex", TP_PT_HEX, 0),
	P("subsystem_hex", TP_PT_HEX, 0),
	P("dll_characteristics_hex", TP_PT_HEX, 0),
	UINT("size_of_stack_reserve"),
	UINT("size_of_stack_commit"),
	UINT("size_of_heap_reserve"),
	UINT("size_of_heap_commit"),
	P("loader_flags_hex", TP_PT_HEX, 0),
	P("number_of_rva_and_sizes", TP_PT_INTEGER, 0),
	P("hashes", TP_PT_HASHES, 0),
};
EMBED(def_pe_optional_header, "windows-pe-optional-header-type", pe_optional_header_props)
static const struct tp_stix_prop_def pe_section_props[] = {
	P("name", TP_PT_STRING, R),
	UINT("size"),
	PRANGE("entropy", TP_PT_FLOAT, 0, 8, 0),
	P("hashes", TP_PT_HASHES, 0),
};
EMBED(def_pe_section, "windows-pe-section-type", pe_section_props)
static const struct tp_stix_prop_def pebinary_ext_props[] = {
	POV("pe_type", tp_v_windows_pebinary_type, R),
	STR("imphash"),
	P("machine_hex", TP_PT_HEX, 0),
	UINT("number_of_sections"),
	TS("time_date_stamp"),
	P("pointer_to_symbol_table_hex", TP_PT_HEX, 0),
	UINT("number_of_symbols"),
	UINT("size_of_optional_header"),
	P("characteristics_hex", TP_PT_HEX, 0),
	P("file_header_hashes", TP_PT_HASHES, 0),
	PEMB("optional_header", def_pe_optional_header, 0),
	PLEMB("sections", def_pe_section, 0),
};
TYPE(def_archive_ext, "archive-ext", TP_STIX_UNKNOWN, archive_ext_props, NULL, NULL)
TYPE(def_ntfs_ext, "ntfs-ext", TP_STIX_UNKNOWN, ntfs_ext_props, NULL, NULL)
TYPE(def_pdf_ext, "pdf-ext", TP_STIX_UNKNOWN, pdf_ext_props, NULL, NULL)
TYPE(def_raster_ext, "raster-image-ext", TP_STIX_UNKNOWN, raster_ext_props, NULL, NULL)
TYPE(def_pebinary_ext, "windows-pebinary-ext", TP_STIX_UNKNOWN, pebinary_ext_props, NULL, NULL)
static const struct tp_stix_type_def *const file_exts[] = {
	&def_archive_ext, &def_ntfs_ext, &def_pdf_ext, &def_raster_ext, &def_pebinary_ext, NULL,
};
static const struct tp_stix_prop_def file_props[] = {
	P("hashes", TP_PT_HASHES, 0),
	UINT("size"),
	STR("name"),
	STR("name_enc"),
	P("magic_number_hex", TP_PT_HEX, 0),
	STR("mime_type"),
	TS("ctime"),
	TS("mtime"),
	TS("atime"),
	PREF("parent_directory_ref", T_DIRECTORY, 0),
	PREFS("contains_refs", T_SCO, 0),
	PREF("content_ref", T_ARTIFACT, 0),
};
IDC(idc_file, "hashes", "name", "extensions", "parent_directory_ref")

static const struct tp_stix_prop_def ip_props[] = {
	P("value", TP_PT_STRING, R),
	PREFS("resolves_to_refs", T_MAC, 0),
	PREFS("belongs_to_refs", T_AS, 0),
};
static const struct tp_stix_prop_def mac_props[] = {P("value", TP_PT_STRING, R)};
static const struct tp_stix_prop_def mutex_props[] = {P("name", TP_PT_STRING, R)};
IDC(idc_name, "name")

static const struct tp_stix_prop_def http_ext_props[] = {
	P("request_method", TP_PT_STRING, R),
	P("request_value", TP_PT_STRING, R),
	STR("request_version"),
	P("request_header", TP_PT_DICTIONARY, 0),
	UINT("message_body_length"),
	PREF("message_body_data_ref", T_ARTIFACT, 0),
};
static const struct tp_stix_prop_def icmp_ext_props[] = {
	P("icmp_type_hex", TP_PT_HEX, R),
	P("icmp_code_hex", TP_PT_HEX, R),
};
static const struct tp_stix_prop_def socket_ext_props[] = {
	PEN("address_family", tp_e_address_family, R),
	P("is_blocking", TP_PT_BOOLEAN, 0),
	P("is_listening", TP_PT_BOOLEAN, 0),
	P("options", TP_PT_DICTIONARY, 0),
	PEN("socket_type", tp_e_socket_type, 0),
	UINT("socket_descriptor"),
	P("socket_handle", TP_PT_INTEGER, 0),
};
static const struct tp_stix_prop_def tcp_ext_props[] = {
	P("src_flags_hex", TP_PT_HEX, 0),
	P("dst_flags_hex", TP_PT_HEX, 0),
};
TYPE(def_http_ext, "http-request-ext", TP_STIX_UNKNOWN, http_ext_props, NULL, NULL)
TYPE(def_icmp_ext, "icmp-ext", TP_STIX_UNKNOWN, icmp_ext_props, NULL, NULL)
TYPE(def_socket_ext, "socket-ext", TP_STIX_UNKNOWN, socket_ext_props, NULL, NULL)
TYPE(def_tcp_ext, "tcp-ext", TP_STIX_UNKNOWN, tcp_ext_props, NULL, NULL)
static const struct tp_stix_type_def *const nt_exts[] = {
	&def_http_ext, &def_icmp_ext, &def_socket_ext, &def_tcp_ext, NULL,
};
static const struct tp_stix_prop_def nt_props[] = {
	TS("start"),
	TS("end"),
	P("is_active", TP_PT_BOOLEAN, 0),
	PREF("src_ref", T_NT_ADDR, 0),
	PREF("dst_ref", T_NT_ADDR, 0),
	PRANGE("src_port", TP_PT_INTEGER, 0, 65535, 0),
	PRANGE("dst_port", TP_PT_INTEGER, 0, 65535, 0),
	{.name = "protocols", .type = TP_PT_LIST, .item = TP_PT_STRING, .flags = R | TP_PROP_NONEMPTY},
	UINT("src_byte_count"),
	UINT("dst_byte_count"),
	UINT("src_packets"),
	UINT("dst_packets"),
	P("ipfix", TP_PT_DICTIONARY, 0),
	PREF("src_payload_ref", T_ARTIFACT, 0),
	PREF("dst_payload_ref", T_ARTIFACT, 0),
	PREFS("encapsulates_refs", T_NT, 0),
	PREF("encapsulated_by_ref", T_NT, 0),
};
IDC(idc_nt, "start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols",
    "extensions")

static const struct tp_stix_prop_def winproc_ext_props[] = {
	P("aslr_enabled", TP_PT_BOOLEAN, 0),
	P("dep_enabled", TP_PT_BOOLEAN, 0),
	STR("priority"),
	STR("owner_sid"),
	STR("window_title"),
	P("startup_info", TP_PT_DICTIONARY, 0),
	PEN("integrity_level", tp_e_integrity_level, 0),
};
static const struct tp_stix_prop_def winservice_ext_props[] = {
	STR("service_name"),
	PL("descriptions", TP_PT_STRING, 0),
	STR("display_name"),
	STR("group_name"),
	PEN("start_type", tp_e_service_start_type, 0),
	PREFS("service_dll_refs", T_FILE, 0),
	PEN("service_type", tp_e_service_type, 0),
	PEN("service_status", tp_e_service_status, 0),
};
TYPE(def_winproc_ext, "windows-process-ext", TP_STIX_UNKNOWN, winproc_ext_props, NULL, NULL)
TYPE(def_winservice_ext, "windows-service-ext", TP_STIX_UNKNOWN, winservice_ext_props, NULL, NULL)
static const struct tp_stix_type_def *const process_exts[] = {
	&def_winproc_ext, &def_winservice_ext, NULL,
};
static const struct tp_stix_prop_def process_props[] = {
	P("is_hidden", TP_PT_BOOLEAN, 0),
	UINT("pid"),
	TS("created_time"),
	STR("cwd"),
	STR("command_line"),
	P("environment_variables", TP_PT_DICTIONARY, 0),
	PREFS("opened_connection_refs", T_NT, 0),
	PREF("creator_user_ref", T_USER, 0),
	PREF("image_ref", T_FILE, 0),
	PREF("parent_ref", T_PROCESS, 0),
	PREFS("child_refs", T_PROCESS, 0),
};
static const struct tp_stix_prop_def software_props[] = {
	P("name", TP_PT_STRING, R), STR("cpe"), STR("swid"), PL("languages", TP_PT_STRING, 0),
	STR("vendor"),		    STR("version"),
};
IDC(idc_software, "name", "cpe", "swid", "vendor", "version")
static const struct tp_stix_prop_def url_props[] = {P("value", TP_PT_STRING, R)};

static const struct tp_stix_prop_def unix_ext_props[] = {
	P("gid", TP_PT_INTEGER, 0),
	PL("groups", TP_PT_STRING, 0),
	STR("home_dir"),
	STR("shell"),
};
TYPE(def_unix_ext, "unix-account-ext", TP_STIX_UNKNOWN, unix_ext_props, NULL, NULL)
static const struct tp_stix_type_def *const user_exts[] = {&def_unix_ext, NULL};
static const struct tp_stix_prop_def user_props[] = {
	STR("user_id"),
	STR("credential"),
	STR("account_login"),
	POV("account_type", tp_v_account_type, 0),
	STR("display_name"),
	P("is_service_account", TP_PT_BOOLEAN, 0),
	P("is_privileged", TP_PT_BOOLEAN, 0),
	P("can_escalate_privs", TP_PT_BOOLEAN, 0),
	P("is_disabled", TP_PT_BOOLEAN, 0),
	TS("account_created"),
	TS("account_expires"),
	TS("credential_last_changed"),
	TS("account_first_login"),
	TS("account_last_login"),
};
IDC(idc_user, "account_type", "user_id", "account_login")
static const struct tp_stix_prop_def regval_props[] = {
	STR("name"),
	STR("data"),
	PEN("data_type", tp_e_registry_datatype, 0),
};
EMBED(def_regval, "windows-registry-value-type", regval_props)
static const struct tp_stix_prop_def regkey_props[] = {
	STR("key"),
	PLEMB("values", def_regval, 0),
	TS("modified_time"),
	PREF("creator_user_ref", T_USER, 0),
	UINT("number_of_subkeys"),
};
IDC(idc_regkey, "key", "values")
static const struct tp_stix_prop_def x509v3_props[] = {
	STR("basic_constraints"),
	STR("name_constraints"),
	STR("policy_constraints"),
	STR("key_usage"),
	STR("extended_key_usage"),
	STR("subject_key_identifier"),
	STR("authority_key_identifier"),
	STR("subject_alternative_name"),
	STR("issuer_alternative_name"),
	STR("subject_directory_attributes"),
	STR("crl_distribution_points"),
	STR("inhibit_any_policy"),
	TS("private_key_usage_period_not_before"),
	TS("private_key_usage_period_not_after"),
	STR("certificate_policies"),
	STR("policy_mappings"),
};
EMBED(def_x509v3, "x509-v3-extensions-type", x509v3_props)
static const struct tp_stix_prop_def x509_props[] = {
	P("is_self_signed", TP_PT_BOOLEAN, 0),
	P("hashes", TP_PT_HASHES, 0),
	STR("version"),
	STR("serial_number"),
	STR("signature_algorithm"),
	STR("issuer"),
	TS("validity_not_before"),
	TS("validity_not_after"),
	STR("subject"),
	STR("subject_public_key_algorithm"),
	STR("subject_public_key_modulus"),
	P("subject_public_key_exponent", TP_PT_INTEGER, 0),
	PEMB("x509_v3_extensions", def_x509v3, 0),
};
IDC(idc_x509, "hashes", "serial_number")

TYPE(def_artifact, "artifact", TP_STIX_SCO, artifact_props, NULL, idc_artifact)
TYPE(def_as, "autonomous-system", TP_STIX_SCO, as_props, NULL, idc_as)
TYPE(def_directory, "directory", TP_STIX_SCO, directory_props, NULL, idc_directory)
TYPE(def_domain, "domain-name", TP_STIX_SCO, domain_props, NULL, idc_value)
TYPE(def_email_addr, "email-addr", TP_STIX_SCO, email_addr_props, NULL, idc_value)
TYPE(def_email_message, "email-message", TP_STIX_SCO, email_message_props, NULL, idc_email_message)
TYPE(def_file, "file", TP_STIX_SCO, file_props, file_exts, idc_file)
TYPE(def_ipv4, "ipv4-addr", TP_STIX_SCO, ip_props, NULL, idc_value)
TYPE(def_ipv6, "ipv6-addr", TP_STIX_SCO, ip_props, NULL, idc_value)
TYPE(def_mac, "mac-addr", TP_STIX_SCO, mac_props, NULL, idc_value)
TYPE(def_mutex, "mutex", TP_STIX_SCO, mutex_props, NULL, idc_name)
TYPE(def_nt, "network-traffic", TP_STIX_SCO, nt_props, nt_exts, idc_nt)
TYPE(def_process, "process", TP_STIX_SCO, process_props, process_exts, NULL)
TYPE(def_software, "software", TP_STIX_SCO, software_props, NULL, idc_software)
TYPE(def_url, "url", TP_STIX_SCO, url_props, NULL, idc_value)
TYPE(def_user, "user-account", TP_STIX_SCO, user_props, user_exts, idc_user)
TYPE(def_regkey, "windows-registry-key", TP_STIX_SCO, regkey_props, NULL, idc_regkey)
TYPE(def_x509, "x509-certificate", TP_STIX_SCO, x509_props, NULL, idc_x509)

/* ---- meta objects (section 7) and the bundle (section 8) ---- */
static const struct tp_stix_prop_def marking_props[] = {
	P("type", TP_PT_STRING, R),
	PEN("spec_version", tp_e_spec_version, R),
	P("id", TP_PT_ANY, R) /* checked first, with the type */,
	PREF("created_by_ref", T_IDENTITY, 0),
	P("created", TP_PT_TIMESTAMP, R | TP_PROP_MILLIS),
	PL("external_references", TP_PT_EXTERNAL_REF, 0),
	PREFS("object_marking_refs", T_MARKING, 0),
	PL("granular_markings", TP_PT_GRANULAR, 0),
	P("extensions", TP_PT_EXTENSIONS, 0),
	STR("name"),
	STR("definition_type"),
	P("definition", TP_PT_ANY, 0),
};
static const struct tp_stix_prop_def language_content_props[] = {
	P("type", TP_PT_STRING, R),
	PEN("spec_version", tp_e_spec_version, R),
	P("id", TP_PT_ANY, R) /* checked first, with the type */,
	PREF("created_by_ref", T_IDENTITY, 0),
	P("created", TP_PT_TIMESTAMP, R | TP_PROP_MILLIS),
	P("modified", TP_PT_TIMESTAMP, R | TP_PROP_MILLIS),
	P("revoked", TP_PT_BOOLEAN, 0),
	PL("labels", TP_PT_STRING, 0),
	PRANGE("confidence", TP_PT_INTEGER, 0, 100, 0),
	PL("external_references", TP_PT_EXTERNAL_REF, 0),
	PREFS("object_marking_refs", T_MARKING, 0),
	PL("granular_markings", TP_PT_GRANULAR, 0),
	P("extensions", TP_PT_EXTENSIONS, 0),
	P("object_ref", TP_PT_IDENTIFIER, R),
	TS("object_modified"),
	P("contents", TP_PT_DICTIONARY, R),
};
static const struct tp_stix_prop_def extension_definition_props[] = {
	P("type", TP_PT_STRING, R),
	PEN("spec_version", tp_e_spec_version, R),
	P("id", TP_PT_ANY, R) /* checked first, with the type */,
	PREF("created_by_ref", T_IDENTITY, R),
	P("created", TP_PT_TIMESTAMP, R | TP_PROP_MILLIS),
	P("modified", TP_PT_TIMESTAMP, R | TP_PROP_MILLIS),
	P("revoked", TP_PT_BOOLEAN, 0),
	PL("labels", TP_PT_STRING, 0),
	PL("external_references", TP_PT_EXTERNAL_REF, 0),
	PREFS("object_marking_refs", T_MARKING, 0),
	PL("granular_markings", TP_PT_GRANULAR, 0),
	P("name", TP_PT_STRING, R),
	STR("description"),
	P("schema", TP_PT_STRING, R),
	P("version", TP_PT_STRING, R),
	{.name = "extension_types", .type = TP_PT_LIST, .item = TP_PT_ENUM, .vocab = &tp_e_extension_type, .flags = R | TP_PROP_NONEMPTY},
	PL("extension_properties", TP_PT_STRING, 0),
};
static const struct tp_stix_prop_def bundle_props[] = {
	P("type", TP_PT_STRING, R),
	/* not a 2.1 bundle property: present, it is reported as 2.0 content or
	 * an error by the validator, not as a custom property */
	P("spec_version", TP_PT_ANY, 0),
	P("id", TP_PT_ANY, R) /* checked first, with the type */,
	PL("objects", TP_PT_ANY, 0),
};
TYPE(def_marking, "marking-definition", TP_STIX_META, marking_props, NULL, NULL)
TYPE(def_language_content, "language-content", TP_STIX_META, language_content_props, NULL, NULL)
TYPE(def_extension_definition, "extension-definition", TP_STIX_META, extension_definition_props,
     NULL, NULL)
TYPE(def_bundle, "bundle", TP_STIX_BUNDLE, bundle_props, NULL, NULL)

static const struct tp_stix_type_def *const all_types[] = {
	&def_attack_pattern, &def_campaign, &def_coa, &def_grouping, &def_identity,
	&def_incident, &def_indicator, &def_infrastructure, &def_intrusion_set, &def_location,
	&def_malware, &def_malware_analysis, &def_note, &def_observed_data, &def_opinion,
	&def_report, &def_threat_actor, &def_tool, &def_vulnerability, &def_relationship,
	&def_sighting, &def_artifact, &def_as, &def_directory, &def_domain, &def_email_addr,
	&def_email_message, &def_file, &def_ipv4, &def_ipv6, &def_mac, &def_mutex, &def_nt,
	&def_process, &def_software, &def_url, &def_user, &def_regkey, &def_x509, &def_marking,
	&def_language_content, &def_extension_definition, &def_bundle, NULL,
};

/* Named non-object definitions (embedded types and extensions). */
static const struct tp_stix_type_def *const other_defs[] = {
	&tp_def_kill_chain_phase, &tp_def_external_reference, &tp_def_granular_marking,
	&def_mime_part, &def_ads, &def_pe_optional_header, &def_pe_section, &def_regval,
	&def_x509v3, &def_archive_ext, &def_ntfs_ext, &def_pdf_ext, &def_raster_ext,
	&def_pebinary_ext, &def_http_ext, &def_icmp_ext, &def_socket_ext, &def_tcp_ext,
	&def_winproc_ext, &def_winservice_ext, &def_unix_ext, NULL,
};

const struct tp_stix_type_def *const *tp_stix_schema_types(void)
{
	return all_types;
}

static const struct tp_stix_type_def *find_in(const struct tp_stix_type_def *const *defs,
					      const char *name)
{
	for (size_t i = 0; defs[i]; i++)
		if (defs[i]->name[0] == name[0] && strcmp(defs[i]->name, name) == 0)
			return defs[i];
	return NULL;
}

const struct tp_stix_type_def *tp_stix_schema_type(const char *type)
{
	if (!type || !*type)
		return NULL;
	const struct tp_stix_type_def *d = find_in(all_types, type);
	return d ? d : find_in(other_defs, type);
}

const struct tp_stix_prop_def *tp_stix_schema_common(enum tp_stix_kind kind, size_t *n)
{
	if (kind == TP_STIX_SDO || kind == TP_STIX_SRO) {
		*n = N(sdo_common);
		return sdo_common;
	}
	if (kind == TP_STIX_SCO) {
		*n = N(sco_common);
		return sco_common;
	}
	*n = 0;
	return NULL;
}

const struct tp_stix_prop_def *tp_stix_schema_prop(const struct tp_stix_type_def *def,
						   const char *name)
{
	if (!def || !name)
		return NULL;
	for (size_t i = 0; i < def->nprops; i++)
		if (def->props[i].name[0] == name[0] && strcmp(def->props[i].name, name) == 0)
			return &def->props[i];
	size_t n;
	const struct tp_stix_prop_def *c = tp_stix_schema_common(def->kind, &n);
	for (size_t i = 0; i < n; i++)
		if (c[i].name[0] == name[0] && strcmp(c[i].name, name) == 0)
			return &c[i];
	return NULL;
}

const struct tp_stix_type_def *tp_stix_schema_extension(const struct tp_stix_type_def *def,
							const char *name)
{
	if (!def || !def->extensions || !name)
		return NULL;
	return find_in(def->extensions, name);
}

enum tp_stix_kind tp_stix_kind_of(const char *type)
{
	if (!type)
		return TP_STIX_UNKNOWN;
	const struct tp_stix_type_def *d = find_in(all_types, type);
	if (d)
		return d->kind;
	return tp_stix_type_valid(type, strlen(type)) ? TP_STIX_CUSTOM : TP_STIX_UNKNOWN;
}

const char *tp_stix_kind_name(enum tp_stix_kind kind)
{
	static const char *const names[] = {"sdo", "sro", "sco", "meta", "bundle", "custom", "unknown"};
	return (unsigned)kind <= TP_STIX_UNKNOWN ? names[kind] : "unknown";
}

static int is_custom_prop(const char *name)
{
	return strncmp(name, "x_", 2) == 0;
}

enum tp_stix_prop_lookup tp_stix_schema_path(const char *type, const char *const *path, size_t n)
{
	const struct tp_stix_type_def *def = type ? find_in(all_types, type) : NULL;
	if (!def)
		return type && tp_stix_type_valid(type, strlen(type)) ? TP_STIX_PROP_CUSTOM
								       : TP_STIX_PROP_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		const char *name = path[i];
		if (!name)
			return TP_STIX_PROP_UNKNOWN;
		const struct tp_stix_prop_def *p = tp_stix_schema_prop(def, name);
		if (!p)
			return is_custom_prop(name) ? TP_STIX_PROP_CUSTOM : TP_STIX_PROP_UNKNOWN;
		if (i + 1 == n)
			return TP_STIX_PROP_KNOWN;
		switch (p->type == TP_PT_LIST ? p->item : p->type) {
		case TP_PT_EXTENSIONS: {
			const char *ext = path[++i];
			if (ext && strncmp(ext, "extension-definition--", 22) == 0)
				return TP_STIX_PROP_CUSTOM;
			const struct tp_stix_type_def *e = tp_stix_schema_extension(def, ext);
			if (!e)
				return ext && strncmp(ext, "x-", 2) == 0 ? TP_STIX_PROP_CUSTOM
									  : TP_STIX_PROP_UNKNOWN;
			if (i + 1 == n)
				return TP_STIX_PROP_KNOWN;
			def = e;
			break;
		}
		case TP_PT_EMBEDDED:
			def = p->embedded;
			break;
		case TP_PT_KILL_CHAIN:
			def = &tp_def_kill_chain_phase;
			break;
		case TP_PT_EXTERNAL_REF:
			def = &tp_def_external_reference;
			break;
		case TP_PT_GRANULAR:
			def = &tp_def_granular_marking;
			break;
		case TP_PT_HASHES:
		case TP_PT_DICTIONARY:
			/* any key, and nothing below a dictionary value is checked */
			return TP_STIX_PROP_KNOWN;
		case TP_PT_ANY:
		case TP_PT_OBSERVABLE_MAP:
			return TP_STIX_PROP_CUSTOM;
		default:
			return TP_STIX_PROP_UNKNOWN; /* a path below a scalar */
		}
	}
	return TP_STIX_PROP_KNOWN; /* n == 0: the object itself */
}
