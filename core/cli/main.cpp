// The ccattest command-line tool. Exit codes: 0 ok, 1 rejected or failed, 2 usage or config error.
#include "ccattest/core/config.hpp"
#include "ccattest/core/logging.hpp"
#include "ccattest/core/registry.hpp"

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace {
namespace po = boost::program_options;
namespace json = boost::json;
namespace fs = std::filesystem;

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The plugin folder and site file of an installation, found relative to this executable, so the
// build tree (which mirrors the install layout) and any install prefix work alike.
fs::path installed_path(const char *relative) {
    return (boost::dll::program_location().parent_path() / relative).lexically_normal().string();
}

fs::path default_plugin_dir() {
    return installed_path(CCATTEST_RELATIVE_PLUGIN_DIR);
}
fs::path default_config() {
    return installed_path(CCATTEST_RELATIVE_SITE_CONFIG);
}

struct Command {
    const char *name;
    const char *summary;
    std::function<po::options_description()> options;
    std::function<int(const po::variables_map &)> run;
};

po::variables_map parse(const po::options_description &options,
                        const std::vector<std::string> &args) {
    po::variables_map values;
    try {
        po::store(po::command_line_parser(args).options(options).run(), values);
        po::notify(values);
    } catch (const po::error &e) {
        throw UsageError(e.what());
    }
    return values;
}

ccattest::SiteConfig load_config(const po::variables_map &values) {
    const fs::path file = values.count("config") != 0 ? fs::path(values["config"].as<std::string>())
                                                      : default_config();
    fs::path plugin_dir = default_plugin_dir();
    auto site = ccattest::load_site_config(file, plugin_dir);
    if (values.count("plugin-dir") != 0) {
        site.plugin_dir = values["plugin-dir"].as<std::string>();
    }
    ccattest::logging::configure(site.logging.level, site.logging.format, std::cerr);
    return site;
}

po::options_description plugins_options() {
    po::options_description options(
        "ccattest plugins [options]\n\n"
        "Loads every plugin the site config names and lists each one: "
        "where it came from, whether it loaded, and why not.\n"
        "Exit status: 0 when every critical plugin loaded, 1 when one did "
        "not, 2 on a usage or config error.\n\nOptions");
    options.add_options()("help,h", "show this help")(
        "config,c", po::value<std::string>()->value_name("FILE"),
        ("site config file (default: " + default_config().string() + ")").c_str())(
        "plugin-dir", po::value<std::string>()->value_name("DIR"),
        "resolve bare library names in DIR instead of the config's plugin_dir")(
        "json", "print a JSON object instead of text");
    return options;
}

json::object plugin_json(const ccattest::PluginRecord &record) {
    json::object out;
    out["name"] = record.entry.label;
    out["source"] = record.entry.origin_file +
                    (record.entry.origin_pointer.empty() ? "" : "#" + record.entry.origin_pointer);
    out["library"] = record.entry.library;
    out["path"] = record.resolved_path.string();
    out["state"] = ccattest::state_name(record.state);
    out["critical"] = record.entry.critical;
    if (!record.reason.empty()) {
        out["reason"] = record.reason;
    }
    json::array warnings;
    for (const auto &w : record.warnings) {
        warnings.emplace_back(w);
    }
    out["warnings"] = std::move(warnings);
    if (record.authorizer) {
        const auto &library = record.authorizer->library();
        const auto &api = library.api();
        out["namespace"] = api.namespace_id;
        out["plugin_name"] = api.name;
        out["vendor"] = api.vendor;
        out["version"] = api.plugin_version;
        out["token_format"] = api.token_format;
        out["evidence_format"] = api.evidence_format;
        out["abi"] = {
            {"negotiated",
             std::to_string(api.abi_major) + "." + std::to_string(library.negotiated_minor())},
            {"plugin", std::to_string(api.abi_major) + "." + std::to_string(api.abi_minor)}};
        json::array capabilities;
        for (const auto &c : ccattest::capability_names(api.capabilities)) {
            capabilities.emplace_back(c);
        }
        out["capabilities"] = std::move(capabilities);
    }
    return out;
}

void print_plugin_text(const ccattest::PluginRecord &record) {
    std::cout << record.entry.label << ": " << ccattest::state_name(record.state)
              << (record.entry.critical ? " (critical)" : "") << '\n';
    std::cout << "  source:       " << record.entry.origin_file
              << (record.entry.origin_pointer.empty() ? "" : " at " + record.entry.origin_pointer)
              << '\n';
    if (!record.resolved_path.empty()) {
        std::cout << "  path:         " << record.resolved_path.string() << '\n';
    }
    if (!record.reason.empty()) {
        std::cout << "  reason:       " << record.reason << '\n';
    }
    if (record.authorizer) {
        const auto &library = record.authorizer->library();
        const auto &api = library.api();
        std::string capabilities;
        for (const auto &c : ccattest::capability_names(api.capabilities)) {
            capabilities += (capabilities.empty() ? "" : ", ") + c;
        }
        std::cout << "  namespace:    " << api.namespace_id << '\n'
                  << "  plugin:       " << api.name << " " << api.plugin_version << " by "
                  << api.vendor << '\n'
                  << "  abi:          " << api.abi_major << "." << library.negotiated_minor()
                  << " (plugin built for " << api.abi_major << "." << api.abi_minor << ")\n"
                  << "  formats:      token " << api.token_format << ", evidence "
                  << api.evidence_format << '\n'
                  << "  capabilities: " << capabilities << '\n';
    }
    for (const auto &w : record.warnings) {
        std::cout << "  warning:      " << w << '\n';
    }
}

int run_plugins(const po::variables_map &values) {
    const auto site = load_config(values);
    const ccattest::Registry registry(site);
    if (values.count("json") != 0) {
        json::object out;
        out["config"] = site.file.string();
        out["site"] = site.site_name;
        out["plugin_dir"] = site.plugin_dir.string();
        json::array plugins;
        for (const auto &record : registry.plugins()) {
            plugins.emplace_back(plugin_json(record));
        }
        out["plugins"] = std::move(plugins);
        out["startup_ok"] = !registry.startup_failure().has_value();
        if (registry.startup_failure()) {
            out["startup_failure"] = *registry.startup_failure();
        }
        std::cout << json::serialize(out) << '\n';
    } else {
        std::cout << "site " << site.site_name << " (" << site.file.string() << "), plugin dir "
                  << site.plugin_dir.string() << "\n\n";
        for (const auto &record : registry.plugins()) {
            print_plugin_text(record);
        }
        if (registry.plugins().empty()) {
            std::cout << "no plugins configured\n";
        }
        if (registry.startup_failure()) {
            std::cout << "\nstart-up would fail: " << *registry.startup_failure() << '\n';
        }
    }
    return registry.startup_failure() ? exit_failed : exit_ok;
}

const std::vector<Command> &commands() {
    static const std::vector<Command> table = {
        {"plugins", "list the configured plugins and whether each loads", plugins_options,
         run_plugins},
    };
    return table;
}

void print_overview(std::ostream &out) {
    out << "ccattest " CCATTEST_VERSION
           " - confidential-computing attestation for federated systems\n\n"
           "usage: ccattest <command> [options]\n       ccattest help <command>\n\ncommands:\n";
    for (const auto &command : commands()) {
        out << "  " << command.name << std::string(12 - std::string(command.name).size(), ' ')
            << command.summary << '\n';
    }
    out << "\nexit status: 0 ok, 1 rejected or failed, 2 usage or config error\n";
}

const Command *find_command(const std::string &name) {
    for (const auto &command : commands()) {
        if (name == command.name) {
            return &command;
        }
    }
    return nullptr;
}

int dispatch(const std::vector<std::string> &args) {
    if (args.empty()) {
        print_overview(std::cerr);
        return exit_usage;
    }
    const std::string &first = args.front();
    if (first == "--help" || first == "-h") {
        print_overview(std::cout);
        return exit_ok;
    }
    if (first == "--version") {
        std::cout << "ccattest " CCATTEST_VERSION " (plugin ABI " << CCATTEST_ABI_MAJOR << "."
                  << CCATTEST_ABI_MINOR << ")\n";
        return exit_ok;
    }
    if (first == "help") {
        if (args.size() == 1) {
            print_overview(std::cout);
            return exit_ok;
        }
        const Command *command = find_command(args[1]);
        if (command == nullptr) {
            throw UsageError("unknown command '" + args[1] + "'");
        }
        std::cout << command->options() << '\n';
        return exit_ok;
    }
    const Command *command = find_command(first);
    if (command == nullptr) {
        throw UsageError("unknown command '" + first + "' (see ccattest --help)");
    }
    const auto options = command->options();
    const auto values = parse(options, {args.begin() + 1, args.end()});
    if (values.count("help") != 0) {
        std::cout << options << '\n';
        return exit_ok;
    }
    return command->run(values);
}

} // namespace

int main(int argc, char **argv) {
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const UsageError &e) {
        std::cerr << "ccattest: " << e.what() << '\n';
        return exit_usage;
    } catch (const ccattest::ConfigError &e) {
        std::cerr << "ccattest: configuration error:\n";
        for (const auto &problem : e.problems()) {
            std::cerr << "  " << problem << '\n';
        }
        return exit_usage;
    } catch (const std::exception &e) {
        std::cerr << "ccattest: " << e.what() << '\n';
        return exit_failed;
    }
}
