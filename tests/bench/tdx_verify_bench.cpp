// Benchmark: warm TDX verifications per second against the raw OpenSSL rate of two ECDSA P-256
// verifications (the QE report's and the quote's), on one thread and on all cores. Both sides are
// measured in short alternating slices and the median of the per-pair ratios is printed. Prints
// figures; asserts nothing (see README.md for the method).
#include "bench_harness.hpp"
#include "evidence.hpp"
#include "simulator.hpp"
#include "verifier.hpp"

#include <ccattest/support/files.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {
using ccattest::bench::Figures;
using ccattest::bench::interleaved;
using ccattest::bench::slice_seconds;
using ccattest::support::Bytes;
namespace fs = std::filesystem;
namespace tdx = ccattest::tdx;

// A v4 quote signs its 48-byte header and 584-byte TD report; the PCK signs the 384-byte QE report.
constexpr size_t quote_signed_size = 632;
constexpr size_t qe_report_size = 384;
constexpr int64_t real_quote_time = 1688169600; // 2023-07-01: inside every window of the vectors

// A token to verify warm, its verifier, the expected report data and the verification time.
struct Case {
    std::string name;
    std::unique_ptr<tdx::Verifier> verifier;
    Bytes token;
    std::array<uint8_t, 64> expected{};
    int64_t when = 0;
};

Bytes token_of(const tdx::Evidence &evidence) {
    const std::string text = tdx::encode_token(evidence);
    return {text.begin(), text.end()};
}

// Simulator evidence carrying all its collateral, so the TCB info and QE identity are graded.
Case simulated_case(const fs::path &state_dir) {
    Case out;
    out.name = "simulated (collateral)";
    tdx::SimulatorConfig config;
    config.state_dir = state_dir;
    config.quote_version = 4;
    config.include_collateral = true;
    out.expected.fill(0x42);
    out.when = static_cast<int64_t>(std::time(nullptr));
    out.token = token_of(tdx::simulate_evidence(config, out.expected, out.when));
    tdx::VerifierConfig verifier;
    verifier.allow_simulated = true;
    verifier.simulator_state_dir = state_dir;
    out.verifier = std::make_unique<tdx::Verifier>(verifier);
    return out;
}

// The real Intel quote with its two CRLs; its real TCB info matches no TCB level, so none is sent.
Case real_case(const std::string &vectors) {
    Case out;
    out.name = "real Intel quote (CRLs)";
    const auto read = [&](const std::string &name) {
        return ccattest::support::read_file(fs::path(vectors) / name, 1U << 20U);
    };
    tdx::Evidence evidence;
    evidence.quote = read("gotdx_quote_v4_spr_e4.dat");
    evidence.collateral.pck_crl = read("gotdx_pck_platform_crl.der");
    evidence.collateral.root_ca_crl = read("gotdx_sgx_root_crl.der");
    out.token = token_of(evidence);
    const tdx::Quote quote = tdx::parse_quote(evidence.quote);
    out.expected = quote.body.report_data;
    out.when = real_quote_time;
    out.verifier = std::make_unique<tdx::Verifier>(tdx::VerifierConfig{});
    return out;
}

} // namespace

int main(int argc, char **argv) {
    ccattest::bench::Options options{3.0, TDX_VECTORS, TDX_BENCH_STATE};
    if (!ccattest::bench::parse_options(argc, argv, options)) {
        return 2;
    }
    std::vector<Case> cases;
    try {
        cases.push_back(simulated_case(options.state_dir));
        cases.push_back(real_case(options.vectors));
        for (const auto &c : cases) {
            // Warm: the chains are verified and the collateral checked once, then cached.
            (void)c.verifier->verify(c.token, c.expected, c.when);
        }
    } catch (const std::exception &e) {
        (void)std::fprintf(stderr, "the evidence does not verify: %s\n", e.what());
        return 1;
    }
    const ccattest::bench::RawEcdsaCheck quote_check("P-256", EVP_sha256(), quote_signed_size);
    const ccattest::bench::RawEcdsaCheck qe_report_check("P-256", EVP_sha256(), qe_report_size);
    if (!quote_check.verify() || !qe_report_check.verify()) {
        (void)std::fprintf(stderr, "the raw signatures do not verify\n");
        return 1;
    }
    const auto raw = [&] {
        (void)quote_check.verify();
        (void)qe_report_check.verify();
    };

    const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
    std::printf("TDX warm verification vs raw OpenSSL 2x ECDSA P-256 (%.1f s per side and figure, "
                "%.0f ms slices)\n",
                options.seconds, slice_seconds * 1000);
    std::printf("%-24s %-8s %14s %14s %13s\n", "evidence", "threads", "tdx verify/s", "2x ecdsa/s",
                "median ratio");
    for (const auto &c : cases) {
        const auto subject = [&] { (void)c.verifier->verify(c.token, c.expected, c.when); };
        for (const unsigned threads : {1U, cores}) {
            const Figures figures = interleaved(threads, options.seconds, raw, subject);
            std::printf("%-24s %-8u %14.0f %14.0f %13.3f\n", c.name.c_str(), threads,
                        figures.subject_rate, figures.baseline_rate, figures.median_ratio);
            if (cores == 1) {
                break;
            }
        }
    }
    return 0;
}
