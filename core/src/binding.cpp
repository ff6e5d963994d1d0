#include "ccattest/core/binding.hpp"

#include "ccattest/core/logging.hpp"

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/files.hpp>

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
// "<key 64 hex> <expires_at: at most 19 digits> <site tag 16 hex> <check 16 hex>".
constexpr size_t max_line = 64 + 1 + 19 + 1 + 16 + 1 + 16;
// Compaction runs once the file holds this many records and twice the live ones (see compact).
constexpr size_t compaction_floor = 1024;
// The largest expiry a record can hold: 19 decimal digits.
constexpr int64_t max_expiry = INT64_MAX;

std::string errno_text() {
    return std::strerror(errno);
}

void sync_or_throw(int descriptor, const std::string &what) {
    if (::fsync(descriptor) != 0) {
        throw ReplayStoreError(what + ": fsync failed: " + errno_text());
    }
}

void sync_folder(const fs::path &file) {
    // Best effort: the record itself is already synced; this makes its creation durable too.
    (void)support::sync_folder(file.parent_path().empty() ? fs::path(".") : file.parent_path());
}

void write_all(int descriptor, std::string_view text, const std::string &what) {
    if (!support::write_all(descriptor, text)) {
        throw ReplayStoreError(what + ": write failed: " + errno_text());
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
    return support::to_hex(bytes);
}

std::string check_of(std::string_view body) {
    Digest digest{};
    std::string input(check_domain);
    input += '\n';
    input += body;
    SHA256(reinterpret_cast<const unsigned char *>(input.data()), input.size(), digest.data());
    return support::to_hex(std::span<const uint8_t>(digest.data(), 8));
}

std::string record_line(const Digest &key, int64_t expires_at, uint64_t site_tag) {
    std::string body =
        support::to_hex(key) + " " + std::to_string(expires_at) + " " + hex16(site_tag);
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
    const auto key = support::parse_hex(key_hex);
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
    std::error_code ec;
    if (!file_.parent_path().empty()) {
        fs::create_directories(file_.parent_path(), ec);
        if (ec) {
            throw ReplayStoreError(file_.parent_path().string() +
                                   ": cannot create the state folder: " + ec.message());
        }
    }
    const std::string lock_name = file_.string() + ".lock";
    lock_.reset(::open(lock_name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!lock_.valid()) {
        throw ReplayStoreError(lock_name +
                               ": cannot open the replay store's lock file: " + errno_text());
    }
    const std::lock_guard guard(mutex_);
    const Lock lock(lock_.get(), file_.string());
    refresh();
}

ReplayStore::~ReplayStore() = default;

// A new store appears whole or not at all: the header is written and synced beside it, then
// renamed into place (the lock is held).
void ReplayStore::create_new() {
    const std::string name = file_.string();
    const std::string temporary = name + ".new";
    {
        const support::UniqueFd descriptor(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!descriptor.valid()) {
            throw ReplayStoreError(name + ": cannot create the replay store: " + errno_text());
        }
        write_all(descriptor.get(), std::string(header) + "\n", temporary);
        sync_or_throw(descriptor.get(), temporary);
    }
    if (::rename(temporary.c_str(), name.c_str()) != 0) {
        throw ReplayStoreError(name + ": cannot create the replay store: " + errno_text());
    }
    sync_folder(file_);
}

// Brings the in-memory view up to date with the file (the lock is held): the whole file when it
// is new to this process or was replaced by a compaction, else only what others appended. The
// file read last stays open (store_), so its inode number cannot be given to a later file and be
// mistaken for it.
void ReplayStore::refresh() {
    const std::string name = file_.string();
    struct stat status {};
    if (::lstat(name.c_str(), &status) != 0) {
        if (errno != ENOENT || store_.valid()) {
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
    support::UniqueFd opened(::open(name.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
    if (!opened.valid() || ::fstat(opened.get(), &status) != 0) {
        throw ReplayStoreError(name + ": cannot open the replay store: " + errno_text());
    }
    struct stat held {};
    const bool same_file = store_.valid() && ::fstat(store_.get(), &held) == 0 &&
                           held.st_dev == status.st_dev && held.st_ino == status.st_ino;
    if (!same_file || static_cast<uint64_t>(status.st_size) < read_offset_) {
        store_ = std::move(opened);
        entries_.clear();
        read_offset_ = 0;
        records_in_file_ = 0;
        line_number_ = 0;
    }
    load_from(store_.get(), static_cast<uint64_t>(status.st_size));
}

// Parses the file from read_offset_ to `size`, strictly, holding one line at a time.
void ReplayStore::load_from(int descriptor, uint64_t size) {
    const std::string name = file_.string();
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
        for (const char c : std::string_view(buffer.data(), static_cast<size_t>(got))) {
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
            if (!take_line(line)) {
                set_aside_version_1();
                return;
            }
            read_offset_ = offset;
            line.clear();
        }
    }
    if (read_offset_ != size) {
        cut_torn_tail(descriptor, size);
    } else if (line_number_ == 0) {
        throw ReplayStoreError(name + ": empty file is not a replay store");
    }
}

// Takes one complete line: the header or a record. False for a version 1 header.
bool ReplayStore::take_line(const std::string &line) {
    const std::string name = file_.string();
    ++line_number_;
    if (line_number_ == 1) {
        if (line == old_header) {
            return false;
        }
        if (line != header) {
            throw ReplayStoreError(name + ":1: not a ccattest replay store (header \"" +
                                   line.substr(0, 40) + "\")");
        }
        return true;
    }
    const auto record = parse_record(line);
    if (!record) {
        throw ReplayStoreError(name + ":" + std::to_string(line_number_) +
                               ": malformed record or checksum mismatch; the store is damaged "
                               "(kept as it is: repair or remove it)");
    }
    // Compaction keeps at most 2 x live + 1024 records; more is not a store this code wrote.
    const size_t max_records = 2 * limits_.max_entries + compaction_floor + 1;
    if (++records_in_file_ > max_records) {
        throw ReplayStoreError(name + ": more than " + std::to_string(max_records) +
                               " records, more than compaction ever leaves; the store is damaged "
                               "(kept as it is)");
    }
    Entry &entry = entries_[record->key];
    entry.expires_at = std::max(entry.expires_at, record->expires_at);
    entry.site_tag = record->site_tag;
    return true;
}

// Version 1 keyed token bytes under the "ccattest/v1" binding, which no evidence can pass any
// more: the file is set aside (kept, never deleted) and version 2 starts.
void ReplayStore::set_aside_version_1() {
    const std::string name = file_.string();
    const std::string aside = name + ".v1";
    if (::rename(name.c_str(), aside.c_str()) != 0) {
        throw ReplayStoreError(name + ": cannot set aside the version 1 store: " + errno_text());
    }
    std::string message = name;
    message.append(": version 1 store moved to ")
        .append(aside)
        .append("; its records bind the retired ccattest/v1 report data");
    logging::write(LogLevel::warning, "replay", message);
    store_.reset();
    create_new();
    refresh();
}

// A torn last record: a crash mid-append left it, and it was never acknowledged. It is cut off
// so the next append starts on a line of its own.
void ReplayStore::cut_torn_tail(int descriptor, uint64_t size) {
    const std::string name = file_.string();
    if (line_number_ == 0) {
        throw ReplayStoreError(name + ": not a ccattest replay store (no complete header)");
    }
    if (::ftruncate(descriptor, static_cast<off_t>(read_offset_)) != 0) {
        throw ReplayStoreError(name + ": cannot cut off a torn last record: " + errno_text());
    }
    sync_or_throw(descriptor, name);
    std::string message = name;
    message.append(": cut off a torn last record (")
        .append(std::to_string(size - read_offset_))
        .append(" bytes) left by an interrupted write");
    logging::write(LogLevel::warning, "replay", message);
}

void ReplayStore::append(const std::string &lines, size_t count) {
    const std::string name = file_.string();
    try {
        write_all(store_.get(), lines, name);
        sync_or_throw(store_.get(), name);
    } catch (...) {
        // Leave no partial record behind (the lock is held: the tail is ours).
        (void)::ftruncate(store_.get(), static_cast<off_t>(read_offset_));
        throw;
    }
    read_offset_ += lines.size();
    line_number_ += count;
    records_in_file_ += count;
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
    support::UniqueFd compacted(::open(
        temporary.c_str(), O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!compacted.valid()) {
        throw ReplayStoreError(temporary.string() +
                               ": cannot write the compacted store: " + errno_text());
    }
    write_all(compacted.get(), text, temporary.string());
    sync_or_throw(compacted.get(), temporary.string());
    if (::rename(temporary.c_str(), file_.c_str()) != 0) {
        throw ReplayStoreError(file_.string() +
                               ": cannot replace with the compacted store: " + errno_text());
    }
    sync_folder(file_);
    store_ = std::move(compacted); // held, like every file this process reads
    read_offset_ = text.size();
    records_in_file_ = entries_.size();
    line_number_ = records_in_file_ + 1;
}

std::vector<size_t> ReplayStore::live_positions(std::span<const Digest> keys, int64_t now) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < keys.size(); ++i) {
        const auto found = entries_.find(keys[i]);
        if (found != entries_.end() && found->second.expires_at > now) {
            out.push_back(i);
        }
    }
    return out;
}

std::vector<size_t> ReplayStore::seen(std::span<const Digest> keys, int64_t now) {
    const std::lock_guard guard(mutex_);
    const Lock lock(lock_.get(), file_.string());
    refresh();
    return live_positions(keys, now);
}

ReplayStore::Result ReplayStore::check_and_record(std::span<const Digest> keys,
                                                  std::string_view site, int64_t expires_at,
                                                  int64_t now) {
    if (expires_at < 0 || expires_at > max_expiry) {
        throw ReplayStoreError(file_.string() + ": expiry " + std::to_string(expires_at) +
                               " is out of range");
    }
    const std::lock_guard guard(mutex_);
    const Lock lock(lock_.get(), file_.string());
    refresh();
    Result result;
    result.replayed = live_positions(keys, now);
    if (!result.replayed.empty()) {
        result.outcome = Outcome::replayed;
        return result;
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
    if (of_site + keys.size() > limits_.max_per_site) {
        result.outcome = Outcome::site_quota_exceeded;
        return result;
    }
    if (live + keys.size() > limits_.max_entries) {
        throw ReplayStoreError(file_.string() + ": full (" + std::to_string(limits_.max_entries) +
                               " unexpired records); refusing rather than forgetting");
    }
    std::string lines;
    for (const auto &key : keys) {
        lines += record_line(key, expires_at, tag);
    }
    append(lines, keys.size()); // every key of one presentation in one synced write
    for (const auto &key : keys) {
        entries_[key] = Entry{expires_at, tag};
    }
    result.outcome = Outcome::recorded;
    return result;
}

ReplayStore::Outcome ReplayStore::check_and_record(const Digest &key, std::string_view site,
                                                   int64_t expires_at, int64_t now) {
    return check_and_record(std::span<const Digest>(&key, 1), site, expires_at, now).outcome;
}

} // namespace ccattest
