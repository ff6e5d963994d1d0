// Binding evidence to a challenge and to the attester's identity, and the durable replay store.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ccattest {

using Challenge = std::array<uint8_t, 32>;
using ReportData = std::array<uint8_t, 64>;

/// The report data a token must bind: SHA-512("ccattest/v1" || challenge || SHA-256(identity)).
/// The identity is the site name plus, when the host knows it, its TLS key hash (site_identity).
ReportData report_data_for(const Challenge &challenge, std::string_view identity);

/// "site:<name>" or "site:<name>;tls-key-sha256:<hex>".
std::string site_identity(std::string_view site, std::string_view tls_key_sha256_hex = {});

/// 32 random bytes from OpenSSL's CSPRNG.
Challenge new_challenge();

/// The replay store is corrupt or cannot be written; what() names the file (and line).
class ReplayStoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Digests of tokens already accepted, kept until they expire, in an append-only file that is
/// fsynced before a token counts as recorded, survives restarts, is bounded, and is compacted by
/// expiry. A torn last record (a crash mid-write) is dropped; any other damage is an error, never a
/// reset.
class ReplayStore {
public:
    explicit ReplayStore(std::filesystem::path file, size_t max_entries = 100000);

    /// True and recorded (durably) when `digest` is new or its record expired; false when seen.
    /// Throws ReplayStoreError when the store is full of unexpired entries or cannot be written.
    bool check_and_record(const std::array<uint8_t, 32> &digest, int64_t expires_at, int64_t now);
    [[nodiscard]] size_t size() const noexcept { return entries_.size(); }

private:
    void append(const std::string &line);
    void compact(int64_t now);

    std::filesystem::path file_;
    size_t max_entries_;
    size_t records_in_file_ = 0;
    std::map<std::array<uint8_t, 32>, int64_t> entries_;
};

} // namespace ccattest
