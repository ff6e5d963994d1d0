#include "ccattest/support/crypto.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <fstream>
#include <iterator>

namespace ccattest::support {
using sdk::failure;

namespace {

struct StoreDeleter {
    void operator()(X509_STORE *p) const noexcept { X509_STORE_free(p); }
};
struct StoreCtxDeleter {
    void operator()(X509_STORE_CTX *p) const noexcept { X509_STORE_CTX_free(p); }
};
struct StackDeleter {
    void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_free(p); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX *p) const noexcept { EVP_MD_CTX_free(p); }
};
struct SigDeleter {
    void operator()(ECDSA_SIG *p) const noexcept { ECDSA_SIG_free(p); }
};
struct BioDeleter {
    void operator()(BIO *p) const noexcept { BIO_free(p); }
};
struct OpensslFree {
    void operator()(unsigned char *p) const noexcept { OPENSSL_free(p); }
};
struct OpensslFreeChar {
    void operator()(char *p) const noexcept { OPENSSL_free(p); }
};
struct GroupDeleter {
    void operator()(EC_GROUP *p) const noexcept { EC_GROUP_free(p); }
};
struct BnDeleter {
    void operator()(BIGNUM *p) const noexcept { BN_free(p); }
};

int64_t asn1_seconds(const ASN1_TIME *time) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
        (void)openssl_error(); // drain: not a reason for a later failure
        throw failure(CCATTEST_E_MALFORMED, "certificate has an unreadable time");
    }
    return static_cast<int64_t>(timegm(&parts));
}

std::string common_name(const X509_NAME *name) {
    if (name == nullptr) {
        return {};
    }
    const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) {
        return {};
    }
    const ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    return {reinterpret_cast<const char *>(ASN1_STRING_get0_data(value)),
            static_cast<size_t>(ASN1_STRING_length(value))};
}

constexpr size_t max_x509_input = size_t{1} << 20U;
constexpr size_t max_pem_blocks = 64;

struct Decoded {
    std::vector<X509Ptr> certificates;
    std::vector<X509CrlPtr> crls;
};

bool is_pem_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string byte_count(size_t n) {
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

// One DER object of an allowed kind and nothing after it: d2i stops at the end of the outer
// SEQUENCE, so the tail has to be checked here.
void decode_der(std::span<const uint8_t> der, const std::string &what, bool certificates, bool crls,
                Decoded &into) {
    const unsigned char *end = der.data() + der.size();
    if (certificates) {
        const unsigned char *cursor = der.data();
        X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
        if (certificate) {
            if (cursor != end) {
                throw failure(CCATTEST_E_MALFORMED,
                              what + ": trailing data after the certificate (" +
                                  byte_count(static_cast<size_t>(end - cursor)) + ")");
            }
            into.certificates.push_back(std::move(certificate));
            return;
        }
        if (crls) {
            (void)openssl_error(); // the CRL attempt below gives the reason
        }
    }
    if (crls) {
        const unsigned char *cursor = der.data();
        X509CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size())));
        if (crl) {
            if (cursor != end) {
                throw failure(CCATTEST_E_MALFORMED,
                              what + ": trailing data after the CRL (" +
                                  byte_count(static_cast<size_t>(end - cursor)) + ")");
            }
            into.crls.push_back(std::move(crl));
            return;
        }
    }
    const std::string reason = openssl_error();
    const char *expected = certificates && crls ? " is neither an X.509 certificate nor a CRL"
                           : certificates       ? " is not an X.509 certificate"
                                                : " is not an X.509 CRL";
    throw failure(CCATTEST_E_MALFORMED,
                  what + expected + (reason.empty() ? std::string() : ": " + reason));
}

// PEM blocks, each under the DER rule, with only whitespace around them: text before, between or
// after blocks would otherwise be skipped silently by OpenSSL's reader.
void decode_pem(std::string_view text, const std::string &what, bool certificates, bool crls,
                Decoded &into) {
    size_t at = 0;
    size_t block = 0;
    for (;;) {
        while (at < text.size() && is_pem_space(text[at])) {
            ++at;
        }
        if (at == text.size()) {
            return;
        }
        if (text.compare(at, 11, "-----BEGIN ") != 0) {
            throw failure(CCATTEST_E_MALFORMED, what + ": trailing data after PEM block " +
                                                    std::to_string(block) + " (" +
                                                    byte_count(text.size() - at) + ")");
        }
        if (++block > max_pem_blocks) {
            throw failure(CCATTEST_E_MALFORMED, what + " has more than " +
                                                    std::to_string(max_pem_blocks) + " PEM blocks");
        }
        const std::string where = what + ", PEM block " + std::to_string(block);
        const std::string_view rest = text.substr(at);
        const std::unique_ptr<BIO, BioDeleter> bio(
            BIO_new_mem_buf(rest.data(), static_cast<int>(rest.size())));
        char *name = nullptr;
        char *header = nullptr;
        unsigned char *der = nullptr;
        long length = 0;
        if (!bio || PEM_read_bio(bio.get(), &name, &header, &der, &length) != 1) {
            throw failure(CCATTEST_E_MALFORMED, where + " does not decode: " + openssl_error());
        }
        const std::unique_ptr<char, OpensslFreeChar> name_owner(name);
        const std::unique_ptr<char, OpensslFreeChar> header_owner(header);
        const std::unique_ptr<unsigned char, OpensslFree> der_owner(der);
        if (header != nullptr && header[0] != '\0') {
            throw failure(CCATTEST_E_MALFORMED, where + " has PEM headers");
        }
        const std::string label(name);
        const bool is_certificate = certificates && label == "CERTIFICATE";
        const bool is_crl = crls && label == "X509 CRL";
        if (!is_certificate && !is_crl) {
            std::string message = where;
            message.append(" is \"").append(label).append("\", expected ");
            message.append(certificates && crls ? "\"CERTIFICATE\" or \"X509 CRL\""
                           : certificates       ? "\"CERTIFICATE\""
                                                : "\"X509 CRL\"");
            throw failure(CCATTEST_E_MALFORMED, message);
        }
        decode_der({der, static_cast<size_t>(length)}, where, is_certificate, is_crl, into);
        // The reader consumed exactly the block's lines: continue after them.
        char *left = nullptr;
        at += rest.size() - static_cast<size_t>(BIO_get_mem_data(bio.get(), &left));
    }
}

Decoded decode_x509(std::span<const uint8_t> data, const std::string &what, Encoding encoding,
                    bool certificates, bool crls) {
    if (data.empty()) {
        throw failure(CCATTEST_E_MALFORMED, what + " is empty");
    }
    if (data.size() > max_x509_input) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + " is " + byte_count(data.size()) + ", more than the 1 MiB allowed");
    }
    const std::string_view text(reinterpret_cast<const char *>(data.data()), data.size());
    size_t first = 0;
    while (first < text.size() && is_pem_space(text[first])) {
        ++first;
    }
    Decoded out;
    if (text.compare(first, 11, "-----BEGIN ") == 0) {
        if (encoding == Encoding::der) {
            throw failure(CCATTEST_E_MALFORMED, what + " is PEM, but only DER is accepted here");
        }
        decode_pem(text, what, certificates, crls, out);
        return out;
    }
    try {
        decode_der(data, what, certificates, crls, out);
    } catch (const failure &) {
        if (encoding == Encoding::der_or_pem && text.find("-----BEGIN ") != std::string::npos) {
            throw failure(CCATTEST_E_MALFORMED, what + ": data before the first PEM block");
        }
        throw;
    }
    return out;
}

std::string describe(const Certificate &certificate) {
    const std::string cn = certificate.subject_cn();
    return "certificate \"" + (cn.empty() ? std::string("(no CN)") : cn) + "\"";
}

} // namespace

std::string openssl_error() {
    std::string out;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        out += (out.empty() ? "" : "; ") + std::string(text);
    }
    return out;
}

std::string rfc3339(int64_t seconds) {
    const auto value = static_cast<std::time_t>(seconds);
    std::tm parts{};
    if (gmtime_r(&value, &parts) == nullptr) {
        return std::to_string(seconds);
    }
    char text[32];
    const size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return {text, length};
}

Certificate::Certificate(X509Ptr certificate) : certificate_(certificate.release(), X509_free) {
    unsigned int length = 0;
    if (X509_digest(certificate_.get(), EVP_sha256(), sha256_.data(), &length) != 1) {
        throw failure(CCATTEST_E_INTERNAL, "cannot hash a certificate: " + openssl_error());
    }
}

Certificate Certificate::parse(std::span<const uint8_t> data, const std::string &what,
                               Encoding encoding) {
    Decoded decoded = decode_x509(data, what, encoding, true, false);
    if (decoded.certificates.size() != 1) {
        throw failure(CCATTEST_E_MALFORMED, what + " holds " +
                                                std::to_string(decoded.certificates.size()) +
                                                " certificates; expected exactly one");
    }
    return Certificate(std::move(decoded.certificates.front()));
}

std::vector<Certificate> Certificate::parse_bundle(std::span<const uint8_t> data,
                                                   const std::string &what) {
    Decoded decoded = decode_x509(data, what, Encoding::der_or_pem, true, false);
    std::vector<Certificate> out;
    for (auto &certificate : decoded.certificates) {
        out.emplace_back(std::move(certificate));
    }
    return out;
}

Certificate Certificate::load(const std::filesystem::path &file) {
    return parse(read_file(file, 1U << 20U), file.string());
}

Bytes Certificate::der() const {
    unsigned char *out = nullptr;
    const int length = i2d_X509(certificate_.get(), &out);
    if (length <= 0) {
        throw failure(CCATTEST_E_INTERNAL, "cannot encode a certificate");
    }
    Bytes bytes(out, out + length);
    OPENSSL_free(out);
    return bytes;
}

std::string Certificate::subject_cn() const {
    return common_name(X509_get_subject_name(certificate_.get()));
}

std::string Certificate::issuer_cn() const {
    return common_name(X509_get_issuer_name(certificate_.get()));
}

int64_t Certificate::not_before() const {
    return asn1_seconds(X509_get0_notBefore(certificate_.get()));
}

int64_t Certificate::not_after() const {
    return asn1_seconds(X509_get0_notAfter(certificate_.get()));
}

std::optional<Bytes> Certificate::extension(const char *oid) const {
    const std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> object(OBJ_txt2obj(oid, 1),
                                                                           &ASN1_OBJECT_free);
    if (!object) {
        throw failure(CCATTEST_E_INTERNAL, std::string("bad OID ") + oid);
    }
    const int index = X509_get_ext_by_OBJ(certificate_.get(), object.get(), -1);
    if (index < 0) {
        return std::nullopt;
    }
    if (X509_get_ext_by_OBJ(certificate_.get(), object.get(), index) >= 0) {
        throw failure(CCATTEST_E_MALFORMED,
                      describe(*this) + " has extension " + oid + " more than once");
    }
    const ASN1_OCTET_STRING *value =
        X509_EXTENSION_get_data(X509_get_ext(certificate_.get(), index));
    const auto *data = ASN1_STRING_get0_data(value);
    return Bytes(data, data + ASN1_STRING_length(value));
}

EVP_PKEY *Certificate::public_key() const {
    EVP_PKEY *key = X509_get0_pubkey(certificate_.get());
    if (key == nullptr) {
        throw failure(CCATTEST_E_MALFORMED, describe(*this) + " has no usable public key");
    }
    return key;
}

void verify_chain(const Certificate &leaf, const std::vector<Certificate> &intermediates,
                  const std::vector<Certificate> &anchors, int64_t when) {
    const std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
    const std::unique_ptr<STACK_OF(X509), StackDeleter> untrusted(sk_X509_new_null());
    const std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> context(X509_STORE_CTX_new());
    if (!store || !untrusted || !context) {
        throw failure(CCATTEST_E_NO_MEMORY, "cannot allocate an X.509 store");
    }
    for (const auto &anchor : anchors) {
        X509_STORE_add_cert(store.get(), anchor.get());
    }
    for (const auto &intermediate : intermediates) {
        sk_X509_push(untrusted.get(), intermediate.get());
    }
    if (X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
        throw failure(CCATTEST_E_INTERNAL, "cannot set up chain verification: " + openssl_error());
    }
    X509_VERIFY_PARAM *parameters = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_time(parameters, static_cast<time_t>(when));
    // Only the pinned anchors are trusted: never the system store, never a partial chain.
    X509_VERIFY_PARAM_clear_flags(parameters, X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_verify_cert(context.get()) == 1) {
        return;
    }
    // Drain first: describing the certificate below may throw (an unreadable time), and what is
    // left in the queue would become the reason of a later, unrelated failure.
    (void)openssl_error();
    const int error = X509_STORE_CTX_get_error(context.get());
    X509 *current = X509_STORE_CTX_get_current_cert(context.get());
    std::string subject = "the chain";
    if (current != nullptr) {
        X509_up_ref(current);
        const Certificate at(X509Ptr{current});
        subject = describe(at) + " (valid " + rfc3339(at.not_before()) + " to " +
                  rfc3339(at.not_after()) + ")";
    }
    const std::string reason = X509_verify_cert_error_string(error);
    if (error == X509_V_ERR_CERT_HAS_EXPIRED || error == X509_V_ERR_CERT_NOT_YET_VALID) {
        throw failure(CCATTEST_E_EXPIRED,
                      subject + " is not valid at " + rfc3339(when) + ": " + reason);
    }
    throw failure(CCATTEST_E_VERIFICATION_FAILED,
                  "certificate chain does not verify at " + subject + ": " + reason);
}

Crl::Crl(X509CrlPtr crl) : crl_(crl.release(), X509_CRL_free) {}

Crl Crl::parse(std::span<const uint8_t> data, const std::string &what, Encoding encoding) {
    Decoded decoded = decode_x509(data, what, encoding, false, true);
    if (decoded.crls.size() != 1) {
        throw failure(CCATTEST_E_MALFORMED, what + " holds " + std::to_string(decoded.crls.size()) +
                                                " CRLs; expected exactly one");
    }
    return Crl(std::move(decoded.crls.front()));
}

X509Objects parse_x509_objects(std::span<const uint8_t> data, const std::string &what) {
    Decoded decoded = decode_x509(data, what, Encoding::der_or_pem, true, true);
    X509Objects out;
    for (auto &certificate : decoded.certificates) {
        out.certificates.emplace_back(std::move(certificate));
    }
    for (auto &crl : decoded.crls) {
        out.crls.emplace_back(std::move(crl));
    }
    return out;
}

void Crl::verify(const Certificate &issuer, int64_t when) const {
    if (X509_CRL_verify(crl_.get(), issuer.public_key()) != 1) {
        (void)openssl_error();
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "CRL is not signed by " + issuer.subject_cn());
    }
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl_.get());
    if (next != nullptr && asn1_seconds(next) < when) {
        throw failure(CCATTEST_E_EXPIRED, "CRL from " + issuer.subject_cn() + " expired at " +
                                              rfc3339(asn1_seconds(next)));
    }
}

bool Crl::revokes(const Certificate &certificate) const {
    X509_REVOKED *entry = nullptr;
    return X509_CRL_get0_by_cert(crl_.get(), &entry, certificate.get()) == 1;
}

bool Crl::names_issuer(const Certificate &certificate) const {
    return X509_NAME_cmp(X509_CRL_get_issuer(crl_.get()),
                         X509_get_subject_name(certificate.get())) == 0;
}

std::string Crl::issuer_cn() const {
    return common_name(X509_CRL_get_issuer(crl_.get()));
}

std::array<uint8_t, 32> sha256(std::span<const uint8_t> data) {
    std::array<uint8_t, 32> digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
        throw failure(CCATTEST_E_INTERNAL, "SHA-256 failed: " + openssl_error());
    }
    return digest;
}

bool ecdsa_s_is_low(EVP_PKEY *key, std::span<const uint8_t> s_big_endian) {
    std::array<char, 80> group{};
    size_t length = 0;
    if (key == nullptr ||
        EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &length) != 1) {
        (void)openssl_error();
        throw failure(CCATTEST_E_INVALID_ARGUMENT, "the key is not an EC key on a named curve");
    }
    const std::unique_ptr<EC_GROUP, GroupDeleter> curve(
        EC_GROUP_new_by_curve_name(OBJ_txt2nid(group.data())));
    const std::unique_ptr<BIGNUM, BnDeleter> half(BN_new());
    const std::unique_ptr<BIGNUM, BnDeleter> s(
        BN_bin2bn(s_big_endian.data(), static_cast<int>(s_big_endian.size()), nullptr));
    if (!curve || !half || !s || BN_rshift1(half.get(), EC_GROUP_get0_order(curve.get())) != 1) {
        (void)openssl_error();
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("cannot compute half the order of curve ") + group.data());
    }
    return BN_cmp(s.get(), half.get()) <= 0;
}

bool ecdsa_sha384_verify(EVP_PKEY *key, std::span<const uint8_t> message,
                         std::span<const uint8_t> r_big_endian,
                         std::span<const uint8_t> s_big_endian, EcdsaSignatureForm form) {
    if (form == EcdsaSignatureForm::low_s && !ecdsa_s_is_low(key, s_big_endian)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "ECDSA signature has a high s (above half the curve order), which this "
                      "signer never produces");
    }
    const std::unique_ptr<ECDSA_SIG, SigDeleter> signature(ECDSA_SIG_new());
    BIGNUM *r = BN_bin2bn(r_big_endian.data(), static_cast<int>(r_big_endian.size()), nullptr);
    BIGNUM *s = BN_bin2bn(s_big_endian.data(), static_cast<int>(s_big_endian.size()), nullptr);
    if (!signature || r == nullptr || s == nullptr || ECDSA_SIG_set0(signature.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        throw failure(CCATTEST_E_NO_MEMORY, "cannot build an ECDSA signature");
    }
    unsigned char *der = nullptr;
    const int der_length = i2d_ECDSA_SIG(signature.get(), &der);
    if (der_length <= 0) {
        throw failure(CCATTEST_E_INTERNAL, "cannot encode an ECDSA signature");
    }
    const std::unique_ptr<unsigned char, OpensslFree> der_owner(der);
    const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> context(EVP_MD_CTX_new());
    const bool ok = context &&
                    EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha384(), nullptr, key) == 1 &&
                    EVP_DigestVerify(context.get(), der, static_cast<size_t>(der_length),
                                     message.data(), message.size()) == 1;
    (void)openssl_error();
    return ok;
}

std::string base64_encode(std::span<const uint8_t> data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), data.data(),
                                       static_cast<int>(data.size()));
    out.resize(static_cast<size_t>(length));
    return out;
}

Bytes base64_decode(std::string_view text, const std::string &what) {
    if (text.size() % 4 != 0) {
        throw failure(CCATTEST_E_MALFORMED, what + " is not base64 (length " +
                                                std::to_string(text.size()) +
                                                " is not a multiple of 4)");
    }
    Bytes out(3 * (text.size() / 4));
    const int length =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char *>(text.data()),
                        static_cast<int>(text.size()));
    if (length < 0) {
        throw failure(CCATTEST_E_MALFORMED, what + " is not base64");
    }
    // EVP_DecodeBlock counts padding as zero bytes: remove one per '='.
    size_t padding = 0;
    for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) {
        ++padding;
    }
    out.resize(static_cast<size_t>(length) - padding);
    // Only the canonical encoding is accepted: unused bits in the last group must be zero, so no
    // two texts decode to the same bytes (a changed character is always a changed token).
    if (base64_encode(out) != text) {
        throw failure(CCATTEST_E_MALFORMED, what + " is not canonical base64");
    }
    return out;
}

int64_t der_integer(std::span<const uint8_t> der, const std::string &what) {
    const unsigned char *cursor = der.data();
    const std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> value(
        d2i_ASN1_INTEGER(nullptr, &cursor, static_cast<long>(der.size())), &ASN1_INTEGER_free);
    int64_t out = 0;
    if (!value || cursor != der.data() + der.size() ||
        ASN1_INTEGER_get_int64(&out, value.get()) != 1) {
        (void)openssl_error();
        throw failure(CCATTEST_E_MALFORMED, what + " is not a DER INTEGER");
    }
    return out;
}

std::string der_ia5_string(std::span<const uint8_t> der, const std::string &what) {
    const unsigned char *cursor = der.data();
    const std::unique_ptr<ASN1_IA5STRING, decltype(&ASN1_IA5STRING_free)> value(
        d2i_ASN1_IA5STRING(nullptr, &cursor, static_cast<long>(der.size())), &ASN1_IA5STRING_free);
    if (!value || cursor != der.data() + der.size()) {
        (void)openssl_error();
        throw failure(CCATTEST_E_MALFORMED, what + " is not a DER IA5String");
    }
    return {reinterpret_cast<const char *>(ASN1_STRING_get0_data(value.get())),
            static_cast<size_t>(ASN1_STRING_length(value.get()))};
}

Bytes der_octet_string(std::span<const uint8_t> der, const std::string &what) {
    const unsigned char *cursor = der.data();
    const std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)> value(
        d2i_ASN1_OCTET_STRING(nullptr, &cursor, static_cast<long>(der.size())),
        &ASN1_OCTET_STRING_free);
    if (!value || cursor != der.data() + der.size()) {
        (void)openssl_error();
        throw failure(CCATTEST_E_MALFORMED, what + " is not a DER OCTET STRING");
    }
    const auto *data = ASN1_STRING_get0_data(value.get());
    return Bytes(data, data + ASN1_STRING_length(value.get()));
}

} // namespace ccattest::support
