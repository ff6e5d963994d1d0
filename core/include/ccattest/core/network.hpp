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
    /// Host names each plugin namespace may reach ("x-snp" -> {"kdsintf.amd.com"}), compared
    /// case-insensitively and exactly (no wildcards). A namespace without an entry reaches nothing.
    std::map<std::string, std::vector<std::string>> allowed_hosts;
    std::chrono::milliseconds timeout{15000}; ///< whole exchange, retries included
    size_t max_response_bytes = size_t{16} << 20U;
    std::optional<std::filesystem::path> ca_file; ///< PEM CA bundle; the system store otherwise
    std::optional<std::string> proxy;            ///< "http://host:port"; never from the environment
    size_t cache_max_bytes = size_t{256} << 20U; ///< the collateral cache's bound
    unsigned max_redirects = 3;
    unsigned max_attempts = 4; ///< for 429/503 answers (bounded backoff, Retry-After honoured)
};

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
    std::chrono::milliseconds timeout{15000};
};

struct HttpResponse {
    unsigned status = 0;
    std::string body;
    /// Selected headers (content-type, cache-control, expires, last-modified, etag, retry-after),
    /// names lower-case, in the order received.
    std::vector<std::pair<std::string, std::string>> headers;
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// One HTTP(S) exchange: TLS 1.2 or newer with certificate and host-name verification (the
/// configured CA file or the system store), redirects followed up to max_redirects (https never
/// downgraded to http), the proxy through CONNECT, the body bounded by max_response_bytes, the
/// whole exchange bounded by the request's timeout. No retries, no cache. Throws FetchError.
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
    std::string request_body_sha256; ///< hex; "" for GET
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
/// Freshness from response headers: Cache-Control no-store/no-cache -> nullopt (not stored),
/// max-age wins over Expires, neither -> fetched_at + default_lifetime.
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

struct FetchResult {
    HttpResponse response;
    bool from_cache = false;
    int64_t fetched_at = 0;
    int64_t fresh_until = 0; ///< 0 when not stored
};

/// The service behind ccattest_host_api.fetch. Thread-safe.
class FetchService {
public:
    /// cache_folder empty: no cache. clock: seconds since the epoch (tests fix it).
    FetchService(NetworkConfig config, std::filesystem::path cache_folder,
                 std::function<int64_t()> clock = {});
    ~FetchService();
    FetchService(const FetchService &) = delete;
    FetchService &operator=(const FetchService &) = delete;

    [[nodiscard]] const NetworkConfig &config() const noexcept;
    /// Applies, in order: the request's own checks, OFFLINE_ONLY / the cache, the site's mode, the
    /// namespace's allow-list, single-flight (one network request per resource at a time), the
    /// client with bounded retries of 429/503, then stores a 2xx answer. Logs one line per call
    /// (namespace, method, URL, cache hit/miss, bytes, milliseconds). Throws FetchError.
    FetchResult fetch(std::string_view plugin_namespace, const FetchRequest &request);
    /// cache_validity. false when nothing is stored for the request.
    bool set_validity(std::string_view plugin_namespace, const FetchRequest &request,
                      int64_t valid_until);
    /// The cache (nullptr when there is none): for `ccattest collateral`.
    [[nodiscard]] const CollateralCache *cache() const noexcept;

private:
    struct State;
    std::unique_ptr<State> state_;
};

/// ABI edge: the C struct in, the C struct out through the host allocator (R4, R5). Never throws.
ccattest_status abi_fetch(FetchService &service, std::string_view plugin_namespace,
                          const ccattest_host_api &host, const ccattest_fetch_request *request,
                          ccattest_fetch_response *response, char *error_message,
                          size_t error_message_size) noexcept;
ccattest_status abi_cache_validity(FetchService &service, std::string_view plugin_namespace,
                                   const ccattest_fetch_request *request,
                                   int64_t valid_until) noexcept;

} // namespace ccattest::net
