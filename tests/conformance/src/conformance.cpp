#include "ccattest/conformance.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/json_schema.hpp"

#include <ccattest/authorizer.h>
#include <ccattest/authorizer.hpp>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <regex>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

namespace ccattest::conformance {
namespace json = boost::json;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr size_t message_capacity = 1024;

// ---- the suite's own host
// ------------------------------------------------------------------------

// Host services that count what the plugin does with them: live allocations (so outputs that are
// never handed over, or handed over twice, show up) and log lines.
struct Host {
    ccattest_host_api api{};
    std::atomic<long> live_allocations{0};
    std::mutex log_mutex;
    std::vector<std::string> log;
    // The session's one time: tokens are issued and verified at the same instant, so a check that
    // runs after a second boundary still verifies what it generated.
    std::atomic<int64_t> fixed_now{0};
    // Calls of the network service slots (the ABI 1.1 checks install them).
    std::atomic<int> fetch_calls{0};

    Host() {
        api.struct_size = sizeof api;
        api.abi_major = CCATTEST_ABI_MAJOR;
        api.abi_minor_min = 0;
        api.abi_minor_max = CCATTEST_ABI_MINOR;
        api.host_context = this;
        api.log = [](void *context, uint32_t, const char *message) {
            auto *host = static_cast<Host *>(context);
            const std::lock_guard lock(host->log_mutex);
            if (host->log.size() < 1000 && message != nullptr) {
                host->log.emplace_back(message);
            }
        };
        api.alloc = [](void *context, size_t size) -> void * {
            if (size == 0 || size > (size_t{64} << 20U)) {
                return nullptr;
            }
            void *memory = std::malloc(size);
            if (memory != nullptr) {
                ++static_cast<Host *>(context)->live_allocations;
            }
            return memory;
        };
        api.free = [](void *context, void *pointer) {
            if (pointer != nullptr) {
                --static_cast<Host *>(context)->live_allocations;
                std::free(pointer);
            }
        };
        api.now = [](void *context) {
            const int64_t fixed = static_cast<Host *>(context)->fixed_now.load();
            return fixed != 0 ? fixed : static_cast<int64_t>(std::time(nullptr));
        };
    }
};

struct Buffer {
    Host *host;
    ccattest_buffer value{nullptr, 0};
    explicit Buffer(Host &h) : host(&h) {}
    ~Buffer() { host->api.free(host, value.data); }
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;
    [[nodiscard]] Bytes bytes() const { return {value.data, value.data + value.size}; }
};

struct Message {
    std::array<char, message_capacity> text{};
    [[nodiscard]] std::string str() const {
        return {text.data(), strnlen(text.data(), text.size())};
    }
};

// ---- the session: the library, its table, a working instance and a valid token
// -------------------

struct Session {
    Options options;
    Host host;
    // Hosts offered during negotiation probes: the ABI lets a plugin keep the host table until it
    // is unloaded, so they live as long as the library (declared before it, destroyed after it).
    std::deque<Host> probe_hosts;
    boost::dll::shared_library library;
    ccattest_authorizer_entry_fn entry = nullptr;
    std::string load_error;
    const ccattest_plugin_api *table = nullptr;
    ccattest_plugin_api api{}; // zero-filled copy of what the negotiated minor defines
    uint16_t minor = 0;        // the negotiated minor: min(table's, the suite's)
    std::string table_error;
    ccattest_status create_status = CCATTEST_E_INTERNAL;
    std::string create_error;
    std::optional<Bytes> token;
    std::array<uint8_t, 64> report_data{};
    std::string token_note;
    bool generated = false; // the token was generated here, with the session's host
    int64_t when = 0;

    [[nodiscard]] bool usable() const { return table != nullptr && table_error.empty(); }
    [[nodiscard]] bool creatable() const { return usable() && create_status == CCATTEST_OK; }
    [[nodiscard]] bool can_verify() const {
        return creatable() && api.verify != nullptr && token.has_value();
    }

    ccattest_status create(ccattest_instance **instance, std::string *error = nullptr) {
        Message message;
        const ccattest_status status =
            api.create(options.config_json.c_str(), options.config_json.size(), instance,
                       message.text.data(), message.text.size());
        if (error != nullptr) {
            *error = message.str();
        }
        return status;
    }

    ccattest_status verify(ccattest_instance *instance, const Bytes &bytes, const uint8_t *expected,
                           std::string *error = nullptr, Bytes *claims = nullptr) {
        ccattest_verify_args args{};
        args.struct_size = sizeof args;
        args.token = bytes.data();
        args.token_size = bytes.size();
        args.expected_report_data = expected;
        args.verification_time = when;
        Buffer out(host);
        Message message;
        const ccattest_status status =
            api.verify(instance, &args, &out.value, message.text.data(), message.text.size());
        if (error != nullptr) {
            *error = message.str();
        }
        if (claims != nullptr && status == CCATTEST_OK) {
            *claims = out.bytes();
        }
        return status;
    }
};

// An instance destroyed at scope exit.
struct Instance {
    Session &session;
    ccattest_instance *handle = nullptr;
    explicit Instance(Session &s) : session(s) { (void)session.create(&handle); }
    ~Instance() {
        if (handle != nullptr) {
            session.api.destroy(handle);
        }
    }
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;
};

CheckResult pass(std::string detail = {}) {
    return {{}, {}, Outcome::pass, std::move(detail)};
}
CheckResult fail(std::string detail) {
    return {{}, {}, Outcome::fail, std::move(detail)};
}
CheckResult skip(std::string detail) {
    return {{}, {}, Outcome::skip, std::move(detail)};
}

std::string status_text(ccattest_status status) {
    return std::string(sdk::status_name(status)) + " (" + std::to_string(status) + ")";
}

bool valid_message(const Message &message) {
    const size_t length = strnlen(message.text.data(), message.text.size());
    return length > 0 && length < message.text.size();
}

// The size of the plugin table ABI 1.`minor` defines (minors above the suite's: the suite's).
size_t table_size_for(uint16_t minor) {
    static_assert(CCATTEST_ABI_MINOR == 1, "add the new minor's table size here");
    return minor == 0 ? CCATTEST_PLUGIN_API_SIZE_1_0 : CCATTEST_PLUGIN_API_SIZE_1_1;
}

// What a host that negotiated `minor` reads of a table: a zero-filled copy of the part that minor
// defines (as PluginLibrary::load does), so slots past it read as NULL.
ccattest_plugin_api table_as_negotiated(const ccattest_plugin_api &table, uint16_t minor) {
    ccattest_plugin_api copy{};
    std::memcpy(&copy, &table, std::min<size_t>(table.struct_size, table_size_for(minor)));
    return copy;
}

void open_session(Session &s) {
    s.when = s.options.verification_time != 0 ? s.options.verification_time
                                              : static_cast<int64_t>(std::time(nullptr));
    s.host.fixed_now = s.when;
    boost::system::error_code ec;
    s.library.load(s.options.plugin.string(),
                   boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec) {
        s.load_error = "cannot load " + s.options.plugin.string() + ": " + ec.message();
        return;
    }
    if (!s.library.has(CCATTEST_ENTRY_SYMBOL)) {
        s.load_error = "no exported " CCATTEST_ENTRY_SYMBOL;
        return;
    }
    s.entry =
        &s.library.get<std::remove_pointer_t<ccattest_authorizer_entry_fn>>(CCATTEST_ENTRY_SYMBOL);
    Message message;
    const ccattest_status status =
        s.entry(&s.host.api, &s.table, message.text.data(), message.text.size());
    if (status != CCATTEST_OK || s.table == nullptr) {
        s.table = nullptr;
        s.table_error = "entry refused ABI 1.0-1." + std::to_string(CCATTEST_ABI_MINOR) + ": " +
                        status_text(status) + " " + message.str();
        return;
    }
    if (s.table->struct_size < CCATTEST_STRUCT_SIZE_THROUGH(ccattest_plugin_api, abi_minor) ||
        s.table->abi_major != CCATTEST_ABI_MAJOR) {
        s.table_error = "table is not for ABI major " + std::to_string(CCATTEST_ABI_MAJOR);
        return;
    }
    if (s.table->struct_size < CCATTEST_PLUGIN_API_SIZE_1_0) {
        s.table_error = "table struct_size " + std::to_string(s.table->struct_size) +
                        " is below the " + std::to_string(CCATTEST_PLUGIN_API_SIZE_1_0) +
                        " bytes of ABI 1.0";
        return;
    }
    s.minor = std::min<uint16_t>(s.table->abi_minor, CCATTEST_ABI_MINOR);
    s.api = table_as_negotiated(*s.table, s.minor);
    if (s.api.create == nullptr || s.api.destroy == nullptr) {
        s.table_error = "create or destroy is NULL";
        return;
    }
    ccattest_instance *instance = nullptr;
    s.create_status = s.create(&instance, &s.create_error);
    if (s.create_status != CCATTEST_OK || instance == nullptr) {
        if (s.create_status == CCATTEST_OK) {
            s.create_status = CCATTEST_E_INTERNAL;
            s.create_error = "create returned success but no instance";
        }
        return;
    }
    // A valid token: generated here when the plugin can, else the one the options supply.
    if ((s.api.capabilities & CCATTEST_CAP_GENERATE) != 0 && s.api.generate != nullptr) {
        for (size_t i = 0; i < s.report_data.size(); ++i) {
            s.report_data[i] = static_cast<uint8_t>(0xC0 ^ i);
        }
        ccattest_generate_args args{};
        args.struct_size = sizeof args;
        args.report_data = s.report_data.data();
        Buffer out(s.host);
        Message generate_message;
        const ccattest_status generated =
            s.api.generate(instance, &args, &out.value, generate_message.text.data(),
                           generate_message.text.size());
        if (generated == CCATTEST_OK && out.value.data != nullptr) {
            s.token = out.bytes();
            s.generated = true;
        } else {
            s.token_note =
                "generate here gave " + status_text(generated) + ": " + generate_message.str();
        }
    } else {
        s.token_note = "the plugin does not generate";
    }
    if (!s.token && s.options.token && s.options.token_report_data) {
        s.token = s.options.token;
        s.report_data = *s.options.token_report_data;
        s.token_note.clear();
    }
    s.api.destroy(instance);
}

// ---- the checks
// ----------------------------------------------------------------------------------

using Body = std::function<CheckResult(Session &)>;
struct Check {
    CheckInfo info;
    Body body;
};

CheckResult needs_table(Session &s) {
    if (!s.load_error.empty()) {
        return skip("the library did not load");
    }
    if (!s.usable()) {
        return skip("no usable table: " + s.table_error);
    }
    return {{}, {}, Outcome::pass, {}};
}

#define REQUIRE_TABLE(s)                                                                           \
    if (auto gate = needs_table(s); gate.outcome != Outcome::pass) {                               \
        return gate;                                                                               \
    }
#define REQUIRE_INSTANCE(s)                                                                        \
    REQUIRE_TABLE(s)                                                                               \
    if (!(s).creatable()) {                                                                        \
        return skip("create fails with the supplied config");                                      \
    }
#define REQUIRE_TOKEN(s)                                                                           \
    REQUIRE_INSTANCE(s)                                                                            \
    if (!(s).can_verify()) {                                                                       \
        return skip((s).api.verify == nullptr ? std::string("the plugin does not verify")          \
                                              : "no valid token: " + (s).token_note);              \
    }

CheckResult load_check(Session &s) {
    return s.load_error.empty() ? pass() : fail(s.load_error);
}

CheckResult exports_check(Session &s) {
    std::vector<std::string> symbols;
    try {
        boost::dll::library_info info(s.options.plugin);
        symbols = info.symbols();
    } catch (const std::exception &e) {
        return fail(std::string("cannot read the symbol table: ") + e.what());
    }
    std::vector<std::string> extra;
    bool has_entry = false;
    for (const auto &symbol : symbols) {
        if (symbol == CCATTEST_ENTRY_SYMBOL) {
            has_entry = true;
        } else if (symbol.rfind('_', 0) != 0) {
            extra.push_back(symbol);
        }
    }
    if (!has_entry) {
        return fail("does not export " CCATTEST_ENTRY_SYMBOL);
    }
    if (!extra.empty()) {
        std::string list;
        for (const auto &e : extra) {
            list += (list.empty() ? "" : ", ") + e;
        }
        return fail("exports more than the entry symbol: " + list);
    }
    return pass();
}

CheckResult negotiation_check(Session &s) {
    if (!s.load_error.empty()) {
        return skip("the library did not load");
    }
    // The offers: the plugin's minor and below, equal, and a host newer than anything published.
    struct Offer {
        uint16_t major, low, high;
        bool must_accept;
    };
    const std::vector<Offer> offers = {{CCATTEST_ABI_MAJOR, 0, 0, true},
                                       {CCATTEST_ABI_MAJOR, 0, CCATTEST_ABI_MINOR, true},
                                       {CCATTEST_ABI_MAJOR, 0, CCATTEST_ABI_MINOR + 7, true},
                                       {CCATTEST_ABI_MAJOR + 1, 0, 3, false}};
    for (const auto &offer : offers) {
        Host &host = s.probe_hosts.emplace_back();
        host.api.abi_major = offer.major;
        host.api.abi_minor_min = offer.low;
        host.api.abi_minor_max = offer.high;
        const ccattest_plugin_api *table = nullptr;
        Message message;
        const ccattest_status status =
            s.entry(&host.api, &table, message.text.data(), message.text.size());
        const std::string offered = std::to_string(offer.major) + "." + std::to_string(offer.low) +
                                    "-" + std::to_string(offer.major) + "." +
                                    std::to_string(offer.high);
        if (offer.must_accept) {
            if (status != CCATTEST_OK || table == nullptr) {
                return fail("refuses a host offering ABI " + offered + ": " + status_text(status) +
                            " " + message.str());
            }
            if (table->abi_major != offer.major) {
                return fail("answers a host offering ABI " + offered + " with a table for major " +
                            std::to_string(table->abi_major));
            }
        } else if (status == CCATTEST_OK) {
            return fail("accepts a host offering only ABI " + offered);
        } else if (status != CCATTEST_E_VERSION_MISMATCH || !valid_message(message)) {
            return fail("refuses ABI " + offered + " with " + status_text(status) +
                        " instead of version_mismatch and a message");
        }
    }
    // NULL arguments are refused, not dereferenced.
    const ccattest_plugin_api *table = nullptr;
    Message message;
    if (s.entry(nullptr, &table, message.text.data(), message.text.size()) == CCATTEST_OK) {
        return fail("entry accepts a NULL host table");
    }
    if (s.entry(&s.host.api, nullptr, message.text.data(), message.text.size()) == CCATTEST_OK) {
        return fail("entry accepts a NULL out pointer");
    }
    // Back to the session's host for the remaining checks.
    if (s.entry(&s.host.api, &table, message.text.data(), message.text.size()) != CCATTEST_OK) {
        return fail("entry refuses the host it accepted before");
    }
    return pass();
}

CheckResult struct_size_check(Session &s) {
    if (!s.load_error.empty() || s.table == nullptr) {
        return skip("no table");
    }
    if (s.table->abi_major != CCATTEST_ABI_MAJOR) {
        return skip("table is for another major");
    }
    // A minor newer than the suite's needs at least what the suite's minor defines.
    const auto minor = std::min<uint16_t>(s.table->abi_minor, CCATTEST_ABI_MINOR);
    if (s.table->struct_size < table_size_for(minor)) {
        return fail("struct_size " + std::to_string(s.table->struct_size) +
                    " is smaller than the " + std::to_string(table_size_for(minor)) +
                    " bytes ABI 1." + std::to_string(minor) + " requires");
    }
    return pass("struct_size " + std::to_string(s.table->struct_size) + " for ABI 1." +
                std::to_string(s.table->abi_minor));
}

CheckResult mandatory_slots_check(Session &s) {
    REQUIRE_TABLE(s)
    std::vector<std::string> missing;
    const std::array<std::pair<const char *, const void *>, 7> fields = {{
        {"name", s.api.name},
        {"vendor", s.api.vendor},
        {"plugin_version", s.api.plugin_version},
        {"namespace_id", s.api.namespace_id},
        {"token_format", s.api.token_format},
        {"evidence_format", s.api.evidence_format},
        {"config_schema", s.api.config_schema},
    }};
    for (const auto &[name, value] : fields) {
        if (value == nullptr) {
            missing.emplace_back(name);
        }
    }
    if ((s.api.capabilities & CCATTEST_CAP_GENERATE) != 0 && s.api.generate == nullptr) {
        missing.emplace_back("generate");
    }
    if ((s.api.capabilities & CCATTEST_CAP_VERIFY) != 0 && s.api.verify == nullptr) {
        missing.emplace_back("verify");
    }
    if ((s.api.capabilities & (CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY)) == 0) {
        missing.emplace_back("a generate or verify capability");
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto &m : missing) {
            list += (list.empty() ? "" : ", ") + m;
        }
        return fail("mandatory " + list + " missing");
    }
    return pass();
}

CheckResult unknown_slots_check(Session &s) {
    REQUIRE_TABLE(s)
    const std::string declared = "ABI 1." + std::to_string(s.table->abi_minor);
    if (s.table->abi_minor > CCATTEST_ABI_MINOR) {
        return pass("newer minor: its additions are its own");
    }
    const size_t defined = table_size_for(s.table->abi_minor);
    if (s.table->struct_size <= defined) {
        return pass("no bytes beyond the " + declared + " table");
    }
    // A table declaring a minor the suite knows has nothing defined past that minor's layout (a
    // 1.0 table with a 1.1 slot set included): those bytes must be zero.
    const auto *bytes = reinterpret_cast<const uint8_t *>(s.table);
    for (size_t i = defined; i < s.table->struct_size; ++i) {
        if (bytes[i] != 0) {
            return fail("byte " + std::to_string(i) + " beyond the " + declared +
                        " table is not zero");
        }
    }
    return pass();
}

CheckResult namespace_check(Session &s) {
    REQUIRE_TABLE(s)
    const std::string namespace_id = s.api.namespace_id != nullptr ? s.api.namespace_id : "";
    static const std::regex form("x-[a-z0-9]+(-[a-z0-9]+)*");
    if (namespace_id.size() > 64 || !std::regex_match(namespace_id, form)) {
        return fail("namespace \"" + namespace_id +
                    "\" is not x-[a-z0-9-]+ (at most 64 characters)");
    }
    const ccattest_plugin_api *again = nullptr;
    Message message;
    if (s.entry(&s.host.api, &again, message.text.data(), message.text.size()) != CCATTEST_OK ||
        again == nullptr || again->namespace_id == nullptr || namespace_id != again->namespace_id) {
        return fail("namespace changes between entry calls");
    }
    return pass(namespace_id);
}

CheckResult version_check(Session &s) {
    REQUIRE_TABLE(s)
    static const std::regex semantic(
        R"((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)");
    const std::string version = s.api.plugin_version != nullptr ? s.api.plugin_version : "";
    if (!std::regex_match(version, semantic)) {
        return fail("plugin_version \"" + version + "\" is not a semantic version");
    }
    for (const char *text : {s.api.name, s.api.vendor, s.api.token_format, s.api.evidence_format}) {
        if (text == nullptr || *text == '\0') {
            return fail("name, vendor, token_format and evidence_format must be non-empty");
        }
    }
    return pass(version);
}

CheckResult schema_check(Session &s) {
    REQUIRE_TABLE(s)
    try {
        const JsonSchema schema(parse_json_text(s.api.config_schema, "config_schema"));
        if (schema.validate(json::value("not an object")).empty()) {
            return fail("the config schema accepts a string where a config object belongs");
        }
        if (!schema.validate(parse_json_text(s.options.config_json, "the supplied config"))
                 .empty()) {
            return fail("the config schema rejects the supplied (working) config");
        }
    } catch (const std::exception &e) {
        return fail(std::string("the config schema is unusable: ") + e.what());
    }
    return pass();
}

CheckResult create_check(Session &s) {
    REQUIRE_TABLE(s)
    if (!s.creatable()) {
        return fail("create with the supplied config gives " + status_text(s.create_status) + ": " +
                    s.create_error);
    }
    return pass();
}

CheckResult invalid_config_check(Session &s) {
    REQUIRE_TABLE(s)
    // The host validates configs against the schema; create must still refuse what is not even an
    // object, leaving no instance behind.
    for (const std::string bad : {"not json", "[]", "{\"unterminated\": "}) {
        auto *sentinel = reinterpret_cast<ccattest_instance *>(&s);
        ccattest_instance *instance = sentinel;
        Message message;
        const ccattest_status status = s.api.create(bad.c_str(), bad.size(), &instance,
                                                    message.text.data(), message.text.size());
        if (status == CCATTEST_OK) {
            if (instance != nullptr && instance != sentinel) {
                s.api.destroy(instance);
            }
            return fail("create accepts the config " + bad);
        }
        if (instance != nullptr) {
            return fail("a failed create left *out_instance set");
        }
        if (!valid_message(message)) {
            return fail("a failed create gave no NUL-terminated message");
        }
    }
    s.api.destroy(nullptr); // a no-op
    return pass();
}

long resident_kib() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0;
    long resident = 0;
    statm >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

CheckResult cycles_check(Session &s) {
    REQUIRE_INSTANCE(s)
    const long allocations_before = s.host.live_allocations.load();
    for (int i = 0; i < 50; ++i) { // warm-up: caches, lazy initialisation
        Instance instance(s);
    }
    const long before = resident_kib();
    for (int i = 0; i < 1000; ++i) {
        Instance instance(s);
        if (instance.handle == nullptr) {
            return fail("create failed on cycle " + std::to_string(i));
        }
    }
    const long growth = resident_kib() - before;
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer's quarantine keeps freed memory resident: leaks are LeakSanitizer's job
    // here.
    if (s.host.live_allocations.load() != allocations_before) {
        return fail("host allocations were not all handed back");
    }
    return pass("resident memory not judged under AddressSanitizer (quarantine); LeakSanitizer "
                "checks leaks at exit");
#endif
    if (growth > long{8} * 1024) {
        return fail("resident memory grew by " + std::to_string(growth) + " KiB over 1000 cycles");
    }
    if (s.host.live_allocations.load() != allocations_before) {
        return fail("host allocations were not all handed back");
    }
    return pass("resident growth " + std::to_string(growth) + " KiB over 1000 cycles");
}

CheckResult instances_check(Session &s) {
    REQUIRE_INSTANCE(s)
    auto a = std::make_unique<Instance>(s);
    auto b = std::make_unique<Instance>(s);
    auto c = std::make_unique<Instance>(s);
    if (a->handle == nullptr || b->handle == nullptr || c->handle == nullptr) {
        return fail("three instances cannot coexist");
    }
    if (a->handle == b->handle || b->handle == c->handle || a->handle == c->handle) {
        return fail("create returned the same handle twice");
    }
    b.reset(); // destroy out of creation order
    if (s.can_verify()) {
        for (Instance *instance : {a.get(), c.get()}) {
            std::string error;
            if (s.verify(instance->handle, *s.token, s.report_data.data(), &error) != CCATTEST_OK) {
                return fail("an instance stopped verifying after another was destroyed: " + error);
            }
        }
    }
    return pass();
}

CheckResult null_arguments_check(Session &s) {
    REQUIRE_INSTANCE(s)
    Instance instance(s);
    Message message;
    std::vector<std::string> problems;
    auto expect = [&](const char *what, ccattest_status status) {
        if (status != CCATTEST_E_INVALID_ARGUMENT) {
            problems.push_back(std::string(what) + " gave " + status_text(status));
        }
    };
    ccattest_instance *out = nullptr;
    expect("create(NULL config)",
           s.api.create(nullptr, 0, &out, message.text.data(), message.text.size()));
    expect("create(NULL out)",
           s.api.create(s.options.config_json.c_str(), s.options.config_json.size(), nullptr,
                        message.text.data(), message.text.size()));
    const std::array<uint8_t, 64> data{};
    ccattest_buffer buffer{nullptr, 0};
    if (s.api.generate != nullptr) {
        ccattest_generate_args args{};
        args.struct_size = sizeof args;
        args.report_data = data.data();
        expect("generate(NULL instance)",
               s.api.generate(nullptr, &args, &buffer, message.text.data(), message.text.size()));
        expect("generate(NULL args)", s.api.generate(instance.handle, nullptr, &buffer,
                                                     message.text.data(), message.text.size()));
        expect("generate(NULL out)", s.api.generate(instance.handle, &args, nullptr,
                                                    message.text.data(), message.text.size()));
        args.report_data = nullptr;
        expect("generate(NULL report_data)",
               s.api.generate(instance.handle, &args, &buffer, message.text.data(),
                              message.text.size()));
    }
    if (s.api.verify != nullptr) {
        const Bytes token(64, 0x5A);
        ccattest_verify_args args{};
        args.struct_size = sizeof args;
        args.token = token.data();
        args.token_size = token.size();
        args.verification_time = s.when;
        expect("verify(NULL instance)",
               s.api.verify(nullptr, &args, &buffer, message.text.data(), message.text.size()));
        expect("verify(NULL args)", s.api.verify(instance.handle, nullptr, &buffer,
                                                 message.text.data(), message.text.size()));
        expect("verify(NULL out)", s.api.verify(instance.handle, &args, nullptr,
                                                message.text.data(), message.text.size()));
        args.token_size = 0;
        expect("verify(zero-length token)", s.api.verify(instance.handle, &args, &buffer,
                                                         message.text.data(), message.text.size()));
        args.token = nullptr;
        args.token_size = 16;
        expect("verify(NULL token)", s.api.verify(instance.handle, &args, &buffer,
                                                  message.text.data(), message.text.size()));
    }
    if (s.api.inspect != nullptr) {
        expect("inspect(NULL token)", s.api.inspect(instance.handle, nullptr, 8, &buffer,
                                                    message.text.data(), message.text.size()));
        expect("inspect(NULL instance)", s.api.inspect(nullptr, data.data(), data.size(), &buffer,
                                                       message.text.data(), message.text.size()));
    }
    if (s.api.inspect2 != nullptr) {
        ccattest_inspect_args args{};
        args.struct_size = sizeof args;
        args.token = data.data();
        args.token_size = data.size();
        expect("inspect2(NULL instance)",
               s.api.inspect2(nullptr, &args, &buffer, message.text.data(), message.text.size()));
        expect("inspect2(NULL args)", s.api.inspect2(instance.handle, nullptr, &buffer,
                                                     message.text.data(), message.text.size()));
        args.token = nullptr;
        expect("inspect2(NULL token)", s.api.inspect2(instance.handle, &args, &buffer,
                                                      message.text.data(), message.text.size()));
    }
    if (buffer.data != nullptr) {
        problems.emplace_back("a refused call left an output behind");
    }
    if (!problems.empty()) {
        std::string list;
        for (const auto &p : problems) {
            list += (list.empty() ? "" : "; ") + p;
        }
        return fail(list);
    }
    return pass();
}

CheckResult round_trip_check(Session &s) {
    REQUIRE_INSTANCE(s)
    if (!s.can_verify()) {
        return skip("no valid token: " + s.token_note);
    }
    Instance instance(s);
    std::string error;
    Bytes claims;
    const ccattest_status status =
        s.verify(instance.handle, *s.token, s.report_data.data(), &error, &claims);
    if (status != CCATTEST_OK) {
        return fail("a freshly made token does not verify: " + status_text(status) + " " + error);
    }
    boost::system::error_code ec;
    const auto parsed = json::parse(std::string(claims.begin(), claims.end()), ec);
    if (ec || !parsed.is_object()) {
        return fail("claims are not a JSON object");
    }
    if (s.api.inspect != nullptr) {
        Buffer out(s.host);
        Message message;
        if (s.api.inspect(instance.handle, s.token->data(), s.token->size(), &out.value,
                          message.text.data(), message.text.size()) != CCATTEST_OK) {
            return fail("inspect cannot decode a valid token: " + message.str());
        }
        const auto described =
            json::parse(std::string(out.value.data, out.value.data + out.value.size), ec);
        if (ec || !described.is_object()) {
            return fail("inspect's description is not a JSON object");
        }
    }
    return pass(std::to_string(s.token->size()) + "-byte token, " + std::to_string(claims.size()) +
                "-byte claims");
}

CheckResult binding_check(Session &s) {
    REQUIRE_TOKEN(s)
    if ((s.api.capabilities & CCATTEST_CAP_BINDS_REPORT_DATA) == 0) {
        return skip("the plugin does not declare binds-report-data");
    }
    Instance instance(s);
    auto other = s.report_data;
    other[17] ^= 0x01;
    std::string error;
    const ccattest_status status = s.verify(instance.handle, *s.token, other.data(), &error);
    if (status != CCATTEST_E_BINDING_MISMATCH) {
        return fail("other expected report data gave " + status_text(status) +
                    " instead of binding_mismatch");
    }
    if (s.verify(instance.handle, *s.token, nullptr, &error) != CCATTEST_OK) {
        return fail("verify without expected report data fails: " + error);
    }
    return pass();
}

// The claims' evidence_digest, or why there is none.
std::optional<std::string> evidence_digest(const Bytes &claims, std::string &problem) {
    boost::system::error_code ec;
    const auto parsed = json::parse(std::string(claims.begin(), claims.end()), ec);
    if (ec || !parsed.is_object()) {
        problem = "claims are not a JSON object";
        return std::nullopt;
    }
    const auto *digest = parsed.get_object().if_contains("evidence_digest");
    if (digest == nullptr || !digest->is_string()) {
        problem = "claims have no \"evidence_digest\" string";
        return std::nullopt;
    }
    const std::string text(digest->get_string());
    if (text.size() != 64 || !std::all_of(text.begin(), text.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) {
        problem = "evidence_digest \"" + text + "\" is not 64 lower-case hex characters";
        return std::nullopt;
    }
    return text;
}

CheckResult evidence_digest_check(Session &s) {
    REQUIRE_TOKEN(s)
    Instance instance(s);
    std::string error;
    std::string problem;
    std::array<std::optional<std::string>, 2> digests;
    for (auto &digest : digests) {
        Bytes claims;
        const ccattest_status status =
            s.verify(instance.handle, *s.token, s.report_data.data(), &error, &claims);
        if (status != CCATTEST_OK) {
            return fail("the valid token does not verify: " + status_text(status) + " " + error);
        }
        digest = evidence_digest(claims, problem);
        if (!digest) {
            return fail(problem);
        }
    }
    if (*digests[0] != *digests[1]) {
        return fail("one token verified twice gave two evidence_digest values: " + *digests[0] +
                    " and " + *digests[1]);
    }
    if ((s.api.capabilities & CCATTEST_CAP_GENERATE) == 0 || s.api.generate == nullptr) {
        return pass("stable; distinctness not checked (the plugin does not generate)");
    }
    // Other evidence: a second token for other report data must have another digest.
    auto other_data = s.report_data;
    other_data[0] ^= 0xFF;
    ccattest_generate_args args{};
    args.struct_size = sizeof args;
    args.report_data = other_data.data();
    Buffer other(s.host);
    Message message;
    const ccattest_status generated = s.api.generate(instance.handle, &args, &other.value,
                                                     message.text.data(), message.text.size());
    if (generated != CCATTEST_OK) {
        return pass("stable; distinctness not checked (a second generate gave " +
                    status_text(generated) + ": " + message.str() + ")");
    }
    Bytes claims;
    const ccattest_status status =
        s.verify(instance.handle, other.bytes(), other_data.data(), &error, &claims);
    if (status != CCATTEST_OK) {
        return fail("a second generated token does not verify: " + status_text(status) + " " +
                    error);
    }
    const auto second = evidence_digest(claims, problem);
    if (!second) {
        return fail(problem);
    }
    if (*second == *digests[0]) {
        return fail("two tokens for different report data have the same evidence_digest " +
                    *second);
    }
    return pass("stable for one token, distinct for two");
}

CheckResult tamper_check(Session &s) {
    REQUIRE_TOKEN(s)
    Instance instance(s);
    const Bytes &token = *s.token;
    // Every byte for tokens up to 16 KiB (two bit positions each up to 2 KiB); beyond that every
    // byte of the first and last 256 and a stride that touches every run of `stride` bytes.
    const size_t stride = token.size() <= 16384 ? 1 : (token.size() + 16383) / 16384;
    size_t tried = 0;
    for (size_t position = 0; position < token.size(); ++position) {
        const bool edge = position < 256 || position + 256 >= token.size();
        if (!edge && position % stride != 0) {
            continue;
        }
        for (const uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
            if (mask == 0x80 && token.size() > 2048) {
                continue;
            }
            Bytes changed = token;
            changed[position] ^= mask;
            ++tried;
            if (s.verify(instance.handle, changed, s.report_data.data()) == CCATTEST_OK) {
                return fail("flipping bit mask 0x" + std::string(mask == 1 ? "01" : "80") +
                            " of byte " + std::to_string(position) + " is still accepted");
            }
        }
    }
    return pass(std::to_string(tried) + " flipped tokens refused (stride " +
                std::to_string(stride) + ")");
}

CheckResult truncation_check(Session &s) {
    REQUIRE_TOKEN(s)
    Instance instance(s);
    const Bytes &token = *s.token;
    std::vector<size_t> lengths = {1,
                                   2,
                                   3,
                                   4,
                                   7,
                                   8,
                                   15,
                                   16,
                                   31,
                                   32,
                                   63,
                                   64,
                                   65,
                                   127,
                                   128,
                                   255,
                                   256,
                                   511,
                                   512,
                                   1023,
                                   1024,
                                   token.size() / 2,
                                   token.size() - 1};
    lengths.erase(std::remove_if(lengths.begin(), lengths.end(),
                                 [&](size_t n) { return n == 0 || n >= token.size(); }),
                  lengths.end());
    for (const size_t length : lengths) {
        const Bytes cut(token.begin(), token.begin() + static_cast<long>(length));
        if (s.verify(instance.handle, cut, s.report_data.data()) == CCATTEST_OK) {
            return fail("the token cut to " + std::to_string(length) + " bytes is accepted");
        }
    }
    Bytes longer = token;
    longer.push_back(0);
    if (s.verify(instance.handle, longer, s.report_data.data()) == CCATTEST_OK) {
        return fail("the token with one byte appended is accepted");
    }
    return pass(std::to_string(lengths.size() + 1) + " lengths refused");
}

long peak_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

CheckResult huge_input_check(Session &s) {
    REQUIRE_INSTANCE(s)
    if (s.api.verify == nullptr) {
        return skip("the plugin does not verify");
    }
    Instance instance(s);
    Bytes huge(size_t{16} << 20U, 'A');
    if (s.token) {
        std::copy(s.token->begin(), s.token->end(), huge.begin());
    }
    const long before = peak_kib();
    const auto start = std::chrono::steady_clock::now();
    const ccattest_status status = s.verify(instance.handle, huge, s.report_data.data());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long growth = peak_kib() - before;
    if (status == CCATTEST_OK) {
        return fail("a 16 MiB input is accepted");
    }
    if (seconds > 5.0) {
        return fail("refusing a 16 MiB input took " + std::to_string(seconds) + " s");
    }
    if (growth > long{64} * 1024) {
        return fail("refusing a 16 MiB input raised peak memory by " + std::to_string(growth) +
                    " KiB");
    }
    return pass("refused with " + status_text(status));
}

CheckResult error_message_check(Session &s) {
    REQUIRE_INSTANCE(s)
    if (s.api.verify == nullptr) {
        return skip("the plugin does not verify");
    }
    Instance instance(s);
    const Bytes garbage = {'n', 'o', 't', ' ', 'a', ' ', 't', 'o', 'k', 'e', 'n'};
    ccattest_verify_args args{};
    args.struct_size = sizeof args;
    args.token = garbage.data();
    args.token_size = garbage.size();
    args.verification_time = s.when;
    for (const size_t size : {size_t{1}, size_t{2}, size_t{16}, message_capacity}) {
        std::vector<char> area(size + 32, '\x5A');
        ccattest_buffer out{nullptr, 0};
        const ccattest_status status =
            s.api.verify(instance.handle, &args, &out, area.data(), size);
        if (status == CCATTEST_OK) {
            s.host.api.free(&s.host, out.data);
            return fail("a garbage token is accepted");
        }
        const auto terminator =
            std::find(area.begin(), area.begin() + static_cast<long>(size), '\0');
        if (terminator == area.begin() + static_cast<long>(size)) {
            return fail("no NUL within a " + std::to_string(size) + "-byte message buffer");
        }
        if (std::any_of(area.begin() + static_cast<long>(size), area.end(),
                        [](char c) { return c != '\x5A'; })) {
            return fail("wrote past a " + std::to_string(size) + "-byte message buffer");
        }
        if (size > 1 && area[0] == '\0') {
            return fail("an empty message for a refused token");
        }
    }
    ccattest_buffer out{nullptr, 0};
    if (s.api.verify(instance.handle, &args, &out, nullptr, 0) == CCATTEST_OK) {
        s.host.api.free(&s.host, out.data);
        return fail("a garbage token is accepted");
    }
    return pass();
}

CheckResult concurrency_check(Session &s) {
    REQUIRE_TOKEN(s)
    const bool serialize = (s.api.capabilities & CCATTEST_CAP_SERIALIZE) != 0;
    Instance instance(s);
    std::mutex serializer;
    std::atomic<int> errors{0};
    std::atomic<int> different{0};
    Bytes reference;
    (void)s.verify(instance.handle, *s.token, s.report_data.data(), nullptr, &reference);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                std::unique_lock<std::mutex> lock(serializer, std::defer_lock);
                if (serialize) {
                    lock.lock(); // the plugin asked the host to serialize
                }
                Bytes claims;
                std::string error;
                if (s.verify(instance.handle, *s.token, s.report_data.data(), &error, &claims) !=
                    CCATTEST_OK) {
                    ++errors;
                } else if (claims != reference) {
                    ++different;
                }
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    if (errors != 0 || different != 0) {
        return fail(std::to_string(errors.load()) + " errors and " +
                    std::to_string(different.load()) +
                    " differing results in 1600 concurrent verifications");
    }
    return pass(serialize
                    ? "the plugin asked to be serialized; the suite serialized 1600 verifications"
                    : "1600 concurrent verifications agreed");
}

// ---- ABI 1.1: hosts with and without the network service, inspect2
// ----------------------------------

// The plugin entered with another host for one check. The session's host is entered again
// afterwards, because a plugin may keep the host table it was last given (R9).
class Probe {
public:
    Probe(Session &s, Host &host) : session_(s) {
        Message message;
        status = s.entry(&host.api, &table, message.text.data(), message.text.size());
        entry_message = message.str();
    }
    ~Probe() {
        const ccattest_plugin_api *again = nullptr;
        Message message;
        (void)session_.entry(&session_.host.api, &again, message.text.data(), message.text.size());
    }
    Probe(const Probe &) = delete;
    Probe &operator=(const Probe &) = delete;

    ccattest_status status = CCATTEST_E_INTERNAL;
    const ccattest_plugin_api *table = nullptr;
    std::string entry_message;

private:
    Session &session_;
};

// One operation's outcome under a probe host, judged by the rules every failure must follow (R4,
// R5): a non-empty, NUL-terminated message and no output.
struct Step {
    ccattest_status status = CCATTEST_E_INTERNAL;
    Bytes output;
};

// What one operation did, for the check's verdict and its detail line.
struct Outcome11 {
    std::string operation;
    bool ok = false;
    std::string text;
};
using Outcomes = std::vector<Outcome11>;

std::string describe(const Outcomes &outcomes) {
    std::string out;
    for (const auto &outcome : outcomes) {
        out += (out.empty() ? "" : ", ") + outcome.text;
    }
    return out;
}

Step judged(const char *what, ccattest_status status, Buffer &out, const Message &message,
            std::vector<std::string> &problems, Outcomes &outcomes) {
    Step step{status, {}};
    if (status == CCATTEST_OK) {
        if (out.value.data == nullptr || out.value.size == 0) {
            problems.push_back(std::string(what) + " succeeded without an output");
        }
        step.output = out.bytes();
        outcomes.push_back({what, true, std::string(what) + " ok"});
        return step;
    }
    if (!valid_message(message)) {
        problems.push_back(std::string(what) + " failed with " + status_text(status) +
                           " and no NUL-terminated message");
    }
    if (out.value.data != nullptr) {
        problems.push_back(std::string(what) + " failed but left an output");
    }
    outcomes.push_back(
        {what, false, std::string(what) + " gave " + status_text(status) + ": " + message.str()});
    return step;
}

// Runs create, generate, verify, inspect and inspect2 (what `api` offers) with `host` as the
// plugin's host, recording each outcome and every rule broken.
void exercise(Session &s, Host &host, const ccattest_plugin_api &api,
              std::vector<std::string> &problems, Outcomes &outcomes) {
    ccattest_instance *instance = nullptr;
    Message created;
    const ccattest_status status =
        api.create(s.options.config_json.c_str(), s.options.config_json.size(), &instance,
                   created.text.data(), created.text.size());
    if (status != CCATTEST_OK || instance == nullptr) {
        if (status == CCATTEST_OK || !valid_message(created)) {
            problems.push_back("a failed create gave " + status_text(status) +
                               " without a message or instance");
        }
        outcomes.push_back(
            {"create", false, "create gave " + status_text(status) + ": " + created.str()});
        return;
    }
    outcomes.push_back({"create", true, "create ok"});
    std::optional<Bytes> token = s.token;
    auto report_data = s.report_data;
    if ((api.capabilities & CCATTEST_CAP_GENERATE) != 0 && api.generate != nullptr) {
        ccattest_generate_args args{};
        args.struct_size = sizeof args;
        args.report_data = report_data.data();
        Buffer out(host);
        Message message;
        const Step step = judged(
            "generate",
            api.generate(instance, &args, &out.value, message.text.data(), message.text.size()),
            out, message, problems, outcomes);
        if (step.status == CCATTEST_OK) {
            token = step.output;
        }
    }
    if (token && api.verify != nullptr) {
        ccattest_verify_args args{};
        args.struct_size = sizeof args;
        args.token = token->data();
        args.token_size = token->size();
        args.expected_report_data = report_data.data();
        args.verification_time = s.when;
        Buffer out(host);
        Message message;
        (void)judged(
            "verify",
            api.verify(instance, &args, &out.value, message.text.data(), message.text.size()), out,
            message, problems, outcomes);
    }
    if (token && api.inspect != nullptr) {
        Buffer out(host);
        Message message;
        (void)judged("inspect",
                     api.inspect(instance, token->data(), token->size(), &out.value,
                                 message.text.data(), message.text.size()),
                     out, message, problems, outcomes);
    }
    if (token && api.inspect2 != nullptr) {
        ccattest_inspect_args args{};
        args.struct_size = sizeof args;
        args.token = token->data();
        args.token_size = token->size();
        Buffer out(host);
        Message message;
        (void)judged(
            "inspect2",
            api.inspect2(instance, &args, &out.value, message.text.data(), message.text.size()),
            out, message, problems, outcomes);
    }
    api.destroy(instance);
}

std::string joined(const std::vector<std::string> &items, const char *separator) {
    std::string out;
    for (const auto &item : items) {
        out += (out.empty() ? "" : separator) + item;
    }
    return out;
}

// Entered with `host`, the plugin's table as that host reads it; nullopt (and `why`) when refused.
std::optional<ccattest_plugin_api> probe_table(const Probe &probe, uint16_t host_minor,
                                               std::string &why) {
    if (probe.status != CCATTEST_OK || probe.table == nullptr) {
        why =
            "the entry refuses this host: " + status_text(probe.status) + " " + probe.entry_message;
        return std::nullopt;
    }
    if (probe.table->struct_size < CCATTEST_PLUGIN_API_SIZE_1_0 ||
        probe.table->abi_major != CCATTEST_ABI_MAJOR) {
        why = "the entry answers this host with an unusable table";
        return std::nullopt;
    }
    return table_as_negotiated(*probe.table,
                               std::min<uint16_t>(probe.table->abi_minor, host_minor));
}

CheckResult host_1_0_check(Session &s) {
    REQUIRE_INSTANCE(s)
    // A host as ABI 1.0 built it: its table ends at `now`, so it has no network service. The fetch
    // slots past struct_size are a tripwire: a plugin must not read what struct_size excludes (R3).
    Host &host = s.probe_hosts.emplace_back();
    host.api.struct_size = CCATTEST_HOST_API_SIZE_1_0;
    host.api.abi_minor_max = 0;
    host.fixed_now = s.when;
    host.api.fetch = [](void *context, const ccattest_fetch_request *, ccattest_fetch_response *,
                        char *, size_t) -> ccattest_status {
        ++static_cast<Host *>(context)->fetch_calls;
        return CCATTEST_E_UNSUPPORTED;
    };
    host.api.cache_validity = [](void *context, const ccattest_fetch_request *,
                                 int64_t) -> ccattest_status {
        ++static_cast<Host *>(context)->fetch_calls;
        return CCATTEST_E_UNSUPPORTED;
    };
    std::vector<std::string> problems;
    Outcomes outcomes;
    {
        const Probe probe(s, host);
        std::string why;
        const auto api = probe_table(probe, 0, why);
        if (!api) {
            return fail(why);
        }
        exercise(s, host, *api, problems, outcomes);
    }
    if (host.fetch_calls != 0) {
        problems.push_back("called the network service although the host table's struct_size (" +
                           std::to_string(CCATTEST_HOST_API_SIZE_1_0) + ") does not cover it");
    }
    for (const auto &outcome : outcomes) {
        // Generating may fail for want of a device; only what worked with the session's own
        // (1.1) host must also work with a 1.0 host.
        const bool unavailable = outcome.operation == "generate" && !s.generated;
        if (!outcome.ok && !unavailable) {
            problems.push_back(outcome.text);
        }
    }
    if (host.live_allocations != 0) {
        problems.push_back(std::to_string(host.live_allocations.load()) +
                           " host allocations outstanding");
    }
    if (!problems.empty()) {
        return fail("with a 1.0 host: " + joined(problems, "; "));
    }
    return pass("with a 1.0 host: " + describe(outcomes));
}

constexpr const char *failing_fetch_reason = "conformance host: every fetch fails (io)";

CheckResult failing_fetch_check(Session &s) {
    REQUIRE_INSTANCE(s)
    // A 1.1 host whose network service fails every request as a broken network would.
    Host &host = s.probe_hosts.emplace_back();
    host.fixed_now = s.when;
    host.api.fetch = [](void *context, const ccattest_fetch_request *,
                        ccattest_fetch_response *response, char *error_message,
                        size_t error_message_size) -> ccattest_status {
        ++static_cast<Host *>(context)->fetch_calls;
        if (response != nullptr && response->struct_size >= CCATTEST_FETCH_RESPONSE_SIZE_1_1) {
            response->body = {nullptr, 0};
            response->headers = {nullptr, 0};
        }
        if (error_message != nullptr && error_message_size > 0) {
            (void)std::snprintf(error_message, error_message_size, "%s", failing_fetch_reason);
        }
        return CCATTEST_E_IO;
    };
    host.api.cache_validity = [](void *, const ccattest_fetch_request *,
                                 int64_t) -> ccattest_status {
        return CCATTEST_E_INVALID_ARGUMENT; // nothing is ever stored
    };
    std::vector<std::string> problems;
    Outcomes outcomes;
    {
        const Probe probe(s, host);
        std::string why;
        const auto api = probe_table(probe, CCATTEST_ABI_MINOR, why);
        if (!api) {
            return fail(why);
        }
        exercise(s, host, *api, problems, outcomes);
    }
    if (host.live_allocations != 0) {
        problems.push_back(std::to_string(host.live_allocations.load()) +
                           " host allocations outstanding");
    }
    const std::string calls = std::to_string(host.fetch_calls.load()) + " fetch call(s)";
    if (!problems.empty()) {
        return fail("with a failing network service (" + calls + "): " + joined(problems, "; "));
    }
    return pass(calls + ": " + describe(outcomes));
}

CheckResult inspect2_check(Session &s) {
    REQUIRE_TOKEN(s)
    if (s.minor < 1) {
        return skip("the plugin declares ABI 1." + std::to_string(s.table->abi_minor) +
                    ": inspect2 is not part of it");
    }
    if (s.api.inspect2 == nullptr) {
        return skip("the plugin does not implement inspect2");
    }
    Instance instance(s);
    // A valid token and one that is not a token at all: both slots must answer alike.
    const Bytes garbage = {'n', 'o', 't', ' ', 'a', ' ', 't', 'o', 'k', 'e', 'n'};
    const Bytes &valid = *s.token;
    for (const Bytes *token : {&valid, &garbage}) {
        ccattest_inspect_args args{};
        args.struct_size = sizeof args;
        args.token = token->data();
        args.token_size = token->size();
        Buffer second(s.host);
        Message second_message;
        const ccattest_status status2 =
            s.api.inspect2(instance.handle, &args, &second.value, second_message.text.data(),
                           second_message.text.size());
        if (status2 != CCATTEST_OK && !valid_message(second_message)) {
            return fail("inspect2 failed with " + status_text(status2) + " and no message");
        }
        if (s.api.inspect == nullptr) {
            if (token == &valid && status2 != CCATTEST_OK) {
                return fail("inspect2 cannot decode a valid token: " + second_message.str());
            }
            continue;
        }
        Buffer first(s.host);
        Message first_message;
        const ccattest_status status1 =
            s.api.inspect(instance.handle, token->data(), token->size(), &first.value,
                          first_message.text.data(), first_message.text.size());
        const std::string which = token == &valid ? "a valid token" : "a garbage token";
        if (status1 != status2) {
            return fail("for " + which + " inspect gives " + status_text(status1) +
                        " and inspect2 " + status_text(status2));
        }
        if (first.bytes() != second.bytes()) {
            return fail("inspect and inspect2 describe " + which + " differently");
        }
    }
    return pass(s.api.inspect != nullptr ? "inspect2 and inspect agree"
                                         : "inspect2 decodes the token (no inspect to compare)");
}

const std::vector<Check> &all_checks() {
    static const std::vector<Check> list = {
        {{"CC-LOAD-1", "the library loads with RTLD_NOW and exports the entry symbol"}, load_check},
        {{"CC-ABI-1", "exports exactly the entry symbol"}, exports_check},
        {{"CC-ABI-2", "negotiates: accepts hosts offering lower, equal and higher minors of its "
                      "major, refuses another major cleanly, refuses NULL arguments"},
         negotiation_check},
        {{"CC-ABI-3", "struct_size covers everything its declared minor defines"},
         struct_size_check},
        {{"CC-ABI-4", "every mandatory field and slot is present"}, mandatory_slots_check},
        {{"CC-ABI-5", "bytes past the ABI it declares are absent or zero"}, unknown_slots_check},
        {{"CC-DESC-1", "namespace is x-[a-z0-9-]+ and stable"}, namespace_check},
        {{"CC-DESC-2", "semantic version and non-empty self-description"}, version_check},
        {{"CC-DESC-3",
          "the config schema is usable, rejects a non-object and accepts the supplied config"},
         schema_check},
        {{"CC-LIFE-1", "create succeeds with the supplied config"}, create_check},
        {{"CC-LIFE-2", "create with an invalid config fails with a message and no instance; "
                       "destroy(NULL) is safe"},
         invalid_config_check},
        {{"CC-LIFE-3", "1000 create/destroy cycles keep memory flat"}, cycles_check},
        {{"CC-LIFE-4", "several instances coexist and are destroyed in any order"},
         instances_check},
        {{"CC-ARG-1", "NULL pointers and zero lengths give invalid_argument"},
         null_arguments_check},
        {{"CC-RT-1", "generate then verify succeeds; claims and inspect output are JSON objects"},
         round_trip_check},
        {{"CC-BIND-1", "other expected report data gives binding_mismatch"}, binding_check},
        {{"CC-CLAIMS-1", "claims carry evidence_digest: 64 lower-case hex, one per token, "
                         "distinct for distinct evidence"},
         evidence_digest_check},
        {{"CC-TAMPER-1", "no flipped byte of a valid token is accepted"}, tamper_check},
        {{"CC-TAMPER-2", "no truncated or extended token is accepted"}, truncation_check},
        {{"CC-TAMPER-3", "a 16 MiB input is refused promptly without huge allocations"},
         huge_input_check},
        {{"CC-ERR-1", "failures fill a non-empty, NUL-terminated message within the buffer"},
         error_message_check},
        {{"CC-CONC-1",
          "8 threads x 200 verifications on one instance agree (serialized when asked)"},
         concurrency_check},
        {{"CC-ABI11-1", "with a 1.0 host (no network service) create, generate, verify and "
                        "inspect still work, and nothing past its struct_size is used"},
         host_1_0_check},
        {{"CC-ABI11-2", "with a network service that always fails every operation returns a "
                        "status, failures with a message and no output"},
         failing_fetch_check},
        {{"CC-ABI11-3", "inspect2, when implemented, answers exactly as inspect"}, inspect2_check},
    };
    return list;
}

std::string xml_escape(const std::string &text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace

const std::vector<CheckInfo> &checks() {
    static const std::vector<CheckInfo> infos = [] {
        std::vector<CheckInfo> out;
        for (const auto &check : all_checks()) {
            out.push_back(check.info);
        }
        return out;
    }();
    return infos;
}

const char *outcome_name(Outcome outcome) {
    switch (outcome) {
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::skip: return "skip";
    }
    return "fail";
}

std::vector<CheckResult> run_all(const Options &options) {
    Session session;
    session.options = options;
    open_session(session);
    std::vector<CheckResult> results;
    for (const auto &check : all_checks()) {
        CheckResult result;
        try {
            result = check.body(session);
        } catch (const std::exception &e) {
            result = fail(std::string("the check threw: ") + e.what());
        }
        result.id = check.info.id;
        result.title = check.info.title;
        results.push_back(std::move(result));
    }
    return results;
}

std::string junit_xml(const std::vector<CheckResult> &results, const std::string &suite) {
    size_t failures = 0;
    size_t skipped = 0;
    for (const auto &r : results) {
        failures += r.outcome == Outcome::fail ? 1 : 0;
        skipped += r.outcome == Outcome::skip ? 1 : 0;
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"" +
                      xml_escape(suite) + "\" tests=\"" + std::to_string(results.size()) +
                      "\" failures=\"" + std::to_string(failures) + "\" skipped=\"" +
                      std::to_string(skipped) + "\">\n";
    for (const auto &r : results) {
        out += "  <testcase classname=\"ccattest.conformance\" name=\"" +
               xml_escape(r.id + " " + r.title) + "\"";
        if (r.outcome == Outcome::pass) {
            out += "/>\n";
        } else if (r.outcome == Outcome::skip) {
            out += "><skipped message=\"" + xml_escape(r.detail) + "\"/></testcase>\n";
        } else {
            out += "><failure message=\"" + xml_escape(r.detail) + "\"/></testcase>\n";
        }
    }
    return out + "</testsuite>\n";
}

std::string json_report(const std::vector<CheckResult> &results, const Options &options) {
    json::array checks_out;
    size_t failed = 0;
    for (const auto &r : results) {
        failed += r.outcome == Outcome::fail ? 1 : 0;
        checks_out.push_back({{"id", r.id},
                              {"title", r.title},
                              {"outcome", outcome_name(r.outcome)},
                              {"detail", r.detail}});
    }
    json::object out{{"plugin", options.plugin.string()},
                     {"passed", failed == 0},
                     {"checks", std::move(checks_out)}};
    return json::serialize(out);
}

} // namespace ccattest::conformance
