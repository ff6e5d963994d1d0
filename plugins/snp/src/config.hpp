// The x-snp instance configuration: its JSON Schema (published in the plugin table) and the
// parser that turns a config the host validated against it into the verifier's and the evidence
// source's settings.
#pragma once

#include "sources.hpp"
#include "verifier.hpp"

#include <boost/json/object.hpp>

namespace ccattest::snp {

// clang-format off
inline constexpr const char *config_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "x-snp plugin configuration",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "source": {
      "description": "Evidence source for generate: auto (configfs-tsm, then /dev/sev-guest; never the simulator), one by name, or none (verify only). Default auto.",
      "enum": ["auto", "configfs-tsm", "sev-guest", "simulator", "none"]
    },
    "vmpl": { "description": "VMPL requested for reports. Default 0.", "type": "integer", "minimum": 0, "maximum": 3 },
    "configfs_path": { "type": "string", "minLength": 1 },
    "sev_guest_device": { "type": "string", "minLength": 1 },
    "trust_dir": {
      "description": "Folder of <product>_{ark,ask,asvk}.pem replacing the built-in AMD roots; each must match its compiled-in SHA-256 pin.",
      "type": "string", "minLength": 1
    },
    "collateral_dir": {
      "description": "Offline collateral: <product>/vcek/<hwid hex>/<reported TCB hex>.{der,pem}, <product>/vlek.{der,pem}, <product>/crl.{der,pem}, <product>/vlek_crl.{der,pem}.",
      "type": "string", "minLength": 1
    },
    "kds_url": {
      "description": "Base URL of AMD's key distribution service, asked through the host for a VCEK or CRL found nowhere else when the site's network mode is online. Default https://kdsintf.amd.com.",
      "type": "string", "pattern": "^https?://[^/?#]+(/[^?#]*)?$", "x-expected": "an http(s) URL without query"
    },
    "require_crl": {
      "description": "Refuse evidence when no CRL of its chain's root is found (token, certificate_files, collateral_dir, or AMD KDS when online). Default false: revocation is checked when a CRL is found, and claims say so in chain.revocation_checked.",
      "type": "boolean"
    },
    "certificate_files": {
      "description": "Extra VCEK/VLEK certificates and CRLs (DER or PEM) to use when a token carries none.",
      "type": "array", "items": { "type": "string", "minLength": 1 }
    },
    "product": {
      "description": "Product line of version-2 reports, which do not state it.",
      "enum": ["milan", "genoa", "turin"]
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
        "product": { "enum": ["milan", "genoa", "turin"] },
        "report_version": { "enum": [2, 3, 5] },
        "signing_key": { "enum": ["vcek", "vlek"] },
        "measurement": { "type": "string", "pattern": "^[0-9a-fA-F]{96}$", "x-expected": "48 bytes as hex" },
        "host_data": { "type": "string", "pattern": "^[0-9a-fA-F]{64}$", "x-expected": "32 bytes as hex" },
        "family_id": { "type": "string", "pattern": "^[0-9a-fA-F]{32}$", "x-expected": "16 bytes as hex" },
        "image_id": { "type": "string", "pattern": "^[0-9a-fA-F]{32}$", "x-expected": "16 bytes as hex" },
        "policy": { "description": "Guest policy (bit 17 is always set).", "type": "integer", "minimum": 0, "maximum": 67108863 },
        "debug": { "description": "Shorthand: sets policy bit 19 (debugging allowed).", "type": "boolean" },
        "migrate_ma": { "description": "Shorthand: sets policy bit 18.", "type": "boolean" },
        "vmpl": { "type": "integer", "minimum": 0, "maximum": 3 },
        "guest_svn": { "type": "integer", "minimum": 0, "maximum": 4294967295 },
        "tcb": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "bootloader": { "type": "integer", "minimum": 0, "maximum": 255 },
            "tee": { "type": "integer", "minimum": 0, "maximum": 255 },
            "snp": { "type": "integer", "minimum": 0, "maximum": 255 },
            "microcode": { "type": "integer", "minimum": 0, "maximum": 255 },
            "fmc": { "type": "integer", "minimum": 0, "maximum": 255 }
          }
        }
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
/// schema cannot express (source "simulator" without a simulator block).
PluginConfig parse_plugin_config(const boost::json::object &config);

} // namespace ccattest::snp
