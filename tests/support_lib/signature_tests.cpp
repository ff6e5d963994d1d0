// ECDSA (P-256, P-384; raw r||s in either byte order, DER; low s) and RSA (PKCS#1 v1.5, PSS),
// against openssl-made signatures and the kit's signer.
#include "support_test.hpp"

#include <ccattest/support/signatures.hpp>
#include <ccattest/support/sim/state.hpp>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <algorithm>

using namespace support_test;
using ccattest::support::ByteOrder;
using ccattest::support::EcdsaAlgorithm;
using ccattest::support::EcdsaSignatureForm;
using ccattest::support::RsaAlgorithm;

namespace {

struct CompactJws {
    Bytes input;
    Bytes signature;
};

CompactJws split(const std::string &token) {
    const size_t last = token.rfind('.');
    return {bytes_of(token.substr(0, last)),
            ccattest::support::base64url_decode(token.substr(last + 1), "signature")};
}

Bytes reversed(std::span<const uint8_t> bytes) {
    return {bytes.rbegin(), bytes.rend()};
}

// n - s for the key's curve.
Bytes other_s(EVP_PKEY *key, const Bytes &s) {
    const int nid =
        ccattest::support::ec_curve_of(key) == "P-256" ? NID_X9_62_prime256v1 : NID_secp384r1;
    EC_GROUP *group = EC_GROUP_new_by_curve_name(nid);
    BIGNUM *value = BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr);
    BIGNUM *out = BN_new();
    BN_sub(out, EC_GROUP_get0_order(group), value);
    Bytes bytes(s.size());
    BN_bn2binpad(out, bytes.data(), static_cast<int>(bytes.size()));
    BN_free(out);
    BN_free(value);
    EC_GROUP_free(group);
    return bytes;
}

} // namespace

BOOST_AUTO_TEST_SUITE(support_signatures)

BOOST_AUTO_TEST_CASE(ec_public_keys_from_coordinates) {
    const auto key = ccattest::support::generate_key(ccattest::support::KeyKind::p256);
    Bytes point(65);
    size_t size = 0;
    BOOST_TEST_REQUIRE(
        EVP_PKEY_get_octet_string_param(key.get(), "pub", point.data(), point.size(), &size) == 1);
    const Bytes x_then_y(point.begin() + 1, point.begin() + 65);
    const auto imported =
        ccattest::support::ec_public_key(EcdsaAlgorithm::p256_sha256, x_then_y, "key");
    BOOST_TEST(EVP_PKEY_eq(imported.get(), key.get()) == 1);
    const auto message = bytes_of("signed");
    const auto [r, s] =
        ccattest::support::ecdsa_sign(key.get(), EcdsaAlgorithm::p256_sha256, message);
    BOOST_TEST(ccattest::support::ecdsa_verify(imported.get(), EcdsaAlgorithm::p256_sha256, message,
                                               r, s));

    Bytes off_curve = x_then_y;
    off_curve[63] ^= 1U;
    const auto refused = refusal([&] {
        (void)ccattest::support::ec_public_key(EcdsaAlgorithm::p256_sha256, off_curve, "key");
    });
    BOOST_TEST(refused.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(refused.second.find("key: ") == 0U, refused.second);
    const auto short_key = refusal([&] {
        (void)ccattest::support::ec_public_key(EcdsaAlgorithm::p384_sha384, x_then_y, "key");
    });
    BOOST_TEST(short_key.second == "key: EC public key of 64 bytes, expected 96 (x||y)");
}

BOOST_AUTO_TEST_CASE(openssl_made_ecdsa_signatures_verify_raw_and_der) {
    const auto p256 = fixture_key("p256.key.pem");
    const auto p384 = fixture_key("p384.key.pem");
    const auto es256 = split(fixture_text("es256.jws"));
    const auto es384 = split(fixture_text("es384.jws"));
    const auto der = split(fixture_text("es256_der_signature.jws"));
    BOOST_TEST(ccattest::support::ecdsa_verify_raw(p256.get(), EcdsaAlgorithm::p256_sha256,
                                                   es256.input, es256.signature));
    BOOST_TEST(ccattest::support::ecdsa_verify_raw(p384.get(), EcdsaAlgorithm::p384_sha384,
                                                   es384.input, es384.signature));
    BOOST_TEST(ccattest::support::ecdsa_verify_der(p256.get(), EcdsaAlgorithm::p256_sha256,
                                                   der.input, der.signature));
    Bytes tampered = es384.input;
    tampered.back() ^= 1U;
    BOOST_TEST(!ccattest::support::ecdsa_verify_raw(p384.get(), EcdsaAlgorithm::p384_sha384,
                                                    tampered, es384.signature));

    const auto length = refusal([&] {
        (void)ccattest::support::ecdsa_verify_raw(p256.get(), EcdsaAlgorithm::p256_sha256,
                                                  der.input, der.signature);
    });
    BOOST_TEST(length.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(length.second == "ECDSA P-256/SHA-256 signature is " +
                                    std::to_string(der.signature.size()) +
                                    " bytes, expected 64 (r||s)");
    Bytes longer = der.signature;
    longer.push_back(0);
    const auto trailing = refusal([&] {
        (void)ccattest::support::ecdsa_verify_der(p256.get(), EcdsaAlgorithm::p256_sha256,
                                                  der.input, longer);
    });
    BOOST_TEST(trailing.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(trailing.second == "ECDSA signature: 1 byte after Ecdsa-Sig-Value");
}

BOOST_AUTO_TEST_CASE(byte_orders_of_r_and_s) {
    const auto key = ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    const Bytes message = bytes_of("report");
    const auto [r, s] =
        ccattest::support::ecdsa_sign(key.get(), EcdsaAlgorithm::p384_sha384, message);
    BOOST_TEST(
        ccattest::support::ecdsa_verify(key.get(), EcdsaAlgorithm::p384_sha384, message, r, s));
    // AMD's layout: each of r and s little-endian, zero-padded to 72 bytes.
    Bytes r_le = reversed(r);
    Bytes s_le = reversed(s);
    r_le.resize(72, 0);
    s_le.resize(72, 0);
    BOOST_TEST(ccattest::support::ecdsa_verify(key.get(), EcdsaAlgorithm::p384_sha384, message,
                                               r_le, s_le, EcdsaSignatureForm::any,
                                               ByteOrder::little_endian));
    BOOST_TEST(!ccattest::support::ecdsa_verify(key.get(), EcdsaAlgorithm::p384_sha384, message,
                                                r_le, s_le, EcdsaSignatureForm::any,
                                                ByteOrder::big_endian));
    Bytes raw_le = reversed(r);
    const Bytes s_reversed = reversed(s);
    raw_le.insert(raw_le.end(), s_reversed.begin(), s_reversed.end());
    BOOST_TEST(ccattest::support::ecdsa_verify_raw(key.get(), EcdsaAlgorithm::p384_sha384, message,
                                                   raw_le, EcdsaSignatureForm::any,
                                                   ByteOrder::little_endian));
}

BOOST_AUTO_TEST_CASE(low_s_is_enforced_only_where_asked) {
    for (const auto kind : {ccattest::support::KeyKind::p256, ccattest::support::KeyKind::p384}) {
        const auto key = ccattest::support::generate_key(kind);
        const auto algorithm = kind == ccattest::support::KeyKind::p256
                                   ? EcdsaAlgorithm::p256_sha256
                                   : EcdsaAlgorithm::p384_sha384;
        const Bytes message = bytes_of("evidence");
        const auto signature = ccattest::support::ecdsa_sign(key.get(), algorithm, message);
        const Bytes &r = signature.first; // not a structured binding: the lambda below uses it
        const Bytes &s = signature.second;
        const Bytes n_minus_s = other_s(key.get(), s);
        // Exactly one of s and n - s is low.
        const bool s_low = ccattest::support::ecdsa_s_is_low(key.get(), s);
        BOOST_TEST(s_low != ccattest::support::ecdsa_s_is_low(key.get(), n_minus_s));
        const Bytes &low = s_low ? s : n_minus_s;
        const Bytes &high = s_low ? n_minus_s : s;
        // ECDSA itself accepts both forms...
        BOOST_TEST(ccattest::support::ecdsa_verify(key.get(), algorithm, message, r, low));
        BOOST_TEST(ccattest::support::ecdsa_verify(key.get(), algorithm, message, r, high));
        // ...low_s accepts only the low one, and says why it refuses the other.
        BOOST_TEST(ccattest::support::ecdsa_verify(key.get(), algorithm, message, r, low,
                                                   EcdsaSignatureForm::low_s));
        const auto refused = refusal([&] {
            (void)ccattest::support::ecdsa_verify(key.get(), algorithm, message, r, high,
                                                  EcdsaSignatureForm::low_s);
        });
        BOOST_TEST(refused.first == CCATTEST_E_VERIFICATION_FAILED);
        BOOST_TEST(refused.second == "ECDSA signature has a high s (above half the curve order), "
                                     "which this signer never produces");
        BOOST_TEST(!ccattest::support::ecdsa_verify(key.get(), algorithm, bytes_of("evidencE"), r,
                                                    low, EcdsaSignatureForm::low_s));
    }
    const auto rsa = fixture_key("rsa2048.key.pem");
    const auto not_ec =
        refusal([&] { (void)ccattest::support::ecdsa_s_is_low(rsa.get(), Bytes(48, 1)); });
    BOOST_TEST(not_ec.first == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(not_ec.second == "the key is not an EC key on a named curve");
}

BOOST_AUTO_TEST_CASE(key_type_and_curve_must_fit_the_algorithm) {
    const auto p256 = fixture_key("p256.key.pem");
    const auto rsa = fixture_key("rsa2048.key.pem");
    const Bytes message = bytes_of("m");
    const Bytes scalar(48, 1);
    const auto curve = refusal([&] {
        (void)ccattest::support::ecdsa_verify(p256.get(), EcdsaAlgorithm::p384_sha384, message,
                                              scalar, scalar);
    });
    BOOST_TEST(curve.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(curve.second == "ECDSA P-384/SHA-384 needs a P-384 key, this is a P-256 key");
    const auto rsa_for_ecdsa = refusal([&] {
        (void)ccattest::support::ecdsa_verify(rsa.get(), EcdsaAlgorithm::p256_sha256, message,
                                              scalar, scalar);
    });
    BOOST_TEST(rsa_for_ecdsa.second == "ECDSA P-256/SHA-256 needs a P-256 key, this is an RSA key");
    const auto ec_for_rsa = refusal([&] {
        (void)ccattest::support::rsa_verify(p256.get(), RsaAlgorithm::pss_sha256, message,
                                            Bytes(256, 1));
    });
    BOOST_TEST(ec_for_rsa.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(ec_for_rsa.second == "an RSA signature needs an RSA key, this is a P-256 key");
    // The SEV-SNP form is the P-384 check: a P-256 key never passes it.
    const auto snp = refusal(
        [&] { (void)ccattest::support::ecdsa_sha384_verify(p256.get(), message, scalar, scalar); });
    BOOST_TEST(snp.second == "ECDSA P-384/SHA-384 needs a P-384 key, this is a P-256 key");
}

BOOST_AUTO_TEST_CASE(openssl_made_rsa_signatures_verify) {
    const auto rsa = fixture_key("rsa2048.key.pem");
    const auto rs256 = split(fixture_text("rs256.jws"));
    const auto ps256 = split(fixture_text("ps256.jws"));
    BOOST_TEST(ccattest::support::rsa_verify(rsa.get(), RsaAlgorithm::pkcs1_sha256, rs256.input,
                                             rs256.signature));
    BOOST_TEST(ccattest::support::rsa_verify(rsa.get(), RsaAlgorithm::pss_sha256, ps256.input,
                                             ps256.signature));
    // Padding and hash are part of the algorithm: no cross-acceptance.
    BOOST_TEST(!ccattest::support::rsa_verify(rsa.get(), RsaAlgorithm::pss_sha256, rs256.input,
                                              rs256.signature));
    BOOST_TEST(!ccattest::support::rsa_verify(rsa.get(), RsaAlgorithm::pkcs1_sha384, rs256.input,
                                              rs256.signature));
    Bytes tampered = ps256.signature;
    tampered[10] ^= 0x40U;
    BOOST_TEST(
        !ccattest::support::rsa_verify(rsa.get(), RsaAlgorithm::pss_sha256, ps256.input, tampered));
}

BOOST_AUTO_TEST_CASE(kit_rsa_signatures_round_trip_and_small_keys_are_refused) {
    const auto rsa = fixture_key("rsa2048.key.pem");
    const Bytes message = bytes_of("measurement");
    for (const auto algorithm : {RsaAlgorithm::pkcs1_sha256, RsaAlgorithm::pkcs1_sha384,
                                 RsaAlgorithm::pss_sha256, RsaAlgorithm::pss_sha384}) {
        const Bytes signature = ccattest::support::rsa_sign(rsa.get(), algorithm, message);
        BOOST_TEST(ccattest::support::rsa_verify(rsa.get(), algorithm, message, signature),
                   ccattest::support::rsa_algorithm_name(algorithm));
    }
    const auto small = fixture_key("rsa1024.key.pem");
    const Bytes signature =
        ccattest::support::rsa_sign(small.get(), RsaAlgorithm::pkcs1_sha256, message);
    const auto refused = refusal([&] {
        (void)ccattest::support::rsa_verify(small.get(), RsaAlgorithm::pkcs1_sha256, message,
                                            signature);
    });
    BOOST_TEST(refused.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.second == "RSA key of 1024 bits is outside the accepted 2048 to 8192 bits");
}

BOOST_AUTO_TEST_SUITE_END()
