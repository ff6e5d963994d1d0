#include "ccattest/core/binding.hpp"
#include "support/scratch_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <openssl/sha.h>

#include <fstream>
#include <sstream>

using ccattest::ReplayStore;
using ccattest::ReplayStoreError;
using ccattest::test::ScratchDir;

namespace {
std::array<uint8_t, 32> digest(uint8_t seed) {
    std::array<uint8_t, 32> d{};
    d.fill(seed);
    return d;
}
std::string read(const std::filesystem::path &file) {
    std::stringstream text;
    text << std::ifstream(file).rdbuf();
    return text.str();
}
} // namespace

BOOST_AUTO_TEST_SUITE(binding_and_replay)

BOOST_AUTO_TEST_CASE(report_data_is_the_domain_separated_digest) {
    ccattest::Challenge challenge{};
    challenge.fill(7);
    const auto data = ccattest::report_data_for(challenge, "site:site-1");
    // Recompute independently: SHA-512("ccattest/v1" || challenge || SHA-256(identity)).
    std::array<uint8_t, 32> identity{};
    SHA256(reinterpret_cast<const unsigned char *>("site:site-1"), 11, identity.data());
    std::string input = "ccattest/v1";
    input.append(challenge.begin(), challenge.end());
    input.append(identity.begin(), identity.end());
    std::array<uint8_t, 64> expected{};
    SHA512(reinterpret_cast<const unsigned char *>(input.data()), input.size(), expected.data());
    BOOST_TEST(data == expected);
    BOOST_TEST(ccattest::report_data_for(challenge, "site:site-2") != data);
    challenge[0] = 8;
    BOOST_TEST(ccattest::report_data_for(challenge, "site:site-1") != data);
    BOOST_TEST(ccattest::site_identity("a", "ff") == "site:a;tls-key-sha256:ff");
    BOOST_TEST(ccattest::new_challenge() != ccattest::new_challenge());
}

BOOST_AUTO_TEST_CASE(replays_are_refused_also_after_a_restart) {
    const ScratchDir dir;
    const auto file = dir.path() / "replay.log";
    {
        ReplayStore store(file);
        BOOST_TEST(store.check_and_record(digest(1), 2000, 1000));
        BOOST_TEST(!store.check_and_record(digest(1), 2000, 1500));
        BOOST_TEST(store.check_and_record(digest(2), 1200, 1000));
    }
    ReplayStore reopened(file);
    BOOST_TEST(reopened.size() == 2u);
    BOOST_TEST(!reopened.check_and_record(digest(1), 2000, 1600));
    BOOST_TEST(reopened.check_and_record(digest(2), 3000, 1300)); // its record expired at 1200
}

BOOST_AUTO_TEST_CASE(damage_is_an_error_never_a_silent_reset) {
    const ScratchDir dir;
    const auto file = dir.path() / "replay.log";
    {
        ReplayStore store(file);
        (void)store.check_and_record(digest(3), 5000, 1000);
    }
    std::ofstream(file, std::ios::app) << "not a record\n" << std::string(64, 'a') << " 7000\n";
    const std::string before = read(file);
    try {
        ReplayStore broken(file);
        BOOST_ERROR("a damaged store was accepted");
    } catch (const ReplayStoreError &e) {
        BOOST_TEST(std::string(e.what()) ==
                   file.string() + ":3: malformed record; the store is damaged (it is kept as it "
                                   "is: repair or remove it)");
    }
    BOOST_TEST(read(file) == before); // nothing lost
    std::ofstream(dir.path() / "other.log") << "something else\n";
    BOOST_CHECK_THROW(ReplayStore(dir.path() / "other.log"), ReplayStoreError);
}

BOOST_AUTO_TEST_CASE(a_torn_final_record_is_dropped) {
    const ScratchDir dir;
    const auto file = dir.path() / "replay.log";
    {
        ReplayStore store(file);
        (void)store.check_and_record(digest(4), 5000, 1000);
    }
    std::ofstream(file, std::ios::app) << std::string(40, 'b'); // crash mid-write: no newline
    ReplayStore store(file);
    BOOST_TEST(store.size() == 1u);
    BOOST_TEST(!store.check_and_record(digest(4), 5000, 1000));
}

BOOST_AUTO_TEST_CASE(bounded_and_compacted) {
    const ScratchDir dir;
    const auto file = dir.path() / "replay.log";
    ReplayStore store(file, 3);
    for (uint8_t i = 0; i < 3; ++i) {
        BOOST_TEST(store.check_and_record(digest(i), 100, 10));
    }
    BOOST_CHECK_THROW((void)store.check_and_record(digest(9), 100, 10), ReplayStoreError);
    BOOST_TEST(store.check_and_record(digest(9), 300, 200)); // the others expired at 100
    BOOST_TEST(store.size() == 1u);

    ReplayStore big(dir.path() / "big.log");
    for (int i = 0; i < 2100; ++i) {
        std::array<uint8_t, 32> d{};
        d[0] = static_cast<uint8_t>(i);
        d[1] = static_cast<uint8_t>(i >> 8);
        (void)big.check_and_record(d, i + 1, i); // each expires right after it is written
    }
    const std::string text = read(dir.path() / "big.log");
    const auto lines = std::count(text.begin(), text.end(), '\n');
    BOOST_TEST(lines < 1100); // compacted at least once
}

BOOST_AUTO_TEST_SUITE_END()
