// The C edge (abi_fetch, abi_cache_validity) with a fake host table: argument checks, ownership
// through the host allocator (R4) and messages (R5).
#include "net_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdlib>
#include <cstring>

using ccattest::net::abi_cache_validity;
using ccattest::net::abi_fetch;
using ccattest::test::NetFixture;
using ccattest::test::Reply;
using ccattest::test::Server;
using ccattest::test::start_time;

namespace {

// A host allocator that counts, and can be told to fail from the n-th allocation on.
struct FakeHost {
    int allocations = 0;
    int frees = 0;
    int fail_from = -1;
    ccattest_host_api api{};

    FakeHost() {
        api.struct_size = sizeof api;
        api.host_context = this;
        api.alloc = [](void *context, size_t size) -> void * {
            auto *host = static_cast<FakeHost *>(context);
            if (size == 0 || (host->fail_from >= 0 && host->allocations >= host->fail_from)) {
                return nullptr;
            }
            ++host->allocations;
            return std::malloc(size);
        };
        api.free = [](void *context, void *pointer) {
            if (pointer != nullptr) {
                ++static_cast<FakeHost *>(context)->frees;
            }
            std::free(pointer);
        };
    }
    void release(ccattest_fetch_response &response) const {
        api.free(api.host_context, response.body.data);
        api.free(api.host_context, response.headers.data);
    }
};

std::string text_of(const ccattest_buffer &buffer) {
    return buffer.data == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char *>(buffer.data), buffer.size);
}

struct AbiFixture : NetFixture {
    FakeHost host;
    std::unique_ptr<ccattest::net::FetchService> fetcher = service();
    std::string url;
    ccattest_fetch_request request{};
    ccattest_fetch_response response{};
    std::array<char, 256> message{};

    AbiFixture() {
        server.handle("/doc", [](const Server::Request &) {
            return Reply{
                200, "document", {{"content-type", "text/plain"}, {"cache-control", "max-age=60"}}};
        });
        url = server.url("/doc");
        request.struct_size = sizeof request;
        request.method = CCATTEST_FETCH_GET;
        request.url = url.c_str();
        request.flags = CCATTEST_FETCH_CACHE_ALLOWED;
        // Garbage in the outputs: the edge must overwrite it.
        std::memset(&response, 0xA5, sizeof response);
        response.struct_size = sizeof response;
    }

    ccattest_status call() {
        return abi_fetch(*fetcher, "x-test", host.api, &request, &response, message.data(),
                         message.size());
    }

    // A refused call: the status, the message, buffers {NULL, 0} and nothing allocated.
    void expect_refused(ccattest_status status, const std::string &text) {
        BOOST_TEST(call() == status);
        BOOST_TEST(std::string(message.data()) == text);
        BOOST_TEST(response.body.data == nullptr);
        BOOST_TEST(response.body.size == 0u);
        BOOST_TEST(response.headers.data == nullptr);
        BOOST_TEST(response.headers.size == 0u);
        BOOST_TEST(host.allocations == host.frees);
    }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(abi_fetch_edge, AbiFixture)

BOOST_AUTO_TEST_CASE(a_fetch_fills_the_response_through_the_host_allocator) {
    BOOST_REQUIRE(call() == CCATTEST_OK);
    BOOST_TEST(response.http_status == 200u);
    BOOST_TEST(text_of(response.body) == "document");
    BOOST_TEST(text_of(response.headers) ==
               "content-type: text/plain\ncache-control: max-age=60\n");
    BOOST_TEST(response.source == CCATTEST_FETCH_FROM_NETWORK);
    BOOST_TEST(response.reserved0 == 0u);
    BOOST_TEST(response.fetched_at == start_time);
    BOOST_TEST(response.fresh_until == start_time + 60);
    BOOST_TEST(host.allocations == 2);
    host.release(response);

    BOOST_REQUIRE(call() == CCATTEST_OK);
    BOOST_TEST(response.source == CCATTEST_FETCH_FROM_CACHE);
    BOOST_TEST(text_of(response.body) == "document");
    host.release(response);
    BOOST_TEST(host.allocations == host.frees);
    BOOST_TEST(server.request_count("/doc") == 1u);
}

BOOST_AUTO_TEST_CASE(an_empty_body_is_null) {
    server.handle("/empty", [](const Server::Request &) { return Reply{204, ""}; });
    const std::string empty = server.url("/empty");
    request.url = empty.c_str();
    BOOST_REQUIRE(call() == CCATTEST_OK);
    BOOST_TEST(response.http_status == 204u);
    BOOST_TEST(response.body.data == nullptr);
    BOOST_TEST(response.body.size == 0u);
    BOOST_TEST(response.headers.data == nullptr);
    BOOST_TEST(host.allocations == 0);
}

BOOST_AUTO_TEST_CASE(structs_of_abi_1_0_size_are_refused) {
    request.struct_size = CCATTEST_FETCH_REQUEST_SIZE_1_1 - 4;
    expect_refused(CCATTEST_E_INVALID_ARGUMENT,
                   "request struct_size " + std::to_string(CCATTEST_FETCH_REQUEST_SIZE_1_1 - 4) +
                       " is smaller than the " + std::to_string(CCATTEST_FETCH_REQUEST_SIZE_1_1) +
                       " bytes of ABI 1.1's ccattest_fetch_request");
    request.struct_size = sizeof request;
    response.struct_size = CCATTEST_FETCH_RESPONSE_SIZE_1_1 - 8;
    message.fill('\0');
    BOOST_TEST(call() == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(message.data()) ==
               "response struct_size " + std::to_string(CCATTEST_FETCH_RESPONSE_SIZE_1_1 - 8) +
                   " is smaller than the " + std::to_string(CCATTEST_FETCH_RESPONSE_SIZE_1_1) +
                   " bytes of ABI 1.1's ccattest_fetch_response");
    BOOST_TEST(server.total_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(unknown_flags_and_methods_are_refused) {
    request.flags = CCATTEST_FETCH_CACHE_ALLOWED | (1u << 2);
    expect_refused(CCATTEST_E_INVALID_ARGUMENT, "unknown flag bits 0x4");
    request.flags = 0;
    request.method = 7;
    expect_refused(CCATTEST_E_INVALID_ARGUMENT,
                   "method 7 is neither CCATTEST_FETCH_GET nor CCATTEST_FETCH_POST");
    BOOST_TEST(server.total_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(null_and_oversized_arguments_are_refused) {
    request.url = nullptr;
    expect_refused(CCATTEST_E_INVALID_ARGUMENT, "url is NULL");
    const std::string long_url = "https://localhost/" + std::string(9000, 'a');
    request.url = long_url.c_str();
    expect_refused(CCATTEST_E_INVALID_ARGUMENT, "url is longer than 8192 bytes");
    request.url = url.c_str();
    request.method = CCATTEST_FETCH_POST;
    request.body_size = 3;
    expect_refused(CCATTEST_E_INVALID_ARGUMENT, "body is NULL but body_size is 3");
    const std::string big((size_t{1} << 20U) + 1, 'b');
    request.body = reinterpret_cast<const uint8_t *>(big.data());
    request.body_size = big.size();
    expect_refused(CCATTEST_E_INVALID_ARGUMENT, "body_size 1048577 exceeds 1048576 bytes");
    request.method = CCATTEST_FETCH_GET;
    request.body_size = 1;
    expect_refused(CCATTEST_E_INVALID_ARGUMENT,
                   "GET " + url + ": a body or content type is only sent with POST");
    BOOST_TEST(abi_fetch(*fetcher, "x-test", host.api, nullptr, &response, message.data(),
                         message.size()) == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(message.data()) == "request is NULL");
    BOOST_TEST(abi_fetch(*fetcher, "x-test", host.api, &request, nullptr, message.data(),
                         message.size()) == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(message.data()) == "response is NULL");
    BOOST_TEST(server.total_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(service_refusals_keep_their_status_and_message) {
    config.mode = ccattest::net::NetworkConfig::Mode::offline;
    fetcher = service();
    expect_refused(CCATTEST_E_UNSUPPORTED, "network.mode is offline: " + url + " not fetched");
    request.flags = CCATTEST_FETCH_OFFLINE_ONLY;
    expect_refused(CCATTEST_E_UNSUPPORTED, url + " is not in the collateral cache");
}

BOOST_AUTO_TEST_CASE(messages_are_truncated_to_the_buffer) {
    request.url = nullptr;
    std::array<char, 8> small{};
    small.fill('#');
    BOOST_TEST(abi_fetch(*fetcher, "x-test", host.api, &request, &response, small.data(), 5) ==
               CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(small.data(), 5) == std::string("url ", 4) + '\0');
    BOOST_TEST(small[5] == '#'); // nothing written past the given size
    BOOST_TEST(abi_fetch(*fetcher, "x-test", host.api, &request, &response, nullptr, 0) ==
               CCATTEST_E_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(a_failing_allocator_leaves_nothing_behind) {
    host.fail_from = 1; // the body gets memory, the headers do not
    expect_refused(CCATTEST_E_NO_MEMORY, "out of memory while handing over the response");
    BOOST_TEST(host.frees == 1);
}

BOOST_AUTO_TEST_CASE(cache_validity_through_the_edge) {
    BOOST_TEST(abi_cache_validity(*fetcher, "x-test", &request, start_time + 7200) ==
               CCATTEST_E_INVALID_ARGUMENT); // nothing stored yet
    BOOST_REQUIRE(call() == CCATTEST_OK);
    host.release(response);
    BOOST_TEST(abi_cache_validity(*fetcher, "x-test", &request, start_time + 7200) == CCATTEST_OK);
    now = start_time + 7000;
    BOOST_REQUIRE(call() == CCATTEST_OK);
    BOOST_TEST(response.source == CCATTEST_FETCH_FROM_CACHE);
    BOOST_TEST(response.fresh_until == start_time + 7200);
    host.release(response);
    request.flags = 1u << 5;
    BOOST_TEST(abi_cache_validity(*fetcher, "x-test", &request, 0) == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(abi_cache_validity(*fetcher, "x-test", nullptr, 0) == CCATTEST_E_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_SUITE_END()
