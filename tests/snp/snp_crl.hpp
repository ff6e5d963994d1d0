// Mints CRLs with the SEV-SNP simulator's keys, for the SNP tests and the fuzz seed generator.
#pragma once

#include "simulator.hpp"

#include <ccattest/support/crypto.hpp>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace snp_test {

/// A CRL with `issuer`'s subject as issuer name (a certificate of the simulator state `state`,
/// e.g. "milan_ark"), signed RSASSA-PSS/SHA-384 with `signer`'s key, revoking `serials`, valid
/// until next_update. The simulator makes the roots of both on first use.
inline ccattest::support::Bytes mint_crl(const std::filesystem::path &state,
                                         const std::vector<long> &serials, int64_t next_update,
                                         const std::string &signer, const std::string &issuer) {
    for (const std::string &name : {signer, issuer}) {
        (void)ccattest::snp::simulated_roots(
            state, *ccattest::snp::product_from_name(name.substr(0, name.find('_'))));
    }
    const auto key_pem =
        ccattest::support::read_file(state / "snp" / (signer + ".key.pem"), 1U << 16U);
    BIO *bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key == nullptr) {
        throw std::runtime_error("cannot read the simulator key " + signer);
    }
    const auto named = ccattest::support::Certificate::load(state / "snp" / (issuer + ".pem"));
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
    ccattest::support::Bytes out(der, der + length);
    OPENSSL_free(der);
    EVP_MD_CTX_free(context);
    X509_CRL_free(crl);
    ASN1_TIME_free(last);
    ASN1_TIME_free(next);
    EVP_PKEY_free(key);
    return out;
}

} // namespace snp_test
