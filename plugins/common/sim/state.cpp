#include "ccattest/support/sim/state.hpp"
#include "ccattest/support/openssl_ptr.hpp"

#include <openssl/pem.h>
#include <openssl/rand.h>

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

void check(bool ok, const char *what) {
    if (!ok) {
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("simulator: ") + what + ": " + openssl_error());
    }
}

} // namespace

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

PkeyPtr SimulatorState::load_or_make_key(const std::string &name,
                                         const std::function<PkeyPtr()> &make) const {
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
    PkeyPtr key = make();
    const std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
              1,
          "key encoding");
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    write_atomically(name + ".key.pem", std::string(data, static_cast<size_t>(length)));
    return key;
}

PkeyPtr SimulatorState::key(const std::string &name, int rsa_bits) const {
    return load_or_make_key(name, [rsa_bits] {
        PkeyPtr key(rsa_bits > 0 ? EVP_RSA_gen(static_cast<unsigned>(rsa_bits))
                                 : EVP_EC_gen("P-384"));
        check(key != nullptr, "key generation");
        return key;
    });
}

PkeyPtr SimulatorState::key(const std::string &name, KeyKind kind) const {
    return load_or_make_key(name, [kind] { return generate_key(kind); });
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
