// Collateral: what a verifier needs besides the evidence (a VCEK, a CRL, a TCB info), found in the
// offline directories an operator fills or, where the site allows it, fetched from the vendor's
// service through the host's one network channel (ABI 1.1 fetch, with its cache). A plugin asks
// for one named thing and gets bytes and their provenance, without knowing which answered.
//
// Without the network service (an ABI 1.0 host, or a host without one) and on an offline site,
// lookups degrade to the directories alone; the first refusal is logged once, and every miss says
// why nothing was fetched. A URL the host refused is not asked again for refusal_memory_s seconds
// (an offline site's cache may be filled meanwhile, e.g. by `ccattest collateral`).
#pragma once

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/plugin_adapter.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest::support {

enum class Provenance {
    directory, ///< a file in an offline collateral directory
    cache,     ///< the host's collateral cache (fetched earlier)
    network,   ///< fetched from the service just now
};
std::string_view provenance_name(Provenance provenance) noexcept;

/// One piece of collateral a plugin asks for.
struct CollateralQuery {
    std::string what; ///< for messages, e.g. "VCEK"
    /// Paths relative to each directory, tried in order (e.g. "milan/crl.der", "milan/crl.pem").
    std::vector<std::filesystem::path> file_names;
    std::string url; ///< empty: directories only
    /// Non-empty: the URL is asked with HTTP POST and this body (e.g. a DER OCSP request, which
    /// NVIDIA's responder takes by POST); empty: GET. The host's cache keys an answer by method,
    /// URL and the body's SHA-256 (core/src/net/collateral_cache.cpp), so a stored answer is
    /// served only for the same body.
    Bytes post_body{};
    /// The media type of post_body (e.g. "application/ocsp-request"); POST only: a content type
    /// on a GET query is refused (CCATTEST_E_INVALID_ARGUMENT).
    std::string content_type{};
};

struct CollateralItem {
    Bytes data;
    Provenance provenance = Provenance::directory;
    std::string origin;     ///< the file read or the URL fetched
    int64_t fetched_at = 0; ///< cache and network: when the host received it
    /// cache and network: the response's headers, one "name: value" line each (as the host
    /// passes them), e.g. the issuer chain a service sends beside a signed document.
    std::string headers;

    /// The first header of that name (case-insensitive), its value without leading blanks.
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// What a lookup found; on a miss, why (for the caller's message).
struct CollateralLookup {
    std::optional<CollateralItem> item;
    /// Empty when nothing could be fetched at all (no URL); otherwise why the network gave
    /// nothing: "the host offers no network service (an ABI 1.0 host, or one without a network
    /// channel)", the host's refusal (offline site, host not allowed), "<url> answered HTTP 404",
    /// a rate limit, a transport error.
    std::string miss_reason;
    /// CCATTEST_OK for a plain miss (not in the directories, not fetchable, or the service has no
    /// such document); the failure's status when the service could not be asked or did not answer
    /// (CCATTEST_E_TIMEOUT for timeouts and for rate limits (HTTP 429, 503) the host's retries did
    /// not outlast, CCATTEST_E_IO for other failures, CCATTEST_E_NO_MEMORY for a response too big).
    ccattest_status miss_status = CCATTEST_OK;
    /// The host refused to fetch (offline site, host not on the allow-list): the site's choice,
    /// not a failure.
    bool refused = false;
};

class CollateralSource {
public:
    /// `directories` are tried in order before the network; files are at most max_file_size
    /// bytes. timeout_ms bounds each fetch (0: the host's configured timeout).
    explicit CollateralSource(Host host, std::vector<std::filesystem::path> directories = {},
                              size_t max_file_size = size_t{1} << 20U, uint32_t timeout_ms = 0);

    /// The first file of the query in the first directory holding one, else the URL through the
    /// host (a fresh cached answer allowed). Throws sdk::failure(CCATTEST_E_IO) for a directory
    /// file that exists but cannot be read: an operator's file is never skipped silently.
    [[nodiscard]] CollateralLookup find(const CollateralQuery &query) const;

    /// Tells the host's cache until when the stored answer for `url` is valid (a CRL's nextUpdate):
    /// the cache then neither serves it past that time nor fetches it again before. Ignored
    /// without the network service.
    void keep_until(const std::string &url, int64_t valid_until) const;
    /// keep_until for the answer to `query` as find asked it (GET or POST with its body), e.g. an
    /// OCSP response's nextUpdate.
    void keep_until(const CollateralQuery &query, int64_t valid_until) const;

    /// Whether the host offers the fetch service at all (ABI 1.1).
    [[nodiscard]] bool can_fetch() const noexcept { return host_.can_fetch(); }

    /// How long a refused URL is not asked again, by the host's clock.
    static constexpr int64_t refusal_memory_s = 300;

    [[nodiscard]] const std::vector<std::filesystem::path> &directories() const noexcept {
        return directories_;
    }

private:
    std::optional<CollateralItem> from_directories(const CollateralQuery &query) const;
    CollateralLookup fetch(const CollateralQuery &query) const;

    Host host_;
    std::vector<std::filesystem::path> directories_;
    size_t max_file_size_;
    uint32_t timeout_ms_;
    /// URLs the host refused, until when they are not asked again; and whether the first refusal
    /// was logged.
    struct Refusals;
    std::shared_ptr<Refusals> refusals_;
};

} // namespace ccattest::support
