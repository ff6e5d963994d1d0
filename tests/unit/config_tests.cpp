#include "ccattest/core/config.hpp"
#include "support/scratch_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using ccattest::ConfigError;
using ccattest::load_site_config;

namespace {

using ConfigDir = ccattest::test::ScratchDir;

std::vector<std::string> errors_of(const fs::path &file) {
    try {
        (void)load_site_config(file, "/plugins");
    } catch (const ConfigError &e) {
        return e.problems();
    }
    return {};
}

using Lines = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(site_file_and_drop_ins_load_in_order) {
    const ConfigDir dir;
    const auto site = dir.write("site.json", R"({
        "site": {"name": "client-1", "role": "client"},
        "plugin_dir": "lib",
        "logging": {"level": "debug", "format": "json"},
        "plugins": [{"library": "libcc_first.so", "critical": true, "sha256": ")" +
                                                 std::string(64, 'A') + R"("}]})");
    dir.write("conf.d/20-b.json", R"({"library": "/opt/libcc_b.so", "enabled": false})");
    dir.write("conf.d/10-a.json", R"({"library": "libcc_a.so", "config": {"k": 1}})");
    dir.write("conf.d/README.txt", "not json, ignored");
    const auto config = load_site_config(site, "/default");
    BOOST_TEST(config.site_name == "client-1");
    BOOST_TEST(config.role == "client");
    BOOST_TEST(config.plugin_dir == dir.path() / "lib");
    BOOST_TEST((config.logging.level == ccattest::LogLevel::debug));
    BOOST_TEST((config.logging.format == ccattest::LogFormat::json));
    BOOST_REQUIRE_EQUAL(config.plugins.size(), 3u);
    BOOST_TEST(config.plugins[0].label == "cc_first");
    BOOST_TEST(config.plugins[0].critical);
    BOOST_TEST(*config.plugins[0].sha256 == std::string(64, 'a'));
    BOOST_TEST(config.plugins[0].origin_pointer == "/plugins/0");
    BOOST_TEST(config.plugins[1].label == "10-a");
    BOOST_TEST(config.plugins[1].origin_file == (dir.path() / "conf.d/10-a.json").string());
    BOOST_TEST(config.plugins[1].origin_pointer == "");
    BOOST_TEST(config.plugins[1].config.at("k").as_int64() == 1);
    BOOST_TEST(config.plugins[2].label == "20-b");
    BOOST_TEST(!config.plugins[2].enabled);
}

BOOST_AUTO_TEST_CASE(defaults) {
    const ConfigDir dir;
    const auto config =
        load_site_config(dir.write("s.json", R"({"site":{"name":"x"}})"), "/default");
    BOOST_TEST(config.plugin_dir == "/default");
    BOOST_TEST((config.logging.level == ccattest::LogLevel::info));
    BOOST_TEST((config.logging.format == ccattest::LogFormat::text));
    BOOST_TEST(config.plugins.empty());
    BOOST_TEST(config.role.empty());
}

BOOST_AUTO_TEST_CASE(errors_name_file_and_pointer) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", R"({"site": {"name": "ok"},
        "plugins": [{"library": "libcc_a.so"}, {"library": "libcc_b.so", "sha256": "abc", "extra": 1}]})");
    const std::string name = file.string();
    BOOST_TEST(errors_of(file) == (Lines{name + ": /plugins/1/sha256: expected 64 hex characters",
                                         name + ": /plugins/1/extra: unknown key"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(drop_in_errors_name_the_drop_in_file) {
    const ConfigDir dir;
    const auto site = dir.write("site.json", R"({"site": {"name": "ok"}})");
    const auto bad =
        dir.write("conf.d/snp.json", R"({"library": "libcc_snp.so", "critical": "yes"})");
    const auto missing = dir.write("conf.d/gpu.json", R"({"config": {}})");
    BOOST_TEST(errors_of(site) ==
                   (Lines{missing.string() + ": /: missing required key \"library\"",
                          bad.string() + ": /critical: expected boolean, got string"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(library_must_be_absolute_or_bare) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", R"({"site": {"name": "ok"},
        "plugins": [{"library": "../evil/libcc_x.so"}]})");
    BOOST_TEST(errors_of(file) ==
                   (Lines{file.string() + ": /plugins/0/library: expected an absolute path or a "
                                          "bare file name, got \"../evil/libcc_x.so\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_plugin_names) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", R"({"site": {"name": "ok"},
        "plugins": [{"library": "libcc_x.so"}, {"library": "/other/libcc_x.so"}]})");
    BOOST_TEST(errors_of(file) ==
                   (Lines{file.string() + ": /plugins/1: plugin name \"cc_x\" is already used by " +
                          file.string() + " at /plugins/0"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_named_drop_in_folder) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", R"({"site": {"name": "ok"}, "conf_d": "plugins.d"})");
    BOOST_TEST(errors_of(file) == (Lines{file.string() + ": /conf_d: folder " +
                                         (dir.path() / "plugins.d").string() + " does not exist"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(conf_d_naming_a_file_is_not_a_folder) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", R"({"site": {"name": "ok"}, "conf_d": "plugins.d"})");
    dir.write("plugins.d", "a file, not a folder");
    BOOST_TEST(errors_of(file) == (Lines{file.string() + ": /conf_d: " +
                                         (dir.path() / "plugins.d").string() + " is not a folder"}),
               boost::test_tools::per_element());
    // The implicit conf.d beside the site file, when something other than a folder.
    const auto implicit = dir.write("implicit/site.json", R"({"site": {"name": "ok"}})");
    dir.write("implicit/conf.d", "a file, not a folder");
    BOOST_TEST(errors_of(implicit) ==
                   (Lines{implicit.string() + ": /: " + (dir.path() / "implicit/conf.d").string() +
                          " is not a folder"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(symbolic_link_loops_say_so) {
    const ConfigDir dir;
    const auto site = dir.write("site.json", R"({"site": {"name": "ok"}})");
    fs::create_directory(dir.path() / "conf.d");
    const fs::path loop = dir.path() / "conf.d/loop.json";
    fs::create_symlink("loop.json", loop);
    BOOST_TEST(errors_of(site) ==
                   (Lines{loop.string() + ": too many levels of symbolic links (a link loop?)"}),
               boost::test_tools::per_element());

    const auto named = dir.write("named/site.json", R"({"site": {"name": "ok"}, "conf_d": "d"})");
    const fs::path folder_loop = dir.path() / "named/d";
    fs::create_symlink("d", folder_loop);
    BOOST_TEST(errors_of(named) ==
                   (Lines{named.string() + ": /conf_d: folder " + folder_loop.string() +
                          ": too many levels of symbolic links (a link loop?)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(drop_in_file_names_follow_the_plugin_name_rule) {
    const ConfigDir dir;
    const auto site = dir.write("site.json", R"({"site": {"name": "ok"}})");
    const auto spaced = dir.write("conf.d/my plugin.json", R"({"library": "libcc_a.so"})");
    const auto dashed = dir.write("conf.d/-x.json", R"({"library": "libcc_b.so"})");
    const std::string rule = "expected a name of 1 to 64 letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit";
    BOOST_TEST(errors_of(site) == (Lines{dashed.string() +
                                             ": /: the file name gives the plugin name \"-x\", "
                                             "which is not valid: " +
                                             rule + " (rename the file or set \"name\")",
                                         spaced.string() +
                                             ": /: the file name gives the plugin name \"my "
                                             "plugin\", which is not valid: " +
                                             rule + " (rename the file or set \"name\")"}),
               boost::test_tools::per_element());
    // An explicit name makes the file name irrelevant.
    dir.write("conf.d/my plugin.json", R"({"library": "libcc_a.so", "name": "a"})");
    dir.write("conf.d/-x.json", R"({"library": "libcc_b.so", "name": "b"})");
    const auto config = load_site_config(site, "/plugins");
    BOOST_REQUIRE_EQUAL(config.plugins.size(), 2u);
    BOOST_TEST(config.plugins[0].label == "b");
    BOOST_TEST(config.plugins[1].label == "a");
}

BOOST_AUTO_TEST_CASE(hidden_drop_in_files_are_ignored) {
    const ConfigDir dir;
    const auto site = dir.write("site.json", R"({"site": {"name": "ok"}})");
    dir.write("conf.d/.snp.json", "{ an editor's backup, not JSON");
    dir.write("conf.d/.#gpu.json", "{ an editor's lock file");
    dir.write("conf.d/snp.json", R"({"library": "libcc_snp.so"})");
    const auto config = load_site_config(site, "/plugins");
    BOOST_REQUIRE_EQUAL(config.plugins.size(), 1u);
    BOOST_TEST(config.plugins[0].label == "snp");
}

BOOST_AUTO_TEST_CASE(library_names_that_leave_no_plugin_name) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", R"({"site": {"name": "ok"}, "plugins": [
        {"library": ".."}, {"library": "/opt/plugins/.."}, {"library": "."},
        {"library": "lib.so"}, {"library": "libmy plugin.so"}, {"library": "..", "name": "x"}]})");
    const std::string rule = "expected a name of 1 to 64 letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit";
    const std::string name = file.string();
    BOOST_TEST(
        errors_of(file) ==
            (Lines{name + ": /plugins/0/library: expected an absolute path or a bare file name, "
                          "got \"..\"",
                   name + ": /plugins/1/library: expected an absolute path or a bare file name, "
                          "got \"/opt/plugins/..\"",
                   name + ": /plugins/1: plugin name \"\" is already used by " + name +
                       " at /plugins/0",
                   name + ": /plugins/2/library: expected an absolute path or a bare file name, "
                          "got \".\"",
                   name + ": /plugins/2: plugin name \"\" is already used by " + name +
                       " at /plugins/0",
                   name +
                       ": /plugins/3/library: the library's file name gives the plugin name "
                       "\"\", which is not valid: " +
                       rule + " (set \"name\")",
                   name + ": /plugins/3: plugin name \"\" is already used by " + name +
                       " at /plugins/0",
                   name +
                       ": /plugins/4/library: the library's file name gives the plugin name "
                       "\"my plugin\", which is not valid: " +
                       rule + " (set \"name\")",
                   name + ": /plugins/5/library: expected an absolute path or a bare file name, "
                          "got \"..\""}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(syntax_errors_name_line_and_column) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", "{\n  \"site\": {\"name\": \"ok\"},\n  oops\n}");
    BOOST_TEST(errors_of(file) ==
                   (Lines{file.string() + ": line 3, column 3: invalid JSON: syntax error"}),
               boost::test_tools::per_element());
    const auto truncated = dir.write("t.json", "{\"site\": ");
    BOOST_TEST(errors_of(truncated).at(0).find(truncated.string() +
                                               ": line 1, column 10: invalid JSON: ") == 0u);
}

BOOST_AUTO_TEST_CASE(unreadable_inputs) {
    const ConfigDir dir;
    BOOST_TEST(errors_of(dir.path() / "absent.json") ==
                   (Lines{(dir.path() / "absent.json").string() + ": no such file"}),
               boost::test_tools::per_element());
    BOOST_TEST(errors_of(dir.path()) ==
                   (Lines{dir.path().string() + ": is a folder, not a regular file"}),
               boost::test_tools::per_element());
    const auto big = dir.write("big.json", std::string((1U << 20U) + 1, ' '));
    BOOST_TEST(errors_of(big) ==
                   (Lines{big.string() + ": is 1048577 bytes, more than the 1048576 allowed"}),
               boost::test_tools::per_element());
    // A FIFO with no writer is refused at once instead of blocking the read.
    const fs::path fifo = dir.path() / "fifo.json";
    BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    BOOST_TEST(errors_of(fifo) == (Lines{fifo.string() + ": is a FIFO, not a regular file"}),
               boost::test_tools::per_element());
    const auto not_object = dir.write("array.json", "[]");
    BOOST_TEST(errors_of(not_object) ==
                   (Lines{not_object.string() + ": /: expected object, got array"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(network_block_loads_with_paths_beside_the_site_file) {
    const ConfigDir dir;
    const auto site = dir.write("etc/site.json", R"({"site": {"name": "s"},
        "network": {"mode": "online", "allowed_hosts": {"x-snp": ["kdsintf.amd.com", "10.0.0.7"],
                                                        "x-nv-gpu": []},
                    "timeout_ms": 2500, "max_response_bytes": 65536, "ca_file": "../pki/pccs.pem",
                    "proxy": "http://proxy.internal:3128", "cache_max_bytes": 1048576}})");
    const auto config = load_site_config(site, "/default");
    using Mode = ccattest::net::NetworkConfig::Mode;
    BOOST_TEST((config.network.mode == Mode::online));
    BOOST_TEST((config.network.allowed_hosts.at("x-snp") ==
                std::vector<std::string>{"kdsintf.amd.com", "10.0.0.7"}));
    BOOST_TEST(config.network.allowed_hosts.at("x-nv-gpu").empty());
    BOOST_TEST(config.network.timeout.count() == 2500);
    BOOST_TEST(config.network.max_response_bytes == 65536u);
    BOOST_TEST(*config.network.ca_file == dir.path() / "pki/pccs.pem");
    BOOST_TEST(*config.network.proxy == "http://proxy.internal:3128");
    BOOST_TEST(config.network.cache_max_bytes == 1048576u);
}

BOOST_AUTO_TEST_CASE(network_defaults_to_offline) {
    const ConfigDir dir;
    const auto config = load_site_config(dir.write("s.json", R"({"site":{"name":"x"}})"), "/d");
    BOOST_TEST((config.network.mode == ccattest::net::NetworkConfig::Mode::offline));
    BOOST_TEST(config.network.allowed_hosts.empty());
    BOOST_TEST(!config.network.ca_file);
    BOOST_TEST(!config.network.proxy);
}

BOOST_AUTO_TEST_CASE(network_block_errors_name_the_key) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", R"({"site": {"name": "s"},
        "network": {"mode": "sometimes", "timeout_ms": 5, "retries": 3,
                    "allowed_hosts": {"x-snp": ["https://kds.example.com/"]},
                    "proxy": "socks5://p:1"}})");
    const std::string name = file.string();
    BOOST_TEST(errors_of(file) ==
                   (Lines{name + ": /network/mode: expected one of \"offline\", \"online\", got "
                                 "\"sometimes\"",
                          name + ": /network/timeout_ms: expected a number >= 100, got 5",
                          name + ": /network/retries: unknown key",
                          name + ": /network/allowed_hosts/x-snp/0: expected a host name "
                                 "(letters, digits, '.', '-', '_') or an IP address, without "
                                 "scheme, port or path",
                          name + ": /network/proxy: expected http://host:port"}),
               boost::test_tools::per_element());
    const auto bad_namespace = dir.write("ns.json", R"({"site": {"name": "s"},
        "network": {"allowed_hosts": {"SNP": ["kds.example.com"]}}})");
    BOOST_TEST(errors_of(bad_namespace) ==
                   (Lines{bad_namespace.string() +
                          ": /network/allowed_hosts/SNP: expected a plugin namespace (\"x-\" then "
                          "lower-case letters, digits and single hyphens, at most 64 characters)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(builtin_schemas_are_the_published_files) {
    BOOST_TEST(ccattest::builtin_schema("site.schema.json").at("title").as_string() ==
               "ccattest site configuration");
    BOOST_TEST(ccattest::builtin_schema("plugin.schema.json").at("title").as_string() ==
               "ccattest plugin entry");
    BOOST_CHECK_THROW((void)ccattest::builtin_schema("nope.json"), std::out_of_range);
}

BOOST_AUTO_TEST_SUITE_END()
