#include "ccattest/support/sim/state.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ccattest::support {
using sdk::failure;
namespace fs = std::filesystem;

namespace {

struct BioDeleter {
    void operator()(BIO *p) const noexcept { BIO_free(p); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX *p) const noexcept { EVP_MD_CTX_free(p); }
};

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

    const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> signing(EVP_MD_CTX_new());
    EVP_PKEY_CTX *key_context = nullptr;
    check(signing && EVP_DigestSignInit(signing.get(), &key_context, EVP_sha384(), nullptr,
                                        spec.issuer_key) == 1,
          "sign init");
    if (EVP_PKEY_get_base_id(spec.issuer_key) == EVP_PKEY_RSA) {
        check(EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, 48) == 1 &&
                  EVP_PKEY_CTX_set_rsa_mgf1_md(key_context, EVP_sha384()) == 1,
              "RSASSA-PSS parameters");
    }
    check(X509_sign_ctx(certificate.get(), signing.get()) > 0, "sign");
    return Certificate(std::move(certificate));
}

std::pair<Bytes, Bytes> ecdsa_sha384_sign(EVP_PKEY *key, std::span<const uint8_t> message) {
    const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> context(EVP_MD_CTX_new());
    size_t length = 0;
    check(context && EVP_DigestSignInit(context.get(), nullptr, EVP_sha384(), nullptr, key) == 1 &&
              EVP_DigestSign(context.get(), nullptr, &length, message.data(), message.size()) == 1,
          "ECDSA sign init");
    Bytes der(length);
    check(EVP_DigestSign(context.get(), der.data(), &length, message.data(), message.size()) == 1,
          "ECDSA sign");
    const unsigned char *cursor = der.data();
    ECDSA_SIG *signature = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(length));
    check(signature != nullptr, "ECDSA signature decode");
    Bytes r(48);
    Bytes s(48);
    const bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(signature), r.data(), 48) == 48 &&
                    BN_bn2binpad(ECDSA_SIG_get0_s(signature), s.data(), 48) == 48;
    ECDSA_SIG_free(signature);
    check(ok, "ECDSA scalars");
    return {r, s};
}

SimulatorState::SimulatorState(fs::path folder) : folder_(std::move(folder)) {
    std::error_code ec;
    fs::create_directories(folder_, ec);
    if (ec || !fs::is_directory(folder_)) {
        throw failure(CCATTEST_E_IO, "simulator state folder " + folder_.string() +
                                         " cannot be created: " + ec.message());
    }
    fs::permissions(folder_, fs::perms::owner_all, fs::perm_options::replace, ec);
}

void SimulatorState::locked(const std::function<void()> &body) const {
    const std::string lock_file = (folder_ / ".lock").string();
    const int descriptor = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (descriptor < 0) {
        throw failure(CCATTEST_E_IO, "cannot open " + lock_file + ": " + std::strerror(errno));
    }
    struct Unlock {
        int fd;
        ~Unlock() { ::close(fd); } // closing releases the flock
    } unlock{descriptor};
    while (::flock(descriptor, LOCK_EX) != 0) {
        if (errno != EINTR) {
            throw failure(CCATTEST_E_IO, "cannot lock " + lock_file + ": " + std::strerror(errno));
        }
    }
    body();
}

void SimulatorState::write_atomically(const std::string &name, const std::string &text) const {
    const fs::path target = folder_ / name;
    const fs::path temporary = folder_ / (name + ".tmp");
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.good()) {
            throw failure(CCATTEST_E_IO, "cannot write " + temporary.string());
        }
    }
    std::error_code ec;
    fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace, ec);
    fs::rename(temporary, target, ec);
    if (ec) {
        throw failure(CCATTEST_E_IO, "cannot write " + target.string() + ": " + ec.message());
    }
}

PkeyPtr SimulatorState::key(const std::string &name, int rsa_bits) const {
    const fs::path file = folder_ / (name + ".key.pem");
    if (fs::exists(file)) {
        const Bytes pem = read_file(file, 1U << 16U);
        const std::unique_ptr<BIO, BioDeleter> bio(
            BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
        PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
        if (!key) {
            throw failure(CCATTEST_E_IO,
                          "simulator key " + file.string() + " is unreadable: " + openssl_error());
        }
        return key;
    }
    PkeyPtr key(rsa_bits > 0 ? EVP_RSA_gen(static_cast<unsigned>(rsa_bits)) : EVP_EC_gen("P-384"));
    check(key != nullptr, "key generation");
    const std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
              1,
          "key encoding");
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    write_atomically(name + ".key.pem", std::string(data, static_cast<size_t>(length)));
    return key;
}

std::optional<Certificate> SimulatorState::certificate(const std::string &name) const {
    const fs::path file = folder_ / (name + ".pem");
    if (!fs::exists(file)) {
        return std::nullopt;
    }
    return Certificate::load(file);
}

void SimulatorState::store(const std::string &name, const Certificate &certificate) const {
    const std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), certificate.get()) == 1, "certificate encoding");
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    write_atomically(name + ".pem", std::string(data, static_cast<size_t>(length)));
}

Bytes SimulatorState::secret(const std::string &name, size_t size) const {
    const fs::path file = folder_ / (name + ".hex");
    if (fs::exists(file)) {
        const Bytes text = read_file(file, 4 * size + 16);
        return from_hex(std::string(text.begin(), text.end()), file.string());
    }
    Bytes value(size);
    check(RAND_bytes(value.data(), static_cast<int>(size)) == 1, "random bytes");
    write_atomically(name + ".hex", to_hex(value));
    return value;
}

} // namespace ccattest::support
