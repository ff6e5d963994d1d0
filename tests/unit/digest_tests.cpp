#include "ccattest/core/digest.hpp"

#include <ccattest/support/bytes.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <unistd.h>

BOOST_AUTO_TEST_SUITE(digest)

// Hex and base64 are plugins/common's (tests/support_lib/bytes_tests.cpp).

BOOST_AUTO_TEST_CASE(sha256_of_a_file_matches_the_known_digest) {
    FILE *file = std::tmpfile();
    BOOST_REQUIRE(file != nullptr);
    BOOST_REQUIRE(std::fputs("abc", file) >= 0);
    BOOST_REQUIRE(std::fflush(file) == 0);
    const auto digest = ccattest::sha256_of_descriptor(fileno(file));
    BOOST_REQUIRE(std::fclose(file) == 0);
    // FIPS 180-2 test vector for "abc".
    BOOST_TEST(ccattest::support::to_hex(digest) ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(sha256_of_a_bad_descriptor_throws) {
    BOOST_CHECK_THROW((void)ccattest::sha256_of_descriptor(-1), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
