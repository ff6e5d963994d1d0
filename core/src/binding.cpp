#include "ccattest/core/binding.hpp"

#include "ccattest/core/digest.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace ccattest {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view domain = "ccattest/v1";
constexpr std::string_view header = "ccattest-replay-v1";

void sync_or_throw(int descriptor, const std::string &what) {
    if (::fsync(descriptor) != 0) {
        throw ReplayStoreError(what + ": fsync failed: " + std::strerror(errno));
    }
}

} // namespace

ReportData report_data_for(const Challenge &challenge, std::string_view identity) {
    std::array<uint8_t, 32> identity_digest{};
    SHA256(reinterpret_cast<const unsigned char *>(identity.data()), identity.size(),
           identity_digest.data());
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    ReportData out{};
    unsigned int length = 0;
    const bool ok =
        context != nullptr && EVP_DigestInit_ex(context, EVP_sha512(), nullptr) == 1 &&
        EVP_DigestUpdate(context, domain.data(), domain.size()) == 1 &&
        EVP_DigestUpdate(context, challenge.data(), challenge.size()) == 1 &&
        EVP_DigestUpdate(context, identity_digest.data(), identity_digest.size()) == 1 &&
        EVP_DigestFinal_ex(context, out.data(), &length) == 1;
    EVP_MD_CTX_free(context);
    if (!ok) {
        throw std::runtime_error("SHA-512 failed");
    }
    return out;
}

std::string site_identity(std::string_view site, std::string_view tls_key_sha256_hex) {
    std::string out = "site:" + std::string(site);
    if (!tls_key_sha256_hex.empty()) {
        out += ";tls-key-sha256:" + std::string(tls_key_sha256_hex);
    }
    return out;
}

Challenge new_challenge() {
    Challenge challenge{};
    if (RAND_bytes(challenge.data(), static_cast<int>(challenge.size())) != 1) {
        throw std::runtime_error("no random bytes for a challenge");
    }
    return challenge;
}

ReplayStore::ReplayStore(fs::path file, size_t max_entries)
    : file_(std::move(file)), max_entries_(max_entries) {
    const std::string name = file_.string();
    std::error_code ec;
    if (!fs::exists(file_, ec)) {
        fs::create_directories(file_.parent_path(), ec);
        append(std::string(header) + "\n");
        records_in_file_ = 0;
        return;
    }
    std::ifstream in(file_, std::ios::binary);
    if (!in) {
        throw ReplayStoreError(name + ": cannot read the replay store");
    }
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream lines(content);
    std::string line;
    size_t number = 0;
    size_t consumed = 0;
    while (std::getline(lines, line)) {
        ++number;
        const bool complete = consumed + line.size() < content.size(); // followed by '\n'
        consumed += line.size() + 1;
        if (number == 1) {
            if (line != header || !complete) {
                std::string message = name;
                message.append(":1: not a ccattest replay store (header \"")
                    .append(line)
                    .append("\")");
                throw ReplayStoreError(message);
            }
            continue;
        }
        const auto space = line.find(' ');
        const auto digest = space == 64 ? from_hex(line.substr(0, 64)) : std::nullopt;
        char *end = nullptr;
        const long long expires = space == 64 ? std::strtoll(line.c_str() + 65, &end, 10) : 0;
        const bool parsed = digest && digest->size() == 32 && end != nullptr && *end == '\0' &&
                            end != line.c_str() + 65;
        if (!parsed) {
            if (!complete) {
                break; // a torn final record from a crash mid-write: it was never acknowledged
            }
            throw ReplayStoreError(name + ":" + std::to_string(number) +
                                   ": malformed record; the "
                                   "store is damaged (it is kept as it is: repair or remove it)");
        }
        std::array<uint8_t, 32> key{};
        std::copy(digest->begin(), digest->end(), key.begin());
        entries_[key] = std::max<int64_t>(entries_[key], expires);
        ++records_in_file_;
    }
    if (number == 0) {
        throw ReplayStoreError(name + ": empty file is not a replay store");
    }
}

void ReplayStore::append(const std::string &line) {
    const int descriptor = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (descriptor < 0) {
        throw ReplayStoreError(file_.string() +
                               ": cannot open for writing: " + std::strerror(errno));
    }
    const ssize_t written = ::write(descriptor, line.data(), line.size());
    const int saved = errno;
    try {
        if (written != static_cast<ssize_t>(line.size())) {
            throw ReplayStoreError(file_.string() + ": write failed: " + std::strerror(saved));
        }
        sync_or_throw(descriptor, file_.string());
    } catch (...) {
        ::close(descriptor);
        throw;
    }
    ::close(descriptor);
}

void ReplayStore::compact(int64_t now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        it = it->second <= now ? entries_.erase(it) : std::next(it);
    }
    if (records_in_file_ < 1024 || records_in_file_ < 2 * entries_.size()) {
        return;
    }
    // Rewrite the live records beside the store, then replace it atomically.
    const fs::path temporary = file_.string() + ".compact";
    std::string text = std::string(header) + "\n";
    for (const auto &[digest, expires] : entries_) {
        text += to_hex(digest) + " " + std::to_string(expires) + "\n";
    }
    const int descriptor =
        ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (descriptor < 0 ||
        ::write(descriptor, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        if (descriptor >= 0) {
            ::close(descriptor);
        }
        throw ReplayStoreError(temporary.string() + ": cannot write the compacted store");
    }
    sync_or_throw(descriptor, temporary.string());
    ::close(descriptor);
    std::error_code ec;
    fs::rename(temporary, file_, ec);
    if (ec) {
        throw ReplayStoreError(file_.string() +
                               ": cannot replace with the compacted store: " + ec.message());
    }
    const int folder = ::open(file_.parent_path().empty() ? "." : file_.parent_path().c_str(),
                              O_RDONLY | O_CLOEXEC);
    if (folder >= 0) {
        (void)::fsync(folder);
        ::close(folder);
    }
    records_in_file_ = entries_.size();
}

bool ReplayStore::check_and_record(const std::array<uint8_t, 32> &digest, int64_t expires_at,
                                   int64_t now) {
    if (const auto found = entries_.find(digest); found != entries_.end() && found->second > now) {
        return false;
    }
    compact(now);
    if (entries_.size() >= max_entries_) {
        throw ReplayStoreError(file_.string() + ": full (" + std::to_string(max_entries_) +
                               " unexpired tokens); refusing rather than forgetting");
    }
    append(to_hex(digest) + " " + std::to_string(expires_at) + "\n");
    entries_[digest] = expires_at;
    ++records_in_file_;
    return true;
}

} // namespace ccattest
