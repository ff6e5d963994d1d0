// Shared helpers of the TDX tests: the real vectors, times inside and outside their windows, and
// verification outcomes.
#pragma once

#include "evidence.hpp"
#include "verifier.hpp"

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/files.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <string>

namespace tdx_test {

namespace fs = std::filesystem;
using ccattest::support::Bytes;

inline fs::path vector(const std::string &name) {
    return fs::path(TDX_VECTORS) / name;
}

inline Bytes read(const std::string &name) {
    return ccattest::support::read_file(vector(name), 1U << 20U);
}

inline Bytes real_quote() {
    return read("gotdx_quote_v4_spr_e4.dat");
}

/// 2023-07-01T00:00:00Z: inside the windows of the PCK chain and of every piece of collateral.
constexpr int64_t inside_window = 1688169600;
/// 2023-07-20T00:00:00Z: the TCB info (nextUpdate 2023-07-18) and the PCK CRL have expired.
constexpr int64_t collateral_expired = 1689811200;
/// 2029-09-21T00:00:00Z: the PCK leaf (valid until 2029-09-20) has expired.
constexpr int64_t pck_expired = 1884643200;

/// Outcome of a verification: status, message, claims.
struct Outcome {
    ccattest_status status = CCATTEST_OK;
    std::string message;
    boost::json::object claims;
};

inline Outcome verify(const ccattest::tdx::Verifier &verifier, const Bytes &token,
                      int64_t when = inside_window, std::span<const uint8_t> expected = {}) {
    Outcome out;
    try {
        out.claims = verifier.verify(token, expected, when);
    } catch (const ccattest::sdk::failure &e) {
        out.status = e.status();
        out.message = e.what();
    }
    return out;
}

inline Bytes token_of(const ccattest::tdx::Evidence &evidence) {
    const std::string text = ccattest::tdx::encode_token(evidence);
    return {text.begin(), text.end()};
}

/// The real quote in a ccattest-tdx-v1 token with the real collateral named.
struct RealCollateral {
    bool tcb_info = false;
    bool qe_identity = false;
    bool signer = false;
    bool crls = false;
};
inline ccattest::tdx::Evidence real_evidence(const RealCollateral &with) {
    ccattest::tdx::Evidence evidence;
    evidence.quote = real_quote();
    if (with.tcb_info) {
        evidence.collateral.tcb_info = read("gotdx_tcbinfo_fmspc50806f000000.json");
    }
    if (with.qe_identity) {
        evidence.collateral.qe_identity = read("gotdx_qe_identity_td_qe.json");
    }
    if (with.signer) {
        const Bytes pem = read("gotdx_tcb_signing_chain.pem");
        evidence.collateral.tcb_signing_certificate =
            ccattest::support::Certificate::parse_bundle(pem, "TCB signing chain").front().der();
    }
    if (with.crls) {
        evidence.collateral.pck_crl = read("gotdx_pck_platform_crl.der");
        evidence.collateral.root_ca_crl = read("gotdx_sgx_root_crl.der");
    }
    return evidence;
}

} // namespace tdx_test
