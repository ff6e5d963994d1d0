// The collateral cache (core/include/ccattest/core/network.hpp): one self-checking file per stored
// response under state_dir/collateral/, written whole or not at all, bounded in size, and discarded
// (then fetched again) whenever it does not read back exactly.
//
// An entry file is:
//   line 1: "ccattest-collateral-v1"
//   line 2: one JSON object, written compactly with its members in this order: method, url,
//           request_body_sha256, status, headers ([[name, value], ...]), fetched_at, fresh_until,
//           body_size, body_sha256
//   then:   the body, exactly body_size bytes, whose SHA-256 is body_sha256; nothing after it.
// The reader accepts only the exact bytes the writer produces, so an entry has one spelling.
#include "ccattest/core/network.hpp"

#include "ccattest/core/logging.hpp"

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ccattest::net {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view magic = "ccattest-collateral-v1";
constexpr std::string_view key_domain = "ccattest/collateral-key/v1";
constexpr std::string_view entry_suffix = ".entry";
constexpr std::string_view temporary_prefix = ".tmp-";
constexpr std::string_view lock_file_name = ".lock";
constexpr std::string_view component = "collateral";
// Bounds of what an entry may hold; anything beyond is damage, not collateral.
constexpr size_t max_header_line = size_t{64} << 10U;
constexpr int64_t max_body_size = int64_t{1} << 30;
constexpr size_t max_url_size = 8192;
constexpr size_t max_header_count = max_response_headers;
constexpr size_t max_header_value_size = max_response_header_value;
// The longest lifetime a response can claim: a larger max-age or a far Expires is not meant
// literally, and clamping keeps every sum below within int64_t.
constexpr int64_t max_lifetime = int64_t{1} << 31U;

std::string errno_text() {
    return std::strerror(errno);
}

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t *>(text.data()), text.size()};
}

std::string sha256_hex(std::string_view data) {
    return support::to_hex(support::sha256(bytes_of(data)));
}

bool is_lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_digest_hex(std::string_view text) {
    return text.size() == 64 && is_lower_hex(text);
}

// Characters HTTP allows in a header name, lower case only (the client lower-cases names).
bool is_header_name(std::string_view name) {
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               extra.find(c) != std::string_view::npos;
    });
}

bool has_line_break_or_nul(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// The key's input: the domain, a line break, then each part as "<decimal length>:<bytes>", so no
// two requests share an encoding. Text only, so an operator's tools can compute a key:
//   SHA-256("ccattest/collateral-key/v1\n" "3:GET" "<length>:<url>" "0:") for a GET.
std::string key_of_parts(std::string_view method, std::string_view url,
                         std::string_view body_sha256) {
    std::string input(key_domain);
    input += '\n';
    for (const std::string_view part : {method, url, body_sha256}) {
        input += std::to_string(part.size());
        input += ':';
        input += part;
    }
    return sha256_hex(input);
}

std::string body_digest_of(std::string_view body) {
    return body.empty() ? std::string() : sha256_hex(body);
}

std::string key_of_entry(const CacheEntry &entry) {
    return key_of_parts(entry.method, entry.url, entry.request_body_sha256);
}

void require_key(const std::string &key) {
    if (!is_digest_hex(key)) {
        throw std::invalid_argument("collateral cache: \"" + key.substr(0, 80) +
                                    "\" is not a cache key (64 lower-case hex digits)");
    }
}

// Everything an entry must satisfy, on the way in and on the way out.
void check_fields(const CacheEntry &entry) {
    const auto bad = [](const std::string &what) {
        throw std::runtime_error("collateral entry: " + what);
    };
    if (entry.method != "GET" && entry.method != "POST") {
        bad("method \"" + entry.method.substr(0, 16) + "\" is neither GET nor POST");
    }
    if (entry.url.empty() || entry.url.size() > max_url_size || has_line_break_or_nul(entry.url)) {
        bad("url is empty, longer than " + std::to_string(max_url_size) +
            " bytes or holds a line break");
    }
    if (!entry.request_body_sha256.empty() && !is_digest_hex(entry.request_body_sha256)) {
        bad("request_body_sha256 is neither empty nor 64 lower-case hex digits");
    }
    if (entry.status < 100 || entry.status > 599) {
        bad("status " + std::to_string(entry.status) + " is not an HTTP status (100-599)");
    }
    if (entry.headers.size() > max_header_count) {
        bad("more than " + std::to_string(max_header_count) + " headers");
    }
    for (const auto &[name, value] : entry.headers) {
        if (!is_header_name(name) || value.size() > max_header_value_size ||
            has_line_break_or_nul(value)) {
            bad("header \"" + name.substr(0, 64) +
                "\" is not a lower-case header name with a value of at most " +
                std::to_string(max_header_value_size) + " bytes and no line break");
        }
    }
    if (entry.fetched_at < 0 || entry.fresh_until < 0) {
        bad("fetched_at or fresh_until is negative");
    }
    if (static_cast<int64_t>(entry.body.size()) > max_body_size) {
        bad("the body is larger than " + std::to_string(max_body_size) + " bytes");
    }
}

// The second line, without its line break.
std::string header_line_of(const CacheEntry &entry, int64_t body_size,
                           const std::string &body_sha256) {
    json::array headers;
    for (const auto &[name, value] : entry.headers) {
        headers.push_back(json::array{json::string(name), json::string(value)});
    }
    json::object header;
    header["method"] = entry.method;
    header["url"] = entry.url;
    header["request_body_sha256"] = entry.request_body_sha256;
    header["status"] = entry.status;
    header["headers"] = std::move(headers);
    header["fetched_at"] = entry.fetched_at;
    header["fresh_until"] = entry.fresh_until;
    header["body_size"] = body_size;
    header["body_sha256"] = body_sha256;
    return json::serialize(header);
}

// An entry's fields read from its header line, before the body is looked at.
struct EntryHeader {
    CacheEntry entry; ///< without its body
    int64_t body_size = 0;
    std::string body_sha256;
};

const json::value &member(const json::object &object, std::string_view name) {
    const json::value *found = object.if_contains(name);
    if (found == nullptr) {
        throw std::runtime_error("collateral entry: the header has no \"" + std::string(name) +
                                 "\"");
    }
    return *found;
}

std::string string_member(const json::object &object, std::string_view name) {
    const json::value &value = member(object, name);
    if (!value.is_string()) {
        throw std::runtime_error("collateral entry: \"" + std::string(name) + "\" is not a string");
    }
    return std::string(value.get_string());
}

int64_t integer_member(const json::object &object, std::string_view name) {
    const json::value &value = member(object, name);
    if (!value.is_int64()) {
        throw std::runtime_error("collateral entry: \"" + std::string(name) +
                                 "\" is not an integer within int64");
    }
    return value.get_int64();
}

std::vector<std::pair<std::string, std::string>> headers_member(const json::object &object) {
    const json::value &value = member(object, "headers");
    if (!value.is_array() || value.get_array().size() > max_header_count) {
        throw std::runtime_error("collateral entry: \"headers\" is not an array of at most " +
                                 std::to_string(max_header_count) + " pairs");
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const json::value &pair : value.get_array()) {
        const json::array *items = pair.if_array();
        if (items == nullptr || items->size() != 2 || !(*items)[0].is_string() ||
            !(*items)[1].is_string()) {
            throw std::runtime_error(
                "collateral entry: a header is not a [name, value] pair of strings");
        }
        out.emplace_back(std::string((*items)[0].get_string()),
                         std::string((*items)[1].get_string()));
    }
    return out;
}

EntryHeader parse_header_line(std::string_view line) {
    json::value parsed;
    try {
        parsed = support::parse_json(line, 4);
    } catch (const std::runtime_error &error) {
        throw std::runtime_error(std::string("collateral entry: the header is not JSON: ") +
                                 error.what());
    }
    const json::object *object = parsed.if_object();
    if (object == nullptr) {
        throw std::runtime_error("collateral entry: the header is not a JSON object");
    }
    static const std::set<std::string_view> known = {
        "method",     "url",         "request_body_sha256", "status",     "headers",
        "fetched_at", "fresh_until", "body_size",           "body_sha256"};
    for (const auto &item : *object) {
        if (known.count(item.key()) == 0) {
            throw std::runtime_error("collateral entry: unknown header member \"" +
                                     std::string(item.key().substr(0, 64)) + "\"");
        }
    }
    EntryHeader header;
    CacheEntry &entry = header.entry;
    entry.method = string_member(*object, "method");
    entry.url = string_member(*object, "url");
    entry.request_body_sha256 = string_member(*object, "request_body_sha256");
    const int64_t status = integer_member(*object, "status");
    if (status < 100 || status > 599) {
        throw std::runtime_error("collateral entry: status " + std::to_string(status) +
                                 " is not an HTTP status (100-599)");
    }
    entry.status = static_cast<unsigned>(status);
    entry.headers = headers_member(*object);
    entry.fetched_at = integer_member(*object, "fetched_at");
    entry.fresh_until = integer_member(*object, "fresh_until");
    header.body_size = integer_member(*object, "body_size");
    header.body_sha256 = string_member(*object, "body_sha256");
    check_fields(entry);
    if (header.body_size < 0 || header.body_size > max_body_size) {
        throw std::runtime_error("collateral entry: body_size " + std::to_string(header.body_size) +
                                 " is out of range (0-" + std::to_string(max_body_size) + ")");
    }
    if (!is_digest_hex(header.body_sha256)) {
        throw std::runtime_error("collateral entry: body_sha256 is not 64 lower-case hex digits");
    }
    if (header_line_of(entry, header.body_size, header.body_sha256) != line) {
        throw std::runtime_error("collateral entry: the header is not written the way ccattest "
                                 "writes it (member order, spacing or escapes differ)");
    }
    return header;
}

// Splits an entry's bytes after the magic line into the header line and what follows it.
std::pair<std::string_view, std::string_view> split_entry(std::string_view bytes) {
    if (bytes.size() <= magic.size() || bytes.substr(0, magic.size()) != magic ||
        bytes[magic.size()] != '\n') {
        throw std::runtime_error("collateral entry: the first line is not \"" + std::string(magic) +
                                 "\"");
    }
    const std::string_view rest = bytes.substr(magic.size() + 1);
    const size_t end = rest.substr(0, max_header_line + 1).find('\n');
    if (end == std::string_view::npos) {
        throw std::runtime_error("collateral entry: the header line is missing or longer than " +
                                 std::to_string(max_header_line) + " bytes");
    }
    return {rest.substr(0, end), rest.substr(end + 1)};
}

int64_t saturating_add(int64_t base, int64_t seconds) {
    if (seconds > 0 && base > INT64_MAX - seconds) {
        return INT64_MAX;
    }
    return base + seconds;
}

// ---- freshness from headers ----

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) {
                   return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return lower(x) == lower(y);
           });
}

std::string_view trim(std::string_view text) {
    const size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string_view> header_values(const HttpResponse &response, std::string_view name) {
    std::vector<std::string_view> out;
    for (const auto &[header_name, value] : response.headers) {
        if (iequals(header_name, name)) {
            out.emplace_back(value);
        }
    }
    return out;
}

// A delta-seconds value: digits only; nullopt when not, clamped to max_lifetime.
std::optional<int64_t> delta_seconds(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    int64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = std::min(value * 10 + (c - '0'), max_lifetime);
    }
    return value;
}

struct CacheControl {
    bool no_store = false;
    bool no_cache = false;
    bool has_max_age = false;
    std::optional<int64_t> max_age; ///< nullopt when invalid or given twice
};

CacheControl parse_cache_control(const HttpResponse &response) {
    CacheControl out;
    for (const std::string_view value : header_values(response, "cache-control")) {
        size_t start = 0;
        while (start <= value.size()) {
            const size_t comma = std::min(value.find(',', start), value.size());
            const std::string_view directive = trim(value.substr(start, comma - start));
            start = comma + 1;
            const size_t equals = directive.find('=');
            const std::string_view name = trim(directive.substr(0, equals));
            if (iequals(name, "no-store")) {
                out.no_store = true;
            } else if (iequals(name, "no-cache")) {
                out.no_cache = true;
            } else if (iequals(name, "max-age")) {
                // Two max-age directives contradict each other: trust neither.
                out.max_age = out.has_max_age || equals == std::string_view::npos
                                  ? std::nullopt
                                  : delta_seconds(trim(directive.substr(equals + 1)));
                out.has_max_age = true;
            }
        }
    }
    return out;
}

int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
    year -= month <= 2 ? 1 : 0;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(year - era * 400);
    const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

std::optional<unsigned> digits_value(std::string_view text) {
    unsigned value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value;
}

// The one date form servers send today, "Sun, 06 Nov 1994 08:49:37 GMT", with its weekday
// checked; anything else (older forms, "0", "-1") is nullopt, which the caller treats as stale.
std::optional<int64_t> parse_http_date(std::string_view text) {
    static constexpr std::array<std::string_view, 7> weekdays = {"Thu", "Fri", "Sat", "Sun",
                                                                 "Mon", "Tue", "Wed"};
    static constexpr std::array<std::string_view, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
        text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
        return std::nullopt;
    }
    const auto month_at = std::find(months.begin(), months.end(), text.substr(8, 3));
    const auto day = digits_value(text.substr(5, 2));
    const auto year = digits_value(text.substr(12, 4));
    const auto hour = digits_value(text.substr(17, 2));
    const auto minute = digits_value(text.substr(20, 2));
    const auto second = digits_value(text.substr(23, 2));
    if (month_at == months.end() || !day || !year || !hour || !minute || !second || *hour > 23 ||
        *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    const auto month = static_cast<unsigned>(month_at - months.begin()) + 1;
    const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
    static constexpr std::array<unsigned, 12> lengths = {31, 28, 31, 30, 31, 30,
                                                         31, 31, 30, 31, 30, 31};
    const unsigned month_length = lengths[month - 1] + (month == 2 && leap ? 1 : 0);
    if (*day < 1 || *day > month_length) {
        return std::nullopt;
    }
    const int64_t days = days_from_civil(*year, month, *day);
    // 1970-01-01 was a Thursday.
    const auto weekday = static_cast<size_t>(((days % 7) + 7) % 7);
    if (text.substr(0, 3) != weekdays[weekday]) {
        return std::nullopt;
    }
    const unsigned clock = (*hour * 60 + *minute) * 60 + *second; // under 86,461
    return days * 86400 + clock;
}

// ---- files ----

// The cache folder must be the site's own: a folder someone else can write would let them feed
// collateral to every verifier of the site (collateral is verified anyway, but a cache that is
// not private is a misconfiguration worth stopping for). Returns false when the folder is missing
// and create is false.
bool check_folder(const fs::path &folder, bool create) {
    struct stat status {};
    if (::lstat(folder.c_str(), &status) != 0) {
        if (errno != ENOENT) {
            throw std::runtime_error(
                folder.string() + ": cannot inspect the collateral cache folder: " + errno_text());
        }
        if (!create) {
            return false;
        }
        std::error_code ec;
        if (folder.has_parent_path()) {
            fs::create_directories(folder.parent_path(), ec);
        }
        if (ec || (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) ||
            ::lstat(folder.c_str(), &status) != 0) {
            throw std::runtime_error(folder.string() +
                                     ": cannot create the collateral cache folder: " +
                                     (ec ? ec.message() : errno_text()));
        }
    }
    const std::string refused = folder.string() + ": refusing the collateral cache folder: ";
    const std::string why = "; whoever can write it could feed collateral to this site's "
                            "verifiers (collateral is verified, but the cache must be private)";
    if (S_ISLNK(status.st_mode)) {
        throw std::runtime_error(refused + "it is a symbolic link" + why);
    }
    if (!S_ISDIR(status.st_mode)) {
        throw std::runtime_error(refused + "it is not a folder");
    }
    if (status.st_uid != ::geteuid()) {
        throw std::runtime_error(refused + "it is owned by uid " + std::to_string(status.st_uid) +
                                 ", not by this user (uid " + std::to_string(::geteuid()) + ")" +
                                 why);
    }
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        std::array<char, 8> mode{};
        (void)std::snprintf(mode.data(), mode.size(), "%04o", status.st_mode & 07777U);
        throw std::runtime_error(refused + "it is writable by its group or by others (mode " +
                                 mode.data() + ")" + why);
    }
    return true;
}

// Holds the folder's inter-process lock (flock on ".lock") while alive; closing releases it.
// Each holder opens its own descriptor, so threads of one process exclude each other too.
class FolderLock {
public:
    explicit FolderLock(const fs::path &folder) {
        const fs::path file = folder / lock_file_name;
        descriptor_.reset(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!descriptor_.valid()) {
            throw std::runtime_error(
                file.string() + ": cannot open the collateral cache's lock file: " + errno_text());
        }
        while (::flock(descriptor_.get(), LOCK_EX) != 0) {
            if (errno != EINTR) {
                throw std::runtime_error(file.string() +
                                         ": cannot lock the collateral cache: " + errno_text());
            }
        }
    }

private:
    support::UniqueFd descriptor_;
};

void sync_folder(const fs::path &folder) {
    if (!support::sync_folder(folder)) {
        throw std::runtime_error(folder.string() +
                                 ": cannot sync the collateral cache folder: " + errno_text());
    }
}

void write_all(int descriptor, std::string_view bytes, const fs::path &file) {
    if (!support::write_all(descriptor, bytes)) {
        throw std::runtime_error(file.string() + ": write failed: " + errno_text());
    }
}

// Replaces `file` by `bytes` so that after a crash it holds either the old or the new bytes: a
// new file beside it (exclusive, 0600), written and synced, renamed over it, then the folder
// synced so the rename itself is durable. The folder lock is held.
void replace_file(const fs::path &file, std::string_view bytes) {
    std::array<uint8_t, 8> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw std::runtime_error("collateral cache: no random bytes for a temporary file name");
    }
    const fs::path temporary =
        file.parent_path() / (std::string(temporary_prefix) + support::to_hex(random));
    try {
        support::UniqueFd descriptor(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!descriptor.valid()) {
            throw std::runtime_error(temporary.string() + ": cannot create: " + errno_text());
        }
        write_all(descriptor.get(), bytes, temporary);
        if (::fsync(descriptor.get()) != 0 || ::close(descriptor.release()) != 0) {
            throw std::runtime_error(temporary.string() + ": cannot sync: " + errno_text());
        }
        if (::rename(temporary.c_str(), file.c_str()) != 0) {
            throw std::runtime_error(file.string() + ": cannot rename into place: " + errno_text());
        }
    } catch (...) {
        (void)::unlink(temporary.c_str());
        throw;
    }
    sync_folder(file.parent_path());
}

bool has_suffix(std::string_view name, std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

// The folder's file names (not paths), of entries and of leftover temporary files.
struct FolderListing {
    std::vector<std::string> entries;
    std::vector<std::string> temporaries;
};

FolderListing list_folder(const fs::path &folder) {
    FolderListing out;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.rfind(temporary_prefix, 0) == 0) {
            out.temporaries.push_back(std::move(name));
        } else if (has_suffix(name, entry_suffix)) {
            out.entries.push_back(std::move(name));
        }
    }
    if (ec) {
        throw std::runtime_error(folder.string() +
                                 ": cannot list the collateral cache: " + ec.message());
    }
    std::sort(out.entries.begin(), out.entries.end());
    return out;
}

// A crash between creating and renaming a temporary file leaves it behind; nobody else writes
// one while the folder lock is held, so every one found then is such a leftover.
void remove_leftovers(const fs::path &folder, const FolderListing &listing) {
    for (const std::string &name : listing.temporaries) {
        if (::unlink((folder / name).c_str()) == 0) {
            logging::write(LogLevel::info, component,
                           (folder / name).string() +
                               ": removed a temporary file left by an interrupted write");
        }
    }
}

std::string key_of_file_name(std::string_view name) {
    return std::string(name.substr(0, name.size() - entry_suffix.size()));
}

// What reading one entry file found.
struct ReadOutcome {
    std::optional<CacheEntry> entry;
    bool missing = false;
    std::string problem; ///< why the file is not a good entry (neither entry nor missing)
};

ReadOutcome read_entry(const fs::path &file, const std::string &key, size_t max_file_size) {
    ReadOutcome out;
    struct stat status {};
    if (::lstat(file.c_str(), &status) != 0) {
        if (errno == ENOENT) {
            out.missing = true;
        } else {
            out.problem = std::string("cannot inspect it: ") + errno_text();
        }
        return out;
    }
    if (!S_ISREG(status.st_mode)) {
        out.problem = "it is not a regular file";
        return out;
    }
    if (!is_digest_hex(key)) {
        out.problem = "its name is not a cache key";
        return out;
    }
    try {
        const support::Bytes bytes = support::read_file(file, max_file_size);
        CacheEntry entry = parse_cache_entry(
            std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
        if (key_of_entry(entry) != key) {
            out.problem = "it holds " + entry.method + " " + entry.url +
                          ", which is not the request its name stands for";
            return out;
        }
        out.entry = std::move(entry);
    } catch (const std::runtime_error &error) {
        out.problem = error.what();
    }
    return out;
}

void discard_locked(const fs::path &file, const std::string &problem) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
        logging::write(LogLevel::error, component,
                       file.string() + ": cannot remove a bad cache entry (" + problem +
                           "): " + errno_text());
        return;
    }
    logging::write(LogLevel::warning, component,
                   file.string() +
                       ": discarded a bad cache entry, never trusted; it will be "
                       "fetched again: " +
                       problem);
}

// Total size of the entry files and, per entry, when it was fetched (from its header alone, so
// eviction does not read every body). Entries whose header does not read are removed.
struct Candidate {
    std::string name;
    int64_t fetched_at = 0;
    uint64_t size = 0;
};

std::optional<Candidate> candidate_of(const fs::path &folder, const std::string &name) {
    const fs::path file = folder / name;
    const support::UniqueFd descriptor(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat status {};
    std::string problem;
    if (!descriptor.valid() || ::fstat(descriptor.get(), &status) != 0) {
        problem = std::string("cannot open it: ") + errno_text();
    } else {
        std::string prefix(magic.size() + 2 + max_header_line, '\0');
        const ssize_t got = ::pread(descriptor.get(), prefix.data(), prefix.size(), 0);
        try {
            prefix.resize(got > 0 ? static_cast<size_t>(got) : 0);
            const std::string_view line = split_entry(prefix).first;
            const auto header = parse_header_line(line);
            const auto expected =
                static_cast<uint64_t>(header.body_size) + magic.size() + 2 + line.size();
            if (static_cast<uint64_t>(status.st_size) != expected) {
                throw std::runtime_error("its size does not match its header");
            }
            return Candidate{name, header.entry.fetched_at, static_cast<uint64_t>(status.st_size)};
        } catch (const std::runtime_error &error) {
            problem = error.what();
        }
    }
    discard_locked(file, problem);
    return std::nullopt;
}

// Removes the least recently fetched entries (never `keep`, just stored) until the entries fit
// max_bytes. The folder lock is held.
void evict_locked(const fs::path &folder, size_t max_bytes, const std::string &keep) {
    std::vector<Candidate> candidates;
    uint64_t total = 0;
    for (const std::string &name : list_folder(folder).entries) {
        if (auto candidate = candidate_of(folder, name)) {
            total += candidate->size;
            if (name != keep) {
                candidates.push_back(std::move(*candidate));
            }
        }
    }
    std::sort(candidates.begin(), candidates.end(), [](const Candidate &a, const Candidate &b) {
        return a.fetched_at != b.fetched_at ? a.fetched_at < b.fetched_at : a.name < b.name;
    });
    size_t evicted = 0;
    for (const Candidate &candidate : candidates) {
        if (total <= max_bytes) {
            break;
        }
        if (::unlink((folder / candidate.name).c_str()) == 0 || errno == ENOENT) {
            total -= candidate.size;
            ++evicted;
        }
    }
    if (evicted > 0) {
        sync_folder(folder);
        logging::write(LogLevel::info, component,
                       folder.string() + ": evicted " + std::to_string(evicted) +
                           " least recently fetched entries to stay within " +
                           std::to_string(max_bytes) + " bytes");
    }
}

// Reads one entry file; a bad one is read again under the folder lock (a writer may have
// replaced it meanwhile) and, if still bad, discarded.
std::optional<CacheEntry> load_file(const fs::path &folder, const std::string &name,
                                    size_t max_file_size) {
    const fs::path file = folder / name;
    const std::string key = key_of_file_name(name);
    ReadOutcome outcome = read_entry(file, key, max_file_size);
    if (outcome.entry || outcome.missing) {
        return std::move(outcome.entry);
    }
    const FolderLock lock(folder);
    outcome = read_entry(file, key, max_file_size);
    if (!outcome.entry && !outcome.missing) {
        discard_locked(file, outcome.problem);
    }
    return std::move(outcome.entry);
}

} // namespace

// ---- the entry format ----

CacheEntry parse_cache_entry(std::string_view bytes) {
    const auto [line, body] = split_entry(bytes);
    EntryHeader header = parse_header_line(line);
    if (body.size() != static_cast<uint64_t>(header.body_size)) {
        throw std::runtime_error("collateral entry: the body has " + std::to_string(body.size()) +
                                 " bytes, the header says " + std::to_string(header.body_size) +
                                 (body.size() < static_cast<uint64_t>(header.body_size)
                                      ? " (truncated)"
                                      : " (trailing bytes)"));
    }
    if (sha256_hex(body) != header.body_sha256) {
        throw std::runtime_error(
            "collateral entry: the body's SHA-256 does not match the header (damaged)");
    }
    header.entry.body = std::string(body);
    return std::move(header.entry);
}

std::string serialize_cache_entry(const CacheEntry &entry) {
    check_fields(entry);
    std::string out(magic);
    out += '\n';
    out += header_line_of(entry, static_cast<int64_t>(entry.body.size()), sha256_hex(entry.body));
    out += '\n';
    out += entry.body;
    return out;
}

std::optional<int64_t> fresh_until_from_headers(const HttpResponse &response, int64_t fetched_at,
                                                int64_t default_lifetime) {
    const CacheControl control = parse_cache_control(response);
    if (control.no_store) {
        return std::nullopt;
    }
    if (control.no_cache) {
        return fetched_at;
    }
    if (control.has_max_age) {
        return control.max_age ? saturating_add(fetched_at, *control.max_age) : fetched_at;
    }
    const auto expires = header_values(response, "expires");
    if (expires.size() > 1) {
        return fetched_at; // contradicting dates: stale
    }
    if (expires.size() == 1) {
        const auto date = parse_http_date(trim(expires.front()));
        if (!date || *date <= fetched_at) {
            return fetched_at;
        }
        return std::min(*date, saturating_add(fetched_at, max_lifetime));
    }
    return saturating_add(fetched_at, std::clamp<int64_t>(default_lifetime, 0, max_lifetime));
}

// ---- the cache ----

CollateralCache::CollateralCache(fs::path folder, size_t max_bytes)
    : folder_(std::move(folder)), max_bytes_(max_bytes) {
    if (folder_.empty()) {
        throw std::invalid_argument("collateral cache: no folder given");
    }
    (void)check_folder(folder_, false);
}

std::string CollateralCache::key_for(std::string_view method, std::string_view url,
                                     std::string_view body) {
    return key_of_parts(method, url, body_digest_of(body));
}

std::optional<CacheEntry> CollateralCache::load(const std::string &key) const {
    require_key(key);
    if (!check_folder(folder_, false)) {
        return std::nullopt;
    }
    return load_file(folder_, key + std::string(entry_suffix), max_bytes_);
}

void CollateralCache::store(const std::string &key, const CacheEntry &entry) const {
    require_key(key);
    if (key_of_entry(entry) != key) {
        throw std::invalid_argument(
            "collateral cache: the entry for " + entry.method + " " + entry.url +
            " does not belong under key " + key +
            " (request_body_sha256 is the body's SHA-256, \"\" when empty)");
    }
    const std::string bytes = serialize_cache_entry(entry);
    if (bytes.size() > max_bytes_) {
        throw std::runtime_error("the entry's " + std::to_string(bytes.size()) +
                                 " bytes exceed the collateral cache's bound of " +
                                 std::to_string(max_bytes_) + " bytes");
    }
    (void)check_folder(folder_, true);
    const FolderLock lock(folder_);
    remove_leftovers(folder_, list_folder(folder_));
    const std::string name = key + std::string(entry_suffix);
    replace_file(folder_ / name, bytes);
    evict_locked(folder_, max_bytes_, name);
}

bool CollateralCache::set_fresh_until(const std::string &key, int64_t fresh_until) const {
    require_key(key);
    if (!check_folder(folder_, false)) {
        return false;
    }
    const FolderLock lock(folder_);
    const fs::path file = folder_ / (key + std::string(entry_suffix));
    ReadOutcome outcome = read_entry(file, key, max_bytes_);
    if (!outcome.entry) {
        if (!outcome.missing) {
            discard_locked(file, outcome.problem);
        }
        return false;
    }
    outcome.entry->fresh_until = fresh_until;
    replace_file(file, serialize_cache_entry(*outcome.entry));
    return true;
}

std::vector<CacheEntry> CollateralCache::list() const {
    std::vector<CacheEntry> out;
    if (!check_folder(folder_, false)) {
        return out;
    }
    for (const std::string &name : list_folder(folder_).entries) {
        if (auto entry = load_file(folder_, name, max_bytes_)) {
            out.push_back(std::move(*entry));
        }
    }
    std::sort(out.begin(), out.end(), [](const CacheEntry &a, const CacheEntry &b) {
        return std::tie(a.url, a.method, a.request_body_sha256) <
               std::tie(b.url, b.method, b.request_body_sha256);
    });
    return out;
}

size_t CollateralCache::clear() const {
    if (!check_folder(folder_, false)) {
        return 0;
    }
    const FolderLock lock(folder_);
    const FolderListing listing = list_folder(folder_);
    remove_leftovers(folder_, listing);
    size_t removed = 0;
    for (const std::string &name : listing.entries) {
        if (::unlink((folder_ / name).c_str()) == 0) {
            ++removed;
        } else if (errno != ENOENT) {
            throw std::runtime_error((folder_ / name).string() +
                                     ": cannot remove: " + errno_text());
        }
    }
    sync_folder(folder_);
    return removed;
}

} // namespace ccattest::net
