// The collateral half of TDX verification (verifier.hpp): TCB info and QE identity checked and the
// TCB status graded.
#include "verifier.hpp"

#include "tcb.hpp"

#include <boost/json.hpp>

namespace ccattest::tdx {
using sdk::failure;
using support::Certificate;
using support::to_hex;
namespace json = boost::json;

namespace {

constexpr size_t max_verified_documents = 1024;

PlatformTcb platform_tcb(const Quote &quote, const PckExtensions &extensions) {
    PlatformTcb platform;
    platform.pck_components = extensions.tcb_components;
    platform.pcesvn = extensions.pcesvn;
    platform.tee_tcb_svn = quote.body.tee_tcb_svn;
    platform.tee_tcb_svn2 = quote.body.tee_tcb_svn2;
    platform.mr_signer_seam = quote.body.mr_signer_seam;
    platform.seam_attributes = quote.body.seam_attributes;
    return platform;
}

// The TCB info must be Intel's TDX document for this very platform.
void check_tcb_info_subject(const TcbInfo &info, const PckExtensions &pck,
                            const std::string &what) {
    if (info.id != "TDX" || info.version < 3) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      what + " is \"" + info.id + "\" version " + std::to_string(info.version) +
                          ", not a TDX TCB info (id \"TDX\", version 3 or later)");
    }
    if (info.fmspc != pck.fmspc) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, what + " is for FMSPC " + to_hex(info.fmspc) +
                                                          ", the PCK's is " + to_hex(pck.fmspc));
    }
    if (info.pce_id != pck.pce_id) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, what + " is for PCE-ID " +
                                                          to_hex(info.pce_id) + ", the PCK's is " +
                                                          to_hex(pck.pce_id));
    }
}

json::array string_array(const std::vector<std::string> &values) {
    json::array out;
    for (const auto &value : values) {
        out.emplace_back(value);
    }
    return out;
}

} // namespace

void Verifier::check_document(const SignedDocument &document, const std::string &what,
                              const std::vector<Certificate> &issuer_chain,
                              const Evidence &evidence, int64_t when,
                              const ChainOutcome &outcome) const {
    check_document_window(document, when, what);
    std::vector<Certificate> candidates = issuer_chain;
    for (auto &certificate : finder_.certificates(evidence)) {
        candidates.push_back(std::move(certificate));
    }
    // The key covers the signature too: a verdict is about this signature over these bytes.
    support::Bytes signed_document = document.signed_body;
    signed_document.insert(signed_document.end(), document.signature.begin(),
                           document.signature.end());
    const auto body = support::sha256(signed_document);
    const Certificate *signer = nullptr;
    for (const auto &candidate : candidates) {
        {
            const std::shared_lock lock(cache_mutex_);
            if (verified_documents_.contains({body, candidate.sha256()})) {
                signer = &candidate;
                break;
            }
        }
        try {
            verify_document_signature(document, candidate, what);
        } catch (const failure &e) {
            continue; // another candidate's key, or not an ECDSA P-256 key at all
        }
        const std::unique_lock lock(cache_mutex_);
        if (verified_documents_.size() >= max_verified_documents) {
            verified_documents_.clear();
        }
        verified_documents_.insert({body, candidate.sha256()});
        signer = &candidate;
        break;
    }
    if (signer == nullptr) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      what + ": its signature does not verify with any TCB-signing certificate " +
                          "found (" + std::to_string(candidates.size()) +
                          " candidates from the token, the configured files and the service)");
    }
    std::vector<Certificate> intermediates;
    for (const auto &candidate : candidates) {
        if (candidate.sha256() != signer->sha256()) {
            intermediates.push_back(candidate);
        }
    }
    support::ChainOptions options;
    options.crls = outcome.crls;
    support::VerifiedChain chain;
    try {
        chain = chain_cache_.verify(*signer, intermediates, anchors(), when, options);
    } catch (const failure &e) {
        throw failure(e.status() == CCATTEST_E_EXPIRED ? CCATTEST_E_EXPIRED
                                                       : CCATTEST_E_VERIFICATION_FAILED,
                      what + ": TCB-signing certificate chain: " + e.what());
    }
    // Collateral graded under one root vouches for platforms of that root only.
    if (chain.anchor().sha256() != outcome.chain.anchor().sha256()) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      what + " is signed under \"" + chain.anchor().subject_cn() +
                          "\", the PCK under \"" + outcome.chain.anchor().subject_cn() + "\"");
    }
}

json::object Verifier::appraise_collateral(const Quote &quote, const PckChain &pck,
                                           const Evidence &evidence, int64_t when,
                                           const ChainOutcome &outcome) const {
    const bool may_fetch = !outcome.simulated;
    const std::string fmspc = to_hex(pck.extensions.fmspc);
    const Lookup<TcbInfo> tcb = finder_.tcb_info(evidence, pck.extensions.fmspc, may_fetch);
    const Lookup<QeIdentity> qe = finder_.qe_identity(evidence, may_fetch);
    const std::string tcb_info_name = "TCB info for FMSPC " + fmspc;
    refuse_failed_lookup(tcb, tcb_info_name, tcb_info_name, config_.require_collateral);
    refuse_failed_lookup(qe, "QE identity (TD_QE)", "QE identity (TD_QE)",
                         config_.require_collateral);

    json::object claims;
    json::object collateral{{"source", "none"}};
    std::optional<Grade> platform;
    std::optional<Grade> enclave;
    if (tcb.found) {
        const Found<TcbInfo> &found = *tcb.found;
        check_tcb_info_subject(*found.item, pck.extensions, found.what);
        check_document(*found.item, found.what, found.issuer_chain, evidence, when, outcome);
        if (!found.url.empty()) {
            finder_.keep_until(found.url, found.item->next_update);
        }
        platform = grade_platform(*found.item, platform_tcb(quote, pck.extensions));
        collateral = {{"source", collateral_origin_name(found.origin)},
                      {"tcb_evaluation_data_number", found.item->tcb_evaluation_data_number},
                      {"tcb_info_issued", found.item->issue_date_text},
                      {"tcb_info_next_update", found.item->next_update_text}};
    }
    if (qe.found) {
        const Found<QeIdentity> &found = *qe.found;
        if (found.item->id != "TD_QE") {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          found.what + " is for \"" + found.item->id + "\", not the TD QE (TD_QE)");
        }
        check_document(*found.item, found.what, found.issuer_chain, evidence, when, outcome);
        if (!found.url.empty()) {
            finder_.keep_until(found.url, found.item->next_update);
        }
        enclave = grade_qe(*found.item, quote.qe_report);
        collateral["qe_identity_source"] = collateral_origin_name(found.origin);
        collateral["qe_identity_next_update"] = found.item->next_update_text;
    }
    claims["qe_tcb_status"] = enclave ? tcb_status_name(enclave->status) : "unknown";
    if (platform) {
        claims["platform_tcb_status"] = tcb_status_name(platform->status);
        claims["tcb_date"] = platform->tcb_date;
    }
    // The status a policy reads needs both halves: a platform graded without its QE could hide
    // an out-of-date quoting enclave.
    if (platform && enclave) {
        const Grade combined = combine(*platform, *enclave);
        claims["tcb_status"] = tcb_status_name(combined.status);
        claims["advisory_ids"] = string_array(combined.advisory_ids);
    } else {
        claims["tcb_status"] = "unknown";
        claims["advisory_ids"] = json::array();
    }
    claims["collateral"] = std::move(collateral);
    return claims;
}

} // namespace ccattest::tdx
