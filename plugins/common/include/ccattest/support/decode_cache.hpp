// A cache of decoded objects by the SHA-256 of the bytes they were decoded from, so a verifier
// that sees the same certificate, CRL or document again (each quote of a platform carries the same
// chain; each token the same collateral) does not parse it again. Decoding only: never a verdict.
// Thread-safe; bounded (emptied when full); failures are not cached.
#pragma once

#include <ccattest/support/crypto.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>

namespace ccattest::support {

template <typename T> class DecodeCache {
public:
    explicit DecodeCache(size_t capacity = 1024) : capacity_(capacity) {}

    /// The object decoded from `bytes`: the cached one, else decode(bytes) (which may throw; then
    /// nothing is cached).
    template <typename Decode>
    std::shared_ptr<const T> get(std::span<const uint8_t> bytes, const Decode &decode) const {
        const auto key = sha256(bytes);
        {
            const std::shared_lock lock(mutex_);
            if (const auto found = entries_.find(key); found != entries_.end()) {
                return found->second;
            }
        }
        std::shared_ptr<const T> decoded = std::make_shared<const T>(decode(bytes));
        const std::unique_lock lock(mutex_);
        if (entries_.size() >= capacity_) {
            entries_.clear();
        }
        entries_.emplace(key, decoded);
        return decoded;
    }

private:
    size_t capacity_;
    mutable std::shared_mutex mutex_;
    mutable std::map<std::array<uint8_t, 32>, std::shared_ptr<const T>> entries_;
};

} // namespace ccattest::support
