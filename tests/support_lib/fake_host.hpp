// A host services table for tests of plugin-side code: malloc/free, a fixed clock, captured log
// lines and, on an ABI 1.1 table, a fetch answered by the test (no network).
#pragma once

#include <ccattest/authorizer.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace support_test {

class FakeHost {
public:
    /// What a test's fetch answers: a status; on CCATTEST_OK an HTTP status, body and source.
    struct Answer {
        ccattest_status status = CCATTEST_OK;
        uint32_t http_status = 200;
        std::string body;
        uint32_t source = CCATTEST_FETCH_FROM_NETWORK;
        std::string message; ///< the error message on failure
    };
    struct Request {
        uint32_t method;
        std::string url;
        uint32_t flags;
        uint32_t timeout_ms;
        std::string body;         ///< POST body ("" for none)
        std::string content_type; ///< "" when NULL
    };

    /// minor 1: the whole ABI 1.1 table (with fetch when `with_fetch`); minor 0: an ABI 1.0 table.
    explicit FakeHost(uint16_t minor = 1, bool with_fetch = true) {
        api.struct_size = minor >= 1 ? static_cast<uint32_t>(sizeof(api))
                                     : static_cast<uint32_t>(CCATTEST_HOST_API_SIZE_1_0);
        api.abi_major = 1;
        api.abi_minor_max = minor;
        api.host_context = this;
        api.log = [](void *context, uint32_t, const char *message) {
            static_cast<FakeHost *>(context)->logs.emplace_back(message);
        };
        api.alloc = [](void *, size_t size) { return size == 0 ? nullptr : std::malloc(size); };
        api.free = [](void *, void *pointer) { std::free(pointer); };
        api.now = [](void *context) { return static_cast<FakeHost *>(context)->clock; };
        if (minor >= 1 && with_fetch) {
            api.fetch = &FakeHost::fetch;
            api.cache_validity = &FakeHost::cache_validity;
        }
    }
    FakeHost(const FakeHost &) = delete;
    FakeHost &operator=(const FakeHost &) = delete;

    ccattest_host_api api{};
    int64_t clock = 1700000000; ///< what now() answers
    std::vector<std::string> logs;
    std::vector<Request> requests;
    std::vector<std::pair<std::string, int64_t>> validity;
    /// What each cache_validity call named (method and body too).
    std::vector<Request> validity_requests;
    std::string headers; ///< "name: value" lines every successful answer carries
    std::function<Answer(const Request &)> answer = [](const Request &) { return Answer{}; };

private:
    static ccattest_status fetch(void *context, const ccattest_fetch_request *request,
                                 ccattest_fetch_response *response, char *error_message,
                                 size_t error_message_size) {
        auto &self = *static_cast<FakeHost *>(context);
        self.requests.push_back(request_of(*request));
        const Answer answer = self.answer(self.requests.back());
        if (answer.status != CCATTEST_OK) {
            (void)std::snprintf(error_message, error_message_size, "%s", answer.message.c_str());
            return answer.status;
        }
        response->http_status = answer.http_status;
        response->source = answer.source;
        response->fetched_at = 1690000000;
        if (!answer.body.empty()) {
            response->body.data = static_cast<uint8_t *>(std::malloc(answer.body.size()));
            std::memcpy(response->body.data, answer.body.data(), answer.body.size());
            response->body.size = answer.body.size();
        }
        if (!self.headers.empty()) {
            response->headers.data = static_cast<uint8_t *>(std::malloc(self.headers.size()));
            std::memcpy(response->headers.data, self.headers.data(), self.headers.size());
            response->headers.size = self.headers.size();
        }
        return CCATTEST_OK;
    }
    static ccattest_status cache_validity(void *context, const ccattest_fetch_request *request,
                                          int64_t valid_until) {
        auto &self = *static_cast<FakeHost *>(context);
        self.validity.emplace_back(request->url, valid_until);
        self.validity_requests.push_back(request_of(*request));
        return CCATTEST_OK;
    }
    static Request request_of(const ccattest_fetch_request &request) {
        const auto *body = reinterpret_cast<const char *>(request.body);
        return {request.method,
                request.url,
                request.flags,
                request.timeout_ms,
                body == nullptr ? std::string() : std::string(body, request.body_size),
                request.content_type == nullptr ? std::string() : request.content_type};
    }
};

} // namespace support_test
