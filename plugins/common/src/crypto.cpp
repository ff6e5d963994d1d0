#include "ccattest/support/crypto.hpp"
#include "ccattest/support/openssl_ptr.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <iterator>

namespace ccattest::support {
using sdk::failure;

namespace {

struct OpensslFree {
    void operator()(unsigned char *p) const noexcept { OPENSSL_free(p); }
};
struct OpensslFreeChar {
    void operator()(char *p) const noexcept { OPENSSL_free(p); }
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
            (void)openssl_error(); // decoding the key may leave entries behind on success
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

} // namespace

std::string certificate_pem(const Certificate &certificate) {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate.get()) != 1) {
        throw sdk::failure(CCATTEST_E_NO_MEMORY,
                           "cannot encode a certificate as PEM: " + openssl_error());
    }
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<size_t>(length)};
}

std::string describe_certificate(const Certificate &certificate) {
    const std::string cn = certificate.subject_cn();
    return "certificate \"" + (cn.empty() ? std::string("(no CN)") : cn) + "\"";
}

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

std::optional<int64_t> parse_rfc3339(std::string_view text, bool *shaped) {
    static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
    bool matches = text.size() == shape.size();
    for (size_t i = 0; matches && i < shape.size(); ++i) {
        const bool digit = text[i] >= '0' && text[i] <= '9';
        matches = shape[i] == 'd' ? digit : text[i] == shape[i];
    }
    if (shaped != nullptr) {
        *shaped = matches;
    }
    if (!matches) {
        return std::nullopt;
    }
    const auto field = [&](size_t at, size_t length) {
        int value = 0;
        for (size_t i = at; i < at + length; ++i) {
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    std::tm parts{};
    parts.tm_year = field(0, 4) - 1900;
    parts.tm_mon = field(5, 2) - 1;
    parts.tm_mday = field(8, 2);
    parts.tm_hour = field(11, 2);
    parts.tm_min = field(14, 2);
    parts.tm_sec = field(17, 2);
    // timegm quietly turns 2023-02-31 into 2023-03-03: a date that does not come back unchanged
    // does not exist.
    const std::tm given = parts;
    const time_t seconds = timegm(&parts);
    std::tm back{};
    if (gmtime_r(&seconds, &back) == nullptr || back.tm_year != given.tm_year ||
        back.tm_mon != given.tm_mon || back.tm_mday != given.tm_mday ||
        back.tm_hour != given.tm_hour || back.tm_min != given.tm_min ||
        back.tm_sec != given.tm_sec) {
        return std::nullopt;
    }
    return static_cast<int64_t>(seconds);
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

std::string Certificate::serial_hex() const {
    const std::unique_ptr<BIGNUM, BnDeleter> number(
        ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate_.get()), nullptr));
    char *text = number ? BN_bn2hex(number.get()) : nullptr;
    if (text == nullptr) {
        throw failure(CCATTEST_E_INTERNAL, "cannot read a serial number: " + openssl_error());
    }
    std::string out(text);
    OPENSSL_free(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    return out;
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
                      describe_certificate(*this) + " has extension " + oid + " more than once");
    }
    const ASN1_OCTET_STRING *value =
        X509_EXTENSION_get_data(X509_get_ext(certificate_.get(), index));
    const auto *data = ASN1_STRING_get0_data(value);
    return Bytes(data, data + ASN1_STRING_length(value));
}

EVP_PKEY *Certificate::public_key() const {
    EVP_PKEY *key = X509_get0_pubkey(certificate_.get());
    (void)openssl_error(); // decoding the key on first use may leave entries even on success
    if (key == nullptr) {
        throw failure(CCATTEST_E_MALFORMED,
                      describe_certificate(*this) + " has no usable public key");
    }
    return key;
}

Crl::Crl(X509CrlPtr crl) : crl_(crl.release(), X509_CRL_free) {
    unsigned int length = 0;
    if (X509_CRL_digest(crl_.get(), EVP_sha256(), sha256_.data(), &length) != 1) {
        throw failure(CCATTEST_E_INTERNAL, "cannot hash a CRL: " + openssl_error());
    }
}

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
    if (this_update() > when) {
        throw failure(CCATTEST_E_EXPIRED, "CRL from " + issuer.subject_cn() +
                                              " is not valid before " + rfc3339(this_update()) +
                                              " (thisUpdate), checked at " + rfc3339(when));
    }
    const auto next = next_update();
    if (next && *next < when) {
        throw failure(CCATTEST_E_EXPIRED,
                      "CRL from " + issuer.subject_cn() + " expired at " + rfc3339(*next));
    }
}

int64_t Crl::this_update() const {
    return asn1_seconds(X509_CRL_get0_lastUpdate(crl_.get()));
}

std::optional<int64_t> Crl::next_update() const {
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl_.get());
    if (next == nullptr) {
        return std::nullopt;
    }
    return asn1_seconds(next);
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

} // namespace ccattest::support
