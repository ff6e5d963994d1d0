// Benchmark: warm SEV-SNP verifications per second against raw OpenSSL ECDSA P-384 verifications
// of the same report, on one thread and on all cores, measured in interleaved slices
// (bench_harness.hpp). Prints figures; asserts nothing (see README.md for the method).
#include "bench_harness.hpp"
#include "evidence.hpp"
#include "report.hpp"
#include "verifier.hpp"

#include <ccattest/support/crypto.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

using ccattest::support::Bytes;

int main(int argc, char **argv) {
    ccattest::bench::Options options{3.0, SNP_VECTORS, ""};
    if (!ccattest::bench::parse_options(argc, argv, options)) {
        return 2;
    }
    const double seconds = options.seconds;
    const std::string &vectors = options.vectors;
    // Real Milan evidence: go-sev-guest's report with its VCEK carried in a ccattest-snp-v1 token.
    ccattest::snp::Evidence evidence;
    evidence.report = ccattest::support::read_file(vectors + "/gosev_milan_report.bin", 1U << 20U);
    evidence.vcek = ccattest::support::read_file(vectors + "/gosev_milan_vcek.der", 1U << 20U);
    const std::string text = ccattest::snp::encode_token(evidence);
    const Bytes token(text.begin(), text.end());
    std::array<uint8_t, 64> expected{1, 2, 3, 4, 5};
    constexpr int64_t when = 1700000000;
    const ccattest::snp::Verifier verifier({});
    (void)verifier.verify(token, expected, when); // warm: the chain is verified once and cached

    // The same ECDSA P-384 check done directly with OpenSSL: same key, message and signature.
    const auto report = ccattest::snp::parse_report(evidence.report);
    const auto vcek = ccattest::support::Certificate::parse(*evidence.vcek, "VCEK");
    EVP_PKEY *key = vcek.public_key();
    const std::span<const uint8_t> message(report.raw.data(), ccattest::snp::signed_size);
    if (!ccattest::support::ecdsa_sha384_verify(key, message, report.signature_r,
                                                report.signature_s)) {
        (void)std::fprintf(stderr, "the vector's signature does not verify\n");
        return 1;
    }

    auto snp = [&] { (void)verifier.verify(token, expected, when); };
    auto raw = [&] {
        (void)ccattest::support::ecdsa_sha384_verify(key, message, report.signature_r,
                                                     report.signature_s);
    };
    const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
    std::printf("SEV-SNP warm verification vs raw OpenSSL ECDSA P-384 (%.1f s per side and figure, "
                "%.0f ms slices)\n",
                seconds, ccattest::bench::slice_seconds * 1000);
    std::printf("%-10s %14s %14s %13s\n", "threads", "snp verify/s", "ecdsa/s", "median ratio");
    for (const unsigned threads : {1U, cores}) {
        const auto figures = ccattest::bench::interleaved(threads, seconds, raw, snp);
        std::printf("%-10u %14.0f %14.0f %13.3f\n", threads, figures.subject_rate,
                    figures.baseline_rate, figures.median_ratio);
        if (cores == 1) {
            break;
        }
    }
    return 0;
}
