// The collateral cache (core/src/net/collateral_cache.cpp): the entry format, keys, crash-safe
// writes, discarding bad entries, eviction, freshness from response headers, the folder checks.
#include "ccattest/core/logging.hpp"
#include "ccattest/core/network.hpp"
#include "support/scratch_dir.hpp"

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/crypto.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using ccattest::LogFormat;
using ccattest::LogLevel;
using ccattest::net::CacheEntry;
using ccattest::net::CollateralCache;
using ccattest::net::fresh_until_from_headers;
using ccattest::net::HttpResponse;
using ccattest::net::parse_cache_entry;
using ccattest::net::serialize_cache_entry;

namespace {

constexpr size_t big = size_t{1} << 20U;

CacheEntry make_entry(const std::string &url, const std::string &body, int64_t fetched_at = 1000,
                      const std::string &method = "GET") {
    CacheEntry entry;
    entry.method = method;
    entry.url = url;
    entry.status = 200;
    entry.body = body;
    entry.headers = {{"content-type", "application/octet-stream"}, {"cache-control", "max-age=60"}};
    entry.fetched_at = fetched_at;
    entry.fresh_until = fetched_at + 60;
    return entry;
}

std::string key_of(const CacheEntry &entry) {
    return CollateralCache::key_for(entry.method, entry.url, "");
}

fs::path file_of(const CollateralCache &cache, const std::string &key) {
    return cache.folder() / (key + ".entry");
}

std::string read_text(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path &file, const std::string &text) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

// Captures log lines for one test and restores a quiet default sink afterwards.
struct CapturedLog {
    std::ostringstream out;
    CapturedLog() { ccattest::logging::configure(LogLevel::info, LogFormat::text, out); }
    ~CapturedLog() { ccattest::logging::configure(LogLevel::warning, LogFormat::text, std::clog); }
    CapturedLog(const CapturedLog &) = delete;
    CapturedLog &operator=(const CapturedLog &) = delete;
};

std::string message_of(const std::function<void()> &action) {
    try {
        action();
    } catch (const std::exception &error) {
        return error.what();
    }
    return "(no exception)";
}

HttpResponse response_with(std::vector<std::pair<std::string, std::string>> headers) {
    HttpResponse response;
    response.status = 200;
    response.headers = std::move(headers);
    return response;
}

bool same(const CacheEntry &a, const CacheEntry &b) {
    return a.method == b.method && a.url == b.url &&
           a.request_body_sha256 == b.request_body_sha256 && a.status == b.status &&
           a.body == b.body && a.headers == b.headers && a.fetched_at == b.fetched_at &&
           a.fresh_until == b.fresh_until;
}

} // namespace

BOOST_AUTO_TEST_SUITE(collateral_entry_format)

BOOST_AUTO_TEST_CASE(serialized_entry_has_magic_header_line_and_raw_body) {
    const CacheEntry entry = make_entry("https://kds.example/vcek", std::string("\0\x01\xff\n", 4));
    const std::string bytes = serialize_cache_entry(entry);
    const std::string body_sha256 = ccattest::support::to_hex(ccattest::support::sha256(
        std::span(reinterpret_cast<const uint8_t *>(entry.body.data()), entry.body.size())));
    const std::string expected =
        "ccattest-collateral-v1\n"
        R"({"method":"GET","url":"https://kds.example/vcek","request_body_sha256":"","status":200,)"
        R"("headers":[["content-type","application/octet-stream"],["cache-control","max-age=60"]],)"
        R"("fetched_at":1000,"fresh_until":1060,"body_size":4,"body_sha256":")" +
        body_sha256 + "\"}\n" + entry.body;
    BOOST_TEST(bytes == expected);
    BOOST_TEST(same(parse_cache_entry(bytes), entry));
}

BOOST_AUTO_TEST_CASE(every_damage_is_refused_with_its_reason) {
    const std::string good = serialize_cache_entry(make_entry("https://kds.example/a", "body"));
    const auto refusal = [](const std::string &bytes) {
        return message_of([&] { (void)parse_cache_entry(bytes); });
    };
    std::string flipped = good;
    flipped.back() ^= 0x01;
    BOOST_TEST(refusal(flipped) ==
               "collateral entry: the body's SHA-256 does not match the header (damaged)");
    BOOST_TEST(refusal(good.substr(0, good.size() - 1)) ==
               "collateral entry: the body has 3 bytes, the header says 4 (truncated)");
    BOOST_TEST(refusal(good + "x") ==
               "collateral entry: the body has 5 bytes, the header says 4 (trailing bytes)");
    BOOST_TEST(refusal("ccattest-collateral-v2" + good.substr(22)) ==
               "collateral entry: the first line is not \"ccattest-collateral-v1\"");
    BOOST_TEST(refusal("") == "collateral entry: the first line is not \"ccattest-collateral-v1\"");
    BOOST_TEST(refusal("ccattest-collateral-v1\n{\"method\":\"GET\"") ==
               "collateral entry: the header line is missing or longer than 65536 bytes");
    BOOST_TEST(refusal("ccattest-collateral-v1\n" + std::string(70000, ' ') + "\n") ==
               "collateral entry: the header line is missing or longer than 65536 bytes");
    BOOST_TEST(refusal("ccattest-collateral-v1\n[1,2]\n") ==
               "collateral entry: the header is not a JSON object");
    BOOST_TEST(refusal("ccattest-collateral-v1\n{\"method\":1}\n")
                   .find("collateral entry: \"method\" is not a string") == 0);
    BOOST_TEST(refusal("ccattest-collateral-v1\n{bad}\n")
                   .find("collateral entry: the header is not JSON: line 1, column") == 0);
    // The same header with a space after one colon: valid JSON, but not ccattest's spelling.
    std::string spaced = good;
    spaced.replace(spaced.find("\"status\":200"), 12, "\"status\": 200");
    BOOST_TEST(refusal(spaced) == "collateral entry: the header is not written the way ccattest "
                                  "writes it (member order, spacing or escapes differ)");
    std::string extra = good;
    extra.replace(extra.find("{\"method\""), 1, "{\"x\":1,");
    BOOST_TEST(refusal(extra) == "collateral entry: unknown header member \"x\"");
    std::string huge_size = good;
    huge_size.replace(huge_size.find("\"body_size\":4"), 13, "\"body_size\":99999999999999");
    BOOST_TEST(refusal(huge_size) ==
               "collateral entry: body_size 99999999999999 is out of range (0-1073741824)");
    std::string past_int64 = good;
    past_int64.replace(past_int64.find("\"fetched_at\":1000"), 17,
                       "\"fetched_at\":18446744073709551615");
    BOOST_TEST(refusal(past_int64) ==
               "collateral entry: \"fetched_at\" is not an integer within int64");
    std::string status = good;
    status.replace(status.find("\"status\":200"), 12, "\"status\":99");
    BOOST_TEST(refusal(status) == "collateral entry: status 99 is not an HTTP status (100-599)");
    std::string method = good;
    method.replace(method.find("\"GET\""), 5, "\"PUT\"");
    BOOST_TEST(refusal(method) == "collateral entry: method \"PUT\" is neither GET nor POST");
}

BOOST_AUTO_TEST_CASE(an_entry_that_cannot_be_read_back_is_not_written) {
    CacheEntry entry = make_entry("https://kds.example/a", "body");
    entry.headers.emplace_back("Upper", "x");
    BOOST_TEST(message_of([&] {
                   (void)serialize_cache_entry(entry);
               }).find("collateral entry: header \"Upper\" is not a lower-case header name") == 0);
    entry = make_entry("https://kds.example/a\r\nx: y", "body");
    BOOST_TEST(message_of([&] { (void)serialize_cache_entry(entry); }) ==
               "collateral entry: url is empty, longer than 8192 bytes or holds a line break");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(collateral_cache)

BOOST_AUTO_TEST_CASE(store_then_load_round_trips_in_a_private_folder) {
    const ccattest::test::ScratchDir scratch;
    const CollateralCache cache(scratch.path() / "state" / "collateral", big);
    BOOST_TEST(!fs::exists(cache.folder())); // nothing is created before the first store
    const CacheEntry entry = make_entry("https://kds.example/vcek/v1/Milan/abc", "DER bytes");
    const std::string key = key_of(entry);
    BOOST_TEST(!cache.load(key).has_value());
    cache.store(key, entry);
    const auto loaded = cache.load(key);
    BOOST_TEST_REQUIRE(loaded.has_value());
    BOOST_TEST(same(*loaded, entry));
    struct stat status {};
    BOOST_TEST_REQUIRE(::stat(cache.folder().c_str(), &status) == 0);
    BOOST_TEST((status.st_mode & 0777U) == 0700U);
    BOOST_TEST_REQUIRE(::stat(file_of(cache, key).c_str(), &status) == 0);
    BOOST_TEST((status.st_mode & 0777U) == 0600U);
    BOOST_TEST(read_text(file_of(cache, key)) == serialize_cache_entry(entry));
    // A second cache object (another process, after a restart) reads the same entry.
    BOOST_TEST(same(*CollateralCache(cache.folder(), big).load(key), entry));
}

BOOST_AUTO_TEST_CASE(keys_separate_method_url_and_body) {
    const std::string url = "https://kds.example/x";
    const std::string get = CollateralCache::key_for("GET", url, "");
    BOOST_TEST(get.size() == 64U);
    BOOST_TEST(get.find_first_not_of("0123456789abcdef") == std::string::npos);
    BOOST_TEST(get == CollateralCache::key_for("GET", url, ""));
    // The documented encoding (collateral_cache.cpp), which tests/cli/CMakeLists.txt also uses:
    // printf 'ccattest/collateral-key/v1\n3:GET41:https://kdsintf.amd.com/vcek/v1/Milan/crl0:'
    BOOST_TEST(CollateralCache::key_for("GET", "https://kdsintf.amd.com/vcek/v1/Milan/crl", "") ==
               "0bf859c8a7ce86afe580fbebe29de9d88277c0b3c902d4d8e7a7144052c5b1ee");
    BOOST_TEST(get != CollateralCache::key_for("POST", url, ""));
    BOOST_TEST(CollateralCache::key_for("POST", url, "a") !=
               CollateralCache::key_for("POST", url, "b"));
    BOOST_TEST(get != CollateralCache::key_for("GET", url + "/", ""));
    // Lengths are part of the encoding: moving a character between parts changes the key.
    BOOST_TEST(CollateralCache::key_for("GET", "ab", "c") !=
               CollateralCache::key_for("GET", "a", "bc"));

    const ccattest::test::ScratchDir scratch;
    const CollateralCache cache(scratch.path() / "c", big);
    CacheEntry plain = make_entry(url, "GET answer");
    CacheEntry posted = make_entry(url, "POST answer", 1000, "POST");
    posted.request_body_sha256 =
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"; // SHA-256("a")
    const std::string posted_key = CollateralCache::key_for("POST", url, "a");
    cache.store(get, plain);
    cache.store(posted_key, posted);
    BOOST_TEST(cache.load(get)->body == "GET answer");
    BOOST_TEST(cache.load(posted_key)->body == "POST answer");
    BOOST_TEST(!cache.load(CollateralCache::key_for("POST", url, "b")).has_value());
    // An entry stored under a key that is not its own is refused, saying why.
    BOOST_TEST(message_of([&] { cache.store(get, posted); }) ==
               "collateral cache: the entry for POST " + url + " does not belong under key " + get +
                   " (request_body_sha256 is the body's SHA-256, \"\" when empty)");
    BOOST_TEST(message_of([&] { (void)cache.load("../x"); }) ==
               "collateral cache: \"../x\" is not a cache key (64 lower-case hex digits)");
}

BOOST_AUTO_TEST_CASE(damaged_entries_are_discarded_logged_and_never_returned) {
    const ccattest::test::ScratchDir scratch;
    const CollateralCache cache(scratch.path() / "c", big);
    const CacheEntry entry = make_entry("https://kds.example/crl", "CRL bytes");
    const std::string key = key_of(entry);
    const std::string good = serialize_cache_entry(entry);
    struct Damage {
        std::string name;
        std::string bytes;
        std::string reason;
    };
    std::string flipped = good;
    flipped[flipped.size() - 2] ^= 0x20;
    const CacheEntry other = make_entry("https://evil.example/crl", "CRL bytes");
    const std::vector<Damage> damages = {
        {"flipped byte", flipped, "the body's SHA-256 does not match the header (damaged)"},
        {"truncated", good.substr(0, good.size() - 3), "(truncated)"},
        {"wrong magic", "ccattest-collateral-v0" + good.substr(22), "the first line is not"},
        {"another URL", serialize_cache_entry(other),
         "it holds GET https://evil.example/crl, which is not the request its name stands for"},
    };
    for (const Damage &damage : damages) {
        BOOST_TEST_CONTEXT(damage.name) {
            const CapturedLog log;
            cache.store(key, entry);
            write_text(file_of(cache, key), damage.bytes);
            BOOST_TEST(!cache.load(key).has_value());
            BOOST_TEST(!fs::exists(file_of(cache, key)));
            const std::string logged = log.out.str();
            BOOST_TEST(logged.find("warning [collateral] " + file_of(cache, key).string() +
                                   ": discarded a bad cache entry, never trusted; it will be "
                                   "fetched again: ") != std::string::npos,
                       logged);
            BOOST_TEST(logged.find(damage.reason) != std::string::npos, logged);
        }
    }
    // Something that is not a regular file where an entry should be goes too.
    fs::create_symlink(scratch.path() / "elsewhere", file_of(cache, key));
    BOOST_TEST(!cache.load(key).has_value());
    BOOST_TEST(!fs::is_symlink(file_of(cache, key)));
}

BOOST_AUTO_TEST_CASE(leftover_temporary_files_are_removed_by_store_and_clear) {
    const ccattest::test::ScratchDir scratch;
    const CollateralCache cache(scratch.path() / "c", big);
    const CacheEntry entry = make_entry("https://kds.example/a", "a");
    cache.store(key_of(entry), entry);
    const fs::path leftover = cache.folder() / ".tmp-0123456789abcdef";
    write_text(leftover, "half a write");
    BOOST_TEST(cache.list().size() == 1U); // a reader leaves it alone
    BOOST_TEST(fs::exists(leftover));
    cache.store(key_of(entry), entry);
    BOOST_TEST(!fs::exists(leftover));
    write_text(leftover, "half a write");
    BOOST_TEST(cache.clear() == 1U);
    BOOST_TEST(!fs::exists(leftover));
}

BOOST_AUTO_TEST_CASE(eviction_removes_least_recently_fetched_until_the_bound_holds) {
    const ccattest::test::ScratchDir scratch;
    const CacheEntry first = make_entry("https://kds.example/1", std::string(400, 'a'), 300);
    const CacheEntry second = make_entry("https://kds.example/2", std::string(400, 'b'), 100);
    const CacheEntry third = make_entry("https://kds.example/3", std::string(400, 'c'), 200);
    const size_t one = serialize_cache_entry(first).size();
    // Room for two entries, not three.
    const CollateralCache cache(scratch.path() / "c", 2 * one + one / 2);
    const CapturedLog log;
    cache.store(key_of(first), first);
    cache.store(key_of(second), second);
    BOOST_TEST(cache.list().size() == 2U);
    cache.store(key_of(third), third);
    // The one fetched longest ago (fetched_at 100) went; the others stay.
    BOOST_TEST(!cache.load(key_of(second)).has_value());
    BOOST_TEST(cache.load(key_of(first)).has_value());
    BOOST_TEST(cache.load(key_of(third)).has_value());
    BOOST_TEST(log.out.str().find("evicted 1 least recently fetched entries to stay within " +
                                  std::to_string(2 * one + one / 2) + " bytes") !=
               std::string::npos);
    // The entry just stored stays even when it is the oldest.
    const CacheEntry oldest = make_entry("https://kds.example/4", std::string(400, 'd'), 1);
    cache.store(key_of(oldest), oldest);
    BOOST_TEST(cache.load(key_of(oldest)).has_value());
    BOOST_TEST(cache.list().size() == 2U);
    uintmax_t total = 0;
    for (const auto &file : fs::directory_iterator(cache.folder())) {
        if (file.path().extension() == ".entry") {
            total += file.file_size();
        }
    }
    BOOST_TEST(total <= 2 * one + one / 2);
}

BOOST_AUTO_TEST_CASE(an_entry_larger_than_the_bound_is_not_stored) {
    const ccattest::test::ScratchDir scratch;
    const CacheEntry small = make_entry("https://kds.example/small", "s");
    const CacheEntry large = make_entry("https://kds.example/large", std::string(2000, 'x'));
    const CollateralCache cache(scratch.path() / "c", 1000);
    cache.store(key_of(small), small);
    BOOST_TEST(message_of([&] { cache.store(key_of(large), large); }) ==
               "the entry's " + std::to_string(serialize_cache_entry(large).size()) +
                   " bytes exceed the collateral cache's bound of 1000 bytes");
    BOOST_TEST(!cache.load(key_of(large)).has_value());
    BOOST_TEST(!fs::exists(file_of(cache, key_of(large))));
    BOOST_TEST(cache.load(key_of(small)).has_value()); // nothing was evicted for it
}

BOOST_AUTO_TEST_CASE(set_fresh_until_rewrites_the_entry) {
    const ccattest::test::ScratchDir scratch;
    const CollateralCache cache(scratch.path() / "c", big);
    const CacheEntry entry = make_entry("https://kds.example/crl", "crl");
    BOOST_TEST(!cache.set_fresh_until(key_of(entry), 5000)); // nothing stored yet
    cache.store(key_of(entry), entry);
    BOOST_TEST(cache.set_fresh_until(key_of(entry), 987654321));
    const auto loaded = cache.load(key_of(entry));
    BOOST_TEST_REQUIRE(loaded.has_value());
    BOOST_TEST(loaded->fresh_until == 987654321);
    BOOST_TEST(loaded->fetched_at == entry.fetched_at);
    BOOST_TEST(loaded->body == entry.body);
    // A damaged entry is not revived by setting its validity.
    write_text(file_of(cache, key_of(entry)), "garbage");
    BOOST_TEST(!cache.set_fresh_until(key_of(entry), 5));
    BOOST_TEST(!fs::exists(file_of(cache, key_of(entry))));
}

BOOST_AUTO_TEST_CASE(list_and_clear) {
    const ccattest::test::ScratchDir scratch;
    const CollateralCache cache(scratch.path() / "c", big);
    BOOST_TEST(cache.list().empty());
    BOOST_TEST(cache.clear() == 0U);
    const CacheEntry b = make_entry("https://kds.example/b", "b");
    const CacheEntry a = make_entry("https://kds.example/a", "a");
    cache.store(key_of(b), b);
    cache.store(key_of(a), a);
    write_text(cache.folder() / (std::string(64, 'f') + ".entry"), "not an entry");
    const CapturedLog log;
    const auto entries = cache.list();
    BOOST_TEST_REQUIRE(entries.size() == 2U);
    BOOST_TEST(entries[0].url == "https://kds.example/a"); // sorted by URL
    BOOST_TEST(entries[1].url == "https://kds.example/b");
    BOOST_TEST(!fs::exists(cache.folder() / (std::string(64, 'f') + ".entry")));
    BOOST_TEST(log.out.str().find("the first line is not") != std::string::npos);
    BOOST_TEST(cache.clear() == 2U);
    BOOST_TEST(cache.list().empty());
    BOOST_TEST(fs::is_directory(cache.folder()));
}

BOOST_AUTO_TEST_CASE(threads_storing_at_once_lose_nothing) {
    const ccattest::test::ScratchDir scratch;
    const CollateralCache cache(scratch.path() / "c", big);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 10; ++i) {
                const CacheEntry entry = make_entry(
                    "https://kds.example/" + std::to_string(t) + "/" + std::to_string(i), "x");
                cache.store(key_of(entry), entry);
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    BOOST_TEST(cache.list().size() == 40U);
}

BOOST_AUTO_TEST_CASE(an_unsafe_folder_is_refused_saying_why) {
    const ccattest::test::ScratchDir scratch;
    const std::string why = "; whoever can write it could feed collateral to this site's "
                            "verifiers (collateral is verified, but the cache must be private)";
    const fs::path real = scratch.path() / "real";
    fs::create_directory(real);
    fs::permissions(real, fs::perms::owner_all);
    const fs::path link = scratch.path() / "link";
    fs::create_directory_symlink(real, link);
    BOOST_TEST(message_of([&] { (void)CollateralCache(link, big); }) ==
               link.string() + ": refusing the collateral cache folder: it is a symbolic link" +
                   why);
    fs::permissions(real, fs::perms::owner_all | fs::perms::others_write);
    BOOST_TEST(message_of([&] { (void)CollateralCache(real, big); }) ==
               real.string() +
                   ": refusing the collateral cache folder: it is writable by its "
                   "group or by others (mode 0702)" +
                   why);
    // A cache made while the folder was fine refuses once it is not.
    fs::permissions(real, fs::perms::owner_all);
    const CollateralCache cache(real, big);
    fs::permissions(real, fs::perms::owner_all | fs::perms::group_write);
    const CacheEntry entry = make_entry("https://kds.example/a", "a");
    BOOST_TEST(message_of([&] { cache.store(key_of(entry), entry); }).find("(mode 0720)") !=
               std::string::npos);
    BOOST_TEST(!fs::exists(file_of(cache, key_of(entry))));
    const fs::path file = scratch.write("plain-file", "x");
    BOOST_TEST(message_of([&] { (void)CollateralCache(file, big); }) ==
               file.string() + ": refusing the collateral cache folder: it is not a folder");
    if (::geteuid() == 0) {
        const fs::path foreign = scratch.path() / "foreign";
        fs::create_directory(foreign);
        fs::permissions(foreign, fs::perms::owner_all);
        BOOST_TEST_REQUIRE(::chown(foreign.c_str(), 4242, 4242) == 0);
        BOOST_TEST(message_of([&] { (void)CollateralCache(foreign, big); }) ==
                   foreign.string() +
                       ": refusing the collateral cache folder: it is owned by uid 4242, not by "
                       "this user (uid 0)" +
                       why);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(freshness_from_headers)

constexpr int64_t now = 1700000000;        // Tue, 14 Nov 2023 22:13:20 GMT
constexpr int64_t default_lifetime = 3600; // as a site configures it

std::optional<int64_t> fresh(std::vector<std::pair<std::string, std::string>> headers) {
    return fresh_until_from_headers(response_with(std::move(headers)), now, default_lifetime);
}

BOOST_AUTO_TEST_CASE(cache_control) {
    BOOST_TEST(!fresh({{"cache-control", "no-store"}}).has_value());
    BOOST_TEST(!fresh({{"cache-control", "max-age=60, No-Store"}}).has_value());
    BOOST_TEST(*fresh({{"cache-control", "no-cache"}}) == now);
    BOOST_TEST(*fresh({{"cache-control", "max-age=0"}}) == now);
    BOOST_TEST(*fresh({{"cache-control", "public, MAX-AGE=60"}}) == now + 60);
    BOOST_TEST(*fresh({{"Cache-Control", " max-age = 120 "}}) == now + 120);
    BOOST_TEST(*fresh({{"cache-control", "private"}, {"cache-control", "max-age=5"}}) == now + 5);
    // Invalid or contradicting max-age: stale at once, never the default.
    BOOST_TEST(*fresh({{"cache-control", "max-age=abc"}}) == now);
    BOOST_TEST(*fresh({{"cache-control", "max-age=-5"}}) == now);
    BOOST_TEST(*fresh({{"cache-control", "max-age=\"60\""}}) == now);
    BOOST_TEST(*fresh({{"cache-control", "max-age"}}) == now);
    BOOST_TEST(*fresh({{"cache-control", "max-age=60, max-age=60"}}) == now);
    // Huge numbers are clamped, never overflow.
    BOOST_TEST(*fresh({{"cache-control", "max-age=" + std::string(500, '9')}}) == now + 2147483648);
    BOOST_TEST(*fresh_until_from_headers(response_with({{"cache-control", "max-age=99999"}}),
                                         INT64_MAX - 10, 0) == INT64_MAX);
}

BOOST_AUTO_TEST_CASE(expires) {
    BOOST_TEST(*fresh({{"expires", "Tue, 14 Nov 2023 23:13:20 GMT"}}) == now + 3600);
    BOOST_TEST(*fresh({{"expires", "  Tue, 14 Nov 2023 23:13:20 GMT "}}) == now + 3600);
    BOOST_TEST(*fresh({{"expires", "Thu, 29 Feb 2024 00:00:00 GMT"}}) == 1709164800);
    // max-age wins over Expires.
    BOOST_TEST(*fresh({{"expires", "Tue, 14 Nov 2023 23:13:20 GMT"},
                       {"cache-control", "max-age=10"}}) == now + 10);
    // Past, unreadable, wrong weekday, impossible date, other forms, two of them: stale.
    BOOST_TEST(*fresh({{"expires", "Tue, 14 Nov 2023 21:13:20 GMT"}}) == now);
    BOOST_TEST(*fresh({{"expires", "0"}}) == now);
    BOOST_TEST(*fresh({{"expires", "Wed, 14 Nov 2023 23:13:20 GMT"}}) == now);
    BOOST_TEST(*fresh({{"expires", "Thu, 29 Feb 2023 00:00:00 GMT"}}) == now);
    BOOST_TEST(*fresh({{"expires", "Tue, 14 Nov 2023 24:00:00 GMT"}}) == now);
    BOOST_TEST(*fresh({{"expires", "Tuesday, 14-Nov-23 23:13:20 GMT"}}) == now);
    BOOST_TEST(*fresh({{"expires", "Tue, 14 Nov 2023 23:13:20 UTC"}}) == now);
    BOOST_TEST(*fresh({{"expires", "Tue, 14 nov 2023 23:13:20 GMT"}}) == now);
    BOOST_TEST(*fresh({{"expires", "Tue, 14 Nov 2023 23:13:20 GMT"},
                       {"expires", "Tue, 14 Nov 2023 23:13:20 GMT"}}) == now);
    // Far future: clamped to the longest lifetime.
    BOOST_TEST(*fresh({{"expires", "Fri, 31 Dec 9999 23:59:59 GMT"}}) == now + 2147483648);
}

BOOST_AUTO_TEST_CASE(neither_gives_the_default_lifetime) {
    BOOST_TEST(*fresh({}) == now + default_lifetime);
    BOOST_TEST(*fresh({{"content-type", "application/pkix-crl"}}) == now + default_lifetime);
    BOOST_TEST(*fresh_until_from_headers(response_with({}), now, -50) == now);
}

BOOST_AUTO_TEST_SUITE_END()
