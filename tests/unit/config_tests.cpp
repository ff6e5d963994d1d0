#include "ccattest/core/config.hpp"
#include "support/scratch_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
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

BOOST_AUTO_TEST_CASE(syntax_errors_name_line_and_column) {
    const ConfigDir dir;
    const auto file = dir.write("site.json", "{\n  \"site\": {\"name\": \"ok\"},\n  oops\n}");
    BOOST_TEST(errors_of(file) == (Lines{file.string() + ":3:3: invalid JSON: syntax error"}),
               boost::test_tools::per_element());
    const auto truncated = dir.write("t.json", "{\"site\": ");
    BOOST_TEST(errors_of(truncated).at(0).find(truncated.string() + ":1:10: invalid JSON: ") == 0u);
}

BOOST_AUTO_TEST_CASE(unreadable_inputs) {
    const ConfigDir dir;
    BOOST_TEST(errors_of(dir.path() / "absent.json") ==
                   (Lines{(dir.path() / "absent.json").string() + ": no such file"}),
               boost::test_tools::per_element());
    BOOST_TEST(errors_of(dir.path()) == (Lines{dir.path().string() + ": not a regular file"}),
               boost::test_tools::per_element());
    const auto big = dir.write("big.json", std::string((1U << 20U) + 1, ' '));
    BOOST_TEST(errors_of(big) ==
                   (Lines{big.string() + ": file is larger than 1 MiB (1048577 bytes)"}),
               boost::test_tools::per_element());
    const auto not_object = dir.write("array.json", "[]");
    BOOST_TEST(errors_of(not_object) ==
                   (Lines{not_object.string() + ": /: expected object, got array"}),
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
