// Shared helpers of the SNP tests.
#pragma once

#include "report.hpp"
#include "verifier.hpp"

#include <ccattest/common/crypto.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

namespace snp_test {

namespace fs = std::filesystem;
using ccattest::common::Bytes;

inline fs::path vector(const std::string &name) {
    return fs::path(SNP_VECTORS) / name;
}

inline Bytes read(const std::string &name) {
    return ccattest::common::read_file(vector(name), 1U << 20U);
}

/// A time inside every vector VCEK's validity window (2023-11-14T22:13:20Z).
constexpr int64_t inside_window = 1700000000;
/// After every vector VCEK expired (2031-01-01T00:00:00Z).
constexpr int64_t after_expiry = 1924992000;

/// The shared simulator state of this build (keys are made once, then reused).
inline fs::path sim_state() {
    return SNP_SIM_STATE;
}

/// Outcome of a verification: status, message, claims.
struct Outcome {
    ccattest_status status = CCATTEST_OK;
    std::string message;
    boost::json::object claims;
};

inline Outcome verify(const ccattest::snp::Verifier &verifier, const Bytes &token,
                      std::span<const uint8_t> expected = {}, int64_t when = inside_window) {
    Outcome out;
    try {
        out.claims = verifier.verify(token, expected, when);
    } catch (const ccattest::sdk::failure &e) {
        out.status = e.status();
        out.message = e.what();
    }
    return out;
}

inline ccattest::snp::Verifier verifier_with(std::vector<fs::path> certificates,
                                             std::optional<ccattest::snp::Product> product = {}) {
    ccattest::snp::VerifierConfig config;
    config.certificate_files = std::move(certificates);
    config.product = product;
    return ccattest::snp::Verifier(config);
}

} // namespace snp_test
