// The GPU simulator's certificate authorities and devices (internal to simulator*.cpp): a
// simulated NVIDIA device-identity chain of five levels shaped like the real one
// (tests/data/gpu/nvtrust_hopper_cert_chain.pem: root -> architecture CA -> provisioner ICA ->
// device identity "BROM" -> attestation leaf "FMC LF" with the FWID extension), a simulated RIM
// signing chain (root -> CA -> signer), all P-384 keys kept in <state_dir>/gpu/ and reused.
#pragma once

#include "evidence.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/ocsp.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace ccattest::gpu::sim {

/// What an architecture's devices state about themselves: the chip name NVIDIA's certificates
/// and RIM ids use, and the fixed opaque-data fields of its simulated boards.
struct ChipProfile {
    const char *chip;     ///< "GH100", "GB100", "LS10"
    const char *firmware; ///< the security processor its certificates name ("GSP", "FSP")
    std::array<uint8_t, 4> board_id;
    const char *chip_sku;
    const char *chip_sku_mod;
    const char *project;
    const char *project_sku;
    uint64_t gpu_info;
    uint32_t cprinfo;
};
const ChipProfile &chip_profile(Arch arch) noexcept;

/// A certificate and the private key it certifies.
struct Issued {
    support::Certificate certificate;
    support::PkeyPtr key;
};

/// One simulated device: its identity (BROM) certificate, its attestation leaf for the firmware
/// it runs, and its fixed identifiers.
struct Device {
    Issued identity;
    Issued leaf;
    support::Bytes ueid; ///< 8 bytes, in the identity's subjectAltName as NVIDIA writes it
    support::Bytes pdi;  ///< 8 bytes, a switch's platform data information
};

/// The device chain of one architecture and its devices.
struct Fleet {
    Issued root;
    Issued architecture_ca;
    Issued provisioner;
    std::vector<Device> devices;
    /// Device i's chain as a token carries it: leaf, identity, provisioner, architecture CA, root.
    [[nodiscard]] std::vector<support::Certificate> chain(size_t device) const;
};

/// The RIM signing chain.
struct RimAuthority {
    Issued root;
    Issued ca;
    Issued signer;
};

/// device_count devices of `arch` whose attestation leaves state `fwid`, created on first use.
Fleet load_fleet(const std::filesystem::path &state_dir, Arch arch, unsigned device_count,
                 std::span<const uint8_t> fwid);
RimAuthority load_rim_authority(const std::filesystem::path &state_dir);
support::Certificate load_device_root(const std::filesystem::path &state_dir);
support::Certificate load_rim_root(const std::filesystem::path &state_dir);

/// The simulated CA whose subject is `subject`'s issuer and whose key signed it.
/// Throws sdk::failure(CCATTEST_E_INVALID_ARGUMENT) when there is none in the state folder.
Issued find_issuer(const std::filesystem::path &state_dir, const support::Certificate &subject);

/// A DER OCSPResponse for `subject` signed by its issuer's key, thisUpdate an hour before `now`,
/// nextUpdate seven days after; revoked with keyCompromise, a hold with certificateHold.
support::Bytes ocsp_response(const support::Certificate &subject, const Issued &issuer,
                             support::OcspStatus status, int64_t now);

/// The validity of the simulated RIM signer.
inline constexpr int64_t rim_signer_not_before = 1704067200; // 2024-01-01T00:00:00Z
inline constexpr int64_t rim_signer_not_after = 2019686400;  // 2034-01-01T00:00:00Z

/// The responder URL every simulated certificate but the roots names (a name that never
/// resolves: OCSP for simulated chains comes from the token, a cache or a configured responder).
inline constexpr const char *simulated_ocsp_url = "http://ocsp.ndis.simulated.invalid";

} // namespace ccattest::gpu::sim
