// The loopback test server (see https_test_server.hpp): one io_context thread, one coroutine per
// connection, one request per connection (the server always answers "Connection: close").
#include "support/https_test_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace ccattest::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto session_timeout = std::chrono::seconds(10);
constexpr size_t max_request_body = size_t{1} << 20U;
constexpr size_t relay_chunk = 16384;

// ---- a throw-away PKI: one CA, one server certificate ----

struct KeyDeleter {
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
    void operator()(X509 *cert) const { X509_free(cert); }
};
struct BioDeleter {
    void operator()(BIO *bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

void require(bool ok, const char *what) {
    if (!ok) {
        throw std::runtime_error(std::string("test PKI: ") + what + " failed");
    }
}

Key make_key() {
    Key key(EVP_EC_gen("P-256"));
    require(key != nullptr, "EC key generation");
    return key;
}

void add_extension(X509 *cert, X509 *issuer, int nid, const std::string &value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    require(extension != nullptr, "certificate extension");
    const int added = X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
    require(added == 1, "adding an extension");
}

Cert make_certificate(const std::string &common_name, EVP_PKEY *key, X509 *issuer, long serial) {
    Cert cert(X509_new());
    require(cert != nullptr, "X509_new");
    require(X509_set_version(cert.get(), 2) == 1, "version");
    require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1, "serial");
    require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600) != nullptr, "notAfter");
    X509_NAME *name = X509_get_subject_name(cert.get());
    require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char *>(common_name.c_str()),
                                       -1, -1, 0) == 1,
            "subject");
    require(X509_set_issuer_name(cert.get(),
                                 issuer != nullptr ? X509_get_subject_name(issuer) : name) == 1,
            "issuer");
    require(X509_set_pubkey(cert.get(), key) == 1, "public key");
    X509 *signer = issuer != nullptr ? issuer : cert.get();
    if (issuer == nullptr) {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
    }
    return cert;
}

void sign(X509 *cert, EVP_PKEY *key) {
    require(X509_sign(cert, key, EVP_sha256()) > 0, "signing");
}

std::string pem_of(X509 *cert) {
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
    require(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM encoding");
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<size_t>(size)};
}

std::string pem_of(EVP_PKEY *key) {
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
    require(
        bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "key PEM encoding");
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<size_t>(size)};
}

struct Pki {
    std::string ca_pem;
    std::string server_pem;
    std::string server_key_pem;
};

std::string subject_alt_names(const std::vector<std::string> &names) {
    std::string out;
    for (const auto &name : names) {
        boost::system::error_code ec;
        (void)asio::ip::make_address(name, ec);
        out += (out.empty() ? "" : ",") + std::string(ec ? "DNS:" : "IP:") + name;
    }
    return out;
}

Pki make_pki(const std::vector<std::string> &names) {
    const Key ca_key = make_key();
    // A name of its own: a client that trusts another server's CA finds no issuer at all.
    std::array<unsigned char, 8> tag{};
    require(RAND_bytes(tag.data(), static_cast<int>(tag.size())) == 1, "RAND_bytes");
    std::string name = "ccattest test CA ";
    for (const unsigned char byte : tag) {
        name += "0123456789abcdef"[byte >> 4U];
        name += "0123456789abcdef"[byte & 15U];
    }
    const Cert ca = make_certificate(name, ca_key.get(), nullptr, 1);
    sign(ca.get(), ca_key.get());
    const Key server_key = make_key();
    const Cert server =
        make_certificate(names.empty() ? "server" : names.front(), server_key.get(), ca.get(), 2);
    add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    if (!names.empty()) {
        add_extension(server.get(), ca.get(), NID_subject_alt_name, subject_alt_names(names));
    }
    sign(server.get(), ca_key.get());
    return {pem_of(ca.get()), pem_of(server.get()), pem_of(server_key.get())};
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace

std::optional<std::string> HttpsTestServer::Request::header(std::string_view name) const {
    const std::string wanted = lower(name);
    for (const auto &[key, value] : headers) {
        if (key == wanted) {
            return value;
        }
    }
    return std::nullopt;
}

struct HttpsTestServer::Impl {
    Options options;
    Pki pki;
    asio::io_context io;
    ssl::context tls{ssl::context::tls_server};
    tcp::acceptor acceptor{io};
    std::thread thread;
    mutable std::mutex mutex; // guards handlers, counts, connect_targets
    std::map<std::string, Handler> handlers;
    std::map<std::string, size_t> counts;
    std::vector<std::string> connect_targets;
    size_t total = 0;
    bool stopped = false;

    explicit Impl(Options settings) : options(std::move(settings)) {
        if (options.tls) {
            pki = make_pki(options.certificate_names);
            tls.use_certificate_chain(asio::buffer(pki.server_pem));
            tls.use_private_key(asio::buffer(pki.server_key_pem), ssl::context::pem);
        }
        acceptor.open(tcp::v4());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind({asio::ip::make_address_v4("127.0.0.1"), 0});
        acceptor.listen();
        asio::co_spawn(io, accept_loop(), asio::detached);
        thread = std::thread([this] { io.run(); });
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
            if (ec) {
                co_return;
            }
            asio::co_spawn(io, session(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> session(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        stream.expires_after(session_timeout);
        if (!options.tls) {
            co_await serve(stream, &stream);
            co_return;
        }
        beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), tls);
        auto [ec] = co_await secure.async_handshake(ssl::stream_base::server, use_tuple);
        if (!ec) {
            co_await serve(secure, nullptr);
        }
    }

    Reply answer(const Request &request) {
        Handler handler;
        {
            const std::lock_guard lock(mutex);
            ++counts[request.path];
            ++total;
            if (const auto found = handlers.find(request.path); found != handlers.end()) {
                handler = found->second;
            }
        }
        if (!handler) {
            return {404, "no handler for " + request.path};
        }
        try {
            return handler(request);
        } catch (const std::exception &e) {
            return {500, std::string("handler failed: ") + e.what()};
        }
    }

    // `plain` is the TCP stream when there is no TLS (CONNECT needs the raw socket).
    template <typename Stream>
    asio::awaitable<void> serve(Stream &stream, beast::tcp_stream *plain) {
        beast::flat_buffer buffer;
        http::request_parser<http::string_body> parser;
        parser.body_limit(max_request_body);
        auto [read_error, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (read_error) {
            co_return;
        }
        const auto &message = parser.get();
        if (message.method() == http::verb::connect && plain != nullptr && options.connect_proxy) {
            co_await tunnel(*plain, std::string(message.target()));
            co_return;
        }
        Request request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        request.path = request.target.substr(0, request.target.find('?'));
        request.body = message.body();
        for (const auto &field : message) {
            request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
        }
        const Reply reply = answer(request);
        if (reply.delay.count() > 0) {
            asio::steady_timer timer(co_await asio::this_coro::executor, reply.delay);
            (void)co_await timer.async_wait(use_tuple);
        }
        http::response<http::string_body> response(static_cast<http::status>(reply.status), 11);
        for (const auto &[name, value] : reply.headers) {
            response.set(name, value);
        }
        response.set(http::field::connection, "close");
        response.body() = reply.body;
        response.prepare_payload();
        // Not limited by the (test-made) delay.
        beast::get_lowest_layer(stream).expires_after(session_timeout);
        (void)co_await http::async_write(stream, response, use_tuple);
    }

    // A CONNECT tunnel to a loopback port: answer 200, then relay bytes both ways until either
    // side closes.
    asio::awaitable<void> tunnel(beast::tcp_stream &client, std::string target) {
        {
            const std::lock_guard lock(mutex);
            connect_targets.push_back(target);
            ++total;
        }
        const size_t colon = target.rfind(':');
        const std::string host = target.substr(0, colon);
        uint16_t port = 0;
        try {
            port = static_cast<uint16_t>(std::stoul(target.substr(colon + 1)));
        } catch (const std::exception &) {
            port = 0;
        }
        if (colon == std::string::npos || port == 0 ||
            (host != "127.0.0.1" && host != "localhost")) {
            http::response<http::empty_body> refused(http::status::forbidden, 11);
            (void)co_await http::async_write(client, refused, use_tuple);
            co_return;
        }
        beast::tcp_stream upstream(co_await asio::this_coro::executor);
        upstream.expires_after(session_timeout);
        auto [connect_error] = co_await upstream.async_connect(
            tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port), use_tuple);
        if (connect_error) {
            http::response<http::empty_body> failed(http::status::bad_gateway, 11);
            (void)co_await http::async_write(client, failed, use_tuple);
            co_return;
        }
        static constexpr std::string_view established =
            "HTTP/1.1 200 Connection established\r\n\r\n";
        (void)co_await asio::async_write(client, asio::buffer(established), use_tuple);
        auto executor = co_await asio::this_coro::executor;
        // Both streams live in this frame: it waits for the other direction before leaving.
        bool other_done = false;
        asio::steady_timer other_finished(executor, asio::steady_timer::time_point::max());
        asio::co_spawn(executor, relay(upstream, client, &other_done, &other_finished),
                       asio::detached);
        co_await relay(client, upstream, nullptr, nullptr);
        if (!other_done) {
            (void)co_await other_finished.async_wait(use_tuple); // cancelled when it ends
        }
    }

    // Copies bytes until either side stops, then half-closes `to`; reports its end through
    // finished/signal when given.
    static asio::awaitable<void> relay(beast::tcp_stream &from, beast::tcp_stream &to,
                                       bool *finished, asio::steady_timer *signal) {
        std::vector<char> chunk(relay_chunk);
        for (;;) {
            from.expires_after(session_timeout);
            auto [read_error, count] =
                co_await from.async_read_some(asio::buffer(chunk), use_tuple);
            if (read_error) {
                break;
            }
            to.expires_after(session_timeout);
            auto [write_error, written] =
                co_await asio::async_write(to, asio::buffer(chunk.data(), count), use_tuple);
            if (write_error) {
                break;
            }
        }
        beast::error_code ignored;
        to.socket().shutdown(tcp::socket::shutdown_send, ignored);
        if (finished != nullptr && signal != nullptr) {
            *finished = true;
            signal->cancel();
        }
    }
};

HttpsTestServer::HttpsTestServer() : HttpsTestServer(Options{}) {}

HttpsTestServer::HttpsTestServer(Options options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpsTestServer::~HttpsTestServer() {
    stop();
}

void HttpsTestServer::handle(const std::string &path, Handler handler) {
    const std::lock_guard lock(impl_->mutex);
    impl_->handlers[path] = std::move(handler);
}

uint16_t HttpsTestServer::port() const noexcept {
    boost::system::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

std::string HttpsTestServer::url(std::string_view path, std::string_view host) const {
    return std::string(impl_->options.tls ? "https://" : "http://") + std::string(host) + ":" +
           std::to_string(port()) + std::string(path);
}

const std::string &HttpsTestServer::ca_pem() const noexcept {
    return impl_->pki.ca_pem;
}

std::filesystem::path HttpsTestServer::write_ca_file(const std::filesystem::path &folder) const {
    auto file = folder / ("test-ca-" + std::to_string(port()) + ".pem");
    std::ofstream(file) << impl_->pki.ca_pem;
    return file;
}

size_t HttpsTestServer::request_count(const std::string &path) const {
    const std::lock_guard lock(impl_->mutex);
    const auto found = impl_->counts.find(path);
    return found == impl_->counts.end() ? 0 : found->second;
}

size_t HttpsTestServer::total_requests() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->total;
}

std::vector<std::string> HttpsTestServer::connect_targets() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->connect_targets;
}

void HttpsTestServer::stop() {
    if (impl_->stopped) {
        return;
    }
    impl_->stopped = true;
    impl_->io.stop();
    if (impl_->thread.joinable()) {
        impl_->thread.join();
    }
    // Closed only once the serving thread is gone: a close posted before io.stop() may never run,
    // and a socket left listening would take connections that are never answered.
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
}

} // namespace ccattest::test
