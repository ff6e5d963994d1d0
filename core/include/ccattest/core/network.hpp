// The host's one network channel for plugins (ABI 1.1 `fetch`): the site's `network` settings, an
// HTTP(S) client (Boost.Beast over OpenSSL), the collateral cache under state_dir/collateral/, and
// the service that applies mode, allow-list, single-flight, retries and logging in that order.
#pragma once

#include <ccattest/authorizer.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccattest::net {

/// The site config's `network` block (config/schema/site.schema.json). Default: offline.
struct NetworkConfig {
    enum class Mode { offline, online };
    Mode mode = Mode::offline;
    /// Host names each plugin namespace may reach ("x-vendor-name" -> {"api.vendor.example"}),
    /// compared case-insensitively and exactly (no wildcards). A namespace without an entry reaches
    /// nothing.
    std::map<std::string, std::vector<std::string>> allowed_hosts;
    std::chrono::milliseconds timeout{15000}; ///< whole exchange, retries included
    size_t max_response_bytes = size_t{16} << 20U;
    std::optional<std::filesystem::path> ca_file; ///< PEM CA bundle; the system store otherwise
    std::optional<std::string> proxy;            ///< "http://host:port"; never from the environment
    size_t cache_max_bytes = size_t{256} << 20U; ///< the collateral cache's bound
    unsigned max_redirects = 3;
    unsigned max_attempts = 4; ///< for 429/503 answers (bounded backoff, Retry-After honoured)
    /// Wait before the second attempt when the server gives no Retry-After; doubled each time.
    std::chrono::milliseconds initial_backoff{200};
    /// How long a 2xx answer without Cache-Control/Expires stays fresh in the cache.
    int64_t default_lifetime_s = 3600;
};

/// An absolute http:// or https:// URL as the client uses it. Parsed strictly (parse_url): only
/// printable ASCII, no user information, a host, an optional port; the fragment is dropped.
struct Url {
    std::string scheme; ///< "http" or "https", lower-case
    std::string host;   ///< lower-case; an IPv6 literal without its brackets
    uint16_t port = 0;  ///< the explicit port or the scheme's default
    std::string target; ///< path and query, starting with "/"
    [[nodiscard]] bool https() const noexcept { return scheme == "https"; }
    [[nodiscard]] bool host_is_ip() const;
    /// "host" or "host:port" (port only when not the default), IPv6 in brackets: the Host header.
    [[nodiscard]] std::string authority() const;
    /// "host:port" always (a CONNECT target).
    [[nodiscard]] std::string host_and_port() const;
    [[nodiscard]] std::string text() const; ///< scheme://authority/target
};

/// Throws FetchError(CCATTEST_E_INVALID_ARGUMENT) naming what is wrong with `text`.
Url parse_url(std::string_view text);
/// `text` cut to `limit` bytes ("..." appended) with every byte outside printable ASCII written as
/// \xNN: plugin-supplied text that reaches a log line or a message cannot forge lines.
std::string printable(std::string_view text, size_t limit);
/// Where a redirect's Location leads from `base`: an absolute URL, "//authority/...", "/path" or a
/// path relative to the base's folder. Throws FetchError(CCATTEST_E_IO) for an unusable Location.
Url resolve_location(const Url &base, std::string_view location);

/// A network failure, with the ABI status it maps to (CCATTEST_E_TIMEOUT, _IO, _NO_MEMORY,
/// _UNSUPPORTED, _INVALID_ARGUMENT) and a message naming the URL and the reason.
class FetchError : public std::runtime_error {
public:
    FetchError(ccattest_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}
    [[nodiscard]] ccattest_status status() const noexcept { return status_; }

private:
    ccattest_status status_;
};

struct HttpRequest {
    std::string method = "GET"; ///< "GET" or "POST"
    std::string url;            ///< absolute http:// or https:// URL
    std::string body;
    std::string content_type;
    std::chrono::milliseconds timeout{15000}; ///< the whole exchange, redirects included
    /// Called with every redirect target before it is followed; throws FetchError to refuse it
    /// (FetchService refuses hosts that are not on the plugin's allow-list).
    std::function<void(const Url &)> redirect_guard{};
};

/// Bounds of the headers a response keeps (and the collateral cache stores with it): a service
/// may send a signed document's issuer chain in a header (a few KiB), nothing legitimate needs
/// more.
inline constexpr size_t max_response_headers = 64;
inline constexpr size_t max_response_header_value = 8192;

struct HttpResponse {
    unsigned status = 0;
    std::string body;
    /// The end-to-end headers (not hop-by-hop ones, not cookies), names lower-case, in the order
    /// received: at most max_response_headers, each value at most max_response_header_value bytes
    /// of printable ASCII (others are dropped).
    std::vector<std::pair<std::string, std::string>> headers;
    std::string final_url; ///< the URL that answered, after redirects
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// One HTTP(S) exchange: TLS 1.2 or newer with certificate and host-name verification (the
/// configured CA file or the system store), redirects followed up to max_redirects (https never
/// downgraded to http), the proxy through CONNECT, the body bounded by max_response_bytes, the
/// whole exchange bounded by the request's timeout. No retries, no cache. Throws FetchError:
/// E_TIMEOUT, E_NO_MEMORY ("response larger than N bytes"), E_IO (connection, TLS, protocol,
/// redirect problems, with the reason), E_INVALID_ARGUMENT (the URL).
///
/// Plain http:// is used only when the URL itself says http://: some collateral services publish
/// signed documents over plain HTTP, and their signatures, not the transport, make them trusted.
/// A site that wants TLS only lists https:// URLs (plugins choose the URL; the allow-list the
/// host). The constructor throws FetchError(CCATTEST_E_CONFIG) for an unusable ca_file or proxy.
class HttpClient {
public:
    explicit HttpClient(NetworkConfig config);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;
    [[nodiscard]] HttpResponse perform(const HttpRequest &request) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

/// One stored response.
struct CacheEntry {
    std::string method;
    std::string url;
    std::string request_body_sha256; ///< hex SHA-256 of the request body; "" when it is empty
    unsigned status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    int64_t fetched_at = 0;
    int64_t fresh_until = 0; ///< from Cache-Control/Expires, or as a plugin stated (cache_validity)
};

/// Reads one entry file; throws std::runtime_error naming what is wrong (the cache then discards
/// the file). Exposed for the fuzz target.
CacheEntry parse_cache_entry(std::string_view bytes);
/// The exact bytes parse_cache_entry reads back.
std::string serialize_cache_entry(const CacheEntry &entry);
/// Freshness from response headers: Cache-Control no-store -> nullopt (not stored); no-cache or an
/// invalid max-age -> fetched_at (stale at once); max-age wins over Expires (an unreadable date:
/// stale); neither -> fetched_at + default_lifetime. Lifetimes are clamped to 2^31 seconds.
std::optional<int64_t> fresh_until_from_headers(const HttpResponse &response, int64_t fetched_at,
                                                int64_t default_lifetime);

/// The collateral cache: one file per entry under `folder`, named by SHA-256 of (method, URL,
/// request body), written crash-safely (temporary file, fsync, rename, fsync of the folder),
/// bounded to max_bytes by evicting the least recently fetched entries; an entry that does not read
/// back is discarded, never trusted. Safe across threads and processes.
class CollateralCache {
public:
    CollateralCache(std::filesystem::path folder, size_t max_bytes);
    [[nodiscard]] const std::filesystem::path &folder() const noexcept { return folder_; }
    static std::string key_for(std::string_view method, std::string_view url,
                               std::string_view body);
    [[nodiscard]] std::optional<CacheEntry> load(const std::string &key) const;
    /// Throws std::invalid_argument when the entry does not belong under key, std::runtime_error
    /// when it would be larger than max_bytes (nothing is stored) or cannot be written.
    void store(const std::string &key, const CacheEntry &entry) const;
    /// false when nothing is stored under key.
    bool set_fresh_until(const std::string &key, int64_t fresh_until) const;
    [[nodiscard]] std::vector<CacheEntry> list() const; ///< bodies included
    size_t clear() const;                               ///< returns the number of entries removed

private:
    std::filesystem::path folder_;
    size_t max_bytes_;
};

/// A request as a plugin states it (the C struct, read into C++).
struct FetchRequest {
    HttpRequest http;
    bool cache_allowed = false;
    bool offline_only = false;
};

/// FetchService::fetch's answer. A final 429 or 503 (the retries ran out) is an answer, not an
/// error: response.status says so and the plugin decides (the C ABI returns CCATTEST_OK with
/// http_status 429); the log line reads "rate limited (HTTP 429) after N attempts".
struct FetchResult {
    HttpResponse response;
    unsigned attempts = 0; ///< network requests made for this answer (0 from the cache)
    bool from_cache = false;
    int64_t fetched_at = 0;
    int64_t fresh_until = 0; ///< 0 when not stored
};

/// The service behind ccattest_host_api.fetch. Thread-safe.
class FetchService {
public:
    /// cache_folder empty: no cache. clock: seconds since the epoch (tests fix it).
    FetchService(NetworkConfig config, const std::filesystem::path &cache_folder,
                 std::function<int64_t()> clock = {});
    ~FetchService();
    FetchService(const FetchService &) = delete;
    FetchService &operator=(const FetchService &) = delete;

    [[nodiscard]] const NetworkConfig &config() const noexcept;
    /// Applies, in order: the request's own checks, OFFLINE_ONLY / the cache, the site's mode, the
    /// namespace's allow-list, single-flight (one network request per resource and namespace at a
    /// time: a redirect is checked against the allow-list of the namespace that made it), the
    /// client with bounded retries of 429/503, then stores a 2xx answer. Logs one line per call
    /// (namespace, method, URL, cache hit/miss, bytes, milliseconds). Throws FetchError.
    FetchResult fetch(std::string_view plugin_namespace, const FetchRequest &request);
    /// cache_validity. false when nothing is stored for the request. Not limited by the
    /// allow-list: a plugin may restate the validity of what an offline site's cache holds.
    bool set_validity(std::string_view plugin_namespace, const FetchRequest &request,
                      int64_t valid_until);
    /// The cache (nullptr when there is none): for `ccattest collateral`.
    [[nodiscard]] const CollateralCache *cache() const noexcept;
    /// Network requests made since construction (every attempt counts): for tests and benchmarks.
    [[nodiscard]] uint64_t network_requests() const noexcept;

private:
    struct State;
    std::unique_ptr<State> state_;
};

/// Bounds the ABI edge applies to what a plugin passes in.
inline constexpr size_t max_url_length = 8192;
inline constexpr size_t max_request_body = size_t{1} << 20U;
inline constexpr size_t max_content_type_length = 256;

/// ABI edge: the C struct in, the C struct out through the host allocator (R4, R5). Refuses with
/// CCATTEST_E_INVALID_ARGUMENT: NULL request/response/url, struct sizes below ABI 1.1's, unknown
/// method or flag bits, a URL or content type too long, a body that is too large, NULL with a
/// size, or given for GET. Never throws.
ccattest_status abi_fetch(FetchService &service, std::string_view plugin_namespace,
                          const ccattest_host_api &host, const ccattest_fetch_request *request,
                          ccattest_fetch_response *response, char *error_message,
                          size_t error_message_size) noexcept;
ccattest_status abi_cache_validity(FetchService &service, std::string_view plugin_namespace,
                                   const ccattest_fetch_request *request,
                                   int64_t valid_until) noexcept;

} // namespace ccattest::net
