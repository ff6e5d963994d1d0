// Vendor roots a verifier trusts: compiled into the plugin or read from an operator's trust_dir,
// either way pinned by SHA-256; and a simulator's root, read as a plain certificate file (a
// verifier never runs simulator code) and trusted only where the config allows simulated hardware.
#pragma once

#include "ccattest/support/crypto.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace ccattest::support {

/// One pinned root: its file name (in a trust_dir), the copy compiled in, and its SHA-256 as
/// lower-case hex.
struct PinnedRoot {
    std::string_view file_name;
    std::string_view embedded_pem;
    std::string_view sha256_hex;
};

/// The root: the compiled-in copy, or trust_dir/<file_name>. Either must match the pin; throws
/// sdk::failure(CCATTEST_E_CONFIG) "trust root: <file> has SHA-256 <x>, not the pinned <y>" (or
/// the parse or read error) otherwise.
Certificate load_pinned_root(const PinnedRoot &root,
                             const std::optional<std::filesystem::path> &trust_dir);

/// A simulator's root certificate file; nullopt while the simulator has not made it. Throws
/// sdk::failure naming the file when it is there but unreadable or not a certificate.
std::optional<Certificate> read_simulated_root_file(const std::filesystem::path &file);

} // namespace ccattest::support
