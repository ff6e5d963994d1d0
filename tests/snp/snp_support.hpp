// Shared helpers of the SNP tests.
#pragma once

#include "report.hpp"
#include "simulator.hpp"
#include "verifier.hpp"

#include <ccattest/common/crypto.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <string>
#include <utility>

namespace snp_test {

namespace fs = std::filesystem;
using ccattest::common::Bytes;

inline fs::path vector(const std::string &name) {
    return fs::path(SNP_VECTORS) / name;
}

inline Bytes read(const std::string &name) {
    return ccattest::common::read_file(vector(name), 1U << 20U);
}

/// A time inside every vector VCEK's validity window (2023-11-14T22:13:20Z).
constexpr int64_t inside_window = 1700000000;
/// After every vector VCEK expired (2031-01-01T00:00:00Z).
constexpr int64_t after_expiry = 1924992000;

/// The shared simulator state of this build (keys are made once, then reused).
inline fs::path sim_state() {
    return SNP_SIM_STATE;
}

/// Outcome of a verification: status, message, claims.
struct Outcome {
    ccattest_status status = CCATTEST_OK;
    std::string message;
    boost::json::object claims;
};

inline Outcome verify(const ccattest::snp::Verifier &verifier, const Bytes &token,
                      std::span<const uint8_t> expected = {}, int64_t when = inside_window) {
    Outcome out;
    try {
        out.claims = verifier.verify(token, expected, when);
    } catch (const ccattest::sdk::failure &e) {
        out.status = e.status();
        out.message = e.what();
    }
    return out;
}

inline ccattest::snp::Verifier verifier_with(std::vector<fs::path> certificates,
                                             std::optional<ccattest::snp::Product> product = {}) {
    ccattest::snp::VerifierConfig config;
    config.certificate_files = std::move(certificates);
    config.product = product;
    return ccattest::snp::Verifier(config);
}

/// A CRL with `issuer`'s subject as issuer name (a certificate of the simulator's state, e.g.
/// "milan_ark"), signed RSASSA-PSS/SHA-384 with `signer`'s key, revoking `serials`, valid until
/// next_update.
inline Bytes make_crl(const std::vector<long> &serials, int64_t next_update,
                      const std::string &signer = "milan_ark",
                      const std::string &issuer = "milan_ark") {
    for (const std::string &name : {signer, issuer}) { // the simulator makes its roots on first use
        (void)ccattest::snp::simulated_roots(
            sim_state(), *ccattest::snp::product_from_name(name.substr(0, name.find('_'))));
    }
    const auto key_pem =
        ccattest::common::read_file(sim_state() / "snp" / (signer + ".key.pem"), 1U << 16U);
    BIO *bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    BOOST_REQUIRE(key != nullptr);
    const auto named = ccattest::common::Certificate::load(sim_state() / "snp" / (issuer + ".pem"));
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(named.get()));
    ASN1_TIME *last = ASN1_TIME_set(nullptr, 1600000000);
    ASN1_TIME *next = ASN1_TIME_set(nullptr, static_cast<time_t>(next_update));
    X509_CRL_set1_lastUpdate(crl, last);
    X509_CRL_set1_nextUpdate(crl, next);
    for (const long serial : serials) {
        X509_REVOKED *revoked = X509_REVOKED_new();
        ASN1_INTEGER *number = ASN1_INTEGER_new();
        ASN1_INTEGER_set(number, serial);
        X509_REVOKED_set_serialNumber(revoked, number);
        X509_REVOKED_set_revocationDate(revoked, last);
        X509_CRL_add0_revoked(crl, revoked);
        ASN1_INTEGER_free(number);
    }
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    EVP_PKEY_CTX *key_context = nullptr;
    EVP_DigestSignInit(context, &key_context, EVP_sha384(), nullptr, key);
    EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, 48);
    X509_CRL_sort(crl);
    X509_CRL_sign_ctx(crl, context);
    unsigned char *der = nullptr;
    const int length = i2d_X509_CRL(crl, &der);
    Bytes out(der, der + length);
    OPENSSL_free(der);
    EVP_MD_CTX_free(context);
    X509_CRL_free(crl);
    ASN1_TIME_free(last);
    ASN1_TIME_free(next);
    EVP_PKEY_free(key);
    return out;
}

inline Bytes bytes_of(const std::string &text) {
    return {text.begin(), text.end()};
}

inline std::string pem_of(const ccattest::common::Certificate &certificate) {
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, certificate.get());
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(length));
    BIO_free(bio);
    return out;
}

/// Status and message of a call expected to throw sdk::failure ({CCATTEST_OK, "accepted"} when
/// it does not).
template <typename F> std::pair<ccattest_status, std::string> refusal(F &&call) {
    try {
        call();
    } catch (const ccattest::sdk::failure &e) {
        return {e.status(), e.what()};
    }
    return {CCATTEST_OK, "accepted"};
}

} // namespace snp_test
