// The broken-plugin zoo through the real loading path: each plugin is refused (or accepted) with
// its exact reason, and the core keeps working afterwards.
#define BOOST_TEST_MODULE zoo
#include <boost/test/unit_test.hpp>

#include "ccattest/core/logging.hpp"
#include "ccattest/core/registry.hpp"
#include "support/scratch_dir.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using ccattest::PluginEntry;
using ccattest::PluginRecord;
using ccattest::Registry;
using ccattest::SiteConfig;

namespace {

constexpr const char *zoo_dir = ZOO_DIR;

fs::path zoo(const std::string &variant) {
    return fs::path(zoo_dir) / ("libzoo_" + variant + ".so");
}

using ccattest::test::ScratchDir;

PluginEntry entry(const std::string &label, const fs::path &library, bool critical = false) {
    PluginEntry e;
    e.origin_file = "zoo.json";
    e.origin_pointer = "/plugins/" + label;
    e.label = label;
    e.library = library.string();
    e.critical = critical;
    return e;
}

SiteConfig site_with(std::vector<PluginEntry> entries) {
    SiteConfig site;
    site.file = "zoo.json";
    site.site_name = "zoo";
    site.plugin_dir = zoo_dir;
    site.plugins = std::move(entries);
    return site;
}

// Loads one plugin alone and returns its record.
PluginRecord load_one(const fs::path &library, std::optional<std::string> sha256 = std::nullopt) {
    auto e = entry("subject", library);
    e.sha256 = std::move(sha256);
    const Registry registry(site_with({e}));
    BOOST_REQUIRE_EQUAL(registry.plugins().size(), 1u);
    return registry.plugins().front();
}

std::string refusal(const std::string &variant) {
    const auto record = load_one(zoo(variant));
    BOOST_TEST((record.state == PluginRecord::State::refused));
    BOOST_TEST(!record.authorizer);
    return record.reason;
}

// The core still loads and runs a good plugin: generate then verify with the right binding.
void core_still_works() {
    const Registry registry(site_with({entry("good", zoo("good"))}));
    const auto authorizer = registry.find("x-zoo");
    BOOST_REQUIRE(authorizer);
    std::array<uint8_t, 64> report_data{};
    report_data.fill(0x5A);
    const auto token = authorizer->generate(report_data);
    BOOST_REQUIRE(token.ok());
    const auto claims =
        authorizer->verify(token.output, std::span<const uint8_t, 64>(report_data), 0);
    BOOST_TEST(claims.ok());
}

} // namespace

BOOST_AUTO_TEST_CASE(good_plugin_loads_and_round_trips) {
    const auto record = load_one(zoo("good"));
    BOOST_TEST((record.state == PluginRecord::State::loaded));
    BOOST_TEST(record.reason.empty());
    BOOST_TEST(record.warnings.empty());
    BOOST_TEST(record.authorizer->library().negotiated_minor() == 1);
    core_still_works();
}

BOOST_AUTO_TEST_CASE(no_entry_symbol) {
    BOOST_TEST(refusal("no_entry") == "refusing " + zoo("no_entry").string() +
                                          ": no entry symbol ccattest_authorizer_entry (not a "
                                          "ccattest authorizer plugin)");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(wrong_major) {
    BOOST_TEST(refusal("wrong_major") == "refusing " + zoo("wrong_major").string() +
                                             ": plugin is built for ABI 2.1, this core speaks ABI "
                                             "1.0 to 1.1");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(newer_minor_loads_at_negotiated_minor) {
    const auto record = load_one(zoo("newer_minor"));
    BOOST_TEST((record.state == PluginRecord::State::loaded));
    BOOST_TEST(record.authorizer->library().negotiated_minor() == 1);
    BOOST_TEST(record.authorizer->library().api().abi_minor == 2);
    core_still_works();
}

BOOST_AUTO_TEST_CASE(newer_minor_that_cannot_downgrade_is_refused) {
    BOOST_TEST(refusal("newer_minor_strict") ==
               "refusing " + zoo("newer_minor_strict").string() +
                   ": entry refused (version_mismatch): plugin needs ABI 1.2, host offers ABI 1.0 "
                   "to 1.1");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(null_mandatory_slot) {
    BOOST_TEST(refusal("null_slot") ==
               "refusing " + zoo("null_slot").string() +
                   ": mandatory slot 'verify' (capabilities declare verify) is NULL");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(struct_size_smaller_than_the_minor_requires) {
    BOOST_TEST(refusal("small_struct") == "refusing " + zoo("small_struct").string() +
                                              ": table struct_size 96 is smaller than the 128 "
                                              "bytes ABI 1.1 requires");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(struct_size_larger_than_the_host_knows_loads) {
    const auto record = load_one(zoo("large_struct"));
    BOOST_TEST((record.state == PluginRecord::State::loaded));
    BOOST_TEST(record.authorizer->namespace_id() == "x-zoo-large");
    BOOST_TEST(record.authorizer->library().negotiated_minor() == 1);
    core_still_works();
}

BOOST_AUTO_TEST_CASE(entry_returns_an_error) {
    BOOST_TEST(refusal("entry_error") == "refusing " + zoo("entry_error").string() +
                                             ": entry refused (no_device): zoo: entry failed on "
                                             "purpose");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(create_fails_with_a_message) {
    BOOST_TEST(refusal("create_fails") == "create failed (config): zoo: create failed on purpose");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(invalid_namespace) {
    BOOST_TEST(refusal("bad_namespace") ==
               "refusing " + zoo("bad_namespace").string() +
                   ": invalid namespace \"SNP plugin\": expected \"x-\" then lower-case letters, "
                   "digits and single hyphens, at most 64 characters");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(duplicate_namespace) {
    const Registry registry(
        site_with({entry("first", zoo("good")), entry("second", zoo("duplicate_namespace"))}));
    BOOST_REQUIRE_EQUAL(registry.plugins().size(), 2u);
    BOOST_TEST((registry.plugins()[0].state == PluginRecord::State::loaded));
    BOOST_TEST((registry.plugins()[1].state == PluginRecord::State::refused));
    BOOST_TEST(registry.plugins()[1].reason == "namespace x-zoo is already provided by plugin "
                                               "'first' (" +
                                                   zoo("good").string() + ")");
    BOOST_TEST(registry.find("x-zoo") == registry.plugins()[0].authorizer);
    core_still_works();
}

BOOST_AUTO_TEST_CASE(group_and_world_writable_files) {
    const ScratchDir scratch;
    const fs::path copy = scratch.path() / "libzoo_copy.so";
    fs::copy_file(zoo("good"), copy);
    ::chmod(copy.c_str(), 0664);
    BOOST_TEST(load_one(copy).reason ==
               "refusing " + copy.string() + ": file is group-writable (mode 0664)");
    ::chmod(copy.c_str(), 0646);
    BOOST_TEST(load_one(copy).reason ==
               "refusing " + copy.string() + ": file is world-writable (mode 0646)");
    ::chmod(copy.c_str(), 0644);
    BOOST_TEST((load_one(copy).state == PluginRecord::State::loaded));
}

BOOST_AUTO_TEST_CASE(file_owned_by_someone_else) {
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: changing a file's owner needs root");
        return;
    }
    const ScratchDir scratch;
    const fs::path copy = scratch.path() / "libzoo_owned.so";
    fs::copy_file(zoo("good"), copy);
    BOOST_REQUIRE(::chown(copy.c_str(), 65534, 65534) == 0);
    BOOST_TEST(load_one(copy).reason == "refusing " + copy.string() +
                                            ": owned by uid 65534, neither root nor the current "
                                            "user (uid 0)");
}

BOOST_AUTO_TEST_CASE(sha256_pin) {
    const std::string zeros(64, '0');
    BOOST_TEST(load_one(zoo("good"), zeros)
                   .reason.find("refusing " + zoo("good").string() +
                                ": sha256 mismatch: the config pins " + zeros +
                                ", the file has ") == 0u);
    // The right pin loads: take the digest the refusal reported.
    const std::string reason = load_one(zoo("good"), zeros).reason;
    const std::string actual = reason.substr(reason.size() - 64);
    BOOST_TEST((load_one(zoo("good"), actual).state == PluginRecord::State::loaded));
}

BOOST_AUTO_TEST_CASE(extra_exported_symbols_load_with_a_warning) {
    const auto record = load_one(zoo("extra_exports"));
    BOOST_TEST((record.state == PluginRecord::State::loaded));
    BOOST_REQUIRE_EQUAL(record.warnings.size(), 1u);
    BOOST_TEST(record.warnings[0].find("exports 2 symbol(s) besides ccattest_authorizer_entry: ") ==
               0u);
    BOOST_TEST(record.warnings[0].find("zoo_extra_symbol_a") != std::string::npos);
    BOOST_TEST(record.warnings[0].find("zoo_extra_symbol_b") != std::string::npos);
    core_still_works();
}

BOOST_AUTO_TEST_CASE(missing_file_and_non_plugin_file) {
    BOOST_TEST(load_one(fs::path(zoo_dir) / "libzoo_absent.so").reason ==
               "cannot open " + (fs::path(zoo_dir) / "libzoo_absent.so").string() +
                   ": No such file or directory");
    const ScratchDir scratch;
    const fs::path text = scratch.path() / "libnot_elf.so";
    std::ofstream(text) << "not a shared object";
    BOOST_TEST(load_one(text).reason.find("cannot load " + text.string() + ": ") == 0u);
    BOOST_TEST(load_one(scratch.path()).reason ==
               "refusing " + scratch.path().string() + ": not a regular file");
}

BOOST_AUTO_TEST_CASE(critical_failure_stops_startup_optional_is_skipped) {
    const Registry optional(
        site_with({entry("broken", zoo("entry_error")), entry("good", zoo("good"))}));
    BOOST_TEST(!optional.startup_failure().has_value());
    BOOST_TEST((optional.plugins()[1].state == PluginRecord::State::loaded));

    const Registry critical(
        site_with({entry("broken", zoo("entry_error"), true), entry("good", zoo("good"))}));
    BOOST_REQUIRE(critical.startup_failure().has_value());
    BOOST_TEST(*critical.startup_failure() ==
               "critical plugin 'broken' failed: refusing " + zoo("entry_error").string() +
                   ": entry refused (no_device): zoo: entry failed on purpose");
}

BOOST_AUTO_TEST_CASE(whole_zoo_in_one_registry) {
    // Every variant in one site: the registry records each outcome and the good ones work.
    std::vector<PluginEntry> entries;
    for (const char *variant :
         {"no_entry", "wrong_major", "newer_minor", "newer_minor_strict", "null_slot",
          "small_struct", "large_struct", "entry_error", "create_fails", "bad_namespace", "good",
          "duplicate_namespace", "extra_exports"}) {
        entries.push_back(entry(variant, zoo(variant)));
    }
    const Registry registry(site_with(entries));
    std::vector<std::string> loaded;
    for (const auto &record : registry.plugins()) {
        if (record.state == PluginRecord::State::loaded) {
            loaded.push_back(record.entry.label);
        }
    }
    const std::vector<std::string> expected = {"newer_minor", "large_struct", "good",
                                               "extra_exports"};
    BOOST_TEST(loaded == expected, boost::test_tools::per_element());
    BOOST_TEST(!registry.startup_failure().has_value());
}

BOOST_AUTO_TEST_CASE(plugin_log_lines_are_tagged_with_the_plugin_name) {
    std::ostringstream captured;
    ccattest::logging::configure(ccattest::LogLevel::info, ccattest::LogFormat::text, captured);
    { const Registry registry(site_with({entry("good", zoo("good"))})); }
    ccattest::logging::configure(ccattest::LogLevel::warning, ccattest::LogFormat::text, std::clog);
    BOOST_TEST(captured.str().find("info [plugin:good] zoo instance created") != std::string::npos);
    BOOST_TEST(
        captured.str().find("info [loader] loaded plugin 'good': x-zoo 0.0.1 (ABI 1.1) from ") !=
        std::string::npos);
}

BOOST_AUTO_TEST_CASE(serialize_capability_is_honoured) {
    // The plugin fails any verify that overlaps another; the host must never let that happen.
    const Registry registry(site_with({entry("serial", zoo("serialize"))}));
    const auto authorizer = registry.find("x-zoo-serial");
    BOOST_REQUIRE(authorizer);
    std::array<uint8_t, 64> report_data{};
    const auto token = authorizer->generate(report_data).output;
    std::array<int, 4> failures{};
    std::vector<std::thread> threads;
    for (size_t t = 0; t < failures.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 100; ++i) {
                failures[t] += authorizer->verify(token, std::nullopt, 0).ok() ? 0 : 1;
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    for (const int f : failures) {
        BOOST_TEST(f == 0);
    }
}

// ---- where the file lives: every folder on the way, and the bytes that were checked

namespace {

// A folder under `parent` with exactly `mode` (umask aside).
fs::path folder_with_mode(const fs::path &parent, const std::string &name, mode_t mode) {
    fs::path folder = parent / name;
    fs::create_directory(folder);
    BOOST_REQUIRE(::chmod(folder.c_str(), mode) == 0);
    return folder;
}

fs::path copy_of(const std::string &variant, const fs::path &folder) {
    fs::path copy = folder / ("libzoo_" + variant + ".so");
    fs::copy_file(zoo(variant), copy);
    BOOST_REQUIRE(::chmod(copy.c_str(), 0644) == 0);
    return copy;
}

std::string contents(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

BOOST_AUTO_TEST_CASE(world_writable_folder_is_refused) {
    const ScratchDir scratch;
    const fs::path open = folder_with_mode(scratch.path(), "open", 0777);
    const fs::path copy = copy_of("good", open);
    BOOST_TEST(load_one(copy).reason == "refusing " + copy.string() + ": folder " + open.string() +
                                            " is world-writable (mode 0777) and not sticky");
    // A folder further up counts as much as the file's own folder.
    const fs::path deeper = folder_with_mode(open, "deeper", 0755);
    const fs::path deep_copy = copy_of("good", deeper);
    BOOST_TEST(load_one(deep_copy).reason == "refusing " + deep_copy.string() + ": folder " +
                                                 open.string() +
                                                 " is world-writable (mode 0777) and not sticky");
}

BOOST_AUTO_TEST_CASE(group_writable_folder_is_refused) {
    const ScratchDir scratch;
    const fs::path shared = folder_with_mode(scratch.path(), "shared", 0775);
    const fs::path copy = copy_of("good", shared);
    BOOST_TEST(load_one(copy).reason == "refusing " + copy.string() + ": folder " +
                                            shared.string() +
                                            " is group-writable (mode 0775) and not sticky");
    BOOST_REQUIRE(::chmod(shared.c_str(), 0755) == 0);
    BOOST_TEST((load_one(copy).state == PluginRecord::State::loaded));
}

BOOST_AUTO_TEST_CASE(sticky_world_writable_folder_only_when_owned_by_root) {
    // The temporary folder itself is the usual sticky root-owned case: every scratch copy in
    // these tests loads through it.
    struct stat temp {};
    BOOST_REQUIRE(::stat(fs::temp_directory_path().c_str(), &temp) == 0);
    if ((temp.st_mode & S_ISVTX) != 0 && temp.st_uid == 0) {
        const ScratchDir scratch;
        BOOST_TEST(
            (load_one(copy_of("good", scratch.path())).state == PluginRecord::State::loaded));
    } else {
        BOOST_TEST_MESSAGE("skipped the /tmp case: " << fs::temp_directory_path()
                                                     << " is not sticky and owned by root");
    }
    // A sticky world-writable folder of our own: fine for root, refused for anyone else.
    const ScratchDir scratch;
    const fs::path sticky = folder_with_mode(scratch.path(), "sticky", 01777);
    const fs::path copy = copy_of("good", sticky);
    if (::geteuid() == 0) {
        BOOST_TEST((load_one(copy).state == PluginRecord::State::loaded));
    } else {
        BOOST_TEST(load_one(copy).reason ==
                   "refusing " + copy.string() + ": folder " + sticky.string() +
                       " is world-writable (mode 1777) and sticky, but not owned by root");
    }
}

BOOST_AUTO_TEST_CASE(folder_owned_by_someone_else) {
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: changing a folder's owner needs root");
        return;
    }
    const ScratchDir scratch;
    const fs::path theirs = folder_with_mode(scratch.path(), "theirs", 0755);
    const fs::path copy = copy_of("good", theirs);
    BOOST_REQUIRE(::chown(theirs.c_str(), 65534, 65534) == 0);
    BOOST_TEST(load_one(copy).reason == "refusing " + copy.string() + ": folder " +
                                            theirs.string() +
                                            " is owned by uid 65534, neither root nor the current "
                                            "user (uid 0)");
}

BOOST_AUTO_TEST_CASE(symbolic_links_are_followed_and_their_folders_checked) {
    const ScratchDir scratch;
    const fs::path safe = folder_with_mode(scratch.path(), "safe", 0755);
    const fs::path copy = copy_of("good", safe);
    // A link in a safe folder to a file in a safe folder loads.
    const fs::path link = safe / "libzoo_link.so";
    fs::create_symlink(copy, link);
    BOOST_TEST((load_one(link).state == PluginRecord::State::loaded));
    // A link in a world-writable folder could be pointed elsewhere: refused, naming that folder.
    const fs::path open = folder_with_mode(scratch.path(), "open", 0777);
    const fs::path exposed = open / "libzoo_link.so";
    fs::create_symlink(copy, exposed);
    BOOST_TEST(load_one(exposed).reason == "refusing " + exposed.string() + ": folder " +
                                               open.string() +
                                               " is world-writable (mode 0777) and not sticky");
    // So is a safe-looking path whose folder is a link into a world-writable folder.
    const fs::path inner = folder_with_mode(open, "inner", 0755);
    const fs::path inner_copy = copy_of("good", inner);
    const fs::path via = safe / "via";
    fs::create_directory_symlink(inner, via);
    const fs::path through = via / inner_copy.filename();
    BOOST_TEST(load_one(through).reason == "refusing " + through.string() + ": folder " +
                                               open.string() +
                                               " is world-writable (mode 0777) and not sticky");
}

BOOST_AUTO_TEST_CASE(a_link_owned_by_someone_else_is_refused) {
    // In a sticky folder anyone may plant a link; its owner decides where it leads.
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: giving a link to another owner needs root");
        return;
    }
    const ScratchDir scratch;
    const fs::path safe = folder_with_mode(scratch.path(), "safe", 0755);
    const fs::path copy = copy_of("good", safe);
    const fs::path link = safe / "libzoo_planted.so";
    fs::create_symlink(copy, link);
    BOOST_REQUIRE(::lchown(link.c_str(), 65534, 65534) == 0);
    BOOST_TEST(load_one(link).reason ==
               "refusing " + link.string() + ": link " + link.string() +
                   " is owned by uid 65534, neither root nor the current user (uid 0)");
}

BOOST_AUTO_TEST_CASE(a_fifo_is_refused_without_blocking) {
    const ScratchDir scratch;
    const fs::path fifo = scratch.path() / "libzoo_fifo.so";
    BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    BOOST_TEST(load_one(fifo).reason == "refusing " + fifo.string() + ": not a regular file");
}

BOOST_AUTO_TEST_CASE(the_checked_bytes_are_the_loaded_bytes) {
    // Between the checks and the load the file at the path is replaced by another plugin: the
    // one that was checked (and matches the pin) is still the one that loads.
    const ScratchDir scratch;
    const fs::path path = copy_of("good", scratch.path());
    const fs::path other = copy_of("large_struct", scratch.path());
    const std::string zeros(64, '0');
    const std::string reason = load_one(path, zeros).reason;
    const std::string good_digest = reason.substr(reason.size() - 64);

    bool swapped = false;
    const auto library = ccattest::PluginLibrary::open({"swap", path, good_digest, [&] {
                                                            fs::rename(other, path);
                                                            swapped = true;
                                                        }});
    BOOST_TEST(swapped);
    BOOST_TEST(contents(path) == contents(zoo("large_struct")));
    BOOST_TEST(std::string(library->api().namespace_id) == "x-zoo");
    BOOST_TEST(library->path() == path);
    // Loading the path afresh now gets the replacement, which the pin refuses.
    BOOST_TEST(load_one(path, good_digest)
                   .reason.find("refusing " + path.string() +
                                ": sha256 mismatch: the config pins " + good_digest) == 0u);
    BOOST_TEST(
        std::string(
            ccattest::PluginLibrary::open({"swapped", path, std::nullopt})->api().namespace_id) ==
        "x-zoo-large");
}

// ---- ABI 1.1: inspect2, and what the host reads of a table at each negotiated minor

namespace {

struct Inspected {
    ccattest::OperationResult result;
    std::string log; ///< every log line written meanwhile, the plugin's included
};

// Inspects `token` through a registry holding only `variant`, capturing the log.
Inspected inspect_logged(const std::string &variant, const std::string &namespace_id,
                         std::span<const uint8_t> token) {
    std::ostringstream captured;
    ccattest::logging::configure(ccattest::LogLevel::info, ccattest::LogFormat::text, captured);
    Inspected out;
    {
        const Registry registry(site_with({entry(variant, zoo(variant))}));
        const auto authorizer = registry.find(namespace_id);
        BOOST_REQUIRE(authorizer);
        out.result = authorizer->inspect(token);
    }
    ccattest::logging::configure(ccattest::LogLevel::warning, ccattest::LogFormat::text, std::clog);
    out.log = captured.str();
    return out;
}

std::string text_of(const ccattest::OperationResult &result) {
    return {result.output.begin(), result.output.end()};
}

} // namespace

BOOST_AUTO_TEST_CASE(inspect2_is_called_when_1_1_is_negotiated) {
    {
        // (Scoped: the library is loaded afresh below, under the label the log lines carry.)
        const auto record = load_one(zoo("inspect"));
        BOOST_REQUIRE((record.state == PluginRecord::State::loaded));
        BOOST_TEST(record.authorizer->library().negotiated_minor() == 1);
        BOOST_TEST(record.authorizer->library().api().inspect2 != nullptr);
    }
    std::array<uint8_t, 64> token{};
    token[0] = 7;
    const auto inspected = inspect_logged("inspect", "x-zoo-inspect", token);
    BOOST_TEST(inspected.result.ok());
    BOOST_TEST(text_of(inspected.result) == R"({"token_size":64,"first_byte":7})");
    BOOST_TEST(inspected.log.find("[plugin:inspect] zoo inspect through inspect2\n") !=
               std::string::npos);
    BOOST_TEST(inspected.log.find("zoo inspect through inspect\n") == std::string::npos);

    // The plugin's refusal reaches the caller through inspect2 as well.
    const std::array<uint8_t, 3> short_token{1, 2, 3};
    const auto refused = inspect_logged("inspect", "x-zoo-inspect", short_token);
    BOOST_TEST(refused.result.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(refused.result.message == "zoo token must be 64 bytes");
    BOOST_TEST(refused.result.output.empty());
    // An empty token never reaches the plugin.
    const auto empty = inspect_logged("inspect", "x-zoo-inspect", {});
    BOOST_TEST(empty.result.status == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(empty.result.message == "empty token");
    BOOST_TEST(empty.log.find("zoo inspect through") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_table_declaring_1_0_is_read_as_1_0_even_when_longer) {
    // The table is 1.1-sized and its inspect2 slot is set, but it declares minor 0: the host
    // negotiates 1.0, sees inspect2 as NULL and calls inspect.
    {
        const auto record = load_one(zoo("inspect_declares_1_0"));
        BOOST_REQUIRE((record.state == PluginRecord::State::loaded));
        const auto &library = record.authorizer->library();
        BOOST_TEST(library.negotiated_minor() == 0);
        BOOST_TEST(library.api().abi_minor == 0);
        BOOST_TEST(library.api().inspect != nullptr);
        BOOST_TEST(library.api().inspect2 == nullptr);
    }
    std::array<uint8_t, 64> token{};
    token[0] = 9;
    const auto inspected = inspect_logged("inspect_declares_1_0", "x-zoo-inspect-10", token);
    BOOST_TEST(inspected.result.ok());
    BOOST_TEST(text_of(inspected.result) == R"({"token_size":64,"first_byte":9})");
    BOOST_TEST(inspected.log.find("[plugin:inspect_declares_1_0] zoo inspect through inspect\n") !=
               std::string::npos);
    BOOST_TEST(inspected.log.find("through inspect2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_table_declaring_1_1_with_the_1_0_layout_is_refused) {
    BOOST_TEST(refusal("short_1_1") == "refusing " + zoo("short_1_1").string() +
                                           ": table struct_size 120 is smaller than the 128 "
                                           "bytes ABI 1.1 requires");
    core_still_works();
}

BOOST_AUTO_TEST_CASE(a_plugin_without_inspect_slots_says_so) {
    const std::array<uint8_t, 64> token{};
    const auto inspected = inspect_logged("good", "x-zoo", token);
    BOOST_TEST(inspected.result.status == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(inspected.result.message == "plugin offers no inspect");
}

BOOST_AUTO_TEST_CASE(namespace_and_version_forms) {
    for (const char *good : {"x-snp", "x-nv-gpu", "x-a1-b2-c3", "x-0"}) {
        BOOST_TEST(ccattest::is_valid_namespace(good), good);
    }
    for (const char *bad : {"", "x-", "x--snp", "x-snp-", "-x-snp", "X-snp", "x-Snp", "y-snp",
                            "x_snp", "x-sn p", "snp"}) {
        BOOST_TEST(!ccattest::is_valid_namespace(bad), bad);
    }
    BOOST_TEST(ccattest::is_valid_namespace("x-" + std::string(62, 'a')));
    BOOST_TEST(!ccattest::is_valid_namespace("x-" + std::string(63, 'a')));

    for (const char *good : {"0.0.1", "1.2.3", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha-2",
                             "1.0.0+build.5", "1.0.0-rc.1+sha.abc", "1.0.0-0A.-"}) {
        BOOST_TEST(ccattest::is_semantic_version(good), good);
    }
    for (const char *bad :
         {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3+", "1.2.3-rc_1",
          "1.2.3+a+b", "v1.2.3", "1.2.3 ", "1..3", "1.2.3-ä"}) {
        BOOST_TEST(!ccattest::is_semantic_version(bad), bad);
    }
}
