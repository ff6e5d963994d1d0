// Verifies NVIDIA GPU and NVSwitch evidence in-process. Per device: the SPDM report's structure
// (spdm.hpp), its ECDSA P-384/SHA-384 signature over request || response-without-signature by the
// leaf of the device chain, that chain to NVIDIA's pinned Device Identity CA (with its own reason
// for too few levels, a missing intermediate, a missing leaf), the leaf's FWID (TCG DICE
// extension) equal to the FWID in the opaque data, the request nonce equal to the expected nonce
// (constant time); every device of a token bound to the same nonce. Then, graded as claims rather
// than refused: the driver and VBIOS RIMs (token, configured files, collateral directories,
// NVIDIA's RIM service through the host) verified to NVIDIA's pinned RIM root and compared with the
// measurements, and OCSP for the device and RIM chains (token, cache, NVIDIA's responder through
// the host). NRAS results go to nras.hpp.
#pragma once

#include "evidence.hpp"
#include "nras.hpp"
#include "rim.hpp"
#include "spdm.hpp"

#include <ccattest/support/collateral.hpp>
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/plugin_adapter.hpp>

#include <boost/json/object.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ccattest::gpu {

inline constexpr const char *default_rim_service_url = "https://rim.attestation.nvidia.com/v1/rim/";
inline constexpr const char *default_ocsp_url = "https://ocsp.ndis.nvidia.com";

struct VerifierConfig {
    std::optional<std::filesystem::path> trust_dir; ///< default: the built-in NVIDIA roots
    /// Device certificate chains (PEM or DER files) for raw SPDM reports, which carry none.
    std::vector<std::filesystem::path> certificate_files;
    /// RIM files, and folders whose every file is a RIM, offered for every device (by id and
    /// version).
    std::vector<std::filesystem::path> rim_files;
    /// Collateral folders: RIMs named <rim id>.xml, OCSP responses.
    std::vector<std::filesystem::path> collateral;
    std::string rim_service_url = default_rim_service_url;
    /// The operator's OCSP responder (a site's mirror or proxy of NVIDIA's), asked for every
    /// certificate when set; otherwise each certificate's AIA responder, else default_ocsp_url.
    std::optional<std::string> ocsp_url;
    bool check_ocsp = true;                 ///< look for OCSP answers (token, cache, network)
    bool tolerate_certificate_hold = false; ///< a certificateHold answer does not fail a device
    bool allow_simulated = false;
    std::optional<std::filesystem::path> simulator_state_dir;
    /// Accept a RIM document as the token (the command line's `verify --rim` check), verified
    /// alone; never evidence.
    bool accept_rim_documents = false;
    NrasConfig nras;
};

class Verifier {
public:
    /// Throws sdk::failure(CCATTEST_E_CONFIG) naming the problem (a root that fails its pin, a
    /// certificate or RIM file that cannot be read or parsed).
    explicit Verifier(VerifierConfig config, support::Host host = {});
    ~Verifier();
    Verifier(const Verifier &) = delete;
    Verifier &operator=(const Verifier &) = delete;

    /// Claims of authentic evidence (the claim names of the issue: "devices" [...], "device_count",
    /// "all_verified", "mode", "simulated", "evidence_digest", "nonce"); throws sdk::failure with
    /// the status and reason otherwise. `expected_report_data` is 64 bytes (its first 32 are the
    /// expected SPDM nonce) or empty (then not checked).
    boost::json::object verify(std::span<const uint8_t> token,
                               std::span<const uint8_t> expected_report_data,
                               int64_t verification_time) const;

    /// Every field of the token (each device's request, response header, blocks, opaque entries,
    /// certificates), decoded but not checked.
    boost::json::object inspect(std::span<const uint8_t> token) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace ccattest::gpu
