// Chains to pinned anchors with CRLs, and the chain cache: an openssl-made chain (RSA PKCS#1 root,
// RSASSA-PSS-signed P-384 intermediate, ECDSA-signed P-256 leaf, CRLs by the root) and chains and
// CRLs the simulation kit mints (P-256 issuers, RSA PKCS#1 issuers, forged and stale CRLs).
#include "support_test.hpp"

#include <ccattest/support/sim/state.hpp>

using namespace support_test;
using ccattest::support::Certificate;
using ccattest::support::ChainOptions;
using ccattest::support::Crl;
using ccattest::support::KeyKind;
using ccattest::support::X509Signature;

namespace {

constexpr int64_t in_2025 = 1750000000;  // 2025-06-15T15:06:40Z
constexpr int64_t in_2023 = 1700000000;  // 2023-11-14T22:13:20Z: before the CRLs' thisUpdate
constexpr int64_t jan_2021 = 1609459200; // leaf notBefore
constexpr int64_t jan_2024 = 1704067200; // CRLs' thisUpdate
constexpr int64_t jan_2030 = 1893456000; // leaf notAfter

Certificate cert(const std::string &name) {
    return Certificate::parse(fixture(name), name);
}
Crl crl(const std::string &name) {
    return Crl::parse(fixture(name), name);
}

// A chain minted by the kit: P-256 root (ECDSA/SHA-256) -> RSA-2048 intermediate (signed by the
// root) -> P-384 leaf (signed RSA PKCS#1/SHA-256 by the intermediate).
struct KitChain {
    ccattest::support::PkeyPtr root_key = ccattest::support::generate_key(KeyKind::p256);
    ccattest::support::PkeyPtr intermediate_key = fixture_key("rsa2048.key.pem");
    ccattest::support::PkeyPtr leaf_key = ccattest::support::generate_key(KeyKind::p384);
    Certificate root = mint({{"CN", "Kit Root"}}, {{"CN", "Kit Root"}}, 1, root_key.get(),
                            root_key.get(), true, X509Signature::automatic);
    Certificate intermediate =
        mint({{"CN", "Kit Intermediate"}}, {{"CN", "Kit Root"}}, 2, intermediate_key.get(),
             root_key.get(), true, X509Signature::automatic);
    Certificate leaf = mint({{"CN", "Kit Leaf"}}, {{"CN", "Kit Intermediate"}}, 10, leaf_key.get(),
                            intermediate_key.get(), false, X509Signature::rsa_pkcs1_sha256);

    static Certificate mint(std::vector<std::pair<std::string, std::string>> subject,
                            std::vector<std::pair<std::string, std::string>> issuer, long serial,
                            EVP_PKEY *subject_key, EVP_PKEY *issuer_key, bool authority,
                            X509Signature signature) {
        ccattest::support::CertificateSpec spec;
        spec.subject = std::move(subject);
        spec.issuer = std::move(issuer);
        spec.serial = serial;
        spec.not_before = 1600000000;
        spec.not_after = 2000000000;
        spec.subject_key = subject_key;
        spec.issuer_key = issuer_key;
        spec.signature = signature;
        spec.certificate_authority = authority;
        return ccattest::support::make_certificate(spec);
    }

    [[nodiscard]] Crl crl_of(const Certificate &issuer, EVP_PKEY *signer, std::vector<long> serials,
                             int64_t next_update) const {
        ccattest::support::CrlSpec spec;
        spec.issuer = &issuer;
        spec.signer = signer;
        spec.revoked_serials = std::move(serials);
        spec.this_update = 1650000000;
        spec.next_update = next_update;
        return Crl::parse(ccattest::support::make_crl(spec), "kit CRL",
                          ccattest::support::Encoding::der);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(support_x509)

BOOST_AUTO_TEST_CASE(openssl_made_chain_verifies_with_its_window) {
    const auto chain = ccattest::support::verify_chain(cert("leaf.pem"), {cert("intermediate.pem")},
                                                       {cert("root.pem")}, in_2025);
    BOOST_REQUIRE(chain.path.size() == 3u);
    BOOST_TEST(chain.path[1].subject_cn() == "Fixture Intermediate");
    BOOST_TEST(chain.anchor().subject_cn() == "Fixture Root");
    BOOST_TEST(chain.valid_from == jan_2021);
    BOOST_TEST(chain.valid_until == jan_2030);

    ChainOptions options;
    options.crls = {crl("root_empty.crl.pem")};
    const auto with_crl = ccattest::support::verify_chain(
        cert("leaf.pem"), {cert("intermediate.pem")}, {cert("root.pem")}, in_2025, options);
    BOOST_TEST(with_crl.valid_from == jan_2024); // the CRL's thisUpdate narrows the window
    BOOST_TEST(with_crl.valid_until == jan_2030);
}

BOOST_AUTO_TEST_CASE(a_crl_revoking_the_intermediate_refuses_the_chain) {
    ChainOptions options;
    options.crls = {crl("root_revokes_intermediate.crl.pem")};
    const auto refused = refusal([&] {
        (void)ccattest::support::verify_chain(cert("leaf.pem"), {cert("intermediate.pem")},
                                              {cert("root.pem")}, in_2025, options);
    });
    BOOST_TEST(refused.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.second ==
               "CRL from Fixture Root revokes certificate \"Fixture Intermediate\" (serial 02)");
}

BOOST_AUTO_TEST_CASE(a_crl_not_yet_valid_and_missing_crls) {
    ChainOptions options;
    options.crls = {crl("root_empty.crl.pem")};
    const auto early = refusal([&] {
        (void)ccattest::support::verify_chain(cert("leaf.pem"), {cert("intermediate.pem")},
                                              {cert("root.pem")}, in_2023, options);
    });
    BOOST_TEST(early.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(early.second == "CRL from Fixture Root is not valid before 2024-01-01T00:00:00Z "
                               "(thisUpdate), checked at 2023-11-14T22:13:20Z");
    options.require_crl_for_every_issuer = true;
    const auto missing = refusal([&] {
        (void)ccattest::support::verify_chain(cert("leaf.pem"), {cert("intermediate.pem")},
                                              {cert("root.pem")}, in_2025, options);
    });
    BOOST_TEST(missing.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(missing.second == "no CRL from Fixture Intermediate: the revocation status of "
                                 "certificate \"Fixture Leaf\" is unknown");
}

BOOST_AUTO_TEST_CASE(expired_certificates_and_wrong_roots) {
    // notAfter itself is outside the window (OpenSSL's rule, and the chain's valid_until).
    const auto expired = refusal([&] {
        (void)ccattest::support::verify_chain(cert("leaf.pem"), {cert("intermediate.pem")},
                                              {cert("root.pem")}, jan_2030);
    });
    BOOST_TEST(expired.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(expired.second ==
               "certificate \"Fixture Leaf\" (valid 2021-01-01T00:00:00Z to "
               "2030-01-01T00:00:00Z) is not valid at 2030-01-01T00:00:00Z: certificate has "
               "expired");
    BOOST_TEST(ccattest::support::verify_chain(cert("leaf.pem"), {cert("intermediate.pem")},
                                               {cert("root.pem")}, jan_2030 - 1)
                   .path.size() == 3u);

    const KitChain kit;
    const auto wrong_root = refusal([&] {
        (void)ccattest::support::verify_chain(cert("leaf.pem"), {cert("intermediate.pem")},
                                              {kit.root}, in_2025);
    });
    BOOST_TEST(wrong_root.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(wrong_root.second.find("certificate chain does not verify at certificate "
                                      "\"Fixture Intermediate\"") == 0u,
               wrong_root.second);
    // An intermediate is never an anchor by itself (no partial chains).
    const auto partial = refusal([&] {
        (void)ccattest::support::verify_chain(cert("leaf.pem"), {}, {cert("intermediate.pem")},
                                              in_2025);
    });
    BOOST_TEST(partial.first == CCATTEST_E_VERIFICATION_FAILED);
}

BOOST_AUTO_TEST_CASE(kit_minted_chain_with_p256_and_pkcs1_issuers) {
    const KitChain kit;
    const auto chain =
        ccattest::support::verify_chain(kit.leaf, {kit.intermediate}, {kit.root}, in_2025);
    BOOST_TEST(chain.path.size() == 3u);
    BOOST_TEST(chain.valid_from == 1600000000);
    BOOST_TEST(chain.valid_until == 2000000000);

    ChainOptions options;
    options.crls = {kit.crl_of(kit.root, kit.root_key.get(), {99}, 1900000000),
                    kit.crl_of(kit.intermediate, kit.intermediate_key.get(), {}, 1800000000)};
    options.require_crl_for_every_issuer = true;
    const auto with_crls =
        ccattest::support::verify_chain(kit.leaf, {kit.intermediate}, {kit.root}, in_2025, options);
    BOOST_TEST(with_crls.valid_from == 1650000000);
    BOOST_TEST(with_crls.valid_until == 1800000001); // a CRL holds through its nextUpdate
}

BOOST_AUTO_TEST_CASE(kit_minted_crls_revoked_stale_forged_unrelated) {
    const KitChain kit;
    const auto check = [&](const Crl &list, ccattest_status status, const std::string &message,
                           bool refuse_unrelated = false) {
        ChainOptions options;
        options.crls = {list};
        options.refuse_unrelated_crls = refuse_unrelated;
        const auto refused = refusal([&] {
            (void)ccattest::support::verify_chain(kit.leaf, {kit.intermediate}, {kit.root}, in_2025,
                                                  options);
        });
        BOOST_TEST(refused.first == status);
        BOOST_TEST(refused.second == message);
    };
    check(kit.crl_of(kit.intermediate, kit.intermediate_key.get(), {5, 10}, 1900000000),
          CCATTEST_E_VERIFICATION_FAILED,
          "CRL from Kit Intermediate revokes certificate \"Kit Leaf\" (serial 0a)");
    check(kit.crl_of(kit.root, kit.root_key.get(), {}, in_2025 - 1), CCATTEST_E_EXPIRED,
          "CRL from Kit Root expired at 2025-06-15T15:06:39Z");
    const auto forger = ccattest::support::generate_key(KeyKind::p256);
    check(kit.crl_of(kit.root, forger.get(), {}, 1900000000), CCATTEST_E_VERIFICATION_FAILED,
          "CRL is not signed by Kit Root");
    const auto stranger =
        KitChain::mint({{"CN", "Stranger"}}, {{"CN", "Stranger"}}, 7, forger.get(), forger.get(),
                       true, X509Signature::automatic);
    const Crl unrelated = kit.crl_of(stranger, forger.get(), {10}, 1900000000);
    check(unrelated, CCATTEST_OK, "accepted");
    check(unrelated, CCATTEST_E_VERIFICATION_FAILED,
          "CRL issued by \"Stranger\" names no CA of the chain: an unrelated CRL is refused", true);
}

BOOST_AUTO_TEST_CASE(weak_issuers_are_refused) {
    const KitChain kit;
    const auto weak = fixture_key("rsa1024.key.pem");
    const auto weak_root =
        KitChain::mint({{"CN", "Weak Root"}}, {{"CN", "Weak Root"}}, 1, weak.get(), weak.get(),
                       true, X509Signature::rsa_pkcs1_sha256);
    const auto leaf = KitChain::mint({{"CN", "Leaf"}}, {{"CN", "Weak Root"}}, 2, kit.leaf_key.get(),
                                     weak.get(), false, X509Signature::rsa_pkcs1_sha256);
    const auto refused =
        refusal([&] { (void)ccattest::support::verify_chain(leaf, {}, {weak_root}, in_2025); });
    BOOST_TEST(refused.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.second.find("too weak") != std::string::npos, refused.second);
}

BOOST_AUTO_TEST_CASE(chain_cache_reuses_verdicts_inside_their_window_only) {
    ccattest::support::ChainCache cache(2);
    const auto leaf = cert("leaf.pem");
    const std::vector<Certificate> intermediates = {cert("intermediate.pem")};
    const std::vector<Certificate> anchors = {cert("root.pem")};
    const auto first = cache.verify(leaf, intermediates, anchors, in_2025);
    BOOST_TEST(cache.size() == 1u);
    const auto again = cache.verify(leaf, intermediates, anchors, in_2023);
    BOOST_TEST(again.valid_until == first.valid_until);
    BOOST_TEST(cache.size() == 1u);
    // Outside the window the chain is checked again, and the failure is not cached.
    const auto expired =
        refusal([&] { (void)cache.verify(leaf, intermediates, anchors, jan_2030); });
    BOOST_TEST(expired.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(cache.size() == 1u);
    // CRLs are part of the key: a revoking CRL is never answered from the entry without it.
    ChainOptions options;
    options.crls = {crl("root_revokes_intermediate.crl.pem")};
    const auto revoked =
        refusal([&] { (void)cache.verify(leaf, intermediates, anchors, in_2025, options); });
    BOOST_TEST(revoked.first == CCATTEST_E_VERIFICATION_FAILED);
    options.crls = {crl("root_empty.crl.pem")};
    const auto with_crl = cache.verify(leaf, intermediates, anchors, in_2025, options);
    BOOST_TEST(with_crl.valid_from == jan_2024);
    BOOST_TEST(cache.size() == 2u);
    // Before that CRL's thisUpdate its entry does not answer.
    const auto early =
        refusal([&] { (void)cache.verify(leaf, intermediates, anchors, in_2023, options); });
    BOOST_TEST(early.first == CCATTEST_E_EXPIRED);
    // Bounded: a third entry empties the cache first.
    const KitChain kit;
    (void)cache.verify(kit.leaf, {kit.intermediate}, {kit.root}, in_2025);
    BOOST_TEST(cache.size() == 1u);
    cache.clear();
    BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
