#include "ita.hpp"

#include "claims.hpp"
#include "evidence.hpp"

#include <ccattest/support/files.hpp>
#include <ccattest/support/jose.hpp>

#include <boost/json.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

namespace ccattest::tdx {
using sdk::failure;
using support::Bytes;
namespace json = boost::json;

namespace {

constexpr size_t max_jwks_size = size_t{1} << 20U;
constexpr const char *jwks_what = "Intel Trust Authority JWKS";

std::vector<support::Jwk> ita_keys(const ItaConfig &config,
                                   const support::CollateralSource &collateral) {
    if (config.jwks_file) {
        const Bytes text = support::read_file(*config.jwks_file, max_jwks_size);
        return support::parse_jwks(
            std::string_view(reinterpret_cast<const char *>(text.data()), text.size()),
            std::string(jwks_what) + " " + config.jwks_file->string());
    }
    const support::CollateralLookup lookup =
        collateral.find(support::CollateralQuery{jwks_what, {}, config.jwks_url});
    if (!lookup.item) {
        // A service that could not be asked is a device-like failure the caller may retry; a
        // plain miss (offline site, no such document) means this token cannot be checked here.
        const ccattest_status status =
            lookup.miss_status == CCATTEST_E_IO || lookup.miss_status == CCATTEST_E_TIMEOUT
                ? lookup.miss_status
                : CCATTEST_E_VERIFICATION_FAILED;
        throw failure(status, "Intel Trust Authority token: no JWKS to check it with: no "
                              "jwks_file is configured and " +
                                  (lookup.miss_reason.empty() ? "no jwks_url can be fetched"
                                                              : lookup.miss_reason));
    }
    const Bytes &text = lookup.item->data;
    return support::parse_jwks(
        std::string_view(reinterpret_cast<const char *>(text.data()), text.size()),
        std::string(jwks_what) + " " + lookup.item->origin);
}

// The TDX claims sit at the top level in version 1 tokens and under "tdx" in version 2 tokens.
const json::object &tdx_claims_of(const json::object &claims) {
    if (const auto *nested = claims.if_contains("tdx")) {
        if (!nested->is_object()) {
            throw failure(CCATTEST_E_MALFORMED,
                          "Intel Trust Authority token: claim \"tdx\" is not an object");
        }
        return nested->get_object();
    }
    return claims;
}

Bytes hex_claim(const json::object &source, std::string_view name, size_t size) {
    const auto *value = source.if_contains(name);
    if (value == nullptr || !value->is_string()) {
        throw failure(CCATTEST_E_MALFORMED, "Intel Trust Authority token: claim \"" +
                                                std::string(name) +
                                                "\" is missing or not a string");
    }
    const auto bytes = support::parse_hex(value->get_string());
    if (!bytes || bytes->size() != size) {
        throw failure(CCATTEST_E_MALFORMED, "Intel Trust Authority token: claim \"" +
                                                std::string(name) + "\" is not " +
                                                std::to_string(size) + " bytes of hex");
    }
    return *bytes;
}

std::string string_claim(const json::object &source, std::string_view name) {
    const auto *value = source.if_contains(name);
    if (value == nullptr || !value->is_string() || value->get_string().empty()) {
        throw failure(CCATTEST_E_MALFORMED, "Intel Trust Authority token: claim \"" +
                                                std::string(name) +
                                                "\" is missing or not a string");
    }
    return std::string(value->get_string());
}

json::array advisory_ids_of(const json::object &source) {
    json::array ids;
    const auto *value = source.if_contains("attester_advisory_ids");
    if (value == nullptr || value->is_null()) {
        return ids;
    }
    if (!value->is_array() || !std::all_of(value->get_array().begin(), value->get_array().end(),
                                           [](const json::value &id) { return id.is_string(); })) {
        throw failure(CCATTEST_E_MALFORMED, "Intel Trust Authority token: claim "
                                            "\"attester_advisory_ids\" is not an array of strings");
    }
    return value->get_array();
}

json::object td_attributes_of(const json::object &source) {
    const Bytes raw = hex_claim(source, "tdx_td_attributes", 8);
    std::array<uint8_t, 8> attributes{};
    std::copy(raw.begin(), raw.end(), attributes.begin());
    json::object decoded = td_attributes_claim(attributes);
    // The service's own debug flag must agree with the bits it reports.
    if (const auto *debug = source.if_contains("tdx_td_attributes_debug");
        debug != nullptr &&
        (!debug->is_bool() || debug->get_bool() != decoded["debug"].get_bool())) {
        throw failure(CCATTEST_E_MALFORMED,
                      "Intel Trust Authority token: claim \"tdx_td_attributes_debug\" disagrees "
                      "with bit 0 of \"tdx_td_attributes\"");
    }
    return decoded;
}

// The service's names (left) in this plugin's names (right), with their sizes in bytes.
struct HexClaim {
    const char *ita;
    const char *ours;
    size_t size;
};
constexpr std::array<HexClaim, 14> hex_claims = {{
    {"tdx_mrtd", "mr_td", 48},
    {"tdx_rtmr0", "rtmr0", 48},
    {"tdx_rtmr1", "rtmr1", 48},
    {"tdx_rtmr2", "rtmr2", 48},
    {"tdx_rtmr3", "rtmr3", 48},
    {"tdx_mrseam", "mr_seam", 48},
    {"tdx_mrsignerseam", "mr_signer_seam", 48},
    {"tdx_seam_attributes", "seam_attributes", 8},
    {"tdx_xfam", "xfam", 8},
    {"tdx_mrconfigid", "mr_config_id", 48},
    {"tdx_mrowner", "mr_owner", 48},
    {"tdx_mrownerconfig", "mr_owner_config", 48},
    {"tdx_report_data", "report_data", 64},
    {"tdx_tee_tcb_svn", "tee_tcb_svn", 16},
}};

json::object mapped_claims(const json::object &claims) {
    const json::object &tdx = tdx_claims_of(claims);
    json::object out;
    out["tee_type"] = "TDX";
    for (const auto &claim : hex_claims) {
        out[claim.ours] = support::to_hex(hex_claim(tdx, claim.ita, claim.size));
    }
    out["td_attributes"] = td_attributes_of(tdx);
    // Version 1 tokens keep the attester's verdict at the top level.
    const json::object &attester = tdx.contains("attester_tcb_status") ? tdx : claims;
    out["tcb_status"] = string_claim(attester, "attester_tcb_status");
    out["advisory_ids"] = advisory_ids_of(attester);
    if (attester.contains("attester_tcb_date")) {
        out["tcb_date"] = string_claim(attester, "attester_tcb_date");
    }
    return out;
}

void check_report_data(const json::object &mapped, std::span<const uint8_t> expected) {
    if (expected.empty()) {
        return;
    }
    const Bytes actual = *support::parse_hex(mapped.at("report_data").get_string());
    if (expected.size() != actual.size() ||
        CRYPTO_memcmp(expected.data(), actual.data(), actual.size()) != 0) {
        throw failure(CCATTEST_E_BINDING_MISMATCH,
                      "report data in the Intel Trust Authority token (tdx_report_data) differs "
                      "from the expected report data");
    }
}

} // namespace

json::object verify_ita_token(std::string_view jwt, const ItaConfig &config,
                              const support::CollateralSource &collateral,
                              std::span<const uint8_t> expected_report_data, int64_t when) {
    const std::vector<support::Jwk> keys = ita_keys(config, collateral);
    support::JwsPolicy policy;
    policy.algorithms = {support::JwsAlgorithm::ps384}; // what the service signs with
    policy.max_token_size = max_token_size;
    support::JwtRules rules;
    rules.issuers = {config.issuer};
    support::VerifiedJwt verified;
    try {
        verified = support::verify_jwt(jwt, keys, policy, rules, when);
    } catch (const failure &e) {
        throw failure(e.status(), std::string("Intel Trust Authority token: ") + e.what());
    }
    json::object out = mapped_claims(verified.claims);
    check_report_data(out, expected_report_data);

    json::object ita{{"issuer", config.issuer}};
    if (const auto *jti = verified.claims.if_contains("jti"); jti != nullptr && jti->is_string()) {
        ita["jti"] = jti->get_string();
    }
    if (const auto *exp = verified.claims.if_contains("exp")) {
        ita["expires"] = *exp;
    }
    out["ita"] = std::move(ita);
    const std::string_view signing_input = jwt.substr(0, jwt.rfind('.'));
    out["evidence_digest"] = support::to_hex(support::sha256(
        std::span(reinterpret_cast<const uint8_t *>(signing_input.data()), signing_input.size())));
    out["simulated"] = false;
    return out;
}

} // namespace ccattest::tdx
