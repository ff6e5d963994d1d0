// Binding (report data over challenge, identity and issue time) and the replay store: durable,
// checksummed, strictly parsed, locked across processes, bounded in all and per site.
#include "ccattest/core/binding.hpp"
#include "support/scratch_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <openssl/sha.h>

#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using ccattest::ReplayStore;
using ccattest::ReplayStoreError;
using ccattest::test::ScratchDir;
using Outcome = ccattest::ReplayStore::Outcome;

namespace {
ccattest::Digest digest(uint8_t seed) {
    ccattest::Digest d{};
    d.fill(seed);
    return d;
}
std::string read(const std::filesystem::path &file) {
    std::stringstream text;
    text << std::ifstream(file).rdbuf();
    return text.str();
}
void write(const std::filesystem::path &file, const std::string &text) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}
// The message of the ReplayStoreError that opening `file` throws ("" when it opens).
std::string open_error(const std::filesystem::path &file,
                       ReplayStore::Limits limits = ReplayStore::Limits{}) {
    try {
        const ReplayStore store(file, limits);
    } catch (const ReplayStoreError &e) {
        return e.what();
    }
    return "";
}
} // namespace

BOOST_AUTO_TEST_SUITE(binding_and_replay)

BOOST_AUTO_TEST_CASE(report_data_binds_challenge_identity_and_issue_time) {
    ccattest::Challenge challenge{};
    challenge.fill(7);
    const int64_t issued_at = 1800000000; // 0x6B49D200
    const auto data = ccattest::report_data_for(challenge, "site:site-1", issued_at);
    // Recompute independently:
    // SHA-512("ccattest/v2" || challenge || SHA-256(identity) || issued_at big-endian).
    std::array<uint8_t, 32> identity{};
    SHA256(reinterpret_cast<const unsigned char *>("site:site-1"), 11, identity.data());
    std::string input = "ccattest/v2";
    input.append(challenge.begin(), challenge.end());
    input.append(identity.begin(), identity.end());
    input += std::string("\x00\x00\x00\x00\x6b\x49\xd2\x00", 8);
    std::array<uint8_t, 64> expected{};
    SHA512(reinterpret_cast<const unsigned char *>(input.data()), input.size(), expected.data());
    BOOST_TEST(data == expected);
    BOOST_TEST(ccattest::report_data_for(challenge, "site:site-2", issued_at) != data);
    BOOST_TEST(ccattest::report_data_for(challenge, "site:site-1", issued_at + 1) != data);
    challenge[0] = 8;
    BOOST_TEST(ccattest::report_data_for(challenge, "site:site-1", issued_at) != data);
    BOOST_TEST(ccattest::site_identity("a", "ff") == "site:a;tls-key-sha256:ff");
    BOOST_TEST(ccattest::new_challenge() != ccattest::new_challenge());
}

BOOST_AUTO_TEST_CASE(the_replay_key_separates_namespaces) {
    const auto evidence = digest(1);
    BOOST_TEST(ccattest::replay_key("x-snp", evidence) != ccattest::replay_key("x-tdx", evidence));
    BOOST_TEST(ccattest::replay_key("x-snp", evidence) == ccattest::replay_key("x-snp", evidence));
}

BOOST_AUTO_TEST_CASE(replays_are_refused_also_after_a_restart) {
    const ScratchDir dir;
    const auto file = dir.path() / "replay.log";
    {
        ReplayStore store(file);
        BOOST_TEST((store.check_and_record(digest(1), "a", 2000, 1000) == Outcome::recorded));
        BOOST_TEST((store.check_and_record(digest(1), "a", 2000, 1500) == Outcome::replayed));
        BOOST_TEST((store.check_and_record(digest(2), "a", 1200, 1000) == Outcome::recorded));
    }
    ReplayStore reopened(file);
    BOOST_TEST(reopened.size() == 2u);
    BOOST_TEST((reopened.check_and_record(digest(1), "a", 2000, 1600) == Outcome::replayed));
    // digest(2)'s record expired at 1200
    BOOST_TEST((reopened.check_and_record(digest(2), "a", 3000, 1300) == Outcome::recorded));
}

BOOST_AUTO_TEST_CASE(every_change_to_a_record_is_detected_and_nothing_is_reset) {
    const ScratchDir dir;
    const auto file = dir.path() / "replay.log";
    {
        ReplayStore store(file);
        (void)store.check_and_record(digest(0xab), "a", 5000, 1000);
        (void)store.check_and_record(digest(0xcd), "a", 6000, 1000);
    }
    const std::string good = read(file);
    const auto second = good.find('\n') + 1; // the first record
    const std::string record = good.substr(second, good.find('\n', second) - second);
    BOOST_TEST(record.size() == 64u + 1 + 4 + 1 + 16 + 1 + 16);
    auto damaged = [&](const std::string &changed) {
        std::string text = good;
        text.replace(second, record.size(), changed);
        write(file, text);
        std::string message = open_error(file);
        BOOST_TEST(read(file) == text); // kept as it is
        return message;
    };
    const std::string expected =
        file.string() + ":2: malformed record or checksum mismatch; the store is damaged (kept as "
                        "it is: repair or remove it)";
    std::string digit = record;
    digit[5] = digit[5] == 'a' ? 'b' : 'a'; // one hex digit of the key
    BOOST_TEST(damaged(digit) == expected);
    std::string expiry = record;
    expiry[65] = '9'; // 5000 -> 9000: would keep a token longer or, the other way, forget it
    BOOST_TEST(damaged(expiry) == expected);
    std::string plus = record;
    plus.insert(65, "+");
    BOOST_TEST(damaged(plus) == expected);
    std::string spaces = record;
    spaces.insert(64, " ");
    BOOST_TEST(damaged(spaces) == expected);
    std::string upper = record;
    upper[0] = 'A';
    BOOST_TEST(damaged(upper) == expected);
    std::string zero = record;
    zero.insert(65, "0");
    BOOST_TEST(damaged(zero) == expected);
    BOOST_TEST(damaged(std::string(500, 'x')) ==
               file.string() + ":2: record longer than 118 characters; the store is damaged (kept "
                               "as it is: repair or remove it)");
    write(dir.path() / "other.log", "something else\n");
    BOOST_TEST(open_error(dir.path() / "other.log") ==
               (dir.path() / "other.log").string() +
                   ":1: not a ccattest replay store (header \"something else\")");
    write(dir.path() / "empty.log", "");
    BOOST_TEST(open_error(dir.path() / "empty.log") ==
               (dir.path() / "empty.log").string() + ": empty file is not a replay store");
}

BOOST_AUTO_TEST_CASE(a_torn_last_record_is_cut_off_before_the_next_append) {
    const ScratchDir dir;
    const auto file = dir.path() / "replay.log";
    {
        ReplayStore store(file);
        (void)store.check_and_record(digest(4), "a", 5000, 1000);
        (void)store.check_and_record(digest(5), "a", 5000, 1000);
    }
    const std::string whole = read(file);
    // A crash mid-append of digest(5)'s record: cut inside its line.
    const std::string torn = whole.substr(0, whole.size() - 30);
    write(file, torn);
    {
        ReplayStore store(file);
        BOOST_TEST(store.size() == 1u);
        BOOST_TEST(read(file) == torn.substr(0, torn.rfind('\n') + 1)); // the fragment is gone
        // digest(5) was never acknowledged; it is accepted now, on a line of its own.
        BOOST_TEST((store.check_and_record(digest(5), "a", 5000, 1000) == Outcome::recorded));
        BOOST_TEST((store.check_and_record(digest(6), "a", 5000, 1000) == Outcome::recorded));
    }
    ReplayStore reopened(file); // every later start still works
    BOOST_TEST(reopened.size() == 3u);
    BOOST_TEST((reopened.check_and_record(digest(5), "a", 5000, 1000) == Outcome::replayed));
}

BOOST_AUTO_TEST_CASE(bounded_in_all_and_per_site) {
    const ScratchDir dir;
    ReplayStore store(dir.path() / "replay.log", {4, 2});
    BOOST_TEST((store.check_and_record(digest(1), "greedy", 100, 10) == Outcome::recorded));
    BOOST_TEST((store.check_and_record(digest(2), "greedy", 100, 10) == Outcome::recorded));
    BOOST_TEST(
        (store.check_and_record(digest(3), "greedy", 100, 10) == Outcome::site_quota_exceeded));
    BOOST_TEST((store.check_and_record(digest(4), "other", 100, 10) == Outcome::recorded));
    BOOST_TEST((store.check_and_record(digest(5), "third", 100, 10) == Outcome::recorded));
    try {
        (void)store.check_and_record(digest(6), "fourth", 100, 10);
        BOOST_ERROR("a full store recorded more");
    } catch (const ReplayStoreError &e) {
        BOOST_TEST(std::string(e.what()).find(": full (4 unexpired records); refusing rather than "
                                              "forgetting") != std::string::npos);
    }
    // After expiry the site may present new evidence again.
    BOOST_TEST((store.check_and_record(digest(3), "greedy", 300, 200) == Outcome::recorded));
}

BOOST_AUTO_TEST_CASE(compacted_and_what_a_load_holds_is_bounded) {
    const ScratchDir dir;
    const auto file = dir.path() / "big.log";
    {
        ReplayStore big(file, {100000, 100000});
        for (int i = 0; i < 2100; ++i) {
            ccattest::Digest d{};
            d[0] = static_cast<uint8_t>(i);
            d[1] = static_cast<uint8_t>(i >> 8);
            (void)big.check_and_record(d, "a", i + 1, i); // each expires right after writing
        }
    }
    const std::string text = read(file);
    BOOST_TEST(std::count(text.begin(), text.end(), '\n') < 1100); // compacted at least once
    // A store with more records than compaction leaves for the limits is refused while reading,
    // not held whole.
    const auto grown = dir.path() / "grown.log";
    {
        ReplayStore store(grown, {100000, 100000});
        for (int i = 0; i < 1100; ++i) {
            ccattest::Digest d{};
            d[0] = static_cast<uint8_t>(i);
            d[1] = static_cast<uint8_t>(i >> 8);
            (void)store.check_and_record(d, "a", 999999, 1);
        }
    }
    BOOST_TEST(open_error(grown, {4, 4}) ==
               grown.string() + ": more than 1033 records, more than compaction ever leaves; the "
                                "store is damaged (kept as it is)");
}

BOOST_AUTO_TEST_CASE(a_folder_or_an_old_version_in_its_place) {
    const ScratchDir dir;
    std::filesystem::create_directories(dir.path() / "replay.log");
    BOOST_TEST(open_error(dir.path() / "replay.log") ==
               (dir.path() / "replay.log").string() +
                   ": the replay store is not a regular file (a folder)");
    const auto old = dir.path() / "old.log";
    write(old, "ccattest-replay-v1\n" + std::string(64, 'a') + " 7000\n");
    ReplayStore store(old);
    BOOST_TEST(store.size() == 0u);
    BOOST_TEST(read(dir.path() / "old.log.v1") ==
               "ccattest-replay-v1\n" + std::string(64, 'a') + " 7000\n"); // kept aside
    BOOST_TEST(read(old) == "ccattest-replay-v2\n");
}

BOOST_AUTO_TEST_CASE(eight_processes_accept_one_key_once) {
    const ScratchDir dir;
    const auto file = dir.path() / "replay.log";
    std::vector<pid_t> children;
    int ready[2];
    BOOST_REQUIRE(::pipe(ready) == 0);
    for (int i = 0; i < 8; ++i) {
        const pid_t child = ::fork();
        BOOST_REQUIRE(child >= 0);
        if (child == 0) {      // each process opens the store itself, then all race on one key
            ::close(ready[1]); // so the read below ends when the parent closes its end
            int code = 3;
            try {
                ReplayStore store(file);
                char go = 0;
                (void)::read(ready[0], &go, 1);
                code = store.check_and_record(digest(42), "racer", 5000, 1000) == Outcome::recorded
                           ? 0
                           : 1;
            } catch (...) {
            }
            ::_exit(code);
        }
        children.push_back(child);
    }
    ::close(ready[0]);
    ::sleep(1);        // let every child open the store
    ::close(ready[1]); // releases all readers at once
    int accepted = 0;
    int refused = 0;
    for (const pid_t child : children) {
        int status = 0;
        BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
        BOOST_REQUIRE(WIFEXITED(status));
        accepted += WEXITSTATUS(status) == 0 ? 1 : 0;
        refused += WEXITSTATUS(status) == 1 ? 1 : 0;
    }
    BOOST_TEST(accepted == 1);
    BOOST_TEST(refused == 7);
    ReplayStore store(file);
    BOOST_TEST(store.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
