// The GPU simulator: a software emulation of NVIDIA GPUs and NVSwitches and of NVIDIA's signing
// services, clearly labelled. It keeps, in <state_dir>/gpu/, a simulated device-identity CA chain
// of five levels like the real one (root -> architecture CA -> provisioner ICA -> device identity
// (BROM) -> attestation leaf (FMC) carrying the TCG DICE FWID extension), a simulated RIM signing
// chain (root -> CA -> signer), and per device an identity key. It answers SPDM 1.1
// GET_MEASUREMENTS exactly in the hardware format (64 measurement blocks of SHA-384 digests,
// NVIDIA's opaque data), signs driver and VBIOS RIMs with real XML signatures (xmlsec1), and mints
// OCSP responses. Verifiers trust it only with allow_simulated.
#pragma once

#include "evidence.hpp"
#include "spdm.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/ocsp.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

namespace ccattest::gpu {

struct SimulatorConfig {
    std::filesystem::path state_dir;
    DeviceKind kind = DeviceKind::gpu;
    Arch arch = Arch::hopper;  ///< ls10 for switches
    unsigned device_count = 1; ///< 1..max_devices
    std::string driver_version = "570.124.06";
    std::string vbios_version = "96.00.9f.00.01";
    /// RIM indices (0-based) whose measured value differs from the RIM, on `mismatch_device`
    /// (every device when unset).
    std::vector<uint32_t> mismatched_indices;
    std::optional<unsigned> mismatch_device;
    bool include_rims = true; ///< carry the signed driver and VBIOS RIMs in the token
    bool include_ocsp = true; ///< carry OCSP responses for every chain certificate but the root
    support::OcspStatus ocsp_status = support::OcspStatus::good; ///< of each device's leaf
};

/// The simulator's roots, created in <state_dir>/gpu/ on first use and written as PEM to
/// simulated_device_root_file / simulated_rim_root_file (trust.hpp), the files a verifier with
/// allow_simulated trusts.
support::Certificate simulated_device_root(const std::filesystem::path &state_dir);
support::Certificate simulated_rim_root(const std::filesystem::path &state_dir);

/// A token's evidence for `nonce`: device_count devices answering with the same nonce, with RIMs
/// and OCSP responses as configured (OCSP and certificate windows dated around `now`). Throws
/// sdk::failure(CCATTEST_E_CONFIG) for an impossible config (ls10 as a GPU, 0 devices),
/// CCATTEST_E_IO for an unusable state folder.
Evidence simulate_evidence(const SimulatorConfig &config,
                           std::span<const uint8_t, spdm_nonce_size> nonce, int64_t now);

/// The signed driver and VBIOS RIMs the simulator's devices match (XML bytes), dated `now`.
std::vector<support::Bytes> simulated_rims(const SimulatorConfig &config, int64_t now);

/// An OCSP response for `subject` (a certificate of a simulated chain) signed by its simulated
/// issuer, for tests that serve OCSP over loopback. Throws
/// sdk::failure(CCATTEST_E_INVALID_ARGUMENT) when the simulator did not issue `subject`.
support::Bytes simulated_ocsp_response(const std::filesystem::path &state_dir,
                                       const support::Certificate &subject,
                                       support::OcspStatus status, int64_t now);

} // namespace ccattest::gpu
