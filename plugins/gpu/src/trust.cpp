#include "trust.hpp"

#include "embedded_nvidia_roots.hpp"

namespace ccattest::gpu {

support::Certificate device_root(const std::optional<std::filesystem::path> &trust_dir) {
    return support::load_pinned_root(
        {device_root_file_name, embedded_device_root_pem, device_root_sha256}, trust_dir);
}

support::Certificate rim_root(const std::optional<std::filesystem::path> &trust_dir) {
    return support::load_pinned_root({rim_root_file_name, embedded_rim_root_pem, rim_root_sha256},
                                     trust_dir);
}

std::filesystem::path simulated_device_root_file(const std::filesystem::path &state_dir) {
    return state_dir / "gpu" / "device_root_ca.pem";
}

std::filesystem::path simulated_rim_root_file(const std::filesystem::path &state_dir) {
    return state_dir / "gpu" / "rim_root_ca.pem";
}

} // namespace ccattest::gpu
