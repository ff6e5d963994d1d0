// The root a TDX verifier trusts: Intel's SGX Root CA, pinned by SHA-256 (built in, or a copy in a
// trust_dir), and, only when the config allows simulated hardware, the simulator's own root.
#pragma once

#include <ccattest/support/crypto.hpp>

#include <filesystem>
#include <optional>
#include <string_view>

namespace ccattest::tdx {

/// SHA-256 of Intel's SGX Root CA certificate (config/trust/intel/README.md gives the source).
inline constexpr std::string_view intel_root_sha256 =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";
inline constexpr std::string_view intel_root_file_name = "intel_sgx_root_ca.pem";

/// Intel's root: the copy compiled into the plugin, or trust_dir/intel_sgx_root_ca.pem. Either
/// must match intel_root_sha256; throws sdk::failure(CCATTEST_E_CONFIG) naming the file otherwise.
support::Certificate intel_root(const std::optional<std::filesystem::path> &trust_dir);

/// Where the simulator keeps its root certificate: <state_dir>/tdx/root_ca.pem.
std::filesystem::path simulated_root_file(const std::filesystem::path &state_dir);

/// The simulator's root, read as a plain certificate file (the verifier never runs simulator
/// code); nullopt while the simulator has not made it. Throws sdk::failure naming the file when it
/// is there but unreadable or not a certificate.
std::optional<support::Certificate> read_simulated_root(const std::filesystem::path &state_dir);

} // namespace ccattest::tdx
