// Fuzz target: the SEV-SNP verifier with its certificates: token decoding, the report, the signing
// certificate (carried, from configured files or from the offline collateral folder) with AMD's
// X.509 extensions, the chain to pinned (or, when allowed, simulated) roots, CRLs, TCB and chip id
// checks, the report signature and binding. Only sdk::failure may escape, with a known status and
// a message; what verifies has claims; a second verification by the same (now warm) verifier gives
// the same outcome; inspect only describes or refuses with sdk::failure.
//
// Input: one options byte, then up to four parts separated by fuzz::separator:
//   token | signing certificate file | CRL file | certificate_files file
// The signing certificate and CRL parts (when not empty) are written into a scratch collateral
// folder where the verifier looks for them: <product>/vcek/<chip id>/<tcb>, <product>/vlek,
// <product>/crl or <product>/vlek_crl, with the extension .der or .pem. The fourth part is given
// as a configured certificate file.
// Options:
//   bits 0-1  configured product: none, Milan, Genoa, Turin (version 2 reports do not state it)
//   bit 2     allow simulated hardware (the simulator's roots, from the committed sim-state folder)
//   bit 3     collateral files are named .pem (else .der)
//   bits 5-6  verification time: 2023-11-14, 2031-01-01 (the vectors' VCEKs expired), 2019-12-31
//             (before the simulator's roots), 2100-01-01 (after them)
//   bit 7     expect the report's own REPORT_DATA (else binding is not checked)
#include "fuzz_support.hpp"

#include "evidence.hpp"
#include "report.hpp"
#include "simulator.hpp"
#include "verifier.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/bytes.hpp>

#include <boost/json.hpp>

#include <openssl/err.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace {

namespace fs = fuzz::fs;
using ccattest::snp::Product;

const fuzz::Scratch &collateral_scratch() {
    static const fuzz::Scratch folder("snp-collateral");
    return folder;
}

// A private copy of the committed simulator state: the simulator locks and may write its folder.
const fs::path &simulator_state() {
    static const fuzz::Scratch folder("snp-sim-state");
    static const fs::path state = [] {
        fs::path copy = folder.path() / "state";
        fs::copy(SIM_STATE_SOURCE, copy, fs::copy_options::recursive);
        return copy;
    }();
    return state;
}

struct Outcome {
    ccattest_status status = CCATTEST_OK;
    std::string message;
    std::string claims;
};

Outcome verify(const ccattest::snp::Verifier &verifier, std::span<const uint8_t> token,
               std::span<const uint8_t> expected, int64_t when) {
    Outcome out;
    try {
        out.claims = boost::json::serialize(verifier.verify(token, expected, when));
    } catch (const ccattest::sdk::failure &e) {
        out.status = e.status();
        out.message = e.what();
        switch (e.status()) {
        case CCATTEST_E_MALFORMED:
        case CCATTEST_E_VERIFICATION_FAILED:
        case CCATTEST_E_BINDING_MISMATCH:
        case CCATTEST_E_EXPIRED:
        case CCATTEST_E_IO: break;
        default:
            fuzz::finding("verify refused with status " + std::to_string(e.status()) + ": " +
                          e.what());
        }
        fuzz::require(!out.message.empty(), "a refusal without a message");
    }
    return out;
}

// OpenSSL errors a call left in this thread's queue would be reported as the reason of a later,
// unrelated failure.
void require_no_openssl_errors(const std::string &after) {
    const unsigned long code = ERR_peek_error();
    if (code != 0) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        fuzz::finding(after + " left an error in OpenSSL's queue: " + text);
    }
}

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t *>(text.data()), text.size()};
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int * /*argc*/, char *** /*argv*/) {
    (void)collateral_scratch();
    // The simulator's roots load once per process (and, on a first use, would be made).
    for (const Product product : {Product::milan, Product::genoa, Product::turin}) {
        (void)ccattest::snp::simulated_roots(simulator_state(), product);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const uint8_t options = data[0];
    const auto parts = fuzz::split(fuzz::text_of(data + 1, size - 1), 4);
    const std::span<const uint8_t> token = bytes_of(parts[0]);

    const std::array<std::optional<Product>, 4> products = {std::nullopt, Product::milan,
                                                            Product::genoa, Product::turin};
    const std::array<int64_t, 4> times = {1700000000, 1924992000, 1577836799, 4102444801};
    ccattest::snp::VerifierConfig config;
    config.product = products.at(options & 3U);
    config.allow_simulated = (options & 4U) != 0;
    config.simulator_state_dir = simulator_state();
    const char *extension = (options & 8U) != 0 ? ".pem" : ".der";
    const int64_t when = times.at((options >> 5U) & 3U);

    const fs::path &folder = collateral_scratch().fresh();
    std::optional<ccattest::snp::Report> report;
    try {
        report = ccattest::snp::parse_report(ccattest::snp::decode_token(token).report);
    } catch (const ccattest::sdk::failure &) {
    }
    if (parts.size() > 1) {
        config.collateral_dir = folder / "collateral";
        fs::create_directories(*config.collateral_dir);
        const auto product = report ? ccattest::snp::report_product(*report).value_or(
                                          config.product.value_or(Product::milan))
                                    : config.product.value_or(Product::milan);
        const fs::path base = *config.collateral_dir / ccattest::snp::product_name(product);
        const bool vlek = report && report->signing_key == ccattest::snp::SigningKey::vlek;
        if (!parts[1].empty()) {
            fs::path file = base / "vlek";
            if (report && !vlek) {
                const size_t id_size = product == Product::turin ? 8 : 64;
                file = base / "vcek" /
                       ccattest::support::to_hex(std::span(report->chip_id.data(), id_size)) /
                       ccattest::snp::tcb_hex(report->reported_tcb);
            }
            file += extension;
            fuzz::write_file(file, parts[1]);
        }
        if (parts.size() > 2 && !parts[2].empty()) {
            fs::path file = base / (vlek ? "vlek_crl" : "crl");
            file += extension;
            fuzz::write_file(file, parts[2]);
        }
        if (parts.size() > 3 && !parts[3].empty()) {
            const fs::path file = folder / "certificates.pem";
            fuzz::write_file(file, parts[3]);
            config.certificate_files.push_back(file);
        }
    }

    std::optional<ccattest::snp::Verifier> verifier;
    try {
        verifier.emplace(config);
    } catch (const ccattest::sdk::failure &e) {
        fuzz::require(e.status() == CCATTEST_E_CONFIG || e.status() == CCATTEST_E_IO,
                      std::string("the verifier refused its config with another status: ") +
                          e.what());
        return 0;
    }
    std::span<const uint8_t> expected;
    if ((options & 0x80U) != 0 && report) {
        expected = report->report_data;
    }
    require_no_openssl_errors("constructing the verifier");
    const Outcome cold = verify(*verifier, token, expected, when);
    require_no_openssl_errors("verify (" + (cold.message.empty() ? "OK" : cold.message) + ")");
    if (cold.status == CCATTEST_OK) {
        fuzz::require(cold.claims.find("\"evidence_digest\"") != std::string::npos,
                      "claims without evidence_digest");
    }
    const Outcome warm = verify(*verifier, token, expected, when);
    fuzz::require(
        warm.status == cold.status && warm.message == cold.message && warm.claims == cold.claims,
        "a second verification differs: \"" + cold.message + "\" then \"" + warm.message + "\"");
    try {
        (void)verifier->inspect(token);
    } catch (const ccattest::sdk::failure &) {
    }
    require_no_openssl_errors("inspect");
    return 0;
}
