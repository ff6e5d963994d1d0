// Verifies SNP evidence in-process: product line, signing certificate (token, configured files or
// the offline collateral folder), chain to pinned roots at the verification time, CRL, the
// certificate's hardware id and TCB against the report, the report's ECDSA P-384 signature, and the
// report data.
#pragma once

#include "evidence.hpp"
#include "report.hpp"
#include "trust.hpp"

#include <ccattest/support/collateral.hpp>

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
    bool allow_simulated = false;   ///< trust the simulator's roots (files in simulator_state_dir)
    std::optional<std::filesystem::path> simulator_state_dir;
    /// AMD's key distribution service, asked (through the host, when the site is online) for a
    /// VCEK or CRL found nowhere else.
    std::string kds_url = "https://kdsintf.amd.com";
    /// Refuse evidence whose chain has no CRL (from the token, certificate_files, collateral_dir
    /// or AMD's KDS): revocation must be known, not only checked when a CRL happens to be found.
    bool require_crl = false;
};

class Verifier {
public:
    /// Throws sdk::failure(CCATTEST_E_CONFIG). `host` offers logging and, on an ABI 1.1 host, the
    /// fetch service (no host: offline collateral only, nothing logged).
    explicit Verifier(VerifierConfig config, support::Host host = {});

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
    /// The roots a chain of this product line may end in: AMD's, then (allow_simulated) the
    /// simulator's, read from its state folder.
    std::vector<const ProductRoots *> roots_for(Product product) const;
    /// Whether a certificate is one of the ARK/ASK/ASVK this verifier trusts (any product line).
    bool is_trusted_root(const support::Certificate &certificate) const;
    Product decide_product(const Report &report, const LeafPtr &leaf) const;
    /// The collateral a report's signing certificate is looked up as (directory files, KDS URL).
    support::CollateralQuery signing_query(const Report &report, Product product) const;
    /// The signing certificate from the token, certificate_files or collateral; nullptr when none,
    /// with why the collateral lookup missed in `miss` (when given).
    LeafPtr find_leaf(const Report &report, const Evidence &evidence,
                      std::optional<Product> product, support::CollateralLookup *miss) const;
    struct CrlSource {
        support::Crl crl;
        std::string what;
        bool carried;             ///< part of the token
        std::string fetched_from; ///< the URL, for a CRL the host fetched
    };
    /// The CRL of the collateral directory, or of AMD's KDS when no CRL in `known` names the ARK.
    std::optional<CrlSource> collateral_crl(const ProductRoots &roots, SigningKey kind,
                                            const std::vector<CrlSource> &known) const;
    ChainResult verify_chain_cached(const Leaf &leaf, Product product, int64_t when) const;
    /// Applies every CRL of this chain's ARK; returns what the applied CRLs were ("" when none
    /// was found, which require_crl refuses).
    std::string check_crl(const Evidence &evidence, const ProductRoots &roots, SigningKey kind,
                          const support::Certificate &leaf, int64_t when) const;

    VerifierConfig config_;
    TrustStore trust_;
    support::Host host_;
    support::CollateralSource collateral_;
    std::vector<LeafPtr> extra_leaves_;
    struct NamedCrl {
        support::Crl crl;
        std::string what;
    };
    std::vector<NamedCrl> extra_crls_;

    // The simulator's roots by product line, once read (allow_simulated); never removed, so
    // ChainResult's pointers stay valid.
    mutable std::mutex simulated_mutex_;
    mutable std::map<Product, std::unique_ptr<const ProductRoots>> simulated_roots_;
    mutable std::shared_mutex cache_mutex_;
    mutable support::ChainCache chain_cache_; ///< verified chains with their validity windows
    // Decoded signing certificates by (from a file, SHA-256 of the bytes), so a warm verification
    // does not parse the certificate again; the flag keeps a PEM file's leaf from being found for
    // the same bytes in a token, which must be DER. Bounded: cleared when full.
    mutable std::map<std::pair<bool, std::array<uint8_t, 32>>, LeafPtr> leaf_cache_;
};

} // namespace ccattest::snp
