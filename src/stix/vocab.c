/*
 * STIX 2.1 open vocabularies (section 10) and enumerations, with the
 * stix2-validator check name and code that reports a value outside an
 * open vocabulary. Enumerations carry no code: a value outside one is a
 * MUST violation, always an error.
 */
#include <string.h>

#include "stix_internal.h"

#define VOCAB(id, nm, chk, cd, ...)                                                        \
	static const char *const id##_values[] = {__VA_ARGS__, NULL};                       \
	const struct tp_stix_vocab id = {nm, id##_values, chk, cd};

VOCAB(tp_v_attack_motivation, "attack-motivation-ov", "attack-motivation", 211, "accidental",
      "coercion", "dominance", "ideology", "notoriety", "organizational-gain", "personal-gain",
      "personal-satisfaction", "revenge", "unpredictable")
VOCAB(tp_v_attack_resource_level, "attack-resource-level-ov", "attack-resource-level", 212,
      "individual", "club", "contest", "team", "organization", "government")
VOCAB(tp_v_identity_class, "identity-class-ov", "identity-class", 213, "individual", "group",
      "system", "organization", "class", "unknown")
VOCAB(tp_v_indicator_type, "indicator-type-ov", "indicator-types", 214, "anomalous-activity",
      "anonymization", "benign", "compromised", "malicious-activity", "attribution", "unknown")
VOCAB(tp_v_industry_sector, "industry-sector-ov", "industry-sector", 215, "agriculture",
      "aerospace", "automotive", "chemical", "commercial", "communications", "construction",
      "defense", "education", "energy", "entertainment", "financial-services", "government",
      "emergency-services", "government-local", "government-national",
      "government-public-services", "government-regional", "healthcare", "hospitality-leisure",
      "infrastructure", "dams", "nuclear", "water", "insurance", "manufacturing", "mining",
      "non-profit", "pharmaceuticals", "retail", "technology", "telecommunications",
      "transportation", "utilities")
VOCAB(tp_v_malware_type, "malware-type-ov", "malware-types", 216, "adware", "backdoor", "bot",
      "bootkit", "ddos", "downloader", "dropper", "exploit-kit", "keylogger", "ransomware",
      "remote-access-trojan", "resource-exploitation", "rogue-security-software", "rootkit",
      "screen-capture", "spyware", "trojan", "unknown", "virus", "webshell", "wiper", "worm")
VOCAB(tp_v_report_type, "report-type-ov", "report-types", 218, "attack-pattern", "campaign",
      "identity", "indicator", "intrusion-set", "malware", "observed-data", "threat-actor",
      "threat-report", "tool", "vulnerability")
VOCAB(tp_v_threat_actor_type, "threat-actor-type-ov", "threat-actor-types", 219, "activist",
      "competitor", "crime-syndicate", "criminal", "hacker", "insider-accidental",
      "insider-disgruntled", "nation-state", "sensationalist", "spy", "terrorist", "unknown")
VOCAB(tp_v_threat_actor_role, "threat-actor-role-ov", "threat-actor-role", 220, "agent",
      "director", "independent", "infrastructure-architect", "infrastructure-operator",
      "malware-author", "sponsor")
VOCAB(tp_v_threat_actor_sophistication, "threat-actor-sophistication-ov",
      "threat-actor-sophistication", 221, "none", "minimal", "intermediate", "advanced",
      "expert", "innovator", "strategic")
VOCAB(tp_v_tool_type, "tool-type-ov", "tool-types", 222, "denial-of-service", "exploitation",
      "information-gathering", "network-capture", "credential-exploitation", "remote-access",
      "vulnerability-scanning", "unknown")
VOCAB(tp_v_region, "region-ov", "region", 223, "africa", "eastern-africa", "middle-africa",
      "northern-africa", "southern-africa", "western-africa", "americas",
      "latin-america-caribbean", "south-america", "caribbean", "central-america",
      "northern-america", "asia", "central-asia", "eastern-asia", "southern-asia",
      "south-eastern-asia", "western-asia", "europe", "eastern-europe", "northern-europe",
      "southern-europe", "western-europe", "oceania", "australia-new-zealand", "melanesia",
      "micronesia", "polynesia", "antarctica")
VOCAB(tp_v_grouping_context, "grouping-context-ov", "grouping-context", 225,
      "suspicious-activity", "malware-analysis", "unspecified")
VOCAB(tp_v_implementation_language, "implementation-language-ov", "implementation-languages",
      226, "applescript", "bash", "c", "c++", "c#", "go", "java", "javascript", "lua",
      "objective-c", "perl", "php", "powershell", "python", "ruby", "scala", "swift",
      "typescript", "visual-basic", "x86-32", "x86-64")
VOCAB(tp_v_infrastructure_type, "infrastructure-type-ov", "infrastructure-types", 227,
      "amplification", "anonymization", "botnet", "command-and-control", "exfiltration",
      "hosting-malware", "hosting-target-lists", "phishing", "reconnaissance", "staging",
      "unknown")
VOCAB(tp_v_malware_capabilities, "malware-capabilities-ov", "malware-capabilities", 228,
      "accesses-remote-machines", "anti-debugging", "anti-disassembly", "anti-emulation",
      "anti-memory-forensics", "anti-sandbox", "anti-vm", "captures-input-peripherals",
      "captures-output-peripherals", "captures-system-state-data", "cleans-traces-of-infection",
      "commits-fraud", "communicates-with-c2", "compromises-data-availability",
      "compromises-data-integrity", "compromises-system-availability", "controls-local-machine",
      "degrades-security-software", "degrades-system-updates", "determines-c2-server",
      "emails-spam", "escalates-privileges", "evades-av", "exfiltrates-data",
      "fingerprints-host", "hides-artifacts", "hides-executing-code", "infects-files",
      "infects-remote-machines", "installs-other-components", "persists-after-system-reboot",
      "prevents-artifact-access", "prevents-artifact-deletion", "probes-network-environment",
      "self-modifies", "steals-authentication-credentials",
      "violates-system-operational-integrity")
VOCAB(tp_v_processor_architecture, "processor-architecture-ov", "processor-architecture", 230,
      "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64")
VOCAB(tp_v_malware_result, "malware-result-ov", "malware-result", 231, "malicious",
      "suspicious", "benign", "unknown")
VOCAB(tp_v_hash_algorithm, "hash-algorithm-ov", "hash-algo", 241, "MD5", "SHA-1", "SHA-256",
      "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH")
VOCAB(tp_v_windows_pebinary_type, "windows-pebinary-type-ov", "windows-pebinary-type", 243,
      "exe", "dll", "sys")
VOCAB(tp_v_account_type, "account-type-ov", "account-type", 244, "unix", "windows-local",
      "windows-domain", "ldap", "tacacs", "radius", "nis", "openid", "facebook", "skype",
      "twitter", "kavi")
VOCAB(tp_v_pattern_type, "pattern-type-ov", "indicator-pattern-types", 245, "stix", "pcre",
      "sigma", "snort", "suricata", "yara")

/* Enumerations: MUST. */
VOCAB(tp_e_opinion, "opinion-enum", NULL, 0, "strongly-disagree", "disagree", "neutral", "agree",
      "strongly-agree")
VOCAB(tp_e_encryption_algorithm, "encryption-algorithm-enum", NULL, 0, "AES-256-GCM",
      "ChaCha20-Poly1305", "mime-type-indicated")
VOCAB(tp_e_extension_type, "extension-type-enum", NULL, 0, "new-sdo", "new-sco", "new-sro",
      "property-extension", "toplevel-property-extension")
VOCAB(tp_e_address_family, "network-socket-address-family-enum", NULL, 0, "AF_UNSPEC",
      "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH")
VOCAB(tp_e_socket_type, "network-socket-type-enum", NULL, 0, "SOCK_STREAM", "SOCK_DGRAM",
      "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET")
VOCAB(tp_e_integrity_level, "windows-integrity-level-enum", NULL, 0, "low", "medium", "high",
      "system")
VOCAB(tp_e_registry_datatype, "windows-registry-datatype-enum", NULL, 0, "REG_NONE", "REG_SZ",
      "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
      "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
      "REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD",
      "REG_INVALID_TYPE")
VOCAB(tp_e_service_start_type, "windows-service-start-type-enum", NULL, 0, "SERVICE_AUTO_START",
      "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT")
VOCAB(tp_e_service_type, "windows-service-type-enum", NULL, 0, "SERVICE_KERNEL_DRIVER",
      "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS")
VOCAB(tp_e_service_status, "windows-service-status-enum", NULL, 0, "SERVICE_CONTINUE_PENDING",
      "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING", "SERVICE_START_PENDING",
      "SERVICE_STOP_PENDING", "SERVICE_STOPPED")
VOCAB(tp_e_tlp1, "tlp-enum", NULL, 0, "white", "green", "amber", "red")
VOCAB(tp_e_tlp2, "tlp-2-0-enum", NULL, 0, "clear", "green", "amber", "amber+strict", "red")
VOCAB(tp_e_spec_version, "spec-version-enum", NULL, 0, "2.1")

static const struct tp_stix_vocab *const all_vocabs[] = {
	&tp_v_attack_motivation, &tp_v_attack_resource_level, &tp_v_identity_class,
	&tp_v_indicator_type, &tp_v_industry_sector, &tp_v_malware_type, &tp_v_report_type,
	&tp_v_threat_actor_type, &tp_v_threat_actor_role, &tp_v_threat_actor_sophistication,
	&tp_v_tool_type, &tp_v_region, &tp_v_grouping_context, &tp_v_implementation_language,
	&tp_v_infrastructure_type, &tp_v_malware_capabilities, &tp_v_processor_architecture,
	&tp_v_malware_result, &tp_v_hash_algorithm, &tp_v_windows_pebinary_type,
	&tp_v_account_type, &tp_v_pattern_type, &tp_e_opinion, &tp_e_encryption_algorithm,
	&tp_e_extension_type, &tp_e_address_family, &tp_e_socket_type, &tp_e_integrity_level,
	&tp_e_registry_datatype, &tp_e_service_start_type, &tp_e_service_type,
	&tp_e_service_status, &tp_e_tlp1, &tp_e_tlp2, &tp_e_spec_version, NULL,
};

const struct tp_stix_vocab *tp_stix_schema_vocab(const char *name)
{
	for (size_t i = 0; name && all_vocabs[i]; i++)
		if (strcmp(all_vocabs[i]->name, name) == 0)
			return all_vocabs[i];
	return NULL;
}

int tp_stix_vocab_has(const struct tp_stix_vocab *v, const char *value)
{
	for (size_t i = 0; v && value && v->values[i]; i++)
		if (strcmp(v->values[i], value) == 0)
			return 1;
	return 0;
}
