// `ccattest collateral list|prefetch|clear` (collateral_command.hpp).
#include "collateral_command.hpp"

#include "ccattest/core/logging.hpp"

#include <ccattest/support/crypto.hpp>

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <array>
#include <ctime>
#include <iostream>
#include <optional>

namespace ccattest::cli {
namespace {
namespace po = boost::program_options;
namespace json = boost::json;
namespace fs = std::filesystem;

// A wrong command line or a site without a cache: printed, exit status 2.
class CommandError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Invocation {
    std::string action;
    std::vector<std::string> urls;
    po::variables_map values;
};

Invocation parse_arguments(const std::vector<std::string> &args,
                           const po::options_description &visible) {
    po::options_description all;
    all.add(visible);
    all.add_options()("action", po::value<std::string>())("url",
                                                          po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("action", 1).add("url", -1);
    Invocation out;
    try {
        po::store(po::command_line_parser(args).options(all).positional(positional).run(),
                  out.values);
        po::notify(out.values);
    } catch (const po::error &e) {
        throw CommandError(std::string("collateral: ") + e.what());
    }
    if (out.values.count("action") != 0) {
        out.action = out.values["action"].as<std::string>();
    }
    if (out.values.count("url") != 0) {
        out.urls = out.values["url"].as<std::vector<std::string>>();
    }
    return out;
}

// The options that fit the action, or a CommandError naming the one that does not.
void check_arguments(const Invocation &call) {
    if (call.action.empty()) {
        throw CommandError("collateral: say what to do: list, prefetch or clear "
                           "(see ccattest collateral --help)");
    }
    if (call.action != "list" && call.action != "prefetch" && call.action != "clear") {
        throw CommandError("collateral: unknown action '" + call.action +
                           "' (list, prefetch or clear)");
    }
    const bool prefetch = call.action == "prefetch";
    if (!prefetch && !call.urls.empty()) {
        throw CommandError("collateral " + call.action + " takes no URL (got '" +
                           call.urls.front() + "')");
    }
    if (!prefetch && call.values.count("namespace") != 0) {
        throw CommandError("collateral " + call.action + ": --namespace is only for prefetch");
    }
    if (call.action != "list" && call.values.count("json") != 0) {
        throw CommandError("collateral " + call.action + ": --json is only for list");
    }
    if (prefetch && call.values.count("namespace") == 0) {
        throw CommandError("collateral prefetch: --namespace NS is required: the plugin "
                           "namespace whose network.allowed_hosts the fetches use");
    }
    if (prefetch && call.urls.empty()) {
        throw CommandError("collateral prefetch: name at least one URL to fetch");
    }
}

SiteConfig load_site(const po::variables_map &values, const InstalledPaths &paths) {
    const fs::path file = values.count("config") != 0 ? fs::path(values["config"].as<std::string>())
                                                      : paths.site_config;
    SiteConfig site = load_site_config(file, paths.plugin_dir);
    logging::configure(site.logging.level, site.logging.format, std::cerr);
    if (site.state_dir.empty()) {
        throw CommandError("collateral: the site config sets no state_dir, so there is no "
                           "collateral cache (" +
                           site.file.string() + ")");
    }
    return site;
}

fs::path cache_folder(const SiteConfig &site) {
    return site.state_dir / "collateral";
}

json::object entry_json(const net::CacheEntry &entry, int64_t now) {
    return {{"method", entry.method},
            {"url", entry.url},
            {"request_body_sha256", entry.request_body_sha256},
            {"status", entry.status},
            {"bytes", entry.body.size()},
            {"fetched_at", support::rfc3339(entry.fetched_at)},
            {"fresh_until", support::rfc3339(entry.fresh_until)},
            {"fresh", now < entry.fresh_until}};
}

int list_entries(const SiteConfig &site, bool as_json) {
    const net::CollateralCache cache(cache_folder(site), site.network.cache_max_bytes);
    const auto entries = cache.list();
    const auto now = static_cast<int64_t>(std::time(nullptr));
    if (as_json) {
        json::array items;
        for (const auto &entry : entries) {
            items.emplace_back(entry_json(entry, now));
        }
        std::cout << json::serialize(json::object{{"folder", cache.folder().string()},
                                                  {"entries", std::move(items)}})
                  << '\n';
        return exit_ok;
    }
    size_t total = 0;
    for (const auto &entry : entries) {
        total += entry.body.size();
        std::cout << entry.method << ' ' << entry.url << ' ' << entry.status << ' '
                  << entry.body.size() << ' ' << support::rfc3339(entry.fetched_at) << ' '
                  << support::rfc3339(entry.fresh_until) << ' '
                  << (now < entry.fresh_until ? "fresh" : "stale") << '\n';
    }
    std::cout << entries.size() << (entries.size() == 1 ? " entry, " : " entries, ") << total
              << " bytes in " << cache.folder().string() << '\n';
    return exit_ok;
}

int clear_entries(const SiteConfig &site) {
    const net::CollateralCache cache(cache_folder(site), site.network.cache_max_bytes);
    const size_t removed = cache.clear();
    std::cout << "removed " << removed << (removed == 1 ? " entry" : " entries") << " from "
              << cache.folder().string() << '\n';
    return exit_ok;
}

// Why a fetched answer was not stored, or nullopt when it was.
std::optional<std::string> not_stored_reason(const net::FetchResult &result) {
    const unsigned status = result.response.status;
    if (status < 200 || status > 299) {
        return "HTTP " + std::to_string(status) + ", not stored";
    }
    if (result.fresh_until != 0) {
        return std::nullopt;
    }
    if (!net::fresh_until_from_headers(result.response, result.fetched_at, 0)) {
        return "HTTP " + std::to_string(status) +
               ", not stored: the server forbids it (Cache-Control: no-store)";
    }
    return "HTTP " + std::to_string(status) + ", not stored (the log says why)";
}

int prefetch(const SiteConfig &site, const std::string &plugin_namespace,
             const std::vector<std::string> &urls) {
    const auto service = site_network(site, true);
    int status = exit_ok;
    for (const std::string &url : urls) {
        net::FetchRequest request;
        request.http.method = "GET";
        request.http.url = url;
        try {
            const net::FetchResult result = service->fetch(plugin_namespace, request);
            if (const auto reason = not_stored_reason(result)) {
                std::cerr << "ccattest: collateral prefetch: " << url << ": " << *reason << '\n';
                status = exit_failed;
                continue;
            }
            std::cout << "stored GET " << url << ": HTTP " << result.response.status << ", "
                      << result.response.body.size() << " bytes, fresh until "
                      << support::rfc3339(result.fresh_until) << '\n';
        } catch (const net::FetchError &e) {
            // The service's messages mostly name the URL already.
            const std::string message = e.what();
            std::cerr << "ccattest: collateral prefetch: "
                      << (message.rfind(url, 0) == 0 ? "" : url + ": ") << message << " ("
                      << ccattest_status_name(e.status()) << ")\n";
            status = exit_failed;
        }
    }
    return status;
}

} // namespace

po::options_description collateral_options(const InstalledPaths &paths) {
    po::options_description options(
        "ccattest collateral list [--config FILE] [--json]\n"
        "ccattest collateral clear [--config FILE]\n"
        "ccattest collateral prefetch [--config FILE] --namespace NS URL...\n\n"
        "The collateral cache (the site's state_dir/collateral/) keeps what plugins fetched:\n"
        "certificates, CRLs, TCB info. list: one line per entry (method, URL, HTTP status, "
        "bytes,\n"
        "fetched and fresh-until times in UTC, fresh or stale). clear: removes every entry.\n"
        "prefetch: fetches each URL now, as plugin namespace NS would (the site's\n"
        "network.allowed_hosts applies; network.mode is taken as online), and stores it, so a\n"
        "site can then verify offline.\n"
        "Exit status: 0 done, 1 a fetch failed, 2 usage or config error.\n\nOptions");
    options.add_options()("help,h", "show this help")(
        "config,c", po::value<std::string>()->value_name("FILE"),
        ("site config file (default: " + paths.site_config.string() + ")").c_str())(
        "namespace,n", po::value<std::string>()->value_name("NS"),
        "prefetch: fetch as this plugin namespace, as `ccattest plugins` lists it")(
        "json", "list: print a JSON object instead of text");
    return options;
}

int run_collateral(const std::vector<std::string> &args, const InstalledPaths &paths) {
    const auto options = collateral_options(paths);
    try {
        const Invocation call = parse_arguments(args, options);
        if (call.values.count("help") != 0) {
            std::cout << options << '\n';
            return exit_ok;
        }
        check_arguments(call);
        const SiteConfig site = load_site(call.values, paths);
        if (call.action == "list") {
            return list_entries(site, call.values.count("json") != 0);
        }
        if (call.action == "clear") {
            return clear_entries(site);
        }
        return prefetch(site, call.values["namespace"].as<std::string>(), call.urls);
    } catch (const CommandError &e) {
        std::cerr << "ccattest: " << e.what() << '\n';
        return exit_usage;
    }
}

std::shared_ptr<net::FetchService> site_network(const SiteConfig &site, bool online) {
    net::NetworkConfig config = site.network;
    if (online) {
        config.mode = net::NetworkConfig::Mode::online;
    }
    return std::make_shared<net::FetchService>(
        std::move(config), site.state_dir.empty() ? fs::path() : site.state_dir / "collateral");
}

} // namespace ccattest::cli
