#include "trust.hpp"

#include "embedded_intel_root.hpp"

#include <ccattest/support/pinned_root.hpp>

namespace ccattest::tdx {

support::Certificate intel_root(const std::optional<std::filesystem::path> &trust_dir) {
    return support::load_pinned_root(
        {intel_root_file_name, embedded_intel_root_pem, intel_root_sha256}, trust_dir);
}

std::filesystem::path simulated_root_file(const std::filesystem::path &state_dir) {
    return state_dir / "tdx" / "root_ca.pem";
}

std::optional<support::Certificate> read_simulated_root(const std::filesystem::path &state_dir) {
    return support::read_simulated_root_file(simulated_root_file(state_dir));
}

} // namespace ccattest::tdx
