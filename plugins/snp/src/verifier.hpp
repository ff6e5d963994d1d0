// Verifies SNP evidence in-process: product line, signing certificate (token, configured files or
// the offline collateral folder), chain to pinned roots at the verification time, CRL, the
// certificate's hardware id and TCB against the report, the report's ECDSA P-384 signature, and the
// report data.
#pragma once

#include "evidence.hpp"
#include "report.hpp"
#include "trust.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ccattest::snp {

struct VerifierConfig {
    std::optional<std::filesystem::path> trust_dir;       ///< default: the built-in AMD roots
    std::optional<std::filesystem::path> collateral_dir;  ///< offline certificates and CRLs
    std::vector<std::filesystem::path> certificate_files; ///< extra VCEK/VLEK/CRL files
    std::optional<Product> product; ///< for version-2 reports, which do not state it
    bool allow_simulated = false;   ///< trust the simulator's roots (from simulator_state_dir)
    std::optional<std::filesystem::path> simulator_state_dir;
};

class Verifier {
public:
    explicit Verifier(VerifierConfig config); ///< throws sdk::failure(CCATTEST_E_CONFIG)

    /// Claims of authentic evidence; throws sdk::failure with the status and reason otherwise.
    /// `expected_report_data` is 64 bytes or empty (then not checked).
    boost::json::object verify(std::span<const uint8_t> token,
                               std::span<const uint8_t> expected_report_data,
                               int64_t verification_time) const;

    /// Every field of the token, decoded but not checked.
    boost::json::object inspect(std::span<const uint8_t> token) const;

    /// A VCEK or VLEK with the extensions the checks need, decoded once.
    struct Leaf {
        support::Certificate certificate;
        SigningKey kind = SigningKey::vcek;
        std::optional<Product> product;            ///< from the product-name extension
        std::optional<support::Bytes> hardware_id; ///< the hwID extension as stored
        std::array<std::optional<int64_t>, 5> spl; ///< bootloader, tee, snp, microcode, fmc
    };

private:
    struct ChainResult;
    using LeafPtr = std::shared_ptr<const Leaf>;

    /// The product a report states (CPUID, v3+), else the configured one.
    std::optional<Product> stated_product(const Report &report) const;
    /// A token's signing certificate (exactly one, DER: `from_file` false) or a collateral file's
    /// (DER or a PEM bundle holding exactly one VCEK/VLEK and otherwise only trusted roots).
    LeafPtr leaf_of(std::span<const uint8_t> data, const std::string &what, bool from_file) const;
    /// Whether a certificate is one of the ARK/ASK/ASVK this verifier trusts (any product line).
    bool is_trusted_root(const support::Certificate &certificate) const;
    Product decide_product(const Report &report, const LeafPtr &leaf) const;
    LeafPtr find_leaf(const Report &report, const Evidence &evidence,
                      std::optional<Product> product) const;
    ChainResult verify_chain_cached(const Leaf &leaf, Product product, int64_t when) const;
    void check_crl(const Evidence &evidence, const ProductRoots &roots, SigningKey kind,
                   const support::Certificate &leaf, int64_t when) const;

    VerifierConfig config_;
    TrustStore trust_;
    std::vector<LeafPtr> extra_leaves_;
    struct NamedCrl {
        support::Crl crl;
        std::string what;
    };
    std::vector<NamedCrl> extra_crls_;

    // Verified chains by (leaf fingerprint, key kind, product): the window in which the chain is
    // valid and the roots it reached, so a warm verification skips the RSA work.
    struct CachedChain {
        int64_t valid_from;
        int64_t valid_until;
        const ProductRoots *roots;
    };
    mutable std::shared_mutex cache_mutex_;
    mutable std::map<std::string, CachedChain> chain_cache_;
    // Decoded signing certificates by (from a file, SHA-256 of the bytes), so a warm verification
    // does not parse the certificate again; the flag keeps a PEM file's leaf from being found for
    // the same bytes in a token, which must be DER. Bounded: cleared when full.
    mutable std::map<std::pair<bool, std::array<uint8_t, 32>>, LeafPtr> leaf_cache_;
};

} // namespace ccattest::snp
