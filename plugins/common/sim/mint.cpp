// The kit's minting: keys, certificates, CRLs, DER values and signatures.
#include "ccattest/support/openssl_ptr.hpp"
#include "ccattest/support/sim/state.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

namespace ccattest::support {
using sdk::failure;

namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

void check(bool ok, const char *what) {
    if (!ok) {
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("simulator: ") + what + ": " + openssl_error());
    }
}

X509_NAME *make_name(const std::vector<std::pair<std::string, std::string>> &parts) {
    X509_NAME *name = X509_NAME_new();
    check(name != nullptr, "X509_NAME_new");
    for (const auto &[field, value] : parts) {
        check(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char *>(value.c_str()), -1,
                                         -1, 0) == 1,
              "name entry");
    }
    return name;
}

Bytes encode(int length, unsigned char *data) {
    check(length > 0, "DER encoding");
    Bytes out(data, data + length);
    OPENSSL_free(data);
    return out;
}

X509Signature signature_of(RsaAlgorithm algorithm) {
    switch (algorithm) {
    case RsaAlgorithm::pkcs1_sha256: return X509Signature::rsa_pkcs1_sha256;
    case RsaAlgorithm::pkcs1_sha384: return X509Signature::rsa_pkcs1_sha384;
    case RsaAlgorithm::pss_sha256: return X509Signature::rsa_pss_sha256;
    case RsaAlgorithm::pss_sha384: return X509Signature::rsa_pss_sha384;
    }
    return X509Signature::automatic;
}

X509Signature resolve(EVP_PKEY *key, X509Signature signature) {
    if (signature != X509Signature::automatic) {
        return signature;
    }
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        return X509Signature::rsa_pss_sha384;
    }
    return ec_curve_of(key) == "P-256" ? X509Signature::ecdsa_sha256 : X509Signature::ecdsa_sha384;
}

// A digest-sign context for `key` set up for `signature` (PSS: MGF1 with the same hash, salt as
// long as the hash).
MdCtxPtr signing_context(EVP_PKEY *key, X509Signature signature) {
    const X509Signature chosen = resolve(key, signature);
    const bool sha256 = chosen == X509Signature::rsa_pss_sha256 ||
                        chosen == X509Signature::rsa_pkcs1_sha256 ||
                        chosen == X509Signature::ecdsa_sha256;
    const EVP_MD *digest = sha256 ? EVP_sha256() : EVP_sha384();
    MdCtxPtr context(EVP_MD_CTX_new());
    EVP_PKEY_CTX *key_context = nullptr;
    check(context && EVP_DigestSignInit(context.get(), &key_context, digest, nullptr, key) == 1,
          "sign init");
    if (chosen == X509Signature::rsa_pss_sha256 || chosen == X509Signature::rsa_pss_sha384) {
        check(EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) == 1 &&
                  EVP_PKEY_CTX_set_rsa_mgf1_md(key_context, digest) == 1,
              "RSASSA-PSS parameters");
    } else if (chosen == X509Signature::rsa_pkcs1_sha256 ||
               chosen == X509Signature::rsa_pkcs1_sha384) {
        check(EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) == 1,
              "RSA PKCS#1 parameters");
    }
    return context;
}

} // namespace

Bytes der_encode_integer(int64_t value) {
    ASN1_INTEGER *integer = ASN1_INTEGER_new();
    check(integer != nullptr && ASN1_INTEGER_set_int64(integer, value) == 1, "INTEGER");
    unsigned char *out = nullptr;
    const int length = i2d_ASN1_INTEGER(integer, &out);
    ASN1_INTEGER_free(integer);
    return encode(length, out);
}

Bytes der_encode_ia5_string(const std::string &value) {
    ASN1_IA5STRING *text = ASN1_IA5STRING_new();
    check(text != nullptr &&
              ASN1_STRING_set(text, value.data(), static_cast<int>(value.size())) == 1,
          "IA5String");
    unsigned char *out = nullptr;
    const int length = i2d_ASN1_IA5STRING(text, &out);
    ASN1_IA5STRING_free(text);
    return encode(length, out);
}

Bytes der_encode_octet_string(std::span<const uint8_t> value) {
    ASN1_OCTET_STRING *octets = ASN1_OCTET_STRING_new();
    check(octets != nullptr &&
              ASN1_OCTET_STRING_set(octets, value.data(), static_cast<int>(value.size())) == 1,
          "OCTET STRING");
    unsigned char *out = nullptr;
    const int length = i2d_ASN1_OCTET_STRING(octets, &out);
    ASN1_OCTET_STRING_free(octets);
    return encode(length, out);
}

Bytes der_encode_enumerated(int64_t value) {
    ASN1_ENUMERATED *number = ASN1_ENUMERATED_new();
    check(number != nullptr && ASN1_ENUMERATED_set_int64(number, value) == 1, "ENUMERATED");
    unsigned char *out = nullptr;
    const int length = i2d_ASN1_ENUMERATED(number, &out);
    ASN1_ENUMERATED_free(number);
    return encode(length, out);
}

Bytes der_encode_oid(const std::string &dotted) {
    ASN1_OBJECT *object = OBJ_txt2obj(dotted.c_str(), 1);
    check(object != nullptr, "OID");
    unsigned char *out = nullptr;
    const int length = i2d_ASN1_OBJECT(object, &out);
    ASN1_OBJECT_free(object);
    return encode(length, out);
}

Bytes der_encode_tlv(int tag, bool constructed, std::span<const uint8_t> contents) {
    const int length = static_cast<int>(contents.size());
    const int total = ASN1_object_size(constructed ? 1 : 0, length, tag);
    check(total > 0, "DER header");
    Bytes out(static_cast<size_t>(total));
    unsigned char *cursor = out.data();
    ASN1_put_object(&cursor, constructed ? 1 : 0, length, tag, V_ASN1_UNIVERSAL);
    std::copy(contents.begin(), contents.end(), cursor);
    return out;
}

Bytes der_encode_sequence(std::span<const Bytes> members) {
    Bytes contents;
    for (const Bytes &member : members) {
        contents.insert(contents.end(), member.begin(), member.end());
    }
    return der_encode_tlv(V_ASN1_SEQUENCE, true, contents);
}

Bytes der_encode_public_key(EVP_PKEY *key) {
    unsigned char *out = nullptr;
    const int length = i2d_PUBKEY(key, &out);
    return encode(length, out);
}

Bytes der_encode_extension_value(int nid, const std::string &value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, nullptr, nullptr, nullptr, nullptr, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    check(extension != nullptr, "extension");
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(extension);
    const unsigned char *bytes = ASN1_STRING_get0_data(data);
    Bytes out(bytes, bytes + ASN1_STRING_length(data));
    X509_EXTENSION_free(extension);
    return out;
}

Certificate make_certificate(const CertificateSpec &spec) {
    X509Ptr certificate(X509_new());
    check(certificate != nullptr, "X509_new");
    check(X509_set_version(certificate.get(), 2) == 1, "version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), spec.serial) == 1, "serial");
    check(ASN1_TIME_set(X509_getm_notBefore(certificate.get()),
                        static_cast<time_t>(spec.not_before)) != nullptr,
          "notBefore");
    check(ASN1_TIME_set(X509_getm_notAfter(certificate.get()),
                        static_cast<time_t>(spec.not_after)) != nullptr,
          "notAfter");
    X509_NAME *subject = make_name(spec.subject);
    X509_NAME *issuer = make_name(spec.issuer);
    check(X509_set_subject_name(certificate.get(), subject) == 1, "subject");
    check(X509_set_issuer_name(certificate.get(), issuer) == 1, "issuer");
    X509_NAME_free(subject);
    X509_NAME_free(issuer);
    check(X509_set_pubkey(certificate.get(), spec.subject_key) == 1, "public key");

    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
    X509_EXTENSION *constraints =
        X509V3_EXT_conf_nid(nullptr, &context, NID_basic_constraints,
                            spec.certificate_authority ? "critical,CA:TRUE" : "critical,CA:FALSE");
    check(constraints != nullptr && X509_add_ext(certificate.get(), constraints, -1) == 1,
          "basic constraints");
    X509_EXTENSION_free(constraints);
    if (spec.certificate_authority) {
        X509_EXTENSION *usage =
            X509V3_EXT_conf_nid(nullptr, &context, NID_key_usage, "critical,keyCertSign,cRLSign");
        check(usage != nullptr && X509_add_ext(certificate.get(), usage, -1) == 1, "key usage");
        X509_EXTENSION_free(usage);
    }
    for (const auto &[oid, value] : spec.extensions) {
        ASN1_OBJECT *object = OBJ_txt2obj(oid.c_str(), 1);
        ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
        check(object != nullptr && data != nullptr &&
                  ASN1_OCTET_STRING_set(data, value.data(), static_cast<int>(value.size())) == 1,
              "extension value");
        X509_EXTENSION *extension = X509_EXTENSION_create_by_OBJ(nullptr, object, 0, data);
        check(extension != nullptr && X509_add_ext(certificate.get(), extension, -1) == 1,
              "extension");
        X509_EXTENSION_free(extension);
        ASN1_OCTET_STRING_free(data);
        ASN1_OBJECT_free(object);
    }

    const auto signing = signing_context(spec.issuer_key, spec.signature);
    check(X509_sign_ctx(certificate.get(), signing.get()) > 0, "sign");
    return Certificate(std::move(certificate));
}

std::pair<Bytes, Bytes> ecdsa_sign(EVP_PKEY *key, EcdsaAlgorithm algorithm,
                                   std::span<const uint8_t> message) {
    require_ecdsa_key(key, algorithm);
    const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> context(EVP_MD_CTX_new());
    const EVP_MD *digest = algorithm == EcdsaAlgorithm::p256_sha256 ? EVP_sha256() : EVP_sha384();
    size_t length = 0;
    check(context && EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, key) == 1 &&
              EVP_DigestSign(context.get(), nullptr, &length, message.data(), message.size()) == 1,
          "ECDSA sign init");
    Bytes der(length);
    check(EVP_DigestSign(context.get(), der.data(), &length, message.data(), message.size()) == 1,
          "ECDSA sign");
    const unsigned char *cursor = der.data();
    ECDSA_SIG *signature = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(length));
    check(signature != nullptr, "ECDSA signature decode");
    const size_t size = ecdsa_scalar_size(algorithm);
    const int wide = static_cast<int>(size);
    Bytes r(size);
    Bytes s(size);
    const bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(signature), r.data(), wide) == wide &&
                    BN_bn2binpad(ECDSA_SIG_get0_s(signature), s.data(), wide) == wide;
    ECDSA_SIG_free(signature);
    check(ok, "ECDSA scalars");
    return {r, s};
}

std::pair<Bytes, Bytes> ecdsa_sha384_sign(EVP_PKEY *key, std::span<const uint8_t> message) {
    return ecdsa_sign(key, EcdsaAlgorithm::p384_sha384, message);
}

Bytes rsa_sign(EVP_PKEY *key, RsaAlgorithm algorithm, std::span<const uint8_t> message) {
    const auto context = signing_context(key, signature_of(algorithm));
    size_t length = 0;
    check(EVP_DigestSign(context.get(), nullptr, &length, message.data(), message.size()) == 1,
          "RSA sign size");
    Bytes out(length);
    check(EVP_DigestSign(context.get(), out.data(), &length, message.data(), message.size()) == 1,
          "RSA sign");
    out.resize(length);
    return out;
}

Bytes make_crl(const CrlSpec &spec) {
    check(spec.issuer != nullptr && spec.signer != nullptr,
          "CRL spec needs an issuer and a signer");
    const std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), &X509_CRL_free);
    const std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> last(
        ASN1_TIME_set(nullptr, static_cast<time_t>(spec.this_update)), &ASN1_TIME_free);
    check(crl && last && X509_CRL_set_version(crl.get(), 1) == 1 &&
              X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(spec.issuer->get())) == 1 &&
              X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1,
          "CRL fields");
    if (spec.next_update) {
        const std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> next(
            ASN1_TIME_set(nullptr, static_cast<time_t>(*spec.next_update)), &ASN1_TIME_free);
        check(next && X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1, "CRL nextUpdate");
    }
    for (const long serial : spec.revoked_serials) {
        X509_REVOKED *revoked = X509_REVOKED_new();
        ASN1_INTEGER *number = ASN1_INTEGER_new();
        const bool ok = revoked != nullptr && number != nullptr &&
                        ASN1_INTEGER_set(number, serial) == 1 &&
                        X509_REVOKED_set_serialNumber(revoked, number) == 1 &&
                        X509_REVOKED_set_revocationDate(revoked, last.get()) == 1 &&
                        X509_CRL_add0_revoked(crl.get(), revoked) == 1;
        ASN1_INTEGER_free(number);
        if (!ok) {
            X509_REVOKED_free(revoked);
        }
        check(ok, "CRL entry");
    }
    check(X509_CRL_sort(crl.get()) == 1, "CRL sort");
    const auto signing = signing_context(spec.signer, spec.signature);
    check(X509_CRL_sign_ctx(crl.get(), signing.get()) > 0, "CRL sign");
    unsigned char *der = nullptr;
    const int length = i2d_X509_CRL(crl.get(), &der);
    return encode(length, der);
}

PkeyPtr generate_key(KeyKind kind) {
    PkeyPtr key;
    switch (kind) {
    case KeyKind::rsa2048: key.reset(EVP_RSA_gen(2048)); break;
    case KeyKind::rsa3072: key.reset(EVP_RSA_gen(3072)); break;
    case KeyKind::rsa4096: key.reset(EVP_RSA_gen(4096)); break;
    case KeyKind::p256: key.reset(EVP_EC_gen("P-256")); break;
    case KeyKind::p384: key.reset(EVP_EC_gen("P-384")); break;
    }
    check(key != nullptr, "key generation");
    return key;
}

} // namespace ccattest::support
