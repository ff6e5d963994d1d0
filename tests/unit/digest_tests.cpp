#include "ccattest/core/digest.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <unistd.h>

BOOST_AUTO_TEST_SUITE(digest)

BOOST_AUTO_TEST_CASE(hex_round_trip_and_rejects) {
    const std::vector<uint8_t> bytes = {0x00, 0x7f, 0xff, 0xa5};
    BOOST_TEST(ccattest::to_hex(bytes) == "007fffa5");
    BOOST_TEST(*ccattest::from_hex("007FFFA5") == bytes, boost::test_tools::per_element());
    BOOST_TEST(!ccattest::from_hex("abc").has_value());
    BOOST_TEST(!ccattest::from_hex("zz").has_value());
    BOOST_TEST(ccattest::from_hex("")->empty());
}

BOOST_AUTO_TEST_CASE(base64_is_canonical_only) {
    const std::vector<uint8_t> bytes = {'f', 'o', 'o', 'b'};
    BOOST_TEST(ccattest::to_base64(bytes) == "Zm9vYg==");
    BOOST_TEST(*ccattest::from_base64("Zm9vYg==") == bytes, boost::test_tools::per_element());
    BOOST_TEST(!ccattest::from_base64("Zm9vYh==").has_value()); // same bytes, non-zero padding bits
    BOOST_TEST(!ccattest::from_base64("Zm9vYg=").has_value());
    BOOST_TEST(!ccattest::from_base64("Zm9v!g==").has_value());
    BOOST_TEST(ccattest::from_base64("")->empty());
}

BOOST_AUTO_TEST_CASE(sha256_of_a_file_matches_the_known_digest) {
    FILE *file = std::tmpfile();
    BOOST_REQUIRE(file != nullptr);
    BOOST_REQUIRE(std::fputs("abc", file) >= 0);
    BOOST_REQUIRE(std::fflush(file) == 0);
    const auto digest = ccattest::sha256_of_descriptor(fileno(file));
    BOOST_REQUIRE(std::fclose(file) == 0);
    // FIPS 180-2 test vector for "abc".
    BOOST_TEST(ccattest::to_hex(digest) ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(sha256_of_a_bad_descriptor_throws) {
    BOOST_CHECK_THROW((void)ccattest::sha256_of_descriptor(-1), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
