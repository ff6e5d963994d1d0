#include "ccattest/core/plugin_library.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/digest.hpp"
#include "ccattest/core/logging.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/files.hpp>

#include <boost/dll/library_info.hpp>
#include <boost/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace ccattest {
namespace json = boost::json;

namespace {

constexpr size_t message_capacity = 1024;
constexpr size_t max_output_size = size_t{64} << 20U; // refuse absurd plugin outputs
constexpr size_t max_short_string = 256;
constexpr size_t max_schema_size = size_t{1} << 20U;

// Loaded libraries by file identity, so one file is loaded once per process (see
// PluginLibrary::open).
std::mutex cache_mutex;
std::map<std::pair<dev_t, ino_t>, std::weak_ptr<PluginLibrary>> library_cache;

std::string octal_mode(mode_t mode) {
    char text[8];
    (void)std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777U));
    return text;
}

// The name under which the kernel opens exactly the file behind a descriptor.
std::string descriptor_path(int descriptor) {
    return "/proc/self/fd/" + std::to_string(descriptor);
}

// Who may own a plugin file or a folder above it: root or whoever runs this process.
std::optional<std::string> owner_problem(const struct stat &status) {
    if (status.st_uid == 0 || status.st_uid == ::geteuid()) {
        return std::nullopt;
    }
    return "owned by uid " + std::to_string(status.st_uid) +
           ", neither root nor the current user (uid " + std::to_string(::geteuid()) + ")";
}

// A folder that someone else can write lets them rename another file into the plugin's place,
// unless it is sticky and root's (like /tmp): then only a file's owner may rename or remove it.
std::optional<std::string> folder_problem(const struct stat &status) {
    if (auto owner = owner_problem(status)) {
        return "is " + *owner;
    }
    const bool world = (status.st_mode & S_IWOTH) != 0;
    if (!world && (status.st_mode & S_IWGRP) == 0) {
        return std::nullopt;
    }
    const bool sticky = (status.st_mode & S_ISVTX) != 0;
    if (sticky && status.st_uid == 0) {
        return std::nullopt;
    }
    return std::string("is ") + (world ? "world" : "group") + "-writable (mode " +
           octal_mode(status.st_mode) + ")" +
           (sticky ? " and sticky, but not owned by root" : " and not sticky");
}

// Walks `file` the way the kernel resolves it, component by component, following symbolic links
// (the last one too, as open does), and checks every folder passed through: those holding the
// links as well as those the links lead to. Returns what the walk reached, for the caller to
// compare with the descriptor it opened.
struct stat check_folders(const std::filesystem::path &file, const std::string &name) {
    namespace fs = std::filesystem;
    std::vector<std::string> pending; // components still to walk, the next one last
    const auto push = [&pending](const fs::path &path) {
        std::vector<std::string> parts;
        for (const auto &part : path.relative_path()) {
            if (!part.empty() && part != ".") {
                parts.push_back(part.string());
            }
        }
        pending.insert(pending.end(), parts.rbegin(), parts.rend());
    };
    const auto inspect = [&name](const fs::path &path, bool follow) {
        struct stat status {};
        if ((follow ? ::stat(path.c_str(), &status) : ::lstat(path.c_str(), &status)) != 0) {
            throw LoadError("cannot inspect " + path.string() + " (on the way to " + name +
                            "): " + std::strerror(errno));
        }
        return status;
    };
    const auto check = [&name](const fs::path &folder, const struct stat &status) {
        if (const auto problem = folder_problem(status)) {
            throw LoadError("refusing " + name + ": folder " + folder.string() + " " + *problem);
        }
    };
    push(file.is_absolute() ? file : fs::current_path() / file);
    fs::path folder = "/";
    check(folder, inspect(folder, true));
    constexpr int max_links = 40; // what the kernel follows before it answers ELOOP
    int links = 0;
    while (!pending.empty()) {
        const std::string part = pending.back();
        pending.pop_back();
        if (part == "..") {
            folder = folder.parent_path(); // already checked: the walk came through it
            continue;
        }
        const fs::path next = folder / part;
        const struct stat status = inspect(next, false);
        if (S_ISLNK(status.st_mode)) {
            // A link's owner decides where it leads: in a sticky folder anyone may plant one.
            if (const auto problem = owner_problem(status)) {
                throw LoadError("refusing " + name + ": link " + next.string() + " is " + *problem);
            }
            if (++links > max_links) {
                throw LoadError("cannot open " + name +
                                ": too many levels of symbolic links (a link loop?)");
            }
            std::error_code ec;
            const fs::path target = fs::read_symlink(next, ec);
            if (ec) {
                throw LoadError("cannot read the link " + next.string() + " (on the way to " +
                                name + "): " + ec.message());
            }
            if (target.is_absolute()) {
                folder = "/";
            }
            push(target);
            continue;
        }
        if (pending.empty()) {
            return status;
        }
        check(next, status);
        folder = next;
    }
    return inspect(folder, true);
}

// Reads a plugin-provided string defensively: NULL or longer than `limit` is an error.
std::optional<std::string> bounded_string(const char *text, size_t limit) {
    if (text == nullptr) {
        return std::nullopt;
    }
    const size_t length = strnlen(text, limit + 1);
    if (length > limit) {
        return std::nullopt;
    }
    return std::string(text, length);
}

LogLevel level_from_abi(uint32_t level) {
    switch (level) {
    case CCATTEST_LOG_TRACE: return LogLevel::trace;
    case CCATTEST_LOG_DEBUG: return LogLevel::debug;
    case CCATTEST_LOG_INFO: return LogLevel::info;
    case CCATTEST_LOG_ERROR: return LogLevel::error;
    default: return LogLevel::warning;
    }
}

// Host services. host_context is the PluginLibrary that owns the table.
void host_log(void *host_context, uint32_t level, const char *message) noexcept {
    if (host_context == nullptr || message == nullptr) {
        return;
    }
    try {
        const auto *library = static_cast<const PluginLibrary *>(host_context);
        const auto text = bounded_string(message, 16384);
        logging::write(level_from_abi(level), "plugin:" + library->label(),
                       text ? *text : std::string("(log message longer than 16 KiB dropped)"));
    } catch (...) { // logging must never take the host down
    }
}

void *host_alloc(void * /*host_context*/, size_t size) noexcept {
    if (size == 0 || size > max_output_size) {
        return nullptr;
    }
    return std::malloc(size);
}

void host_free(void * /*host_context*/, void *pointer) noexcept {
    std::free(pointer);
}

int64_t host_now(void * /*host_context*/) noexcept {
    return static_cast<int64_t>(std::time(nullptr));
}

// The network service (ABI 1.1). The namespace that the allow-list is looked up under is the one
// from the plugin's checked table, so fetches are refused until that table has passed its checks.
const char *fetch_unavailable(const PluginLibrary &library) {
    if (!library.table_ready()) {
        return "the network service is not available during the entry call";
    }
    return library.network() ? nullptr : "this host offers no network service";
}

ccattest_status host_fetch(void *host_context, const ccattest_fetch_request *request,
                           ccattest_fetch_response *response, char *error_message,
                           size_t error_message_size) noexcept {
    const auto *library = static_cast<const PluginLibrary *>(host_context);
    if (library == nullptr) {
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    if (const char *reason = fetch_unavailable(*library)) {
        if (response != nullptr && response->struct_size >= CCATTEST_FETCH_RESPONSE_SIZE_1_1) {
            response->body = {nullptr, 0};
            response->headers = {nullptr, 0};
        }
        if (error_message != nullptr && error_message_size > 0) {
            (void)std::snprintf(error_message, error_message_size, "%s", reason);
        }
        return CCATTEST_E_UNSUPPORTED;
    }
    return net::abi_fetch(*library->network(), library->api().namespace_id, library->host_api(),
                          request, response, error_message, error_message_size);
}

ccattest_status host_cache_validity(void *host_context, const ccattest_fetch_request *request,
                                    int64_t valid_until) noexcept {
    const auto *library = static_cast<const PluginLibrary *>(host_context);
    if (library == nullptr) {
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    if (fetch_unavailable(*library) != nullptr) {
        return CCATTEST_E_UNSUPPORTED;
    }
    return net::abi_cache_validity(*library->network(), library->api().namespace_id, request,
                                   valid_until);
}

std::string abi_text(unsigned major, unsigned minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

std::string host_abi_range() {
    return abi_text(host_abi_major, host_abi_minor_min) + " to " +
           abi_text(host_abi_major, host_abi_minor_max);
}

// Smallest table a host needs for each minor of major 1 (index = minor).
constexpr std::array<size_t, 2> required_table_size = {CCATTEST_PLUGIN_API_SIZE_1_0,
                                                       CCATTEST_PLUGIN_API_SIZE_1_1};

} // namespace

// Both checks are written out rather than as std::regex: compiling the two expressions cost more
// than the rest of the table checks together, paid by every short-lived `ccattest` process.
bool is_valid_namespace(std::string_view text) {
    // x-[a-z0-9]+(-[a-z0-9]+)*, at most 64 characters
    if (text.size() > 64 || text.substr(0, 2) != "x-") {
        return false;
    }
    bool group_open = false; // inside a run of [a-z0-9]
    for (const char c : text.substr(2)) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            group_open = true;
        } else if (c == '-' && group_open) {
            group_open = false;
        } else {
            return false;
        }
    }
    return group_open;
}

namespace {

// Consumes a number without a leading zero: 0|[1-9][0-9]*.
bool take_number(std::string_view &text) {
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
        ++digits;
    }
    if (digits == 0 || (digits > 1 && text[0] == '0')) {
        return false;
    }
    text.remove_prefix(digits);
    return true;
}

bool ascii_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Consumes `marker` then [0-9A-Za-z.-]+ when the text starts with `marker`.
bool take_suffix(std::string_view &text, char marker) {
    if (text.empty() || text[0] != marker) {
        return true;
    }
    size_t length = 1;
    while (length < text.size() &&
           (ascii_alnum(text[length]) || text[length] == '.' || text[length] == '-')) {
        ++length;
    }
    if (length == 1) {
        return false;
    }
    text.remove_prefix(length);
    return true;
}

} // namespace

bool is_semantic_version(std::string_view text) {
    // MAJOR.MINOR.PATCH(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?
    for (int part = 0; part < 3; ++part) {
        if (!take_number(text)) {
            return false;
        }
        if (part < 2) {
            if (text.empty() || text[0] != '.') {
                return false;
            }
            text.remove_prefix(1);
        }
    }
    return take_suffix(text, '-') && take_suffix(text, '+') && text.empty();
}

std::vector<std::string> capability_names(uint64_t capabilities) {
    static const std::array<std::pair<uint64_t, const char *>, 7> names = {{
        {CCATTEST_CAP_GENERATE, "generate"},
        {CCATTEST_CAP_VERIFY, "verify"},
        {CCATTEST_CAP_BINDS_REPORT_DATA, "binds-report-data"},
        {CCATTEST_CAP_OFFLINE_VERIFY, "offline-verify"},
        {CCATTEST_CAP_NEEDS_NETWORK, "needs-network"},
        {CCATTEST_CAP_SERIALIZE, "serialize"},
        {CCATTEST_CAP_SOFTWARE_ONLY, "software-only"},
    }};
    std::vector<std::string> out;
    for (const auto &[bit, name] : names) {
        if ((capabilities & bit) != 0) {
            out.emplace_back(name);
        }
    }
    return out;
}

PluginLibrary::PluginLibrary(Options options, int descriptor)
    : options_(std::move(options)), descriptor_(descriptor) {}

PluginLibrary::~PluginLibrary() {
    const std::string loaded_as = descriptor_path(descriptor_);
    library_.unload();
    // The dynamic loader knows the library by its "/proc/self/fd/N" name. A library that stays
    // resident after dlclose (RTLD_NODELETE, unique symbols) keeps that name, so N stays open and
    // can never be reused for another file that the loader would then mistake for this one.
    if (void *resident = ::dlopen(loaded_as.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
        ::dlclose(resident);
        return;
    }
    ::close(descriptor_);
}

std::shared_ptr<PluginLibrary> PluginLibrary::open(Options options) {
    const std::string name = options.path.string();
    // O_NONBLOCK: a FIFO at the path must not block the open; the type is checked right after.
    support::UniqueFd file(::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (file.get() < 0) {
        throw LoadError("cannot open " + name + ": " + std::strerror(errno));
    }
    // Every check below is made on this descriptor, and this descriptor is what gets loaded.
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) {
        throw LoadError("cannot inspect " + name + ": " + std::strerror(errno));
    }
    if (!S_ISREG(status.st_mode)) {
        throw LoadError("refusing " + name + ": not a regular file");
    }
    if ((status.st_mode & S_IWOTH) != 0) {
        throw LoadError("refusing " + name + ": file is world-writable (mode " +
                        octal_mode(status.st_mode) + ")");
    }
    if ((status.st_mode & S_IWGRP) != 0) {
        throw LoadError("refusing " + name + ": file is group-writable (mode " +
                        octal_mode(status.st_mode) + ")");
    }
    if (const auto problem = owner_problem(status)) {
        throw LoadError("refusing " + name + ": " + *problem);
    }
    const struct stat reached = check_folders(options.path, name);
    if (reached.st_dev != status.st_dev || reached.st_ino != status.st_ino) {
        throw LoadError("refusing " + name + ": the file changed while it was being checked");
    }
    if (options.sha256) {
        std::string actual;
        try {
            actual = support::to_hex(sha256_of_descriptor(file.get()));
        } catch (const std::exception &e) {
            throw LoadError("cannot hash " + name + ": " + e.what());
        }
        if (actual != *options.sha256) {
            throw LoadError("refusing " + name + ": sha256 mismatch: the config pins " +
                            *options.sha256 + ", the file has " + actual);
        }
    }
    if (options.after_checks) {
        options.after_checks();
        options.after_checks = nullptr;
    }

    // A library that fails to load is destroyed only after the lock is released (declared first).
    std::shared_ptr<PluginLibrary> library;
    std::lock_guard lock(cache_mutex);
    for (auto it = library_cache.begin(); it != library_cache.end();) {
        it = it->second.expired() ? library_cache.erase(it) : std::next(it);
    }
    const auto identity = std::make_pair(status.st_dev, status.st_ino);
    if (const auto found = library_cache.find(identity); found != library_cache.end()) {
        if (auto existing = found->second.lock()) {
            if (options.network) {
                const std::lock_guard network_lock(existing->network_mutex_);
                existing->network_ = options.network;
            }
            return existing;
        }
    }
    library.reset(new PluginLibrary(std::move(options), file.release()));
    library->load();
    library_cache[identity] = library;
    return library;
}

void PluginLibrary::load() {
    const std::string name = options_.path.string();
    // Loading the checked descriptor through its /proc name, not the path: a file put at the path
    // after the checks is never loaded.
    const std::string loaded_as = descriptor_path(descriptor_);
    boost::system::error_code ec;
    library_.load(loaded_as, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                  ec);
    if (ec) {
        const char *detail = ::dlerror();
        std::string reason = detail != nullptr ? std::string(detail) : ec.message();
        if (reason.rfind(loaded_as + ": ", 0) == 0) { // the /proc name means nothing to a reader
            reason.erase(0, loaded_as.size() + 2);
        }
        throw LoadError("cannot load " + name + ": " + reason);
    }
    if (!library_.has(CCATTEST_ENTRY_SYMBOL)) {
        throw LoadError("refusing " + name +
                        ": no entry symbol " CCATTEST_ENTRY_SYMBOL
                        " (not a ccattest authorizer plugin)");
    }
    auto &entry =
        library_.get<std::remove_pointer_t<ccattest_authorizer_entry_fn>>(CCATTEST_ENTRY_SYMBOL);

    host_api_.struct_size = sizeof(ccattest_host_api);
    host_api_.abi_major = host_abi_major;
    host_api_.abi_minor_min = host_abi_minor_min;
    host_api_.abi_minor_max = host_abi_minor_max;
    host_api_.host_context = this;
    host_api_.log = host_log;
    host_api_.alloc = host_alloc;
    host_api_.free = host_free;
    host_api_.now = host_now;
    if (options_.network) {
        network_ = options_.network;
        host_api_.fetch = host_fetch;
        host_api_.cache_validity = host_cache_validity;
    }

    std::array<char, message_capacity> message{};
    const ccattest_plugin_api *table = nullptr;
    const ccattest_status status = entry(&host_api_, &table, message.data(), message.size());
    message.back() = '\0';
    if (status != CCATTEST_OK) {
        throw LoadError("refusing " + name + ": entry refused (" + sdk::status_name(status) +
                        "): " + (message[0] != '\0' ? message.data() : "no message given"));
    }
    if (table == nullptr) {
        throw LoadError("refusing " + name + ": entry returned success but no table");
    }
    const uint32_t table_size = table->struct_size;
    if (table_size < CCATTEST_STRUCT_SIZE_THROUGH(ccattest_plugin_api, abi_minor)) {
        throw LoadError("refusing " + name + ": table struct_size " + std::to_string(table_size) +
                        " is too small to hold a version");
    }
    if (table->abi_major != host_abi_major) {
        throw LoadError("refusing " + name + ": plugin is built for ABI " +
                        abi_text(table->abi_major, table->abi_minor) + ", this core speaks ABI " +
                        host_abi_range());
    }
    negotiated_minor_ = std::min<uint16_t>(table->abi_minor, host_abi_minor_max);
    if (negotiated_minor_ < host_abi_minor_min) {
        throw LoadError("refusing " + name + ": plugin is built for ABI " +
                        abi_text(table->abi_major, table->abi_minor) + ", this core speaks ABI " +
                        host_abi_range());
    }
    const size_t required = required_table_size.at(negotiated_minor_);
    if (table_size < required) {
        throw LoadError("refusing " + name + ": table struct_size " + std::to_string(table_size) +
                        " is smaller than the " + std::to_string(required) + " bytes ABI " +
                        abi_text(host_abi_major, negotiated_minor_) + " requires");
    }
    // Only what the negotiated minor defines is read (R2): slots a 1.0-negotiated table carries
    // past the 1.0 layout, whatever they hold, stay NULL in this zero-filled copy.
    static_assert(CCATTEST_PLUGIN_API_SIZE_1_1 == sizeof(ccattest_plugin_api));
    std::memcpy(&api_, table, required);
    if (table_size > required) {
        logging::write(LogLevel::debug, "loader",
                       name + ": table has " + std::to_string(table_size) + " bytes (ABI " +
                           abi_text(table->abi_major, table->abi_minor) + "); this core reads " +
                           std::to_string(required));
    }

    // Every mandatory field and slot of ABI 1.0, reported together.
    std::vector<std::string> missing;
    const std::array<std::pair<const char *, const char *>, 7> strings = {{
        {"name", api_.name},
        {"vendor", api_.vendor},
        {"plugin_version", api_.plugin_version},
        {"namespace_id", api_.namespace_id},
        {"token_format", api_.token_format},
        {"evidence_format", api_.evidence_format},
        {"config_schema", api_.config_schema},
    }};
    for (const auto &[field, value] : strings) {
        if (value == nullptr) {
            missing.push_back(std::string("field '") + field + "'");
        }
    }
    if (api_.create == nullptr) {
        missing.emplace_back("slot 'create'");
    }
    if (api_.destroy == nullptr) {
        missing.emplace_back("slot 'destroy'");
    }
    if ((api_.capabilities & CCATTEST_CAP_GENERATE) != 0 && api_.generate == nullptr) {
        missing.emplace_back("slot 'generate' (capabilities declare generate)");
    }
    if ((api_.capabilities & CCATTEST_CAP_VERIFY) != 0 && api_.verify == nullptr) {
        missing.emplace_back("slot 'verify' (capabilities declare verify)");
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto &m : missing) {
            list += (list.empty() ? "" : ", ") + m;
        }
        throw LoadError("refusing " + name + ": mandatory " + list + " is NULL");
    }
    if ((api_.capabilities & (CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY)) == 0) {
        throw LoadError("refusing " + name + ": capabilities declare neither generate nor verify");
    }
    for (const auto &[field, value] : strings) {
        const size_t limit =
            std::string_view(field) == "config_schema" ? max_schema_size : max_short_string;
        const auto text = bounded_string(value, limit);
        if (!text || text->empty()) {
            throw LoadError("refusing " + name + ": field '" + field + "' is " +
                            (text ? "empty" : "longer than " + std::to_string(limit) + " bytes"));
        }
    }
    const std::string namespace_id = api_.namespace_id;
    if (!is_valid_namespace(namespace_id)) {
        throw LoadError(
            "refusing " + name + ": invalid namespace \"" + namespace_id +
            "\": expected \"x-\" then lower-case letters, digits and single hyphens, at "
            "most 64 characters");
    }
    if (!is_semantic_version(api_.plugin_version)) {
        throw LoadError("refusing " + name + ": plugin_version \"" + api_.plugin_version +
                        "\" is not a semantic version (MAJOR.MINOR.PATCH)");
    }
    try {
        config_schema_.emplace(parse_json_text(api_.config_schema, "config_schema"));
    } catch (const std::exception &e) {
        throw LoadError("refusing " + name + ": its config schema is unusable: " + e.what());
    }

    table_ready_.store(true, std::memory_order_release);
}

const std::vector<std::string> &PluginLibrary::warnings() const {
    // Export hygiene (R1): anything besides the entry is reported, not refused. Read from the
    // checked descriptor, which stays open while the library is loaded.
    std::call_once(warnings_once_, [this] {
        try {
            boost::dll::library_info info(descriptor_path(descriptor_));
            std::vector<std::string> extra;
            for (auto &symbol : info.symbols()) {
                if (symbol != CCATTEST_ENTRY_SYMBOL && symbol.rfind("_", 0) != 0) {
                    extra.push_back(std::move(symbol));
                }
            }
            if (!extra.empty()) {
                std::string list;
                for (const auto &s : extra) {
                    list += (list.empty() ? "" : ", ") + s;
                }
                warnings_.push_back("exports " + std::to_string(extra.size()) +
                                    " symbol(s) besides " CCATTEST_ENTRY_SYMBOL ": " + list +
                                    " (build it with ccattest_add_authorizer_plugin to hide them)");
            }
        } catch (const std::exception &e) {
            warnings_.push_back(std::string("cannot read its symbol table: ") + e.what());
        }
    });
    return warnings_;
}

std::shared_ptr<net::FetchService> PluginLibrary::network() const {
    const std::lock_guard lock(network_mutex_);
    return network_;
}

Authorizer::Authorizer(std::shared_ptr<PluginLibrary> library, const json::object &config,
                       const std::string &origin_file, const std::string &origin_pointer)
    : library_(std::move(library)) {
    const json::value document(config);
    const auto violations = library_->config_schema().validate(document);
    if (!violations.empty()) {
        std::string text;
        for (const auto &v : violations) {
            text += (text.empty() ? "" : "\n") +
                    config_problem(origin_file, origin_pointer + "/config" + v.pointer, v.message);
        }
        throw LoadError(text);
    }
    const std::string config_text = json::serialize(document);
    std::array<char, message_capacity> message{};
    ccattest_instance *instance = nullptr;
    const ccattest_status status = library_->api().create(
        config_text.c_str(), config_text.size(), &instance, message.data(), message.size());
    message.back() = '\0';
    if (status != CCATTEST_OK) {
        throw LoadError("create failed (" + std::string(sdk::status_name(status)) +
                        "): " + (message[0] != '\0' ? message.data() : "no message given"));
    }
    if (instance == nullptr) {
        throw LoadError("create returned success but no instance");
    }
    instance_ = instance;
    if ((library_->api().capabilities & CCATTEST_CAP_SERIALIZE) != 0) {
        serialize_.emplace();
    }
}

Authorizer::~Authorizer() {
    library_->api().destroy(instance_);
}

template <typename Call> OperationResult Authorizer::run(Call &&call) {
    std::unique_lock<std::mutex> lock;
    if (serialize_) {
        lock = std::unique_lock(*serialize_);
    }
    std::array<char, message_capacity> message{};
    ccattest_buffer buffer{nullptr, 0};
    OperationResult result;
    result.status = call(&buffer, message.data(), message.size());
    message.back() = '\0';
    result.message = message.data();
    if (result.ok()) {
        if (buffer.data == nullptr || buffer.size == 0) {
            result.status = CCATTEST_E_INTERNAL;
            result.message = "plugin reported success but returned no output";
        } else {
            result.output.assign(buffer.data, buffer.data + buffer.size);
        }
        host_free(nullptr, buffer.data);
    } else {
        if (result.message.empty()) {
            result.message = "plugin gave no message";
        }
        if (buffer.data != nullptr) {
            // Contract violation (R4): not freed here, as it may already have been released.
            logging::write(LogLevel::warning, "plugin:" + library_->label(),
                           "returned an output with a failure status");
        }
    }
    return result;
}

OperationResult
Authorizer::generate(std::span<const uint8_t, CCATTEST_REPORT_DATA_SIZE> report_data) {
    const auto &api = library_->api();
    if (api.generate == nullptr || (api.capabilities & CCATTEST_CAP_GENERATE) == 0) {
        return {CCATTEST_E_UNSUPPORTED, "plugin cannot generate evidence", {}};
    }
    ccattest_generate_args args{};
    args.struct_size = sizeof args;
    args.report_data = report_data.data();
    return run([&](ccattest_buffer *out, char *message, size_t size) {
        return api.generate(instance_, &args, out, message, size);
    });
}

OperationResult Authorizer::verify(
    std::span<const uint8_t> token,
    std::optional<std::span<const uint8_t, CCATTEST_REPORT_DATA_SIZE>> expected_report_data,
    int64_t verification_time) {
    const auto &api = library_->api();
    if (api.verify == nullptr || (api.capabilities & CCATTEST_CAP_VERIFY) == 0) {
        return {CCATTEST_E_UNSUPPORTED, "plugin cannot verify evidence", {}};
    }
    if (token.empty()) {
        return {CCATTEST_E_INVALID_ARGUMENT, "empty token", {}};
    }
    ccattest_verify_args args{};
    args.struct_size = sizeof args;
    args.token = token.data();
    args.token_size = token.size();
    args.expected_report_data = expected_report_data ? expected_report_data->data() : nullptr;
    args.verification_time = verification_time;
    return run([&](ccattest_buffer *out, char *message, size_t size) {
        return api.verify(instance_, &args, out, message, size);
    });
}

} // namespace ccattest

namespace ccattest {

OperationResult Authorizer::inspect(std::span<const uint8_t> token) {
    const auto &api = library_->api();
    // inspect2 is NULL in the copy unless ABI 1.1 was negotiated (PluginLibrary::load).
    const bool use_inspect2 = library_->negotiated_minor() >= 1 && api.inspect2 != nullptr;
    if (!use_inspect2 && api.inspect == nullptr) {
        return {CCATTEST_E_UNSUPPORTED, "plugin offers no inspect", {}};
    }
    if (token.empty()) {
        return {CCATTEST_E_INVALID_ARGUMENT, "empty token", {}};
    }
    if (use_inspect2) {
        ccattest_inspect_args args{};
        args.struct_size = sizeof args;
        args.token = token.data();
        args.token_size = token.size();
        return run([&](ccattest_buffer *out, char *message, size_t size) {
            return api.inspect2(instance_, &args, out, message, size);
        });
    }
    return run([&](ccattest_buffer *out, char *message, size_t size) {
        return api.inspect(instance_, token.data(), token.size(), out, message, size);
    });
}

} // namespace ccattest
