// Binding evidence to a challenge, the attester's identity and its issue time, and the durable
// replay store.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <ccattest/support/files.hpp>

namespace ccattest {

using Challenge = std::array<uint8_t, 32>;
using ReportData = std::array<uint8_t, 64>;
using Digest = std::array<uint8_t, 32>;

/// The report data a token must bind:
/// SHA-512("ccattest/v2" || challenge || SHA-256(identity) || issued_at as 8 bytes big-endian).
/// Binding the issue time means the age a verifier computes comes from signed evidence.
/// The identity is the site name plus, when the host knows it, its TLS key hash (site_identity).
ReportData report_data_for(const Challenge &challenge, std::string_view identity,
                           int64_t issued_at);

/// "site:<name>" or "site:<name>;tls-key-sha256:<hex>".
std::string site_identity(std::string_view site, std::string_view tls_key_sha256_hex = {});

/// 32 random bytes from OpenSSL's CSPRNG.
Challenge new_challenge();

/// The replay key of one piece of evidence: SHA-256 over a domain label, the namespace and the
/// plugin's evidence_digest (a digest of the signed evidence itself, so every spelling of one
/// piece of evidence has one key).
Digest replay_key(std::string_view namespace_id, std::span<const uint8_t, 32> evidence_digest);

/// The replay store is damaged, cannot be read or written, or is full; what() names the file (and
/// the line).
class ReplayStoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Replay keys of evidence already accepted, each kept until a time the verifier computed, in an
/// append-only file shared by every process of a site:
/// - check_and_record holds an exclusive lock (flock on "<file>.lock") across re-reading what other
///   processes appended, the check, and the durable (fsynced) append, so one key is accepted once
///   across processes;
/// - every record carries a checksum and parsing is strict: damage is an error naming the line,
///   never a reset;
/// - a torn last record (a crash mid-append; never acknowledged) is cut off before the next append;
/// - the file is compacted by expiry; at most max_entries live records in all and max_per_site per
///   site, and what a load reads is bounded, so the store cannot grow memory without bound.
class ReplayStore {
public:
    struct Limits {
        size_t max_entries = 100000;
        size_t max_per_site = 1000;
    };
    enum class Outcome { recorded, replayed, site_quota_exceeded };
    struct Result {
        Outcome outcome = Outcome::recorded;
        std::vector<size_t> replayed; ///< positions of the keys already recorded and live
    };

    explicit ReplayStore(std::filesystem::path file);
    ReplayStore(std::filesystem::path file, Limits limits);
    ~ReplayStore();
    ReplayStore(const ReplayStore &) = delete;
    ReplayStore &operator=(const ReplayStore &) = delete;

    /// Records every key of one presentation, durably and all together, kept while
    /// now < expires_at: recorded when none is live; replayed (with their positions) when some are
    /// recorded and live, and then nothing is recorded; site_quota_exceeded when `site` would hold
    /// more than max_per_site live records. Throws ReplayStoreError when the store would hold more
    /// than max_entries live records, is damaged, or cannot be written, and for an expiry < 0.
    Result check_and_record(std::span<const Digest> keys, std::string_view site, int64_t expires_at,
                            int64_t now);
    /// One key (see above).
    Outcome check_and_record(const Digest &key, std::string_view site, int64_t expires_at,
                             int64_t now);
    /// Positions of the keys that are recorded and live, recording nothing.
    std::vector<size_t> seen(std::span<const Digest> keys, int64_t now);
    /// Live and expired records currently held in memory.
    [[nodiscard]] size_t size() const noexcept { return entries_.size(); }
    [[nodiscard]] const std::filesystem::path &file() const noexcept { return file_; }

private:
    struct Entry {
        int64_t expires_at = 0;
        uint64_t site_tag = 0;
    };
    class Lock;

    void refresh();
    void load_from(int descriptor, uint64_t size);
    bool take_line(const std::string &line);
    void set_aside_version_1();
    void cut_torn_tail(int descriptor, uint64_t size);
    void append(const std::string &lines, size_t count);
    void compact(int64_t now);
    void create_new();
    [[nodiscard]] std::vector<size_t> live_positions(std::span<const Digest> keys,
                                                     int64_t now) const;

    std::filesystem::path file_;
    Limits limits_;
    support::UniqueFd lock_;   ///< "<file>.lock", flocked around every operation
    support::UniqueFd store_;  ///< the store file as last read (held: see refresh)
    uint64_t read_offset_ = 0; ///< bytes of the file parsed so far
    size_t records_in_file_ = 0;
    size_t line_number_ = 0;
    std::map<Digest, Entry> entries_;
    std::mutex mutex_; // threads of one process share the lock file's descriptor
};

} // namespace ccattest
