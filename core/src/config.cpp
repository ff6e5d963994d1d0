#include "ccattest/core/config.hpp"

#include "ccattest/core/json_schema.hpp"
#include "embedded_schemas.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace ccattest {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_config_file_size = 1U << 20U;

std::string join_lines(const std::vector<std::string> &lines) {
    std::string out;
    for (const auto &line : lines) {
        out += (out.empty() ? "" : "\n") + line;
    }
    return out;
}

const JsonSchema &schema_for(std::string_view name) {
    // Both schemas are built once; site.schema.json refers to plugin.schema.json by name.
    static const JsonSchema site(builtin_schema("site.schema.json"),
                                 {{"plugin.schema.json", builtin_schema("plugin.schema.json")}});
    static const JsonSchema plugin(builtin_schema("plugin.schema.json"));
    return name == "site.schema.json" ? site : plugin;
}

void validate_or_throw(const json::value &document, std::string_view schema_name,
                       const std::string &file) {
    const auto violations = schema_for(schema_name).validate(document);
    if (violations.empty()) {
        return;
    }
    std::vector<std::string> problems;
    problems.reserve(violations.size());
    for (const auto &v : violations) {
        problems.push_back(config_problem(file, v.pointer, v.message));
    }
    throw ConfigError(std::move(problems));
}

LogLevel parse_level(std::string_view text) {
    static const std::map<std::string_view, LogLevel> levels = {{"trace", LogLevel::trace},
                                                                {"debug", LogLevel::debug},
                                                                {"info", LogLevel::info},
                                                                {"warning", LogLevel::warning},
                                                                {"error", LogLevel::error}};
    return levels.at(text);
}

std::string library_label(const std::string &library) {
    std::string name = fs::path(library).filename().string();
    if (name.rfind("lib", 0) == 0) {
        name = name.substr(3);
    }
    if (const auto dot = name.find('.'); dot != std::string::npos) {
        name = name.substr(0, dot);
    }
    return name;
}

PluginEntry make_entry(const json::object &object, const std::string &file,
                       const std::string &pointer, const std::string &default_label) {
    PluginEntry entry;
    entry.origin_file = file;
    entry.origin_pointer = pointer;
    entry.library = std::string(object.at("library").get_string());
    entry.label =
        object.contains("name") ? std::string(object.at("name").get_string()) : default_label;
    if (const auto *pin = object.if_contains("sha256")) {
        std::string hex(pin->get_string());
        std::transform(hex.begin(), hex.end(), hex.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        entry.sha256 = hex;
    }
    if (const auto *critical = object.if_contains("critical")) {
        entry.critical = critical->get_bool();
    }
    if (const auto *enabled = object.if_contains("enabled")) {
        entry.enabled = enabled->get_bool();
    }
    if (const auto *config = object.if_contains("config")) {
        entry.config = config->get_object();
    }
    return entry;
}

// A library is an absolute path or a bare file name: relative paths with folders would depend on
// the working directory, which a provisioned config must not.
void check_library_form(const PluginEntry &entry, std::vector<std::string> &problems) {
    const fs::path library(entry.library);
    if (!library.is_absolute() && library.has_parent_path()) {
        problems.push_back(config_problem(entry.origin_file, entry.origin_pointer + "/library",
                                          "expected an absolute path or a bare file name, got \"" +
                                              entry.library + "\""));
    }
}

} // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

std::string config_problem(const std::string &file, const std::string &pointer,
                           const std::string &message) {
    return file + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + message;
}

json::value parse_json_text(std::string_view text, const std::string &origin) {
    json::stream_parser parser;
    boost::system::error_code ec;
    const size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) {
        parser.finish(ec);
    }
    if (ec) {
        // Report the position of the first byte the parser could not take, as line:column.
        const size_t offset = std::min(consumed, text.size());
        size_t line = 1;
        size_t column = 1;
        for (size_t i = 0; i < offset; ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw ConfigError({origin + ":" + std::to_string(line) + ":" + std::to_string(column) +
                           ": invalid JSON: " + ec.message()});
    }
    return parser.release();
}

json::value read_json_file(const fs::path &file) {
    const std::string name = file.string();
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        throw ConfigError(
            {name + ": " + (fs::exists(file, ec) ? "not a regular file" : "no such file")});
    }
    const auto size = fs::file_size(file, ec);
    if (ec || size > max_config_file_size) {
        throw ConfigError(
            {name + ": " +
             (ec ? "cannot read size: " + ec.message()
                 : "file is larger than 1 MiB (" + std::to_string(size) + " bytes)")});
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
        throw ConfigError({name + ": cannot read file"});
    }
    return parse_json_text(text.str(), name);
}

const json::value &builtin_schema(std::string_view name) {
    static const std::map<std::string, json::value, std::less<>> schemas = [] {
        std::map<std::string, json::value, std::less<>> parsed;
        for (const auto &[file, text] : embedded_schemas()) {
            parsed.emplace(file, json::parse(text));
        }
        return parsed;
    }();
    const auto found = schemas.find(name);
    if (found == schemas.end()) {
        throw std::out_of_range("no built-in schema named " + std::string(name));
    }
    return found->second;
}

SiteConfig load_site_config(const fs::path &file, const fs::path &default_plugin_dir) {
    const std::string name = file.string();
    const json::value document = read_json_file(file);
    validate_or_throw(document, "site.schema.json", name);
    const json::object &root = document.get_object();

    SiteConfig site;
    site.file = file;
    const fs::path base = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    const json::object &site_block = root.at("site").get_object();
    site.site_name = std::string(site_block.at("name").get_string());
    if (const auto *role = site_block.if_contains("role")) {
        site.role = std::string(role->get_string());
    }
    site.plugin_dir = default_plugin_dir;
    if (const auto *dir = root.if_contains("plugin_dir")) {
        site.plugin_dir = (base / std::string(dir->get_string())).lexically_normal();
    }
    if (const auto *policy = root.if_contains("policy")) {
        site.policy = (base / std::string(policy->get_string())).lexically_normal();
    }
    if (const auto *state = root.if_contains("state_dir")) {
        site.state_dir = (base / std::string(state->get_string())).lexically_normal();
    }
    if (const auto *logging = root.if_contains("logging")) {
        const auto &block = logging->get_object();
        if (const auto *level = block.if_contains("level")) {
            site.logging.level = parse_level(level->get_string());
        }
        if (const auto *format = block.if_contains("format")) {
            site.logging.format =
                format->get_string() == "json" ? LogFormat::json : LogFormat::text;
        }
    }
    if (const auto *plugins = root.if_contains("plugins")) {
        size_t index = 0;
        for (const auto &item : plugins->get_array()) {
            const std::string pointer = "/plugins/" + std::to_string(index++);
            const auto &object = item.get_object();
            site.plugins.push_back(
                make_entry(object, name, pointer,
                           library_label(std::string(object.at("library").get_string()))));
        }
    }

    // The drop-in folder: named explicitly (then it must exist) or conf.d beside the file
    // (optional).
    fs::path drop_in = base / "conf.d";
    bool drop_in_required = false;
    if (const auto *dir = root.if_contains("conf_d")) {
        drop_in = base / std::string(dir->get_string());
        drop_in_required = true;
    }
    std::error_code ec;
    std::vector<std::string> problems;
    if (fs::is_directory(drop_in, ec)) {
        std::vector<fs::path> files;
        for (const auto &item : fs::directory_iterator(drop_in, ec)) {
            if (item.path().extension() == ".json") {
                files.push_back(item.path());
            }
        }
        if (ec) {
            throw ConfigError({drop_in.string() + ": cannot list folder: " + ec.message()});
        }
        std::sort(files.begin(), files.end());
        for (const auto &drop_in_file : files) {
            try {
                const json::value entry_document = read_json_file(drop_in_file);
                validate_or_throw(entry_document, "plugin.schema.json", drop_in_file.string());
                site.plugins.push_back(make_entry(entry_document.get_object(),
                                                  drop_in_file.string(), "",
                                                  drop_in_file.stem().string()));
            } catch (const ConfigError &e) {
                problems.insert(problems.end(), e.problems().begin(), e.problems().end());
            }
        }
    } else if (drop_in_required) {
        problems.push_back(
            config_problem(name, "/conf_d", "folder " + drop_in.string() + " does not exist"));
    }

    std::map<std::string, const PluginEntry *> labels;
    for (const auto &entry : site.plugins) {
        check_library_form(entry, problems);
        const auto [existing, inserted] = labels.emplace(entry.label, &entry);
        if (!inserted) {
            problems.push_back(
                config_problem(entry.origin_file, entry.origin_pointer,
                               "plugin name \"" + entry.label + "\" is already used by " +
                                   existing->second->origin_file +
                                   (existing->second->origin_pointer.empty()
                                        ? std::string()
                                        : " at " + existing->second->origin_pointer)));
        }
    }
    if (!problems.empty()) {
        throw ConfigError(std::move(problems));
    }
    return site;
}

} // namespace ccattest
