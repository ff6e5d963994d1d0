// The C edge of the network service: ccattest_host_api.fetch and .cache_validity (ABI 1.1, see
// plugin_api/include/ccattest/authorizer.h). Everything a plugin passes is checked before it is
// read; outputs go through the host allocator (R4); failures leave {NULL, 0} and a message (R5).
#include "ccattest/core/network.hpp"

#include <cstdio>
#include <cstring>
#include <new>

namespace ccattest::net {
namespace {

constexpr uint32_t known_flags = CCATTEST_FETCH_CACHE_ALLOWED | CCATTEST_FETCH_OFFLINE_ONLY;

void write_message(char *buffer, size_t size, const std::string &text) noexcept {
    if (buffer == nullptr || size == 0) {
        return;
    }
    const size_t length = std::min(text.size(), size - 1);
    std::memcpy(buffer, text.data(), length);
    buffer[length] = '\0';
}

[[noreturn]] void refuse(const std::string &why) {
    throw FetchError(CCATTEST_E_INVALID_ARGUMENT, why);
}

// Reads a NUL-terminated string of at most `limit` bytes without reading past limit + 1.
std::string bounded(const char *text, size_t limit, const char *field) {
    const size_t length = strnlen(text, limit + 1);
    if (length > limit) {
        refuse(std::string(field) + " is longer than " + std::to_string(limit) + " bytes");
    }
    return {text, length};
}

// The C request, checked and read into C++.
FetchRequest read_request(const ccattest_fetch_request *request) {
    if (request == nullptr) {
        refuse("request is NULL");
    }
    if (request->struct_size < CCATTEST_FETCH_REQUEST_SIZE_1_1) {
        refuse("request struct_size " + std::to_string(request->struct_size) +
               " is smaller than the " + std::to_string(CCATTEST_FETCH_REQUEST_SIZE_1_1) +
               " bytes of ABI 1.1's ccattest_fetch_request");
    }
    if ((request->flags & ~known_flags) != 0) {
        char hex[16];
        (void)std::snprintf(hex, sizeof hex, "0x%x", request->flags & ~known_flags);
        refuse(std::string("unknown flag bits ") + hex);
    }
    if (request->url == nullptr) {
        refuse("url is NULL");
    }
    FetchRequest out;
    out.http.url = bounded(request->url, max_url_length, "url");
    if (request->method == CCATTEST_FETCH_GET) {
        out.http.method = "GET";
    } else if (request->method == CCATTEST_FETCH_POST) {
        out.http.method = "POST";
    } else {
        refuse("method " + std::to_string(request->method) +
               " is neither CCATTEST_FETCH_GET nor CCATTEST_FETCH_POST");
    }
    if (request->body_size > 0) {
        if (request->body == nullptr) {
            refuse("body is NULL but body_size is " + std::to_string(request->body_size));
        }
        if (request->body_size > max_request_body) {
            refuse("body_size " + std::to_string(request->body_size) + " exceeds " +
                   std::to_string(max_request_body) + " bytes");
        }
        out.http.body.assign(reinterpret_cast<const char *>(request->body), request->body_size);
    }
    if (request->content_type != nullptr) {
        out.http.content_type =
            bounded(request->content_type, max_content_type_length, "content_type");
    }
    out.http.timeout = std::chrono::milliseconds(request->timeout_ms);
    out.cache_allowed = (request->flags & CCATTEST_FETCH_CACHE_ALLOWED) != 0;
    out.offline_only = (request->flags & CCATTEST_FETCH_OFFLINE_ONLY) != 0;
    return out;
}

std::string header_lines(const HttpResponse &response) {
    std::string lines;
    for (const auto &[name, value] : response.headers) {
        lines.append(name).append(": ").append(value).append("\n");
    }
    return lines;
}

// Copies bytes into host memory; {NULL, 0} for none. Throws std::bad_alloc when alloc fails.
ccattest_buffer host_copy(const ccattest_host_api &host, std::string_view bytes) {
    if (bytes.empty()) {
        return {nullptr, 0};
    }
    auto *data = static_cast<uint8_t *>(host.alloc(host.host_context, bytes.size()));
    if (data == nullptr) {
        throw std::bad_alloc();
    }
    std::memcpy(data, bytes.data(), bytes.size());
    return {data, bytes.size()};
}

void fill_response(const ccattest_host_api &host, const FetchResult &result,
                   ccattest_fetch_response &response) {
    ccattest_buffer body = host_copy(host, result.response.body);
    try {
        response.headers = host_copy(host, header_lines(result.response));
    } catch (...) {
        host.free(host.host_context, body.data);
        throw;
    }
    response.body = body;
    response.http_status = result.response.status;
    response.source = result.from_cache ? CCATTEST_FETCH_FROM_CACHE : CCATTEST_FETCH_FROM_NETWORK;
    response.fetched_at = result.fetched_at;
    response.fresh_until = result.fresh_until;
}

void clear_response(ccattest_fetch_response &response) noexcept {
    response.http_status = 0;
    response.body = {nullptr, 0};
    response.headers = {nullptr, 0};
    response.source = 0;
    response.reserved0 = 0;
    response.fetched_at = 0;
    response.fresh_until = 0;
}

} // namespace

ccattest_status abi_fetch(FetchService &service, std::string_view plugin_namespace,
                          const ccattest_host_api &host, const ccattest_fetch_request *request,
                          ccattest_fetch_response *response, char *error_message,
                          size_t error_message_size) noexcept {
    try {
        if (response == nullptr) {
            refuse("response is NULL");
        }
        if (response->struct_size < CCATTEST_FETCH_RESPONSE_SIZE_1_1) {
            refuse("response struct_size " + std::to_string(response->struct_size) +
                   " is smaller than the " + std::to_string(CCATTEST_FETCH_RESPONSE_SIZE_1_1) +
                   " bytes of ABI 1.1's ccattest_fetch_response");
        }
        clear_response(*response);
        const FetchRequest parsed = read_request(request);
        const FetchResult result = service.fetch(plugin_namespace, parsed);
        fill_response(host, result, *response);
        return CCATTEST_OK;
    } catch (const FetchError &e) {
        write_message(error_message, error_message_size, e.what());
        return e.status();
    } catch (const std::bad_alloc &) {
        write_message(error_message, error_message_size,
                      "out of memory while handing over the response");
        return CCATTEST_E_NO_MEMORY;
    } catch (const std::exception &e) {
        write_message(error_message, error_message_size,
                      std::string("internal error in the network service: ") + e.what());
        return CCATTEST_E_INTERNAL;
    } catch (...) {
        write_message(error_message, error_message_size, "internal error in the network service");
        return CCATTEST_E_INTERNAL;
    }
}

ccattest_status abi_cache_validity(FetchService &service, std::string_view plugin_namespace,
                                   const ccattest_fetch_request *request,
                                   int64_t valid_until) noexcept {
    try {
        const FetchRequest parsed = read_request(request);
        return service.set_validity(plugin_namespace, parsed, valid_until)
                   ? CCATTEST_OK
                   : CCATTEST_E_INVALID_ARGUMENT;
    } catch (const FetchError &e) {
        return e.status();
    } catch (const std::bad_alloc &) {
        return CCATTEST_E_NO_MEMORY;
    } catch (const std::exception &) {
        return CCATTEST_E_IO; // the cache's file operations are all that throws here
    } catch (...) {
        return CCATTEST_E_INTERNAL;
    }
}

} // namespace ccattest::net
