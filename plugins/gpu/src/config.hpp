// The x-nv-gpu instance configuration: its JSON Schema (published in the plugin table) and the
// parser that turns a config the host validated against it into the verifier's and the evidence
// source's settings.
#pragma once

#include "sources.hpp"
#include "verifier.hpp"

#include <boost/json/object.hpp>

namespace ccattest::gpu {

// clang-format off
inline constexpr const char *config_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "x-nv-gpu plugin configuration",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "source": {
      "description": "Evidence source for generate: auto (NVML, never the simulator), nvml, simulator, or none (verify only). Default auto.",
      "enum": ["auto", "nvml", "simulator", "none"]
    },
    "nvml_library": { "description": "NVML shared library loaded with dlopen. Default libnvidia-ml.so.1.", "type": "string", "minLength": 1 },
    "nscq_library": { "description": "NSCQ shared library (NVSwitches) loaded with dlopen. Default libnvidia-nscq.so.2.", "type": "string", "minLength": 1 },
    "include_switches": { "description": "Also attest NVSwitches when NSCQ is present. Default true.", "type": "boolean" },
    "trust_dir": {
      "description": "Folder holding nvidia_device_identity_ca.pem and nvidia_rim_root_ca.pem in place of the built-in NVIDIA roots; each must match its compiled-in SHA-256 pin.",
      "type": "string", "minLength": 1
    },
    "certificate_files": {
      "description": "Device certificate chains (PEM or DER) for raw SPDM reports, which carry none.",
      "type": "array", "items": { "type": "string", "minLength": 1 }
    },
    "rim_files": {
      "description": "Driver and VBIOS RIM files (XML), or folders of them, offered for every device; each is used only for the RIM id and version it names.",
      "type": "array", "items": { "type": "string", "minLength": 1 }
    },
    "collateral": {
      "description": "Collateral folders: RIMs named <RIM id>.xml, and DER OCSP responses.",
      "type": "array", "items": { "type": "string", "minLength": 1 }
    },
    "rim_service_url": {
      "description": "NVIDIA's RIM service, asked through the host for RIMs found nowhere else when the site is online. Default https://rim.attestation.nvidia.com/v1/rim/.",
      "type": "string", "pattern": "^https?://[^?#]+/$", "x-expected": "an http(s) URL ending in /"
    },
    "ocsp_url": {
      "description": "OCSP responder asked for every certificate (a site's mirror or proxy of NVIDIA's). Unset: each certificate's own responder (AIA), else https://ocsp.ndis.nvidia.com.",
      "type": "string", "pattern": "^https?://[^?#]+$", "x-expected": "an http(s) URL without query"
    },
    "check_ocsp": { "description": "Look for OCSP answers (token, cache, responder when online). Default true; without any, claims say ocsp not_checked.", "type": "boolean" },
    "tolerate_certificate_hold": { "description": "An OCSP certificateHold answer does not fail a device (it is still reported). Default false.", "type": "boolean" },
    "accept_rim_documents": { "description": "Accept a RIM document as the token and verify it alone (the command line's RIM check). Never set on a site. Default false.", "type": "boolean" },
    "nras": {
      "description": "NVIDIA Remote Attestation Service results: the JWKS (a file, else fetched from jwks_url when online) and the pinned issuer.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "jwks_file": { "type": "string", "minLength": 1 },
        "jwks_url": { "type": "string", "pattern": "^https://[^/?#]+(/[^?#]*)?$", "x-expected": "an https URL without query" },
        "issuer": { "type": "string", "minLength": 1 },
        "clock_skew_s": { "type": "integer", "minimum": 0, "maximum": 600 }
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
        "kind": { "enum": ["gpu", "switch"] },
        "arch": { "enum": ["hopper", "blackwell", "ls10"] },
        "device_count": { "type": "integer", "minimum": 1, "maximum": 64 },
        "driver_version": { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+){1,3}$", "x-expected": "a dotted version" },
        "vbios_version": { "type": "string", "pattern": "^[0-9a-fA-F]{2}(\\.[0-9a-fA-F]{2}){4}$", "x-expected": "five dotted hex bytes" },
        "mismatched_indices": { "description": "RIM indices (0-based) whose measured value differs from the RIM.", "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": 63 } },
        "mismatch_device": { "description": "The device (0-based) that mismatches; default every device.", "type": "integer", "minimum": 0, "maximum": 63 },
        "include_rims": { "type": "boolean" },
        "include_ocsp": { "type": "boolean" },
        "ocsp_status": { "enum": ["good", "revoked", "certificate_hold"] }
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
/// schema cannot express (source "simulator" without a simulator block, an ls10 GPU, a switch
/// that is not ls10, mismatch_device beyond device_count).
PluginConfig parse_plugin_config(const boost::json::object &config);

} // namespace ccattest::gpu
