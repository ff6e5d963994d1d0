#include "verifier.hpp"

#include "claims.hpp"
#include "tcb.hpp"
#include "trust.hpp"

#include <ccattest/support/signatures.hpp>

#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

namespace ccattest::tdx {
using sdk::failure;
using support::Bytes;
using support::Certificate;
using support::to_hex;
namespace json = boost::json;

namespace {

constexpr size_t max_collateral_file = size_t{1} << 20U;
constexpr size_t max_cached_items = 1024;

template <size_t N> std::string hex(const std::array<uint8_t, N> &bytes) {
    return to_hex(bytes);
}

// The TD report's measurements and attributes under this plugin's claim names (README.md).
json::object body_claims(const Quote &quote) {
    const TdReportBody &body = quote.body;
    json::object claims;
    claims["quote_version"] = quote.version;
    claims["tee_type"] = "TDX";
    claims["td_report_version"] = quote.body_kind == BodyKind::td15 ? "1.5" : "1.0";
    claims["tee_tcb_svn"] = hex(body.tee_tcb_svn);
    // The same bytes as numbers by index, for policies' min_tcb (byte 0: the TDX module's SVN,
    // byte 1: its major version).
    json::object components;
    for (size_t i = 0; i < body.tee_tcb_svn.size(); ++i) {
        components[std::to_string(i)] = body.tee_tcb_svn.at(i);
    }
    claims["tee_tcb_components"] = std::move(components);
    if (body.tee_tcb_svn2) {
        claims["tee_tcb_svn2"] = hex(*body.tee_tcb_svn2);
    }
    claims["mr_seam"] = hex(body.mr_seam);
    claims["mr_signer_seam"] = hex(body.mr_signer_seam);
    claims["seam_attributes"] = hex(body.seam_attributes);
    claims["td_attributes"] = td_attributes_claim(body.td_attributes);
    claims["xfam"] = hex(body.xfam);
    claims["mr_td"] = hex(body.mr_td);
    claims["mr_config_id"] = hex(body.mr_config_id);
    claims["mr_owner"] = hex(body.mr_owner);
    claims["mr_owner_config"] = hex(body.mr_owner_config);
    for (size_t i = 0; i < body.rtmr.size(); ++i) {
        claims["rtmr" + std::to_string(i)] = hex(body.rtmr.at(i));
    }
    if (body.mr_service_td) {
        claims["mr_service_td"] = hex(*body.mr_service_td);
    }
    claims["report_data"] = hex(body.report_data);
    claims["qe"] = {{"isvsvn", quote.qe_report.isvsvn},
                    {"mrsigner", hex(quote.qe_report.mrsigner)},
                    {"isvprodid", quote.qe_report.isvprodid}};
    claims["trailing_bytes"] = quote.trailing_bytes;
    claims["evidence_digest"] = hex(support::sha256(quote.signed_part));
    return claims;
}

json::object pck_claims(const PckExtensions &extensions) {
    json::object pck{{"cpusvn", hex(extensions.cpusvn)},
                     {"pcesvn", extensions.pcesvn},
                     {"tcb_components", hex(extensions.tcb_components)}};
    if (extensions.platform_instance_id) {
        pck["platform_instance_id"] = hex(*extensions.platform_instance_id);
    }
    return pck;
}

// The PEM a quote carries, without the NUL bytes some quoting libraries end it with.
std::span<const uint8_t> pem_text(std::span<const uint8_t> carried) {
    size_t size = carried.size();
    while (size > 0 && carried[size - 1] == 0) {
        --size;
    }
    return {carried.data(), size};
}

void require_same(std::span<const uint8_t> a, std::span<const uint8_t> b, const std::string &what,
                  const std::string &message) {
    if (a.size() != b.size() || CRYPTO_memcmp(a.data(), b.data(), a.size()) != 0) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, what + ": " + message);
    }
}

} // namespace

Verifier::Verifier(VerifierConfig config, support::Host host)
    : config_(std::move(config)), intel_root_(intel_root(config_.trust_dir)), host_(host),
      network_(host, {}, max_collateral_file),
      finder_(config_.collateral, network_, config_.pcs_url, config_.root_crl_url) {
    if (config_.allow_simulated && !config_.simulator_state_dir) {
        throw failure(
            CCATTEST_E_CONFIG,
            "allow_simulated needs simulator.state_dir: the simulator's root lives there");
    }
}

std::vector<Certificate> Verifier::anchors() const {
    std::vector<Certificate> out{intel_root_};
    if (!config_.allow_simulated) {
        return out;
    }
    // The simulator's root is a file in its state folder, read once it is there (the simulator
    // may make it after this verifier was created, at its first generate in this process).
    const std::lock_guard lock(simulated_mutex_);
    if (!simulated_root_) {
        simulated_root_ = read_simulated_root(*config_.simulator_state_dir);
    }
    if (simulated_root_) {
        out.push_back(*simulated_root_);
    }
    return out;
}

Verifier::PckChainPtr Verifier::pck_chain_of(const Quote &quote) const {
    return pck_chains_.get(quote.pck_chain_pem, [](std::span<const uint8_t> carried_bytes) {
        PckChain chain;
        const std::span<const uint8_t> carried = pem_text(carried_bytes);
        chain.certificates = Certificate::parse_bundle(carried, "quote PCK certificate chain");
        if (chain.certificates.size() < 2) {
            throw failure(CCATTEST_E_MALFORMED,
                          "quote PCK certificate chain holds " +
                              std::to_string(chain.certificates.size()) +
                              " certificate; expected the PCK and its CA (and the root)");
        }
        // PEM readers forgive (other line breaks, unused bits of the last base64 digit), and
        // nothing signs these bytes: only the one canonical spelling is accepted, so one quote
        // has one form.
        std::string canonical;
        for (const auto &certificate : chain.certificates) {
            canonical += support::certificate_pem(certificate);
        }
        if (!std::equal(carried.begin(), carried.end(), canonical.begin(), canonical.end())) {
            throw failure(CCATTEST_E_MALFORMED,
                          "quote PCK certificate chain is not in canonical PEM (64-character "
                          "base64 lines, \"\\n\" line ends, nothing between the blocks)");
        }
        chain.extensions = parse_pck_extensions(chain.certificates.front());
        return chain;
    });
}

std::optional<support::Crl> Verifier::chain_crl(const Evidence &evidence, const Certificate &issuer,
                                                bool of_root, bool may_fetch) const {
    const Lookup<support::Crl> lookup = finder_.crl(evidence, issuer, of_root, may_fetch);
    const std::string name = of_root ? "root CA CRL" : "PCK CRL";
    refuse_failed_lookup(lookup, name, name + " of " + issuer.subject_cn(),
                         config_.require_collateral);
    if (!lookup.found) {
        return std::nullopt;
    }
    const Found<support::Crl> &found = *lookup.found;
    if (found.origin == CollateralOrigin::token && !found.item->names_issuer(issuer)) {
        // A token member nothing checks could carry anything.
        throw failure(CCATTEST_E_VERIFICATION_FAILED, found.what + " is issued by \"" +
                                                          found.item->issuer_cn() + "\", not by " +
                                                          issuer.subject_cn());
    }
    if (!found.url.empty()) {
        if (const auto next_update = found.item->next_update()) {
            finder_.keep_until(found.url, *next_update); // the CRL says how long it holds
        }
    }
    return *found.item;
}

Verifier::ChainOutcome Verifier::verify_pck_chain(const PckChain &pck, const Evidence &evidence,
                                                  int64_t when) const {
    const std::vector<Certificate> trusted = anchors();
    const Certificate &carried_root = pck.certificates.back();
    const bool trusted_root =
        std::any_of(trusted.begin(), trusted.end(),
                    [&](const Certificate &a) { return a.sha256() == carried_root.sha256(); });
    if (!trusted_root && carried_root.subject_cn() == carried_root.issuer_cn()) {
        // Said first: nothing else about such a chain (its CRLs, its signatures) matters.
        throw failure(
            CCATTEST_E_VERIFICATION_FAILED,
            "PCK certificate chain: it ends in " + support::describe_certificate(carried_root) +
                ", which is not a trusted root (Intel's pinned root, or the simulator's with "
                "allow_simulated)");
    }
    const bool simulated_root = trusted.size() > 1 && carried_root.sha256() == trusted[1].sha256();
    const Certificate &root = simulated_root ? trusted[1] : intel_root_;
    const Certificate &pck_ca = pck.certificates[1];

    support::ChainOptions options;
    bool revocation_checked = true;
    for (const bool of_root : {false, true}) {
        auto crl = chain_crl(evidence, of_root ? root : pck_ca, of_root, !simulated_root);
        if (crl) {
            options.crls.push_back(std::move(*crl));
        } else {
            revocation_checked = false;
        }
    }
    const std::vector<Certificate> intermediates(pck.certificates.begin() + 1,
                                                 pck.certificates.end());
    support::VerifiedChain chain;
    try {
        chain =
            chain_cache_.verify(pck.certificates.front(), intermediates, trusted, when, options);
    } catch (const failure &e) {
        throw failure(e.status() == CCATTEST_E_EXPIRED ? CCATTEST_E_EXPIRED
                                                       : CCATTEST_E_VERIFICATION_FAILED,
                      std::string("PCK certificate chain: ") + e.what());
    }
    // Every certificate the quote carries must be on the verified path: evidence is authentic as
    // a whole, not only in the parts this verifier happens to use.
    for (const auto &carried : pck.certificates) {
        if (std::none_of(chain.path.begin(), chain.path.end(), [&](const Certificate &used) {
                return used.sha256() == carried.sha256();
            })) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "quote PCK certificate chain carries " +
                              support::describe_certificate(carried) +
                              ", which is not on the path to the pinned root");
        }
    }
    const bool simulated = chain.anchor().sha256() != intel_root_.sha256();
    return {std::move(chain), simulated, revocation_checked, std::move(options.crls)};
}

void Verifier::verify_qe_report(const Quote &quote, const PckChain &pck) const {
    if (!support::ecdsa_verify_raw(pck.certificates.front().public_key(),
                                   support::EcdsaAlgorithm::p256_sha256, quote.qe_report.raw,
                                   quote.qe_report_signature)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "QE report signature does not verify with the PCK certificate");
    }
    // The QE vouches for the attestation key by putting SHA-256(key || QE auth data) in its report.
    Bytes bound(quote.attestation_key.begin(), quote.attestation_key.end());
    bound.insert(bound.end(), quote.qe_auth_data.begin(), quote.qe_auth_data.end());
    const auto digest = support::sha256(bound);
    const std::span<const uint8_t> report_data(quote.qe_report.report_data);
    require_same(report_data.first(32), digest, "QE report data",
                 "does not bind the attestation key and QE auth data");
    if (!support::is_all_zero(report_data.subspan(32))) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, "QE report data: bytes 32..63 are not zero");
    }
}

std::shared_ptr<EVP_PKEY> Verifier::attestation_key(const Quote &quote) const {
    {
        const std::shared_lock lock(cache_mutex_);
        if (const auto found = key_cache_.find(quote.attestation_key); found != key_cache_.end()) {
            return found->second;
        }
    }
    std::shared_ptr<EVP_PKEY> key;
    try {
        key = support::ec_public_key(support::EcdsaAlgorithm::p256_sha256, quote.attestation_key,
                                     "quote attestation key");
    } catch (const failure &e) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, e.what());
    }
    const std::unique_lock lock(cache_mutex_);
    if (key_cache_.size() >= max_cached_items) {
        key_cache_.clear();
    }
    key_cache_.emplace(quote.attestation_key, key);
    return key;
}

void Verifier::verify_quote_signature(const Quote &quote) const {
    if (!support::ecdsa_verify_raw(attestation_key(quote).get(),
                                   support::EcdsaAlgorithm::p256_sha256, quote.signed_part,
                                   quote.signature)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "quote signature does not verify with the attestation key");
    }
}

json::object Verifier::verify(std::span<const uint8_t> token,
                              std::span<const uint8_t> expected_report_data,
                              int64_t verification_time) const {
    const Evidence evidence = decode_token(token);
    if (evidence.form == TokenForm::ita_jwt) {
        return verify_ita(evidence, expected_report_data, verification_time);
    }
    const Quote quote = parse_quote(evidence.quote);
    const PckChainPtr pck = pck_chain_of(quote);
    const ChainOutcome outcome = verify_pck_chain(*pck, evidence, verification_time);
    verify_qe_report(quote, *pck);
    verify_quote_signature(quote);
    if (!expected_report_data.empty()) {
        if (expected_report_data.size() != quote.body.report_data.size() ||
            CRYPTO_memcmp(expected_report_data.data(), quote.body.report_data.data(),
                          quote.body.report_data.size()) != 0) {
            throw failure(CCATTEST_E_BINDING_MISMATCH,
                          "REPORTDATA differs from the expected report data");
        }
    }
    json::object claims = body_claims(quote);
    claims["fmspc"] = hex(pck->extensions.fmspc);
    claims["pce_id"] = hex(pck->extensions.pce_id);
    claims["pck"] = pck_claims(pck->extensions);
    for (auto &[name, value] :
         appraise_collateral(quote, *pck, evidence, verification_time, outcome)) {
        claims[name] = value;
    }
    claims["simulated"] = outcome.simulated;
    claims["token_form"] = token_form_name(evidence.form);
    claims["chain"] = {{"root", outcome.chain.anchor().subject_cn()},
                       {"pck_certificate_sha256", to_hex(pck->certificates.front().sha256())},
                       {"valid_until", support::rfc3339(outcome.chain.valid_until - 1)},
                       {"revocation_checked", outcome.revocation_checked}};
    return claims;
}

json::object Verifier::verify_ita(const Evidence &evidence,
                                  std::span<const uint8_t> expected_report_data,
                                  int64_t when) const {
    json::object claims =
        verify_ita_token(evidence.jwt, config_.ita, network_, expected_report_data, when);
    claims["token_form"] = token_form_name(evidence.form);
    return claims;
}

json::object Verifier::inspect(std::span<const uint8_t> token) const {
    const Evidence evidence = decode_token(token);
    json::object out;
    out["token_form"] = token_form_name(evidence.form);
    if (evidence.form == TokenForm::ita_jwt) {
        out["jwt_bytes"] = evidence.jwt.size();
        out["verified"] = false;
        return out;
    }
    const Quote quote = parse_quote(evidence.quote);
    out = body_claims(quote);
    out["token_form"] = token_form_name(evidence.form);
    out["signature"] = to_hex(quote.signature);
    out["attestation_key"] = to_hex(quote.attestation_key);
    try {
        const PckChainPtr pck = pck_chain_of(quote);
        json::array chain;
        for (const auto &certificate : pck->certificates) {
            chain.push_back({{"subject", certificate.subject_cn()},
                             {"issuer", certificate.issuer_cn()},
                             {"not_before", support::rfc3339(certificate.not_before())},
                             {"not_after", support::rfc3339(certificate.not_after())},
                             {"sha256", to_hex(certificate.sha256())}});
        }
        out["pck_chain"] = std::move(chain);
        out["fmspc"] = hex(pck->extensions.fmspc);
        out["pce_id"] = hex(pck->extensions.pce_id);
        out["pck"] = pck_claims(pck->extensions);
    } catch (const failure &e) {
        out["pck_chain_error"] = e.what(); // inspect describes what it can
    }
    json::object carried;
    const CarriedCollateral &c = evidence.collateral;
    for (const auto &[name, bytes] :
         {std::pair{"tcb_info", &c.tcb_info}, std::pair{"qe_identity", &c.qe_identity},
          std::pair{"tcb_signing_certificate", &c.tcb_signing_certificate},
          std::pair{"pck_crl", &c.pck_crl}, std::pair{"root_ca_crl", &c.root_ca_crl}}) {
        if (*bytes) {
            carried[name] = (*bytes)->size();
        }
    }
    out["collateral_bytes"] = std::move(carried);
    out["verified"] = false;
    return out;
}

} // namespace ccattest::tdx
