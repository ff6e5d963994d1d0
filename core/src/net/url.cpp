// Strict parsing of the absolute http(s) URLs plugins ask the host to fetch (see
// core/include/ccattest/core/network.hpp). Anything unusual is refused rather than guessed at:
// the allow-list is checked against the host parsed here, so two readings of one URL must not
// exist.
#include "ccattest/core/network.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>

namespace ccattest::net {
namespace {

constexpr size_t max_host_length = 253;
constexpr unsigned long max_port = 65535;

[[noreturn]] void bad_url(std::string_view text, const std::string &why) {
    throw FetchError(CCATTEST_E_INVALID_ARGUMENT,
                     "invalid URL \"" + printable(text, 200) + "\": " + why);
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

void check_characters(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c <= 0x20 || c >= 0x7f) {
            bad_url(text, "a space, control or non-ASCII character at offset " + std::to_string(i));
        }
    }
}

bool valid_name(std::string_view host) {
    return std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
    });
}

uint16_t parse_port(std::string_view url, std::string_view digits) {
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
        bad_url(url, "port \"" + std::string(digits) + "\" is not a number from 1 to 65535");
    }
    const unsigned long port = std::stoul(std::string(digits));
    if (port == 0 || port > max_port) {
        bad_url(url, "port " + std::string(digits) + " is not from 1 to 65535");
    }
    return static_cast<uint16_t>(port);
}

// Splits "host", "host:port", "[v6]" or "[v6]:port" and checks each part.
void parse_authority(std::string_view url, std::string_view authority, Url &out) {
    if (authority.empty()) {
        bad_url(url, "no host");
    }
    if (authority.find('@') != std::string_view::npos) {
        bad_url(url, "user information (\"user@\") is not allowed");
    }
    std::string_view host = authority;
    std::string_view port;
    if (authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            bad_url(url, "unterminated IPv6 address");
        }
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                bad_url(url, "unexpected characters after the IPv6 address");
            }
            port = after.substr(1);
        }
        boost::system::error_code ec;
        const auto address = boost::asio::ip::make_address_v6(std::string(host), ec);
        if (ec) {
            bad_url(url, "\"" + std::string(host) + "\" is not an IPv6 address");
        }
        out.host = address.to_string();
    } else {
        if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
        }
        if (host.empty() || host.size() > max_host_length || !valid_name(host) ||
            host.front() == '.' || host.front() == '-') {
            bad_url(url, "\"" + std::string(host) + "\" is not a host name");
        }
        out.host = lower(host);
    }
    if (authority.back() == ':' || !port.empty()) {
        out.port = parse_port(url, port);
    }
}

} // namespace

std::string printable(std::string_view text, size_t limit) {
    std::string out;
    for (const char c : text.substr(0, limit)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) {
            static constexpr std::string_view digits = "0123456789abcdef";
            out += "\\x";
            out += digits[byte >> 4U];
            out += digits[byte & 15U];
        } else {
            out += c;
        }
    }
    return text.size() > limit ? out + "..." : out;
}

bool Url::host_is_ip() const {
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address(host, ec);
    return !ec;
}

std::string Url::authority() const {
    const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    const uint16_t default_port = https() ? 443 : 80;
    return port == default_port ? name : name + ":" + std::to_string(port);
}

std::string Url::host_and_port() const {
    const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return name + ":" + std::to_string(port);
}

std::string Url::text() const {
    return scheme + "://" + authority() + target;
}

Url parse_url(std::string_view text) {
    if (text.empty()) {
        throw FetchError(CCATTEST_E_INVALID_ARGUMENT, "invalid URL: empty");
    }
    if (text.size() > max_url_length) {
        throw FetchError(CCATTEST_E_INVALID_ARGUMENT,
                         "invalid URL: longer than " + std::to_string(max_url_length) + " bytes");
    }
    check_characters(text);
    const size_t separator = text.find("://");
    if (separator == std::string_view::npos) {
        bad_url(text, "not an absolute http:// or https:// URL");
    }
    Url url;
    url.scheme = lower(text.substr(0, separator));
    if (url.scheme != "http" && url.scheme != "https") {
        bad_url(text, "scheme \"" + url.scheme + "\" is not http or https");
    }
    url.port = url.https() ? 443 : 80;
    std::string_view rest = text.substr(separator + 3);
    const size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    parse_authority(text, rest.substr(0, authority_end), url);
    rest = rest.substr(authority_end);
    rest = rest.substr(0, std::min(rest.find('#'), rest.size())); // never sent to a server
    url.target = rest.empty() || rest.front() != '/' ? "/" + std::string(rest) : std::string(rest);
    return url;
}

Url resolve_location(const Url &base, std::string_view location) {
    if (location.empty()) {
        throw FetchError(CCATTEST_E_IO, base.text() + ": redirect without a Location header");
    }
    std::string absolute;
    const size_t scheme_end = location.find("://");
    const size_t first_slash = location.find('/');
    if (scheme_end != std::string_view::npos && scheme_end < first_slash) {
        absolute = std::string(location);
    } else if (location.rfind("//", 0) == 0) {
        absolute = base.scheme + ":" + std::string(location);
    } else if (location.front() == '/') {
        absolute = base.scheme + "://" + base.authority() + std::string(location);
    } else {
        const std::string path = base.target.substr(0, base.target.find('?'));
        absolute = base.scheme + "://" + base.authority() + path.substr(0, path.rfind('/') + 1) +
                   std::string(location);
    }
    try {
        return parse_url(absolute);
    } catch (const FetchError &e) {
        throw FetchError(CCATTEST_E_IO, base.text() + ": unusable redirect: " + e.what());
    }
}

} // namespace ccattest::net
