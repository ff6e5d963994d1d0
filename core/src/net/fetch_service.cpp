// FetchService: the policy around HttpClient and the collateral cache that every plugin fetch goes
// through (order and rules: core/include/ccattest/core/network.hpp).
#include "ccattest/core/logging.hpp"
#include "ccattest/core/network.hpp"

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/crypto.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <ctime>
#include <future>
#include <mutex>
#include <thread>

namespace ccattest::net {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view component = "network";
constexpr int64_t max_retry_after_s =
    int64_t{24} * 3600; // beyond any timeout; keeps the arithmetic sane

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string body_sha256(std::string_view body) {
    if (body.empty()) {
        return {};
    }
    return support::to_hex(
        support::sha256({reinterpret_cast<const uint8_t *>(body.data()), body.size()}));
}

// The request's own checks; returns its URL parsed.
Url validate(const FetchRequest &request) {
    const HttpRequest &http = request.http;
    if (http.method != "GET" && http.method != "POST") {
        throw FetchError(CCATTEST_E_INVALID_ARGUMENT,
                         "method \"" + printable(http.method, 16) + "\" is not GET or POST");
    }
    Url url = parse_url(http.url);
    if (http.method == "GET" && (!http.body.empty() || !http.content_type.empty())) {
        throw FetchError(CCATTEST_E_INVALID_ARGUMENT,
                         "GET " + url.text() + ": a body or content type is only sent with POST");
    }
    // The content type becomes a header line: no line breaks or controls may reach it.
    if (http.content_type.size() > max_content_type_length ||
        !std::all_of(http.content_type.begin(), http.content_type.end(),
                     [](unsigned char c) { return c >= 0x20 && c < 0x7f; })) {
        throw FetchError(CCATTEST_E_INVALID_ARGUMENT,
                         "content type is longer than " + std::to_string(max_content_type_length) +
                             " bytes or holds control or non-ASCII characters");
    }
    return url;
}

// One log line per call: who asked for what, how it was answered, size and time.
class CallLog {
public:
    CallLog(std::string_view plugin_namespace, const FetchRequest &request)
        : prefix_(printable(plugin_namespace, 64) + " " + printable(request.http.method, 16) + " " +
                  printable(request.http.url, max_url_length)),
          started_(Clock::now()) {}
    void answered(std::string_view how, const FetchResult &result) const {
        std::string line = prefix_ + ": " + std::string(how) + ", ";
        const unsigned status = result.response.status;
        if ((status == 429 || status == 503) && !result.from_cache && result.attempts > 1) {
            line += (status == 429 ? "rate limited" : "unavailable") + std::string(" (HTTP ") +
                    std::to_string(status) + ") after " + std::to_string(result.attempts) +
                    " attempts";
        } else {
            line += "HTTP " + std::to_string(status);
        }
        line += ", " + std::to_string(result.response.body.size()) + " bytes, " + elapsed();
        logging::write(LogLevel::info, component, line);
    }
    void failed(std::string_view how, const FetchError &error) const {
        logging::write(LogLevel::warning, component,
                       prefix_ + ": " + std::string(how) + ", refused or failed (" +
                           ccattest_status_name(error.status()) + "): " + error.what() + ", " +
                           elapsed());
    }

private:
    [[nodiscard]] std::string elapsed() const {
        return std::to_string(
                   std::chrono::duration_cast<milliseconds>(Clock::now() - started_).count()) +
               " ms";
    }
    std::string prefix_;
    Clock::time_point started_;
};

FetchResult result_from(CacheEntry entry) {
    FetchResult result;
    result.response.status = entry.status;
    result.response.body = std::move(entry.body);
    result.response.headers = std::move(entry.headers);
    result.response.final_url = std::move(entry.url);
    result.from_cache = true;
    result.fetched_at = entry.fetched_at;
    result.fresh_until = entry.fresh_until;
    return result;
}

// Retry-After in seconds when the server gives it (capped), else exponential backoff.
milliseconds retry_delay(const HttpResponse &response, unsigned attempt,
                         milliseconds initial_backoff) {
    if (const auto value = response.header("retry-after")) {
        if (!value->empty() && value->size() <= 9 &&
            std::all_of(value->begin(), value->end(),
                        [](unsigned char c) { return std::isdigit(c) != 0; })) {
            return std::chrono::seconds(std::min<int64_t>(std::stoll(*value), max_retry_after_s));
        }
    }
    const unsigned doublings = std::min(attempt - 1, 16U);
    return initial_backoff * (int64_t{1} << doublings);
}

} // namespace

struct FetchService::State {
    NetworkConfig config;
    HttpClient client;
    std::optional<CollateralCache> cache;
    std::function<int64_t()> clock;
    std::mutex flights_mutex;
    std::map<std::string, std::shared_future<FetchResult>, std::less<>> flights;
    std::atomic<uint64_t> requests{0};

    State(NetworkConfig settings, const std::filesystem::path &cache_folder,
          std::function<int64_t()> now)
        : config(std::move(settings)), client(config), clock(std::move(now)) {
        if (!cache_folder.empty()) {
            cache.emplace(cache_folder, config.cache_max_bytes);
        }
        if (!clock) {
            clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
        }
    }

    // A stored entry for key, or nullopt; an unreadable cache is a miss, never an error.
    std::optional<CacheEntry> load(const std::string &key, const Url &url,
                                   const std::string &method) const {
        if (!cache) {
            return std::nullopt;
        }
        try {
            auto entry = cache->load(key);
            if (entry && entry->url == url.text() && entry->method == method) {
                return entry;
            }
        } catch (const std::exception &e) {
            logging::write(LogLevel::warning, component,
                           method + " " + url.text() +
                               ": collateral cache unreadable: " + e.what());
        }
        return std::nullopt;
    }

    std::optional<FetchResult> fresh(const std::string &key, const Url &url,
                                     const std::string &method) const {
        auto entry = load(key, url, method);
        if (entry && clock() < entry->fresh_until) {
            return result_from(std::move(*entry));
        }
        return std::nullopt;
    }

    void check_allowed(std::string_view plugin_namespace, const Url &url) const {
        const auto found = config.allowed_hosts.find(std::string(plugin_namespace));
        if (found != config.allowed_hosts.end()) {
            for (const auto &host : found->second) {
                if (lower(host) == url.host) {
                    return;
                }
            }
        }
        throw FetchError(CCATTEST_E_UNSUPPORTED, url.text() + ": host " + url.host +
                                                     " is not in network.allowed_hosts[\"" +
                                                     std::string(plugin_namespace) + "\"]");
    }

    [[nodiscard]] milliseconds timeout_for(const HttpRequest &request) const {
        return request.timeout.count() > 0 ? std::min(request.timeout, config.timeout)
                                           : config.timeout;
    }

    FetchResult fetch_with_retries(std::string_view plugin_namespace, const FetchRequest &request,
                                   const Url &url);
    void store(const std::string &key, const Url &url, const FetchRequest &request,
               FetchResult &result) const;
    FetchResult single_flight(std::string_view plugin_namespace, const FetchRequest &request,
                              const Url &url, const std::string &key, bool &shared);
};

FetchResult FetchService::State::fetch_with_retries(std::string_view plugin_namespace,
                                                    const FetchRequest &request, const Url &url) {
    const milliseconds timeout = timeout_for(request.http);
    const auto deadline = Clock::now() + timeout;
    HttpRequest http = request.http;
    http.url = url.text();
    http.redirect_guard = [this, plugin_namespace](const Url &next) {
        check_allowed(plugin_namespace, next);
    };
    FetchResult result;
    for (unsigned attempt = 1;; ++attempt) {
        const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (remaining.count() <= 0) {
            throw FetchError(CCATTEST_E_TIMEOUT, url.text() + ": no answer within " +
                                                     std::to_string(timeout.count()) + " ms");
        }
        http.timeout = remaining;
        requests.fetch_add(1, std::memory_order_relaxed);
        result.response = client.perform(http);
        result.attempts = attempt;
        const unsigned status = result.response.status;
        if ((status != 429 && status != 503) || attempt >= config.max_attempts) {
            break;
        }
        const milliseconds delay = retry_delay(result.response, attempt, config.initial_backoff);
        if (Clock::now() + delay >= deadline) {
            break; // no time left for another attempt: the last answer stands
        }
        std::this_thread::sleep_for(delay);
    }
    result.fetched_at = clock();
    return result;
}

void FetchService::State::store(const std::string &key, const Url &url, const FetchRequest &request,
                                FetchResult &result) const {
    if (!cache || result.response.status < 200 || result.response.status > 299) {
        return;
    }
    const auto fresh_until =
        fresh_until_from_headers(result.response, result.fetched_at, config.default_lifetime_s);
    if (!fresh_until) {
        return; // the server said no-store / no-cache
    }
    CacheEntry entry;
    entry.method = request.http.method;
    entry.url = url.text();
    entry.request_body_sha256 = body_sha256(request.http.body);
    entry.status = result.response.status;
    entry.body = result.response.body;
    entry.headers = result.response.headers;
    entry.fetched_at = result.fetched_at;
    entry.fresh_until = *fresh_until;
    try {
        cache->store(key, entry);
        result.fresh_until = *fresh_until;
    } catch (const std::exception &e) {
        logging::write(LogLevel::warning, component,
                       entry.method + " " + entry.url + ": not cached: " + e.what());
    }
}

// One network exchange per key at a time: later callers wait for the first one's outcome.
FetchResult FetchService::State::single_flight(std::string_view plugin_namespace,
                                               const FetchRequest &request, const Url &url,
                                               const std::string &key, bool &shared) {
    // Per namespace too: a redirect is checked against the allow-list of the caller that follows
    // it, so one namespace never receives what only another's allow-list admitted.
    const std::string flight = key + " " + std::string(plugin_namespace);
    std::promise<FetchResult> promise;
    std::shared_future<FetchResult> pending;
    {
        const std::lock_guard lock(flights_mutex);
        if (const auto found = flights.find(flight); found != flights.end()) {
            pending = found->second;
        } else {
            flights.emplace(flight, promise.get_future().share());
        }
    }
    if (pending.valid()) {
        shared = true;
        return pending.get(); // rethrows the first caller's FetchError
    }
    const auto finished = [this, &flight] {
        const std::lock_guard lock(flights_mutex);
        flights.erase(flight);
    };
    try {
        // A flight that ended between this caller's cache look-up and now stored its answer.
        std::optional<FetchResult> result;
        if (request.cache_allowed) {
            result = fresh(key, url, request.http.method);
        }
        if (!result) {
            result = fetch_with_retries(plugin_namespace, request, url);
            store(key, url, request, *result);
        }
        promise.set_value(*result);
        finished();
        return std::move(*result);
    } catch (...) {
        promise.set_exception(std::current_exception());
        finished();
        throw;
    }
}

FetchService::FetchService(NetworkConfig config, const std::filesystem::path &cache_folder,
                           std::function<int64_t()> clock)
    : state_(std::make_unique<State>(std::move(config), cache_folder, std::move(clock))) {}

FetchService::~FetchService() = default;

const NetworkConfig &FetchService::config() const noexcept {
    return state_->config;
}

const CollateralCache *FetchService::cache() const noexcept {
    return state_->cache ? &*state_->cache : nullptr;
}

uint64_t FetchService::network_requests() const noexcept {
    return state_->requests.load(std::memory_order_relaxed);
}

FetchResult FetchService::fetch(std::string_view plugin_namespace, const FetchRequest &request) {
    const CallLog log(plugin_namespace, request);
    std::string_view how = "cache miss";
    try {
        const Url url = validate(request);
        const std::string &method = request.http.method;
        const std::string key = CollateralCache::key_for(method, url.text(), request.http.body);
        if (request.offline_only) {
            how = "offline only";
            auto entry = state_->load(key, url, method);
            if (!entry) {
                throw FetchError(
                    CCATTEST_E_UNSUPPORTED,
                    url.text() + " is not in the collateral cache" +
                        (state_->cache ? "" : " (there is none: state_dir is not set)"));
            }
            FetchResult result = result_from(std::move(*entry));
            log.answered("cache hit (offline only)", result);
            return result;
        }
        if (request.cache_allowed) {
            if (auto hit = state_->fresh(key, url, method)) {
                log.answered("cache hit", *hit);
                return std::move(*hit);
            }
        }
        if (state_->config.mode == NetworkConfig::Mode::offline) {
            how = "offline";
            throw FetchError(CCATTEST_E_UNSUPPORTED,
                             "network.mode is offline: " + url.text() + " not fetched");
        }
        state_->check_allowed(plugin_namespace, url);
        bool shared = false;
        FetchResult result = state_->single_flight(plugin_namespace, request, url, key, shared);
        log.answered(result.from_cache ? "cache hit"
                     : shared          ? "cache miss (shared request)"
                                       : how,
                     result);
        return result;
    } catch (const FetchError &e) {
        log.failed(how, e);
        throw;
    }
}

bool FetchService::set_validity(std::string_view plugin_namespace, const FetchRequest &request,
                                int64_t valid_until) {
    const Url url = validate(request);
    if (!state_->cache) {
        return false;
    }
    const std::string key =
        CollateralCache::key_for(request.http.method, url.text(), request.http.body);
    const bool stored = state_->cache->set_fresh_until(key, valid_until);
    logging::write(
        LogLevel::info, component,
        std::string(plugin_namespace) + " " + request.http.method + " " + url.text() +
            (stored ? ": fresh until " + std::to_string(valid_until) + " (as the plugin states)"
                    : ": validity not set: nothing stored"));
    return stored;
}

} // namespace ccattest::net
