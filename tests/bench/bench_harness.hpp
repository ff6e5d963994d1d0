// What every verification benchmark here shares: operations per second on N threads, the
// interleaved measurement of a subject against a baseline (short alternating slices in ABBA order,
// median of the per-pair ratios: these machines are shared and noisy), and the raw OpenSSL ECDSA
// check a verifier is compared with. Header-only; see README.md for the method.
#pragma once

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ccattest::bench {

inline constexpr double slice_seconds = 0.1;

/// The options every verification benchmark takes: --seconds=S (per side and figure),
/// --vectors=DIR (the real evidence), --state-dir=DIR (the simulator's state, where used).
struct Options {
    double seconds = 3.0;
    std::string vectors;
    std::string state_dir;
};

/// Parses argv into `options` (which holds the defaults); false, after printing the usage, for
/// anything else.
inline bool parse_options(int argc, char **argv, Options &options) {
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

/// Runs body() on `threads` threads for `seconds`; returns operations per second in total.
inline double rate(unsigned threads, double seconds, const std::function<void()> &body) {
    using Clock = std::chrono::steady_clock;
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

/// Alternates slices of baseline and subject (ABBA order, so a drift in the machine's load falls
/// on both) for `seconds` each in total; the ratio is taken per pair of neighbouring slices.
inline Figures interleaved(unsigned threads, double seconds, const std::function<void()> &baseline,
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

/// One ECDSA check as a caller of OpenSSL writes it: a pre-made key on `curve` ("P-256",
/// "P-384"), a message of `message_size` bytes and its DER signature with `digest`.
class RawEcdsaCheck {
public:
    RawEcdsaCheck(const char *curve, const EVP_MD *digest, size_t message_size)
        : digest_(digest), message_(message_size) {
        for (size_t i = 0; i < message_.size(); ++i) {
            message_[i] = static_cast<uint8_t>(i * 7U + 1U);
        }
        key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
        const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                              EVP_MD_CTX_free);
        size_t size = 0;
        if (!key_ || !context ||
            EVP_DigestSignInit(context.get(), nullptr, digest_, nullptr, key_.get()) != 1 ||
            EVP_DigestSign(context.get(), nullptr, &size, message_.data(), message_.size()) != 1) {
            throw std::runtime_error(std::string("OpenSSL could not make a ") + curve +
                                     " key and signature");
        }
        signature_.resize(size);
        if (EVP_DigestSign(context.get(), signature_.data(), &size, message_.data(),
                           message_.size()) != 1) {
            throw std::runtime_error(std::string("OpenSSL could not sign with the ") + curve +
                                     " key");
        }
        signature_.resize(size);
    }

    [[nodiscard]] bool verify() const {
        const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                              EVP_MD_CTX_free);
        return context &&
               EVP_DigestVerifyInit(context.get(), nullptr, digest_, nullptr, key_.get()) == 1 &&
               EVP_DigestVerify(context.get(), signature_.data(), signature_.size(),
                                message_.data(), message_.size()) == 1;
    }

private:
    const EVP_MD *digest_;
    std::vector<uint8_t> message_;
    std::vector<uint8_t> signature_;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_{nullptr, EVP_PKEY_free};
};

} // namespace ccattest::bench
