// Verifies TDX evidence in-process: the quote's structure, its PCK chain to Intel's pinned root
// (with the PCK and root CA CRLs when found), the QE report's signature by the PCK and its binding
// of the attestation key, the quote's signature by that key, the report data; then, with the
// collateral found (token, configured files, Intel PCS through the host), the TCB info and QE
// identity (signed by the TCB-signing certificate chained to the same root, current at the
// verification time, for this FMSPC and PCE-ID) and the graded TCB status. Intel Trust Authority
// tokens go to ita.cpp.
#pragma once

#include "collateral_finder.hpp"
#include "evidence.hpp"
#include "ita.hpp"
#include "pck.hpp"
#include "quote.hpp"

#include <ccattest/support/collateral.hpp>
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/decode_cache.hpp>

#include <boost/json/object.hpp>

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

namespace ccattest::tdx {

struct VerifierConfig {
    std::optional<std::filesystem::path> trust_dir; ///< default: the built-in Intel root
    /// Collateral files and folders (every regular file in a folder), each file recognised by its
    /// content: TCB info, QE identity, certificates (issuer chains), CRLs (DER or PEM).
    std::vector<std::filesystem::path> collateral;
    std::string pcs_url = default_pcs_url; ///< Intel PCS or a PCCS, asked when online
    std::string root_crl_url = default_root_crl_url;
    /// Refuse evidence unless TCB info, QE identity and both CRLs were found: the TCB status and
    /// revocation must be known, not only checked when collateral happens to be found.
    bool require_collateral = false;
    bool allow_simulated = false; ///< trust the simulator's root (a file in simulator_state_dir)
    std::optional<std::filesystem::path> simulator_state_dir;
    ItaConfig ita;
};

class Verifier {
public:
    /// Throws sdk::failure(CCATTEST_E_CONFIG) naming the problem (a root that fails its pin, a
    /// collateral file that is none of the recognised kinds). `host` offers logging and, on an
    /// ABI 1.1 host, the fetch service.
    explicit Verifier(VerifierConfig config, support::Host host = {});

    /// Claims of authentic evidence; throws sdk::failure with the status and reason otherwise.
    /// `expected_report_data` is 64 bytes or empty (then not checked).
    boost::json::object verify(std::span<const uint8_t> token,
                               std::span<const uint8_t> expected_report_data,
                               int64_t verification_time) const;

    /// Every field of the token, decoded but not checked.
    boost::json::object inspect(std::span<const uint8_t> token) const;

    /// The PCK chain a quote carries, decoded once per distinct chain.
    struct PckChain {
        std::vector<support::Certificate> certificates; ///< leaf first
        PckExtensions extensions;
    };

private:
    using PckChainPtr = std::shared_ptr<const PckChain>;
    struct ChainOutcome {
        support::VerifiedChain chain;
        bool simulated = false;
        bool revocation_checked = false;
        std::vector<support::Crl> crls; ///< the CRLs applied (reused for the TCB-signing chain)
    };

    PckChainPtr pck_chain_of(const Quote &quote) const;
    std::vector<support::Certificate> anchors() const;
    ChainOutcome verify_pck_chain(const PckChain &pck, const Evidence &evidence,
                                  int64_t when) const;
    /// The CRL of `issuer` (a PCK CA, or the root) when one is found; a failed lookup, or a miss
    /// under require_collateral, throws.
    std::optional<support::Crl> chain_crl(const Evidence &evidence,
                                          const support::Certificate &issuer, bool of_root,
                                          bool may_fetch) const;
    void verify_qe_report(const Quote &quote, const PckChain &pck) const;
    void verify_quote_signature(const Quote &quote) const;
    std::shared_ptr<EVP_PKEY> attestation_key(const Quote &quote) const;
    /// The TCB claims (tcb_status, qe_tcb_status, advisory_ids, tcb_date, collateral) from the
    /// collateral found, each document checked by check_document.
    boost::json::object appraise_collateral(const Quote &quote, const PckChain &pck,
                                            const Evidence &evidence, int64_t when,
                                            const ChainOutcome &outcome) const;
    /// A document's window at `when`, its signature by a TCB-signing certificate (from the
    /// service's issuer chain, the token or the configured files) and that certificate's chain to
    /// the root the PCK chain reached.
    void check_document(const SignedDocument &document, const std::string &what,
                        const std::vector<support::Certificate> &issuer_chain,
                        const Evidence &evidence, int64_t when, const ChainOutcome &outcome) const;
    boost::json::object verify_ita(const Evidence &evidence,
                                   std::span<const uint8_t> expected_report_data,
                                   int64_t when) const;

    VerifierConfig config_;
    support::Certificate intel_root_;
    support::Host host_;
    support::CollateralSource network_;
    CollateralFinder finder_;

    mutable std::mutex simulated_mutex_;
    mutable std::optional<support::Certificate> simulated_root_;
    mutable support::ChainCache chain_cache_;
    // Decoded PCK chains and attestation keys, so a warm verification neither parses PEM nor
    // imports a key again. Bounded: cleared when full.
    support::DecodeCache<PckChain> pck_chains_;
    mutable std::shared_mutex cache_mutex_;
    mutable std::map<std::array<uint8_t, 64>, std::shared_ptr<EVP_PKEY>> key_cache_;
    // (SHA-256 of a document body and its signature, SHA-256 of the certificate whose key
    // verified it).
    mutable std::set<std::pair<std::array<uint8_t, 32>, std::array<uint8_t, 32>>>
        verified_documents_;
};

} // namespace ccattest::tdx
