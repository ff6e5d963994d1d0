// What an x-nv-gpu token carries and its wire format.
//
// Token format "ccattest-gpu-v1" (UTF-8 JSON, at most max_token_size):
//   {"format":"ccattest-gpu-v1",
//    "devices":[{"kind":"gpu","arch":"hopper","report":"<base64 SPDM request||response>",
//                "certificates":["<base64 DER, leaf first>",...]},...],
//    "rims":["<base64 of a RIM's XML bytes>",...],
//    "ocsp":["<base64 DER OCSPResponse>",...]}
// "rims" and "ocsp" are optional (omitted when empty). One spelling only: the bytes encode_token
// writes (no whitespace, members in this order). kind is "gpu" or "switch"; arch "hopper",
// "blackwell" or "ls10". At most max_devices devices, each with 2..8 certificates.
//
// Also accepted, recognised by content:
//  - NVIDIA's evidence JSON as its attestation tools emit it: an object whose "evidence_list" (or
//    "device_evidence_list") holds {"evidence": base64 report, "certificate": base64 of the PEM
//    chain, optional "arch", "uuid", ...} (any whitespace; duplicate members refused); nvattest's
//    "evidences" list too; a top-level "arch" applies to entries without one; arch "LS10" makes
//    a switch; 1..8 certificates (the verifier names a short chain); encode_token writes such
//    evidence as a ccattest-gpu-v1 token;
//  - a raw SPDM report (bytes starting 0x11 0xE0): one GPU; its chain from the config's
//    certificate_files;
//  - an NRAS detached EAT (a JSON array whose first element is ["JWT", "<compact JWS>"]), verified
//    by nras.hpp;
//  - a RIM document (XML, starting '<'), only where the config sets accept_rim_documents (the
//    command line's RIM check); never evidence.
#pragma once

#include <ccattest/support/bytes.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest::gpu {

inline constexpr const char *token_format_id = "ccattest-gpu-v1";
inline constexpr size_t max_token_size = size_t{8} << 20U;
inline constexpr size_t max_devices = 64;

enum class DeviceKind { gpu, nvswitch };
enum class Arch { hopper, blackwell, ls10 };

std::string_view device_kind_name(DeviceKind kind) noexcept; ///< "gpu", "switch"
std::string_view arch_name(Arch arch) noexcept;              ///< "hopper", "blackwell", "ls10"
std::optional<Arch> arch_from_name(std::string_view name) noexcept; ///< case-insensitive

struct DeviceEvidence {
    DeviceKind kind = DeviceKind::gpu;
    std::optional<Arch> arch; ///< as the token states it (checked against the chain)
    support::Bytes report;    ///< SPDM request || response
    std::vector<support::Bytes> certificates; ///< DER, leaf first; empty for a raw report
};

enum class TokenForm { ccattest, nvidia_evidence, raw_spdm, nras_eat, rim_document };
std::string_view token_form_name(TokenForm form) noexcept;

struct Evidence {
    TokenForm form = TokenForm::ccattest;
    std::vector<DeviceEvidence> devices;
    std::vector<support::Bytes> rims;           ///< RIM XML documents carried
    std::vector<support::Bytes> ocsp_responses; ///< DER OCSPResponse carried
    std::string text;                           ///< nras_eat: the EAT JSON; rim_document: the XML
};

/// Throws sdk::failure(CCATTEST_E_MALFORMED) naming what is wrong: a token over max_token_size,
/// unknown form, a member out of order, unknown or repeated, bad base64, too many devices,
/// certificates that are not one DER certificate each (PEM in the NVIDIA form: each block one
/// certificate).
Evidence decode_token(std::span<const uint8_t> token);
/// The token of `evidence` in its form (nvidia_evidence: as ccattest-gpu-v1). Throws
/// sdk::failure(CCATTEST_E_INVALID_ARGUMENT) for what decode_token would refuse (a device without
/// arch, a chain outside 2..8, kind and arch that disagree, no devices, a raw form of several).
std::string encode_token(const Evidence &evidence);

} // namespace ccattest::gpu
