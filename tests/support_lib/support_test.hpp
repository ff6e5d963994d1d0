// Shared helpers of the support library's tests.
#pragma once

#include "support/refusal.hpp"
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>

#include <openssl/pem.h>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <utility>

namespace support_test {

using ccattest::support::Bytes;

/// A file of tests/data/support (see its README for how each was made).
inline Bytes fixture(const std::string &name) {
    return ccattest::support::read_file(std::filesystem::path(SUPPORT_FIXTURES) / name, 1U << 20U);
}

inline std::string fixture_text(const std::string &name) {
    const Bytes bytes = fixture(name);
    std::string text(bytes.begin(), bytes.end());
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return text;
}

inline ccattest::support::PkeyPtr fixture_key(const std::string &name) {
    const Bytes pem = fixture(name);
    BIO *bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    ccattest::support::PkeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    BOOST_REQUIRE(key != nullptr);
    return key;
}

inline Bytes bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

using ccattest::test::refusal;

} // namespace support_test
