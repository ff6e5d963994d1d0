// Shared helpers of the SNP tests.
#pragma once

#include "report.hpp"
#include "simulator.hpp"
#include "support/refusal.hpp"
#include "verifier.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/sim/state.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <string>
#include <utility>

namespace snp_test {

namespace fs = std::filesystem;
using ccattest::support::Bytes;

inline fs::path vector(const std::string &name) {
    return fs::path(SNP_VECTORS) / name;
}

inline Bytes read(const std::string &name) {
    return ccattest::support::read_file(vector(name), 1U << 20U);
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

/// A CRL by the simulator state of the tests: `issuer` (a simulator certificate, e.g.
/// "milan_ark") as issuer name, signed RSASSA-PSS/SHA-384 with `signer`'s key, revoking `serials`,
/// valid from 2020-09-13 until next_update. The simulator makes the roots of both on first use.
inline Bytes make_crl(const std::vector<long> &serials, int64_t next_update,
                      const std::string &signer = "milan_ark",
                      const std::string &issuer = "milan_ark") {
    for (const std::string &name : {signer, issuer}) {
        (void)ccattest::snp::simulated_roots(
            sim_state(), *ccattest::snp::product_from_name(name.substr(0, name.find('_'))));
    }
    const ccattest::support::SimulatorState state(sim_state() / "snp");
    const auto key = state.key(signer, 4096);
    const auto named = state.certificate(issuer);
    ccattest::support::CrlSpec spec;
    spec.issuer = &*named;
    spec.signer = key.get();
    spec.revoked_serials = serials;
    spec.this_update = 1600000000;
    spec.next_update = next_update;
    return ccattest::support::make_crl(spec);
}

inline Bytes bytes_of(const std::string &text) {
    return {text.begin(), text.end()};
}

inline std::string pem_of(const ccattest::support::Certificate &certificate) {
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, certificate.get());
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(length));
    BIO_free(bio);
    return out;
}

using ccattest::test::refusal;

} // namespace snp_test
