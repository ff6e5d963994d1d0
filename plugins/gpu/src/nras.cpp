// NRAS detached EATs. What NVIDIA's service returns (and what its SDKs build the same way):
//   [["JWT", "<overall JWS>"], {"GPU-0": "<device JWS>", "GPU-1": ..., "SWITCH-0": ...}]
// Every JWS is ES384 with a kid of NRAS's JWKS. The overall token's "submods" member names each
// device token by key: {"GPU-0": ["DIGEST", ["SHA256", "<hex>"]]}, where the hex is the SHA-256
// of the device token's compact text exactly as it appears in the EAT (all three parts, the
// signature included), so the overall signature covers every device token. The overall token also
// carries "x-nvidia-overall-att-result" and usually "eat_nonce"; each device token carries the
// device's claims: eat_nonce (hex of the SPDM nonce), measres ("success"|"failure"), hwmodel,
// ueid, secboot, dbgstat, x-nvidia-device-type ("gpu" or "nvswitch"), the versions
// (x-nvidia-gpu-driver-version, x-nvidia-gpu-vbios-version; x-nvidia-switch-bios-version),
// certificate-chain objects (x-nvidia-cert-status, x-nvidia-cert-ocsp-status, ...) and, after a
// failed comparison, x-nvidia-mismatch-measurement-records ([{"index", "goldenValue",
// "runtimeValue", ...}]).
#include "nras.hpp"

#include "claims_summary.hpp"

#include "evidence.hpp"

#include <ccattest/support/files.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>

namespace ccattest::gpu {
using sdk::failure;
using support::Bytes;
namespace json = boost::json;

namespace {

constexpr size_t max_jwks_size = size_t{1} << 20U;
constexpr size_t eat_json_depth = 8;
constexpr const char *jwks_what = "NRAS JWKS";
constexpr const char *eat_what = "NRAS token";

std::string_view text_of(const Bytes &bytes) {
    return {reinterpret_cast<const char *>(bytes.data()), bytes.size()};
}

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t *>(text.data()), text.size()};
}

// The EAT's two parts, the device tokens in key order.
struct DetachedEat {
    std::string overall;
    std::map<std::string, std::string> devices;
};

[[noreturn]] void malformed(const std::string &why) {
    throw failure(CCATTEST_E_MALFORMED, std::string(eat_what) + ": " + why);
}

DetachedEat split_eat(std::string_view text) {
    if (text.size() > max_token_size) {
        malformed("is " + std::to_string(text.size()) + " bytes, more than the " +
                  std::to_string(max_token_size) + " accepted");
    }
    json::value value;
    try {
        value = support::parse_json(text, eat_json_depth);
    } catch (const failure &e) {
        malformed(std::string("is not valid JSON: ") + e.what());
    }
    const json::array *outer = value.if_array();
    if (outer == nullptr || outer->size() != 2) {
        malformed("is not a JSON array of two elements ([[\"JWT\", token], {device: token}])");
    }
    const json::array *head = (*outer)[0].if_array();
    if (head == nullptr || head->size() != 2 || !(*head)[0].is_string() ||
        (*head)[0].get_string() != "JWT" || !(*head)[1].is_string()) {
        malformed("its first element is not [\"JWT\", \"<overall token>\"]");
    }
    const json::object *devices = (*outer)[1].if_object();
    if (devices == nullptr) {
        malformed("its second element is not an object of device tokens");
    }
    if (devices->empty() || devices->size() > max_devices) {
        malformed("holds " + std::to_string(devices->size()) + " device tokens (1 to " +
                  std::to_string(max_devices) + " accepted)");
    }
    DetachedEat out{std::string((*head)[1].get_string()), {}};
    for (const auto &[key, token] : *devices) {
        if (!token.is_string()) {
            malformed("device \"" + std::string(key) + "\" is not a token string");
        }
        out.devices.emplace(std::string(key), std::string(token.get_string()));
    }
    return out;
}

const json::value *member(const json::object &claims, std::string_view name) {
    const json::value *value = claims.if_contains(name);
    return value == nullptr || value->is_null() ? nullptr : value;
}

std::string string_claim(const json::object &claims, std::string_view name,
                         const std::string &where) {
    const json::value *value = member(claims, name);
    if (value == nullptr || !value->is_string()) {
        throw failure(CCATTEST_E_MALFORMED,
                      where + ": claim \"" + std::string(name) + "\" is missing or not a string");
    }
    return std::string(value->get_string());
}

std::optional<std::string> optional_string(const json::object &claims, std::string_view name,
                                           const std::string &where) {
    if (member(claims, name) == nullptr) {
        return std::nullopt;
    }
    return string_claim(claims, name, where);
}

// The submods digests of the overall token: device key -> 32 bytes.
std::map<std::string, Bytes> submod_digests(const json::object &claims) {
    const std::string where = std::string(eat_what) + ", overall token";
    const json::value *submods = member(claims, "submods");
    if (submods == nullptr || !submods->is_object()) {
        throw failure(CCATTEST_E_MALFORMED,
                      where + ": claim \"submods\" is missing or not an object");
    }
    std::map<std::string, Bytes> out;
    for (const auto &[key, entry] : submods->get_object()) {
        const json::array *pair = entry.if_array();
        const json::array *digest =
            pair != nullptr && pair->size() == 2 ? (*pair)[1].if_array() : nullptr;
        if (digest == nullptr || !(*pair)[0].is_string() || (*pair)[0].get_string() != "DIGEST" ||
            digest->size() != 2 || !(*digest)[0].is_string() ||
            (*digest)[0].get_string() != "SHA256" || !(*digest)[1].is_string()) {
            throw failure(CCATTEST_E_MALFORMED,
                          where + ": submods entry \"" + std::string(key) +
                              "\" is not [\"DIGEST\", [\"SHA256\", \"<hex>\"]]");
        }
        auto bytes = support::parse_hex((*digest)[1].get_string());
        if (!bytes || bytes->size() != 32) {
            throw failure(CCATTEST_E_MALFORMED, where + ": submods entry \"" + std::string(key) +
                                                    "\" is not 32 bytes of hex");
        }
        out.emplace(std::string(key), std::move(*bytes));
    }
    return out;
}

// Every device token has a submods entry and every entry a device token.
void match_submods(const DetachedEat &eat, const std::map<std::string, Bytes> &digests) {
    for (const auto &[key, token] : eat.devices) {
        if (!digests.contains(key)) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          std::string(eat_what) + ": device token \"" + key +
                              "\" has no submods entry in the overall token");
        }
    }
    for (const auto &[key, digest] : digests) {
        if (!eat.devices.contains(key)) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          std::string(eat_what) + ": the overall token's submods entry \"" + key +
                              "\" has no device token");
        }
    }
}

void check_digest(const std::string &key, std::string_view token, const Bytes &expected) {
    const auto actual = support::sha256(bytes_of(token));
    if (CRYPTO_memcmp(actual.data(), expected.data(), actual.size()) != 0) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      std::string(eat_what) + ": device token \"" + key + "\" has SHA-256 " +
                          support::to_hex(actual) + ", the overall token's submods entry says " +
                          support::to_hex(expected));
    }
}

// The eat_nonce of one token, as bytes.
Bytes nonce_of(const json::object &claims, const std::string &where) {
    const std::string hex = string_claim(claims, "eat_nonce", where);
    auto bytes = support::parse_hex(hex);
    if (!bytes || bytes->empty()) {
        throw failure(CCATTEST_E_MALFORMED, where + ": claim \"eat_nonce\" is not hex");
    }
    return std::move(*bytes);
}

bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Device key "GPU-3" / "SWITCH-0": its kind and index.
struct DeviceKey {
    std::optional<std::string> kind;
    std::optional<int64_t> index;
};

DeviceKey parse_device_key(const std::string &key) {
    DeviceKey out;
    const size_t dash = key.rfind('-');
    if (dash == std::string::npos) {
        return out;
    }
    std::string prefix = key.substr(0, dash);
    std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (prefix == "GPU") {
        out.kind = "gpu";
    } else if (prefix == "SWITCH" || prefix == "NVSWITCH") {
        out.kind = "switch";
    }
    int64_t index = 0;
    const char *first = key.data() + dash + 1;
    const char *last = key.data() + key.size();
    const auto [end, ec] = std::from_chars(first, last, index);
    if (ec == std::errc() && end == last && first != last && index >= 0) {
        out.index = index;
    }
    return out;
}

std::string device_kind(const std::string &key, const json::object &claims,
                        const std::string &where) {
    const DeviceKey parsed = parse_device_key(key);
    std::optional<std::string> stated;
    if (const auto type = optional_string(claims, "x-nvidia-device-type", where)) {
        if (*type == "gpu") {
            stated = "gpu";
        } else if (*type == "nvswitch" || *type == "switch") {
            stated = "switch";
        } else {
            throw failure(CCATTEST_E_MALFORMED, where + ": claim \"x-nvidia-device-type\" is \"" +
                                                    *type + "\", neither gpu nor nvswitch");
        }
    }
    if (parsed.kind && stated && *parsed.kind != *stated) {
        throw failure(CCATTEST_E_MALFORMED, where + ": the key names a " + *parsed.kind +
                                                ", claim \"x-nvidia-device-type\" a " + *stated);
    }
    if (!parsed.kind && !stated) {
        throw failure(CCATTEST_E_MALFORMED, where +
                                                ": neither the key (GPU-n, SWITCH-n) nor claim "
                                                "\"x-nvidia-device-type\" names the device kind");
    }
    return stated ? *stated : *parsed.kind;
}

// hopper for GH1xx, blackwell for GB1xx/GB2xx, ls10 for a switch; null when the model is unknown.
json::value arch_of(const std::string &kind, const std::string &hwmodel) {
    if (kind == "switch") {
        return "ls10";
    }
    if (hwmodel.starts_with("GH")) {
        return "hopper";
    }
    if (hwmodel.starts_with("GB")) {
        return "blackwell";
    }
    return nullptr;
}

std::string measurements_of(const json::object &claims, const std::string &where) {
    std::string measres = string_claim(claims, "measres", where);
    if (measres != "success" && measres != "failure") {
        throw failure(CCATTEST_E_MALFORMED, where + ": claim \"measres\" is \"" + measres +
                                                "\", neither success nor failure");
    }
    return measres;
}

json::array mismatched_indices_of(const json::object &claims, const std::string &where) {
    std::set<int64_t> indices;
    if (const json::value *records = member(claims, "x-nvidia-mismatch-measurement-records")) {
        const auto bad = [&] {
            throw failure(CCATTEST_E_MALFORMED,
                          where + ": claim \"x-nvidia-mismatch-measurement-records\" is not an "
                                  "array of records with a non-negative integer \"index\"");
        };
        if (!records->is_array()) {
            bad();
        }
        for (const json::value &record : records->get_array()) {
            const json::value *index =
                record.is_object() ? record.get_object().if_contains("index") : nullptr;
            if (index == nullptr || !(index->is_int64() || index->is_uint64()) ||
                (index->is_int64() && index->get_int64() < 0) ||
                (index->is_uint64() && index->get_uint64() > 0xFFFFU)) {
                bad();
            }
            indices.insert(index->to_number<int64_t>());
        }
    }
    json::array out;
    for (const int64_t index : indices) {
        out.emplace_back(index);
    }
    return out;
}

// The x-nvidia-cert-* object of one chain claim, when present.
const json::object *cert_chain(const json::object &claims, const std::string &name,
                               const std::string &where) {
    const json::value *value = member(claims, name);
    if (value == nullptr) {
        return nullptr;
    }
    if (!value->is_object()) {
        throw failure(CCATTEST_E_MALFORMED, where + ": claim \"" + name + "\" is not an object");
    }
    return &value->get_object();
}

// cert_chain_status (the device chain's x-nvidia-cert-status) and ocsp {chain: status}.
void map_chains(const std::string &prefix, const json::object &claims, const std::string &where,
                json::object &device) {
    const std::string device_chain = prefix + "attestation-report-cert-chain";
    if (const json::object *chain = cert_chain(claims, device_chain, where)) {
        device["cert_chain_status"] =
            string_claim(*chain, "x-nvidia-cert-status", where + ", " + device_chain);
    }
    json::object ocsp;
    const std::array<std::pair<const char *, const char *>, 4> chains = {{
        {"attestation-report-cert-chain", "device"},
        {"driver-rim-cert-chain", "driver_rim"},
        {"vbios-rim-cert-chain", "vbios_rim"},
        {"bios-rim-cert-chain", "bios_rim"},
    }};
    for (const auto &[suffix, name] : chains) {
        const std::string claim = prefix + suffix;
        if (const json::object *chain = cert_chain(claims, claim, where)) {
            std::string chain_where = where;
            chain_where.append(", ").append(claim);
            if (const auto status =
                    optional_string(*chain, "x-nvidia-cert-ocsp-status", chain_where)) {
                ocsp[name] = *status;
            }
        }
    }
    if (!ocsp.empty()) {
        device["ocsp"] = std::move(ocsp);
    }
}

json::object device_claims(const std::string &key, const json::object &claims, int64_t ordinal) {
    const std::string where = std::string(eat_what) + ", device \"" + key + "\"";
    const std::string kind = device_kind(key, claims, where);
    const std::string hwmodel = string_claim(claims, "hwmodel", where);
    json::object device;
    device["key"] = key;
    device["kind"] = kind;
    device["arch"] = arch_of(kind, hwmodel);
    device["index"] = parse_device_key(key).index.value_or(ordinal);
    device["ueid"] = string_claim(claims, "ueid", where);
    device["hwmodel"] = hwmodel;
    if (kind == "gpu") {
        device["driver_version"] = string_claim(claims, "x-nvidia-gpu-driver-version", where);
        device["vbios_version"] = string_claim(claims, "x-nvidia-gpu-vbios-version", where);
    } else {
        device["vbios_version"] = string_claim(claims, "x-nvidia-switch-bios-version", where);
    }
    device["nonce"] = support::to_hex(nonce_of(claims, where));
    device["measurements"] = measurements_of(claims, where);
    device["mismatched_indices"] = mismatched_indices_of(claims, where);
    if (const json::value *secboot = member(claims, "secboot")) {
        if (!secboot->is_bool()) {
            throw failure(CCATTEST_E_MALFORMED, where + ": claim \"secboot\" is not a boolean");
        }
        device["secure_boot"] = secboot->get_bool();
    }
    if (const auto dbgstat = optional_string(claims, "dbgstat", where)) {
        if (*dbgstat != "disabled" && *dbgstat != "enabled") {
            throw failure(CCATTEST_E_MALFORMED, where + ": claim \"dbgstat\" is \"" + *dbgstat +
                                                    "\", neither disabled nor enabled");
        }
        device["debug"] = *dbgstat == "enabled";
    }
    map_chains(kind == "gpu" ? "x-nvidia-gpu-" : "x-nvidia-switch-", claims, where, device);
    return device;
}

// Every device's nonce is the expected one (when given) and all are one nonce; so is the overall
// token's, when it states one.
void check_nonces(const json::object &overall, const std::vector<json::object> &devices,
                  const std::vector<Bytes> &nonces, std::span<const uint8_t> expected) {
    for (size_t i = 0; i < nonces.size(); ++i) {
        const std::string key(devices[i].at("key").get_string());
        if (!expected.empty() && !same_bytes(nonces[i], expected)) {
            throw failure(CCATTEST_E_BINDING_MISMATCH,
                          std::string(eat_what) + ": device \"" + key +
                              "\" is bound to a nonce (eat_nonce) other than the expected one");
        }
        if (!same_bytes(nonces[i], nonces.front())) {
            throw failure(CCATTEST_E_BINDING_MISMATCH,
                          std::string(eat_what) + ": device \"" + key +
                              "\" is bound to another nonce than device \"" +
                              std::string(devices.front().at("key").get_string()) + "\"");
        }
    }
    if (member(overall, "eat_nonce") != nullptr) {
        const Bytes stated = nonce_of(overall, std::string(eat_what) + ", overall token");
        if (!same_bytes(stated, nonces.front())) {
            throw failure(CCATTEST_E_BINDING_MISMATCH,
                          std::string(eat_what) +
                              ": the overall token's eat_nonce differs from the devices' nonce");
        }
    }
}

bool overall_result(const json::object &claims) {
    const json::value *result = member(claims, "x-nvidia-overall-att-result");
    if (result == nullptr || !result->is_bool()) {
        throw failure(CCATTEST_E_MALFORMED, std::string(eat_what) +
                                                ", overall token: claim "
                                                "\"x-nvidia-overall-att-result\" is missing or not "
                                                "a boolean");
    }
    return result->get_bool();
}

std::optional<std::string> header_kid(std::string_view token) {
    const size_t dot = token.find('.');
    if (dot == std::string_view::npos) {
        return std::nullopt;
    }
    try {
        const json::value header = support::parse_json(
            text_of(support::base64url_decode(token.substr(0, dot), "JWS header")), eat_json_depth);
        const json::value *kid =
            header.is_object() ? header.get_object().if_contains("kid") : nullptr;
        if (kid != nullptr && kid->is_string()) {
            return std::string(kid->get_string());
        }
    } catch (const failure &) {
        // verify_jws names what is wrong with the header.
    }
    return std::nullopt;
}

// One compact JWS decoded without any check: header, claims (or why not), digest of its text.
json::object decode_unverified(std::string_view token) {
    json::object out;
    const auto part = [&](size_t index) -> std::string_view {
        size_t begin = 0;
        for (size_t i = 0; i < index; ++i) {
            begin = token.find('.', begin);
            if (begin == std::string_view::npos) {
                malformed("a token is not in compact serialization (three parts)");
            }
            ++begin;
        }
        return token.substr(begin, token.find('.', begin) - begin);
    };
    const auto decode = [&](std::string_view text, const std::string &what) {
        try {
            return support::parse_json(text_of(support::base64url_decode(text, what)),
                                       support::default_json_depth);
        } catch (const failure &e) {
            malformed(what + " does not decode: " + e.what());
        }
    };
    out["header"] = decode(part(0), "JWS header");
    out["claims"] = decode(part(1), "JWS payload");
    out["signature_size"] =
        static_cast<int64_t>(support::base64url_decode(part(2), "JWS signature").size());
    out["sha256"] = support::to_hex(support::sha256(bytes_of(token)));
    return out;
}

} // namespace

NrasVerifier::NrasVerifier(NrasConfig config, support::Host host)
    : config_(std::move(config)), host_(host), network_(host) {
    if (config_.jwks_file) {
        try {
            const Bytes text = support::read_file(*config_.jwks_file, max_jwks_size);
            configured_keys_ = support::parse_jwks(text_of(text), std::string(jwks_what) + " " +
                                                                      config_.jwks_file->string());
        } catch (const failure &e) {
            throw failure(CCATTEST_E_CONFIG, std::string("nras.jwks_file: ") + e.what());
        }
    }
}

std::vector<support::Jwk> NrasVerifier::keys() const {
    if (config_.jwks_file) {
        return configured_keys_;
    }
    const std::lock_guard lock(fetched_mutex_);
    if (fetched_at_ && host_.now() - *fetched_at_ < fetched_keys_max_age_s) {
        return fetched_keys_;
    }
    const support::CollateralLookup lookup =
        network_.find(support::CollateralQuery{jwks_what, {}, config_.jwks_url});
    if (!lookup.item) {
        // A service that could not be asked is a failure the caller may retry; a plain miss
        // (offline site, no network service) means this token cannot be checked here.
        const ccattest_status status =
            lookup.miss_status == CCATTEST_E_IO || lookup.miss_status == CCATTEST_E_TIMEOUT
                ? lookup.miss_status
                : CCATTEST_E_VERIFICATION_FAILED;
        throw failure(
            status,
            std::string(eat_what) + ": no JWKS to check it with: no jwks_file is configured and " +
                (lookup.miss_reason.empty() ? "no jwks_url can be fetched" : lookup.miss_reason));
    }
    fetched_keys_ = support::parse_jwks(text_of(lookup.item->data),
                                        std::string(jwks_what) + " " + lookup.item->origin);
    fetched_at_ = host_.now();
    return fetched_keys_;
}

std::vector<support::Jwk> NrasVerifier::refetched_keys(const std::string &kid) const {
    const std::lock_guard lock(fetched_mutex_);
    const int64_t now = host_.now();
    const bool known = std::any_of(fetched_keys_.begin(), fetched_keys_.end(),
                                   [&](const support::Jwk &key) { return key.kid == kid; });
    if (known || (refetched_at_ && now - *refetched_at_ < refetch_interval_s)) {
        return fetched_keys_;
    }
    refetched_at_ = now;
    // Marking the stored answer stale makes the host ask the service instead of its cache.
    network_.keep_until(config_.jwks_url, 0);
    const support::CollateralLookup lookup =
        network_.find(support::CollateralQuery{jwks_what, {}, config_.jwks_url});
    if (lookup.item) {
        fetched_keys_ = support::parse_jwks(text_of(lookup.item->data),
                                            std::string(jwks_what) + " " + lookup.item->origin);
        fetched_at_ = now;
    } else {
        host_.log(CCATTEST_LOG_WARNING, std::string(jwks_what) + " for kid \"" + kid +
                                            "\" not refetched: " + lookup.miss_reason);
    }
    return fetched_keys_;
}

support::VerifiedJwt NrasVerifier::verify_part(std::string_view token, const std::string &what,
                                               int64_t when) const {
    support::JwsPolicy policy;
    policy.algorithms = {support::JwsAlgorithm::es384}; // the one algorithm NRAS signs with
    support::JwtRules rules;
    rules.issuers = {config_.issuer};
    rules.skew_seconds = config_.clock_skew_s;
    std::vector<support::Jwk> key_set = keys();
    if (!config_.jwks_file) {
        const auto kid = header_kid(token);
        if (kid && std::none_of(key_set.begin(), key_set.end(),
                                [&](const support::Jwk &key) { return key.kid == *kid; })) {
            key_set = refetched_keys(*kid);
        }
    }
    try {
        return support::verify_jwt(token, key_set, policy, rules, when);
    } catch (const failure &e) {
        throw failure(e.status(), std::string(eat_what) + ", " + what + ": " + e.what());
    }
}

json::object NrasVerifier::verify(std::string_view eat, std::span<const uint8_t> expected_nonce,
                                  int64_t when) const {
    const DetachedEat parts = split_eat(eat);
    const support::VerifiedJwt overall = verify_part(parts.overall, "overall token", when);
    const std::map<std::string, Bytes> digests = submod_digests(overall.claims);
    match_submods(parts, digests);

    std::vector<json::object> devices;
    std::vector<Bytes> nonces;
    bool all_success = true;
    for (const auto &[key, token] : parts.devices) {
        check_digest(key, token, digests.at(key));
        const support::VerifiedJwt device = verify_part(token, "device \"" + key + "\"", when);
        devices.push_back(device_claims(key, device.claims, static_cast<int64_t>(devices.size())));
        nonces.push_back(*support::parse_hex(devices.back().at("nonce").get_string()));
        all_success = all_success && devices.back().at("measurements") == "success";
    }
    check_nonces(overall.claims, devices, nonces, expected_nonce);

    json::object out;
    out["mode"] = "nras";
    json::array device_array;
    for (json::object &device : devices) {
        device_array.emplace_back(std::move(device));
    }
    out["device_count"] = static_cast<int64_t>(device_array.size());
    out["devices"] = std::move(device_array);
    out["all_verified"] = overall_result(overall.claims) && all_success;
    add_device_summary(out);
    out["issuer"] = config_.issuer;
    const json::value *iat = member(overall.claims, "iat");
    out["issued_at"] = iat != nullptr ? *iat : json::value(nullptr);
    out["expires_at"] = overall.claims.at("exp");
    const std::string_view signing_input =
        std::string_view(parts.overall).substr(0, parts.overall.rfind('.'));
    out["evidence_digest"] = support::to_hex(support::sha256(bytes_of(signing_input)));
    out["simulated"] = false;
    return out;
}

json::object NrasVerifier::inspect(std::string_view eat) const {
    const DetachedEat parts = split_eat(eat);
    json::object devices;
    for (const auto &[key, token] : parts.devices) {
        devices[key] = decode_unverified(token);
    }
    json::object out;
    out["form"] = "nras_eat";
    out["overall"] = decode_unverified(parts.overall);
    out["devices"] = std::move(devices);
    return out;
}

} // namespace ccattest::gpu
