// Benchmark: warm verification of an 8-GPU token (device chains, RIMs and OCSP answers verified
// once and cached) per second, against 8 raw OpenSSL ECDSA P-384 verifications of messages as long
// as the GPUs' signed SPDM transcripts, on one thread and on all cores, measured in interleaved
// slices (bench_harness.hpp). Also the real H100 report (one GPU, raw form) against one raw
// verification. Prints figures; asserts nothing (see README.md for the method).
#include "bench_harness.hpp"
#include "evidence.hpp"
#include "simulator.hpp"
#include "spdm.hpp"
#include "verifier.hpp"

#include <ccattest/support/files.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {
using ccattest::support::Bytes;
namespace fs = std::filesystem;
namespace gpu = ccattest::gpu;

constexpr unsigned simulated_gpus = 8;
constexpr int64_t real_report_time = 1748736000; // 2025-06-01: inside the real chain's window

// A token to verify warm, its verifier, the expected report data, the verification time, and the
// raw checks it is compared with (one per device).
struct Case {
    std::string name;
    std::unique_ptr<gpu::Verifier> verifier;
    Bytes token;
    std::array<uint8_t, 64> expected{};
    int64_t when = 0;
    std::vector<std::unique_ptr<ccattest::bench::RawEcdsaCheck>> raw;
};

Bytes token_of(const gpu::Evidence &evidence) {
    const std::string text = gpu::encode_token(evidence);
    return {text.begin(), text.end()};
}

void add_raw_checks(Case &c, const gpu::Evidence &evidence) {
    for (const auto &device : evidence.devices) {
        const size_t signed_size = device.report.size() - gpu::spdm_signature_size;
        c.raw.push_back(
            std::make_unique<ccattest::bench::RawEcdsaCheck>("P-384", EVP_sha384(), signed_size));
    }
}

// Eight simulated Hopper GPUs with their RIMs and OCSP answers in the token.
Case simulated_case(const fs::path &state_dir) {
    Case out;
    out.name = "simulated 8 GPUs";
    gpu::SimulatorConfig config;
    config.state_dir = state_dir;
    config.device_count = simulated_gpus;
    out.expected.fill(0x42);
    out.when = static_cast<int64_t>(std::time(nullptr));
    const gpu::Evidence evidence = gpu::simulate_evidence(
        config, std::span(out.expected).first<gpu::spdm_nonce_size>(), out.when);
    out.token = token_of(evidence);
    add_raw_checks(out, evidence);
    gpu::VerifierConfig verifier;
    verifier.allow_simulated = true;
    verifier.simulator_state_dir = state_dir;
    out.verifier = std::make_unique<gpu::Verifier>(verifier);
    return out;
}

// NVIDIA's real H100 report with its chain (no RIM for its driver: measurements not checked).
Case real_case(const std::string &vectors) {
    Case out;
    out.name = "real H100";
    gpu::Evidence evidence;
    gpu::DeviceEvidence device;
    device.arch = gpu::Arch::hopper;
    device.report = ccattest::support::read_file(fs::path(vectors) / "nvtrust_hopper_report.bin",
                                                 gpu::max_report_size);
    for (const auto &certificate : ccattest::support::Certificate::parse_bundle(
             ccattest::support::read_file(fs::path(vectors) / "nvtrust_hopper_cert_chain.pem",
                                          1U << 20U),
             "device chain")) {
        device.certificates.push_back(certificate.der());
    }
    const gpu::SpdmReport report = gpu::parse_spdm_report(device.report);
    std::copy(report.nonce.begin(), report.nonce.end(), out.expected.begin());
    evidence.devices.push_back(std::move(device));
    out.token = token_of(evidence);
    add_raw_checks(out, evidence);
    out.when = real_report_time;
    gpu::VerifierConfig verifier;
    verifier.check_ocsp = false; // offline: no answers to find
    out.verifier = std::make_unique<gpu::Verifier>(verifier);
    return out;
}

} // namespace

int main(int argc, char **argv) {
    ccattest::bench::Options options{3.0, GPU_VECTORS, GPU_BENCH_STATE};
    if (!ccattest::bench::parse_options(argc, argv, options)) {
        return 2;
    }
    std::vector<Case> cases;
    try {
        cases.push_back(simulated_case(options.state_dir));
        cases.push_back(real_case(options.vectors));
        for (const auto &c : cases) {
            // Warm: chains, RIMs and OCSP answers are verified once, then cached.
            (void)c.verifier->verify(c.token, c.expected, c.when);
        }
    } catch (const std::exception &e) {
        (void)std::fprintf(stderr, "the evidence does not verify: %s\n", e.what());
        return 1;
    }
    const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
    std::printf("GPU warm verification vs raw OpenSSL ECDSA P-384, one per device (%.1f s per "
                "side and figure, %.0f ms slices)\n",
                options.seconds, ccattest::bench::slice_seconds * 1000);
    std::printf("%-18s %-8s %14s %14s %13s\n", "evidence", "threads", "gpu verify/s", "N x ecdsa/s",
                "median ratio");
    for (const auto &c : cases) {
        const auto subject = [&] { (void)c.verifier->verify(c.token, c.expected, c.when); };
        const auto raw = [&] {
            for (const auto &check : c.raw) {
                (void)check->verify();
            }
        };
        for (const unsigned threads : {1U, cores}) {
            const auto figures =
                ccattest::bench::interleaved(threads, options.seconds, raw, subject);
            std::printf("%-18s %-8u %14.0f %14.0f %13.3f\n", c.name.c_str(), threads,
                        figures.subject_rate, figures.baseline_rate, figures.median_ratio);
            if (cores == 1) {
                break;
            }
        }
    }
    return 0;
}
