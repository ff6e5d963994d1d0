// The x-tdx instance configuration: its JSON Schema (published in the plugin table) and the
// parser that turns a config the host validated against it into the verifier's and the evidence
// source's settings.
#pragma once

#include "sources.hpp"
#include "verifier.hpp"

#include <boost/json/object.hpp>

namespace ccattest::tdx {

// clang-format off
inline constexpr const char *config_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "x-tdx plugin configuration",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "source": {
      "description": "Evidence source for generate: auto (configfs-tsm, then /dev/tdx_guest; never the simulator), one by name, or none (verify only). Default auto.",
      "enum": ["auto", "configfs-tsm", "tdx-guest", "simulator", "none"]
    },
    "configfs_path": { "type": "string", "minLength": 1 },
    "tdx_guest_device": { "type": "string", "minLength": 1 },
    "trust_dir": {
      "description": "Folder holding intel_sgx_root_ca.pem in place of the built-in Intel SGX Root CA; it must match the compiled-in SHA-256 pin.",
      "type": "string", "minLength": 1
    },
    "collateral": {
      "description": "Collateral files and folders (every file in a folder), each recognised by its content: TCB info and QE identity JSON as Intel PCS serves them, issuer chains, CRLs (DER or PEM).",
      "type": "array", "items": { "type": "string", "minLength": 1 }
    },
    "pcs_url": {
      "description": "Base URL of Intel's provisioning certification service or a PCCS, asked through the host for collateral found nowhere else when the site's network mode is online. Default https://api.trustedservices.intel.com.",
      "type": "string", "pattern": "^https?://[^/?#]+(/[^?#]*)?$", "x-expected": "an http(s) URL without query"
    },
    "root_crl_url": {
      "description": "Where Intel's SGX Root CA CRL is fetched (online sites). Default https://certificates.trustedservices.intel.com/IntelSGXRootCA.der.",
      "type": "string", "pattern": "^https?://[^/?#]+(/[^?#]*)?$", "x-expected": "an http(s) URL without query"
    },
    "require_collateral": {
      "description": "Refuse evidence unless the TCB info, the QE identity and both CRLs (PCK CA and root CA) are found: the TCB status and revocation must be known. Default false: without collateral, tcb_status is \"unknown\" and chain.revocation_checked says whether CRLs were applied.",
      "type": "boolean"
    },
    "ita": {
      "description": "Intel Trust Authority tokens: the JWKS (a file, else fetched from jwks_url when online) and the pinned issuer.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "jwks_file": { "type": "string", "minLength": 1 },
        "jwks_url": { "type": "string", "pattern": "^https://[^/?#]+(/[^?#]*)?$", "x-expected": "an https URL without query" },
        "issuer": { "type": "string", "minLength": 1 }
      }
    },
    "allow_simulated": {
      "description": "Trust evidence from the simulator whose state is in simulator.state_dir. Claims then carry simulated: true. Default false.",
      "type": "boolean"
    },
    "simulator": {
      "type": "object",
      "additionalProperties": false,
      "required": ["state_dir"],
      "properties": {
        "state_dir": { "type": "string", "minLength": 1 },
        "quote_version": { "enum": [4, 5] },
        "td_report": { "description": "TD report body version (1.5 needs quote_version 5). Default 1.0.", "enum": ["1.0", "1.5"] },
        "mr_td": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "mr_config_id": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "mr_owner": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "mr_owner_config": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "mr_seam": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "mr_service_td": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "rtmr0": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "rtmr1": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "rtmr2": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "rtmr3": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "debug": { "description": "Shorthand: sets TD_ATTRIBUTES bit 0 (DEBUG).", "type": "boolean" },
        "tee_tcb_svn": { "type": "string", "pattern": "^[0-9a-fA-F]{32}$", "x-expected": "16 bytes as hex" },
        "tee_tcb_svn2": { "type": "string", "pattern": "^[0-9a-fA-F]{32}$", "x-expected": "16 bytes as hex" },
        "sgx_components": { "description": "The PCK's 16 SGX TCB component SVNs.", "type": "string", "pattern": "^[0-9a-fA-F]{32}$", "x-expected": "16 bytes as hex" },
        "pcesvn": { "type": "integer", "minimum": 0, "maximum": 65535 },
        "qe_isvsvn": { "type": "integer", "minimum": 0, "maximum": 65535 },
        "tcb_status": { "description": "What the simulated collateral grades the platform as. Default UpToDate.", "enum": ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"] },
        "qe_tcb_status": { "enum": ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"] },
        "include_collateral": { "description": "Carry the simulated collateral in each token. Default true.", "type": "boolean" },
        "revoke_pck": { "description": "The simulated PCK CRL lists the PCK. Default false.", "type": "boolean" }
      }
    }
  }
})json";
// clang-format on

struct PluginConfig {
    VerifierConfig verifier;
    SourceConfig source;
};

/// The settings of a config object. Throws sdk::failure(CCATTEST_E_CONFIG) for a combination the
/// schema cannot express (source "simulator" without a simulator block, a TD 1.5 report in a
/// version 4 quote).
PluginConfig parse_plugin_config(const boost::json::object &config);

} // namespace ccattest::tdx
