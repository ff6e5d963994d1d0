#include "trust.hpp"

#include "embedded_intel_root.hpp"

#include <ccattest/support/files.hpp>

namespace ccattest::tdx {
using sdk::failure;
using support::Certificate;

Certificate intel_root(const std::optional<std::filesystem::path> &trust_dir) {
    const std::string where = trust_dir ? (*trust_dir / intel_root_file_name).string()
                                        : "built-in " + std::string(intel_root_file_name);
    try {
        Certificate root =
            trust_dir ? Certificate::load(*trust_dir / intel_root_file_name)
                      : Certificate::parse(
                            {reinterpret_cast<const uint8_t *>(embedded_intel_root_pem.data()),
                             embedded_intel_root_pem.size()},
                            where);
        const std::string actual = support::to_hex(root.sha256());
        if (actual != intel_root_sha256) {
            throw failure(CCATTEST_E_CONFIG, where + " has SHA-256 " + actual +
                                                 ", not the pinned " +
                                                 std::string(intel_root_sha256));
        }
        return root;
    } catch (const failure &e) {
        throw failure(CCATTEST_E_CONFIG, std::string("trust root: ") + e.what());
    }
}

std::filesystem::path simulated_root_file(const std::filesystem::path &state_dir) {
    return state_dir / "tdx" / "root_ca.pem";
}

std::optional<Certificate> read_simulated_root(const std::filesystem::path &state_dir) {
    constexpr size_t max_root_file = size_t{64} << 10U;
    const std::filesystem::path file = simulated_root_file(state_dir);
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        return std::nullopt; // the simulator has not made its root (yet)
    }
    return Certificate::parse(support::read_file(file, max_root_file),
                              "simulated root " + file.string());
}

} // namespace ccattest::tdx
