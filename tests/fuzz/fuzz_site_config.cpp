// Fuzz target: the provisioned site config, its drop-in folder and the JSON Schema validator.
// The input is a site file, optionally followed by drop-in files, each after fuzz::separator. They
// are written into a scratch folder (site.json and conf.d/<n>.json) and loaded with
// ccattest::load_site_config: it either returns a config or throws ConfigError; nothing else may
// escape. Every part that is JSON is also validated against each built-in schema (site, plugin,
// policy, scenario), which must answer with violations, never throw.
#include "fuzz_support.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/json_schema.hpp"
#include "ccattest/core/logging.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace {
namespace json = boost::json;

constexpr size_t max_drop_ins = 4;
// Drop-in file names: the stem becomes the plugin's name unless the file sets "name".
constexpr std::array<const char *, max_drop_ins> drop_in_names = {"example.json", "snp.json",
                                                                  "10-vendor.json", "x.json"};

const fuzz::Scratch &scratch() {
    static const fuzz::Scratch folder("site-config");
    return folder;
}

struct Schemas {
    std::vector<std::unique_ptr<ccattest::JsonSchema>> all;
    Schemas() {
        const auto &plugin = ccattest::builtin_schema("plugin.schema.json");
        all.push_back(std::make_unique<ccattest::JsonSchema>(
            ccattest::builtin_schema("site.schema.json"),
            std::map<std::string, json::value>{{"plugin.schema.json", plugin}}));
        all.push_back(std::make_unique<ccattest::JsonSchema>(plugin));
        all.push_back(
            std::make_unique<ccattest::JsonSchema>(ccattest::builtin_schema("policy.schema.json")));
        all.push_back(std::make_unique<ccattest::JsonSchema>(
            ccattest::builtin_schema("scenario.schema.json")));
    }
};

const Schemas &schemas() {
    static const Schemas built;
    return built;
}

void validate_everywhere(std::string_view text) {
    json::value document;
    try {
        document = ccattest::support::parse_json(text);
    } catch (const ccattest::sdk::failure &) {
        return;
    }
    for (const auto &schema : schemas().all) {
        for (const auto &violation : schema->validate(document)) {
            fuzz::require(violation.pointer.empty() || violation.pointer.front() == '/',
                          "a violation's location is not a JSON pointer: " + violation.pointer);
            fuzz::require(!violation.message.empty(), "a violation without a message");
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int * /*argc*/, char *** /*argv*/) {
    // Only errors: the loader's warnings would flood the output.
    ccattest::logging::configure(ccattest::LogLevel::error, ccattest::LogFormat::text, std::cerr);
    (void)scratch();
    (void)schemas();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const auto parts = fuzz::split(fuzz::text_of(data, size), 1 + max_drop_ins);
    const auto &folder = scratch().fresh();
    const auto site_file = folder / "site.json";
    fuzz::write_file(site_file, parts[0]);
    for (size_t i = 1; i < parts.size(); ++i) {
        fuzz::write_file(folder / "conf.d" / drop_in_names.at(i - 1), parts[i]);
    }
    try {
        const ccattest::SiteConfig site = ccattest::load_site_config(site_file, "/nonexistent");
        fuzz::require(!site.site_name.empty(), "a loaded site has no name");
        std::set<std::string> labels;
        for (const auto &plugin : site.plugins) {
            fuzz::require(labels.insert(plugin.label).second,
                          "two plugins share the name " + plugin.label);
            fuzz::require(!plugin.library.empty(), "a plugin without a library");
        }
    } catch (const ccattest::ConfigError &e) {
        fuzz::require(!e.problems().empty(), "a ConfigError that lists no problem");
    }
    for (const auto part : parts) {
        validate_everywhere(part);
    }
    return 0;
}
