// The roots a GPU verifier trusts: NVIDIA's Device Identity CA (device chains) and NVIDIA's RIM
// signing root (RIM chains), both pinned by SHA-256 (built in, or copies in a trust_dir); and,
// only when the config allows simulated hardware, the simulator's two roots.
#pragma once

#include <ccattest/support/pinned_root.hpp>

#include <filesystem>
#include <optional>
#include <string_view>

namespace ccattest::gpu {

/// config/trust/nvidia/README.md gives the sources.
inline constexpr std::string_view device_root_file_name = "nvidia_device_identity_ca.pem";
inline constexpr std::string_view device_root_sha256 =
    "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48";
inline constexpr std::string_view rim_root_file_name = "nvidia_rim_root_ca.pem";
inline constexpr std::string_view rim_root_sha256 =
    "12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1";

support::Certificate device_root(const std::optional<std::filesystem::path> &trust_dir);
support::Certificate rim_root(const std::optional<std::filesystem::path> &trust_dir);

/// Where the simulator keeps its roots: <state_dir>/gpu/device_root_ca.pem and
/// <state_dir>/gpu/rim_root_ca.pem (the simulator writes them; verifiers read them as files).
std::filesystem::path simulated_device_root_file(const std::filesystem::path &state_dir);
std::filesystem::path simulated_rim_root_file(const std::filesystem::path &state_dir);

/// TCG DICE FWID extension OID (tcg-dice-fwid's container, TcbInfo): 2.23.133.5.4.1.
inline constexpr const char *dice_tcb_info_oid = "2.23.133.5.4.1";

} // namespace ccattest::gpu
