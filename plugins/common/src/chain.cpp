// Chain verification to pinned anchors, CRL-aware, and the cache of verified chains.
#include "ccattest/support/crypto.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <mutex>

namespace ccattest::support {
using sdk::failure;

namespace {

struct StoreDeleter {
    void operator()(X509_STORE *p) const noexcept { X509_STORE_free(p); }
};
struct StoreCtxDeleter {
    void operator()(X509_STORE_CTX *p) const noexcept { X509_STORE_CTX_free(p); }
};
struct StackDeleter {
    void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_free(p); }
};
struct OwningStackDeleter {
    void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_pop_free(p, X509_free); }
};

// 112-bit security: RSA and DSA keys of 2048 bits or more, EC keys of 224 bits or more, no SHA-1
// or MD5 signatures.
constexpr int security_level = 2;

[[noreturn]] void throw_path_error(X509_STORE_CTX *context, int64_t when) {
    // Drain first: describing the certificate below may throw (an unreadable time), and what is
    // left in the queue would become the reason of a later, unrelated failure.
    (void)openssl_error();
    const int error = X509_STORE_CTX_get_error(context);
    X509 *current = X509_STORE_CTX_get_current_cert(context);
    std::string subject = "the chain";
    if (current != nullptr) {
        X509_up_ref(current);
        const Certificate at(X509Ptr{current});
        subject = describe_certificate(at) + " (valid " + rfc3339(at.not_before()) + " to " +
                  rfc3339(at.not_after()) + ")";
    }
    const std::string reason = X509_verify_cert_error_string(error);
    if (error == X509_V_ERR_CERT_HAS_EXPIRED || error == X509_V_ERR_CERT_NOT_YET_VALID) {
        throw failure(CCATTEST_E_EXPIRED,
                      subject + " is not valid at " + rfc3339(when) + ": " + reason);
    }
    throw failure(CCATTEST_E_VERIFICATION_FAILED,
                  "certificate chain does not verify at " + subject + ": " + reason);
}

// The path OpenSSL built from leaf to anchor, using only the pinned anchors.
std::vector<Certificate> build_path(const Certificate &leaf,
                                    const std::vector<Certificate> &intermediates,
                                    const std::vector<Certificate> &anchors, int64_t when) {
    const std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
    const std::unique_ptr<STACK_OF(X509), StackDeleter> untrusted(sk_X509_new_null());
    const std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> context(X509_STORE_CTX_new());
    if (!store || !untrusted || !context) {
        throw failure(CCATTEST_E_NO_MEMORY, "cannot allocate an X.509 store");
    }
    for (const auto &anchor : anchors) {
        X509_STORE_add_cert(store.get(), anchor.get());
    }
    for (const auto &intermediate : intermediates) {
        sk_X509_push(untrusted.get(), intermediate.get());
    }
    if (X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
        throw failure(CCATTEST_E_INTERNAL, "cannot set up chain verification: " + openssl_error());
    }
    X509_VERIFY_PARAM *parameters = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_time(parameters, static_cast<time_t>(when));
    X509_VERIFY_PARAM_set_auth_level(parameters, security_level);
    // Only the pinned anchors are trusted: never the system store, never a partial chain.
    X509_VERIFY_PARAM_clear_flags(parameters, X509_V_FLAG_PARTIAL_CHAIN);
    // OpenSSL fills caches inside the certificates it verifies, without a lock (ThreadSanitizer:
    // two threads verifying one shared certificate race in libcrypto), so verifications take
    // turns; warm verifications skip this through ChainCache.
    static std::mutex verification_mutex;
    std::unique_lock lock(verification_mutex);
    if (X509_verify_cert(context.get()) != 1) {
        throw_path_error(context.get(), when);
    }
    lock.unlock();
    (void)openssl_error(); // what a successful check left behind is no reason for a later failure
    const std::unique_ptr<STACK_OF(X509), OwningStackDeleter> chain(
        X509_STORE_CTX_get1_chain(context.get()));
    std::vector<Certificate> path;
    for (int i = 0; chain && i < sk_X509_num(chain.get()); ++i) {
        X509 *certificate = sk_X509_value(chain.get(), i);
        X509_up_ref(certificate);
        path.emplace_back(X509Ptr{certificate});
    }
    if (path.empty()) {
        throw failure(CCATTEST_E_INTERNAL, "chain verification returned no path");
    }
    return path;
}

// Applies the CRLs of `options` to `chain.path`, narrowing the chain's window to theirs.
void apply_crls(VerifiedChain &chain, const ChainOptions &options, int64_t when) {
    const auto &path = chain.path;
    std::vector<bool> covered(path.size(), false);
    for (const Crl &crl : options.crls) {
        size_t issuer = 0;
        for (size_t i = 1; i < path.size() && issuer == 0; ++i) {
            issuer = crl.names_issuer(path[i]) ? i : 0;
        }
        if (issuer == 0) {
            if (options.refuse_unrelated_crls) {
                throw failure(CCATTEST_E_VERIFICATION_FAILED,
                              "CRL issued by \"" + crl.issuer_cn() +
                                  "\" names no CA of the chain: an unrelated CRL is refused");
            }
            continue;
        }
        crl.verify(path[issuer], when);
        const Certificate &issued = path[issuer - 1];
        if (crl.revokes(issued)) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "CRL from " + path[issuer].subject_cn() + " revokes " +
                              describe_certificate(issued) + " (serial " + issued.serial_hex() +
                              ")");
        }
        covered[issuer] = true;
        chain.valid_from = std::max(chain.valid_from, crl.this_update());
        if (const auto next = crl.next_update()) {
            chain.valid_until = std::min(chain.valid_until, *next + 1); // nextUpdate is inside
        }
    }
    if (options.require_crl_for_every_issuer) {
        for (size_t i = 1; i < path.size(); ++i) {
            if (!covered[i]) {
                throw failure(CCATTEST_E_VERIFICATION_FAILED,
                              "no CRL from " + path[i].subject_cn() +
                                  ": the revocation status of " +
                                  describe_certificate(path[i - 1]) + " is unknown");
            }
        }
    }
}

std::string cache_key(const Certificate &leaf, const std::vector<Certificate> &intermediates,
                      const std::vector<Certificate> &anchors, const ChainOptions &options) {
    Bytes input;
    const auto add = [&input](const std::array<uint8_t, 32> &digest, uint8_t kind) {
        input.push_back(kind);
        input.insert(input.end(), digest.begin(), digest.end());
    };
    add(leaf.sha256(), 'L');
    for (const auto &certificate : intermediates) {
        add(certificate.sha256(), 'I');
    }
    for (const auto &certificate : anchors) {
        add(certificate.sha256(), 'A');
    }
    for (const auto &crl : options.crls) {
        add(crl.sha256(), 'C');
    }
    input.push_back(options.refuse_unrelated_crls ? 'U' : 'u');
    input.push_back(options.require_crl_for_every_issuer ? 'R' : 'r');
    input.push_back(options.refuse_unused_certificates ? 'N' : 'n');
    return to_hex(sha256(input));
}

void refuse_unused(const VerifiedChain &chain, const std::vector<Certificate> &intermediates) {
    for (size_t i = 0; i < intermediates.size(); ++i) {
        if (std::none_of(chain.path.begin(), chain.path.end(), [&](const Certificate &used) {
                return used.sha256() == intermediates[i].sha256();
            })) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          describe_certificate(intermediates[i]) + " (certificate " +
                              std::to_string(i + 2) +
                              " given) is not part of the verified chain: an unused certificate "
                              "is refused");
        }
    }
}

} // namespace

VerifiedChain verify_chain(const Certificate &leaf, const std::vector<Certificate> &intermediates,
                           const std::vector<Certificate> &anchors, int64_t when,
                           const ChainOptions &options) {
    VerifiedChain chain;
    chain.path = build_path(leaf, intermediates, anchors, when);
    chain.valid_from = chain.path.front().not_before();
    chain.valid_until = chain.path.front().not_after();
    for (const auto &certificate : chain.path) {
        chain.valid_from = std::max(chain.valid_from, certificate.not_before());
        chain.valid_until = std::min(chain.valid_until, certificate.not_after());
    }
    apply_crls(chain, options, when);
    if (options.refuse_unused_certificates) {
        refuse_unused(chain, intermediates);
    }
    return chain;
}

VerifiedChain ChainCache::verify(const Certificate &leaf,
                                 const std::vector<Certificate> &intermediates,
                                 const std::vector<Certificate> &anchors, int64_t when,
                                 const ChainOptions &options) {
    const std::string key = cache_key(leaf, intermediates, anchors, options);
    {
        const std::shared_lock lock(mutex_);
        if (const auto found = entries_.find(key); found != entries_.end() &&
                                                   when >= found->second.valid_from &&
                                                   when < found->second.valid_until) {
            return found->second;
        }
    }
    VerifiedChain chain = verify_chain(leaf, intermediates, anchors, when, options);
    const std::unique_lock lock(mutex_);
    if (entries_.size() >= capacity_) {
        entries_.clear();
    }
    entries_.insert_or_assign(key, chain);
    return chain;
}

size_t ChainCache::size() const {
    const std::shared_lock lock(mutex_);
    return entries_.size();
}

void ChainCache::clear() {
    const std::unique_lock lock(mutex_);
    entries_.clear();
}

} // namespace ccattest::support
