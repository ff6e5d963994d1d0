// Benchmark: warm TDX verifications per second against the raw OpenSSL rate of two ECDSA P-256
// verifications (the QE report's and the quote's), on one thread and on all cores. Both sides are
// measured in short alternating slices and the median of the per-pair ratios is printed. Prints
// figures; asserts nothing (see README.md for the method).
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
using Clock = std::chrono::steady_clock;
using ccattest::support::Bytes;
namespace fs = std::filesystem;
namespace tdx = ccattest::tdx;

// A v4 quote signs its 48-byte header and 584-byte TD report; the PCK signs the 384-byte QE report.
constexpr size_t quote_signed_size = 632;
constexpr size_t qe_report_size = 384;
constexpr double slice_seconds = 0.1;
constexpr int64_t real_quote_time = 1688169600; // 2023-07-01: inside every window of the vectors

struct Options {
    double seconds = 3.0;
    std::string vectors = TDX_VECTORS;
    fs::path state_dir = TDX_BENCH_STATE;
};

// Runs body() on `threads` threads for `seconds`; returns operations per second in total.
double rate(unsigned threads, double seconds, const std::function<void()> &body) {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> total{0};
    std::vector<std::thread> workers;
    const auto start = Clock::now();
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            uint64_t count = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                body();
                ++count;
            }
            total += count;
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto &worker : workers) {
        worker.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    return static_cast<double>(total.load()) / elapsed;
}

struct Figures {
    double subject_rate = 0; ///< mean over the slices
    double baseline_rate = 0;
    double median_ratio = 0;
};

// Alternates slices of baseline and subject (ABBA order, so a drift in the machine's load falls
// on both) for `seconds` each in total; the ratio is taken per pair of neighbouring slices.
Figures interleaved(unsigned threads, double seconds, const std::function<void()> &baseline,
                    const std::function<void()> &subject) {
    const auto pairs = static_cast<size_t>(std::max(1.0, seconds / slice_seconds));
    const double slice = seconds / static_cast<double>(pairs);
    std::vector<double> ratios;
    Figures out;
    for (size_t i = 0; i < pairs; ++i) {
        double base = 0;
        double subj = 0;
        if (i % 2 == 0) {
            base = rate(threads, slice, baseline);
            subj = rate(threads, slice, subject);
        } else {
            subj = rate(threads, slice, subject);
            base = rate(threads, slice, baseline);
        }
        out.baseline_rate += base / static_cast<double>(pairs);
        out.subject_rate += subj / static_cast<double>(pairs);
        ratios.push_back(subj / base);
    }
    std::sort(ratios.begin(), ratios.end());
    const size_t middle = ratios.size() / 2;
    out.median_ratio =
        ratios.size() % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
    return out;
}

// One ECDSA P-256/SHA-256 check as a caller of OpenSSL writes it: a pre-made key, message and DER
// signature.
class RawCheck {
public:
    explicit RawCheck(size_t message_size) : message_(message_size) {
        for (size_t i = 0; i < message_.size(); ++i) {
            message_[i] = static_cast<uint8_t>(i * 7U + 1U);
        }
        key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                              EVP_MD_CTX_free);
        size_t size = 0;
        if (!key_ || !context ||
            EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
            EVP_DigestSign(context.get(), nullptr, &size, message_.data(), message_.size()) != 1) {
            throw std::runtime_error("OpenSSL could not make a P-256 key and signature");
        }
        signature_.resize(size);
        if (EVP_DigestSign(context.get(), signature_.data(), &size, message_.data(),
                           message_.size()) != 1) {
            throw std::runtime_error("OpenSSL could not sign with the P-256 key");
        }
        signature_.resize(size);
    }

    [[nodiscard]] bool verify() const {
        const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                              EVP_MD_CTX_free);
        return context &&
               EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key_.get()) ==
                   1 &&
               EVP_DigestVerify(context.get(), signature_.data(), signature_.size(),
                                message_.data(), message_.size()) == 1;
    }

private:
    Bytes message_;
    Bytes signature_;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_{nullptr, EVP_PKEY_free};
};

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

bool parse_options(int argc, char **argv, Options &options) {
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument.rfind("--seconds=", 0) == 0) {
            options.seconds = std::stod(argument.substr(10));
        } else if (argument.rfind("--vectors=", 0) == 0) {
            options.vectors = argument.substr(10);
        } else if (argument.rfind("--state-dir=", 0) == 0) {
            options.state_dir = argument.substr(12);
        } else {
            (void)std::fprintf(
                stderr, "usage: %s [--seconds=S] [--vectors=DIR] [--state-dir=DIR]\n", argv[0]);
            return false;
        }
    }
    return true;
}

} // namespace

int main(int argc, char **argv) {
    Options options;
    if (!parse_options(argc, argv, options)) {
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
    const RawCheck quote_check(quote_signed_size);
    const RawCheck qe_report_check(qe_report_size);
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
