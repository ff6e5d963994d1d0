// Writes the fuzz targets' seeds into corpus/<target>/ (README.md says when to run it; the output
// is committed, so this runs by hand, not in the build):
//   fuzz_make_seeds --repo <source root> [--sim-state <folder>]
// SEV-SNP evidence: the real Milan vectors of tests/data/snp and simulator reports (Milan v2/v3,
// Genoa v3/v5, Turin v3/v5, VCEK and VLEK) signed by the simulator state in tests/fuzz/sim-state
// (made on the first run; the snp_verify target trusts that state when its input allows
// simulated hardware). Also CRLs, certificate tables, configs, policies with claims, CC info,
// example-plugin tokens, replay stores written by ccattest::ReplayStore itself and collateral
// cache entries written by ccattest::net::serialize_cache_entry.
#include "fuzz_support.hpp"

#include "ccattest/core/binding.hpp"
#include "ccattest/core/cc_manager.hpp"
#include "ccattest/core/network.hpp"
#include "evidence.hpp"
#include "report.hpp"
#include "simulator.hpp"
#include "verifier.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/json.hpp>
#include <ccattest/support/sim/jose.hpp>
#include <ccattest/support/sim/state.hpp>

#include <boost/json.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ccattest::snp::Product;
using ccattest::snp::SigningKey;
using ccattest::support::Bytes;

fs::path repo;
fs::path sim_state;
fs::path corpus;

std::string text_of(const Bytes &bytes) {
    return {bytes.begin(), bytes.end()};
}

Bytes read(const fs::path &file) {
    return ccattest::support::read_file(file, 1U << 20U);
}

void seed(const std::string &target, const std::string &name, std::string_view bytes) {
    fuzz::write_file(corpus / target / name, bytes);
}

void seed(const std::string &target, const std::string &name, const Bytes &bytes) {
    seed(target, name,
         std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
}

std::string joined(const std::vector<std::string> &parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        out += (i == 0 ? "" : std::string(fuzz::separator)) + parts[i];
    }
    return out;
}

std::string pem_of(const Bytes &der) {
    const auto certificate =
        ccattest::support::Certificate::parse(der, "pem_of", ccattest::support::Encoding::der);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, certificate.get());
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(length));
    BIO_free(bio);
    return out;
}

std::string crl_pem_of(const Bytes &der) {
    return "-----BEGIN X509 CRL-----\n" + ccattest::support::base64_encode(der) +
           "\n-----END X509 CRL-----\n";
}

long serial_of(const Bytes &der) {
    const auto certificate =
        ccattest::support::Certificate::parse(der, "serial_of", ccattest::support::Encoding::der);
    return ASN1_INTEGER_get(X509_get0_serialNumber(certificate.get()));
}

// A CRL by the simulator's ARK of `product` (RSASSA-PSS/SHA-384), revoking `serials`.
Bytes make_crl(Product product, const std::vector<long> &serials) {
    const std::string ark = std::string(ccattest::snp::product_name(product)) + "_ark";
    const auto &roots = ccattest::snp::simulated_roots(sim_state, product);
    const ccattest::support::SimulatorState state(sim_state / "snp");
    const auto key = state.key(ark, 4096);
    ccattest::support::CrlSpec spec;
    spec.issuer = &roots.ark;
    spec.signer = key.get();
    spec.revoked_serials = serials;
    spec.this_update = 1600000000;
    spec.next_update = 4000000000;
    return ccattest::support::make_crl(spec);
}

ccattest::snp::SimulatedReport simulate(Product product, uint32_t version, SigningKey key) {
    ccattest::snp::SimulatorConfig config;
    config.state_dir = sim_state;
    config.product = product;
    config.report_version = version;
    config.signing_key = key;
    config.measurement.fill(0x5C);
    config.host_data.fill(0x11);
    if (product == Product::turin) {
        config.tcb.fmc = 3;
    }
    std::array<uint8_t, 64> report_data{};
    for (size_t i = 0; i < report_data.size(); ++i) {
        report_data[i] = static_cast<uint8_t>(i * 3 + version);
    }
    return ccattest::snp::simulate_report(config, report_data);
}

std::string token_of(const ccattest::snp::Evidence &evidence) {
    return ccattest::snp::encode_token(evidence);
}

// The snp_verify input: options byte, then token | signing certificate | CRL | certificate file.
std::string verify_input(uint8_t options, const std::vector<std::string> &parts) {
    std::vector<std::string> trimmed = parts;
    while (trimmed.size() > 1 && trimmed.back().empty()) {
        trimmed.pop_back();
    }
    return std::string(1, static_cast<char>(options)) + joined(trimmed);
}

constexpr uint8_t opt_milan = 1;
constexpr uint8_t opt_simulated = 4;
constexpr uint8_t opt_pem = 8;
constexpr uint8_t opt_expect_report_data = 0x80;

void snp_seeds() {
    const fs::path vectors = repo / "tests/data/snp";
    const fs::path trust = repo / "config/trust/amd";
    const auto gosev = read(vectors / "gosev_milan_report.bin");
    const auto gosev_vcek = read(vectors / "gosev_milan_vcek.der");
    const auto virtee = read(vectors / "virtee_report_milan.bin");
    const auto virtee_vcek = read(vectors / "virtee_vcek_milan.der");
    const auto trustee = read(vectors / "trustee_test-report.bin");
    const auto trustee_vcek = read(vectors / "trustee_test-vcek.der");

    // Raw reports: the real Milan v2 ones and the simulator's.
    seed("snp_report", "real_gosev_milan_v2.bin", gosev);
    seed("snp_report", "real_virtee_milan_v2.bin", virtee);
    seed("snp_report", "real_trustee_milan_v2.bin", trustee);
    const auto milan2 = simulate(Product::milan, 2, SigningKey::vcek);
    const auto milan3 = simulate(Product::milan, 3, SigningKey::vcek);
    const auto genoa3 = simulate(Product::genoa, 3, SigningKey::vcek);
    const auto genoa5 = simulate(Product::genoa, 5, SigningKey::vcek);
    const auto genoa5_vlek = simulate(Product::genoa, 5, SigningKey::vlek);
    const auto turin3 = simulate(Product::turin, 3, SigningKey::vcek);
    const auto turin5_vlek = simulate(Product::turin, 5, SigningKey::vlek);
    seed("snp_report", "sim_milan_v2_vcek.bin", milan2.evidence.report);
    seed("snp_report", "sim_genoa_v3_vcek.bin", genoa3.evidence.report);
    seed("snp_report", "sim_genoa_v5_vlek.bin", genoa5_vlek.evidence.report);
    seed("snp_report", "sim_turin_v3_vcek.bin", turin3.evidence.report);
    seed("snp_report", "sim_turin_v5_vlek.bin", turin5_vlek.evidence.report);

    // Tokens (ccattest JSON with certificates, FLARE base64) and certificate tables.
    ccattest::snp::Evidence real;
    real.report = gosev;
    real.vcek = gosev_vcek;
    seed("snp_token", "real_gosev_token.json", token_of(real));
    seed("snp_token", "sim_genoa_v3_vcek_token.json", token_of(genoa3.evidence));
    seed("snp_token", "sim_turin_v5_vlek_token.json", token_of(turin5_vlek.evidence));
    seed("snp_token", "sim_genoa_v5_flare.b64",
         ccattest::support::base64_encode(genoa5.evidence.report));
    seed("snp_token", "sim_turin_v3_certificate_table.bin", turin3.certificate_table);
    seed("snp_token", "sim_genoa_v5_vlek_certificate_table.bin", genoa5_vlek.certificate_table);

    // The verifier with certificates, CRLs, the collateral folder and configured files.
    seed("snp_verify", "real_gosev_token_vcek", verify_input(opt_milan, {token_of(real)}));
    seed("snp_verify", "real_virtee_flare_collateral_der",
         verify_input(opt_milan, {ccattest::support::base64_encode(virtee), text_of(virtee_vcek)}));
    seed("snp_verify", "real_trustee_raw_certificate_file",
         verify_input(opt_milan, {text_of(trustee), "", "", pem_of(trustee_vcek)}));
    seed("snp_verify", "real_gosev_collateral_pem_bundle",
         verify_input(opt_milan | opt_pem,
                      {ccattest::support::base64_encode(gosev),
                       pem_of(gosev_vcek) + text_of(read(trust / "milan_ask.pem")) +
                           text_of(read(trust / "milan_ark.pem"))}));
    seed("snp_verify", "sim_milan_v2_vcek_token",
         verify_input(opt_milan | opt_simulated | opt_expect_report_data,
                      {token_of(milan2.evidence)}));
    auto revoked = milan3.evidence;
    revoked.crl = make_crl(Product::milan, {serial_of(*milan3.evidence.vcek), 77});
    seed("snp_verify", "sim_milan_v3_token_crl_revokes_vcek",
         verify_input(opt_simulated, {token_of(revoked)}));
    seed("snp_verify", "sim_genoa_v3_vcek_collateral_crl",
         verify_input(opt_simulated | opt_expect_report_data,
                      {token_of(genoa3.evidence), "", text_of(make_crl(Product::genoa, {5}))}));
    seed("snp_verify", "sim_genoa_v5_collateral_vcek_pem",
         verify_input(opt_simulated | opt_pem,
                      {ccattest::support::base64_encode(genoa5.evidence.report),
                       pem_of(*genoa5.evidence.vcek)}));
    seed("snp_verify", "sim_genoa_v5_vlek_token",
         verify_input(opt_simulated, {token_of(genoa5_vlek.evidence)}));
    seed("snp_verify", "sim_turin_v5_vlek_collateral_crl_pem",
         verify_input(opt_simulated | opt_pem, {token_of(turin5_vlek.evidence), "",
                                                crl_pem_of(make_crl(Product::turin, {}))}));
    auto turin_bare = turin3.evidence;
    turin_bare.vcek.reset();
    turin_bare.ark.reset();
    turin_bare.ask.reset();
    seed("snp_verify", "sim_turin_v3_certificate_file",
         verify_input(opt_simulated | opt_expect_report_data,
                      {token_of(turin_bare), "", "",
                       pem_of(*turin3.evidence.vcek) + crl_pem_of(make_crl(Product::turin, {9}))}));

    // Claims for the policy seeds: what the verifier says of the simulated Genoa report.
    ccattest::snp::VerifierConfig config;
    config.allow_simulated = true;
    config.simulator_state_dir = sim_state;
    const ccattest::snp::Verifier verifier(config);
    const std::string token = token_of(genoa3.evidence);
    const auto claims = verifier.verify(
        std::span(reinterpret_cast<const uint8_t *>(token.data()), token.size()), {}, 1700000000);
    const std::string claims_text = boost::json::serialize(claims);
    for (const auto &entry : fs::directory_iterator(repo / "config/policies")) {
        if (entry.path().extension() == ".json") {
            seed("policy", entry.path().filename().string(),
                 joined({text_of(read(entry.path())), claims_text}));
        }
    }
    seed("policy", "lenient-policy.json",
         joined(
             {text_of(read(repo / "config/examples/policies/lenient-policy.json")), claims_text}));
    seed("policy", "every-operator.json",
         joined({R"({"description": "every operator",
 "required_namespaces": {"server": ["x-snp"], "client": ["x-snp", "x-example"]},
 "exempt_sites": ["observer-1"],
 "namespaces": {
  "x-snp": {"token_expiration": 600, "rules": [
   {"claim": "/simulated", "equals": true},
   {"claim": "/vmpl", "max": 1, "why": "VMPL 0 or 1"},
   {"claim": "/guest_svn", "min": 1},
   {"claim": "/policy/raw", "bits_set": 65536},
   {"claim": "/policy/raw", "bits_clear": 524288},
   {"claim": "/reported_tcb", "min_tcb": {"bootloader": 1, "snp": 8, "fmc": 0}},
   {"claim": "/product", "one_of": ["milan", "genoa", "turin"]},
   {"claim": "/chain/root", "equals": "SIMULATED ARK-Genoa"},
   {"claim": "/a~1b/~0c", "equals": null}]},
  "x-example": {"rules": [{"claim": "/software_only", "equals": false}]}}})",
                 R"({"simulated": true, "vmpl": 2, "guest_svn": 18446744073709551615,
 "policy": {"raw": -1}, "reported_tcb": {"bootloader": 1.5, "snp": 255},
 "product": "genoa", "a/b": {"~c": null}, "chain": {"root": 7}})"}));

    // JSON documents for the strict parser.
    seed("json", "sim_genoa_v3_token.json", token_of(genoa3.evidence));
    seed("json", "claims.json", claims_text);
}

void config_seeds() {
    const fs::path examples = repo / "config/examples";
    const auto example_drop_in = text_of(read(examples / "conf.d/example.json"));
    seed("site_config", "examples_site_with_conf_d",
         joined({text_of(read(examples / "site.json")), example_drop_in}));
    seed("site_config", "simulated_snp_site", text_of(read(examples / "simulated-snp/site.json")));
    seed("site_config", "site_plugins_and_drop_ins",
         joined({R"({"site": {"name": "site-2", "role": "server"},
 "plugin_dir": "plugins", "policy": "policy.json", "state_dir": "state",
 "logging": {"level": "debug", "format": "json"},
 "plugins": [
  {"library": "/opt/ccattest/libcc_snp.so", "critical": true,
   "sha256": "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
   "config": {"source": "none", "product": "genoa"}},
  {"name": "gpu", "library": "libcc_gpu.so", "enabled": false}]})",
                 example_drop_in, R"({"library": "libcc_tdx.so", "critical": false})",
                 R"({"name": "snp", "library": "libcc_other.so"})"}));
    seed("site_config", "site_with_explicit_conf_d",
         joined({R"({"site": {"name": "s"}, "conf_d": "conf.d"})",
                 R"({"name": "e", "library": "libcc_example.so", "config": {}})"}));
    seed("site_config", "default_scenario", text_of(read(examples / "default-scenario.json")));
    for (const auto &entry : fs::directory_iterator(examples / "scenarios")) {
        seed("site_config", "scenario_" + entry.path().filename().string(),
             text_of(read(entry.path())));
        seed("json", "scenario_" + entry.path().filename().string(), text_of(read(entry.path())));
    }
    for (const auto &entry : fs::directory_iterator(repo / "config/schema")) {
        if (entry.path().extension() == ".json") {
            seed("json", entry.path().filename().string(), text_of(read(entry.path())));
        }
    }
    seed("json", "site.json", text_of(read(examples / "simulated-snp/site.json")));
    seed("json", "edge_numbers.json",
         R"([0, -0, 1e400, -1e-400, 18446744073709551615, 18446744073709551616,
 -9223372036854775808, -9223372036854775809, 1.5e308, 0.1e1])");
    seed("json", "edge_strings.json",
         R"({"\ud83d\ude00": "\u0000\b\f\n\r\t\"\\\/", "": "", "a\u00e9": ["\u2028"]})");
    seed("json", "duplicate_nested.json", R"({"a": {"b": 1, "c": [{"d": 1, "d": 2}]}})");
    seed("json", "deep.json", std::string(70, '[') + std::string(70, ']'));
}

Bytes example_token(int64_t issued_at, uint8_t fill) {
    // config/examples/conf.d/example.json's published demo key.
    const auto key = ccattest::support::from_hex(
        "3f1c0b6a9d2e4f5a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c", "key");
    Bytes token(112, 0);
    const std::string magic = "CCXH";
    std::copy(magic.begin(), magic.end(), token.begin());
    token[4] = 1;
    for (size_t i = 0; i < 8; ++i) {
        token[8 + i] = static_cast<uint8_t>(static_cast<uint64_t>(issued_at) >> (8 * i));
    }
    for (size_t i = 0; i < 64; ++i) {
        token[16 + i] = static_cast<uint8_t>(fill + i);
    }
    size_t length = 0;
    EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), token.data(), 80,
              token.data() + 80, 32, &length);
    return token;
}

void example_seeds() {
    const auto token = example_token(1700000000, 7);
    auto with = [&](uint8_t options, const Bytes &bytes) {
        Bytes out(bytes.size() + 1, options);
        std::copy(bytes.begin(), bytes.end(), out.begin() + 1);
        return out;
    };
    seed("example_token", "valid", with(0, token));
    seed("example_token", "valid_expected_own_report_data", with(2, token));
    seed("example_token", "binding_mismatch", with(2 | 4, token));
    seed("example_token", "at_max_age", with(8, token));
    seed("example_token", "expired", with(16, token));
    seed("example_token", "not_yet_valid", with(24, token));
    auto flags = token;
    flags[6] = 1;
    seed("example_token", "flags_set_mac_fixed", with(1, flags));
    seed("example_token", "negative_issue_time_mac_fixed", with(1 | 24, example_token(-5, 1)));
    seed("example_token", "short", with(0, Bytes(token.begin(), token.begin() + 40)));
}

void cc_info_seeds() {
    ccattest::CcInfo info;
    info.site = "site-1";
    info.issued_at = 1700000000;
    for (size_t i = 0; i < info.challenge.size(); ++i) {
        info.challenge[i] = static_cast<uint8_t>(i * 11);
    }
    info.tokens["x-example"] = example_token(1700000000, 3);
    const auto genoa = simulate(Product::genoa, 3, SigningKey::vcek);
    const std::string token = token_of(genoa.evidence);
    info.tokens["x-snp"] = Bytes(token.begin(), token.end());
    seed("cc_info", "two_tokens.json", boost::json::serialize(info.to_json()));
    info.tokens.clear();
    info.site = "a \"quoted\" site \u00e9";
    info.issued_at = ccattest::max_issued_at;
    seed("cc_info", "no_tokens_max_time.json", boost::json::serialize(info.to_json()));
    seed("json", "cc_info.json", boost::json::serialize(info.to_json()));
}

void replay_seeds() {
    const fuzz::Scratch scratch("make-seeds");
    const ccattest::Digest key = fuzz::replay_fuzz_key();
    constexpr int64_t now = fuzz::replay_fuzz_now;
    auto other = [](uint8_t n) {
        ccattest::Digest digest{};
        digest.fill(n);
        return digest;
    };
    auto make = [&](const std::string &name, const auto &fill) {
        const fs::path file = scratch.fresh() / "replay.log";
        {
            ccattest::ReplayStore store(file, {1000, 1000});
            fill(store);
        }
        std::string text;
        fuzz::read_file(file, text);
        seed("replay_store", name, text);
        return text;
    };
    make("empty", [](ccattest::ReplayStore & /*store*/) {});
    const std::string mixed = make("mixed_key_live", [&](ccattest::ReplayStore &store) {
        store.check_and_record(other(1), "site-b", now + 50, now - 100);
        store.check_and_record(key, "site-a", now + 100, now - 100);
        store.check_and_record(other(2), "site-a", now - 10, now - 100);
    });
    make("key_expired", [&](ccattest::ReplayStore &store) {
        store.check_and_record(key, "site-a", now - 1, now - 100);
        store.check_and_record(other(3), "site-c", now + 10, now - 100);
    });
    make("site_quota", [&](ccattest::ReplayStore &store) {
        for (uint8_t n = 1; n <= 3; ++n) {
            store.check_and_record(other(n), "site-a", now + n, now - 100);
        }
    });
    make("full", [&](ccattest::ReplayStore &store) {
        for (uint8_t n = 1; n <= 8; ++n) {
            store.check_and_record(other(n), "site-" + std::to_string(n), now + n, now - 100);
        }
    });
    seed("replay_store", "torn_last_line", mixed + mixed.substr(19, 40));
    seed("replay_store", "version_1", "ccattest-replay-v1\n" + mixed.substr(19));
}

// Collateral cache entries written by serialize_cache_entry, most for the request the target
// loads (fuzz::cache_fuzz_url).
void cache_entry_seeds() {
    using ccattest::net::CacheEntry;
    const std::string url(fuzz::cache_fuzz_url);
    const auto make = [](const std::string &method, const std::string &entry_url, std::string body,
                         int64_t fetched_at, int64_t fresh_until) {
        CacheEntry entry;
        entry.method = method;
        entry.url = entry_url;
        entry.status = 200;
        entry.body = std::move(body);
        entry.fetched_at = fetched_at;
        entry.fresh_until = fresh_until;
        return entry;
    };
    const auto text = [](const fs::path &file) { return text_of(read(file)); };
    CacheEntry chain =
        make("GET", url, text(repo / "config/trust/amd/milan_ask.pem"), 1700000000, 1700086400);
    chain.headers = {{"content-type", "application/x-pem-file"},
                     {"cache-control", "max-age=86400"}};
    seed("cache_entry", "pem_chain", ccattest::net::serialize_cache_entry(chain));
    CacheEntry crl = make("GET", url, text_of(make_crl(Product::milan, {7})), 1700000000, 0);
    crl.headers = {{"content-type", "application/pkix-crl"},
                   {"expires", "Tue, 14 Nov 2023 23:13:20 GMT"}};
    seed("cache_entry", "der_crl_stale", ccattest::net::serialize_cache_entry(crl));
    CacheEntry empty = make("GET", url, "", 0, 0);
    empty.status = 204;
    seed("cache_entry", "empty_body", ccattest::net::serialize_cache_entry(empty));
    const std::string request = R"({"nonce":"00ff"})";
    CacheEntry posted = make("POST", url, R"({"token":"x"})", 1700000000, 1700000060);
    posted.request_body_sha256 = ccattest::support::to_hex(ccattest::support::sha256(
        std::span(reinterpret_cast<const uint8_t *>(request.data()), request.size())));
    posted.headers = {{"content-type", "application/json"}};
    seed("cache_entry", "post_json", ccattest::net::serialize_cache_entry(posted));
    CacheEntry escaped = make("GET", "https://h\u00e9.example/a?b=\"c\"\\d", "\t\x01\x7f", 1, 2);
    escaped.headers = {{"etag", "W/\"\\u00e9\u00e9\""}, {"x-tab", "a\tb"}};
    seed("cache_entry", "escapes_other_url", ccattest::net::serialize_cache_entry(escaped));
}

// JOSE inputs (options byte, token, JWK set, claims): the openssl-made tokens of
// tests/data/support with their keys, and tokens the simulation kit signs (x5c, no kid, crit,
// alg none, expired claims).
void jose_seeds() {
    namespace json = boost::json;
    using ccattest::support::JwsAlgorithm;
    const fs::path fixtures = repo / "tests/data/support";
    const auto fixture = [&](const std::string &name) {
        std::string text = text_of(read(fixtures / name));
        while (!text.empty() && text.back() == '\n') {
            text.pop_back();
        }
        return text;
    };
    const auto input = [](uint8_t options, const std::string &token, const std::string &jwks,
                          const std::string &claims) {
        return std::string(1, static_cast<char>(options)) + joined({token, jwks, claims});
    };
    json::array usable;
    const json::value all = ccattest::support::parse_json(fixture("jwks.json"));
    for (const auto &key : all.at("keys").as_array()) {
        if (key.at("kid").as_string() != "rsa1024") {
            usable.push_back(key);
        }
    }
    const std::string keys = json::serialize(json::object{{"keys", usable}});
    const std::string claims =
        R"({"iss":"https://issuer.example","exp":2000000000,"nbf":1600000000,"iat":1600000000})";
    for (const std::string name : {"rs256", "ps256", "es256", "es384", "es256_der_signature"}) {
        seed("jose", "openssl_" + name, input(0, fixture(name + ".jws"), keys, claims));
    }
    seed("jose", "openssl_es384_es_only_skew",
         input(1U | (1U << 2U), fixture("es384.jws"), keys, claims));
    seed("jose", "openssl_rsa1024_set",
         input(0, fixture("rs256_rsa1024.jws"), fixture("jwks.json"),
               R"({"iss":"https://issuer.example"})"));

    const auto p256 = ccattest::support::generate_key(ccattest::support::KeyKind::p256);
    ccattest::support::CertificateSpec spec;
    spec.subject = {{"CN", "Fuzz Token Signer"}};
    spec.issuer = spec.subject;
    spec.not_before = 1600000000;
    spec.not_after = 2000000000;
    spec.subject_key = p256.get();
    spec.issuer_key = p256.get();
    spec.certificate_authority = true;
    const auto certificate = ccattest::support::make_certificate(spec);
    const std::string x5c_keys = ccattest::support::jwks_text(
        {ccattest::support::jwk_of(p256.get(), "signer", "ES256", "sig", {certificate})});
    seed("jose", "kit_es256_x5c",
         input(0, ccattest::support::sign_jws(JwsAlgorithm::es256, p256.get(), "signer", claims),
               x5c_keys, claims));
    seed("jose", "kit_es256_no_kid",
         input(2, ccattest::support::sign_jws(JwsAlgorithm::es256, p256.get(), "", claims),
               x5c_keys, R"({"iss":"https://issuer.example","exp":900,"iat":1200})"));
    const Bytes payload(claims.begin(), claims.end());
    seed("jose", "kit_crit",
         input(0,
               ccattest::support::sign_jws_compact(
                   R"({"alg":"ES256","kid":"signer","crit":["b64"],"b64":false})", payload,
                   p256.get(), JwsAlgorithm::es256),
               x5c_keys, claims));
    seed("jose", "kit_alg_none",
         input(0,
               ccattest::support::sign_jws_compact(R"({"alg":"none"})", payload, p256.get(),
                                                   JwsAlgorithm::es256),
               x5c_keys, R"({"iss":"https://other.example","exp":"soon"})"));
}

} // namespace

int main(int argc, char **argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--repo") {
            repo = argv[i + 1];
        } else if (option == "--sim-state") {
            sim_state = argv[i + 1];
        }
    }
    if (repo.empty()) {
        std::cerr << "usage: fuzz_make_seeds --repo <source root> [--sim-state <folder>]\n";
        return 2;
    }
    if (sim_state.empty()) {
        sim_state = repo / "tests/fuzz/sim-state";
    }
    corpus = repo / "tests/fuzz/corpus";
    snp_seeds();
    config_seeds();
    example_seeds();
    cc_info_seeds();
    replay_seeds();
    cache_entry_seeds();
    jose_seeds();
    std::error_code ec;
    fs::remove(sim_state / "snp" / ".lock", ec); // the simulator's lock file is not state
    std::cout << "seeds written under " << corpus.string() << '\n';
    return 0;
}
