// The roots an SNP verifier trusts: AMD's ARK/ASK/ASVK per product line, pinned by SHA-256, and,
// only when the config allows simulated hardware, the simulator's own roots.
#pragma once

#include "report.hpp"

#include <ccattest/support/crypto.hpp>

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace ccattest::snp {

/// One product line's chain roots.
struct ProductRoots {
    Product product;
    support::Certificate ark;  ///< self-signed root
    support::Certificate ask;  ///< signs VCEKs
    support::Certificate asvk; ///< signs VLEKs
    bool simulated = false;
};

class TrustStore {
public:
    /// AMD's roots: the copies compiled into the plugin, or the files of `trust_dir`
    /// (<product>_{ark,ask,asvk}.pem). Either way each must match its compiled-in SHA-256 pin;
    /// throws sdk::failure(CCATTEST_E_CONFIG) naming the file otherwise.
    static TrustStore amd(const std::optional<std::filesystem::path> &trust_dir);
    /// AMD's roots for a product line. The built-in ones are parsed (and checked against their
    /// pins, CCATTEST_E_CONFIG otherwise) per product line on first use, once per process; a
    /// trust_dir's files are read and checked by amd().
    [[nodiscard]] std::vector<const ProductRoots *> for_product(Product product) const;

private:
    bool built_in_ = false;           ///< the compiled-in roots (parsed lazily, process-wide)
    std::vector<ProductRoots> roots_; ///< a trust_dir's roots
};

/// The subfolder of a simulator state folder holding the SNP simulator's keys and certificates.
inline constexpr std::string_view simulator_subfolder = "snp";

/// Where the simulator keeps a root certificate (simulator.cpp stores it there):
/// <state_dir>/snp/<product>_<role>.pem, role being ark, ask or asvk.
std::filesystem::path simulated_root_file(const std::filesystem::path &state_dir, Product product,
                                          std::string_view role);

/// The simulator's roots for a product line, read as plain certificate files (the verifier never
/// runs simulator code), marked simulated; nullopt while the simulator has not made all three.
/// Throws sdk::failure naming the file when one is there but unreadable or not a certificate.
std::optional<ProductRoots> read_simulated_roots(const std::filesystem::path &state_dir,
                                                 Product product);

} // namespace ccattest::snp
