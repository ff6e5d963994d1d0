// Fuzz target: the replay store's reader and its one writer path. The input is written as
// replay.log in a scratch folder and opened with ccattest::ReplayStore (small limits: 8 live
// records, 3 per site); only ReplayStoreError may escape. Bad input never loses stored state:
//  - a store that fails to open is left exactly as it was;
//  - one that opens has lost at most a torn last line (what remains is the input up to and
//  including
//    its last newline), or, for a version 1 store, was set aside whole as replay.log.v1;
//  - check_and_record of one key then either records it (appending one line, or compacting), finds
//    it replayed or over the site's quota, or throws ReplayStoreError leaving the file unchanged;
//  - the result re-opens, and the key, once recorded, is replayed.
// Records carry a checksum a mutation almost never keeps right, so every input is also run a
// second time with the checksum of each record-shaped line recomputed: that reaches what lies
// behind the checksum (numbers, duplicates, expiry, quotas, compaction).
#include "fuzz_support.hpp"

#include "ccattest/core/binding.hpp"
#include "ccattest/core/logging.hpp"

#include <ccattest/support/bytes.hpp>

#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>

namespace {

const fuzz::Scratch &scratch() {
    static const fuzz::Scratch folder("replay-store");
    return folder;
}

constexpr ccattest::ReplayStore::Limits limits{8, 3};
constexpr std::string_view header = "ccattest-replay-v2\n";

std::string contents(const fuzz::fs::path &file) {
    std::string out;
    fuzz::require(fuzz::read_file(file, out), file.string() + " is gone");
    return out;
}

// The input with every line of at least three spaces given the checksum its body deserves.
std::string with_checksums(std::string_view input) {
    std::string out;
    while (!input.empty()) {
        const size_t end = input.find('\n');
        std::string_view line = input.substr(0, end);
        const size_t last = line.rfind(' ');
        if (std::count(line.begin(), line.end(), ' ') >= 3) {
            const std::string body(line.substr(0, last));
            const std::string checked = "ccattest-replay-v2 record\n" + body;
            std::array<uint8_t, 32> digest{};
            SHA256(reinterpret_cast<const unsigned char *>(checked.data()), checked.size(),
                   digest.data());
            out += body + " " + ccattest::support::to_hex(std::span(digest.data(), 8));
        } else {
            out += line;
        }
        if (end == std::string_view::npos) {
            break;
        }
        out += '\n';
        input.remove_prefix(end + 1);
    }
    return out;
}

void run(const std::string &input) {
    const auto &folder = scratch().fresh();
    const auto file = folder / "replay.log";
    fuzz::write_file(file, input);
    const ccattest::Digest key = fuzz::replay_fuzz_key();
    constexpr int64_t now = fuzz::replay_fuzz_now;

    std::unique_ptr<ccattest::ReplayStore> store;
    try {
        store = std::make_unique<ccattest::ReplayStore>(file, limits);
    } catch (const ccattest::ReplayStoreError &) {
        fuzz::require(contents(file) == input, "a store that failed to open was changed");
        return;
    }
    auto aside = file;
    aside += ".v1";
    if (fuzz::fs::exists(aside)) {
        fuzz::require(contents(aside) == input, "the version 1 store was not set aside whole");
        fuzz::require(contents(file) == header, "the store after a version 1 one is not empty");
    } else {
        const size_t end = input.rfind('\n');
        fuzz::require(end != std::string::npos, "a store without a complete line opened");
        fuzz::require(contents(file) == input.substr(0, end + 1),
                      "opening changed more than a torn last line");
    }

    const std::string before = contents(file);
    ccattest::ReplayStore::Outcome first{};
    try {
        first = store->check_and_record(key, "site-a", now + 3600, now);
    } catch (const ccattest::ReplayStoreError &) {
        fuzz::require(contents(file) == before, "a refused record changed the store");
        return;
    }
    const std::string after = contents(file);
    fuzz::require(after.rfind(header, 0) == 0, "the store lost its header");
    fuzz::require(!after.empty() && after.back() == '\n', "the store ends in a partial line");
    if (first == ccattest::ReplayStore::Outcome::replayed) {
        fuzz::require(after == before, "a replayed key changed the store");
    } else if (first == ccattest::ReplayStore::Outcome::recorded && after.rfind(before, 0) == 0) {
        const std::string_view added = std::string_view(after).substr(before.size());
        fuzz::require(std::count(added.begin(), added.end(), '\n') == 1,
                      "recording appended other than one line");
    }
    store.reset();

    std::unique_ptr<ccattest::ReplayStore> again;
    try {
        again = std::make_unique<ccattest::ReplayStore>(file, limits);
    } catch (const ccattest::ReplayStoreError &e) {
        fuzz::finding(std::string("the store does not re-open after check_and_record: ") +
                      e.what());
    }
    if (first != ccattest::ReplayStore::Outcome::site_quota_exceeded) {
        const auto second = again->check_and_record(key, "site-a", now + 3600, now);
        fuzz::require(second == ccattest::ReplayStore::Outcome::replayed,
                      "a recorded key was not replayed after re-opening");
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int * /*argc*/, char *** /*argv*/) {
    // Only errors: every torn line cut off is logged as a warning.
    ccattest::logging::configure(ccattest::LogLevel::error, ccattest::LogFormat::text, std::cerr);
    (void)scratch();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string input(fuzz::text_of(data, size));
    run(input);
    const std::string repaired = with_checksums(input);
    if (repaired != input) {
        run(repaired);
    }
    return 0;
}
