#include "ccattest/support/pinned_root.hpp"

#include "ccattest/support/files.hpp"

namespace ccattest::support {
using sdk::failure;

Certificate load_pinned_root(const PinnedRoot &root,
                             const std::optional<std::filesystem::path> &trust_dir) {
    const std::string where = trust_dir ? (*trust_dir / root.file_name).string()
                                        : "built-in " + std::string(root.file_name);
    try {
        Certificate loaded =
            trust_dir
                ? Certificate::load(*trust_dir / root.file_name)
                : Certificate::parse({reinterpret_cast<const uint8_t *>(root.embedded_pem.data()),
                                      root.embedded_pem.size()},
                                     where);
        const std::string actual = to_hex(loaded.sha256());
        if (actual != root.sha256_hex) {
            throw failure(CCATTEST_E_CONFIG, where + " has SHA-256 " + actual +
                                                 ", not the pinned " +
                                                 std::string(root.sha256_hex));
        }
        return loaded;
    } catch (const failure &e) {
        throw failure(CCATTEST_E_CONFIG, std::string("trust root: ") + e.what());
    }
}

std::optional<Certificate> read_simulated_root_file(const std::filesystem::path &file) {
    constexpr size_t max_root_file = size_t{64} << 10U;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        return std::nullopt; // the simulator has not made its root (yet)
    }
    return Certificate::parse(read_file(file, max_root_file), "simulated root " + file.string());
}

} // namespace ccattest::support
