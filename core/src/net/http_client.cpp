// HttpClient: one HTTP(S) exchange with Boost.Beast over Asio and OpenSSL (see
// core/include/ccattest/core/network.hpp for the contract). Each exchange runs its operations one
// after another on its own io_context on the calling thread, each bounded by the exchange's
// deadline, so concurrent callers share nothing but the TLS context.
#include "ccattest/core/network.hpp"

#include <ccattest/support/files.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>

namespace ccattest::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t max_ca_file_size = size_t{4} << 20U;
// How long past the deadline an operation may take to report its own timeout.
constexpr std::chrono::milliseconds cancel_grace{200};

// Headers about the connection, the framing or the client's session, never about the document:
// not kept.
constexpr std::array<std::string_view, 10> dropped_headers = {
    "connection", "keep-alive",       "transfer-encoding",  "te",         "trailer",
    "upgrade",    "proxy-connection", "proxy-authenticate", "set-cookie", "content-length"};

struct Exchange {
    HttpResponse response;
    std::string location; ///< the Location header of a redirect
};

// Everything one exchange needs, by value: it outlives nothing of the caller's.
struct Plan {
    Url url;
    std::optional<Url> proxy;
    http::verb method = http::verb::get;
    std::string body;
    std::string content_type;
    Clock::time_point deadline;
    size_t body_limit = 0;
    std::string timeout_text; ///< "N ms", for messages
};

[[noreturn]] void fail(ccattest_status status, const Plan &plan, const std::string &what) {
    throw FetchError(status, plan.url.text() + ": " + what);
}

// Maps a failed network operation to the ABI's statuses.
[[noreturn]] void fail_operation(const Plan &plan, const std::string &stage,
                                 const boost::system::error_code &ec) {
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        Clock::now() >= plan.deadline) {
        fail(CCATTEST_E_TIMEOUT, plan, stage + ": no answer within " + plan.timeout_text);
    }
    if (ec == http::error::body_limit) {
        fail(CCATTEST_E_NO_MEMORY, plan,
             "response larger than " + std::to_string(plan.body_limit) + " bytes");
    }
    fail(CCATTEST_E_IO, plan, stage + ": " + ec.message());
}

bool is_redirect(unsigned status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The parts of a response the client keeps: status, body, the end-to-end headers, the Location.
Exchange exchange_of(http::response<http::string_body> message) {
    Exchange out;
    out.response.status = message.result_int();
    out.response.body = std::move(message.body());
    for (const auto &field : message) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const std::string_view value = field.value();
        if (!std::all_of(value.begin(), value.end(),
                         [](unsigned char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); })) {
            continue; // obs-text: no header a plugin needs is spelled that way
        }
        if (name == "location") {
            out.location = std::string(value);
        } else if (std::find(dropped_headers.begin(), dropped_headers.end(), name) ==
                       dropped_headers.end() &&
                   value.size() <= max_response_header_value &&
                   out.response.headers.size() < max_response_headers) {
            out.response.headers.emplace_back(name, std::string(value));
        }
    }
    return out;
}

// Runs one asynchronous operation on the exchange's private io_context until it completes or the
// deadline passes. Socket operations also end at the deadline through the stream's own expiry;
// this bound covers name resolution, which has none. Returns the operation's error, or
// beast::error::timeout when it did not complete in time.
template <typename Start>
boost::system::error_code run_one(asio::io_context &io, const Plan &plan, Start &&start) {
    std::optional<boost::system::error_code> outcome;
    std::forward<Start>(start)(
        [&outcome](const boost::system::error_code &ec, auto &&...) { outcome = ec; });
    io.restart();
    io.run_until(plan.deadline + cancel_grace);
    return outcome ? *outcome : boost::system::error_code(beast::error::timeout);
}

template <typename Stream>
Exchange send_and_receive(asio::io_context &io, Stream &stream, const Plan &plan) {
    // Through a plain-HTTP proxy the request names the whole URL; otherwise just the path.
    const bool absolute_form = plan.proxy && !plan.url.https();
    http::request<http::string_body> request(plan.method,
                                             absolute_form ? plan.url.text() : plan.url.target, 11);
    request.set(http::field::host, plan.url.authority());
    request.set(http::field::user_agent, "ccattest");
    request.set(http::field::accept, "*/*");
    request.set(http::field::connection, "close");
    if (plan.method == http::verb::post) {
        if (!plan.content_type.empty()) {
            request.set(http::field::content_type, plan.content_type);
        }
        request.body() = plan.body;
        request.prepare_payload();
    }
    if (const auto ec = run_one(io, plan, [&](auto handler) {
            http::async_write(stream, request, std::move(handler));
        })) {
        fail_operation(plan, "sending the request", ec);
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(plan.body_limit);
    if (const auto ec = run_one(io, plan, [&](auto handler) {
            http::async_read(stream, buffer, parser, std::move(handler));
        })) {
        fail_operation(plan, "reading the response", ec);
    }
    return exchange_of(parser.release());
}

// Asks the proxy for a tunnel to the URL's host and port (HTTP CONNECT).
void open_tunnel(asio::io_context &io, beast::tcp_stream &stream, const Plan &plan) {
    const std::string request = "CONNECT " + plan.url.host_and_port() +
                                " HTTP/1.1\r\nHost: " + plan.url.host_and_port() + "\r\n\r\n";
    if (const auto ec = run_one(io, plan, [&](auto handler) {
            asio::async_write(stream, asio::buffer(request), std::move(handler));
        })) {
        fail_operation(plan, "sending CONNECT to the proxy", ec);
    }
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    parser.skip(true); // a CONNECT answer has no body: the tunnel follows
    if (const auto ec = run_one(io, plan, [&](auto handler) {
            http::async_read_header(stream, buffer, parser, std::move(handler));
        })) {
        fail_operation(plan, "reading the proxy's CONNECT answer", ec);
    }
    const unsigned status = parser.get().result_int();
    if (status != 200) {
        fail(CCATTEST_E_IO, plan,
             "the proxy refused the tunnel (CONNECT answered HTTP " + std::to_string(status) + ")");
    }
    if (buffer.size() != 0) {
        fail(CCATTEST_E_IO, plan, "the proxy sent data before the TLS handshake");
    }
}

// The handshake's reason for a refused certificate, e.g. "certificate verify failed (unable to
// get local issuer certificate)".
std::string handshake_reason(SSL *session, const boost::system::error_code &ec) {
    const long verify = SSL_get_verify_result(session);
    if (verify != X509_V_OK) {
        return "certificate verify failed (" + std::string(X509_verify_cert_error_string(verify)) +
               ")";
    }
    return ec.message();
}

// Sets what the server's certificate must name: the host name (also sent as SNI), or the address.
void expect_peer(SSL *session, const Plan &plan) {
    X509_VERIFY_PARAM *param = SSL_get0_param(session);
    if (plan.url.host_is_ip()) {
        // SNI carries names only; the certificate must name the address itself.
        if (X509_VERIFY_PARAM_set1_ip_asc(param, plan.url.host.c_str()) != 1) {
            fail(CCATTEST_E_INTERNAL, plan, "cannot set the expected IP address");
        }
        return;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, plan.url.host.c_str(), plan.url.host.size()) != 1 ||
        SSL_set_tlsext_host_name(session, plan.url.host.c_str()) != 1) {
        fail(CCATTEST_E_INTERNAL, plan, "cannot set the expected host name");
    }
}

Exchange secure_exchange(asio::io_context &io, beast::tcp_stream tcp, ssl::context &context,
                         const Plan &plan) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), context);
    stream.set_verify_mode(ssl::verify_peer);
    expect_peer(stream.native_handle(), plan);
    if (const auto ec = run_one(io, plan, [&](auto handler) {
            stream.async_handshake(ssl::stream_base::client, std::move(handler));
        })) {
        if (ec == beast::error::timeout || Clock::now() >= plan.deadline) {
            fail_operation(plan, "TLS handshake", ec);
        }
        fail(CCATTEST_E_IO, plan,
             "TLS handshake failed: " + handshake_reason(stream.native_handle(), ec));
    }
    // No TLS shutdown: the response is complete by its length or chunking (a body that ends only
    // at the connection's end and is cut without close_notify reads as an error, never as data).
    return send_and_receive(io, stream, plan);
}

// One exchange on a private io_context, run on the calling thread.
Exchange exchange(ssl::context &context, const Plan &plan) {
    asio::io_context io;
    const Url &peer = plan.proxy ? *plan.proxy : plan.url;
    tcp::resolver resolver(io);
    tcp::resolver::results_type endpoints;
    if (const auto ec = run_one(io, plan, [&](auto handler) {
            resolver.async_resolve(
                peer.host, std::to_string(peer.port),
                [&endpoints, handler = std::move(handler)](const boost::system::error_code &error,
                                                           tcp::resolver::results_type found) {
                    endpoints = std::move(found);
                    handler(error);
                });
        })) {
        fail_operation(plan, "resolving " + peer.host, ec);
    }
    beast::tcp_stream tcp(io);
    tcp.expires_at(plan.deadline);
    if (const auto ec = run_one(
            io, plan, [&](auto handler) { tcp.async_connect(endpoints, std::move(handler)); })) {
        fail_operation(plan, "connecting to " + peer.host_and_port(), ec);
    }
    if (plan.proxy && plan.url.https()) {
        open_tunnel(io, tcp, plan);
    }
    if (plan.url.https()) {
        return secure_exchange(io, std::move(tcp), context, plan);
    }
    return send_and_receive(io, tcp, plan);
}

http::verb verb_of(const std::string &method) {
    if (method == "GET") {
        return http::verb::get;
    }
    if (method == "POST") {
        return http::verb::post;
    }
    throw FetchError(CCATTEST_E_INVALID_ARGUMENT, "method \"" + method + "\" is not GET or POST");
}

std::optional<Url> parse_proxy(const std::optional<std::string> &proxy) {
    if (!proxy) {
        return std::nullopt;
    }
    Url url;
    try {
        url = parse_url(*proxy);
    } catch (const FetchError &e) {
        throw FetchError(CCATTEST_E_CONFIG, std::string("network.proxy: ") + e.what());
    }
    if (url.https() || url.target != "/") {
        throw FetchError(CCATTEST_E_CONFIG, "network.proxy \"" + *proxy +
                                                "\": expected http://host:port (a plain-HTTP "
                                                "proxy, no path)");
    }
    return url;
}

void load_trust(ssl::context &context, const std::optional<std::filesystem::path> &ca_file) {
    if (!ca_file) {
        context.set_default_verify_paths();
        return;
    }
    std::string pem;
    try {
        pem = support::read_text_file(*ca_file, max_ca_file_size);
    } catch (const std::exception &e) {
        throw FetchError(CCATTEST_E_CONFIG, std::string("network.ca_file: ") + e.what());
    }
    boost::system::error_code ec;
    context.add_certificate_authority(asio::buffer(pem), ec);
    if (ec) {
        throw FetchError(CCATTEST_E_CONFIG, "network.ca_file " + ca_file->string() +
                                                ": no usable PEM certificate (" + ec.message() +
                                                ")");
    }
}

} // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto &[key, value] : headers) {
        if (key.size() == name.size() &&
            std::equal(key.begin(), key.end(), name.begin(), [](unsigned char a, unsigned char b) {
                return std::tolower(a) == std::tolower(b);
            })) {
            return value;
        }
    }
    return std::nullopt;
}

struct HttpClient::State {
    NetworkConfig config;
    ssl::context context{ssl::context::tls_client};
    std::optional<Url> proxy;
};

HttpClient::HttpClient(NetworkConfig config) : state_(std::make_unique<State>()) {
    state_->config = std::move(config);
    state_->proxy = parse_proxy(state_->config.proxy);
    auto &context = state_->context;
    if (SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION) != 1) {
        throw FetchError(CCATTEST_E_INTERNAL, "cannot require TLS 1.2 or newer");
    }
    context.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    context.set_verify_mode(ssl::verify_peer);
    load_trust(context, state_->config.ca_file);
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::perform(const HttpRequest &request) const {
    const auto timeout = request.timeout.count() > 0
                             ? std::min(request.timeout, state_->config.timeout)
                             : state_->config.timeout;
    Plan plan;
    plan.url = parse_url(request.url);
    plan.proxy = state_->proxy;
    plan.method = verb_of(request.method);
    plan.body = request.body;
    plan.content_type = request.content_type;
    plan.deadline = Clock::now() + timeout;
    plan.body_limit = state_->config.max_response_bytes;
    plan.timeout_text = std::to_string(timeout.count()) + " ms";
    for (unsigned redirects = 0;; ++redirects) {
        Exchange answer = exchange(state_->context, plan);
        if (!is_redirect(answer.response.status)) {
            answer.response.final_url = plan.url.text();
            return std::move(answer.response);
        }
        if (redirects == state_->config.max_redirects) {
            fail(CCATTEST_E_IO, plan,
                 "too many redirects (more than " + std::to_string(redirects) + ")");
        }
        Url next = resolve_location(plan.url, answer.location);
        if (plan.url.https() && !next.https()) {
            fail(CCATTEST_E_IO, plan, "redirect from https to http refused: " + next.text());
        }
        if (request.redirect_guard) {
            request.redirect_guard(next);
        }
        // 303 always, and 301/302 after a POST (what browsers do), continue with GET; 307 and
        // 308 repeat the request as it was.
        const unsigned status = answer.response.status;
        if (status == 303 ||
            ((status == 301 || status == 302) && plan.method == http::verb::post)) {
            plan.method = http::verb::get;
            plan.body.clear();
            plan.content_type.clear();
        }
        plan.url = std::move(next);
    }
}

} // namespace ccattest::net
