// Fuzz target: the collateral cache's entry reader (core/src/net/collateral_cache.cpp).
//  - parse_cache_entry either throws std::runtime_error or returns an entry that
//    serialize_cache_entry writes back as exactly the input bytes (one spelling per entry);
//  - the input written as the entry file of a fixed request and read by CollateralCache::load
//    answers only when parse_cache_entry accepts it and it is that request's entry; anything else
//    is discarded (the file is gone) and never returned.
// The body's size and SHA-256 guard everything, so a mutation almost never keeps them right: every
// input also runs a second time with body_size and body_sha256 recomputed for the bytes after the
// header line, which lets mutations reach the header's fields and the canonical-form check.
#include "fuzz_support.hpp"

#include "ccattest/core/logging.hpp"
#include "ccattest/core/network.hpp"

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/crypto.hpp>

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <optional>
#include <sys/stat.h>

namespace {

using ccattest::net::CacheEntry;
using ccattest::net::CollateralCache;

const fuzz::Scratch &scratch() {
    static const fuzz::Scratch folder("cache-entry");
    return folder;
}

// The input with "body_size":N and "body_sha256":"..." made true of what follows the header line.
std::string with_body_fields_recomputed(std::string_view input) {
    const size_t first = input.find('\n');
    const size_t second = first == std::string_view::npos ? first : input.find('\n', first + 1);
    if (second == std::string_view::npos) {
        return std::string(input);
    }
    const std::string_view body = input.substr(second + 1);
    std::string header(input.substr(0, second));
    const std::string size_key = "\"body_size\":";
    if (const size_t at = header.find(size_key); at != std::string::npos) {
        const size_t start = at + size_key.size();
        const size_t end = header.find_first_not_of("0123456789", start);
        header.replace(start, (end == std::string::npos ? header.size() : end) - start,
                       std::to_string(body.size()));
    }
    const std::string digest_key = "\"body_sha256\":\"";
    if (const size_t at = header.find(digest_key); at != std::string::npos) {
        const size_t start = at + digest_key.size();
        const size_t end = header.find('"', start);
        header.replace(start, (end == std::string::npos ? header.size() : end) - start,
                       ccattest::support::to_hex(ccattest::support::sha256(std::span(
                           reinterpret_cast<const uint8_t *>(body.data()), body.size()))));
    }
    return header + "\n" + std::string(body);
}

std::optional<CacheEntry> parsed_or_refused(std::string_view bytes) {
    try {
        return ccattest::net::parse_cache_entry(bytes);
    } catch (const std::runtime_error &error) {
        fuzz::require(std::string_view(error.what()).rfind("collateral entry: ", 0) == 0,
                      std::string("a refusal that does not say what it refuses: ") + error.what());
        return std::nullopt;
    }
}

void check(std::string_view bytes) {
    const std::optional<CacheEntry> entry = parsed_or_refused(bytes);
    if (entry) {
        fuzz::require(ccattest::net::serialize_cache_entry(*entry) == bytes,
                      "an accepted entry does not serialize back to the same bytes");
    }
    // Larger than any input, so the cache's size bound never decides.
    const CollateralCache cache(scratch().fresh() / "collateral", size_t{64} << 20U);
    fuzz::require(::mkdir(cache.folder().c_str(), 0700) == 0, "cannot create the cache folder");
    const std::string key = CollateralCache::key_for("GET", fuzz::cache_fuzz_url, "");
    const fuzz::fs::path file = cache.folder() / (key + ".entry");
    fuzz::write_file(file, bytes);
    const std::optional<CacheEntry> loaded = cache.load(key);
    const bool is_that_request = entry && entry->method == "GET" &&
                                 entry->url == fuzz::cache_fuzz_url &&
                                 entry->request_body_sha256.empty();
    fuzz::require(loaded.has_value() == is_that_request,
                  loaded ? "load answered with an entry parse_cache_entry refuses or that is not "
                           "the request's"
                         : "load refused an entry parse_cache_entry accepts for its request");
    fuzz::require(std::filesystem::exists(file) == loaded.has_value(),
                  loaded ? "load lost a good entry" : "load left a bad entry in place");
    if (loaded) {
        fuzz::require(ccattest::net::serialize_cache_entry(*loaded) == bytes,
                      "load returned an entry other than the file's");
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int * /*argc*/, char *** /*argv*/) {
    // Discarding logs a warning per bad input; only errors are worth seeing here.
    ccattest::logging::configure(ccattest::LogLevel::error, ccattest::LogFormat::text, std::cerr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    check(input);
    const std::string recomputed = with_body_fields_recomputed(input);
    if (recomputed != input) {
        check(recomputed);
    }
    return 0;
}
