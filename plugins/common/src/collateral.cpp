#include "ccattest/support/collateral.hpp"

#include <ccattest/support/files.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <mutex>

namespace ccattest::support {
using sdk::failure;
namespace fs = std::filesystem;

struct CollateralSource::Refusals {
    static constexpr size_t max_remembered = 1024;
    std::mutex mutex;
    std::map<std::string, std::pair<int64_t, std::string>> until; ///< URL -> (time, reason)
    bool logged = false;
};

namespace {

constexpr size_t message_size = 1024;

// The buffers of one fetch answer, released through the host's allocator (R4).
class FetchAnswer {
public:
    explicit FetchAnswer(const ccattest_host_api &api) : api_(api) {
        response.struct_size = sizeof(response);
    }
    ~FetchAnswer() {
        api_.free(api_.host_context, response.body.data);
        api_.free(api_.host_context, response.headers.data);
    }
    FetchAnswer(const FetchAnswer &) = delete;
    FetchAnswer &operator=(const FetchAnswer &) = delete;

    [[nodiscard]] Bytes body() const {
        return response.body.data == nullptr
                   ? Bytes{}
                   : Bytes(response.body.data, response.body.data + response.body.size);
    }
    [[nodiscard]] std::string headers() const {
        return response.headers.data == nullptr
                   ? std::string()
                   : std::string(reinterpret_cast<const char *>(response.headers.data),
                                 response.headers.size);
    }

    ccattest_fetch_response response{};

private:
    const ccattest_host_api &api_;
};

// The host's request for `query`: GET, or POST with its body and content type. It points into
// `query`, which must outlive it.
ccattest_fetch_request request_for(const CollateralQuery &query, uint32_t timeout_ms) {
    if (query.post_body.empty() && !query.content_type.empty()) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT, "collateral query for " + query.what +
                                                       ": content type \"" + query.content_type +
                                                       "\" without a POST body");
    }
    ccattest_fetch_request request{};
    request.struct_size = sizeof(request);
    request.method = query.post_body.empty() ? CCATTEST_FETCH_GET : CCATTEST_FETCH_POST;
    request.url = query.url.c_str();
    if (!query.post_body.empty()) {
        request.body = query.post_body.data();
        request.body_size = query.post_body.size();
        request.content_type = query.content_type.empty() ? nullptr : query.content_type.c_str();
    }
    request.timeout_ms = timeout_ms;
    request.flags = CCATTEST_FETCH_CACHE_ALLOWED;
    return request;
}

// A non-2xx answer as a miss: "not there" (404, 410) is a plain miss, a rate limit the host's
// retries did not outlast is a timeout, anything else an I/O failure.
CollateralLookup http_miss(const CollateralQuery &query, uint32_t http_status) {
    CollateralLookup out;
    if (http_status == 429 || http_status == 503) {
        out.miss_reason = query.url + " answered HTTP " + std::to_string(http_status) +
                          " (rate limited or busy) after the host's retries";
        out.miss_status = CCATTEST_E_TIMEOUT;
    } else {
        out.miss_reason = query.url + " answered HTTP " + std::to_string(http_status);
        out.miss_status = http_status == 404 || http_status == 410 ? CCATTEST_OK : CCATTEST_E_IO;
    }
    return out;
}

} // namespace

std::string_view provenance_name(Provenance provenance) noexcept {
    switch (provenance) {
    case Provenance::directory: return "directory";
    case Provenance::cache: return "cache";
    case Provenance::network: return "network";
    }
    return "unknown";
}

CollateralSource::CollateralSource(Host host, std::vector<fs::path> directories,
                                   size_t max_file_size, uint32_t timeout_ms)
    : host_(host), directories_(std::move(directories)), max_file_size_(max_file_size),
      timeout_ms_(timeout_ms), refusals_(std::make_shared<Refusals>()) {}

std::optional<CollateralItem>
CollateralSource::from_directories(const CollateralQuery &query) const {
    for (const fs::path &directory : directories_) {
        for (const fs::path &name : query.file_names) {
            const fs::path file = directory / name;
            std::error_code ec;
            if (fs::is_regular_file(file, ec)) {
                return CollateralItem{
                    read_file(file, max_file_size_), Provenance::directory, file.string(), 0, {}};
            }
        }
    }
    return std::nullopt;
}

CollateralLookup CollateralSource::find(const CollateralQuery &query) const {
    if (auto item = from_directories(query)) {
        return {std::move(item), {}, CCATTEST_OK};
    }
    if (query.url.empty()) {
        return {};
    }
    if (!host_.can_fetch()) {
        return {std::nullopt,
                "the host offers no network service (an ABI 1.0 host, or one without a network "
                "channel)",
                CCATTEST_OK};
    }
    {
        const std::lock_guard lock(refusals_->mutex);
        const auto found = refusals_->until.find(query.url);
        if (found != refusals_->until.end() && host_.now() < found->second.first) {
            return {std::nullopt, found->second.second, CCATTEST_OK, true};
        }
    }
    return fetch(query);
}

CollateralLookup CollateralSource::fetch(const CollateralQuery &query) const {
    const ccattest_host_api &api = *host_.api();
    const ccattest_fetch_request request = request_for(query, timeout_ms_);
    FetchAnswer answer(api);
    std::array<char, message_size> message{};
    const ccattest_status status =
        api.fetch(api.host_context, &request, &answer.response, message.data(), message.size());
    if (status == CCATTEST_E_UNSUPPORTED) {
        // The site's decision (offline, or this service not allowed): directories only for now.
        const std::string reason = std::string("not fetched: ") + message.data();
        const std::lock_guard lock(refusals_->mutex);
        if (refusals_->until.size() >= Refusals::max_remembered) {
            refusals_->until.clear();
        }
        refusals_->until[query.url] = {host_.now() + refusal_memory_s, reason};
        if (!refusals_->logged) {
            refusals_->logged = true;
            host_.log(CCATTEST_LOG_INFO,
                      "collateral: " + reason + "; using the offline collateral directories only");
        }
        return {std::nullopt, reason, CCATTEST_OK, true};
    }
    if (status != CCATTEST_OK) {
        return {std::nullopt, "fetching " + query.url + " failed: " + message.data(), status};
    }
    if (answer.response.http_status < 200 || answer.response.http_status > 299) {
        return http_miss(query, answer.response.http_status);
    }
    const Provenance provenance = answer.response.source == CCATTEST_FETCH_FROM_CACHE
                                      ? Provenance::cache
                                      : Provenance::network;
    host_.log(CCATTEST_LOG_DEBUG, "collateral: " + query.what + " from the " +
                                      std::string(provenance_name(provenance)) + ": " + query.url);
    return {CollateralItem{answer.body(), provenance, query.url, answer.response.fetched_at,
                           answer.headers()},
            {},
            CCATTEST_OK};
}

void CollateralSource::keep_until(const std::string &url, int64_t valid_until) const {
    CollateralQuery query;
    query.what = url;
    query.url = url;
    keep_until(query, valid_until);
}

void CollateralSource::keep_until(const CollateralQuery &query, int64_t valid_until) const {
    if (!host_.can_fetch()) {
        return;
    }
    const ccattest_host_api &api = *host_.api();
    const ccattest_fetch_request request = request_for(query, timeout_ms_);
    if (api.cache_validity(api.host_context, &request, valid_until) != CCATTEST_OK) {
        host_.log(CCATTEST_LOG_DEBUG, "collateral: the host's cache holds nothing for " +
                                          std::string(query.post_body.empty() ? "" : "POST ") +
                                          query.url);
    }
}

std::optional<std::string> CollateralItem::header(std::string_view name) const {
    // One "name: value" line per header; names compare case-insensitively (HTTP).
    size_t start = 0;
    while (start < headers.size()) {
        size_t end = headers.find('\n', start);
        if (end == std::string::npos) {
            end = headers.size();
        }
        const std::string_view line(headers.data() + start, end - start);
        const size_t colon = line.find(':');
        if (colon == name.size() &&
            std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
                value.remove_prefix(1);
            }
            return std::string(value);
        }
        start = end + 1;
    }
    return std::nullopt;
}

} // namespace ccattest::support
