#include "verifier.hpp"

#include "claims_summary.hpp"
#include "device_chain.hpp"
#include "inspect.hpp"
#include "ocsp_checker.hpp"
#include "rim_finder.hpp"
#include "trust.hpp"

#include <ccattest/support/decode_cache.hpp>
#include <ccattest/support/files.hpp>

#include <boost/json.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <mutex>

namespace ccattest::gpu {
using sdk::failure;
using support::Bytes;
using support::Certificate;
using support::to_hex;
namespace json = boost::json;

namespace {

constexpr size_t max_certificate_file = size_t{1} << 20U;
constexpr size_t report_data_size = 64;

std::vector<Certificate> read_certificate_files(const std::vector<std::filesystem::path> &files) {
    std::vector<Certificate> out;
    for (const auto &file : files) {
        try {
            auto certificates = Certificate::parse_bundle(
                support::read_file(file, max_certificate_file), file.filename().string());
            out.insert(out.end(), certificates.begin(), certificates.end());
        } catch (const failure &e) {
            throw failure(CCATTEST_E_CONFIG,
                          "certificate_files: " + file.string() + ": " + e.what());
        }
    }
    return out;
}

// The verifier's parts; Verifier::State is this (a type the helpers below may name).
struct Parts {
    Parts(VerifierConfig configuration, support::Host services)
        : config(std::move(configuration)), host(services),
          device_root(gpu::device_root(config.trust_dir)),
          rim_root(gpu::rim_root(config.trust_dir)),
          configured_chain(read_certificate_files(config.certificate_files)), rims(config, host),
          ocsp(config.collateral, config.ocsp_url, host), nras(config.nras, host) {
        if (config.allow_simulated && !config.simulator_state_dir) {
            throw failure(
                CCATTEST_E_CONFIG,
                "allow_simulated needs simulator.state_dir: the simulator's roots live there");
        }
    }

    VerifierConfig config;
    support::Host host;
    Certificate device_root;
    Certificate rim_root;
    std::vector<Certificate> configured_chain;
    RimFinder rims;
    OcspChecker ocsp;
    NrasVerifier nras;
    mutable support::ChainCache chain_cache;
    support::DecodeCache<DeviceChain> chains;
    mutable std::mutex simulated_mutex;
    mutable std::optional<Certificate> simulated_device_root;
    mutable std::optional<Certificate> simulated_rim_root;

    // The simulator's roots are files in its state folder, read once they are there (the
    // simulator may make them after this verifier was created).
    std::vector<Certificate> anchors(bool of_rims) const {
        std::vector<Certificate> out{of_rims ? rim_root : device_root};
        if (!config.allow_simulated) {
            return out;
        }
        const std::lock_guard lock(simulated_mutex);
        auto &simulated = of_rims ? simulated_rim_root : simulated_device_root;
        if (!simulated) {
            const auto &dir = *config.simulator_state_dir;
            simulated = support::read_simulated_root_file(
                of_rims ? simulated_rim_root_file(dir) : simulated_device_root_file(dir));
        }
        if (simulated) {
            out.push_back(*simulated);
        }
        return out;
    }
};

bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// What every device of a token shares: the RIMs and OCSP answers it carries, decoded once.
struct Carried {
    std::vector<RimFinder::Offered> rims;
    std::vector<CarriedOcsp> ocsp;
};

std::shared_ptr<const DeviceChain> chain_of(const Parts &parts, const DeviceEvidence &device) {
    std::vector<Certificate> certificates;
    Bytes key;
    if (device.certificates.empty()) {
        certificates = parts.configured_chain;
        for (const auto &certificate : certificates) {
            const Bytes der = certificate.der();
            key.insert(key.end(), der.begin(), der.end());
        }
    } else {
        for (size_t i = 0; i < device.certificates.size(); ++i) {
            key.insert(key.end(), device.certificates[i].begin(), device.certificates[i].end());
        }
    }
    // DER is self-delimiting: the concatenation names the chain.
    return parts.chains.get(key, [&](std::span<const uint8_t>) {
        if (certificates.empty()) {
            for (size_t i = 0; i < device.certificates.size(); ++i) {
                certificates.push_back(Certificate::parse(device.certificates[i],
                                                          "device certificate " + std::to_string(i),
                                                          support::Encoding::der));
            }
        }
        return decode_device_chain(certificates);
    });
}

support::VerifiedChain verify_device_chain(const Parts &parts, const DeviceChain &chain,
                                           int64_t when) {
    const std::vector<Certificate> anchors = parts.anchors(false);
    const Certificate &root = chain.certificates.back();
    if (std::none_of(anchors.begin(), anchors.end(),
                     [&](const Certificate &a) { return a.sha256() == root.sha256(); })) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "device certificate chain ends in " + support::describe_certificate(root) +
                          ", which is not NVIDIA's pinned Device Identity CA (nor the simulator's "
                          "root with allow_simulated)");
    }
    const std::vector<Certificate> intermediates(chain.certificates.begin() + 1,
                                                 chain.certificates.end());
    try {
        // A token's certificates are outside what the device signs: each must be checked.
        support::ChainOptions options;
        options.refuse_unused_certificates = true;
        return parts.chain_cache.verify(chain.certificates.front(), intermediates, anchors, when,
                                        options);
    } catch (const failure &e) {
        throw failure(e.status() == CCATTEST_E_EXPIRED ? CCATTEST_E_EXPIRED
                                                       : CCATTEST_E_VERIFICATION_FAILED,
                      std::string("device certificate chain: ") + e.what());
    }
}

Arch device_arch(const DeviceEvidence &device, const DeviceChain &chain) {
    if (device.arch && chain.arch && *device.arch != *chain.arch) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "the token says arch " + std::string(arch_name(*device.arch)) +
                          ", the device chain names " + chain.chip + " (" +
                          std::string(arch_name(*chain.arch)) + ")");
    }
    // A raw report states none: its chain names the chip.
    return chain.arch.value_or(device.arch.value_or(Arch::hopper));
}

void check_fwid(const SpdmReport &report, const DeviceChain &chain) {
    const auto &reported = report.opaque_data.fwid;
    if (!reported) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "the report's opaque data has no FWID to match the signing certificate's");
    }
    if (!same_bytes(*reported, *chain.fwid)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "FWID in the report's opaque data (" + to_hex(*reported) +
                          ") differs from the signing certificate's FWID (" + to_hex(*chain.fwid) +
                          ")");
    }
}

void check_signature(const SpdmReport &report, const DeviceChain &chain) {
    if (!support::ecdsa_verify_raw(chain.certificates.front().public_key(),
                                   support::EcdsaAlgorithm::p384_sha384, report.signed_bytes,
                                   report.signature)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "SPDM signature does not verify with the device certificate");
    }
}

void check_nonce(const SpdmReport &report, std::span<const uint8_t> expected) {
    if (!expected.empty() && !same_bytes(report.nonce, expected)) {
        throw failure(CCATTEST_E_BINDING_MISMATCH,
                      "SPDM request nonce " + to_hex(report.nonce) + " differs from the expected " +
                          to_hex(expected) + " (the first 32 bytes of the report data)");
    }
}

// What one device's checks established.
struct DeviceOutcome {
    json::object claims;
    bool verified = true;
    bool simulated = false;
    std::array<uint8_t, spdm_nonce_size> nonce{};
    std::array<uint8_t, 32> digest{};
};

struct RimOutcome {
    json::object claims;
    std::optional<RimFound> found;
};

std::optional<RimWanted> driver_wanted(const SpdmReport &report, DeviceKind kind,
                                       const std::string &chip) {
    const auto &version = report.opaque_data.driver_version;
    if (!version || chip.empty()) {
        return std::nullopt;
    }
    return RimWanted{RimKind::driver, driver_rim_id(kind == DeviceKind::nvswitch, chip, *version),
                     *version, chip};
}

std::optional<RimWanted> vbios_wanted(const SpdmReport &report, DeviceKind kind,
                                      const std::string &chip) {
    const OpaqueData &data = report.opaque_data;
    if (!data.vbios_version || !data.project || !data.project_sku || !data.chip_sku) {
        return std::nullopt;
    }
    return RimWanted{RimKind::vbios,
                     vbios_rim_id(kind == DeviceKind::nvswitch, *data.project, *data.project_sku,
                                  *data.chip_sku, *data.vbios_version),
                     *data.vbios_version, chip};
}

RimOutcome find_rim(const Parts &parts, const std::optional<RimWanted> &wanted,
                    const Carried &carried, int64_t when) {
    RimOutcome outcome;
    if (!wanted) {
        outcome.claims = {{"signature", "not_found"},
                          {"reason", "the report's opaque data does not name this RIM"}};
        return outcome;
    }
    RimLookup lookup = parts.rims.find(*wanted, carried.rims, parts.anchors(true), when);
    outcome.claims = {{"id", wanted->id}, {"version", wanted->version}};
    if (!lookup.found) {
        outcome.claims["signature"] = "not_found";
        outcome.claims["reason"] = lookup.miss_reason;
        return outcome;
    }
    outcome.claims["signature"] = "verified";
    outcome.claims["source"] = lookup.found->source;
    outcome.claims["signer"] = lookup.found->rim->chain.path.front().subject_cn();
    outcome.found = std::move(lookup.found);
    return outcome;
}

json::object mismatch_claim(const Mismatch &mismatch) {
    json::array expected;
    for (const auto &value : mismatch.expected) {
        expected.emplace_back(value);
    }
    return {{"index", mismatch.index},
            {"rim_id", mismatch.rim_id},
            {"expected", std::move(expected)},
            {"actual", mismatch.actual}};
}

// The driver and VBIOS RIMs, compared with the measurements; returns whether none mismatched.
bool appraise_measurements(const Parts &parts, const SpdmReport &report, DeviceKind kind,
                           const std::string &chip, const Carried &carried, int64_t when,
                           json::object &claims, std::vector<const VerifiedRim *> &used) {
    RimOutcome driver = find_rim(parts, driver_wanted(report, kind, chip), carried, when);
    RimOutcome vbios = find_rim(parts, vbios_wanted(report, kind, chip), carried, when);
    std::vector<const Rim *> rims;
    for (const auto *found : {&driver.found, &vbios.found}) {
        if (*found) {
            rims.push_back(&(*found)->rim->rim);
            used.push_back((*found)->rim.get());
        }
    }
    const std::vector<Mismatch> mismatches = compare_measurements(rims, report.blocks);
    json::array indices;
    json::array details;
    for (const auto &mismatch : mismatches) {
        indices.emplace_back(mismatch.index);
        details.push_back(mismatch_claim(mismatch));
    }
    const bool complete = driver.found && vbios.found;
    claims["measurements"] = !mismatches.empty() ? "failure" : complete ? "success" : "not_checked";
    claims["mismatched_indices"] = std::move(indices);
    claims["mismatches"] = std::move(details);
    claims["rim"] = {{"driver", std::move(driver.claims)}, {"vbios", std::move(vbios.claims)}};
    return mismatches.empty();
}

// OCSP for the device chain and the RIM chains; returns whether no certificate is revoked (or on
// hold, unless tolerated).
bool appraise_revocation(const Parts &parts, const support::VerifiedChain &chain,
                         const std::vector<const VerifiedRim *> &rims, const Carried &carried,
                         int64_t when, json::object &claims) {
    ChainRevocation revocation;
    if (parts.config.check_ocsp) {
        parts.ocsp.check(chain.path, carried.ocsp, when, revocation);
        for (const auto *rim : rims) {
            parts.ocsp.check(rim->chain.path, carried.ocsp, when, revocation);
        }
        summarise(revocation);
    }
    json::array certificates;
    for (const auto &certificate : revocation.certificates) {
        json::object entry{{"subject", certificate.subject}, {"status", certificate.status}};
        if (certificate.reason) {
            entry["reason"] = *certificate.reason;
        }
        certificates.push_back(std::move(entry));
    }
    claims["ocsp"] = {{"status", revocation.status}, {"certificates", std::move(certificates)}};
    return revocation.status != "revoked" &&
           (revocation.status != "certificate_hold" || parts.config.tolerate_certificate_hold);
}

template <typename T> void put(json::object &claims, const char *name, const std::optional<T> &v) {
    if (v) {
        claims[name] = *v;
    }
}

json::object report_claims(const SpdmReport &report) {
    const OpaqueData &data = report.opaque_data;
    json::object claims;
    put(claims, "driver_version", data.driver_version);
    put(claims, "vbios_version", data.vbios_version);
    put(claims, "project", data.project);
    put(claims, "project_sku", data.project_sku);
    put(claims, "sku", data.sku);
    put(claims, "chip_sku", data.chip_sku);
    if (data.fwid) {
        claims["fwid"] = to_hex(*data.fwid);
    }
    claims["nonce"] = to_hex(report.nonce);
    claims["measurements_count"] = report.blocks.size();
    claims["trailing_bytes"] = report.trailing_bytes;
    return claims;
}

DeviceOutcome check_device(const Parts &parts, const Evidence &evidence, const Carried &carried,
                           size_t index, std::span<const uint8_t> expected_nonce, int64_t when) {
    const DeviceEvidence &device = evidence.devices[index];
    const SpdmReport report = parse_spdm_report(device.report);
    const auto chain = chain_of(parts, device);
    const Arch arch = device_arch(device, *chain);
    const support::VerifiedChain verified_chain = verify_device_chain(parts, *chain, when);
    check_fwid(report, *chain);
    check_signature(report, *chain);
    check_nonce(report, expected_nonce);

    DeviceOutcome outcome;
    outcome.nonce = report.nonce;
    outcome.digest = support::sha256(report.signed_bytes);
    outcome.simulated = verified_chain.anchor().sha256() != parts.device_root.sha256();
    json::object &claims = outcome.claims;
    claims["kind"] = device_kind_name(device.kind);
    claims["arch"] = arch_name(arch);
    claims["index"] = index;
    claims["ueid"] = chain->ueid;
    claims["hwmodel"] = chain->hwmodel;
    for (auto &[name, value] : report_claims(report)) {
        claims[name] = value;
    }
    const std::string chip = chain->chip.empty() ? default_chip(arch) : chain->chip;
    std::vector<const VerifiedRim *> rims;
    const bool measured =
        appraise_measurements(parts, report, device.kind, chip, carried, when, claims, rims);
    const bool unrevoked = appraise_revocation(parts, verified_chain, rims, carried, when, claims);
    claims["cert_chain_status"] = "valid";
    claims["cert_chain_valid_until"] = support::rfc3339(verified_chain.valid_until - 1);
    claims["simulated"] = outcome.simulated;
    outcome.verified = measured && unrevoked;
    claims["verified"] = outcome.verified;
    return outcome;
}

// One digest of the signed bytes of every device, in no particular order (never the signatures:
// support/signatures.hpp says why).
std::string evidence_digest(std::vector<std::array<uint8_t, 32>> digests) {
    std::sort(digests.begin(), digests.end());
    Bytes all;
    for (const auto &digest : digests) {
        all.insert(all.end(), digest.begin(), digest.end());
    }
    return to_hex(support::sha256(all));
}

// Everything a token carries must have been checked: a RIM no device uses, or an OCSP answer that
// answers none of its certificates (a flipped byte makes an answer answer nothing), is refused
// rather than ignored.
void refuse_unused(const Parts &parts, const Carried &carried) {
    for (const auto &rim : carried.rims) {
        if (rim.source == "token" && !rim.used) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "the token carries RIM " + rim.what + ", which no device's report uses");
        }
    }
    if (!parts.config.check_ocsp) {
        return; // not looked at: the claims say ocsp not_checked
    }
    for (size_t i = 0; i < carried.ocsp.size(); ++i) {
        if (!carried.ocsp[i].used) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "the token's OCSP answer " + std::to_string(i) +
                              " answers none of its certificates (or its signature does not "
                              "verify)");
        }
    }
}

json::object verify_local(const Parts &parts, const Evidence &evidence,
                          std::span<const uint8_t> expected_nonce, int64_t when) {
    json::array devices;
    std::vector<std::array<uint8_t, 32>> digests;
    bool all_verified = true;
    bool simulated = false;
    std::array<uint8_t, spdm_nonce_size> first_nonce{};
    const Carried carried{parts.rims.offered(evidence.rims),
                          index_carried(evidence.ocsp_responses)};
    for (size_t i = 0; i < evidence.devices.size(); ++i) {
        DeviceOutcome outcome;
        try {
            outcome = check_device(parts, evidence, carried, i, expected_nonce, when);
        } catch (const failure &e) {
            throw failure(e.status(), "device " + std::to_string(i) + ": " + e.what());
        }
        if (i == 0) {
            first_nonce = outcome.nonce;
        } else if (!same_bytes(outcome.nonce, first_nonce)) {
            throw failure(CCATTEST_E_BINDING_MISMATCH,
                          "device " + std::to_string(i) + " answered nonce " +
                              to_hex(outcome.nonce) + ", device 0 nonce " + to_hex(first_nonce) +
                              ": a token's devices answer one challenge");
        }
        all_verified = all_verified && outcome.verified;
        simulated = simulated || outcome.simulated;
        digests.push_back(outcome.digest);
        devices.push_back(std::move(outcome.claims));
    }
    refuse_unused(parts, carried);
    json::object claims;
    claims["devices"] = std::move(devices);
    claims["device_count"] = evidence.devices.size();
    claims["all_verified"] = all_verified;
    add_device_summary(claims);
    claims["mode"] = "local";
    claims["simulated"] = simulated;
    claims["evidence_digest"] = evidence_digest(std::move(digests));
    claims["nonce"] = to_hex(first_nonce);
    return claims;
}

json::object rim_fields(const Rim &rim) {
    return {{"kind", "rim"},
            {"tag_id", rim.tag_id},
            {"name", rim.name},
            {"version", rim.version},
            {"product", rim.product},
            {"edition", rim.edition},
            {"manufacturer", rim.manufacturer},
            {"sha256", to_hex(rim.sha256)}};
}

json::object verify_rim_document(const Parts &parts, const Evidence &evidence, int64_t when) {
    if (!parts.config.accept_rim_documents) {
        throw failure(CCATTEST_E_MALFORMED,
                      "a RIM document is not evidence (the RIM check takes it alone)");
    }
    const std::span<const uint8_t> xml(reinterpret_cast<const uint8_t *>(evidence.text.data()),
                                       evidence.text.size());
    const auto verified = parts.rims.verify_document(xml, "document", parts.anchors(true), when);
    json::object claims = rim_fields(verified->rim);
    claims["signature"] = "verified";
    json::array chain;
    for (const auto &certificate : verified->chain.path) {
        chain.emplace_back(certificate.subject_cn());
    }
    claims["chain"] = std::move(chain);
    claims["valid_until"] = support::rfc3339(verified->chain.valid_until - 1);
    claims["simulated"] = verified->chain.anchor().sha256() != parts.rim_root.sha256();
    claims["measurements"] = rim_measurements_claim(verified->rim);
    return claims;
}

} // namespace

struct Verifier::State : Parts {
    using Parts::Parts;
};

Verifier::Verifier(VerifierConfig config, support::Host host)
    : state_(std::make_unique<State>(std::move(config), host)) {}

Verifier::~Verifier() = default;

json::object Verifier::verify(std::span<const uint8_t> token,
                              std::span<const uint8_t> expected_report_data,
                              int64_t verification_time) const {
    if (!expected_report_data.empty() && expected_report_data.size() != report_data_size) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT, "expected report data is " +
                                                       std::to_string(expected_report_data.size()) +
                                                       " bytes, not 64");
    }
    const auto expected_nonce = expected_report_data.empty()
                                    ? expected_report_data
                                    : expected_report_data.first(spdm_nonce_size);
    const Evidence evidence = decode_token(token);
    json::object claims;
    switch (evidence.form) {
    case TokenForm::nras_eat:
        claims = state_->nras.verify(evidence.text, expected_nonce, verification_time);
        break;
    case TokenForm::rim_document:
        claims = verify_rim_document(*state_, evidence, verification_time);
        break;
    default: claims = verify_local(*state_, evidence, expected_nonce, verification_time); break;
    }
    claims["token_form"] = token_form_name(evidence.form);
    return claims;
}

json::object Verifier::inspect(std::span<const uint8_t> token) const {
    const Evidence evidence = decode_token(token);
    json::object out;
    switch (evidence.form) {
    case TokenForm::nras_eat: out = state_->nras.inspect(evidence.text); break;
    case TokenForm::rim_document:
        out = inspect_rim(std::span(reinterpret_cast<const uint8_t *>(evidence.text.data()),
                                    evidence.text.size()));
        break;
    default: out = inspect_devices(evidence); break;
    }
    out["token_form"] = token_form_name(evidence.form);
    return out;
}

} // namespace ccattest::gpu
