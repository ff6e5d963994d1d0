// The SEV-SNP simulator: a software emulation of the AMD secure processor, clearly labelled. It
// keeps its own ARK/ASK/ASVK (RSA-4096, RSASSA-PSS) and VCEK/VLEK (P-384, with AMD's X.509
// extensions) in a state folder and produces reports of versions 2, 3 and 5 in exactly the hardware
// format, with the certificate table an extended report returns. Verifiers trust it only with
// allow_simulated.
#pragma once

#include "evidence.hpp"
#include "report.hpp"
#include "trust.hpp"

#include <filesystem>
#include <optional>
#include <span>

namespace ccattest::snp {

struct SimulatorConfig {
    std::filesystem::path state_dir;
    Product product = Product::milan;
    uint32_t report_version = 3; ///< 2, 3 or 5
    SigningKey signing_key = SigningKey::vcek;
    std::array<uint8_t, 48> measurement{};
    std::array<uint8_t, 32> host_data{};
    std::array<uint8_t, 16> family_id{};
    std::array<uint8_t, 16> image_id{};
    uint64_t policy = 0x30000; ///< SMT allowed, reserved bit 17 set
    uint32_t vmpl = 0;
    uint32_t guest_svn = 1;
    Tcb tcb{0, 4, 0, 22, 213, std::nullopt}; ///< raw (unused), BL 4, TEE 0, SNP 22, microcode 213
};

/// The simulator's roots for a product line, created in the state folder on first use and cached
/// per process. Marked simulated.
const ProductRoots &simulated_roots(const std::filesystem::path &state_dir, Product product);

/// A signed report binding report_data, with the certificates of an extended report (ARK, ASK or
/// ASVK, and the VCEK or VLEK), and the same bytes as a GHCB certificate table.
struct SimulatedReport {
    Evidence evidence;
    support::Bytes certificate_table;
};
SimulatedReport simulate_report(const SimulatorConfig &config,
                                std::span<const uint8_t, 64> report_data);

} // namespace ccattest::snp
