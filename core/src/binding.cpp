#include "ccattest/core/binding.hpp"

#include "ccattest/core/digest.hpp"
#include "ccattest/core/logging.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ccattest {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view domain = "ccattest/v2";
constexpr std::string_view replay_domain = "ccattest/replay/v1";
constexpr std::string_view header = "ccattest-replay-v2";
constexpr std::string_view old_header = "ccattest-replay-v1";
constexpr std::string_view check_domain = "ccattest-replay-v2 record";
// "<key 64 hex> <expires_at decimal> <site tag 16 hex> <check 16 hex>": at most 119 characters.
constexpr size_t max_line = 64 + 1 + 20 + 1 + 16 + 1 + 16;
// Compaction keeps at most 2 x live + 1024 records (see compact); more means damage.
constexpr size_t compaction_floor = 1024;

// A file descriptor closed on scope exit.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

std::string errno_text() {
    return std::strerror(errno);
}

void sync_or_throw(int descriptor, const std::string &what) {
    if (::fsync(descriptor) != 0) {
        throw ReplayStoreError(what + ": fsync failed: " + errno_text());
    }
}

void sync_folder(const fs::path &file) {
    const fs::path folder = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    const Fd descriptor(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (descriptor.get() >= 0) {
        (void)::fsync(descriptor.get());
    }
}

void write_all(int descriptor, std::string_view text, const std::string &what) {
    while (!text.empty()) {
        const ssize_t written = ::write(descriptor, text.data(), text.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            throw ReplayStoreError(what + ": write failed: " + errno_text());
        }
        text.remove_prefix(static_cast<size_t>(written));
    }
}

uint64_t site_tag_of(std::string_view site) {
    Digest digest{};
    SHA256(reinterpret_cast<const unsigned char *>(site.data()), site.size(), digest.data());
    uint64_t tag = 0;
    for (size_t i = 0; i < 8; ++i) {
        tag = (tag << 8U) | digest[i];
    }
    return tag;
}

std::string hex16(uint64_t value) {
    std::array<uint8_t, 8> bytes{};
    for (size_t i = 0; i < 8; ++i) {
        bytes[7 - i] = static_cast<uint8_t>(value >> (8 * i));
    }
    return to_hex(bytes);
}

std::string check_of(std::string_view body) {
    Digest digest{};
    std::string input(check_domain);
    input += '\n';
    input += body;
    SHA256(reinterpret_cast<const unsigned char *>(input.data()), input.size(), digest.data());
    return to_hex(std::span<const uint8_t>(digest.data(), 8));
}

std::string record_line(const Digest &key, int64_t expires_at, uint64_t site_tag) {
    std::string body = to_hex(key) + " " + std::to_string(expires_at) + " " + hex16(site_tag);
    return body + " " + check_of(body) + "\n";
}

bool lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Parses exactly the text record_line writes; nullopt for anything else.
struct Record {
    Digest key{};
    int64_t expires_at = 0;
    uint64_t site_tag = 0;
};
std::optional<Record> parse_record(std::string_view line) {
    const auto first = line.find(' ');
    const auto last = line.rfind(' ');
    if (first != 64 || last == std::string_view::npos || last + 1 + 16 != line.size()) {
        return std::nullopt;
    }
    const auto body = line.substr(0, last);
    const auto middle = body.rfind(' ');
    if (middle == first || middle + 1 + 16 != body.size()) {
        return std::nullopt;
    }
    const auto key_hex = line.substr(0, 64);
    const auto expires = body.substr(first + 1, middle - first - 1);
    const auto tag = body.substr(middle + 1);
    const auto check = line.substr(last + 1);
    const bool canonical_number =
        !expires.empty() && expires.size() <= 19 &&
        std::all_of(expires.begin(), expires.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        (expires.size() == 1 || expires[0] != '0');
    if (!lower_hex(key_hex) || !lower_hex(tag) || !lower_hex(check) || !canonical_number ||
        check != check_of(body)) {
        return std::nullopt;
    }
    Record record;
    const auto key = from_hex(key_hex);
    std::copy(key->begin(), key->end(), record.key.begin());
    if (std::from_chars(expires.data(), expires.data() + expires.size(), record.expires_at).ec !=
            std::errc() ||
        std::from_chars(tag.data(), tag.data() + tag.size(), record.site_tag, 16).ec !=
            std::errc()) {
        return std::nullopt;
    }
    return record;
}

} // namespace

ReportData report_data_for(const Challenge &challenge, std::string_view identity,
                           int64_t issued_at) {
    std::array<uint8_t, 32> identity_digest{};
    SHA256(reinterpret_cast<const unsigned char *>(identity.data()), identity.size(),
           identity_digest.data());
    std::array<uint8_t, 8> time{};
    for (size_t i = 0; i < time.size(); ++i) {
        time[7 - i] = static_cast<uint8_t>(static_cast<uint64_t>(issued_at) >> (8 * i));
    }
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    ReportData out{};
    unsigned int length = 0;
    const bool ok =
        context != nullptr && EVP_DigestInit_ex(context, EVP_sha512(), nullptr) == 1 &&
        EVP_DigestUpdate(context, domain.data(), domain.size()) == 1 &&
        EVP_DigestUpdate(context, challenge.data(), challenge.size()) == 1 &&
        EVP_DigestUpdate(context, identity_digest.data(), identity_digest.size()) == 1 &&
        EVP_DigestUpdate(context, time.data(), time.size()) == 1 &&
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

Digest replay_key(std::string_view namespace_id, std::span<const uint8_t, 32> evidence_digest) {
    std::string input(replay_domain);
    input += '\n';
    input += namespace_id;
    input += '\0';
    input.append(evidence_digest.begin(), evidence_digest.end());
    Digest out{};
    SHA256(reinterpret_cast<const unsigned char *>(input.data()), input.size(), out.data());
    return out;
}

// Holds the store's inter-process lock (flock on "<file>.lock") for one operation.
class ReplayStore::Lock {
public:
    Lock(int descriptor, const std::string &what) : descriptor_(descriptor) {
        while (::flock(descriptor_, LOCK_EX) != 0) {
            if (errno != EINTR) {
                throw ReplayStoreError(what + ": cannot lock: " + errno_text());
            }
        }
    }
    ~Lock() { (void)::flock(descriptor_, LOCK_UN); }
    Lock(const Lock &) = delete;
    Lock &operator=(const Lock &) = delete;

private:
    int descriptor_;
};

ReplayStore::ReplayStore(fs::path file) : ReplayStore(std::move(file), Limits{}) {}

ReplayStore::ReplayStore(fs::path file, Limits limits) : file_(std::move(file)), limits_(limits) {
    const std::string name = file_.string();
    std::error_code ec;
    if (!file_.parent_path().empty()) {
        fs::create_directories(file_.parent_path(), ec);
        if (ec) {
            throw ReplayStoreError(file_.parent_path().string() +
                                   ": cannot create the state folder: " + ec.message());
        }
    }
    const std::string lock_name = name + ".lock";
    lock_descriptor_ = ::open(lock_name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock_descriptor_ < 0) {
        throw ReplayStoreError(lock_name +
                               ": cannot open the replay store's lock file: " + errno_text());
    }
    const std::lock_guard guard(mutex_);
    const Lock lock(lock_descriptor_, name);
    refresh();
}

ReplayStore::~ReplayStore() {
    if (lock_descriptor_ >= 0) {
        ::close(lock_descriptor_);
    }
}

void ReplayStore::create_new() {
    const std::string name = file_.string();
    const Fd descriptor(::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (descriptor.get() < 0) {
        throw ReplayStoreError(name + ": cannot create the replay store: " + errno_text());
    }
    write_all(descriptor.get(), std::string(header) + "\n", name);
    sync_or_throw(descriptor.get(), name);
    sync_folder(file_);
}

// Brings the in-memory view up to date with the file (the lock is held): the whole file when it
// is new to this process or was replaced by a compaction, else only what others appended.
void ReplayStore::refresh() {
    const std::string name = file_.string();
    struct stat status {};
    if (::lstat(name.c_str(), &status) != 0) {
        if (errno != ENOENT || file_device_ != 0) {
            throw ReplayStoreError(name + ": cannot inspect the replay store: " + errno_text());
        }
        create_new();
        if (::lstat(name.c_str(), &status) != 0) {
            throw ReplayStoreError(name + ": cannot inspect the replay store: " + errno_text());
        }
    }
    if (!S_ISREG(status.st_mode)) {
        throw ReplayStoreError(name + ": the replay store is not a regular file (" +
                               (S_ISDIR(status.st_mode) ? "a folder" : "another kind") + ")");
    }
    const Fd descriptor(::open(name.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (descriptor.get() < 0) {
        throw ReplayStoreError(name + ": cannot open the replay store: " + errno_text());
    }
    if (::fstat(descriptor.get(), &status) != 0) {
        throw ReplayStoreError(name + ": cannot inspect the replay store: " + errno_text());
    }
    const bool same_file = static_cast<uint64_t>(status.st_dev) == file_device_ &&
                           static_cast<uint64_t>(status.st_ino) == file_inode_;
    if (!same_file || static_cast<uint64_t>(status.st_size) < read_offset_) {
        entries_.clear();
        read_offset_ = 0;
        records_in_file_ = 0;
        line_number_ = 0;
        file_device_ = static_cast<uint64_t>(status.st_dev);
        file_inode_ = static_cast<uint64_t>(status.st_ino);
    }
    load_from(descriptor.get(), static_cast<uint64_t>(status.st_size));
}

// Parses the file from read_offset_ to `size`, strictly. Holds one line at a time.
void ReplayStore::load_from(int descriptor, uint64_t size) {
    const std::string name = file_.string();
    const size_t max_records = 2 * limits_.max_entries + compaction_floor + 1;
    std::string line;
    std::array<char, 65536> buffer{};
    uint64_t offset = read_offset_;
    while (offset < size) {
        const ssize_t got =
            ::pread(descriptor, buffer.data(), std::min<uint64_t>(buffer.size(), size - offset),
                    static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            throw ReplayStoreError(name + ": cannot read the replay store: " +
                                   (got < 0 ? errno_text() : std::string("file shrank")));
        }
        for (ssize_t i = 0; i < got; ++i) {
            const char c = buffer[static_cast<size_t>(i)];
            ++offset;
            if (c != '\n') {
                if (line.size() >= max_line) {
                    throw ReplayStoreError(name + ":" + std::to_string(line_number_ + 1) +
                                           ": record longer than " + std::to_string(max_line) +
                                           " characters; the store is damaged (kept as it is: "
                                           "repair or remove it)");
                }
                line += c;
                continue;
            }
            ++line_number_;
            if (line_number_ == 1) {
                if (line == old_header) {
                    // Version 1 keyed token bytes under the "ccattest/v1" binding, which no
                    // evidence can pass any more: set it aside (kept) and start version 2.
                    const std::string aside = name + ".v1";
                    if (::rename(name.c_str(), aside.c_str()) != 0) {
                        throw ReplayStoreError(
                            name + ": cannot set aside the version 1 store: " + errno_text());
                    }
                    logging::write(LogLevel::warning, "replay",
                                   name + ": version 1 store moved to " + aside +
                                       "; its records bind the retired ccattest/v1 report data");
                    file_device_ = 0;
                    create_new();
                    refresh();
                    return;
                }
                if (line != header) {
                    throw ReplayStoreError(name + ":1: not a ccattest replay store (header \"" +
                                           line.substr(0, 40) + "\")");
                }
            } else {
                const auto record = parse_record(line);
                if (!record) {
                    throw ReplayStoreError(name + ":" + std::to_string(line_number_) +
                                           ": malformed record or checksum mismatch; the store "
                                           "is damaged (kept as it is: repair or remove it)");
                }
                if (++records_in_file_ > max_records) {
                    throw ReplayStoreError(name + ": more than " + std::to_string(max_records) +
                                           " records, more than compaction ever leaves; the "
                                           "store is damaged (kept as it is)");
                }
                Entry &entry = entries_[record->key];
                entry.expires_at = std::max(entry.expires_at, record->expires_at);
                entry.site_tag = record->site_tag;
            }
            read_offset_ = offset;
            line.clear();
        }
    }
    if (read_offset_ == size) {
        if (line_number_ == 0) {
            throw ReplayStoreError(name + ": empty file is not a replay store");
        }
        return;
    }
    // A torn last record: a crash mid-append left it, and it was never acknowledged. Cut it off
    // so the next append starts on a line of its own.
    if (line_number_ == 0) {
        throw ReplayStoreError(name + ": not a ccattest replay store (no complete header)");
    }
    if (::ftruncate(descriptor, static_cast<off_t>(read_offset_)) != 0) {
        throw ReplayStoreError(name + ": cannot cut off a torn last record: " + errno_text());
    }
    sync_or_throw(descriptor, name);
    logging::write(LogLevel::warning, "replay",
                   name + ": cut off a torn last record (" + std::to_string(size - read_offset_) +
                       " bytes) left by an interrupted write");
}

void ReplayStore::append(const std::string &line) {
    const std::string name = file_.string();
    const Fd descriptor(::open(name.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
    if (descriptor.get() < 0) {
        throw ReplayStoreError(name +
                               ": cannot open the replay store for writing: " + errno_text());
    }
    try {
        write_all(descriptor.get(), line, name);
        sync_or_throw(descriptor.get(), name);
    } catch (...) {
        // Leave no partial record behind (the lock is held: the tail is ours).
        (void)::ftruncate(descriptor.get(), static_cast<off_t>(read_offset_));
        throw;
    }
    read_offset_ += line.size();
    ++line_number_;
    ++records_in_file_;
}

void ReplayStore::compact(int64_t now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        it = it->second.expires_at <= now ? entries_.erase(it) : std::next(it);
    }
    if (records_in_file_ < compaction_floor || records_in_file_ < 2 * entries_.size()) {
        return;
    }
    // Rewrite the live records beside the store, then replace it atomically; other processes see
    // a new file identity and re-read it whole.
    const fs::path temporary = file_.string() + ".compact";
    std::string text = std::string(header) + "\n";
    for (const auto &[key, entry] : entries_) {
        text += record_line(key, entry.expires_at, entry.site_tag);
    }
    {
        const Fd descriptor(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (descriptor.get() < 0) {
            throw ReplayStoreError(temporary.string() +
                                   ": cannot write the compacted store: " + errno_text());
        }
        write_all(descriptor.get(), text, temporary.string());
        sync_or_throw(descriptor.get(), temporary.string());
    }
    if (::rename(temporary.c_str(), file_.c_str()) != 0) {
        throw ReplayStoreError(file_.string() +
                               ": cannot replace with the compacted store: " + errno_text());
    }
    sync_folder(file_);
    struct stat status {};
    if (::stat(file_.c_str(), &status) != 0) {
        throw ReplayStoreError(file_.string() +
                               ": cannot inspect the compacted store: " + errno_text());
    }
    file_device_ = static_cast<uint64_t>(status.st_dev);
    file_inode_ = static_cast<uint64_t>(status.st_ino);
    read_offset_ = text.size();
    records_in_file_ = entries_.size();
    line_number_ = records_in_file_ + 1;
}

ReplayStore::Outcome ReplayStore::check_and_record(const Digest &key, std::string_view site,
                                                   int64_t expires_at, int64_t now) {
    const std::lock_guard guard(mutex_);
    const Lock lock(lock_descriptor_, file_.string());
    refresh();
    if (const auto found = entries_.find(key);
        found != entries_.end() && found->second.expires_at > now) {
        return Outcome::replayed;
    }
    compact(now);
    const uint64_t tag = site_tag_of(site);
    size_t live = 0;
    size_t of_site = 0;
    for (const auto &[stored, entry] : entries_) {
        if (entry.expires_at > now) {
            ++live;
            of_site += entry.site_tag == tag ? 1 : 0;
        }
    }
    if (of_site >= limits_.max_per_site) {
        return Outcome::site_quota_exceeded;
    }
    if (live >= limits_.max_entries) {
        throw ReplayStoreError(file_.string() + ": full (" + std::to_string(limits_.max_entries) +
                               " unexpired records); refusing rather than forgetting");
    }
    append(record_line(key, expires_at, tag));
    entries_[key] = Entry{expires_at, tag};
    return Outcome::recorded;
}

} // namespace ccattest
